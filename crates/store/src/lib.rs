//! The only code in redbank that speaks Redis.
//!
//! Every balance change is one call of `lua/post.lua`, which validates, applies,
//! appends the history entry and records the request id atomically inside Redis.
//! That single step is what keeps any number of server replicas correct without a
//! lock: Redis runs one script at a time, and a retried request finds its
//! idempotency record inside the same step. No state is held in this process
//! except the connection.

mod error;
pub mod keys;
mod reply;

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisResult, Script};

use redbank_domain::limits::MAX_BALANCE_MINOR;
use redbank_domain::{
    Account, AccountId, AccountType, BalanceChange, Currency, Memo, RequestId, Transaction,
    create_fingerprint, interest::interest_fraction,
};

pub use error::StoreError;

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
}

impl StoreConfig {
    pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_millis(1000);
    pub const DEFAULT_IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

    pub fn new(redis_url: impl Into<String>) -> Self {
        Self {
            redis_url: redis_url.into(),
            call_timeout: Self::DEFAULT_CALL_TIMEOUT,
            idempotency_ttl: Self::DEFAULT_IDEMPOTENCY_TTL,
        }
    }
}

/// The result of a balance change: the history entry written and the account after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub transaction: Transaction,
    pub account: Account,
}

/// A handle on the Redis that holds every account. Cheap to clone: clones share one
/// multiplexed, auto-reconnecting connection that pipelines concurrent calls.
#[derive(Clone)]
pub struct Store {
    conn: ConnectionManager,
    create_script: Script,
    post_script: Script,
    call_timeout: Duration,
    idempotency_ttl_secs: u64,
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
        Ok(Self {
            conn,
            create_script: Script::new(include_str!("lua/create_account.lua")),
            post_script: Script::new(include_str!("lua/post.lua")),
            call_timeout: config.call_timeout,
            idempotency_ttl_secs: config.idempotency_ttl.as_secs().max(1),
        })
    }

    /// Runs one Redis call under the call deadline.
    async fn call<T>(&self, fut: impl Future<Output = RedisResult<T>>) -> Result<T, StoreError> {
        match tokio::time::timeout(self.call_timeout, fut).await {
            Ok(result) => result.map_err(StoreError::from),
            Err(_) => Err(StoreError::Timeout(self.call_timeout)),
        }
    }

    /// Checks that Redis answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let pong: String = self.call(redis::cmd("PING").query_async(&mut conn)).await?;
        if pong == "PONG" { Ok(()) } else { Err(StoreError::Corrupt(format!("PING answered {pong:?}"))) }
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
            .arg(self.idempotency_ttl_secs);
        let mut conn = self.conn.clone();
        let fields: Vec<String> = self.call(invocation.invoke_async(&mut conn)).await?;
        reply::created(id, &fields)
    }

    /// Reads an account.
    pub async fn get_account(&self, id: &AccountId) -> Result<Account, StoreError> {
        let mut conn = self.conn.clone();
        let fields: Vec<Option<String>> = self
            .call(
                redis::cmd("HMGET")
                    .arg(keys::account(id))
                    .arg(&["type", "cur", "bal", "ver", "ctime"])
                    .query_async(&mut conn),
            )
            .await?;
        reply::account(id, &fields)
    }

    /// Applies one balance change in one atomic script call.
    pub async fn post(
        &self,
        id: &AccountId,
        change: &BalanceChange,
        request_id: Option<&RequestId>,
        memo: &Memo,
    ) -> Result<Posted, StoreError> {
        let mut invocation = self.post_script.key(keys::account(id));
        invocation.key(keys::log(id));
        if let Some(rid) = request_id {
            invocation.key(keys::request(id, rid));
        }
        invocation.arg(change.kind().code());
        match change {
            BalanceChange::Deposit(amount) | BalanceChange::Withdrawal(amount) => {
                invocation.arg(amount.currency().code()).arg(amount.minor()).arg("");
            }
            BalanceChange::Interest { rate, days } => {
                let (numerator, denominator) = interest_fraction(*rate, *days);
                invocation.arg("").arg(numerator).arg(denominator);
            }
        }
        invocation
            .arg(memo.as_str())
            .arg(request_id.map_or("", RequestId::as_str))
            .arg(change.fingerprint(memo))
            .arg(self.idempotency_ttl_secs)
            .arg(MAX_BALANCE_MINOR);
        let mut conn = self.conn.clone();
        let fields: Vec<String> = self.call(invocation.invoke_async(&mut conn)).await?;
        let given = match change {
            BalanceChange::Deposit(a) | BalanceChange::Withdrawal(a) => Some(a.currency()),
            BalanceChange::Interest { .. } => None,
        };
        reply::posted(id, given, &fields)
    }

    /// The whole history of an account, oldest first, read in pages so that a long
    /// history never makes one huge reply.
    pub async fn history(&self, id: &AccountId) -> Result<Vec<Transaction>, StoreError> {
        const PAGE: usize = 1000;
        let account = self.get_account(id).await?;
        let mut conn = self.conn.clone();
        let mut out = Vec::new();
        let mut start = "-".to_owned();
        loop {
            let page: Vec<(String, Vec<String>)> = self
                .call(
                    redis::cmd("XRANGE")
                        .arg(keys::log(id))
                        .arg(&start)
                        .arg("+")
                        .arg("COUNT")
                        .arg(PAGE)
                        .query_async(&mut conn),
                )
                .await?;
            let done = page.len() < PAGE;
            for (entry_id, fields) in page {
                start = format!("({entry_id}");
                out.push(reply::entry(id, account.currency(), entry_id, &fields)?);
            }
            if done {
                return Ok(out);
            }
        }
    }
}
