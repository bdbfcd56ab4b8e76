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
pub(crate) mod set_state;
pub(crate) mod transfer;

use redis::Script;

/// The account hash fields every script reads and every reply's account part
/// carries, in this order. Twin: `read_account` in prelude.lua.
pub(crate) const ACCOUNT_FIELDS: [&str; 10] =
    ["type", "cur", "bal", "ver", "ctime", "state", "sreason", "stime", "owner", "held"];

/// Builds a script from the shared prelude and its body.
macro_rules! script {
    ($file:literal) => {
        redis::Script::new(concat!(
            include_str!("../lua/prelude.lua"),
            include_str!(concat!("../lua/", $file))
        ))
    };
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
    pub fn new() -> Self {
        Self {
            create_account: script!("create_account.lua"),
            post: script!("post.lua"),
            transfer: script!("transfer.lua"),
            set_state: script!("set_state.lua"),
            archive: script!("archive.lua"),
            key_create: script!("key_create.lua"),
            key_revoke: script!("key_revoke.lua"),
            key_touch: script!("key_touch.lua"),
            hold: script!("hold.lua"),
            capture: script!("capture.lua"),
            credit: script!("credit.lua"),
            settle: script!("settle.lua"),
            void: script!("void.lua"),
            due: script!("due.lua"),
            holds_read: script!("holds_read.lua"),
            publish: script!("publish.lua"),
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
