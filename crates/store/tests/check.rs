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
        store.create_account(&id(a), AccountType::Checking, usd_c, None, None).await.unwrap();
        let rid = RequestId::parse(&format!("dep-{a}")).unwrap();
        store
            .post(
                &id(a),
                &BalanceChange::Deposit(usd(10_000)),
                Some(&rid),
                &memo,
                &redbank_domain::Principal::operator(),
            )
            .await
            .unwrap();
    }
    let rid = RequestId::parse("wd-a").unwrap();
    store
        .post(
            &id("a"),
            &BalanceChange::Withdrawal(usd(500)),
            Some(&rid),
            &memo,
            &redbank_domain::Principal::operator(),
        )
        .await
        .unwrap();
    let t = Transfer::new(id("a"), id("b"), usd(2_500)).unwrap();
    store
        .transfer(&t, Some(&RequestId::parse("tr-1").unwrap()), &memo, &redbank_domain::Principal::operator())
        .await
        .unwrap();
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
    // Conservation is judged on the history (at the cut), which is intact: the
    // balance that disagrees with it is the one violation.
    assert_eq!(report.violations.len(), 1, "{:?}", report.violations);
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
    assert!(
        has(&report, |v| matches!(v, Violation::NotConserved { balances: 20_500, net_external: 19_500, .. })),
        "{:?}",
        report.violations
    );
    assert!(has(&report, |v| matches!(v, Violation::TransferIncomplete { .. })));
    assert!(report.violations.iter().all(|v| !v.to_string().is_empty()));
}

