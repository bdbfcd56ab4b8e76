//! The web console: server-rendered pages, served by the server process itself
//! (`--web-listen`), over the same domain, store and policy table as the gRPC API.
//! No page needs JavaScript: every flow is plain forms. One small script of ours
//! (`static/local-time.js`, the only script the Content-Security-Policy allows)
//! shows times in the browser's zone; without it they read UTC.
//!
//! Who may do what is the API's policy table (`redbank_domain::policy`): each form
//! names the API method it stands for, and the table decides; ownership is decided
//! in Redis by the same scripts, on the same principal. A console user is a
//! principal like an API key's: a role, and for a customer its customer id; its
//! changes record the actor `web:<name>`.

mod admin;
mod audit;
mod chart;
pub mod csv;
mod keys;
mod pages;
pub mod password;
mod session;
mod users;
mod view;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use redbank_store::Store;

/// How the console runs.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// A session unused this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute_timeout: Duration,
    /// Mark cookies Secure (the console is reached over TLS, through a proxy).
    pub secure_cookies: bool,
    /// The server's interest settings, as the API applies them.
    pub rate_ceiling: redbank_domain::RateCeiling,
    pub period_policy: redbank_domain::PeriodPolicy,
}

impl ConsoleConfig {
    pub const DEFAULT_IDLE: Duration = Duration::from_secs(15 * 60);
    pub const DEFAULT_ABSOLUTE: Duration = Duration::from_secs(12 * 60 * 60);
}

/// The largest form body the console reads.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// The longest a console request may take, Redis calls included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Failed sign-ins allowed per user name, and per client address, in
/// [`SIGN_IN_WINDOW`], before further attempts are refused without a check.
pub const SIGN_IN_FAILURES_PER_USER: u64 = 5;
pub const SIGN_IN_FAILURES_PER_ADDRESS: u64 = 20;
pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The client's address (for throttling sign-ins), put on every request of its
/// connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub std::net::SocketAddr);

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct App {
    pub store: Store,
    pub config: Arc<ConsoleConfig>,
}

/// The console's routes.
pub fn router(store: Store, config: ConsoleConfig) -> Router {
    let app = App { store, config: Arc::new(config) };
    Router::new()
        .route("/", get(pages::home))
        .route("/signin", get(pages::sign_in_form).post(pages::sign_in))
        .route("/signout", post(pages::sign_out))
        .route("/accounts/{id}", get(pages::account))
        .route("/accounts/{id}/statement", get(pages::statement))
        .route("/accounts/{id}/{action}", post(pages::act))
        .route("/admin/interest", get(admin::interest_form).post(admin::interest_start))
        .route("/admin/jobs/{id}", get(admin::job))
        .route("/admin/check", post(admin::check_start))
        .route("/admin/users", get(users::form).post(users::act))
        .route("/admin/audit", get(audit::page))
        .route("/admin/keys", get(keys::page).post(keys::act))
        .route("/static/style.css", get(view::stylesheet))
        .route("/static/local-time.js", get(view::local_time_script))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(view::security_headers))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .with_state(app)
}

/// Most console connections open at once; one more is closed as it comes.
pub const MAX_CONNECTIONS: usize = 256;

/// A connection has this long to send a request's headers...
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// ...and lives at most this long (a browser opens another).
pub const CONNECTION_MAX_AGE: Duration = Duration::from_secs(300);

/// Serves the console on `listener` (HTTP/1.1) until the task is dropped: at most
/// [`MAX_CONNECTIONS`] at once, each within its deadlines.
pub async fn serve(listener: tokio::net::TcpListener, store: Store, config: ConsoleConfig) {
    let routes = router(store, config);
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, say: wait a little rather than spin.
                tracing::warn!(error = %e, "console: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(limit = MAX_CONNECTIONS, "console: at its connection limit; closing one");
            continue;
        };
        let service = routes.clone().layer(axum::Extension(Peer(peer)));
        tokio::spawn(async move {
            let _permit = permit;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(
                    hyper_util::rt::TokioIo::new(stream),
                    hyper_util::service::TowerToHyperService::new(service),
                );
            let _ = tokio::time::timeout(CONNECTION_MAX_AGE, connection).await;
        });
    }
}
