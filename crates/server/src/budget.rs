//! Response budgets: how many response bytes the server may hold for clients that
//! have not read them yet, per connection and in all.
//!
//! A large read (a statement page, a history page, an account page) reserves its
//! encoded size before it is answered; the reservation travels with the response
//! and is released when the transport has handed the last byte to the network or
//! dropped the call. A client that asks and does not read thus holds at most its
//! connection's budget, and all clients together at most the total; past either,
//! further large reads answer RESOURCE_EXHAUSTED `RESPONSE_BUDGET_EXHAUSTED` until
//! earlier responses are read. Small answers (an account, one change) are bounded
//! by their size times the streams allowed per connection.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::{Extensions, Response, Status};

use crate::context::CallContext;
use crate::status;

/// Budgets are counted in units of this many bytes (a semaphore counts in u32).
const UNIT_BYTES: usize = 1024;

/// Semaphore units for a number of bytes, rounded up.
pub fn units(bytes: usize) -> usize {
    bytes.div_ceil(UNIT_BYTES).min(Semaphore::MAX_PERMITS)
}

/// The budget of one connection, in each of its calls' [`CallContext`].
#[derive(Clone)]
pub struct ConnectionBudget(pub Arc<Semaphore>);

/// Bytes reserved for one response; released when the last clone is dropped.
#[derive(Clone)]
pub struct ResponsePermit(#[allow(dead_code)] Arc<Reservation>);

/// Budget reserved for a response before it is built (from an upper bound of its
/// size, so that a refused read costs no Redis work), cut to its real size once built.
pub struct Reservation {
    connection: Option<OwnedSemaphorePermit>,
    total: OwnedSemaphorePermit,
}

impl Reservation {
    /// `message` as a response that holds this reservation, cut down to its
    /// encoded size, until the transport has sent it or dropped it.
    pub fn respond<M: prost::Message>(mut self, message: M) -> Response<M> {
        let keep = units(message.encoded_len());
        for permit in self.connection.iter_mut().chain([&mut self.total]) {
            if permit.num_permits() > keep {
                drop(permit.split(permit.num_permits() - keep));
            }
        }
        let mut response = Response::new(message);
        response.extensions_mut().insert(ResponsePermit(Arc::new(self)));
        response
    }
}

/// The server-wide budget.
pub struct ResponseBudget {
    total: Arc<Semaphore>,
}

impl ResponseBudget {
    pub fn new(total_bytes: usize) -> Self {
        Self { total: Arc::new(Semaphore::new(units(total_bytes))) }
    }

    /// Reserves `bytes` from the connection's budget (found in `request`'s
    /// extensions) and the total, or refuses with RESOURCE_EXHAUSTED.
    pub fn reserve(&self, request: &Extensions, bytes: usize) -> Result<Reservation, Status> {
        let need = u32::try_from(units(bytes)).unwrap_or(u32::MAX);
        let connection = match request.get::<CallContext>().and_then(CallContext::budget) {
            Some(ConnectionBudget(budget)) => Some(
                budget
                    .clone()
                    .try_acquire_many_owned(need)
                    .map_err(|_| status::response_budget_exhausted())?,
            ),
            None => None,
        };
        let total = self
            .total
            .clone()
            .try_acquire_many_owned(need)
            .map_err(|_| status::response_budget_exhausted())?;
        Ok(Reservation { connection, total })
    }
}

/// Upper bounds of encoded sizes, for reservations (checked by the tests below).
pub mod bounds {
    /// One `Transaction`: a 256-character memo of 4-byte characters, and every
    /// id at its longest.
    pub const TRANSACTION_BYTES: usize = 2048;
    /// One `Account`, a 256-character state reason included.
    pub const ACCOUNT_BYTES: usize = 1536;
    /// Everything of a page besides its entries (balances, times, the token).
    pub const PAGE_OVERHEAD_BYTES: usize = 2048;

    /// A page of `n` entries of `each` bytes at most.
    pub fn page(n: usize, each: usize) -> usize {
        n.saturating_mul(each).saturating_add(PAGE_OVERHEAD_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use redbank_api::v1;

    fn money() -> Option<v1::Money> {
        Some(v1::Money { currency_code: "XXX".into(), units: i64::MIN, nanos: i32::MIN })
    }

    fn time() -> Option<prost_types::Timestamp> {
        Some(prost_types::Timestamp { seconds: i64::MIN, nanos: i32::MIN })
    }

    #[test]
    fn the_size_bounds_hold_for_the_largest_messages() {
        let id = "i".repeat(redbank_domain::limits::ACCOUNT_ID_MAX_LEN);
        let text = "\u{10FFFF}".repeat(redbank_domain::limits::MEMO_MAX_CHARS);
        let largest = v1::Transaction {
            transaction_id: "18446744073709551615-18446744073709551615".into(),
            account_id: id.clone(),
            kind: i32::MIN,
            amount: money(),
            balance_after: money(),
            request_id: "\u{10FFFF}".repeat(redbank_domain::limits::REQUEST_ID_MAX_LEN),
            memo: text.clone(),
            create_time: time(),
            account_version: i64::MIN,
            counterparty_account_id: id.clone(),
            transfer_id: format!("{id}:18446744073709551615-18446744073709551615:{id}"),
            actor: "a".repeat(redbank_domain::limits::ACTOR_MAX_LEN),
        };
        assert!(largest.encoded_len() <= bounds::TRANSACTION_BYTES, "{}", largest.encoded_len());
        let account = v1::Account {
            account_id: id,
            r#type: i32::MIN,
            balance: money(),
            create_time: time(),
            version: i64::MIN,
            state: i32::MIN,
            state_reason: text,
            state_change_time: time(),
            customer_id: "c".repeat(redbank_domain::limits::CUSTOMER_ID_MAX_LEN),
            available_balance: money(),
            held_balance: money(),
        };
        assert!(account.encoded_len() <= bounds::ACCOUNT_BYTES, "{}", account.encoded_len());
    }

    #[test]
    fn a_reservation_is_cut_to_the_response_and_refused_past_the_budget() {
        let budget = ResponseBudget::new(64 * 1024);
        let mut extensions = Extensions::new();
        let connection = ConnectionBudget(Arc::new(Semaphore::new(units(40 * 1024))));
        extensions.insert(CallContext::new(tokio::time::Instant::now(), connection));
        let first = budget.reserve(&extensions, 40 * 1024).unwrap();
        assert_eq!(status_reason(budget.reserve(&extensions, 1)), "RESPONSE_BUDGET_EXHAUSTED");
        let response = first.respond(v1::Account { account_id: "a".repeat(2000), ..Default::default() });
        // 2 KiB kept, the rest back: 38 KiB fit again.
        let again = budget.reserve(&extensions, 38 * 1024).unwrap();
        drop((response, again));
        assert!(budget.reserve(&extensions, 40 * 1024).is_ok());
        // The total binds across connections.
        let other = Extensions::new();
        let _held = budget.reserve(&other, 60 * 1024).unwrap();
        assert_eq!(status_reason(budget.reserve(&other, 8 * 1024)), "RESPONSE_BUDGET_EXHAUSTED");
    }

    fn status_reason(result: Result<Reservation, Status>) -> String {
        let status = result.err().expect("refused");
        assert_eq!(status.code(), tonic::Code::ResourceExhausted);
        tonic_types::StatusExt::get_details_error_info(&status).expect("ErrorInfo").reason
    }
}
