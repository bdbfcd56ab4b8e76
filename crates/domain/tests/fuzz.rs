//! Property tests over every parser of the domain: any input either parses into a
//! value that keeps the type's promise, or is refused with an error; nothing panics.
//!
//! A fixed seed and a modest number of cases run in CI. The long run is
//!     REDBANK_FUZZ_CASES=1000000 cargo test --release -p redbank-domain --test fuzz
//! and REDBANK_FUZZ_SEED picks another seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use redbank_domain::calendar::{InterestPeriod, parse_date_millis};
use redbank_domain::limits::{MAX_AMOUNT_MINOR, RATE_DECIMALS};
use redbank_domain::money::AmountError;
use redbank_domain::{
    AccountId, AccountType, Amount, AnnualRate, Currency, InterestDays, Memo, Money, RateCeiling, RequestId,
    interest_minor,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::*;

fn config() -> Config {
    let env =
        |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    Config {
        cases: env("REDBANK_FUZZ_CASES", 3000) as u32,
        rng_seed: RngSeed::Fixed(env("REDBANK_FUZZ_SEED", 20_261_125)),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Strings that hit the edges: ASCII, any Unicode, control characters, and lengths
/// around the limits.
fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9._-]{0,70}",
        "\\PC{0,80}",
        any::<String>(),
        proptest::collection::vec(any::<char>(), 0..300).prop_map(|v| v.into_iter().collect()),
        "[0-9]{0,40}(\\.[0-9]{0,40})?",
        "-?[0-9]{0,25}\\.?[0-9]{0,12}",
    ]
}

/// Doubles including NaN, infinities, subnormals, negative zero and extremes.
fn hostile_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(f64::MAX),
        (1_i64..10_000_000).prop_map(|c| c as f64 / 100.0),
        (-1e6..1e6_f64),
    ]
}

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn ids_memos_currencies_and_types(s in hostile_string()) {
        if let Ok(id) = AccountId::parse(&s) {
            prop_assert!(!s.is_empty() && s.len() <= 64);
            prop_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
            prop_assert_eq!(id.as_str(), s.as_str());
        }
        if RequestId::parse(&s).is_ok() {
            prop_assert!(!s.is_empty() && s.len() <= 64 && s.bytes().all(|b| (0x20..=0x7e).contains(&b)));
        }
        if let Ok(m) = Memo::parse(&s) {
            prop_assert!(m.as_str().chars().count() <= 256 && !m.as_str().chars().any(char::is_control));
        }
        if let Ok(c) = Currency::parse(&s) {
            prop_assert_eq!(c.code(), s.as_str());
            prop_assert!(c.exponent() <= 9);
        }
        let _ = AccountType::parse(&s);
        let _ = InterestPeriod::parse(&s);
        let _ = parse_date_millis(&s);
    }

    #[test]
    fn decimal_amounts(s in hostile_string(), code in prop_oneof![Just("USD"), Just("JPY"), Just("BHD")]) {
        let currency = Currency::parse(code).unwrap();
        if let Ok(a) = Amount::parse_decimal(currency, &s) {
            prop_assert!(a.minor() >= 1 && a.minor() <= MAX_AMOUNT_MINOR);
            // What parsed prints back as the same number.
            let exact = Decimal::from_str_exact(&s).unwrap();
            prop_assert_eq!(Decimal::from_str_exact(&a.money().decimal()).unwrap(), exact);
        }
    }

    #[test]
    fn decimal_text_round_trips(minor in 1..=MAX_AMOUNT_MINOR, code in prop_oneof![Just("USD"), Just("JPY"), Just("BHD")]) {
        let currency = Currency::parse(code).unwrap();
        let text = Money::from_minor(currency, minor).decimal();
        prop_assert_eq!(Amount::parse_decimal(currency, &text).map(|a| a.minor()), Ok(minor));
    }

    #[test]
    fn google_money_fields(units in prop_oneof![any::<i64>(), -1000_i64..1000, Just(i64::MAX), Just(i64::MIN)],
                           nanos in prop_oneof![any::<i32>(), -999_999_999_i32..=999_999_999, Just(i32::MIN)]) {
        if let Ok(a) = Amount::from_units_nanos(usd(), units, nanos) {
            prop_assert!(a.minor() >= 1 && a.minor() <= MAX_AMOUNT_MINOR);
            prop_assert_eq!(a.money().to_units_nanos(), (units, nanos));
        }
    }

    #[test]
    fn classic_doubles(x in hostile_f64()) {
        match Amount::from_f64(usd(), x) {
            Ok(a) => {
                prop_assert!(x.is_finite() && x > 0.0);
                prop_assert!(a.minor() >= 1 && a.minor() <= MAX_AMOUNT_MINOR);
                // The double that goes back out is within a rounding of the one that came in.
                let back = a.money().to_f64();
                prop_assert!((back - x).abs() <= x.abs() * 1e-14, "{} -> {}", x, back);
            }
            Err(AmountError::NotPositive) => prop_assert!(x.is_nan() || x <= 0.0 || x.is_infinite()),
            Err(_) => {}
        }
    }

    #[test]
    fn cents_as_doubles_are_exact(cents in 1_i64..1_000_000_000_000) {
        let x = cents as f64 / 100.0;
        prop_assert_eq!(Amount::from_f64(usd(), x).map(|a| a.minor()), Ok(cents));
    }

    #[test]
    fn rates(s in hostile_string(), x in hostile_f64()) {
        let ceiling = RateCeiling::default();
        for r in [AnnualRate::parse(&s, ceiling), AnnualRate::from_f64(x, ceiling)].into_iter().flatten() {
            prop_assert!(r.micro_percent() >= 1 && r.micro_percent() <= 100 * 10_u64.pow(RATE_DECIMALS));
            prop_assert_eq!(AnnualRate::parse(&r.to_string(), ceiling), Ok(r));
        }
    }

    /// The interest rule against rust_decimal's own arithmetic and rounding.
    #[test]
    fn interest_is_half_even(balance in 0_i64..=1_000_000_000_000_000, micro in 1_u64..=100_000_000, days in 0_i32..=366) {
        let rate = AnnualRate::parse(&format!("{}.{:06}", micro / 1_000_000, micro % 1_000_000), RateCeiling::default()).unwrap();
        let days = InterestDays::from_request(days).unwrap();
        let exact = Decimal::from(balance) * Decimal::from(micro) * Decimal::from(days.get())
            / (Decimal::from(100_000_000_u64) * Decimal::from(365));
        let expected = exact.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven).to_i64().unwrap();
        prop_assert_eq!(interest_minor(balance, rate, days), expected);
    }
}
