//! The web console's own records: sessions, the sign-in counters, jobs and the
//! audit trail. They are not bank operations (no money, no account), but they live
//! in the same Redis, so they are reached through here, and the console needs no
//! store of its own. Reading the audit trail is an operation
//! ([`Operation::ReadAuditTrail`]); the rest serves signing in and staying signed
//! in, before and around any principal.

use std::collections::HashMap;
use std::time::Duration;

use redbank_domain::Principal;
use redbank_store::console::{ConsoleEvent, ConsoleSession};
use redbank_store::{Store, StoreError};

use crate::Bank;
use crate::policy::{Operation, authorize};

/// The console's records, over the bank's store.
#[derive(Clone, Copy)]
pub struct ConsoleRecords<'a> {
    store: &'a Store,
}

impl Bank {
    pub fn console(&self) -> ConsoleRecords<'_> {
        ConsoleRecords { store: &self.store }
    }

    /// The newest `count` events of the console's audit trail, newest first.
    pub async fn audit_trail(&self, by: &Principal, count: usize) -> Result<Vec<ConsoleEvent>, StoreError> {
        authorize(Operation::ReadAuditTrail, by)?;
        self.store.console_events(count).await
    }
}

impl ConsoleRecords<'_> {
    pub async fn create_session(
        &self,
        id: &str,
        session: &ConsoleSession,
        idle: Duration,
    ) -> Result<(), StoreError> {
        self.store.create_session(id, session, idle).await
    }

    pub async fn touch_session(
        &self,
        id: &str,
        idle: Duration,
    ) -> Result<Option<ConsoleSession>, StoreError> {
        self.store.touch_session(id, idle).await
    }

    pub async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        self.store.delete_session(id).await
    }

    /// Takes one attempt from each counter, or none (false) if one is at its limit.
    pub async fn reserve_sign_in(
        &self,
        counters: &[(&str, u64)],
        window: Duration,
    ) -> Result<bool, StoreError> {
        self.store.reserve_sign_in(counters, window).await
    }

    /// Gives back an attempt to each counter.
    pub async fn release_sign_in(&self, counters: &[&str]) -> Result<(), StoreError> {
        self.store.release_sign_in(counters).await
    }

    pub async fn record_job(&self, id: &str, fields: &[(&str, String)]) -> Result<(), StoreError> {
        self.store.record_job(id, fields).await
    }

    pub async fn job(&self, id: &str) -> Result<HashMap<String, String>, StoreError> {
        self.store.job(id).await
    }

    /// Adds an event to the audit trail.
    pub async fn record_event(&self, who: &str, what: &str, target: &str) -> Result<(), StoreError> {
        self.store.record_console_event(who, what, target).await
    }
}
