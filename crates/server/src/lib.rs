//! The redbank server: both gRPC services over one shared store.
//!
//! [`run`] owns the server. It takes a bound listener and a shutdown future, so
//! that the binary and the tests start it the same way (tests bind port 0).

mod access;
pub mod api_keys;
pub mod auth;
mod budget;
pub mod classic;
pub mod config;
pub mod context;
pub mod events;
mod health;
mod holds_token;
pub mod log_writer;
pub mod metrics;
pub mod page_token;
mod recovery;
mod relay;
pub mod status;
mod subject;
pub mod traces;
pub mod transport;
pub mod v1;
mod webhooks;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use redbank_api::classic::bank_service_server::BankServiceServer;
use redbank_api::v1::api_keys_server::ApiKeysServer;
use redbank_api::v1::bank_server::BankServer;
use redbank_api::v1::events_server::EventsServer;
use redbank_api::v1::webhooks_server::WebhooksServer;
use redbank_bank::{Bank, Settings};
use redbank_store::{Store, StoreError};
use tokio::net::TcpListener;

pub use config::{Config, LogFormat};

/// What every handler shares. Holds no account state: that lives in Redis only.
/// Handlers reach Redis through the bank's operations only.
pub struct AppState {
    pub bank: Bank,
    /// Response bytes all clients together may leave unread.
    pub responses: budget::ResponseBudget,
    /// Signs and checks page tokens.
    pub tokens: page_token::Tokens,
    /// Credentials to principals, and the log of refusals.
    pub auth: Arc<auth::Authenticator>,
}

pub(crate) use redbank_domain::calendar::now_millis;

