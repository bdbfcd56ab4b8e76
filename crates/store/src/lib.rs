//! The only code in redbank that speaks Redis.
//!
//! Every change is one call of a Lua script (`lua/`), which validates, applies,
//! appends the history entry and records the request id atomically inside Redis.
//! That single step is what keeps any number of server replicas correct without a
//! lock: Redis runs one script at a time, and a retried request finds its
//! idempotency record inside the same step. No state is held in this process
//! except the connection.

/// The `tracing` target of the spans exported as traces (the server's `--otlp-endpoint`):
/// only the exporter's layer listens to it, at TRACE level.
pub const TRACE_TARGET: &str = "redbank::trace";

mod archive;
mod batch;
pub mod check;
mod conn;
pub mod console;
pub mod credentials;
mod daily;
mod error;
mod events;
mod exec;
mod feed;
mod history;
mod holds;
pub mod keys;
mod large_reads;
mod ledger;
mod metrics;
mod payee;
mod reply;
mod safety;
mod scan;
mod scripts;
mod webhooks;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use redis::RedisResult;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use conn::Conn;

pub use archive::{ARCHIVE_CHUNK_MAX, ArchivePoint};
pub use batch::BatchConfig;
pub use daily::{DailyBalances, PeriodPosting};
pub use error::StoreError;
pub use events::Followed;
pub use feed::{FeedEvent, FeedRead, HINTS_MAX, PUBLISH_ACCOUNTS_MAX, PUBLISH_ENTRIES_MAX, Tail};
pub use history::{HistoryPage, HistoryQuery, StatementCursor, StatementPage};
pub use holds::{CrashPoint, DUE_GRACE, Recovered};
pub use ledger::{Applied, PostRequest, Posted, Transferred};
pub(crate) use ledger::{hide_missing, may_see};
pub use metrics::{ScriptMetrics, StoreMetrics};
pub use safety::RedisSettings;
pub(crate) use safety::Safety;
pub use scripts::holds::{Captured, HoldApplied};
pub use webhooks::{Attempt, Outcome, Progress, Retrying, Webhook};

use batch::{Batcher, Poster};
pub(crate) use exec::{Executor, Replication, within, within_store};
use scripts::Scripts;

/// The longest a connection to a cluster may take at start.
const CLUSTER_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Reconnecting to Redis backs off from this...
const RECONNECT_BACKOFF_MIN: Duration = Duration::from_millis(50);
/// ...doubling up to this.
const RECONNECT_BACKOFF_MAX: Duration = Duration::from_millis(1000);
/// Attempts of one reconnect before a call fails as unavailable (the next call
/// starts another).
const RECONNECT_RETRIES: usize = 2;

/// How the store reaches Redis and how long it waits.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `redis://host:port[/db]`.
    pub redis_url: String,
    /// Deadline of one Redis call, connecting included. A call that misses it fails
    /// as [`StoreError::Timeout`] rather than waiting on a dead server.
    pub call_timeout: Duration,
    /// How long an idempotency record is kept after its request.
    pub idempotency_ttl: Duration,
    /// How concurrent balance changes are gathered into script calls.
    pub batch: BatchConfig,
    /// After each write, wait for this many replicas to acknowledge it (WAIT), at
    /// most `wait_timeout`; 0: do not wait (Redis replicates asynchronously).
    pub wait_replicas: u32,
    pub wait_timeout: Duration,
    /// The nodes of a Redis Cluster to reach instead of `redis_url` (any of them
    /// is enough; the rest are discovered). Empty: one Redis at `redis_url`.
    pub cluster_nodes: Vec<String>,
    /// Where Redis calls are counted and timed (nowhere by default).
    pub metrics: StoreMetrics,
    /// How long a capture (or a transfer between slots) may stay half-way before
    /// the recovery worker finishes it.
    pub recovery: Duration,
    /// Tests only: die at this step of a transfer between slots.
    pub crash_after: Option<CrashPoint>,
    /// How long the feed of every account's changes keeps an event; zero: for ever.
    pub feed_retention: Duration,
}

