//! Free text that a client attaches to a history entry.

use crate::Error;
use crate::limits::MEMO_MAX_CHARS;

/// At most [`MEMO_MAX_CHARS`] characters, none of them control characters, so that a
/// memo prints safely in a terminal, a log line or a CSV cell; and none of the
/// invisible characters that can make a statement lie: bidirectional overrides and
/// isolates (U+202E turns "txt.exe" into "exe.txt"), zero-width characters and
/// byte-order marks (two memos that look alike but differ), line and paragraph
/// separators (a memo that looks like two entries). Empty is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Memo(String);

/// Characters a memo (and a reason) may not hold.
pub fn is_forbidden_in_text(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional marks, embeddings, overrides and isolates.
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            // Zero-width space, non-joiner, joiner, word joiner, byte-order mark.
            | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
            // Line and paragraph separators.
            | '\u{2028}' | '\u{2029}'
        )
}

impl Memo {
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.chars().count() > MEMO_MAX_CHARS || s.chars().any(is_forbidden_in_text) {
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
        for invisible in [
            '\u{202E}', '\u{2066}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{200D}', '\u{2060}', '\u{FEFF}',
            '\u{2028}', '\u{2029}',
        ] {
            assert_eq!(
                Memo::parse(&format!("pay{invisible}ment")),
                Err(Error::InvalidMemo),
                "U+{:04X}",
                invisible as u32
            );
        }
        // Right-to-left text itself is fine; only the invisible controls are refused.
        assert!(Memo::parse("שכר דירה").is_ok());
        assert!(Memo::parse("إيجار").is_ok());
    }
}
