//! Accepting connections: within the cap, without spinning when descriptors run out.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};

use super::Limits;
use super::connection::Registry;

/// Descriptors kept free of client connections: connections being shed
/// (`connection/registry.rs`: `SHEDDING_MAX`), Redis connections and their reconnects, the
/// listener, the runtime's epoll and event descriptors, logs.
pub const RESERVED_DESCRIPTORS: u64 = 64;

/// How long accepting pauses after the process or the system ran out of
/// descriptors or memory: accept would fail again at once, and retrying in a loop
/// burns a core while the sockets that caused it stay open.
const EXHAUSTED_BACKOFF: Duration = Duration::from_millis(100);
/// At most one warning about exhaustion per this interval.
const EXHAUSTED_LOG_INTERVAL: Duration = Duration::from_secs(5);
/// While the cap is reached and no connection is idle, how often the loop looks
/// again (it is also woken whenever a call ends or a connection closes).
const FULL_RECHECK: Duration = Duration::from_millis(50);

/// The connection cap that fits the process's open-file limit: raises the soft
/// limit to the hard one, then lowers `wanted` to leave [`RESERVED_DESCRIPTORS`]
/// (and one for the connection held while room is made) free, saying so in the log.
pub fn fit_connection_cap(wanted: usize) -> usize {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            tracing::warn!(%error, "cannot read the open-file limit; keeping --max-connections");
            return wanted;
        }
    };
    let fits = usize::try_from(limit.saturating_sub(RESERVED_DESCRIPTORS + 1)).unwrap_or(usize::MAX).max(1);
    if wanted > fits {
        tracing::warn!(
            open_file_limit = limit,
            wanted,
            max_connections = fits,
            "--max-connections lowered to fit the open-file limit (raise it with ulimit -n)"
        );
        fits
    } else {
        wanted
    }
}

/// Whether an accept error means descriptors or memory ran out.
fn is_exhaustion(error: &io::Error) -> bool {
    // EMFILE 24, ENFILE 23, ENOBUFS 105, ENOMEM 12 on Linux.
    matches!(error.raw_os_error(), Some(24 | 23 | 105 | 12)) || error.kind() == io::ErrorKind::OutOfMemory
}

/// Accepts until `shutdown` resolves, handing each connection to `serve`. At the
/// cap, the oldest idle connection is shed to make room; while every connection is
/// busy the new one is held, and closed if none goes idle within the handshake
/// timeout.
pub async fn run(
    listener: TcpListener,
    registry: &Arc<Registry>,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
    mut serve: impl FnMut(TcpStream, SocketAddr),
) {
    let mut last_warning: Option<Instant> = None;
    // Exhaustions not logged since the last line (at most one per interval).
    let mut unlogged: u64 = 0;
    // Connections closed at the cap, in the log at a bounded rate.
    let refusals = redbank_web::LogBudget::new();
    tokio::pin!(shutdown);
    'accept: loop {
        let accepted = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) if is_exhaustion(&error) => {
                if last_warning.is_none_or(|at| at.elapsed() >= EXHAUSTED_LOG_INTERVAL) {
                    let dropped = std::mem::take(&mut unlogged);
                    tracing::warn!(%error, dropped, "cannot accept: out of descriptors or memory; backing off");
                    last_warning = Some(Instant::now());
                } else {
                    unlogged += 1;
                }
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(EXHAUSTED_BACKOFF) => continue,
                }
            }
            Err(error) => {
                tracing::debug!(%error, "accept failed");
                continue;
            }
        };
        // Small gRPC frames must not wait for Nagle.
        let _ = stream.set_nodelay(true);
        let give_up = tokio::time::Instant::now() + limits.handshake_timeout;
        loop {
            let changed = registry.changed();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if registry.make_room(limits.max_connections) {
                break;
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = changed => {}
                () = tokio::time::sleep(FULL_RECHECK) => {}
                () = tokio::time::sleep_until(give_up) => {
                    if let Some(dropped) = refusals.admit() {
                        tracing::warn!(
                            %peer,
                            limit = limits.max_connections,
                            dropped,
                            "connection cap reached and no connection idle; closing the newest"
                        );
                    }
                    continue 'accept;
                }
            }
        }
        serve(stream, peer);
    }
}
