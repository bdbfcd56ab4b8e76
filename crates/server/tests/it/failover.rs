//! A primary of a real Redis Cluster (3 primaries, a replica each) killed with
//! `kill -9` under load of deposits and transfers between slots, its replica
//! promoted by the cluster itself: with `--redis-wait-replicas 1` no acknowledged
//! change is lost (asserted), the server's cluster connection finds the new
//! primary on its own (redis-rs #2277 is about connections that do not), every
//! retried request is applied once, no transfer stays half-way, and the cluster
//! checker passes. Until the old primary is back as a replica, the promoted one has
//! none, so its writes answer NOT_REPLICATED (applied, not yet safe) and the
//! clients retry them.
//!
//! The feed of every account's changes holds every entry of every account
//! afterwards, in each account's order (no event lost to the failover).
//!
//! And a primary paused (SIGSTOP, as a partition looks to its peers) past the
//! cluster's node timeout, then resumed: its replica is promoted while it still
//! holds its sockets open, the servers find the promoted one (reads of its shard
//! are served again while the old primary is still paused), and when it comes back
//! and learns it was demoted, the calls it had in flight answer UNAVAILABLE (a
//! refused WAIT, a forced unblock), never INTERNAL.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use redbank_api::v1::{self, bank_client::BankClient};
use redbank_domain::Grant;
use redbank_testkit::{Lcg, RedisCluster};

use crate::cluster::{cluster_store, key, seeded, serve_on, slot};
use crate::helpers::*;

/// How long a call is retried, with its request id, through a failover.
const RETRY_FOR: Duration = Duration::from_secs(30);

