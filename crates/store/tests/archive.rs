//! History retention: archived entries leave Redis, and the archive point keeps
//! balances, versions, statements and the invariant checker exact without them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use redbank_domain::{
    AccountId, AccountType, Amount, BalanceChange, Currency, Error, Memo, Transaction, Transfer,
};
use redbank_store::check::{Violation, check};
use redbank_store::{ArchivePoint, Store, StoreConfig, StoreError};
use redbank_testkit::RedisServer;

fn id(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}

fn usd(minor: i64) -> Amount {
    Amount::from_minor(Currency::parse("USD").unwrap(), minor).unwrap()
}

async fn open(store: &Store, account: &str) {
    let usd = Currency::parse("USD").unwrap();
    store.create_account(&id(account), AccountType::Checking, usd, None, None).await.unwrap();
}

async fn deposit(store: &Store, account: &str, minor: i64) {
    store
        .post(
            &id(account),
            &BalanceChange::Deposit(usd(minor)),
            None,
            &Memo::default(),
            &redbank_domain::Principal::operator(),
        )
        .await
        .unwrap();
}

async fn withdraw(store: &Store, account: &str, minor: i64) {
    store
        .post(
            &id(account),
            &BalanceChange::Withdrawal(usd(minor)),
            None,
            &Memo::default(),
            &redbank_domain::Principal::operator(),
        )
        .await
        .unwrap();
}

async fn transfer(store: &Store, from: &str, to: &str, minor: i64) {
    let t = Transfer::new(id(from), id(to), usd(minor)).unwrap();
    store.transfer(&t, None, &Memo::default(), &redbank_domain::Principal::operator()).await.unwrap();
}

/// The Redis clock, ms: stream entry ids come from it.
fn redis_millis(redis: &RedisServer) -> i64 {
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query(&mut redis.connection()).unwrap();
    secs * 1000 + micros / 1000
}

/// A cutoff with entries on both sides of it: every entry written before this
/// returns is older than the cutoff, every entry written after it is not.
async fn cutoff(redis: &RedisServer) -> i64 {
    tokio::time::sleep(Duration::from_millis(3)).await;
    let cut = redis_millis(redis);
    tokio::time::sleep(Duration::from_millis(3)).await;
    cut
}

/// Archives (here: drops) every entry of `account` before `cut`, as `redbank
/// archive` does, and returns what was archived.
async fn archive(store: &Store, account: &str, cut: i64) -> Vec<Transaction> {
    let mut archived = Vec::new();
    loop {
        let (point, entries) = store.archivable(&id(account), cut, 2).await.unwrap();
        if entries.is_empty() {
            return archived;
        }
        store.trim_archived(&id(account), &point, &entries).await.unwrap();
        archived.extend(entries);
    }
}

