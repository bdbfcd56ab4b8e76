//! Accounts: opened, read, listed, frozen, unfrozen and closed.

use redbank_domain::{
    Account, AccountId, CustomerId, Error, NewAccount, Principal, Reason, RequestId, StateChange,
};
use redbank_store::{Applied, StoreError};

use crate::Bank;
use crate::policy::{Operation, authorize};

/// Which accounts a list holds.
#[derive(Debug, Clone, Copy)]
pub enum Listing<'a> {
    /// Every account the asker may see: a customer's own, every account for staff.
    Visible,
    /// One customer's accounts: staff asking for anyone's, a customer for its own.
    OfCustomer(&'a CustomerId),
}

/// The operation that a change of state is.
pub fn state_operation(change: StateChange) -> Operation {
    match change {
        StateChange::Freeze => Operation::FreezeAccount,
        StateChange::Unfreeze => Operation::UnfreezeAccount,
        StateChange::Close => Operation::CloseAccount,
    }
}

impl Bank {
    /// Opens an account.
    pub async fn open_account(&self, by: &Principal, new: &NewAccount) -> Result<Account, StoreError> {
        authorize(Operation::OpenAccount, by)?;
        let owner = match (by.required_owner(), &new.owner) {
            (Some(own), Some(named)) if own != named => return Err(Error::PermissionDenied.into()),
            (Some(own), _) => Some(own),
            (None, named) => named.as_ref(),
        };
        let currency = new.currency.unwrap_or(self.settings.default_currency);
        self.store.create_account(&new.id, new.account_type, currency, new.request_id.as_ref(), owner).await
    }

    /// An account, as `by` may see it (a customer: its own only; another's, or one
    /// that does not exist, is PERMISSION_DENIED either way).
    pub async fn account(&self, by: &Principal, id: &AccountId) -> Result<Account, StoreError> {
        authorize(Operation::GetAccount, by)?;
        self.store.get_account(id, by).await
    }

    /// One page of accounts, from Redis's cursor (0 to start); the next cursor is 0
    /// at the end. A full pass sees every account that exists throughout it at
    /// least once, in no particular order.
    pub async fn list_accounts(
        &self,
        by: &Principal,
        listing: Listing<'_>,
        cursor: u64,
        page_size: usize,
    ) -> Result<(Vec<Account>, u64), StoreError> {
        authorize(Operation::ListAccounts, by)?;
        let owner = match (by.required_owner(), listing) {
            (Some(own), Listing::OfCustomer(asked)) if own != asked => {
                return Err(Error::PermissionDenied.into());
            }
            (Some(own), _) => Some(own),
            (None, Listing::OfCustomer(asked)) => Some(asked),
            (None, Listing::Visible) => None,
        };
        self.store.list_accounts(cursor, page_size, owner).await
    }

    /// Freezes, unfreezes or closes an account, with a history entry.
    pub async fn change_state(
        &self,
        by: &Principal,
        id: &AccountId,
        change: StateChange,
        reason: &Reason,
        request_id: Option<&RequestId>,
    ) -> Result<Applied, StoreError> {
        authorize(state_operation(change), by)?;
        self.store.set_state(id, change, reason, request_id, by).await
    }
}
