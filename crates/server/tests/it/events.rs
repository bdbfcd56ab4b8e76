//! Following an account's changes (`redbank.v1.Events/Subscribe`): every history
//! entry, in order, as history has it, through concurrent changes on two
//! replicas; resumed from a cursor with nothing missed; only for who may read the
//! account; an archived or made-up cursor refused with its reason; at most the
//! configured number of subscriptions at once.

use std::time::Duration;

use redbank_api::v1::{self, events_client::EventsClient};
use redbank_domain::{CustomerId, Grant};
use tonic::Code;

use crate::helpers::*;

/// A stream's next message, with a deadline for hangs: Ok(Some(event)), Ok(None)
/// at the stream's end, or the stream's error.
async fn next_event(stream: &mut tonic::Streaming<v1::Event>) -> Result<Option<v1::Event>, tonic::Status> {
    tokio::time::timeout(Duration::from_secs(60), stream.message()).await.expect("a stream that hangs")
}

fn subscribe(account: &str, after: &str) -> v1::SubscribeRequest {
    v1::SubscribeRequest { account_id: account.into(), after: after.into() }
}

/// Follows `account` from `after` until `want` events have come, resubscribing
/// from the last cursor whenever a stream ends (each ends before its call's
/// deadline). Answers the events.
async fn follow(
    events: &mut EventsClient<Chan>,
    account: &str,
    mut after: String,
    want: usize,
) -> Vec<v1::Event> {
    let mut seen = Vec::new();
    while seen.len() < want {
        let mut stream = events.subscribe(subscribe(account, &after)).await.unwrap().into_inner();
        while seen.len() < want {
            match next_event(&mut stream).await.unwrap() {
                Some(e) => {
                    after = e.cursor.clone();
                    seen.push(e);
                }
                None => break,
            }
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_sees_every_entry_in_order_through_concurrent_changes_on_two_replicas() {
    let app = spawn_app().await;
    let other = ServerProcess::start(&app.redis.url()).await;
    let mut c = app.v1().await;
    create(&mut c, "f", "USD").await;
    // From now: the follower starts before the changes.
    let mut events = EventsClient::new(channel(app.addr).await);
    let mut stream = events.subscribe(subscribe("f", "")).await.unwrap().into_inner();
    const WRITERS: usize = 8;
    const CHANGES: usize = 40;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let addr = if w % 2 == 0 { app.addr } else { other.addr };
            tokio::spawn(async move {
                let mut c = redbank_api::v1::bank_client::BankClient::new(channel(addr).await);
                for n in 0..CHANGES {
                    let rid = format!("w{w}-{n}");
                    c.deposit(deposit_req("f", usd(1 + n as i64, 0), &rid)).await.unwrap();
                }
            })
        })
        .collect();
    let mut seen = Vec::new();
    let mut after = String::new();
    while seen.len() < WRITERS * CHANGES {
        match next_event(&mut stream).await.unwrap() {
            Some(e) => {
                after = e.cursor.clone();
                seen.push(e);
            }
            None => {
                stream = events.subscribe(subscribe("f", &after)).await.unwrap().into_inner();
            }
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    let history = store(&app.redis).history(&account_id("f")).await.unwrap();
    let ids: Vec<&str> = history.iter().map(|t| t.id.as_str()).collect();
    let got: Vec<&str> =
        seen.iter().map(|e| e.transaction.as_ref().unwrap().transaction_id.as_str()).collect();
    assert_eq!(got, ids, "every entry once, in order");
    for (e, t) in seen.iter().zip(&history) {
        assert_eq!(e.cursor, t.id);
        assert_eq!(e.event_id, format!("f/{}", t.id));
        assert_eq!(cents(&e.transaction.as_ref().unwrap().balance_after), t.balance_after.minor());
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_resumes_from_its_cursor_with_nothing_missed_and_nothing_twice() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "r", "USD").await;
    for n in 0..5 {
        c.deposit(deposit_req("r", usd(1, 0), &format!("a-{n}"))).await.unwrap();
    }
    let mut events = EventsClient::new(channel(app.addr).await);
    // From the start of the history: the five, then it is dropped mid-stream.
    let first = follow(&mut events, "r", "0-0".into(), 3).await;
    // Changes while nobody follows.
    for n in 0..4 {
        c.deposit(deposit_req("r", usd(2, 0), &format!("b-{n}"))).await.unwrap();
    }
    let rest = follow(&mut events, "r", first.last().unwrap().cursor.clone(), 6).await;
    let history = store(&app.redis).history(&account_id("r")).await.unwrap();
    let got: Vec<String> = first.iter().chain(&rest).map(|e| e.cursor.clone()).collect();
    let want: Vec<String> = history.iter().map(|t| t.id.clone()).collect();
    assert_eq!(got, want);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_who_may_read_an_account_may_follow_it() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    for (id, customer) in [("alice-1", "alice"), ("bob-1", "bob")] {
        let req = v1::CreateAccountRequest {
            customer_id: customer.into(),
            account_id: id.into(),
            r#type: v1::AccountType::Checking.into(),
            currency_code: "USD".into(),
            request_id: String::new(),
        };
        c.create_account(req).await.unwrap();
    }
    let alice = make_key(&app.redis.url(), Grant::Customer(CustomerId::parse("alice").unwrap())).await;
    let mut as_alice = EventsClient::new(as_key(raw_channel(app.addr).await, &alice));
    for (account, what) in [("bob-1", "another's account"), ("nobody", "an account that does not exist")] {
        assert_eq!(
            code_reason(as_alice.subscribe(subscribe(account, "")).await),
            (Code::PermissionDenied, "PERMISSION_DENIED".into()),
            "{what}"
        );
    }
    let mut own = as_alice.subscribe(subscribe("alice-1", "")).await.unwrap().into_inner();
    c.deposit(deposit_req("alice-1", usd(5, 0), "own-1")).await.unwrap();
    let e = next_event(&mut own).await.unwrap().unwrap();
    assert_eq!(e.transaction.unwrap().request_id, "own-1");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archived_or_made_up_cursor_is_refused_with_its_reason() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "old", "USD").await;
    for n in 0..3 {
        c.deposit(deposit_req("old", usd(1, 0), &format!("o-{n}"))).await.unwrap();
    }
    let store = store(&app.redis);
    let history = store.history(&account_id("old")).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let (point, archived) = store.archivable(&account_id("old"), now + 1000, 2).await.unwrap();
    assert_eq!(archived.len(), 2);
    store.trim_archived(&account_id("old"), &point, &archived).await.unwrap();
    let mut events = EventsClient::new(channel(app.addr).await);
    // After the first entry: the second was archived.
    assert_eq!(
        code_reason(events.subscribe(subscribe("old", &history[0].id)).await),
        (Code::FailedPrecondition, "HISTORY_ARCHIVED".into())
    );
    for bad in ["yesterday", "1-2-3", "-1"] {
        assert_eq!(
            code_reason(events.subscribe(subscribe("old", bad)).await),
            (Code::InvalidArgument, "INVALID_CURSOR".into()),
            "{bad}"
        );
    }
    // After the last archived one: the rest, as it is.
    let rest = follow(&mut events, "old", history[1].id.clone(), 1).await;
    assert_eq!(rest[0].cursor, history[2].id);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_sent_at_once_past_the_cap_are_refused_and_a_stream_ends_before_its_deadline() {
    const CAP: usize = 3;
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| c.max_subscriptions = CAP).await;
    let mut c = app.v1().await;
    create(&mut c, "capped", "USD").await;
    let calls: Vec<_> = (0..2 * CAP)
        .map(|_| {
            let addr = app.addr;
            tokio::spawn(async move {
                let mut events = EventsClient::new(channel(addr).await);
                events.subscribe(subscribe("capped", "")).await.map(|r| r.into_inner())
            })
        })
        .collect();
    let mut open = Vec::new();
    let mut refused = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(stream) => open.push(stream),
            Err(status) => {
                assert_eq!(
                    code_reason::<()>(Err(status)),
                    (Code::ResourceExhausted, "TOO_MANY_SUBSCRIPTIONS".into())
                );
                refused += 1;
            }
        }
    }
    assert_eq!((open.len(), refused), (CAP, CAP));
    drop(open);
    // A freed place is taken again (the streams' ends are noticed within a poll).
    let mut again = None;
    for _ in 0..100 {
        let mut events = EventsClient::new(channel(app.addr).await);
        if let Ok(r) = events.subscribe(subscribe("capped", "")).await {
            again = Some(r.into_inner());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(again.is_some(), "a place freed by a closed stream is never given back");
    // With a 2-second deadline of its own, a subscription ends OK before it.
    let mut events = EventsClient::new(channel(app.addr).await);
    let mut request = tonic::Request::new(subscribe("capped", ""));
    request.set_timeout(Duration::from_secs(2));
    let mut stream = events.subscribe(request).await.unwrap().into_inner();
    let end = next_event(&mut stream).await;
    assert!(matches!(end, Ok(None)), "ends OK, not DEADLINE_EXCEEDED: {end:?}");
    app.stop().await;
}

/// At shutdown a subscription ends, and the server does not wait for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_subscriptions_and_the_server_exits() {
    let redis = redbank_testkit::RedisServer::start();
    // Calls may last ten minutes: the subscription's own deadline is far away, so
    // only the shutdown can end it before the test's wait for the exit runs out.
    let flags = ["--shutdown-grace-ms", "0", "--request-timeout-ms", "600000"];
    let mut server = ServerProcess::start_with(&redis.url(), &flags, None).await;
    let mut c = redbank_api::v1::bank_client::BankClient::new(channel(server.addr).await);
    create(&mut c, "s", "USD").await;
    let mut events = EventsClient::new(channel(server.addr).await);
    let mut stream = events.subscribe(subscribe("s", "")).await.unwrap().into_inner();
    server.send_term();
    // The stream ends (or its connection with it); it does not hang.
    let _ = next_event(&mut stream).await;
    let status = server.wait_exit().await;
    assert!(status.success(), "exit status {status:?}");
}
