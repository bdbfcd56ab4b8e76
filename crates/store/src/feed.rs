//! The feed of every account's changes: one stream in a slot of its own whose
//! entries name history entries (account, entry id); readers take each entry from
//! its history. On one Redis each change's own script appends to it (prelude.lua's
//! `append`). On a Redis Cluster a script writes only its own slot, so a relay
//! fills it from the histories (publish.lua says how an entry gets in once and in
//! order).
//!
//! How no entry is lost on a Cluster (ARCHITECTURE.md, "Change events"): every
//! history entry is written in its change's atomic step; the replica that made a
//! change hints its account (in memory, here) and its relay publishes the account
//! soon after; a replica killed before its relay ran leaves the entry unpublished
//! but still in the history, where the sweep ([`Store::feed_behind`]), which
//! compares every account's last entry with its mark, finds it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redbank_domain::{AccountId, Error, EventCursor, Transaction};
use tokio::sync::Notify;

use crate::history::{RawEntries, parse};
use crate::{Store, StoreError, keys, reply};

/// Entries of one account one publication takes; an account with more stays
/// hinted for the next.
pub const PUBLISH_ENTRIES_MAX: usize = 100;
/// Accounts one publication takes.
pub const PUBLISH_ACCOUNTS_MAX: usize = 64;
/// Accounts hinted and not yet published that one replica remembers; beyond it a
/// hint is dropped and the sweep publishes that account.
pub const HINTS_MAX: usize = 100_000;

/// One event of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    /// Its place in the feed: where a follower resumes.
    pub cursor: EventCursor,
    pub account: AccountId,
    /// The history entry, as the history has it.
    pub transaction: Transaction,
}

/// What a follower of every account reads next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRead {
    pub events: Vec<FeedEvent>,
    /// Where to read on from: the last event returned, or the cursor asked for.
    pub cursor: EventCursor,
}

/// What a replica knows of an account's entries not yet published: the entries
/// its own changes wrote, each with the account's version after it (a change's
/// reply says both), or nothing (read the history after the feed's mark).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tail {
    /// Read the account's history after its mark.
    Read,
    /// These entries, as (version, entry id), in the order they were written; the
    /// feed's script appends them if they follow its mark without a gap, and
    /// answers the account as one to read otherwise.
    Known(Vec<(u64, String)>),
}

/// Accounts changed by this replica and not yet published (on a Cluster; on one
/// Redis the changes publish themselves, and nothing is hinted).
pub(crate) struct FeedHints {
    enabled: bool,
    accounts: Mutex<HashMap<AccountId, Tail>>,
    changed: Notify,
}

impl FeedHints {
    pub(crate) fn new(enabled: bool) -> Self {
        Self { enabled, accounts: Mutex::default(), changed: Notify::new() }
    }

    /// Notes `id` with what is known of its new entries; `entry` None: nothing.
    fn note(&self, id: &AccountId, entry: Option<(u64, &str)>) {
        if !self.enabled {
            return;
        }
        let noted = |known: Vec<(u64, String)>| match entry {
            Some((version, entry)) if known.len() < PUBLISH_ENTRIES_MAX => {
                let mut known = known;
                known.push((version, entry.to_owned()));
                Tail::Known(known)
            }
            _ => Tail::Read,
        };
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        // An account hinted already is updated in place (no copy of its id).
        if let Some(tail) = accounts.get_mut(id) {
            *tail = match std::mem::replace(tail, Tail::Read) {
                Tail::Known(known) => noted(known),
                Tail::Read => Tail::Read,
            };
            return;
        }
        if accounts.len() >= HINTS_MAX {
            return;
        }
        accounts.insert(id.clone(), noted(Vec::new()));
        drop(accounts);
        self.changed.notify_one();
    }

    pub(crate) fn hint(&self, id: &AccountId) {
        self.note(id, None);
    }

    /// The key of an account's hash, as scripts are run with: its account hinted.
    pub(crate) fn hint_key(&self, key: &str) {
        if !self.enabled {
            return;
        }
        if let Some(id) = keys::account_of(key) {
            self.hint(&id);
        }
    }

    /// The entry a change wrote to the account of `key` (its hash's key), and the
    /// account's version after it.
    pub(crate) fn hint_entry(&self, key: &str, version: u64, entry: &str) {
        if !self.enabled {
            return;
        }
        if let Some(id) = keys::account_of(key) {
            self.note(&id, Some((version, entry)));
        }
    }

