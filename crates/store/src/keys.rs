//! The Redis key layout. Every key of one account carries the account id as its
//! hash tag, `{ID}`, so that all of them live in one Redis Cluster slot and one
//! script may touch them all. Account ids cannot contain `{`, `}` or `:`
//! (see `AccountId`), so an id can never break out of its tag.

use redbank_domain::{AccountId, CustomerId, HoldId, KeyId, RequestId, UserName, WebhookId};

/// The account hash: type, cur, bal, ver, ctime.
pub fn account(id: &AccountId) -> String {
    format!("acct:{{{id}}}")
}

/// The account's history stream: one entry per balance change.
pub fn log(id: &AccountId) -> String {
    format!("acct:{{{id}}}:log")
}

/// Interest periods posted to the account: period -> the posting's record. Kept
/// forever, unlike request ids, so that a period is never posted twice.
pub fn interest_periods(id: &AccountId) -> String {
    format!("acct:{{{id}}}:interest")
}

/// The SCAN pattern that matches account hashes and nothing else of ours: every
/// other key of an account ends in a suffix after the tag.
pub const ACCOUNT_PATTERN: &str = "acct:{*}";

/// The account id of an account hash key, if it is one.
pub fn account_of(key: &str) -> Option<AccountId> {
    key.strip_prefix("acct:{")?.strip_suffix('}').and_then(|id| AccountId::parse(id).ok())
}

/// The ids of the accounts a customer owns (a set), under the customer's own hash
/// tag: what ListAccounts reads for a customer. An index, not the truth: the
/// account's `owner` field is, and readers check it.
pub fn customer_accounts(customer: &CustomerId) -> String {
    format!("cust:{{{customer}}}:accounts")
}

/// An API key's record (a hash). Every credential key shares the hash tag
/// `{keys}`, so that one script may create or revoke a key, move the epoch and
/// log it, on a Cluster too.
pub fn api_key(id: &KeyId) -> String {
    format!("cred:{{keys}}:key:{id}")
}

/// The id of every API key (a set).
pub const API_KEYS: &str = "cred:{keys}:all";

/// A counter moved by every creation and revocation: each replica polls it and
/// drops its cache of keys when it moves.
pub const CREDENTIALS_EPOCH: &str = "cred:{keys}:epoch";

/// Who created or revoked which key, when (a stream).
pub const CREDENTIALS_LOG: &str = "cred:{keys}:log";

/// A console user (a hash: password hash, role, customer, disabled, epoch). Each
/// console key has its own hash tag, so that console data spreads over a cluster
/// and never shares a slot with an account.
pub fn console_user(name: &UserName) -> String {
    format!("web:{{u:{name}}}")
}

/// Every console user's name (a set, written before the user's hash: a name here
/// without a hash is a creation that did not finish, and is not listed).
pub const CONSOLE_USERS: &str = "web:{users}";

/// A console session (a hash; it expires when idle).
pub fn console_session(id: &str) -> String {
    format!("web:{{s:{id}}}")
}

/// A sign-in throttle's counter: one key, so one slot, each.
pub fn sign_in_counter(what: &str) -> String {
    format!("web:{{t:{what}}}")
}

/// A console job's record: what it is, who started it, and its counters, kept for
/// a day after it starts.
pub fn console_job(id: &str) -> String {
    format!("web:{{job:{id}}}")
}

/// The console's audit trail (a stream): sign-ins, sign-outs, users made and
/// changed, jobs started. Money changes are in each account's history, with their
/// actor.
pub const CONSOLE_AUDIT_LOG: &str = "web:{audit}:log";

/// The key the health check writes to learn that Redis takes writes (it expires
/// by itself). Outside every account's tag and the account pattern.
pub const HEALTH_PROBE: &str = "redbank:health-probe";

/// The key that signs page tokens (see the server's page_token), kept forever.
pub const PAGE_TOKEN_KEY: &str = "redbank:page-token-key";

/// The feed of every account's changes (a stream of history entries, each with
/// its account), in a slot of its own: written by the relay (feed.rs), never by a
/// change's own script, which on a Cluster cannot reach it.
pub const FEED: &str = "feed:{events}";

