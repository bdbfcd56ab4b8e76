//! The only code in redbank that speaks Redis.
//!
//! Every change is one call of a Lua script (`lua/`), which validates, applies,
//! appends the history entry and records the request id atomically inside Redis.
//! That single step is what keeps any number of server replicas correct without a
//! lock: Redis runs one script at a time, and a retried request finds its
//! idempotency record inside the same step. No state is held in this process
//! except the connection.

mod batch;
pub mod check;
mod error;
pub mod keys;
mod metrics;
mod reply;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisResult, Script};

use redbank_domain::limits::MAX_BALANCE_MINOR;
use redbank_domain::{
    Account, AccountId, AccountType, BalanceChange, Currency, Error, Memo, Money, Reason, RequestId,
    StateChange, Transaction, TransactionKind, Transfer, create_fingerprint, interest::interest_fraction,
};

pub use batch::BatchConfig;
pub use error::StoreError;
pub use metrics::{ScriptMetrics, StoreMetrics};

use batch::{Batcher, PostOp, Poster};

/// Entries per page when [`Store::statement`] reads a whole statement.
const STATEMENT_READ_PAGE: usize = 1000;
/// Accounts asked of one SCAN call when walking every account.
const ACCOUNT_SCAN_PAGE: usize = 500;
/// Entries read per Redis call when paging through a history.
const HISTORY_CHUNK: usize = 1000;
/// Stream entries as XRANGE and XREVRANGE return them: id and field-value pairs.
type RawEntries = Vec<(String, Vec<String>)>;

/// The account hash fields of the archive point (archive.lua), in the order of
/// reply.rs's `archive_point`.
const ARCHIVE_FIELDS: [&str; 5] = ["athru", "abal", "aver", "acount", "aext"];
/// Most entries archived by one trim: the script checks each, so this bounds the
/// time Redis spends in one call.
pub const ARCHIVE_CHUNK_MAX: usize = 1000;

/// The account hash fields, in the order of reply.rs's account part.
const ACCOUNT_HASH_FIELDS: [&str; 8] = ["type", "cur", "bal", "ver", "ctime", "state", "sreason", "stime"];

/// One reply of a pipeline, as the type expected.
fn parse<T: redis::FromRedisValue>(value: redis::Value) -> Result<T, StoreError> {
    redis::from_redis_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Builds a script from the shared prelude and its body.
macro_rules! script {
    ($file:literal) => {
        Script::new(concat!(include_str!("lua/prelude.lua"), include_str!(concat!("lua/", $file))))
    };
}

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
    /// Where Redis calls are counted and timed (nowhere by default).
    pub metrics: StoreMetrics,
}

impl StoreConfig {
    pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_millis(1000);
    pub const DEFAULT_IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

    pub fn new(redis_url: impl Into<String>) -> Self {
        Self {
            redis_url: redis_url.into(),
            call_timeout: Self::DEFAULT_CALL_TIMEOUT,
            idempotency_ttl: Self::DEFAULT_IDEMPOTENCY_TTL,
            batch: BatchConfig::DEFAULT,
            metrics: StoreMetrics::default(),
        }
    }
}

/// The result of a balance change: the history entry written, if any (interest
/// that comes to zero writes none), and the account after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub transaction: Option<Transaction>,
    pub account: Account,
}

/// The result of a change that always writes an entry (a transfer's side, a state
/// change): the entry and the account after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub transaction: Transaction,
    pub account: Account,
}

/// One balance change, for [`Store::post_all`].
#[derive(Debug, Clone)]
pub struct PostRequest {
    pub account: AccountId,
    pub change: BalanceChange,
    pub request_id: Option<RequestId>,
    pub memo: Memo,
}

/// Both sides of a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transferred {
    pub from: Applied,
    pub to: Applied,
}

/// Which part of a history to read.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    /// Only entries at or after this time (ms since the epoch).
    pub start_millis: Option<i64>,
    /// Only entries before this time (ms since the epoch).
    pub end_millis: Option<i64>,
    /// Only these kinds; empty means all.
    pub kinds: Vec<TransactionKind>,
    /// Only entries older than this entry id (the cursor of the previous page).
    pub before: Option<String>,
}

/// One page of a history, newest first.
#[derive(Debug, Clone)]
pub struct HistoryPage {
    pub transactions: Vec<Transaction>,
    /// The id of the last entry examined, when older entries may remain.
    pub next_before: Option<String>,
}

