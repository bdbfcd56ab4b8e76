use super::*;
use redbank_testkit::idp::{Idp, b64};
use ring::signature::KeyPair;
use serde_json::json;

fn verifier(keys: Vec<Key>) -> JwtVerifier {
    let config = JwtConfig {
        jwks_file: PathBuf::from("unused"),
        issuer: "iss".into(),
        audience: "aud".into(),
        role_claim: "role".into(),
        customer_claim: "customer".into(),
    };
    JwtVerifier { config, keys: RwLock::new((None, keys)) }
}

#[test]
fn a_jwks_without_a_usable_key_or_with_a_mismatched_alg_is_refused() {
    let path = Path::new("jwks.json");
    for bad in [
        "{}",
        r#"{"keys": []}"#,
        r#"{"keys": [{"kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB"}]}"#,
        r#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]}"#,
        r#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k", "alg": "ES256", "x": "AAAA"}]}"#,
        r#"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k", "x": "AAAA", "y": "AAAA"}]}"#,
    ] {
        assert!(parse_jwks(path, bad).is_err(), "{bad}");
    }
}

#[test]
fn claims_are_checked_with_leeway_and_the_role_and_customer_must_agree() {
    let v = verifier(Vec::new());
    let now = 1_800_000_000;
    let base =
        json!({"iss": "iss", "aud": "aud", "sub": "u", "exp": now + 10, "role": "customer", "customer": "c"});
    assert!(v.principal(&base, now).is_ok());
    let with = |key: &str, value: Value| {
        let mut c = base.clone();
        c[key] = value;
        v.principal(&c, now)
    };
    assert_eq!(with("exp", json!(now - LEEWAY_SECS)).map(|_| ()), Ok(()));
    assert_eq!(with("exp", json!(now - LEEWAY_SECS - 1)).unwrap_err(), TokenError::Expired);
    assert_eq!(with("exp", json!("soon")).unwrap_err(), TokenError::Claim("exp".into()));
    assert_eq!(with("nbf", json!(now + LEEWAY_SECS + 1)).unwrap_err(), TokenError::NotYetValid);
    assert_eq!(with("iss", json!("other")).unwrap_err(), TokenError::Issuer);
    assert_eq!(with("aud", json!(["x", "y"])).unwrap_err(), TokenError::Audience);
    assert_eq!(with("role", json!("root")).unwrap_err(), TokenError::Claim("role".into()));
    assert_eq!(with("sub", json!("has space")).unwrap_err(), TokenError::Claim("sub".into()));
    // A teller with a customer id, a customer without one: refused.
    assert!(with("role", json!("teller")).is_err());
    let mut no_customer = base.clone();
    no_customer.as_object_mut().map(|o| o.remove("customer"));
    assert!(v.principal(&no_customer, now).is_err());
}

#[test]
fn malformed_tokens_are_refused_before_any_key_is_looked_at() {
    let v = verifier(Vec::new());
    for bad in ["", "a.b", "a.b.c.d", "!!.!!.!!", &"a".repeat(MAX_TOKEN_BYTES + 1)] {
        assert_eq!(v.verify_at(bad, 0).map(|_| ()), Err(TokenError::Malformed), "{bad:.20}");
    }
    let header = |h: Value| format!("{}.e30.AAAA", URL_SAFE_NO_PAD.encode(h.to_string()));
    assert_eq!(
        v.verify_at(&header(json!({"alg": "none"})), 0).unwrap_err(),
        TokenError::Algorithm("none".into())
    );
    assert_eq!(
        v.verify_at(&header(json!({"alg": "HS256"})), 0).unwrap_err(),
        TokenError::Algorithm("HS256".into())
    );
    assert_eq!(
        v.verify_at(&header(json!({"alg": "EdDSA", "kid": "k", "crit": ["b64"]})), 0).unwrap_err(),
        TokenError::Malformed
    );
    assert_eq!(
        v.verify_at(&header(json!({"alg": "EdDSA", "kid": "k"})), 0).unwrap_err(),
        TokenError::UnknownKey("k".into())
    );
}

