//! The domain's newer rules, each pinned by its own table: grants and actors, a
//! key's expiry at its boundary, holds' states, purposes, expiry and fingerprints
//! (issue 28: survivors of cargo-mutants that only end-to-end tests caught).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use redbank_domain::api_key::expired;
use redbank_domain::calendar::days_from_civil;
use redbank_domain::hold::hold_expiry;
use redbank_domain::limits::{HOLD_DURATION_DEFAULT_SECS, HOLD_DURATION_MIN_SECS};
use redbank_domain::{
    AccountId, Actor, Amount, Capture, Currency, CustomerId, Error, Grant, HoldId, HoldPurpose, HoldRequest,
    HoldState, Memo, Principal, Role,
};

#[test]
fn a_key_expires_at_its_expiry_and_not_a_millisecond_before() {
    let at = 1_700_000_000_000;
    assert!(!expired(None, i64::MAX), "a key without expiry never expires");
    assert!(!expired(Some(at), at - 1));
    assert!(expired(Some(at), at));
    assert!(expired(Some(at), at + 1));
}

#[test]
fn a_grant_is_a_role_with_what_it_needs_and_only_an_admin_grants() {
    let alice = CustomerId::parse("alice").unwrap();
    let cases = [
        (Role::Customer, Some(alice.clone()), Ok(Grant::Customer(alice.clone()))),
        (Role::Customer, None, Err(Error::CustomerIdRequired)),
        (Role::Teller, None, Ok(Grant::Teller)),
        (Role::Auditor, None, Ok(Grant::Auditor)),
        (Role::Admin, None, Ok(Grant::Admin)),
        (Role::Teller, Some(alice.clone()), Err(Error::CustomerIdNotAllowed)),
        (Role::Auditor, Some(alice.clone()), Err(Error::CustomerIdNotAllowed)),
        (Role::Admin, Some(alice.clone()), Err(Error::CustomerIdNotAllowed)),
    ];
    for (role, customer, expected) in cases {
        let grant = Grant::new(role, customer.clone());
        assert_eq!(grant, expected, "{role} {customer:?}");
        if let Ok(grant) = grant {
            assert_eq!(grant.role(), role);
            assert_eq!(grant.customer(), customer.as_ref());
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            assert_eq!(role.to_string(), role.as_str());
            for other in [Grant::Admin, Grant::Teller, Grant::Customer(alice.clone())] {
                assert_eq!(grant.may_grant(&other), role == Role::Admin, "{role} granting {other:?}");
            }
        }
    }
    assert_eq!(Role::parse("root"), Err(Error::InvalidRole));
    assert_eq!(
        Role::ALL.map(|r| r.as_str()),
        ["customer", "teller", "auditor", "admin"],
        "the stored names, the CLI's and the JWT claim's"
    );
}

#[test]
fn an_actor_is_what_the_history_records_and_a_principal_owns_what_its_customer_owns() {
    for text in ["key:0123456789abcdef", "jwt:someone@example.com", "web:alice", &"x".repeat(128)] {
        let actor = Actor::parse(text).unwrap();
        assert_eq!((actor.as_str(), actor.to_string().as_str()), (text, text));
    }
    for bad in ["", "a b", "tab\there", "\u{7f}", "é", &"x".repeat(129)] {
        assert_eq!(Actor::parse(bad), Err(Error::InvalidActor), "{bad:?}");
    }
    assert_eq!(Actor::operator().as_str(), "operator");
    assert_eq!(Actor::anonymous().as_str(), "anonymous");
    assert_eq!(Principal::service().actor.as_str(), "service");
    let alice = CustomerId::parse("alice").unwrap();
    let customer =
        Principal { actor: Actor::parse("web:alice").unwrap(), grant: Grant::Customer(alice.clone()) };
    assert_eq!(customer.required_owner(), Some(&alice));
    for staff in [Principal::operator(), Principal::anonymous_admin(), Principal::service()] {
        assert_eq!(staff.required_owner(), None);
        assert_eq!(staff.grant, Grant::Admin);
    }
}

#[test]
fn only_open_and_capturing_holds_reserve_funds_and_codes_round_trip() {
    let reserve: Vec<(HoldState, bool)> = HoldState::ALL.iter().map(|s| (*s, s.holds_funds())).collect();
    assert_eq!(
        reserve,
        [
            (HoldState::Open, true),
            (HoldState::Capturing, true),
            (HoldState::Captured, false),
            (HoldState::Voided, false),
            (HoldState::Expired, false),
        ]
    );
    assert_eq!(HoldState::from_code("opened"), None);
    for purpose in [HoldPurpose::Hold, HoldPurpose::Transfer] {
        assert_eq!(HoldPurpose::from_code(purpose.code()), Some(purpose));
    }
    assert_eq!((HoldPurpose::Hold.code(), HoldPurpose::Transfer.code()), ("hold", "transfer"));
    assert_eq!(HoldPurpose::from_code("capture"), None);
}

