//! The behaviours that mutation testing found no domain test of (issue 28's
//! list): who a principal is and what its parts read as, a hold's states,
//! purposes, expiry and fingerprints, and an API key's expiry at its boundary.
//! Each assertion here fails under one of the surviving mutants.

#![allow(clippy::unwrap_used)]

use redbank_domain::api_key::expired;
use redbank_domain::hold::hold_expiry;
use redbank_domain::limits::{
    ACTOR_MAX_LEN, HOLD_DURATION_DEFAULT_SECS, HOLD_DURATION_MAX_SECS, HOLD_DURATION_MIN_SECS,
};
use redbank_domain::{
    AccountId, Actor, Amount, Capture, Currency, CustomerId, Error, Grant, HoldId, HoldPurpose, HoldRequest,
    HoldState, KeyId, Memo, Principal, Role, UserName,
};

fn customer(id: &str) -> CustomerId {
    CustomerId::parse(id).unwrap()
}

#[test]
fn every_grant_reads_as_its_role_and_only_a_customer_has_a_customer_id() {
    let alice = customer("alice");
    let table = [
        (Grant::Customer(alice.clone()), Role::Customer, Some(&alice)),
        (Grant::Teller, Role::Teller, None),
        (Grant::Auditor, Role::Auditor, None),
        (Grant::Admin, Role::Admin, None),
    ];
    for (grant, role, owner) in &table {
        assert_eq!(grant.role(), *role, "{grant:?}");
        assert_eq!(grant.customer(), *owner, "{grant:?}");
        let principal = Principal { actor: Actor::operator(), grant: grant.clone() };
        assert_eq!(principal.required_owner(), *owner, "{grant:?}");
        assert_eq!(Grant::new(*role, owner.cloned()), Ok(grant.clone()), "{grant:?}");
        // Only an admin hands out credentials, whatever it hands out.
        for (other, _, _) in &table {
            assert_eq!(grant.may_grant(other), *role == Role::Admin, "{grant:?} granting {other:?}");
        }
    }
    for (role, text) in [
        (Role::Customer, "customer"),
        (Role::Teller, "teller"),
        (Role::Auditor, "auditor"),
        (Role::Admin, "admin"),
    ] {
        assert_eq!((role.as_str(), role.to_string()), (text, text.to_owned()));
        assert_eq!(Role::parse(text), Ok(role));
    }
    assert_eq!(Role::parse("Admin"), Err(Error::InvalidRole));
}

#[test]
fn actors_read_as_the_history_records_them() {
    assert_eq!(Actor::operator().as_str(), "operator");
    assert_eq!(Actor::anonymous().as_str(), "anonymous");
    assert_eq!(Actor::operator().to_string(), "operator");
    let key = KeyId::parse("0123456789abcdef").unwrap();
    assert_eq!((key.as_str(), key.to_string()), ("0123456789abcdef", "0123456789abcdef".to_owned()));
    assert_eq!(key.actor().as_str(), "key:0123456789abcdef");
    let user = UserName::parse("ada").unwrap();
    assert_eq!(
        (user.as_str(), user.to_string(), user.actor().as_str()),
        ("ada", "ada".to_owned(), "web:ada")
    );
    assert_eq!(customer("c-1").to_string(), "c-1");
    assert_eq!(Principal::anonymous_admin().actor.as_str(), "anonymous");
    assert_eq!(Principal::anonymous_admin().grant, Grant::Admin);
    assert_eq!(Principal::service().actor.as_str(), "service");
    assert_eq!(Principal::service().grant, Grant::Admin);
    // Actors: printable ASCII without spaces, at most ACTOR_MAX_LEN.
    assert!(Actor::parse(&"a".repeat(ACTOR_MAX_LEN)).is_ok());
    assert_eq!(Actor::parse(&"a".repeat(ACTOR_MAX_LEN + 1)), Err(Error::InvalidActor));
    assert!(Actor::parse("!~").is_ok(), "0x21 and 0x7e are in");
    for bad in ["", "a b", "a\u{7f}", "é", "a\tb"] {
        assert_eq!(Actor::parse(bad), Err(Error::InvalidActor), "{bad:?}");
    }
    // Key ids: exactly 16 lower-case hex digits.
    for bad in ["0123456789abcde", "0123456789abcdef0", "0123456789ABCDEF", "0123456789abcdeg"] {
        assert_eq!(KeyId::parse(bad), Err(Error::InvalidKeyId), "{bad:?}");
    }
}

#[test]
fn only_the_operator_is_the_operator_and_the_service_is_not() {
    assert!(Principal::operator().is_operator());
    assert!(!Principal::service().is_operator());
    assert!(!Principal::anonymous_admin().is_operator());
    assert!(!Principal { actor: Actor::operator(), grant: Grant::Teller }.is_operator());
}

