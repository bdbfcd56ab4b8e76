//! set_state.lua: freeze, unfreeze and close, with a history entry.

use redbank_domain::{AccountId, Reason, StateChange};

use super::common::Common;

use crate::reply;
use crate::{Applied, StoreError, keys};

/// The call, its KEYS and ARGV in the order of the script's header.
/// (`common`'s fingerprint is the change's: `StateChange::fingerprint`.)
pub(crate) fn invocation<'a>(
    script: &'a redis::Script,
    common: &Common<'_>,
    id: &AccountId,
    change: StateChange,
    reason: &Reason,
) -> redis::ScriptInvocation<'a> {
    let mut invocation = script.key(keys::account(id));
    invocation.key(keys::log(id));
    if let Some(rid) = common.request_id {
        invocation.key(keys::request(id, rid));
    }
    common.start(&mut invocation);
    invocation.arg(change.kind().code()).arg(reason.as_str()).arg(id.as_str());
    invocation
}

/// The reply: the entry and the account after it.
pub(crate) fn decode(id: &AccountId, fields: &[String]) -> Result<Applied, StoreError> {
    let (transaction, account) = reply::entry_and_account(id, None, fields)?;
    Ok(Applied { transaction, account })
}
