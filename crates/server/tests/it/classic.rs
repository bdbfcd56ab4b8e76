//! The classic BankService: the demo, the error table, doubles, and the shared store.

use redbank_api::classic::{self, AccountRequest, DepositRequest, InterestRequest, WithdrawRequest};
use redbank_api::v1;
use tonic::Code;

use crate::helpers::*;

fn acct(id: &str, account_type: &str) -> AccountRequest {
    AccountRequest { account_id: id.into(), account_type: account_type.into() }
}

fn code_message<T: std::fmt::Debug>(r: Result<T, tonic::Status>) -> (Code, String) {
    let s = r.expect_err("expected a refusal");
    (s.code(), s.message().to_owned())
}

#[tokio::test]
async fn the_classic_demo_ends_at_840() {
    let app = spawn_app().await;
    let mut c = app.classic().await;
    let r = c.create_account(acct("classic-1", "Savings")).await.unwrap().into_inner();
    assert_eq!(r.account_id, "classic-1");
    let r = c.deposit(DepositRequest { account_id: "classic-1".into(), amount: 1000.0 }).await.unwrap();
    assert_eq!(r.into_inner().balance, 1000.0);
    let r = c.get_balance(acct("classic-1", "")).await.unwrap().into_inner();
    assert_eq!(r.balance, 1000.0);
    let r = c.withdraw(WithdrawRequest { account_id: "classic-1".into(), amount: 200.0 }).await.unwrap();
    assert_eq!(r.into_inner().balance, 800.0);
    let r = c
        .calculate_interest(InterestRequest { account_id: "classic-1".into(), annual_interest_rate: 5.0 })
        .await
        .unwrap();
    assert_eq!(r.into_inner().balance, 840.0);
    assert_eq!(c.get_balance(acct("classic-1", "")).await.unwrap().into_inner().balance, 840.0);
    app.stop().await;
}

#[tokio::test]
async fn doubles_become_exact_cents() {
    let app = spawn_app().await;
    let mut c = app.classic().await;
    c.create_account(acct("dimes", "checking")).await.unwrap();
    for _ in 0..10 {
        c.deposit(DepositRequest { account_id: "dimes".into(), amount: 0.1 }).await.unwrap();
    }
    assert_eq!(c.get_balance(acct("dimes", "")).await.unwrap().into_inner().balance, 1.0);
    let r =
        c.deposit(DepositRequest { account_id: "dimes".into(), amount: 0.30000000000000004 }).await.unwrap();
    assert_eq!(r.into_inner().balance, 1.3);
    let (code, message) =
        code_message(c.deposit(DepositRequest { account_id: "dimes".into(), amount: 0.001 }).await);
    assert_eq!(code, Code::InvalidArgument);
    assert!(message.contains("whole number of USD minor units"), "{message}");
    app.stop().await;
}

