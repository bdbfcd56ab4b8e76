//! Following every account (`Events/Subscribe` without an account): the feed each
//! change writes itself on one Redis, and the relays fill from the histories on a
//! Cluster. Through 10,000 concurrent changes on three replicas of one Redis, one
//! killed with `kill -9` mid-run, and 3,000 on a 3-primary Cluster with a fourth
//! replica that never publishes (as a replica killed after every change would be),
//! killed too, a follower of every account sees every entry exactly as history has
//! it, once and in each account's order, across a disconnect mid-stream; a follower
//! of one account alongside sees its history; only staff may follow every account;
//! a cursor older than the feed keeps is refused EVENTS_EXPIRED.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redbank_api::v1::{self, bank_client::BankClient, events_client::EventsClient};
use redbank_domain::{CustomerId, Grant};
use tokio::sync::watch;
use tonic::Code;

use crate::helpers::*;

fn subscribe(account: &str, after: &str) -> v1::SubscribeRequest {
    v1::SubscribeRequest { account_id: account.into(), after: after.into() }
}

/// Events as a follower got them: (the stream they came on, the event).
type Seen = Arc<Mutex<Vec<(usize, v1::Event)>>>;

/// Follows `account` ("" for every account) on `addr` from `after` until `stop`,
/// resubscribing from the last cursor whenever a stream ends, and on purpose
/// after `drop_after` events (a client that goes away mid-stream).
fn follower(
    addr: std::net::SocketAddr,
    account: &str,
    after: &str,
    drop_after: usize,
) -> (Seen, watch::Sender<bool>) {
    let seen: Seen = Arc::default();
    let (stop, mut stopped) = watch::channel(false);
    let (account, mut after, out) = (account.to_owned(), after.to_owned(), seen.clone());
    tokio::spawn(async move {
        let mut events = EventsClient::new(channel(addr).await);
        let mut stream_no = 0;
        while !*stopped.borrow() {
            let mut stream = match events.subscribe(subscribe(&account, &after)).await {
                Ok(r) => r.into_inner(),
                Err(e) => panic!("subscribe {account:?} after {after}: {e:?}"),
            };
            stream_no += 1;
            loop {
                tokio::select! {
                    _ = stopped.changed() => return,
                    next = stream.message() => match next {
                        Ok(Some(e)) => {
                            after = e.cursor.clone();
                            let mut seen = out.lock().unwrap();
                            seen.push((stream_no, e));
                            if seen.len() == drop_after {
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => panic!("stream of {account:?}: {e:?}"),
                    }
                }
            }
        }
    });
    (seen, stop)
}

/// Waits (for hangs: 120 s) until `seen` holds `want` events.
async fn wait_for(seen: &Seen, want: usize) {
    let started = Instant::now();
    while seen.lock().unwrap().len() < want {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{} events of {want} after two minutes",
            seen.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A deposit or a transfer, retried with its request id on another replica while
/// the one it went to is unreachable (killed).
async fn change(clients: &mut [BankClient<Chan>], pick: usize, n: usize, ids: &[String], rid: &str) {
    for attempt in 0..clients.len() * 20 {
        let c = &mut clients[(pick + attempt) % clients.len()];
        let answer = if n.is_multiple_of(5) {
            let request = v1::TransferRequest {
                from_account_id: ids[n % ids.len()].clone(),
                to_account_id: ids[(n + 1) % ids.len()].clone(),
                amount: usd(0, 10_000_000),
                request_id: rid.to_owned(),
                memo: String::new(),
            };
            c.transfer(request).await.map(|_| ())
        } else {
            c.deposit(deposit_req(&ids[n % ids.len()], usd(1, 0), rid)).await.map(|_| ())
        };
        match answer {
            Ok(()) => return,
            // A replica killed mid-call: the outcome is unknown, and the request id
            // makes the retry safe.
            Err(e) if matches!(e.code(), Code::Unavailable | Code::Unknown | Code::Cancelled) => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => panic!("{rid}: {e:?}"),
        }
    }
    panic!("{rid}: no replica answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_account_is_followed_through_10000_changes_on_three_replicas_one_killed() {
    // One Redis: each change writes its own event, in its own step.
    let redis = redbank_testkit::RedisServer::start();
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(ServerProcess::start_with(&redis.url(), &[], None).await);
    }
    let store = store(&redis);
    follow_every_account_through(replicas, 0, &store, 10_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_account_is_followed_on_a_cluster_through_a_replica_killed_before_it_published() {
    // A Redis Cluster: a relay publishes each change after its reply, and a sweep
    // finds what a replica killed in between left. Three replicas and a fourth that
    // never publishes (as one killed after every change would be), then killed too.
    let cluster = redbank_testkit::RedisCluster::start(3);
    let store = crate::cluster::cluster_store(&cluster).await;
    let key = crate::cluster::key(&store, Grant::Admin).await;
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(
            ServerProcess::start_on_cluster(&cluster.urls(), &["--events-sweep-secs", "1"], &key).await,
        );
    }
    replicas.push(ServerProcess::start_on_cluster(&cluster.urls(), &["--test-relay-off"], &key).await);
    follow_every_account_through(replicas, 3, &store, 3_000).await;
}

/// `changes` deposits and transfers sent at once by 32 writers through `replicas`;
/// mid-run, replicas 0 and `also_killed` are killed with `kill -9` (writers retry on
/// another with their request id). A follower of every account (from the start of
/// the feed, dropping its stream on purpose after 1,000 events and resuming from its
/// cursor) gets every entry exactly once, in each account's order; a follower of one
/// account alongside gets its history.
async fn follow_every_account_through(
    mut replicas: Vec<ServerProcess>,
    also_killed: usize,
    store: &redbank_store::Store,
    changes: usize,
) {
    const ACCOUNTS: usize = 40;
    const WRITERS: usize = 32;
    let mut c = BankClient::new(channel(replicas[1].addr).await);
    let ids: Vec<String> = (0..ACCOUNTS).map(|i| format!("all-{i}")).collect();
    for id in &ids {
        create(&mut c, id, "USD").await;
        c.deposit(deposit_req(id, usd(1000, 0), &format!("seed-{id}"))).await.unwrap();
    }
    // From the start of the feed (a new Redis): every entry of every account.
    let (every, stop_every) = follower(replicas[1].addr, "", "0-0", 1_000);
    let (one, stop_one) = follower(replicas[2].addr, &ids[3], "0-0", usize::MAX);
    let addrs: Vec<_> = replicas.iter().map(|r| r.addr).collect();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (addrs, ids) = (addrs.clone(), ids.clone());
            tokio::spawn(async move {
                let mut clients = Vec::new();
                for addr in &addrs {
                    clients.push(BankClient::new(channel(*addr).await));
                }
                for n in (w..changes).step_by(WRITERS) {
                    change(&mut clients, w % addrs.len(), n, &ids, &format!("c-{n}")).await;
                }
            })
        })
        .collect();
    while every.lock().unwrap().len() < changes / 5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    replicas[also_killed].kill();
    replicas[0].kill();
    for w in writers {
        w.await.unwrap();
    }
    let mut history = HashMap::new();
    for id in &ids {
        history.insert(id.clone(), store.history(&account_id(id)).await.unwrap());
    }
    let total: usize = history.values().map(Vec::len).sum();
    assert!(total >= ACCOUNTS * 2 + changes, "{total} entries");
    wait_for(&every, total).await;
    wait_for(&one, history[&ids[3]].len()).await;
    // A little longer: nothing more may come.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = (stop_every.send(true), stop_one.send(true));
    let every = every.lock().unwrap().clone();
    assert_every_entry_once(&every, &history, &ids);
    let one: Vec<String> = one.lock().unwrap().iter().map(|(_, e)| e.cursor.clone()).collect();
    let want: Vec<String> = history[&ids[3]].iter().map(|t| t.id.clone()).collect();
    assert_eq!(one, want, "the follower of one account alongside");
}

/// What a follower of every account got is every entry of `ids` exactly once, each
/// account's in its history's order, fields as the history has them, under cursors
/// that grow; and it resumed at least once.
fn assert_every_entry_once(
    every: &[(usize, v1::Event)],
    history: &HashMap<String, Vec<redbank_domain::Transaction>>,
    ids: &[String],
) {
    let total: usize = history.values().map(Vec::len).sum();
    assert_eq!(every.len(), total, "every entry once");
    assert!(every.iter().any(|(stream, _)| *stream > 1), "the follower resumed at least once");
    let mut by_account: HashMap<String, Vec<&v1::Event>> = HashMap::new();
    for (_, e) in every {
        by_account.entry(e.account_id.clone()).or_default().push(e);
    }
    for id in ids {
        let want = &history[id];
        let got = &by_account[id];
        let got_ids: Vec<&str> =
            got.iter().map(|e| e.transaction.as_ref().unwrap().transaction_id.as_str()).collect();
        let want_ids: Vec<&str> = want.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(got_ids, want_ids, "{id}: every entry, in its history's order");
        for (e, t) in got.iter().zip(want) {
            let tx = e.transaction.as_ref().unwrap();
            assert_eq!(e.event_id, format!("{id}/{}", t.id));
            assert_eq!(
                (cents(&tx.amount), cents(&tx.balance_after)),
                (t.amount.minor(), t.balance_after.minor())
            );
            assert_eq!(tx.request_id, t.request_id.as_ref().map(ToString::to_string).unwrap_or_default());
        }
    }
    // The feed's cursors grow: a follower resumes after any of them.
    assert!(every.windows(2).all(|w| {
        let c = |e: &v1::Event| redbank_domain::EventCursor::parse(&e.cursor).unwrap();
        c(&w[0].1) < c(&w[1].1)
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_staff_follow_every_account_and_an_expired_cursor_says_so() {
    // No relay: only this test's own store trims.
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| c.test_relay_off = true).await;
    let mut c = app.v1().await;
    create(&mut c, "x-1", "USD").await;
    let alice = make_key(&app.redis.url(), Grant::Customer(CustomerId::parse("alice").unwrap())).await;
    let mut as_alice = EventsClient::new(as_key(raw_channel(app.addr).await, &alice));
    assert_eq!(
        code_reason(as_alice.subscribe(subscribe("", "")).await),
        (Code::PermissionDenied, "PERMISSION_DENIED".into())
    );
    for grant in [Grant::Teller, Grant::Auditor] {
        let key = make_key(&app.redis.url(), grant.clone()).await;
        let mut staff = EventsClient::new(as_key(raw_channel(app.addr).await, &key));
        assert!(staff.subscribe(subscribe("", "")).await.is_ok(), "{grant:?}");
    }
    let mut events = EventsClient::new(channel(app.addr).await);
    assert_eq!(
        code_reason(events.subscribe(subscribe("", "soon")).await),
        (Code::InvalidArgument, "INVALID_CURSOR".into())
    );
    // A feed that keeps events a millisecond: what it trimmed is refused, never skipped.
    let short = redbank_store::Store::connect(&redbank_store::StoreConfig {
        feed_retention: Duration::from_millis(1),
        ..redbank_store::StoreConfig::new(app.redis.url())
    })
    .unwrap();
    c.deposit(deposit_req("x-1", usd(1, 0), "x-a")).await.unwrap();
    let first = short.feed_after(Some(redbank_domain::EventCursor::START), 10).await.unwrap();
    assert_eq!(first.events.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    short.publish(&[]).await.unwrap();
    let refused = events.subscribe(subscribe("", "0-0")).await;
    assert_eq!(code_reason(refused), (Code::FailedPrecondition, "EVENTS_EXPIRED".into()));
    // From the event it had seen, nothing was lost: served.
    assert!(events.subscribe(subscribe("", &first.cursor.to_string())).await.is_ok());
    // From now, after the trim: the next change comes.
    let mut from_now = events.subscribe(subscribe("", "")).await.unwrap().into_inner();
    c.deposit(deposit_req("x-1", usd(1, 0), "x-b")).await.unwrap();
    let next =
        tokio::time::timeout(Duration::from_secs(60), from_now.message()).await.unwrap().unwrap().unwrap();
    assert_eq!(next.transaction.unwrap().request_id, "x-b");
    app.stop().await;
}

/// Waits (for hangs: 60 s) until the feed holds every history entry of `ids`, then
/// asserts what a follower of every account from the start would see: each
/// account's entries in its history's order, with repeats (only after a failover
/// lost the feed's last writes) carrying the same event id as the first. Returns
/// how many events were repeats.
pub async fn assert_feed_has_every_entry(store: &redbank_store::Store, ids: &[String]) -> usize {
    let started = Instant::now();
    loop {
        let mut history = HashMap::new();
        for id in ids {
            history.insert(id.clone(), store.history(&account_id(id)).await.unwrap());
        }
        let mut feed = Vec::new();
        let mut after = redbank_domain::EventCursor::START;
        loop {
            let read = store.feed_after(Some(after), 1000).await.unwrap();
            if read.events.is_empty() {
                break;
            }
            after = read.cursor;
            feed.extend(read.events);
        }
        let mut by_account: HashMap<String, Vec<String>> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        let mut repeats = 0;
        for e in &feed {
            if seen.insert((e.account.to_string(), e.transaction.id.clone())) {
                by_account.entry(e.account.to_string()).or_default().push(e.transaction.id.clone());
            } else {
                repeats += 1;
            }
        }
        let complete = ids.iter().all(|id| {
            let want: Vec<String> = history[id].iter().map(|t| t.id.clone()).collect();
            by_account.get(id).cloned().unwrap_or_default() == want
        });
        if complete {
            return repeats;
        }
        if started.elapsed() > Duration::from_secs(60) {
            for id in ids {
                let want: Vec<String> = history[id].iter().map(|t| t.id.clone()).collect();
                assert_eq!(
                    by_account.get(id).cloned().unwrap_or_default(),
                    want,
                    "{id}: the feed after a minute"
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
