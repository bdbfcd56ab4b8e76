//! Identity and authorization: every method of every service against every kind
//! of caller, the policy table covering every method, revocation reaching another
//! replica, ownership checked in the same step as the change, JWTs, and the
//! audit trail.

use std::time::{Duration, Instant};

use prost::Message;
use redbank_api::classic;
use redbank_api::v1::{self, api_keys_client::ApiKeysClient};
use redbank_bank::policy::{Access, access as operation_access};
use redbank_server::auth::routes;

/// A method of the API, by its path; what it may do is its operation's row in the
/// bank's policy table, found through the server's route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Method(&'static str);

#[allow(non_upper_case_globals)]
impl Method {
    const CreateAccount: Method = Method("/redbank.v1.Bank/CreateAccount");
    const GetAccount: Method = Method("/redbank.v1.Bank/GetAccount");
    const Deposit: Method = Method("/redbank.v1.Bank/Deposit");
    const Withdraw: Method = Method("/redbank.v1.Bank/Withdraw");
    const ApplyInterest: Method = Method("/redbank.v1.Bank/ApplyInterest");
    const Transfer: Method = Method("/redbank.v1.Bank/Transfer");
    const ListTransactions: Method = Method("/redbank.v1.Bank/ListTransactions");
    const GetStatement: Method = Method("/redbank.v1.Bank/GetStatement");
    const FreezeAccount: Method = Method("/redbank.v1.Bank/FreezeAccount");
    const UnfreezeAccount: Method = Method("/redbank.v1.Bank/UnfreezeAccount");
    const CloseAccount: Method = Method("/redbank.v1.Bank/CloseAccount");
    const ListAccounts: Method = Method("/redbank.v1.Bank/ListAccounts");
    const CreateApiKey: Method = Method("/redbank.v1.ApiKeys/CreateApiKey");
    const ListApiKeys: Method = Method("/redbank.v1.ApiKeys/ListApiKeys");
    const RevokeApiKey: Method = Method("/redbank.v1.ApiKeys/RevokeApiKey");
    const ClassicCreateAccount: Method = Method("/BankService/CreateAccount");
    const ClassicGetBalance: Method = Method("/BankService/GetBalance");
    const ClassicDeposit: Method = Method("/BankService/Deposit");
    const ClassicWithdraw: Method = Method("/BankService/Withdraw");
    const ClassicCalculateInterest: Method = Method("/BankService/CalculateInterest");

    fn path(&self) -> &'static str {
        self.0
    }
}

/// The policy for a method: its operation's row (a method without one is a failure).
fn access(method: Method, role: Role) -> Access {
    let operation = routes::operation(method.path()).unwrap_or_else(|| panic!("{method:?} has no operation"));
    operation_access(operation, role)
}
use redbank_domain::{CustomerId, Grant, Role};
use redbank_testkit::idp::{Idp, b64};
use ring::signature::KeyPair;
use serde_json::{Value, json};
use tonic::Code;
use tonic::codegen::http::uri::PathAndQuery;
use tonic_types::StatusExt;

use crate::helpers::*;

const ISSUER: &str = "https://idp.bank.example";
const AUDIENCE: &str = "redbank";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn claims(role: &str, customer: Option<&str>) -> Value {
    let mut c = json!({"iss": ISSUER, "aud": [AUDIENCE, "other"], "sub": "user-7", "exp": now() + 300,
                       "redbank_role": role});
    if let Some(customer) = customer {
        c["redbank_customer"] = json!(customer);
    }
    c
}

