//! The web console: server-rendered pages, served by the server process itself
//! (`--web-listen`), over the same domain, store and policy table as the gRPC API.
//! No page needs JavaScript, and none carries any: the Content-Security-Policy
//! allows none.
//!
//! Who may do what is the API's policy table (`redbank_domain::policy`): each form
//! names the API method it stands for, and the table decides; ownership is decided
//! in Redis by the same scripts, on the same principal. A console user is a
//! principal like an API key's: a role, and for a customer its customer id; its
//! changes record the actor `web:<name>`.

mod chart;
mod pages;
pub mod password;
mod session;
mod view;

use std::net::SocketAddr;
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
        .route("/accounts/{id}/{action}", post(pages::act))
        .route("/static/style.css", get(view::stylesheet))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(view::security_headers))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .with_state(app)
}

/// Serves the console on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    config: ConsoleConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let routes = router(store, config).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, routes).with_graceful_shutdown(shutdown).await
}
