//! Webhooks (`redbank.v1.Webhooks`), against a real HTTP receiver on loopback that
//! fails the first attempts (an error status, then no answer within the timeout,
//! then 500) before it takes each event: through changes sent at once to two
//! replicas, and the replica delivering killed with `kill -9` mid-delivery, every
//! event arrives, signed with the webhook's secret, in each account's order; an
//! event refused past the retry window is dead, listed, and delivered on request;
//! admins only; internal addresses refused unless the operator allows them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use redbank_api::v1::{self, bank_client::BankClient, webhooks_client::WebhooksClient};
use redbank_domain::{CustomerId, Grant};
use sha2::Sha256;
use tonic::Code;

use crate::helpers::*;

/// What the receiver answers.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Status(u16),
    /// No answer for this long (past the server's timeout), then 200.
    Stall(Duration),
}

/// One request as it arrived.
#[derive(Clone, Debug)]
struct Received {
    event_id: String,
    signature: String,
    body: Bytes,
    answered: u16,
}

/// The answer to the n-th request the receiver got (1 for the first).
type Script = Arc<dyn Fn(usize) -> Answer + Send + Sync>;

/// A webhook receiver on loopback: every request recorded, answered as `script`
/// says for the event's attempt.
struct Receiver {
    addr: SocketAddr,
    arrived: Arc<std::sync::atomic::AtomicUsize>,
    got: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    async fn start(script: Script) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let arrived: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let script = Arc::new(Mutex::new(script));
        let (got2, script2, arrived2) = (got.clone(), script.clone(), arrived.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (got, script, arrived) = (got2.clone(), script2.clone(), arrived2.clone());
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                            let (got, script, arrived) = (got.clone(), script.clone(), arrived.clone());
                            async move {
                                let header = |n: &str| {
                                    req.headers()
                                        .get(n)
                                        .and_then(|v| v.to_str().ok())
                                        .unwrap_or_default()
                                        .to_owned()
                                };
                                let (event_id, signature) =
                                    (header("redbank-event-id"), header("redbank-signature"));
                                let body = req.into_body().collect().await.unwrap().to_bytes();
                                let n = arrived.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                                let answer = (script.lock().unwrap())(n);
                                let status = match answer {
                                    Answer::Status(s) => s,
                                    Answer::Stall(d) => {
                                        tokio::time::sleep(d).await;
                                        200
                                    }
                                };
                                got.lock().unwrap().push(Received {
                                    event_id,
                                    signature,
                                    body,
                                    answered: status,
                                });
                                Ok::<_, std::convert::Infallible>(
                                    hyper::Response::builder()
                                        .status(status)
                                        .body(Full::new(Bytes::new()))
                                        .unwrap(),
                                )
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, arrived, got, script }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn set(&self, script: Script) {
        *self.script.lock().unwrap() = script;
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (for hangs: 120 s) until `done` holds for what arrived.
    async fn wait_until(&self, what: &str, done: impl Fn(&[Received]) -> bool) {
        let started = Instant::now();
        while !done(&self.got()) {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{what}: not after two minutes ({} requests arrived, {} answered)",
                self.arrived.load(std::sync::atomic::Ordering::SeqCst),
                self.got().len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Checks `Redbank-Signature: t=<secs>,v1=<hex>` over "<t>.<body>".
fn signed(secret: &str, r: &Received) -> bool {
    let Some((t, v1)) = r.signature.strip_prefix("t=").and_then(|s| s.split_once(",v1=")) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&r.body);
    redbank_domain::hex::decode(v1).is_some_and(|sig| mac.verify_slice(&sig).is_ok())
}

fn body(r: &Received) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap()
}

async fn create_hook(
    hooks: &mut WebhooksClient<Chan>,
    url: &str,
    account: &str,
) -> v1::CreateWebhookResponse {
    let req = v1::CreateWebhookRequest { url: url.into(), account_id: account.into() };
    hooks.create_webhook(req).await.unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_signed_and_in_order_through_failures_and_a_killed_replica() {
    const ACCOUNTS: usize = 4;
    const CHANGES: usize = 120;
    // The first attempts refused (503), then one without an answer in time, then
    // 500s; after that every fifth request is refused.
    let script: Script = Arc::new(|n| match n {
        1..=3 => Answer::Status(503),
        4 => Answer::Stall(Duration::from_millis(1500)),
        5 | 6 => Answer::Status(500),
        n if n % 5 == 0 => Answer::Status(500),
        _ => Answer::Status(204),
    });
    let receiver = Receiver::start(script).await;
    let redis = redbank_testkit::RedisServer::start();
    let flags = ["--webhook-allow-private", "--webhook-timeout-ms", "500", "--events-sweep-secs", "1"];
    let mut replicas = [
        ServerProcess::start_with(&redis.url(), &flags, None).await,
        ServerProcess::start_with(&redis.url(), &flags, None).await,
    ];
    let mut c = BankClient::new(channel(replicas[0].addr).await);
    let ids: Vec<String> = (0..ACCOUNTS).map(|i| format!("wh-{i}")).collect();
    for id in &ids {
        create(&mut c, id, "USD").await;
    }
    // The openings in the feed first: the webhook takes what comes after.
    crate::feed::assert_feed_has_every_entry(&store(&redis), &ids).await;
    let mut hooks = WebhooksClient::new(channel(replicas[0].addr).await);
    let made = create_hook(&mut hooks, &receiver.url(), "").await;
    assert_eq!(made.secret.len(), 64);
    let hook_id = made.webhook.as_ref().unwrap().webhook_id.clone();
    // Changes sent at once through both replicas.
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (addr, ids) = (replicas[w % 2].addr, ids.clone());
            tokio::spawn(async move {
                let mut c = BankClient::new(channel(addr).await);
                for n in (w..CHANGES).step_by(8) {
                    c.deposit(deposit_req(&ids[n % ACCOUNTS], usd(1, 0), &format!("d-{n}"))).await.unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    // Mid-delivery, the replica holding the webhook's lease is killed.
    receiver.wait_until("some deliveries", |got| got.iter().filter(|r| r.answered < 300).count() >= 10).await;
    let lease: String =
        redis::cmd("GET").arg(format!("hook:{{w:{hook_id}}}:lease")).query(&mut redis.connection()).unwrap();
    let holder =
        replicas.iter().position(|r| lease.starts_with(&format!("pid {} ", r.pid()))).expect("a holder");
    replicas[holder].kill();
    eprintln!("webhooks: killed replica {holder}, holding the lease ({lease})");

    let store = store(&redis);
    let mut history = HashMap::new();
    for id in &ids {
        history.insert(id.clone(), store.history(&account_id(id)).await.unwrap());
    }
    let total: usize = history.values().map(Vec::len).sum::<usize>();
    assert_eq!(total, CHANGES);
    receiver
        .wait_until("every event taken", |got| {
            let taken: std::collections::HashSet<&str> =
                got.iter().filter(|r| r.answered < 300).map(|r| r.event_id.as_str()).collect();
            taken.len() >= total
        })
        .await;
    let got = receiver.got();
    let secret = &made.secret;
    assert!(got.iter().all(|r| signed(secret, r)), "every request signed with the secret");
    assert!(!signed("0".repeat(64).as_str(), &got[0]), "and not with another");
    // Each account's events, in the order they were first taken, are its history
    // (an opening writes none); a repeat (the attempt under way at the kill) only
    // ever comes after its own first.
    for id in &ids {
        let want: Vec<String> = history[id].iter().map(|t| format!("{id}/{}", t.id)).collect();
        let mut taken: Vec<String> = Vec::new();
        let mut first_seen: Vec<String> = Vec::new();
        for r in got.iter().filter(|r| r.event_id.starts_with(&format!("{id}/"))) {
            let v = body(r);
            assert_eq!(v["eventId"], r.event_id.as_str());
            assert_eq!(v["accountId"], id.as_str());
            if !first_seen.contains(&r.event_id) {
                first_seen.push(r.event_id.clone());
            }
            if r.answered < 300 && !taken.contains(&r.event_id) {
                taken.push(r.event_id.clone());
            }
        }
        assert_eq!(taken, want, "{id}: taken in order");
        assert_eq!(first_seen, want, "{id}: first sent in order");
        for (t, e) in history[id].iter().zip(&want) {
            let r = got.iter().find(|r| r.event_id == *e && r.answered < 300).unwrap();
            let v = body(r);
            assert_eq!(
                v["transaction"]["balanceAfter"]["units"],
                t.balance_after.minor().div_euclid(100).to_string()
            );
            assert_eq!(v["transaction"]["kind"], "TRANSACTION_KIND_DEPOSIT");
        }
    }
    // Refusals and a timeout were retried.
    assert!(
        receiver.arrived.load(std::sync::atomic::Ordering::SeqCst)
            > got.iter().filter(|r| r.answered < 300).count()
    );
    assert!(got.iter().any(|r| r.answered == 503) && got.iter().filter(|r| r.answered == 500).count() >= 2);
    let alive = replicas.iter().position(|r| r.pid() != replicas[holder].pid()).unwrap();
    let mut hooks = WebhooksClient::new(channel(replicas[alive].addr).await);
    let listed =
        hooks.list_deliveries(v1::ListDeliveriesRequest { webhook_id: hook_id, page_size: 1000 }).await;
    let listed = listed.unwrap().into_inner();
    let outcomes =
        |o: v1::DeliveryOutcome| listed.deliveries.iter().filter(|d| d.outcome == o as i32).count();
    assert!(outcomes(v1::DeliveryOutcome::Delivered) > 0 && outcomes(v1::DeliveryOutcome::Failed) > 0);
    assert!(listed.deliveries.iter().any(|d| d.error.contains("no answer within")), "a timeout is listed");
    assert!(listed.deliveries.iter().any(|d| d.http_status == 503), "a refusal is listed with its status");
    assert!(listed.dead_event_ids.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_refused_past_the_retry_window_is_dead_listed_and_redelivered_on_request() {
    let receiver = Receiver::start(Arc::new(|_| Answer::Status(500))).await;
    let redis = redbank_testkit::RedisServer::start();
    let flags = ["--webhook-allow-private", "--webhook-retry-secs", "2"];
    let server = ServerProcess::start_with(&redis.url(), &flags, None).await;
    let mut c = BankClient::new(channel(server.addr).await);
    create(&mut c, "dead-1", "USD").await;
    create(&mut c, "other-1", "USD").await;
    crate::feed::assert_feed_has_every_entry(&store(&redis), &["dead-1".into(), "other-1".into()]).await;
    let mut hooks = WebhooksClient::new(channel(server.addr).await);
    let made = create_hook(&mut hooks, &receiver.url(), "dead-1").await;
    let hook_id = made.webhook.unwrap().webhook_id;
    c.deposit(deposit_req("other-1", usd(1, 0), "o-1")).await.unwrap();
    c.deposit(deposit_req("dead-1", usd(7, 0), "x-1")).await.unwrap();
    let deliveries = |mut hooks: WebhooksClient<Chan>, id: String| async move {
        hooks
            .list_deliveries(v1::ListDeliveriesRequest { webhook_id: id, page_size: 0 })
            .await
            .unwrap()
            .into_inner()
    };
    let started = Instant::now();
    let dead = loop {
        let listed = deliveries(hooks.clone(), hook_id.clone()).await;
        if let Some(dead) = listed.dead_event_ids.first() {
            assert!(listed.deliveries.iter().any(|d| d.outcome == v1::DeliveryOutcome::Dead as i32));
            break dead.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "never dead: {listed:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(dead.starts_with("dead-1/"), "only the account's events: {dead}");
    assert!(receiver.got().iter().all(|r| r.event_id == dead && r.answered == 500));
    // Nothing is sent while it is dead.
    let sent = receiver.got().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.got().len(), sent);
    receiver.set(Arc::new(|_| Answer::Status(200)));
    hooks
        .redeliver(v1::RedeliverRequest { webhook_id: hook_id.clone(), event_id: dead.clone() })
        .await
        .unwrap();
    receiver
        .wait_until("redelivered", |got| got.iter().any(|r| r.event_id == dead && r.answered == 200))
        .await;
    assert!(signed(&made.secret, receiver.got().last().unwrap()));
    let listed = deliveries(hooks.clone(), hook_id.clone()).await;
    assert!(listed.dead_event_ids.is_empty());
    assert_eq!(listed.deliveries[0].outcome, v1::DeliveryOutcome::Delivered as i32);
    assert_eq!(
        code_reason(
            hooks.redeliver(v1::RedeliverRequest { webhook_id: hook_id.clone(), event_id: dead }).await
        ),
        (Code::NotFound, "DELIVERY_NOT_FOUND".into())
    );
    // Deleted: gone from the list, and its deliveries stop.
    hooks.delete_webhook(v1::DeleteWebhookRequest { webhook_id: hook_id.clone() }).await.unwrap();
    assert!(hooks.list_webhooks(v1::ListWebhooksRequest {}).await.unwrap().into_inner().webhooks.is_empty());
    assert_eq!(
        code_reason(hooks.delete_webhook(v1::DeleteWebhookRequest { webhook_id: hook_id }).await),
        (Code::NotFound, "WEBHOOK_NOT_FOUND".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_manage_webhooks_and_internal_addresses_are_refused() {
    let receiver = Receiver::start(Arc::new(|_| Answer::Status(200))).await;
    let redis = redbank_testkit::RedisServer::start();
    let server = ServerProcess::start(&redis.url()).await;
    let mut hooks = WebhooksClient::new(channel(server.addr).await);
    for url in [
        receiver.url(),
        "http://10.0.0.1/h".into(),
        "http://[::1]:8/".into(),
        "http://169.254.169.254/".into(),
    ] {
        assert_eq!(
            code_reason(
                hooks.create_webhook(v1::CreateWebhookRequest { url, account_id: String::new() }).await
            ),
            (Code::InvalidArgument, "WEBHOOK_URL_NOT_ALLOWED".into())
        );
    }
    for url in ["ftp://x.example/", "http://user:pw@x.example/", ""] {
        let refused =
            hooks.create_webhook(v1::CreateWebhookRequest { url: url.into(), account_id: String::new() });
        assert_eq!(
            code_reason(refused.await),
            (Code::InvalidArgument, "INVALID_WEBHOOK_URL".into()),
            "{url}"
        );
    }
    // A name is checked at each delivery: localhost resolves to loopback, refused.
    let url = format!("http://localhost:{}/hook", receiver.addr.port());
    let made = create_hook(&mut hooks, &url, "").await;
    let mut c = BankClient::new(channel(server.addr).await);
    create(&mut c, "int-1", "USD").await;
    c.deposit(deposit_req("int-1", usd(1, 0), "i-1")).await.unwrap();
    let id = made.webhook.unwrap().webhook_id;
    let started = Instant::now();
    loop {
        let listed =
            hooks.list_deliveries(v1::ListDeliveriesRequest { webhook_id: id.clone(), page_size: 0 }).await;
        let listed = listed.unwrap().into_inner();
        if let Some(d) = listed.deliveries.first() {
            assert!(d.error.contains("not a public address"), "{d:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(receiver.got().is_empty(), "nothing reached the loopback receiver");
    for grant in [Grant::Customer(CustomerId::parse("c").unwrap()), Grant::Teller, Grant::Auditor] {
        let key = make_key(&redis.url(), grant.clone()).await;
        let mut as_them = WebhooksClient::new(as_key(raw_channel(server.addr).await, &key));
        assert_eq!(
            code_reason(as_them.list_webhooks(v1::ListWebhooksRequest {}).await),
            (Code::PermissionDenied, "PERMISSION_DENIED".into()),
            "{grant:?}"
        );
        let create = v1::CreateWebhookRequest { url: "https://x.example/".into(), account_id: String::new() };
        assert_eq!(
            code_reason(as_them.create_webhook(create).await),
            (Code::PermissionDenied, "PERMISSION_DENIED".into()),
            "{grant:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_made_at_once_past_the_limit_are_refused() {
    let redis = redbank_testkit::RedisServer::start();
    let server = ServerProcess::start(&redis.url()).await;
    let calls: Vec<_> = (0..redbank_domain::limits::WEBHOOKS_MAX + 10)
        .map(|i| {
            let addr = server.addr;
            tokio::spawn(async move {
                let mut hooks = WebhooksClient::new(channel(addr).await);
                let req = v1::CreateWebhookRequest {
                    url: format!("https://h{i}.example/"),
                    account_id: String::new(),
                };
                hooks.create_webhook(req).await.map(|_| ())
            })
        })
        .collect();
    let (mut made, mut refused) = (0, 0);
    for call in calls {
        match call.await.unwrap() {
            Ok(()) => made += 1,
            Err(status) => {
                assert_eq!(
                    code_reason::<()>(Err(status)),
                    (Code::ResourceExhausted, "TOO_MANY_WEBHOOKS".into())
                );
                refused += 1;
            }
        }
    }
    assert_eq!((made, refused), (redbank_domain::limits::WEBHOOKS_MAX, 10));
    let mut hooks = WebhooksClient::new(channel(server.addr).await);
    let listed = hooks.list_webhooks(v1::ListWebhooksRequest {}).await.unwrap().into_inner().webhooks;
    assert_eq!(listed.len(), redbank_domain::limits::WEBHOOKS_MAX);
}
