//! The ledger's operations on one account (or two in one slot): open, read, post
//! a balance change, transfer, change state. Each change is one script call,
//! checked, applied and recorded in one step in Redis.

use redbank_domain::{
    Account, AccountId, AccountType, BalanceChange, Currency, CustomerId, Error, Memo, Principal, Reason,
    RequestId, StateChange, Transaction, Transfer,
};
use tracing::Instrument;

use crate::scripts::post::PostOp;
use crate::{Store, StoreError, keys, reply, scripts};

/// The result of a balance change: the history entry written, if any (interest
/// that comes to zero writes none), and the account after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub transaction: Option<Transaction>,
    pub account: Account,
}

/// The result of a change that always writes an entry (a transfer's side, a state
/// change): the entry and the account after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub transaction: Transaction,
    pub account: Account,
}

/// One balance change, for [`Store::post_all`].
#[derive(Debug, Clone)]
pub struct PostRequest {
    pub account: AccountId,
    pub change: BalanceChange,
    pub request_id: Option<RequestId>,
    pub memo: Memo,
    pub by: Principal,
}

/// Both sides of a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transferred {
    pub from: Applied,
    pub to: Applied,
}

/// Refuses `by` an account it may not see: a customer sees its own accounts only.
/// Reads call it on the account they read in the same round trip as the rest (the
/// owner is one of the account's fields), so the check and the read are one step;
/// an account's owner never changes anyway.
pub(crate) fn may_see(account: &Account, by: &Principal) -> Result<(), StoreError> {
    match by.required_owner() {
        Some(owner) if account.owner.as_ref() != Some(owner) => {
            Err(StoreError::Refused(Error::PermissionDenied))
        }
        _ => Ok(()),
    }
}

/// A customer asking for an account that does not exist is told what it is told
/// for another's account (PERMISSION_DENIED), so that ids cannot be probed.
pub(crate) fn hide_missing(error: StoreError, by: &Principal) -> StoreError {
    match error {
        StoreError::Refused(Error::AccountNotFound(_)) if by.required_owner().is_some() => {
            StoreError::Refused(Error::PermissionDenied)
        }
        other => other,
    }
}

impl Store {
    /// Opens an account with a zero balance, owned by `owner` if given.
    ///
    /// An owned account is first added to its owner's index (what ListAccounts
    /// reads for a customer), then created. The index lives under the customer's
    /// own hash tag, in another Cluster slot than the account, so the two cannot be
    /// one script; in this order a crash between them leaves at worst an index
    /// entry without its account, which every reader of the index skips (it reads
    /// each account and checks its owner), never an account its owner cannot list.
    /// A refused creation takes its entry back out unless the account is the
    /// owner's own, so that refusals cannot grow a customer's index.
    pub async fn create_account(
        &self,
        id: &AccountId,
        account_type: AccountType,
        currency: Currency,
        request_id: Option<&RequestId>,
        owner: Option<&CustomerId>,
    ) -> Result<Account, StoreError> {
        if let Some(owner) = owner {
            let _: () =
                self.query(redis::cmd("SADD").arg(keys::customer_accounts(owner)).arg(id.as_str())).await?;
        }
        let invocation = scripts::create_account::invocation(
            &self.scripts.create_account,
            id,
            account_type,
            currency,
            request_id,
            self.idempotency_ttl_secs,
            owner,
        );
        let created = self
            .run(&self.metrics.create_account, &invocation, &keys::account(id))
            .await
            .and_then(|reply| scripts::create_account::decode(id, &reply));
        if let (Some(owner), Err(StoreError::Refused(_))) = (owner, &created) {
            let stored: Option<String> =
                self.query(redis::cmd("HGET").arg(keys::account(id)).arg("owner")).await?;
            if stored.as_deref() != Some(owner.as_str()) {
                let _: () = self
                    .query(redis::cmd("SREM").arg(keys::customer_accounts(owner)).arg(id.as_str()))
                    .await?;
            }
        }
        created
    }

