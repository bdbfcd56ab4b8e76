//! API keys: minted here, stored as a SHA-256 of their secret (the credential's
//! format and digest are the domain's: `redbank_domain::credential`), created and
//! revoked by one script each (`key_create.lua`, `key_revoke.lua`), which also
//! move the credentials epoch and write the credentials log in the same step.

use std::collections::HashMap;

use redbank_domain::credential::{SECRET_BYTES, credential, secret_hash};
use redbank_domain::hex::encode as hex;
use redbank_domain::{Actor, ApiKey, CustomerId, Error, Grant, KeyId, Memo, Role};
use ring::rand::SecureRandom;

use crate::scripts::Scripts;
use crate::{Executor, Store, StoreError, keys};

/// Key ids asked of one SSCAN call when listing keys.
const KEY_SCAN_PAGE: usize = 200;

/// A new key: its record and the credential, which is shown once and kept nowhere.
#[derive(Debug)]
pub struct MintedKey {
    pub key: ApiKey,
    pub credential: String,
}

pub(crate) fn random_hex(n: usize) -> Result<String, StoreError> {
    let mut bytes = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| StoreError::Corrupt("the system's random source failed".into()))?;
    Ok(hex(&bytes))
}

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

/// A stored key from its hash fields; None when the hash does not exist.
fn decode(id: KeyId, mut f: HashMap<String, String>) -> Result<Option<ApiKey>, StoreError> {
    if f.is_empty() {
        return Ok(None);
    }
    let mut take = |name: &str| f.remove(name).unwrap_or_default();
    let opt_int = |name: &str, text: String| -> Result<Option<i64>, StoreError> {
        if text.is_empty() {
            Ok(None)
        } else {
            text.parse().map(Some).map_err(|_| corrupt(format!("key {name} is not an integer: {text:?}")))
        }
    };
    let role = Role::parse(&take("role")).map_err(|_| corrupt("stored key role".into()))?;
    let customer =
        CustomerId::parse_optional(&take("customer")).map_err(|_| corrupt("stored key customer".into()))?;
    let grant = Grant::new(role, customer).map_err(|e| corrupt(format!("stored key grant: {e}")))?;
    let revoked_by = take("revoked_by");
    Ok(Some(ApiKey {
        grant,
        description: Memo::parse(&take("description"))
            .map_err(|_| corrupt("stored key description".into()))?,
        secret_hash: take("hash"),
        created_millis: opt_int("created", take("created"))?.unwrap_or_default(),
        created_by: take("created_by"),
        expires_millis: opt_int("expires", take("expires"))?,
        last_used_millis: opt_int("used", take("used"))?,
        revoked_millis: opt_int("revoked", take("revoked"))?,
        revoked_by: if revoked_by.is_empty() { None } else { Some(revoked_by) },
        id,
    }))
}

/// API keys: a handle on the store's executor and the key scripts, so that
/// credentials are their own room and share the one way to Redis.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    exec: &'a Executor,
    scripts: &'a Scripts,
}

impl Store {
    /// The API keys: made, revoked, read, listed; their epoch; their last use.
    pub fn credentials(&self) -> Credentials<'_> {
        Credentials { exec: &self.exec, scripts: &self.scripts }
    }
}

