//! The log of refused calls: who, which method, which target, at a bounded rate,
//! so that a flood of bad credentials cannot flood the log.

use std::sync::Mutex;
use std::time::Instant;

use redbank_domain::Principal;
use redbank_domain::policy::Method;

use super::Unauthenticated;

/// Lines logged in a burst...
const DENIAL_LOG_BURST: f64 = 20.0;
/// ...and per second after it; the lines dropped are counted in the next one.
const DENIAL_LOG_PER_SECOND: f64 = 10.0;

struct Bucket {
    tokens: f64,
    at: Instant,
    dropped: u64,
}

/// A token bucket in front of the `redbank::auth` log target.
pub struct DenialLog {
    bucket: Mutex<Bucket>,
}

impl Default for DenialLog {
    fn default() -> Self {
        Self::new()
    }
}

impl DenialLog {
    pub fn new() -> Self {
        Self { bucket: Mutex::new(Bucket { tokens: DENIAL_LOG_BURST, at: Instant::now(), dropped: 0 }) }
    }

    /// Some(lines dropped since the last one) when a line may be written now.
    fn admit(&self) -> Option<u64> {
        let mut b = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        b.tokens =
            (b.tokens + now.duration_since(b.at).as_secs_f64() * DENIAL_LOG_PER_SECOND).min(DENIAL_LOG_BURST);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Some(std::mem::take(&mut b.dropped))
        } else {
            b.dropped += 1;
            None
        }
    }

    pub fn unauthenticated(&self, path: &str, why: &Unauthenticated) {
        if let Some(dropped) = self.admit() {
            tracing::warn!(target: "redbank::auth", path, reason = %why, dropped, "unauthenticated call refused");
        }
    }

    /// Logs a store failure if it is a refusal by ownership (the account `target`
    /// is not `principal`'s): the one place the services learn of those.
    pub fn if_denied(
        &self,
        principal: &Principal,
        method: Method,
        target: &str,
        error: &redbank_store::StoreError,
    ) {
        if matches!(error, redbank_store::StoreError::Refused(redbank_domain::Error::PermissionDenied)) {
            self.denied(principal, method, Some(target));
        }
    }

    /// A known principal refused: by the policy table (no target yet) or by
    /// ownership (the account it asked for).
    pub fn denied(&self, principal: &Principal, method: Method, target: Option<&str>) {
        if let Some(dropped) = self.admit() {
            tracing::warn!(
                target: "redbank::auth",
                actor = %principal.actor,
                role = %principal.grant.role(),
                method = method.path(),
                target = target.unwrap_or(""),
                dropped,
                "permission denied"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_logged_at_the_bounded_rate_and_the_dropped_lines_counted() {
        let log = DenialLog::new();
        let logged = (0..1000).filter(|_| log.admit().is_some()).count();
        // The burst, and at most what the rate refills while the loop runs.
        assert!((20..=22).contains(&logged), "{logged}");
        std::thread::sleep(std::time::Duration::from_millis(250));
        // Once the bucket refills, the next line says how many were dropped.
        assert_eq!(log.admit().map(|dropped| dropped >= 978), Some(true));
    }
}
