//! Following an account's changes as they happen: its history entries after a
//! cursor, for whoever may read its history (the policy table's FollowAccount row).

use redbank_domain::{AccountId, EventCursor, Principal};
use redbank_store::{FeedRead, Followed, StoreError};

use crate::Bank;
use crate::policy::{Operation, authorize};

impl Bank {
    /// The entries of account `id` after `after` (at most `max`), and the cursor
    /// to read on from; with `after` None, none, and the cursor of now.
    pub async fn follow(
        &self,
        by: &Principal,
        id: &AccountId,
        after: Option<EventCursor>,
        max: usize,
    ) -> Result<Followed, StoreError> {
        authorize(Operation::FollowAccount, by)?;
        let mut followed = self.store.entries_after(id, after, max, by).await?;
        followed.transactions.iter_mut().for_each(|t| crate::policy::show_actor(by, t));
        Ok(followed)
    }

    /// The events of every account after `after` (at most `max`), and the cursor
    /// to read on from; with `after` None, none, and the cursor of now. Staff only
    /// (the FollowAllAccounts row).
    pub async fn follow_all(
        &self,
        by: &Principal,
        after: Option<EventCursor>,
        max: usize,
    ) -> Result<FeedRead, StoreError> {
        authorize(Operation::FollowAllAccounts, by)?;
        let mut read = self.store.feed_after(after, max).await?;
        read.events.iter_mut().for_each(|e| crate::policy::show_actor(by, &mut e.transaction));
        Ok(read)
    }
}
