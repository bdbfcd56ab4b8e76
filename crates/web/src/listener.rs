//! The console's listener: its own accept loop over HTTP/1.1 connections, with a
//! cap that sheds the connection idle the longest rather than refusing new ones
//! (so that idle or silent sockets, anyone's, cannot keep browsers out), and
//! refusal lines in the log at a bounded rate. [`LogBudget`] is shared with the
//! gRPC listener, which the same server process runs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use tokio::sync::Notify;

use crate::Peer;

/// Most console connections open at once; at the cap, a new one sheds the
/// connection idle the longest (one without a request in flight); while every
/// connection is busy or new, the new one waits (accepting pauses), and is closed
/// if none can be shed within [`HEADER_READ_TIMEOUT`].
pub const MAX_CONNECTIONS: usize = 256;

/// A connection younger than this is never shed: a browser's new connection gets
/// the time to send its request.
pub const SHED_MIN_AGE: Duration = Duration::from_millis(100);

/// While every connection is busy or new, how often the loop looks again.
const FULL_RECHECK: Duration = Duration::from_millis(10);

/// A connection has this long to send a request's headers...
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// ...and lives at most this long (a browser opens another).
pub const CONNECTION_MAX_AGE: Duration = Duration::from_secs(300);

/// Log lines of one kind written in a burst...
const LOG_BURST: f64 = 20.0;
/// ...and per second after it; the lines dropped are counted in the next one.
const LOG_PER_SECOND: f64 = 10.0;

/// A token bucket in front of one kind of log line, so that a flood of refusals
/// cannot flood the log: [`LogBudget::admit`] says whether a line may be written
/// now, and how many were dropped since the last one.
pub struct LogBudget {
    bucket: Mutex<(f64, Instant, u64)>,
}

impl Default for LogBudget {
    fn default() -> Self {
        Self::new()
    }
}

impl LogBudget {
    pub fn new() -> Self {
        Self { bucket: Mutex::new((LOG_BURST, Instant::now(), 0)) }
    }

    /// Some(lines dropped since the last one written) when a line may be written now.
    pub fn admit(&self) -> Option<u64> {
        let mut guard = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let (tokens, at, dropped) = &mut *guard;
        let now = Instant::now();
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * LOG_PER_SECOND).min(LOG_BURST);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Some(std::mem::take(dropped))
        } else {
            *dropped += 1;
            None
        }
    }
}

/// One open connection, as the cap sees it.
struct Slot {
    accepted: Instant,
    /// Requests in flight.
    busy: AtomicUsize,
    /// When its last request ended (ms after `accepted`); 0 before any.
    last_active_ms: AtomicU64,
    close: Notify,
}

impl Slot {
    fn idle_since(&self) -> Instant {
        self.accepted + Duration::from_millis(self.last_active_ms.load(Ordering::Relaxed))
    }
}

/// Every open connection.
#[derive(Default)]
struct Table {
    open: Mutex<HashMap<u64, Arc<Slot>>>,
}

impl Table {
    /// Room for one more under `max`: at the cap, the connection idle the longest
    /// (and older than [`SHED_MIN_AGE`]) is told to close and leaves the table at
    /// once. False when every connection is busy or new.
    fn make_room(&self, max: usize, now: Instant) -> bool {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.len() < max {
            return true;
        }
        let victim = open
            .iter()
            .filter(|(_, s)| s.busy.load(Ordering::Relaxed) == 0)
            .filter(|(_, s)| now.saturating_duration_since(s.accepted) >= SHED_MIN_AGE)
            .min_by_key(|(_, s)| s.idle_since())
            .map(|(id, _)| *id);
        match victim.and_then(|id| open.remove(&id)) {
            Some(slot) => {
                slot.close.notify_one();
                true
            }
            None => false,
        }
    }

    fn insert(&self, id: u64, slot: Arc<Slot>) {
        self.open.lock().unwrap_or_else(PoisonError::into_inner).insert(id, slot);
    }

    fn remove(&self, id: u64) {
        self.open.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    }
}

/// Counts a request in flight on its connection until dropped.
struct Busy(Arc<Slot>);

