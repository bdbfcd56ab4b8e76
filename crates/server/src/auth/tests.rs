//! The authenticator's own rules, without Redis (an API key's path is in
//! `keys.rs`'s tests and the integration tests): the header, the open paths, the
//! policy check and what reaches the handler.

use std::sync::Arc;

use redbank_domain::{Actor, CustomerId, Grant, Principal, Role};
use redbank_store::{Store, StoreConfig};
use redbank_testkit::idp::Idp;
use serde_json::json;
use tonic::Code;
use tonic_types::StatusExt;

use super::*;
use crate::context::CallContext;

fn headers(values: &[&str]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for v in values {
        map.append(http::header::AUTHORIZATION, http::HeaderValue::from_str(v).unwrap());
    }
    map
}

#[test]
fn the_credential_is_the_one_bearer_value_trimmed() {
    assert_eq!(bearer(&headers(&["Bearer abc"])).unwrap(), "abc");
    assert_eq!(bearer(&headers(&["bearer   abc  "])).unwrap(), "abc");
    assert_eq!(bearer(&headers(&["BEARER a.b.c"])).unwrap(), "a.b.c");
    for bad in ["Basic abc", "Bearer", "Bearer    ", "Bearerabc", "abc", "Token abc"] {
        assert!(matches!(bearer(&headers(&[bad])), Err(Unauthenticated::Malformed)), "{bad}");
    }
    assert!(matches!(bearer(&headers(&[])), Err(Unauthenticated::Missing)));
    assert!(matches!(bearer(&headers(&["Bearer a", "Bearer a"])), Err(Unauthenticated::Several)));
    let mut opaque = HeaderMap::new();
    opaque.insert(http::header::AUTHORIZATION, http::HeaderValue::from_bytes(b"Bearer \xff").unwrap());
    assert!(matches!(bearer(&opaque), Err(Unauthenticated::Malformed)));
}

#[test]
fn only_health_and_reflection_are_open() {
    for open in [
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    ] {
        assert!(open_path(open), "{open}");
    }
    for closed in
        ["/redbank.v1.Bank/Deposit", "/BankService/GetBalance", "/grpc.health.v1.Healthy/Check", "/"]
    {
        assert!(!open_path(closed), "{closed}");
    }
    assert_eq!((AuthMode::Required.as_str(), AuthMode::Off.as_str()), ("required", "off"));
}

/// A provider's JWKS in a file the verifier reads, and tokens it signs.
struct Provider {
    idp: Idp,
    _dir: tempfile::TempDir,
    verifier: Arc<jwt::JwtVerifier>,
}

impl Provider {
    fn new() -> Self {
        let idp = Idp::new();
        let dir = tempfile::tempdir().unwrap();
        let jwks_file = dir.path().join("jwks.json");
        std::fs::write(&jwks_file, idp.jwks("k", "ec")).unwrap();
        let config = jwt::JwtConfig {
            jwks_file,
            issuer: "iss".into(),
            audience: "aud".into(),
            role_claim: "role".into(),
            customer_claim: "customer".into(),
        };
        Self { idp, _dir: dir, verifier: Arc::new(jwt::JwtVerifier::load(config).unwrap()) }
    }

    fn token(&self, role: &str, customer: Option<&str>) -> String {
        let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 600;
        let mut claims = json!({"iss": "iss", "aud": "aud", "sub": "s", "exp": exp, "role": role});
        if let Some(c) = customer {
            claims["customer"] = json!(c);
        }
        self.idp.sign(&json!({"alg": "EdDSA", "kid": "k"}), &claims)
    }
}

/// An authenticator whose Redis is nowhere: a call that needs it fails as a store
/// failure does.
fn authenticator(mode: AuthMode, jwt: Option<Arc<jwt::JwtVerifier>>) -> Authenticator {
    let mut config = StoreConfig::new("redis://127.0.0.1:1");
    config.call_timeout = std::time::Duration::from_millis(300);
    let store = Store::connect(&config).unwrap();
    Authenticator::new(mode, Arc::new(keys::KeyCache::new(store)), jwt)
}

async fn admit(
    auth: &Authenticator,
    path: &str,
    credential: Option<&str>,
) -> Result<Option<Principal>, Status> {
    let mut request = http::Request::builder().uri(path);
    if let Some(c) = credential {
        request = request.header(http::header::AUTHORIZATION, format!("Bearer {c}"));
    }
    let mut request = request.body(()).unwrap();
    auth.admit(&mut request).await?;
    Ok(request.extensions().get::<CallContext>().and_then(CallContext::principal).map(|p| (**p).clone()))
}

fn reason(status: &Status) -> String {
    status.get_details_error_info().map(|i| i.reason).unwrap_or_default()
}

