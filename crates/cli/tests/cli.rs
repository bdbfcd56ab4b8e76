//! The `redbank` binary against a real server and a real Redis.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::process::Output;

use redbank_testkit::{Persistence, RedisServer};
use serde_json::Value;

struct App {
    redis: RedisServer,
    addr: SocketAddr,
    /// An admin key, made as an operator bootstraps one; every run of the CLI here
    /// sends it (REDBANK_TOKEN).
    admin: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn spawn_app() -> App {
    spawn_app_with(Persistence::None).await
}

async fn spawn_app_with(persistence: Persistence) -> App {
    let redis = RedisServer::start_with(persistence);
    let config = redbank_server::Config::for_redis(redis.url());
    let admin = admin_key(&redis.url()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(redbank_server::run(listener, config, async {
        let _ = rx.await;
    }));
    App { redis, addr, admin, _shutdown: tx }
}

/// An admin key made straight in Redis with `redbank keys create --redis-url`.
async fn admin_key(redis_url: &str) -> String {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
        .args([
            "--json",
            "keys",
            "create",
            "--role",
            "admin",
            "--description",
            "tests",
            "--redis-url",
            redis_url,
        ])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    json(&out)["credential"].as_str().unwrap().to_owned()
}

async fn redbank(app: &App, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
        .env("REDBANK_TOKEN", &app.admin)
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

/// Runs `redbank interest post` as a child process.
fn interest_post(app: &App, period: &str, extra: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
        .env("REDBANK_TOKEN", &app.admin)
        .arg("--endpoint")
        .arg(format!("http://{}", app.addr))
        .args(["--json", "interest", "post", "--period", period, "--rate", "savings=4.25"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// For each account: how many interest entries it has. Each account holds its one
/// deposit since before the months posted, so each month's interest must be the
/// domain's interest on that deposit for every day of the month in its memo.
async fn interest_entries(redis: &RedisServer, ids: &[String], rate: &str) -> Vec<usize> {
    use redbank_domain::{AnnualRate, InterestDays, RateCeiling, TransactionKind, interest_minor};
    let store = redbank_store::Store::connect(&redbank_store::StoreConfig::new(redis.url())).unwrap();
    let rate = AnnualRate::parse(rate, RateCeiling::default()).unwrap();
    let mut counts = Vec::new();
    for id in ids {
        let history = store.history(&redbank_domain::AccountId::parse(id).unwrap()).await.unwrap();
        let deposit = history.iter().find(|t| t.kind == TransactionKind::Deposit).unwrap().amount.minor();
        let interest: Vec<_> = history.iter().filter(|t| t.kind == TransactionKind::Interest).collect();
        for t in &interest {
            let period = redbank_domain::InterestPeriod::parse(&t.memo.as_str()[9..16]).unwrap();
            let days = InterestDays::from_request(period.days() as i32).unwrap();
            assert_eq!(t.amount.minor(), interest_minor(deposit, rate, days), "{id}");
        }
        counts.push(interest.len());
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interest_posting_is_exactly_once_per_account_and_period() {
    let app = spawn_app().await;
    let mut savings = Vec::new();
    for i in 0..120 {
        let id = format!("sav-{i:03}");
        redbank(&app, &["create", &id, "--type", "savings"]).await;
        let out = redbank(&app, &["deposit", &id, &format!("{}.{:02}", 100 + i * 7, i % 100)]).await;
        assert!(out.status.success());
        savings.push(id);
    }
    for i in 0..10 {
        let id = format!("chk-{i}");
        redbank(&app, &["create", &id, "--type", "checking"]).await;
        redbank(&app, &["deposit", &id, "50"]).await;
    }
    redbank(&app, &["create", "sav-frozen", "--type", "savings"]).await;
    redbank(&app, &["deposit", "sav-frozen", "10"]).await;
    assert!(redbank(&app, &["freeze", "sav-frozen", "--reason", "audit"]).await.status.success());
    // A savings account with nothing in it: its interest is nothing, every run.
    redbank(&app, &["create", "sav-empty", "--type", "savings"]).await;

    // The two months before this one (only months that have ended are posted),
    // with every account funded before they began.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let this_month = redbank_domain::InterestPeriod::containing(now);
    let before = this_month.before().before().bounds_millis().0 - 60 * 60 * 1000;
    let checking: Vec<String> = (0..10).map(|i| format!("chk-{i}")).collect();
    for id in savings.iter().chain(&checking) {
        redbank_testkit::backdate(&app.redis, id, before, &[before + 1000]);
    }
    redbank_testkit::backdate(&app.redis, "sav-frozen", before, &[before + 1000, before + 2000]);
    redbank_testkit::backdate(&app.redis, "sav-empty", before, &[]);
    let (newer, older) = (this_month.before().to_string(), this_month.before().before().to_string());
    let (newer, older) = (newer.as_str(), older.as_str());
    let open = redbank(
        &app,
        &["--json", "interest", "post", "--period", &this_month.to_string(), "--rate", "savings=4.25"],
    )
    .await;
    assert!(!open.status.success());
    assert!(stdout(&open).contains("PERIOD_NOT_POSTABLE"), "{}", stdout(&open));

    // Two copies at once.
    let (a, b) = (interest_post(&app, older, &[]), interest_post(&app, older, &[]));
    let (a, b) = (a.wait_with_output().await.unwrap(), b.wait_with_output().await.unwrap());
    assert!(
        a.status.success() && b.status.success(),
        "{}{}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
    let (ja, jb) = (json(&a), json(&b));
    assert_eq!((ja["accounts"].as_u64(), jb["accounts"].as_u64()), (Some(121), Some(121)));
    assert_eq!(ja["posted_by_this_run"].as_u64().unwrap() + jb["posted_by_this_run"].as_u64().unwrap(), 120);
    assert_eq!((ja["nothing_to_post"].as_u64(), jb["nothing_to_post"].as_u64()), (Some(1), Some(1)));
    assert_eq!(ja["totals"], jb["totals"], "both report the same postings");
    assert_eq!(interest_entries(&app.redis, &savings, "4.25").await, vec![1; 120]);
    let others: Vec<String> = (0..10).map(|i| format!("chk-{i}")).chain(["sav-frozen".to_owned()]).collect();
    assert_eq!(interest_entries(&app.redis, &others, "4.25").await, vec![0; 11]);

    // The same rate written otherwise is the same rate: nothing posted twice.
    let again =
        redbank(&app, &["--json", "interest", "post", "--period", older, "--rate", "savings=4.250"]).await;
    assert!(again.status.success(), "{}", stdout(&again));
    let j = json(&again);
    assert_eq!(
        (j["posted_by_this_run"].as_u64(), j["already_posted"].as_u64(), j["nothing_to_post"].as_u64()),
        (Some(0), Some(120), Some(1)),
        "a rerun posts nothing and says so"
    );
    assert_eq!(j["paid_by_this_run"], serde_json::json!([]));
    assert_eq!(j["totals"], ja["totals"], "the month's total, as the first runs found it");
    // The month's statement shows its interest, as posted.
    let older_month = redbank_domain::InterestPeriod::parse(older).unwrap();
    let (first, end) = older_month.bounds_millis();
    let day = |ms: i64| redbank_domain::calendar::format_millis(ms)[..10].to_owned();
    let statement =
        redbank(&app, &["statement", "sav-000", "--from", &day(first), "--to", &day(end - 1)]).await;
    let expected = redbank_domain::interest_minor(
        10_000,
        redbank_domain::AnnualRate::parse("4.25", redbank_domain::RateCeiling::default()).unwrap(),
        redbank_domain::InterestDays::from_request(older_month.days() as i32).unwrap(),
    );
    let line = format!(
        "Interest for the month: {}.{:02} USD at 4.25% a year, posted",
        expected / 100,
        expected % 100
    );
    assert!(stdout(&statement).contains(&line), "{line} in {}", stdout(&statement));
    // In words too.
    let words = redbank(&app, &["interest", "post", "--period", older, "--rate", "savings=4.25"]).await;
    let words = stdout(&words);
    assert!(
        words.contains("0 posted by this run, 120 already posted, 1 with nothing to post")
            && words.contains("Paid by this run: nothing"),
        "{words}"
    );

    // Killed halfway, then run again: every account once for the newer month.
    let mut slow = interest_post(&app, newer, &["--concurrency", "1", "--max-per-second", "100"]);
    let mut conn = app.redis.connection();
    let posted = |conn: &mut redis::Connection| {
        savings
            .iter()
            .filter(|id| {
                redis::cmd("HEXISTS")
                    .arg(format!("acct:{{{id}}}:interest"))
                    .arg(newer)
                    .query::<bool>(conn)
                    .unwrap()
            })
            .count()
    };
    // Kill it once a few accounts are posted: at 100 per second, far from all 120.
    for _ in 0..500 {
        if posted(&mut conn) >= 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    slow.start_kill().unwrap();
    slow.wait().await.unwrap();
    let done = posted(&mut conn);
    assert!(done > 0 && done < 120, "the kill was meant to land halfway: {done} of 120 posted");
    let rerun = interest_post(&app, newer, &[]).wait_with_output().await.unwrap();
    assert!(rerun.status.success());
    let j = json(&rerun);
    assert_eq!((j["accounts"].as_u64(), j["already_posted"].as_u64()), (Some(121), Some(done as u64)));
    let counts = interest_entries(&app.redis, &savings, "4.25").await;
    // Two periods: the older posting and the newer one.
    assert_eq!(counts, vec![2; 120]);

    // Posting a period again with another rate is refused, not applied.
    let out = redbank(&app, &["--json", "interest", "post", "--period", older, "--rate", "savings=5"]).await;
    assert!(!out.status.success());
    assert!(stdout(&out).contains("INTEREST_ALREADY_POSTED"), "{}", stdout(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_history_statement_and_lifecycle_commands() {
    let app = spawn_app().await;
    redbank(&app, &["create", "alice", "--type", "checking"]).await;
    redbank(&app, &["create", "bob", "--type", "savings"]).await;
    redbank(&app, &["deposit", "alice", "100", "--memo", "pay, \"Nov\""]).await;
    let out = redbank(&app, &["--json", "transfer", "alice", "bob", "30.25", "--memo", "=rent"]).await;
    let v = json(&out);
    assert_eq!(v["from_account"]["balance"]["amount"], "69.75");
    assert_eq!(v["to_account"]["balance"]["amount"], "30.25");
    assert_eq!(v["from_transaction"]["transfer_id"], v["to_transaction"]["transfer_id"]);

    let out = redbank(&app, &["--json", "history", "alice"]).await;
    let rows = json(&out)["transactions"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["kind"], "transfer_out");
    assert_eq!(rows[1]["kind"], "deposit");
    let out = redbank(&app, &["--json", "history", "alice", "--kind", "deposit"]).await;
    assert_eq!(json(&out)["transactions"].as_array().unwrap().len(), 1);

    let today = {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        redbank_domain::calendar::format_millis(now)[..10].to_owned()
    };
    let out = redbank(&app, &["statement", "alice", "--from", &today, "--to", &today]).await;
    assert!(out.status.success());
    let table = stdout(&out);
    for expected in ["opening balance", "closing balance", "+100.00", "-30.25", "69.75", "in 100.00 USD"] {
        assert!(table.contains(expected), "missing {expected:?} in\n{table}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.csv");
    let out = redbank(
        &app,
        &["statement", "alice", "--from", &today, "--to", &today, "--csv", path.to_str().unwrap()],
    )
    .await;
    assert!(out.status.success());
    let csv = std::fs::read_to_string(&path).unwrap();
    assert_eq!(csv.matches("\r\n").count(), 5, "RFC 4180: every line ends in CRLF");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "date,kind,amount,balance,currency,counterparty,memo,transaction_id,request_id,actor"
    );
    assert!(lines[1].contains(",opening_balance,,0.00,USD,"));
    assert!(lines[2].contains(",deposit,+100.00,100.00,USD,,\"pay, \"\"Nov\"\"\","), "{}", lines[2]);
    assert!(lines[3].contains(",transfer_out,-30.25,69.75,USD,bob,'=rent,"), "{}", lines[3]);
    // Every entry names who made it: here the admin key the CLI sent.
    let actor = format!(",key:{}", &app.admin[4..20]);
    assert!(lines[2].ends_with(&actor) && lines[3].ends_with(&actor), "{}", lines[2]);
    assert!(lines[4].contains(",closing_balance,,69.75,USD,"));
    assert!(lines[4].starts_with(&format!("{today} 23:59:59,")), "dated the last day asked: {}", lines[4]);
    assert_eq!(lines.len(), 5);
    // An existing file is kept unless --force.
    let again = ["statement", "alice", "--from", &today, "--to", &today, "--csv", path.to_str().unwrap()];
    let out = redbank(&app, &again).await;
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), csv);
    let forced: Vec<&str> = again.iter().copied().chain(["--force"]).collect();
    assert!(redbank(&app, &forced).await.status.success());

    assert!(redbank(&app, &["freeze", "bob", "--reason", "kyc"]).await.status.success());
    let out = redbank(&app, &["--json", "deposit", "bob", "1"]).await;
    assert_eq!(json(&out)["error"]["reason"], "ACCOUNT_FROZEN");
    assert!(redbank(&app, &["unfreeze", "bob", "--reason", "kyc done"]).await.status.success());
    let out = redbank(&app, &["--json", "close", "bob", "--reason", "bye"]).await;
    assert_eq!(json(&out)["error"]["reason"], "BALANCE_NOT_ZERO");
    redbank(&app, &["transfer", "bob", "alice", "30.25"]).await;
    let out = redbank(&app, &["--json", "close", "bob", "--reason", "bye"]).await;
    assert_eq!(json(&out)["state"], "closed");
    let out = redbank(&app, &["--json", "accounts"]).await;
    assert_eq!(json(&out)["accounts"].as_array().unwrap().len(), 2);
    assert!(json(&out)["next_page_token"].is_null(), "no more pages: null, not \"\"");
    // Missing values are null, never "": an active account has no state change.
    let out = redbank(&app, &["--json", "get", "alice"]).await;
    let v = json(&out);
    assert!(
        v["state_reason"].is_null() && v["state_change_time"].is_null() && v["customer_id"].is_null(),
        "{v}"
    );
    assert_eq!(v["balance"]["currency"], "USD", "money is always an object: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_commands_reserve_capture_and_void() {
    let app = spawn_app().await;
    redbank(&app, &["create", "shop", "--type", "checking"]).await;
    redbank(&app, &["create", "buyer", "--type", "checking"]).await;
    redbank(&app, &["deposit", "buyer", "100"]).await;
    let out = redbank(
        &app,
        &["--json", "hold", "create", "buyer", "60", "--memo", "auth", "--expire-secs", "3600"],
    )
    .await;
    let v = json(&out);
    assert_eq!(v["hold"]["state"], "open");
    assert_eq!(v["hold"]["amount"], serde_json::json!({"amount": "60.00", "currency": "USD"}));
    assert!(v["hold"]["capture_amount"].is_null() && v["hold"]["settle_time"].is_null(), "{v}");
    assert_eq!(v["transaction"]["kind"], "hold");
    let hold = v["hold"]["hold_id"].as_str().unwrap().to_owned();
    let out = redbank(&app, &["get", "buyer"]).await;
    assert!(
        stdout(&out).contains("balance 100.00 USD (available 40.00 USD, held 60.00 USD)"),
        "{}",
        stdout(&out)
    );
    let out = redbank(&app, &["--json", "withdraw", "buyer", "41"]).await;
    assert_eq!(json(&out)["error"]["reason"], "INSUFFICIENT_FUNDS");

    // The amount is an argument, as create's and transfer's are.
    let out = redbank(&app, &["hold", "capture", &hold, "shop", "45.50"]).await;
    let text = stdout(&out);
    assert!(text.contains("Captured 45.50 USD") && text.contains("released 14.50 USD"), "{text}");
    let out = redbank(&app, &["--json", "hold", "show", &hold]).await;
    assert_eq!(json(&out)["state"], "captured");
    assert_eq!(json(&out)["capture_account_id"], "shop");
    let out = redbank(&app, &["--json", "hold", "void", &hold]).await;
    assert_eq!(json(&out)["error"]["reason"], "HOLD_NOT_OPEN");

    let out = redbank(&app, &["--json", "hold", "create", "buyer", "10"]).await;
    let second = json(&out)["hold"]["hold_id"].as_str().unwrap().to_owned();
    // The account's open holds: only the second (the first was captured).
    let out = redbank(&app, &["--json", "hold", "list", "buyer"]).await;
    let v = json(&out);
    assert_eq!(v["holds"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(
        (v["holds"][0]["hold_id"].as_str(), v["next_page_token"].is_null()),
        (Some(second.as_str()), true)
    );
    let out = redbank(&app, &["hold", "list", "buyer"]).await;
    assert!(stdout(&out).contains(&format!("Hold {second} on buyer: open 10.00 USD")), "{}", stdout(&out));
    let out = redbank(&app, &["--json", "hold", "void", &second]).await;
    assert_eq!(json(&out)["hold"]["state"], "voided");
    let out = redbank(
        &app,
        &["--json", "history", "buyer", "--kind", "hold", "--kind", "release", "--kind", "capture"],
    )
    .await;
    let kinds: Vec<String> = json(&out)["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["release", "hold", "release", "capture", "hold"]);
    let out = redbank(&app, &["--json", "get", "shop"]).await;
    assert_eq!(json(&out)["balance"]["amount"], "45.50");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_runs_both_apis_and_the_money_adds_up() {
    let app = spawn_app().await;
    let url = app.redis.url();
    let out = redbank(
        &app,
        &[
            "--json",
            "bench",
            "--duration-secs",
            "2",
            "--accounts",
            "25",
            "--concurrency",
            "16",
            "--connections",
            "2",
            "--mix",
            "deposit=40,withdraw=30,transfer=20,balance=10",
            "--redis-url",
            &url,
        ],
    )
    .await;
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["money_check"]["passed"], true, "{v}");
    assert_eq!(v["money_check"]["accounts"], 25);
    let ops = v["operations"].as_u64().unwrap();
    assert!(ops > 0);
    assert_eq!(
        v["results"]["OK"].as_u64().unwrap() + v["results"]["INSUFFICIENT_FUNDS"].as_u64().unwrap_or(0),
        ops
    );
    for p in ["p50", "p90", "p99", "p999", "max"] {
        assert!(v["latency_ms"][p].as_f64().unwrap() > 0.0, "{p}");
    }
    // At most one script call per operation (fewer when the server gathers
    // concurrent changes into one call).
    let per_op = v["redis"]["script_calls_per_op"].as_f64().unwrap();
    assert!(per_op > 0.0 && per_op <= 1.0, "{per_op}");

    let out = redbank(
        &app,
        &[
            "--json",
            "bench",
            "--api",
            "classic",
            "--ops",
            "600",
            "--accounts",
            "10",
            "--mix",
            "deposit=50,withdraw=40,balance=10",
        ],
    )
    .await;
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["api"], "classic");
    assert_eq!(v["operations"], 600);
    assert_eq!(v["money_check"]["passed"], true, "{v}");

    // The health check, the floor of a call's latency: every call answered, and
    // no balance changed (the run's five accounts hold their opening balances).
    // Script calls are not counted here: the server's hold sweeper runs its own.
    let out =
        redbank(&app, &["--json", "bench", "--ops", "300", "--accounts", "5", "--mix", "health=100"]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!((v["operations"].as_u64(), v["results"]["OK"].as_u64()), (Some(300), Some(300)), "{v}");
    assert_eq!(v["money_check"]["passed"], true, "{v}");
    assert_eq!(v["money_check"]["total_cents"].as_i64(), Some(5 * 100_000), "{v}");

    let out = redbank(&app, &["bench", "--api", "classic", "--mix", "transfer=100", "--ops", "1"]).await;
    assert!(!out.status.success(), "the classic contract has no transfer");

    // A store with real accounts: bench would leave its funded accounts among
    // them, so it refuses unless told, and creates nothing.
    redbank(&app, &["create", "someone", "--type", "checking"]).await;
    let listed = |out: &Output| json(out)["accounts"].as_array().unwrap().len();
    let before = listed(&redbank(&app, &["--json", "accounts", "--all"]).await);
    let out = redbank(&app, &["--json", "bench", "--ops", "10", "--accounts", "3"]).await;
    assert!(!out.status.success());
    assert!(json(&out)["error"]["message"].as_str().unwrap().contains("--shared-store"), "{}", stdout(&out));
    assert_eq!(listed(&redbank(&app, &["--json", "accounts", "--all"]).await), before);
    let out = redbank(&app, &["--json", "bench", "--ops", "10", "--accounts", "3", "--shared-store"]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_passes_on_a_clean_store_and_fails_loudly_on_a_violation() {
    let app = spawn_app().await;
    redbank(&app, &["create", "c1", "--type", "checking"]).await;
    redbank(&app, &["create", "c2", "--type", "checking"]).await;
    redbank(&app, &["deposit", "c1", "10"]).await;
    redbank(&app, &["transfer", "c1", "c2", "4"]).await;
    let url = app.redis.url();
    let out = redbank(&app, &["--json", "check", "--redis-url", &url]).await;
    assert!(out.status.success(), "{}", stdout(&out));
    let v = json(&out);
    assert_eq!(
        (v["passed"].as_bool(), v["accounts"].as_u64(), v["transfers"].as_u64()),
        (Some(true), Some(2), Some(1))
    );
    assert_eq!(v["totals_minor_units"]["USD"]["balances"], 1000);

    let _: () =
        redis::cmd("HSET").arg("acct:{c2}").arg("bal").arg("401").query(&mut app.redis.connection()).unwrap();
    let out = redbank(&app, &["check", "--redis-url", &url]).await;
    assert!(!out.status.success());
    let text = stdout(&out);
    assert!(text.contains("VIOLATION: account c2: balance 401 but its entries sum to 400"), "{text}");
    assert!(text.contains("INVARIANTS VIOLATED"));
}

/// The CLI retries UNAVAILABLE with the same request id and backoff: a deposit sent
/// while Redis is down lands once Redis is back, exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_rides_through_a_redis_restart_with_the_same_request_id() {
    let mut app = spawn_app_with(Persistence::AofAlways).await;
    let endpoint = format!("http://{}", app.addr);
    let token = app.admin.clone();
    let cli = |args: &[&str]| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
            .env("REDBANK_TOKEN", &token)
            .arg("--endpoint")
            .arg(&endpoint)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    assert!(cli(&["create", "r1", "--type", "savings"]).wait().await.unwrap().success());
    tokio::task::block_in_place(|| app.redis.kill());
    let deposit = cli(&["--json", "deposit", "r1", "2.50", "--currency", "USD", "--request-id", "retry-1"]);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    tokio::task::block_in_place(|| app.redis.restart());
    let out = deposit.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["transaction"]["request_id"], "retry-1");
    let again = cli(&["--json", "deposit", "r1", "2.50", "--currency", "USD", "--request-id", "retry-1"]);
    let again = again.wait_with_output().await.unwrap();
    assert_eq!(json(&again)["account"]["balance"]["amount"], "2.50", "applied once");
}

/// `redbank archive` moves history before a cutoff into a JSON Lines file, chunk by
/// chunk (an account here has more entries than one chunk), and leaves balances,
/// statements after the cutoff and the checker exact; a statement that reaches into
/// the archived part is refused with HISTORY_ARCHIVED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_moves_old_history_to_a_file_and_everything_still_adds_up() {
    use redbank_domain::{AccountId, Amount, BalanceChange, Currency, Memo};
    use redbank_store::{ARCHIVE_CHUNK_MAX, PostRequest, Store, StoreConfig};

    let app = spawn_app().await;
    redbank(&app, &["create", "old", "--type", "checking"]).await;
    redbank(&app, &["create", "other", "--type", "savings"]).await;
    let store = Store::connect(&StoreConfig::new(app.redis.url())).unwrap();
    let old = AccountId::parse("old").unwrap();
    let cent = Amount::from_minor(Currency::parse("USD").unwrap(), 1).unwrap();
    let deposits = ARCHIVE_CHUNK_MAX * 2 + 100;
    let change = PostRequest {
        account: old.clone(),
        change: BalanceChange::Deposit(cent),
        request_id: None,
        memo: Memo::default(),
        by: redbank_domain::Principal::operator(),
    };
    for _ in 0..deposits / 100 {
        for result in store.post_all(&vec![change.clone(); 100]).await.unwrap() {
            result.unwrap();
        }
    }
    redbank(&app, &["transfer", "old", "other", "5.00"]).await;
    // A statement longer than one page (1,000 entries): the CLI follows the pages.
    let statement_dir = tempfile::tempdir().unwrap();
    let csv = statement_dir.path().join("long.csv");
    // Yesterday and today (UTC), so that a run across midnight still covers them.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let day = |millis: i64| redbank_domain::calendar::format_millis(millis)[..10].to_owned();
    let (from, to) = (day(now - 86_400_000), day(now));
    let out =
        redbank(&app, &["statement", "old", "--from", &from, "--to", &to, "--csv", csv.to_str().unwrap()])
            .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&csv).unwrap();
    // A header, the opening row, one row per entry, the closing row.
    assert_eq!(text.lines().count(), deposits + 1 + 3, "every entry of every page");
    let closing = text.lines().last().unwrap();
    assert!(closing.contains(",closing_balance,,16.00,USD"), "21.00 in, 5.00 out: {closing}");
    // A history longer than one read chunk is read whole.
    let versions: Vec<i64> = store.history(&old).await.unwrap().iter().map(|t| t.account_version).collect();
    assert_eq!(versions, (1..=deposits as i64 + 1).collect::<Vec<_>>());
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query(&mut app.redis.connection()).unwrap();
    let cut = (secs * 1000 + micros / 1000).to_string();
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    redbank(&app, &["deposit", "old", "1.00"]).await;
    redbank(&app, &["transfer", "other", "old", "2.00"]).await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.jsonl");
    let file_arg = file.to_str().unwrap();
    let url = app.redis.url();
    let args = ["--json", "archive", "--redis-url", &url, "--before-millis", &cut, "--out", file_arg];
    let out = redbank(&app, &args).await;
    assert!(out.status.success(), "{}", stdout(&out));
    let v = json(&out);
    assert_eq!(
        (v["entries_archived"].as_u64(), v["accounts_archived"].as_u64()),
        (Some(deposits as u64 + 2), Some(2))
    );

    // The file holds every archived entry once, in order per account, with its
    // amounts and balances; the last one of `old` is where its live history starts.
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), deposits + 2);
    let of = |account: &'static str| lines.iter().filter(move |l| l["account_id"] == account);
    assert_eq!(of("old").count(), deposits + 1);
    let versions: Vec<u64> = of("old").map(|l| l["account_version"].as_u64().unwrap()).collect();
    assert_eq!(versions, (1..=deposits as u64 + 1).collect::<Vec<_>>());
    let last = of("old").next_back().unwrap();
    assert_eq!((last["kind"].as_str(), last["amount"].as_str()), (Some("transfer_out"), Some("5.00")));
    assert_eq!(last["balance_after_minor"], deposits as i64 - 500);
    let other = of("other").next().unwrap();
    assert_eq!((other["kind"].as_str(), other["counterparty"].as_str()), (Some("transfer_in"), Some("old")));

    let out = redbank(&app, &["--json", "balance", "old"]).await;
    assert_eq!(json(&out)["balance"]["amount"], format!("{}.00", deposits / 100 - 5 + 1 + 2));
    let out = redbank(&app, &["--json", "history", "old"]).await;
    assert_eq!(json(&out)["transactions"].as_array().unwrap().len(), 2);
    let out = redbank(&app, &["--json", "check", "--redis-url", &url]).await;
    assert!(out.status.success(), "{}", stdout(&out));
    let v = json(&out);
    assert_eq!((v["entries"].as_u64(), v["archived_entries"].as_u64()), (Some(3), Some(deposits as u64 + 2)));

    let today = redbank_domain::calendar::format_millis(cut.parse().unwrap())[..10].to_owned();
    let out = redbank(&app, &["--json", "statement", "old", "--from", &today, "--to", &today]).await;
    assert!(!out.status.success());
    let v = json(&out);
    assert_eq!(v["error"]["reason"], "HISTORY_ARCHIVED");
    assert_eq!(v["error"]["code"], "FAILED_PRECONDITION");

    // Nothing is left to archive; an existing file is never overwritten; a cutoff
    // in the future is refused.
    let again = dir.path().join("again.jsonl");
    let args =
        ["--json", "archive", "--redis-url", &url, "--before-millis", &cut, "--out", again.to_str().unwrap()];
    assert_eq!(json(&redbank(&app, &args).await)["entries_archived"], 0);
    let args = ["archive", "--redis-url", &url, "--before-millis", &cut, "--out", file_arg];
    let out = redbank(&app, &args).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot create"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    let future = dir.path().join("future.jsonl");
    let args = ["archive", "--redis-url", &url, "--before", "2999-01-01", "--out", future.to_str().unwrap()];
    let out = redbank(&app, &args).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("in the future"));
    assert!(!future.exists());
    let args = ["archive", "--redis-url", &url, "--before-millis", &cut, "--account", "nobody", "--out"];
    let out = redbank(&app, &[&args[..], &[future.to_str().unwrap()]].concat()).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("account nobody not found"));
    assert!(!future.exists());
}

/// Runs `redbank` with `args` and no endpoint of ours (for the endpoint forms).
async fn redbank_raw(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank")).args(args).output().await.unwrap()
}

/// The rough edges a person meets within minutes, each gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_has_no_rough_edges() {
    let app = spawn_app().await;
    for i in 0..7 {
        redbank(&app, &["create", &format!("p{i}"), "--type", "savings"]).await;
    }
    for i in 0..5 {
        redbank(&app, &["deposit", "p0", &format!("1.{i:02}"), "--memo", &"memo ".repeat(40)]).await;
    }

    // `| head -2`: stops quietly, no panic, exit 0.
    let piped = std::process::Command::new("sh")
        .env("REDBANK_TOKEN", &app.admin)
        .arg("-c")
        .arg(format!(
            "'{}' --endpoint http://{} history p0 --limit 5 | head -1; exit ${{PIPESTATUS:-0}}",
            env!("CARGO_BIN_EXE_redbank"),
            app.addr
        ))
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    // A listing larger than a pipe buffer, read by head: the writer stops quietly.
    let big = std::process::Command::new("bash")
        .env("REDBANK_TOKEN", &app.admin)
        .arg("-c")
        .arg(format!(
            "set -o pipefail; for i in $(seq 1 50); do '{}' --endpoint http://{} accounts; done | head -1",
            env!("CARGO_BIN_EXE_redbank"),
            app.addr
        ))
        .output()
        .unwrap();
    assert!(big.status.success(), "{}", String::from_utf8_lossy(&big.stderr));

    // Every command's --json is one valid JSON document.
    for args in [
        &["--json", "accounts"][..],
        &["--json", "accounts", "--all"],
        &["--json", "get", "p0"],
        &["--json", "history", "p0"],
        &["--json", "deposit", "p1", "1"],
        &["--json", "demo"],
        &["--json", "get", "nobody"],
    ] {
        let out = redbank(&app, args).await;
        let text = stdout(&out);
        assert!(
            serde_json::from_str::<Value>(&text).is_ok(),
            "{args:?} printed no single JSON document:\n{text}"
        );
    }
    let history = json(&redbank(&app, &["--json", "history", "p0", "--limit", "2"]).await);
    let time = history["transactions"][0]["create_time"].as_str().unwrap().to_owned();
    assert!(time.len() == 24 && time.as_bytes()[10] == b'T' && time.ends_with('Z'), "RFC 3339: {time}");
    let token = history["next_page_token"].as_str().unwrap().to_owned();
    assert!(!token.is_empty(), "a list that stops early carries its token");
    let rest =
        json(&redbank(&app, &["--json", "history", "p0", "--limit", "10", "--page-token", &token]).await);
    assert_eq!(rest["transactions"].as_array().unwrap().len(), 3, "the token resumes after the first two");

    // Paging of accounts: a limit says when more exist; --all lists them all.
    let out = redbank(&app, &["accounts", "--limit", "3"]).await;
    assert_eq!(stdout(&out).lines().filter(|l| l.starts_with("Account ")).count(), 3);
    assert!(stdout(&out).contains("more accounts exist"), "{}", stdout(&out));
    let all = json(&redbank(&app, &["--json", "accounts", "--all"]).await);
    // Seven, and the demo's.
    assert_eq!(all["accounts"].as_array().unwrap().len(), 8);
    assert!(all["next_page_token"].is_null());

    // history --from/--to, and kinds in any case.
    let today = redbank_domain::calendar::format_millis(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64,
    )[..10]
        .to_owned();
    let ranged = json(
        &redbank(&app, &["--json", "history", "p0", "--from", "2000-01-01", "--to", "2000-01-31"]).await,
    );
    assert_eq!(ranged["transactions"].as_array().unwrap().len(), 0);
    let upper =
        json(&redbank(&app, &["--json", "history", "p0", "--kind", "DEPOSIT", "--from", &today]).await);
    let rows = upper["transactions"].as_array().unwrap().len();
    assert!(rows == 5 || rows == 0, "all of today's deposits (none if the day turned): {rows}");

    // Tables fit 80 columns, long memos cut.
    let table = stdout(&redbank(&app, &["history", "p0"]).await);
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
    assert!(table.contains('…'));

    // Endpoint forms: host:port works; https:// against this plaintext server does not.
    let bare =
        redbank_raw(&["--endpoint", &app.addr.to_string(), "--token", &app.admin, "--json", "get", "p0"])
            .await;
    assert!(bare.status.success(), "{}", String::from_utf8_lossy(&bare.stderr));
    let tls = redbank_raw(&["--endpoint", &format!("https://{}", app.addr), "--json", "get", "p0"]).await;
    assert!(!tls.status.success());
    assert_eq!(json(&tls)["error"]["reason"], "INVALID_ENDPOINT");

    // Errors the CLI finds itself carry the reason the server would give.
    let out = redbank(&app, &["--json", "deposit", "p0", "12.345"]).await;
    assert_eq!(json(&out)["error"]["reason"], "INVALID_AMOUNT");
    let out = redbank(&app, &["--json", "deposit", "p0", "1", "--currency", "XYZ"]).await;
    assert_eq!(json(&out)["error"]["reason"], "INVALID_CURRENCY");
    let out = redbank(&app, &["--json", "history", "p0", "--kind", "bogus"]).await;
    assert_eq!(json(&out)["error"]["reason"], "INVALID_KIND");

    // check and archive read Redis only when told which one.
    for command in [&["check"][..], &["archive", "--keep-days", "1", "--out", "/tmp/x.jsonl"]] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
            .args(command)
            .env_remove("REDBANK_REDIS_URL")
            .output()
            .await
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--redis-url"), "{command:?}");
    }
    // Help: every argument described, no empty defaults, no options a command ignores.
    for command in [
        "create",
        "deposit",
        "withdraw",
        "transfer",
        "history",
        "statement",
        "freeze",
        "get",
        "check",
        "archive",
    ] {
        let help = String::from_utf8_lossy(&redbank_raw(&[command, "--help"]).await.stdout).into_owned();
        assert!(!help.contains("[default: ]") && !help.contains("[default: \"\"]"), "{command}:\n{help}");
        for line in
            help.lines().filter(|l| l.trim_start().starts_with('<') || l.trim_start().starts_with("--"))
        {
            let described = line.split("  ").filter(|part| !part.trim().is_empty()).count() >= 2;
            let wrapped = help.contains(&format!("{}\n          ", line.trim_end()));
            assert!(described || wrapped, "{command}: {line:?} has no description:\n{help}");
        }
        // The operator's commands read Redis itself (the options of the server
        // are global: accepted anywhere, unused here).
        if command == "check" || command == "archive" {
            assert!(help.contains("--redis-url"), "{command}:\n{help}");
        }
    }
}

/// The CLI over TLS with a client certificate (mutual TLS), certificates made now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_speaks_mutual_tls() {
    let dir = tempfile::tempdir().unwrap();
    let pki = redbank_testkit::pki::make_pki(dir.path());
    let (ca_path, client_cert, client_key) = (pki.ca.clone(), pki.client_cert, pki.client_key);

    let redis = RedisServer::start();
    let mut config = redbank_server::Config::for_redis(redis.url());
    config.tls_cert = Some(pki.server_cert);
    config.tls_key = Some(pki.server_key);
    config.tls_client_ca = Some(ca_path.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(redbank_server::run(listener, config, async {
        let _ = rx.await;
    }));
    let endpoint = format!("https://{addr}");
    let admin = admin_key(&redis.url()).await;
    let paths = [ca_path.to_str().unwrap(), client_cert.to_str().unwrap(), client_key.to_str().unwrap()];
    let with_cert = [
        "--endpoint",
        &endpoint,
        "--token",
        &admin,
        "--ca-cert",
        paths[0],
        "--client-cert",
        paths[1],
        "--client-key",
        paths[2],
    ];
    let args: Vec<&str> =
        with_cert.iter().copied().chain(["--json", "create", "tls-1", "--type", "savings"]).collect();
    let created = redbank_raw(&args).await;
    assert!(created.status.success(), "{}{}", stdout(&created), String::from_utf8_lossy(&created.stderr));
    assert_eq!(json(&created)["account_id"], "tls-1");
    // Without the client certificate: refused at the handshake, never answered.
    let args =
        ["--endpoint", &endpoint, "--ca-cert", paths[0], "--timeout-ms", "1000", "--json", "get", "tls-1"];
    let refused = redbank_raw(&args).await;
    assert!(!refused.status.success());
    // A transport failure: no answer of the server's, so no reason.
    assert_eq!(json(&refused)["error"]["reason"], "", "{}", stdout(&refused));
}

/// The operator's commands on a real 3-primary Redis Cluster: keys made straight
/// in the cluster, a bench whose transfers cross slots (its money check and Redis
/// figures over every primary), archive walking every primary, and the checker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_archive_and_check_run_on_a_cluster() {
    let cluster = redbank_testkit::RedisCluster::start(3);
    let nodes = cluster.urls().join(",");
    let run = |args: Vec<String>, token: Option<String>| {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank"));
        if let Some(t) = token {
            c.env("REDBANK_TOKEN", t);
        }
        async move { c.args(args).output().await.unwrap() }
    };
    let made = run(
        ["--json", "keys", "create", "--role", "admin", "--redis-cluster-nodes", &nodes]
            .map(String::from)
            .to_vec(),
        None,
    )
    .await;
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let admin = json(&made)["credential"].as_str().unwrap().to_owned();
    let mut config = redbank_server::Config::for_redis(String::new());
    config.redis_cluster_nodes = cluster.urls();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(redbank_server::run(listener, config, async {
        let _ = stopped.await;
    }));
    let endpoint = format!("http://{addr}");
    let bench = run(
        [
            "--endpoint",
            &endpoint,
            "--json",
            "bench",
            "--ops",
            "400",
            "--accounts",
            "20",
            "--concurrency",
            "8",
            "--mix",
            "deposit=30,withdraw=20,transfer=50",
            "--redis-cluster-nodes",
            &nodes,
        ]
        .map(String::from)
        .to_vec(),
        Some(admin.clone()),
    )
    .await;
    assert!(bench.status.success(), "{}{}", stdout(&bench), String::from_utf8_lossy(&bench.stderr));
    let v = json(&bench);
    assert_eq!(v["money_check"]["passed"], true, "{v}");
    assert!(v["redis"]["script_calls_per_op"].as_f64().unwrap() > 0.0, "{v}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("archive.jsonl");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let archived = run(
        [
            "--json",
            "archive",
            "--redis-cluster-nodes",
            &nodes,
            "--before-millis",
            &now.to_string(),
            "--out",
            file.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec(),
        None,
    )
    .await;
    assert!(archived.status.success(), "{}{}", stdout(&archived), String::from_utf8_lossy(&archived.stderr));
    let lines = std::fs::read_to_string(&file).unwrap().lines().count();
    assert!(lines >= 400, "{lines} entries archived");
    let check =
        run(["--json", "check", "--redis-cluster-nodes", &nodes].map(String::from).to_vec(), None).await;
    assert!(check.status.success(), "{}{}", stdout(&check), String::from_utf8_lossy(&check.stderr));
    assert_eq!(json(&check)["accounts"], 20);
}

/// Reads the next line of a child's output, with a deadline for hangs.
async fn next_line(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
        .await
        .expect("no line within a minute")
        .unwrap()
        .expect("the command ended")
}

/// Runs `redbank --json events tail` with `extra` as a child process.
fn tail(app: &App, extra: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
        .env("REDBANK_TOKEN", &app.admin)
        .arg("--endpoint")
        .arg(format!("http://{}", app.addr))
        // Each call lasts at most 1.5 s: the server ends a stream before that.
        .args(["--json", "--timeout-ms", "1500", "events", "tail"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_tail_prints_each_change_as_it_happens_and_resumes_from_a_cursor() {
    use tokio::io::AsyncBufReadExt;
    let app = spawn_app().await;
    redbank(&app, &["create", "watched", "--type", "checking"]).await;
    let mut child = tail(&app, &["--account", "watched"]);
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    // Subscribed once the first stream is under way: wait for it to see a change.
    let mut first = None;
    for n in 0..600 {
        let out = redbank(&app, &["deposit", "watched", "1.00", "--request-id", &format!("d-{n}")]).await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        if let Ok(Ok(Some(line))) =
            tokio::time::timeout(std::time::Duration::from_millis(100), lines.next_line()).await
        {
            first = Some(line);
            break;
        }
    }
    let first: Value = serde_json::from_str(&first.expect("no event for the deposits")).unwrap();
    // Past the first stream's end: tail follows on from its last cursor.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    for n in 0..3 {
        redbank(&app, &["deposit", "watched", "2.00", "--request-id", &format!("e-{n}")]).await;
    }
    let mut seen = Vec::new();
    for _ in 0..3 {
        let e: Value = serde_json::from_str(&next_line(&mut lines).await).unwrap();
        seen.push(e["transaction"]["request_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["e-0", "e-1", "e-2"]);
    child.kill().await.unwrap();
    // From the first event's cursor: the three after it, nothing before.
    let cursor = first["cursor"].as_str().unwrap().to_owned();
    let mut again = tail(&app, &["--account", "watched", "--after", &cursor]);
    let mut lines = tokio::io::BufReader::new(again.stdout.take().unwrap()).lines();
    let mut resumed = Vec::new();
    for _ in 0..3 {
        let e: Value = serde_json::from_str(&next_line(&mut lines).await).unwrap();
        assert_eq!(e["event_id"].as_str().unwrap(), format!("watched/{}", e["cursor"].as_str().unwrap()));
        resumed.push(e["transaction"]["request_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(resumed, ["e-0", "e-1", "e-2"]);
    again.kill().await.unwrap();
}

/// Runs the CLI with `args` as given, no options added but the admin's key.
async fn as_typed(app: &App, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
        .env("REDBANK_TOKEN", &app.admin)
        .args(args)
        .output()
        .await
        .unwrap()
}

/// What a script relies on: options anywhere on the line, gRPC's own code names,
/// one reason vocabulary with the server, a failure to reach the server that says
/// where and how to retry a change, CSV on standard output, and whole times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_behaves_as_scripts_expect() {
    let app = spawn_app().await;
    let endpoint = format!("http://{}", app.addr);
    // Options after the command.
    let out =
        as_typed(&app, &["create", "s-1", "--type", "checking", "--endpoint", &endpoint, "--json"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["account_id"], "s-1");
    redbank(&app, &["deposit", "s-1", "12.50"]).await;
    // The server's refusal, in gRPC's code names.
    let out = as_typed(&app, &["withdraw", "s-1", "100", "--json", "--endpoint", &endpoint]).await;
    let v = json(&out);
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["reason"].as_str()),
        (Some("FAILED_PRECONDITION"), Some("INSUFFICIENT_FUNDS"))
    );
    // A refusal the CLI makes itself: the same code the server would give.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let this_month = redbank_domain::InterestPeriod::containing(now).to_string();
    let out =
        redbank(&app, &["--json", "interest", "post", "--period", &this_month, "--rate", "savings=1"]).await;
    let v = json(&out);
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["reason"].as_str()),
        (Some("FAILED_PRECONDITION"), Some("PERIOD_NOT_POSTABLE"))
    );
    // An unreachable server: where, and the request id that makes a retry safe.
    let out = as_typed(
        &app,
        &[
            "deposit",
            "s-1",
            "1.00",
            "--currency",
            "USD",
            "--request-id",
            "r-1",
            "--endpoint",
            "http://127.0.0.1:9",
            "--timeout-ms",
            "2000",
        ],
    )
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("http://127.0.0.1:9") && err.contains("--request-id r-1") && err.contains("UNAVAILABLE"),
        "{err}"
    );
    // CSV on standard output.
    let day = redbank_domain::calendar::format_millis(now)[..10].to_owned();
    let out = redbank(&app, &["statement", "s-1", "--from", &day, "--to", &day, "--csv", "-"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).trim_start_matches('\u{feff}').starts_with("date,"), "{}", stdout(&out));
    assert!(!std::path::Path::new("-").exists(), "a file named -");
    // Whole times in a table.
    let out = redbank(&app, &["history", "s-1"]).await;
    let text = stdout(&out);
    let time_of_day = regex_free_time(&text);
    assert!(time_of_day, "a time cut short in:\n{text}");
}

/// Whether `text` holds a whole `YYYY-MM-DD HH:MM:SS` time.
fn regex_free_time(text: &str) -> bool {
    text.lines().any(|l| {
        let b = l.as_bytes();
        b.len() >= 19
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b' '
            && b[13] == b':'
            && b[16] == b':'
            && b[17..19].iter().all(u8::is_ascii_digit)
    })
}

/// Staff list one customer's accounts, as the console's search does; a customer
/// may name only itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_list_a_customers_accounts() {
    let app = spawn_app().await;
    for (id, customer) in [("a-1", "alice"), ("a-2", "alice"), ("b-1", "bob"), ("n-1", "")] {
        let mut args = vec!["create", id, "--type", "checking"];
        if !customer.is_empty() {
            args.extend(["--customer", customer]);
        }
        assert!(redbank(&app, &args).await.status.success());
    }
    let out = redbank(&app, &["--json", "accounts", "--customer", "alice", "--all"]).await;
    let mut ids: Vec<String> = json(&out)["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, ["a-1", "a-2"]);
    let key = redbank(&app, &["--json", "keys", "create", "--role", "customer", "--customer", "bob"]).await;
    let bob = json(&key)["credential"].as_str().unwrap().to_owned();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
        .args([
            "--endpoint",
            &format!("http://{}", app.addr),
            "--token",
            &bob,
            "--json",
            "accounts",
            "--customer",
            "alice",
        ])
        .output()
        .await
        .unwrap();
    let v = json(&out);
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["reason"].as_str()),
        (Some("PERMISSION_DENIED"), Some("PERMISSION_DENIED"))
    );
}

/// The commands and flags of `redbank --help` (every level), in order.
fn help_of(path: &[&str]) -> String {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_redbank")).args(path).arg("--help").output().unwrap();
    assert!(out.status.success(), "redbank {path:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// Every command and every flag the CLI has is in docs/CLI.md: the reference cannot
/// drift from the binary (a command or flag added without its line fails here).
#[test]
fn every_command_and_flag_is_documented() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/CLI.md");
    let documented = std::fs::read_to_string(&path).unwrap();
    let mut queue: Vec<Vec<String>> = vec![vec![]];
    let (mut commands, mut missing) = (0, Vec::new());
    while let Some(command) = queue.pop() {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let help = help_of(&args);
        let mut in_commands = false;
        for line in help.lines() {
            if line.starts_with("Commands:") {
                in_commands = true;
                continue;
            }
            if in_commands {
                match line.split_whitespace().next() {
                    Some("help") => {}
                    Some(name) if line.starts_with("  ") => {
                        queue.push(command.iter().cloned().chain([name.to_owned()]).collect())
                    }
                    _ => in_commands = false,
                }
                continue;
            }
            let flag = line.trim_start().trim_start_matches("-h, ").trim_start_matches("-V, ");
            if let Some(rest) = flag.strip_prefix("--") {
                let flag = rest.split([' ', '=']).next().unwrap();
                if !["help", "version"].contains(&flag) && !documented.contains(&format!("--{flag}")) {
                    missing.push(format!("redbank {} --{flag}", args.join(" ")));
                }
            }
        }
        if !args.is_empty() {
            commands += 1;
            if !documented.contains(&format!("redbank {}", args.join(" "))) {
                missing.push(format!("redbank {}", args.join(" ")));
            }
        }
    }
    assert!(commands >= 30, "only {commands} commands found: has the help's layout changed?");
    assert!(missing.is_empty(), "docs/CLI.md lacks: {missing:#?}");
}

/// A program the tests need, or a loud failure that says how to get it.
fn needed(program: &str, package: &str) -> std::path::PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!("`{program}` is missing: apt-get install {package} (./scripts/install-deps does)")
        })
}

/// Completions load into bash and complete a command; zsh's and fish's are
/// generated for the same commands.
#[test]
fn completions_load_into_bash() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("redbank.bash");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).unwrap();
    // Source it, show the registration, and ask what `redbank ho<TAB>` offers.
    let probe = format!(
        "source {}; complete -p redbank; COMP_WORDS=(redbank ho); COMP_CWORD=1; COMP_LINE='redbank ho'; \
         COMP_POINT=10; _redbank redbank ho redbank; echo \"offered: ${{COMPREPLY[*]}}\"",
        script.display()
    );
    let bash = std::process::Command::new(needed("bash", "bash"))
        .args(["--noprofile", "--norc", "-c", &probe])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&bash.stdout);
    assert!(bash.status.success(), "{said}{}", String::from_utf8_lossy(&bash.stderr));
    assert!(said.contains("-F _redbank redbank"), "{said}");
    assert!(said.contains("offered: hold"), "{said}");
    for (shell, mark) in [("zsh", "#compdef redbank"), ("fish", "complete -c redbank")] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
            .args(["completions", shell])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success() && text.contains(mark) && text.contains("statement"), "{shell}: {text}");
    }
}

/// `redbank man` writes a page for the CLI and one per command, and each renders.
#[test]
fn man_pages_render() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redbank"))
        .args(["--json", "man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = said["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    for page in ["redbank.1", "redbank-deposit.1", "redbank-hold-capture.1", "redbank-interest-post.1"] {
        assert!(files.contains(&page), "{page} not in {files:?}");
    }
    let man = needed("man", "man-db");
    for file in &files {
        let rendered = std::process::Command::new(&man)
            .arg("-l")
            .arg(dir.path().join(file))
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&rendered.stdout);
        assert!(
            rendered.status.success() && text.contains("NAME") && text.contains("SYNOPSIS"),
            "{file}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_made_listed_read_and_deleted_from_the_cli() {
    let app = spawn_app().await;
    let made = redbank(&app, &["--json", "webhooks", "create", "https://hooks.example.invalid/bank"]).await;
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let made = json(&made);
    let id = made["webhook"]["webhook_id"].as_str().unwrap().to_owned();
    assert_eq!(made["secret"].as_str().unwrap().len(), 64);
    assert_eq!(made["webhook"]["account_id"], Value::Null);
    let listed = json(&redbank(&app, &["--json", "webhooks", "list"]).await);
    assert_eq!(listed["webhooks"][0]["url"], "https://hooks.example.invalid/bank");
    assert!(listed["webhooks"][0].get("secret").is_none(), "the secret is shown once only");
    let read = json(&redbank(&app, &["--json", "webhooks", "deliveries", &id]).await);
    assert!(read["deliveries"].is_array() && read["dead_event_ids"].is_array());
    let refused = redbank(&app, &["--json", "webhooks", "redeliver", &id, "a/1-0"]).await;
    assert!(!refused.status.success());
    assert_eq!(json(&refused)["error"]["reason"], "DELIVERY_NOT_FOUND");
    let inside = redbank(&app, &["--json", "webhooks", "create", "http://127.0.0.1:9/"]).await;
    assert_eq!(json(&inside)["error"]["reason"], "WEBHOOK_URL_NOT_ALLOWED");
    let deleted = redbank(&app, &["webhooks", "delete", &id]).await;
    assert!(deleted.status.success(), "{}", String::from_utf8_lossy(&deleted.stderr));
    assert!(stdout(&redbank(&app, &["webhooks", "list"]).await).trim().is_empty());
}
