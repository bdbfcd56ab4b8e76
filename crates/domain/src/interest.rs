//! Interest, two ways, both rounded half-even to the currency's minor unit:
//!
//! - **A month's posting** ([`daily_balance_interest`]): on each day's closing
//!   balance, only for the days the account was open, the way a bank pays it. The
//!   bank computes it from the closed month's history, which can no longer change,
//!   and posts the figure; no float and no Lua takes part.
//! - **A one-off adjustment** (`ApplyInterest` without a period, the classic
//!   `CalculateInterest`): `balance * rate / 100 * days / 365` on the balance found
//!   when it is applied. This rule also lives in the store's Lua script, which
//!   must compute it from the balance it reads inside the atomic step.
//!   [`interest_fraction`] is the one place that turns a rate and days into the
//!   integer fraction both sides use, and the store's tests check that the script
//!   agrees with [`interest_minor`].

use std::fmt;

use rust_decimal::Decimal;

use crate::Error;
use crate::limits::{DAYS_PER_YEAR, INTEREST_DAYS_MAX, RATE_CEILING_MAX_PERCENT, RATE_DECIMALS};
use crate::money::decimal_from_f64_15;

const MICRO_PER_PERCENT: u64 = 10_u64.pow(RATE_DECIMALS);

/// Why a rate was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateError {
    /// Zero, negative, NaN or infinite.
    NotPositive,
    /// More than [`RATE_DECIMALS`] decimal places.
    TooPrecise,
    /// Above the server's configured ceiling.
    AboveCeiling(RateCeiling),
    /// Not a decimal number.
    Malformed,
}

impl fmt::Display for RateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateError::NotPositive => f.write_str("annual rate must be a positive percentage"),
            RateError::TooPrecise => write!(f, "annual rate may have at most {RATE_DECIMALS} decimal places"),
            RateError::AboveCeiling(c) => write!(f, "annual rate must be at most {c} percent"),
            RateError::Malformed => f.write_str("annual rate must be a decimal percentage such as 4.25"),
        }
    }
}

impl From<RateError> for Error {
    fn from(e: RateError) -> Self {
        Error::InvalidRate(e.to_string())
    }
}

/// The highest annual rate a server accepts, in percent; at most
/// [`RATE_CEILING_MAX_PERCENT`]. A guard against a typo posting 425% instead of 4.25%.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateCeiling(AnnualRate);

impl RateCeiling {
    pub fn parse(text: &str) -> Result<Self, RateError> {
        let max = AnnualRate { micro_percent: RATE_CEILING_MAX_PERCENT * MICRO_PER_PERCENT };
        AnnualRate::parse(text, RateCeiling(max)).map(RateCeiling)
    }
}

impl Default for RateCeiling {
    /// 100 percent.
    fn default() -> Self {
        RateCeiling(AnnualRate { micro_percent: 100 * MICRO_PER_PERCENT })
    }
}

impl fmt::Display for RateCeiling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A positive annual interest rate in percent, held exactly in millionths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AnnualRate {
    micro_percent: u64,
}

