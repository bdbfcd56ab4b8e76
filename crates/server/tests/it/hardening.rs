//! Attacks on the service itself, each against a real server: silent and
//! preface-only connections, a low open-file limit, a client that never reads,
//! Redis out of memory, a slow Redis, and requests that used to answer INTERNAL.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use prost::Message;
use redbank_api::v1::{self, bank_client::BankClient};
use redbank_testkit::RedisServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::helpers::*;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// An empty SETTINGS frame: the rest of a client's connection preface.
const EMPTY_SETTINGS: [u8; 9] = [0, 0, 0, 4, 0, 0, 0, 0, 0];

async fn silent(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.unwrap()
}

async fn preface_only(addr: SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(PREFACE).await.unwrap();
    s.write_all(&EMPTY_SETTINGS).await.unwrap();
    s
}

/// A fresh channel's GetAccount answered (NOT_FOUND) within `within`.
async fn answered_within(addr: SocketAddr, within: Duration) -> bool {
    let started = Instant::now();
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{addr}")).unwrap();
    let answered = tokio::time::timeout(within, answer(endpoint, within)).await;
    answered == Ok(Some(Code::NotFound)) && started.elapsed() <= within
}

/// Whether the server closed the socket (read gives EOF or a reset) within `within`.
async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_preface_only_connections_cannot_lock_clients_out() {
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| {
        c.max_connections = 4;
        c.handshake_timeout_ms = 800;
    })
    .await;
    // Twice the cap, half silent, half stopping after the preface; each is opened
    // again as soon as the server closes it.
    let mut hoard = Vec::new();
    for i in 0..8 {
        hoard.push(if i % 2 == 0 { silent(app.addr).await } else { preface_only(app.addr).await });
    }
    let addr = app.addr;
    let attacker = tokio::spawn(async move {
        let mut reopened = 0;
        let until = Instant::now() + Duration::from_secs(4);
        while Instant::now() < until {
            for (i, s) in hoard.iter_mut().enumerate() {
                let mut buf = [0u8; 64];
                if let Ok(Ok(0) | Err(_)) =
                    tokio::time::timeout(Duration::from_millis(5), s.read(&mut buf)).await
                {
                    *s = if i % 2 == 0 { silent(addr).await } else { preface_only(addr).await };
                    reopened += 1;
                }
            }
        }
        reopened
    });
    // Meanwhile a legitimate client is answered, every time, within a bound.
    let mut answered = 0;
    for _ in 0..9 {
        if answered_within(app.addr, Duration::from_secs(2)).await {
            answered += 1;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let reopened = attacker.await.unwrap();
    assert_eq!(answered, 9, "a legitimate client was locked out");
    assert!(reopened > 0, "the server never closed a hoarded connection");

    // A silent connection alone is closed at the handshake deadline.
    let mut s = silent(app.addr).await;
    assert!(closed_within(&mut s, Duration::from_secs(3)).await, "a silent connection was kept open");
    let mut s = preface_only(app.addr).await;
    assert!(closed_within(&mut s, Duration::from_secs(3)).await, "a preface-only connection was kept open");
    app.stop().await;
}

/// A raw HTTP/2 client that advertises a window of `window` bytes per stream.
async fn raw_h2(
    addr: SocketAddr,
    window: u32,
) -> (h2::client::SendRequest<Bytes>, tokio::task::JoinHandle<Result<(), h2::Error>>) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (client, connection) =
        h2::client::Builder::new().initial_window_size(window).handshake::<_, Bytes>(tcp).await.unwrap();
    (client, tokio::spawn(connection))
}

/// Sends one unary gRPC call; its response future resolves with the headers.
async fn send_grpc(
    client: &mut h2::client::SendRequest<Bytes>,
    addr: SocketAddr,
    path: &str,
    message: &impl Message,
) -> h2::client::ResponseFuture {
    let body = message.encode_to_vec();
    let mut frame = Vec::with_capacity(5 + body.len());
    frame.push(0);
    frame.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(&body);
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("authorization", format!("Bearer {}", server_key(addr)))
        .body(())
        .unwrap();
    let ready = std::future::poll_fn(|cx| client.poll_ready(cx));
    ready.await.unwrap();
    let (response, mut stream) = client.send_request(request, false).unwrap();
    // A server may answer before the body (a method it refuses from the headers
    // alone), and then the stream is closed: its answer is in `response`.
    let _ = stream.send_data(Bytes::from(frame), true);
    response
}

fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// Fills an account with `n` deposits whose memos are 256 characters long.
async fn long_history(c: &mut BankClient<Chan>, id: &str, n: usize) {
    create(c, id, "USD").await;
    let memo = "é".repeat(128) + &"m".repeat(128);
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..n {
        let mut c = c.clone();
        let (id, memo) = (id.to_owned(), memo.clone());
        calls.spawn(async move {
            let request = v1::DepositRequest { memo, ..deposit_req(&id, usd(1, 0), &format!("fill-{i}")) };
            // As a client should: UNAVAILABLE (a loaded machine's Redis past its
            // deadline) retried with the same request id, which applies it once.
            for attempt in 0.. {
                match c.deposit(request.clone()).await {
                    Ok(_) => break,
                    Err(s) if s.code() == tonic::Code::Unavailable && attempt < 20 => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(s) => panic!("seeding deposit {i}: {s:?}"),
                }
            }
        });
        if calls.len() >= 64 {
            calls.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(done) = calls.join_next().await {
        done.unwrap();
    }
}

fn statement_request(id: &str, page_token: String) -> v1::GetStatementRequest {
    v1::GetStatementRequest {
        account_id: id.into(),
        start_time: Some(prost_types::Timestamp { seconds: 0, nanos: 0 }),
        end_time: Some(prost_types::Timestamp { seconds: 253_402_300_799, nanos: 0 }),
        page_size: 0,
        page_token,
    }
}

/// Memory bound: per connection, the response budget (16 MiB) plus one 16 KiB
/// piece per stream; in all, the total budget. Held as decoded messages, a
/// response takes about twice its encoded size, hence the factor in the bound.
const PER_CONNECTION_BUDGET: u64 = 16 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_holds_bounded_memory_and_is_cut_off() {
    let redis = RedisServer::start();
    // A patient Redis deadline: 180 statement reads at once on a loaded machine
    // must not fail for Redis's sake.
    let flags = ["--request-timeout-ms", "2000", "--redis-timeout-ms", "5000"];
    let server = ServerProcess::start_with(&redis.url(), &flags, None).await;
    let mut c = BankClient::new(channel(server.addr).await);
    // 1,000 entries with long memos: a page of about 1.3 MB.
    long_history(&mut c, "big", 1000).await;
    let before = rss_bytes(server.pid());

    // 3 connections with a zero window, 60 statements each, never read.
    let mut connections = Vec::new();
    let (mut held, mut refused) = (0, 0);
    for _ in 0..3 {
        let (mut client, connection) = raw_h2(server.addr, 0).await;
        let mut responses = Vec::new();
        for _ in 0..60 {
            let path = "/redbank.v1.Bank/GetStatement";
            responses.push(
                send_grpc(&mut client, server.addr, path, &statement_request("big", String::new())).await,
            );
        }
        // Kept, unread: dropping a response would reset its stream.
        let mut unread = Vec::new();
        for response in responses {
            let response = response.await.unwrap();
            match response.headers().get("grpc-status").map(|v| v.to_str().unwrap().to_owned()) {
                None => held += 1,
                Some(code) => {
                    // RESOURCE_EXHAUSTED; DEADLINE_EXCEEDED if the machine is so
                    // loaded that the read itself missed the 2 s deadline.
                    assert!(code == "8" || code == "4", "refused with {code}");
                    refused += 1;
                }
            }
            unread.push(response);
        }
        connections.push((client, connection, unread));
    }
    let during = rss_bytes(server.pid());
    let grown = during.saturating_sub(before);
    println!("held {held}, refused {refused}; RSS {before} -> {during} (+{} MiB)", grown >> 20);
    assert!(held > 0 && refused > 0, "held {held}, refused {refused}");
    assert!(grown < 3 * 2 * PER_CONNECTION_BUDGET + (32 << 20), "the server grew by {grown} bytes");

    // Others are served meanwhile, statements included.
    let page = c.get_statement(statement_request("big", String::new())).await.unwrap().into_inner();
    assert_eq!(page.transactions.len(), 1000);

    // Past the request deadline (2 s, plus a second's grace) the non-reading
    // connections are closed.
    for (_client, connection, _unread) in connections {
        let ended = tokio::time::timeout(Duration::from_secs(8), connection).await;
        assert!(ended.is_ok(), "a connection that never read was kept open");
    }
    assert!(answered_within(server.addr, Duration::from_secs(2)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_of_10000_entries_with_long_memos_fits_standard_clients() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    long_history(&mut c, "long", 10_000).await;
    // A client with the standard 4 MiB receive limit reads it page by page.
    let mut pages = 0;
    let mut entries = Vec::new();
    let mut token = String::new();
    let last = loop {
        let page = c.get_statement(statement_request("long", token)).await.unwrap().into_inner();
        pages += 1;
        assert!(page.encoded_len() < 4 << 20);
        entries.extend(page.transactions.iter().map(|t| t.transaction_id.clone()));
        if page.next_page_token.is_empty() {
            break page;
        }
        token = page.next_page_token;
    };
    assert_eq!(pages, 10);
    assert_eq!(entries.len(), 10_000);
    entries.sort();
    entries.dedup();
    assert_eq!(entries.len(), 10_000, "no entry twice");
    assert_eq!((cents(&last.opening_balance), cents(&last.closing_balance)), (0, 1_000_000));
    assert_eq!((cents(&last.total_in), cents(&last.total_out)), (1_000_000, 0));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_open_file_limit_with_a_burst_of_connections_neither_spins_nor_starves_redis() {
    let mut redis = RedisServer::start();
    let server =
        ServerProcess::start_with(&redis.url(), &["--handshake-timeout-ms", "60000"], Some(256)).await;
    // More sockets than the process may open.
    let mut hoard = Vec::new();
    for _ in 0..400 {
        if let Ok(s) = TcpStream::connect(server.addr).await {
            hoard.push(s);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu = |pid: u32| -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    let ticks_before = cpu(server.pid());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ticks = cpu(server.pid()) - ticks_before;
    // 2 s is 200 ticks of one core; a spinning accept loop takes all of them.
    assert!(ticks < 40, "the server burned {ticks} ticks in 2 s with idle sockets open");
    assert!(answered_within(server.addr, Duration::from_secs(3)).await, "not served under the burst");

    // Redis restarts: the server reconnects with the descriptors it kept in reserve.
    // This Redis keeps nothing on disk, so the admin key went with it: a new one.
    redis.restart();
    let fresh = make_key(&redis.url(), redbank_domain::Grant::Admin).await;
    let mut c = BankClient::new(as_key(raw_channel(server.addr).await, &fresh));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let created = c
            .create_account(v1::CreateAccountRequest {
                customer_id: String::new(),
                account_id: "after".into(),
                r#type: v1::AccountType::Checking.into(),
                ..Default::default()
            })
            .await;
        if created.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no reconnect to Redis: {created:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(hoard);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_out_of_memory_answers_store_full_and_health_follows() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "m", "USD").await;
    let mut conn = app.redis.connection();
    let _: () =
        redis::cmd("CONFIG").arg("SET").arg("maxmemory-policy").arg("noeviction").query(&mut conn).unwrap();
    let _: () = redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg("1").query(&mut conn).unwrap();

    let full = c.deposit(deposit_req("m", usd(1, 0), "oom-1")).await;
    assert_eq!(code_reason(full), (Code::ResourceExhausted, "STORE_FULL".into()));
    wait_for_health(app.addr, ServingStatus::NotServing).await;
    // Reads still answer.
    let m = c.get_account(v1::GetAccountRequest { account_id: "m".into() }).await.unwrap().into_inner();
    assert_eq!(m.version, 0);

    let _: () = redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg("0").query(&mut conn).unwrap();
    wait_for_health(app.addr, ServingStatus::Serving).await;
    let ok = c.deposit(deposit_req("m", usd(1, 0), "oom-1")).await.unwrap().into_inner();
    assert_eq!(ok.account.unwrap().version, 1, "the refused deposit was not applied; the retry is");
    assert_invariants(&app.redis).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_past_the_server_deadline_answers_deadline_exceeded() {
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| {
        c.request_timeout_ms = 300;
        c.redis_timeout_ms = 5000;
    })
    .await;
    let mut c = app.v1().await;
    create(&mut c, "slow", "USD").await;
    let mut conn = app.redis.connection();
    let _: () = redis::cmd("CLIENT").arg("PAUSE").arg(1500).arg("ALL").query(&mut conn).unwrap();
    let late = c.get_account(v1::GetAccountRequest { account_id: "slow".into() }).await;
    assert_eq!(code_reason(late), (Code::DeadlineExceeded, "DEADLINE_EXCEEDED".into()));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_refusals_carry_error_info_and_health_takes_the_api_message_limit() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    // Too large: OUT_OF_RANGE MESSAGE_TOO_LARGE (tonic's codec refuses it).
    let huge = v1::DepositRequest { memo: "x".repeat(100_000), ..deposit_req("a", usd(1, 0), "") };
    assert_eq!(code_reason(c.deposit(huge).await), (Code::OutOfRange, "MESSAGE_TOO_LARGE".into()));
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel(app.addr).await);
    let big = tonic_health::pb::HealthCheckRequest { service: "s".repeat(100_000) };
    assert_eq!(code_reason(health.check(big).await), (Code::OutOfRange, "MESSAGE_TOO_LARGE".into()));
    // No such method: UNIMPLEMENTED with ErrorInfo (once authenticated: a caller
    // without a credential learns nothing, not even which methods exist).
    let (mut client, _connection) = raw_h2(app.addr, 65_535).await;
    let response =
        send_grpc(&mut client, app.addr, "/redbank.v1.Bank/NoSuchMethod", &v1::GetAccountRequest::default())
            .await
            .await
            .unwrap();
    let status = tonic::Status::from_header_map(response.headers()).expect("a trailers-only status");
    assert_eq!(status.code(), Code::Unimplemented);
    assert_eq!(code_reason::<()>(Err(status)), (Code::Unimplemented, "UNIMPLEMENTED".into()));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_queries_that_used_to_answer_internal_get_their_reasons() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    for id in ["p", "q"] {
        create(&mut c, id, "USD").await;
        for i in 0..3 {
            c.deposit(deposit_req(id, usd(1, 0), &format!("{id}-{i}"))).await.unwrap();
        }
    }
    let list = |id: &str, token: &str| v1::ListTransactionsRequest {
        account_id: id.into(),
        page_size: 1,
        page_token: token.into(),
        ..Default::default()
    };
    // end_time in the first millisecond of 1970: nothing lies before it.
    let first_ms = v1::ListTransactionsRequest {
        end_time: Some(prost_types::Timestamp { seconds: 0, nanos: 500_000 }),
        ..list("p", "")
    };
    assert!(c.list_transactions(first_ms).await.unwrap().into_inner().transactions.is_empty());
    // Forged tokens, in the old unsigned format and in the new one.
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let page = c.list_transactions(list("p", "")).await.unwrap().into_inner();
    let tag = page.next_page_token.split_once('.').unwrap().1.to_owned();
    for cursor in ["abc", "0-0", "-1-0"] {
        for token in [hex(&format!("{cursor}|0000000000000000")), format!("{}.{tag}", hex(cursor))] {
            assert_eq!(
                code_reason(c.list_transactions(list("p", &token)).await),
                (Code::InvalidArgument, "INVALID_PAGE_TOKEN".into()),
                "{cursor}"
            );
        }
    }
    // P's token on Q, and with another time range: refused.
    assert_eq!(
        code_reason(c.list_transactions(list("q", &page.next_page_token)).await),
        (Code::InvalidArgument, "INVALID_PAGE_TOKEN".into())
    );
    let ranged = v1::ListTransactionsRequest {
        start_time: Some(prost_types::Timestamp { seconds: 1, nanos: 0 }),
        ..list("p", &page.next_page_token)
    };
    assert_eq!(
        code_reason(c.list_transactions(ranged).await),
        (Code::InvalidArgument, "INVALID_PAGE_TOKEN".into())
    );
    // The token works where it was issued, on another replica too (the key is in Redis).
    let other = ServerProcess::start(&app.redis.url()).await;
    let mut c2 = BankClient::new(channel(other.addr).await);
    let second = c2.list_transactions(list("p", &page.next_page_token)).await.unwrap().into_inner();
    assert_eq!(second.transactions.len(), 1);
    assert_ne!(second.transactions[0].transaction_id, page.transactions[0].transaction_id);
    // A statement token on another account or period: refused.
    let statement = v1::GetStatementRequest { page_size: 1, ..statement_request("p", String::new()) };
    let first = c.get_statement(statement.clone()).await.unwrap().into_inner();
    let elsewhere = v1::GetStatementRequest {
        page_token: first.next_page_token.clone(),
        ..statement_request("q", String::new())
    };
    assert_eq!(
        code_reason(c.get_statement(elsewhere).await),
        (Code::InvalidArgument, "INVALID_PAGE_TOKEN".into())
    );
    let shifted = v1::GetStatementRequest {
        start_time: Some(prost_types::Timestamp { seconds: 1, nanos: 0 }),
        page_token: first.next_page_token,
        ..statement
    };
    assert_eq!(
        code_reason(c.get_statement(shifted).await),
        (Code::InvalidArgument, "INVALID_PAGE_TOKEN".into())
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_stops_answering_pings_is_closed_and_an_idle_one_is_sent_goaway() {
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| {
        c.keepalive_interval_ms = 200;
        c.keepalive_timeout_ms = 200;
        c.connection_idle_timeout_ms = 3_600_000;
    })
    .await;
    // A healthy call, then the client stops reading its socket (its connection
    // future is held, not dropped, so the socket stays open).
    let (mut client, connection) = {
        let tcp = TcpStream::connect(app.addr).await.unwrap();
        h2::client::handshake(tcp).await.unwrap()
    };
    let (pause_tx, pause_rx) = tokio::sync::oneshot::channel::<()>();
    let (resume_tx, resume_rx) = tokio::sync::oneshot::channel::<()>();
    let driver = tokio::spawn(async move {
        tokio::pin!(connection);
        tokio::select! {
            ended = &mut connection => return ended,
            _ = pause_rx => {}
        }
        let _ = resume_rx.await;
        connection.await
    });
    let response = send_grpc(
        &mut client,
        app.addr,
        "/redbank.v1.Bank/GetAccount",
        &v1::GetAccountRequest { account_id: "nobody".into() },
    )
    .await
    .await
    .unwrap();
    assert_eq!(response.headers().get("grpc-status").unwrap(), "5", "NOT_FOUND: the call went through");
    drop(response);
    pause_tx.send(()).unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    resume_tx.send(()).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(3), driver).await;
    assert!(ended.is_ok(), "a peer that answered no ping for 2 s was kept connected");
    app.stop().await;

    // Idle past the idle timeout: GOAWAY, and the connection ends.
    let app =
        spawn_app_with(redbank_testkit::Persistence::None, |c| c.connection_idle_timeout_ms = 300).await;
    let (mut client, connection) = raw_h2(app.addr, 65_535).await;
    let path = "/redbank.v1.Bank/GetAccount";
    let response =
        send_grpc(&mut client, app.addr, path, &v1::GetAccountRequest { account_id: "x".into() }).await;
    drop(response.await.unwrap());
    let ended = tokio::time::timeout(Duration::from_secs(3), connection).await;
    assert!(ended.is_ok(), "an idle connection was kept open past the idle timeout");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_evicts_keys_is_refused_unless_allowed() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "e", "USD").await;
    let mut conn = app.redis.connection();
    let set_policy = |conn: &mut redis::Connection, policy: &str| {
        let _: () = redis::cmd("CONFIG").arg("SET").arg("maxmemory-policy").arg(policy).query(conn).unwrap();
    };
    set_policy(&mut conn, "allkeys-lru");
    wait_for_health(app.addr, ServingStatus::NotServing).await;
    let refused = c.deposit(deposit_req("e", usd(1, 0), "ev-1")).await;
    assert_eq!(code_reason(refused), (Code::Unavailable, "STORE_UNSAFE".into()));
    let read = c.get_account(v1::GetAccountRequest { account_id: "e".into() }).await;
    assert_eq!(code_reason(read), (Code::Unavailable, "STORE_UNSAFE".into()));
    // Set right, served again; the refused deposit was never applied.
    set_policy(&mut conn, "noeviction");
    wait_serving(app.addr).await;
    let ok = c.deposit(deposit_req("e", usd(1, 0), "ev-1")).await.unwrap().into_inner();
    assert_eq!(ok.account.unwrap().version, 1);
    app.stop().await;

    // An operator who accepts the risk says so.
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| c.allow_evicting_redis = true).await;
    let mut conn = app.redis.connection();
    set_policy(&mut conn, "volatile-lru");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(health(app.addr).await, Some(ServingStatus::Serving));
    let mut c = app.v1().await;
    create(&mut c, "f", "USD").await;
    assert!(c.deposit(deposit_req("f", usd(1, 0), "")).await.is_ok());
    app.stop().await;
}
