//! Bugs that were planted by hand in the money rules and passed every other test;
//! each test here fails on its bug (docs/TESTING.md lists them).

use redbank_api::v1;
use tonic::Code;

use crate::helpers::*;

fn interest_for_a_year(id: &str, rate: &str) -> v1::ApplyInterestRequest {
    v1::ApplyInterestRequest {
        account_id: id.into(),
        annual_rate_percent: rate.into(),
        days: 0,
        request_id: String::new(),
        memo: String::new(),
        period: String::new(),
    }
}

/// Half-up instead of half-even in post.lua: a tie through Redis. 0.50 at 5% for a
/// year is 0.025, which rounds to the even 0.02; 0.70 gives 0.035, to the even 0.04.
#[tokio::test]
async fn interest_ties_round_half_even_through_redis() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    for (id, cents_before, interest) in [("tie-down", 50, 2), ("tie-up", 70, 4)] {
        create(&mut c, id, "USD").await;
        c.deposit(deposit_req(id, usd(0, cents_before * 10_000_000), "")).await.unwrap();
        let r = c.apply_interest(interest_for_a_year(id, "5")).await.unwrap().into_inner();
        assert_eq!(cents(&r.transaction.unwrap().amount), interest as i64, "{id}");
    }
    // The same in yen (no minor unit): 10 yen at 5% is 0.5 -> 0; 30 yen, 1.5 -> 2.
    for (id, yen, interest) in [("yen-down", 10, 0), ("yen-up", 30, 2)] {
        create(&mut c, id, "JPY").await;
        c.deposit(deposit_req(id, money("JPY", yen, 0), "")).await.unwrap();
        let r = c.apply_interest(interest_for_a_year(id, "5")).await.unwrap().into_inner();
        let got = r.transaction.map_or(0, |t| t.amount.unwrap().units);
        assert_eq!(got, interest, "{id}");
    }
    app.stop().await;
}

/// The source-currency check removed from transfer.lua: an amount in the
/// destination's currency but not the source's must not move.
#[tokio::test]
async fn a_transfer_in_the_destinations_currency_but_not_the_sources_is_refused() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "from-usd", "USD").await;
    create(&mut c, "to-eur", "EUR").await;
    c.deposit(deposit_req("from-usd", usd(10, 0), "")).await.unwrap();
    for currency in ["EUR", "USD"] {
        let t = v1::TransferRequest {
            from_account_id: "from-usd".into(),
            to_account_id: "to-eur".into(),
            amount: money(currency, 1, 0),
            request_id: String::new(),
            memo: String::new(),
        };
        assert_eq!(
            code_reason(c.transfer(t).await),
            (Code::FailedPrecondition, "CURRENCY_MISMATCH".into()),
            "{currency}"
        );
    }
    let from =
        c.get_account(v1::GetAccountRequest { account_id: "from-usd".into() }).await.unwrap().into_inner();
    let to = c.get_account(v1::GetAccountRequest { account_id: "to-eur".into() }).await.unwrap().into_inner();
    assert_eq!((from.version, to.version), (1, 0), "nothing moved");
    app.stop().await;
}

/// StateChange::fingerprint replaced by a constant: a request id reused for a state
/// change with another reason, or for another change, must be refused, not
/// answered with the first result.
#[tokio::test]
async fn a_request_id_reused_for_a_state_change_with_another_reason_is_refused() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "s", "USD").await;
    let freeze = |reason: &str| v1::FreezeAccountRequest {
        account_id: "s".into(),
        reason: reason.into(),
        request_id: "state-1".into(),
    };
    let first = c.freeze_account(freeze("fraud review")).await.unwrap().into_inner();
    let retry = c.freeze_account(freeze("fraud review")).await.unwrap().into_inner();
    assert_eq!((first.version, retry.version), (1, 1), "a retry answers the first result");
    assert_eq!(
        code_reason(c.freeze_account(freeze("another reason")).await),
        (Code::FailedPrecondition, "IDEMPOTENCY_KEY_REUSED".into())
    );
    let unfreeze = v1::UnfreezeAccountRequest {
        account_id: "s".into(),
        reason: "fraud review".into(),
        request_id: "state-1".into(),
    };
    assert_eq!(
        code_reason(c.unfreeze_account(unfreeze).await),
        (Code::FailedPrecondition, "IDEMPOTENCY_KEY_REUSED".into())
    );
    let close = v1::CloseAccountRequest {
        account_id: "s".into(),
        reason: "fraud review".into(),
        request_id: "state-1".into(),
    };
    assert_eq!(
        code_reason(c.close_account(close).await),
        (Code::FailedPrecondition, "IDEMPOTENCY_KEY_REUSED".into())
    );
    let s = c.get_account(v1::GetAccountRequest { account_id: "s".into() }).await.unwrap().into_inner();
    assert_eq!((s.version, s.state), (1, i32::from(v1::AccountState::Frozen)));
    app.stop().await;
}

/// The period record not written by post.lua: a second posting of a period, under
/// another request id, must answer the first and change nothing.
#[tokio::test]
async fn a_period_posted_twice_under_other_request_ids_posts_once() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "period", "USD").await;
    c.deposit(deposit_req("period", usd(1000, 0), "")).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let last_month = redbank_domain::InterestPeriod::containing(now).before();
    // Funded before last month began: the month earns (on the days it was open).
    let before = last_month.bounds_millis().0 - 60_000;
    redbank_testkit::backdate(&app.redis, "period", before, &[before + 1]);
    let last_month = last_month.to_string();
    let post = |request_id: &str, rate: &str| v1::ApplyInterestRequest {
        account_id: "period".into(),
        annual_rate_percent: rate.into(),
        days: 0,
        request_id: request_id.into(),
        memo: String::new(),
        period: last_month.clone(),
    };
    let first = c.apply_interest(post("p-1", "5")).await.unwrap().into_inner();
    let again = c.apply_interest(post("p-2", "5")).await.unwrap().into_inner();
    let bare = c.apply_interest(post("", "5")).await.unwrap().into_inner();
    let id = |r: &v1::ApplyInterestResponse| r.transaction.as_ref().unwrap().transaction_id.clone();
    assert_eq!((id(&again), id(&bare)), (id(&first), id(&first)), "the first posting, answered again");
    assert_eq!(
        code_reason(c.apply_interest(post("p-3", "6")).await),
        (Code::FailedPrecondition, "INTEREST_ALREADY_POSTED".into())
    );
    let account =
        c.get_account(v1::GetAccountRequest { account_id: "period".into() }).await.unwrap().into_inner();
    assert_eq!(account.version, 2, "one deposit, one posting");
    app.stop().await;
}
