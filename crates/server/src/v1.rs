//! `redbank.v1.Bank`. Every handler has the same shape: take the principal the
//! transport authenticated (the policy table already let the call through), parse
//! the request into domain values (`redbank_api::requests`, refusing bad input
//! before any Redis call), call the one bank operation it is on the principal's
//! behalf (`redbank_bank`: who may do what is decided there; a customer's
//! ownership in Redis, in the same step), convert the result.

use std::sync::Arc;

use redbank_api::convert::{
    account_to_proto, hold_to_proto, money_to_proto, timestamp_from_millis, transaction_to_proto,
};
use redbank_api::requests::{
    CaptureCommand, HoldCommand, Movement, StateCommand, StatementQuery, TransactionsQuery, TransferCommand,
    VoidCommand, accounts_page_size,
};
use redbank_api::v1::{self, bank_server::Bank};
use redbank_bank::accounts::{Listing, state_operation};
use redbank_bank::history::MonthInterest;
use redbank_bank::payments::change_operation;
use redbank_bank::{HistoryQuery, HoldApplied, Operation, Posted, StatementCursor, StoreError};
use redbank_domain::{
    AccountId, CustomerId, Error, HoldId, InterestPeriod, NewAccount, Principal, StateChange, limits,
};
use tonic::{Request, Response, Status};

use crate::budget::bounds;
use crate::subject::caller_of;
use crate::{AppState, access, holds_token, now_millis, status};

pub struct BankV1 {
    state: Arc<AppState>,
}

impl BankV1 {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }

    /// The status of a store failure; a refusal by ownership is logged with who
    /// asked, for what and on which account.
    fn fail(&self, by: &Principal, operation: Operation, target: &str, error: StoreError) -> Status {
        self.state.auth.denials.if_denied(by, operation, target, &error);
        status::from_store(error)
    }

    /// One balance change, parsed already.
    async fn post(
        &self,
        by: &Principal,
        m: Result<Movement, Error>,
    ) -> Result<(Option<v1::Transaction>, v1::Account), Status> {
        let Movement { id, change, request_id, memo } = m.map_err(|e| status::refused(&e))?;
        let Posted { transaction, account } = self
            .state
            .bank
            .post(by, &id, &change, request_id.as_ref(), &memo)
            .await
            .map_err(|e| self.fail(by, change_operation(&change), id.as_str(), e))?;
        Ok((transaction.as_ref().map(transaction_to_proto), account_to_proto(&account)))
    }

    /// One change of state, parsed already.
    async fn set_state(
        &self,
        by: &Principal,
        change: StateChange,
        command: Result<StateCommand, Error>,
    ) -> Result<Response<v1::Account>, Status> {
        let StateCommand { id, reason, request_id } = command.map_err(|e| status::refused(&e))?;
        let posted = self
            .state
            .bank
            .change_state(by, &id, change, &reason, request_id.as_ref())
            .await
            .map_err(|e| self.fail(by, state_operation(change), id.as_str(), e))?;
        Ok(Response::new(account_to_proto(&posted.account)))
    }
}

#[tonic::async_trait]
impl Bank for BankV1 {
    async fn create_account(
        &self,
        request: Request<v1::CreateAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let new = NewAccount::try_from(request.get_ref()).map_err(|e| status::refused(&e))?;
        let account = self
            .state
            .bank
            .open_account(&by, &new)
            .await
            .map_err(|e| self.fail(&by, Operation::OpenAccount, new.id.as_str(), e))?;
        Ok(Response::new(account_to_proto(&account)))
    }

    async fn get_account(
        &self,
        request: Request<v1::GetAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        let by = caller_of(&request)?;
        let id = AccountId::parse(&request.get_ref().account_id).map_err(|e| status::refused(&e))?;
        let account = self
            .state
            .bank
            .account(&by, &id)
            .await
            .map_err(|e| self.fail(&by, Operation::GetAccount, id.as_str(), e))?;
        Ok(Response::new(account_to_proto(&account)))
    }