#[tokio::test]
async fn a_call_reaches_its_handler_with_its_principal_only_if_the_policy_allows_it() {
    let idp = Provider::new();
    let auth = authenticator(AuthMode::Required, Some(idp.verifier.clone()));
    let customer = idp.token("customer", Some("c-1"));
    let expected = Principal {
        actor: Actor::parse("jwt:s").unwrap(),
        grant: Grant::new(Role::Customer, Some(CustomerId::parse("c-1").unwrap())).unwrap(),
    };
    assert_eq!(admit(&auth, "/redbank.v1.Bank/Deposit", Some(&customer)).await.unwrap(), Some(expected));
    // The policy table: a customer may not post interest, an auditor not deposit.
    let refused = admit(&auth, "/redbank.v1.Bank/ApplyInterest", Some(&customer)).await.unwrap_err();
    assert_eq!((refused.code(), reason(&refused).as_str()), (Code::PermissionDenied, "PERMISSION_DENIED"));
    assert!(
        refused.message().starts_with("a customer may not call /redbank.v1.Bank/ApplyInterest"),
        "{}",
        refused.message()
    );
    let auditor = idp.token("auditor", None);
    let refused = admit(&auth, "/BankService/Deposit", Some(&auditor)).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert!(
        refused.message().starts_with("an auditor may not call /BankService/Deposit"),
        "{}",
        refused.message()
    );
    assert!(admit(&auth, "/redbank.v1.Bank/GetAccount", Some(&auditor)).await.unwrap().is_some());
    // A method with no row is served to nobody, an admin included.
    let admin = idp.token("admin", None);
    let unknown = admit(&auth, "/redbank.v1.Bank/Nope", Some(&admin)).await.unwrap_err();
    assert_eq!(unknown.code(), Code::Unimplemented);
    // Health and reflection need no credential, and carry no principal.
    assert_eq!(admit(&auth, "/grpc.health.v1.Health/Check", None).await.unwrap(), None);
}

#[tokio::test]
async fn a_call_without_a_believable_credential_is_unauthenticated_and_a_store_failure_is_not() {
    let idp = Provider::new();
    let auth = authenticator(AuthMode::Required, Some(idp.verifier.clone()));
    let other = Provider::new().token("admin", None);
    for credential in [None, Some("x"), Some("a.b.c"), Some(other.as_str())] {
        let refused = admit(&auth, "/redbank.v1.Bank/GetAccount", credential).await.unwrap_err();
        assert_eq!(
            (refused.code(), reason(&refused).as_str()),
            (Code::Unauthenticated, "UNAUTHENTICATED"),
            "{credential:?}"
        );
    }
    // What the log is told: a credential of neither form is unknown (not a
    // malformed token), a token of another provider a bad signature.
    assert!(matches!(auth.principal("x").await, Err(Unauthenticated::Unknown)));
    assert!(matches!(auth.principal("a.b").await, Err(Unauthenticated::Unknown)));
    assert!(matches!(auth.principal(&other).await, Err(Unauthenticated::Token(jwt::TokenError::Signature))));
    // Without a JWKS, even a good token is unknown.
    let no_jwt = authenticator(AuthMode::Required, None);
    let refused =
        admit(&no_jwt, "/redbank.v1.Bank/GetAccount", Some(&idp.token("admin", None))).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    // An API key must be read from Redis, which is down: not the client's fault.
    let key = redbank_domain::credential::credential(
        &redbank_domain::KeyId::parse(&"a".repeat(redbank_domain::KeyId::LEN)).unwrap(),
        &"b".repeat(64),
    );
    let failed = admit(&auth, "/redbank.v1.Bank/GetAccount", Some(&key)).await.unwrap_err();
    assert_eq!(failed.code(), Code::Unavailable, "{failed:?}");
}

#[tokio::test]
async fn with_auth_off_every_call_is_the_anonymous_admin() {
    let auth = authenticator(AuthMode::Off, None);
    let expected = Some(Principal::anonymous_admin());
    assert_eq!(admit(&auth, "/redbank.v1.Bank/ApplyInterest", None).await.unwrap(), expected);
    assert_eq!(admit(&auth, "/BankService/Withdraw", Some("anything")).await.unwrap(), expected);
    assert_eq!(admit(&auth, "/redbank.v1.Bank/Nope", None).await.unwrap_err().code(), Code::Unimplemented);
    // The principal goes into the context the transport made for the call.
    let context = CallContext::default();
    let mut request = http::Request::builder().uri("/redbank.v1.Bank/Deposit").body(()).unwrap();
    request.extensions_mut().insert(context.clone());
    auth.admit(&mut request).await.unwrap();
    assert_eq!(context.principal().map(|p| (**p).clone()), expected);
}

#[test]
fn the_principal_is_read_back_and_its_absence_is_internal() {
    let mut extensions = tonic::Extensions::new();
    assert_eq!(caller(&extensions).unwrap_err().code(), Code::Internal);
    let context = CallContext::default();
    context.set_principal(Arc::new(Principal::anonymous_admin()));
    extensions.insert(context);
    assert_eq!(*caller(&extensions).unwrap(), Principal::anonymous_admin());
    let status = unauthenticated();
    assert_eq!((status.code(), reason(&status).as_str()), (Code::Unauthenticated, "UNAUTHENTICATED"));
}
