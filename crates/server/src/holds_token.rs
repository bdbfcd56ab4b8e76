//! ListHolds' page token: where the next page starts, `<expiry millis>.<nonce>`. It
//! names a place in an account the caller may read, so it needs no signature: a
//! made-up one only starts the listing elsewhere in the same account.

use redbank_domain::Error;

pub fn make(expiry: i64, nonce: &str) -> String {
    format!("{expiry}.{nonce}")
}

pub fn parse(token: &str) -> Result<Option<(i64, String)>, Error> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || Error::InvalidPageToken;
    let (expiry, nonce) = token.split_once('.').ok_or_else(invalid)?;
    let expiry: i64 = expiry.parse().map_err(|_| invalid())?;
    if nonce.len() != 16 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    Ok(Some((expiry, nonce.to_owned())))
}
