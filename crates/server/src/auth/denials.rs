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
