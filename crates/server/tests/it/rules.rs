//! Rules that invite mistakes, each refused or answered as documented: interest
//! periods that have not ended or lie too far back, interest that comes to zero,
//! invisible characters in memos and reasons, and the classic API's currency.

use redbank_api::classic::{self, InterestRequest};
use redbank_api::v1;
use redbank_domain::InterestPeriod;
use tonic::Code;

use crate::helpers::*;

fn this_month() -> InterestPeriod {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    InterestPeriod::containing(now as i64)
}

fn interest(id: &str, period: &str, request_id: &str) -> v1::ApplyInterestRequest {
    v1::ApplyInterestRequest {
        account_id: id.into(),
        annual_rate_percent: "5".into(),
        days: 0,
        request_id: request_id.into(),
        memo: String::new(),
        period: period.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interest_is_posted_only_for_ended_months_within_the_limit() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "p", "USD").await;
    c.deposit(deposit_req("p", usd(1000, 0), "")).await.unwrap();
    let current = this_month();
    let mut far_back = current;
    for _ in 0..13 {
        far_back = far_back.before();
    }
    let future = InterestPeriod::parse("9999-12").unwrap();
    for period in [current, future, far_back] {
        let refused = c.apply_interest(interest("p", &period.to_string(), "")).await;
        assert_eq!(
            code_reason(refused),
            (Code::FailedPrecondition, "PERIOD_NOT_POSTABLE".into()),
            "{period}"
        );
    }
    let p = c.get_account(v1::GetAccountRequest { account_id: "p".into() }).await.unwrap().into_inner();
    assert_eq!(p.version, 1, "nothing refused was applied");
    // Last month, and twelve months back: postable (the account, opened this
    // month, earns nothing in them, so no entry is written).
    let mut twelve_back = current;
    for _ in 0..12 {
        twelve_back = twelve_back.before();
    }
    for period in [current.before(), twelve_back] {
        let posted = c.apply_interest(interest("p", &period.to_string(), "")).await.unwrap().into_inner();
        assert!(posted.transaction.is_none(), "{period}");
    }
    app.stop().await;

    // An operator may allow the month under way.
    let app =
        spawn_app_with(redbank_testkit::Persistence::None, |c| c.allow_open_interest_period = true).await;
    let mut c = app.v1().await;
    create(&mut c, "q", "USD").await;
    c.deposit(deposit_req("q", usd(1000, 0), "")).await.unwrap();
    assert!(c.apply_interest(interest("q", &current.to_string(), "")).await.is_ok());
    let next = c.apply_interest(interest("q", &future.to_string(), "")).await;
    assert_eq!(code_reason(next), (Code::FailedPrecondition, "PERIOD_NOT_POSTABLE".into()));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interest_of_zero_writes_no_entry_and_answers_the_account_unchanged() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "zero", "USD").await;
    create(&mut c, "cent", "USD").await;
    c.deposit(deposit_req("cent", usd(0, 10_000_000), "")).await.unwrap();
    let last_month = this_month().before().to_string();
    for id in ["zero", "cent"] {
        let first =
            c.apply_interest(interest(id, &last_month, &format!("i-{id}"))).await.unwrap().into_inner();
        assert!(first.transaction.is_none(), "{id}: no entry for interest of zero");
        let account = first.account.unwrap();
        // A retry, and a rerun without the request id: the same answer, still nothing.
        let retry =
            c.apply_interest(interest(id, &last_month, &format!("i-{id}"))).await.unwrap().into_inner();
        let rerun = c.apply_interest(interest(id, &last_month, "")).await.unwrap().into_inner();
        assert_eq!((retry.transaction, rerun.transaction), (None, None));
        assert_eq!(
            (retry.account.unwrap().version, rerun.account.unwrap().version),
            (account.version, account.version)
        );
    }
    // Interest without a period on a zero balance: the same.
    let plain = v1::ApplyInterestRequest { days: 30, ..interest("zero", "", "") };
    let r = c.apply_interest(plain).await.unwrap().into_inner();
    assert_eq!((r.transaction, r.account.unwrap().version), (None, 0));
    assert!(store(&app.redis).history(&account_id("zero")).await.unwrap().is_empty());
    assert_eq!(store(&app.redis).history(&account_id("cent")).await.unwrap().len(), 1, "the deposit only");
    assert_invariants(&app.redis).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invisible_characters_are_refused_in_memos_and_reasons() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "m", "USD").await;
    for invisible in ['\u{202E}', '\u{2066}', '\u{200B}', '\u{2060}', '\u{FEFF}', '\u{2028}', '\u{2029}'] {
        let memo = format!("rent{invisible}exe.txt");
        let deposit = v1::DepositRequest { memo: memo.clone(), ..deposit_req("m", usd(1, 0), "") };
        assert_eq!(code_reason(c.deposit(deposit).await), (Code::InvalidArgument, "INVALID_MEMO".into()));
        let freeze =
            v1::FreezeAccountRequest { account_id: "m".into(), reason: memo, request_id: String::new() };
        assert_eq!(
            code_reason(c.freeze_account(freeze).await),
            (Code::InvalidArgument, "INVALID_REASON".into())
        );
    }
    let m = c.get_account(v1::GetAccountRequest { account_id: "m".into() }).await.unwrap().into_inner();
    assert_eq!((m.version, m.state), (0, i32::from(v1::AccountState::Active)));
    // Right-to-left text itself is welcome.
    let hebrew = v1::DepositRequest { memo: "שכר דירה".into(), ..deposit_req("m", usd(1, 0), "") };
    assert!(c.deposit(hebrew).await.is_ok());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_classic_api_moves_no_money_of_another_currency_interest_included() {
    let app = spawn_app().await;
    let mut v1c = app.v1().await;
    create(&mut v1c, "yen", "JPY").await;
    v1c.deposit(deposit_req("yen", money("JPY", 1000, 0), "")).await.unwrap();
    let mut classic = app.classic().await;
    let refused = classic
        .calculate_interest(InterestRequest { account_id: "yen".into(), annual_interest_rate: 5.0 })
        .await;
    assert_eq!(code_reason(refused), (Code::FailedPrecondition, "CURRENCY_MISMATCH".into()));
    let deposit = classic.deposit(classic::DepositRequest { account_id: "yen".into(), amount: 1.0 }).await;
    assert_eq!(code_reason(deposit), (Code::FailedPrecondition, "CURRENCY_MISMATCH".into()));
    let yen = v1c.get_account(v1::GetAccountRequest { account_id: "yen".into() }).await.unwrap().into_inner();
    assert_eq!((yen.version, yen.balance), (1, money("JPY", 1000, 0)));
    // Reads answer as before.
    let balance = classic
        .get_balance(classic::AccountRequest { account_id: "yen".into(), account_type: String::new() })
        .await;
    assert_eq!(balance.unwrap().into_inner().balance, 1000.0);
    app.stop().await;
}
