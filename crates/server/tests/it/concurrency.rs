//! Many clients on several server processes against one Redis: nothing lost,
//! nothing duplicated, nothing refused but real insufficient funds.

use std::collections::HashMap;

use redbank_api::v1::{self, bank_client::BankClient};
use redbank_testkit::RedisServer;
use tonic::Code;

use crate::helpers::*;

const REPLICAS: usize = 3;
const CLIENTS: usize = 32;
const OPS_PER_CLIENT: usize = 320; // 10,240 in all
const ACCOUNTS: u64 = 5;
const SEED_CENTS: i64 = 10_000;

/// What one client saw acknowledged.
struct Acked {
    account: u64,
    delta: i64,
    request_id: String,
}

fn parse_cents(decimal: &str) -> i64 {
    let (whole, frac) = decimal.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_lose_nothing_duplicate_nothing_and_refuse_only_real_shortfalls() {
    let redis = RedisServer::start();
    let servers = start_replicas(&redis, REPLICAS).await;
    let mut c = BankClient::new(channel(servers[0].addr).await);
    for a in 0..ACCOUNTS {
        let id = format!("hot-{a}");
        create(&mut c, &id, "USD").await;
        c.deposit(deposit_req(&id, usd(SEED_CENTS / 100, 0), &format!("seed-{a}"))).await.unwrap();
    }

    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let addr = servers[client % REPLICAS].addr;
        tasks.push(tokio::spawn(async move {
            let mut c = BankClient::new(channel(addr).await);
            let mut rng = Lcg(client as u64 + 1);
            let (mut acked, mut refused) = (Vec::new(), 0);
            for op in 0..OPS_PER_CLIENT {
                let account = rng.below(ACCOUNTS);
                let id = format!("hot-{account}");
                let request_id = format!("c{client}-op{op}");
                let deposit = rng.below(2) == 0;
                let amount = rng.below(if deposit { 10_000 } else { 12_000 }) as i64 + 1;
                let money = usd(amount / 100, (amount % 100) as i32 * 10_000_000);
                let result = if deposit {
                    c.deposit(deposit_req(&id, money, &request_id)).await.map(|r| r.into_inner().transaction)
                } else {
                    c.withdraw(withdraw_req(&id, money, &request_id))
                        .await
                        .map(|r| r.into_inner().transaction)
                };
                match result {
                    Ok(tx) => {
                        let tx = tx.unwrap();
                        assert!(cents(&tx.balance_after) >= 0);
                        acked.push(Acked {
                            account,
                            delta: if deposit { amount } else { -amount },
                            request_id,
                        });
                    }
                    Err(status) => {
                        assert!(!deposit, "a deposit was refused: {status:?}");
                        assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
                        let info = tonic_types::StatusExt::get_details_error_info(&status).unwrap();
                        assert_eq!(info.reason, "INSUFFICIENT_FUNDS");
                        let balance = parse_cents(&info.metadata["balance"]);
                        assert!(balance < amount, "refused {amount} with {balance} available");
                        refused += 1;
                    }
                }
            }
            (acked, refused)
        }));
    }
    let mut acked = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let (a, r) = task.await.unwrap();
        acked.extend(a);
        refused += r;
    }
    assert_eq!(acked.len() + refused, CLIENTS * OPS_PER_CLIENT);
    assert!(refused > 0, "the workload is meant to overdraw sometimes");
    assert!(acked.len() > CLIENTS * OPS_PER_CLIENT / 2);

    let store = store(&redis);
    for a in 0..ACCOUNTS {
        let id = format!("hot-{a}");
        let mine: Vec<&Acked> = acked.iter().filter(|x| x.account == a).collect();
        let expected = SEED_CENTS + mine.iter().map(|x| x.delta).sum::<i64>();
        let account =
            c.get_account(v1::GetAccountRequest { account_id: id.clone() }).await.unwrap().into_inner();
        assert_eq!(cents(&account.balance), expected, "{id}");
        assert_eq!(account.version as usize, mine.len() + 1);

        let history = store.history(&account_id(&id)).await.unwrap();
        assert_eq!(history.len(), mine.len() + 1, "{id}: one entry per acknowledged change");
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut running = 0;
        for entry in &history {
            *seen.entry(entry.request_id.as_ref().unwrap().to_string()).or_default() += 1;
            running += match entry.kind {
                redbank_domain::TransactionKind::Withdrawal => -entry.amount.minor(),
                _ => entry.amount.minor(),
            };
            assert_eq!(entry.balance_after.minor(), running, "{id}: the entries chain");
            assert!(running >= 0, "{id}: never negative");
        }
        for x in mine {
            assert_eq!(seen.get(&x.request_id), Some(&1), "{}", x.request_id);
        }
    }
    let report = assert_invariants(&redis).await;
    assert_eq!(report.accounts, ACCOUNTS as usize);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_id_sent_to_every_replica_at_once_applies_once() {
    let redis = RedisServer::start();
    let servers = start_replicas(&redis, REPLICAS).await;
    let mut c = BankClient::new(channel(servers[0].addr).await);
    create(&mut c, "target", "USD").await;

    for round in 0..5 {
        let request = deposit_req("target", usd(10, 0), &format!("the-same-{round}"));
        let mut tasks = Vec::new();
        for i in 0..30 {
            let addr = servers[i % REPLICAS].addr;
            let request = request.clone();
            tasks.push(tokio::spawn(async move {
                let mut c = BankClient::new(channel(addr).await);
                c.deposit(request).await.unwrap().into_inner()
            }));
        }
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "every retry answers the first result");
    }
    let account =
        c.get_account(v1::GetAccountRequest { account_id: "target".into() }).await.unwrap().into_inner();
    assert_eq!((account.balance, account.version), (usd(50, 0), 5));
    assert_eq!(store(&redis).history(&account_id("target")).await.unwrap().len(), 5);
    assert_invariants(&redis).await;
}