/// Every method with a request aimed at `own-1`, owned by customer `c1`.
fn requests(tag: &str) -> Vec<(Method, Vec<u8>)> {
    let acct = "own-1".to_string();
    let rid = format!("rid-{tag}");
    let v1 = |m: Method, msg: &dyn Fn() -> Vec<u8>| (m, msg());
    vec![
        v1(Method::CreateAccount, &|| {
            v1::CreateAccountRequest {
                account_id: format!("new-{tag}"),
                r#type: v1::AccountType::Savings.into(),
                ..Default::default()
            }
            .encode_to_vec()
        }),
        v1(Method::GetAccount, &|| v1::GetAccountRequest { account_id: acct.clone() }.encode_to_vec()),
        v1(Method::Deposit, &|| deposit_req(&acct, usd(1, 0), &format!("{rid}-d")).encode_to_vec()),
        v1(Method::Withdraw, &|| {
            withdraw_req(&acct, usd(0, 10_000_000), &format!("{rid}-w")).encode_to_vec()
        }),
        v1(Method::ApplyInterest, &|| {
            v1::ApplyInterestRequest {
                account_id: acct.clone(),
                annual_rate_percent: "1".into(),
                days: 1,
                request_id: format!("{rid}-i"),
                ..Default::default()
            }
            .encode_to_vec()
        }),
        v1(Method::Transfer, &|| {
            v1::TransferRequest {
                from_account_id: acct.clone(),
                to_account_id: "theirs-1".into(),
                amount: usd(0, 10_000_000),
                request_id: format!("{rid}-t"),
                memo: String::new(),
            }
            .encode_to_vec()
        }),
        v1(Method::ListTransactions, &|| {
            v1::ListTransactionsRequest { account_id: acct.clone(), ..Default::default() }.encode_to_vec()
        }),
        v1(Method::GetStatement, &|| {
            v1::GetStatementRequest {
                account_id: acct.clone(),
                start_time: Some(prost_types::Timestamp { seconds: 0, nanos: 0 }),
                end_time: Some(prost_types::Timestamp { seconds: now() + 60, nanos: 0 }),
                ..Default::default()
            }
            .encode_to_vec()
        }),
        v1(Method::FreezeAccount, &|| {
            v1::FreezeAccountRequest {
                account_id: acct.clone(),
                reason: "lost card".into(),
                request_id: String::new(),
            }
            .encode_to_vec()
        }),
        v1(Method::UnfreezeAccount, &|| {
            v1::UnfreezeAccountRequest {
                account_id: acct.clone(),
                reason: "found".into(),
                request_id: String::new(),
            }
            .encode_to_vec()
        }),
        v1(Method::CloseAccount, &|| {
            v1::CloseAccountRequest {
                account_id: acct.clone(),
                reason: "bye".into(),
                request_id: String::new(),
            }
            .encode_to_vec()
        }),
        v1(Method::ListAccounts, &|| v1::ListAccountsRequest::default().encode_to_vec()),
        v1(Method::CreateApiKey, &|| {
            v1::CreateApiKeyRequest { role: v1::Role::Teller.into(), ..Default::default() }.encode_to_vec()
        }),
        v1(Method::ListApiKeys, &|| v1::ListApiKeysRequest {}.encode_to_vec()),
        v1(Method::RevokeApiKey, &|| {
            v1::RevokeApiKeyRequest { key_id: "0123456789abcdef".into() }.encode_to_vec()
        }),
        v1(Method::ClassicCreateAccount, &|| {
            classic::AccountRequest { account_id: format!("cnew-{tag}"), account_type: "savings".into() }
                .encode_to_vec()
        }),
        v1(Method::ClassicGetBalance, &|| {
            classic::AccountRequest { account_id: acct.clone(), account_type: String::new() }.encode_to_vec()
        }),
        v1(Method::ClassicDeposit, &|| {
            classic::DepositRequest { account_id: acct.clone(), amount: 1.0 }.encode_to_vec()
        }),
        v1(Method::ClassicWithdraw, &|| {
            classic::WithdrawRequest { account_id: acct.clone(), amount: 0.01 }.encode_to_vec()
        }),
        v1(Method::ClassicCalculateInterest, &|| {
            classic::InterestRequest { account_id: acct.clone(), annual_interest_rate: 1.0 }.encode_to_vec()
        }),
    ]
}

