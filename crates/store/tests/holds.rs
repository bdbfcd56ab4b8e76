//! Holds on one Redis: the available balance, capture (whole and partial), void,
//! expiry by the recovery pass, retries that answer the first result, and the
//! checker passing after each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redbank_domain::{
    AccountId, AccountType, Amount, BalanceChange, Capture, Currency, Error, HoldRequest, HoldState, Memo,
    Principal, RequestId, TransactionKind,
};
use redbank_store::check::check;
use redbank_store::{Store, StoreConfig, StoreError};
use redbank_testkit::RedisServer;

fn id(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}

fn usd(cents: i64) -> Amount {
    Amount::from_minor(Currency::parse("USD").unwrap(), cents).unwrap()
}

fn rid(s: &str) -> Option<RequestId> {
    Some(RequestId::parse(s).unwrap())
}

fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

async fn setup() -> (RedisServer, Store) {
    let redis = RedisServer::start();
    let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
    let usd_c = Currency::parse("USD").unwrap();
    for a in ["a", "b"] {
        store.create_account(&id(a), AccountType::Checking, usd_c, None, None).await.unwrap();
    }
    store
        .post(&id("a"), &BalanceChange::Deposit(usd(10_000)), None, &Memo::default(), &Principal::operator())
        .await
        .unwrap();
    (redis, store)
}

