//! `redbank demo`: the classic demo, step by step, through v1.

use redbank_api::v1;

use tonic::Code;

use crate::client::{Client, Failure, call, request_id};
use crate::output::{Printer, say};

/// The classic flow. A step the caller's role may not take (a customer applying
/// interest, which is the bank's to post) is shown refused and the demo goes on;
/// with `other`, it ends by asking for someone else's account, which a customer
/// is refused whether or not it exists.
pub async fn run(
    client: &Client,
    account: &Option<String>,
    other: Option<&str>,
    out: &Printer,
) -> Result<(), Failure> {
    let id = account
        .clone()
        .unwrap_or_else(|| format!("demo-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]));
    let usd = |units| Some(v1::Money { currency_code: "USD".into(), units, nanos: 0 });
    out.step("1. Create a savings account");
    let req = v1::CreateAccountRequest {
        customer_id: String::new(),
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
    match call!(client, apply_interest, req) {
        Ok(r) => out.posted("Interest", r.transaction.as_ref(), r.account.as_ref()),
        Err(s) if s.code() == Code::PermissionDenied && !out.json => {
            say!("Refused: PERMISSION_DENIED (interest is posted by the bank's admin, not by a customer)")
        }
        Err(s) => return Err(s.into()),
    }

    out.step("6. Check the balance");
    out.account("Account", &call!(client, get_account, v1::GetAccountRequest { account_id: id.clone() })?);

    if let Some(other) = other {
        out.step(&format!("7. Look at someone else's account, {other}"));
        match call!(client, get_account, v1::GetAccountRequest { account_id: other.to_owned() }) {
            Err(s) if s.code() == Code::PermissionDenied => {
                if !out.json {
                    say!("Refused: PERMISSION_DENIED: {}", s.message());
                }
            }
            Ok(_) => {
                return Err(Failure::Local(format!("{other} was shown to a caller who does not own it")));
            }
            Err(s) => return Err(s.into()),
        }
    }
    Ok(())
}
