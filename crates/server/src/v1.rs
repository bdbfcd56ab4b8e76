//! `redbank.v1.Bank`. Every handler has the same shape: parse the request into
//! domain values (refusing bad input before any Redis call), make one store call,
//! convert the result.

use std::sync::Arc;

use redbank_api::convert::{
    account_to_proto, account_type_from_proto, amount_from_proto, kind_from_proto, millis_from_timestamp,
    money_to_proto, timestamp_from_millis, transaction_to_proto,
};
use redbank_api::v1::{self, bank_server::Bank};
use redbank_domain::limits::{
    ACCOUNTS_PAGE_SIZE_DEFAULT, ACCOUNTS_PAGE_SIZE_MAX, STATEMENT_PAGE_SIZE_DEFAULT, STATEMENT_PAGE_SIZE_MAX,
    TRANSACTIONS_PAGE_SIZE_DEFAULT, TRANSACTIONS_PAGE_SIZE_MAX,
};
use redbank_domain::{
    AccountId, AnnualRate, BalanceChange, Currency, Error, InterestDays, InterestPeriod, Memo, Reason,
    RequestId, StateChange, Transfer,
};
use redbank_store::{HistoryQuery, Posted, StatementCursor};
use tonic::{Request, Response, Status};

use crate::budget::bounds;
use crate::{AppState, access, status};

/// A page size from a request: 0 means the default, above the maximum is refused.
fn page_size(requested: i32, default: usize, max: usize) -> Result<usize, Error> {
    match usize::try_from(requested) {
        Ok(0) => Ok(default),
        Ok(n) if n <= max => Ok(n),
        _ => Err(Error::InvalidPageSize { max }),
    }
}

/// The optional time bounds of a request, in milliseconds; start before end.
fn time_range(
    start: Option<&prost_types::Timestamp>,
    end: Option<&prost_types::Timestamp>,
) -> Result<(Option<i64>, Option<i64>), Error> {
    let start = start.map(millis_from_timestamp).transpose()?;
    let end = end.map(millis_from_timestamp).transpose()?;
    if let (Some(s), Some(e)) = (start, end)
        && s >= e
    {
        return Err(Error::InvalidTimeRange("start_time must be before end_time".into()));
    }
    Ok((start, end))
}

/// The server's clock, in ms since the epoch.
fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub struct BankV1 {
    state: Arc<AppState>,
}

impl BankV1 {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }

    async fn post(
        &self,
        account_id: &str,
        change: impl FnOnce() -> Result<BalanceChange, Error>,
        request_id: &str,
        memo: &str,
    ) -> Result<(Option<v1::Transaction>, v1::Account), Status> {
        let parsed = (|| {
            Ok::<_, Error>((
                AccountId::parse(account_id)?,
                change()?,
                RequestId::parse_optional(request_id)?,
                Memo::parse(memo)?,
            ))
        })();
        let (id, change, request_id, memo) = parsed.map_err(|e| status::refused(&e))?;
        let Posted { transaction, account } = self
            .state
            .store
            .post(&id, &change, request_id.as_ref(), &memo)
            .await
            .map_err(status::from_store)?;
        Ok((transaction.as_ref().map(transaction_to_proto), account_to_proto(&account)))
    }

    async fn set_state(
        &self,
        account_id: &str,
        change: StateChange,
        reason: &str,
        request_id: &str,
    ) -> Result<Response<v1::Account>, Status> {
        let parsed = (|| {
            Ok::<_, Error>((
                AccountId::parse(account_id)?,
                Reason::parse(reason)?,
                RequestId::parse_optional(request_id)?,
            ))
        })();
        let (id, reason, request_id) = parsed.map_err(|e| status::refused(&e))?;
        let posted = self
            .state
            .store
            .set_state(&id, change, &reason, request_id.as_ref())
            .await
            .map_err(status::from_store)?;
        Ok(Response::new(account_to_proto(&posted.account)))
    }
}

