//! What a month's interest is earned on: the closing balance of each of its days,
//! read in one atomic round trip (the account, its archive point and, for each day
//! that has ended, the last history entry before its end), and the posting of the
//! figure the bank computed from them (`redbank_domain::interest::daily_balance_interest`).

use std::collections::HashMap;

use redbank_domain::{
    AccountId, AnnualRate, BalanceChange, Currency, Error, InterestPeriod, Memo, Money, Principal, RequestId,
};

use crate::archive::ARCHIVE_FIELDS;
use crate::history::RawEntries;
use crate::scripts::ACCOUNT_FIELDS;
use crate::scripts::post::PostOp;
use crate::{Posted, Store, StoreError, keys, reply, scripts};

/// The closing balance of each day of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyBalances {
    /// One item per day of the period, in order: `None` for a day that ended
    /// before the account was opened.
    pub end_of_day: Vec<Option<i64>>,
    /// Days counted at the balance now because they have not ended yet (by
    /// Redis's clock): only when the month under way is posted.
    pub days_not_over: usize,
}

impl Store {
    /// The closing balance of each day of `period` on account `id`. A day counts
    /// from the day the account was opened; a day not over yet (by Redis's clock)
    /// counts at the balance now. Refused HISTORY_ARCHIVED when the period reaches
    /// into archived history: its balances can no longer be known.
    pub async fn daily_balances(
        &self,
        id: &AccountId,
        period: InterestPeriod,
        by: &Principal,
    ) -> Result<DailyBalances, StoreError> {
        let now = self.time_millis().await?;
        let (start, _) = period.bounds_millis();
        let ended: Vec<i64> = period.day_ends_millis().filter(|end| *end <= now).collect();
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_FIELDS);
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ARCHIVE_FIELDS);
        for end in &ended {
            // The last entry before the day's end: its balance is the day's closing one.
            pipe.cmd("XREVRANGE").arg(keys::log(id)).arg(format!("({end}-0")).arg("-").arg("COUNT").arg(1);
        }
        let mut conn = self.exec.conn.clone();
        let replies: Vec<redis::Value> = self.call(pipe.query_async(&mut conn)).await?;
        let mut replies = replies.into_iter();
        let mut next = || replies.next().ok_or_else(|| StoreError::Corrupt("short pipeline reply".into()));
        let account =
            reply::stored_account(id, from_value(next()?)?).map_err(|e| crate::hide_missing(e, by))?;
        crate::may_see(&account, by)?;
        let point = reply::archive_point(from_value(next()?)?)?;
        if let Some(through_millis) = point.through_millis().filter(|through| *through >= start) {
            return Err(StoreError::Refused(Error::HistoryArchived { through_millis }));
        }
        let mut end_of_day = Vec::with_capacity(period.days() as usize);
        for end in period.day_ends_millis() {
            let open = account.create_time_micros < end.saturating_mul(1000);
            let closing = if end > now {
                account.balance.minor()
            } else {
                let last: RawEntries = from_value(next()?)?;
                match last.into_iter().next() {
                    Some((entry_id, kv)) => {
                        reply::stream_entry(id, account.currency(), entry_id, kv)?.balance_after.minor()
                    }
                    // Nothing in the live history before this day's end: the
                    // balance after the archived entries (all before the period),
                    // or, with none, the opening balance of zero.
                    None => point.balance,
                }
            };
            end_of_day.push(open.then_some(closing));
        }
        Ok(DailyBalances { end_of_day, days_not_over: period.days() as usize - ended.len() })
    }

    /// Posts a month's interest whose amount the bank computed (`change` is the
    /// posting asked for, with its period; `earned` in the account's minor units),
    /// once per account and period, as [`Store::post`] posts any change.
    pub async fn post_earned(
        &self,
        id: &AccountId,
        change: &BalanceChange,
        earned: i64,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> Result<Posted, StoreError> {
        let (op, given) = PostOp::earned(id, change, earned, request_id, memo, by)?;
        scripts::post::decode(id, given, &self.posts.post(op).await?)
    }
}

/// A month's interest as posted: the rate and the amount (zero when it came to
/// nothing), from the account's record of posted periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodPosting {
    pub period: InterestPeriod,
    pub rate: AnnualRate,
    /// Zero when it came to nothing.
    pub amount: Money,
}

impl Store {
    /// Every month posted to account `id`, oldest first, read in one atomic round
    /// trip with the account (whether `by` may see it).
    pub async fn period_postings(
        &self,
        id: &AccountId,
        by: &Principal,
    ) -> Result<Vec<PeriodPosting>, StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_FIELDS);
        pipe.cmd("HGETALL").arg(keys::interest_periods(id));
        let mut conn = self.exec.conn.clone();
        let (fields, records): (Vec<Option<String>>, HashMap<String, String>) =
            self.call(pipe.query_async(&mut conn)).await?;
        let account = reply::stored_account(id, fields).map_err(|e| crate::hide_missing(e, by))?;
        crate::may_see(&account, by)?;
        let mut postings = records
            .into_iter()
            .map(|(period, record)| posting(id, account.currency(), &period, &record))
            .collect::<Result<Vec<_>, _>>()?;
        postings.sort_by_key(|p| p.period);
        Ok(postings)
    }
}

/// One record of the periods hash: the posting's fingerprint
/// (`interest|<rate in millionths of a percent>|<days>|<period>|<memo>`, see
/// `BalanceChange::fingerprint`) and post.lua's reply, joined by NUL bytes.
fn posting(
    id: &AccountId,
    currency: Currency,
    period: &str,
    record: &str,
) -> Result<PeriodPosting, StoreError> {
    let corrupt = || StoreError::Corrupt(format!("interest record {period} of {id}"));
    let period = InterestPeriod::parse(period).map_err(|_| corrupt())?;
    // The record is the fingerprint and the reply, joined by NUL bytes.
    let (fingerprint, reply) = record.split_once('\0').ok_or_else(corrupt)?;
    let rate = fingerprint
        .split('|')
        .nth(1)
        .and_then(|micro| micro.parse().ok())
        .and_then(AnnualRate::from_micro_percent)
        .ok_or_else(corrupt)?;
    let amount = scripts::post::decode(id, None, reply)?
        .transaction
        .map_or(Money::zero(currency), |t| Money::from_minor(currency, t.amount.minor()));
    Ok(PeriodPosting { period, rate, amount })
}

fn from_value<T: redis::FromRedisValue>(value: redis::Value) -> Result<T, StoreError> {
    redis::from_redis_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}
