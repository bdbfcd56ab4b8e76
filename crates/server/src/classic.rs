//! The classic `BankService`, byte-compatible with the original Python design.
//!
//! It shares the domain and the store with v1: an account created here is seen
//! there. The classic contract speaks doubles; they are converted exactly at this
//! boundary (15 significant digits, then whole minor units) and balances go back
//! out as the double nearest the exact amount. Classic accounts are in the server's
//! default currency. The contract has no request id, so its writes are not
//! deduplicated: clients that need exactly-once use v1.
//!
//! The policy is v1's: each method has the row of the v1 method it is
//! (`CalculateInterest` is interest), and a customer's calls reach its own
//! accounts only. Legacy clients that cannot send metadata are served only by a
//! server run with `--auth off` (loopback only).

use std::sync::Arc;

use redbank_api::classic::{self, bank_service_server::BankService};
use redbank_bank::payments::change_operation;
use redbank_bank::{Operation, StoreError};
use redbank_domain::money::AmountError;
use redbank_domain::{
    AccountId, AccountType, Amount, AnnualRate, BalanceChange, Error, InterestDays, Memo, NewAccount,
    Principal, interest::RateError,
};
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::{AppState, status};

/// The messages that existing clients of the classic contract expect.
mod msg {
    pub const NOT_FOUND: &str = "Account not found. Please check the account ID.";
    pub const AMOUNT_NOT_POSITIVE: &str = "Transaction amount must be positive.";
    pub const INSUFFICIENT: &str = "Insufficient funds for the requested withdrawal.";
    pub const RATE_NOT_POSITIVE: &str = "Annual interest rate must be a positive value.";
    pub const EXISTS: &str = "Account already exists.";
    pub const BAD_TYPE: &str = "Account type must be 'savings' or 'checking'.";
}

/// The classic text of a refusal, where the contract defines one.
fn classic_status(error: &Error) -> Status {
    let message = match error {
        Error::AccountNotFound(_) => msg::NOT_FOUND.to_owned(),
        Error::InsufficientFunds { .. } => msg::INSUFFICIENT.to_owned(),
        Error::AccountExists => msg::EXISTS.to_owned(),
        Error::InvalidAccountType => msg::BAD_TYPE.to_owned(),
        Error::InvalidAccountId => format!(
            "Account ID must be 1 to {} characters of A-Z a-z 0-9 . _ -",
            redbank_domain::limits::ACCOUNT_ID_MAX_LEN
        ),
        Error::CurrencyMismatch { account, given } => {
            format!("This account holds {account}; the classic API moves {given} only. Use redbank.v1.Bank.")
        }
        other => capitalized(&other.to_string()),
    };
    status::refused_with_message(error, message)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn store_status(error: StoreError) -> Status {
    match &error {
        StoreError::Refused(e) => classic_status(e),
        _ => status::from_store(error),
    }
}

fn amount_status(error: AmountError) -> Status {
    let message = match &error {
        AmountError::NotPositive => msg::AMOUNT_NOT_POSITIVE.to_owned(),
        other => format!("Transaction {other}."),
    };
    status::refused_with_message(&Error::from(error), message)
}

fn rate_status(error: RateError) -> Status {
    let message = match &error {
        RateError::NotPositive => msg::RATE_NOT_POSITIVE.to_owned(),
        other => capitalized(&other.to_string()),
    };
    status::refused_with_message(&Error::from(error), message)
}

pub struct ClassicBank {
    state: Arc<AppState>,
}

impl ClassicBank {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }

    /// The currency of every classic account: the bank's default.
    fn currency(&self) -> redbank_domain::Currency {
        self.state.bank.settings().default_currency
    }

    fn account_id(&self, raw: &str) -> Result<AccountId, Status> {
        AccountId::parse(raw).map_err(|e| classic_status(&e))
    }

    /// The status of a store failure; a refusal by ownership is logged.
    fn fail(&self, by: &Principal, operation: Operation, id: &AccountId, error: StoreError) -> Status {
        self.state.auth.denials.if_denied(by, operation, id.as_str(), &error);
        store_status(error)
    }

    async fn post(
        &self,
        by: &Principal,
        id: AccountId,
        change: BalanceChange,
        message: &str,
    ) -> Result<Response<classic::TransactionResponse>, Status> {
        let posted = self
            .state
            .bank
            .post(by, &id, &change, None, &Memo::default())
            .await
            .map_err(|e| self.fail(by, change_operation(&change), &id, e))?;
        Ok(Response::new(classic::TransactionResponse {
            account_id: id.to_string(),
            message: message.to_owned(),
            balance: posted.account.balance.to_f64(),
        }))
    }
}

