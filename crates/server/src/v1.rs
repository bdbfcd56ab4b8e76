//! `redbank.v1.Bank`. Every handler has the same shape: parse the request into
//! domain values (refusing bad input before any Redis call), make one store call,
//! convert the result.

use std::sync::Arc;

use redbank_api::convert::{
    account_to_proto, account_type_from_proto, amount_from_proto, transaction_to_proto,
};
use redbank_api::v1::{self, bank_server::Bank};
use redbank_domain::{AccountId, AnnualRate, BalanceChange, Currency, Error, InterestDays, Memo, RequestId};
use redbank_store::Posted;
use tonic::{Request, Response, Status};

use crate::{AppState, status};

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
            Ok(BalanceChange::Interest {
                rate: AnnualRate::parse(&r.annual_rate_percent, ceiling)?,
                days: InterestDays::from_request(r.days)?,
            })
        };
        let (transaction, account) = self.post(&r.account_id, change, &r.request_id, &r.memo).await?;
        Ok(Response::new(v1::ApplyInterestResponse {
            transaction: Some(transaction),
            account: Some(account),
        }))
    }
}
