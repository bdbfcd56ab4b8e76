//! What can go wrong in the store.

use std::time::Duration;

use redis::RetryMethod;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The request was refused by the rules, in Redis or before it. Not transient.
    #[error(transparent)]
    Refused(#[from] redbank_domain::Error),
    /// Redis could not be reached, or dropped the connection, or is loading its data.
    /// Transient: a retry with the same request id is safe. For a write the outcome
    /// may be unknown; the retry resolves it.
    #[error("redis is unavailable")]
    Unavailable(#[source] redis::RedisError),
    /// Redis refused a write because it reached `maxmemory` (with `noeviction`, the
    /// only policy money may run on). Nothing was written; a retry succeeds once
    /// memory is freed or raised, not at once.
    #[error("redis is out of memory")]
    Full(#[source] redis::RedisError),
    /// The Redis is one that can lose money (it evicts keys) and the server was not
    /// told to accept that. Nothing was sent.
    #[error("refusing to use this Redis: {0}")]
    Unsafe(String),
    /// Redis did not answer within the call deadline. Transient, outcome unknown.
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    /// Redis answered with an error that no retry will fix, or with a reply that
    /// does not match the scripts. A bug or a misconfiguration.
    #[error("redis failed")]
    Internal(#[source] redis::RedisError),
    #[error("unexpected reply from redis: {0}")]
    Corrupt(String),
    /// Archiving found the history or the archive point other than it had read
    /// them (another archiver ran at the same time). Nothing was trimmed; running
    /// the archive again continues from where the other one got.
    #[error("the history changed while it was being archived: {0}")]
    ArchiveChanged(String),
    /// The call was dropped before Redis answered, because the process is shutting
    /// down. Transient, outcome unknown.
    #[error("the call was abandoned before redis answered")]
    Abandoned,
    /// A write was applied on the primary, but fewer replicas than asked
    /// (`--redis-wait-replicas`) acknowledged it in time: a failover now could lose
    /// it. Transient: a retry with the same request id answers the first result and
    /// waits again.
    #[error("the change was applied but only {acked} of {wanted} replicas acknowledged it in time")]
    NotReplicated { acked: u32, wanted: u32 },
    /// A hold (or the first step of a transfer between slots) reached Redis after
    /// the deadline it was sent with: nothing was written. Transient.
    #[error("the change reached redis after its deadline; nothing was written")]
    DeadlinePassed,
    /// A record a later step needs was not found where an earlier step wrote it (a
    /// transfer's hold, gone with a primary that failed before replicating it).
    /// Transient: a retry with the same request id answers what happened.
    #[error("a step's record was lost (a failover?): {0}")]
    Lost(String),
}

impl StoreError {
    /// Whether the same call may succeed if tried again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::Unavailable(_)
                | StoreError::Timeout(_)
                | StoreError::Abandoned
                | StoreError::NotReplicated { .. }
                | StoreError::DeadlinePassed
                | StoreError::Lost(_)
        )
    }
}

/// Error codes a Redis answers while its role or the cluster's map is changing (a
/// failover, a primary paused and back, a node loading its data): the command did
/// not run, or a script ran whole or not at all, so the call may be retried with its
/// request id. Not our bug, so never INTERNAL.
const FAILOVER_CODES: [&str; 10] = [
    "UNBLOCKED",
    "READONLY",
    "MASTERDOWN",
    "CLUSTERDOWN",
    "LOADING",
    "TRYAGAIN",
    "MOVED",
    "ASK",
    "NOREPLICAS",
    "BUSY",
];

/// Whether an error says the connection or the cluster's map may be stale: the
/// node unreachable or gone, or changing roles.
pub(crate) fn is_failover(e: &redis::RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.kind() == redis::ErrorKind::ClusterConnectionNotFound
        || e.code().is_some_and(|code| FAILOVER_CODES.contains(&code))
}

impl From<redis::RedisError> for StoreError {
    fn from(e: redis::RedisError) -> Self {
        if e.code() == Some("OOM") {
            return StoreError::Full(e);
        }
        let transient = is_failover(&e) || !matches!(e.retry_method(), RetryMethod::NoRetry);
        if transient { StoreError::Unavailable(e) } else { StoreError::Internal(e) }
    }
}
