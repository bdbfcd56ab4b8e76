//! Faults: a server replica killed with `kill -9` in the middle of a write load.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redbank_api::v1::{self, bank_client::BankClient};
use redbank_testkit::RedisServer;
use tonic::Code;

use crate::helpers::*;

const REPLICAS: usize = 3;
const CLIENTS: usize = 12;
const ACCOUNTS: usize = 6;
/// Attempts of one operation across replicas before the test gives up on it.
const ATTEMPTS_MAX: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_mid_load_loses_nothing_and_applies_nothing_twice() {
    let redis = RedisServer::start();
    let mut servers = Vec::new();
    for _ in 0..REPLICAS {
        servers.push(ServerProcess::start(&redis.url()).await);
    }
    let addrs: Vec<_> = servers.iter().map(|s| s.addr).collect();
    let mut c = BankClient::new(channel(addrs[1]).await);
    for a in 0..ACCOUNTS {
        create(&mut c, &format!("k-{a}"), "USD").await;
        c.deposit(deposit_req(&format!("k-{a}"), usd(100, 0), &format!("seed-{a}"))).await.unwrap();
    }

    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (addrs, stop) = (addrs.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            // One lazy channel per replica; a dead replica fails fast and the same
            // request goes to the next one.
            let clients: Vec<_> = addrs
                .iter()
                .map(|a| {
                    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{a}"))
                        .unwrap()
                        .timeout(Duration::from_secs(5));
                    BankClient::new(endpoint.connect_lazy())
                })
                .collect();
            let mut rng = Lcg(77 + client as u64);
            let (mut acked, mut op) = (Vec::new(), 0);
            let mut retried = 0;
            while !stop.load(Ordering::Relaxed) {
                let from = rng.below(ACCOUNTS as u64) as usize;
                let to = (from + 1 + rng.below(ACCOUNTS as u64 - 1) as usize) % ACCOUNTS;
                let amount = rng.below(300) as i64 + 1;
                let rid = format!("k{client}-{op}");
                op += 1;
                let deposit = rng.below(2) == 0;
                let mut attempt = 0;
                let applied = loop {
                    let mut c = clients[(client + attempt) % REPLICAS].clone();
                    let money = usd(amount / 100, (amount % 100) as i32 * 10_000_000);
                    let result = if deposit {
                        c.deposit(deposit_req(&format!("k-{from}"), money, &rid)).await.map(|_| true)
                    } else {
                        let req = v1::TransferRequest {
                            from_account_id: format!("k-{from}"),
                            to_account_id: format!("k-{to}"),
                            amount: money,
                            request_id: rid.clone(),
                            memo: String::new(),
                        };
                        c.transfer(req).await.map(|_| true)
                    };
                    match result {
                        Ok(applied) => break applied,
                        Err(s) if s.code() == Code::FailedPrecondition => break false,
                        Err(s) => {
                            assert!(
                                matches!(
                                    s.code(),
                                    Code::Unavailable | Code::Unknown | Code::Cancelled | Code::Internal
                                ),
                                "{s:?}"
                            );
                            attempt += 1;
                            retried += 1;
                            assert!(attempt < ATTEMPTS_MAX, "{rid} never got an answer");
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                };
                if applied {
                    acked.push((deposit, from, to, amount, rid));
                }
            }
            (acked, retried)
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    servers[0].kill();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut acked, mut retried) = (Vec::new(), 0);
    for t in tasks {
        let (a, r) = t.await.unwrap();
        acked.extend(a);
        retried += r;
    }
    assert!(retried > 0, "the kill was meant to interrupt calls");
    assert!(acked.len() > 100, "too little traffic: {}", acked.len());

    let mut expected = [10_000_i64; ACCOUNTS];
    for (deposit, from, to, amount, _) in &acked {
        if *deposit {
            expected[*from] += amount;
        } else {
            expected[*from] -= amount;
            expected[*to] += amount;
        }
    }
    let store = store(&redis);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (a, want) in expected.iter().enumerate() {
        let id = format!("k-{a}");
        let got = c.get_account(v1::GetAccountRequest { account_id: id.clone() }).await.unwrap().into_inner();
        assert_eq!(cents(&got.balance), *want, "{id}");
        for t in store.history(&account_id(&id)).await.unwrap() {
            if t.kind != redbank_domain::TransactionKind::TransferIn {
                *seen.entry(t.request_id.unwrap().to_string()).or_default() += 1;
            }
        }
    }
    for (.., rid) in &acked {
        assert_eq!(seen.get(rid), Some(&1), "{rid} applied once");
    }
    assert_invariants(&redis).await;
}
