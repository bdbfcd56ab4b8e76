//! The key cache against a real Redis (started by the test): what it accepts, how
//! stale it may be, and when it reads again.

use std::time::Duration;

use redbank_domain::{Actor, Grant, Memo};
use redbank_store::StoreConfig;
use redbank_store::credentials::MintedKey;
use redbank_testkit::RedisServer;

use super::*;

struct Fixture {
    redis: RedisServer,
    store: Store,
    cache: Arc<KeyCache>,
}

impl Fixture {
    fn new() -> Self {
        Self::with_ttl(KEY_CACHE_TTL)
    }

    fn with_ttl(ttl: Duration) -> Self {
        let redis = RedisServer::start();
        let mut config = StoreConfig::new(redis.url());
        // Above the pause of the test of a read overtaken by a clear.
        config.call_timeout = Duration::from_secs(10);
        let store = Store::connect(&config).unwrap();
        let cache = Arc::new(KeyCache { ttl, ..KeyCache::new(store.clone()) });
        Self { redis, cache, store }
    }

    async fn key(&self, expires_millis: Option<i64>) -> MintedKey {
        let memo = Memo::parse("test").unwrap();
        self.store
            .credentials()
            .create(Grant::Teller, memo, expires_millis, &Actor::operator())
            .await
            .unwrap()
    }

    async fn verify_credential(&self, credential: &str) -> Result<Arc<Principal>, Unauthenticated> {
        let (id, secret) = redbank_domain::credential::parse_credential(credential).unwrap();
        self.cache.verify(&id, secret).await
    }

    async fn verify(&self, minted: &MintedKey) -> Result<Arc<Principal>, Unauthenticated> {
        self.verify_credential(&minted.credential).await
    }

    async fn last_used(&self, minted: &MintedKey) -> Option<i64> {
        self.store.credentials().get(&minted.key.id).await.unwrap().unwrap().last_used_millis
    }

    /// Removes a key from Redis behind the cache's back (no epoch move).
    fn delete_by_hand(&self, minted: &MintedKey) {
        let key = redbank_store::keys::api_key(&minted.key.id);
        let _: i64 = redis::cmd("DEL").arg(key).query(&mut self.redis.connection()).unwrap();
    }
}

/// The same credential with its secret's last digit changed.
fn wrong_secret(minted: &MintedKey) -> String {
    let mut credential = minted.credential.clone();
    let last = if credential.ends_with('0') { "1" } else { "0" };
    credential.replace_range(credential.len() - 1.., last);
    credential
}

