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
    let mut servers = start_replicas(&redis, REPLICAS).await;
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
                    BankClient::new(with_key(*a, endpoint.connect_lazy()))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_answers_unavailable_at_once_and_recovers_on_its_own() {
    use std::time::Instant;
    use tonic_health::pb::health_check_response::ServingStatus;

    let mut app = spawn_app_with(redbank_testkit::Persistence::AofAlways, |_| {}).await;
    let mut c = app.v1().await;
    create(&mut c, "o-1", "USD").await;
    c.deposit(deposit_req("o-1", usd(5, 0), "before")).await.unwrap();
    tokio::task::block_in_place(|| app.redis.kill());
    wait_for_health(app.addr, ServingStatus::NotServing).await;

    // Many calls at once, each with a 10 s client deadline: every one must come back
    // UNAVAILABLE (a hang would surface as DEADLINE_EXCEEDED), with no pile-up.
    let started = Instant::now();
    let mut calls = Vec::new();
    for i in 0..200 {
        let mut c = c.clone();
        calls.push(tokio::spawn(async move {
            let r = c.deposit(deposit_req("o-1", usd(1, 0), &format!("outage-{i}"))).await;
            code_reason(r)
        }));
    }
    for call in calls {
        assert_eq!(call.await.unwrap(), (Code::Unavailable, "STORE_UNAVAILABLE".to_string()));
    }
    let elapsed = started.elapsed();
    eprintln!("200 calls during the outage all answered UNAVAILABLE within {elapsed:?}");

    tokio::task::block_in_place(|| app.redis.restart());
    wait_serving(app.addr).await;
    // The same request ids now apply, once each.
    for i in 0..200 {
        c.deposit(deposit_req("o-1", usd(1, 0), &format!("outage-{i}"))).await.unwrap();
        c.deposit(deposit_req("o-1", usd(1, 0), &format!("outage-{i}"))).await.unwrap();
    }
    let a = c.get_account(v1::GetAccountRequest { account_id: "o-1".into() }).await.unwrap().into_inner();
    assert_eq!(cents(&a.balance), 500 + 200 * 100);
    assert_invariants(&app.redis).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_at_the_limit_sheds_the_oldest_idle_one() {
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| c.max_connections = 2).await;
    let open = |addr: std::net::SocketAddr| {
        tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect_timeout(Duration::from_millis(500))
            .timeout(Duration::from_millis(2000))
            .connect_lazy()
    };
    // A call answered within three tries: a call that races the GOAWAY of its shed
    // connection fails once, and the channel reconnects.
    let addr = app.addr;
    let get = |ch: tonic::transport::Channel| async move {
        for _ in 0..3 {
            match BankClient::new(with_key(addr, ch.clone()))
                .get_account(v1::GetAccountRequest { account_id: "nobody".into() })
                .await
            {
                Err(s) if s.code() == Code::NotFound => return true,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        false
    };
    // Four clients take turns on two places: each is served, the idle ones shed.
    let channels: Vec<_> = (0..4).map(|_| open(app.addr)).collect();
    for round in 0..3 {
        for (i, ch) in channels.iter().enumerate() {
            assert!(get(ch.clone()).await, "client {i} was not served in round {round}");
        }
    }
    app.stop().await;
}

/// SIGTERM: the server stops accepting, lets the calls in flight finish, and exits 0.
/// Nothing acknowledged is lost; a call it did not take fails at the transport.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_calls_in_flight_and_exits_cleanly() {
    let redis = RedisServer::start();
    let mut server = ServerProcess::start(&redis.url()).await;
    let mut c = BankClient::new(channel(server.addr).await);
    create(&mut c, "t-1", "USD").await;
    let mut calls = Vec::new();
    for i in 0..200 {
        let mut c = c.clone();
        calls.push(tokio::spawn(async move {
            let r = c.deposit(deposit_req("t-1", usd(1, 0), &format!("term-{i}"))).await;
            (format!("term-{i}"), r.map(|_| ()).map_err(|s| s.code()))
        }));
    }
    // SIGTERM once the load is under way.
    let mut probe = BankClient::new(channel(server.addr).await);
    for _ in 0..2000 {
        let a = probe.get_account(v1::GetAccountRequest { account_id: "t-1".into() }).await.unwrap();
        if a.into_inner().version >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    drop(probe);
    let status = server.terminate().await;
    assert!(status.success(), "exit status {status:?}");
    let mut acked = Vec::new();
    for call in calls {
        let (rid, r) = call.await.unwrap();
        match r {
            Ok(()) => acked.push(rid),
            // Calls the server never took fail at the transport (connection closed,
            // stream refused), which a client retries with the same request id.
            Err(code) => assert!(
                !matches!(code, Code::InvalidArgument | Code::NotFound | Code::FailedPrecondition),
                "{code:?}"
            ),
        }
    }
    assert!(!acked.is_empty(), "calls in flight at SIGTERM must be finished, not dropped");
    let history = store(&redis).history(&account_id("t-1")).await.unwrap();
    let applied: std::collections::HashSet<String> =
        history.iter().map(|t| t.request_id.as_ref().unwrap().to_string()).collect();
    for rid in &acked {
        assert!(applied.contains(rid), "{rid} was acknowledged but not applied");
    }
    assert_invariants(&redis).await;
}

/// SIGTERM with a grace period: health turns NOT_SERVING at once, new connections and
/// calls are still served for the grace period (a load balancer's time to notice),
/// then the server drains and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_reports_not_serving_then_serves_through_the_grace_period() {
    let redis = RedisServer::start();
    let mut server = ServerProcess::start_with(&redis.url(), &["--shutdown-grace-ms", "1500"], None).await;
    let mut c = BankClient::new(channel(server.addr).await);
    create(&mut c, "g", "USD").await;
    let signalled = std::time::Instant::now();
    server.send_term();
    wait_for_health(server.addr, tonic_health::pb::health_check_response::ServingStatus::NotServing).await;
    // During the grace period: the old connection and a new one are both served.
    c.deposit(deposit_req("g", usd(1, 0), "grace-1")).await.unwrap();
    let mut fresh = BankClient::new(channel(server.addr).await);
    let g = fresh.get_account(v1::GetAccountRequest { account_id: "g".into() }).await.unwrap().into_inner();
    assert_eq!(g.version, 1);
    assert!(signalled.elapsed() < Duration::from_millis(1500), "the checks took the whole grace period");
    assert!(!server.exited(), "exited before its grace period was over");
    let status = server.wait_exit().await;
    assert!(status.success(), "exit status {status:?}");
    assert!(signalled.elapsed() >= Duration::from_millis(1500), "exited after {:?}", signalled.elapsed());
}

/// One HTTP/1.1 request to the console; answers the status and its Location.
async fn console_post(web: std::net::SocketAddr, path: &str, cookie: &str, form: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {web}\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    let mut s = tokio::net::TcpStream::connect(web).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let location = answer
        .lines()
        .find_map(|l| l.strip_prefix("location: ").or_else(|| l.strip_prefix("Location: ")))
        .unwrap_or_default()
        .to_owned();
    (status, location)
}

/// SIGTERM while the console is busy: a console request under way is finished
/// (not cut off), the admin's interest job still running is cut short and its
/// record says so, and the server waits for both before it exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_console_requests_and_a_job_cut_short_says_so() {
    const ACCOUNTS: usize = 400;
    let (redis, mut server, web) =
        console(&["--shutdown-grace-ms", "0", "--redis-timeout-ms", "20000"]).await;
    let store = store(&redis);
    let hash = redbank_bank::password::hash(PASSWORD).unwrap();
    let admin = redbank_domain::UserName::parse("ada").unwrap();
    store.console().create_user(&admin, &redbank_domain::Grant::Admin, &hash).await.unwrap();
    // Funded accounts: the job has one posting for each, far more than it can
    // make before Redis is paused below.
    let c = BankClient::new(channel(server.addr).await);
    let seeded: Vec<_> = (0..ACCOUNTS)
        .map(|a| {
            let mut c = c.clone();
            tokio::spawn(async move {
                create(&mut c, &format!("s-{a}"), "USD").await;
                c.deposit(deposit_req(&format!("s-{a}"), usd(1000, 0), &format!("seed-{a}"))).await.unwrap();
            })
        })
        .collect();
    for s in seeded {
        s.await.unwrap();
    }
    let session = session_of(web, "ada").await;
    let (_, _, page) = http(web, "GET", "/admin/interest", &session, "").await;
    let csrf = csrf_in(&page);
    let last_month =
        redbank_domain::InterestPeriod::containing(redbank_domain::calendar::now_millis()).before();
    let form = format!("csrf={csrf}&month={last_month}&savings=5");
    let (status, job) = console_post(web, "/admin/interest", &session, &form).await;
    assert_eq!(status, 303, "the job was not started");
    let job_id = job.strip_prefix("/admin/jobs/").expect("the job's page").to_owned();
    // Writes stop in Redis: the job waits on its next posting, a deposit form
    // waits in its request.
    let mut pause =
        redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let _: () =
        redis::cmd("CLIENT").arg("PAUSE").arg(3000).arg("WRITE").query_async(&mut pause).await.unwrap();
    let form = format!("csrf={csrf}&amount=2.50&currency=USD&request_id=drain-1");
    let deposit =
        tokio::spawn(async move { console_post(web, "/accounts/s-0/deposit", &session, &form).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!deposit.is_finished(), "the deposit was not held up by the pause");
    server.send_term();
    let (status, to) = deposit.await.unwrap();
    assert_eq!(
        (status, to.as_str()),
        (303, "/accounts/s-0?done=deposit"),
        "the request under way was cut off"
    );
    let status = server.wait_exit().await;
    assert!(status.success(), "exit status {status:?}");
    let record = store.console().job(&job_id).await.unwrap();
    assert_eq!(record.get("state").map(String::as_str), Some("stopped"), "{record:?}");
    assert_eq!(record.get("message").map(String::as_str), Some(redbank_web::CUT_SHORT), "{record:?}");
    let history = store.history(&account_id("s-0")).await.unwrap();
    assert!(
        history.iter().any(|t| t.request_id.as_ref().is_some_and(|r| r.as_str() == "drain-1")),
        "the deposit under way was not applied"
    );
}
