//! The redbank server: both gRPC services over one shared store.
//!
//! [`run`] owns the server. It takes a bound listener and a shutdown future, so
//! that the binary and the tests start it the same way (tests bind port 0).

pub mod classic;
pub mod config;
mod connections;
mod health;
pub mod page_token;
pub mod status;
pub mod v1;

use std::future::Future;
use std::sync::Arc;

use redbank_api::classic::bank_service_server::BankServiceServer;
use redbank_api::v1::bank_server::BankServer;
use redbank_domain::{Currency, RateCeiling};
use redbank_store::{Store, StoreError};
use std::time::Duration;
use tokio::net::TcpListener;

pub use config::{Config, LogFormat};

/// What every handler shares. Holds no account state: that lives in Redis only.
pub struct AppState {
    pub store: Store,
    /// Currency of v1 accounts created without one, and of all classic accounts.
    pub default_currency: Currency,
    /// Highest annual interest rate accepted.
    pub rate_ceiling: RateCeiling,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot set up the store")]
    Store(#[from] StoreError),
    #[error("cannot build the reflection service")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("transport failure")]
    Transport(#[from] tonic::transport::Error),
}

/// Serves both APIs, health and reflection on `listener` until `shutdown` resolves,
/// then reports NOT_SERVING, stops accepting and lets calls in flight finish.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let store = Store::connect(&config.store_config())?;
    let state = Arc::new(AppState {
        store: store.clone(),
        default_currency: config.default_currency,
        rate_ceiling: config.rate_ceiling_percent,
    });
    let max_message = usize::try_from(config.max_message_bytes).unwrap_or(65_536);

    let (reporter, health_service) = tonic_health::server::health_reporter();
    let health_task = tokio::spawn(health::watch_store(store, reporter.clone()));
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(redbank_api::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;

    tracing::info!(
        listen = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(),
        redis = %redact(&config.redis_url),
        "redbank-server serving redbank.v1.Bank and BankService"
    );
    let shutdown = async move {
        shutdown.await;
        tracing::info!("shutting down: not serving, draining calls in flight");
        health_task.abort();
        health::set_all(&reporter, tonic_health::ServingStatus::NotServing).await;
    };
    tonic::transport::Server::builder()
        .max_concurrent_streams(Some(config.max_concurrent_streams))
        .timeout(Duration::from_millis(config.request_timeout_ms))
        .add_service(health_service)
        .add_service(reflection)
        .add_service(BankServer::new(v1::BankV1::new(state.clone())).max_decoding_message_size(max_message))
        .add_service(
            BankServiceServer::new(classic::ClassicBank::new(state)).max_decoding_message_size(max_message),
        )
        .serve_with_incoming_shutdown(
            connections::incoming(listener, config.max_connections as usize),
            shutdown,
        )
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// A Redis URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***{}", &url[..scheme], &url[at..]),
        _ => url.to_owned(),
    }
}