    fn take(&self, max: usize) -> Vec<(AccountId, Tail)> {
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        let taken: Vec<AccountId> = accounts.keys().take(max).cloned().collect();
        taken.into_iter().filter_map(|id| accounts.remove_entry(&id)).collect()
    }
}

/// The account's version after a history entry (its `version` field).
fn entry_version(entry: &str, kv: &[String]) -> Result<u64, StoreError> {
    kv.chunks_exact(2)
        .find(|pair| pair[0] == "version")
        .and_then(|pair| pair[1].parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("history entry {entry} has no version")))
}

/// A stream id of the feed as a cursor.
fn cursor_of(id: &str) -> Result<EventCursor, StoreError> {
    EventCursor::parse(id).map_err(|_| StoreError::Corrupt(format!("feed id {id}")))
}

/// One feed entry: its account and its history entry's id.
fn feed_entry(id: &str, kv: &[String]) -> Result<(EventCursor, AccountId, String), StoreError> {
    let cursor = cursor_of(id)?;
    match kv {
        [a, account, e, entry] if a == "acct" && e == "entry" => {
            let account =
                AccountId::parse(account).map_err(|_| StoreError::Corrupt(format!("feed event {id}")))?;
            Ok((cursor, account, entry.clone()))
        }
        _ => Err(StoreError::Corrupt(format!("feed event {id}"))),
    }
}

impl Store {
    /// Accounts this replica changed and has not published, at most `max`, with
    /// what it knows of their new entries.
    pub fn take_feed_hints(&self, max: usize) -> Vec<(AccountId, Tail)> {
        self.hints.take(max)
    }

    /// Puts accounts back to be published (a publication that failed, or one that
    /// left entries behind).
    pub fn hint_feed(&self, ids: &[AccountId]) {
        ids.iter().for_each(|id| self.hints.hint(id));
    }

    /// Resolves when an account was hinted since the last call.
    pub async fn feed_hinted(&self) {
        self.hints.changed.notified().await;
    }

    /// Publishes the entries of `ids` not yet in the feed (at most
    /// [`PUBLISH_ENTRIES_MAX`] each), read from their histories. Returns the
    /// accounts that have more.
    pub async fn publish(&self, ids: &[AccountId]) -> Result<Vec<AccountId>, StoreError> {
        let read: Vec<(AccountId, Tail)> = ids.iter().map(|id| (id.clone(), Tail::Read)).collect();
        self.publish_tails(&read).await
    }

    /// Publishes what `hinted` names with publish.lua: an account's known entries
    /// as they are (no history read), the others' read from their histories after
    /// their marks. Returns the accounts to publish again by reading: those with
    /// more than [`PUBLISH_ENTRIES_MAX`], and those whose known entries did not
    /// follow their mark (another replica's change between, not yet published).
    pub async fn publish_tails(&self, hinted: &[(AccountId, Tail)]) -> Result<Vec<AccountId>, StoreError> {
        let mut invocation = self.scripts.publish.key(keys::FEED);
        invocation
            .key(keys::FEED_MARKS)
            .key(keys::FEED_META)
            .key(keys::FEED_VERSIONS)
            .arg(self.feed_retention.as_millis() as u64);
        if !self.exec.conn.is_cluster() {
            // One Redis: every change wrote its own event; only the trim is left.
            invocation.arg(0);
            let _: Vec<String> = self.exec.run(&self.metrics.publish, &invocation, keys::FEED).await?;
            return Ok(Vec::new());
        }
        let to_read: Vec<&AccountId> =
            hinted.iter().filter(|(_, tail)| *tail == Tail::Read).map(|(id, _)| id).collect();
        let marks = if to_read.is_empty() { Vec::new() } else { self.feed_marks(&to_read).await? };
        // Each account's history after its mark, in its own slot, all at once.
        let reads = to_read.iter().zip(&marks).map(|(id, mark)| async move {
            let from = mark.as_ref().map_or_else(|| "-".to_owned(), |m| format!("({m}"));
            self.query::<RawEntries>(
                redis::cmd("XRANGE")
                    .arg(keys::log(id))
                    .arg(from)
                    .arg("+")
                    .arg("COUNT")
                    .arg(PUBLISH_ENTRIES_MAX),
            )
            .await
        });
        let mut read = futures_util::future::join_all(reads).await.into_iter();
        let (mut accounts, mut more) = (0usize, Vec::new());
        let mut args: Vec<String> = Vec::new();
        for (id, tail) in hinted {
            let (how, entries) = match tail {
                Tail::Known(known) => ("known", known.clone()),
                Tail::Read => {
                    let entries =
                        read.next().ok_or_else(|| StoreError::Corrupt("a read missing".into()))??;
                    if entries.len() >= PUBLISH_ENTRIES_MAX {
                        more.push(id.clone());
                    }
                    let versioned = entries
                        .into_iter()
                        .map(|(entry, kv)| Ok((entry_version(&entry, &kv)?, entry)))
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    ("read", versioned)
                }
            };
            if entries.is_empty() {
                continue;
            }
            accounts += 1;
            args.extend([id.to_string(), how.to_owned(), entries.len().to_string()]);
            for (version, entry) in entries {
                args.extend([version.to_string(), entry]);
            }
        }
        if accounts == 0 {
            return Ok(more);
        }
        invocation.arg(accounts).arg(args);
        let gaps: Vec<String> = self.exec.run(&self.metrics.publish, &invocation, keys::FEED).await?;
        for gap in gaps {
            let id = AccountId::parse(&gap).map_err(|_| StoreError::Corrupt(format!("feed gap {gap:?}")))?;
            if !more.contains(&id) {
                more.push(id);
            }
        }
        Ok(more)
    }

