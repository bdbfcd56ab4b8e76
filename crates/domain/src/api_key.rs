//! An API key as the bank keeps it: never its secret, only the secret's SHA-256.

use crate::{Grant, KeyId, Memo};

/// An API key to make, as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    pub grant: Grant,
    pub description: Memo,
    /// None: it never expires.
    pub expires_millis: Option<i64>,
}

/// An API key as stored (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: KeyId,
    pub grant: Grant,
    pub description: Memo,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    pub created_millis: i64,
    pub created_by: String,
    /// None: never expires.
    pub expires_millis: Option<i64>,
    /// When a server last accepted it (written at most once a minute per replica).
    pub last_used_millis: Option<i64>,
    pub revoked_millis: Option<i64>,
    pub revoked_by: Option<String>,
}

/// Whether a key that expires at `expires_millis` (None: never) has expired at
/// `now_millis`: at its expiry it is refused.
pub fn expired(expires_millis: Option<i64>, now_millis: i64) -> bool {
    expires_millis.is_some_and(|e| now_millis >= e)
}
