//! Exact money: ISO 4217 currencies and integer amounts of their minor units.
//!
//! A float never holds money here. Decimal text and the classic API's doubles are
//! converted once, exactly, into integer minor units (cents for USD, yen for JPY,
//! fils for BHD); an input that does not fit the currency's minor unit is refused,
//! never silently rounded.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use rust_decimal::Decimal;

use crate::Error;
use crate::limits::MAX_AMOUNT_MINOR;

/// An ISO 4217 currency that has a minor unit (so not XAU or XDR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// The US dollar: the server's default currency.
    pub const USD: Currency = Currency(iso_currency::Currency::USD);

    /// Parses an upper-case ISO 4217 alphabetic code such as "USD".
    pub fn parse(code: &str) -> Result<Self, Error> {
        let invalid =
            || Error::InvalidCurrency(format!("{code:?} is not an ISO 4217 currency code with a minor unit"));
        // The table holds exact upper-case codes only.
        let currency = by_code(code).ok_or_else(invalid)?;
        match currency.exponent() {
            Some(e) if e <= 9 => Ok(Self(currency)),
            _ => Err(invalid()),
        }
    }

    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// Decimal places of the minor unit: 2 for USD, 0 for JPY, 3 for BHD.
    pub fn exponent(&self) -> u32 {
        // `parse` admits only currencies whose exponent is known and at most 9.
        u32::from(self.0.exponent().unwrap_or(0))
    }

    /// Minor units in one major unit: 100 for USD.
    fn minor_per_major(&self) -> i64 {
        10_i64.pow(self.exponent())
    }
}

/// The ISO 4217 currency of an alphabetic code, by binary search in a table made
/// once. Why not the crate's own `from_code`: it is a `match` over its 180 codes,
/// which compiles to one comparison after another (about 1,100 instructions for
/// "USD", and a deposit reads a currency twice; docs/PERFORMANCE.md). The table is
/// made from the numeric codes, which every ISO 4217 currency has; a test compares
/// both lookups for every three-letter code.
fn by_code(code: &str) -> Option<iso_currency::Currency> {
    static TABLE: OnceLock<Vec<([u8; 3], iso_currency::Currency)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table: Vec<_> = (0..=999)
            .filter_map(iso_currency::Currency::from_numeric)
            .filter_map(|c| Some((c.code().as_bytes().try_into().ok()?, c)))
            .collect();
        table.sort_unstable_by_key(|(key, _)| *key);
        table
    });
    let key: [u8; 3] = code.as_bytes().try_into().ok()?;
    table.binary_search_by_key(&key, |(k, _)| *k).ok().map(|i| table[i].1)
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountError {
    /// Zero, negative, NaN or infinite.
    NotPositive,
    /// Finer than the currency's minor unit.
    TooPrecise(Currency),
    /// Above [`MAX_AMOUNT_MINOR`].
    TooLarge(Currency),
    /// Not a decimal number, or a Money with nanos out of range or of the other sign.
    Malformed(&'static str),
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::NotPositive => f.write_str("amount must be positive"),
            AmountError::TooPrecise(c) => write!(
                f,
                "amount must be a whole number of {c} minor units ({})",
                Money::from_minor(*c, 1).decimal()
            ),
            AmountError::TooLarge(c) => {
                write!(f, "amount must be at most {}", Money::from_minor(*c, MAX_AMOUNT_MINOR))
            }
            AmountError::Malformed(why) => f.write_str(why),
        }
    }
}

impl From<AmountError> for Error {
    fn from(e: AmountError) -> Self {
        Error::InvalidAmount(e.to_string())
    }
}

/// An amount of money in one currency as integer minor units. Used for balances
/// and for anything read back from storage; it may be zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    currency: Currency,
    minor: i64,
}

