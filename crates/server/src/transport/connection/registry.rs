//! Every open connection, and the cap's shedding: at the cap, the connection idle
//! the longest makes room.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore};

use super::{Calls, Connection};
use crate::budget::ConnectionBudget;
use crate::transport::Limits;

/// Most connections being shed at once: each may hold its descriptor for up to
/// [`GOAWAY_GRACE`] beyond the cap, so these come out of the descriptor reserve.
pub const SHEDDING_MAX: usize = 16;
/// A connection younger than this is never shed: it gets the time to send its
/// first request even while others churn through the cap (which bounds shedding
/// to `max_connections` per this interval).
pub const SHED_MIN_AGE: Duration = Duration::from_millis(200);
/// Every open connection.
pub struct Registry {
    open: Mutex<HashMap<u64, Arc<Connection>>>,
    next_id: AtomicU64,
    /// Notified when a connection closes or goes idle.
    changed: Notify,
    /// How many are open, for /metrics.
    gauge: metrics::Gauge,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new(metrics::Gauge::noop())
    }
}

impl Registry {
    pub fn new(gauge: metrics::Gauge) -> Self {
        Self { open: Mutex::default(), next_id: AtomicU64::new(0), changed: Notify::new(), gauge }
    }

    fn open_map(&self) -> MutexGuard<'_, HashMap<u64, Arc<Connection>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn open(self: &Arc<Self>, peer: SocketAddr, limits: &Limits) -> Arc<Connection> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Connection {
            id,
            accepted: Instant::now(),
            peer,
            budget: ConnectionBudget(Arc::new(Semaphore::new(crate::budget::units(
                limits.response_bytes_per_connection,
            )))),
            calls: Mutex::new(Calls::default()),
            wake: Notify::new(),
            registry: self.clone(),
        });
        let mut open = self.open_map();
        open.insert(id, conn.clone());
        self.gauge.set(open.len() as f64);
        drop(open);
        conn
    }

    pub fn len(&self) -> usize {
        self.open_map().len()
    }

    /// A future that resolves at the next close or call end anywhere.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    /// Makes room for one more connection under `max` if it can: connections being
    /// shed do not count (they close within [`GOAWAY_GRACE`]), but at most
    /// [`SHEDDING_MAX`] of them at once. Sheds the connection idle the longest when
    /// that is what it takes; connections that never sent a request count as idle
    /// since they were accepted, and so do those whose every call is stalled (a
    /// body never finished does not make a connection busy). False when every
    /// connection is busy.
    pub fn make_room(&self, max: usize) -> bool {
        self.make_room_at(max, Instant::now())
    }

    pub(super) fn make_room_at(&self, max: usize, now: Instant) -> bool {
        let open = self.open_map();
        let shedding = open.values().filter(|c| c.calls().shed).count();
        if shedding >= SHEDDING_MAX {
            return false;
        }
        if open.len() - shedding < max {
            return true;
        }
        let victim = open
            .values()
            .filter(|c| now.saturating_duration_since(c.accepted) >= SHED_MIN_AGE && c.is_idle(now))
            .min_by_key(|c| c.calls().last_active.unwrap_or(c.accepted));
        match victim {
            Some(conn) => {
                conn.calls().shed = true;
                tracing::debug!(peer = %conn.peer, "connection cap reached: shedding the oldest idle connection");
                conn.wake.notify_one();
                true
            }
            None => false,
        }
    }

    /// A connection that ended before it was served (its TLS handshake failed).
    pub fn closed(&self, conn: &Connection) {
        self.remove(conn.id);
    }

    /// Wakes whoever waits for a connection to close or go idle.
    pub(super) fn notify_changed(&self) {
        self.changed.notify_waiters();
    }

    pub(super) fn remove(&self, id: u64) {
        let mut open = self.open_map();
        open.remove(&id);
        self.gauge.set(open.len() as f64);
        drop(open);
        self.changed.notify_waiters();
    }

    /// Resolves once every connection has closed.
    pub async fn wait_empty(&self) {
        loop {
            let changed = self.changed();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.len() == 0 {
                return;
            }
            tokio::select! {
                () = changed => {}
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    }
}
