//! One client connection's life: its calls, its deadlines, and the registry of all
//! open connections from which the accept loop sheds.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::Limits;
use crate::budget::ConnectionBudget;

mod registry;

pub use registry::Registry;

/// After GOAWAY, how long a connection without calls may take to close by itself
/// before it is closed (a peer that ignores GOAWAY, or never finished its handshake).
const GOAWAY_GRACE: Duration = Duration::from_secs(1);
/// The longest a connection's task sleeps between looks at its deadlines: calls
/// start and end without waking it, so a deadline they create is noticed at most
/// this late.
const CHECK_INTERVAL: Duration = Duration::from_secs(1);
/// A call whose request body is still incomplete this long after it started is
/// stalled: it holds nothing a handler started (a handler runs only once the body
/// is whole), so it does not keep its connection from being shed. Long enough for
/// a client's headers and body to arrive together on a slow link.
pub const STALL_GRACE: Duration = Duration::from_secs(1);
/// How far past the request deadline a response may still be on its way: the
/// handler itself is cut at the deadline, so a call older than this is one whose
/// client is not reading.
pub const DELIVERY_GRACE: Duration = Duration::from_secs(1);

/// One open connection, shared by its task, its calls and the registry.
pub struct Connection {
    id: u64,
    accepted: Instant,
    pub peer: SocketAddr,
    pub budget: ConnectionBudget,
    calls: Mutex<Calls>,
    /// Wakes the connection's task when it is to be shed.
    wake: Notify,
    registry: Arc<Registry>,
}

#[derive(Default)]
struct Calls {
    next: u64,
    /// Open calls by number; numbers grow with time, so the first is the oldest.
    open: BTreeMap<u64, OpenCall>,
    last_active: Option<Instant>,
    shed: bool,
}

struct OpenCall {
    started: Instant,
    /// Set once the request body has ended (see [`CallGuard::body_done`]).
    body_done: Arc<AtomicBool>,
}

impl OpenCall {
    /// Its body incomplete past [`STALL_GRACE`]: no handler runs for it.
    fn stalled(&self, now: Instant) -> bool {
        !self.body_done.load(Ordering::Relaxed) && now.saturating_duration_since(self.started) >= STALL_GRACE
    }
}

impl Calls {
    /// No call in flight that a handler is working on or whose response is on its
    /// way, and no request on its way but from a client that stalls: every open
    /// call's body is incomplete, and one has been for [`STALL_GRACE`] (a client
    /// that keeps opening calls it never finishes is idle however new its latest).
    fn idle(&self, now: Instant) -> bool {
        self.open.is_empty()
            || (self.open.values().all(|call| !call.body_done.load(Ordering::Relaxed))
                && self.open.values().any(|call| call.stalled(now)))
    }
}

impl Connection {
    fn calls(&self) -> MutexGuard<'_, Calls> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a call's start; the guard ends it when dropped (with its response).
    pub fn start_call(self: &Arc<Self>) -> CallGuard {
        // The connection's task is not woken: a call's deadline is noticed within
        // CHECK_INTERVAL (waking a task per call costs throughput at one call in
        // flight, docs/PERFORMANCE.md).
        let mut calls = self.calls();
        let number = calls.next;
        calls.next += 1;
        let body_done = Arc::new(AtomicBool::new(false));
        calls.open.insert(number, OpenCall { started: Instant::now(), body_done: body_done.clone() });
        CallGuard { conn: self.clone(), number, body_done }
    }

    fn is_idle(&self, now: Instant) -> bool {
        let calls = self.calls();
        calls.idle(now) && !calls.shed
    }
}

/// An open call; dropped when its response has been handed to HTTP/2 or dropped.
pub struct CallGuard {
    conn: Arc<Connection>,
    number: u64,
    body_done: Arc<AtomicBool>,
}

impl CallGuard {
    /// The flag the request body sets when it ends.
    pub fn body_done(&self) -> Arc<AtomicBool> {
        self.body_done.clone()
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        let idle = {
            let mut calls = self.conn.calls();
            calls.open.remove(&self.number);
            calls.last_active = Some(Instant::now());
            calls.open.is_empty()
        };
        if idle {
            // For an accept loop waiting at the cap (cheap when none waits).
            self.conn.registry.notify_changed();
        }
    }
}

