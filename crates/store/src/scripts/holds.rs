//! The scripts of holds and of captures: hold.lua (reserve), capture.lua (start a
//! capture), credit.lua (the target's side, decided once), settle.lua (finish in
//! the hold's slot), void.lua (release) and due.lua (the due index's leases).

use redbank_domain::limits::{MAX_BALANCE_MINOR, OPEN_HOLDS_MAX};
use redbank_domain::{
    AccountId, Capture, Currency, Hold, HoldId, HoldPurpose, HoldRequest, Memo, RequestId, Transaction,
};

use super::common::Common;
use crate::reply::{self, ACCOUNT_FIELDS, ENTRY_FIELDS, HOLD_FIELDS};
use crate::{Applied, StoreError, keys};

/// A hold with the entry that recorded its last change and the account after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldApplied {
    pub hold: Hold,
    pub transaction: Transaction,
    pub account: redbank_domain::Account,
}

/// A finished capture: the hold, the capture's entry (CAPTURE, or TRANSFER_OUT for
/// a transfer between slots), the release of the rest if any, the hold's account
/// after both, and the target's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub hold: Hold,
    pub capture: Transaction,
    pub release: Option<Transaction>,
    pub account: redbank_domain::Account,
    pub to: Applied,
}

/// What the first step of a hold or a capture answered.
pub(crate) enum Started {
    /// Open (a client's hold): done.
    Held(Box<HoldApplied>),
    /// Capturing: the target is to be credited, then the capture settled.
    Capturing(String),
    /// A retry of a capture that was settled: its final reply.
    Settled(Box<Result<Captured, StoreError>>),
}

/// The KEYS of a script that changes a hold and its account (hold.lua, void.lua,
/// settle.lua): the account, its history, its open holds, the hold, and the record
/// of the request id, if any.
fn hold_keys<'a>(
    script: &'a redis::Script,
    hold: &HoldId,
    request_id: Option<&RequestId>,
) -> redis::ScriptInvocation<'a> {
    let id = hold.account();
    let mut invocation = script.key(keys::account(id));
    invocation.key(keys::log(id)).key(keys::holds(id)).key(keys::hold(hold));
    if let Some(rid) = request_id {
        invocation.key(keys::request(id, rid));
    }
    invocation
}

/// What hold.lua is asked to make: a client's hold (`to` None) or the first step
/// of a transfer between slots (`to` its target, opened capturing).
pub(crate) struct NewHold<'a> {
    pub request: &'a HoldRequest,
    pub id: &'a HoldId,
    pub expire_millis: i64,
    /// When the recovery worker may act on it (ms).
    pub deadline_millis: i64,
    pub to: Option<&'a AccountId>,
    pub memo: &'a Memo,
}

/// hold.lua: reserves the funds of `new`.
pub(crate) fn hold<'a>(
    script: &'a redis::Script,
    common: &Common<'_>,
    new: &NewHold<'_>,
) -> redis::ScriptInvocation<'a> {
    let mut invocation = hold_keys(script, new.id, common.request_id);
    common.start(&mut invocation);
    let purpose = if new.to.is_some() { HoldPurpose::Transfer } else { HoldPurpose::Hold };
    invocation
        .arg(new.request.amount.currency().code())
        .arg(new.request.amount.minor())
        .arg(new.memo.as_str())
        .arg(new.request.account.as_str())
        .arg(new.id.nonce())
        .arg(new.expire_millis)
        .arg(new.deadline_millis)
        .arg(purpose.code())
        .arg(new.to.map_or("", AccountId::as_str))
        .arg(OPEN_HOLDS_MAX);
    invocation
}

/// capture.lua: starts a capture of an open hold (`common`'s fingerprint is the
/// capture's).
pub(crate) fn capture<'a>(
    script: &'a redis::Script,
    common: &Common<'_>,
    capture: &Capture,
    deadline_millis: i64,
    memo: &Memo,
) -> redis::ScriptInvocation<'a> {
    let id = capture.hold.account();
    let mut invocation = script.key(keys::account(id));
    invocation.key(keys::hold(&capture.hold));
    if let Some(rid) = common.request_id {
        invocation.key(keys::request(id, rid));
    }
    common.start(&mut invocation);
    invocation
        .arg(capture.amount.map_or(String::new(), |a| a.minor().to_string()))
        .arg(capture.amount.map_or("", |a| a.currency().code()))
        .arg(capture.to.as_str())
        .arg(memo.as_str())
        .arg(capture.hold.to_string())
        .arg(id.as_str())
        .arg(capture.hold.nonce())
        .arg(deadline_millis);
    invocation
}