impl AnnualRate {
    /// From decimal text such as "4.25".
    pub fn parse(text: &str, ceiling: RateCeiling) -> Result<Self, RateError> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let well_formed = !whole.is_empty()
            && whole.len() <= 20
            && whole.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
            && (!digits.contains('.') || !frac.is_empty());
        if !well_formed {
            return Err(RateError::Malformed);
        }
        if frac.trim_end_matches('0').len() > RATE_DECIMALS as usize {
            return Err(RateError::TooPrecise);
        }
        let value = Decimal::from_str_exact(text).map_err(|_| RateError::Malformed)?;
        Self::from_decimal(value, ceiling)
    }

    /// From a classic double: rounded to 15 significant digits like classic amounts.
    pub fn from_f64(x: f64, ceiling: RateCeiling) -> Result<Self, RateError> {
        if !x.is_finite() || x <= 0.0 {
            return Err(RateError::NotPositive);
        }
        if x > 1e15 {
            return Err(RateError::AboveCeiling(ceiling));
        }
        let value = decimal_from_f64_15(x).ok_or(RateError::TooPrecise)?;
        Self::from_decimal(value, ceiling)
    }

    fn from_decimal(value: Decimal, ceiling: RateCeiling) -> Result<Self, RateError> {
        let value = value.normalize();
        if value.is_sign_negative() || value.is_zero() {
            return Err(RateError::NotPositive);
        }
        if value.scale() > RATE_DECIMALS {
            return Err(RateError::TooPrecise);
        }
        let micro = value.mantissa() * 10_i128.pow(RATE_DECIMALS - value.scale());
        match u64::try_from(micro) {
            Ok(micro_percent) if micro_percent <= ceiling.0.micro_percent => Ok(Self { micro_percent }),
            _ => Err(RateError::AboveCeiling(ceiling)),
        }
    }

    pub fn micro_percent(&self) -> u64 {
        self.micro_percent
    }

    /// A rate as stored (in millionths of a percent, as a posting's record keeps
    /// it); None for zero.
    pub fn from_micro_percent(micro_percent: u64) -> Option<Self> {
        (micro_percent > 0).then_some(Self { micro_percent })
    }
}

impl fmt::Display for AnnualRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.micro_percent / MICRO_PER_PERCENT;
        let frac = self.micro_percent % MICRO_PER_PERCENT;
        if frac == 0 {
            write!(f, "{whole}")
        } else {
            let frac = format!("{frac:06}");
            write!(f, "{whole}.{}", frac.trim_end_matches('0'))
        }
    }
}

/// How many days of interest to apply: 1 to [`INTEREST_DAYS_MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterestDays(u32);

impl InterestDays {
    /// A full year.
    pub const YEAR: InterestDays = InterestDays(DAYS_PER_YEAR);

    /// From the API field, where 0 means a full year.
    pub fn from_request(days: i32) -> Result<Self, Error> {
        match u32::try_from(days) {
            Ok(0) => Ok(Self::YEAR),
            Ok(d) if d <= INTEREST_DAYS_MAX => Ok(Self(d)),
            _ => Err(Error::InvalidDays),
        }
    }

    pub fn get(&self) -> u32 {
        self.0
    }
}

/// Interest as the integer fraction `numerator / denominator` of the balance.
///
/// numerator = rate in millionths of a percent × days, at most 10^9 × 366 < 4e11;
/// denominator = 100 × 10^6 × 365. The store's Lua script relies on these bounds.
pub fn interest_fraction(rate: AnnualRate, days: InterestDays) -> (u64, u64) {
    (rate.micro_percent * u64::from(days.0), 100 * MICRO_PER_PERCENT * u64::from(DAYS_PER_YEAR))
}

/// The interest on a balance of `balance_minor` (never negative), in minor units,
/// rounded half-even.
pub fn interest_minor(balance_minor: i64, rate: AnnualRate, days: InterestDays) -> i64 {
    debug_assert!(balance_minor >= 0, "balances are never negative");
    let (n, d) = interest_fraction(rate, days);
    divide_half_even(i128::from(balance_minor) * i128::from(n), i128::from(d))
}

/// A month's interest on daily balances: the sum, over each day of the month on
/// which the account was open, of its balance at the end of that day (UTC) ×
/// `rate` ÷ 100 ÷ 365, rounded once, half-even, to the minor unit. Held funds are
/// in the balance: they earn until captured.
///
/// `end_of_day` has one item per day of the month, `None` for a day before the
/// account was opened (a day after it was closed has a balance of zero: an
/// account closes empty). Exact for every allowed balance: the sum of 31 balances
/// of at most 10^15, times a rate of at most 10^9 millionths of a percent, stays
/// far below i128's limit.
pub fn daily_balance_interest(end_of_day: &[Option<i64>], rate: AnnualRate) -> i64 {
    let balance_days: i128 = end_of_day.iter().flatten().map(|b| i128::from(*b)).sum();
    let per_day = i128::from(100 * MICRO_PER_PERCENT * u64::from(DAYS_PER_YEAR));
    divide_half_even(balance_days * i128::from(rate.micro_percent), per_day)
}

