//! redbank.v1.Bank: every call, each success and each refusal, with codes and reasons.

use redbank_api::v1;
use redbank_domain::{AnnualRate, InterestDays, RateCeiling, interest_minor};
use redbank_testkit::Persistence;
use tonic::Code;

use crate::helpers::*;

#[tokio::test]
async fn account_lifecycle_with_exact_money() {
    let app = spawn_app().await;
    let mut c = app.v1().await;

    let created = c
        .create_account(v1::CreateAccountRequest {
            customer_id: String::new(),
            account_id: "alice".into(),
            r#type: v1::AccountType::Checking.into(),
            currency_code: String::new(),
            request_id: "create-1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.account_id, "alice");
    assert_eq!(created.r#type, i32::from(v1::AccountType::Checking));
    assert_eq!(created.balance, usd(0, 0), "the default currency is USD");
    assert_eq!(created.version, 0);
    let ctime = created.create_time.unwrap();
    assert!(ctime.seconds > 1_700_000_000);

    let mut req = deposit_req("alice", usd(12, 500_000_000), "dep-1");
    req.memo = "salary ✓".into();
    let dep = c.deposit(req).await.unwrap().into_inner();
    let tx = dep.transaction.unwrap();
    assert_eq!(tx.kind, i32::from(v1::TransactionKind::Deposit));
    assert_eq!(tx.amount, usd(12, 500_000_000));
    assert_eq!(tx.balance_after, usd(12, 500_000_000));
    assert_eq!((tx.request_id.as_str(), tx.memo.as_str(), tx.account_version), ("dep-1", "salary ✓", 1));
    assert_eq!(tx.account_id, "alice");
    assert!(!tx.transaction_id.is_empty());
    let acct = dep.account.unwrap();
    assert_eq!((acct.balance, acct.version, acct.create_time), (usd(12, 500_000_000), 1, Some(ctime)));

    let wd = c.withdraw(withdraw_req("alice", usd(2, 490_000_000), "wd-1")).await.unwrap().into_inner();
    let tx = wd.transaction.unwrap();
    assert_eq!(tx.kind, i32::from(v1::TransactionKind::Withdrawal));
    assert_eq!(tx.amount, usd(2, 490_000_000));
    assert_eq!(tx.balance_after, usd(10, 10_000_000));

    // 10.01 at 5% for a year is 0.5005: half-even to 0.50.
    let int = c
        .apply_interest(v1::ApplyInterestRequest {
            account_id: "alice".into(),
            annual_rate_percent: "5".into(),
            days: 0,
            request_id: "int-1".into(),
            memo: String::new(),
            period: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let tx = int.transaction.unwrap();
    assert_eq!(tx.kind, i32::from(v1::TransactionKind::Interest));
    assert_eq!(tx.amount, usd(0, 500_000_000));
    assert_eq!(tx.balance_after, usd(10, 510_000_000));

    let got = c.get_account(v1::GetAccountRequest { account_id: "alice".into() }).await.unwrap().into_inner();
    assert_eq!((got.balance, got.version), (usd(10, 510_000_000), 3));

    // The history holds exactly the three changes, oldest first.
    let history = store(&app.redis).history(&account_id("alice")).await.unwrap();
    let rids: Vec<_> = history.iter().map(|t| t.request_id.as_ref().unwrap().to_string()).collect();
    assert_eq!(rids, ["dep-1", "wd-1", "int-1"]);
    app.stop().await;
}

#[tokio::test]
async fn currencies_have_their_own_minor_units() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "yen", "JPY").await;
    create(&mut c, "dinar", "BHD").await;
    let r = c.deposit(deposit_req("yen", money("JPY", 500, 0), "")).await.unwrap().into_inner();
    assert_eq!(r.account.unwrap().balance, money("JPY", 500, 0));
    assert_eq!(
        code_reason(c.deposit(deposit_req("yen", money("JPY", 1, 500_000_000), "")).await),
        (Code::InvalidArgument, "INVALID_AMOUNT".into())
    );
    let r = c.deposit(deposit_req("dinar", money("BHD", 1, 5_000_000), "")).await.unwrap().into_inner();
    assert_eq!(r.account.unwrap().balance, money("BHD", 1, 5_000_000));
    assert_eq!(
        code_reason(c.deposit(deposit_req("dinar", money("BHD", 0, 500_000), "")).await),
        (Code::InvalidArgument, "INVALID_AMOUNT".into())
    );
    assert_eq!(
        code_reason(c.deposit(deposit_req("yen", usd(1, 0), "")).await),
        (Code::FailedPrecondition, "CURRENCY_MISMATCH".into())
    );
    app.stop().await;
}

#[tokio::test]
async fn refusals_have_codes_and_reasons_and_change_nothing() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "bob", "USD").await;
    c.deposit(deposit_req("bob", usd(100, 0), "seed")).await.unwrap();

    let bad = |r: &str| (Code::InvalidArgument, r.to_string());
    let create_req = |id: &str, t: v1::AccountType, cur: &str, rid: &str| v1::CreateAccountRequest {
        customer_id: String::new(),
        account_id: id.into(),
        r#type: t.into(),
        currency_code: cur.into(),
        request_id: rid.into(),
    };
    use v1::AccountType::{Savings, Unspecified};
    for id in ["", "a b", "x{y}", "ü", &"a".repeat(65), "a\0b"] {
        assert_eq!(
            code_reason(c.create_account(create_req(id, Savings, "", "")).await),
            bad("INVALID_ACCOUNT_ID")
        );
        assert_eq!(
            code_reason(c.get_account(v1::GetAccountRequest { account_id: id.into() }).await),
            bad("INVALID_ACCOUNT_ID")
        );
        assert_eq!(code_reason(c.deposit(deposit_req(id, usd(1, 0), "")).await), bad("INVALID_ACCOUNT_ID"));
    }
    assert_eq!(
        code_reason(c.create_account(create_req("n1", Unspecified, "", "")).await),
        bad("INVALID_ACCOUNT_TYPE")
    );
    let mut raw = create_req("n1", Savings, "", "");
    raw.r#type = 7;
    assert_eq!(code_reason(c.create_account(raw).await), bad("INVALID_ACCOUNT_TYPE"));
    for cur in ["usd", "XXX1", "ZZZ", "XAU"] {
        assert_eq!(
            code_reason(c.create_account(create_req("n1", Savings, cur, "")).await),
            bad("INVALID_CURRENCY")
        );
    }
    assert_eq!(
        code_reason(c.create_account(create_req("bob", Savings, "", "")).await),
        (Code::AlreadyExists, "ACCOUNT_EXISTS".into())
    );
    for rid in [&"r".repeat(65), "tab\t", "é"] {
        assert_eq!(
            code_reason(c.deposit(deposit_req("bob", usd(1, 0), rid)).await),
            bad("INVALID_REQUEST_ID")
        );
    }
    let mut long_memo = deposit_req("bob", usd(1, 0), "");
    long_memo.memo = "m".repeat(257);
    assert_eq!(code_reason(c.deposit(long_memo).await), bad("INVALID_MEMO"));

    let amounts = [
        None,
        usd(0, 0),
        usd(-1, 0),
        usd(0, -10_000_000),
        usd(1, -10_000_000),
        usd(0, 1_000_000_000),
        usd(0, 1),
        usd(i64::MAX, 999_999_999),
        usd(i64::MIN, 0),
        usd(10_000_000_000_001, 0),
    ];
    for amount in amounts {
        assert_eq!(
            code_reason(c.deposit(deposit_req("bob", amount.clone(), "")).await),
            bad("INVALID_AMOUNT")
        );
        assert_eq!(code_reason(c.withdraw(withdraw_req("bob", amount, "")).await), bad("INVALID_AMOUNT"));
    }
    for cur in ["", "usd", "QQQ"] {
        assert_eq!(
            code_reason(c.deposit(deposit_req("bob", money(cur, 1, 0), "")).await),
            bad("INVALID_CURRENCY")
        );
    }
    assert_eq!(
        code_reason(c.deposit(deposit_req("bob", money("EUR", 1, 0), "")).await),
        (Code::FailedPrecondition, "CURRENCY_MISMATCH".into())
    );
    let interest = |rate: &str, days: i32| v1::ApplyInterestRequest {
        account_id: "bob".into(),
        annual_rate_percent: rate.into(),
        days,
        request_id: String::new(),
        memo: String::new(),
        period: String::new(),
    };
    for rate in ["", "0", "-1", "abc", "NaN", "inf", "100.5", "1e2", "4.0000001", "4,25"] {
        assert_eq!(code_reason(c.apply_interest(interest(rate, 0)).await), bad("INVALID_RATE"), "{rate:?}");
    }
    for days in [-1, 367, i32::MAX] {
        assert_eq!(code_reason(c.apply_interest(interest("5", days)).await), bad("INVALID_DAYS"));
    }

    let missing = (Code::NotFound, "ACCOUNT_NOT_FOUND".to_string());
    assert_eq!(
        code_reason(c.get_account(v1::GetAccountRequest { account_id: "ghost".into() }).await),
        missing
    );
    assert_eq!(code_reason(c.deposit(deposit_req("ghost", usd(1, 0), "")).await), missing);
    assert_eq!(code_reason(c.withdraw(withdraw_req("ghost", usd(1, 0), "")).await), missing);
    let mut ghost = interest("5", 0);
    ghost.account_id = "ghost".into();
    assert_eq!(code_reason(c.apply_interest(ghost).await), missing);

    let status = c.withdraw(withdraw_req("bob", usd(100, 10_000_000), "")).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    let info = tonic_types::StatusExt::get_details_error_info(&status).unwrap();
    assert_eq!(info.reason, "INSUFFICIENT_FUNDS");
    assert_eq!(info.metadata.get("balance").map(String::as_str), Some("100.00"));

    // Above the balance limit of 10^15 minor units.
    c.deposit(deposit_req("bob", usd(9_999_999_999_900, 0), "")).await.unwrap();
    assert_eq!(
        code_reason(c.deposit(deposit_req("bob", usd(1, 0), "")).await),
        (Code::FailedPrecondition, "BALANCE_LIMIT_EXCEEDED".into())
    );

    // Nothing refused changed anything: two deposits, two entries, version 2.
    let bob = c.get_account(v1::GetAccountRequest { account_id: "bob".into() }).await.unwrap().into_inner();
    assert_eq!((bob.balance, bob.version), (usd(10_000_000_000_000, 0), 2));
    assert_eq!(store(&app.redis).history(&account_id("bob")).await.unwrap().len(), 2);
    let mut conn = app.redis.connection();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).unwrap();
    // Besides bob's, only the service's own keys (the health probe, credentials,
    // the feed of every account's changes).
    assert!(
        keys.iter().all(|k| k.starts_with("acct:{bob}")
            || k.starts_with("redbank:")
            || k.starts_with("cred:{keys}:")
            || k.starts_with("feed:{events}")),
        "stray keys: {keys:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_retry_returns_the_first_result_and_changes_nothing() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    let req = v1::CreateAccountRequest {
        customer_id: String::new(),
        account_id: "carol".into(),
        r#type: v1::AccountType::Savings.into(),
        currency_code: "EUR".into(),
        request_id: "open-carol".into(),
    };
    let first = c.create_account(req.clone()).await.unwrap().into_inner();
    assert_eq!(c.create_account(req.clone()).await.unwrap().into_inner(), first);
    let mut other = req.clone();
    other.currency_code = "USD".into();
    assert_eq!(
        code_reason(c.create_account(other).await),
        (Code::FailedPrecondition, "IDEMPOTENCY_KEY_REUSED".into())
    );

    let dep = deposit_req("carol", money("EUR", 5, 0), "dep-carol");
    let first = c.deposit(dep.clone()).await.unwrap().into_inner();
    c.deposit(deposit_req("carol", money("EUR", 1, 0), "")).await.unwrap();
    // The retry answers the first result, even though the balance moved since.
    assert_eq!(c.deposit(dep.clone()).await.unwrap().into_inner(), first);
    let mut changed = dep.clone();
    changed.amount = money("EUR", 6, 0);
    assert_eq!(
        code_reason(c.deposit(changed).await),
        (Code::FailedPrecondition, "IDEMPOTENCY_KEY_REUSED".into())
    );
    let mut memo = dep.clone();
    memo.memo = "other".into();
    assert_eq!(
        code_reason(c.deposit(memo).await),
        (Code::FailedPrecondition, "IDEMPOTENCY_KEY_REUSED".into())
    );
    // The same id as a withdrawal is a different request too.
    assert_eq!(
        code_reason(c.withdraw(withdraw_req("carol", money("EUR", 5, 0), "dep-carol")).await),
        (Code::FailedPrecondition, "IDEMPOTENCY_KEY_REUSED".into())
    );
    // A refusal is remembered too: the retry answers it again, even after a deposit.
    let big = withdraw_req("carol", money("EUR", 100, 0), "wd-big");
    assert_eq!(code_reason(c.withdraw(big.clone()).await).1, "INSUFFICIENT_FUNDS");
    c.deposit(deposit_req("carol", money("EUR", 200, 0), "")).await.unwrap();
    assert_eq!(code_reason(c.withdraw(big).await).1, "INSUFFICIENT_FUNDS");

    let acct =
        c.get_account(v1::GetAccountRequest { account_id: "carol".into() }).await.unwrap().into_inner();
    assert_eq!((acct.balance, acct.version), (money("EUR", 206, 0), 3));
    // The record expires: a TTL of 24 hours by default.
    let mut conn = app.redis.connection();
    let ttl: i64 = redis::cmd("TTL").arg("acct:{carol}:req:dep-carol").query(&mut conn).unwrap();
    assert!((86_000..=86_400).contains(&ttl), "ttl {ttl}");
    app.stop().await;
}

