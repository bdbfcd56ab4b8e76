//! create_account.lua: a new account with a zero balance.

use redbank_domain::{Account, AccountId, AccountType, Currency, CustomerId, RequestId, create_fingerprint};

use super::common::Common;

use crate::reply;
use crate::{StoreError, keys};

/// The call, its KEYS and ARGV in the order of the script's header. No owner is
/// required of the caller: the policy decided who may open an account for whom.
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
    let fingerprint = create_fingerprint(account_type, currency, owner);
    Common { owner: "", actor: "", request_id, fingerprint, ttl_secs: idempotency_ttl_secs }
        .start(&mut invocation);
    invocation
        .arg(account_type.as_str())
        .arg(currency.code())
        .arg(id.as_str())
        .arg(owner.map_or("", CustomerId::as_str));
    invocation
}

/// The reply: the account as written.
pub(crate) fn decode(id: &AccountId, fields: &[String]) -> Result<Account, StoreError> {
    reply::account(id, reply::ok_parts(fields, None, reply::ACCOUNT_FIELDS)?)
}