/// `n / d` rounded half-even, for `n >= 0` and `d > 0`; saturated at i64's limit.
fn divide_half_even(n: i128, d: i128) -> i64 {
    let (mut q, r) = (n / d, n % d);
    if 2 * r > d || (2 * r == d && q % 2 == 1) {
        q += 1;
    }
    i64::try_from(q).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(s: &str) -> AnnualRate {
        AnnualRate::parse(s, RateCeiling::default()).unwrap()
    }

    #[test]
    fn rates_parse_exactly() {
        assert_eq!(rate("4.25").micro_percent(), 4_250_000);
        assert_eq!(rate("0.000001").micro_percent(), 1);
        assert_eq!(rate("100").micro_percent(), 100_000_000);
        assert_eq!(rate("4.250000000").to_string(), "4.25");
        let c = RateCeiling::default();
        assert_eq!(AnnualRate::parse("0", c), Err(RateError::NotPositive));
        assert_eq!(AnnualRate::parse("-1", c), Err(RateError::NotPositive));
        assert_eq!(AnnualRate::parse("0.0000001", c), Err(RateError::TooPrecise));
        assert_eq!(AnnualRate::parse("100.000001", c), Err(RateError::AboveCeiling(c)));
        assert_eq!(AnnualRate::parse("99999999999999999999", c), Err(RateError::AboveCeiling(c)));
        for bad in ["", "abc", "4,25", "4.25%", "1e2", ".5", "NaN", &"9".repeat(30)] {
            assert_eq!(AnnualRate::parse(bad, c), Err(RateError::Malformed), "{bad:?}");
        }
        let high = RateCeiling::parse("1000").unwrap();
        assert!(AnnualRate::parse("425", high).is_ok());
        assert!(RateCeiling::parse("1000.5").is_err());
    }

    #[test]
    fn classic_double_rates() {
        let c = RateCeiling::default();
        assert_eq!(AnnualRate::from_f64(5.0, c).map(|r| r.micro_percent()), Ok(5_000_000));
        assert_eq!(AnnualRate::from_f64(0.1 + 0.2, c).map(|r| r.micro_percent()), Ok(300_000));
        for bad in [0.0, -0.0, -5.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(AnnualRate::from_f64(bad, c), Err(RateError::NotPositive));
        }
        assert_eq!(AnnualRate::from_f64(100.5, c), Err(RateError::AboveCeiling(c)));
        assert_eq!(AnnualRate::from_f64(1e300, c), Err(RateError::AboveCeiling(c)));
        assert_eq!(AnnualRate::from_f64(5e-324, c), Err(RateError::TooPrecise));
    }

    #[test]
    fn days() {
        assert_eq!(InterestDays::from_request(0), Ok(InterestDays::YEAR));
        assert_eq!(InterestDays::from_request(30).map(|d| d.get()), Ok(30));
        assert_eq!(InterestDays::from_request(366).map(|d| d.get()), Ok(366));
        for bad in [-1, 367, i32::MIN, i32::MAX] {
            assert_eq!(InterestDays::from_request(bad), Err(Error::InvalidDays));
        }
    }

    #[test]
    fn a_stored_rate_reads_back_and_zero_is_none() {
        assert_eq!(AnnualRate::from_micro_percent(0), None);
        assert_eq!(AnnualRate::from_micro_percent(1).map(|r| r.micro_percent()), Some(1));
        assert_eq!(AnnualRate::from_micro_percent(4_250_000), Some(rate("4.25")));
    }

    #[test]
    fn a_months_interest_is_earned_on_each_open_days_closing_balance() {
        let r = rate("3.65");
        // 1000.00 for all 30 days at 3.65%: 1000 * 0.0365 * 30 / 365 = 3.00.
        assert_eq!(daily_balance_interest(&[Some(100_000); 30], r), 300);
        // Opened on the 21st: 10 days of 1000.00 earn 1.00.
        let mut late = vec![None; 20];
        late.extend([Some(100_000); 10]);
        assert_eq!(daily_balance_interest(&late, r), 100);
        // 1,000,000.00 arriving on the evening of the 30th earns one day: 100.00.
        let mut last = vec![Some(0); 29];
        last.push(Some(100_000_000));
        assert_eq!(daily_balance_interest(&last, r), 10_000);
        // Emptied on the 30th: 29 days of 1000.00 earn 2.90.
        let mut emptied = vec![Some(100_000); 29];
        emptied.push(Some(0));
        assert_eq!(daily_balance_interest(&emptied, r), 290);
        // Rounded once, not day by day: 0.20 at 365% earns 0.002 a day, which
        // alone would round to nothing; 30 days earn 0.06.
        let high = |s| AnnualRate::parse(s, RateCeiling::parse("1000").unwrap()).unwrap();
        assert_eq!(daily_balance_interest(&[Some(20); 30], high("365")), 6);
        assert_eq!(daily_balance_interest(&[Some(1); 30], r), 0);
        // A tie goes to the even: 0.50 for one day at 365% is 0.005 -> 0.00; 1.50
        // is 0.015 -> 0.02; 1.00 for 15 days at 36.5% is 0.015 -> 0.02.
        assert_eq!(daily_balance_interest(&[Some(50)], high("365")), 0);
        assert_eq!(daily_balance_interest(&[Some(150)], high("365")), 2);
        assert_eq!(daily_balance_interest(&[Some(100); 15], rate("36.5")), 2);
        // Nothing open, nothing earned.
        assert_eq!(daily_balance_interest(&[None; 31], r), 0);
        assert_eq!(daily_balance_interest(&[], r), 0);
    }

    #[test]
    fn a_31_day_month_at_the_balance_ceiling_is_exact() {
        let max = crate::limits::MAX_BALANCE_MINOR;
        // 10^15 for 31 days at 1.000001%: balance-days 3.1e16 are beyond a double's
        // exact integers (2^53 ~ 9.007e15).
        let r = rate("1.000001");
        // 3.1e16 * 1_000_001 / 3.65e10 = 849_315_917_808.219..., rounded down.
        assert_eq!(daily_balance_interest(&[Some(max); 31], r), 849_315_917_808);
        // 365.00 less on one day is 1.000001 minor units less.
        let mut less = vec![Some(max); 31];
        less[17] = Some(max - 36_500);
        assert_eq!(daily_balance_interest(&less, r), 849_315_917_807);
        // The largest rate a server may allow, on the largest balance, every day.
        let top = AnnualRate::parse("1000", RateCeiling::parse("1000").unwrap()).unwrap();
        assert_eq!(daily_balance_interest(&[Some(max); 31], top), 849_315_068_493_151);
    }

    #[test]
    fn interest_rounds_half_even() {
        let y = InterestDays::YEAR;
        // The classic demo: 800.00 at 5% is 40.00.
        assert_eq!(interest_minor(80_000, rate("5"), y), 4_000);
        // 0.10 at 5% is 0.005: a tie, to the even 0.
        assert_eq!(interest_minor(10, rate("5"), y), 0);
        // 0.30 at 5% is 0.015: a tie, to the even 0.02.
        assert_eq!(interest_minor(30, rate("5"), y), 2);
        // 0.50 at 5% is 0.025: a tie, to the even 0.02.
        assert_eq!(interest_minor(50, rate("5"), y), 2);
        // 1.00 at 4.25% is 0.0425: rounds down to 0.04.
        assert_eq!(interest_minor(100, rate("4.25"), y), 4);
        assert_eq!(interest_minor(0, rate("5"), y), 0);
        // 30 days of 3.65% on 1000.00: 1000 * 0.0365 * 30 / 365 = 3.00.
        assert_eq!(interest_minor(100_000, rate("3.65"), InterestDays::from_request(30).unwrap()), 300);
        // The largest inputs do not overflow.
        let max = AnnualRate::parse("1000", RateCeiling::parse("1000").unwrap()).unwrap();
        let days = InterestDays::from_request(366).unwrap();
        assert_eq!(interest_minor(crate::limits::MAX_BALANCE_MINOR, max, days), 10_027_397_260_273_973);
    }
}