#[test]
fn a_holds_expiry_defaults_to_a_week_and_is_at_least_a_second_ahead() {
    let now = 1_700_000_000_000;
    assert_eq!(hold_expiry(now, None), Ok(now + HOLD_DURATION_DEFAULT_SECS * 1000));
    assert_eq!(HOLD_DURATION_DEFAULT_SECS, 7 * 24 * 60 * 60);
    let min = now + HOLD_DURATION_MIN_SECS * 1000;
    assert_eq!(hold_expiry(now, Some(min)), Ok(min));
    assert_eq!(hold_expiry(now, Some(min - 1)), Err(Error::InvalidExpireTime));
}

#[test]
fn fingerprints_tell_apart_every_parameter_of_a_hold_and_a_capture() {
    let usd = Currency::parse("USD").unwrap();
    let eur = Currency::parse("EUR").unwrap();
    let (a, b) = (AccountId::parse("a").unwrap(), AccountId::parse("b").unwrap());
    let amount = |c, m| Amount::from_minor(c, m).unwrap();
    let memo = Memo::parse("rent").unwrap();
    let hold = HoldRequest { account: a.clone(), amount: amount(usd, 100), expire_time_millis: None };
    let hold_variants = [
        HoldRequest { amount: amount(usd, 101), ..hold.clone() },
        HoldRequest { amount: amount(eur, 100), ..hold.clone() },
        HoldRequest { expire_time_millis: Some(5), ..hold.clone() },
    ];
    let base = hold.fingerprint(&memo);
    assert!(base.contains("100") && base.contains("USD") && base.contains("rent"), "{base}");
    for other in hold_variants {
        assert_ne!(other.fingerprint(&memo), base, "{other:?}");
    }
    assert_ne!(hold.fingerprint(&Memo::default()), base);

    let h1 = HoldId::new(a.clone(), "0123456789abcdef").unwrap();
    let h2 = HoldId::new(a.clone(), "fedcba9876543210").unwrap();
    let capture = Capture::new(h1.clone(), b.clone(), None).unwrap();
    let base = capture.fingerprint(&memo);
    assert!(base.contains(&h1.to_string()) && base.contains("rent"), "{base}");
    for other in [
        Capture::new(h2, b.clone(), None).unwrap(),
        Capture::new(h1.clone(), AccountId::parse("c").unwrap(), None).unwrap(),
        Capture::new(h1.clone(), b.clone(), Some(amount(usd, 100))).unwrap(),
    ] {
        assert_ne!(other.fingerprint(&memo), base, "{other:?}");
    }
    assert_ne!(
        Capture::new(h1.clone(), b.clone(), Some(amount(usd, 100))).unwrap().fingerprint(&memo),
        Capture::new(h1.clone(), b, Some(amount(eur, 100))).unwrap().fingerprint(&memo)
    );
    assert_eq!(Capture::new(h1, a, None), Err(Error::SameAccount));
}

#[test]
fn days_count_from_1970() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(1970, 1, 2), 1);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(days_from_civil(1969, 12, 31), -1);
}

#[test]
fn a_hold_adds_its_amount_to_what_is_held_and_takes_only_what_is_available() {
    use redbank_domain::AccountState;
    use redbank_domain::rules::{Holding, can_receive, hold};
    let usd = Currency::parse("USD").unwrap();
    let id = AccountId::parse("a").unwrap();
    let account = Holding { currency: usd, balance: 1_000, held: 300, state: AccountState::Active };
    let amount = |m| Amount::from_minor(usd, m).unwrap();
    // Held grows by the amount: 300 + 200, not 300 - 200 or 300 * 200.
    assert_eq!(hold(&id, &account, amount(200)), Ok(500));
    assert_eq!(hold(&id, &account, amount(700)), Ok(1_000), "exactly the available balance");
    assert!(matches!(
        hold(&id, &account, amount(701)),
        Err(Error::InsufficientFunds { balance }) if balance.minor() == 700
    ));
    let frozen = Holding { state: AccountState::Frozen, ..account };
    assert_eq!(hold(&id, &frozen, amount(1)), Err(Error::AccountFrozen(id.clone())));
    // A payee receives in its own currency while active, whatever it holds.
    let eur = Currency::parse("EUR").unwrap();
    assert_eq!(can_receive(&id, &account, Some(usd)), Ok(()));
    assert_eq!(can_receive(&id, &account, None), Ok(()));
    assert_eq!(
        can_receive(&id, &account, Some(eur)),
        Err(Error::CurrencyMismatch { account: usd, given: eur })
    );
    assert_eq!(can_receive(&id, &frozen, None), Err(Error::AccountFrozen(id.clone())));
    let closed = Holding { state: AccountState::Closed, ..account };
    assert_eq!(can_receive(&id, &closed, Some(usd)), Err(Error::AccountClosed(id)));
}