/// The last entry of each account's history that is in the feed (a hash: account
/// id -> entry id), moved by the same script that appends.
pub const FEED_MARKS: &str = "feed:{events}:marks";

/// The account's version after its mark's entry (a hash: account id -> version),
/// moved with the mark: how publish.lua tells that a change's entry follows the
/// mark without a gap (versions count an account's entries one by one).
pub const FEED_VERSIONS: &str = "feed:{events}:versions";

/// The feed's bookkeeping (a hash): when it was last trimmed, and the newest
/// event id trimmed away (a cursor before it has lost events).
pub const FEED_META: &str = "feed:{events}:meta";

/// Held by the replica sweeping every account for entries not yet in the feed
/// (it expires by itself).
pub const FEED_SWEEP_LEASE: &str = "feed:{events}:sweep";

/// Every webhook's id (a set).
pub const WEBHOOKS: &str = "hook:{all}";

/// A webhook (a hash: url, account, secret, ctime, cursor). Each webhook's keys
/// share the tag `{w:ID}`, so that one script may check its lease and move its
/// cursor.
pub fn webhook(id: &WebhookId) -> String {
    format!("hook:{{w:{id}}}")
}

/// A webhook's keys besides its hash: `lease` (the replica delivering it), `done`
/// (events of the current window delivered or dead), `retry` (event -> first
/// attempt ms and attempts), `log` (a stream of attempts), `dead` (event -> body),
/// `requeue` (dead events asked to be delivered again: event -> body).
pub fn webhook_part(id: &WebhookId, part: &str) -> String {
    format!("hook:{{w:{id}}}:{part}")
}

/// The idempotency record of one request id, scoped to the account it touched.
pub fn request(id: &AccountId, request_id: &RequestId) -> String {
    format!("acct:{{{id}}}:req:{request_id}")
}

/// A hold (a hash), under its account's tag; kept for the idempotency window once
/// it is settled.
pub fn hold(id: &HoldId) -> String {
    format!("acct:{{{}}}:hold:{}", id.account(), id.nonce())
}

/// An account's open (and capturing) holds: a sorted set, nonce -> expire time
/// (ms). The checker requires the held balance to be the sum of their amounts.
pub fn holds(id: &AccountId) -> String {
    format!("acct:{{{id}}}:holds")
}

/// The decision of one capture attempt, under the target's tag (credit.lua):
/// credited or refused, written once.
pub fn capture_decision(to: &AccountId, hold: &HoldId, attempt: u32) -> String {
    format!("acct:{{{to}}}:capture:{hold}:{attempt}")
}

/// Shards of the due index: holds to expire and captures to finish, spread over
/// this many keys (each its own hash tag, so over the primaries of a cluster).
pub const DUE_SHARDS: usize = 16;

/// One shard of the due index (a sorted set: hold id -> when due, ms).
pub fn due(shard: usize) -> String {
    format!("holds:{{due-{shard}}}")
}

/// The shard of the due index a hold's entry lives in (FNV-1a of its id).
pub fn due_of(hold: &HoldId) -> String {
    let hash = hold
        .to_string()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    due((hash % DUE_SHARDS as u64) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_keys_of_an_account_share_its_hash_tag() {
        let id = AccountId::parse("alice-1").unwrap();
        let rid = RequestId::parse("r {x} 1").unwrap();
        assert_eq!(account(&id), "acct:{alice-1}");
        assert_eq!(log(&id), "acct:{alice-1}:log");
        assert_eq!(request(&id, &rid), "acct:{alice-1}:req:r {x} 1");
        assert_eq!(account_of(&account(&id)), Some(id.clone()));
        assert_eq!(account_of(&log(&id)), None);
        assert_eq!(account_of("acct:{a}:req:x}"), None);
        for key in [account(&id), log(&id), request(&id, &rid), interest_periods(&id)] {
            // Redis hashes the text between the first '{' and the next '}'.
            let open = key.find('{').unwrap();
            let close = key[open..].find('}').unwrap() + open;
            assert_eq!(&key[open + 1..close], "alice-1");
        }
    }
}