    /// Whether each change writes its own event (one Redis), so that there is
    /// nothing to relay or sweep.
    pub fn feed_in_step(&self) -> bool {
        !self.exec.conn.is_cluster()
    }

    /// Of about `page_size` accounts from `cursor` on (a SCAN walk, as
    /// ListAccounts'), those whose history has entries the feed has not, and the
    /// next cursor (0 at the end). What the sweep publishes.
    pub async fn feed_behind(
        &self,
        cursor: u64,
        page_size: usize,
    ) -> Result<(Vec<AccountId>, u64), StoreError> {
        let (ids, next) = self.scan_ids(cursor, page_size).await?;
        if ids.is_empty() {
            return Ok((ids, next));
        }
        let marks = self.feed_marks(&ids.iter().collect::<Vec<_>>()).await?;
        let lasts = ids.iter().map(|id| async move {
            let last: RawEntries = self
                .query(redis::cmd("XREVRANGE").arg(keys::log(id)).arg("+").arg("-").arg("COUNT").arg(1))
                .await?;
            Ok::<_, StoreError>(last.into_iter().next().map(|(entry, _)| entry))
        });
        let lasts = futures_util::future::join_all(lasts).await;
        let mut behind = Vec::new();
        for ((id, mark), last) in ids.into_iter().zip(marks).zip(lasts) {
            let Some(last) = last? else { continue };
            let published = match mark {
                Some(mark) => cursor_of(&mark)? >= cursor_of(&last)?,
                None => false,
            };
            if !published {
                behind.push(id);
            }
        }
        Ok((behind, next))
    }

    /// Whether this replica sweeps now: true for the one that took the lease,
    /// which then lasts `every` (so about one sweep per `every` among all replicas).
    pub async fn take_sweep_lease(&self, holder: &str, every: Duration) -> Result<bool, StoreError> {
        let taken: Option<String> = self
            .query(
                redis::cmd("SET")
                    .arg(keys::FEED_SWEEP_LEASE)
                    .arg(holder)
                    .arg("NX")
                    .arg("PX")
                    .arg(every.as_millis().max(1) as u64),
            )
            .await?;
        Ok(taken.is_some())
    }