/// How the primary fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// `kill -9`, then restarted.
    Kill,
    /// `kill -STOP` past the node timeout, then `kill -CONT`.
    Pause,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_killed_under_load_loses_no_acknowledged_change_with_wait_replicas() {
    let (lost, report) = failover_under_load(1, Fault::Kill).await;
    assert_eq!(lost, 0, "acknowledged deposits lost in the failover");
    assert!(report.passed(), "{:?}", report.violations);
    // Without waiting, Redis replicates asynchronously: what a failover loses here
    // is measured and shown, not asserted (on loopback the replica keeps up).
    let (lost, report) = failover_under_load(0, Fault::Kill).await;
    eprintln!(
        "failover with --redis-wait-replicas 0: {lost} acknowledged deposits lost, {} violations",
        report.violations.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_paused_past_the_node_timeout_answers_no_internal_and_loses_nothing() {
    // Every call of the load is retried on UNAVAILABLE only: any other answer
    // (INTERNAL, a hold's reason for a transfer) fails the test.
    let (lost, report) = failover_under_load(1, Fault::Pause).await;
    assert_eq!(lost, 0, "acknowledged deposits lost in the failover");
    assert!(report.passed(), "{:?}", report.violations);
}

/// Load, a primary killed or paused, its replica promoted, the old primary back as
/// a replica; returns the acknowledged deposits missing afterwards and the
/// checker's report.
async fn failover_under_load(wait_replicas: u32, fault: Fault) -> (i64, redbank_store::check::CheckReport) {
    let mut cluster = RedisCluster::start_with_replicas(3, 1);
    let store = cluster_store(&cluster).await;
    let admin = key(&store, Grant::Admin).await;
    let (addr, stop, server) = serve_on(&cluster, |config| {
        config.redis_wait_replicas = wait_replicas;
        config.redis_wait_timeout_ms = 1000;
        config.transfer_recovery_secs = 2;
        config.events_sweep_secs = 1;
    })
    .await;
    let mut c = BankClient::new(as_key(raw_channel(addr).await, &admin));
    let ids = seeded(&mut c, "f", 12).await;
    assert!(ids.iter().any(|id| slot(id) != slot(&ids[0])));

    // Load: deposits of a cent and transfers between any two accounts, each
    // retried with its request id until it has an answer.
    let deposited = Arc::new(AtomicI64::new(0));
    let stopping = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for worker in 0..6u64 {
        let (mut c, ids, deposited, stopping) = (c.clone(), ids.clone(), deposited.clone(), stopping.clone());
        tasks.push(tokio::spawn(async move {
            let mut g = Lcg(worker + 7);
            let mut i = 0;
            while !stopping.load(Ordering::Relaxed) {
                i += 1;
                let from = g.pick(&ids);
                let rid = format!("w{worker}-{i}");
                if g.below(2) == 0 {
                    let request = deposit_req(&from, usd(0, 10_000_000), &rid);
                    let started = Instant::now();
                    loop {
                        match c.deposit(request.clone()).await {
                            Ok(_) => break,
                            Err(e)
                                if e.code() == tonic::Code::Unavailable && started.elapsed() < RETRY_FOR =>
                            {
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                            Err(e) => panic!("deposit {rid}: {e:?}"),
                        }
                    }
                    deposited.fetch_add(1, Ordering::Relaxed);
                } else {
                    let to = ids.iter().find(|o| **o != from && slot(o) != slot(&from)).unwrap().clone();
                    let request = v1::TransferRequest {
                        from_account_id: from.clone(),
                        to_account_id: to,
                        amount: usd(0, 50_000_000),
                        request_id: rid.clone(),
                        memo: String::new(),
                    };
                    let started = Instant::now();
                    loop {
                        match c.transfer(request.clone()).await {
                            Ok(_) => break,
                            Err(e) if e.code() == tonic::Code::FailedPrecondition => break,
                            Err(e)
                                if e.code() == tonic::Code::Unavailable && started.elapsed() < RETRY_FOR =>
                            {
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                            Err(e) => panic!("transfer {rid}: {e:?}"),
                        }
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Kill the primary that serves the first account.
    let victim = *cluster
        .primaries()
        .iter()
        .find(|i| {
            // Only the primary that serves the slot answers; the others redirect.
            let mut conn = cluster.nodes[**i].connection();
            redis::cmd("EXISTS").arg(format!("acct:{{{}}}", ids[0])).query::<i64>(&mut conn) == Ok(1)
        })
        .unwrap();
    let acked_before_kill = deposited.load(Ordering::Relaxed);
    match fault {
        Fault::Kill => cluster.nodes[victim].kill(),
        Fault::Pause => cluster.nodes[victim].pause(),
    }
    let killed = Instant::now();
    // The load goes on through the failover. Its replica promoted, the shard has no
    // replica left, so with --redis-wait-replicas 1 its writes answer NOT_REPLICATED
    // until the old primary comes back, as a replica of the new one.
    let deadline = Instant::now() + Duration::from_secs(30);
    while cluster.primaries().len() < 3 {
        assert!(Instant::now() < deadline, "no replica was promoted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("failover: a replica promoted {:?} after the {fault:?}", killed.elapsed());
    if fault == Fault::Pause {
        // While the old primary is still paused, reads of its shard are served by
        // the promoted replica.
        let promoted = Instant::now();
        loop {
            let read = c.get_account(v1::GetAccountRequest { account_id: ids[0].clone() }).await;
            match read {
                Ok(_) => break,
                Err(e) if e.code() == tonic::Code::Unavailable => {
                    assert!(
                        promoted.elapsed() < RETRY_FOR,
                        "reads never followed the promoted replica: {e:?}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("read during the pause: {e:?}"),
            }
        }
        eprintln!("failover: reads of the shard served again {:?} after the promotion", promoted.elapsed());
        tokio::time::sleep(Duration::from_secs(2)).await;
        cluster.nodes[victim].resume();
    } else {
        cluster.nodes[victim].restart();
    }
    cluster.nodes[victim].wait_in_sync();
    eprintln!("failover: the old primary back as a replica {:?} after the {fault:?}", killed.elapsed());
    let after_failover = deposited.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(2)).await;
    stopping.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let deposited = deposited.load(Ordering::Relaxed);
    eprintln!(
        "failover: {acked_before_kill} deposits acknowledged before the kill, {deposited} in all; \
         {} during and after the failover",
        deposited - acked_before_kill
    );
    assert!(deposited > after_failover, "the server served again after the failover");

    // Every acknowledged deposit is there: the total is the seed plus one cent
    // each (transfers only move money), and the checker passes.
    let mut total = 0;
    for id in &ids {
        let started = Instant::now();
        let account = loop {
            match c.get_account(v1::GetAccountRequest { account_id: id.clone() }).await {
                Ok(a) => break a.into_inner(),
                Err(_) if started.elapsed() < RETRY_FOR => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("{id}: {e:?}"),
            }
        };
        assert_eq!(cents(&account.held_balance), 0, "{id}: a transfer left half-way");
        total += cents(&account.balance);
    }
    let store = cluster_store(&cluster).await;
    let report = redbank_store::check::check(&store).await.unwrap();
    if wait_replicas > 0 {
        // No event lost: the feed of every account holds every entry of every
        // account, in each account's order (its own shard failed over too, or
        // another's; which one depends on the slots).
        let repeats = crate::feed::assert_feed_has_every_entry(&store, &ids).await;
        eprintln!("failover: the feed holds every entry ({repeats} written twice)");
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    (12 * 10_000 + deposited - total, report)
}
