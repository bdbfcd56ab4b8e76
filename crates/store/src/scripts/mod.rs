//! The Lua scripts and the one place each is spoken to: a module per script owns
//! its KEYS and ARGV (built by one function from named values) and the decoding of
//! its reply. `prelude.lua` is prepended to every script; it holds the helpers they
//! share, among them the account's field order, whose Rust twin is
//! [`ACCOUNT_FIELDS`] (a test requires both to list the same fields).

pub(crate) mod archive;
pub(crate) mod common;
pub(crate) mod create_account;
pub(crate) mod holds;
#[cfg(test)]
mod on_cluster;
pub(crate) mod post;
#[cfg(test)]
mod publish;
pub(crate) mod set_state;
pub(crate) mod transfer;

use redis::Script;

/// The account hash fields every script reads and every reply's account part
/// carries, in this order. Twin: `read_account` in prelude.lua.
pub(crate) const ACCOUNT_FIELDS: [&str; 10] =
    ["type", "cur", "bal", "ver", "ctime", "state", "sreason", "stime", "owner", "held"];

/// The prelude's line that says whether a change's script writes the feed itself.
const FEED_OFF: &str = "local FEED = false\n";
const FEED_IN_STEP: &str = "local FEED = 'feed:{events}'\n";

/// Builds a script from the shared prelude and its body (`$in_step`: the change's
/// own script appends to the feed of every account's changes, on one Redis).
macro_rules! script {
    ($file:literal, $in_step:expr) => {{
        let prelude = include_str!("../lua/prelude.lua");
        let prelude = if $in_step { prelude.replacen(FEED_OFF, FEED_IN_STEP, 1) } else { prelude.to_owned() };
        redis::Script::new(&(prelude + include_str!(concat!("../lua/", $file))))
    }};
}

/// Every script, loaded once per store.
#[derive(Clone)]
pub(crate) struct Scripts {
    pub create_account: Script,
    pub post: Script,
    pub transfer: Script,
    pub set_state: Script,
    pub archive: Script,
    pub key_create: Script,
    pub key_revoke: Script,
    pub key_touch: Script,
    pub hold: Script,
    pub capture: Script,
    pub credit: Script,
    pub settle: Script,
    pub void: Script,
    pub due: Script,
    pub holds_read: Script,
    pub publish: Script,
}

impl Scripts {
    /// `feed_in_step`: on one Redis, every change's script writes the feed too.
    pub fn new(feed_in_step: bool) -> Self {
        let f = feed_in_step;
        Self {
            create_account: script!("create_account.lua", f),
            post: script!("post.lua", f),
            transfer: script!("transfer.lua", f),
            set_state: script!("set_state.lua", f),
            archive: script!("archive.lua", f),
            key_create: script!("key_create.lua", f),
            key_revoke: script!("key_revoke.lua", f),
            key_touch: script!("key_touch.lua", f),
            hold: script!("hold.lua", f),
            capture: script!("capture.lua", f),
            credit: script!("credit.lua", f),
            settle: script!("settle.lua", f),
            void: script!("void.lua", f),
            due: script!("due.lua", f),
            holds_read: script!("holds_read.lua", f),
            publish: script!("publish.lua", f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ACCOUNT_FIELDS;

    #[test]
    fn the_preludes_account_fields_are_the_rust_ones_in_the_same_order() {
        let prelude = include_str!("../lua/prelude.lua");
        let call = prelude.split("redis.call('HMGET', key, ").nth(1).expect("read_account's HMGET");
        let listed: Vec<&str> = call
            .split(')')
            .next()
            .unwrap_or_default()
            .split(',')
            .map(|f| f.trim().trim_matches('\''))
            .collect();
        assert_eq!(listed, ACCOUNT_FIELDS);
    }
}
