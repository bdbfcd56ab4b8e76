//! `--redis-wait-replicas`: a write is answered only once a replica has it, so a
//! failover loses no acknowledged write; without it, what a failover loses is
//! measured. A replica that is gone makes writes answer UNAVAILABLE `NOT_REPLICATED`,
//! and the retry with the same request id answers the first result, applied once.

use std::time::Duration;

use redbank_api::v1::bank_client::BankClient;
use redbank_testkit::RedisServer;
use tokio::sync::oneshot;
use tonic::Code;

use crate::helpers::*;

/// A server on `primary` that waits for `replicas`; its address and its stop.
async fn server_on(primary: &RedisServer, replicas: u32) -> (std::net::SocketAddr, oneshot::Sender<()>) {
    let mut config = redbank_server::Config::for_redis(primary.url());
    config.redis_wait_replicas = replicas;
    config.redis_wait_timeout_ms = 300;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(redbank_server::run(listener, config, async {
        let _ = stopped.await;
    }));
    wait_serving(addr).await;
    authorize(addr, &admin_key(&primary.url()).await);
    (addr, stop)
}

/// 400 deposits of one cent, 8 at a time, then `kill -9` of the primary the moment
/// the last is acknowledged, and the replica promoted: how many acknowledged
/// deposits the new primary is missing.
async fn acknowledged_writes_lost_in_a_failover(replicas: u32) -> usize {
    let mut primary = RedisServer::start();
    let replica = RedisServer::start_replica_of(&primary);
    let (addr, stop) = server_on(&primary, replicas).await;
    let mut c = BankClient::new(channel(addr).await);
    create(&mut c, "f", "USD").await;
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let mut c = c.clone();
        tasks.push(tokio::spawn(async move {
            let mut acked = 0;
            for i in 0..50 {
                if c.deposit(deposit_req("f", usd(0, 10_000_000), &format!("d{worker}-{i}"))).await.is_ok() {
                    acked += 1;
                }
            }
            acked
        }));
    }
    let mut acked = 0;
    for t in tasks {
        acked += t.await.unwrap();
    }
    primary.kill();
    replica.promote();
    let mut conn = replica.connection();
    let entries: usize = redis::cmd("XLEN").arg("acct:{f}:log").query(&mut conn).unwrap();
    let _ = stop.send(());
    assert_eq!(acked, 400, "every deposit was acknowledged before the kill");
    acked - entries.min(acked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_wait_replicas_a_failover_loses_no_acknowledged_write() {
    let lost_waiting = acknowledged_writes_lost_in_a_failover(1).await;
    let lost_not_waiting = acknowledged_writes_lost_in_a_failover(0).await;
    eprintln!(
        "acknowledged deposits missing after the failover: {lost_waiting} of 400 with --redis-wait-replicas 1, \
         {lost_not_waiting} of 400 with 0"
    );
    assert_eq!(lost_waiting, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_replica_makes_writes_answer_not_replicated_and_the_retry_applies_once() {
    let primary = RedisServer::start();
    let mut replica = RedisServer::start_replica_of(&primary);
    let (addr, stop) = server_on(&primary, 1).await;
    let mut c = BankClient::new(channel(addr).await);
    create(&mut c, "r", "USD").await;
    c.deposit(deposit_req("r", usd(1, 0), "before")).await.unwrap();

    replica.kill();
    let started = std::time::Instant::now();
    let refused = c.deposit(deposit_req("r", usd(2, 0), "during")).await;
    assert_eq!(code_reason(refused), (Code::Unavailable, "NOT_REPLICATED".into()));
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // Applied on the primary all the same.
    let mut conn = primary.connection();
    let bal: String = redis::cmd("HGET").arg("acct:{r}").arg("bal").query(&mut conn).unwrap();
    assert_eq!(bal, "300");

    // The replica back: the retry answers the first result, nothing applied twice.
    replica.restart();
    replica.wait_in_sync();
    let again = c.deposit(deposit_req("r", usd(2, 0), "during")).await.unwrap().into_inner();
    assert_eq!(cents(&again.account.unwrap().balance), 300);
    let entries: usize = redis::cmd("XLEN").arg("acct:{r}:log").query(&mut conn).unwrap();
    assert_eq!(entries, 2);
    let _ = stop.send(());
}
