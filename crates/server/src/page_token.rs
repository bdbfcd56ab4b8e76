//! Opaque page tokens (AIP-158). A token carries the cursor of the next page and a
//! hash of the request's other arguments, so that a token reused with different
//! filters is refused instead of silently returning the wrong page. Tokens are not
//! secrets: they name nothing a caller could not read anyway.

use redbank_domain::Error;

/// FNV-1a, 64 bits: stable across processes and releases, unlike std's hasher, so a
/// token issued by one replica is understood by every other.
pub fn scope_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0x1f]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

pub fn encode(cursor: &str, scope: u64) -> String {
    format!("{cursor}|{scope:016x}").bytes().map(|b| format!("{b:02x}")).collect()
}

/// The cursor of a token issued for `scope`; refuses anything else.
pub fn decode(token: &str, scope: u64) -> Result<String, Error> {
    if !token.len().is_multiple_of(2) || token.len() > 512 {
        return Err(Error::InvalidPageToken);
    }
    let bytes = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| Error::InvalidPageToken)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::InvalidPageToken)?;
    let (cursor, issued_for) = text.rsplit_once('|').ok_or(Error::InvalidPageToken)?;
    if issued_for != format!("{scope:016x}") || cursor.is_empty() {
        return Err(Error::InvalidPageToken);
    }
    Ok(cursor.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_only_within_their_scope() {
        let scope = scope_hash(&["acct", "", "", "deposit"]);
        let token = encode("1700000000000-3", scope);
        assert_eq!(decode(&token, scope), Ok("1700000000000-3".into()));
        assert_eq!(decode(&token, scope_hash(&["acct", "", "", ""])), Err(Error::InvalidPageToken));
        for bad in ["", "zz", "abc", "7c", &"ab".repeat(300)] {
            assert_eq!(decode(bad, scope), Err(Error::InvalidPageToken), "{bad}");
        }
        assert_ne!(scope_hash(&["ab", "c"]), scope_hash(&["a", "bc"]));
    }
}
