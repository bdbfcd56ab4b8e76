//! The bank's operations: one function per operation, each taking the principal
//! that asks and typed values, returning domain results.
//!
//! This is the layer every front end calls (the gRPC services, the web console,
//! the command line's operator commands) and the one place that decides who may do
//! what: the policy table by operation ([`policy`]), what a customer sees of the
//! other side of a payment, what a role may grant, whose accounts a list holds.
//! Front ends only translate their own formats into these calls and back; none of
//! them speaks to the store.
//!
//! Where each operation lives: accounts (open, read, list, freeze, unfreeze,
//! close) in [`accounts`], balance changes and transfers in [`payments`], holds in
//! [`holds`], history and statements in [`history`], API keys in [`keys`], console
//! users and their passwords in [`users`] and [`password`], the month's interest
//! for every account in [`interest_run`], the invariant checker in [`checks`], a
//! statement's CSV columns in [`csv`], and
//! the console's own records (sessions, sign-in counters, jobs, audit trail) in
//! [`console`].

pub mod accounts;
pub mod checks;
pub mod console;
pub mod csv;
pub mod events;
pub mod history;
pub mod holds;
pub mod interest_run;
pub mod keys;
pub mod password;
pub mod payments;
pub mod policy;
pub mod users;
pub mod webhooks;

use redbank_domain::{Currency, PeriodPolicy, RateCeiling};
use redbank_store::Store;

pub use policy::{Access, Operation};
/// What the front ends need of the store's results, without speaking to it.
pub use redbank_store::{
    Applied, Captured, Followed, HistoryPage, HistoryQuery, HoldApplied, Posted, StatementCursor,
    StatementPage, StoreError, Transferred,
    check::CheckReport,
    console::{ConsoleEvent, ConsoleSession, ConsoleUser},
    credentials::MintedKey,
};

/// The bank's settings: what operations decide by beyond their arguments.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Currency of accounts opened without one (and of every classic account).
    pub default_currency: Currency,
    /// Highest annual interest rate accepted.
    pub rate_ceiling: RateCeiling,
    /// Which interest periods may be posted.
    pub period_policy: PeriodPolicy,
}

/// The bank: its operations over one store. Cheap to clone.
#[derive(Clone)]
pub struct Bank {
    store: Store,
    settings: Settings,
}

impl Bank {
    pub fn new(store: Store, settings: Settings) -> Self {
        Self { store, settings }
    }

    /// The bank as the operator's commands reach it (straight in Redis, as the
    /// operator: users, keys, the checker). Its settings are the server's defaults;
    /// no operator command opens an account or parses a rate.
    pub fn for_operator(store: Store) -> Self {
        let settings = Settings {
            default_currency: Currency::USD,
            rate_ceiling: RateCeiling::default(),
            period_policy: PeriodPolicy { allow_current: false, max_age_months: u32::MAX },
        };
        Self::new(store, settings)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}
