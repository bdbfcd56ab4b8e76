//! An account's history: pages of entries, and statements (opening and closing
//! balances, totals in and out, the entries between).

use redbank_domain::interest::daily_balance_interest;
use redbank_domain::{AccountId, AnnualRate, InterestPeriod, Money, Principal};
use redbank_store::{HistoryPage, HistoryQuery, StatementCursor, StatementPage, StoreError};

use crate::Bank;
use crate::policy::{Operation, authorize, show_actor};

/// A month's interest, as a statement of that month shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonthInterest {
    /// Posted: this much (zero when it came to nothing), at this rate.
    Posted { amount: Money, rate: AnnualRate },
    /// Not posted yet: earned on the closing balances of the month's days that
    /// have ended so far (`days`), at the rate of the account's last posting.
    Accrued { amount: Money, rate: AnnualRate, days: usize },
}

impl Bank {
    /// The interest of `period` on account `id`: posted, or earned so far and not
    /// yet paid (at the rate of the account's last posting before it); None for an
    /// account never posted before.
    pub async fn month_interest(
        &self,
        by: &Principal,
        id: &AccountId,
        period: InterestPeriod,
    ) -> Result<Option<MonthInterest>, StoreError> {
        authorize(Operation::GetStatement, by)?;
        let postings = self.store.period_postings(id, by).await?;
        if let Some(p) = postings.iter().find(|p| p.period == period) {
            return Ok(Some(MonthInterest::Posted { amount: p.amount, rate: p.rate }));
        }
        let Some(last) = postings.iter().rev().find(|p| p.period < period) else { return Ok(None) };
        let currency = last.amount.currency();
        let daily = self.store.daily_balances(id, period, by).await?;
        let ended = daily.end_of_day.len() - daily.days_not_over;
        let amount = daily_balance_interest(&daily.end_of_day[..ended], last.rate);
        Ok(Some(MonthInterest::Accrued {
            amount: Money::from_minor(currency, amount),
            rate: last.rate,
            days: ended,
        }))
    }

    /// One page of an account's history, newest first.
    pub async fn history(
        &self,
        by: &Principal,
        id: &AccountId,
        query: &HistoryQuery,
        page_size: usize,
    ) -> Result<HistoryPage, StoreError> {
        authorize(Operation::ListTransactions, by)?;
        let mut page = self.store.list_transactions(id, query, page_size, by).await?;
        page.transactions.iter_mut().for_each(|t| show_actor(by, t));
        Ok(page)
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
        let mut page = self.store.statement_page(id, start_millis, end_millis, cursor, page_size, by).await?;
        page.transactions.iter_mut().for_each(|t| show_actor(by, t));
        Ok(page)
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
        let mut page = self.store.statement_upto(id, start_millis, end_millis, max_entries, by).await?;
        page.transactions.iter_mut().for_each(|t| show_actor(by, t));
        Ok(page)
    }
}