#[tonic::async_trait]
impl BankService for ClassicBank {
    async fn create_account(
        &self,
        request: Request<classic::AccountRequest>,
    ) -> Result<Response<classic::AccountResponse>, Status> {
        let by = caller(request.extensions())?;
        let r = request.into_inner();
        let id = self.account_id(&r.account_id)?;
        let account_type = AccountType::parse(&r.account_type).map_err(|e| classic_status(&e))?;
        // The classic contract names no owner: a customer's account is its own,
        // staff's is nobody's.
        let new = NewAccount { id, account_type, currency: None, request_id: None, owner: None };
        self.state.bank.open_account(&by, &new).await.map_err(store_status)?;
        Ok(Response::new(classic::AccountResponse {
            account_id: new.id.to_string(),
            message: "Account created successfully.".into(),
        }))
    }

    async fn get_balance(
        &self,
        request: Request<classic::AccountRequest>,
    ) -> Result<Response<classic::BalanceResponse>, Status> {
        let by = caller(request.extensions())?;
        let id = self.account_id(&request.get_ref().account_id)?;
        let account = self
            .state
            .bank
            .account(&by, &id)
            .await
            .map_err(|e| self.fail(&by, Operation::GetAccount, &id, e))?;
        Ok(Response::new(classic::BalanceResponse {
            account_id: id.to_string(),
            balance: account.balance.to_f64(),
            message: "Balance retrieved successfully.".into(),
        }))
    }

    async fn deposit(
        &self,
        request: Request<classic::DepositRequest>,
    ) -> Result<Response<classic::TransactionResponse>, Status> {
        let by = caller(request.extensions())?;
        let r = request.into_inner();
        let id = self.account_id(&r.account_id)?;
        let amount = Amount::from_f64(self.currency(), r.amount).map_err(amount_status)?;
        self.post(&by, id, BalanceChange::Deposit(amount), "Deposit successful.").await
    }

    async fn withdraw(
        &self,
        request: Request<classic::WithdrawRequest>,
    ) -> Result<Response<classic::TransactionResponse>, Status> {
        let by = caller(request.extensions())?;
        let r = request.into_inner();
        let id = self.account_id(&r.account_id)?;
        let amount = Amount::from_f64(self.currency(), r.amount).map_err(amount_status)?;
        let change = BalanceChange::Withdrawal(amount);
        self.post(&by, id, change, "Withdrawal successful.").await
    }

    async fn calculate_interest(
        &self,
        request: Request<classic::InterestRequest>,
    ) -> Result<Response<classic::TransactionResponse>, Status> {
        let by = caller(request.extensions())?;
        let r = request.into_inner();
        let id = self.account_id(&r.account_id)?;
        let rate = AnnualRate::from_f64(r.annual_interest_rate, self.state.bank.settings().rate_ceiling)
            .map_err(rate_status)?;
        // Classic moves only the default currency, interest as much as deposits and
        // withdrawals (whose amounts carry it and are checked in the script). An
        // account's currency never changes, so reading it first leaves no window.
        let account = self
            .state
            .bank
            .account(&by, &id)
            .await
            .map_err(|e| self.fail(&by, Operation::ApplyInterest, &id, e))?;
        let classic = self.currency();
        if account.currency() != classic {
            return Err(classic_status(&Error::CurrencyMismatch {
                account: account.currency(),
                given: classic,
            }));
        }
        let change = BalanceChange::Interest { rate, days: InterestDays::YEAR, period: None };
        self.post(&by, id, change, "Interest calculated and applied successfully.").await
    }
}
