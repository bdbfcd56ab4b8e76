//! The `redbank` binary against a real server and a real Redis.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::process::Output;

use redbank_testkit::RedisServer;
use serde_json::Value;

struct App {
    _redis: RedisServer,
    addr: SocketAddr,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn spawn_app() -> App {
    let redis = RedisServer::start();
    let config = redbank_server::Config::for_redis(redis.url());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(redbank_server::run(listener, config, async {
        let _ = rx.await;
    }));
    App { _redis: redis, addr, _shutdown: tx }
}

async fn redbank(app: &App, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
        .arg("--endpoint")
        .arg(format!("http://{}", app.addr))
        .args(args)
        .output()
        .await
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_prints_the_classic_results() {
    let app = spawn_app().await;
    let out = redbank(&app, &["demo", "--account", "demo-1"]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    for expected in [
        "Created demo-1 (savings): balance 0.00 USD",
        "Deposited 1000.00 USD on demo-1: balance 1000.00 USD",
        "Account demo-1 (savings): balance 1000.00 USD, version 1",
        "Withdrew 200.00 USD on demo-1: balance 800.00 USD",
        "Interest 40.00 USD on demo-1: balance 840.00 USD",
        "Account demo-1 (savings): balance 840.00 USD, version 3",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_with_json_output_and_errors() {
    let app = spawn_app().await;
    let out = redbank(&app, &["--json", "create", "yen-1", "--type", "checking", "--currency", "jpy"]).await;
    assert!(out.status.success());
    let v = json(&out);
    assert_eq!(v["balance"]["currency"], "JPY");
    assert_eq!(v["type"], "checking");

    let out =
        redbank(&app, &["--json", "deposit", "yen-1", "1500", "--memo", "gift", "--request-id", "r-1"]).await;
    let first = json(&out);
    assert_eq!(first["transaction"]["amount"]["amount"], "1500");
    assert_eq!(first["transaction"]["memo"], "gift");
    // The same request id again: the first answer, applied once.
    let again = json(
        &redbank(&app, &["--json", "deposit", "yen-1", "1500", "--memo", "gift", "--request-id", "r-1"])
            .await,
    );
    assert_eq!(again, first);

    let out = redbank(&app, &["--json", "withdraw", "yen-1", "500"]).await;
    assert_eq!(json(&out)["account"]["balance"]["amount"], "1000");
    let out =
        redbank(&app, &["--json", "interest", "apply", "yen-1", "--rate", "3.65", "--days", "30"]).await;
    assert_eq!(json(&out)["transaction"]["amount"]["amount"], "3");
    let out = redbank(&app, &["--json", "get", "yen-1"]).await;
    let v = json(&out);
    assert_eq!((v["balance"]["amount"].as_str(), v["version"].as_i64()), (Some("1003"), Some(3)));

    let out = redbank(&app, &["--json", "withdraw", "yen-1", "5000"]).await;
    assert!(!out.status.success());
    let v = json(&out);
    assert_eq!(v["error"]["reason"], "INSUFFICIENT_FUNDS");
    assert_eq!(v["error"]["metadata"]["balance"], "1003");

    let out = redbank(&app, &["get", "nobody"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ACCOUNT_NOT_FOUND"));

    // Half a yen cannot be sent: refused by the CLI itself.
    let out = redbank(&app, &["deposit", "yen-1", "0.5"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("minor units"));
}
