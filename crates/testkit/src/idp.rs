//! An identity provider for tests: one Ed25519 and one P-256 key, their JWKS, and
//! tokens signed with either, as a bank's provider would issue them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};

pub struct Idp {
    pub ed: Ed25519KeyPair,
    pub ec: EcdsaKeyPair,
    rng: SystemRandom,
}

/// Base64url without padding, as JOSE writes every part.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Idp {
    /// Fresh keys.
    pub fn new() -> Self {
        let rng = SystemRandom::new();
        let ed = Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&rng).unwrap().as_ref()).unwrap();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        Self { ed, ec, rng }
    }

    /// The JWKS of both keys under these kids, and an RSA key of another relying
    /// party (a type the server skips).
    pub fn jwks(&self, ed_kid: &str, ec_kid: &str) -> String {
        let point = self.ec.public_key().as_ref();
        json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "kid": ed_kid, "x": b64(self.ed.public_key().as_ref())},
            {"kty": "EC", "crv": "P-256", "kid": ec_kid, "x": b64(&point[1..33]), "y": b64(&point[33..65])},
            {"kty": "RSA", "kid": "rsa-1", "n": "AQAB", "e": "AQAB"},
        ]})
        .to_string()
    }

    /// A compact JWS of `claims` under `header`, signed with the P-256 key if the
    /// header says ES256, else with the Ed25519 key (whatever `alg` it names).
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let signed = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let signature = match header["alg"].as_str() {
            Some("ES256") => self.ec.sign(&self.rng, signed.as_bytes()).unwrap().as_ref().to_vec(),
            _ => self.ed.sign(signed.as_bytes()).as_ref().to_vec(),
        };
        format!("{signed}.{}", b64(&signature))
    }
}

impl Default for Idp {
    fn default() -> Self {
        Self::new()
    }
}
