//! How every Redis call is made, in one place: the connection, the call deadline,
//! the refusal while Redis is one that would lose money, a script's metrics, and
//! the wait for replicas after a write. The store's operations and the batcher
//! both call through an [`Executor`].

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

use redis::{Cmd, ErrorKind, FromRedisValue, RedisResult, Script, ScriptInvocation, ServerErrorKind};

use crate::conn::Conn;
use crate::{Safety, ScriptMetrics, StoreError};

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

/// [`within`] for a call that fails as a [`StoreError`] already.
pub(crate) async fn within_store<T>(
    deadline: Duration,
    fut: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(deadline, fut).await.unwrap_or(Err(StoreError::Timeout(deadline)))
}

/// How many replicas each write waits for, and how long.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Replication {
    pub replicas: u32,
    pub timeout: Duration,
}

impl Replication {
    /// After a write to the slot of `key`: Ok, or NotReplicated if fewer replicas
    /// than asked acknowledged it in time.
    pub(crate) async fn confirm(
        &self,
        conn: &mut Conn,
        key: &str,
        call_timeout: Duration,
    ) -> Result<(), StoreError> {
        if self.replicas == 0 {
            return Ok(());
        }
        let acked =
            within_store(call_timeout + self.timeout, conn.wait_replicas(key, self.replicas, self.timeout))
                .await?;
        if acked >= self.replicas {
            Ok(())
        } else {
            Err(StoreError::NotReplicated { acked, wanted: self.replicas })
        }
    }
}

/// The one way to Redis: cheap to clone (clones share the multiplexed connection).
#[derive(Clone)]
pub(crate) struct Executor {
    pub conn: Conn,
    pub call_timeout: Duration,
    pub safety: Arc<Safety>,
    pub replication: Replication,
}

impl Executor {
    /// Runs one Redis call under the call deadline; refused while the Redis is one
    /// that would lose money (see `Store::refuse_unsafe`).
    pub async fn call<T>(&self, fut: impl Future<Output = RedisResult<T>>) -> Result<T, StoreError> {
        self.safety.check()?;
        within(self.call_timeout, fut).await
    }

    /// Runs a command under the call deadline.
    pub async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        let mut conn = self.conn.clone();
        self.call(cmd.query_async(&mut conn)).await
    }

    /// Runs a command under the call deadline even on an unsafe Redis: for health
    /// and for reading Redis's settings.
    pub async fn query_unchecked<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        let mut conn = self.conn.clone();
        within(self.call_timeout, cmd.query_async(&mut conn)).await
    }

    /// A write script under the call deadline, counted and timed in `metrics`,
    /// then the replicas' acknowledgement if asked for (`key` names the slot it
    /// wrote to).
    pub async fn run<T: FromRedisValue>(
        &self,
        metrics: &ScriptMetrics,
        invocation: &ScriptInvocation<'_>,
        key: &str,
    ) -> Result<T, StoreError> {
        self.run_call(metrics, ScriptCall::Invocation(invocation), key).await
    }

    /// [`Executor::run`] for a script's EVALSHA command built by its caller
    /// (post.lua's, whose values go straight into the command's buffer).
    pub async fn run_eval<T: FromRedisValue>(
        &self,
        metrics: &ScriptMetrics,
        script: &Script,
        eval: &Cmd,
        key: &str,
    ) -> Result<T, StoreError> {
        self.run_call(metrics, ScriptCall::Eval(script, eval), key).await
    }

    async fn run_call<T: FromRedisValue>(
        &self,
        metrics: &ScriptMetrics,
        call: ScriptCall<'_>,
        key: &str,
    ) -> Result<T, StoreError> {
        let span = tracing::trace_span!(
            target: crate::TRACE_TARGET,
            "redis script",
            otel.name = metrics.name,
            otel.kind = "client",
            db.system = "redis",
            db.operation = "EVALSHA",
            redbank.script = metrics.name,
            redbank.key = key,
        );
        // Boxed: redis-rs's invocation (EVALSHA, and SCRIPT LOAD on NOSCRIPT) and
        // the replica wait make a future of kilobytes, which every caller's future
        // would otherwise hold inline and copy as each layer (store, bank, handler,
        // tonic) builds and moves its own: one allocation per script call instead
        // (memmove was 6% of the server's CPU under load; docs/PERFORMANCE.md).
        Box::pin(
            async {
                let mut conn = self.conn.clone();
                let started = Instant::now();
                let result = match call {
                    ScriptCall::Invocation(invocation) => self.call(invocation.invoke_async(&mut conn)).await,
                    ScriptCall::Eval(script, eval) => self.call(eval_loading(script, eval, &mut conn)).await,
                };
                metrics.record(started, &result);
                let reply = result?;
                self.replication.confirm(&mut conn, key, self.call_timeout).await?;
                Ok(reply)
            }
            .instrument(span),
        )
        .await
    }
}

/// A script call: redis-rs's invocation, or an EVALSHA command made by hand.
enum ScriptCall<'a> {
    Invocation(&'a ScriptInvocation<'a>),
    Eval(&'a Script, &'a Cmd),
}

/// Runs an EVALSHA command, loading its script first when Redis does not have it
/// (NOSCRIPT: after a restart, a failover or SCRIPT FLUSH), as redis-rs's own
/// invocation does.
pub(crate) async fn eval_loading<T: FromRedisValue>(
    script: &Script,
    eval: &Cmd,
    conn: &mut impl redis::aio::ConnectionLike,
) -> RedisResult<T> {
    match eval.query_async(conn).await {
        Err(e) if e.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
            script.load_async(conn).await?;
            eval.query_async(conn).await
        }
        other => other,
    }
}