async fn until(what: &str, ok: impl AsyncFn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !ok().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_live_key_gives_its_principal_and_a_wrong_secret_revoked_or_expired_key_nothing() {
    let f = Fixture::new();
    let live = f.key(Some(now_millis() + 3_600_000)).await;
    let principal = f.verify(&live).await.unwrap();
    assert_eq!(*principal, Principal { actor: live.key.id.actor(), grant: Grant::Teller });
    // Twice: the second answer comes from the cache, the same.
    assert_eq!(*f.verify(&live).await.unwrap(), *principal);
    assert!(matches!(f.verify_credential(&wrong_secret(&live)).await, Err(Unauthenticated::Unknown)));

    let unknown = KeyId::parse(&"f".repeat(KeyId::LEN)).unwrap();
    assert!(matches!(f.cache.verify(&unknown, &"0".repeat(64)).await, Err(Unauthenticated::Unknown)));

    let expired = f.key(Some(now_millis() - 1)).await;
    assert!(matches!(f.verify(&expired).await, Err(Unauthenticated::Expired)));
    let revoked = f.key(None).await;
    f.store.credentials().revoke(&revoked.key.id, &Actor::operator()).await.unwrap();
    assert!(matches!(f.verify(&revoked).await, Err(Unauthenticated::Revoked)));
    // A wrong secret for a revoked key says nothing of the revocation.
    assert!(matches!(f.verify_credential(&wrong_secret(&revoked)).await, Err(Unauthenticated::Unknown)));
}

#[tokio::test]
async fn a_cached_key_stays_until_the_cache_is_emptied_by_a_clear_or_by_its_size_limit() {
    let f = Fixture::new();
    let key = f.key(None).await;
    assert!(f.verify(&key).await.is_ok());
    f.delete_by_hand(&key);
    // From the cache: Redis is not read again (the epoch did not move).
    assert!(f.verify(&key).await.is_ok());
    f.cache.clear();
    assert!(matches!(f.verify(&key).await, Err(Unauthenticated::Unknown)));

    // The size limit: the cache holds KEY_CACHE_MAX keys (unknown ones count) and
    // starts over when one more comes.
    let key = f.key(None).await;
    f.cache.clear();
    assert!(f.verify(&key).await.is_ok());
    f.delete_by_hand(&key);
    let secret = "0".repeat(64);
    // Unknown keys asked for at once, a thousand at a time: each is read and held.
    let ids: Vec<KeyId> = (1..KEY_CACHE_MAX)
        .map(|i| KeyId::parse(&format!("{i:0width$x}", width = KeyId::LEN)).unwrap())
        .collect();
    for chunk in ids.chunks(1000) {
        let answers =
            futures_util::future::join_all(chunk.iter().map(|id| f.cache.verify(id, &secret))).await;
        assert!(answers.iter().all(|a| matches!(a, Err(Unauthenticated::Unknown))));
    }
    assert!(f.verify(&key).await.is_ok(), "{KEY_CACHE_MAX} keys are held");
    let one_more = KeyId::parse(&"e".repeat(KeyId::LEN)).unwrap();
    assert!(f.cache.verify(&one_more, &secret).await.is_err());
    assert!(matches!(f.verify(&key).await, Err(Unauthenticated::Unknown)), "the cache started over");
}

#[tokio::test]
async fn an_accepted_use_is_recorded_once_per_interval_and_a_refused_one_not_at_all() {
    let f = Fixture::new();
    let key = f.key(None).await;
    assert_eq!(f.last_used(&key).await, None);
    let before = now_millis();
    assert!(f.verify(&key).await.is_ok());
    until("the first use recorded", async || f.last_used(&key).await.is_some()).await;
    let first = f.last_used(&key).await.unwrap();
    assert!(first >= before, "{first} < {before}");
    // Used again at once: not written again within LAST_USED_INTERVAL.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(f.verify(&key).await.is_ok());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(f.last_used(&key).await, Some(first));
    // A refused secret is no use of the key, and does not hold back the next one.
    let other = f.key(None).await;
    assert!(f.verify_credential(&wrong_secret(&other)).await.is_err());
    assert!(f.verify_credential(&wrong_secret(&other)).await.is_err());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(f.last_used(&other).await, None);
    assert!(f.verify(&other).await.is_ok());
    until("the accepted use recorded", async || f.last_used(&other).await.is_some()).await;
}

#[tokio::test]
async fn a_moved_epoch_empties_the_cache_and_a_still_one_does_not() {
    let f = Fixture::new();
    let (key, other) = (f.key(None).await, f.key(None).await);
    let seen = f.cache.initial_epoch().await;
    assert_eq!(seen, Some(f.store.credentials().epoch().await.unwrap()));
    assert!(seen.is_some_and(|epoch| epoch > 0), "{seen:?}");
    let watcher = tokio::spawn(f.cache.clone().watch_epoch(seen));
    assert!(f.verify(&key).await.is_ok());
    assert!(f.verify(&other).await.is_ok());
    // Gone behind the cache's back, the epoch still: polls keep the key cached.
    f.delete_by_hand(&other);
    tokio::time::sleep(EPOCH_POLL * 5).await;
    assert_eq!(Some(f.store.credentials().epoch().await.unwrap()), seen);
    assert!(f.verify(&other).await.is_ok(), "a poll that saw no move emptied the cache");
    // A revocation moves the epoch: a poll empties the cache.
    f.store.credentials().revoke(&key.key.id, &Actor::operator()).await.unwrap();
    until("the revocation seen", async || matches!(f.verify(&key).await, Err(Unauthenticated::Revoked)))
        .await;
    assert!(matches!(f.verify(&other).await, Err(Unauthenticated::Unknown)));
    watcher.abort();
}

#[tokio::test]
async fn a_cached_key_is_read_again_after_its_time_to_live() {
    let ttl = Duration::from_secs(2);
    let f = Fixture::with_ttl(ttl);
    let key = f.key(None).await;
    let fetched = std::time::Instant::now();
    assert!(f.verify(&key).await.is_ok());
    f.delete_by_hand(&key);
    let within = f.verify(&key).await;
    // On a machine too busy to get here within the time to live, the entry has
    // expired already: only the second half then says anything.
    if fetched.elapsed() < ttl {
        assert!(within.is_ok(), "from the cache within its time to live");
    }
    tokio::time::sleep(ttl.saturating_sub(fetched.elapsed()) + Duration::from_millis(100)).await;
    assert!(matches!(f.verify(&key).await, Err(Unauthenticated::Unknown)), "read again after it");
}

#[tokio::test]
async fn a_read_overtaken_by_a_clear_is_not_cached() {
    let f = Fixture::new();
    let key = f.key(None).await;
    // The read is sent to a paused Redis; the cache is cleared (a revocation seen)
    // before its answer, which may predate the revocation: it is used once, not kept.
    f.redis.pause();
    let verifying = {
        let (cache, id, secret) = (f.cache.clone(), key.key.id.clone(), key.credential.clone());
        tokio::spawn(async move {
            let (_, secret) = redbank_domain::credential::parse_credential(&secret).unwrap();
            cache.verify(&id, secret).await.is_ok()
        })
    };
    // This test's runtime has one thread: the read is under way during this sleep.
    tokio::time::sleep(Duration::from_millis(500)).await;
    f.cache.clear();
    f.redis.resume();
    assert!(verifying.await.unwrap());
    f.delete_by_hand(&key);
    assert!(matches!(f.verify(&key).await, Err(Unauthenticated::Unknown)), "the overtaken read was cached");
}

/// Script calls (EVALSHA) Redis has run without error since its statistics were
/// reset: a first call answered NOSCRIPT (the script loaded, then called again)
/// is counted as failed.
fn evalsha_calls(f: &Fixture) -> u64 {
    let info: String = redis::cmd("INFO").arg("commandstats").query(&mut f.redis.connection()).unwrap();
    let Some(line) = info.lines().find_map(|l| l.strip_prefix("cmdstat_evalsha:")) else { return 0 };
    let field = |name: &str| -> u64 {
        line.split(',').find_map(|kv| kv.strip_prefix(name)).map_or(0, |n| n.trim().parse().unwrap())
    };
    field("calls=") - field("failed_calls=") - field("rejected_calls=")
}

#[tokio::test]
async fn uses_at_once_record_the_key_once() {
    let f = Fixture::new();
    let key = f.key(None).await;
    let _: () = redis::cmd("CONFIG").arg("RESETSTAT").query(&mut f.redis.connection()).unwrap();
    // Twenty calls at once with a key not yet cached: each reads it, one records its use.
    let calls = (0..20).map(|_| f.verify(&key));
    let results = futures_util::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    until("the use recorded", async || f.last_used(&key).await.is_some()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(evalsha_calls(&f), 1, "the key's use written more than once");
    // And twenty more, cached now: none.
    let results = futures_util::future::join_all((0..20).map(|_| f.verify(&key))).await;
    assert!(results.iter().all(Result::is_ok));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(evalsha_calls(&f), 1);
}
