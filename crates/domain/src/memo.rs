//! Free text that a client attaches to a history entry.

use crate::Error;
use crate::limits::MEMO_MAX_CHARS;

/// At most [`MEMO_MAX_CHARS`] characters, none of them control characters, so that a
/// memo prints safely in a terminal, a log line or a CSV cell. Empty is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Memo(String);

impl Memo {
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.chars().count() > MEMO_MAX_CHARS || s.chars().any(char::is_control) {
            return Err(Error::InvalidMemo);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memos() {
        assert_eq!(Memo::parse("").map(|m| m.as_str().to_owned()), Ok(String::new()));
        assert!(Memo::parse("Rent for März 🏠").is_ok());
        assert!(Memo::parse(&"ü".repeat(256)).is_ok());
        assert_eq!(Memo::parse(&"x".repeat(257)), Err(Error::InvalidMemo));
        assert_eq!(Memo::parse("bell\u{7}"), Err(Error::InvalidMemo));
        assert_eq!(Memo::parse("line\nbreak"), Err(Error::InvalidMemo));
    }
}