/// A void's fingerprint: what a retry with the same request id must match.
pub(crate) fn void_fingerprint(hold: &HoldId, memo: &Memo) -> String {
    format!("void|{hold}|{}", memo.as_str())
}

/// void.lua: a client's void (`expired` false) or the service's expiry.
pub(crate) fn void<'a>(
    script: &'a redis::Script,
    common: &Common<'_>,
    hold: &HoldId,
    expired: bool,
    memo: &Memo,
) -> redis::ScriptInvocation<'a> {
    let mut invocation = hold_keys(script, hold, common.request_id);
    common.start(&mut invocation);
    invocation
        .arg(hold.to_string())
        .arg(hold.nonce())
        .arg(hold.account().as_str())
        .arg(if expired { "expired" } else { "voided" })
        .arg(memo.as_str());
    invocation
}

/// What a capturing hold holds for its two remaining steps (read from the hold).
#[derive(Debug, Clone)]
pub(crate) struct Journal {
    pub hold: HoldId,
    pub to: AccountId,
    pub amount: i64,
    pub currency: String,
    pub memo: String,
    pub request_id: String,
    pub actor: String,
    pub attempt: u32,
    /// When the worker finishes the capture if its driver did not (ms).
    pub deadline: i64,
}

/// The hold fields a driver reads (a subset of prelude.lua's `read_hold`).
pub(crate) const JOURNAL_FIELDS: [&str; 9] =
    ["state", "to", "camount", "cur", "cmemo", "crid", "cactor", "attempt", "cdue"];

impl Journal {
    /// From HMGET of [`JOURNAL_FIELDS`]: Ok(None) when the hold is not capturing.
    pub(crate) fn read(hold: &HoldId, f: Vec<Option<String>>) -> Result<Option<Self>, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("hold {hold}: {what}"));
        let [state, to, amount, currency, memo, rid, actor, attempt, deadline] =
            <[Option<String>; 9]>::try_from(f).map_err(|_| corrupt("journal fields"))?;
        if state.as_deref() != Some("capturing") {
            return Ok(None);
        }
        let to = AccountId::parse(&to.unwrap_or_default()).map_err(|_| corrupt("capture target"))?;
        Ok(Some(Self {
            hold: hold.clone(),
            to,
            amount: amount.and_then(|a| a.parse().ok()).ok_or_else(|| corrupt("capture amount"))?,
            currency: currency.unwrap_or_default(),
            memo: memo.unwrap_or_default(),
            request_id: rid.unwrap_or_default(),
            actor: actor.unwrap_or_default(),
            attempt: attempt.and_then(|a| a.parse().ok()).ok_or_else(|| corrupt("capture attempt"))?,
            deadline: deadline.and_then(|d| d.parse().ok()).ok_or_else(|| corrupt("capture deadline"))?,
        }))
    }
}

/// credit.lua: the target's side of a capture, decided once.
pub(crate) fn credit<'a>(
    script: &'a redis::Script,
    journal: &Journal,
    ttl_secs: u64,
) -> redis::ScriptInvocation<'a> {
    let to = &journal.to;
    let mut invocation = script.key(keys::account(to));
    invocation.key(keys::log(to)).key(keys::capture_decision(to, &journal.hold, journal.attempt));
    invocation
        .arg(&journal.currency)
        .arg(journal.amount)
        .arg(&journal.memo)
        .arg(&journal.request_id)
        .arg(&journal.actor)
        .arg(journal.hold.account().as_str())
        .arg(journal.hold.to_string())
        .arg(MAX_BALANCE_MINOR)
        .arg(ttl_secs)
        .arg(to.as_str())
        .arg(
            journal.deadline.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX).saturating_mul(500)),
        );
    invocation
}