    async fn deposit(
        &self,
        request: Request<v1::DepositRequest>,
    ) -> Result<Response<v1::DepositResponse>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let movement = Movement::try_from(request.get_ref());
        let (transaction, account) = self.post(&by, movement).await?;
        Ok(Response::new(v1::DepositResponse { transaction, account: Some(account) }))
    }

    async fn withdraw(
        &self,
        request: Request<v1::WithdrawRequest>,
    ) -> Result<Response<v1::WithdrawResponse>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let movement = Movement::try_from(request.get_ref());
        let (transaction, account) = self.post(&by, movement).await?;
        Ok(Response::new(v1::WithdrawResponse { transaction, account: Some(account) }))
    }

    async fn apply_interest(
        &self,
        request: Request<v1::ApplyInterestRequest>,
    ) -> Result<Response<v1::ApplyInterestResponse>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let settings = self.state.bank.settings();
        let (ceiling, policy) = (settings.rate_ceiling, settings.period_policy);
        let parsed = Movement::interest(request.get_ref(), ceiling, policy, now_millis());
        let (transaction, account) = self.post(&by, parsed).await?;
        Ok(Response::new(v1::ApplyInterestResponse { transaction, account: Some(account) }))
    }

    async fn transfer(
        &self,
        request: Request<v1::TransferRequest>,
    ) -> Result<Response<v1::TransferResponse>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let TransferCommand { transfer, request_id, memo } =
            TransferCommand::try_from(request.get_ref()).map_err(|e| status::refused(&e))?;
        let done = self
            .state
            .bank
            .transfer(&by, &transfer, request_id.as_ref(), &memo)
            .await
            .map_err(|e| self.fail(&by, Operation::Transfer, transfer.from().as_str(), e))?;
        Ok(Response::new(v1::TransferResponse {
            from_transaction: Some(transaction_to_proto(&done.from.transaction)),
            to_transaction: done.to.as_ref().map(|to| transaction_to_proto(&to.transaction)),
            from_account: Some(account_to_proto(&done.from.account)),
            to_account: done.to.as_ref().map(|to| account_to_proto(&to.account)),
        }))
    }

    async fn list_transactions(
        &self,
        request: Request<v1::ListTransactionsRequest>,
    ) -> Result<Response<v1::ListTransactionsResponse>, Status> {
        let by = caller_of(&request)?;
        let (_, extensions, r) = request.into_parts();
        let TransactionsQuery { id, page_size: size, start_millis, end_millis, kinds } =
            TransactionsQuery::try_from(&r).map_err(|e| status::refused(&e))?;
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
        let page = self
            .state
            .bank
            .history(&by, &id, &query, size)
            .await
            .map_err(|e| self.fail(&by, Operation::ListTransactions, id.as_str(), e))?;
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
        let by = caller_of(&request)?;
        let (_, extensions, r) = request.into_parts();
        let StatementQuery { id, start_millis: start, end_millis: end, page_size: size } =
            StatementQuery::try_from(&r).map_err(|e| status::refused(&e))?;
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
            .bank
            .statement_page(&by, &id, (start, end), cursor.as_ref(), size)
            .await
            .map_err(|e| self.fail(&by, Operation::GetStatement, id.as_str(), e))?;
        let next_page_token = match &page.next {
            Some(cursor) => tokens.sign(&scope, &cursor.encode()).await.map_err(status::from_store)?,
            None => String::new(),
        };
        // A month's statement shows the month's interest; what cannot be known
        // (archived history) leaves it out rather than failing the statement.
        let month = InterestPeriod::containing(start);
        let interest = if month.bounds_millis() == (start, end) {
            match self.state.bank.month_interest(&by, &id, month).await {
                Ok(interest) => interest.map(month_interest_to_proto),
                Err(StoreError::Refused(_)) => None,
                Err(e) => return Err(self.fail(&by, Operation::GetStatement, id.as_str(), e)),
            }
        } else {
            None
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
            interest,
        }))
    }

    async fn freeze_account(
        &self,
        request: Request<v1::FreezeAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        self.set_state(&by, StateChange::Freeze, StateCommand::try_from(request.get_ref())).await
    }

    async fn unfreeze_account(
        &self,
        request: Request<v1::UnfreezeAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        self.set_state(&by, StateChange::Unfreeze, StateCommand::try_from(request.get_ref())).await
    }

    async fn close_account(
        &self,
        request: Request<v1::CloseAccountRequest>,
    ) -> Result<Response<v1::Account>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        self.set_state(&by, StateChange::Close, StateCommand::try_from(request.get_ref())).await
    }

    async fn list_accounts(
        &self,
        request: Request<v1::ListAccountsRequest>,
    ) -> Result<Response<v1::ListAccountsResponse>, Status> {
        let by = caller_of(&request)?;
        let (_, extensions, r) = request.into_parts();
        let customer = CustomerId::parse_optional(&r.customer_id).map_err(|e| status::refused(&e))?;
        let listing = customer.as_ref().map_or(Listing::Visible, Listing::OfCustomer);
        // A customer's cursor walks its own index, staff's every account or one
        // customer's: a token of one is no token of another.
        let scope = ["accounts", by.required_owner().map_or("", |c| c.as_str()), &r.customer_id];
        let size = accounts_page_size(&r).map_err(|e| status::refused(&e))?;
        let reserved =
            self.state.responses.reserve(&extensions, bounds::page(size, bounds::ACCOUNT_BYTES))?;
        let tokens = &self.state.tokens;
        let cursor = match tokens.verify(&scope, &r.page_token).await.map_err(status::from_store)? {
            Some(text) => text.parse::<u64>().map_err(|_| status::refused(&Error::InvalidPageToken))?,
            None => 0,
        };
        let (accounts, next) = self
            .state
            .bank
            .list_accounts(&by, listing, cursor, size)
            .await
            .map_err(|e| self.fail(&by, Operation::ListAccounts, "", e))?;
        let next_page_token = match next {
            0 => String::new(),
            next => tokens.sign(&scope, &next.to_string()).await.map_err(status::from_store)?,
        };
        Ok(reserved.respond(v1::ListAccountsResponse {
            accounts: accounts.iter().map(account_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn create_hold(
        &self,
        request: Request<v1::CreateHoldRequest>,
    ) -> Result<Response<v1::HoldResponse>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let HoldCommand { hold, request_id, memo } =
            HoldCommand::try_from(request.get_ref()).map_err(|e| status::refused(&e))?;
        let done = self
            .state
            .bank
            .create_hold(&by, &hold, request_id.as_ref(), &memo)
            .await
            .map_err(|e| self.fail(&by, Operation::CreateHold, hold.account.as_str(), e))?;
        Ok(Response::new(hold_response(&done)))
    }

    async fn capture_hold(
        &self,
        request: Request<v1::CaptureHoldRequest>,
    ) -> Result<Response<v1::CaptureHoldResponse>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let CaptureCommand { capture, request_id, memo } =
            CaptureCommand::try_from(request.get_ref()).map_err(|e| status::refused(&e))?;
        let done = self
            .state
            .bank
            .capture_hold(&by, &capture, request_id.as_ref(), &memo)
            .await
            .map_err(|e| self.fail(&by, Operation::CaptureHold, capture.hold.account().as_str(), e))?;
        Ok(Response::new(v1::CaptureHoldResponse {
            hold: Some(hold_to_proto(&done.hold)),
            capture_transaction: Some(transaction_to_proto(&done.capture)),
            release_transaction: done.release.as_ref().map(transaction_to_proto),
            account: Some(account_to_proto(&done.account)),
            to_transaction: done.to.as_ref().map(|to| transaction_to_proto(&to.transaction)),
            to_account: done.to.as_ref().map(|to| account_to_proto(&to.account)),
        }))
    }

    async fn void_hold(
        &self,
        request: Request<v1::VoidHoldRequest>,
    ) -> Result<Response<v1::HoldResponse>, Status> {
        let by = caller_of(&request)?;
        access::note_request_id(request.extensions(), &request.get_ref().request_id);
        let VoidCommand { hold, request_id, memo } =
            VoidCommand::try_from(request.get_ref()).map_err(|e| status::refused(&e))?;
        let done = self
            .state
            .bank
            .void_hold(&by, &hold, request_id.as_ref(), &memo)
            .await
            .map_err(|e| self.fail(&by, Operation::VoidHold, hold.account().as_str(), e))?;
        Ok(Response::new(hold_response(&done)))
    }

    async fn list_holds(
        &self,
        request: Request<v1::ListHoldsRequest>,
    ) -> Result<Response<v1::ListHoldsResponse>, Status> {
        let by = caller_of(&request)?;
        let r = request.get_ref();
        let id = AccountId::parse(&r.account_id).map_err(|e| status::refused(&e))?;
        let size = match usize::try_from(r.page_size) {
            Ok(0) => limits::HOLDS_PAGE_SIZE_DEFAULT,
            Ok(n) => n.min(limits::HOLDS_PAGE_SIZE_MAX),
            Err(_) => {
                return Err(status::refused(&Error::InvalidPageSize { max: limits::HOLDS_PAGE_SIZE_MAX }));
            }
        };
        let after = holds_token::parse(&r.page_token).map_err(|e| status::refused(&e))?;
        let (holds, next) = self
            .state
            .bank
            .list_holds(&by, &id, after.as_ref().map(|(e, n)| (*e, n.as_str())), size)
            .await
            .map_err(|e| self.fail(&by, Operation::ListHolds, id.as_str(), e))?;
        Ok(Response::new(v1::ListHoldsResponse {
            holds: holds.iter().map(hold_to_proto).collect(),
            next_page_token: next.map(|(e, n)| holds_token::make(e, &n)).unwrap_or_default(),
        }))
    }

    async fn get_hold(&self, request: Request<v1::GetHoldRequest>) -> Result<Response<v1::Hold>, Status> {
        let by = caller_of(&request)?;
        let id = HoldId::parse(&request.get_ref().hold_id).map_err(|e| status::refused(&e))?;
        let hold = self
            .state
            .bank
            .hold(&by, &id)
            .await
            .map_err(|e| self.fail(&by, Operation::GetHold, id.account().as_str(), e))?;
        Ok(Response::new(hold_to_proto(&hold)))
    }
}

fn month_interest_to_proto(interest: MonthInterest) -> v1::MonthInterest {
    match interest {
        MonthInterest::Posted { amount, rate } => v1::MonthInterest {
            amount: Some(money_to_proto(amount)),
            annual_rate_percent: rate.to_string(),
            posted: true,
            days: 0,
        },
        MonthInterest::Accrued { amount, rate, days } => v1::MonthInterest {
            amount: Some(money_to_proto(amount)),
            annual_rate_percent: rate.to_string(),
            posted: false,
            days: i32::try_from(days).unwrap_or(i32::MAX),
        },
    }
}

fn hold_response(done: &HoldApplied) -> v1::HoldResponse {
    v1::HoldResponse {
        hold: Some(hold_to_proto(&done.hold)),
        transaction: Some(transaction_to_proto(&done.transaction)),
        account: Some(account_to_proto(&done.account)),
    }
}
