//! The connection to Redis: one server (a `ConnectionManager` that reconnects by
//! itself) or a Redis Cluster (redis-rs's cluster connection, which follows MOVED
//! and ASK and reloads scripts after NOSCRIPT, made anew with a fresh slot map
//! after a call to it fails or times out and every
//! [`CLUSTER_REFRESH_INTERVAL`]: a primary that is paused, not dead, sends no
//! MOVED, so without it the old map would point at it until it came back). Both
//! speak `ConnectionLike`, so
//! every command and script call is written once; what differs is what spans
//! slots: walking every account (each primary is scanned in turn) and reading
//! many accounts at once (one pipeline on one server, one call per account on a
//! cluster, where a pipeline must stay in one slot).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, Pipeline, RedisFuture, Value};

use crate::{StoreError, within};

#[derive(Clone)]
pub(crate) enum Conn {
    Single(ConnectionManager),
    Cluster(Arc<Cluster>),
}

/// How often a cluster connection is made anew whatever happens (a changed
/// topology that caused no error: a resharding, a failover elsewhere).
pub const CLUSTER_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// The longest the connection to one node may take, its handshake included: a
/// node that is paused (its sockets open, nothing answering) is given up on after
/// this, so that a new cluster connection is made without it.
const NODE_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// At most one refresh after failures per this interval.
const REFRESH_MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The cluster connection in use, and how to make a new one.
pub(crate) struct Cluster {
    client: redis::cluster::ClusterClient,
    current: RwLock<ClusterConnection>,
    deadline: Duration,
    refreshing: AtomicBool,
    last_refresh: Mutex<Instant>,
}

impl Cluster {
    fn connection(&self) -> ClusterConnection {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// A call failed, or did not answer in time: a new connection (and slot map)
    /// is made in the background, unless one was made within
    /// [`REFRESH_MIN_INTERVAL`] or is being made.
    fn suspect(self: &Arc<Self>) {
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let recent =
            self.last_refresh.lock().unwrap_or_else(PoisonError::into_inner).elapsed() < REFRESH_MIN_INTERVAL;
        if recent || tokio::runtime::Handle::try_current().is_err() {
            self.refreshing.store(false, Ordering::Release);
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            this.refresh().await;
            this.refreshing.store(false, Ordering::Release);
        });
    }

    async fn refresh(&self) {
        match within(self.deadline, self.client.get_async_connection()).await {
            Ok(fresh) => {
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = fresh;
                tracing::debug!("cluster connection made anew (a fresh slot map)");
            }
            Err(error) => {
                tracing::debug!(%error, "could not make the cluster connection anew; keeping the old one")
            }
        }
        *self.last_refresh.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    /// Refreshes every [`CLUSTER_REFRESH_INTERVAL`] while the cluster is in use.
    async fn refresh_periodically(cluster: Weak<Self>) {
        loop {
            tokio::time::sleep(CLUSTER_REFRESH_INTERVAL).await;
            let Some(cluster) = cluster.upgrade() else { return };
            if !cluster.refreshing.swap(true, Ordering::AcqRel) {
                cluster.refresh().await;
                cluster.refreshing.store(false, Ordering::Release);
            }
        }
    }
}

/// Marks the cluster suspect when dropped armed: a call that failed as a failover
/// does, or that was dropped unanswered (cut by its deadline).
struct Watch(Option<Arc<Cluster>>);

impl Watch {
    fn settle<T>(mut self, result: &redis::RedisResult<T>) {
        if !result.as_ref().is_err_and(crate::error::is_failover) {
            self.0 = None;
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(cluster) = self.0.take() {
            cluster.suspect();
        }
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => {
                let (mut conn, watch) = (c.connection(), Watch(Some(c.clone())));
                Box::pin(async move {
                    let result = conn.req_packed_command(cmd).await;
                    watch.settle(&result);
                    result
                })
            }
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(c) => {
                let (mut conn, watch) = (c.connection(), Watch(Some(c.clone())));
                Box::pin(async move {
                    let result = conn.req_packed_commands(pipeline, offset, count).await;
                    watch.settle(&result);
                    result
                })
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.connection().get_db(),
        }
    }
}

/// A command routed by hand answers a server's error as a value, not an error
/// (`route_command`): it is made the error it is, so that it is classified as
/// every other (a WAIT refused by a demoted primary is not a bad reply).
fn server_error(value: Value) -> redis::RedisResult<Value> {
    match value {
        Value::ServerError(e) => Err(e.into()),
        other => Ok(other),
    }
}

/// A primary of a cluster, as `CLUSTER SLOTS` names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Primary {
    pub host: String,
    pub port: u16,
}

impl Conn {
    /// Connects to a cluster through any of `nodes`, within `deadline`: a
    /// connection that hangs at start (redis-rs #1953) fails as a timeout.
    pub async fn cluster(nodes: &[String], deadline: Duration) -> Result<Self, StoreError> {
        let client = redis::cluster::ClusterClientBuilder::new(nodes.to_vec())
            .connection_timeout(NODE_CONNECT_TIMEOUT.min(deadline))
            .response_timeout(deadline)
            .build()
            .map_err(StoreError::Internal)?;
        let first = within(deadline, client.get_async_connection()).await?;
        let cluster = Arc::new(Cluster {
            client,
            current: RwLock::new(first),
            deadline,
            refreshing: AtomicBool::new(false),
            last_refresh: Mutex::new(Instant::now()),
        });
        tokio::spawn(Cluster::refresh_periodically(Arc::downgrade(&cluster)));
        Ok(Conn::Cluster(cluster))
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self, Conn::Cluster(_))
    }