/// settle.lua: finishes the capture with the target's decision.
pub(crate) fn settle<'a>(
    script: &'a redis::Script,
    journal: &Journal,
    decision: &[String],
    ttl_secs: u64,
) -> redis::ScriptInvocation<'a> {
    let hold = &journal.hold;
    let id = hold.account();
    let request_id = RequestId::parse(&journal.request_id).ok();
    let mut invocation = hold_keys(script, hold, request_id.as_ref());
    invocation.arg(hold.to_string()).arg(hold.nonce()).arg(id.as_str()).arg(ttl_secs).arg(journal.attempt);
    for field in decision {
        invocation.arg(field);
    }
    invocation
}

/// The reply of hold.lua and capture.lua.
/// `given` is the currency of the request's amount, if it has one (for a
/// CURRENCY_MISMATCH refusal).
pub(crate) fn started(
    account: &AccountId,
    to: Option<&AccountId>,
    given: Option<Currency>,
    fields: &[String],
) -> Result<Started, StoreError> {
    match fields.first().map(String::as_str) {
        Some("PENDING") => Ok(Started::Capturing(fields.get(1).cloned().unwrap_or_default())),
        Some("DONE") => Ok(Started::Settled(Box::new(settled(account, to, given, fields)))),
        Some("OK") if fields.len() == 1 + HOLD_FIELDS => {
            let hold = reply::hold(account, &fields[1..])?;
            Ok(Started::Capturing(hold.id.nonce().to_owned()))
        }
        _ => {
            let parts = reply::ok_parts(fields, given, HOLD_FIELDS + ENTRY_FIELDS + ACCOUNT_FIELDS)?;
            let applied = hold_applied(account, parts)?;
            if applied.hold.state == redbank_domain::HoldState::Capturing {
                return Ok(Started::Capturing(applied.hold.id.nonce().to_owned()));
            }
            Ok(Started::Held(Box::new(applied)))
        }
    }
}

/// A hold part, an entry part and an account part.
fn hold_applied(account: &AccountId, parts: &[String]) -> Result<HoldApplied, StoreError> {
    let (h, rest) = parts.split_at(HOLD_FIELDS);
    let (transaction, account_after) = reply::entry_then_account(account, rest)?;
    Ok(HoldApplied { hold: reply::hold(account, h)?, transaction, account: account_after })
}

/// The reply of void.lua.
pub(crate) fn voided(hold: &HoldId, fields: &[String]) -> Result<HoldApplied, StoreError> {
    hold_applied(hold.account(), reply::ok_parts(fields, None, HOLD_FIELDS + ENTRY_FIELDS + ACCOUNT_FIELDS)?)
}

/// The final reply of a capture (settle.lua): DONE with both sides, or the target's
/// refusal. `to` is the target when the caller knows it (for its id in the reply).
pub(crate) fn settled(
    account: &AccountId,
    to: Option<&AccountId>,
    given: Option<Currency>,
    fields: &[String],
) -> Result<Captured, StoreError> {
    let side = ENTRY_FIELDS + ACCOUNT_FIELDS;
    let Some(("DONE", rest)) = fields.split_first().map(|(h, r)| (h.as_str(), r)) else {
        return Err(reply::refusal(fields, given));
    };
    if rest.len() != HOLD_FIELDS + ENTRY_FIELDS + side + side {
        return Err(StoreError::Corrupt(format!("a settled capture has {} fields", rest.len())));
    }
    let hold = reply::hold(account, &rest[..HOLD_FIELDS])?;
    let rest = &rest[HOLD_FIELDS..];
    let (capture_entry, rest) = rest.split_at(ENTRY_FIELDS);
    let (release_entry, rest) = rest.split_at(ENTRY_FIELDS);
    let (account_part, target) = rest.split_at(ACCOUNT_FIELDS);
    let account_after = reply::account(account, account_part)?;
    let currency = account_after.currency();
    let to_id = match (to, &hold.capture_to) {
        (_, Some(t)) => t.clone(),
        (Some(t), None) => t.clone(),
        (None, None) => {
            return Err(StoreError::Corrupt(format!("hold {} settled without a target", hold.id)));
        }
    };
    let (to_tx, to_account) = reply::entry_then_account(&to_id, target)?;
    let release = if release_entry[0].is_empty() {
        None
    } else {
        Some(reply::entry(account, currency, release_entry)?)
    };
    Ok(Captured {
        capture: reply::entry(account, currency, capture_entry)?,
        release,
        account: account_after,
        to: Applied { transaction: to_tx, account: to_account },
        hold,
    })
}
