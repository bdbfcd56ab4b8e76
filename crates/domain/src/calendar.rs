//! Civil dates in UTC without a time-zone database: enough for statement periods
//! ("2026-11-01") and interest periods ("2026-11"). The conversions are Howard
//! Hinnant's days-from-civil algorithms, exact over the proleptic Gregorian calendar.

use std::fmt;

use crate::Error;

/// Milliseconds in a UTC day (no leap seconds: UTC as Unix time counts them).
pub const MILLIS_PER_DAY: i64 = 86_400_000;

/// The first instant after 9999-12-31: times asked for lie in 1970 to 9999.
pub const END_OF_TIME_MILLIS: i64 = 253_402_300_800_000;

/// The one clock of the service's own processes: ms since the epoch (0 for a clock
/// set before 1970). Redis's clock, not this, orders history entries.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A range of times asked for (a history's or a statement's): each bound within
/// 1970 to 9999, the start before the end. Milliseconds since the epoch; the end
/// is exclusive.
pub fn time_range(start: Option<i64>, end: Option<i64>) -> Result<(Option<i64>, Option<i64>), Error> {
    let out_of_time = || Error::InvalidTimeRange("times must lie between 1970 and 9999".into());
    if start.is_some_and(|s| !(0..END_OF_TIME_MILLIS).contains(&s))
        || end.is_some_and(|e| !(0..=END_OF_TIME_MILLIS).contains(&e))
    {
        return Err(out_of_time());
    }
    if let (Some(s), Some(e)) = (start, end)
        && s >= e
    {
        return Err(Error::InvalidTimeRange("start_time must be before end_time".into()));
    }
    Ok((start, end))
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let next =
        if month == 12 { days_from_civil(year + 1, 1, 1) } else { days_from_civil(year, month + 1, 1) };
    (next - days_from_civil(year, month, 1)) as u32
}

/// A date "YYYY-MM-DD" as milliseconds since the epoch at 00:00 UTC.
pub fn parse_date_millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    // Digits only: Rust's integer parsing would take "+1" as a month.
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return None;
    }
    let year: i64 = text[..4].parse().ok()?;
    let month: u32 = text[5..7].parse().ok()?;
    let day: u32 = text[8..].parse().ok()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * MILLIS_PER_DAY)
}

/// "YYYY-MM-DD HH:MM:SS" (UTC) of milliseconds since the epoch.
pub fn format_millis(millis: i64) -> String {
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let secs = millis.rem_euclid(MILLIS_PER_DAY) / 1000;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// A calendar month for which interest is posted, such as 2026-11. Ordered in
/// time (by year, then month).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterestPeriod {
    year: i64,
    month: u32,
}

impl InterestPeriod {
    pub fn parse(text: &str) -> Result<Self, Error> {
        let b = text.as_bytes();
        // Digits only: Rust's integer parsing would take "+1" as a month.
        if b.len() != 7 || b[4] != b'-' || !b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
            return Err(Error::InvalidPeriod);
        }
        let year: i64 = text[..4].parse().map_err(|_| Error::InvalidPeriod)?;
        let month: u32 = text[5..].parse().map_err(|_| Error::InvalidPeriod)?;
        if !(1..=12).contains(&month) || year < 1970 {
            return Err(Error::InvalidPeriod);
        }
        Ok(Self { year, month })
    }

    /// The proto3 convention: empty means none.
    pub fn parse_optional(text: &str) -> Result<Option<Self>, Error> {
        if text.is_empty() { Ok(None) } else { Self::parse(text).map(Some) }
    }

    /// Days in the month: the days of interest the period earns.
    pub fn days(&self) -> u32 {
        days_in_month(self.year, self.month)
    }

    /// The month that holds an instant (ms since the epoch, UTC).
    pub fn containing(millis: i64) -> Self {
        let (year, month, _) = civil_from_days(millis.div_euclid(MILLIS_PER_DAY));
        Self { year, month }
    }

    /// The month as the instants it spans, `[start, end)` in ms since the epoch (UTC).
    pub fn bounds_millis(&self) -> (i64, i64) {
        let next = self.after();
        (
            days_from_civil(self.year, self.month, 1) * MILLIS_PER_DAY,
            days_from_civil(next.year, next.month, 1) * MILLIS_PER_DAY,
        )
    }

    /// The end of each of the month's days, in order (ms since the epoch, UTC; each
    /// day is `[end - 1 day, end)`).
    pub fn day_ends_millis(&self) -> impl Iterator<Item = i64> {
        let (start, _) = self.bounds_millis();
        (1..=i64::from(self.days())).map(move |day| start + day * MILLIS_PER_DAY)
    }

    /// The month after this one.
    pub fn after(&self) -> Self {
        match self.month {
            12 => Self { year: self.year + 1, month: 1 },
            m => Self { year: self.year, month: m + 1 },
        }
    }

    /// The month before this one.
    pub fn before(&self) -> Self {
        match self.month {
            1 => Self { year: self.year - 1, month: 12 },
            m => Self { year: self.year, month: m - 1 },
        }
    }

    /// A count of months, for distances between periods.
    fn ordinal(&self) -> i64 {
        self.year * 12 + i64::from(self.month)
    }

    /// Whether interest for this period may be posted at `now_millis`: only for a
    /// month that has ended (the current one too if the policy allows it), and not
    /// further back than the policy's limit. A future month posted by mistake would
    /// otherwise block the real posting forever (a period posts once).
    pub fn check_postable(&self, now_millis: i64, policy: PeriodPolicy) -> Result<(), Error> {
        let age = Self::containing(now_millis).ordinal() - self.ordinal();
        let refuse = |why: String| Err(Error::PeriodNotPostable { period: self.to_string(), why });
        match age {
            ..0 => refuse("the month lies in the future".into()),
            0 if !policy.allow_current => refuse("the month has not ended".into()),
            age if age > i64::from(policy.max_age_months) => {
                refuse(format!("it is more than {} months in the past", policy.max_age_months))
            }
            _ => Ok(()),
        }
    }
}

