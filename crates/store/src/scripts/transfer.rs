//! transfer.lua: both sides of a transfer in one step.

use redbank_domain::limits::MAX_BALANCE_MINOR;
use redbank_domain::{Currency, Memo, Transfer};

use super::common::Common;

use crate::reply;
use crate::{Applied, StoreError, Transferred, keys};

/// The call, its KEYS and ARGV in the order of the script's header.
/// (`common`'s fingerprint is the transfer's: `Transfer::fingerprint`.)
pub(crate) fn invocation<'a>(
    script: &'a redis::Script,
    common: &Common<'_>,
    transfer: &Transfer,
    memo: &Memo,
) -> redis::ScriptInvocation<'a> {
    let (from, to, amount) = (transfer.from(), transfer.to(), transfer.amount());
    let mut invocation = script.key(keys::account(from));
    invocation.key(keys::log(from)).key(keys::account(to)).key(keys::log(to));
    if let Some(rid) = common.request_id {
        invocation.key(keys::request(from, rid));
    }
    common.start(&mut invocation);
    invocation
        .arg(amount.currency().code())
        .arg(amount.minor())
        .arg(memo.as_str())
        .arg(MAX_BALANCE_MINOR)
        .arg(from.as_str())
        .arg(to.as_str());
    invocation
}

/// The reply: both sides, each with the other's version after the transfer.
pub(crate) fn decode(
    transfer: &Transfer,
    given: Currency,
    fields: &[String],
) -> Result<Transferred, StoreError> {
    let side = reply::ENTRY_FIELDS + reply::ACCOUNT_FIELDS;
    let parts = reply::ok_parts(fields, Some(given), 2 * side)?;
    let (a, b) = parts.split_at(side);
    let decode = |id, part: &[String]| -> Result<Applied, StoreError> {
        let (transaction, account) = reply::entry_then_account(id, part)?;
        Ok(Applied { transaction, account })
    };
    let (mut from, mut to) = (decode(transfer.from(), a)?, decode(transfer.to(), b)?);
    from.transaction.counterparty_version = Some(to.account.version);
    to.transaction.counterparty_version = Some(from.account.version);
    Ok(Transferred { from, to })
}
