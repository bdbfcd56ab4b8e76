//! The web console's own records: sessions, the sign-in counters, jobs and the
//! audit trail. They are not bank operations (no money, no account), but they live
//! in the same Redis, so the bank hands out the store's handle on them
//! ([`Console`]), and the console needs no store of its own. Reading the audit
//! trail is an operation ([`Operation::ReadAuditTrail`]); the rest serves signing
//! in and staying signed in, before and around any principal.

use redbank_domain::Principal;
use redbank_store::StoreError;
use redbank_store::console::{Console, ConsoleEvent};

use crate::Bank;
use crate::policy::{Operation, authorize};

impl Bank {
    /// The console's records.
    pub fn console(&self) -> Console<'_> {
        self.store.console()
    }

    /// The newest `count` events of the console's audit trail, newest first.
    pub async fn audit_trail(&self, by: &Principal, count: usize) -> Result<Vec<ConsoleEvent>, StoreError> {
        authorize(Operation::ReadAuditTrail, by)?;
        self.store.console().events(count).await
    }
}
