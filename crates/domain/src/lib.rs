//! redbank's domain: the types and rules of money, accounts and interest.
//!
//! This crate knows nothing about Redis, gRPC or the network. Every value here is
//! parsed once, at the edge, into a type that cannot hold an invalid state: an
//! [`AccountId`] is always 1 to 64 safe characters, an [`Amount`] is always
//! positive and within [`limits::MAX_AMOUNT_MINOR`], a [`Currency`] always has a
//! minor unit. Storage and transport layers convert to and from these types and
//! never re-check what the types already guarantee.

pub mod account;
pub mod api_key;
pub mod calendar;
pub mod change;
pub mod credential;
pub mod error;
pub mod event;
pub mod hex;
pub mod hold;
pub mod ids;
pub mod interest;
pub mod limits;
pub mod memo;
pub mod money;

pub mod principal;
pub mod rules;
pub mod webhook;

pub use account::{Account, AccountState, AccountType, NewAccount, Transaction, TransactionKind};
pub use api_key::{ApiKey, NewKey};
pub use calendar::{InterestPeriod, PeriodPolicy};
pub use change::{BalanceChange, Reason, StateChange, Transfer, create_fingerprint};
pub use error::{Error, ErrorClass};
pub use event::EventCursor;
pub use hold::{Capture, Hold, HoldId, HoldPurpose, HoldRequest, HoldState};
pub use ids::{AccountId, RequestId};
pub use interest::{AnnualRate, InterestDays, RateCeiling, interest_minor};
pub use memo::Memo;
pub use money::{Amount, Currency, Money};

pub use principal::{Actor, CustomerId, Grant, KeyId, Principal, Role, UserName};
pub use webhook::{WebhookId, WebhookUrl};