/// What a connection's task does next.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Nothing due before this instant.
    Wait(Option<Instant>),
    /// Send GOAWAY: no new calls, those in flight finish.
    GoAway(&'static str),
    /// Drop the connection now.
    Close(&'static str),
}

fn earliest(a: Option<Instant>, b: Instant) -> Option<Instant> {
    Some(a.map_or(b, |a| a.min(b)))
}

/// The connection's rules, as of `now`.
fn verdict(conn: &Connection, limits: &Limits, now: Instant, goaway_at: Option<Instant>) -> Verdict {
    let calls = conn.calls();
    let mut next = None;
    if calls.last_active.is_none() && calls.open.is_empty() {
        let due = conn.accepted + limits.handshake_timeout;
        if now >= due {
            return Verdict::Close("no request within the handshake timeout");
        }
        next = earliest(next, due);
    }
    if let Some((_, oldest)) = calls.open.first_key_value() {
        let due = oldest.started + limits.request_timeout + DELIVERY_GRACE;
        if now >= due {
            return Verdict::Close("a response was not read within the request deadline");
        }
        next = earliest(next, due);
    }
    if let Some(sent) = goaway_at {
        if calls.open.is_empty() {
            let due = sent + GOAWAY_GRACE;
            if now >= due {
                return Verdict::Close("no close after GOAWAY");
            }
            next = earliest(next, due);
        }
        return Verdict::Wait(next);
    }
    if calls.shed {
        // A connection that never sent a request has nothing to finish, nor one
        // whose calls are all stalled (no handler runs for them).
        if calls.last_active.is_none() && calls.open.is_empty() {
            return Verdict::Close("shed at the connection cap before its first request");
        }
        if !calls.open.is_empty() && calls.idle(now) {
            return Verdict::Close("shed at the connection cap with only stalled calls");
        }
        return Verdict::GoAway("shed at the connection cap");
    }
    if calls.open.is_empty()
        && let Some(last) = calls.last_active
    {
        let due = last + limits.idle_timeout;
        if now >= due {
            return Verdict::GoAway("idle");
        }
        next = earliest(next, due);
    }
    Verdict::Wait(next)
}

/// A served HTTP/2 connection that can be asked to shut down gracefully.
pub trait Served: Future<Output = Result<(), hyper::Error>> {
    fn goaway(self: Pin<&mut Self>);
}

impl<I, S, E, B> Served for hyper::server::conn::http2::Connection<I, S, E>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    E: hyper::rt::bounds::Http2ServerConnExec<S::Future, B>,
{
    fn goaway(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

/// Runs one connection until it ends, enforcing its deadlines; `stop` turns true
/// when the server shuts down.
pub async fn drive(
    served: impl Served,
    conn: Arc<Connection>,
    limits: Arc<Limits>,
    registry: Arc<Registry>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    tokio::pin!(served);
    let mut goaway_at = None;
    loop {
        let woken = conn.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let now = Instant::now();
        let due = match verdict(&conn, &limits, now, goaway_at) {
            Verdict::Close(why) => {
                tracing::debug!(peer = %conn.peer, why, "closing connection");
                break;
            }
            Verdict::GoAway(why) => {
                tracing::debug!(peer = %conn.peer, why, "sending GOAWAY");
                served.as_mut().goaway();
                goaway_at = Some(now);
                continue;
            }
            Verdict::Wait(due) => due.map_or(now + CHECK_INTERVAL, |due| due.min(now + CHECK_INTERVAL)),
        };
        let sleep = tokio::time::sleep_until(due.into());
        let stopping = *stop.borrow() && goaway_at.is_none();
        if stopping {
            served.as_mut().goaway();
            goaway_at = Some(now);
            continue;
        }
        tokio::select! {
            result = served.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(peer = %conn.peer, %error, "connection ended with an error");
                }
                break;
            }
            () = woken => {}
            () = sleep => {}
            _ = stop.changed(), if goaway_at.is_none() => {}
        }
    }
    registry.remove(conn.id);
}

#[cfg(test)]
mod tests {
    use super::registry::SHED_MIN_AGE;
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_connections: 4,
            max_concurrent_streams: 8,
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(60),
            keepalive_interval: Duration::from_secs(30),
            keepalive_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            response_bytes_per_connection: 1 << 20,
        }
    }

    #[test]
    fn each_rule_fires_at_its_deadline_and_not_before() {
        let limits = limits();
        let registry = Arc::new(Registry::default());
        let conn = registry.open("127.0.0.1:1".parse().unwrap(), &limits);
        let t0 = conn.accepted;
        // Silent: closed at the handshake deadline.
        assert_eq!(verdict(&conn, &limits, t0, None), Verdict::Wait(Some(t0 + limits.handshake_timeout)));
        assert!(matches!(verdict(&conn, &limits, t0 + limits.handshake_timeout, None), Verdict::Close(_)));
        // A call open: the delivery deadline, not the handshake one.
        let call = conn.start_call();
        call.body_done().store(true, Ordering::Relaxed);
        let started = conn.calls().open.first_key_value().map(|(_, c)| c.started).unwrap();
        let due = started + limits.request_timeout + DELIVERY_GRACE;
        assert_eq!(verdict(&conn, &limits, started, None), Verdict::Wait(Some(due)));
        assert!(matches!(verdict(&conn, &limits, due, None), Verdict::Close(_)));
        // The call over: idle from its end.
        drop(call);
        let last = conn.calls().last_active.unwrap();
        assert_eq!(verdict(&conn, &limits, last, None), Verdict::Wait(Some(last + limits.idle_timeout)));
        assert!(matches!(verdict(&conn, &limits, last + limits.idle_timeout, None), Verdict::GoAway(_)));
        // After GOAWAY: closed if it lingers.
        assert!(matches!(verdict(&conn, &limits, last + GOAWAY_GRACE, Some(last)), Verdict::Close(_)));
        // Shed: GOAWAY at once; closed at once if it never sent a request.
        let later = Instant::now() + SHED_MIN_AGE;
        assert!(registry.make_room_at(1, later));
        assert!(matches!(verdict(&conn, &limits, last, None), Verdict::GoAway(_)));
        let silent = registry.open("127.0.0.1:2".parse().unwrap(), &limits);
        assert!(registry.make_room_at(1, later + SHED_MIN_AGE));
        assert!(matches!(verdict(&silent, &limits, silent.accepted, None), Verdict::Close(_)));
    }

    #[test]
    fn shedding_picks_the_connection_idle_the_longest_and_never_a_busy_or_new_one() {
        let limits = limits();
        let registry = Arc::new(Registry::default());
        let busy = registry.open("127.0.0.1:1".parse().unwrap(), &limits);
        let old = registry.open("127.0.0.1:2".parse().unwrap(), &limits);
        let new = registry.open("127.0.0.1:3".parse().unwrap(), &limits);
        let call = busy.start_call();
        call.body_done().store(true, Ordering::Relaxed);
        drop(new.start_call());
        assert!(!registry.make_room(3), "too young to be shed");
        let later = Instant::now() + SHED_MIN_AGE;
        assert!(registry.make_room_at(4, later), "room without shedding");
        assert!(!old.calls().shed);
        assert!(registry.make_room_at(3, later));
        assert!(old.calls().shed, "the silent one has been idle since it was accepted");
        assert!(!new.calls().shed && !busy.calls().shed);
        assert!(registry.make_room_at(3, later), "the one being shed does not count");
        assert!(registry.make_room_at(2, later));
        assert!(new.calls().shed);
        assert!(!registry.make_room_at(1, later), "the busy one is never shed");
        assert!(!busy.calls().shed);
        drop(call);
    }

    #[test]
    fn a_connection_whose_calls_never_finish_their_bodies_is_shed_and_closed_at_once() {
        let limits = limits();
        let registry = Arc::new(Registry::default());
        let stalled = registry.open("127.0.0.1:1".parse().unwrap(), &limits);
        let working = registry.open("127.0.0.1:2".parse().unwrap(), &limits);
        // Two calls whose bodies never end, one whose body did (a handler runs).
        let (_s1, _s2) = (stalled.start_call(), stalled.start_call());
        let w = working.start_call();
        w.body_done().store(true, Ordering::Relaxed);
        let early = Instant::now() + SHED_MIN_AGE;
        assert!(!registry.make_room_at(2, early), "a body may still be on its way");
        let later = Instant::now() + STALL_GRACE + SHED_MIN_AGE;
        assert!(registry.make_room_at(2, later));
        assert!(stalled.calls().shed && !working.calls().shed);
        assert!(matches!(verdict(&stalled, &limits, later, None), Verdict::Close(_)));
        assert!(!registry.make_room_at(1, later), "the working one is never shed");
    }
}
