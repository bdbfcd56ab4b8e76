//! create_account.lua: a new account with a zero balance.

use redbank_domain::{Account, AccountId, AccountType, Currency, CustomerId, RequestId, create_fingerprint};

use crate::reply;
use crate::{StoreError, keys};

/// The call, its KEYS and ARGV in the order of the script's header.
pub(crate) fn invocation<'a>(
    script: &'a redis::Script,
    id: &AccountId,
    account_type: AccountType,
    currency: Currency,
    request_id: Option<&RequestId>,
    idempotency_ttl_secs: u64,
    owner: Option<&CustomerId>,
) -> redis::ScriptInvocation<'a> {
    let mut invocation = script.key(keys::account(id));
    if let Some(rid) = request_id {
        invocation.key(keys::request(id, rid));
    }
    invocation
        .arg(account_type.as_str())
        .arg(currency.code())
        .arg(create_fingerprint(account_type, currency, owner))
        .arg(idempotency_ttl_secs)
        .arg(id.as_str())
        .arg(owner.map_or("", CustomerId::as_str));
    invocation
}

/// The reply: the account as written.
pub(crate) fn decode(id: &AccountId, fields: &[String]) -> Result<Account, StoreError> {
    reply::account(id, reply::ok_parts(fields, None, reply::ACCOUNT_FIELDS)?)
}
