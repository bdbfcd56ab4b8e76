//! The recovery worker every replica runs: holds voided at their expiry, and
//! captures (transfers between cluster slots among them) that a crash left
//! half-way finished within `--transfer-recovery-secs`. No leader: each entry of
//! the due index is leased in Redis before it is worked on (see the store's
//! holds.rs), so replicas share the work and a dead replica's leases run out.

use std::time::Duration;

use redbank_store::{Recovered, Store};

/// Passes per recovery period: an entry due is looked at within a quarter of it
/// (plus the store's grace for clocks).
const PASSES_PER_PERIOD: u32 = 4;

/// Runs until aborted.
pub async fn run(store: Store, period: Duration) {
    let mut tick = tokio::time::interval(period / PASSES_PER_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // A Redis outage fails every pass: said once, and again when it passes.
    let mut failing = false;
    loop {
        tick.tick().await;
        let pass = store.recover_due(period).await;
        match (&pass, failing) {
            (Err(e), false) => tracing::warn!(error = %e, "recovery passes fail; trying again every pass"),
            (Ok(_), true) => tracing::info!("recovery passes work again"),
            _ => {}
        }
        failing = pass.is_err();
        match pass {
            Ok(done) if done != Recovered::default() => {
                tracing::info!(
                    settled = done.settled,
                    expired = done.expired,
                    dropped = done.dropped,
                    failed = done.failed,
                    "recovery pass"
                );
            }
            Ok(_) | Err(_) => {}
        }
    }
}
