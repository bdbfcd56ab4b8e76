//! One place for each bank operation: every console form is the operation its gRPC
//! method is, refused to exactly the roles the policy table says (the same matrix
//! as the API's, in auth.rs), and a form with invalid input sends nothing to Redis
//! beyond what showing the page costs.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use redbank_bank::Operation;
use redbank_bank::policy::{Access, access};
use redbank_domain::{AccountId, AccountType, Amount, BalanceChange, Currency, CustomerId, Grant, Memo};
use redbank_domain::{Principal, Role, UserName};
use redbank_server::auth::routes;

use crate::helpers::*;

/// Each form of the account page, the operation it is, and the gRPC method that is
/// the same operation.
const FORMS: [(&str, Operation, &str); 8] = [
    ("deposit", Operation::Deposit, "/redbank.v1.Bank/Deposit"),
    ("withdraw", Operation::Withdraw, "/redbank.v1.Bank/Withdraw"),
    ("transfer", Operation::Transfer, "/redbank.v1.Bank/Transfer"),
    ("freeze", Operation::FreezeAccount, "/redbank.v1.Bank/FreezeAccount"),
    ("unfreeze", Operation::UnfreezeAccount, "/redbank.v1.Bank/UnfreezeAccount"),
    ("hold", Operation::CreateHold, "/redbank.v1.Bank/CreateHold"),
    ("capture", Operation::CaptureHold, "/redbank.v1.Bank/CaptureHold"),
    ("void", Operation::VoidHold, "/redbank.v1.Bank/VoidHold"),
];

/// Signs `name` in: the session cookie and the session's CSRF token.
async fn sign_in(web: SocketAddr, name: &str) -> (String, String) {
    let cookie = session_of(web, name).await;
    let csrf = csrf_in(&http(web, "GET", "/", &cookie, "").await.2);
    (cookie, csrf)
}

/// Commands Redis ran since the last reset, by name.
async fn commands(redis: &mut redis::aio::MultiplexedConnection) -> BTreeMap<String, u64> {
    let info: String = redis::cmd("INFO").arg("commandstats").query_async(redis).await.unwrap();
    let counts = info
        .lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .filter_map(|l| {
            let (name, rest) = l.split_once(':')?;
            let calls = rest.strip_prefix("calls=")?.split(',').next()?.parse().ok()?;
            Some((name.to_owned(), calls))
        })
        // What the server's own tasks send whatever the console does: the health
        // check (INFO, CONFIG GET, PING, and SET of its expiring probe key) and the
        // credentials epoch poll (GET). A form's write would be a script (EVALSHA).
        .filter(|(name, _)| {
            !["info", "config", "ping", "get", "set"]
                .iter()
                .any(|own| name == own || name.starts_with(&format!("{own}|")))
        })
        .collect();
    let _: () = redis::cmd("CONFIG").arg("RESETSTAT").query_async(redis).await.unwrap();
    counts
}

