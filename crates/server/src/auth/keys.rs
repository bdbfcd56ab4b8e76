//! API keys as the server checks them: a bounded cache in front of Redis, so that
//! a call made with a known key costs no Redis round trip (and, on a hit, no
//! allocation but the SHA-256 of the presented secret), and a poll of the
//! credentials epoch, so that a revocation reaches every replica within
//! [`EPOCH_POLL`] (plus one Redis round trip).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redbank_domain::ApiKey;
use redbank_domain::credential::{hash_digest, secret_digest};
use redbank_domain::{KeyId, Principal};
use redbank_store::Store;
use subtle::ConstantTimeEq;

use super::Unauthenticated;
use crate::now_millis;

/// How often each replica reads the credentials epoch. A revocation takes effect
/// on every replica within this, plus one round trip.
pub const EPOCH_POLL: Duration = Duration::from_millis(100);

/// Keys (known or unknown) held in the cache; past it, the cache starts over.
pub const KEY_CACHE_MAX: usize = 10_000;

/// A cached key is read again from Redis after this long, whatever the epoch says:
/// a bound on staleness should the epoch ever fail to move (Redis restarted
/// without its data and a key made again within one poll, a hand edit).
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(60);

/// A key's last use is written to Redis at most this often per replica.
pub const LAST_USED_INTERVAL: Duration = Duration::from_secs(60);

/// A stored key as a call needs it.
struct Known {
    digest: [u8; 32],
    revoked: bool,
    expires_millis: Option<i64>,
    principal: Arc<Principal>,
}

impl Known {
    fn new(key: ApiKey) -> Option<Self> {
        Some(Self {
            // A stored hash that is not 64 hex digits matches no secret.
            digest: hash_digest(&key.secret_hash)?,
            revoked: key.revoked_millis.is_some(),
            expires_millis: key.expires_millis,
            principal: Arc::new(Principal { actor: key.id.actor(), grant: key.grant }),
        })
    }
}

struct Cached {
    /// None: no such key (cached too, so that guessing costs Redis nothing more).
    known: Option<Arc<Known>>,
    /// When this replica last wrote the key's last use.
    touched: Option<Instant>,
    /// When it was read from Redis.
    fetched: Instant,
}

struct Entries {
    map: HashMap<KeyId, Cached>,
    /// Moves whenever the map is emptied: a read from Redis that started before
    /// may hold a key revoked since, and is not cached.
    generation: u64,
}

pub struct KeyCache {
    store: Store,
    entries: Mutex<Entries>,
    /// [`KEY_CACHE_TTL`], shorter in tests.
    ttl: Duration,
}

impl KeyCache {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            entries: Mutex::new(Entries { map: HashMap::new(), generation: 0 }),
            ttl: KEY_CACHE_TTL,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets every key: after a creation or revocation anywhere.
    pub fn clear(&self) {
        let mut e = self.lock();
        e.map.clear();
        e.generation += 1;
    }

    /// The principal of key `id` if `secret` is its secret and the key is live.
    pub async fn verify(&self, id: &KeyId, secret: &str) -> Result<Arc<Principal>, Unauthenticated> {
        let now = Instant::now();
        let cached = {
            let e = self.lock();
            match e.map.get(id) {
                Some(c) if now.duration_since(c.fetched) < self.ttl => Some((
                    c.known.clone(),
                    c.touched.is_none_or(|t| now.duration_since(t) >= LAST_USED_INTERVAL),
                )),
                _ => None,
            }
        };
        let (known, due) = match cached {
            Some(hit) => hit,
            None => {
                let generation = self.lock().generation;
                // Boxed: a read from Redis is a future of hundreds of bytes that
                // every call's future would otherwise carry, cached or not.
                let read = Box::pin(self.store.credentials().get(id)).await?;
                let known = read.and_then(Known::new).map(Arc::new);
                let mut e = self.lock();
                if e.generation == generation {
                    if e.map.len() >= KEY_CACHE_MAX {
                        e.map.clear();
                    }
                    // Calls that missed at once each read the key: the record of
                    // its use one of them claimed stays with the fresh entry.
                    let touched = e.map.get(id).and_then(|c| c.touched);
                    e.map.insert(id.clone(), Cached { known: known.clone(), touched, fetched: now });
                }
                (known, true)
            }
        };
        let known = known.ok_or(Unauthenticated::Unknown)?;
        if !bool::from(secret_digest(secret).ct_eq(&known.digest)) {
            return Err(Unauthenticated::Unknown);
        }
        if known.revoked {
            return Err(Unauthenticated::Revoked);
        }
        if redbank_domain::api_key::expired(known.expires_millis, now_millis()) {
            return Err(Unauthenticated::Expired);
        }
        // Only an accepted use is a use: a wrong secret must not hold back the
        // record of the right one. Claimed under the lock, so that of the calls
        // that find the record due at once only one writes it.
        if due && self.claim_touch(id, now) {
            let (store, id) = (self.store.clone(), id.clone());
            tokio::spawn(async move {
                if let Err(error) = store.credentials().touch(&id, now_millis()).await {
                    tracing::debug!(%error, key = %id, "could not record a key's last use");
                }
            });
        }
        Ok(known.principal.clone())
    }

    /// Whether this call records the key's use: none was recorded by this replica
    /// within [`LAST_USED_INTERVAL`] (a key no longer cached is recorded anyway).
    fn claim_touch(&self, id: &KeyId, now: Instant) -> bool {
        let mut e = self.lock();
        let Some(c) = e.map.get_mut(id) else { return true };
        if c.touched.is_some_and(|t| now.saturating_duration_since(t) < LAST_USED_INTERVAL) {
            return false;
        }
        c.touched = Some(now);
        true
    }

    /// The credentials epoch as the server starts, read before it serves, so that
    /// the poll's first reading does not empty a cache filled by the first calls
    /// (and drop the keys they were reading); None while Redis is unreachable.
    pub async fn initial_epoch(&self) -> Option<i64> {
        self.store.credentials().epoch().await.ok()
    }

    /// Polls the credentials epoch forever, from `seen`, and empties the cache
    /// when it moves. A replica that cannot read it keeps polling; calls fail
    /// meanwhile anyway (every account is in the same Redis).
    pub async fn watch_epoch(self: Arc<Self>, seen: Option<i64>) {
        let mut seen = seen;
        let mut tick = tokio::time::interval(EPOCH_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.store.credentials().epoch().await {
                Ok(epoch) if seen != Some(epoch) => {
                    if seen.is_some() {
                        tracing::debug!(epoch, "credentials changed: key cache emptied");
                    }
                    self.clear();
                    seen = Some(epoch);
                }
                Ok(_) => {}
                Err(error) => tracing::debug!(%error, "could not read the credentials epoch"),
            }
        }
    }
}

#[cfg(test)]
mod tests;
