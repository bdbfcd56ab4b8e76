//! Doors an attacker without a credential (or with someone else's) may try: calls
//! whose bodies never end, more than one `authorization` entry, and the log that
//! names the key under attack.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;

use redbank_api::v1::{self, bank_client::BankClient};
use redbank_domain::Grant;
use tonic::Code;
use tonic::metadata::MetadataValue;

use crate::helpers::*;

fn get(id: &str, auths: &[&str]) -> tonic::Request<v1::GetAccountRequest> {
    let mut request = tonic::Request::new(v1::GetAccountRequest { account_id: id.into() });
    for auth in auths {
        let value: MetadataValue<_> = format!("Bearer {auth}").parse().unwrap();
        request.metadata_mut().append("authorization", value);
    }
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_with_two_authorization_entries_is_unauthenticated() {
    let app = spawn_app().await;
    let mut c = BankClient::new(raw_channel(app.addr).await);
    let mut admin = app.v1().await;
    create(&mut admin, "acct-1", "USD").await;
    // One valid key alone is served; with another entry beside it, in either
    // order, nothing is believed.
    assert!(c.get_account(get("acct-1", &[&app.admin])).await.is_ok());
    for auths in [[app.admin.as_str(), "garbage"], ["garbage", app.admin.as_str()], [&app.admin, &app.admin]]
    {
        let r = c.get_account(get("acct-1", &auths)).await;
        assert_eq!(code_reason(r), (Code::Unauthenticated, "UNAUTHENTICATED".into()), "{auths:?}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_of_a_real_key_name_it_in_the_log_and_never_its_secret() {
    let redis = redbank_testkit::RedisServer::start();
    let url = redis.url();
    let store = redbank_store::Store::connect(&redbank_store::StoreConfig::new(url.clone())).unwrap();
    let operator = redbank_domain::Actor::operator();
    let made = store.credentials().create(Grant::Admin, Default::default(), None, &operator).await.unwrap();
    let revoked =
        store.credentials().create(Grant::Admin, Default::default(), None, &operator).await.unwrap();
    store.credentials().revoke(&revoked.key.id, &operator).await.unwrap();
    let credential = made.credential.clone();
    let wrong_secret = format!(
        "{}{}",
        &credential[..credential.len() - 2],
        if credential.ends_with("00") { "11" } else { "00" }
    );

    let log = tempfile::NamedTempFile::new().unwrap();
    let port = redbank_testkit::free_port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let server = Reaped(
        Command::new(env!("CARGO_BIN_EXE_redbank-server"))
            .args(["--listen", &addr.to_string(), "--redis-url", &url, "--log-level", "warn"])
            .stdin(Stdio::null())
            .stderr(log.reopen().unwrap())
            .stdout(log.reopen().unwrap())
            .spawn()
            .unwrap(),
    );
    wait_serving(addr).await;
    let mut c = BankClient::new(raw_channel(addr).await);
    for key in [wrong_secret.as_str(), revoked.credential.as_str()] {
        let r = c.get_account(get("acct-1", &[key])).await;
        assert_eq!(code_reason(r).0, Code::Unauthenticated);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(server);
    let text = std::fs::read_to_string(log.path()).unwrap();
    let refusals: Vec<&str> = text.lines().filter(|l| l.contains("unauthenticated call refused")).collect();
    assert_eq!(refusals.len(), 2, "{text}");
    assert!(refusals[0].contains(&made.key.id.to_string()), "{}", refusals[0]);
    assert!(refusals[1].contains(&revoked.key.id.to_string()), "{}", refusals[1]);
    let secret = credential.rsplit('_').next().unwrap();
    assert!(!text.contains(secret) && !text.contains(&wrong_secret), "a secret reached the log");
}

/// One attacker's connection: HTTP/2 calls to the open health check whose bodies
/// never end, a new one every `every`, opened again whenever the server closes it.
async fn stalled_calls(addr: std::net::SocketAddr, every: Duration, until: Instant) -> u32 {
    let mut reopened = 0;
    while Instant::now() < until {
        if reopened > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let Ok(tcp) = tokio::net::TcpStream::connect(addr).await else { continue };
        let Ok(Ok((mut client, connection))) = tokio::time::timeout(
            Duration::from_secs(3),
            h2::client::Builder::new().handshake::<_, Bytes>(tcp),
        )
        .await
        else {
            reopened += 1;
            continue;
        };
        let connection = tokio::spawn(connection);
        let mut held = Vec::new();
        while Instant::now() < until && !connection.is_finished() {
            let ready = std::future::poll_fn(|cx| client.poll_ready(cx));
            if !matches!(tokio::time::timeout(every, ready).await, Ok(Ok(()))) {
                break;
            }
            let request = http::Request::builder()
                .method("POST")
                .uri(format!("http://{addr}/grpc.health.v1.Health/Check"))
                .header("content-type", "application/grpc")
                .header("te", "trailers")
                .body(())
                .unwrap();
            // Headers only: the body is never sent, never ended.
            match client.send_request(request, false) {
                Ok(call) => held.push(call),
                Err(_) => break,
            }
            tokio::time::sleep(every).await;
        }
        connection.abort();
        reopened += 1;
    }
    reopened
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_whose_bodies_never_end_lock_no_client_out() {
    const CAP: u32 = 16;
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| c.max_connections = CAP).await;
    let until = Instant::now() + Duration::from_secs(14);
    // Two and a half times the cap, each keeping calls in flight whose bodies never
    // end (a new one every 250 ms, far faster than the body deadline ends them).
    let attackers: Vec<_> = (0..CAP * 5 / 2)
        .map(|_| tokio::spawn(stalled_calls(app.addr, Duration::from_millis(250), until)))
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Meanwhile a new legitimate client is answered, every time, within a bound.
    let mut answered = Vec::new();
    while Instant::now() + Duration::from_secs(3) < until {
        let started = Instant::now();
        let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{}", app.addr)).unwrap();
        let code = answer(endpoint, Duration::from_secs(5)).await;
        answered.push((code, started.elapsed()));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut reopened = 0;
    for a in attackers {
        reopened += a.await.unwrap();
    }
    eprintln!("answered during the flood: {answered:?}");
    assert!(answered.len() >= 4, "{answered:?}");
    assert!(answered.iter().all(|(code, _)| *code == Some(Code::NotFound)), "locked out: {answered:?}");
    assert!(reopened > 0, "no attacker's connection was ever shed");

    // One such call alone is answered at the body deadline, not held.
    let tcp = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let (mut client, connection) = h2::client::Builder::new().handshake::<_, Bytes>(tcp).await.unwrap();
    let _connection = tokio::spawn(connection);
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{}/grpc.health.v1.Health/Check", app.addr))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap();
    let started = Instant::now();
    let (response, _body) = client.send_request(request, false).unwrap();
    let response = tokio::time::timeout(Duration::from_secs(30), response).await.unwrap().unwrap();
    let waited = started.elapsed();
    let status = tonic::Status::from_header_map(response.headers()).expect("a gRPC status");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    let info = tonic_types::StatusExt::get_details_error_info(&status).unwrap();
    assert_eq!(info.reason, "REQUEST_BODY_TIMEOUT");
    assert!(waited >= Duration::from_secs(4), "answered after {waited:?}, before the body deadline");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_sockets_on_the_console_port_keep_no_browser_out() {
    const PAGE_LOADS: usize = 8;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let redis = redbank_testkit::RedisServer::start();
    let web: std::net::SocketAddr = format!("127.0.0.1:{}", redbank_testkit::free_port()).parse().unwrap();
    let _server = ServerProcess::start_with(&redis.url(), &["--web-listen", &web.to_string()], None).await;
    // More silent sockets than the console's cap (256), each opened again when
    // closed, until the page loads below are done.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let hoarders: Vec<_> = (0..300)
        .map(|_| {
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let mut reopened = 0u32;
                while !*stopped.borrow() {
                    let Ok(mut s) = tokio::net::TcpStream::connect(web).await else {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    };
                    let mut buf = [0u8; 16];
                    tokio::select! {
                        read = s.read(&mut buf) => {
                            if let Ok(0) | Err(_) = read {
                                reopened += 1;
                            }
                        }
                        _ = stopped.changed() => {}
                    }
                }
                reopened
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Page loads meanwhile, each a new connection as a browser's may be: as many
    // as asked, however long each takes on a busy machine.
    let mut loads = Vec::new();
    for _ in 0..PAGE_LOADS {
        let started = Instant::now();
        let load = async {
            let mut s = tokio::net::TcpStream::connect(web).await.ok()?;
            let request = format!("GET /signin HTTP/1.1\r\nHost: {web}\r\nConnection: close\r\n\r\n");
            s.write_all(request.as_bytes()).await.ok()?;
            let mut head = [0u8; 12];
            s.read_exact(&mut head).await.ok()?;
            Some(String::from_utf8_lossy(&head[9..12]).into_owned())
        };
        // A deadline for hangs: a page load waits its turn, it is not closed.
        let status = tokio::time::timeout(Duration::from_secs(10), load).await.ok().flatten();
        loads.push((status, started.elapsed()));
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let _ = stop.send(true);
    let mut shed = 0;
    for h in hoarders {
        shed += h.await.unwrap();
    }
    eprintln!("console page loads under 300 silent sockets: {loads:?}; {shed} silent sockets shed");
    assert!(loads.iter().all(|(status, _)| status.as_deref() == Some("200")), "{loads:?}");
    assert!(shed > 0, "no silent socket was shed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_reads_sent_at_once_by_one_customer_are_bounded_and_others_are_not_held_back() {
    use redbank_domain::CustomerId;
    let app = spawn_app().await;
    let url = app.redis.url();
    let alice = make_key(&url, Grant::Customer(CustomerId::parse("alice").unwrap())).await;
    let bob = make_key(&url, Grant::Customer(CustomerId::parse("bob").unwrap())).await;
    let mut admin = app.v1().await;
    for (id, owner) in [("alice-1", "alice"), ("bob-1", "bob")] {
        admin
            .create_account(v1::CreateAccountRequest {
                account_id: id.into(),
                r#type: v1::AccountType::Checking.into(),
                customer_id: owner.into(),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    // A history of 1,000 entries: a page is a read worth bounding.
    let mut fills = tokio::task::JoinSet::new();
    for i in 0..1000 {
        let mut admin = admin.clone();
        fills.spawn(async move {
            admin.deposit(deposit_req("alice-1", usd(1, 0), &format!("f-{i}"))).await.unwrap()
        });
        if fills.len() >= 64 {
            fills.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(done) = fills.join_next().await {
        done.unwrap();
    }
    let statement = |id: &str| v1::GetStatementRequest {
        account_id: id.into(),
        start_time: Some(prost_types::Timestamp { seconds: 0, nanos: 0 }),
        end_time: Some(prost_types::Timestamp { seconds: 253_402_300_799, nanos: 0 }),
        page_size: 0,
        page_token: String::new(),
    };
    // 16 at the same moment from alice.
    let a = app.v1_as(&alice).await;
    let burst: Vec<_> = (0..16)
        .map(|_| {
            let (mut a, request) = (a.clone(), statement("alice-1"));
            tokio::spawn(
                async move { a.get_statement(request).await.map(|r| r.into_inner().transactions.len()) },
            )
        })
        .collect();
    // Bob's read meanwhile is not counted against alice's.
    let mut b = app.v1_as(&bob).await;
    let bobs = b.get_statement(statement("bob-1")).await;
    assert!(bobs.is_ok(), "{bobs:?}");
    let (mut served, mut refused) = (0, 0);
    for t in burst {
        match t.await.unwrap() {
            Ok(n) => {
                assert_eq!(n, 1000);
                served += 1;
            }
            Err(status) => {
                assert_eq!(
                    code_reason::<()>(Err(status)),
                    (Code::ResourceExhausted, "TOO_MANY_READS".into())
                );
                refused += 1;
            }
        }
    }
    eprintln!("16 statement reads at once: {served} served, {refused} refused");
    assert!(served >= 1 && refused >= 1, "served {served}, refused {refused}");
    // Once they are done, alice reads again.
    assert!(a.clone().get_statement(statement("alice-1")).await.is_ok());
    app.stop().await;
}
