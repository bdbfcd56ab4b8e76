//! The standard gRPC health service, driven by whether Redis answers.

use std::time::Duration;

use redbank_store::{RedisSettings, Store};
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

/// Reports SERVING while Redis takes a write and is one that keeps money, and
/// NOT_SERVING otherwise: down, unreachable, out of memory (PING would still answer
/// then), or evicting keys. Redis's eviction policy and persistence are read on
/// every check, so a change at run time is seen within one interval; an evicting
/// policy makes the store refuse every call unless `allow_evicting`. Changes of the
/// settings are logged once each.
pub async fn watch_store(
    store: Store,
    reporter: HealthReporter,
    redis_up: metrics::Gauge,
    allow_evicting: bool,
) {
    let mut last = None;
    let mut seen: Option<RedisSettings> = None;
    let mut unreadable_logged = false;
    loop {
        let writable = store.probe_write().await.is_ok();
        let mut safe = true;
        if writable {
            match store.redis_settings().await {
                Ok(settings) => {
                    if seen.as_ref() != Some(&settings) {
                        log_settings(&settings, allow_evicting);
                        seen = Some(settings.clone());
                    }
                    safe = !settings.evicts() || allow_evicting;
                    store.refuse_unsafe((!safe).then(|| {
                        format!(
                            "its maxmemory-policy is {}, which can delete accounts and request-id records",
                            settings.maxmemory_policy
                        )
                    }));
                }
                Err(error) => {
                    if !unreadable_logged {
                        tracing::warn!(%error, "cannot read Redis's settings (CONFIG GET); eviction and persistence are not checked");
                        unreadable_logged = true;
                    }
                    store.refuse_unsafe(None);
                }
            }
        }
        let status = if writable && safe { ServingStatus::Serving } else { ServingStatus::NotServing };
        redis_up.set(if writable { 1.0 } else { 0.0 });
        if last != Some(status) {
            let said = if status == ServingStatus::Serving { "serving" } else { "not_serving" };
            tracing::info!(status = said, "health");
            set_all(&reporter, status).await;
            last = Some(status);
        }
        tokio::time::sleep(HEALTH_CHECK_INTERVAL).await;
    }
}

fn log_settings(settings: &RedisSettings, allow_evicting: bool) {
    match (settings.evicts(), allow_evicting) {
        (true, false) => tracing::error!(
            maxmemory_policy = %settings.maxmemory_policy,
            "refusing to serve: this Redis evicts keys, which can delete accounts and request-id records; \
             set maxmemory-policy noeviction (or start with --allow-evicting-redis to accept the risk)"
        ),
        (true, true) => tracing::warn!(
            maxmemory_policy = %settings.maxmemory_policy,
            "serving on a Redis that evicts keys (--allow-evicting-redis): exactly-once is not guaranteed"
        ),
        (false, _) => {}
    }
    if !settings.appendonly {
        tracing::warn!(
            "Redis's append-only persistence is off: a Redis crash loses acknowledged changes (docs/REDIS.md, Durability)"
        );
    } else if settings.appendfsync != "always" {
        tracing::info!(appendfsync = %settings.appendfsync, "Redis fsyncs its append-only file less than always (docs/REDIS.md, Durability)");
    }
}
