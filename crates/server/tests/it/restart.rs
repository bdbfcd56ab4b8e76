//! A Redis restart (kill -9, append-only fsync always) and SCRIPT FLUSH under write
//! traffic of deposits and transfers: at worst UNAVAILABLE while Redis is down, and
//! nothing acknowledged lost or applied twice.

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

/// Opening balance of each account, in cents.
const SEED_CENTS: i64 = 10_000;

const NORMAL: u8 = 0;
const FLUSHING: u8 = 1;
const OUTAGE: u8 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restart_and_script_flush_under_traffic_lose_nothing() {
    let mut app = spawn_app_with(Persistence::AofAlways, |_| {}).await;
    let mut c = app.v1().await;
    for a in 0..ACCOUNTS {
        create(&mut c, &format!("r-{a}"), "USD").await;
        c.deposit(deposit_req(&format!("r-{a}"), usd(SEED_CENTS / 100, 0), &format!("seed-{a}")))
            .await
            .unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let phase = Arc::new(AtomicU8::new(NORMAL));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (stop, phase, addr) = (stop.clone(), phase.clone(), app.addr);
        writers.push(tokio::spawn(async move {
            let mut c = BankClient::new(channel(addr).await);
            // (from, to, cents, request id): a deposit has no source.
            let mut acked: Vec<(Option<usize>, usize, i64, String)> = Vec::new();
            let mut failures_by_phase = [0usize; 3];
            let mut op = 0;
            while !stop.load(Ordering::Relaxed) {
                let account = (w + op) % ACCOUNTS;
                let request_id = format!("w{w}-{op}");
                let cents_amount = (op % 97 + 1) as i64;
                let money = usd(0, cents_amount as i32 * 10_000_000);
                let transfer = op % 3 == 2;
                let to = (account + 1) % ACCOUNTS;
                let mut attempts = 0;
                let applied = loop {
                    attempts += 1;
                    let result = if transfer {
                        let req = v1::TransferRequest {
                            from_account_id: format!("r-{account}"),
                            to_account_id: format!("r-{to}"),
                            amount: money.clone(),
                            request_id: request_id.clone(),
                            memo: String::new(),
                        };
                        c.transfer(req).await.map(|_| ())
                    } else {
                        c.deposit(deposit_req(&format!("r-{account}"), money.clone(), &request_id))
                            .await
                            .map(|_| ())
                    };
                    match result {
                        Ok(()) => break true,
                        Err(status) if status.code() == Code::FailedPrecondition => break false,
                        Err(status) => {
                            assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                            failures_by_phase[phase.load(Ordering::Relaxed) as usize] += 1;
                            assert!(attempts < ATTEMPTS_MAX, "{request_id} never succeeded");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                };
                if applied {
                    if transfer {
                        acked.push((Some(account), to, cents_amount, request_id));
                    } else {
                        acked.push((None, account, cents_amount, request_id));
                    }
                }
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
    let mut expected = [SEED_CENTS; ACCOUNTS];
    for (from, to, cents_amount, _) in &acked {
        if let Some(from) = from {
            expected[*from] -= cents_amount;
        }
        expected[*to] += cents_amount;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (a, want) in expected.iter().enumerate() {
        let id = format!("r-{a}");
        let account =
            c.get_account(v1::GetAccountRequest { account_id: id.clone() }).await.unwrap().into_inner();
        assert_eq!(cents(&account.balance), *want, "{id}");
        for e in store.history(&account_id(&id)).await.unwrap() {
            // A transfer's credit carries the source's request id: count the debit.
            if e.kind != redbank_domain::TransactionKind::TransferIn {
                *seen.entry(e.request_id.as_ref().unwrap().to_string()).or_default() += 1;
            }
        }
    }
    assert!(acked.iter().any(|x| x.0.is_some()), "transfers were meant to be part of the load");
    for (.., rid) in &acked {
        assert_eq!(seen.get(rid), Some(&1), "{rid} must be in history exactly once");
    }
    assert_invariants(&app.redis).await;
    app.stop().await;
}
