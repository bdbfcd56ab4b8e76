//! Identifiers that clients choose: account ids and request ids.

use std::fmt;

use crate::Error;
use crate::limits::{ACCOUNT_ID_MAX_LEN, REQUEST_ID_MAX_LEN};

/// An account id: 1 to [`ACCOUNT_ID_MAX_LEN`] characters of `A-Z a-z 0-9 . _ -`.
///
/// The alphabet excludes `{`, `}` and `:` so that an id can never change the
/// Redis Cluster hash tag or the key layout it is embedded in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

/// Whether `s` is 1 to `max` characters of `A-Z a-z 0-9 . _ -`: the alphabet of
/// every id that becomes part of a Redis key (no `{`, `}` or `:`).
pub(crate) fn key_safe(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl AccountId {
    pub fn parse(s: &str) -> Result<Self, Error> {
        if key_safe(s, ACCOUNT_ID_MAX_LEN) { Ok(Self(s.to_owned())) } else { Err(Error::InvalidAccountId) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client-chosen idempotency key: 1 to [`REQUEST_ID_MAX_LEN`] printable ASCII
/// characters (space through tilde). A UUID is the usual choice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    pub fn parse(s: &str) -> Result<Self, Error> {
        let ok =
            !s.is_empty() && s.len() <= REQUEST_ID_MAX_LEN && s.bytes().all(|b| (0x20..=0x7e).contains(&b));
        if ok { Ok(Self(s.to_owned())) } else { Err(Error::InvalidRequestId) }
    }

    /// The proto3 convention: an empty string means "no request id".
    pub fn parse_optional(s: &str) -> Result<Option<Self>, Error> {
        if s.is_empty() { Ok(None) } else { Self::parse(s).map(Some) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        for good in ["a", "ACC-1", "x.y_z-9", &"a".repeat(64)] {
            assert_eq!(AccountId::parse(good).map(|a| a.as_str().to_owned()), Ok(good.to_owned()));
        }
        for bad in ["", "a b", "a{b}", "a:b", "é", "a\n", "a/b", &"a".repeat(65)] {
            assert_eq!(AccountId::parse(bad), Err(Error::InvalidAccountId), "{bad:?}");
        }
    }

    #[test]
    fn request_ids() {
        assert_eq!(RequestId::parse_optional(""), Ok(None));
        assert!(RequestId::parse("550e8400-e29b-41d4-a716-446655440000").is_ok());
        assert!(RequestId::parse("with space and {braces}~").is_ok());
        assert!(RequestId::parse(&"r".repeat(64)).is_ok());
        for bad in [&"r".repeat(65), "tab\t", "nl\n", "ü", "\u{7f}"] {
            assert_eq!(RequestId::parse(bad), Err(Error::InvalidRequestId), "{bad:?}");
        }
    }
}
