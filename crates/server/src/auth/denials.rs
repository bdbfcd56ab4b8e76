//! The log of refused calls: who, which method, which target, at a bounded rate,
//! so that a flood of bad credentials cannot flood the log.

use redbank_bank::{Operation, StoreError};
use redbank_domain::Principal;
use redbank_web::LogBudget;

use super::Unauthenticated;

/// The `redbank::auth` log target, behind a [`LogBudget`] (20 lines at once, then
/// 10 a second; the dropped ones counted in the next line).
#[derive(Default)]
pub struct DenialLog {
    budget: LogBudget,
}

impl DenialLog {
    pub fn new() -> Self {
        Self::default()
    }

    fn admit(&self) -> Option<u64> {
        self.budget.admit()
    }

    /// A credential refused; `key` is the id of the API key it names, if any.
    pub fn unauthenticated(&self, path: &str, why: &Unauthenticated, key: Option<&redbank_domain::KeyId>) {
        if let Some(dropped) = self.admit() {
            let key = key.map(ToString::to_string).unwrap_or_default();
            tracing::warn!(target: "redbank::auth", path, reason = %why, key, dropped, "unauthenticated call refused");
        }
    }

    /// Logs a store failure if it is a refusal by ownership (the account `target`
    /// is not `principal`'s): the one place the services learn of those.
    pub fn if_denied(&self, principal: &Principal, operation: Operation, target: &str, error: &StoreError) {
        if matches!(error, StoreError::Refused(redbank_domain::Error::PermissionDenied)) {
            self.denied(principal, operation, Some(target));
        }
    }

    /// A known principal refused: by the policy table (no target yet) or by
    /// ownership (the account it asked for).
    pub fn denied(&self, principal: &Principal, operation: Operation, target: Option<&str>) {
        if let Some(dropped) = self.admit() {
            tracing::warn!(
                target: "redbank::auth",
                actor = %principal.actor,
                role = %principal.grant.role(),
                operation = operation.name(),
                target = target.unwrap_or(""),
                dropped,
                "permission denied"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use redbank_domain::{Actor, CustomerId, Error, Grant, KeyId};

    use super::*;

    /// What `f` logs, as the server's formatter writes it.
    fn logged(f: impl FnOnce()) -> String {
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = out.clone();
        let subscriber =
            tracing_subscriber::fmt().with_ansi(false).with_writer(move || Sink(sink.clone())).finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = out.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn customer() -> Principal {
        let grant = Grant::Customer(CustomerId::parse("c-9").unwrap());
        Principal { actor: Actor::parse("jwt:u-9").unwrap(), grant }
    }

    #[test]
    fn a_refusal_names_who_what_and_why_and_never_the_secret() {
        let log = DenialLog::new();
        let key = KeyId::parse(&"ab".repeat(KeyId::LEN / 2)).unwrap();
        let text =
            logged(|| log.unauthenticated("/redbank.v1.Bank/Deposit", &Unauthenticated::Revoked, Some(&key)));
        for part in
            ["unauthenticated call refused", "/redbank.v1.Bank/Deposit", "revoked credential", key.as_str()]
        {
            assert!(text.contains(part), "{part} not in {text}");
        }
        let text = logged(|| log.denied(&customer(), Operation::ApplyInterest, Some("acct-1")));
        for part in ["permission denied", "jwt:u-9", "customer", &Operation::ApplyInterest.name(), "acct-1"] {
            assert!(text.contains(part), "{part} not in {text}");
        }
        // Only an ownership refusal is a denial; other store failures are not logged here.
        let denied = StoreError::Refused(Error::PermissionDenied);
        let text = logged(|| log.if_denied(&customer(), Operation::Deposit, "acct-2", &denied));
        assert!(text.contains("permission denied") && text.contains("acct-2"), "{text}");
        let other = StoreError::Refused(Error::AccountExists);
        assert_eq!(logged(|| log.if_denied(&customer(), Operation::Deposit, "acct-3", &other)), "");
    }

    #[test]
    fn a_flood_of_refusals_sent_at_once_writes_the_burst_and_then_the_rate() {
        let log = DenialLog::new();
        let out = Arc::new(Mutex::new(Vec::new()));
        let started = std::time::Instant::now();
        // Four threads refuse 50 calls each, all at once.
        let barrier = std::sync::Barrier::new(4);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let (sink, log, barrier) = (out.clone(), &log, &barrier);
                scope.spawn(move || {
                    let subscriber = tracing_subscriber::fmt()
                        .with_ansi(false)
                        .with_writer(move || Sink(sink.clone()))
                        .finish();
                    tracing::subscriber::with_default(subscriber, || {
                        barrier.wait();
                        for _ in 0..50 {
                            log.unauthenticated("/p", &Unauthenticated::Unknown, None);
                        }
                    });
                });
            }
        });
        let lines = String::from_utf8(out.lock().unwrap().clone()).unwrap().lines().count();
        // The burst of 20, and what 10 a second refilled meanwhile.
        let refilled = (started.elapsed().as_secs_f64() * 10.0).ceil() as usize;
        assert!((20..=20 + refilled).contains(&lines), "{lines} lines for 200 refusals");
    }
}
