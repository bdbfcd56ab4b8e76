//! archive.lua: the trim of archived entries and the archive point's move.

use redbank_domain::AccountId;

use crate::{ArchivePoint, StoreError, keys, reply};

/// The call, its KEYS and ARGV in the order of the script's header: the entries
/// `first`..=`next.through` (`count` of them) go, `prior` is the archive point read
/// with them, `next` the one after.
pub(crate) fn invocation<'a>(
    script: &'a redis::Script,
    id: &AccountId,
    first: &str,
    count: usize,
    prior: &ArchivePoint,
    next: &ArchivePoint,
) -> redis::ScriptInvocation<'a> {
    let mut invocation = script.key(keys::account(id));
    invocation
        .key(keys::log(id))
        .arg(first)
        .arg(next.through.as_deref().unwrap_or_default())
        .arg(count)
        .arg(prior.through.as_deref().unwrap_or_default())
        .arg(next.balance)
        .arg(next.version)
        .arg(next.entries)
        .arg(next.net_external)
        .arg(id.as_str());
    invocation
}

/// The reply: done, or the history or archive point was not what was read.
pub(crate) fn decode(fields: &[String]) -> Result<(), StoreError> {
    match fields.first().map(String::as_str) {
        Some("OK") => Ok(()),
        Some("ARCHIVE_CHANGED") => {
            Err(StoreError::ArchiveChanged(fields.get(1).cloned().unwrap_or_default()))
        }
        _ => Err(reply::refusal(fields, None)),
    }
}
