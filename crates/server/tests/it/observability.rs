//! What an operator sees: /metrics after a known mix of calls, counted exactly, and
//! one access-log line per call with its method, code, reason, request id, peer and
//! trace id.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use redbank_api::classic::{AccountRequest, bank_service_client::BankServiceClient};
use redbank_api::v1;
use redbank_testkit::{RedisServer, free_port};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

use crate::helpers::*;

/// GET `path` over plain HTTP/1.1: the status line and the body.
async fn http_get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

/// Samples of the Prometheus text: "name{labels}" (labels sorted) to value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let key = match series.split_once('{') {
                Some((name, labels)) => {
                    let mut labels: Vec<&str> = labels.trim_end_matches('}').split(',').collect();
                    labels.sort();
                    format!("{name}{{{}}}", labels.join(","))
                }
                None => series.to_owned(),
            };
            Some((key, value.parse().ok()?))
        })
        .collect()
}

/// The JSON lines of `output` whose target is `target`.
fn output_lines(output: &str, target: &str) -> Vec<serde_json::Value> {
    output
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["target"] == target)
        .collect()
}

/// A file of docs/, whole.
fn doc(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every flag `redbank-server --help` lists is in docs/CONFIGURATION.md's table, with
/// its environment variable: the table cannot drift from the binary.
#[test]
fn every_server_flag_is_documented() {
    let help =
        std::process::Command::new(env!("CARGO_BIN_EXE_redbank-server")).arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8(help.stdout).unwrap();
    let documented = doc("CONFIGURATION.md");
    let mut flags = 0;
    for line in help.lines().map(str::trim_start) {
        let Some(rest) = line.strip_prefix("--") else { continue };
        let flag = rest.split([' ', '=']).next().unwrap();
        if ["help", "version"].contains(&flag) {
            continue;
        }
        flags += 1;
        assert!(documented.contains(&format!("`--{flag}`")), "docs/CONFIGURATION.md lacks --{flag}");
    }
    for line in help.lines().map(str::trim) {
        if let Some(var) = line.strip_prefix("[env: ").and_then(|v| v.split('=').next()) {
            assert!(documented.contains(&format!("`{var}`")), "docs/CONFIGURATION.md lacks {var}");
        }
    }
    assert!(flags >= 40, "only {flags} flags found in --help: has its layout changed?");
}

/// `redbank-server --man-page` prints a page that `man -l` renders, with every flag.
#[test]
fn the_manual_page_renders() {
    let page =
        std::process::Command::new(env!("CARGO_BIN_EXE_redbank-server")).arg("--man-page").output().unwrap();
    assert!(page.status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("redbank-server.1");
    std::fs::write(&file, &page.stdout).unwrap();
    let man = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("man"))
        .find(|p| p.is_file())
        .expect("`man` is missing: apt-get install man-db (./scripts/install-deps does)");
    let rendered = std::process::Command::new(man)
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "200")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(rendered.status.success(), "{}", String::from_utf8_lossy(&rendered.stderr));
    for expected in ["NAME", "SYNOPSIS", "--redis-url", "--web-listen", "--shutdown-grace-ms"] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
}

