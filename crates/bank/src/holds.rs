//! Holds: funds reserved on an account, then captured (to any account) or voided;
//! left alone, voided at their expiry by the recovery worker.

use redbank_domain::{Account, AccountId, Capture, Hold, HoldId, HoldRequest, Memo, Principal, RequestId};
use redbank_store::{Applied, HoldApplied, StoreError};

use crate::Bank;
use crate::policy::{Operation, authorize, sees_counterparty};

/// A capture as its maker may see it: the hold, the account's entries, and the
/// payee's side only if it may see that account.
#[derive(Debug, Clone)]
pub struct CaptureDone {
    pub hold: Hold,
    pub capture: redbank_domain::Transaction,
    pub release: Option<redbank_domain::Transaction>,
    pub account: Account,
    pub to: Option<Applied>,
}

impl Bank {
    pub async fn create_hold(
        &self,
        by: &Principal,
        request: &HoldRequest,
        request_id: Option<&RequestId>,
        memo: &Memo,
    ) -> Result<HoldApplied, StoreError> {
        authorize(Operation::CreateHold, by)?;
        self.store.create_hold(request, request_id, memo, by).await
    }

    pub async fn capture_hold(
        &self,
        by: &Principal,
        capture: &Capture,
        request_id: Option<&RequestId>,
        memo: &Memo,
    ) -> Result<CaptureDone, StoreError> {
        authorize(Operation::CaptureHold, by)?;
        let done = self.store.capture_hold(capture, request_id, memo, by).await?;
        // As for a transfer: a customer paying someone else's account learns nothing of it.
        let to = sees_counterparty(by, done.to.account.owner.as_ref()).then_some(done.to);
        Ok(CaptureDone {
            hold: done.hold,
            capture: done.capture,
            release: done.release,
            account: done.account,
            to,
        })
    }

    pub async fn void_hold(
        &self,
        by: &Principal,
        hold: &HoldId,
        request_id: Option<&RequestId>,
        memo: &Memo,
    ) -> Result<HoldApplied, StoreError> {
        authorize(Operation::VoidHold, by)?;
        self.store.void_hold(hold, request_id, memo, by).await
    }

    pub async fn hold(&self, by: &Principal, id: &HoldId) -> Result<Hold, StoreError> {
        authorize(Operation::GetHold, by)?;
        self.store.get_hold(id, by).await
    }

    /// Up to `limit` open holds of an account read already (by [`Bank::account`]).
    pub async fn open_holds(
        &self,
        by: &Principal,
        account: &Account,
        limit: usize,
    ) -> Result<Vec<Hold>, StoreError> {
        authorize(Operation::GetHold, by)?;
        self.store.open_holds(account, limit, by).await
    }

    /// A page of an account's open holds, the soonest to expire first, after
    /// `after` (the page token's (expiry, nonce)); and where the next page starts.
    pub async fn list_holds(
        &self,
        by: &Principal,
        id: &AccountId,
        after: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<(Vec<Hold>, Option<(i64, String)>), StoreError> {
        authorize(Operation::ListHolds, by)?;
        let account = self.store.get_account(id, by).await?;
        self.store.open_holds_after(&account, after, limit, by).await
    }
}
