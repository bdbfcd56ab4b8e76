//! The server on a real 3-primary Redis Cluster: accounts on every primary,
//! batching by slot under concurrent load, listing that walks every primary,
//! credentials and customers' indexes in their own slots, transfers in one slot and
//! across two, and the checker over the whole cluster. (Holds and transfers between
//! slots under load and crashes: across_slots.rs.)

use std::collections::BTreeSet;

use redbank_api::v1::{self, bank_client::BankClient};
use redbank_domain::{CustomerId, Grant};
use redbank_testkit::RedisCluster;
use redis::cluster_routing::Slot;
use tokio::sync::oneshot;

use crate::helpers::*;

pub async fn cluster_store(cluster: &RedisCluster) -> redbank_store::Store {
    let mut config = redbank_store::StoreConfig::new(String::new());
    config.cluster_nodes = cluster.urls();
    redbank_store::Store::open(&config).await.unwrap()
}

pub async fn key(store: &redbank_store::Store, grant: Grant) -> String {
    let description = redbank_domain::Memo::parse("cluster test").unwrap();
    store
        .credentials()
        .create(grant, description, None, &redbank_domain::Actor::operator())
        .await
        .unwrap()
        .credential
}

/// A server in this process on `cluster`, configured further by `configure`; its
/// address, its stop and its task.
pub async fn serve_on(
    cluster: &RedisCluster,
    configure: impl FnOnce(&mut redbank_server::Config),
) -> (
    std::net::SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), redbank_server::ServerError>>,
) {
    crate::helpers::server_logs();
    let mut config = redbank_server::Config::for_redis(String::new());
    config.redis_cluster_nodes = cluster.urls();
    configure(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(redbank_server::run(listener, config, async {
        let _ = stopped.await;
    }));
    wait_serving(addr).await;
    (addr, stop, server)
}

/// Opens `n` accounts `<prefix>-<i>` through `c`, each seeded with 100.00.
pub async fn seeded(c: &mut BankClient<Chan>, prefix: &str, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
    for id in &ids {
        create(c, id, "USD").await;
        c.deposit(deposit_req(id, usd(100, 0), &format!("seed-{id}"))).await.unwrap();
    }
    ids
}

pub fn slot(id: &str) -> Slot {
    Slot::for_key(format!("acct:{{{id}}}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_works_on_a_three_primary_cluster() {
    let cluster = RedisCluster::start(3);
    let store = cluster_store(&cluster).await;
    let admin = key(&store, Grant::Admin).await;
    let alice = key(&store, Grant::Customer(CustomerId::parse("alice").unwrap())).await;

    let (addr, stop, server) = serve_on(&cluster, |config| config.batch_max_in_flight = 4).await;
    let mut c = BankClient::new(as_key(raw_channel(addr).await, &admin));

    // Forty accounts, on every primary; each seeded with 100.00.
    let ids = seeded(&mut c, "c", 40).await;
    // Concurrent deposits and withdrawals through several connections: batches form
    // per slot, and every change applies once.
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let ids = ids.clone();
        let mut c = BankClient::new(as_key(raw_channel(addr).await, &admin));
        tasks.push(tokio::spawn(async move {
            for (i, id) in ids.iter().enumerate() {
                let rid = format!("w{worker}-{i}");
                if (worker + i) % 3 == 0 {
                    c.withdraw(withdraw_req(id, usd(1, 0), &rid)).await.unwrap();
                } else {
                    c.deposit(deposit_req(id, usd(2, 0), &rid)).await.unwrap();
                }
                // A retry of the same request id changes nothing.
                if i % 10 == 0 {
                    let again = if (worker + i) % 3 == 0 {
                        c.withdraw(withdraw_req(id, usd(1, 0), &rid)).await.map(|_| ())
                    } else {
                        c.deposit(deposit_req(id, usd(2, 0), &rid)).await.map(|_| ())
                    };
                    again.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut expected_total = 40 * 10_000;
    for worker in 0..8 {
        for i in 0..40 {
            expected_total += if (worker + i) % 3 == 0 { -100 } else { 200 };
        }
    }

    // ListAccounts walks every primary: each account once (SCAN may repeat one).
    let (mut seen, mut token, mut total) = (BTreeSet::new(), String::new(), 0);
    loop {
        let page = c
            .list_accounts(v1::ListAccountsRequest {
                page_size: 7,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        for a in &page.accounts {
            if seen.insert(a.account_id.clone()) {
                total += cents(&a.balance);
            }
        }
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen.len(), 40);
    assert_eq!(total, expected_total);

    // A customer's accounts: its index lives in its own slot.
    let mut a = BankClient::new(as_key(raw_channel(addr).await, &alice));
    let open = v1::CreateAccountRequest {
        account_id: "alice-1".into(),
        r#type: v1::AccountType::Checking.into(),
        ..Default::default()
    };
    assert_eq!(a.create_account(open).await.unwrap().into_inner().customer_id, "alice");
    let mine = a.list_accounts(v1::ListAccountsRequest::default()).await.unwrap().into_inner().accounts;
    assert_eq!(mine.iter().map(|x| x.account_id.as_str()).collect::<Vec<_>>(), ["alice-1"]);
    let denied = a.get_account(v1::GetAccountRequest { account_id: "c-0".into() }).await;
    assert_eq!(code_reason(denied).1, "PERMISSION_DENIED");

    // History and a statement of one account.
    let h = c
        .list_transactions(v1::ListTransactionsRequest { account_id: "c-0".into(), ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(h.transactions.len(), 9);

    // A transfer between two accounts of one slot is one script, as on one Redis;
    // between two slots it is refused, nothing moved.
    let mut by_slot = std::collections::HashMap::new();
    let twins = (0..5000)
        .map(|i| format!("t-{i}"))
        .find_map(|id| by_slot.insert(slot(&id), id.clone()).map(|earlier| (earlier, id)))
        .unwrap();
    create(&mut c, &twins.0, "USD").await;
    create(&mut c, &twins.1, "USD").await;
    c.deposit(deposit_req(&twins.0, usd(5, 0), "twin-seed")).await.unwrap();
    let moved = c
        .transfer(v1::TransferRequest {
            from_account_id: twins.0.clone(),
            to_account_id: twins.1.clone(),
            amount: usd(3, 0),
            request_id: "twin-t".into(),
            memo: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cents(&moved.to_account.unwrap().balance), 300);
    // Across two slots: a hold, the credit, the capture; the same answer as one script.
    let other = ids.iter().find(|id| slot(id) != slot("c-0")).unwrap();
    let before =
        c.get_account(v1::GetAccountRequest { account_id: other.clone() }).await.unwrap().into_inner();
    let across = v1::TransferRequest {
        from_account_id: "c-0".into(),
        to_account_id: other.clone(),
        amount: usd(1, 0),
        request_id: "across".into(),
        memo: String::new(),
    };
    let moved = c.transfer(across.clone()).await.unwrap().into_inner();
    let (out, inn) = (moved.from_transaction.unwrap(), moved.to_transaction.unwrap());
    assert_eq!((out.kind(), inn.kind()), (v1::TransactionKind::TransferOut, v1::TransactionKind::TransferIn));
    assert_eq!(out.transfer_id, inn.transfer_id);
    assert_eq!(cents(&moved.to_account.unwrap().balance), cents(&before.balance) + 100);
    let from_after = moved.from_account.unwrap();
    assert_eq!(cents(&from_after.held_balance), 0);
    // A retry answers the same transfer and moves nothing more.
    let again = c.transfer(across).await.unwrap().into_inner();
    assert_eq!(again.from_transaction.unwrap().transfer_id, out.transfer_id);
    let now = c.get_account(v1::GetAccountRequest { account_id: other.clone() }).await.unwrap().into_inner();
    assert_eq!(cents(&now.balance), cents(&before.balance) + 100);

    // Keys made and revoked through the API: the credentials share one slot.
    let mut keys =
        redbank_api::v1::api_keys_client::ApiKeysClient::new(as_key(raw_channel(addr).await, &admin));
    let made = keys
        .create_api_key(v1::CreateApiKeyRequest { role: v1::Role::Auditor.into(), ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    let key_id = made.key.unwrap().key_id;
    keys.revoke_api_key(v1::RevokeApiKeyRequest { key_id }).await.unwrap();

    // The checker, over every primary.
    let report = redbank_store::check::check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
    assert_eq!(report.accounts, 43);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