    /// The primaries of the cluster, sorted (so that a cursor's node index means
    /// the same node from call to call while the topology holds); empty on one
    /// server.
    pub async fn primaries(&mut self) -> Result<Vec<Primary>, StoreError> {
        let Conn::Cluster(c) = self else { return Ok(Vec::new()) };
        let slots = c
            .connection()
            .route_command(
                redis::cmd("CLUSTER").arg("SLOTS").clone(),
                RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random),
            )
            .await
            .and_then(server_error)
            .map_err(StoreError::from)?;
        let mut primaries = Vec::new();
        if let Value::Array(ranges) = slots {
            for range in ranges {
                let Value::Array(parts) = range else { continue };
                // [start, end, [host, port, id, ...], replicas...]
                if let Some(Value::Array(node)) = parts.get(2) {
                    let host = match node.first() {
                        Some(Value::BulkString(b)) => String::from_utf8_lossy(b).into_owned(),
                        Some(Value::SimpleString(s)) => s.clone(),
                        _ => continue,
                    };
                    let port = match node.get(1) {
                        Some(Value::Int(p)) => u16::try_from(*p).ok(),
                        _ => None,
                    };
                    if let Some(port) = port {
                        primaries.push(Primary { host, port });
                    }
                }
            }
        }
        primaries.sort();
        primaries.dedup();
        if primaries.is_empty() {
            return Err(StoreError::Corrupt("CLUSTER SLOTS named no primary".into()));
        }
        Ok(primaries)
    }

    /// WAIT for `replicas` replicas of the primary that holds `key` to acknowledge
    /// every write made so far on this connection to it, at most `timeout`; how
    /// many did. On one Redis the connection is the one every write goes through,
    /// so the writes just made are among them.
    ///
    /// A WAIT that Redis refuses (a primary demoted meanwhile answers "WAIT cannot
    /// be used with replica instances"; a failover unblocks a waiting client with
    /// UNBLOCKED) acknowledged nothing: it answers 0, so the write it follows is
    /// NOT_REPLICATED, never INTERNAL. Only an unreachable Redis is an error.
    pub async fn wait_replicas(
        &mut self,
        key: &str,
        replicas: u32,
        timeout: Duration,
    ) -> Result<u32, StoreError> {
        match self.wait_replicas_once(key, replicas, timeout).await {
            Err(StoreError::Internal(e) | StoreError::Unavailable(e) | StoreError::Full(e))
                if e.code().is_some() =>
            {
                tracing::debug!(error = %e, "WAIT refused; counted as no replica acknowledging");
                Ok(0)
            }
            other => other,
        }
    }

    async fn wait_replicas_once(
        &mut self,
        key: &str,
        replicas: u32,
        timeout: Duration,
    ) -> Result<u32, StoreError> {
        let mut wait = redis::cmd("WAIT");
        wait.arg(replicas).arg(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        match self {
            Conn::Single(c) => wait.query_async(c).await.map_err(StoreError::from),
            Conn::Cluster(c) => {
                let route =
                    redis::cluster_routing::Route::with_key(key, redis::cluster_routing::SlotAddr::Master);
                let value = c
                    .connection()
                    .route_command(wait, RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(route)))
                    .await
                    .and_then(server_error)
                    .map_err(StoreError::from)?;
                redis::from_redis_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
            }
        }
    }

    /// Runs `cmd` on one primary of the cluster (SCAN, which sees one node's keys).
    pub async fn on_primary<T: redis::FromRedisValue>(
        &mut self,
        primary: &Primary,
        cmd: &Cmd,
    ) -> Result<T, StoreError> {
        let Conn::Cluster(c) = self else {
            return cmd.query_async(self).await.map_err(StoreError::from);
        };
        let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
            host: primary.host.clone(),
            port: primary.port,
        });
        let value = c
            .connection()
            .route_command(cmd.clone(), routing)
            .await
            .and_then(server_error)
            .map_err(StoreError::from)?;
        redis::from_redis_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}