/// One call of `method` with `body`, as `key` (or with `header` as the whole
/// authorization header): Ok, or the code and ErrorInfo reason.
async fn call(
    app: &TestApp,
    header: Option<&str>,
    method: Method,
    body: Vec<u8>,
) -> Result<(), (Code, String)> {
    let mut request = tonic::Request::new(body);
    if let Some(h) = header {
        request.metadata_mut().insert("authorization", h.parse().unwrap());
    }
    let mut grpc = tonic::client::Grpc::new(raw_channel(app.addr).await);
    grpc.ready().await.unwrap();
    match grpc.unary(request, PathAndQuery::from_static(method.path()), RawCodec).await {
        Ok(_) => Ok(()),
        Err(s) => {
            let reason = s.get_details_error_info().map(|i| i.reason).unwrap_or_default();
            Err((s.code(), reason))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_of_every_service_has_an_entry_in_the_policy_table() {
    let set = prost_types::FileDescriptorSet::decode(redbank_api::FILE_DESCRIPTOR_SET).unwrap();
    let mut paths = Vec::new();
    for file in &set.file {
        for service in &file.service {
            for method in &service.method {
                let service = match file.package() {
                    "" => service.name().to_owned(),
                    package => format!("{package}.{}", service.name()),
                };
                paths.push(format!("/{service}/{}", method.name()));
            }
        }
    }
    assert!(paths.len() >= 20, "{paths:?}");
    for path in &paths {
        assert!(routes::operation(path).is_some(), "{path} has no operation in the route table");
    }
    assert_eq!(paths.len(), routes::ROUTES.len(), "the table has rows for methods that do not exist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_caller_can_do_exactly_what_the_policy_table_says_on_both_services() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Idp::new();
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, idp.jwks("ed-1", "ec-1")).unwrap();
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| {
        c.jwt_jwks_file = Some(jwks.clone());
        c.jwt_issuer = Some(ISSUER.into());
        c.jwt_audience = Some(AUDIENCE.into());
    })
    .await;
    let url = app.redis.url();
    let c1 = CustomerId::parse("c1").unwrap();
    let c2 = CustomerId::parse("c2").unwrap();
    let owner = make_key(&url, Grant::Customer(c1.clone())).await;
    let other = make_key(&url, Grant::Customer(c2.clone())).await;
    let teller = make_key(&url, Grant::Teller).await;
    let auditor = make_key(&url, Grant::Auditor).await;
    // The accounts: own-1 (c1's, funded), theirs-1 (c2's).
    let mut admin = app.v1().await;
    for (id, customer) in [("own-1", "c1"), ("theirs-1", "c2")] {
        let req = v1::CreateAccountRequest {
            account_id: id.into(),
            r#type: v1::AccountType::Savings.into(),
            customer_id: customer.into(),
            ..Default::default()
        };
        assert_eq!(admin.create_account(req).await.unwrap().into_inner().customer_id, customer);
    }
    admin.deposit(deposit_req("own-1", usd(1000, 0), "seed")).await.unwrap();

    // Credentials that must all be refused, whatever the method.
    let store = redbank_store::Store::connect(&redbank_store::StoreConfig::new(url.clone())).unwrap();
    let operator = redbank_domain::Actor::operator();
    let soon =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 + 300;
    let expired = store
        .credentials()
        .create(Grant::Admin, redbank_domain::Memo::default(), Some(soon), &operator)
        .await
        .unwrap()
        .credential;
    let revoked =
        store.credentials().create(Grant::Admin, Default::default(), None, &operator).await.unwrap();
    store.credentials().revoke(&revoked.key.id, &operator).await.unwrap();
    let unknown = format!("rbk_0123456789abcdef_{}", "ab".repeat(32));
    let wrong_secret =
        format!("{}{}", &owner[..owner.len() - 2], if owner.ends_with("00") { "11" } else { "00" });
    let valid = idp.sign(&json!({"alg": "EdDSA", "kid": "ed-1"}), &claims("admin", None));
    let mut bad_sig = valid.clone();
    bad_sig.replace_range(bad_sig.len() - 4.., "AAAA");
    let other_idp = Idp::new();
    let foreign = other_idp.sign(&json!({"alg": "EdDSA", "kid": "ed-1"}), &claims("admin", None));
    let mut wrong_iss = claims("admin", None);
    wrong_iss["iss"] = json!("https://evil.example");
    let mut wrong_aud = claims("admin", None);
    wrong_aud["aud"] = json!("someone-else");
    let mut stale = claims("admin", None);
    stale["exp"] = json!(now() - 120);
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "kid": "ed-1"}).to_string().as_bytes()),
        b64(claims("admin", None).to_string().as_bytes())
    );
    // HS256 keyed with the public key's bytes: the classic confusion.
    let hs_signed = format!(
        "{}.{}",
        b64(json!({"alg": "HS256", "kid": "ed-1"}).to_string().as_bytes()),
        b64(claims("admin", None).to_string().as_bytes())
    );
    let hmac_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, idp.ed.public_key().as_ref());
    let hs256 = format!("{hs_signed}.{}", b64(ring::hmac::sign(&hmac_key, hs_signed.as_bytes()).as_ref()));
    let es_with_ed_kid = idp.sign(&json!({"alg": "ES256", "kid": "ed-1"}), &claims("admin", None));
    tokio::time::sleep(Duration::from_millis(400)).await; // `expired` is past its expiry now
    let refused: Vec<(&str, Option<String>)> = vec![
        ("no credential", None),
        ("malformed", Some("Basic dXNlcjpwYXNz".into())),
        ("empty bearer", Some("Bearer ".into())),
        ("unknown key", Some(format!("Bearer {unknown}"))),
        ("wrong secret", Some(format!("Bearer {wrong_secret}"))),
        ("expired key", Some(format!("Bearer {expired}"))),
        ("revoked key", Some(format!("Bearer {}", revoked.credential))),
        ("JWT with a bad signature", Some(format!("Bearer {bad_sig}"))),
        ("JWT from another key", Some(format!("Bearer {foreign}"))),
        (
            "JWT wrong issuer",
            Some(format!("Bearer {}", idp.sign(&json!({"alg": "EdDSA", "kid": "ed-1"}), &wrong_iss))),
        ),
        (
            "JWT wrong audience",
            Some(format!("Bearer {}", idp.sign(&json!({"alg": "EdDSA", "kid": "ed-1"}), &wrong_aud))),
        ),
        (
            "JWT expired",
            Some(format!("Bearer {}", idp.sign(&json!({"alg": "EdDSA", "kid": "ed-1"}), &stale))),
        ),
        ("JWT alg none", Some(format!("Bearer {none}"))),
        ("JWT HS256 with the public key", Some(format!("Bearer {hs256}"))),
        ("JWT ES256 naming an Ed25519 kid", Some(format!("Bearer {es_with_ed_kid}"))),
        (
            "JWT unknown kid",
            Some(format!(
                "Bearer {}",
                idp.sign(&json!({"alg": "EdDSA", "kid": "nope"}), &claims("admin", None))
            )),
        ),
    ];
    for (what, header) in &refused {
        for (method, body) in requests(what) {
            let got = call(&app, header.as_deref(), method, body).await;
            assert_eq!(got, Err((Code::Unauthenticated, "UNAUTHENTICATED".into())), "{what}: {method:?}");
        }
    }

    // Known principals: the table decides; Own is decided by the account's owner.
    let jwt_customer = idp.sign(&json!({"alg": "ES256", "kid": "ec-1"}), &claims("customer", Some("c1")));
    let jwt_teller = idp.sign(&json!({"alg": "EdDSA", "kid": "ed-1"}), &claims("teller", None));
    let callers: Vec<(&str, Role, bool, String)> = vec![
        ("owner customer", Role::Customer, true, owner.clone()),
        ("owner customer (JWT)", Role::Customer, true, jwt_customer),
        ("other customer", Role::Customer, false, other.clone()),
        ("teller", Role::Teller, true, teller.clone()),
        ("teller (JWT)", Role::Teller, true, jwt_teller),
        ("auditor", Role::Auditor, true, auditor.clone()),
        ("admin", Role::Admin, true, app.admin.clone()),
    ];
    let mut allowed = 0;
    for (who, role, owns, credential) in &callers {
        for (method, body) in requests(who.split(' ').next().unwrap()) {
            let got = call(&app, Some(&format!("Bearer {credential}")), method, body).await;
            let denied = Err((Code::PermissionDenied, "PERMISSION_DENIED".to_owned()));
            match access(method, *role) {
                Access::Denied => assert_eq!(got, denied, "{who}: {method:?}"),
                // A customer's own-account methods: another customer's account is
                // refused, its own allowed. Creating and listing act on its own.
                Access::Own
                    if !owns
                        && !matches!(
                            method,
                            Method::CreateAccount | Method::ClassicCreateAccount | Method::ListAccounts
                        ) =>
                {
                    assert_eq!(got, denied, "{who}: {method:?}")
                }
                Access::Own | Access::Any => {
                    allowed += 1;
                    if let Err((code, reason)) = &got {
                        assert!(
                            !matches!(code, Code::PermissionDenied | Code::Unauthenticated | Code::Internal),
                            "{who}: {method:?} refused: {reason}"
                        );
                    }
                }
            }
        }
    }
    assert!(allowed > 50, "{allowed}");

    // A customer asking about an account that does not exist hears what it hears
    // for another's: nothing to tell them apart.
    let mut c2_client = app.v1_as(&other).await;
    for id in ["own-1", "nobody-at-all"] {
        let got = c2_client.get_account(v1::GetAccountRequest { account_id: id.into() }).await;
        assert_eq!(code_reason(got), (Code::PermissionDenied, "PERMISSION_DENIED".into()), "{id}");
    }
    // A customer lists its own accounts only.
    let mut c1_client = app.v1_as(&owner).await;
    let listed = c1_client.list_accounts(v1::ListAccountsRequest::default()).await.unwrap().into_inner();
    assert!(!listed.accounts.is_empty());
    assert!(listed.accounts.iter().all(|a| a.customer_id == "c1"), "{:?}", listed.accounts);
    let theirs = c2_client.list_accounts(v1::ListAccountsRequest::default()).await.unwrap().into_inner();
    assert!(
        theirs.accounts.iter().all(|a| a.customer_id == "c2")
            && theirs.accounts.iter().any(|a| a.account_id == "theirs-1")
    );
    // Permission comes before validation: a customer's interest call is refused as
    // such, whatever nonsense it carries.
    let nonsense = v1::ApplyInterestRequest {
        account_id: "not an id!".into(),
        annual_rate_percent: "lots".into(),
        days: -5,
        ..Default::default()
    };
    assert_eq!(code_reason(c1_client.apply_interest(nonsense).await).1, "PERMISSION_DENIED");
    // A customer may not open an account for someone else.
    let for_other = v1::CreateAccountRequest {
        account_id: "gift".into(),
        r#type: v1::AccountType::Savings.into(),
        customer_id: "c2".into(),
        ..Default::default()
    };
    assert_eq!(code_reason(c1_client.create_account(for_other).await).1, "PERMISSION_DENIED");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_paying_someone_learns_nothing_of_their_account_and_every_entry_names_its_actor() {
    let app = spawn_app().await;
    let url = app.redis.url();
    let alice = make_key(&url, Grant::Customer(CustomerId::parse("alice").unwrap())).await;
    let alice_id = &alice[4..20];
    let mut a = app.v1_as(&alice).await;
    let mut admin = app.v1().await;
    let req = |id: &str, customer: &str| v1::CreateAccountRequest {
        account_id: id.into(),
        r#type: v1::AccountType::Checking.into(),
        customer_id: customer.into(),
        ..Default::default()
    };
    // The customer's own account: owned by it without naming itself.
    assert_eq!(a.create_account(req("a-1", "")).await.unwrap().into_inner().customer_id, "alice");
    admin.create_account(req("b-1", "bob")).await.unwrap();
    // Taking an id that is someone else's is refused, and leaves nothing in the
    // customer's index of accounts.
    assert_eq!(code_reason(a.create_account(req("b-1", "")).await).1, "ACCOUNT_EXISTS");
    let mut conn = app.redis.connection();
    let listed: Vec<String> = redis::cmd("SMEMBERS").arg("cust:{alice}:accounts").query(&mut conn).unwrap();
    assert_eq!(listed, ["a-1"]);
    a.deposit(deposit_req("a-1", usd(50, 0), "a-dep")).await.unwrap();
    let t = a
        .transfer(v1::TransferRequest {
            from_account_id: "a-1".into(),
            to_account_id: "b-1".into(),
            amount: usd(20, 0),
            request_id: "a-pay".into(),
            memo: "rent".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(t.to_account.is_none() && t.to_transaction.is_none(), "{t:?}");
    assert_eq!(cents(&t.from_account.unwrap().balance), 3000);
    // Staff see both sides.
    let seen =
        admin.get_account(v1::GetAccountRequest { account_id: "b-1".into() }).await.unwrap().into_inner();
    assert_eq!(cents(&seen.balance), 2000);
    // The audit trail: each entry names who made it, on both sides of the transfer.
    let history = |c: &mut redbank_api::v1::bank_client::BankClient<Chan>, id: &str| {
        let mut c = c.clone();
        let id = id.to_owned();
        async move {
            c.list_transactions(v1::ListTransactionsRequest { account_id: id, ..Default::default() })
                .await
                .unwrap()
                .into_inner()
                .transactions
        }
    };
    let mine = history(&mut a, "a-1").await;
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|t| t.actor == format!("key:{alice_id}")), "{mine:?}");
    let bobs = history(&mut admin, "b-1").await;
    assert_eq!(bobs[0].actor, format!("key:{alice_id}"));
    admin
        .freeze_account(v1::FreezeAccountRequest {
            account_id: "b-1".into(),
            reason: "check".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let bobs = history(&mut admin, "b-1").await;
    assert_eq!(bobs[0].actor, format!("key:{}", &app.admin[4..20]));
    // A classic change records its actor too.
    let mut classic = app.classic_as(&alice).await;
    classic.deposit(classic::DepositRequest { account_id: "a-1".into(), amount: 1.5 }).await.unwrap();
    assert_eq!(history(&mut a, "a-1").await[0].actor, format!("key:{alice_id}"));
    // And the credentials log holds the creation of every key.
    let mut keys = ApiKeysClient::new(channel(app.addr).await);
    let listed = keys.list_api_keys(v1::ListApiKeysRequest {}).await.unwrap().into_inner().keys;
    assert!(
        listed.iter().any(|k| k.key_id == alice_id && k.customer_id == "alice" && k.created_by == "operator")
    );
    assert_invariants(&app.redis).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_is_refused_by_another_replica_within_a_second() {
    let redis = redbank_testkit::RedisServer::start();
    let replicas = start_replicas(&redis, 2).await;
    let teller = make_key(&redis.url(), Grant::Teller).await;
    let mut on_b =
        redbank_api::v1::bank_client::BankClient::new(as_key(raw_channel(replicas[1].addr).await, &teller));
    let probe = || v1::GetAccountRequest { account_id: "nobody".into() };
    // The key works on replica B, which now holds it in its cache.
    assert_eq!(on_b.get_account(probe()).await.unwrap_err().code(), Code::NotFound);
    // Revoked through replica A's API, by the admin.
    let mut keys_a = ApiKeysClient::new(channel(replicas[0].addr).await);
    let id = teller[4..20].to_owned();
    let revoked_at = Instant::now();
    let revoked =
        keys_a.revoke_api_key(v1::RevokeApiKeyRequest { key_id: id.clone() }).await.unwrap().into_inner();
    assert!(revoked.revoke_time.is_some() && revoked.revoked_by.starts_with("key:"));
    let elapsed = loop {
        match on_b.get_account(probe()).await {
            Err(s) if s.code() == Code::Unauthenticated => break revoked_at.elapsed(),
            Err(s) => assert_eq!(s.code(), Code::NotFound),
            Ok(_) => panic!("nobody exists?"),
        }
        assert!(revoked_at.elapsed() < Duration::from_secs(5), "replica B still accepts the revoked key");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    eprintln!("revocation seen by the other replica after {elapsed:?}");
    assert!(elapsed <= Duration::from_secs(1), "{elapsed:?}");
    // The credentials log holds the creation and the revocation, with who did each.
    let mut conn = redis.connection();
    let log: Vec<(String, Vec<String>)> =
        redis::cmd("XRANGE").arg("cred:{keys}:log").arg("-").arg("+").query(&mut conn).unwrap();
    let events: Vec<&Vec<String>> =
        log.iter().map(|(_, fields)| fields).filter(|f| f.contains(&id)).collect();
    assert_eq!(events.len(), 2, "{log:?}");
    assert!(
        events[0].windows(2).any(|w| w == ["event", "created"]) && events[0].contains(&"operator".to_owned())
    );
    assert!(events[1].windows(2).any(|w| w == ["event", "revoked"]));
    assert!(events[1].windows(2).any(|w| w[0] == "by" && w[1].starts_with("key:")));
    // Revoking twice is refused and says why.
    let again = keys_a.revoke_api_key(v1::RevokeApiKeyRequest { key_id: id }).await;
    assert_eq!(code_reason(again), (Code::FailedPrecondition, "KEY_REVOKED".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ownership_is_checked_in_the_same_step_as_the_change_under_concurrency() {
    let app = spawn_app().await;
    let url = app.redis.url();
    let alice = make_key(&url, Grant::Customer(CustomerId::parse("alice").unwrap())).await;
    let mallory = make_key(&url, Grant::Customer(CustomerId::parse("mallory").unwrap())).await;
    let (mut a, mut m) = (app.v1_as(&alice).await, app.v1_as(&mallory).await);
    let open = |id: &str| v1::CreateAccountRequest {
        account_id: id.into(),
        r#type: v1::AccountType::Checking.into(),
        ..Default::default()
    };
    a.create_account(open("alice-1")).await.unwrap();
    m.create_account(open("mallory-1")).await.unwrap();
    a.deposit(deposit_req("alice-1", usd(100, 0), "seed-a")).await.unwrap();
    m.deposit(deposit_req("mallory-1", usd(100, 0), "seed-m")).await.unwrap();
    // Both pull from alice-1 at once, many times, with request ids that collide:
    // only alice's transfers may apply, whichever lands first.
    let mut tasks = Vec::new();
    for (who, client) in [("alice", a.clone()), ("mallory", m.clone())] {
        for worker in 0..4 {
            let mut c = client.clone();
            tasks.push(tokio::spawn(async move {
                let (mut ok, mut denied) = (0, 0);
                for i in 0..25 {
                    // The same destination and request ids for both customers.
                    let (to, rid) = ("mallory-1", format!("t-{worker}-{i}"));
                    let r = c
                        .transfer(v1::TransferRequest {
                            from_account_id: "alice-1".into(),
                            to_account_id: to.into(),
                            amount: usd(0, 10_000_000),
                            request_id: rid,
                            memo: String::new(),
                        })
                        .await;
                    match r {
                        Ok(_) => ok += 1,
                        Err(s) if s.code() == Code::PermissionDenied => denied += 1,
                        Err(s) => panic!("{who}: {s:?}"),
                    }
                }
                (who, ok, denied)
            }));
        }
    }
    let (mut alice_ok, mut mallory_ok, mut mallory_denied) = (0, 0, 0);
    for t in tasks {
        match t.await.unwrap() {
            ("alice", ok, 0) => alice_ok += ok,
            ("mallory", ok, denied) => {
                mallory_ok += ok;
                mallory_denied += denied;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((alice_ok, mallory_ok, mallory_denied), (100, 0, 100));
    let admin = app.v1().await;
    let bal = |id: &'static str| {
        let mut admin = admin.clone();
        async move {
            cents(
                &admin
                    .get_account(v1::GetAccountRequest { account_id: id.into() })
                    .await
                    .unwrap()
                    .into_inner()
                    .balance,
            )
        }
    };
    assert_eq!((bal("alice-1").await, bal("mallory-1").await), (10_000 - 100, 10_000 + 100));
    assert_invariants(&app.redis).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_off_serves_loopback_only_and_calls_everyone_anonymous() {
    let bin = env!("CARGO_BIN_EXE_redbank-server");
    let out = std::process::Command::new(bin)
        .args(["--auth", "off", "--listen", "0.0.0.0:0", "--log-level", "error"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("loopback"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // On loopback it serves clients that send nothing, as `anonymous`.
    let app =
        spawn_app_with(redbank_testkit::Persistence::None, |c| c.auth = redbank_server::auth::AuthMode::Off)
            .await;
    let mut bare = redbank_api::v1::bank_client::BankClient::new(raw_channel(app.addr).await);
    create(&mut app.v1().await, "anon-1", "USD").await;
    bare.deposit(deposit_req("anon-1", usd(1, 0), "anon-dep")).await.unwrap();
    let h = bare
        .list_transactions(v1::ListTransactionsRequest { account_id: "anon-1".into(), ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(h.transactions[0].actor, "anonymous");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_jwks_is_picked_up_and_the_removed_key_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (Idp::new(), Idp::new());
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, old.jwks("2026-10", "ec-old")).unwrap();
    let app = spawn_app_with(redbank_testkit::Persistence::None, |c| {
        c.jwt_jwks_file = Some(jwks.clone());
        c.jwt_issuer = Some(ISSUER.into());
        c.jwt_audience = Some(AUDIENCE.into());
    })
    .await;
    let old_token = old.sign(&json!({"alg": "EdDSA", "kid": "2026-10"}), &claims("auditor", None));
    let new_token = new.sign(&json!({"alg": "EdDSA", "kid": "2026-11"}), &claims("auditor", None));
    let probe = |token: String| {
        let addr = app.addr;
        async move {
            let mut c =
                redbank_api::v1::bank_client::BankClient::new(as_key(raw_channel(addr).await, &token));
            c.list_accounts(v1::ListAccountsRequest::default()).await.map(|_| ()).map_err(|s| s.code())
        }
    };
    assert_eq!(probe(old_token.clone()).await, Ok(()));
    assert_eq!(probe(new_token.clone()).await, Err(Code::Unauthenticated));
    // The provider rotates: the new key only. Written whole, then moved into place.
    let next = dir.path().join("jwks.next");
    std::fs::write(&next, new.jwks("2026-11", "ec-new")).unwrap();
    std::fs::rename(&next, &jwks).unwrap();
    let started = Instant::now();
    while probe(new_token.clone()).await != Ok(()) {
        assert!(started.elapsed() < Duration::from_secs(10), "the new JWKS was never read");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(probe(old_token).await, Err(Code::Unauthenticated));
    app.stop().await;
}

/// A role refused a method by the policy table is told so, not that the account
/// might not exist: no account is in question.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_refused_a_method_is_told_which_role_may_not_call_it() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "t-1", "USD").await;
    let teller = make_key(&app.redis.url(), Grant::Teller).await;
    let refused = app
        .v1_as(&teller)
        .await
        .close_account(v1::CloseAccountRequest {
            account_id: "t-1".into(),
            reason: "x".into(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
    assert_eq!(refused.get_details_error_info().map(|i| i.reason), Some("PERMISSION_DENIED".into()));
    assert!(
        refused.message().starts_with("a teller may not call /redbank.v1.Bank/CloseAccount"),
        "{}",
        refused.message()
    );
    app.stop().await;
}
