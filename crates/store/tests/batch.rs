//! Changes gathered into one script call are each checked, applied, recorded and
//! answered exactly as if alone; concurrent changes really are gathered; and a change
//! that fails on unreadable data fails alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use redbank_domain::{AccountId, AccountType, Amount, BalanceChange, Currency, Error, Memo, RequestId};
use redbank_store::check::check;
use redbank_store::{BatchConfig, PostRequest, Store, StoreConfig, StoreError};
use redbank_testkit::RedisServer;

fn id(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}

fn money(currency: &str, minor: i64) -> Amount {
    Amount::from_minor(Currency::parse(currency).unwrap(), minor).unwrap()
}

fn rid(s: &str) -> Option<RequestId> {
    Some(RequestId::parse(s).unwrap())
}

fn change(account: &str, change: BalanceChange, request_id: Option<RequestId>) -> PostRequest {
    PostRequest {
        account: id(account),
        change,
        request_id,
        memo: Memo::default(),
        by: redbank_domain::Principal::operator(),
    }
}

fn store(redis: &RedisServer, batch: BatchConfig) -> Store {
    let mut config = StoreConfig::new(redis.url());
    config.batch = batch;
    Store::connect(&config).unwrap()
}

async fn open(store: &Store, account: &str, currency: &str) {
    let currency = Currency::parse(currency).unwrap();
    store.create_account(&id(account), AccountType::Checking, currency, None, None).await.unwrap();
}

/// Script calls Redis has run since the last CONFIG RESETSTAT.
fn script_calls(redis: &RedisServer) -> u64 {
    let stats: String = redis::cmd("INFO").arg("commandstats").query(&mut redis.connection()).unwrap();
    stats
        .lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
        .map(|l| {
            let calls = l.split("calls=").nth(1).unwrap().split(',').next().unwrap();
            calls.parse::<u64>().unwrap()
        })
        .sum()
}

fn reset_stats(redis: &RedisServer) {
    let _: () = redis::cmd("CONFIG").arg("RESETSTAT").query(&mut redis.connection()).unwrap();
}

#[tokio::test]
async fn each_change_of_one_call_is_checked_and_answered_as_if_alone() {
    let redis = RedisServer::start();
    let store = store(&redis, BatchConfig::DEFAULT);
    open(&store, "a", "USD").await;
    open(&store, "e", "EUR").await;

    let results = store
        .post_all(&[
            change("a", BalanceChange::Deposit(money("USD", 100)), rid("r1")),
            // Sees the deposit before it: 150 > 100.
            change("a", BalanceChange::Withdrawal(money("USD", 150)), rid("r2")),
            // The same request again: the first answer, nothing applied.
            change("a", BalanceChange::Deposit(money("USD", 100)), rid("r1")),
            // The same id with other parameters.
            change("a", BalanceChange::Deposit(money("USD", 5)), rid("r1")),
            change("missing", BalanceChange::Deposit(money("USD", 1)), rid("r3")),
            change("e", BalanceChange::Deposit(money("USD", 1)), None),
            change("a", BalanceChange::Withdrawal(money("USD", 30)), None),
        ])
        .await
        .unwrap();

    assert_eq!(results.len(), 7);
    let first = results[0].as_ref().unwrap();
    assert_eq!((first.account.balance.minor(), first.account.version), (100, 1));
    match &results[1] {
        Err(StoreError::Refused(Error::InsufficientFunds { balance })) => assert_eq!(balance.minor(), 100),
        other => panic!("expected INSUFFICIENT_FUNDS, got {other:?}"),
    }
    assert_eq!(results[2].as_ref().unwrap(), first, "a retry answers the first answer");
    assert!(matches!(results[3], Err(StoreError::Refused(Error::IdempotencyKeyReused))), "{:?}", results[3]);
    assert!(
        matches!(&results[4], Err(StoreError::Refused(Error::AccountNotFound(a))) if a.as_str() == "missing")
    );
    assert!(
        matches!(results[5], Err(StoreError::Refused(Error::CurrencyMismatch { .. }))),
        "{:?}",
        results[5]
    );
    let last = results[6].as_ref().unwrap();
    assert_eq!((last.account.balance.minor(), last.account.version), (70, 2));

    let a = store.get_account(&id("a"), &redbank_domain::Principal::operator()).await.unwrap();
    assert_eq!((a.balance.minor(), a.version), (70, 2));
    assert_eq!(store.get_account(&id("e"), &redbank_domain::Principal::operator()).await.unwrap().version, 0);
    // The refusal of r2 is remembered too: asked again alone, it answers the same.
    let withdrawal = BalanceChange::Withdrawal(money("USD", 150));
    match store
        .post(
            &id("a"),
            &withdrawal,
            rid("r2").as_ref(),
            &Memo::default(),
            &redbank_domain::Principal::operator(),
        )
        .await
    {
        Err(StoreError::Refused(Error::InsufficientFunds { balance })) => assert_eq!(balance.minor(), 100),
        other => panic!("expected the remembered refusal, got {other:?}"),
    }
    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
    assert_eq!(report.entries, 2);
}

