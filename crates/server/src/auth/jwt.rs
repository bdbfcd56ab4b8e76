//! JSON Web Tokens from the bank's identity provider, verified locally against the
//! keys of a JWKS file: EdDSA (Ed25519) or ES256 (P-256) only, chosen by `kid`.
//!
//! Written over `ring` (already in the build for TLS) rather than with
//! `jsonwebtoken`: its `rust_crypto` backend pulls the `rsa` crate with an open
//! advisory and its `aws_lc_rs` backend builds aws-lc from C, minutes on two
//! cores, for two signature checks that ring does. What this module adds is the
//! JOSE rules, each refused explicitly: `alg` must be one of the two and must
//! match the key's type (so `none` and HMAC keyed with a public key cannot pass),
//! `kid` must name a key of the set, and `iss`, `aud`, `exp` (required) and `nbf`
//! are checked with [`LEEWAY_SECS`] of clock skew.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use redbank_domain::{Actor, CustomerId, Grant, Principal, Role};
use ring::signature::{ECDSA_P256_SHA256_FIXED, ED25519, UnparsedPublicKey};
use serde_json::Value;

/// Clock skew allowed on `exp` and `nbf`.
pub const LEEWAY_SECS: i64 = 30;
/// Longest token accepted.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Most keys read from a JWKS file.
pub const MAX_JWKS_KEYS: usize = 64;
/// How often the JWKS file is checked for a new version (key rotation).
pub const JWKS_RELOAD: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a JWS compact token")]
    Malformed,
    #[error("algorithm {0:?} is not accepted (EdDSA or ES256 only)")]
    Algorithm(String),
    #[error("no key with kid {0:?}")]
    UnknownKey(String),
    #[error("the key with this kid is not a key for {0}")]
    KeyMismatch(String),
    #[error("bad signature")]
    Signature,
    #[error("wrong issuer")]
    Issuer,
    #[error("wrong audience")]
    Audience,
    #[error("expired")]
    Expired,
    #[error("not valid yet")]
    NotYetValid,
    #[error("claim {0} is missing or invalid")]
    Claim(String),
}

#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("cannot read {0}")]
    Read(PathBuf, #[source] std::io::Error),
    #[error("{0} is not a JWKS: {1}")]
    Invalid(PathBuf, String),
}

/// Which algorithm a key serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    EdDsa,
    Es256,
}

impl Alg {
    fn name(&self) -> &'static str {
        match self {
            Alg::EdDsa => "EdDSA",
            Alg::Es256 => "ES256",
        }
    }
}

#[derive(Debug, Clone)]
struct Key {
    kid: String,
    alg: Alg,
    /// The public key as ring takes it: 32 bytes for Ed25519, 0x04 || x || y for P-256.
    bytes: Vec<u8>,
}

/// What the verifier checks and where the role and customer id are.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub jwks_file: PathBuf,
    pub issuer: String,
    pub audience: String,
    pub role_claim: String,
    pub customer_claim: String,
}

pub struct JwtVerifier {
    config: JwtConfig,
    keys: RwLock<(Option<SystemTime>, Vec<Key>)>,
}

fn b64(text: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD.decode(text).map_err(|_| TokenError::Malformed)
}

