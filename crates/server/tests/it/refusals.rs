//! What a refused call leaves behind (nothing) and what a customer learns of
//! accounts it does not own (only whether a payee can receive), through the API
//! against a real Redis.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use redbank_api::v1;
use redbank_domain::{CustomerId, Grant};
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::*;

fn open(id: &str, currency: &str, customer: &str) -> v1::CreateAccountRequest {
    v1::CreateAccountRequest {
        account_id: id.into(),
        r#type: v1::AccountType::Checking.into(),
        currency_code: currency.into(),
        customer_id: customer.into(),
        ..Default::default()
    }
}

fn hold_req(
    account: &str,
    amount: Option<v1::Money>,
    rid: &str,
    expire_in: Option<Duration>,
) -> v1::CreateHoldRequest {
    let expire_time = expire_in.map(|d| {
        let at = std::time::SystemTime::now() + d;
        prost_types::Timestamp::from(at)
    });
    v1::CreateHoldRequest {
        account_id: account.into(),
        amount,
        request_id: rid.into(),
        memo: String::new(),
        expire_time,
    }
}

fn capture_req(hold: &str, to: &str, rid: &str) -> v1::CaptureHoldRequest {
    v1::CaptureHoldRequest {
        hold_id: hold.into(),
        amount: None,
        to_account_id: to.into(),
        request_id: rid.into(),
        memo: String::new(),
    }
}