fn refused<T: std::fmt::Debug>(result: Result<T, StoreError>) -> Error {
    match result {
        Err(StoreError::Refused(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_hold_reserves_and_a_partial_capture_moves_part_and_releases_the_rest() {
    let (_redis, store) = setup().await;
    let (memo, op) = (Memo::parse("card auth").unwrap(), Principal::operator());
    let request = HoldRequest { account: id("a"), amount: usd(6_000), expire_time_millis: None };
    let held = store.create_hold(&request, rid("h-1").as_ref(), &memo, &op).await.unwrap();
    assert_eq!(held.hold.state, HoldState::Open);
    assert_eq!(held.transaction.kind, TransactionKind::Hold);
    assert_eq!((held.account.balance.minor(), held.account.held.minor()), (10_000, 6_000));
    assert_eq!(held.account.available().minor(), 4_000);
    // A retry answers the first hold; nothing more is held.
    let again = store.create_hold(&request, rid("h-1").as_ref(), &memo, &op).await.unwrap();
    assert_eq!(again.hold.id, held.hold.id);
    assert_eq!(store.get_account(&id("a"), &op).await.unwrap().held.minor(), 6_000);

    // Withdrawals, transfers and holds see the available balance.
    let short = store.post(&id("a"), &BalanceChange::Withdrawal(usd(4_001)), None, &memo, &op).await;
    assert_eq!(
        refused(short),
        Error::InsufficientFunds {
            balance: redbank_domain::Money::from_minor(Currency::parse("USD").unwrap(), 4_000)
        }
    );
    let request2 = HoldRequest { account: id("a"), amount: usd(4_001), expire_time_millis: None };
    assert!(matches!(
        refused(store.create_hold(&request2, None, &memo, &op).await),
        Error::InsufficientFunds { .. }
    ));

    // Capture 2,500 of the 6,000 to b: the rest is released.
    let capture = Capture::new(held.hold.id.clone(), id("b"), Some(usd(2_500))).unwrap();
    let done = store.capture_hold(&capture, rid("c-1").as_ref(), &memo, &op).await.unwrap();
    assert_eq!(done.hold.state, HoldState::Captured);
    assert_eq!(done.capture.kind, TransactionKind::Capture);
    assert_eq!(done.capture.amount.minor(), 2_500);
    assert_eq!(
        done.release.as_ref().map(|r| (r.kind, r.amount.minor())),
        Some((TransactionKind::Release, 3_500))
    );
    assert_eq!((done.account.balance.minor(), done.account.held.minor()), (7_500, 0));
    assert_eq!(done.to.account.balance.minor(), 2_500);
    assert_eq!(done.to.transaction.kind, TransactionKind::TransferIn);
    assert_eq!(done.to.transaction.transfer_id.as_deref(), Some(held.hold.id.to_string().as_str()));
    // A retry answers the same capture and moves nothing more; another capture is refused.
    let again = store.capture_hold(&capture, rid("c-1").as_ref(), &memo, &op).await.unwrap();
    assert_eq!(again, done);
    let other = store.capture_hold(&capture, rid("c-2").as_ref(), &memo, &op).await;
    assert!(matches!(refused(other), Error::HoldNotOpen { .. }));
    assert_eq!(store.get_account(&id("b"), &op).await.unwrap().balance.minor(), 2_500);

    let kinds: Vec<TransactionKind> = store.history(&id("a")).await.unwrap().iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        [TransactionKind::Deposit, TransactionKind::Hold, TransactionKind::Capture, TransactionKind::Release]
    );
    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
}

#[tokio::test]
async fn captures_beyond_the_hold_or_to_a_refusing_account_leave_it_open() {
    let (_redis, store) = setup().await;
    let (memo, op) = (Memo::default(), Principal::operator());
    let request = HoldRequest { account: id("a"), amount: usd(1_000), expire_time_millis: None };
    let held = store.create_hold(&request, None, &memo, &op).await.unwrap();
    let too_much = Capture::new(held.hold.id.clone(), id("b"), Some(usd(1_001))).unwrap();
    assert!(matches!(
        refused(store.capture_hold(&too_much, None, &memo, &op).await),
        Error::CaptureExceedsHold { .. }
    ));
    // A frozen target refuses the credit: the hold is open again, and can still be captured.
    store
        .set_state(
            &id("b"),
            redbank_domain::StateChange::Freeze,
            &redbank_domain::Reason::parse("x").unwrap(),
            None,
            &op,
        )
        .await
        .unwrap();
    let whole = Capture::new(held.hold.id.clone(), id("b"), None).unwrap();
    let frozen = store.capture_hold(&whole, rid("c-f").as_ref(), &memo, &op).await;
    assert_eq!(refused(frozen), Error::AccountFrozen(id("b")));
    assert_eq!(store.get_hold(&held.hold.id, &op).await.unwrap().state, HoldState::Open);
    // The retry answers the refusal it got.
    assert_eq!(
        refused(store.capture_hold(&whole, rid("c-f").as_ref(), &memo, &op).await),
        Error::AccountFrozen(id("b"))
    );
    store
        .set_state(
            &id("b"),
            redbank_domain::StateChange::Unfreeze,
            &redbank_domain::Reason::parse("x").unwrap(),
            None,
            &op,
        )
        .await
        .unwrap();
    let done = store.capture_hold(&whole, rid("c-ok").as_ref(), &memo, &op).await.unwrap();
    assert_eq!(
        (done.account.balance.minor(), done.to.account.balance.minor(), done.release),
        (9_000, 1_000, None)
    );
    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
}

#[tokio::test]
async fn a_void_releases_and_an_expired_hold_is_voided_by_the_recovery_pass() {
    let (_redis, store) = setup().await;
    let (memo, op) = (Memo::default(), Principal::operator());
    let request = HoldRequest { account: id("a"), amount: usd(1_000), expire_time_millis: None };
    let held = store.create_hold(&request, None, &memo, &op).await.unwrap();
    let voided = store.void_hold(&held.hold.id, rid("v-1").as_ref(), &memo, &op).await.unwrap();
    assert_eq!((voided.hold.state, voided.transaction.kind), (HoldState::Voided, TransactionKind::Release));
    assert_eq!(voided.account.held.minor(), 0);
    assert_eq!(store.void_hold(&held.hold.id, rid("v-1").as_ref(), &memo, &op).await.unwrap(), voided);
    assert!(matches!(
        refused(store.void_hold(&held.hold.id, None, &memo, &op).await),
        Error::HoldNotOpen { .. }
    ));

    // Too soon, too late: refused before Redis.
    let past = HoldRequest { expire_time_millis: Some(now_millis() - 1), ..request.clone() };
    assert_eq!(refused(store.create_hold(&past, None, &memo, &op).await), Error::InvalidExpireTime);

    let soon = HoldRequest { expire_time_millis: Some(now_millis() + 1_200), ..request.clone() };
    let short = store.create_hold(&soon, None, &memo, &op).await.unwrap();
    let lasting = store.create_hold(&request, None, &memo, &op).await.unwrap();
    assert_eq!(store.get_account(&id("a"), &op).await.unwrap().held.minor(), 2_000);
    // Nothing is due yet: a pass leaves both.
    let first = store.recover_due(Duration::from_secs(5)).await.unwrap();
    assert_eq!(first.expired, 0);
    tokio::time::sleep(Duration::from_millis(1_200) + redbank_store::DUE_GRACE + Duration::from_millis(300))
        .await;
    let second = store.recover_due(Duration::from_secs(5)).await.unwrap();
    assert_eq!(second.expired, 1, "{second:?}");
    assert_eq!(store.get_hold(&short.hold.id, &op).await.unwrap().state, HoldState::Expired);
    assert_eq!(store.get_hold(&lasting.hold.id, &op).await.unwrap().state, HoldState::Open);
    assert_eq!(store.get_account(&id("a"), &op).await.unwrap().held.minor(), 1_000);
    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
}