#[test]
fn a_hold_holds_funds_while_open_or_capturing_and_its_codes_round_trip() {
    let table = [
        (HoldState::Open, "open", true),
        (HoldState::Capturing, "capturing", true),
        (HoldState::Captured, "captured", false),
        (HoldState::Voided, "voided", false),
        (HoldState::Expired, "expired", false),
    ];
    for (state, code, holds) in table {
        assert_eq!((state.code(), state.to_string(), state.holds_funds()), (code, code.to_owned(), holds));
        assert_eq!(HoldState::from_code(code), Some(state));
    }
    assert_eq!(HoldState::from_code("Open"), None);
    for (purpose, code) in [(HoldPurpose::Hold, "hold"), (HoldPurpose::Transfer, "transfer")] {
        assert_eq!(purpose.code(), code);
        assert_eq!(HoldPurpose::from_code(code), Some(purpose));
    }
    assert_eq!(HoldPurpose::from_code(""), None);
}

#[test]
fn a_holds_expiry_is_its_default_or_within_its_bounds() {
    let now = 1_000_000_000_000;
    assert_eq!(hold_expiry(now, None), Ok(now + HOLD_DURATION_DEFAULT_SECS * 1000));
    let (min, max) = (HOLD_DURATION_MIN_SECS * 1000, HOLD_DURATION_MAX_SECS * 1000);
    assert_eq!(hold_expiry(now, Some(now + min)), Ok(now + min));
    assert_eq!(hold_expiry(now, Some(now + max)), Ok(now + max));
    for bad in [now + min - 1, now + max + 1, now, now - 1] {
        assert_eq!(hold_expiry(now, Some(bad)), Err(Error::InvalidExpireTime), "{}", bad - now);
    }
}

#[test]
fn fingerprints_hold_every_parameter() {
    let usd = Currency::parse("USD").unwrap();
    let amount = |minor| Amount::from_minor(usd, minor).unwrap();
    let a = AccountId::parse("a").unwrap();
    let memo = Memo::parse("m").unwrap();
    let hold = HoldRequest { account: a.clone(), amount: amount(100), expire_time_millis: Some(5) };
    assert_eq!(hold.fingerprint(&memo), "hold|USD|100|5|m");
    let other = HoldRequest { expire_time_millis: None, ..hold.clone() };
    assert_eq!(other.fingerprint(&memo), "hold|USD|100||m");
    let id = HoldId::new(a.clone(), "0123456789abcdef").unwrap();
    let b = AccountId::parse("b").unwrap();
    let whole = Capture::new(id.clone(), b.clone(), None).unwrap();
    assert_eq!(whole.fingerprint(&memo), format!("capture|{id}|b||m"));
    let part = Capture::new(id.clone(), b, Some(amount(40))).unwrap();
    assert_eq!(part.fingerprint(&memo), format!("capture|{id}|b|USD|40|m"));
    assert_eq!(Capture::new(id, a, None), Err(Error::SameAccount));
}

#[test]
fn an_api_key_expires_at_its_expiry_not_before() {
    assert!(!expired(None, i64::MAX));
    assert!(!expired(Some(1_000), 999));
    assert!(expired(Some(1_000), 1_000));
    assert!(expired(Some(1_000), 1_001));
}

#[test]
fn a_hold_adds_its_amount_to_what_is_held_and_reserves_only_what_is_available() {
    use redbank_domain::AccountState;
    use redbank_domain::rules::{Holding, hold};
    let usd = Currency::parse("USD").unwrap();
    let a = AccountId::parse("a").unwrap();
    let account = Holding { currency: usd, balance: 1_000, held: 300, state: AccountState::Active };
    let amount = |minor| Amount::from_minor(usd, minor).unwrap();
    // 300 held, 250 more: 550 (not 50, not 75,000).
    assert_eq!(hold(&a, &account, amount(250)), Ok(550));
    // All that is available, and one more.
    assert_eq!(hold(&a, &account, amount(700)), Ok(1_000));
    assert!(matches!(hold(&a, &account, amount(701)), Err(Error::InsufficientFunds { .. })));
    let frozen = Holding { state: AccountState::Frozen, ..account };
    assert!(matches!(hold(&a, &frozen, amount(1)), Err(Error::AccountFrozen(_))));
}

#[test]
fn customer_ids_read_back_as_given_and_empty_means_none() {
    let c = CustomerId::parse_optional("c-1").unwrap().unwrap();
    assert_eq!(c.as_str(), "c-1");
    assert_eq!(CustomerId::parse_optional(""), Ok(None));
    assert_eq!(CustomerId::parse_optional("a b"), Err(Error::InvalidCustomerId));
}

#[test]
fn the_clock_reads_now_and_a_holds_longest_life_is_a_year_and_a_day() {
    // Any time after this code was written (2026-12-06) and before 2100.
    let now = redbank_domain::calendar::now_millis();
    assert!((1_796_500_000_000..4_102_444_800_000).contains(&now), "{now}");
    assert_eq!(HOLD_DURATION_MAX_SECS, 31_622_400, "366 days");
}