impl Busy {
    fn new(slot: Arc<Slot>) -> Self {
        slot.busy.fetch_add(1, Ordering::Relaxed);
        Self(slot)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let since = u64::try_from(self.0.accepted.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.0.last_active_ms.store(since, Ordering::Relaxed);
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves `routes` on `listener` (HTTP/1.1) until `tasks.stop` is cancelled: at most
/// `max` connections at once, each within its deadlines.
pub async fn serve(listener: tokio::net::TcpListener, routes: Router, max: usize, tasks: &crate::Tasks) {
    let table = Arc::new(Table::default());
    let refusals = LogBudget::new();
    let mut next_id = 0u64;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = tasks.stop.cancelled() => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, say: wait a little rather than spin.
                if let Some(dropped) = refusals.admit() {
                    tracing::warn!(error = %e, dropped, "console: accept failed");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let give_up = Instant::now() + HEADER_READ_TIMEOUT;
        let mut room = table.make_room(max, Instant::now());
        while !room && Instant::now() < give_up {
            tokio::time::sleep(FULL_RECHECK).await;
            room = table.make_room(max, Instant::now());
        }
        if !room {
            if let Some(dropped) = refusals.admit() {
                tracing::warn!(
                    limit = max,
                    dropped,
                    "console: every connection busy at the cap; closing a new one"
                );
            }
            continue;
        }
        let id = next_id;
        next_id += 1;
        let slot = Arc::new(Slot {
            accepted: Instant::now(),
            busy: AtomicUsize::new(0),
            last_active_ms: AtomicU64::new(0),
            close: Notify::new(),
        });
        table.insert(id, slot.clone());
        let counted = slot.clone();
        let service = routes.clone().layer(axum::Extension(Peer(peer))).layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let busy = Busy::new(counted.clone());
                async move {
                    let response = next.run(request).await;
                    drop(busy);
                    response
                }
            },
        ));
        let (table, stop) = (table.clone(), tasks.stop.clone());
        tasks.tracker.spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(
                    hyper_util::rt::TokioIo::new(stream),
                    hyper_util::service::TowerToHyperService::new(service),
                );
            let mut connection = std::pin::pin!(connection);
            let deadline = tokio::time::sleep(CONNECTION_MAX_AGE);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = deadline => {}
                () = slot.close.notified() => {}
                () = stop.cancelled() => {
                    // The server stops: the request under way is finished (within
                    // its own deadline), then the connection closes.
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(crate::REQUEST_TIMEOUT, connection).await;
                }
            }
            table.remove(id);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(accepted: Instant) -> Arc<Slot> {
        Arc::new(Slot {
            accepted,
            busy: AtomicUsize::new(0),
            last_active_ms: AtomicU64::new(0),
            close: Notify::new(),
        })
    }

    #[test]
    fn at_the_cap_the_connection_idle_the_longest_is_shed_never_a_busy_or_new_one() {
        let table = Table::default();
        let t0 = Instant::now();
        let (old, busy, newer) = (slot(t0), slot(t0), slot(t0 + Duration::from_millis(50)));
        let _request = Busy::new(busy.clone());
        table.insert(0, busy.clone());
        table.insert(1, newer.clone());
        table.insert(2, old.clone());
        assert!(table.make_room(4, t0), "room without shedding");
        assert!(!table.make_room(3, t0), "too young to be shed");
        let later = t0 + SHED_MIN_AGE * 2;
        assert!(table.make_room(3, later));
        // The silent one accepted first went (idle since it was accepted).
        let open = table.open.lock().unwrap();
        assert!(open.contains_key(&0) && open.contains_key(&1) && !open.contains_key(&2));
        drop(open);
        assert!(table.make_room(3, later), "it left the table at once");
        assert!(table.make_room(2, later));
        assert!(!table.make_room(1, later), "the busy one is never shed");
    }

    #[test]
    fn a_flood_of_refusals_is_logged_at_a_bounded_rate_and_the_dropped_lines_counted() {
        let log = LogBudget::new();
        let logged = (0..1000).filter(|_| log.admit().is_some()).count();
        assert!((20..=22).contains(&logged), "{logged}");
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(log.admit().map(|dropped| dropped >= 978), Some(true));
    }
}