#[tokio::test]
async fn the_classic_error_table() {
    let app = spawn_app().await;
    let mut c = app.classic().await;
    c.create_account(acct("eve", "savings")).await.unwrap();
    c.deposit(DepositRequest { account_id: "eve".into(), amount: 50.0 }).await.unwrap();

    let not_found = (Code::NotFound, "Account not found. Please check the account ID.".to_string());
    assert_eq!(code_message(c.get_balance(acct("nobody", "")).await), not_found);
    assert_eq!(
        code_message(c.deposit(DepositRequest { account_id: "nobody".into(), amount: 1.0 }).await),
        not_found
    );
    assert_eq!(
        code_message(c.withdraw(WithdrawRequest { account_id: "nobody".into(), amount: 1.0 }).await),
        not_found
    );
    assert_eq!(
        code_message(
            c.calculate_interest(InterestRequest { account_id: "nobody".into(), annual_interest_rate: 1.0 })
                .await
        ),
        not_found
    );

    let amount = (Code::InvalidArgument, "Transaction amount must be positive.".to_string());
    for bad in [0.0, -0.0, -5.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            code_message(c.deposit(DepositRequest { account_id: "eve".into(), amount: bad }).await),
            amount
        );
        assert_eq!(
            code_message(c.withdraw(WithdrawRequest { account_id: "eve".into(), amount: bad }).await),
            amount
        );
    }
    assert_eq!(
        code_message(c.withdraw(WithdrawRequest { account_id: "eve".into(), amount: 50.01 }).await),
        (Code::FailedPrecondition, "Insufficient funds for the requested withdrawal.".to_string())
    );
    let rate = (Code::InvalidArgument, "Annual interest rate must be a positive value.".to_string());
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let req = InterestRequest { account_id: "eve".into(), annual_interest_rate: bad };
        assert_eq!(code_message(c.calculate_interest(req).await), rate);
    }
    let req = InterestRequest { account_id: "eve".into(), annual_interest_rate: 100.5 };
    let (code, message) = code_message(c.calculate_interest(req).await);
    assert_eq!(code, Code::InvalidArgument);
    assert!(message.contains("at most 100 percent"), "{message}");
    assert_eq!(
        code_message(c.create_account(acct("eve", "savings")).await),
        (Code::AlreadyExists, "Account already exists.".to_string())
    );
    for bad in ["", "loan", "savings!"] {
        assert_eq!(
            code_message(c.create_account(acct("frank", bad)).await),
            (Code::InvalidArgument, "Account type must be 'savings' or 'checking'.".to_string())
        );
    }
    let (code, _) = code_message(c.create_account(acct("bad id", "savings")).await);
    assert_eq!(code, Code::InvalidArgument);

    // None of it changed eve.
    assert_eq!(c.get_balance(acct("eve", "")).await.unwrap().into_inner().balance, 50.0);
    app.stop().await;
}

#[tokio::test]
async fn both_services_share_one_store() {
    let app = spawn_app().await;
    let mut classic = app.classic().await;
    let mut v1c = app.v1().await;
    classic.create_account(acct("shared", "Checking")).await.unwrap();
    classic.deposit(DepositRequest { account_id: "shared".into(), amount: 19.99 }).await.unwrap();
    let a =
        v1c.get_account(v1::GetAccountRequest { account_id: "shared".into() }).await.unwrap().into_inner();
    assert_eq!((a.balance, a.r#type), (usd(19, 990_000_000), i32::from(v1::AccountType::Checking)));

    create(&mut v1c, "made-in-v1", "USD").await;
    v1c.deposit(deposit_req("made-in-v1", usd(7, 250_000_000), "")).await.unwrap();
    let r: classic::BalanceResponse = classic.get_balance(acct("made-in-v1", "")).await.unwrap().into_inner();
    assert_eq!(r.balance, 7.25);

    // A v1 account in another currency is readable but not movable through classic.
    create(&mut v1c, "yen", "JPY").await;
    let (code, message) =
        code_message(classic.deposit(DepositRequest { account_id: "yen".into(), amount: 1.0 }).await);
    assert_eq!(code, Code::FailedPrecondition);
    assert!(message.contains("JPY"), "{message}");
    app.stop().await;
}

/// A Python client generated from proto/classic/bank.proto with grpcio-tools, used
/// unchanged, runs the classic demo and the error cases. It sends no metadata, as
/// the classic design's clients do not: such legacy clients are served by a server
/// run with `--auth off` (loopback only), as the README says.
#[tokio::test]
async fn a_python_grpcio_client_works_unchanged() {
    let app =
        spawn_app_with(redbank_testkit::Persistence::None, |c| c.auth = redbank_server::auth::AuthMode::Off)
            .await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The virtual environment that ./scripts/install-deps makes (Debian's own
    // python3 takes no pip installs).
    let python = root.join("target/python/bin/python3");
    assert!(
        python.exists(),
        "{} is missing: run ./scripts/install-deps (./scripts/test does) to make the virtual \
         environment with grpcio for the interop test",
        python.display()
    );
    let output = tokio::process::Command::new(&python)
        .arg(root.join("tests/python/classic_client.py"))
        .arg("--target")
        .arg(app.addr.to_string())
        .arg("--proto-dir")
        .arg(root.join("proto/classic"))
        .output()
        .await
        .expect("run the virtual environment's python3");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python client failed ({}).\nstdout:\n{stdout}\nstderr:\n{stderr}\n\
         Hint: ./scripts/install-deps installs grpcio into target/python (./scripts/test runs it).",
        output.status
    );
    assert!(stdout.contains("0 failed"), "{stdout}");
    app.stop().await;
}