/// The console with a user of each staff role and a customer, and the
/// customer's two funded accounts.
async fn bank_console() -> (redbank_testkit::RedisServer, ServerProcess, SocketAddr) {
    // The recovery worker's passes (a script each) as rare as allowed: the test
    // counts the scripts the console sends.
    let (redis, server, web) = console(&["--transfer-recovery-secs", "3600"]).await;
    let store = redbank_store::Store::connect(&redbank_store::StoreConfig::new(redis.url())).unwrap();
    let hash = redbank_bank::password::hash(PASSWORD).unwrap();
    let c1 = CustomerId::parse("c1").unwrap();
    for (name, grant) in [
        ("cust", Grant::Customer(c1.clone())),
        ("tell", Grant::Teller),
        ("audi", Grant::Auditor),
        ("admi", Grant::Admin),
    ] {
        store.console().create_user(&UserName::parse(name).unwrap(), &grant, &hash).await.unwrap();
    }
    let usd = Currency::parse("USD").unwrap();
    for id in ["own-1", "own-2"] {
        let id = AccountId::parse(id).unwrap();
        store.create_account(&id, AccountType::Checking, usd, None, Some(&c1)).await.unwrap();
        let amount = Amount::from_minor(usd, 1_000_000).unwrap();
        let deposit = BalanceChange::Deposit(amount);
        store.post(&id, &deposit, None, &Memo::default(), &Principal::operator()).await.unwrap();
    }
    (redis, server, web)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_console_form_is_the_operation_its_grpc_method_is_and_the_table_decides_who_may() {
    // The same operation on both front ends.
    for (action, operation, path) in FORMS {
        assert_eq!(routes::operation(path), Some(operation), "{action} and {path}");
    }
    let (_redis, _server, web) = bank_console().await;
    let mut refused = 0;
    for (user, role) in [("cust", Role::Customer), ("tell", Role::Teller), ("audi", Role::Auditor)] {
        let (cookie, csrf) = sign_in(web, user).await;
        for (action, operation, _) in FORMS {
            // Well-formed values; a hold id that exists nowhere is refused later
            // than the policy, if the policy lets it through.
            let body = format!(
                "csrf={csrf}&request_id=m-{user}-{action}&currency=USD&amount=1.00&to=own-2&reason=matrix\
                 &hold=own-1:h0000000000000001"
            );
            let (status, _, text) =
                http(web, "POST", &format!("/accounts/own-1/{action}"), &cookie, &body).await;
            let denied = access(operation, role) == Access::Denied;
            assert_eq!(status == 403, denied, "{user} {action}: {}", &text[..text.len().min(300)]);
            if denied {
                assert!(text.contains("Not allowed"), "{user} {action}");
                refused += 1;
            }
        }
    }
    // Tellers and customers may do most; the auditor none of these, the customer
    // not unfreeze.
    assert_eq!(refused, FORMS.len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_forms_with_invalid_input_send_nothing_to_redis() {
    let (redis_server, _server, web) = bank_console().await;
    let client = redis::Client::open(redis_server.url()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let (cookie, csrf) = sign_in(web, "tell").await;
    // What showing the account page costs: the session, the user, the account, its
    // history and holds. A refused form shows the page again, and must cost that
    // and nothing more.
    commands(&mut redis).await;
    assert_eq!(http(web, "GET", "/accounts/own-1", &cookie, "").await.0, 200);
    let page = commands(&mut redis).await;
    assert!(page.contains_key("hmget"), "{page:?}");
    for (action, fields) in [
        ("deposit", "currency=USD&amount=abc"),
        ("deposit", "currency=USD&amount=-5"),
        ("deposit", "currency=USD&amount=1.001"),
        ("deposit", "currency=XXX&amount=1.00"),
        ("withdraw", "currency=USD&amount=0"),
        ("transfer", "currency=USD&amount=1.00&to=not%20an%20id"),
        ("transfer", "currency=USD&amount=1.00&to=own-1"),
        ("hold", "currency=USD&amount=99999999999999999999"),
        ("capture", "currency=USD&hold=other-1:h0000000000000001&to=own-2"),
        ("void", "hold=nonsense"),
        ("freeze", "reason="),
        ("deposit", &format!("currency=USD&amount=1.00&request_id={}", "r".repeat(500))),
    ] {
        let body = format!("csrf={csrf}&{fields}");
        let (status, _, text) = http(web, "POST", &format!("/accounts/own-1/{action}"), &cookie, &body).await;
        assert_eq!(status, 422, "{action} {fields}: {}", &text[..text.len().min(300)]);
        assert_eq!(commands(&mut redis).await, page, "{action} {fields}: more than the page");
    }
    // The test can fail: a valid form costs more (its script).
    let body = format!("csrf={csrf}&currency=USD&amount=1.00&request_id=valid-1");
    assert_eq!(http(web, "POST", "/accounts/own-1/deposit", &cookie, &body).await.0, 303);
    let valid = commands(&mut redis).await;
    assert!(valid.contains_key("evalsha"), "{valid:?}");
}