fn verifier_of(idp: &Idp) -> JwtVerifier {
    verifier(parse_jwks(Path::new("jwks.json"), &idp.jwks("ed", "ec")).unwrap())
}

const NOW: i64 = 1_800_000_000;

fn claims(role: &str, customer: Option<&str>) -> Value {
    let mut c = json!({"iss": "iss", "aud": "aud", "sub": "u-1", "exp": NOW + 60, "role": role});
    if let Some(customer) = customer {
        c["customer"] = json!(customer);
    }
    c
}

fn principal(role: Role, customer: Option<&str>) -> Principal {
    let customer = customer.map(|c| CustomerId::parse(c).unwrap());
    Principal { actor: Actor::parse("jwt:u-1").unwrap(), grant: Grant::new(role, customer).unwrap() }
}

#[test]
fn a_jwks_gives_each_usable_key_its_algorithm_and_skips_other_types() {
    let idp = Idp::new();
    let keys = parse_jwks(Path::new("jwks.json"), &idp.jwks("ed", "ec")).unwrap();
    assert_eq!(keys.len(), 2, "the RSA key is skipped, the others kept");
    assert_eq!(
        (keys[0].kid.as_str(), keys[0].alg, keys[0].bytes.as_slice()),
        ("ed", Alg::EdDsa, idp.ed.public_key().as_ref())
    );
    assert_eq!(
        (keys[1].kid.as_str(), keys[1].alg, keys[1].bytes.as_slice()),
        ("ec", Alg::Es256, idp.ec.public_key().as_ref())
    );
    assert_eq!((Alg::EdDsa.name(), Alg::Es256.name()), ("EdDSA", "ES256"));
    // A key that declares its algorithm, rightly, is read.
    let declared = json!({"keys": [
        {"kty": "OKP", "crv": "Ed25519", "kid": "d", "alg": "EdDSA", "x": b64(idp.ed.public_key().as_ref())},
    ]});
    assert_eq!(parse_jwks(Path::new("j"), &declared.to_string()).unwrap()[0].alg, Alg::EdDsa);

    // The limit on keys: exactly MAX_JWKS_KEYS is read, one more refused.
    let ed = |i: usize| json!({"kty": "OKP", "crv": "Ed25519", "kid": format!("k{i}"), "x": "AAAA"});
    let full = json!({"keys": (0..MAX_JWKS_KEYS).map(ed).collect::<Vec<_>>()}).to_string();
    assert_eq!(parse_jwks(Path::new("j"), &full).unwrap().len(), MAX_JWKS_KEYS);
    let over = json!({"keys": (0..=MAX_JWKS_KEYS).map(ed).collect::<Vec<_>>()}).to_string();
    assert!(parse_jwks(Path::new("j"), &over).is_err());

    // A P-256 key whose x or y alone is not 32 bytes is refused.
    let point = idp.ec.public_key().as_ref();
    for (x, y) in [(&point[1..32], &point[33..65]), (&point[1..33], &point[33..64])] {
        let bad = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "ec", "x": b64(x), "y": b64(y)}]});
        assert!(parse_jwks(Path::new("j"), &bad.to_string()).is_err());
    }
}

