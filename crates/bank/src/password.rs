//! Console passwords: argon2id (m = 19 MiB, t = 2, p = 1, OWASP's first choice),
//! a random 16-byte salt per password, stored as
//! `argon2id$v=19$m=19456,t=2,p=1$<salt hex>$<hash hex>`. Verification compares in
//! constant time.

use argon2::{Algorithm, Argon2, Params, Version};
use ring::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;

use redbank_domain::Error;
use redbank_domain::hex::{decode as unhex, encode as hex};
use redbank_domain::limits::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};

const M_COST: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const HASH_LEN: usize = 32;
const SALT_LEN: usize = 16;
const PREFIX: &str = "argon2id$v=19$m=19456,t=2,p=1$";

fn hasher() -> Result<Argon2<'static>, String> {
    let params = Params::new(M_COST, T_COST, P_COST, Some(HASH_LEN)).map_err(|e| e.to_string())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A password a user may have: [`PASSWORD_MIN_CHARS`] to [`PASSWORD_MAX_CHARS`] characters.
pub fn check_policy(password: &str) -> Result<(), Error> {
    let n = password.chars().count();
    if (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&n) { Ok(()) } else { Err(Error::InvalidPassword) }
}

/// The stored form of `password`.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; SALT_LEN];
    SystemRandom::new().fill(&mut salt).map_err(|_| "the system's random source failed".to_owned())?;
    let mut out = [0u8; HASH_LEN];
    hasher()?.hash_password_into(password.as_bytes(), &salt, &mut out).map_err(|e| e.to_string())?;
    Ok(format!("{PREFIX}{}${}", hex(&salt), hex(&out)))
}

/// Whether `password` is the one `stored` was made from. A stored form this code
/// did not write matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    if password.chars().count() > PASSWORD_MAX_CHARS {
        return false;
    }
    let Some((salt, expected)) = stored.strip_prefix(PREFIX).and_then(|rest| rest.split_once('$')) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (unhex(salt), unhex(expected)) else { return false };
    let mut out = [0u8; HASH_LEN];
    let Ok(argon) = hasher() else { return false };
    if argon.hash_password_into(password.as_bytes(), &salt, &mut out).is_err() {
        return false;
    }
    expected.len() == HASH_LEN && bool::from(out.ct_eq(expected.as_slice()))
}

/// A random token of `bytes` bytes, hex: session ids, CSRF tokens.
pub fn token(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    SystemRandom::new().fill(&mut buf).map_err(|_| "the system's random source failed".to_owned())?;
    Ok(hex(&buf))
}

/// Constant-time equality of two tokens.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_and_another_does_not() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterz", &stored));
        assert!(!verify("correct horse battery", "plain"));
        assert_ne!(hash("correct horse battery").unwrap(), stored, "salted");
        assert_eq!(check_policy("short"), Err(Error::InvalidPassword));
        assert_eq!(check_policy("twelve chars"), Ok(()));
    }

    #[test]
    fn the_stored_form_is_exactly_argon2id_of_the_password_and_salt() {
        // The parameters are part of the stored form: a hasher with other ones (or
        // none) would not reproduce it.
        let stored = hash("correct horse battery").unwrap();
        let rest = stored.strip_prefix(PREFIX).unwrap();
        let (salt, expected) = rest.split_once('$').unwrap();
        let (salt, expected) = (unhex(salt).unwrap(), unhex(expected).unwrap());
        assert_eq!((salt.len(), expected.len()), (SALT_LEN, HASH_LEN));
        let mut out = [0u8; HASH_LEN];
        let params = Params::new(19_456, 2, 1, Some(32)).unwrap();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(b"correct horse battery", &salt, &mut out)
            .unwrap();
        assert_eq!(out.as_slice(), expected.as_slice());
    }

    #[test]
    fn a_password_at_the_length_limit_verifies_and_one_past_it_never_does() {
        let longest = "x".repeat(PASSWORD_MAX_CHARS);
        assert!(verify(&longest, &hash(&longest).unwrap()));
        let too_long = "x".repeat(PASSWORD_MAX_CHARS + 1);
        assert!(!verify(&too_long, &hash(&too_long).unwrap()), "refused before any hashing");
        let stored = hash("correct horse battery").unwrap();
        // A truncated hash matches nothing, even its own prefix.
        assert!(!verify("correct horse battery", &stored[..stored.len() - 2]));
    }

    #[test]
    fn tokens_are_random_hex_of_their_length() {
        let (a, b) = (token(32).unwrap(), token(32).unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(token(0).unwrap(), "");
    }

    #[test]
    fn tokens_are_the_same_only_when_equal() {
        assert!(same("abc123", "abc123"));
        assert!(same("", ""));
        assert!(!same("abc123", "abc124"), "same length, one byte apart");
        assert!(!same("abc123", "abc12"), "a prefix");
        assert!(!same("abc12", "abc123"));
        assert!(!same("abc123", ""));
    }
}
