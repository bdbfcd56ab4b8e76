//! A payment's payee: whether it can receive, and what a customer learns when it
//! cannot (docs/SECURITY.md, "What a customer learns of others' accounts"): the whole reason
//! for its own account, else only [`Error::PayeeCannotReceive`], one answer for a
//! payee that is missing, frozen, closed, in another currency or at its ceiling.
//! Staff learn the reason.

use redbank_domain::{AccountId, Currency, CustomerId, Error, Principal, rules};

use crate::{Store, StoreError, keys};

/// The refusal `by` is told for a payment refused for the payee's sake, the payee
/// owned by `payee_owner` (None: missing, or owned by nobody).
fn as_told(refusal: Error, to: &AccountId, payee_owner: Option<&CustomerId>, by: &Principal) -> Error {
    match by.required_owner() {
        Some(customer) if payee_owner != Some(customer) => Error::PayeeCannotReceive(to.clone()),
        _ => refusal,
    }
}

impl Store {
    /// Refuses a payment that its payee would refuse (missing, frozen, closed, in
    /// another currency) before anything is written for it: a capture or a
    /// transfer between slots refused by its target otherwise leaves a decision
    /// record, and a transfer a HOLD and a RELEASE. The target's script still
    /// decides (the payee may change meanwhile). One read, which also tells whose
    /// the payee is.
    pub(crate) async fn payee_can_receive(
        &self,
        to: &AccountId,
        currency: Option<Currency>,
        by: &Principal,
    ) -> Result<(), StoreError> {
        let payee = match self.get_account(to, &Principal::operator()).await {
            Ok(payee) => payee,
            Err(StoreError::Refused(refusal)) => {
                return Err(StoreError::Refused(as_told(refusal, to, None, by)));
            }
            Err(e) => return Err(e),
        };
        rules::can_receive(to, &payee.holding(), currency)
            .map_err(|refusal| StoreError::Refused(as_told(refusal, to, payee.owner.as_ref(), by)))
    }

    /// What a customer is told of a script's refusal of a payment to `to`: as
    /// [`as_told`] when the refusal is about the payee. `currency` is the
    /// payment's, when a CURRENCY_MISMATCH may be the source's (None: every refusal
    /// given is about the payee). Reads the payee's owner and currency, on refusals
    /// only; an account's owner and currency never change.
    pub(crate) async fn hide_payee(
        &self,
        error: StoreError,
        to: &AccountId,
        currency: Option<Currency>,
        by: &Principal,
    ) -> StoreError {
        let StoreError::Refused(refusal) = &error else { return error };
        let about_payee = match refusal {
            Error::AccountNotFound(id) | Error::AccountFrozen(id) | Error::AccountClosed(id) => id == to,
            Error::BalanceLimitExceeded { .. } | Error::CurrencyMismatch { .. } => true,
            _ => false,
        };
        if by.required_owner().is_none() || !about_payee {
            return error;
        }
        let payee: Result<(Option<String>, Option<String>), StoreError> =
            self.query(redis::cmd("HMGET").arg(keys::account(to)).arg("owner").arg("cur")).await;
        match payee {
            // The source's currency differs, not the payee's.
            Ok((_, Some(cur)))
                if matches!(refusal, Error::CurrencyMismatch { .. })
                    && currency.is_some_and(|c| cur == c.code()) =>
            {
                error
            }
            Ok((owner, _)) => {
                let owner = owner.and_then(|o| CustomerId::parse(&o).ok());
                StoreError::Refused(as_told(refusal.clone(), to, owner.as_ref(), by))
            }
            Err(_) => StoreError::Refused(Error::PayeeCannotReceive(to.clone())),
        }
    }
}
