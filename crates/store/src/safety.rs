//! Whether the Redis is one that keeps money: its settings, and the switch that
//! makes the store refuse every call while it is not.

use crate::StoreError;

/// What Redis says about eviction and persistence (CONFIG GET).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisSettings {
    pub maxmemory_policy: String,
    pub appendonly: bool,
    pub appendfsync: String,
}

impl RedisSettings {
    /// Whether Redis may delete keys to make room: any policy but `noeviction` may
    /// delete an account or a request-id record, which breaks exactly-once.
    pub fn evicts(&self) -> bool {
        self.maxmemory_policy != "noeviction"
    }
}

/// Why the store refuses to work, if it does.
#[derive(Default)]
pub(crate) struct Safety(std::sync::RwLock<Option<String>>);

impl Safety {
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        match &*self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner) {
            None => Ok(()),
            Some(reason) => Err(StoreError::Unsafe(reason.clone())),
        }
    }

    pub(crate) fn set(&self, reason: Option<String>) {
        *self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner) = reason;
    }
}