#[test]
fn tokens_signed_by_a_key_of_the_set_give_their_principal_and_any_change_is_refused() {
    let (idp, v) = (Idp::new(), verifier_of(&Idp::new()));
    let v_own = verifier_of(&idp);
    let ed = json!({"alg": "EdDSA", "kid": "ed"});
    let ec = json!({"alg": "ES256", "kid": "ec"});
    let customer = claims("customer", Some("c-7"));
    for header in [&ed, &ec] {
        let token = idp.sign(header, &customer);
        assert_eq!(v_own.verify_at(&token, NOW), Ok(principal(Role::Customer, Some("c-7"))), "{header}");
        // Another provider's keys under the same kids: the signature fails.
        assert_eq!(v.verify_at(&token, NOW), Err(TokenError::Signature), "{header}");
        // The claims changed after signing.
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let (head, _) = signed.split_once('.').unwrap();
        let forged = format!("{head}.{}.{signature}", b64(claims("admin", None).to_string().as_bytes()));
        assert_eq!(v_own.verify_at(&forged, NOW), Err(TokenError::Signature), "{header}");
    }
    let teller = idp.sign(&ed, &claims("teller", None));
    assert_eq!(v_own.verify_at(&teller, NOW), Ok(principal(Role::Teller, None)));
    // The algorithm must be the key's: an ES256 header naming the Ed25519 key.
    let swapped = idp.sign(&json!({"alg": "ES256", "kid": "ed"}), &customer);
    assert_eq!(v_own.verify_at(&swapped, NOW), Err(TokenError::KeyMismatch("ES256".into())));
    let swapped = idp.sign(&json!({"alg": "EdDSA", "kid": "ec"}), &customer);
    assert_eq!(v_own.verify_at(&swapped, NOW), Err(TokenError::KeyMismatch("EdDSA".into())));
    // A claims part that is not JSON, however well signed.
    let header = b64(ed.to_string().as_bytes());
    let signed = format!("{header}.{}", b64(b"not json"));
    let junk = format!("{signed}.{}", b64(idp.ed.sign(signed.as_bytes()).as_ref()));
    assert_eq!(v_own.verify_at(&junk, NOW), Err(TokenError::Malformed));
}

#[test]
fn a_token_of_exactly_the_longest_length_is_read() {
    // 8 KiB, as the docs promise (a provider's tokens with many claims), spelled
    // out here so that a change of the limit is a change of this test too.
    const LONGEST: usize = 8192;
    assert_eq!(MAX_TOKEN_BYTES, LONGEST);
    let idp = Idp::new();
    let v = verifier_of(&idp);
    let mut c = claims("auditor", None);
    // Base64 lengths move by 1 or 2 characters a byte: a header field of 0 to 3
    // bytes and the claims' padding together land exactly on the limit.
    let (header, token) = (0..4)
        .flat_map(|extra| (LONGEST * 3 / 4 - 300..LONGEST * 3 / 4).map(move |pad| (extra, pad)))
        .find_map(|(extra, pad)| {
            let header = json!({"alg": "EdDSA", "kid": "ed", "x": "x".repeat(extra)});
            let mut c = c.clone();
            c["pad"] = json!("p".repeat(pad));
            let token = idp.sign(&header, &c);
            (token.len() == LONGEST).then_some((header, token))
        })
        .expect("a token of the longest length");
    assert_eq!(v.verify_at(&token, NOW), Ok(principal(Role::Auditor, None)));
    c["pad"] = json!("p".repeat(LONGEST));
    let longer = idp.sign(&header, &c);
    assert!(longer.len() > LONGEST);
    assert_eq!(v.verify_at(&longer, NOW), Err(TokenError::Malformed));
}

