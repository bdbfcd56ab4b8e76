//! A Redis restart (kill -9, append-only fsync always) and SCRIPT FLUSH under write
//! traffic: at worst UNAVAILABLE while Redis is down, and nothing acknowledged lost.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use redbank_api::v1::{self, bank_client::BankClient};
use redbank_testkit::Persistence;
use tonic::Code;

use crate::helpers::*;

const WRITERS: usize = 8;
const ACCOUNTS: usize = 4;
/// Attempts of one deposit before the test gives up on it (20 s at 50 ms).
const ATTEMPTS_MAX: usize = 400;

const NORMAL: u8 = 0;
const FLUSHING: u8 = 1;
const OUTAGE: u8 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restart_and_script_flush_under_traffic_lose_nothing() {
    let mut app = spawn_app_with(Persistence::AofAlways, |_| {}).await;
    let mut c = app.v1().await;
    for a in 0..ACCOUNTS {
        create(&mut c, &format!("r-{a}"), "USD").await;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let phase = Arc::new(AtomicU8::new(NORMAL));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (stop, phase, addr) = (stop.clone(), phase.clone(), app.addr);
        writers.push(tokio::spawn(async move {
            let mut c = BankClient::new(channel(addr).await);
            let mut acked: Vec<(usize, i64, String)> = Vec::new();
            let mut failures_by_phase = [0usize; 3];
            let mut op = 0;
            while !stop.load(Ordering::Relaxed) {
                let account = (w + op) % ACCOUNTS;
                let request_id = format!("w{w}-{op}");
                let cents_amount = (op % 97 + 1) as i64;
                let request = deposit_req(
                    &format!("r-{account}"),
                    usd(0, cents_amount as i32 * 10_000_000),
                    &request_id,
                );
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    match c.deposit(request.clone()).await {
                        Ok(_) => break,
                        Err(status) => {
                            assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                            failures_by_phase[phase.load(Ordering::Relaxed) as usize] += 1;
                            assert!(attempts < ATTEMPTS_MAX, "{request_id} never succeeded");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
                acked.push((account, cents_amount, request_id));
                op += 1;
            }
            (acked, failures_by_phase)
        }));
    }

    tokio::time::sleep(Duration::from_millis(300)).await;
    phase.store(FLUSHING, Ordering::Relaxed);
    let mut conn = app.redis.connection();
    for _ in 0..5 {
        let _: () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut conn).unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    // Let calls sent during the flushes finish before the phase changes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    phase.store(OUTAGE, Ordering::Relaxed);
    tokio::task::block_in_place(|| app.redis.kill());
    tokio::time::sleep(Duration::from_millis(700)).await;
    tokio::task::block_in_place(|| app.redis.restart());
    wait_serving(app.addr).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    phase.store(NORMAL, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);

    let mut acked = Vec::new();
    let mut failures = [0usize; 3];
    for w in writers {
        let (a, f) = w.await.unwrap();
        acked.extend(a);
        for i in 0..3 {
            failures[i] += f[i];
        }
    }
    assert_eq!(failures[FLUSHING as usize], 0, "a flushed script cache must not fail a call");
    assert!(failures[OUTAGE as usize] > 0, "the outage was meant to be seen");
    assert!(acked.len() > 50, "too little traffic to mean anything: {}", acked.len());

    let store = store(&app.redis);
    for a in 0..ACCOUNTS {
        let id = format!("r-{a}");
        let mine: Vec<_> = acked.iter().filter(|x| x.0 == a).collect();
        let account =
            c.get_account(v1::GetAccountRequest { account_id: id.clone() }).await.unwrap().into_inner();
        assert_eq!(cents(&account.balance), mine.iter().map(|x| x.1).sum::<i64>(), "{id}");
        let history = store.history(&account_id(&id)).await.unwrap();
        assert_eq!(history.len(), mine.len(), "{id}");
        let mut seen: HashMap<String, usize> = HashMap::new();
        for e in &history {
            *seen.entry(e.request_id.as_ref().unwrap().to_string()).or_default() += 1;
        }
        for x in mine {
            assert_eq!(seen.get(&x.2), Some(&1), "{} must be in history exactly once", x.2);
        }
    }
    assert_invariants(&app.redis).await;
    app.stop().await;
}
