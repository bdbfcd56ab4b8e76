//! Holds against a real Redis: races between drivers of one capture, and expiry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use redbank_domain::{AccountType, BalanceChange, Currency, HoldState, Reason, StateChange};
use redbank_testkit::RedisServer;

use super::*;
use crate::StoreConfig;
use crate::scripts::common::Common;

fn id(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}

fn usd(cents: i64) -> redbank_domain::Amount {
    redbank_domain::Amount::from_minor(Currency::parse("USD").unwrap(), cents).unwrap()
}

/// Accounts a (100.00) and b, and an open hold of 10.00 on a.
async fn setup(redis: &RedisServer) -> (Store, HoldId) {
    let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
    let (op, memo) = (Principal::operator(), Memo::default());
    for a in ["a", "b"] {
        store
            .create_account(&id(a), AccountType::Checking, Currency::parse("USD").unwrap(), None, None)
            .await
            .unwrap();
    }
    store.post(&id("a"), &BalanceChange::Deposit(usd(10_000)), None, &memo, &op).await.unwrap();
    let request = HoldRequest { account: id("a"), amount: usd(1_000), expire_time_millis: None };
    let hold = store.create_hold(&request, None, &memo, &op).await.unwrap().hold.id;
    (store, hold)
}

async fn journal(store: &Store, hold: &HoldId) -> Journal {
    let fields: Vec<Option<String>> =
        store.query(redis::cmd("HMGET").arg(keys::hold(hold)).arg(&JOURNAL_FIELDS)).await.unwrap();
    Journal::read(hold, fields).unwrap().expect("capturing")
}

#[tokio::test]
async fn a_slow_driver_of_a_refused_attempt_cannot_settle_the_next_one() {
    let redis = RedisServer::start();
    let (store, hold) = setup(&redis).await;
    let (op, memo, why) = (Principal::operator(), Memo::default(), Reason::parse("x").unwrap());
    store.set_state(&id("b"), StateChange::Freeze, &why, None, &op).await.unwrap();
    let capture = Capture::new(hold.clone(), id("b"), None).unwrap();
    // Attempt 1 starts (the payee froze after the store's look at it) and its
    // credit is refused.
    let common = Common::of(&op, None, capture.fingerprint(&memo), 60);
    let start = script::capture(&store.scripts.capture, &common, &capture, now_millis() + 10_000, &memo);
    let mut conn = store.exec.conn.clone();
    let _: Vec<String> = start.invoke_async(&mut conn).await.unwrap();
    let refused = store.drive(&hold).await;
    assert!(matches!(refused, Err(StoreError::Refused(Error::AccountFrozen(_)))), "{refused:?}");
    store.set_state(&id("b"), StateChange::Unfreeze, &why, None, &op).await.unwrap();
    // Attempt 2 starts (and its driver is slow)...
    let start = script::capture(&store.scripts.capture, &common, &capture, now_millis() + 10_000, &memo);
    let _: Vec<String> = start.invoke_async(&mut conn).await.unwrap();
    let second = journal(&store, &hold).await;
    assert_eq!(second.attempt, 2);
    // ...when attempt 1's driver, slower still, settles with its refusal.
    let first = Journal { attempt: 1, ..second.clone() };
    let decision = vec!["ACCOUNT_FROZEN".to_owned(), "b".to_owned()];
    let settle = script::settle(&store.scripts.settle, &first, &decision, 60);
    let answer: Vec<String> = settle.invoke_async(&mut conn).await.unwrap();
    assert_eq!(answer, ["STALE_ATTEMPT"]);
    // Attempt 2 is still capturing, and its own driver finishes it.
    let done = store.drive(&hold).await.unwrap();
    assert_eq!((done.account.balance.minor(), done.to.account.balance.minor()), (9_000, 1_000));
}

#[tokio::test]
async fn a_capture_past_its_latest_time_is_refused_and_never_credited_later() {
    let redis = RedisServer::start();
    let (store, hold) = setup(&redis).await;
    let (op, memo) = (Principal::operator(), Memo::default());
    let capture = Capture::new(hold.clone(), id("b"), None).unwrap();
    // Started, then left: its deadline long past (a driver paused, the target's
    // Redis unreachable for longer than half the idempotency window).
    let common = Common::of(&op, None, capture.fingerprint(&memo), 60);
    let start = script::capture(&store.scripts.capture, &common, &capture, 1_000, &memo);
    let mut conn = store.exec.conn.clone();
    let _: Vec<String> = start.invoke_async(&mut conn).await.unwrap();
    let late = store.drive(&hold).await;
    assert!(matches!(late, Err(StoreError::Refused(Error::CaptureTimedOut(_)))), "{late:?}");
    assert_eq!(store.get_hold(&hold, &op).await.unwrap().state, HoldState::Open);
    assert_eq!(store.get_account(&id("b"), &op).await.unwrap().balance.minor(), 0);
    // The same attempt's credit, tried again, answers the decision: no credit.
    let again =
        script::credit(&store.scripts.credit, &Journal { deadline: i64::MAX / 4, ..journal_of(&hold) }, 60);
    let answer: Vec<String> = again.invoke_async(&mut conn).await.unwrap();
    assert_eq!(answer.first().map(String::as_str), Some("CAPTURE_TIMED_OUT"));
    assert_eq!(store.get_account(&id("b"), &op).await.unwrap().balance.minor(), 0);
}

#[tokio::test]
async fn a_hold_is_never_expired_early_even_when_its_due_entry_says_so() {
    let redis = RedisServer::start();
    let (store, hold) = setup(&redis).await;
    // A due entry from a clock far ahead (or a stale score): the worker takes it,
    // asks Redis to expire the hold, and Redis's clock says not yet.
    let _: () = store
        .query(redis::cmd("ZADD").arg(keys::due_of(&hold)).arg(1_000).arg(hold.to_string()))
        .await
        .unwrap();
    let pass = store.recover_due(Duration::from_secs(5)).await.unwrap();
    assert_eq!(pass.expired, 0, "{pass:?}");
    let op = Principal::operator();
    assert_eq!(store.get_hold(&hold, &op).await.unwrap().state, HoldState::Open);
    assert_eq!(store.get_account(&id("a"), &op).await.unwrap().held.minor(), 1_000);
    // A worker whose clock runs ahead of Redis's asks anyway: Redis's clock
    // decides, and the hold stays open.
    let (service, memo) = (Principal::service(), Memo::default());
    let common = Common::of(&service, None, script::void_fingerprint(&hold, &memo), 60);
    let expire = script::void(&store.scripts.void, &common, &hold, true, &memo);
    let mut conn = store.exec.conn.clone();
    let answer: Vec<String> = expire.invoke_async(&mut conn).await.unwrap();
    assert_eq!(answer, ["NOT_DUE"]);
    assert_eq!(store.get_hold(&hold, &op).await.unwrap().state, HoldState::Open);
    // And it stays due: at the hold's expiry (plus the grace), not never.
    let due: Option<f64> =
        store.query(redis::cmd("ZSCORE").arg(keys::due_of(&hold)).arg(hold.to_string())).await.unwrap();
    assert!(due.is_some_and(|d| d > now_millis() as f64), "{due:?}");
}

/// The journal of attempt 1 of a whole capture of `hold` (10.00) to b.
fn journal_of(hold: &HoldId) -> Journal {
    Journal {
        hold: hold.clone(),
        to: id("b"),
        amount: 1_000,
        currency: "USD".into(),
        memo: String::new(),
        request_id: String::new(),
        actor: "operator".into(),
        attempt: 1,
        deadline: 0,
    }
}