impl StoreConfig {
    pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_millis(1000);
    pub const DEFAULT_IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);
    pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_millis(500);
    pub const DEFAULT_RECOVERY: Duration = Duration::from_secs(10);
    pub const DEFAULT_FEED_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

    pub fn new(redis_url: impl Into<String>) -> Self {
        Self {
            redis_url: redis_url.into(),
            call_timeout: Self::DEFAULT_CALL_TIMEOUT,
            idempotency_ttl: Self::DEFAULT_IDEMPOTENCY_TTL,
            batch: BatchConfig::DEFAULT,
            metrics: StoreMetrics::default(),
            cluster_nodes: Vec::new(),
            wait_replicas: 0,
            wait_timeout: Self::DEFAULT_WAIT_TIMEOUT,
            recovery: Self::DEFAULT_RECOVERY,
            crash_after: None,
            feed_retention: Self::DEFAULT_FEED_RETENTION,
        }
    }
}

/// A handle on the Redis that holds every account. Cheap to clone: clones share one
/// multiplexed, auto-reconnecting connection that pipelines concurrent calls.
#[derive(Clone)]
pub struct Store {
    exec: Executor,
    scripts: Scripts,
    posts: Arc<Batcher>,
    idempotency_ttl_secs: u64,
    metrics: StoreMetrics,
    recovery: Duration,
    crash_after: Option<CrashPoint>,
    large_reads: Arc<large_reads::LargeReads>,
    /// Accounts this replica changed, for the feed's relay.
    hints: Arc<feed::FeedHints>,
    feed_retention: Duration,
}