/// Every key and every member of the due index, for "nothing was left behind".
async fn footprint(redis_url: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let client = redis::Client::open(redis_url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query_async(&mut conn).await.unwrap();
    let mut due = BTreeSet::new();
    for key in keys.iter().filter(|k| k.starts_with("holds:{due-")) {
        let members: Vec<String> =
            redis::cmd("ZRANGE").arg(key).arg(0).arg(-1).query_async(&mut conn).await.unwrap();
        due.extend(members);
    }
    // The access log's and the credentials' bookkeeping move with every call
    // (a key's last use); accounts, holds and indexes must not.
    let keys = keys.into_iter().filter(|k| !k.starts_with("cred:")).collect();
    (keys, due)
}

async fn due_score(redis_url: &str, hold: &str) -> Option<f64> {
    let client = redis::Client::open(redis_url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for shard in 0..16 {
        let score: Option<f64> = redis::cmd("ZSCORE")
            .arg(format!("holds:{{due-{shard}}}"))
            .arg(hold)
            .query_async(&mut conn)
            .await
            .unwrap();
        if score.is_some() {
            return score;
        }
    }
    None
}

/// Sends `n` calls at once (in waves of 64 in flight) and answers each code and reason.
async fn at_once<F, Fut>(n: usize, call: F) -> Vec<(Code, String)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = (Code, String)> + Send + 'static,
{
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    while start < n {
        let end = (start + 64).min(n);
        let wave: Vec<_> = (start..end).map(|i| tokio::spawn(call(i))).collect();
        for t in wave {
            out.push(t.await.unwrap());
        }
        start = end;
    }
    out
}

/// Two customers' keys, alice (alice-1, 100.00 USD) and mallory (mallory-1, USD,
/// empty), and the admin's client.
async fn alice_and_mallory(
    app: &TestApp,
) -> (String, String, redbank_api::v1::bank_client::BankClient<Chan>) {
    let url = app.redis.url();
    let alice = make_key(&url, Grant::Customer(CustomerId::parse("alice").unwrap())).await;
    let mallory = make_key(&url, Grant::Customer(CustomerId::parse("mallory").unwrap())).await;
    let mut admin = app.v1().await;
    admin.create_account(open("alice-1", "USD", "alice")).await.unwrap();
    admin.create_account(open("mallory-1", "USD", "mallory")).await.unwrap();
    admin.deposit(deposit_req("alice-1", usd(100, 0), "seed-a")).await.unwrap();
    (alice, mallory, admin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_refused_hold_calls_leave_redis_as_it_was() {
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| c.transfer_recovery_secs = 3600).await;
    let url = app.redis.url();
    let (alice, mallory, mut admin) = alice_and_mallory(&app).await;
    admin.create_account(open("mallory-eur", "EUR", "mallory")).await.unwrap();
    admin.deposit(deposit_req("mallory-1", usd(5, 0), "seed-m")).await.unwrap();
    let mut a = app.v1_as(&alice).await;
    let held = a.create_hold(hold_req("alice-1", usd(40, 0), "alice-h", None)).await.unwrap().into_inner();
    let alice_hold = held.hold.unwrap().hold_id;
    // A hold of mallory's own, retried 200 times with its request id: one hold.
    let m = app.v1_as(&mallory).await;
    let first =
        m.clone().create_hold(hold_req("mallory-1", usd(1, 0), "m-h", None)).await.unwrap().into_inner();
    let mallory_hold = first.hold.unwrap().hold_id;
    let alice_score = due_score(&url, &alice_hold).await.unwrap();
    let before = footprint(&url).await;
    assert!(before.1.contains(&alice_hold) && before.1.contains(&mallory_hold), "{before:?}");

    let retries = at_once(200, |_| {
        let mut m = m.clone();
        async move {
            match m.create_hold(hold_req("mallory-1", usd(1, 0), "m-h", None)).await {
                Ok(r) => (Code::Ok, r.into_inner().hold.unwrap().hold_id),
                Err(s) => code_reason::<()>(Err(s)),
            }
        }
    })
    .await;
    let other: Vec<_> = retries.iter().filter(|r| **r != (Code::Ok, mallory_hold.clone())).take(5).collect();
    assert!(other.is_empty(), "{other:?}");

    // Refused holds: someone else's account, a missing one, the wrong currency,
    // more than the available balance (no request id: nothing to remember).
    let refused_holds = at_once(2_000, |i| {
        let mut m = m.clone();
        async move {
            let request = match i % 4 {
                0 => hold_req("alice-1", usd(1, 0), &format!("r-{i}"), None),
                1 => hold_req(&format!("nobody-{i}"), usd(1, 0), &format!("r-{i}"), None),
                2 => hold_req("mallory-eur", usd(1, 0), "", Some(Duration::from_secs(366 * 86_400 - 60))),
                _ => hold_req("mallory-1", usd(500, 0), "", None),
            };
            code_reason(m.create_hold(request).await)
        }
    })
    .await;
    let reasons: BTreeSet<_> = refused_holds.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        reasons,
        ["CURRENCY_MISMATCH", "INSUFFICIENT_FUNDS", "PERMISSION_DENIED"].into_iter().collect::<BTreeSet<_>>()
    );

    // Refused captures and voids: someone else's hold, made-up holds on one's own
    // account, and one's own hold captured to a missing account.
    let refused_captures = at_once(1_500, |i| {
        let (mut m, alice_hold, mallory_hold) = (m.clone(), alice_hold.clone(), mallory_hold.clone());
        async move {
            let made_up = format!("mallory-1:h{:016x}", i + 1);
            match i % 5 {
                0 => code_reason(
                    m.capture_hold(capture_req(&alice_hold, "mallory-1", &format!("c-{i}"))).await,
                ),
                1 => {
                    code_reason(m.capture_hold(capture_req(&made_up, "mallory-eur", &format!("c-{i}"))).await)
                }
                2 => code_reason(
                    m.void_hold(v1::VoidHoldRequest {
                        hold_id: alice_hold,
                        request_id: format!("v-{i}"),
                        memo: String::new(),
                    })
                    .await,
                ),
                3 => code_reason(
                    m.void_hold(v1::VoidHoldRequest {
                        hold_id: made_up,
                        request_id: String::new(),
                        memo: String::new(),
                    })
                    .await,
                ),
                _ => code_reason(m.capture_hold(capture_req(&mallory_hold, "nobody", "")).await),
            }
        }
    })
    .await;
    let reasons: BTreeSet<_> = refused_captures.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        reasons,
        ["HOLD_NOT_FOUND", "PAYEE_CANNOT_RECEIVE", "PERMISSION_DENIED"].into_iter().collect::<BTreeSet<_>>()
    );

    let after = footprint(&url).await;
    assert_eq!(before.0, after.0, "keys made by refused calls");
    assert_eq!(before.1, after.1, "due-index entries made by refused calls");
    // Alice's hold is due no later than before (a refused capture may only bring a
    // look at it forward, never push its expiry back).
    assert!(due_score(&url, &alice_hold).await.unwrap() <= alice_score);
    let alice_now = admin.get_account(v1::GetAccountRequest { account_id: "alice-1".into() }).await.unwrap();
    assert_eq!(cents(&alice_now.into_inner().held_balance), 4_000);
    assert_invariants(&app.redis).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_captures_do_not_keep_another_customers_hold_from_expiring() {
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| c.transfer_recovery_secs = 1).await;
    let (alice, mallory, mut admin) = alice_and_mallory(&app).await;
    let mut a = app.v1_as(&alice).await;
    let held = a
        .create_hold(hold_req("alice-1", usd(100, 0), "short", Some(Duration::from_secs(2))))
        .await
        .unwrap()
        .into_inner();
    let hold_id = held.hold.unwrap().hold_id;
    let expire_at = Instant::now() + Duration::from_secs(2);
    // Mallory keeps trying to capture it, refused each time, until it is gone.
    let mut m = app.v1_as(&mallory).await;
    let give_up = Instant::now() + Duration::from_secs(60);
    let released = loop {
        let r = m.capture_hold(capture_req(&hold_id, "mallory-1", "")).await;
        assert_eq!(code_reason(r).1, "PERMISSION_DENIED");
        let account =
            admin.get_account(v1::GetAccountRequest { account_id: "alice-1".into() }).await.unwrap();
        if cents(&account.into_inner().held_balance) == 0 {
            break Instant::now();
        }
        assert!(Instant::now() < give_up, "the hold was never expired");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Expired by the worker: due at its expiry plus the clock grace (2 s), found
    // within a pass (1 s); the refused captures did not push it back by their
    // recovery deadline over and over (it used to be held as long as they went on).
    let late = released.saturating_duration_since(expire_at);
    assert!(late < Duration::from_secs(20), "released {late:?} after its expiry");
    let got = admin.get_hold(v1::GetHoldRequest { hold_id }).await.unwrap().into_inner();
    assert_eq!(got.state, v1::HoldState::Expired as i32);
    assert_invariants(&app.redis).await;
    app.stop().await;
}

/// The code, reason and metadata of a refusal, for comparing answers.
fn details<T: std::fmt::Debug>(r: Result<T, tonic::Status>) -> (Code, String, Vec<(String, String)>) {
    let status = r.expect_err("a refusal");
    let info = status.get_details_error_info().expect("an ErrorInfo");
    let mut meta: Vec<_> = info.metadata.into_iter().collect();
    meta.sort();
    (status.code(), info.reason, meta)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_learns_only_whether_anothers_account_can_receive() {
    let app = spawn_app().await;
    let url = app.redis.url();
    let alice = make_key(&url, Grant::Customer(CustomerId::parse("alice").unwrap())).await;
    let mut admin = app.v1().await;
    for (id, cur, owner) in [
        ("alice-1", "USD", "alice"),
        ("alice-frozen", "USD", "alice"),
        ("alice-eur", "EUR", "alice"),
        ("bob-usd", "USD", "bob"),
        ("bob-eur", "EUR", "bob"),
        ("bob-frozen", "USD", "bob"),
        ("bob-closed", "USD", "bob"),
    ] {
        admin.create_account(open(id, cur, owner)).await.unwrap();
    }
    admin.deposit(deposit_req("alice-1", usd(100, 0), "seed")).await.unwrap();
    for id in ["alice-frozen", "bob-frozen"] {
        admin
            .freeze_account(v1::FreezeAccountRequest {
                account_id: id.into(),
                reason: "test".into(),
                request_id: String::new(),
            })
            .await
            .unwrap();
    }
    admin
        .close_account(v1::CloseAccountRequest {
            account_id: "bob-closed".into(),
            reason: "test".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let a = app.v1_as(&alice).await;
    let transfer = |to: &str| {
        let mut a = a.clone();
        let to = to.to_owned();
        async move {
            a.transfer(v1::TransferRequest {
                from_account_id: "alice-1".into(),
                to_account_id: to,
                amount: usd(1, 0),
                request_id: String::new(),
                memo: String::new(),
            })
            .await
        }
    };
    let capture = |to: &str| {
        let mut a = a.clone();
        let to = to.to_owned();
        async move {
            let held = a.create_hold(hold_req("alice-1", usd(1, 0), "", None)).await.unwrap().into_inner();
            let hold_id = held.hold.unwrap().hold_id;
            let r = a.capture_hold(capture_req(&hold_id, &to, "")).await;
            a.void_hold(v1::VoidHoldRequest { hold_id, request_id: String::new(), memo: String::new() })
                .await
                .unwrap();
            r
        }
    };
    // Missing, another currency, frozen, closed: one answer, naming only the id
    // the customer sent.
    for to in ["nobody", "bob-eur", "bob-frozen", "bob-closed"] {
        let expected = (
            Code::FailedPrecondition,
            "PAYEE_CANNOT_RECEIVE".to_owned(),
            vec![("account_id".to_owned(), to.to_owned())],
        );
        assert_eq!(details(transfer(to).await), expected, "transfer to {to}");
        assert_eq!(details(capture(to).await), expected, "capture to {to}");
        let status = transfer(to).await.unwrap_err();
        assert_eq!(status.message(), format!("account {to} cannot receive this payment"));
    }
    // A payee that can receive: the transfer goes through (a bank may confirm
    // that), and the answer leaves out the payee's side.
    let done = transfer("bob-usd").await.unwrap().into_inner();
    assert!(done.to_transaction.is_none() && done.to_account.is_none(), "{done:?}");
    // The customer's own accounts: the whole reason.
    assert_eq!(
        code_reason(transfer("alice-frozen").await),
        (Code::FailedPrecondition, "ACCOUNT_FROZEN".into())
    );
    assert_eq!(
        code_reason(transfer("alice-eur").await),
        (Code::FailedPrecondition, "CURRENCY_MISMATCH".into())
    );
    assert_eq!(
        code_reason(capture("alice-eur").await),
        (Code::FailedPrecondition, "CURRENCY_MISMATCH".into())
    );
    // Staff: the whole reason for anyone's account.
    let mut staff = app.v1().await;
    let r = staff
        .transfer(v1::TransferRequest {
            from_account_id: "alice-1".into(),
            to_account_id: "bob-eur".into(),
            amount: usd(1, 0),
            request_id: String::new(),
            memo: String::new(),
        })
        .await;
    assert_eq!(code_reason(r), (Code::FailedPrecondition, "CURRENCY_MISMATCH".into()));
    assert_invariants(&app.redis).await;
    app.stop().await;
}

/// A customer paid by another customer sees the payment and the account it came
/// from, not the payer's credential: the entry's actor is withheld, in history,
/// statements and events alike, while the payer still sees its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_paid_by_another_is_not_shown_the_payers_credential() {
    let app = spawn_app().await;
    let (alice, mallory, _admin) = alice_and_mallory(&app).await;
    let mut a = app.v1_as(&alice).await;
    a.transfer(v1::TransferRequest {
        from_account_id: "alice-1".into(),
        to_account_id: "mallory-1".into(),
        amount: usd(7, 0),
        request_id: "pay-m".into(),
        memo: "for lunch".into(),
    })
    .await
    .unwrap();
    let mut m = app.v1_as(&mallory).await;
    let history =
        |account: &str| v1::ListTransactionsRequest { account_id: account.into(), ..Default::default() };
    let received = m.list_transactions(history("mallory-1")).await.unwrap().into_inner().transactions;
    let payment = received.iter().find(|t| t.kind == i32::from(v1::TransactionKind::TransferIn)).unwrap();
    assert_eq!((payment.counterparty_account_id.as_str(), payment.memo.as_str()), ("alice-1", "for lunch"));
    assert_eq!(payment.actor, "", "mallory is shown alice's key: {payment:?}");
    let sent = a.list_transactions(history("alice-1")).await.unwrap().into_inner().transactions;
    let paid = sent.iter().find(|t| t.kind == i32::from(v1::TransactionKind::TransferOut)).unwrap();
    assert_eq!(paid.actor, format!("key:{}", &alice[4..20]), "alice sees her own key");
    // The bank's staff see who made it.
    let staff =
        app.v1().await.list_transactions(history("mallory-1")).await.unwrap().into_inner().transactions;
    let seen = staff.iter().find(|t| t.kind == i32::from(v1::TransactionKind::TransferIn)).unwrap();
    assert_eq!(seen.actor, format!("key:{}", &alice[4..20]));
    // A statement says the same.
    let now = std::time::SystemTime::now();
    let statement = m
        .get_statement(v1::GetStatementRequest {
            account_id: "mallory-1".into(),
            start_time: Some(prost_types::Timestamp::from(now - Duration::from_secs(3600))),
            end_time: Some(prost_types::Timestamp::from(now + Duration::from_secs(3600))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        statement
            .transactions
            .iter()
            .all(|t| t.actor.is_empty() || t.kind != i32::from(v1::TransactionKind::TransferIn))
    );
}

/// ListHolds pages through an account's open holds, the soonest to expire first,
/// each once (holds that expire in the same millisecond included, and a hold
/// settled between pages shifting nothing); a customer lists its own accounts'
/// holds only, and a made-up page token is refused with a reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_holds_are_listed_in_pages_each_once() {
    let app = spawn_app().await;
    let (alice, mallory, mut admin) = alice_and_mallory(&app).await;
    let mut a = app.v1_as(&alice).await;
    // Five holds expiring in the same millisecond, one later and one sooner.
    let base = std::time::SystemTime::now() + Duration::from_secs(86_400);
    let same = Duration::from_secs(3600);
    for (i, ahead) in [same, same, same, same, same, Duration::from_secs(7200), Duration::from_secs(1800)]
        .into_iter()
        .enumerate()
    {
        let mut req = hold_req("alice-1", usd(1, 0), &format!("list-{i}"), None);
        req.expire_time = Some(prost_types::Timestamp::from(base + ahead));
        a.create_hold(req).await.unwrap();
    }
    let list = |token: &str, size: i32| v1::ListHoldsRequest {
        account_id: "alice-1".into(),
        page_size: size,
        page_token: token.into(),
    };
    let (mut seen, mut token, mut pages) = (Vec::new(), String::new(), 0);
    loop {
        let page = a.list_holds(list(&token, 2)).await.unwrap().into_inner();
        assert!(page.holds.len() <= 2);
        pages += 1;
        seen.extend(page.holds);
        if pages == 2 {
            // A hold settled between pages: the next pages neither skip nor repeat.
            let gone = seen[0].hold_id.clone();
            admin
                .void_hold(v1::VoidHoldRequest { hold_id: gone, request_id: "v".into(), memo: String::new() })
                .await
                .unwrap();
        }
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    let mut ids: Vec<&str> = seen.iter().map(|h| h.hold_id.as_str()).collect();
    let expiries: Vec<i64> = seen.iter().map(|h| h.expire_time.as_ref().unwrap().seconds).collect();
    assert!(expiries.windows(2).all(|w| w[0] <= w[1]), "soonest first: {expiries:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 7, "each hold once: {seen:?}");
    assert_eq!(pages, 4);
    // The whole list in one page, the voided one gone.
    let all = a.list_holds(list("", 0)).await.unwrap().into_inner();
    assert_eq!((all.holds.len(), all.next_page_token.as_str()), (6, ""));
    // Another customer's account: refused as if it did not exist; a made-up token.
    let mut m = app.v1_as(&mallory).await;
    let refused = m.list_holds(list("", 0)).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let bad = a.list_holds(list("not-a-token", 0)).await.unwrap_err();
    assert_eq!(bad.get_details_error_info().map(|i| i.reason).as_deref(), Some("INVALID_PAGE_TOKEN"));
}
