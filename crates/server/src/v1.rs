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
    ACCOUNTS_PAGE_SIZE_DEFAULT, ACCOUNTS_PAGE_SIZE_MAX, TRANSACTIONS_PAGE_SIZE_DEFAULT,
    TRANSACTIONS_PAGE_SIZE_MAX,
};
use redbank_domain::{
    AccountId, AnnualRate, BalanceChange, Currency, Error, InterestDays, InterestPeriod, Memo, Reason,
    RequestId, StateChange, Transfer,
};
use redbank_store::{HistoryQuery, Posted};
use tonic::{Request, Response, Status};

use crate::{AppState, page_token, status};

/// A page size from a request: 0 means the default, above the maximum is refused.
fn page_size(requested: i32, default: usize, max: usize) -> Result<usize, Error> {
    match usize::try_from(requested) {
        Ok(0) => Ok(default),
        Ok(n) if n <= max => Ok(n),
        _ => Err(Error::InvalidPageSize { max }),
    }
}

/// An optional time bound of a request, in milliseconds.
fn optional_millis(t: Option<&prost_types::Timestamp>) -> Result<Option<i64>, Error> {
    t.map(millis_from_timestamp).transpose()
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
    ) -> Result<(v1::Transaction, v1::Account), Status> {
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
        Ok((transaction_to_proto(&transaction), account_to_proto(&account)))
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
        let r = request.into_inner();
        let change = || Ok(BalanceChange::Deposit(amount_from_proto(r.amount.as_ref())?));
        let (transaction, account) = self.post(&r.account_id, change, &r.request_id, &r.memo).await?;
        Ok(Response::new(v1::DepositResponse { transaction: Some(transaction), account: Some(account) }))
    }

    async fn withdraw(
        &self,
        request: Request<v1::WithdrawRequest>,
    ) -> Result<Response<v1::WithdrawResponse>, Status> {
        let r = request.into_inner();
        let change = || Ok(BalanceChange::Withdrawal(amount_from_proto(r.amount.as_ref())?));
        let (transaction, account) = self.post(&r.account_id, change, &r.request_id, &r.memo).await?;
        Ok(Response::new(v1::WithdrawResponse { transaction: Some(transaction), account: Some(account) }))
    }

    async fn apply_interest(
        &self,
        request: Request<v1::ApplyInterestRequest>,
    ) -> Result<Response<v1::ApplyInterestResponse>, Status> {
        let r = request.into_inner();
        let ceiling = self.state.rate_ceiling;
        let change = || {
            let period = InterestPeriod::parse_optional(&r.period)?;
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
        Ok(Response::new(v1::ApplyInterestResponse {
            transaction: Some(transaction),
            account: Some(account),
        }))
    }

    async fn transfer(
        &self,
        request: Request<v1::TransferRequest>,
    ) -> Result<Response<v1::TransferResponse>, Status> {
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
        let r = request.into_inner();
        let parsed = (|| {
            let id = AccountId::parse(&r.account_id)?;
            let size = page_size(r.page_size, TRANSACTIONS_PAGE_SIZE_DEFAULT, TRANSACTIONS_PAGE_SIZE_MAX)?;
            let start_millis = optional_millis(r.start_time.as_ref())?;
            let end_millis = optional_millis(r.end_time.as_ref())?;
            if let (Some(s), Some(e)) = (start_millis, end_millis)
                && s >= e
            {
                return Err(Error::InvalidTimeRange("start_time must be before end_time".into()));
            }
            let mut kinds = r
                .kinds
                .iter()
                .map(|k| kind_from_proto(*k).ok_or(Error::InvalidKind(*k)))
                .collect::<Result<Vec<_>, _>>()?;
            kinds.sort_by_key(|k| k.code());
            kinds.dedup();
            let kind_codes: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
            let scope = page_token::scope_hash(&[
                id.as_str(),
                &start_millis.map(|m| m.to_string()).unwrap_or_default(),
                &end_millis.map(|m| m.to_string()).unwrap_or_default(),
                &kind_codes.join(","),
            ]);
            let before =
                if r.page_token.is_empty() { None } else { Some(page_token::decode(&r.page_token, scope)?) };
            Ok::<_, Error>((id, size, scope, HistoryQuery { start_millis, end_millis, kinds, before }))
        })();
        let (id, size, scope, query) = parsed.map_err(|e| status::refused(&e))?;
        let page = self.state.store.list_transactions(&id, &query, size).await.map_err(status::from_store)?;
        Ok(Response::new(v1::ListTransactionsResponse {
            transactions: page.transactions.iter().map(transaction_to_proto).collect(),
            next_page_token: page.next_before.map(|c| page_token::encode(&c, scope)).unwrap_or_default(),
        }))
    }

    async fn get_statement(
        &self,
        request: Request<v1::GetStatementRequest>,
    ) -> Result<Response<v1::GetStatementResponse>, Status> {
        let r = request.into_inner();
        let parsed = (|| {
            let id = AccountId::parse(&r.account_id)?;
            let missing = || Error::InvalidTimeRange("start_time and end_time are required".into());
            let start = millis_from_timestamp(r.start_time.as_ref().ok_or_else(missing)?)?;
            let end = millis_from_timestamp(r.end_time.as_ref().ok_or_else(missing)?)?;
            if start >= end {
                return Err(Error::InvalidTimeRange("start_time must be before end_time".into()));
            }
            Ok::<_, Error>((id, start, end))
        })();
        let (id, start, end) = parsed.map_err(|e| status::refused(&e))?;
        let st = self.state.store.statement(&id, start, end).await.map_err(status::from_store)?;
        Ok(Response::new(v1::GetStatementResponse {
            account_id: id.to_string(),
            start_time: Some(timestamp_from_millis(start)),
            end_time: Some(timestamp_from_millis(end)),
            opening_balance: Some(money_to_proto(st.opening)),
            transactions: st.transactions.iter().map(transaction_to_proto).collect(),
            closing_balance: Some(money_to_proto(st.closing)),
            total_in: Some(money_to_proto(st.total_in)),
            total_out: Some(money_to_proto(st.total_out)),
        }))
    }

    async fn freeze_account(
        &self,
        request: Request<v1::FreezeAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        let r = request.into_inner();
        self.set_state(&r.account_id, StateChange::Freeze, &r.reason, &r.request_id).await
    }

    async fn unfreeze_account(
        &self,
        request: Request<v1::UnfreezeAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        let r = request.into_inner();
        self.set_state(&r.account_id, StateChange::Unfreeze, &r.reason, &r.request_id).await
    }

    async fn close_account(
        &self,
        request: Request<v1::CloseAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        let r = request.into_inner();
        self.set_state(&r.account_id, StateChange::Close, &r.reason, &r.request_id).await
    }

    async fn list_accounts(
        &self,
        request: Request<v1::ListAccountsRequest>,
    ) -> Result<Response<v1::ListAccountsResponse>, Status> {
        let r = request.into_inner();
        const SCOPE: &str = "accounts";
        let parsed = (|| {
            let size = page_size(r.page_size, ACCOUNTS_PAGE_SIZE_DEFAULT, ACCOUNTS_PAGE_SIZE_MAX)?;
            let scope = page_token::scope_hash(&[SCOPE]);
            let cursor = if r.page_token.is_empty() {
                0
            } else {
                page_token::decode(&r.page_token, scope)?
                    .parse::<u64>()
                    .map_err(|_| Error::InvalidPageToken)?
            };
            Ok::<_, Error>((size, scope, cursor))
        })();
        let (size, scope, cursor) = parsed.map_err(|e| status::refused(&e))?;
        let (accounts, next) =
            self.state.store.list_accounts(cursor, size).await.map_err(status::from_store)?;
        Ok(Response::new(v1::ListAccountsResponse {
            accounts: accounts.iter().map(account_to_proto).collect(),
            next_page_token: if next == 0 {
                String::new()
            } else {
                page_token::encode(&next.to_string(), scope)
            },
        }))
    }
}
