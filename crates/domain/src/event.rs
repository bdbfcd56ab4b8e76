//! Following an account's changes: where a follower stands in its history.

use std::fmt;

use crate::{AccountId, Error};

/// A position in an account's history: the id of the last entry a follower saw,
/// as the history gives it (`<ms>-<seq>`); entries after it come next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventCursor {
    millis: u64,
    seq: u64,
}

impl EventCursor {
    /// Before every entry: a follower from the start of the (live) history.
    pub const START: EventCursor = EventCursor { millis: 0, seq: 0 };

    /// A cursor as an event gave it: two numbers, `<ms>-<seq>`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let (millis, seq) = text.split_once('-').ok_or(Error::InvalidCursor)?;
        // Digits only (Rust's integer parsing would take a `+`); empty and too
        // large fail to parse.
        let number = |s: &str| {
            if !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::InvalidCursor);
            }
            s.parse::<u64>().map_err(|_| Error::InvalidCursor)
        };
        Ok(Self { millis: number(millis)?, seq: number(seq)? })
    }

    /// The proto3 convention: empty means none (follow from now).
    pub fn parse_optional(text: &str) -> Result<Option<Self>, Error> {
        if text.is_empty() { Ok(None) } else { Self::parse(text).map(Some) }
    }

    /// When the entry it names was written, ms since the epoch.
    pub fn millis(&self) -> i64 {
        i64::try_from(self.millis).unwrap_or(i64::MAX)
    }

    /// The event id of the entry at this cursor of `account`: unique across
    /// accounts, the same however often the entry is sent.
    pub fn event_id(&self, account: &AccountId) -> String {
        format!("{account}/{self}")
    }
}

impl fmt::Display for EventCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.millis, self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_is_two_numbers_and_orders_as_the_history_does() {
        let c = EventCursor::parse("1733500000000-3").unwrap();
        assert_eq!((c.millis(), c.to_string()), (1_733_500_000_000, "1733500000000-3".to_owned()));
        assert!(EventCursor::parse("1733500000000-10").unwrap() > c);
        assert!(EventCursor::parse("1733500000001-0").unwrap() > c);
        assert!(EventCursor::START < c);
        assert_eq!(EventCursor::parse_optional(""), Ok(None));
        assert_eq!(EventCursor::parse_optional("1733500000000-3"), Ok(Some(c)));
        assert_eq!(EventCursor::parse_optional("x"), Err(Error::InvalidCursor));
        // The largest a stream id holds: 20 digits that fit 64 bits.
        let max = format!("{}-{}", u64::MAX, u64::MAX);
        assert_eq!(EventCursor::parse(&max).map(|c| c.to_string()), Ok(max.clone()));
        let account = AccountId::parse("alice-1").unwrap();
        assert_eq!(c.event_id(&account), "alice-1/1733500000000-3");
        for bad in [
            "",
            "-",
            "1-",
            "-1",
            "1",
            "1-2-3",
            "+1-2",
            "1-+2",
            "a-1",
            "1 -2",
            &"9".repeat(21),
            "99999999999999999999-0",
        ] {
            assert_eq!(EventCursor::parse(bad), Err(Error::InvalidCursor), "{bad:?}");
        }
    }
}