/// Which periods a server posts interest for (see [`InterestPeriod::check_postable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodPolicy {
    /// Whether the month still under way may be posted (an operator's choice, for
    /// posting on the last day).
    pub allow_current: bool,
    /// How many months back a period may be posted (catching up a missed month).
    pub max_age_months: u32,
}

impl fmt::Display for InterestPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_range_lies_in_1970_to_9999_and_starts_before_it_ends() {
        let day = MILLIS_PER_DAY;
        assert_eq!(time_range(Some(0), Some(day)), Ok((Some(0), Some(day))));
        assert_eq!(time_range(None, Some(END_OF_TIME_MILLIS)), Ok((None, Some(END_OF_TIME_MILLIS))));
        assert_eq!(time_range(None, None), Ok((None, None)));
        for (start, end) in [
            (Some(-1), None),
            (Some(END_OF_TIME_MILLIS), None),
            (None, Some(-1)),
            (None, Some(END_OF_TIME_MILLIS + 1)),
            (Some(day), Some(day)),
            (Some(day + 1), Some(day)),
        ] {
            assert!(matches!(time_range(start, end), Err(Error::InvalidTimeRange(_))), "{start:?} {end:?}");
        }
    }

    #[test]
    fn a_month_spans_its_days_and_december_ends_in_january() {
        let (start, end) = InterestPeriod::parse("2026-11").unwrap().bounds_millis();
        assert_eq!(
            (format_millis(start), end - start),
            ("2026-11-01 00:00:00".to_owned(), 30 * MILLIS_PER_DAY)
        );
        let (start, end) = InterestPeriod::parse("2026-12").unwrap().bounds_millis();
        assert_eq!(
            (format_millis(start), format_millis(end)),
            ("2026-12-01 00:00:00".into(), "2027-01-01 00:00:00".into())
        );
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn dates_and_periods() {
        assert_eq!(parse_date_millis("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_date_millis("2026-11-30").map(format_millis), Some("2026-11-30 00:00:00".into()));
        for bad in ["2026-02-29", "2026-13-01", "2026-11-00", "26-11-01", "2026/11/01", "2026-11-1"] {
            assert_eq!(parse_date_millis(bad), None, "{bad}");
        }
        assert_eq!(parse_date_millis("2024-02-29").map(format_millis), Some("2024-02-29 00:00:00".into()));
        assert_eq!(format_millis(1_795_626_569_345), "2026-11-25 17:09:29");
        assert_eq!(InterestPeriod::parse("2026-11").map(|p| p.days()), Ok(30));
        assert_eq!(InterestPeriod::parse("2024-02").map(|p| p.days()), Ok(29));
        assert_eq!(InterestPeriod::parse("2026-11").unwrap().to_string(), "2026-11");
        for bad in ["2026-13", "2026-1", "11-2026", "", "2026-00", "+026-11"] {
            assert_eq!(InterestPeriod::parse(bad), Err(Error::InvalidPeriod), "{bad}");
        }
    }

    #[test]
    fn only_ended_months_within_the_limit_are_postable() {
        let policy = PeriodPolicy { allow_current: false, max_age_months: 12 };
        let now = parse_date_millis("2026-11-26").unwrap();
        let period = |p| InterestPeriod::parse(p).unwrap();
        assert_eq!(InterestPeriod::containing(now), period("2026-11"));
        // Each day of a month ends a day after the last: 30 in November.
        let (start, end) = period("2026-11").bounds_millis();
        let ends: Vec<i64> = period("2026-11").day_ends_millis().collect();
        assert_eq!(ends.len(), 30);
        assert_eq!((ends[0], ends[29]), (start + MILLIS_PER_DAY, end));
        assert!(ends.windows(2).all(|w| w[1] - w[0] == MILLIS_PER_DAY));
        assert_eq!(period("2024-02").day_ends_millis().count(), 29);
        assert_eq!(period("2026-01").before(), period("2025-12"));
        assert_eq!(period("2026-11").before(), period("2026-10"));
        assert_eq!(
            InterestPeriod::containing(parse_date_millis("2026-12-01").unwrap() - 1),
            period("2026-11")
        );
        assert!(period("2026-10").check_postable(now, policy).is_ok());
        assert!(period("2025-11").check_postable(now, policy).is_ok(), "12 months back");
        for bad in ["2025-10", "2026-11", "2026-12", "2027-01", "9999-12"] {
            let refused = period(bad).check_postable(now, policy);
            assert!(matches!(refused, Err(Error::PeriodNotPostable { .. })), "{bad}: {refused:?}");
        }
        let lenient = PeriodPolicy { allow_current: true, ..policy };
        assert!(period("2026-11").check_postable(now, lenient).is_ok());
        assert!(period("2026-12").check_postable(now, lenient).is_err());
        // The first millisecond of a month belongs to it.
        let december = parse_date_millis("2026-12-01").unwrap();
        assert!(period("2026-11").check_postable(december, policy).is_ok());
    }
}
