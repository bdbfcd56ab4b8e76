//! The API key's credential: its format and its digest. A key reads
//! `rbk_<id>_<secret>`: the id (64 random bits, hex) names the key and finds its
//! record; the secret (256 random bits, hex) proves possession. What is stored is
//! a SHA-256 of the secret: the right hash for a random secret of that size (there
//! is nothing to guess, so a slow password hash would only add latency).

use crate::KeyId;
use crate::hex;

/// The prefix of every API key, so that a leaked one is easy to recognise (and to
/// scan for in code and logs).
pub const KEY_PREFIX: &str = "rbk_";

/// Random bytes of a key's secret.
pub const SECRET_BYTES: usize = 32;

/// The credential of key `id` with `secret`: what its holder sends.
pub fn credential(id: &KeyId, secret: &str) -> String {
    format!("{KEY_PREFIX}{id}_{secret}")
}

/// The id and secret of a credential that looks like an API key; None otherwise.
pub fn parse_credential(text: &str) -> Option<(KeyId, &str)> {
    let rest = text.strip_prefix(KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let ok =
        secret.len() == 2 * SECRET_BYTES && secret.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !ok {
        return None;
    }
    Some((KeyId::parse(id).ok()?, secret))
}

/// SHA-256 of a secret: what a presented secret is compared with (in constant
/// time, by the server).
pub fn secret_digest(secret: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, secret.as_bytes()).as_ref());
    out
}

/// SHA-256 of a secret, hex: what is stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(&secret_digest(secret))
}

/// The bytes of a stored hash, if it is 64 hex digits.
pub fn hash_digest(hash: &str) -> Option<[u8; 32]> {
    hex::decode(hash)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn a_credential_reads_back_as_its_id_and_secret_and_nothing_else_does() {
        let id = KeyId::parse("0123456789abcdef").unwrap();
        let text = credential(&id, SECRET);
        assert_eq!(text, format!("rbk_0123456789abcdef_{SECRET}"));
        assert_eq!(parse_credential(&text), Some((id, SECRET)));
        for bad in [
            format!("rbx_0123456789abcdef_{SECRET}"),
            format!("rbk_0123456789abcdef_{}", &SECRET[1..]),
            format!("rbk_0123456789abcdef_{SECRET}0"),
            format!("rbk_0123456789abcdef_{}", SECRET.to_uppercase()),
            format!("rbk_0123456789abcdef{SECRET}"),
            format!("rbk_not-an-id!_{SECRET}"),
            String::new(),
        ] {
            assert_eq!(parse_credential(&bad), None, "{bad}");
        }
    }

    #[test]
    fn the_stored_hash_is_the_digest_in_hex() {
        // SHA-256("abc"), the FIPS 180-2 example.
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(secret_hash("abc"), abc);
        assert_eq!(hash_digest(abc), Some(secret_digest("abc")));
        assert_ne!(secret_digest("abc"), secret_digest("abd"));
        assert_eq!(hash_digest(&abc[2..]), None);
        assert_eq!(hash_digest(&format!("{abc}00")), None);
        assert_eq!(hash_digest(&abc.replace('a', "g")), None);
    }
}