#[tokio::test]
async fn a_request_id_reused_after_its_ttl_is_a_new_change_not_a_duplicate() {
    let redis = RedisServer::start();
    let config =
        StoreConfig { idempotency_ttl: std::time::Duration::from_secs(1), ..StoreConfig::new(redis.url()) };
    let store = Store::connect(&config).unwrap();
    let usd_c = Currency::parse("USD").unwrap();
    store.create_account(&id("r"), AccountType::Checking, usd_c, None, None).await.unwrap();
    let rid = RequestId::parse("same").unwrap();
    let deposit = BalanceChange::Deposit(usd(100));
    let first = store
        .post(&id("r"), &deposit, Some(&rid), &Memo::default(), &redbank_domain::Principal::operator())
        .await
        .unwrap();
    let retry = store
        .post(&id("r"), &deposit, Some(&rid), &Memo::default(), &redbank_domain::Principal::operator())
        .await
        .unwrap();
    assert_eq!(
        (first.account.version, retry.account.version),
        (1, 1),
        "a retry within the TTL changes nothing"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let again = store
        .post(&id("r"), &deposit, Some(&rid), &Memo::default(), &redbank_domain::Principal::operator())
        .await
        .unwrap();
    assert_eq!(again.account.version, 2, "after the TTL the id is new");

    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
    // Judged by a longer window, the same history is a duplicate.
    let longer =
        StoreConfig { idempotency_ttl: std::time::Duration::from_secs(60), ..StoreConfig::new(redis.url()) };
    let report = check(&Store::connect(&longer).unwrap()).await.unwrap();
    assert!(
        has(&report, |v| matches!(v, Violation::DuplicateRequestId { count: 2, .. })),
        "{:?}",
        report.violations
    );
}

#[tokio::test]
async fn totals_beyond_64_bits_are_summed_exactly() {
    let redis = RedisServer::start();
    let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
    let jpy = Currency::parse("JPY").unwrap();
    let max = redbank_domain::limits::MAX_AMOUNT_MINOR;
    const ACCOUNTS: i64 = 9_300;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..ACCOUNTS {
        let store = store.clone();
        tasks.spawn(async move {
            let a = id(&format!("yen-{n}"));
            store.create_account(&a, AccountType::Savings, jpy, None, None).await.unwrap();
            let amount = Amount::from_minor(jpy, max).unwrap();
            store
                .post(
                    &a,
                    &BalanceChange::Deposit(amount),
                    None,
                    &Memo::default(),
                    &redbank_domain::Principal::operator(),
                )
                .await
                .unwrap();
        });
        if tasks.len() >= 256 {
            tasks.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let report = check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
    let total = i128::from(ACCOUNTS) * i128::from(max);
    assert!(total > i128::from(i64::MAX));
    assert_eq!(report.totals.get("JPY"), Some(&(total, total)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checker_passes_on_a_live_store_while_money_moves() {
    let (_redis, store) = setup().await;
    let accounts: Vec<AccountId> = (0..8).map(|n| id(&format!("live-{n}"))).collect();
    let usd_c = Currency::parse("USD").unwrap();
    for a in &accounts {
        store.create_account(a, AccountType::Checking, usd_c, None, None).await.unwrap();
        store
            .post(
                a,
                &BalanceChange::Deposit(usd(1_000_000)),
                None,
                &Memo::default(),
                &redbank_domain::Principal::operator(),
            )
            .await
            .unwrap();
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..8usize {
        let (store, accounts, stop) = (store.clone(), accounts.clone(), stop.clone());
        writers.spawn(async move {
            let mut n = 0usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let (from, to) = (&accounts[(w + n) % 8], &accounts[(w + 3 * n + 1) % 8]);
                if from != to {
                    let t = Transfer::new(from.clone(), to.clone(), usd(1 + (n % 7) as i64)).unwrap();
                    let _ = store
                        .transfer(&t, None, &Memo::default(), &redbank_domain::Principal::operator())
                        .await;
                }
                let change = if n.is_multiple_of(2) {
                    BalanceChange::Deposit(usd(3))
                } else {
                    BalanceChange::Withdrawal(usd(2))
                };
                let _ = store
                    .post(from, &change, None, &Memo::default(), &redbank_domain::Principal::operator())
                    .await;
            }
            n
        });
    }
    let mut runs = 0;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(4);
    while std::time::Instant::now() < until {
        let report = check(&store).await.unwrap();
        assert!(report.passed(), "false alarm on a live store: {:?}", report.violations);
        runs += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut changes = 0;
    while let Some(n) = writers.join_next().await {
        changes += n.unwrap();
    }
    assert!(runs >= 3 && changes > 100, "{runs} runs over {changes} changes");
    assert!(check(&store).await.unwrap().passed());
}

/// One planted violation of each kind the holds have, each caught, each alone.
#[tokio::test]
async fn finds_each_planted_violation_of_the_holds() {
    use redbank_domain::{Capture, HoldRequest, HoldState, Principal};
    let (redis, store) = setup().await;
    let (memo, op) = (Memo::default(), Principal::operator());
    let request = HoldRequest { account: id("a"), amount: usd(100), expire_time_millis: None };
    let open = store.create_hold(&request, None, &memo, &op).await.unwrap().hold.id;
    let voided = store.create_hold(&request, None, &memo, &op).await.unwrap().hold.id;
    store.void_hold(&voided, None, &memo, &op).await.unwrap();
    let captured = store.create_hold(&request, None, &memo, &op).await.unwrap().hold.id;
    store
        .capture_hold(&Capture::new(captured.clone(), id("b"), None).unwrap(), None, &memo, &op)
        .await
        .unwrap();
    let clean = check(&store).await.unwrap();
    assert!(clean.passed(), "{:?}", clean.violations);
    let mut conn = redis.connection();
    let hold_key = |h: &redbank_domain::HoldId| format!("acct:{{a}}:hold:{}", h.nonce());
    let due_key = |h: &redbank_domain::HoldId| {
        (0..16).map(|n| format!("holds:{{due-{n}}}")).find(|k| {
            let s: Option<f64> =
                redis::cmd("ZSCORE").arg(k).arg(h.to_string()).query(&mut redis.connection()).unwrap();
            s.is_some()
        })
    };
    let only = |report: redbank_store::check::CheckReport, pred: &dyn Fn(&Violation) -> bool| {
        assert!(report.violations.len() == 1 && pred(&report.violations[0]), "{:?}", report.violations);
    };

    // The held balance off by a cent.
    let _: i64 = redis::cmd("HINCRBY").arg("acct:{a}").arg("held").arg(1).query(&mut conn).unwrap();
    only(check(&store).await.unwrap(), &|v| {
        matches!(v, Violation::HeldMismatch { held: 101, open_holds: 100, .. })
    });
    let _: i64 = redis::cmd("HINCRBY").arg("acct:{a}").arg("held").arg(-1).query(&mut conn).unwrap();

    // A hold nothing will expire: out of the due index.
    let due = due_key(&open).expect("the open hold is due");
    let _: i64 = redis::cmd("ZREM").arg(&due).arg(open.to_string()).query(&mut conn).unwrap();
    only(check(&store).await.unwrap(), &|v| matches!(v, Violation::HoldNotDue { .. }));
    let _: i64 =
        redis::cmd("ZADD").arg(&due).arg(i64::MAX / 2).arg(open.to_string()).query(&mut conn).unwrap();

    // Open long past its expiry.
    let _: () = redis::cmd("HSET").arg(hold_key(&open)).arg("expire").arg(1_000).query(&mut conn).unwrap();
    only(check(&store).await.unwrap(), &|v| {
        matches!(v, Violation::HoldOverdue { state: HoldState::Open, .. })
    });

    // Capturing long past its recovery deadline.
    let _: () = redis::cmd("HSET")
        .arg(hold_key(&open))
        .arg("state")
        .arg("capturing")
        .arg("cdue")
        .arg(1_000)
        .arg("camount")
        .arg(100)
        .query(&mut conn)
        .unwrap();
    only(check(&store).await.unwrap(), &|v| {
        matches!(v, Violation::HoldOverdue { state: HoldState::Capturing, .. })
    });

    // In the open index, but voided.
    let _: () = redis::cmd("HSET").arg(hold_key(&open)).arg("state").arg("voided").query(&mut conn).unwrap();
    let report = check(&store).await.unwrap();
    assert!(has(&report, |v| matches!(v, Violation::HoldIndexStale { state: Some(HoldState::Voided), .. })));
    let _: () = redis::cmd("HSET")
        .arg(hold_key(&open))
        .arg("state")
        .arg("open")
        .arg("expire")
        .arg(i64::MAX / 2)
        .query(&mut conn)
        .unwrap();
    assert!(check(&store).await.unwrap().passed());

    // A credit of a hold that was voided: a transfer with one half, and money made.
    plant(
        &mut conn,
        "b",
        &[
            "kind",
            "transfer_in",
            "amount",
            "100",
            "balance",
            "12700",
            "version",
            "4",
            "request_id",
            "",
            "memo",
            "",
            "transfer",
            &voided.to_string(),
            "counterparty",
            "a",
        ],
        12_700,
        4,
    );
    let report = check(&store).await.unwrap();
    assert!(has(
        &report,
        |v| matches!(v, Violation::TransferIncomplete { transfer_id, .. } if *transfer_id == voided.to_string())
    ));
    assert!(has(&report, |v| matches!(v, Violation::NotConserved { .. })));
}