    /// The events of every account after `after`, at most `max`; with `after`
    /// None, none, and the cursor of the feed's last event (a follower from now).
    /// Refused EVENTS_EXPIRED when events after `after` were trimmed away (or their
    /// entries archived since).
    pub async fn feed_after(&self, after: Option<EventCursor>, max: usize) -> Result<FeedRead, StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("HGET").arg(keys::FEED_META).arg("deleted");
        match after {
            Some(cursor) => pipe.cmd("XRANGE").arg(keys::FEED).arg(format!("({cursor}")).arg("+"),
            None => pipe.cmd("XREVRANGE").arg(keys::FEED).arg("+").arg("-"),
        }
        .arg("COUNT")
        .arg(if after.is_some() { max.max(1) } else { 1 });
        let mut conn = self.exec.conn.clone();
        let (deleted, raw): (Option<String>, RawEntries) = self.call(pipe.query_async(&mut conn)).await?;
        let Some(after) = after else {
            let cursor = match raw.first() {
                Some((last, _)) => cursor_of(last)?,
                None => match &deleted {
                    Some(deleted) => cursor_of(deleted)?,
                    None => EventCursor::START,
                },
            };
            return Ok(FeedRead { events: Vec::new(), cursor });
        };
        if let Some(deleted) = deleted {
            let deleted = cursor_of(&deleted)?;
            if deleted > after {
                return Err(StoreError::Refused(Error::EventsExpired { deleted_millis: deleted.millis() }));
            }
        }
        let named = raw.iter().map(|(id, kv)| feed_entry(id, kv)).collect::<Result<Vec<_>, _>>()?;
        let entries = self.entries_named(&named).await?;
        let mut events = Vec::with_capacity(named.len());
        for ((cursor, account, entry), transaction) in named.into_iter().zip(entries) {
            let Some(transaction) = transaction else {
                // Archived since it was written: said, never skipped.
                let millis = cursor_of(&entry)?.millis();
                return Err(StoreError::Refused(Error::EventsExpired { deleted_millis: millis }));
            };
            events.push(FeedEvent { cursor, account, transaction });
        }
        let cursor = events.last().map_or(after, |e| e.cursor);
        Ok(FeedRead { events, cursor })
    }

    /// The history entries the feed names, in order (None for one no longer in its
    /// history): each account's currency and its entries, one pipeline on one
    /// Redis, one per account (all at once) on a Cluster.
    async fn entries_named(
        &self,
        named: &[(EventCursor, AccountId, String)],
    ) -> Result<Vec<Option<Transaction>>, StoreError> {
        if named.is_empty() {
            return Ok(Vec::new());
        }
        // Each account once, with the places in `named` of its entries, in order.
        let mut groups: Vec<(&AccountId, Vec<usize>)> = Vec::new();
        for (i, (_, account, _)) in named.iter().enumerate() {
            match groups.iter_mut().find(|(a, _)| *a == account) {
                Some((_, places)) => places.push(i),
                None => groups.push((account, vec![i])),
            }
        }
        // Per account: its currency, then one XRANGE of each of its entries.
        let read = |pipe: &mut redis::Pipeline, account: &AccountId, places: &[usize]| {
            pipe.cmd("HGET").arg(keys::account(account)).arg("cur");
            for &i in places {
                pipe.cmd("XRANGE").arg(keys::log(account)).arg(&named[i].2).arg(&named[i].2);
            }
        };
        let replies: Vec<Vec<redis::Value>> = if self.exec.conn.is_cluster() {
            let calls = groups.iter().map(|(account, places)| {
                let mut pipe = redis::pipe();
                read(&mut pipe, account, places);
                async move {
                    let mut conn = self.exec.conn.clone();
                    self.call(pipe.query_async::<Vec<redis::Value>>(&mut conn)).await
                }
            });
            futures_util::future::join_all(calls).await.into_iter().collect::<Result<_, _>>()?
        } else {
            let mut pipe = redis::pipe();
            for (account, places) in &groups {
                read(&mut pipe, account, places);
            }
            let mut conn = self.exec.conn.clone();
            let flat: Vec<redis::Value> = self.call(pipe.query_async(&mut conn)).await?;
            let mut flat = flat.into_iter();
            groups.iter().map(|(_, places)| flat.by_ref().take(1 + places.len()).collect()).collect()
        };
        let mut found: Vec<Option<Transaction>> = vec![None; named.len()];
        for ((account, places), replies) in groups.iter().zip(replies) {
            let mut replies = replies.into_iter();
            let currency: Option<String> = replies.next().map(parse).transpose()?.flatten();
            // No currency: no account, so none of its entries.
            let Some(currency) = currency else { continue };
            let currency = redbank_domain::Currency::parse(&currency)
                .map_err(|_| StoreError::Corrupt(format!("account {account} currency")))?;
            for (&i, reply) in places.iter().zip(replies) {
                let entry: RawEntries = parse(reply)?;
                if let Some((id, kv)) = entry.into_iter().next() {
                    found[i] = Some(reply::stream_entry(account, currency, id, kv)?);
                }
            }
        }
        Ok(found)
    }

    /// The feed's marks of `ids` (each account's last entry in the feed), in order.
    async fn feed_marks(&self, ids: &[&AccountId]) -> Result<Vec<Option<String>>, StoreError> {
        self.query(
            redis::cmd("HMGET")
                .arg(keys::FEED_MARKS)
                .arg(ids.iter().map(|id| id.as_str()).collect::<Vec<_>>()),
        )
        .await
    }

    /// The feed's mark of `id`: its last entry in the feed, if any.
    pub(crate) async fn feed_mark(&self, id: &AccountId) -> Result<Option<EventCursor>, StoreError> {
        let mark: Option<String> =
            self.query(redis::cmd("HGET").arg(keys::FEED_MARKS).arg(id.as_str())).await?;
        mark.as_deref().map(cursor_of).transpose()
    }
}