impl Store {
    /// Prepares the connection to one Redis without waiting for it: a server may
    /// start while Redis is still down and serve as soon as it comes up.
    pub fn connect(config: &StoreConfig) -> Result<Self, StoreError> {
        let client = redis::Client::open(config.redis_url.as_str()).map_err(StoreError::Internal)?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.call_timeout))
            .set_response_timeout(Some(config.call_timeout))
            .set_min_delay(RECONNECT_BACKOFF_MIN)
            .set_max_delay(RECONNECT_BACKOFF_MAX)
            .set_number_of_retries(RECONNECT_RETRIES);
        let conn =
            ConnectionManager::new_lazy_with_config(client, manager_config).map_err(StoreError::Internal)?;
        Ok(Self::with(Conn::Single(conn), config))
    }

    /// One Redis as [`Store::connect`] does, or with `config.cluster_nodes`, a
    /// Redis Cluster, connected now (within [`CLUSTER_CONNECT_TIMEOUT`]): the
    /// cluster client learns the topology at start.
    pub async fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        if config.cluster_nodes.is_empty() {
            return Self::connect(config);
        }
        let conn =
            Conn::cluster(&config.cluster_nodes, CLUSTER_CONNECT_TIMEOUT.max(config.call_timeout)).await?;
        Ok(Self::with(conn, config))
    }

    fn with(conn: Conn, config: &StoreConfig) -> Self {
        let idempotency_ttl_secs = config.idempotency_ttl.as_secs().max(1);
        // On one Redis a change's own script writes the feed of every account's
        // changes; on a Cluster it cannot (another slot), and the relay does.
        let feed_in_step = !conn.is_cluster();
        let scripts = Scripts::new(feed_in_step);
        let exec = Executor {
            conn,
            call_timeout: config.call_timeout,
            safety: Arc::new(Safety::default()),
            replication: Replication { replicas: config.wait_replicas, timeout: config.wait_timeout },
        };
        let hints = Arc::new(feed::FeedHints::new(!feed_in_step));
        let poster = Poster {
            hints: hints.clone(),
            exec: exec.clone(),
            script: scripts.post.clone(),
            idempotency_ttl_secs,
            metrics: config.metrics.post.clone(),
            batch_changes: config.metrics.batch_changes.clone(),
        };
        Self {
            exec,
            scripts,
            posts: Arc::new(Batcher::new(poster, config.batch)),
            idempotency_ttl_secs,
            metrics: config.metrics.clone(),
            recovery: config.recovery,
            large_reads: Arc::default(),
            crash_after: config.crash_after,
            hints,
            feed_retention: config.feed_retention,
        }
    }

    /// Runs one Redis call under the call deadline (see [`Executor::call`]).
    async fn call<T>(&self, fut: impl Future<Output = RedisResult<T>>) -> Result<T, StoreError> {
        self.exec.call(fut).await
    }

    /// A command, even on an unsafe Redis (see [`Executor::query_unchecked`]).
    async fn query_unchecked<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        self.exec.query_unchecked(cmd).await
    }

    /// Redis's settings that decide whether it can lose money, in one round trip
    /// (CONFIG GET takes several names since Redis 7.0).
    pub async fn redis_settings(&self) -> Result<RedisSettings, StoreError> {
        let pairs: HashMap<String, String> = self
            .query_unchecked(
                redis::cmd("CONFIG").arg("GET").arg("maxmemory-policy").arg("appendonly").arg("appendfsync"),
            )
            .await?;
        let value = |name: &str| pairs.get(name).cloned().unwrap_or_default();
        Ok(RedisSettings {
            maxmemory_policy: value("maxmemory-policy"),
            appendonly: value("appendonly") == "yes",
            appendfsync: value("appendfsync"),
        })
    }

    /// Refuses every call (UNAVAILABLE `STORE_UNSAFE`) while `reason` is Some: the
    /// health check sets it from [`Store::redis_settings`].
    pub fn refuse_unsafe(&self, reason: Option<String>) {
        self.exec.safety.set(reason);
    }

    /// Runs a command under the call deadline.
    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        self.exec.query(cmd).await
    }

    /// A write script whose reply is a flat array of strings (see [`Executor::run`]).
    async fn run(
        &self,
        metrics: &ScriptMetrics,
        invocation: &redis::ScriptInvocation<'_>,
        key: &str,
    ) -> Result<Vec<String>, StoreError> {
        let reply = self.exec.run(metrics, invocation, key).await?;
        // Every write script is run with the key of the account it wrote (if it
        // appended an entry, the relay publishes it; if not, it finds nothing).
        self.hints.hint_key(key);
        Ok(reply)
    }

    /// The arguments every write script of a request by `by` takes first.
    fn common<'a>(
        &self,
        by: &'a redbank_domain::Principal,
        request_id: Option<&'a redbank_domain::RequestId>,
        fingerprint: String,
    ) -> scripts::common::Common<'a> {
        scripts::common::Common::of(by, request_id, fingerprint, self.idempotency_ttl_secs)
    }

    /// Checks that Redis answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let pong: String = self.query_unchecked(&redis::cmd("PING")).await?;
        if pong == "PONG" { Ok(()) } else { Err(StoreError::Corrupt(format!("PING answered {pong:?}"))) }
    }

    /// The key that signs page tokens, shared by every replica: `candidate` if no
    /// replica made one before (one round trip: SET NX GET), else the one stored.
    pub async fn page_token_key(&self, candidate: String) -> Result<Vec<u8>, StoreError> {
        let stored: Option<String> = self
            .query(redis::cmd("SET").arg(keys::PAGE_TOKEN_KEY).arg(&candidate).arg("NX").arg("GET"))
            .await?;
        Ok(stored.unwrap_or(candidate).into_bytes())
    }

    /// Whether Redis takes a write: a tiny one that expires by itself. PING answers
    /// while Redis is out of memory; this does not.
    pub async fn probe_write(&self) -> Result<(), StoreError> {
        let _: () = self
            .query_unchecked(redis::cmd("SET").arg(keys::HEALTH_PROBE).arg(1).arg("PX").arg(5000))
            .await?;
        Ok(())
    }

    /// Redis's clock, in milliseconds since the epoch: history entries written from
    /// now on get ids at or after it.
    pub async fn time_millis(&self) -> Result<i64, StoreError> {
        let (seconds, micros): (i64, i64) = self.query(&redis::cmd("TIME")).await?;
        Ok(seconds * 1000 + micros / 1000)
    }

    /// How long request ids are remembered (what the checker judges reuse by).
    pub fn idempotency_ttl(&self) -> Duration {
        Duration::from_secs(self.idempotency_ttl_secs)
    }
}
