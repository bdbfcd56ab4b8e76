//! The standard gRPC health service, driven by whether Redis answers.

use std::time::Duration;

use redbank_store::Store;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// How often Redis is pinged for the health status.
pub const HEALTH_CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// The services whose status is reported; "" is the server as a whole.
const SERVICES: [&str; 3] = ["", "redbank.v1.Bank", "BankService"];

pub async fn set_all(reporter: &HealthReporter, status: ServingStatus) {
    for service in SERVICES {
        reporter.set_service_status(service, status).await;
    }
}

/// Reports SERVING while Redis takes a write, NOT_SERVING while it does not: down,
/// unreachable, or out of memory (PING would still answer then).
pub async fn watch_store(store: Store, reporter: HealthReporter, redis_up: metrics::Gauge) {
    let mut last = None;
    loop {
        let status = match store.probe_write().await {
            Ok(()) => ServingStatus::Serving,
            Err(_) => ServingStatus::NotServing,
        };
        redis_up.set(if status == ServingStatus::Serving { 1.0 } else { 0.0 });
        if last != Some(status) {
            tracing::info!(?status, "health");
            set_all(&reporter, status).await;
            last = Some(status);
        }
        tokio::time::sleep(HEALTH_CHECK_INTERVAL).await;
    }
}