/// Largest response message: what standard gRPC clients accept (4 MiB). Pages are
/// sized to stay far below it; this is the backstop.
pub const MAX_RESPONSE_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot set up the store")]
    Store(#[from] StoreError),
    #[error("cannot listen for metrics on {0}")]
    MetricsListen(std::net::SocketAddr, #[source] std::io::Error),
    #[error("cannot set up TLS")]
    Tls(#[from] transport::tls::TlsError),
    #[error("cannot build the reflection service")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("cannot read the JWKS")]
    Jwks(#[from] auth::jwt::JwksError),
    #[error("--auth off serves everyone as an admin: refused on {0}, which is not a loopback address")]
    AuthOffNotLoopback(String),
    #[error("cannot read the listener's address")]
    Listener(#[source] std::io::Error),
    #[error("cannot listen for the web console on {0}")]
    WebListen(std::net::SocketAddr, #[source] std::io::Error),
    #[error(
        "the web console on {0}, not a loopback address, needs --web-secure-cookies (and TLS in front of it)"
    )]
    WebNotLoopback(std::net::SocketAddr),
}

/// The longest the server waits, once the API's calls are drained, for the
/// console's requests under way (each within the console's own request deadline)
/// and for its jobs to record that they were cut short.
pub const TASKS_DRAIN_LIMIT: Duration = Duration::from_secs(12);

/// Serves both APIs, health and reflection on `listener` until `shutdown` resolves,
/// then reports NOT_SERVING, stops accepting and lets calls in flight finish.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let metrics = Arc::new(match config.metrics_listen {
        Some(_) => metrics::Metrics::new(&DESCRIPTOR_SETS),
        None => metrics::Metrics::off(),
    });
    let metrics_listener = match config.metrics_listen {
        Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| ServerError::MetricsListen(addr, e))?),
        None => None,
    };
    let local = listener.local_addr().map_err(ServerError::Listener)?;
    if config.auth == auth::AuthMode::Off && !local.ip().is_loopback() {
        return Err(ServerError::AuthOffNotLoopback(local.to_string()));
    }
    let web_listener = match config.web_listen {
        Some(addr) if !addr.ip().is_loopback() && !config.web_secure_cookies => {
            return Err(ServerError::WebNotLoopback(addr));
        }
        Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| ServerError::WebListen(addr, e))?),
        None => None,
    };
    let store =
        Store::open(&redbank_store::StoreConfig { metrics: metrics.store(), ..config.store_config() })
            .await?;
    let keys = Arc::new(auth::keys::KeyCache::new(store.clone()));
    let jwt = match config.jwt_config() {
        Some(jwt) => Some(Arc::new(auth::jwt::JwtVerifier::load(jwt)?)),
        None => None,
    };
    let epoch = match config.auth {
        auth::AuthMode::Required => keys.initial_epoch().await,
        auth::AuthMode::Off => None,
    };
    // Every task the server starts is owned by `tasks`: cancelled by `tasks.stop`
    // at the end of the grace period, and waited for before the server returns.
    let tasks = redbank_web::Tasks::default();
    let spawn = |task: std::pin::Pin<Box<dyn Future<Output = ()> + Send>>| {
        let stop = tasks.stop.clone();
        tasks.tracker.spawn(async move {
            stop.run_until_cancelled(task).await;
        });
    };
    if config.auth == auth::AuthMode::Required {
        spawn(Box::pin(keys.clone().watch_epoch(epoch)));
        if let Some(jwt) = jwt.clone() {
            spawn(Box::pin(jwt.watch()));
        }
    }
    let authenticator = Arc::new(auth::Authenticator::new(config.auth, keys, jwt));
    let bank = Bank::new(
        store.clone(),
        Settings {
            default_currency: config.default_currency,
            rate_ceiling: config.rate_ceiling_percent,
            period_policy: config.period_policy(),
        },
    );
    let state = Arc::new(AppState {
        bank: bank.clone(),
        responses: budget::ResponseBudget::new(config.max_response_bytes),
        tokens: page_token::Tokens::new(store.clone()),
        auth: authenticator.clone(),
    });
    let max_message = usize::try_from(config.max_message_bytes).unwrap_or(usize::MAX);

    spawn(Box::pin(recovery::run(store.clone(), config.store_config().recovery)));
    // Not cancelled from outside: at `tasks.stop` it publishes what this replica
    // changed, then ends.
    let deliveries = Arc::new(webhooks::deliver::DeliveryConfig {
        retry_window: Duration::from_secs(config.webhook_retry_secs),
        client: webhooks::http::Client::new(
            Duration::from_millis(config.webhook_connect_timeout_ms),
            Duration::from_millis(config.webhook_timeout_ms),
            config.webhook_allow_private,
        ),
        metrics: metrics.webhooks(),
    });
    // Not cancelled from outside: at `tasks.stop` it lets its webhooks go.
    tasks.tracker.spawn(webhooks::deliver::run(store.clone(), deliveries, tasks.stop.clone()));
    if !config.test_relay_off {
        tasks.tracker.spawn(relay::run(
            store.clone(),
            Duration::from_secs(config.events_sweep_secs),
            tasks.stop.clone(),
        ));
    }
    if let Some(listener) = web_listener {
        tracing::info!(listen = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), "serving the web console");
        // Not cancelled from outside: it stops accepting on `tasks.stop` and then
        // waits for its connections and jobs itself.
        tasks.tracker.spawn(redbank_web::serve(
            listener,
            bank,
            config.console_config(),
            tasks.clone(),
            metrics.console_observer(),
        ));
    }
    let (reporter, health_service) = tonic_health::server::health_reporter();
    // Health is watched until shutdown begins (then it says NOT_SERVING for good).
    let health_stop = tasks.stop.child_token();
    let health_task =
        health::watch_store(store, reporter.clone(), metrics.redis_up.clone(), config.allow_evicting_redis);
    {
        let stop = health_stop.clone();
        tasks.tracker.spawn(async move {
            stop.run_until_cancelled(health_task).await;
        });
    }
    if let Some(listener) = metrics_listener {
        tracing::info!(listen = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), "serving /metrics");
        spawn(Box::pin(metrics::serve(listener, metrics.clone())));
        spawn(Box::pin(metrics.clone().upkeep()));
    }
    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;

    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            Some(transport::tls::acceptor(cert, key, config.tls_client_ca.as_deref())?)
        }
        _ => None,
    };
    let limits = config.transport_limits();
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        commit = metrics::COMMIT,
        listen = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(),
        redis = %redact(&config.redis_url),
        redis_cluster = !config.redis_cluster_nodes.is_empty(),
        redis_wait_replicas = config.redis_wait_replicas,
        max_connections = limits.max_connections,
        request_timeout_ms = config.request_timeout_ms,
        tls = tls.is_some(),
        client_certificates = config.tls_client_ca.is_some(),
        auth = config.auth.as_str(),
        jwt = config.jwt_jwks_file.is_some(),
        web = config.web_listen.is_some(),
        metrics = config.metrics_listen.is_some(),
        traces = config.otlp_endpoint.is_some(),
        "redbank-server serving redbank.v1.Bank and BankService"
    );
    let grace = Duration::from_millis(config.shutdown_grace_ms);
    let stop = tasks.stop.clone();
    let shutdown = async move {
        shutdown.await;
        tracing::info!(
            grace_ms = grace.as_millis() as u64,
            "shutting down: not serving; still serving for the grace period"
        );
        health_stop.cancel();
        health::set_all(&reporter, tonic_health::ServingStatus::NotServing).await;
        tokio::time::sleep(grace).await;
        tracing::info!("grace period over: no new connections, draining calls, console requests and jobs");
        stop.cancel();
    };
    let routes = tonic::service::Routes::new(health_service.max_decoding_message_size(max_message))
        .add_service(reflection_v1.max_decoding_message_size(max_message))
        .add_service(reflection_v1alpha.max_decoding_message_size(max_message))
        .add_service(
            BankServer::new(v1::BankV1::new(state.clone()))
                .max_decoding_message_size(max_message)
                .max_encoding_message_size(MAX_RESPONSE_MESSAGE_BYTES),
        )
        .add_service(
            ApiKeysServer::new(api_keys::ApiKeysService::new(state.clone()))
                .max_decoding_message_size(max_message)
                .max_encoding_message_size(MAX_RESPONSE_MESSAGE_BYTES),
        )
        .add_service(
            EventsServer::new(events::EventsService::new(
                state.clone(),
                tasks.stop.clone(),
                config.max_subscriptions,
                metrics.events(),
            ))
            .max_decoding_message_size(max_message)
            .max_encoding_message_size(MAX_RESPONSE_MESSAGE_BYTES),
        )
        .add_service(
            WebhooksServer::new(webhooks::WebhooksService::new(state.clone(), config.webhook_allow_private))
                .max_decoding_message_size(max_message)
                .max_encoding_message_size(MAX_RESPONSE_MESSAGE_BYTES),
        )
        .add_service(
            BankServiceServer::new(classic::ClassicBank::new(state))
                .max_decoding_message_size(max_message)
                .max_encoding_message_size(MAX_RESPONSE_MESSAGE_BYTES),
        );
    transport::serve(listener, routes, limits, metrics, tls, authenticator, shutdown).await;
    // Whatever ended the API's serving, every task stops now; console requests
    // finish within their own deadline and a job cut short records so.
    tasks.stop.cancel();
    tasks.tracker.close();
    if tokio::time::timeout(TASKS_DRAIN_LIMIT, tasks.tracker.wait()).await.is_err() {
        tracing::warn!(
            limit_ms = TASKS_DRAIN_LIMIT.as_millis() as u64,
            "stopped without waiting for every task"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

/// Server reflection, for generic gRPC tools: both APIs, health, both versions of
/// reflection itself (grpcurl before 1.9, evans and older grpcio speak only
/// v1alpha), and `google.rpc`'s error details, so that a tool can decode the
/// ErrorInfo of every failure.
fn reflection() -> tonic_reflection::server::Builder<'static> {
    DESCRIPTOR_SETS.iter().fold(
        tonic_reflection::server::Builder::configure().include_reflection_service(false),
        |builder, set| builder.register_encoded_file_descriptor_set(set),
    )
}

/// Every service and message the server knows: both APIs, health, reflection in
/// both versions, and google.rpc's error details.
const DESCRIPTOR_SETS: [&[u8]; 5] = [
    redbank_api::FILE_DESCRIPTOR_SET,
    tonic_health::pb::FILE_DESCRIPTOR_SET,
    tonic_types::pb::FILE_DESCRIPTOR_SET,
    tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
    tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
];

/// A Redis URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***{}", &url[..scheme], &url[at..]),
        _ => url.to_owned(),
    }
}