#[tonic::async_trait]
impl Bank for BankV1 {
    async fn create_account(
        &self,
        request: Request<v1::CreateAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let r = request.into_inner();
        let parsed = (|| {
            let currency = if r.currency_code.is_empty() {
                self.state.default_currency
            } else {
                Currency::parse(&r.currency_code)?
            };
            Ok::<_, Error>((
                AccountId::parse(&r.account_id)?,
                account_type_from_proto(r.r#type)?,
                currency,
                RequestId::parse_optional(&r.request_id)?,
            ))
        })();
        let (id, account_type, currency, request_id) = parsed.map_err(|e| status::refused(&e))?;
        let account = self
            .state
            .store
            .create_account(&id, account_type, currency, request_id.as_ref())
            .await
            .map_err(status::from_store)?;
        Ok(Response::new(account_to_proto(&account)))
    }

    async fn get_account(
        &self,
        request: Request<v1::GetAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        let id = AccountId::parse(&request.get_ref().account_id).map_err(|e| status::refused(&e))?;
        let account = self.state.store.get_account(&id).await.map_err(status::from_store)?;
        Ok(Response::new(account_to_proto(&account)))
    }

    async fn deposit(
        &self,
        request: Request<v1::DepositRequest>,
    ) -> Result<Response<v1::DepositResponse>, Status> {
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let r = request.into_inner();
        let change = || Ok(BalanceChange::Deposit(amount_from_proto(r.amount.as_ref())?));
        let (transaction, account) = self.post(&r.account_id, change, &r.request_id, &r.memo).await?;
        Ok(Response::new(v1::DepositResponse { transaction, account: Some(account) }))
    }

    async fn withdraw(
        &self,
        request: Request<v1::WithdrawRequest>,
    ) -> Result<Response<v1::WithdrawResponse>, Status> {
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let r = request.into_inner();
        let change = || Ok(BalanceChange::Withdrawal(amount_from_proto(r.amount.as_ref())?));
        let (transaction, account) = self.post(&r.account_id, change, &r.request_id, &r.memo).await?;
        Ok(Response::new(v1::WithdrawResponse { transaction, account: Some(account) }))
    }

    async fn apply_interest(
        &self,
        request: Request<v1::ApplyInterestRequest>,
    ) -> Result<Response<v1::ApplyInterestResponse>, Status> {
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let r = request.into_inner();
        let (ceiling, policy) = (self.state.rate_ceiling, self.state.period_policy);
        let change = || {
            let period = InterestPeriod::parse_optional(&r.period)?;
            if let Some(p) = period {
                p.check_postable(now_millis(), policy)?;
            }
            // With a period, days 0 means the period's days rather than a year.
            let days = match period {
                Some(p) if r.days == 0 => InterestDays::from_request(p.days() as i32)?,
                _ => InterestDays::from_request(r.days)?,
            };
            Ok(BalanceChange::Interest {
                rate: AnnualRate::parse(&r.annual_rate_percent, ceiling)?,
                days,
                period,
            })
        };
        let (transaction, account) = self.post(&r.account_id, change, &r.request_id, &r.memo).await?;
        Ok(Response::new(v1::ApplyInterestResponse { transaction, account: Some(account) }))
    }

    async fn transfer(
        &self,
        request: Request<v1::TransferRequest>,
    ) -> Result<Response<v1::TransferResponse>, Status> {
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let r = request.into_inner();
        let parsed = (|| {
            let transfer = Transfer::new(
                AccountId::parse(&r.from_account_id)?,
                AccountId::parse(&r.to_account_id)?,
                amount_from_proto(r.amount.as_ref())?,
            )?;
            Ok::<_, Error>((transfer, RequestId::parse_optional(&r.request_id)?, Memo::parse(&r.memo)?))
        })();
        let (transfer, request_id, memo) = parsed.map_err(|e| status::refused(&e))?;
        let done = self
            .state
            .store
            .transfer(&transfer, request_id.as_ref(), &memo)
            .await
            .map_err(status::from_store)?;
        Ok(Response::new(v1::TransferResponse {
            from_transaction: Some(transaction_to_proto(&done.from.transaction)),
            to_transaction: Some(transaction_to_proto(&done.to.transaction)),
            from_account: Some(account_to_proto(&done.from.account)),
            to_account: Some(account_to_proto(&done.to.account)),
        }))
    }

    async fn list_transactions(
        &self,
        request: Request<v1::ListTransactionsRequest>,
    ) -> Result<Response<v1::ListTransactionsResponse>, Status> {
        let (_, extensions, r) = request.into_parts();
        let parsed = (|| {
            let id = AccountId::parse(&r.account_id)?;
            let size = page_size(r.page_size, TRANSACTIONS_PAGE_SIZE_DEFAULT, TRANSACTIONS_PAGE_SIZE_MAX)?;
            let (start_millis, end_millis) = time_range(r.start_time.as_ref(), r.end_time.as_ref())?;
            let mut kinds = r
                .kinds
                .iter()
                .map(|k| kind_from_proto(*k).ok_or(Error::InvalidKind(*k)))
                .collect::<Result<Vec<_>, _>>()?;
            kinds.sort_by_key(|k| k.code());
            kinds.dedup();
            Ok::<_, Error>((id, size, start_millis, end_millis, kinds))
        })();
        let (id, size, start_millis, end_millis, kinds) = parsed.map_err(|e| status::refused(&e))?;
        let reserved =
            self.state.responses.reserve(&extensions, bounds::page(size, bounds::TRANSACTION_BYTES))?;
        let kind_codes: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
        let (start_text, end_text, kinds_text) = (
            start_millis.map(|m| m.to_string()).unwrap_or_default(),
            end_millis.map(|m| m.to_string()).unwrap_or_default(),
            kind_codes.join(","),
        );
        let scope = ["transactions", id.as_str(), &start_text, &end_text, &kinds_text];
        let tokens = &self.state.tokens;
        let before = tokens.verify(&scope, &r.page_token).await.map_err(status::from_store)?;
        let query = HistoryQuery { start_millis, end_millis, kinds, before };
        let page = self.state.store.list_transactions(&id, &query, size).await.map_err(status::from_store)?;
        let next_page_token = match page.next_before {
            Some(cursor) => tokens.sign(&scope, &cursor).await.map_err(status::from_store)?,
            None => String::new(),
        };
        Ok(reserved.respond(v1::ListTransactionsResponse {
            transactions: page.transactions.iter().map(transaction_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn get_statement(
        &self,
        request: Request<v1::GetStatementRequest>,
    ) -> Result<Response<v1::GetStatementResponse>, Status> {
        let (_, extensions, r) = request.into_parts();
        let parsed = (|| {
            let id = AccountId::parse(&r.account_id)?;
            let missing = || Error::InvalidTimeRange("start_time and end_time are required".into());
            r.start_time.as_ref().zip(r.end_time.as_ref()).ok_or_else(missing)?;
            let (start, end) = time_range(r.start_time.as_ref(), r.end_time.as_ref())?;
            let size = page_size(r.page_size, STATEMENT_PAGE_SIZE_DEFAULT, STATEMENT_PAGE_SIZE_MAX)?;
            Ok::<_, Error>((id, start.unwrap_or_default(), end.unwrap_or_default(), size))
        })();
        let (id, start, end, size) = parsed.map_err(|e| status::refused(&e))?;
        let reserved =
            self.state.responses.reserve(&extensions, bounds::page(size, bounds::TRANSACTION_BYTES))?;
        let (start_text, end_text) = (start.to_string(), end.to_string());
        let scope = ["statement", id.as_str(), &start_text, &end_text];
        let tokens = &self.state.tokens;
        let cursor = match tokens.verify(&scope, &r.page_token).await.map_err(status::from_store)? {
            Some(text) => Some(
                StatementCursor::decode(&text).ok_or_else(|| status::refused(&Error::InvalidPageToken))?,
            ),
            None => None,
        };
        let page = self
            .state
            .store
            .statement_page(&id, start, end, cursor.as_ref(), size)
            .await
            .map_err(status::from_store)?;
        let next_page_token = match &page.next {
            Some(cursor) => tokens.sign(&scope, &cursor.encode()).await.map_err(status::from_store)?,
            None => String::new(),
        };
        Ok(reserved.respond(v1::GetStatementResponse {
            account_id: id.to_string(),
            start_time: Some(timestamp_from_millis(start)),
            end_time: Some(timestamp_from_millis(end)),
            opening_balance: Some(money_to_proto(page.opening)),
            transactions: page.transactions.iter().map(transaction_to_proto).collect(),
            closing_balance: Some(money_to_proto(page.closing)),
            total_in: Some(money_to_proto(page.total_in)),
            total_out: Some(money_to_proto(page.total_out)),
            next_page_token,
        }))
    }

    async fn freeze_account(
        &self,
        request: Request<v1::FreezeAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let r = request.into_inner();
        self.set_state(&r.account_id, StateChange::Freeze, &r.reason, &r.request_id).await
    }

    async fn unfreeze_account(
        &self,
        request: Request<v1::UnfreezeAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let r = request.into_inner();
        self.set_state(&r.account_id, StateChange::Unfreeze, &r.reason, &r.request_id).await
    }

    async fn close_account(
        &self,
        request: Request<v1::CloseAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let r = request.into_inner();
        self.set_state(&r.account_id, StateChange::Close, &r.reason, &r.request_id).await
    }

    async fn list_accounts(
        &self,
        request: Request<v1::ListAccountsRequest>,
    ) -> Result<Response<v1::ListAccountsResponse>, Status> {
        let (_, extensions, r) = request.into_parts();
        const SCOPE: [&str; 1] = ["accounts"];
        let size = page_size(r.page_size, ACCOUNTS_PAGE_SIZE_DEFAULT, ACCOUNTS_PAGE_SIZE_MAX)
            .map_err(|e| status::refused(&e))?;
        let reserved =
            self.state.responses.reserve(&extensions, bounds::page(size, bounds::ACCOUNT_BYTES))?;
        let tokens = &self.state.tokens;
        let cursor = match tokens.verify(&SCOPE, &r.page_token).await.map_err(status::from_store)? {
            Some(text) => text.parse::<u64>().map_err(|_| status::refused(&Error::InvalidPageToken))?,
            None => 0,
        };
        let (accounts, next) =
            self.state.store.list_accounts(cursor, size).await.map_err(status::from_store)?;
        let next_page_token = match next {
            0 => String::new(),
            next => tokens.sign(&SCOPE, &next.to_string()).await.map_err(status::from_store)?,
        };
        Ok(reserved.respond(v1::ListAccountsResponse {
            accounts: accounts.iter().map(account_to_proto).collect(),
            next_page_token,
        }))
    }
}