fn parse_jwks(path: &Path, text: &str) -> Result<Vec<Key>, JwksError> {
    let invalid = |why: &str| JwksError::Invalid(path.to_owned(), why.to_owned());
    let doc: Value = serde_json::from_str(text).map_err(|e| invalid(&e.to_string()))?;
    let list = doc.get("keys").and_then(Value::as_array).ok_or_else(|| invalid("no \"keys\" array"))?;
    if list.len() > MAX_JWKS_KEYS {
        return Err(invalid(&format!("more than {MAX_JWKS_KEYS} keys")));
    }
    let mut keys = Vec::new();
    for k in list {
        let field = |name: &str| k.get(name).and_then(Value::as_str);
        let Some(kid) = field("kid") else { return Err(invalid("a key has no kid")) };
        let coordinate = |name: &str| -> Result<Vec<u8>, JwksError> {
            field(name)
                .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
                .ok_or_else(|| invalid(&format!("key {kid}: bad {name}")))
        };
        let (alg, bytes) = match (field("kty"), field("crv")) {
            (Some("OKP"), Some("Ed25519")) => (Alg::EdDsa, coordinate("x")?),
            (Some("EC"), Some("P-256")) => {
                let (x, y) = (coordinate("x")?, coordinate("y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(invalid(&format!("key {kid}: P-256 coordinates must be 32 bytes")));
                }
                (Alg::Es256, [&[4u8][..], &x, &y].concat())
            }
            // Other keys (RSA, for other relying parties) may share the file: skipped.
            _ => continue,
        };
        if let Some(declared) = field("alg")
            && declared != alg.name()
        {
            return Err(invalid(&format!("key {kid}: alg {declared} does not fit its type")));
        }
        keys.push(Key { kid: kid.to_owned(), alg, bytes });
    }
    if keys.is_empty() {
        return Err(invalid("no Ed25519 or P-256 key"));
    }
    Ok(keys)
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl JwtVerifier {
    /// Reads the JWKS file; refuses to start without at least one usable key.
    pub fn load(config: JwtConfig) -> Result<Self, JwksError> {
        let (modified, keys) = Self::read(&config.jwks_file)?;
        Ok(Self { config, keys: RwLock::new((modified, keys)) })
    }

    fn read(path: &Path) -> Result<(Option<SystemTime>, Vec<Key>), JwksError> {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let text = std::fs::read_to_string(path).map_err(|e| JwksError::Read(path.to_owned(), e))?;
        Ok((modified, parse_jwks(path, &text)?))
    }

    /// Rereads the JWKS file when it changes, forever: a provider's new key is
    /// accepted, a removed one refused, within [`JWKS_RELOAD`]. A file that does not
    /// parse is logged and the keys before it stay.
    pub async fn watch(self: std::sync::Arc<Self>) {
        let mut tick = tokio::time::interval(JWKS_RELOAD);
        loop {
            tick.tick().await;
            let path = &self.config.jwks_file;
            let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
            let current = self.keys.read().unwrap_or_else(|p| p.into_inner()).0;
            if modified == current {
                continue;
            }
            match Self::read(path) {
                Ok(fresh) => {
                    tracing::info!(keys = fresh.1.len(), file = %path.display(), "JWKS reloaded");
                    *self.keys.write().unwrap_or_else(|p| p.into_inner()) = fresh;
                }
                Err(error) => tracing::error!(%error, "JWKS not reloaded; keeping the keys before"),
            }
        }
    }

    /// The principal of a token, or why it is refused.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        self.verify_at(token, now_secs())
    }

    fn verify_at(&self, token: &str, now: i64) -> Result<Principal, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: Value = serde_json::from_slice(&b64(h)?).map_err(|_| TokenError::Malformed)?;
        let alg = match header.get("alg").and_then(Value::as_str) {
            Some("EdDSA") => Alg::EdDsa,
            Some("ES256") => Alg::Es256,
            other => return Err(TokenError::Algorithm(other.unwrap_or("").to_owned())),
        };
        if header.get("crit").is_some() {
            return Err(TokenError::Malformed);
        }
        let kid = header.get("kid").and_then(Value::as_str).unwrap_or("");
        let signature = b64(s)?;
        {
            let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
            let key =
                keys.1.iter().find(|k| k.kid == kid).ok_or_else(|| TokenError::UnknownKey(kid.to_owned()))?;
            if key.alg != alg {
                return Err(TokenError::KeyMismatch(alg.name().to_owned()));
            }
            let algorithm: &dyn ring::signature::VerificationAlgorithm = match alg {
                Alg::EdDsa => &ED25519,
                Alg::Es256 => &ECDSA_P256_SHA256_FIXED,
            };
            let signed = &token[..h.len() + 1 + p.len()];
            UnparsedPublicKey::new(algorithm, &key.bytes)
                .verify(signed.as_bytes(), &signature)
                .map_err(|_| TokenError::Signature)?;
        }
        let claims: Value = serde_json::from_slice(&b64(p)?).map_err(|_| TokenError::Malformed)?;
        self.principal(&claims, now)
    }

    fn principal(&self, claims: &Value, now: i64) -> Result<Principal, TokenError> {
        let claim = |name: &str| TokenError::Claim(name.to_owned());
        if claims.get("iss").and_then(Value::as_str) != Some(self.config.issuer.as_str()) {
            return Err(TokenError::Issuer);
        }
        let audience_ok = match claims.get("aud") {
            Some(Value::String(a)) => *a == self.config.audience,
            Some(Value::Array(list)) => {
                list.iter().any(|a| a.as_str() == Some(self.config.audience.as_str()))
            }
            _ => false,
        };
        if !audience_ok {
            return Err(TokenError::Audience);
        }
        let exp = claims.get("exp").and_then(Value::as_i64).ok_or_else(|| claim("exp"))?;
        if now > exp.saturating_add(LEEWAY_SECS) {
            return Err(TokenError::Expired);
        }
        if let Some(nbf) = claims.get("nbf") {
            let nbf = nbf.as_i64().ok_or_else(|| claim("nbf"))?;
            if now < nbf.saturating_sub(LEEWAY_SECS) {
                return Err(TokenError::NotYetValid);
            }
        }
        let sub = claims.get("sub").and_then(Value::as_str).ok_or_else(|| claim("sub"))?;
        let actor = Actor::parse(&format!("jwt:{sub}")).map_err(|_| claim("sub"))?;
        let role = claims
            .get(&self.config.role_claim)
            .and_then(Value::as_str)
            .and_then(|r| Role::parse(r).ok())
            .ok_or_else(|| claim(&self.config.role_claim))?;
        let customer = match claims.get(&self.config.customer_claim) {
            None => None,
            Some(v) => Some(
                v.as_str()
                    .and_then(|c| CustomerId::parse(c).ok())
                    .ok_or_else(|| claim(&self.config.customer_claim))?,
            ),
        };
        let grant = Grant::new(role, customer).map_err(|_| claim(&self.config.customer_claim))?;
        Ok(Principal { actor, grant })
    }
}

#[cfg(test)]
mod tests;
