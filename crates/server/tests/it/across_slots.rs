//! Holds and transfers between two slots of a real 3-primary Redis Cluster: holds
//! captured across slots (whole and in part), voided and expired; concurrent
//! transfers among many accounts through three server replicas, conserving every
//! cent; and a replica killed at each step of a transfer between slots, whose
//! transfer another replica's recovery worker finishes. The cluster checker passes
//! after each.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redbank_api::v1::{self, bank_client::BankClient};
use redbank_domain::Grant;
use redbank_testkit::{Lcg, RedisCluster};

use crate::cluster::{cluster_store, key, seeded, serve_on, slot};
use crate::helpers::*;

/// Account ids, `n` of them, on at least two slots (and so, usually, two primaries).
fn ids(prefix: &str, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
    assert!(ids.iter().any(|id| slot(id) != slot(&ids[0])));
    ids
}

/// The first id in `ids` on another slot than `id`.
fn elsewhere<'a>(ids: &'a [String], id: &str) -> &'a str {
    ids.iter().find(|o| slot(o) != slot(id)).unwrap()
}

async fn check_passes(store: &redbank_store::Store) -> redbank_store::check::CheckReport {
    let report = redbank_store::check::check(store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
    report
}

async fn total(c: &mut BankClient<Chan>, ids: &[String]) -> i64 {
    let mut sum = 0;
    for id in ids {
        sum += cents(
            &c.get_account(v1::GetAccountRequest { account_id: id.clone() })
                .await
                .unwrap()
                .into_inner()
                .balance,
        );
    }
    sum
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_are_captured_across_slots_voided_and_expired_on_a_cluster() {
    let cluster = RedisCluster::start(3);
    let store = cluster_store(&cluster).await;
    let admin = key(&store, Grant::Admin).await;
    let (addr, stop, server) = serve_on(&cluster, |config| config.transfer_recovery_secs = 1).await;
    let mut c = BankClient::new(as_key(raw_channel(addr).await, &admin));
    let ids = ids("h", 8);
    for id in &ids {
        create(&mut c, id, "USD").await;
    }
    let (payer, payee) = (ids[0].as_str(), elsewhere(&ids, &ids[0]));
    c.deposit(deposit_req(payer, usd(100, 0), "seed")).await.unwrap();

    let hold = |amount, rid: &str, expire: Option<prost_types::Timestamp>| v1::CreateHoldRequest {
        account_id: payer.into(),
        amount,
        request_id: rid.into(),
        memo: "authorization".into(),
        expire_time: expire,
    };
    let made = c.create_hold(hold(usd(60, 0), "h1", None)).await.unwrap().into_inner();
    let account = made.account.unwrap();
    assert_eq!(
        (cents(&account.balance), cents(&account.held_balance), cents(&account.available_balance)),
        (10_000, 6_000, 4_000)
    );
    assert_eq!(made.transaction.unwrap().kind(), v1::TransactionKind::Hold);
    let hold_id = made.hold.unwrap().hold_id;
    // The available balance is what a withdrawal may take.
    let short = c.withdraw(withdraw_req(payer, usd(40, 10_000_000), "w1")).await;
    assert_eq!(code_reason(short), (tonic::Code::FailedPrecondition, "INSUFFICIENT_FUNDS".into()));

    // A partial capture to another slot: 25.00 moves, 35.00 is released.
    let capture = v1::CaptureHoldRequest {
        hold_id: hold_id.clone(),
        amount: usd(25, 0),
        to_account_id: payee.into(),
        request_id: "cap-1".into(),
        memo: "settled".into(),
    };
    let done = c.capture_hold(capture.clone()).await.unwrap().into_inner();
    assert_eq!(done.hold.as_ref().unwrap().state(), v1::HoldState::Captured);
    assert_eq!(done.capture_transaction.as_ref().unwrap().kind(), v1::TransactionKind::Capture);
    assert_eq!(cents(&done.release_transaction.as_ref().unwrap().amount), 3_500);
    assert_eq!(cents(&done.account.as_ref().unwrap().balance), 7_500);
    assert_eq!(cents(&done.account.as_ref().unwrap().held_balance), 0);
    assert_eq!(cents(&done.to_account.as_ref().unwrap().balance), 2_500);
    let again = c.capture_hold(capture).await.unwrap().into_inner();
    assert_eq!(again.capture_transaction, done.capture_transaction);
    assert_eq!(total(&mut c, &ids).await, 10_000);

    // A void, and a hold that expires: the recovery worker voids it.
    let voidable = c.create_hold(hold(usd(10, 0), "h2", None)).await.unwrap().into_inner().hold.unwrap();
    let voided = c
        .void_hold(v1::VoidHoldRequest {
            hold_id: voidable.hold_id.clone(),
            request_id: "v1".into(),
            memo: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(voided.hold.unwrap().state(), v1::HoldState::Voided);
    assert_eq!(voided.transaction.unwrap().kind(), v1::TransactionKind::Release);
    let soon = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_millis(2_000);
    let expiring = c
        .create_hold(hold(
            usd(5, 0),
            "h3",
            Some(prost_types::Timestamp {
                seconds: soon.as_secs() as i64,
                nanos: soon.subsec_nanos() as i32,
            }),
        ))
        .await
        .unwrap()
        .into_inner()
        .hold
        .unwrap();
    let started = Instant::now();
    loop {
        let now =
            c.get_hold(v1::GetHoldRequest { hold_id: expiring.hold_id.clone() }).await.unwrap().into_inner();
        if now.state() == v1::HoldState::Expired {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "the hold did not expire: {now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let payer_now =
        c.get_account(v1::GetAccountRequest { account_id: payer.into() }).await.unwrap().into_inner();
    assert_eq!((cents(&payer_now.balance), cents(&payer_now.held_balance)), (7_500, 0));
    let bad = c.get_hold(v1::GetHoldRequest { hold_id: "no-such-hold".into() }).await;
    assert_eq!(code_reason(bad), (tonic::Code::InvalidArgument, "INVALID_HOLD_ID".into()));
    check_passes(&store).await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transfers_across_slots_through_three_replicas_conserve_every_cent() {
    let cluster = RedisCluster::start(3);
    let store = cluster_store(&cluster).await;
    let admin = key(&store, Grant::Admin).await;
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(ServerProcess::start_on_cluster(&cluster.urls(), &[], &admin).await);
    }
    let mut c = BankClient::new(as_key(raw_channel(replicas[0].addr).await, &admin));
    let ids = seeded(&mut c, "x", 16).await;
    let addrs: Vec<_> = replicas.iter().map(|r| r.addr).collect();
    let mut tasks = Vec::new();
    for worker in 0..8u64 {
        let (ids, addrs, admin) = (ids.clone(), addrs.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            let mut g = Lcg(worker + 1);
            let mut clients = Vec::new();
            for addr in &addrs {
                clients.push(BankClient::new(as_key(raw_channel(*addr).await, &admin)));
            }
            let (mut moved, mut across) = (0, 0);
            for i in 0..30 {
                let from = g.pick(&ids);
                let to = loop {
                    let to = g.pick(&ids);
                    if to != from {
                        break to;
                    }
                };
                let request = v1::TransferRequest {
                    from_account_id: from.clone(),
                    to_account_id: to.clone(),
                    amount: {
                        let c = g.below(3000) as i64 + 1;
                        usd(c / 100, (c % 100) as i32 * 10_000_000)
                    },
                    request_id: format!("w{worker}-{i}"),
                    memo: String::new(),
                };
                let first = clients[g.below(3) as usize].transfer(request.clone()).await;
                // Sometimes the client retries on another replica: the same answer.
                if g.below(3) == 0 {
                    let retry = clients[g.below(3) as usize].transfer(request.clone()).await;
                    match (&first, &retry) {
                        (Ok(a), Ok(b)) => {
                            assert_eq!(a.get_ref().from_transaction, b.get_ref().from_transaction)
                        }
                        (Err(a), Err(b)) => assert_eq!(a.code(), b.code()),
                        other => panic!("a retry answered differently: {other:?}"),
                    }
                }
                match first {
                    Ok(_) => {
                        moved += 1;
                        if slot(&from) != slot(&to) {
                            across += 1;
                        }
                    }
                    Err(e) => assert_eq!(e.code(), tonic::Code::FailedPrecondition, "{e:?}"),
                }
            }
            (moved, across)
        }));
    }
    let (mut moved, mut across) = (0, 0);
    for t in tasks {
        let (m, a) = t.await.unwrap();
        moved += m;
        across += a;
    }
    assert!(moved >= 150 && across >= 100, "moved {moved}, across slots {across}");
    assert_eq!(total(&mut c, &ids).await, 16 * 10_000);
    let report = check_passes(&store).await;
    assert!(report.transfers >= moved, "{report:?}");
    // Each transfer took its entry out of the due index when it ended (retries and
    // refusals included): the recovery workers have nothing left to do.
    let mut conn = redis::cluster::ClusterClient::new(cluster.urls()).unwrap().get_connection().unwrap();
    let due: usize = (0..16)
        .map(|n| redis::cmd("ZCARD").arg(format!("holds:{{due-{n}}}")).query::<usize>(&mut conn).unwrap())
        .sum();
    assert_eq!(due, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_at_each_step_of_a_transfer_across_slots_is_recovered_by_another() {
    let cluster = RedisCluster::start(3);
    let store = cluster_store(&cluster).await;
    let admin = key(&store, Grant::Admin).await;
    let recovery = 2;
    let survivor = ServerProcess::start_on_cluster(
        &cluster.urls(),
        &["--transfer-recovery-secs", &recovery.to_string()],
        &admin,
    )
    .await;
    let mut c = BankClient::new(as_key(raw_channel(survivor.addr).await, &admin));
    let ids = seeded(&mut c, "k", 8).await;
    let (from, to) = (ids[0].clone(), elsewhere(&ids, &ids[0]).to_owned());
    for (n, point) in ["after-hold", "after-credit", "after-settle"].into_iter().enumerate() {
        let mut doomed = ServerProcess::start_on_cluster(
            &cluster.urls(),
            // It crashes on purpose: its last words are not a failure of the run.
            &[
                "--test-crash-after",
                point,
                "--transfer-recovery-secs",
                &recovery.to_string(),
                "--log-level",
                "off",
            ],
            &admin,
        )
        .await;
        let before = (balance(&mut c, &from).await, balance(&mut c, &to).await);
        let request = v1::TransferRequest {
            from_account_id: from.clone(),
            to_account_id: to.clone(),
            amount: usd(1, 0),
            request_id: format!("crash-{n}"),
            memo: point.into(),
        };
        let mut d = BankClient::new(as_key(raw_channel(doomed.addr).await, &admin));
        let lost = d.transfer(request.clone()).await;
        assert!(lost.is_err(), "{point}: the replica answered instead of dying");
        let status = doomed.wait_exit().await;
        assert!(!status.success(), "{point}: {status:?}");

        // The survivor's worker finishes it within the recovery period (plus its
        // grace and a pass), without anyone retrying.
        let started = Instant::now();
        loop {
            let (f, t) = (account(&mut c, &from).await, account(&mut c, &to).await);
            if cents(&f.held_balance) == 0 && cents(&f.balance) == before.0 - 100 {
                assert_eq!(cents(&t.balance), before.1 + 100, "{point}");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{point}: not recovered: {f:?} {t:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The retry answers the final outcome, and moves nothing more.
        let answer = c.transfer(request).await.unwrap().into_inner();
        assert_eq!(answer.from_transaction.unwrap().kind(), v1::TransactionKind::TransferOut);
        assert_eq!(
            (balance(&mut c, &from).await, balance(&mut c, &to).await),
            (before.0 - 100, before.1 + 100)
        );
        check_passes(&store).await;
    }
}

async fn account(c: &mut BankClient<Chan>, id: &str) -> v1::Account {
    c.get_account(v1::GetAccountRequest { account_id: id.into() }).await.unwrap().into_inner()
}

async fn balance(c: &mut BankClient<Chan>, id: &str) -> i64 {
    cents(&account(c, id).await.balance)
}