#[tokio::test]
async fn archiving_keeps_balances_statements_and_the_checker_exact() {
    let redis = RedisServer::start();
    let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
    open(&store, "a").await;
    open(&store, "b").await;
    deposit(&store, "a", 10_000).await;
    withdraw(&store, "a", 1_500).await;
    transfer(&store, "a", "b", 2_000).await;
    deposit(&store, "b", 300).await;
    transfer(&store, "b", "a", 700).await;
    let cut = cutoff(&redis).await;
    deposit(&store, "a", 50).await;
    transfer(&store, "a", "b", 25).await;

    let before_a = store.history(&id("a")).await.unwrap();
    let before_b = store.history(&id("b")).await.unwrap();
    let archived_a = archive(&store, "a", cut).await;
    let archived_b = archive(&store, "b", cut).await;

    // Exactly the entries before the cutoff left, oldest first, and the rest stayed.
    for (before, archived, account) in [(&before_a, &archived_a, "a"), (&before_b, &archived_b, "b")] {
        let old: Vec<_> = before.iter().filter(|t| t.create_time_millis < cut).cloned().collect();
        let new: Vec<_> = before.iter().filter(|t| t.create_time_millis >= cut).cloned().collect();
        assert_eq!(archived, &old, "{account}");
        assert_eq!(store.history(&id(account)).await.unwrap(), new, "{account}");
    }
    assert_eq!((archived_a.len(), archived_b.len()), (4, 3));

    let point = store.archive_point(&id("a")).await.unwrap();
    let last = archived_a.last().unwrap();
    assert_eq!(
        point,
        ArchivePoint {
            through: Some(last.id.clone()),
            balance: 10_000 - 1_500 - 2_000 + 700,
            version: 4,
            entries: 4,
            net_external: 10_000 - 1_500,
        }
    );
    assert_eq!(store.archive_point(&id("b")).await.unwrap().net_external, 300);

    // Balances did not move; the checker still reconciles every cent.
    assert_eq!(
        store.get_account(&id("a"), &redbank_domain::Principal::operator()).await.unwrap().balance.minor(),
        7_200 + 50 - 25
    );
    assert_eq!(
        store.get_account(&id("b"), &redbank_domain::Principal::operator()).await.unwrap().balance.minor(),
        2_000 + 300 - 700 + 25
    );
    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
    assert_eq!((report.entries, report.archived_entries, report.transfers), (3, 7, 1));
    assert_eq!(report.totals["USD"], (8_850, 8_850));

    // A statement from after the cutoff opens at the archive point's balance; one
    // that reaches into archived history is refused and says up to when.
    let now = redis_millis(&redis) + 1;
    let statement = store.statement(&id("a"), last.create_time_millis + 1, now).await.unwrap();
    assert_eq!((statement.opening.minor(), statement.closing.minor()), (7_200, 7_225));
    assert_eq!(statement.transactions.len(), 2);
    for start in [0, last.create_time_millis] {
        match store.statement(&id("a"), start, now).await {
            Err(StoreError::Refused(Error::HistoryArchived { through_millis })) => {
                assert_eq!(through_millis, last.create_time_millis)
            }
            other => panic!("statement from {start}: {other:?}"),
        }
    }

    // Running again finds nothing more to archive; new writes go on as before.
    assert!(archive(&store, "a", cut).await.is_empty());
    deposit(&store, "a", 1).await;
    let account = store.get_account(&id("a"), &redbank_domain::Principal::operator()).await.unwrap();
    assert_eq!((account.balance.minor(), account.version), (7_226, 7));
    assert!(check(&store).await.unwrap().passed());
}

#[tokio::test]
async fn a_transfer_is_complete_when_its_other_half_was_archived() {
    let redis = RedisServer::start();
    let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
    for account in ["a", "b", "c"] {
        open(&store, account).await;
    }
    deposit(&store, "a", 1_000).await;
    deposit(&store, "c", 500).await;
    transfer(&store, "a", "b", 100).await;
    transfer(&store, "c", "a", 200).await;
    let cut = cutoff(&redis).await;

    // Only b and c are archived: a -> b keeps only its OUT half (on a), c -> a only
    // its IN half (on a).
    assert_eq!(archive(&store, "b", cut).await.len(), 1);
    assert_eq!(archive(&store, "c", cut).await.len(), 2);
    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
    assert_eq!((report.archived_entries, report.transfers), (3, 2));
    assert_eq!(report.totals["USD"], (1_500, 1_500));

    // A half whose partner is missing but was never archived is still caught.
    let a_log = store.history(&id("a")).await.unwrap();
    let out_to_b = a_log.iter().find(|t| t.counterparty == Some(id("b"))).unwrap();
    assert_eq!(out_to_b.counterparty_version, Some(1));
    transfer(&store, "b", "c", 40).await;
    let c_log = store.history(&id("c")).await.unwrap();
    let in_from_b = c_log.iter().find(|t| t.counterparty == Some(id("b"))).unwrap();
    let _: i64 =
        redis::cmd("XDEL").arg("acct:{c}:log").arg(&in_from_b.id).query(&mut redis.connection()).unwrap();
    let report = check(&store).await.unwrap();
    let incomplete: Vec<_> =
        report.violations.iter().filter(|v| matches!(v, Violation::TransferIncomplete { .. })).collect();
    assert_eq!(incomplete.len(), 1, "{:?}", report.violations);
}

