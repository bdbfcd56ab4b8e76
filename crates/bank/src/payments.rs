//! Money moving: deposits, withdrawals, interest and transfers.

use redbank_domain::interest::daily_balance_interest;
use redbank_domain::{AccountId, BalanceChange, Memo, Principal, RequestId, Transfer};
use redbank_store::{Applied, Posted, StoreError};

use crate::Bank;
use crate::policy::{Operation, authorize, sees_counterparty};

/// The operation that a balance change is.
pub fn change_operation(change: &BalanceChange) -> Operation {
    match change {
        BalanceChange::Deposit(_) => Operation::Deposit,
        BalanceChange::Withdrawal(_) => Operation::Withdraw,
        BalanceChange::Interest { .. } => Operation::ApplyInterest,
    }
}

/// A transfer as its maker may see it: its own side always, the other side only
/// if it may see that account ([`sees_counterparty`]).
#[derive(Debug, Clone)]
pub struct TransferDone {
    pub from: Applied,
    pub to: Option<Applied>,
}

impl Bank {
    /// Deposits, withdraws or posts interest: one balance change, checked, applied
    /// and recorded in one step in Redis. A month's interest (a period's) is earned
    /// on each day's closing balance, for the days the account was open
    /// ([`daily_balance_interest`]), computed here from the month's history and
    /// posted once per account and month; interest without a period is a one-off
    /// adjustment on the balance found when it is applied.
    pub async fn post(
        &self,
        by: &Principal,
        id: &AccountId,
        change: &BalanceChange,
        request_id: Option<&RequestId>,
        memo: &Memo,
    ) -> Result<Posted, StoreError> {
        authorize(change_operation(change), by)?;
        match change {
            BalanceChange::Interest { rate, period: Some(period), .. } => {
                let daily = self.store.daily_balances(id, *period, by).await?;
                let earned = daily_balance_interest(&daily.end_of_day, *rate);
                self.store.post_earned(id, change, earned, request_id, memo, by).await
            }
            _ => self.store.post(id, change, request_id, memo, by).await,
        }
    }

    /// Moves money between two accounts, exactly once for a request id.
    pub async fn transfer(
        &self,
        by: &Principal,
        transfer: &Transfer,
        request_id: Option<&RequestId>,
        memo: &Memo,
    ) -> Result<TransferDone, StoreError> {
        authorize(Operation::Transfer, by)?;
        let done = self.store.transfer(transfer, request_id, memo, by).await?;
        // A customer paying someone else's account learns nothing of it.
        let to = sees_counterparty(by, done.to.account.owner.as_ref()).then_some(done.to);
        Ok(TransferDone { from: done.from, to })
    }
}
