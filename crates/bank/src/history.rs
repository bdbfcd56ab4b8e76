//! An account's history: pages of entries, and statements (opening and closing
//! balances, totals in and out, the entries between).

use redbank_domain::{AccountId, Principal};
use redbank_store::{HistoryPage, HistoryQuery, StatementCursor, StatementPage, StoreError};

use crate::Bank;
use crate::policy::{Operation, authorize};

impl Bank {
    /// One page of an account's history, newest first.
    pub async fn history(
        &self,
        by: &Principal,
        id: &AccountId,
        query: &HistoryQuery,
        page_size: usize,
    ) -> Result<HistoryPage, StoreError> {
        authorize(Operation::ListTransactions, by)?;
        self.store.list_transactions(id, query, page_size, by).await
    }

    /// One page of a statement of `[start, end)`, from `cursor` (None: the first).
    pub async fn statement_page(
        &self,
        by: &Principal,
        id: &AccountId,
        (start_millis, end_millis): (i64, i64),
        cursor: Option<&StatementCursor>,
        page_size: usize,
    ) -> Result<StatementPage, StoreError> {
        authorize(Operation::GetStatement, by)?;
        self.store.statement_page(id, start_millis, end_millis, cursor, page_size, by).await
    }

    /// A statement of `[start, end)` whole, or its first `max_entries` entries with
    /// `next` set when there are more.
    pub async fn statement(
        &self,
        by: &Principal,
        id: &AccountId,
        (start_millis, end_millis): (i64, i64),
        max_entries: usize,
    ) -> Result<StatementPage, StoreError> {
        authorize(Operation::GetStatement, by)?;
        self.store.statement_upto(id, start_millis, end_millis, max_entries, by).await
    }
}
