//! The domain's rules tested in their own crate, at their boundaries: each test
//! fails on a change of behaviour that cargo-mutants planted and that only other
//! crates' tests (or none) caught before (docs/TESTING.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use redbank_domain::calendar::{civil_from_days, days_from_civil, format_millis, parse_date_millis};
use redbank_domain::interest::RateError;
use redbank_domain::money::AmountError;
use redbank_domain::{
    AccountId, AccountState, AccountType, Amount, AnnualRate, BalanceChange, Currency, Error, InterestDays,
    InterestPeriod, Memo, Money, RateCeiling, Reason, RequestId, StateChange, Transaction, TransactionKind,
    Transfer, create_fingerprint,
};

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn cur(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

#[test]
fn each_kind_moves_money_its_own_way() {
    use TransactionKind::*;
    let signs: Vec<i64> = TransactionKind::ALL.iter().map(|k| k.sign()).collect();
    assert_eq!(
        TransactionKind::ALL,
        [
            Deposit,
            Withdrawal,
            Interest,
            TransferIn,
            TransferOut,
            Frozen,
            Unfrozen,
            Closed,
            Hold,
            Capture,
            Release
        ]
    );
    assert_eq!(signs, [1, -1, 1, 1, -1, 0, 0, 0, 0, -1, 0]);
    let entry = |kind, minor| Transaction {
        id: "1-0".into(),
        account_id: AccountId::parse("a").unwrap(),
        kind,
        amount: Money::from_minor(usd(), minor),
        balance_after: Money::from_minor(usd(), 0),
        request_id: None,
        memo: Memo::default(),
        create_time_millis: 0,
        account_version: 1,
        counterparty: None,
        transfer_id: None,
        counterparty_version: None,
        actor: None,
    };
    assert_eq!(entry(Deposit, 250).signed_minor(), 250);
    assert_eq!(entry(Withdrawal, 250).signed_minor(), -250);
    assert_eq!(entry(TransferOut, 7).signed_minor(), -7);
    assert_eq!(entry(Frozen, 0).signed_minor(), 0);
}

#[test]
fn types_and_states_print_their_stored_names() {
    assert_eq!(
        (AccountType::Savings.to_string(), AccountType::Checking.to_string()),
        ("savings".into(), "checking".into())
    );
    let states = [AccountState::Active, AccountState::Frozen, AccountState::Closed].map(|s| s.to_string());
    assert_eq!(states, ["active", "frozen", "closed"]);
    assert_eq!(AccountState::default(), AccountState::Active);
    assert_eq!(AccountState::from_code("open"), None);
}

#[test]
fn state_changes_go_where_they_say() {
    assert_eq!(StateChange::Freeze.target(), AccountState::Frozen);
    assert_eq!(StateChange::Unfreeze.target(), AccountState::Active);
    assert_eq!(StateChange::Close.target(), AccountState::Closed);
    assert_eq!(
        [StateChange::Freeze, StateChange::Unfreeze, StateChange::Close].map(|c| c.kind()),
        [TransactionKind::Frozen, TransactionKind::Unfrozen, TransactionKind::Closed]
    );
}

#[test]
fn fingerprints_differ_in_every_parameter_and_only_then() {
    let reason = |r: &str| Reason::parse(r).unwrap();
    let memo = |m: &str| Memo::parse(m).unwrap();
    // State changes: kind and reason.
    let freeze = StateChange::Freeze.fingerprint(&reason("fraud"));
    assert_eq!(freeze, StateChange::Freeze.fingerprint(&reason("fraud")));
    assert_ne!(freeze, StateChange::Freeze.fingerprint(&reason("audit")));
    assert_ne!(freeze, StateChange::Close.fingerprint(&reason("fraud")));
    assert_ne!(StateChange::Unfreeze.fingerprint(&reason("x")), StateChange::Close.fingerprint(&reason("x")));
    // Balance changes: kind, currency, amount, memo, rate, days, period.
    let amount = |c: &str, m| Amount::from_minor(cur(c), m).unwrap();
    let deposit = BalanceChange::Deposit(amount("USD", 100)).fingerprint(&memo(""));
    for other in [
        BalanceChange::Deposit(amount("USD", 101)).fingerprint(&memo("")),
        BalanceChange::Deposit(amount("EUR", 100)).fingerprint(&memo("")),
        BalanceChange::Deposit(amount("USD", 100)).fingerprint(&memo("m")),
        BalanceChange::Withdrawal(amount("USD", 100)).fingerprint(&memo("")),
    ] {
        assert_ne!(deposit, other);
    }
    let ceiling = RateCeiling::default();
    let interest = |rate: &str, days: i32, period: Option<&str>| {
        BalanceChange::Interest {
            rate: AnnualRate::parse(rate, ceiling).unwrap(),
            days: InterestDays::from_request(days).unwrap(),
            period: period.map(|p| InterestPeriod::parse(p).unwrap()),
        }
        .fingerprint(&memo(""))
    };
    let base = interest("4.25", 30, Some("2026-10"));
    assert_eq!(base, interest("4.250", 30, Some("2026-10")), "rates compare as numbers");
    for other in [
        interest("4.26", 30, Some("2026-10")),
        interest("4.25", 31, Some("2026-10")),
        interest("4.25", 30, Some("2026-09")),
        interest("4.25", 30, None),
    ] {
        assert_ne!(base, other);
    }
    // Transfers: target, currency, amount, memo.
    let transfer = |to: &str, c: &str, m: i64, text: &str| {
        Transfer::new(AccountId::parse("a").unwrap(), AccountId::parse(to).unwrap(), amount(c, m))
            .unwrap()
            .fingerprint(&memo(text))
    };
    let t = transfer("b", "USD", 5, "");
    for other in [
        transfer("c", "USD", 5, ""),
        transfer("b", "EUR", 5, ""),
        transfer("b", "USD", 6, ""),
        transfer("b", "USD", 5, "x"),
    ] {
        assert_ne!(t, other);
    }
    // Account creation: type and currency.
    let created = create_fingerprint(AccountType::Savings, usd(), None);
    assert_ne!(created, create_fingerprint(AccountType::Checking, usd(), None));
    assert_ne!(created, create_fingerprint(AccountType::Savings, cur("EUR"), None));
    let owner = redbank_domain::CustomerId::parse("c-1").unwrap();
    assert_ne!(created, create_fingerprint(AccountType::Savings, usd(), Some(&owner)));
}

#[test]
fn every_refusal_has_a_distinct_stable_reason() {
    let id = || AccountId::parse("a").unwrap();
    let money = Money::from_minor(usd(), 5);
    let all = [
        (Error::InvalidAccountId, "INVALID_ACCOUNT_ID"),
        (Error::InvalidRequestId, "INVALID_REQUEST_ID"),
        (Error::InvalidMemo, "INVALID_MEMO"),
        (Error::InvalidAccountType, "INVALID_ACCOUNT_TYPE"),
        (Error::InvalidCurrency("x".into()), "INVALID_CURRENCY"),
        (Error::InvalidAmount("x".into()), "INVALID_AMOUNT"),
        (Error::InvalidRate("x".into()), "INVALID_RATE"),
        (Error::InvalidDays, "INVALID_DAYS"),
        (Error::AccountNotFound(id()), "ACCOUNT_NOT_FOUND"),
        (Error::AccountExists, "ACCOUNT_EXISTS"),
        (Error::InsufficientFunds { balance: money }, "INSUFFICIENT_FUNDS"),
        (Error::CurrencyMismatch { account: usd(), given: cur("EUR") }, "CURRENCY_MISMATCH"),
        (Error::BalanceLimitExceeded { limit: money }, "BALANCE_LIMIT_EXCEEDED"),
        (Error::IdempotencyKeyReused, "IDEMPOTENCY_KEY_REUSED"),
        (Error::SameAccount, "SAME_ACCOUNT"),
        (Error::AccountFrozen(id()), "ACCOUNT_FROZEN"),
        (Error::AccountClosed(id()), "ACCOUNT_CLOSED"),
        (Error::AccountNotFrozen(id()), "ACCOUNT_NOT_FROZEN"),
        (Error::BalanceNotZero { balance: money }, "BALANCE_NOT_ZERO"),
        (Error::InvalidReason("x".into()), "INVALID_REASON"),
        (Error::InvalidPageToken, "INVALID_PAGE_TOKEN"),
        (Error::InvalidCursor, "INVALID_CURSOR"),
        (Error::InvalidTimeRange("x".into()), "INVALID_TIME_RANGE"),
        (Error::InvalidPeriod, "INVALID_PERIOD"),
        (Error::PeriodNotPostable { period: "p".into(), why: "w".into() }, "PERIOD_NOT_POSTABLE"),
        (Error::InvalidPageSize { max: 5 }, "INVALID_PAGE_SIZE"),
        (Error::InvalidKind(9), "INVALID_KIND"),
        (Error::InterestAlreadyPosted("p".into()), "INTEREST_ALREADY_POSTED"),
        (Error::HistoryArchived { through_millis: 5 }, "HISTORY_ARCHIVED"),
        (Error::EventsExpired { deleted_millis: 5 }, "EVENTS_EXPIRED"),
        (Error::InvalidWebhookId, "INVALID_WEBHOOK_ID"),
        (Error::InvalidWebhookUrl("x".into()), "INVALID_WEBHOOK_URL"),
        (Error::WebhookUrlNotAllowed("x".into()), "WEBHOOK_URL_NOT_ALLOWED"),
        (Error::WebhookNotFound("x".into()), "WEBHOOK_NOT_FOUND"),
        (Error::DeliveryNotFound("x".into()), "DELIVERY_NOT_FOUND"),
        (Error::TooManyWebhooks, "TOO_MANY_WEBHOOKS"),
    ];
    for (error, reason) in &all {
        assert_eq!(error.reason(), *reason, "{error:?}");
        assert!(!error.to_string().is_empty());
    }
    let mut reasons: Vec<&str> = all.iter().map(|(_, r)| *r).collect();
    reasons.sort_unstable();
    reasons.dedup();
    assert_eq!(reasons.len(), all.len());
}

#[test]
fn interest_periods_begin_in_1970_and_parse_only_months() {
    assert!(InterestPeriod::parse("1970-01").is_ok());
    assert_eq!(InterestPeriod::parse("1969-12"), Err(Error::InvalidPeriod));
    assert_eq!(InterestPeriod::parse_optional(""), Ok(None));
    assert_eq!(InterestPeriod::parse_optional("2026-02").map(|p| p.map(|p| p.days())), Ok(Some(28)));
    assert_eq!(InterestPeriod::parse_optional("2026-13"), Err(Error::InvalidPeriod));
    // Days of each month, leap years included.
    let days: Vec<u32> =
        (1..=12).map(|m| InterestPeriod::parse(&format!("2024-{m:02}")).unwrap().days()).collect();
    assert_eq!(days, [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    assert_eq!(InterestPeriod::parse("2100-02").unwrap().days(), 28, "not a leap year");
    assert_eq!(InterestPeriod::parse("2000-02").unwrap().days(), 29, "a leap year");
    for bad in ["2026x11", "2026-1", "202-011", "2026-00", "abcd-01", "2026-+1"] {
        assert_eq!(InterestPeriod::parse(bad), Err(Error::InvalidPeriod), "{bad}");
    }
}

#[test]
fn dates_parse_only_with_dashes_and_real_days() {
    assert_eq!(parse_date_millis("1970-01-01"), Some(0));
    assert_eq!(parse_date_millis("1970-01-02"), Some(86_400_000));
    assert_eq!(parse_date_millis("2024-02-29"), Some(days_from_civil(2024, 2, 29) * 86_400_000));
    for bad in [
        "2026-+1-01",
        "2026-01-+1",
        "+026-01-01",
        "2026x11x30",
        "2026-11x30",
        "2026x11-30",
        "2026/11/30",
        "2026-11-3",
        "2023-02-29",
        "2026-11-31",
        "2026-00-10",
        "2026-13-01",
        "2026-11-00",
        "",
    ] {
        assert_eq!(parse_date_millis(bad), None, "{bad}");
    }
}

#[test]
fn civil_dates_round_trip_across_eras_and_month_ends() {
    for (days, date) in [
        (0, (1970, 1, 1)),
        (-1, (1969, 12, 31)),
        (59, (1970, 3, 1)),
        (11_016, (2000, 2, 29)),
        (11_017, (2000, 3, 1)),
        (20_783, (2026, 11, 26)),
        (-719_468, (0, 3, 1)),
        (2_932_896, (9999, 12, 31)),
    ] {
        assert_eq!(civil_from_days(days), date, "{days}");
        assert_eq!(days_from_civil(date.0, date.1, date.2), days, "{date:?}");
    }
    for days in (-800_000..3_000_000).step_by(997) {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
        assert!((1..=12).contains(&m) && (1..=31).contains(&d));
    }
    assert_eq!(format_millis(86_400_000 + 3_723_000), "1970-01-02 01:02:03");
    assert_eq!(format_millis(-1000), "1969-12-31 23:59:59");
}

#[test]
fn currencies_are_upper_case_codes_with_a_minor_unit() {
    assert_eq!(usd().exponent(), 2);
    assert_eq!(cur("JPY").exponent(), 0);
    assert_eq!(cur("BHD").exponent(), 3);
    assert_eq!(usd().to_string(), "USD");
    for bad in ["usd", "US", "USDD", "XAU", "XDR", "ZZZ", "", "U$D"] {
        assert!(matches!(Currency::parse(bad), Err(Error::InvalidCurrency(_))), "{bad}");
    }
}

#[test]
fn money_converts_exactly_both_ways() {
    let m = |c: &str, units, nanos| Money::from_units_nanos(cur(c), units, nanos);
    assert_eq!(m("USD", 12, 500_000_000).map(|m| m.minor()), Ok(1250));
    assert_eq!(m("USD", -12, -500_000_000).map(|m| m.minor()), Ok(-1250));
    assert_eq!(m("USD", 0, 0).map(|m| m.minor()), Ok(0));
    assert_eq!(m("JPY", 7, 0).map(|m| m.minor()), Ok(7));
    assert_eq!(m("BHD", 1, 1_000_000).map(|m| m.minor()), Ok(1001));
    assert_eq!(m("USD", 0, 5_000_000), Err(AmountError::TooPrecise(usd())));
    assert!(matches!(m("USD", 1, -1), Err(AmountError::Malformed(_))));
    assert!(matches!(m("USD", -1, 1), Err(AmountError::Malformed(_))));
    assert!(matches!(m("USD", 0, 1_000_000_000), Err(AmountError::Malformed(_))));
    assert!(matches!(m("USD", 0, -1_000_000_000), Err(AmountError::Malformed(_))));
    assert_eq!(m("USD", i64::MAX, 0), Err(AmountError::TooLarge(usd())));
    assert_eq!(m("USD", 0, 999_999_999), Err(AmountError::TooPrecise(usd())));
    // Text with exactly the currency's places, of either sign.
    let text = |c: &str, minor| Money::from_minor(cur(c), minor).decimal();
    assert_eq!(
        [text("USD", 1250), text("USD", 5), text("USD", -5), text("USD", 0)],
        ["12.50", "0.05", "-0.05", "0.00"]
    );
    assert_eq!([text("JPY", 1000), text("BHD", 1001), text("BHD", -1)], ["1000", "1.001", "-0.001"]);
    assert_eq!(Money::from_minor(usd(), -1250).to_string(), "-12.50 USD");
    assert_eq!(Money::from_minor(usd(), -1250).to_units_nanos(), (-12, -500_000_000));
}

#[test]
fn amounts_parse_from_decimal_text_exactly() {
    let parse = |c: &str, t: &str| Amount::parse_decimal(cur(c), t).map(|a| a.minor());
    assert_eq!(parse("USD", "12.50"), Ok(1250));
    assert_eq!(parse("USD", "12.5"), Ok(1250));
    assert_eq!(parse("USD", "12"), Ok(1200));
    assert_eq!(parse("USD", "0012.500"), Ok(1250));
    assert_eq!(parse("USD", "0.01"), Ok(1));
    assert_eq!(parse("JPY", "1000"), Ok(1000));
    assert_eq!(parse("BHD", "1.001"), Ok(1001));
    assert_eq!(parse("USD", "10000000000000"), Ok(1_000_000_000_000_000));
    // Sixteen whole digits fit in yen (the limit is 10^15), seventeen do not, nor do
    // thirty (past what a decimal holds: still TooLarge, not malformed).
    assert_eq!(parse("JPY", "1000000000000000"), Ok(1_000_000_000_000_000));
    assert_eq!(parse("JPY", "0001000000000000000"), Ok(1_000_000_000_000_000));
    assert_eq!(parse("JPY", "10000000000000000"), Err(AmountError::TooLarge(cur("JPY"))));
    assert_eq!(parse("JPY", &format!("1{}", "0".repeat(30))), Err(AmountError::TooLarge(cur("JPY"))));
    assert_eq!(Amount::parse_decimal(usd(), "12.5").unwrap().to_string(), "12.50 USD");
    assert_eq!(parse("USD", "10000000000000.01"), Err(AmountError::TooLarge(usd())));
    assert_eq!(parse("USD", "99999999999999999"), Err(AmountError::TooLarge(usd())));
    assert_eq!(parse("USD", "0.001"), Err(AmountError::TooPrecise(usd())));
    assert_eq!(parse("JPY", "0.5"), Err(AmountError::TooPrecise(cur("JPY"))));
    assert_eq!(parse("USD", "0"), Err(AmountError::NotPositive));
    assert_eq!(parse("USD", "0.00"), Err(AmountError::NotPositive));
    assert_eq!(parse("USD", "-1"), Err(AmountError::NotPositive));
    for bad in ["", ".", "1.", ".5", "1.2.3", "1e3", "+1", "1,00", " 1", "--1", "abc"] {
        assert!(matches!(parse("USD", bad), Err(AmountError::Malformed(_))), "{bad:?}");
    }
    // From google.type.Money: positive only.
    let units = |u, n| Amount::from_units_nanos(usd(), u, n).map(|a| a.minor());
    assert_eq!(units(1, 500_000_000), Ok(150));
    assert_eq!(units(0, 10_000_000), Ok(1));
    assert_eq!(units(0, 0), Err(AmountError::NotPositive));
    assert_eq!(units(-1, 0), Err(AmountError::NotPositive));
    assert_eq!(units(0, -10_000_000), Err(AmountError::NotPositive));
    assert!(matches!(units(1, -1), Err(AmountError::Malformed(_))));
    // Doubles (the classic API): 15 significant digits, then the minor unit.
    let double = |x| Amount::from_f64(usd(), x).map(|a| a.minor());
    assert_eq!(double(0.1), Ok(10));
    assert_eq!(double(0.30000000000000004), Ok(30));
    assert_eq!(double(0.001), Err(AmountError::TooPrecise(usd())));
}

#[test]
fn refusals_say_what_was_wrong_with_the_limits_in_them() {
    assert_eq!(AmountError::NotPositive.to_string(), "amount must be positive");
    assert_eq!(
        AmountError::TooPrecise(usd()).to_string(),
        "amount must be a whole number of USD minor units (0.01)"
    );
    assert_eq!(AmountError::TooLarge(usd()).to_string(), "amount must be at most 10000000000000.00 USD");
    assert_eq!(AmountError::Malformed("why").to_string(), "why");
    assert_eq!(Error::from(AmountError::NotPositive), Error::InvalidAmount("amount must be positive".into()));
    let ceiling = RateCeiling::parse("100").unwrap();
    assert_eq!(RateError::NotPositive.to_string(), "annual rate must be a positive percentage");
    assert_eq!(RateError::TooPrecise.to_string(), "annual rate may have at most 6 decimal places");
    assert_eq!(RateError::AboveCeiling(ceiling).to_string(), "annual rate must be at most 100 percent");
    assert_eq!(RateError::Malformed.to_string(), "annual rate must be a decimal percentage such as 4.25");
    assert_eq!(
        Error::from(RateError::Malformed),
        Error::InvalidRate("annual rate must be a decimal percentage such as 4.25".into())
    );
    assert_eq!(ceiling.to_string(), "100");
    assert_eq!(AnnualRate::parse("4.250", ceiling).unwrap().to_string(), "4.25");
    assert_eq!(AnnualRate::parse("4", ceiling).unwrap().to_string(), "4");
    assert_eq!(AnnualRate::parse("0.000001", ceiling).unwrap().to_string(), "0.000001");
}

#[test]
fn ids_keep_their_text() {
    assert_eq!(RequestId::parse("r-1").unwrap().as_str(), "r-1");
    assert_eq!(RequestId::parse("r-1").unwrap().to_string(), "r-1");
    assert_eq!(RequestId::parse_optional("r-1").map(|r| r.map(|r| r.to_string())), Ok(Some("r-1".into())));
    assert_eq!(RequestId::parse_optional(""), Ok(None));
    assert_eq!(RequestId::parse_optional("\u{7f}"), Err(Error::InvalidRequestId));
    assert_eq!(AccountId::parse("a.b_c-1").unwrap().to_string(), "a.b_c-1");
}

/// Ties on purpose: at 5% for a year the interest on 20k + 10 minor units is exactly
/// k + 0.5, which half-even rounds to the even neighbour.
#[test]
fn interest_ties_round_to_even() {
    use redbank_domain::interest_minor;
    let rate = AnnualRate::parse("5", RateCeiling::default()).unwrap();
    let year = InterestDays::from_request(0).unwrap();
    for k in (0..2_000_i64).chain([49_999_999_999_999, 50_000_000_000_000 - 1]) {
        let balance = 20 * k + 10;
        let expected = if k % 2 == 0 { k } else { k + 1 };
        assert_eq!(interest_minor(balance, rate, year), expected, "balance {balance}");
        // Just off the tie, the nearest wins.
        assert_eq!(interest_minor(balance + 1, rate, year), k + 1, "balance {}", balance + 1);
        assert_eq!(interest_minor(balance - 1, rate, year), k, "balance {}", balance - 1);
    }
}