impl Credentials<'_> {
    /// Mints a key with `grant` and stores it. Whether `by` may grant it is the
    /// caller's rule ([`Grant::may_grant`]); the operator path has every right.
    pub async fn create(
        &self,
        grant: Grant,
        description: Memo,
        expires_millis: Option<i64>,
        by: &Actor,
    ) -> Result<MintedKey, StoreError> {
        let id = KeyId::parse(&random_hex(KeyId::LEN / 2)?)?;
        let secret = random_hex(SECRET_BYTES)?;
        let hash = secret_hash(&secret);
        let mut invocation = self.scripts.key_create.key(keys::api_key(&id));
        invocation
            .key(keys::API_KEYS)
            .key(keys::CREDENTIALS_EPOCH)
            .key(keys::CREDENTIALS_LOG)
            .arg(id.as_str())
            .arg(&hash)
            .arg(grant.role().as_str())
            .arg(grant.customer().map_or("", CustomerId::as_str))
            .arg(description.as_str())
            .arg(expires_millis.map(|e| e.to_string()).unwrap_or_default())
            .arg(by.as_str());
        let mut conn = self.exec.conn.clone();
        let reply: Vec<String> = self.exec.call(invocation.invoke_async(&mut conn)).await?;
        // A creation or revocation a failover loses would bring a key back:
        // it waits for the replicas as every other write does.
        self.exec.replication.confirm(&mut conn, &keys::api_key(&id), self.exec.call_timeout).await?;
        let created_millis = match reply.as_slice() {
            [ok, created] if ok == "OK" => {
                created.parse().map_err(|_| corrupt(format!("key_create answered {reply:?}")))?
            }
            _ => return Err(corrupt(format!("key_create answered {reply:?}"))),
        };
        let credential = credential(&id, &secret);
        let key = ApiKey {
            id,
            grant,
            description,
            secret_hash: hash,
            created_millis,
            created_by: by.to_string(),
            expires_millis,
            last_used_millis: None,
            revoked_millis: None,
            revoked_by: None,
        };
        Ok(MintedKey { key, credential })
    }

    /// Revokes a key: refused with KEY_NOT_FOUND or KEY_REVOKED.
    pub async fn revoke(&self, id: &KeyId, by: &Actor) -> Result<ApiKey, StoreError> {
        let mut invocation = self.scripts.key_revoke.key(keys::api_key(id));
        invocation.key(keys::CREDENTIALS_EPOCH).key(keys::CREDENTIALS_LOG).arg(id.as_str()).arg(by.as_str());
        let mut conn = self.exec.conn.clone();
        let reply: Vec<String> = self.exec.call(invocation.invoke_async(&mut conn)).await?;
        // A creation or revocation a failover loses would bring a key back:
        // it waits for the replicas as every other write does.
        self.exec.replication.confirm(&mut conn, &keys::api_key(id), self.exec.call_timeout).await?;
        if reply.first().map(String::as_str) != Some("OK") {
            return Err(crate::reply::refusal(&reply, None));
        }
        self.get(id).await?.ok_or_else(|| StoreError::Refused(Error::KeyNotFound(id.to_string())))
    }

    /// A key's record, if it exists.
    pub async fn get(&self, id: &KeyId) -> Result<Option<ApiKey>, StoreError> {
        let fields: HashMap<String, String> =
            self.exec.query(redis::cmd("HGETALL").arg(keys::api_key(id))).await?;
        decode(id.clone(), fields)
    }

    /// Every key, revoked ones included, sorted by creation.
    pub async fn list(&self) -> Result<Vec<ApiKey>, StoreError> {
        let (mut ids, mut cursor) = (Vec::new(), 0u64);
        loop {
            let (next, members): (u64, Vec<String>) = self
                .exec
                .query(redis::cmd("SSCAN").arg(keys::API_KEYS).arg(cursor).arg("COUNT").arg(KEY_SCAN_PAGE))
                .await?;
            ids.extend(members.iter().filter_map(|m| KeyId::parse(m).ok()));
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        ids.sort();
        ids.dedup();
        let mut all = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(KEY_SCAN_PAGE) {
            let mut pipe = redis::pipe();
            for id in chunk {
                pipe.cmd("HGETALL").arg(keys::api_key(id));
            }
            let mut conn = self.exec.conn.clone();
            let rows: Vec<HashMap<String, String>> = self.exec.call(pipe.query_async(&mut conn)).await?;
            for (id, fields) in chunk.iter().zip(rows) {
                all.extend(decode(id.clone(), fields)?);
            }
        }
        all.sort_by(|a, b| (a.created_millis, &a.id).cmp(&(b.created_millis, &b.id)));
        Ok(all)
    }

    /// The credentials epoch: it moves with every creation and revocation.
    pub async fn epoch(&self) -> Result<i64, StoreError> {
        let epoch: Option<i64> = self.exec.query(redis::cmd("GET").arg(keys::CREDENTIALS_EPOCH)).await?;
        Ok(epoch.unwrap_or(0))
    }

    /// Records that a key was accepted at `now_millis`, if it still exists (a key
    /// lost with Redis's data is not made again as a hash with nothing but this).
    pub async fn touch(&self, id: &KeyId, now_millis: i64) -> Result<(), StoreError> {
        let mut invocation = self.scripts.key_touch.key(keys::api_key(id));
        invocation.arg(now_millis);
        let mut conn = self.exec.conn.clone();
        let _: i64 = self.exec.call(invocation.invoke_async(&mut conn)).await?;
        Ok(())
    }
}
