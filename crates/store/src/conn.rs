//! The connection to Redis: one server (a `ConnectionManager` that reconnects by
//! itself) or a Redis Cluster (redis-rs's cluster connection, which follows MOVED
//! and ASK and reloads scripts after NOSCRIPT). Both speak `ConnectionLike`, so
//! every command and script call is written once; what differs is what spans
//! slots: walking every account (each primary is scanned in turn) and reading
//! many accounts at once (one pipeline on one server, one call per account on a
//! cluster, where a pipeline must stay in one slot).

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, Pipeline, RedisFuture, Value};

use crate::{StoreError, within};

#[derive(Clone)]
pub(crate) enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
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
            Conn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
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
            .connection_timeout(deadline)
            .response_timeout(deadline)
            .build()
            .map_err(StoreError::Internal)?;
        within(deadline, client.get_async_connection()).await.map(Conn::Cluster)
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
            .route_command(
                redis::cmd("CLUSTER").arg("SLOTS").clone(),
                RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random),
            )
            .await
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
    pub async fn wait_replicas(
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
                    .route_command(wait, RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(route)))
                    .await
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
        let value = c.route_command(cmd.clone(), routing).await.map_err(StoreError::from)?;
        redis::from_redis_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}