#[tokio::test]
async fn a_trim_from_a_stale_read_changes_nothing() {
    let redis = RedisServer::start();
    let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
    open(&store, "a").await;
    for _ in 0..4 {
        deposit(&store, "a", 10).await;
    }
    let cut = cutoff(&redis).await;
    let (first_point, first) = store.archivable(&id("a"), cut, 2).await.unwrap();
    let (_, same) = store.archivable(&id("a"), cut, 2).await.unwrap();
    store.trim_archived(&id("a"), &first_point, &first).await.unwrap();

    // A second archiver that read the same chunk: the point moved, nothing happens.
    let stale = store.trim_archived(&id("a"), &first_point, &same).await;
    assert!(matches!(stale, Err(StoreError::ArchiveChanged(_))), "{stale:?}");
    // Entries that are not the head of the history are refused too.
    let point = store.archive_point(&id("a")).await.unwrap();
    let log = store.history(&id("a")).await.unwrap();
    let skipping = store.trim_archived(&id("a"), &point, &log[1..]).await;
    assert!(matches!(skipping, Err(StoreError::ArchiveChanged(_))), "{skipping:?}");

    // A caller whose archive point is not the account's: refused, whatever else
    // it gets right (the head's entries, their count).
    let head = store.archivable(&id("a"), cut, 1).await.unwrap().1;
    let forged = ArchivePoint { through: Some("1-1".into()), ..point.clone() };
    let wrong_point = store.trim_archived(&id("a"), &forged, &head).await;
    assert!(matches!(wrong_point, Err(StoreError::ArchiveChanged(_))), "{wrong_point:?}");
    // Entries named otherwise than the head, though as many: refused.
    let mut renamed = log[..2].to_vec();
    renamed[0].id = "1-0".into();
    let wrong_first = store.trim_archived(&id("a"), &point, &renamed).await;
    assert!(matches!(wrong_first, Err(StoreError::ArchiveChanged(_))), "{wrong_first:?}");

    let xlen: i64 = redis::cmd("XLEN").arg("acct:{a}:log").query(&mut redis.connection()).unwrap();
    assert_eq!((xlen, point.entries), (2, 2));
    // An unknown account is refused as such.
    let missing = store.archivable(&id("nobody"), cut, 2).await;
    assert!(matches!(missing, Err(StoreError::Refused(Error::AccountNotFound(_)))), "{missing:?}");
    assert!(check(&store).await.unwrap().passed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_go_on_while_history_is_archived() {
    let redis = RedisServer::start();
    let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
    open(&store, "a").await;
    open(&store, "b").await;
    for i in 0..100 {
        deposit(&store, if i % 2 == 0 { "a" } else { "b" }, 10).await;
    }
    let cut = cutoff(&redis).await;

    // Deposits and transfers keep landing on both accounts while their old history is
    // trimmed two entries at a time.
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..200 {
                match i % 3 {
                    0 => deposit(&store, "a", 7).await,
                    1 => deposit(&store, "b", 7).await,
                    _ => transfer(&store, "a", "b", 1).await,
                }
            }
        })
    };
    let (archived_a, archived_b) = tokio::join!(archive(&store, "a", cut), archive(&store, "b", cut));
    writer.await.unwrap();

    assert_eq!((archived_a.len(), archived_b.len()), (50, 50));
    assert!(archived_a.iter().chain(&archived_b).all(|t| t.create_time_millis < cut));
    let live_a = store.history(&id("a")).await.unwrap();
    let live_b = store.history(&id("b")).await.unwrap();
    assert_eq!(live_a.len() + live_b.len(), 67 + 67 + 2 * 66);
    let (a, b) = (
        store.get_account(&id("a"), &redbank_domain::Principal::operator()).await.unwrap(),
        store.get_account(&id("b"), &redbank_domain::Principal::operator()).await.unwrap(),
    );
    assert_eq!((a.balance.minor(), b.balance.minor()), (500 + 67 * 7 - 66, 500 + 67 * 7 + 66));
    assert_eq!((a.version, b.version), (50 + 67 + 66, 50 + 67 + 66));
    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
    assert_eq!(report.archived_entries, 100);
}
