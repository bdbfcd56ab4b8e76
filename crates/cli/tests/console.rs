//! The web console in a real headless browser (Debian's chromium and chromedriver,
//! driven by selenium from tests/python/console_browser.py): sign-in throttled
//! after five wrong passwords, sign-in and a wrong password, a customer who sees only its accounts and a tampered URL that reveals
//! nothing, a transfer form sent twice and applied once, a form without its CSRF
//! token refused, a teller's search, deposit and freeze, an auditor refused a
//! change, a disabled user's session ended at once, an idle session expired, the
//! balance chart, a month's statement and its CSV, the admin's interest posting
//! with its progress (and a second run that posts nothing), pages under 100 KB and
//! at a phone's width. Then the money adds up
//! and the invariant checker passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use redbank_domain::{AccountType, BalanceChange, Currency, CustomerId, Grant, Memo, Principal, UserName};
use redbank_store::{Store, StoreConfig};
use redbank_testkit::RedisServer;

async fn console(redis: &RedisServer, idle_secs: u64) -> String {
    let mut config = redbank_server::Config::for_redis(redis.url());
    let web = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    config.web_listen = Some(web);
    config.web_idle_timeout_secs = idle_secs;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    tokio::spawn(redbank_server::run(listener, config, std::future::pending()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while tokio::net::TcpStream::connect(web).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "the console did not listen");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    format!("http://{web}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_in_a_real_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join("target/python/bin/python3");
    for (what, path) in [
        ("the test's Python (./scripts/install-deps makes it)", python.as_path()),
        ("chromium (apt-get install chromium; ./scripts/install-deps does)", Path::new("/usr/bin/chromium")),
        ("chromedriver (apt-get install chromium-driver)", Path::new("/usr/bin/chromedriver")),
    ] {
        assert!(path.exists(), "{} is missing: {what}", path.display());
    }
    let redis = RedisServer::start();
    let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
    let (op, usd) = (Principal::operator(), Currency::parse("USD").unwrap());
    for (id, kind, owner, cents) in [
        ("alice-chk", AccountType::Checking, "alice", 10_000),
        ("alice-sav", AccountType::Savings, "alice", 100_000),
        ("bob-chk", AccountType::Checking, "bob", 5_000),
    ] {
        let id = redbank_domain::AccountId::parse(id).unwrap();
        let owner = CustomerId::parse(owner).unwrap();
        store.create_account(&id, kind, usd, None, Some(&owner)).await.unwrap();
        if cents > 0 {
            let amount = redbank_domain::Amount::from_minor(usd, cents).unwrap();
            store.post(&id, &BalanceChange::Deposit(amount), None, &Memo::default(), &op).await.unwrap();
        }
    }
    // alice's savings were funded before last month began, so that the admin's
    // posting of last month's interest pays them (a month's interest is earned on
    // the days an account was open: `redbank_testkit::backdate`).
    let last_month =
        redbank_domain::InterestPeriod::containing(redbank_domain::calendar::now_millis()).before();
    let before = last_month.bounds_millis().0 - 60 * 60 * 1000;
    redbank_testkit::backdate(&redis, "alice-sav", before, &[before + 1000]);
    for (name, grant) in [
        ("alice", Grant::Customer(CustomerId::parse("alice").unwrap())),
        ("bob", Grant::Customer(CustomerId::parse("bob").unwrap())),
        ("tom", Grant::Teller),
        ("audrey", Grant::Auditor),
        ("ada", Grant::Admin),
        ("zed", Grant::Teller),
    ] {
        let hash = redbank_bank::password::hash(&format!("{name}'s long password")).unwrap();
        store.console().create_user(&UserName::parse(name).unwrap(), &grant, &hash).await.unwrap();
    }
    let (url, short) = (console(&redis, 900).await, console(&redis, 2).await);
    let out = root.join("target/console-artifacts");
    std::fs::create_dir_all(&out).unwrap();
    // The browser runs in Tokyo: pages show times in its zone, UTC on hover.
    let output = tokio::process::Command::new(&python)
        .env("TZ", "Asia/Tokyo")
        .arg(root.join("tests/python/console_browser.py"))
        .args([&url, &short, env!("CARGO_BIN_EXE_redbank"), &redis.url()])
        .arg(&out)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "the browser test failed (screenshots in {}):\n{}\n{}",
        out.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The money: 25.00 moved once, 4.00 captured, 10.00 deposited by the teller.
    let balance = |id: &str| {
        let store = store.clone();
        let id = redbank_domain::AccountId::parse(id).unwrap();
        async move { store.get_account(&id, &Principal::operator()).await.unwrap().balance.minor() }
    };
    assert_eq!((balance("alice-chk").await, balance("bob-chk").await), (7_100, 8_900));
    let report = redbank_store::check::check(&store).await.unwrap();
    assert!(report.passed(), "{:?}", report.violations);
}