/// An account's entries over a period, and the balances around them.
#[derive(Debug, Clone)]
pub struct StatementPage {
    pub account: Account,
    /// The balance just before the period.
    pub opening: Money,
    /// The balance after the period's last entry (as of the first page).
    pub closing: Money,
    /// Oldest first.
    pub transactions: Vec<Transaction>,
    /// Money in and out from the period's start through this page.
    pub total_in: Money,
    pub total_out: Money,
    /// Where the next page starts; None on the last page.
    pub next: Option<StatementCursor>,
}

/// Where a statement's next page starts, and what the pages before it added up
/// to. Carried by the client in a signed page token between pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementCursor {
    /// The last entry handed out.
    pub after: String,
    /// The period's last entry as of the first page.
    pub upto: String,
    pub opening: i64,
    pub closing: i64,
    /// The balance after `after`.
    pub running: i64,
    pub total_in: i64,
    pub total_out: i64,
}

impl StatementCursor {
    /// The cursor as text, for a page token.
    pub fn encode(&self) -> String {
        let Self { after, upto, opening, closing, running, total_in, total_out } = self;
        format!("{after},{upto},{opening},{closing},{running},{total_in},{total_out}")
    }

    /// A cursor from [`encode`](Self::encode)'s text; None for anything else.
    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.split(',');
        let mut next = || parts.next();
        let (after, upto) = (next()?.to_owned(), next()?.to_owned());
        let mut number = || next()?.parse::<i64>().ok();
        let cursor = Self {
            after,
            upto,
            opening: number()?,
            closing: number()?,
            running: number()?,
            total_in: number()?,
            total_out: number()?,
        };
        (parts.next().is_none() && !cursor.after.is_empty() && !cursor.upto.is_empty()).then_some(cursor)
    }
}

/// Where archiving cut an account's history, and what the archived entries added
/// up to: enough for balances, versions, statements and the invariant checker to
/// reconcile without them. All zero, and `through` None, until the first archive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchivePoint {
    /// Id of the last archived entry.
    pub through: Option<String>,
    /// Balance after it, minor units.
    pub balance: i64,
    /// Account version after it: every version up to this one is archived.
    pub version: i64,
    /// Entries archived in all.
    pub entries: i64,
    /// Deposits + interest - withdrawals among them, minor units: what they brought
    /// in from outside (transfers only move money between accounts).
    pub net_external: i64,
}

impl ArchivePoint {
    /// The time of the last archived entry, ms since the epoch.
    pub fn through_millis(&self) -> Option<i64> {
        self.through.as_deref().and_then(|id| reply::entry_millis(id).ok())
    }

    /// The point after archiving `entries` too, which must continue this one.
    fn advanced(&self, entries: &[Transaction]) -> Result<Self, StoreError> {
        let overflow = || StoreError::Corrupt("archived totals overflow".into());
        let last = entries.last().ok_or_else(|| StoreError::Corrupt("nothing to archive".into()))?;
        let mut net_external = self.net_external;
        for t in entries {
            let external = match t.kind {
                TransactionKind::Deposit | TransactionKind::Interest => t.amount.minor(),
                TransactionKind::Withdrawal => -t.amount.minor(),
                _ => 0,
            };
            net_external = net_external.checked_add(external).ok_or_else(overflow)?;
        }
        let count = i64::try_from(entries.len()).map_err(|_| overflow())?;
        Ok(Self {
            through: Some(last.id.clone()),
            balance: last.balance_after.minor(),
            version: last.account_version,
            entries: self.entries.checked_add(count).ok_or_else(overflow)?,
            net_external,
        })
    }
}

/// Runs one Redis call under a deadline: a call that misses it fails as
/// [`StoreError::Timeout`] rather than waiting on a dead server.
pub(crate) async fn within<T>(
    deadline: Duration,
    fut: impl Future<Output = RedisResult<T>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(deadline, fut).await {
        Ok(result) => result.map_err(StoreError::from),
        Err(_) => Err(StoreError::Timeout(deadline)),
    }
}

/// A handle on the Redis that holds every account. Cheap to clone: clones share one
/// multiplexed, auto-reconnecting connection that pipelines concurrent calls.
#[derive(Clone)]
pub struct Store {
    conn: ConnectionManager,
    create_script: Script,
    posts: Arc<Batcher>,
    transfer_script: Script,
    state_script: Script,
    archive_script: Script,
    call_timeout: Duration,
    idempotency_ttl_secs: u64,
    metrics: StoreMetrics,
    safety: Arc<Safety>,
}

/// What Redis says about eviction and persistence (CONFIG GET).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisSettings {
    pub maxmemory_policy: String,
    pub appendonly: bool,
    pub appendfsync: String,
}