    /// Reads an account, as `by` may see it: a customer sees its own accounts only,
    /// and PERMISSION_DENIED for any other, existing or not. One HMGET reads the
    /// owner with the rest, so the check and the read are one step.
    pub async fn get_account(&self, id: &AccountId, by: &Principal) -> Result<Account, StoreError> {
        let fields: Vec<Option<String>> =
            self.query(redis::cmd("HMGET").arg(keys::account(id)).arg(&scripts::ACCOUNT_FIELDS)).await?;
        let account = reply::stored_account(id, fields).map_err(|e| hide_missing(e, by))?;
        may_see(&account, by)?;
        Ok(account)
    }

    /// Applies one balance change atomically in Redis: in a script call of its own
    /// at low load, gathered with concurrent changes into one call under load
    /// (batch.rs). Either way it is checked, applied and recorded as if alone.
    pub async fn post(
        &self,
        id: &AccountId,
        change: &BalanceChange,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> Result<Posted, StoreError> {
        if let BalanceChange::Interest { period: Some(_), .. } = change {
            // A month's interest is earned on daily balances, which the bank
            // computes first: `Store::post_earned`.
            return Err(StoreError::Corrupt("a period's interest is posted with its earned amount".into()));
        }
        let (op, given) = PostOp::new(id, change, request_id, memo, by);
        // Under load the script runs in the batcher's task, outside this call's
        // trace: this span is the call's wait for it.
        let waited = tracing::trace_span!(target: crate::TRACE_TARGET, "post (batched)", redbank.account = id.as_str());
        let fields = self.posts.post(op).instrument(waited).await?;
        scripts::post::decode(id, given, &fields)
    }

    /// Applies changes in order, in one script call, whatever the batch settings:
    /// each is checked, applied and recorded as if alone, and answered on its own.
    /// The outer error is the call's (Redis unreachable, say); then the outcome of
    /// every change is unknown, and retrying with the same request ids resolves it.
    pub async fn post_all(
        &self,
        changes: &[PostRequest],
    ) -> Result<Vec<Result<Posted, StoreError>>, StoreError> {
        let prepared: Vec<(PostOp, Option<Currency>)> = changes
            .iter()
            .map(|c| PostOp::new(&c.account, &c.change, c.request_id.as_ref(), &c.memo, &c.by))
            .collect();
        let ops: Vec<&PostOp> = prepared.iter().map(|(op, _)| op).collect();
        let replies = self.posts.poster().post(&ops).await?;
        Ok(changes
            .iter()
            .zip(&prepared)
            .zip(&replies)
            .map(|((c, (_, given)), fields)| scripts::post::decode(&c.account, *given, fields))
            .collect())
    }

    /// Moves money between two accounts in one atomic script call; on a Redis
    /// Cluster with the accounts in two slots, in three (holds.rs): a hold on the
    /// source, the target's credit, the capture.
    pub async fn transfer(
        &self,
        transfer: &Transfer,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> Result<Transferred, StoreError> {
        let slot = |id: &AccountId| redis::cluster_routing::Slot::for_key(keys::account(id));
        if self.exec.conn.is_cluster() && slot(transfer.from()) != slot(transfer.to()) {
            return self.transfer_between_slots(transfer, request_id, memo, by).await;
        }
        let common = self.common(by, request_id, transfer.fingerprint(memo));
        let invocation = scripts::transfer::invocation(&self.scripts.transfer, &common, transfer, memo);
        let reply = self.run(&self.metrics.transfer, &invocation, &keys::account(transfer.from())).await?;
        self.hint_feed(std::slice::from_ref(transfer.to()));
        match scripts::transfer::decode(transfer, transfer.amount().currency(), &reply) {
            Err(refused @ StoreError::Refused(_)) => {
                Err(self.hide_payee(refused, transfer.to(), Some(transfer.amount().currency()), by).await)
            }
            other => other,
        }
    }

    /// Freezes, unfreezes or closes an account, with a history entry.
    pub async fn set_state(
        &self,
        id: &AccountId,
        change: StateChange,
        reason: &Reason,
        request_id: Option<&RequestId>,
        by: &Principal,
    ) -> Result<Applied, StoreError> {
        let common = self.common(by, request_id, change.fingerprint(reason));
        let invocation = scripts::set_state::invocation(&self.scripts.set_state, &common, id, change, reason);
        scripts::set_state::decode(
            id,
            &self.run(&self.metrics.set_state, &invocation, &keys::account(id)).await?,
        )
    }
}
