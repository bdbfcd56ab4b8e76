//! `redbank demo`: the classic demo, step by step, through v1.

use redbank_api::v1;

use crate::client::{Client, Failure, call, request_id};
use crate::output::Printer;

pub async fn run(client: &Client, account: &Option<String>, out: &Printer) -> Result<(), Failure> {
    let id = account
        .clone()
        .unwrap_or_else(|| format!("demo-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]));
    let usd = |units| Some(v1::Money { currency_code: "USD".into(), units, nanos: 0 });
    out.step("1. Create a savings account");
    let req = v1::CreateAccountRequest {
        account_id: id.clone(),
        r#type: v1::AccountType::Savings.into(),
        currency_code: "USD".into(),
        request_id: request_id(&None),
    };
    out.account("Created", &call!(client, create_account, req)?);

    out.step("2. Deposit 1000.00");
    let req = v1::DepositRequest {
        account_id: id.clone(),
        amount: usd(1000),
        request_id: request_id(&None),
        memo: "demo deposit".into(),
    };
    let r = call!(client, deposit, req)?;
    out.posted("Deposited", r.transaction.as_ref(), r.account.as_ref());

    out.step("3. Check the balance");
    out.account("Account", &call!(client, get_account, v1::GetAccountRequest { account_id: id.clone() })?);

    out.step("4. Withdraw 200.00");
    let req = v1::WithdrawRequest {
        account_id: id.clone(),
        amount: usd(200),
        request_id: request_id(&None),
        memo: "demo withdrawal".into(),
    };
    let r = call!(client, withdraw, req)?;
    out.posted("Withdrew", r.transaction.as_ref(), r.account.as_ref());

    out.step("5. Apply 5% annual interest");
    let req = v1::ApplyInterestRequest {
        account_id: id.clone(),
        annual_rate_percent: "5".into(),
        days: 0,
        request_id: request_id(&None),
        memo: "demo interest".into(),
        period: String::new(),
    };
    let r = call!(client, apply_interest, req)?;
    out.posted("Interest", r.transaction.as_ref(), r.account.as_ref());

    out.step("6. Check the balance");
    out.account("Account", &call!(client, get_account, v1::GetAccountRequest { account_id: id.clone() })?);
    Ok(())
}