#[tokio::test]
async fn a_change_on_unreadable_data_fails_alone() {
    let redis = RedisServer::start();
    let store = store(&redis, BatchConfig::DEFAULT);
    open(&store, "a", "USD").await;
    open(&store, "bad", "USD").await;
    let _: () =
        redis::cmd("HSET").arg("acct:{bad}").arg("bal").arg("twelve").query(&mut redis.connection()).unwrap();

    let results = store
        .post_all(&[
            change("a", BalanceChange::Deposit(money("USD", 10)), rid("x1")),
            change("bad", BalanceChange::Deposit(money("USD", 10)), rid("x2")),
            change("a", BalanceChange::Deposit(money("USD", 10)), rid("x3")),
        ])
        .await
        .unwrap();

    assert_eq!(results[0].as_ref().unwrap().account.balance.minor(), 10);
    match &results[1] {
        Err(StoreError::Corrupt(message)) => assert!(message.contains("script failed"), "{message}"),
        other => panic!("expected a script failure, got {other:?}"),
    }
    assert_eq!(results[2].as_ref().unwrap().account.balance.minor(), 20);
    let bad: Vec<Option<String>> =
        redis::cmd("HMGET").arg("acct:{bad}").arg("bal").arg("ver").query(&mut redis.connection()).unwrap();
    assert_eq!(bad, [Some("twelve".to_owned()), Some("0".to_owned())], "nothing written to the bad account");
    let entries: u64 = redis::cmd("XLEN").arg("acct:{bad}:log").query(&mut redis.connection()).unwrap();
    assert_eq!(entries, 0);
}

/// 400 concurrent deposits with request ids on 8 accounts; then the same 400 again.
async fn deposit_storm(store: &Store) -> Vec<redbank_store::Posted> {
    let store = Arc::new(store.clone());
    let mut tasks = Vec::new();
    for i in 0..400_i64 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let account = id(&format!("s{}", i % 8));
            let amount = BalanceChange::Deposit(money("USD", i + 1));
            store
                .post(
                    &account,
                    &amount,
                    rid(&format!("storm-{i}")).as_ref(),
                    &Memo::default(),
                    &redbank_domain::Principal::operator(),
                )
                .await
        }));
    }
    let mut posted = Vec::new();
    for task in tasks {
        posted.push(task.await.unwrap().unwrap());
    }
    posted
}

async fn storm_outcome(redis: &RedisServer, batch: BatchConfig) -> u64 {
    let store = store(redis, batch);
    for a in 0..8 {
        open(&store, &format!("s{a}"), "USD").await;
    }
    // Loads the script (a first EVALSHA of each concurrent call would find it missing).
    open(&store, "warm", "USD").await;
    store
        .post(
            &id("warm"),
            &BalanceChange::Deposit(money("USD", 1)),
            None,
            &Memo::default(),
            &redbank_domain::Principal::operator(),
        )
        .await
        .unwrap();
    reset_stats(redis);
    let first = deposit_storm(&store).await;
    let calls = script_calls(redis);

    for a in 0..8_i64 {
        let account =
            store.get_account(&id(&format!("s{a}")), &redbank_domain::Principal::operator()).await.unwrap();
        let expected: i64 = (0..400_i64).filter(|i| i % 8 == a).map(|i| i + 1).sum();
        assert_eq!((account.balance.minor(), account.version), (expected, 50));
    }
    // Each deposit's own reply: its own amount, and a distinct version of its account.
    for (i, posted) in first.iter().enumerate() {
        let transaction = posted.transaction.as_ref().expect("an entry");
        assert_eq!(transaction.amount.minor(), i as i64 + 1);
        assert_eq!(transaction.account_id.as_str(), format!("s{}", i % 8));
    }
    let again = deposit_storm(&store).await;
    assert_eq!(again, first, "every retry answers its first answer");
    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
    assert_eq!(report.entries, 401);
    calls
}

#[tokio::test]
async fn concurrent_changes_are_gathered_into_fewer_calls() {
    let redis = RedisServer::start();
    let calls = storm_outcome(&redis, BatchConfig { max_changes: 64, max_in_flight: 1 }).await;
    eprintln!("400 concurrent deposits: {calls} script calls");
    assert!(calls <= 200, "400 concurrent deposits took {calls} script calls");
}

#[tokio::test]
async fn with_batching_off_every_change_is_its_own_call() {
    let redis = RedisServer::start();
    let calls = storm_outcome(&redis, BatchConfig::OFF).await;
    assert_eq!(calls, 400);
}
