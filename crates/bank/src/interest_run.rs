//! The month's interest for every account: one rule for the console's job and the
//! command line's `interest post` (which runs it over the API: it uses [`Rates`],
//! [`memo`] and [`RUN_CONCURRENCY`] from here).
//!
//! The rule: every active account whose type has a rate is posted the month at
//! that rate, [`RUN_CONCURRENCY`] postings at a time; frozen and closed accounts,
//! and types without a rate, are skipped. Exactly once does not depend on the run:
//! the store posts a period at most once per account, forever, answering a repeat
//! with the first posting. So a run stopped half-way is finished by running it
//! again, and two runs at once post nothing twice. Each run has its own request
//! id, which tells the postings it made from those it found made.

use futures_util::StreamExt;
use redbank_domain::calendar::now_millis;
use redbank_domain::{
    Account, AccountState, AccountType, AnnualRate, BalanceChange, Error, InterestDays, InterestPeriod, Memo,
    Principal, RequestId,
};
use redbank_store::StoreError;

use crate::Bank;
use crate::accounts::Listing;
use crate::policy::{Operation, authorize};

/// Postings a run has in flight at once.
pub const RUN_CONCURRENCY: usize = 8;
/// Accounts one listing call of a run reads.
const RUN_PAGE: usize = 200;

/// The annual rate of each account type; a type without one is not posted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rates {
    pub savings: Option<AnnualRate>,
    pub checking: Option<AnnualRate>,
}

impl Rates {
    /// The rate `account` is posted at this month, if it is posted at all: only an
    /// active account, and only if its type has a rate.
    pub fn for_account(&self, account: &Account) -> Option<AnnualRate> {
        self.rate_for(account.account_type, account.state)
    }

    /// [`Rates::for_account`], from an account's type and state.
    pub fn rate_for(&self, account_type: AccountType, state: AccountState) -> Option<AnnualRate> {
        if state != AccountState::Active {
            return None;
        }
        match account_type {
            AccountType::Savings => self.savings,
            AccountType::Checking => self.checking,
        }
    }
}

/// The memo of a posting: the period and the rate, written one canonical way (a
/// rerun must send the same memo, which the store compares).
pub fn memo(period: InterestPeriod, rate: AnnualRate) -> Memo {
    Memo::parse(&format!("interest {period} at {rate}%")).unwrap_or_default()
}

/// How far a run got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunProgress {
    pub seen: usize,
    /// Posted by this run.
    pub posted: usize,
    /// Not posted by this run: no rate for the type, not active, already posted
    /// (by an earlier or concurrent run), nothing to post, or refused.
    pub skipped: usize,
    /// Not known to be posted (Redis unavailable, say): run it again.
    pub failed: usize,
    /// The last refusal, for whoever watches: why an account was skipped.
    pub last_refusal: String,
}

enum Outcome {
    Posted,
    Skipped,
    Refused(String),
    Failed,
}

impl Bank {
    /// Refuses a period the bank's settings do not let be posted now (the month
    /// under way, unless allowed; one too far back): asked before a run starts, and
    /// by the run itself.
    pub fn check_postable(&self, period: InterestPeriod) -> Result<(), Error> {
        period.check_postable(now_millis(), self.settings.period_policy)
    }

    /// Posts `period`'s interest to every account the rule takes, calling
    /// `progress` after each page of accounts. Answers how far it got, and the
    /// error that stopped it, if one did (then running it again finishes it).
    pub async fn run_interest<F: Future<Output = ()>>(
        &self,
        by: &Principal,
        period: InterestPeriod,
        rates: Rates,
        request_id: &RequestId,
        mut progress: impl FnMut(RunProgress) -> F,
    ) -> (RunProgress, Result<(), StoreError>) {
        let mut done = RunProgress::default();
        if let Err(e) = authorize(Operation::RunInterest, by) {
            return (done, Err(e));
        }
        if let Err(e) = self.check_postable(period) {
            return (done, Err(e.into()));
        }
        let days = match InterestDays::from_request(period.days() as i32) {
            Ok(days) => days,
            Err(e) => return (done, Err(e.into())),
        };
        let mut cursor = 0;
        loop {
            let (accounts, next) = match self.list_accounts(by, Listing::Visible, cursor, RUN_PAGE).await {
                Ok(page) => page,
                Err(e) => return (done, Err(e)),
            };
            done.seen += accounts.len();
            let postings: Vec<_> = accounts
                .iter()
                .map(|account| self.post_interest(by, account, rates, period, days, request_id))
                .collect();
            let outcomes: Vec<Outcome> =
                futures_util::stream::iter(postings).buffer_unordered(RUN_CONCURRENCY).collect().await;
            for outcome in outcomes {
                match outcome {
                    Outcome::Posted => done.posted += 1,
                    Outcome::Skipped => done.skipped += 1,
                    Outcome::Refused(why) => {
                        done.skipped += 1;
                        done.last_refusal = why;
                    }
                    Outcome::Failed => done.failed += 1,
                }
            }
            progress(done.clone()).await;
            if next == 0 {
                return (done, Ok(()));
            }
            cursor = next;
        }
    }

    /// One account's posting in a run.
    async fn post_interest(
        &self,
        by: &Principal,
        account: &Account,
        rates: Rates,
        period: InterestPeriod,
        days: InterestDays,
        request_id: &RequestId,
    ) -> Outcome {
        let Some(rate) = rates.for_account(account) else { return Outcome::Skipped };
        let change = BalanceChange::Interest { rate, days, period: Some(period) };
        match self.post(by, &account.id, &change, Some(request_id), &memo(period, rate)).await {
            Ok(p) if p.transaction.as_ref().is_some_and(|t| t.request_id.as_ref() == Some(request_id)) => {
                Outcome::Posted
            }
            Ok(_) => Outcome::Skipped,
            Err(StoreError::Refused(e)) => Outcome::Refused(format!("{}: {e}", account.id)),
            Err(e) => {
                tracing::warn!(account = %account.id, error = %e, "interest run: a posting failed");
                Outcome::Failed
            }
        }
    }
}
