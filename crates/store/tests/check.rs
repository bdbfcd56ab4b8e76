//! The invariant checker finds a planted violation of each kind, and passes on a
//! store that only the scripts wrote.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use redbank_domain::{AccountId, AccountType, Amount, BalanceChange, Currency, Memo, RequestId, Transfer};
use redbank_store::check::{Violation, check};
use redbank_store::{Store, StoreConfig};
use redbank_testkit::RedisServer;

fn id(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}

fn usd(cents: i64) -> Amount {
    Amount::from_minor(Currency::parse("USD").unwrap(), cents).unwrap()
}

/// Two USD accounts with a deposit, a withdrawal and a transfer between them.
async fn setup() -> (RedisServer, Store) {
    let redis = RedisServer::start();
    let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
    let usd_c = Currency::parse("USD").unwrap();
    let memo = Memo::default();
    for a in ["a", "b"] {
        store.create_account(&id(a), AccountType::Checking, usd_c, None).await.unwrap();
        let rid = RequestId::parse(&format!("dep-{a}")).unwrap();
        store.post(&id(a), &BalanceChange::Deposit(usd(10_000)), Some(&rid), &memo).await.unwrap();
    }
    let rid = RequestId::parse("wd-a").unwrap();
    store.post(&id("a"), &BalanceChange::Withdrawal(usd(500)), Some(&rid), &memo).await.unwrap();
    let t = Transfer::new(id("a"), id("b"), usd(2_500)).unwrap();
    store.transfer(&t, Some(&RequestId::parse("tr-1").unwrap()), &memo).await.unwrap();
    (redis, store)
}

/// Writes what no script would: an entry appended by hand, and the account's balance
/// and version set to follow it.
fn plant(conn: &mut redis::Connection, account: &str, entry: &[&str], balance: i64, version: i64) {
    let _: String =
        redis::cmd("XADD").arg(format!("acct:{{{account}}}:log")).arg("*").arg(entry).query(conn).unwrap();
    let _: () = redis::cmd("HSET")
        .arg(format!("acct:{{{account}}}"))
        .arg("bal")
        .arg(balance)
        .arg("ver")
        .arg(version)
        .query(conn)
        .unwrap();
}

fn has(report: &redbank_store::check::CheckReport, pred: impl Fn(&Violation) -> bool) -> bool {
    report.violations.iter().any(pred)
}

#[tokio::test]
async fn a_clean_store_passes_and_the_report_counts_what_it_checked() {
    let (_redis, store) = setup().await;
    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
    assert_eq!((report.accounts, report.entries, report.transfers), (2, 5, 1));
    assert_eq!(report.request_ids, 5);
    assert_eq!(report.totals.get("USD"), Some(&(19_500, 19_500)));
}

#[tokio::test]
async fn finds_a_balance_that_disagrees_with_its_history() {
    let (redis, store) = setup().await;
    let _: () =
        redis::cmd("HSET").arg("acct:{a}").arg("bal").arg("7001").query(&mut redis.connection()).unwrap();
    let report = check(&store).await.unwrap();
    assert!(has(
        &report,
        |v| matches!(v, Violation::BalanceMismatch { account, balance: 7001, sum_of_entries: 7000 } if account.as_str() == "a")
    ));
    assert!(has(&report, |v| matches!(v, Violation::NotConserved { .. })));
}

#[tokio::test]
async fn finds_a_negative_balance_and_a_broken_chain() {
    let (redis, store) = setup().await;
    let mut conn = redis.connection();
    plant(
        &mut conn,
        "b",
        &[
            "kind",
            "withdrawal",
            "amount",
            "20000",
            "balance",
            "-7500",
            "version",
            "3",
            "request_id",
            "x",
            "memo",
            "",
        ],
        -7500,
        3,
    );
    let report = check(&store).await.unwrap();
    assert!(has(&report, |v| matches!(v, Violation::NegativeBalance { balance: -7500, entry: None, .. })));
    assert!(has(&report, |v| matches!(v, Violation::NegativeBalance { entry: Some(_), .. })));
    let _: () = redis::cmd("HSET").arg("acct:{a}").arg("ver").arg("9").query(&mut conn).unwrap();
    let report = check(&store).await.unwrap();
    assert!(has(&report, |v| matches!(v, Violation::VersionMismatch { version: 9, entries: 3, .. })));
}

#[tokio::test]
async fn finds_a_transfer_with_a_missing_half() {
    let (redis, store) = setup().await;
    let mut conn = redis.connection();
    let entries: Vec<(String, Vec<String>)> =
        redis::cmd("XRANGE").arg("acct:{b}:log").arg("-").arg("+").query(&mut conn).unwrap();
    let credit = entries.iter().find(|(_, kv)| kv.contains(&"transfer_in".to_owned())).unwrap();
    let _: i64 = redis::cmd("XDEL").arg("acct:{b}:log").arg(&credit.0).query(&mut conn).unwrap();
    let report = check(&store).await.unwrap();
    assert!(has(
        &report,
        |v| matches!(v, Violation::TransferIncomplete { halves, .. } if halves == "transfer_out on a")
    ));
}

#[tokio::test]
async fn finds_a_request_id_applied_twice() {
    let (redis, store) = setup().await;
    let mut conn = redis.connection();
    plant(
        &mut conn,
        "a",
        &[
            "kind",
            "deposit",
            "amount",
            "100",
            "balance",
            "7100",
            "version",
            "4",
            "request_id",
            "dep-a",
            "memo",
            "",
        ],
        7100,
        4,
    );
    let report = check(&store).await.unwrap();
    let dup = |v: &Violation| matches!(v, Violation::DuplicateRequestId { request_id, count: 2, .. } if request_id == "dep-a");
    assert!(has(&report, dup), "{:?}", report.violations);
    // Money appeared from nowhere only if the entry is a transfer credit without a debit:
    // here it is a deposit, so the per-currency totals still agree.
    assert!(!has(&report, |v| matches!(v, Violation::NotConserved { .. })));
}

#[tokio::test]
async fn finds_money_that_was_not_conserved() {
    let (redis, store) = setup().await;
    let mut conn = redis.connection();
    // A credit that claims to be half of a transfer nobody debited.
    plant(
        &mut conn,
        "b",
        &[
            "kind",
            "transfer_in",
            "amount",
            "1000",
            "balance",
            "13500",
            "version",
            "3",
            "request_id",
            "ghost",
            "memo",
            "",
            "counterparty",
            "a",
            "transfer",
            "a:99",
        ],
        13500,
        3,
    );
    let report = check(&store).await.unwrap();
    assert!(has(&report, |v| matches!(
        v,
        Violation::NotConserved { balances: 20_500, net_external: 19_500, .. }
    )));
    assert!(has(&report, |v| matches!(v, Violation::TransferIncomplete { .. })));
    assert!(report.violations.iter().all(|v| !v.to_string().is_empty()));
}