impl Money {
    pub fn from_minor(currency: Currency, minor: i64) -> Self {
        Self { currency, minor }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::from_minor(currency, 0)
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    /// From the google.type.Money fields, of either sign: nanos in range and of the
    /// sign of units, and a whole number of the currency's minor units.
    pub fn from_units_nanos(currency: Currency, units: i64, nanos: i32) -> Result<Self, AmountError> {
        if !(-999_999_999..=999_999_999).contains(&nanos) {
            return Err(AmountError::Malformed("nanos must lie in -999999999..=999999999"));
        }
        if (units > 0 && nanos < 0) || (units < 0 && nanos > 0) {
            return Err(AmountError::Malformed("units and nanos must carry the same sign"));
        }
        let total_nanos = i128::from(units) * 1_000_000_000 + i128::from(nanos);
        let nanos_per_minor = i128::from(1_000_000_000 / currency.minor_per_major());
        if total_nanos % nanos_per_minor != 0 {
            return Err(AmountError::TooPrecise(currency));
        }
        let minor =
            i64::try_from(total_nanos / nanos_per_minor).map_err(|_| AmountError::TooLarge(currency))?;
        Ok(Self { currency, minor })
    }

    /// The google.type.Money representation: units and nanos of the same sign.
    pub fn to_units_nanos(&self) -> (i64, i32) {
        let per_major = self.currency.minor_per_major();
        let units = self.minor / per_major;
        let rest = self.minor % per_major; // same sign as minor
        let nanos = rest * (1_000_000_000 / per_major);
        // |rest| < per_major <= 10^9, so |nanos| <= 999_999_999 fits an i32.
        (units, i32::try_from(nanos).unwrap_or(0))
    }

    /// The nearest double, for the classic API only. Both operands are exact doubles
    /// (|minor| < 2^53, 10^e <= 10^9) and IEEE division rounds correctly, so this is
    /// the double closest to the exact decimal: 100 cents give exactly 1.0.
    pub fn to_f64(&self) -> f64 {
        self.minor as f64 / self.currency.minor_per_major() as f64
    }

    /// Plain decimal text with exactly the currency's decimal places: "12.50".
    pub fn decimal(&self) -> String {
        let e = self.currency.exponent() as usize;
        let per_major = self.currency.minor_per_major();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let (whole, frac) = (abs / per_major as u64, abs % per_major as u64);
        if e == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{frac:0e$}") }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

/// A positive amount to move: 1 to [`MAX_AMOUNT_MINOR`] minor units of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount(Money);

impl Amount {
    pub fn from_minor(currency: Currency, minor: i64) -> Result<Self, AmountError> {
        if minor <= 0 {
            Err(AmountError::NotPositive)
        } else if minor > MAX_AMOUNT_MINOR {
            Err(AmountError::TooLarge(currency))
        } else {
            Ok(Self(Money::from_minor(currency, minor)))
        }
    }

    /// From the google.type.Money fields: positive and within the limit.
    pub fn from_units_nanos(currency: Currency, units: i64, nanos: i32) -> Result<Self, AmountError> {
        match Money::from_units_nanos(currency, units, nanos) {
            Err(malformed @ AmountError::Malformed(_)) => Err(malformed),
            // Units and nanos share a sign by now: this is "zero or less".
            _ if units < 0 || (units == 0 && nanos <= 0) => Err(AmountError::NotPositive),
            Ok(money) => Self::from_minor(currency, money.minor()),
            Err(e) => Err(e),
        }
    }

    /// From decimal text in major units, such as "12.50" or "1000".
    pub fn parse_decimal(currency: Currency, text: &str) -> Result<Self, AmountError> {
        const MALFORMED: AmountError =
            AmountError::Malformed("amount must be a decimal number such as 12.50");
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let well_formed = !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
            && (!digits.contains('.') || !frac.is_empty());
        if !well_formed {
            return Err(MALFORMED);
        }
        if text.starts_with('-') {
            return Err(AmountError::NotPositive);
        }
        if whole.trim_start_matches('0').len() > 16 {
            return Err(AmountError::TooLarge(currency));
        }
        if frac.trim_end_matches('0').len() > currency.exponent() as usize {
            return Err(AmountError::TooPrecise(currency));
        }
        let value = Decimal::from_str_exact(text).map_err(|_| MALFORMED)?;
        Self::from_decimal(currency, value)
    }

    /// The classic API's rule for doubles: round to 15 significant digits (the most
    /// a double always holds faithfully), then require the result to fit the minor
    /// unit. So 0.1 is ten cents and 0.30000000000000004 is thirty.
    pub fn from_f64(currency: Currency, x: f64) -> Result<Self, AmountError> {
        if !x.is_finite() || x <= 0.0 {
            return Err(AmountError::NotPositive);
        }
        if x >= 1e17 {
            return Err(AmountError::TooLarge(currency));
        }
        let value = decimal_from_f64_15(x).ok_or(AmountError::TooPrecise(currency))?;
        Self::from_decimal(currency, value)
    }

    fn from_decimal(currency: Currency, value: Decimal) -> Result<Self, AmountError> {
        let value = value.normalize();
        // Zero and negative values end as minor units <= 0, which from_minor refuses.
        let e = currency.exponent();
        if value.scale() > e {
            return Err(AmountError::TooPrecise(currency));
        }
        let minor = value.mantissa() * 10_i128.pow(e - value.scale());
        let minor = i64::try_from(minor).map_err(|_| AmountError::TooLarge(currency))?;
        Self::from_minor(currency, minor)
    }

    pub fn money(&self) -> Money {
        self.0
    }

    pub fn currency(&self) -> Currency {
        self.0.currency
    }

    pub fn minor(&self) -> i64 {
        self.0.minor
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A finite positive double rounded to 15 significant digits, as an exact decimal.
/// `None` when the value is too small for a decimal (below about 1e-28): such a value
/// fits no currency's minor unit anyway.
pub(crate) fn decimal_from_f64_15(x: f64) -> Option<Decimal> {
    // `{:.14e}` rounds the exact binary value correctly to 15 significant digits.
    Decimal::from_scientific(&format!("{x:.14e}")).ok()
}

impl FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_currency_table_finds_exactly_what_the_crates_lookup_finds() {
        let letters = (b'A'..=b'Z').chain([b'a', b'0']);
        let mut found = 0;
        for a in letters.clone() {
            for b in letters.clone() {
                for c in letters.clone() {
                    let code = String::from_utf8(vec![a, b, c]).unwrap();
                    assert_eq!(by_code(&code), iso_currency::Currency::from_code(&code), "{code}");
                    found += usize::from(by_code(&code).is_some());
                }
            }
        }
        assert!(found > 150, "{found} currencies");
        for other in ["", "US", "USDX", "usd", "U\u{e9}D"] {
            assert_eq!(by_code(other), None, "{other:?}");
        }
    }

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn currencies_and_their_minor_units() {
        assert_eq!(usd().exponent(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("BHD").unwrap().exponent(), 3);
        for bad in ["usd", "US", "USDD", "XAU", "ZZZ", "", "€"] {
            assert!(matches!(Currency::parse(bad), Err(Error::InvalidCurrency(_))), "{bad}");
        }
    }

    #[test]
    fn doubles_round_to_15_significant_digits_then_must_fit() {
        let cents = |x: f64| Amount::from_f64(usd(), x).map(|a| a.minor());
        assert_eq!(cents(0.1), Ok(10));
        assert_eq!(cents(0.30000000000000004), Ok(30));
        assert_eq!(cents(1000.0), Ok(100_000));
        assert_eq!(cents(19.99), Ok(1999));
        assert_eq!(cents(0.001), Err(AmountError::TooPrecise(usd())));
        assert_eq!(cents(5e-324), Err(AmountError::TooPrecise(usd())));
        assert_eq!(cents(f64::MIN_POSITIVE), Err(AmountError::TooPrecise(usd())));
        for bad in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(cents(bad), Err(AmountError::NotPositive), "{bad}");
        }
        assert_eq!(cents(1e300), Err(AmountError::TooLarge(usd())));
        assert_eq!(cents(1e13), Ok(1_000_000_000_000_000));
        assert_eq!(cents(1e13 + 1.0), Err(AmountError::TooLarge(usd())));
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Amount::from_f64(jpy, 500.0).map(|a| a.minor()), Ok(500));
        assert_eq!(Amount::from_f64(jpy, 0.5), Err(AmountError::TooPrecise(jpy)));
    }

    #[test]
    fn one_point_zero_zero_five_is_too_precise_for_cents() {
        // 1.005 as a double is 1.00499999999999989...; at 15 digits it is 1.005,
        // which is not a whole number of cents: refused, not rounded.
        assert_eq!(Amount::from_f64(usd(), 1.005), Err(AmountError::TooPrecise(usd())));
    }

    #[test]
    fn decimal_text() {
        let cents = |s: &str| Amount::parse_decimal(usd(), s).map(|a| a.minor());
        assert_eq!(cents("12.50"), Ok(1250));
        assert_eq!(cents("12.5"), Ok(1250));
        assert_eq!(cents("0012"), Ok(1200));
        assert_eq!(cents("0.01"), Ok(1));
        assert_eq!(cents("1.000"), Ok(100));
        assert_eq!(cents("0.001"), Err(AmountError::TooPrecise(usd())));
        assert_eq!(cents("0"), Err(AmountError::NotPositive));
        assert_eq!(cents("0.00"), Err(AmountError::NotPositive));
        assert_eq!(cents("-5"), Err(AmountError::NotPositive));
        assert_eq!(cents("10000000000000"), Ok(MAX_AMOUNT_MINOR));
        assert_eq!(cents("10000000000000.01"), Err(AmountError::TooLarge(usd())));
        assert_eq!(cents("99999999999999999999999"), Err(AmountError::TooLarge(usd())));
        for bad in ["", ".5", "5.", "1e3", "1,5", " 1", "+1", "NaN", "1_000", "١"] {
            assert!(matches!(cents(bad), Err(AmountError::Malformed(_))), "{bad:?}");
        }
    }

    #[test]
    fn google_money_fields() {
        let cents = |u: i64, n: i32| Amount::from_units_nanos(usd(), u, n).map(|a| a.minor());
        assert_eq!(cents(12, 500_000_000), Ok(1250));
        assert_eq!(cents(0, 10_000_000), Ok(1));
        assert_eq!(cents(0, 1_000_000), Err(AmountError::TooPrecise(usd())));
        assert_eq!(cents(0, 0), Err(AmountError::NotPositive));
        assert_eq!(cents(-1, -500_000_000), Err(AmountError::NotPositive));
        assert!(matches!(cents(1, -1), Err(AmountError::Malformed(_))));
        assert!(matches!(cents(0, 1_000_000_000), Err(AmountError::Malformed(_))));
        assert!(matches!(cents(0, i32::MIN), Err(AmountError::Malformed(_))));
        assert_eq!(cents(i64::MAX, 0), Err(AmountError::TooLarge(usd())));
        assert_eq!(cents(i64::MIN, 0), Err(AmountError::NotPositive));
        let bhd = Currency::parse("BHD").unwrap();
        assert_eq!(Amount::from_units_nanos(bhd, 1, 5_000_000).map(|a| a.minor()), Ok(1005));
        assert_eq!(Amount::from_units_nanos(bhd, 1, 500_000), Err(AmountError::TooPrecise(bhd)));
    }

    #[test]
    fn money_out() {
        let m = Money::from_minor(usd(), 1250);
        assert_eq!(m.to_units_nanos(), (12, 500_000_000));
        assert_eq!(m.decimal(), "12.50");
        assert_eq!(m.to_string(), "12.50 USD");
        assert_eq!(Money::from_minor(usd(), 5).decimal(), "0.05");
        assert_eq!(Money::from_minor(usd(), -1250).to_units_nanos(), (-12, -500_000_000));
        assert_eq!(Money::from_units_nanos(usd(), -12, -500_000_000), Ok(Money::from_minor(usd(), -1250)));
        assert_eq!(Money::from_units_nanos(usd(), 0, 0), Ok(Money::zero(usd())));
        assert_eq!(Money::from_units_nanos(usd(), i64::MIN, 0), Err(AmountError::TooLarge(usd())));
        assert!(Money::from_units_nanos(usd(), 0, i32::MIN).is_err());
        assert_eq!(Money::from_minor(Currency::parse("JPY").unwrap(), 500).decimal(), "500");
        assert_eq!(Money::from_minor(Currency::parse("BHD").unwrap(), 1005).decimal(), "1.005");
        // Ten deposits of 0.1 read back as exactly 1.0.
        assert_eq!(Money::from_minor(usd(), 10 * 10).to_f64(), 1.0);
        assert_eq!(Money::from_minor(usd(), 84_000).to_f64(), 840.0);
    }
}
