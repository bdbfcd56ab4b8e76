//! The arguments every write script of one request takes first: written here
//! once, in the order prelude.lua's `common_args` reads them.

use redbank_domain::{CustomerId, Principal, RequestId};

/// Who asks and how the request is remembered.
pub(crate) struct Common<'a> {
    /// The customer that must own the account ('' for staff, and for opening one).
    pub owner: &'a str,
    /// Who asks, as the history names it.
    pub actor: &'a str,
    /// The request id, if any (its record is also one of the script's KEYS).
    pub request_id: Option<&'a RequestId>,
    /// What a retry with the same request id must match.
    pub fingerprint: String,
    /// How long the request id's record is kept, seconds.
    pub ttl_secs: u64,
}

impl<'a> Common<'a> {
    /// The common arguments of a request by `by`.
    pub fn of(
        by: &'a Principal,
        request_id: Option<&'a RequestId>,
        fingerprint: String,
        ttl_secs: u64,
    ) -> Self {
        let owner = by.required_owner().map_or("", CustomerId::as_str);
        Self { owner, actor: by.actor.as_str(), request_id, fingerprint, ttl_secs }
    }

    /// ARGV[1..=5]: owner, actor, request id, fingerprint, TTL. A script's own
    /// arguments follow.
    pub fn start(&self, invocation: &mut redis::ScriptInvocation<'_>) {
        invocation
            .arg(self.owner)
            .arg(self.actor)
            .arg(self.request_id.map_or("", RequestId::as_str))
            .arg(&self.fingerprint)
            .arg(self.ttl_secs);
    }
}

#[cfg(test)]
mod tests {
    /// How many arguments `Common::start` passes.
    const COMMON_ARGS: usize = 5;

    #[test]
    fn the_prelude_reads_as_many_common_arguments_as_the_store_writes() {
        let prelude = include_str!("../lua/prelude.lua");
        assert!(prelude.contains(&format!("local COMMON = {COMMON_ARGS}\n")));
        let read = (1..=COMMON_ARGS).map(|i| format!("ARGV[{i}]")).collect::<Vec<_>>().join(", ");
        assert!(prelude.contains(&format!("return {read}\n")), "common_args reads {read}");
    }
}