impl RedisSettings {
    /// Whether Redis may delete keys to make room: any policy but `noeviction` may
    /// delete an account or a request-id record, which breaks exactly-once.
    pub fn evicts(&self) -> bool {
        self.maxmemory_policy != "noeviction"
    }
}

/// Why the store refuses to work, if it does.
#[derive(Default)]
pub(crate) struct Safety(std::sync::RwLock<Option<String>>);

impl Safety {
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        match &*self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner) {
            None => Ok(()),
            Some(reason) => Err(StoreError::Unsafe(reason.clone())),
        }
    }

    fn set(&self, reason: Option<String>) {
        *self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner) = reason;
    }
}

impl Store {
    /// Prepares the connection without waiting for Redis: a server may start while
    /// Redis is still down and serve as soon as it comes up.
    pub fn connect(config: &StoreConfig) -> Result<Self, StoreError> {
        let client = redis::Client::open(config.redis_url.as_str()).map_err(StoreError::Internal)?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.call_timeout))
            .set_response_timeout(Some(config.call_timeout))
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(1000))
            .set_number_of_retries(2);
        let conn =
            ConnectionManager::new_lazy_with_config(client, manager_config).map_err(StoreError::Internal)?;
        let idempotency_ttl_secs = config.idempotency_ttl.as_secs().max(1);
        let safety = Arc::new(Safety::default());
        let poster = Poster {
            conn: conn.clone(),
            script: script!("post.lua"),
            call_timeout: config.call_timeout,
            idempotency_ttl_secs,
            metrics: config.metrics.post.clone(),
            batch_changes: config.metrics.batch_changes.clone(),
            safety: safety.clone(),
        };
        Ok(Self {
            conn,
            create_script: script!("create_account.lua"),
            posts: Arc::new(Batcher::new(poster, config.batch)),
            transfer_script: script!("transfer.lua"),
            state_script: script!("set_state.lua"),
            archive_script: script!("archive.lua"),
            call_timeout: config.call_timeout,
            idempotency_ttl_secs,
            metrics: config.metrics.clone(),
            safety,
        })
    }

    /// Runs one Redis call under the call deadline; refused while the Redis is one
    /// that would lose money (see [`Store::refuse_unsafe`]).
    async fn call<T>(&self, fut: impl Future<Output = RedisResult<T>>) -> Result<T, StoreError> {
        self.safety.check()?;
        within(self.call_timeout, fut).await
    }

    /// Runs a command under the call deadline even on an unsafe Redis: for health
    /// and for reading Redis's settings.
    async fn query_unchecked<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        let mut conn = self.conn.clone();
        within(self.call_timeout, cmd.query_async(&mut conn)).await
    }

    /// Redis's settings that decide whether it can lose money.
    pub async fn redis_settings(&self) -> Result<RedisSettings, StoreError> {
        let get = |name: &'static str| {
            let mut cmd = redis::cmd("CONFIG");
            cmd.arg("GET").arg(name);
            cmd
        };
        let value = |pairs: Vec<String>| pairs.into_iter().nth(1).unwrap_or_default();
        Ok(RedisSettings {
            maxmemory_policy: value(self.query_unchecked(&get("maxmemory-policy")).await?),
            appendonly: value(self.query_unchecked(&get("appendonly")).await?) == "yes",
            appendfsync: value(self.query_unchecked(&get("appendfsync")).await?),
        })
    }

    /// Refuses every call (UNAVAILABLE `STORE_UNSAFE`) while `reason` is Some: the
    /// health check sets it from [`Store::redis_settings`].
    pub fn refuse_unsafe(&self, reason: Option<String>) {
        self.safety.set(reason);
    }

    /// Runs a command under the call deadline.
    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        let mut conn = self.conn.clone();
        self.call(cmd.query_async(&mut conn)).await
    }

    /// Runs a script under the call deadline, counted and timed in `metrics`; its
    /// reply is a flat array of strings.
    async fn run(
        &self,
        metrics: &ScriptMetrics,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn.clone();
        let started = std::time::Instant::now();
        let result = self.call(invocation.invoke_async(&mut conn)).await;
        metrics.record(started, &result);
        result
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

    /// Opens an account with a zero balance.
    pub async fn create_account(
        &self,
        id: &AccountId,
        account_type: AccountType,
        currency: Currency,
        request_id: Option<&RequestId>,
    ) -> Result<Account, StoreError> {
        let mut invocation = self.create_script.key(keys::account(id));
        if let Some(rid) = request_id {
            invocation.key(keys::request(id, rid));
        }
        invocation
            .arg(account_type.as_str())
            .arg(currency.code())
            .arg(create_fingerprint(account_type, currency))
            .arg(self.idempotency_ttl_secs)
            .arg(id.as_str());
        reply::created(id, &self.run(&self.metrics.create_account, &invocation).await?)
    }

    /// Reads an account.
    pub async fn get_account(&self, id: &AccountId) -> Result<Account, StoreError> {
        let fields: Vec<Option<String>> =
            self.query(redis::cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_HASH_FIELDS)).await?;
        reply::stored_account(id, fields)
    }

    /// The keys and arguments of one change for `post.lua`, and the currency of its
    /// amount (a CURRENCY_MISMATCH reply does not repeat it).
    fn post_op(
        id: &AccountId,
        change: &BalanceChange,
        request_id: Option<&RequestId>,
        memo: &Memo,
    ) -> (PostOp, Option<Currency>) {
        let (currency, amount, denominator, period) = match change {
            BalanceChange::Deposit(amount) | BalanceChange::Withdrawal(amount) => {
                (Some(amount.currency()), amount.minor().to_string(), String::new(), None)
            }
            BalanceChange::Interest { rate, days, period } => {
                let (numerator, denominator) = interest_fraction(*rate, *days);
                (None, numerator.to_string(), denominator.to_string(), *period)
            }
        };
        // The periods hash only when a period is posted: a deposit never touches it.
        let mut keys = vec![keys::account(id), keys::log(id)];
        if period.is_some() {
            keys.push(keys::interest_periods(id));
        }
        if let Some(rid) = request_id {
            keys.push(keys::request(id, rid));
        }
        let args = [
            change.kind().code().to_owned(),
            currency.map(|c| c.code().to_owned()).unwrap_or_default(),
            amount,
            denominator,
            memo.as_str().to_owned(),
            request_id.map_or("", RequestId::as_str).to_owned(),
            change.fingerprint(memo),
            id.as_str().to_owned(),
            period.map(|p| p.to_string()).unwrap_or_default(),
        ];
        (PostOp { keys, args }, currency)
    }

    /// Applies one balance change atomically in Redis: in a script call of its own
    /// at low load, gathered with concurrent changes into one call under load
    /// (batch.rs). Either way it is checked, applied and recorded as if alone.
    pub async fn post(
        &self,
        id: &AccountId,
        change: &BalanceChange,
        request_id: Option<&RequestId>,
        memo: &Memo,
    ) -> Result<Posted, StoreError> {
        let (op, given) = Self::post_op(id, change, request_id, memo);
        reply::posted(id, given, &self.posts.post(op).await?)
    }

    /// Applies changes in order, in one script call, whatever the batch settings:
    /// each is checked, applied and recorded as if alone, and answered on its own.
    /// The outer error is the call's (Redis unreachable, say); then the outcome of
    /// every change is unknown, and retrying with the same request ids resolves it.
    pub async fn post_all(
        &self,
        changes: &[PostRequest],
    ) -> Result<Vec<Result<Posted, StoreError>>, StoreError> {
        let prepared: Vec<(PostOp, Option<Currency>)> = changes
            .iter()
            .map(|c| Self::post_op(&c.account, &c.change, c.request_id.as_ref(), &c.memo))
            .collect();
        let ops: Vec<&PostOp> = prepared.iter().map(|(op, _)| op).collect();
        let replies = self.posts.poster().post(&ops).await?;
        Ok(changes
            .iter()
            .zip(&prepared)
            .zip(&replies)
            .map(|((c, (_, given)), fields)| reply::posted(&c.account, *given, fields))
            .collect())
    }

    /// Moves money between two accounts in one atomic script call.
    ///
    /// Both accounts must be reachable by one script: true on a single Redis. On a
    /// Redis Cluster with the accounts in different slots this becomes a journaled
    /// two-step behind the same signature (see ARCHITECTURE.md).
    pub async fn transfer(
        &self,
        transfer: &Transfer,
        request_id: Option<&RequestId>,
        memo: &Memo,
    ) -> Result<Transferred, StoreError> {
        let (from, to, amount) = (transfer.from(), transfer.to(), transfer.amount());
        let mut invocation = self.transfer_script.key(keys::account(from));
        invocation.key(keys::log(from)).key(keys::account(to)).key(keys::log(to));
        if let Some(rid) = request_id {
            invocation.key(keys::request(from, rid));
        }
        invocation
            .arg(amount.currency().code())
            .arg(amount.minor())
            .arg(memo.as_str())
            .arg(request_id.map_or("", RequestId::as_str))
            .arg(transfer.fingerprint(memo))
            .arg(self.idempotency_ttl_secs)
            .arg(MAX_BALANCE_MINOR)
            .arg(from.as_str())
            .arg(to.as_str());
        reply::transferred(from, to, amount.currency(), &self.run(&self.metrics.transfer, &invocation).await?)
    }

    /// Freezes, unfreezes or closes an account, with a history entry.
    pub async fn set_state(
        &self,
        id: &AccountId,
        change: StateChange,
        reason: &Reason,
        request_id: Option<&RequestId>,
    ) -> Result<Applied, StoreError> {
        let mut invocation = self.state_script.key(keys::account(id));
        invocation.key(keys::log(id));
        if let Some(rid) = request_id {
            invocation.key(keys::request(id, rid));
        }
        invocation
            .arg(change.kind().code())
            .arg(reason.as_str())
            .arg(request_id.map_or("", RequestId::as_str))
            .arg(change.fingerprint(reason))
            .arg(self.idempotency_ttl_secs)
            .arg(id.as_str());
        reply::applied(id, &self.run(&self.metrics.set_state, &invocation).await?)
    }

    /// Entries of one stream range, in the order Redis gives them.
    fn range_cmd(command: &str, id: &AccountId, (from, to): (&str, &str), count: usize) -> redis::Cmd {
        let mut cmd = redis::cmd(command);
        cmd.arg(keys::log(id)).arg(from).arg(to).arg("COUNT").arg(count);
        cmd
    }

    fn entries(id: &AccountId, currency: Currency, raw: RawEntries) -> Result<Vec<Transaction>, StoreError> {
        raw.into_iter().map(|(entry_id, kv)| reply::stream_entry(id, currency, entry_id, kv)).collect()
    }

    /// Entries of one stream range (XRANGE or XREVRANGE), in the order Redis gives them.
    async fn range(
        &self,
        command: &str,
        id: &AccountId,
        currency: Currency,
        bounds: (&str, &str),
        count: usize,
    ) -> Result<Vec<Transaction>, StoreError> {
        let raw: RawEntries = self.query(&Self::range_cmd(command, id, bounds, count)).await?;
        Self::entries(id, currency, raw)
    }

    /// The account, its archive point and one range of its history, in one round
    /// trip (a pipeline): the first read of every history query.
    async fn account_and_range(
        &self,
        command: &str,
        id: &AccountId,
        bounds: (&str, &str),
        count: usize,
    ) -> Result<(Account, ArchivePoint, Vec<Transaction>), StoreError> {
        let mut pipe = redis::pipe();
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_HASH_FIELDS);
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ARCHIVE_FIELDS);
        pipe.add_command(Self::range_cmd(command, id, bounds, count));
        let mut conn = self.conn.clone();
        let (fields, point, raw): (Vec<Option<String>>, Vec<Option<String>>, RawEntries) =
            self.call(pipe.query_async(&mut conn)).await?;
        let account = reply::stored_account(id, fields)?;
        let entries = Self::entries(id, account.currency(), raw)?;
        Ok((account, reply::archive_point(point)?, entries))
    }

    /// The whole history of an account still in Redis, oldest first, read in chunks
    /// so that a long history never makes one huge reply.
    pub async fn history(&self, id: &AccountId) -> Result<Vec<Transaction>, StoreError> {
        Ok(self.ledger(id).await?.2)
    }

    /// The account, its archive point and its whole history still in Redis (oldest
    /// first), as one snapshot: the account, its archive point, the first chunk of
    /// its history and the id of its last entry are read in one MULTI/EXEC, and the
    /// later chunks stop at that entry, so changes landing meanwhile are not mixed in.
    pub async fn ledger(
        &self,
        id: &AccountId,
    ) -> Result<(Account, ArchivePoint, Vec<Transaction>), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_HASH_FIELDS);
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ARCHIVE_FIELDS);
        pipe.add_command(Self::range_cmd("XRANGE", id, ("-", "+"), HISTORY_CHUNK));
        pipe.add_command(Self::range_cmd("XREVRANGE", id, ("+", "-"), 1));
        let mut conn = self.conn.clone();
        let (fields, point, first, last): (Vec<Option<String>>, Vec<Option<String>>, RawEntries, RawEntries) =
            self.call(pipe.query_async(&mut conn)).await?;
        let account = reply::stored_account(id, fields)?;
        let mut entries = Self::entries(id, account.currency(), first)?;
        if let (Some((end, _)), Some(read)) = (last.first(), entries.last())
            && &read.id != end
        {
            let start = format!("({}", read.id);
            entries.extend(self.entries_between(id, account.currency(), start, end).await?);
        }
        Ok((account, reply::archive_point(point)?, entries))
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

    /// Entries from `start` to `end` (XRANGE bounds), oldest first.
    async fn entries_between(
        &self,
        id: &AccountId,
        currency: Currency,
        mut start: String,
        end: &str,
    ) -> Result<Vec<Transaction>, StoreError> {
        let mut out = Vec::new();
        loop {
            let chunk = self.range("XRANGE", id, currency, (&start, end), HISTORY_CHUNK).await?;
            let done = chunk.len() < HISTORY_CHUNK;
            if let Some(last) = chunk.last() {
                start = format!("({}", last.id);
            }
            out.extend(chunk);
            if done {
                return Ok(out);
            }
        }
    }

    /// One page of history, newest first. Pages never skip or repeat an entry while
    /// writes go on: new entries only ever get larger ids, and each page starts
    /// strictly below the last entry the previous one examined.
    pub async fn list_transactions(
        &self,
        id: &AccountId,
        query: &HistoryQuery,
        page_size: usize,
    ) -> Result<HistoryPage, StoreError> {
        let page_size = page_size.max(1);
        let mut upper = match (&query.before, query.end_millis) {
            (Some(cursor), _) => format!("({cursor}"),
            // Nothing lies before the epoch, and "(0-0" is no valid bound: the
            // inclusive "0-0" matches nothing (no entry has that id).
            (None, Some(end)) if end <= 0 => "0-0".to_owned(),
            (None, Some(end)) => format!("({end}-0"),
            (None, None) => "+".to_owned(),
        };
        let lower = query.start_millis.map_or("-".to_owned(), |s| format!("{s}-0"));
        // A kind filter may need several chunks for one page; bound the work per call
        // and hand back a cursor instead.
        let scan_max = page_size.saturating_mul(10).max(HISTORY_CHUNK);
        let want = |got: usize| if query.kinds.is_empty() { page_size - got } else { HISTORY_CHUNK };
        let (account, _, mut chunk) =
            self.account_and_range("XREVRANGE", id, (&upper, &lower), want(0)).await?;
        let (mut transactions, mut scanned) = (Vec::new(), 0);
        loop {
            let exhausted = chunk.len() < want(transactions.len());
            scanned += chunk.len();
            for t in chunk {
                upper = format!("({}", t.id);
                if transactions.len() < page_size && (query.kinds.is_empty() || query.kinds.contains(&t.kind))
                {
                    transactions.push(t);
                    if transactions.len() == page_size {
                        // Resume right after the last entry returned.
                        return Ok(HistoryPage {
                            next_before: transactions.last().map(|t| t.id.clone()),
                            transactions,
                        });
                    }
                }
            }
            if exhausted {
                return Ok(HistoryPage { transactions, next_before: None });
            }
            if scanned >= scan_max {
                let next_before = upper.strip_prefix('(').map(str::to_owned);
                return Ok(HistoryPage { transactions, next_before });
            }
            chunk = self
                .range("XREVRANGE", id, account.currency(), (&upper, &lower), want(transactions.len()))
                .await?;
        }
    }

    /// One page of the statement of `[start, end)`: the period's opening and
    /// closing balances, up to `page_size` entries (oldest first) after `cursor`,
    /// and the totals of every entry from the period's start through this page.
    ///
    /// The first page fixes the period's last entry (one MULTI/EXEC, so that the
    /// closing balance and the first entries are read at one instant); later pages
    /// read up to that entry only, so a statement of a period still open stays one
    /// consistent picture. Opening plus the entries equals closing, exactly: each
    /// page checks its entries against the running balance the cursor carries, and
    /// the last page checks that it arrives at the closing balance.
    pub async fn statement_page(
        &self,
        id: &AccountId,
        start_millis: i64,
        end_millis: i64,
        cursor: Option<&StatementCursor>,
        page_size: usize,
    ) -> Result<StatementPage, StoreError> {
        let want = page_size.max(1) + 1;
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_HASH_FIELDS);
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ARCHIVE_FIELDS);
        // "(0-0" is no valid bound: nothing lies before the epoch.
        let before_start = format!("({}-0", start_millis.max(1));
        let before_end = format!("({}-0", end_millis.max(1));
        if let Some(c) = cursor {
            pipe.add_command(Self::range_cmd("XRANGE", id, (&format!("({}", c.after), &c.upto), want));
        } else {
            pipe.add_command(Self::range_cmd("XREVRANGE", id, (&before_start, "-"), 1));
            pipe.add_command(Self::range_cmd("XREVRANGE", id, (&before_end, "-"), 1));
            pipe.add_command(Self::range_cmd(
                "XRANGE",
                id,
                (&format!("{start_millis}-0"), &before_end),
                want,
            ));
        }
        let mut conn = self.conn.clone();
        let replies: Vec<redis::Value> = self.call(pipe.query_async(&mut conn)).await?;
        let mut replies = replies.into_iter();
        let mut next_reply =
            || replies.next().ok_or_else(|| StoreError::Corrupt("short pipeline reply".into()));
        let fields: Vec<Option<String>> = parse(next_reply()?)?;
        let account = reply::stored_account(id, fields)?;
        let point = reply::archive_point(parse(next_reply()?)?)?;
        if let Some(through_millis) = point.through_millis().filter(|through| start_millis <= *through) {
            return Err(StoreError::Refused(Error::HistoryArchived { through_millis }));
        }
        let currency = account.currency();
        let entries = |value| Self::entries(id, currency, parse(value)?);
        let (mut at, mut transactions) = match cursor {
            Some(c) => (c.clone(), entries(next_reply()?)?),
            None => {
                let mut before = entries(next_reply()?)?;
                if start_millis <= 0 {
                    // Entries at 0 ms belong to the period.
                    before.clear();
                }
                let last = entries(next_reply()?)?;
                let opening = before.first().map_or(point.balance, |t| t.balance_after.minor());
                // The period's last entry, if the period has any.
                let last = last.into_iter().next().filter(|t| t.create_time_millis >= start_millis);
                let start = StatementCursor {
                    after: String::new(),
                    upto: last.as_ref().map_or_else(String::new, |t| t.id.clone()),
                    opening,
                    closing: last.map_or(opening, |t| t.balance_after.minor()),
                    running: opening,
                    total_in: 0,
                    total_out: 0,
                };
                let page = if start.upto.is_empty() { Vec::new() } else { entries(next_reply()?)? };
                (start, page)
            }
        };
        let more = transactions.len() > page_size.max(1);
        transactions.truncate(page_size.max(1));
        // Checked: stored data is not trusted to stay in range.
        let overflow = || StoreError::Corrupt(format!("the statement of {id} overflows"));
        for t in &transactions {
            let (total, amount) = match t.kind.sign() {
                1 => (&mut at.total_in, t.amount.minor()),
                -1 => (&mut at.total_out, t.amount.minor()),
                _ => (&mut at.total_in, 0),
            };
            *total = total.checked_add(amount).ok_or_else(overflow)?;
            at.running = at.running.checked_add(t.signed_minor()).ok_or_else(overflow)?;
            if at.running != t.balance_after.minor() {
                return Err(StoreError::Corrupt(format!(
                    "history of {id} does not reconcile at entry {}: {} != {}",
                    t.id,
                    at.running,
                    t.balance_after.minor()
                )));
            }
        }
        let more = more && transactions.last().is_some_and(|t| t.id != at.upto);
        if !more && at.running != at.closing {
            return Err(StoreError::Corrupt(format!(
                "history of {id} does not reconcile to its closing balance: {} != {}",
                at.running, at.closing
            )));
        }
        let money = |minor| Money::from_minor(currency, minor);
        let page = StatementPage {
            opening: money(at.opening),
            closing: money(at.closing),
            total_in: money(at.total_in),
            total_out: money(at.total_out),
            next: None,
            account,
            transactions,
        };
        Ok(match (more, page.transactions.last()) {
            (true, Some(last)) => {
                at.after = last.id.clone();
                StatementPage { next: Some(at), ..page }
            }
            _ => page,
        })
    }

    /// The whole statement of `[start, end)`, every page read (for tools and tests;
    /// the API hands it out a page at a time).
    pub async fn statement(
        &self,
        id: &AccountId,
        start_millis: i64,
        end_millis: i64,
    ) -> Result<StatementPage, StoreError> {
        let mut page = self.statement_page(id, start_millis, end_millis, None, STATEMENT_READ_PAGE).await?;
        while let Some(cursor) = page.next.take() {
            let mut more =
                self.statement_page(id, start_millis, end_millis, Some(&cursor), STATEMENT_READ_PAGE).await?;
            more.transactions.splice(0..0, std::mem::take(&mut page.transactions));
            page = more;
        }
        Ok(page)
    }

    /// Where archiving cut the account's history (all zero if it never did).
    pub async fn archive_point(&self, id: &AccountId) -> Result<ArchivePoint, StoreError> {
        reply::archive_point(
            self.query(redis::cmd("HMGET").arg(keys::account(id)).arg(&ARCHIVE_FIELDS)).await?,
        )
    }

    /// The oldest entries still in the history that are older than `before_millis`,
    /// at most `max` (and at most [`ARCHIVE_CHUNK_MAX`]), with the archive point they
    /// continue: what `redbank archive` stores before it trims them.
    pub async fn archivable(
        &self,
        id: &AccountId,
        before_millis: i64,
        max: usize,
    ) -> Result<(ArchivePoint, Vec<Transaction>), StoreError> {
        let end = format!("({}-0", before_millis.max(1));
        let (_, point, mut entries) =
            self.account_and_range("XRANGE", id, ("-", &end), max.clamp(1, ARCHIVE_CHUNK_MAX)).await?;
        // "(0-0" is no valid bound: nothing lies before the epoch.
        if before_millis <= 0 {
            entries.clear();
        }
        Ok((point, entries))
    }

    /// Removes `entries`, read by [`Store::archivable`] together with `prior`, from
    /// the head of the history, and moves the archive point past them, in one script
    /// call: exactly these entries go, or nothing does
    /// ([`StoreError::ArchiveChanged`] when the history or the point moved since).
    /// Call it only once the entries are stored elsewhere.
    pub async fn trim_archived(
        &self,
        id: &AccountId,
        prior: &ArchivePoint,
        entries: &[Transaction],
    ) -> Result<ArchivePoint, StoreError> {
        let next = prior.advanced(entries)?;
        let first = entries.first().map_or("", |t| t.id.as_str());
        let mut invocation = self.archive_script.key(keys::account(id));
        invocation
            .key(keys::log(id))
            .arg(first)
            .arg(next.through.as_deref().unwrap_or_default())
            .arg(entries.len())
            .arg(prior.through.as_deref().unwrap_or_default())
            .arg(next.balance)
            .arg(next.version)
            .arg(next.entries)
            .arg(next.net_external)
            .arg(id.as_str());
        reply::trimmed(&self.run(&self.metrics.archive, &invocation).await?)?;
        Ok(next)
    }

    /// One page of accounts, in no particular order, by SCAN. The cursor is Redis's:
    /// a full pass visits every account that exists throughout it at least once (SCAN
    /// may repeat one while Redis resizes its table, never miss one).
    pub async fn list_accounts(
        &self,
        cursor: u64,
        page_size: usize,
    ) -> Result<(Vec<Account>, u64), StoreError> {
        let (ids, cursor) = self.scan_ids(cursor, page_size).await?;
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_HASH_FIELDS);
        }
        let mut conn = self.conn.clone();
        let rows: Vec<Vec<Option<String>>> =
            if ids.is_empty() { Vec::new() } else { self.call(pipe.query_async(&mut conn)).await? };
        let mut accounts = Vec::with_capacity(ids.len());
        for (id, fields) in ids.iter().zip(rows) {
            match reply::stored_account(id, fields) {
                Ok(account) => accounts.push(account),
                // Deleted between SCAN and HMGET: not there any more.
                Err(StoreError::Refused(Error::AccountNotFound(_))) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((accounts, cursor))
    }

    /// Ids of about `page_size` accounts from `cursor` on, by SCAN, and the next
    /// cursor (0 at the end).
    async fn scan_ids(&self, mut cursor: u64, page_size: usize) -> Result<(Vec<AccountId>, u64), StoreError> {
        let mut ids = Vec::new();
        loop {
            let (next, keys): (u64, Vec<String>) = self
                .query(
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(keys::ACCOUNT_PATTERN)
                        .arg("COUNT")
                        .arg(page_size.max(10))
                        .arg("TYPE")
                        .arg("hash"),
                )
                .await?;
            ids.extend(keys.iter().filter_map(|k| keys::account_of(k)));
            cursor = next;
            if cursor == 0 || ids.len() >= page_size {
                return Ok((ids, cursor));
            }
        }
    }

    /// The id of every account, sorted, each once (SCAN may repeat one): what the
    /// store-wide jobs (`redbank check`, `redbank archive`) walk through.
    pub async fn account_ids(&self) -> Result<Vec<AccountId>, StoreError> {
        let (mut all, mut cursor) = (Vec::new(), 0);
        loop {
            let (ids, next) = self.scan_ids(cursor, ACCOUNT_SCAN_PAGE).await?;
            all.extend(ids);
            cursor = next;
            if cursor == 0 {
                all.sort();
                all.dedup();
                return Ok(all);
            }
        }
    }
}