/// The interest rule lives twice, in Rust and in post.lua: they must agree.
#[tokio::test]
async fn lua_interest_agrees_with_the_domain() {
    let app = spawn_app_with(Persistence::None, |c| {
        c.rate_ceiling_percent = RateCeiling::parse("1000").unwrap();
    })
    .await;
    let mut c = app.v1().await;
    let ceiling = RateCeiling::parse("1000").unwrap();
    let mut rng = Lcg(42);
    let balances: Vec<i64> = (0..60)
        .map(|i| match i {
            0 => 1,
            1 => 10,
            2 => 30,
            3 => 1_000_000_000_000_000 / 12,
            _ => {
                let digits = rng.below(15) as u32 + 1;
                (rng.next_u64() as i64 % 10_i64.pow(digits)).max(1)
            }
        })
        .collect();
    for (i, balance) in balances.into_iter().enumerate() {
        let id = format!("int-{i}");
        create(&mut c, &id, "USD").await;
        c.deposit(deposit_req(&id, usd(balance / 100, (balance % 100) as i32 * 10_000_000), ""))
            .await
            .unwrap();
        for _ in 0..3 {
            let rate = match rng.below(4) {
                0 => format!("{}", rng.below(1000) + 1),
                1 => format!("{}.{:06}", rng.below(20), rng.below(1_000_000) + 1),
                2 => "1000".into(),
                _ => format!("0.{:06}", rng.below(999_999) + 1),
            };
            let days = rng.below(367) as i32;
            let before =
                c.get_account(v1::GetAccountRequest { account_id: id.clone() }).await.unwrap().into_inner();
            let bal = cents(&before.balance);
            let expected = interest_minor(
                bal,
                AnnualRate::parse(&rate, ceiling).unwrap(),
                InterestDays::from_request(days).unwrap(),
            );
            let result = c
                .apply_interest(v1::ApplyInterestRequest {
                    account_id: id.clone(),
                    annual_rate_percent: rate.clone(),
                    days,
                    request_id: String::new(),
                    memo: String::new(),
                    period: String::new(),
                })
                .await;
            if bal + expected > redbank_domain::limits::MAX_BALANCE_MINOR {
                assert_eq!(code_reason(result).1, "BALANCE_LIMIT_EXCEEDED");
            } else {
                // Interest of zero writes no entry.
                let got = result.unwrap().into_inner().transaction.map_or(0, |tx| cents(&tx.amount));
                assert_eq!(got, expected, "balance {bal} rate {rate} days {days}");
            }
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn redis_down_means_unavailable_not_a_hang_and_bad_input_is_still_refused_first() {
    let mut app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "dave", "USD").await;
    app.redis.kill();
    wait_for_health(app.addr, tonic_health::pb::health_check_response::ServingStatus::NotServing).await;

    // The client deadline is 10 s; the server's Redis deadline is 1 s. A hang would
    // surface as DEADLINE_EXCEEDED, not UNAVAILABLE.
    for _ in 0..3 {
        assert_eq!(
            code_reason(c.deposit(deposit_req("dave", usd(1, 0), "r1")).await),
            (Code::Unavailable, "STORE_UNAVAILABLE".into())
        );
        assert_eq!(
            code_reason(c.get_account(v1::GetAccountRequest { account_id: "dave".into() }).await),
            (Code::Unavailable, "STORE_UNAVAILABLE".into())
        );
    }
    // Invalid input never reaches Redis, so it is refused as such even now.
    assert_eq!(code_reason(c.deposit(deposit_req("dave", usd(0, 0), "")).await).1, "INVALID_AMOUNT");
    assert_eq!(code_reason(c.deposit(deposit_req("d d", usd(1, 0), "")).await).1, "INVALID_ACCOUNT_ID");

    app.redis.restart();
    wait_serving(app.addr).await;
    // Service is back on its own. The account is gone with the non-persistent Redis,
    // and so is the key: its holder is refused, within the epoch poll.
    let started = std::time::Instant::now();
    while code_reason(c.deposit(deposit_req("dave", usd(1, 0), "r1")).await).1 != "UNAUTHENTICATED" {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "a key lost with Redis's data is still accepted"
        );
    }
    let fresh = make_key(&app.redis.url(), redbank_domain::Grant::Admin).await;
    let mut c = app.v1_as(&fresh).await;
    assert_eq!(code_reason(c.deposit(deposit_req("dave", usd(1, 0), "r1")).await).1, "ACCOUNT_NOT_FOUND");
    app.stop().await;
}

#[tokio::test]
async fn reflection_lists_both_services() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let app = spawn_app().await;
    let mut client = ServerReflectionClient::new(channel(app.addr).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses =
        client.server_reflection_info(futures_util::stream::iter([request])).await.unwrap().into_inner();
    let response = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer {response:?}");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    for expected in ["redbank.v1.Bank", "BankService", "grpc.health.v1.Health"] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
    app.stop().await;
}