fn calls(service: &str, method: &str, code: &str) -> String {
    format!("redbank_grpc_requests_total{{code=\"{code}\",method=\"{method}\",service=\"{service}\"}}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_a_known_mix_of_calls_exactly() {
    let metrics_addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let app =
        spawn_app_with(redbank_testkit::Persistence::None, |c| c.metrics_listen = Some(metrics_addr)).await;
    let mut c = app.v1().await;
    for id in ["m1", "m2", "m3"] {
        create(&mut c, id, "USD").await;
    }
    for i in 0..5 {
        c.deposit(deposit_req("m1", usd(1, 0), &format!("d{i}"))).await.unwrap();
    }
    for i in 0..2 {
        let refused = c.withdraw(withdraw_req("m2", usd(1, 0), &format!("w{i}"))).await;
        assert_eq!(code_reason(refused).0, Code::FailedPrecondition);
    }
    assert!(c.get_account(v1::GetAccountRequest { account_id: "nobody".into() }).await.is_err());
    let mut classic = BankServiceClient::new(channel(app.addr).await);
    for _ in 0..4 {
        classic
            .get_balance(AccountRequest { account_id: "m1".into(), account_type: String::new() })
            .await
            .unwrap();
    }
    // A path that names no method: counted, but under one label, whatever it is.
    for path in ["/no.Such/Thing", "/redbank.v1.Bank/Nope"] {
        let mut grpc = tonic::client::Grpc::new(channel(app.addr).await);
        grpc.ready().await.unwrap();
        let codec = tonic_prost::ProstCodec::<v1::GetAccountRequest, v1::Account>::default();
        let path = http::uri::PathAndQuery::from_static(path);
        let answer = grpc.unary(tonic::Request::new(v1::GetAccountRequest::default()), path, codec).await;
        assert_eq!(answer.unwrap_err().code(), Code::Unimplemented);
    }

    let expected = [
        (calls("redbank.v1.Bank", "CreateAccount", "OK"), 3.0),
        (calls("redbank.v1.Bank", "Deposit", "OK"), 5.0),
        (calls("redbank.v1.Bank", "Withdraw", "FAILED_PRECONDITION"), 2.0),
        (calls("redbank.v1.Bank", "GetAccount", "NOT_FOUND"), 1.0),
        (calls("BankService", "GetBalance", "OK"), 4.0),
        (calls("unknown", "unknown", "UNIMPLEMENTED"), 2.0),
        (calls("redbank.v1.Bank", "Deposit", "INTERNAL"), 0.0),
        (
            "redbank_grpc_request_duration_seconds_count{method=\"Deposit\",service=\"redbank.v1.Bank\"}"
                .into(),
            5.0,
        ),
        ("redbank_redis_script_calls_total{script=\"post\"}".into(), 7.0),
        ("redbank_redis_script_calls_total{script=\"create_account\"}".into(), 3.0),
        ("redbank_redis_script_failures_total{script=\"post\"}".into(), 0.0),
        ("redbank_batch_changes_count".into(), 7.0),
        ("redbank_batch_changes_sum".into(), 7.0),
        ("redbank_redis_up".into(), 1.0),
    ];
    // A call is counted when its response has left; give the last one a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    let scraped = loop {
        let (status, body) = http_get(metrics_addr, "/metrics").await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        let scraped = samples(&body);
        if expected.iter().all(|(k, v)| scraped.get(k) == Some(v)) || Instant::now() > deadline {
            break scraped;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for (key, value) in &expected {
        assert_eq!(scraped.get(key), Some(value), "{key}");
    }
    // Latency buckets from a tenth of a millisecond to ten seconds.
    let deposit_buckets: Vec<&String> = scraped
        .keys()
        .filter(|k| {
            k.starts_with("redbank_grpc_request_duration_seconds_bucket{")
                && k.contains("\"Deposit\"")
                && k.contains("redbank.v1.Bank")
        })
        .collect();
    assert_eq!(deposit_buckets.len(), 17, "16 bounds and +Inf");
    assert!(scraped.contains_key("redbank_grpc_request_duration_seconds_bucket{le=\"0.0001\",method=\"Deposit\",service=\"redbank.v1.Bank\"}"));
    assert!(scraped.get("redbank_connections_open").is_some_and(|n| *n >= 1.0));
    assert!(scraped.get("process_resident_memory_bytes").is_some_and(|n| *n > 1e6));
    assert!(scraped.get("process_open_fds").is_some_and(|n| *n > 3.0));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    assert!(scraped.get("process_start_time_seconds").is_some_and(|t| *t > now - 3600.0 && *t <= now));
    let build = format!(
        "redbank_build_info{{commit=\"{}\",version=\"{}\"}}",
        redbank_server::metrics::COMMIT,
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(scraped.get(&build), Some(&1.0), "{build}");
    // Conventional types, and HELP for every family.
    let (_, text) = http_get(metrics_addr, "/metrics").await;
    assert!(text.contains("# TYPE process_cpu_seconds_total counter"), "{text}");
    for family in text.lines().filter_map(|l| l.strip_prefix("# TYPE ")?.split(' ').next()) {
        assert!(text.contains(&format!("# HELP {family} ")), "no HELP for {family}");
    }
    assert_eq!(http_get(metrics_addr, "/other").await.0, "HTTP/1.1 404 Not Found");
    // Every family the server exports is in the operator's documentation.
    let (_, body) = http_get(metrics_addr, "/metrics").await;
    let documented = doc("OPERATING.md");
    let families: Vec<&str> =
        body.lines().filter_map(|l| l.strip_prefix("# TYPE ")?.split(' ').next()).collect();
    assert!(families.len() >= 10, "{families:?}");
    for family in families {
        assert!(documented.contains(&format!("`{family}`")), "docs/OPERATING.md does not name {family}");
    }
    app.stop().await;
}

/// The console's requests are counted by route pattern (never the path a client
/// made up) and status, and timed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_requests_are_counted_by_route_and_status() {
    let metrics_addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let web: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| {
        c.metrics_listen = Some(metrics_addr);
        c.web_listen = Some(web);
    })
    .await;
    for _ in 0..3 {
        assert_eq!(http_get(web, "/signin").await.0, "HTTP/1.1 200 OK");
    }
    for path in ["/made/up/1", "/made/up/2"] {
        assert_eq!(http_get(web, path).await.0, "HTTP/1.1 404 Not Found");
    }
    // Not signed in: the account page sends the browser to sign in.
    let (status, _) = http_get(web, "/accounts/some-account").await;
    assert!(status.starts_with("HTTP/1.1 303"), "{status}");
    let (_, body) = http_get(metrics_addr, "/metrics").await;
    let scraped = samples(&body);
    let count = |route: &str, status: &str| {
        scraped
            .get(&format!("redbank_console_requests_total{{route=\"{route}\",status=\"{status}\"}}"))
            .copied()
    };
    assert_eq!(count("/signin", "200"), Some(3.0), "{body}");
    assert_eq!(count("unmatched", "404"), Some(2.0), "{body}");
    assert_eq!(count("/accounts/{id}", "303"), Some(1.0), "{body}");
    assert!(!body.contains("made/up"), "a client's path never becomes a label");
    assert_eq!(
        scraped.get("redbank_console_request_duration_seconds_count{route=\"/signin\"}").copied(),
        Some(3.0)
    );
    let documented = doc("OPERATING.md");
    for family in ["redbank_console_requests_total", "redbank_console_request_duration_seconds"] {
        assert!(documented.contains(&format!("`{family}`")), "docs/OPERATING.md does not name {family}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_log_has_one_line_per_call_with_what_an_operator_needs() {
    let redis = RedisServer::start();
    let port = free_port();
    let web: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut child = Reaped(
        std::process::Command::new(env!("CARGO_BIN_EXE_redbank-server"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--redis-url", &redis.url()])
            .args(["--web-listen", &web.to_string()])
            .args([
                "--log-level",
                "warn,redbank::access=info,redbank::console_access=info,redbank_server=info",
                "--log-format",
                "json",
            ])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    authorize(addr, &admin_key(&redis.url()).await);
    wait_serving(addr).await;
    let mut c = redbank_api::v1::bank_client::BankClient::new(channel(addr).await);
    create(&mut c, "log", "USD").await;
    let mut request = tonic::Request::new(withdraw_req("log", usd(5, 0), "req-log-1"));
    request
        .metadata_mut()
        .insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
    assert!(c.withdraw(request).await.is_err());
    c.deposit(deposit_req("log", usd(5, 0), "req-log-2")).await.unwrap();
    assert_eq!(http_get(web, "/signin").await.0, "HTTP/1.1 200 OK");
    assert_eq!(http_get(web, "/no/such/page").await.0, "HTTP/1.1 404 Not Found");
    tokio::time::sleep(Duration::from_millis(200)).await;
    std::process::Command::new("kill").args(["-TERM", &child.0.id().to_string()]).status().unwrap();
    let output = tokio::task::block_in_place(|| {
        let _ = child.0.wait();
        let mut text = String::new();
        std::io::Read::read_to_string(child.0.stderr.as_mut().unwrap(), &mut text).unwrap();
        text
    });
    let lines: Vec<serde_json::Value> = output
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["target"] == "redbank::access")
        .collect();
    let find = |method: &str| {
        lines
            .iter()
            .find(|v| v["method"] == method)
            .unwrap_or_else(|| panic!("no line for {method}:\n{output}"))
    };
    // Flat: every field beside the message, no "fields" object.
    let withdraw = find("/redbank.v1.Bank/Withdraw");
    assert!(withdraw.get("fields").is_none(), "{withdraw}");
    assert_eq!(withdraw["code"], "FAILED_PRECONDITION");
    assert_eq!(withdraw["reason"], "INSUFFICIENT_FUNDS");
    assert_eq!(withdraw["request_id"], "req-log-1");
    assert_eq!(withdraw["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert!(withdraw["peer"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert!(withdraw["duration_us"].as_u64().unwrap() > 0, "whole microseconds: {withdraw}");
    // Who made the call: the admin key the test bootstrapped.
    assert_eq!(withdraw["actor"].as_str().unwrap(), format!("key:{}", &server_key(addr)[4..20]));
    let deposit = find("/redbank.v1.Bank/Deposit");
    assert_eq!((deposit["code"].as_str(), deposit["request_id"].as_str()), (Some("OK"), Some("req-log-2")));
    // One line per call: create, withdraw, deposit, and the health checks.
    let bank_lines =
        lines.iter().filter(|v| v["method"].as_str().unwrap_or("").starts_with("/redbank.v1.Bank/")).count();
    assert_eq!(bank_lines, 3);
    // The console's own access log: a line per request, by route pattern.
    let console = output_lines(&output, "redbank::console_access");
    let signin = console.iter().find(|v| v["route"] == "/signin").unwrap_or_else(|| panic!("{output}"));
    assert_eq!((signin["method"].as_str(), signin["status"].as_u64()), (Some("GET"), Some(200)));
    assert!(
        signin["duration_us"].as_u64().is_some()
            && signin["peer"].as_str().unwrap().starts_with("127.0.0.1:")
    );
    assert!(console.iter().any(|v| v["route"] == "unmatched" && v["status"] == 404), "{output}");
    // The start says what runs, in values a machine can match on.
    let start = output
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["message"].as_str().is_some_and(|m| m.starts_with("redbank-server serving")))
        .unwrap_or_else(|| panic!("no start line:\n{output}"));
    assert_eq!(start["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(start["auth"], "required");
    assert_eq!((start["metrics"].as_bool(), start["traces"].as_bool()), (Some(false), Some(false)));
}
