//! Opaque page tokens (AIP-158), signed.
//!
//! A token carries the cursor of the next page and an HMAC-SHA256 tag over the
//! cursor and the request's other arguments (its scope). A token reused with other
//! arguments, altered, or made up is refused with INVALID_PAGE_TOKEN before any
//! Redis call, so the cursor handed to Redis is always one this service issued:
//! no client can make it read from an invalid stream id. Statement tokens also
//! carry running totals, which must not be forged.
//!
//! The key lives in Redis (made once, by whichever replica asks first), so a token
//! issued by one replica is understood by every other, with no configuration.

use hmac::{Hmac, Mac};
use redbank_domain::Error;
use redbank_domain::hex::{decode as unhex, encode as hex};
use redbank_store::{Store, StoreError};
use sha2::Sha256;
use tokio::sync::OnceCell;

/// Bytes of the tag kept in a token: 128 bits, as NIST allows for HMAC-SHA256.
const TAG_BYTES: usize = 16;
/// Longest token accepted (hex of the cursor and the tag); ours are far shorter.
const TOKEN_MAX_CHARS: usize = 1024;

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], scope: &[&str], cursor: &str) -> HmacSha256 {
    // Any key length is valid for HMAC; this cannot fail.
    let mut mac =
        HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    for part in scope {
        mac.update(part.as_bytes());
        mac.update(&[0x1f]);
    }
    mac.update(&[0x1e]);
    mac.update(cursor.as_bytes());
    mac
}

/// A token for `cursor` within `scope`.
pub fn sign(key: &[u8], scope: &[&str], cursor: &str) -> String {
    let tag = mac(key, scope, cursor).finalize().into_bytes();
    format!("{}.{}", hex(cursor.as_bytes()), hex(&tag[..TAG_BYTES]))
}

/// The cursor of a token issued for `scope`; refuses anything else.
pub fn verify(key: &[u8], scope: &[&str], token: &str) -> Result<String, Error> {
    let invalid = || Error::InvalidPageToken;
    if token.len() > TOKEN_MAX_CHARS {
        return Err(invalid());
    }
    let (cursor, tag) = token.split_once('.').ok_or_else(invalid)?;
    let cursor = String::from_utf8(unhex(cursor).ok_or_else(invalid)?).map_err(|_| invalid())?;
    let tag = unhex(tag).ok_or_else(invalid)?;
    if cursor.is_empty() || tag.len() != TAG_BYTES {
        return Err(invalid());
    }
    mac(key, scope, &cursor).verify_truncated_left(&tag).map_err(|_| invalid())?;
    Ok(cursor)
}

/// Signs and checks tokens with the key shared through Redis.
pub struct Tokens {
    store: Store,
    key: OnceCell<Vec<u8>>,
}

impl Tokens {
    pub fn new(store: Store) -> Self {
        Self { store, key: OnceCell::new() }
    }

    async fn key(&self) -> Result<&[u8], StoreError> {
        let candidate = || {
            // 244 random bits from the OS's generator.
            let fresh = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
            self.store.page_token_key(fresh)
        };
        self.key.get_or_try_init(candidate).await.map(Vec::as_slice)
    }

    pub async fn sign(&self, scope: &[&str], cursor: &str) -> Result<String, StoreError> {
        Ok(sign(self.key().await?, scope, cursor))
    }

    /// The cursor of `token`, or None for an empty token (the first page).
    pub async fn verify(&self, scope: &[&str], token: &str) -> Result<Option<String>, StoreError> {
        if token.is_empty() {
            return Ok(None);
        }
        Ok(Some(verify(self.key().await?, scope, token)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_within_their_scope_and_key() {
        let key = b"k".repeat(32);
        let scope = ["acct", "", "", "deposit"];
        let token = sign(&key, &scope, "1700000000000-3");
        assert_eq!(verify(&key, &scope, &token), Ok("1700000000000-3".into()));
        assert_eq!(verify(&key, &["acct", "", "", ""], &token), Err(Error::InvalidPageToken));
        assert_eq!(verify(&key, &["other", "", "", "deposit"], &token), Err(Error::InvalidPageToken));
        assert_eq!(verify(b"another key", &scope, &token), Err(Error::InvalidPageToken));
        // A forged cursor with the tag of another: refused.
        let (_, tag) = token.split_once('.').unwrap();
        for cursor in ["abc", "0-0", "-1-0", "1700000000000-4"] {
            let forged = format!("{}.{tag}", hex(cursor.as_bytes()));
            assert_eq!(verify(&key, &scope, &forged), Err(Error::InvalidPageToken), "{cursor}");
        }
        for bad in ["", ".", "zz", "abc", "7c.00", &"ab".repeat(600), &format!("{token}0")] {
            assert_eq!(verify(&key, &scope, bad), Err(Error::InvalidPageToken), "{bad}");
        }
        // Parts cannot slide into each other.
        assert_ne!(sign(&key, &["ab", "c"], "x"), sign(&key, &["a", "bc"], "x"));
    }
}