#[test]
fn the_audience_may_be_a_string_or_a_list_and_times_are_checked_at_both_edges() {
    let v = verifier(Vec::new());
    let base = claims("customer", Some("c"));
    let with = |key: &str, value: Value| {
        let mut c = base.clone();
        c[key] = value;
        v.principal(&c, NOW)
    };
    assert!(with("aud", json!("aud")).is_ok());
    assert!(with("aud", json!(["x", "aud"])).is_ok());
    assert_eq!(with("aud", json!("other")).unwrap_err(), TokenError::Audience);
    assert_eq!(with("aud", json!(7)).unwrap_err(), TokenError::Audience);
    let mut no_aud = base.clone();
    no_aud.as_object_mut().map(|o| o.remove("aud"));
    assert_eq!(v.principal(&no_aud, NOW).unwrap_err(), TokenError::Audience);
    let mut no_exp = base.clone();
    no_exp.as_object_mut().map(|o| o.remove("exp"));
    assert_eq!(v.principal(&no_exp, NOW).unwrap_err(), TokenError::Claim("exp".into()));
    // nbf: valid from LEEWAY_SECS before it; a non-number is refused.
    assert!(with("nbf", json!(NOW + LEEWAY_SECS)).is_ok());
    assert!(with("nbf", json!(NOW)).is_ok());
    assert_eq!(with("nbf", json!("now")).unwrap_err(), TokenError::Claim("nbf".into()));
    // An exp or nbf at the end of the integers does not wrap around.
    assert!(with("exp", json!(i64::MAX)).is_ok());
    assert!(with("nbf", json!(i64::MIN)).is_ok());
    assert_eq!(with("customer", json!(7)).unwrap_err(), TokenError::Claim("customer".into()));
    assert_eq!(with("role", json!(["customer"])).unwrap_err(), TokenError::Claim("role".into()));
    let mut no_sub = base.clone();
    no_sub.as_object_mut().map(|o| o.remove("sub"));
    assert_eq!(v.principal(&no_sub, NOW).unwrap_err(), TokenError::Claim("sub".into()));
}

#[test]
fn verify_reads_the_clock() {
    let idp = Idp::new();
    let v = verifier_of(&idp);
    let header = json!({"alg": "EdDSA", "kid": "ed"});
    let now = now_secs();
    assert!(now > NOW - 1_000_000_000, "the clock reads {now}");
    let mut c = claims("admin", None);
    c["exp"] = json!(now + 600);
    assert!(v.verify(&idp.sign(&header, &c)).is_ok());
    // Expired in 1970, and valid only from a century on: both refused today.
    c["exp"] = json!(100);
    assert_eq!(v.verify(&idp.sign(&header, &c)), Err(TokenError::Expired));
    c["exp"] = json!(now + 600);
    c["nbf"] = json!(now + 3_600 * 24 * 365 * 100);
    assert_eq!(v.verify(&idp.sign(&header, &c)), Err(TokenError::NotYetValid));
}

#[tokio::test]
async fn a_rotated_jwks_file_is_read_again_and_a_broken_one_keeps_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    let (old, new) = (Idp::new(), Idp::new());
    std::fs::write(&path, old.jwks("ed", "ec")).unwrap();
    let config = JwtConfig { jwks_file: path.clone(), ..verifier(Vec::new()).config };
    assert!(matches!(
        JwtVerifier::load(JwtConfig { jwks_file: dir.path().join("none"), ..config.clone() }),
        Err(JwksError::Read(..))
    ));
    let v = std::sync::Arc::new(JwtVerifier::load(config).unwrap());
    let header = json!({"alg": "ES256", "kid": "ec"});
    let mut c = claims("teller", None);
    c["exp"] = json!(now_secs() + 600);
    let (old_token, new_token) = (old.sign(&header, &c), new.sign(&header, &c));
    assert!(v.verify(&old_token).is_ok());
    assert_eq!(v.verify(&new_token), Err(TokenError::Signature));
    let watcher = tokio::spawn(v.clone().watch());

    let set = |text: String, age: u64| {
        std::fs::write(&path, text).unwrap();
        // A new modification time even on a file system with coarse times.
        let when = SystemTime::now() + Duration::from_secs(age);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(when).unwrap();
    };
    set(new.jwks("ed", "ec"), 10);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while v.verify(&new_token).is_err() {
        assert!(tokio::time::Instant::now() < deadline, "the JWKS was not reloaded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(v.verify(&old_token), Err(TokenError::Signature));
    // A file that does not parse: the keys before it stay, after a reload was due.
    set("{\"keys\": ".into(), 20);
    tokio::time::sleep(JWKS_RELOAD * 2).await;
    assert!(v.verify(&new_token).is_ok());
    watcher.abort();
}
