//! The web console: server-rendered pages, served by the server process itself
//! (`--web-listen`), over the same bank operations as the gRPC API.
//! No page needs JavaScript: every flow is plain forms. One small script of ours
//! (`static/local-time.js`, the only script the Content-Security-Policy allows)
//! shows times in the browser's zone; without it they read UTC.
//!
//! Who may do what is decided by the bank (`redbank_bank::policy`): each form is
//! one bank operation, which checks the table itself; ownership is decided in
//! Redis by the same scripts, on the same principal. A console user is a
//! principal like an API key's: a role, and for a customer its customer id; its
//! changes record the actor `web:<name>`.

mod admin;
mod allowed;
mod audit;
mod chart;
mod failure;
mod gate;
mod jobs;
mod keys;
pub mod listener;
mod observed;
mod pages;
mod session;
mod sign_in;
mod statement;
mod users;
mod view;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use redbank_bank::Bank;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use jobs::CUT_SHORT;
pub use listener::{LogBudget, MAX_CONNECTIONS};
pub use observed::Observer;

/// How the console runs.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// A session unused this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute_timeout: Duration,
    /// Mark cookies Secure (the console is reached over TLS, through a proxy).
    pub secure_cookies: bool,
    /// Proxies (by address) whose `X-Forwarded-For` names the client: from them,
    /// and only from them, the sign-in throttle counts the address the proxy saw.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl ConsoleConfig {
    pub const DEFAULT_IDLE: Duration = Duration::from_secs(15 * 60);
    pub const DEFAULT_ABSOLUTE: Duration = Duration::from_secs(12 * 60 * 60);
}

/// The largest form body the console reads.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// The longest a console request may take, Redis calls included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Sign-in attempts allowed in [`SIGN_IN_WINDOW`] before further ones are refused
/// without a check: per user name from one client address (someone guessing from
/// one address cannot lock a user out everywhere), per client address, and per
/// user name from all addresses together. Each attempt is counted before its
/// password is checked; a successful sign-in gives its attempt back.
pub const SIGN_IN_ATTEMPTS_PER_USER_AND_ADDRESS: u64 = 5;
pub const SIGN_IN_ATTEMPTS_PER_ADDRESS: u64 = 20;
pub const SIGN_IN_ATTEMPTS_PER_USER: u64 = 50;
pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The client's address (for throttling sign-ins), put on every request of its
/// connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub std::net::SocketAddr);

/// Who owns what the console starts: the server's task tracker (it waits for
/// every connection and job before it exits), and the token cancelled when the
/// server stops (the listener stops accepting, connections finish the request
/// under way, jobs are cut short and say so).
#[derive(Clone, Default)]
pub struct Tasks {
    pub tracker: TaskTracker,
    pub stop: CancellationToken,
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct App {
    pub bank: Bank,
    pub config: Arc<ConsoleConfig>,
    pub passwords: Arc<gate::Gate>,
    pub tasks: Tasks,
}

/// The console's routes; `observer` is told of every answered request.
pub fn router(bank: Bank, config: ConsoleConfig, tasks: Tasks, observer: Option<Observer>) -> Router {
    let app = App { bank, config: Arc::new(config), passwords: Arc::new(gate::Gate::new()), tasks };
    Router::new()
        .route("/", get(pages::home))
        .route("/signin", get(sign_in::form).post(sign_in::sign_in))
        .route("/signout", post(sign_in::sign_out))
        .route("/accounts/{id}", get(pages::account))
        .route("/accounts/{id}/statement", get(statement::statement))
        .route("/accounts/{id}/{action}", post(pages::act))
        .route("/admin/interest", get(admin::interest_form).post(admin::interest_start))
        .route("/admin/jobs/{id}", get(jobs::page))
        .route("/admin/check", post(admin::check_start))
        .route("/admin/users", get(users::form).post(users::act))
        .route("/admin/audit", get(audit::page))
        .route("/admin/keys", get(keys::page).post(keys::act))
        .route("/static/style.css", get(view::stylesheet))
        .route("/static/local-time.js", get(view::local_time_script))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(view::security_headers))
        .layer(axum::middleware::from_fn(move |request, next| {
            observed::observe(observer.clone(), request, next)
        }))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .with_state(app)
}

/// Serves the console on `listener` (HTTP/1.1) until `tasks.stop` is cancelled: at
/// most [`MAX_CONNECTIONS`] at once (shedding the one idle the longest at the
/// cap), each within its deadlines, each connection and job a task of
/// `tasks.tracker`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    bank: Bank,
    config: ConsoleConfig,
    tasks: Tasks,
    observer: Option<Observer>,
) {
    let routes = router(bank, config, tasks.clone(), observer);
    listener::serve(listener, routes, MAX_CONNECTIONS, &tasks).await;
}
