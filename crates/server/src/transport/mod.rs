//! The transport: redbank's own accept loop and HTTP/2 connections around tonic's
//! routes, so that no client can hold what others need.
//!
//! tonic's `Server` serves a connection for as long as the peer keeps its socket
//! open, never closes a connection that sends nothing, and spins on EMFILE. Here:
//!
//! - [`accept`] backs off when the process runs out of descriptors, and fits the
//!   connection cap to the open-file limit with a reserve for Redis and the rest;
//! - [`connection`] closes a connection that sends no request within the handshake
//!   deadline, sends GOAWAY to one idle past its idle timeout, closes one whose
//!   client does not read its responses within the request deadline, and sheds the
//!   oldest idle connection when a new one arrives at the cap;
//! - [`call`] gives every call its deadline (DEADLINE_EXCEEDED, not tonic's
//!   CANCELLED), hands response bytes to HTTP/2 in frame-sized pieces (so that a
//!   peer with a closed window holds at most one piece per stream in its send
//!   buffer), holds the response's budget until the bytes are gone, and gives every
//!   failure without one a `google.rpc.ErrorInfo`.

mod accept;
mod call;
mod connection;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::metrics::Metrics;

pub use accept::{RESERVED_DESCRIPTORS, fit_connection_cap};

/// What one connection and one call may hold, from the configuration.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most client connections open at once.
    pub max_connections: usize,
    /// Most concurrent calls (HTTP/2 streams) on one connection.
    pub max_concurrent_streams: u32,
    /// A new connection must complete the HTTP/2 handshake and send its first
    /// request within this, or it is closed.
    pub handshake_timeout: Duration,
    /// A connection without calls for this long is sent GOAWAY.
    pub idle_timeout: Duration,
    /// HTTP/2 PING interval on a connection that has sent nothing meanwhile.
    pub keepalive_interval: Duration,
    /// A PING not acknowledged within this closes the connection.
    pub keepalive_timeout: Duration,
    /// Deadline of every call, its response delivered (a client's own shorter
    /// `grpc-timeout` applies to the handler).
    pub request_timeout: Duration,
    /// Response bytes one connection may have produced and not yet handed to the
    /// network (see `budget`).
    pub response_bytes_per_connection: usize,
}

/// HTTP/2 flow-control windows we advertise. A request message is at most
/// `--max-message-bytes` (64 KiB by default): a stream window of the protocol's
/// default lets a client send one without waiting, and bounds what a client can
/// make us buffer per stream before the handler reads it.
const STREAM_WINDOW_BYTES: u32 = 65_535;
/// The connection window: sixteen streams' worth in flight before reads catch up.
const CONNECTION_WINDOW_BYTES: u32 = 1 << 20;
/// Most bytes HTTP/2 buffers per stream for sending beyond what the peer's window
/// takes: one response piece (see `call::PIECE_BYTES`) plus headers.
const SEND_BUFFER_BYTES: usize = 64 * 1024;
/// Largest header block a client may send (16 KiB: gRPC metadata is small).
const MAX_HEADER_LIST_BYTES: u32 = 16 * 1024;

/// Serves `routes` on `listener` until `shutdown` resolves; then stops accepting,
/// sends GOAWAY to every connection and returns once all have closed (calls in
/// flight finish; each connection's own deadlines bound how long that takes).
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    limits: Limits,
    metrics: Arc<Metrics>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    auth: Arc<crate::auth::Authenticator>,
    shutdown: impl Future<Output = ()>,
) {
    let mut http2 = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    http2
        .timer(TokioTimer::new())
        .initial_stream_window_size(STREAM_WINDOW_BYTES)
        .initial_connection_window_size(CONNECTION_WINDOW_BYTES)
        .max_concurrent_streams(limits.max_concurrent_streams)
        .max_send_buf_size(SEND_BUFFER_BYTES)
        .max_header_list_size(MAX_HEADER_LIST_BYTES)
        .keep_alive_interval(Some(limits.keepalive_interval))
        .keep_alive_timeout(limits.keepalive_timeout);
    let registry = Arc::new(connection::Registry::new(metrics.connections.clone()));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let limits = Arc::new(limits);

    accept::run(listener, &registry, &limits, shutdown, |stream, peer: SocketAddr| {
        let conn = registry.open(peer, &limits);
        let service = call::CallService::new(
            routes.clone(),
            conn.clone(),
            limits.request_timeout,
            metrics.clone(),
            auth.clone(),
        );
        let (http2, tls, limits, registry, stop) =
            (http2.clone(), tls.clone(), limits.clone(), registry.clone(), stop_rx.clone());
        tokio::spawn(async move {
            // The TLS handshake counts against the handshake deadline.
            let io = match tls {
                None => tls::Io::Plain(stream),
                Some(acceptor) => {
                    match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => tls::Io::Tls(Box::new(stream)),
                        Ok(Err(error)) => {
                            tracing::debug!(%peer, %error, "TLS handshake failed");
                            return registry.closed(&conn);
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "no TLS handshake within the handshake timeout");
                            return registry.closed(&conn);
                        }
                    }
                }
            };
            let served = http2.serve_connection(
                hyper_util::rt::TokioIo::new(io),
                hyper_util::service::TowerToHyperService::new(service),
            );
            connection::drive(served, conn, limits, registry, stop).await;
        });
    })
    .await;

    let _ = stop_tx.send(true);
    registry.wait_empty().await;
}
