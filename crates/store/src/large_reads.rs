//! Statement reads in flight per caller, shared by the API and the console of one
//! replica (docs/API.md, Limits: `TOO_MANY_READS`).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use redbank_domain::limits::LARGE_READS_PER_PRINCIPAL;
use redbank_domain::{Error, Principal};

use crate::StoreError;

/// Statement reads in flight, per principal (its customer, or its actor for
/// staff), shared by the API and the console of this replica: at most
/// [`LARGE_READS_PER_PRINCIPAL`] each. The service's own
/// reads (the operator's tools) are not counted.
#[derive(Default)]
pub(crate) struct LargeReads {
    in_flight: Mutex<HashMap<String, usize>>,
}

/// One read in flight, counted until dropped.
pub(crate) struct LargeRead<'a> {
    reads: &'a LargeReads,
    who: Option<String>,
}

impl LargeReads {
    pub(crate) fn start(&self, by: &Principal) -> Result<LargeRead<'_>, StoreError> {
        if by.is_operator() {
            return Ok(LargeRead { reads: self, who: None });
        }
        let who = by.required_owner().map_or_else(|| by.actor.to_string(), |c| format!("customer:{c}"));
        let mut in_flight = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        let count = in_flight.entry(who.clone()).or_insert(0);
        if *count >= LARGE_READS_PER_PRINCIPAL {
            return Err(StoreError::Refused(Error::TooManyReads));
        }
        *count += 1;
        Ok(LargeRead { reads: self, who: Some(who) })
    }
}

impl Drop for LargeRead<'_> {
    fn drop(&mut self) {
        let Some(who) = self.who.take() else { return };
        let mut in_flight = self.reads.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = in_flight.get_mut(&who) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&who);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redbank_domain::{CustomerId, Grant};

    fn customer(id: &str, actor: &str) -> Principal {
        Principal {
            actor: redbank_domain::Actor::parse(actor).unwrap(),
            grant: Grant::Customer(CustomerId::parse(id).unwrap()),
        }
    }

    #[test]
    fn each_principal_has_its_own_few_reads_in_flight_whatever_its_credential() {
        let reads = LargeReads::default();
        // The same customer through an API key and through the console: one count.
        let (by_key, by_console) =
            (customer("alice", "key:0123456789abcdef"), customer("alice", "web:alice"));
        let first = reads.start(&by_key).unwrap();
        let second = reads.start(&by_console).unwrap();
        assert!(matches!(reads.start(&by_key), Err(StoreError::Refused(Error::TooManyReads))));
        // Someone else is not held back, nor the service's own tools.
        let bob = reads.start(&customer("bob", "key:fedcba9876543210")).unwrap();
        let tools: Vec<_> = (0..10).map(|_| reads.start(&Principal::operator()).unwrap()).collect();
        // One ends: one more may start.
        drop(first);
        let third = reads.start(&by_key).unwrap();
        drop((second, third, bob, tools));
        assert!(reads.in_flight.lock().unwrap().is_empty(), "counts left behind");
    }
}
