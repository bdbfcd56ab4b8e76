//! History retention: the archive point an account keeps of the entries moved out
//! of Redis, and the reads and the trim that `redbank archive` is built on (why
//! archive-then-trim: ARCHITECTURE.md).

use redbank_domain::{AccountId, EventCursor, Transaction, TransactionKind};

use crate::{Store, StoreError, keys, reply};

/// The account hash fields of the archive point (archive.lua), in the order of
/// reply.rs's `archive_point`.
pub(crate) const ARCHIVE_FIELDS: [&str; 5] = ["athru", "abal", "aver", "acount", "aext"];
/// Most entries archived by one trim: the script checks each, so this bounds the
/// time Redis spends in one call.
pub const ARCHIVE_CHUNK_MAX: usize = 1000;

/// Where archiving cut an account's history, and what the archived entries added
/// up to: enough for balances, versions, statements and the invariant checker to
/// reconcile without them. All zero, and `through` None, until the first archive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchivePoint {
    /// Id of the last archived entry.
    pub through: Option<String>,
    /// Balance after it, minor units.
    pub balance: i64,
    /// Account version after it: every version up to this one is archived.
    pub version: i64,
    /// Entries archived in all.
    pub entries: i64,
    /// Deposits + interest - withdrawals among them, minor units: what they brought
    /// in from outside (transfers only move money between accounts).
    pub net_external: i64,
}

impl ArchivePoint {
    /// The time of the last archived entry, ms since the epoch.
    pub fn through_millis(&self) -> Option<i64> {
        self.through.as_deref().and_then(|id| reply::entry_millis(id).ok())
    }

    /// The point after archiving `entries` too, which must continue this one.
    fn advanced(&self, entries: &[Transaction]) -> Result<Self, StoreError> {
        let overflow = || StoreError::Corrupt("archived totals overflow".into());
        let last = entries.last().ok_or_else(|| StoreError::Corrupt("nothing to archive".into()))?;
        let mut net_external = self.net_external;
        for t in entries {
            let external = match t.kind {
                TransactionKind::Deposit | TransactionKind::Interest => t.amount.minor(),
                TransactionKind::Withdrawal => -t.amount.minor(),
                _ => 0,
            };
            net_external = net_external.checked_add(external).ok_or_else(overflow)?;
        }
        let count = i64::try_from(entries.len()).map_err(|_| overflow())?;
        Ok(Self {
            through: Some(last.id.clone()),
            balance: last.balance_after.minor(),
            version: last.account_version,
            entries: self.entries.checked_add(count).ok_or_else(overflow)?,
            net_external,
        })
    }
}

impl Store {
    /// Where archiving cut the account's history (all zero if it never did).
    pub async fn archive_point(&self, id: &AccountId) -> Result<ArchivePoint, StoreError> {
        reply::archive_point(
            self.query(redis::cmd("HMGET").arg(keys::account(id)).arg(&ARCHIVE_FIELDS)).await?,
        )
    }

    /// The oldest entries still in the history that are older than `before_millis`,
    /// at most `max` (and at most [`ARCHIVE_CHUNK_MAX`]), with the archive point they
    /// continue: what `redbank archive` stores before it trims them.
    pub async fn archivable(
        &self,
        id: &AccountId,
        before_millis: i64,
        max: usize,
    ) -> Result<(ArchivePoint, Vec<Transaction>), StoreError> {
        // Only what the feed of every account's changes has: on a Cluster, an entry
        // archived before the relay read it would be an event lost. Publish first,
        // then keep the entries up to the account's mark. (On one Redis each entry
        // is in the feed from its change on.)
        // None: no limit; Some(mark): up to the mark, if there is one.
        let limit = if self.feed_in_step() {
            None
        } else {
            while !self.publish(std::slice::from_ref(id)).await?.is_empty() {}
            Some(self.feed_mark(id).await?)
        };
        let end = format!("({}-0", before_millis.max(1));
        let (_, point, mut entries) =
            self.account_and_range("XRANGE", id, ("-", &end), max.clamp(1, ARCHIVE_CHUNK_MAX)).await?;
        // "(0-0" is no valid bound: nothing lies before the epoch.
        if before_millis <= 0 {
            entries.clear();
        }
        let published = |t: &Transaction| match limit {
            None => true,
            Some(mark) => mark.is_some_and(|mark| EventCursor::parse(&t.id).is_ok_and(|entry| entry <= mark)),
        };
        let kept = entries.iter().take_while(|t| published(t)).count();
        entries.truncate(kept);
        Ok((point, entries))
    }

    /// Removes `entries`, read by [`Store::archivable`] together with `prior`, from
    /// the head of the history, and moves the archive point past them, in one script
    /// call: exactly these entries go, or nothing does
    /// ([`StoreError::ArchiveChanged`] when the history or the point moved since).
    /// Call it only once the entries are stored elsewhere.
    pub async fn trim_archived(
        &self,
        id: &AccountId,
        prior: &ArchivePoint,
        entries: &[Transaction],
    ) -> Result<ArchivePoint, StoreError> {
        let next = prior.advanced(entries)?;
        let first = entries.first().map_or("", |t| t.id.as_str());
        let invocation = crate::scripts::archive::invocation(
            &self.scripts.archive,
            id,
            first,
            entries.len(),
            prior,
            &next,
        );
        crate::scripts::archive::decode(
            &self.run(&self.metrics.archive, &invocation, &keys::account(id)).await?,
        )?;
        Ok(next)
    }
}
