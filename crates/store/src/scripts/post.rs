//! post.lua: deposits, withdrawals and interest, one or many changes per call.

use redbank_domain::interest::interest_fraction;
use redbank_domain::limits::MAX_BALANCE_MINOR;
use redbank_domain::{AccountId, BalanceChange, Currency, CustomerId, Memo, Principal, RequestId};

use crate::reply;
use crate::{Posted, StoreError, keys};

/// One change, as post.lua takes it: its keys, and its ARGV in the order of the
/// script's header.
#[derive(Debug, Clone)]
pub(crate) struct PostOp {
    pub keys: Vec<String>,
    pub args: [String; 11],
}

/// The named values of one change's ARGV.
struct Args {
    kind: &'static str,
    /// Empty for interest (it is in the account's currency).
    currency: String,
    /// Minor units; for interest the numerator of the fraction.
    amount: String,
    /// Empty unless interest.
    denominator: String,
    memo: String,
    request_id: String,
    fingerprint: String,
    account_id: String,
    /// Empty unless interest is posted for a period.
    period: String,
    /// The customer that must own the account; empty for staff.
    owner: String,
    /// Who asks, for the history.
    actor: String,
}

impl Args {
    /// The one place of the ARGV order: post.lua's header lists the same.
    fn encode(self) -> [String; 11] {
        [
            self.kind.to_owned(),
            self.currency,
            self.amount,
            self.denominator,
            self.memo,
            self.request_id,
            self.fingerprint,
            self.account_id,
            self.period,
            self.owner,
            self.actor,
        ]
    }
}

impl PostOp {
    /// One change for post.lua, and the currency of its amount (a CURRENCY_MISMATCH
    /// reply does not repeat it).
    pub fn new(
        id: &AccountId,
        change: &BalanceChange,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> (Self, Option<Currency>) {
        Self::build(id, change, None, request_id, memo, by)
    }

    /// One change; `earned`, for a period's interest, its computed amount (the
    /// script adds it as it is: no denominator).
    fn build(
        id: &AccountId,
        change: &BalanceChange,
        earned: Option<i64>,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> (Self, Option<Currency>) {
        let (currency, amount, denominator, period) = match (change, earned) {
            (BalanceChange::Deposit(amount) | BalanceChange::Withdrawal(amount), _) => {
                (Some(amount.currency()), amount.minor().to_string(), String::new(), None)
            }
            (BalanceChange::Interest { period, .. }, Some(earned)) => {
                (None, earned.to_string(), String::new(), *period)
            }
            (BalanceChange::Interest { rate, days, period }, None) => {
                let (numerator, denominator) = interest_fraction(*rate, *days);
                (None, numerator.to_string(), denominator.to_string(), *period)
            }
        };
        // The periods hash only when a period is posted: a deposit never touches it.
        let mut keys = vec![keys::account(id), keys::log(id)];
        if period.is_some() {
            keys.push(keys::interest_periods(id));
        }
        if let Some(rid) = request_id {
            keys.push(keys::request(id, rid));
        }
        let args = Args {
            kind: change.kind().code(),
            currency: currency.map(|c| c.code().to_owned()).unwrap_or_default(),
            amount,
            denominator,
            memo: memo.as_str().to_owned(),
            request_id: request_id.map_or("", RequestId::as_str).to_owned(),
            fingerprint: change.fingerprint(memo),
            account_id: id.as_str().to_owned(),
            period: period.map(|p| p.to_string()).unwrap_or_default(),
            owner: by.required_owner().map_or("", CustomerId::as_str).to_owned(),
            actor: by.actor.as_str().to_owned(),
        };
        (Self { keys, args: args.encode() }, currency)
    }

    /// A month's interest whose amount was computed (on daily balances, by the
    /// bank): post.lua adds `earned` as it is, and records the period as any
    /// period posting. The fingerprint is the posting's, so that a rerun asking
    /// the same is answered the first posting.
    pub fn earned(
        id: &AccountId,
        change: &BalanceChange,
        earned: i64,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> Result<(Self, Option<Currency>), StoreError> {
        let BalanceChange::Interest { period: Some(_), .. } = change else {
            return Err(StoreError::Corrupt(
                "an earned amount is posted only for a period's interest".into(),
            ));
        };
        if !(0..=MAX_BALANCE_MINOR).contains(&earned) {
            return Err(StoreError::Corrupt(format!("interest of {earned} minor units")));
        }
        Ok(Self::build(id, change, Some(earned), request_id, memo, by))
    }
}

/// The call of `ops`, one after another in one script: ARGV[1] and ARGV[2] are the
/// request-id TTL and the balance ceiling, then each change's.
pub(crate) fn invocation<'a>(
    script: &'a redis::Script,
    ops: &[&PostOp],
    idempotency_ttl_secs: u64,
) -> redis::ScriptInvocation<'a> {
    let mut invocation = script.prepare_invoke();
    for op in ops {
        for key in &op.keys {
            invocation.key(key);
        }
    }
    invocation.arg(idempotency_ttl_secs).arg(MAX_BALANCE_MINOR);
    for op in ops {
        for arg in &op.args {
            invocation.arg(arg);
        }
    }
    invocation
}

/// One change's reply (post.lua answers its fields joined by NUL bytes): the entry
/// written, if any, and the account after it. The fields are read where they lie.
pub(crate) fn decode(id: &AccountId, given: Option<Currency>, joined: &str) -> Result<Posted, StoreError> {
    let fields: Vec<&str> = joined.split('\0').collect();
    if let Some((&first, rest)) = fields.split_first()
        && first == "NO_CHANGE"
    {
        return Ok(Posted { transaction: None, account: reply::account(id, rest)? });
    }
    let (entry, account) = reply::entry_and_account(id, given, &fields)?;
    Ok(Posted { transaction: Some(entry), account })
}
