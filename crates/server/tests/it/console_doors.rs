//! The console's doors under attack: sign-in attempts sent at the same moment,
//! counted before their passwords are checked; argon2 bounded under a burst; the
//! throttle per user and address together; a trusted proxy's `X-Forwarded-For`;
//! forms with made-up or borrowed CSRF tokens; sessions ended by a reset or a
//! disable; pages a role may not see, asked for directly.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use redbank_api::v1::{self, bank_client::BankClient};
use redbank_domain::{CustomerId, Grant, UserName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

/// POSTs a sign-in as a browser would (the sign-in form's own CSRF cookie and
/// field), with extra headers; answers the HTTP status.
async fn sign_in(web: SocketAddr, user: &str, password: &str, extra: &str) -> u16 {
    let body = format!("csrf=tok&user={user}&password={}", password.replace(' ', "+"));
    let request = format!(
        "POST /signin HTTP/1.1\r\nHost: {web}\r\nCookie: rb_signin=tok\r\n{extra}\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(web).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(60), s.read_exact(&mut head)).await.unwrap().unwrap();
    std::str::from_utf8(&head[9..12]).unwrap().parse().unwrap()
}

/// A console user made as `redbank users create` makes one.
async fn make_user(redis_url: &str, name: &str) {
    let store = redbank_store::Store::connect(&redbank_store::StoreConfig::new(redis_url)).unwrap();
    let hash = redbank_bank::password::hash(PASSWORD).unwrap();
    let grant = Grant::Customer(CustomerId::parse(name).unwrap());
    store.console().create_user(&UserName::parse(name).unwrap(), &grant, &hash).await.unwrap();
}

fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_sent_at_once_are_checked_at_most_up_to_the_limit() {
    let (redis, _server, web) = console(&[]).await;
    make_user(&redis.url(), "alice").await;
    // 60 wrong passwords and the right one, all at the same moment, from one address.
    let mut burst: Vec<_> = (0..60)
        .map(|i| {
            tokio::spawn(async move { (false, sign_in(web, "alice", &format!("wrong guess {i}"), "").await) })
        })
        .collect();
    burst.insert(30, tokio::spawn(async move { (true, sign_in(web, "alice", PASSWORD, "").await) }));
    let mut checked = 0;
    let mut statuses = std::collections::BTreeMap::new();
    for t in burst {
        let (right, status) = t.await.unwrap();
        *statuses.entry(status).or_insert(0) += 1;
        // 401: checked and wrong; 303: checked and right; 429: refused unchecked;
        // 503: past the console's request time (a busy machine), counted as checked.
        match status {
            401 | 303 | 503 => checked += 1,
            429 => {}
            other => panic!("status {other} (right password: {right})"),
        }
    }
    assert!(checked <= 5, "{checked} passwords checked of a limit of 5: {statuses:?}");
    // Now the limit is spent for this user from this address: the right password
    // is refused unchecked too (unless it got in before the five wrong ones).
    if !statuses.contains_key(&303) {
        assert_eq!(sign_in(web, "alice", PASSWORD, "").await, 429);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_unknown_user_sign_ins_holds_bounded_memory_and_others_are_served() {
    let (redis, server, web) = console(&[]).await;
    let before = rss_bytes(server.pid());
    let mut api = BankClient::new(channel(server.addr).await);
    let mut baseline = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let _ = api.get_account(v1::GetAccountRequest { account_id: "nobody".into() }).await;
        baseline.push(t.elapsed());
    }
    // 200 at the same moment, each a different unknown user from its own address
    // (so no throttle counter stops them: only the bound on argon2 work does).
    let started = Instant::now();
    let burst: Vec<_> = (0..200)
        .map(|i| tokio::spawn(async move { sign_in(web, &format!("nobody{i}"), "some password", "").await }))
        .collect();
    let mut peak = before;
    let mut during = Vec::new();
    while !burst.iter().all(|t| t.is_finished()) && started.elapsed() < Duration::from_secs(60) {
        peak = peak.max(rss_bytes(server.pid()));
        let t = Instant::now();
        let _ = api.get_account(v1::GetAccountRequest { account_id: "nobody".into() }).await;
        during.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut statuses = std::collections::BTreeMap::new();
    for t in burst {
        *statuses.entry(t.await.unwrap()).or_insert(0) += 1;
    }
    let p99 = |v: &mut Vec<Duration>| {
        v.sort();
        v[(v.len() * 99 / 100).min(v.len() - 1)]
    };
    let (base, load) = (p99(&mut baseline), p99(&mut during));
    eprintln!(
        "sign-in burst: {statuses:?}; server RSS {} MiB before, {} MiB at most; gRPC p99 {base:?} before, {load:?} during ({} calls)",
        before >> 20,
        peak >> 20,
        during.len()
    );
    // Every one answered: checked (401), refused at once (429), or, on a busy
    // machine, a check queued past the console's request time (503 "Too slow").
    assert_eq!(statuses.keys().copied().filter(|s| ![401, 429, 503].contains(s)).count(), 0, "{statuses:?}");
    assert!(statuses.get(&429).copied().unwrap_or(0) > 0, "none was refused: {statuses:?}");
    // All from one address at the same moment: its limit held (each attempt was
    // counted before its check), whatever the gate let through; one that ran out of
    // time counts as checked.
    let checked = statuses.get(&401).copied().unwrap_or(0) + statuses.get(&503).copied().unwrap_or(0);
    assert!(checked <= redbank_web::SIGN_IN_ATTEMPTS_PER_ADDRESS as usize, "{checked} checked: {statuses:?}");
    // One argon2 check holds 19 MiB, and one runs at a time on 2 cores; 200 open
    // HTTP connections themselves take about 50 MiB in a debug build, and a loaded
    // machine (a mutation run beside it) saw 194 MiB in all. The bound is for the
    // unbounded case: before the gate, 1 GiB.
    assert!(peak - before < 256 << 20, "the server grew by {} MiB", (peak - before) >> 20);
    // A deadline for hangs, not for speed: the API kept answering throughout.
    assert!(load < Duration::from_secs(10), "gRPC p99 {load:?} during the burst");
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_guessing_from_one_address_does_not_lock_the_user_out_elsewhere() {
    // The test's own address stands for a proxy in front of the console.
    let (redis, _server, web) = console(&["--web-trusted-proxy", "127.0.0.1"]).await;
    make_user(&redis.url(), "bob").await;
    let from = |ip: &str| format!("X-Forwarded-For: 198.51.100.7, {ip}\r\n");
    for i in 0..5 {
        assert_eq!(sign_in(web, "bob", &format!("guess {i}"), &from("203.0.113.66")).await, 401);
    }
    // The guesser's address is spent for bob...
    assert_eq!(sign_in(web, "bob", PASSWORD, &from("203.0.113.66")).await, 429);
    // ...bob, elsewhere, signs in; the first address in the header (the client's
    // own claim) counts for nothing.
    assert_eq!(sign_in(web, "bob", PASSWORD, &from("192.0.2.10")).await, 303);
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_from_many_addresses_at_once_are_checked_at_most_up_to_the_users_limit() {
    // Each guess from its own address (through a trusted proxy): no pair or
    // address counter stops them, only the user's own across all addresses.
    let (redis, _server, web) = console(&["--web-trusted-proxy", "127.0.0.1"]).await;
    make_user(&redis.url(), "carol").await;
    let limit = redbank_web::SIGN_IN_ATTEMPTS_PER_USER as usize;
    // Waves sent at the same moment, each small enough for the bound on argon2
    // work to take whole (so that what refuses is the throttle, not the gate).
    let (wave, waves) = (4, limit / 4 + 4);
    let mut statuses = std::collections::BTreeMap::new();
    for w in 0..waves {
        let burst: Vec<_> = (0..wave)
            .map(|i| {
                let from = format!("X-Forwarded-For: 198.18.{w}.{i}\r\n");
                tokio::spawn(async move { sign_in(web, "carol", &format!("guess {w}.{i}"), &from).await })
            })
            .collect();
        for t in burst {
            *statuses.entry(t.await.unwrap()).or_insert(0) += 1;
        }
    }
    // Exactly the limit was checked (401), every other refused unchecked (429).
    assert_eq!(statuses.get(&401).copied(), Some(limit), "{statuses:?}");
    assert_eq!(statuses.get(&429).copied(), Some(wave * waves - limit), "{statuses:?}");
    // Now even the right password, from an address never seen, waits for the window.
    let fresh = "X-Forwarded-For: 192.0.2.99\r\n";
    assert_eq!(sign_in(web, "carol", PASSWORD, fresh).await, 429);
    drop(redis);
}

/// A customer with a console user and a funded account, made by staff.
async fn customer(redis: &redbank_testkit::RedisServer, addr: SocketAddr, name: &str) {
    make_user(&redis.url(), name).await;
    let mut admin = BankClient::new(channel(addr).await);
    admin
        .create_account(v1::CreateAccountRequest {
            account_id: format!("{name}-1"),
            r#type: v1::AccountType::Checking.into(),
            currency_code: "USD".into(),
            customer_id: name.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    admin.deposit(deposit_req(&format!("{name}-1"), usd(100, 0), "seed")).await.unwrap();
}

async fn balance(addr: SocketAddr, id: &str) -> i64 {
    let mut admin = BankClient::new(channel(addr).await);
    cents(
        &admin
            .get_account(v1::GetAccountRequest { account_id: id.into() })
            .await
            .unwrap()
            .into_inner()
            .balance,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_with_a_made_up_or_borrowed_csrf_token_is_refused_and_changes_nothing() {
    let (redis, server, web) = console(&[]).await;
    customer(&redis, server.addr, "alice").await;
    customer(&redis, server.addr, "bob").await;
    // The sign-in form's own token (its cookie and its field) must match too.
    let form = format!("csrf=made-up&user=alice&password={}", PASSWORD.replace(' ', "+"));
    let (status, session, _) = http(web, "POST", "/signin", "rb_signin=tok", &form).await;
    assert_eq!((status, session), (403, None), "a sign-in with a made-up form token");
    let alice = session_of(web, "alice").await;
    let alice_elsewhere = session_of(web, "alice").await;
    let bob = session_of(web, "bob").await;
    let token =
        |cookie: String| async move { csrf_in(&http(web, "GET", "/accounts/alice-1", &cookie, "").await.2) };
    let own = token(alice.clone()).await;
    let other_session = token(alice_elsewhere.clone()).await;
    let bobs = csrf_in(&http(web, "GET", "/accounts/bob-1", &bob, "").await.2);
    assert!(own != other_session && own != bobs);
    let deposit = |csrf: &str| format!("csrf={csrf}&amount=5.00&memo=&request_id=r-{}", csrf.len());
    let made_up = "0".repeat(own.len());
    for (what, csrf) in [
        ("made up", made_up.as_str()),
        ("another session's", &other_session),
        ("another user's", &bobs),
        ("none", ""),
    ] {
        let (status, _, _) = http(web, "POST", "/accounts/alice-1/deposit", &alice, &deposit(csrf)).await;
        assert_eq!(status, 403, "a deposit with {what} token");
    }
    assert_eq!(balance(server.addr, "alice-1").await, 10_000, "a refused form changed the balance");
    // The session's own token works (so the refusals above are the token's).
    let (status, _, text) = http(web, "POST", "/accounts/alice-1/deposit", &alice, &deposit(&own)).await;
    assert_eq!(status, 303, "{text}");
    assert_eq!(balance(server.addr, "alice-1").await, 10_500);
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_or_a_disable_then_enable_ends_a_live_session() {
    let (redis, server, web) = console(&[]).await;
    customer(&redis, server.addr, "carol").await;
    let store = redbank_store::Store::connect(&redbank_store::StoreConfig::new(redis.url())).unwrap();
    let name = UserName::parse("carol").unwrap();
    let signed_in = |cookie: String| async move { http(web, "GET", "/", &cookie, "").await.0 == 200 };

    let session = session_of(web, "carol").await;
    assert!(signed_in(session.clone()).await);
    // The same password again: what ends the session is the reset, not a new secret.
    store.console().set_user_password(&name, &redbank_bank::password::hash(PASSWORD).unwrap()).await.unwrap();
    assert!(!signed_in(session.clone()).await, "a reset left a live session");

    let session = session_of(web, "carol").await;
    assert!(signed_in(session.clone()).await);
    store.console().set_user_disabled(&name, true).await.unwrap();
    store.console().set_user_disabled(&name, false).await.unwrap();
    assert!(!signed_in(session).await, "a disable, then enable, left a live session");
    assert!(signed_in(session_of(web, "carol").await).await, "enabled, the user signs in again");
    drop(redis);
}

/// A session ends at its absolute limit however busy it is kept (cargo-mutants
/// found the limit's arithmetic guarded by nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_at_its_absolute_limit_however_busy() {
    let (redis, server, web) = console(&["--web-absolute-timeout-secs", "10"]).await;
    customer(&redis, server.addr, "erin").await;
    let session = session_of(web, "erin").await;
    let started = Instant::now();
    // Used every 500 ms: never idle, so only the absolute limit (10 s, the least) can end it.
    let mut served = 0;
    while http(web, "GET", "/", &session, "").await.0 == 200 {
        served += 1;
        assert!(started.elapsed() < Duration::from_secs(60), "the session outlived its absolute limit");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(started.elapsed() >= Duration::from_secs(9) && served >= 10, "ended early: {served} pages");
    assert_eq!(http(web, "GET", "/", &session, "").await.0, 303, "sent to sign in again");
    drop(redis);
}

/// The forms that carry only a CSRF token (sign-out, the checker) refuse a
/// made-up one and do nothing: the session stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_out_with_a_made_up_token_is_refused_and_the_session_stays() {
    let (redis, server, web) = console(&[]).await;
    customer(&redis, server.addr, "fay").await;
    // The sign-in page is the form, with its own token (cookie and field).
    let (status, _, page) = http(web, "GET", "/signin", "", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("name=\"password\"") && page.contains("name=\"csrf\""), "{page}");
    let session = session_of(web, "fay").await;
    let own = csrf_in(&http(web, "GET", "/", &session, "").await.2);
    for csrf in ["", "xyzzy", &"0".repeat(own.len())] {
        let (status, _, _) = http(web, "POST", "/signout", &session, &format!("csrf={csrf}")).await;
        assert_eq!(status, 403, "a sign-out with the token {csrf:?}");
        assert_eq!(http(web, "GET", "/", &session, "").await.0, 200, "the session ended anyway");
    }
    let (status, _, _) = http(web, "POST", "/signout", &session, &format!("csrf={own}")).await;
    assert_eq!(status, 303);
    assert_eq!(http(web, "GET", "/", &session, "").await.0, 303, "signed out");
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_asking_for_staff_pages_directly_is_refused() {
    let (redis, server, web) = console(&[]).await;
    customer(&redis, server.addr, "dave").await;
    let session = session_of(web, "dave").await;
    for page in ["/admin/audit", "/admin/users", "/admin/keys", "/admin/interest"] {
        let (status, _, text) = http(web, "GET", page, &session, "").await;
        assert_eq!(status, 403, "{page}: {text}");
        // Nothing of what the page holds: no table of events, users or keys.
        assert!(!text.contains("<table"), "{page} showed staff data");
    }
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_filters_out_of_range_are_the_askers_mistake_not_an_outage() {
    let (redis, server, web) = console(&[]).await;
    customer(&redis, server.addr, "erin").await;
    let session = session_of(web, "erin").await;
    for query in ["from=0001-01-01", "to=0001-01-01", "from=2026-12-06&to=2026-12-01"] {
        let (status, _, text) = http(web, "GET", &format!("/accounts/erin-1?{query}"), &session, "").await;
        assert_eq!(status, 400, "{query}: {text}");
        assert!(text.contains("1970-01-01"), "{query}: says what is allowed");
    }
    for query in ["from=2026-12-01&to=2026-12-01", "from=1970-01-01&to=9999-12-31", "from=not-a-day"] {
        let (status, _, text) = http(web, "GET", &format!("/accounts/erin-1?{query}"), &session, "").await;
        assert_eq!(status, 200, "{query}: {text}");
    }
    drop(redis);
}
