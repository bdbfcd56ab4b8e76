//! set_state.lua: freeze, unfreeze and close, with a history entry.

use redbank_domain::{AccountId, CustomerId, Principal, Reason, RequestId, StateChange};

use crate::reply;
use crate::{Applied, StoreError, keys};

/// The call, its KEYS and ARGV in the order of the script's header.
pub(crate) fn invocation<'a>(
    script: &'a redis::Script,
    id: &AccountId,
    change: StateChange,
    reason: &Reason,
    request_id: Option<&RequestId>,
    idempotency_ttl_secs: u64,
    by: &Principal,
) -> redis::ScriptInvocation<'a> {
    let mut invocation = script.key(keys::account(id));
    invocation.key(keys::log(id));
    if let Some(rid) = request_id {
        invocation.key(keys::request(id, rid));
    }
    invocation
        .arg(change.kind().code())
        .arg(reason.as_str())
        .arg(request_id.map_or("", RequestId::as_str))
        .arg(change.fingerprint(reason))
        .arg(idempotency_ttl_secs)
        .arg(id.as_str())
        .arg(by.required_owner().map_or("", CustomerId::as_str))
        .arg(by.actor.as_str());
    invocation
}

/// The reply: the entry and the account after it.
pub(crate) fn decode(id: &AccountId, fields: &[String]) -> Result<Applied, StoreError> {
    let (transaction, account) = reply::entry_and_account(id, None, fields)?;
    Ok(Applied { transaction, account })
}
