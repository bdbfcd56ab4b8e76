//! The recovery worker's pass over the due index: holds voided at their expiry,
//! captures (and transfers between slots) left half-way finished. Every replica
//! runs it; entries are leased, so replicas share the work without a leader.

use std::time::Duration;

use redbank_domain::calendar::now_millis;
use redbank_domain::{HoldId, HoldState, Memo, Principal};

use super::{duration_millis, script};
use crate::{Store, StoreError, keys};

/// What one pass of the recovery worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Captures (and transfers between slots) finished or refused.
    pub settled: usize,
    /// Holds voided at their expiry.
    pub expired: usize,
    /// Entries of the due index dropped: their hold was settled, or never made.
    pub dropped: usize,
    /// Entries that failed (Redis unreachable, say): due again at the lease's end.
    pub failed: usize,
}

/// Entries of one shard of the due index claimed at once...
const CLAIM_BATCH: usize = 64;
/// ...and at most this many times per pass (a pass drains up to 16 × 16 × 64 =
/// 16,384 entries; what is left waits for the next).
const CLAIMS_PER_SHARD: usize = 16;

/// How far past its due time an entry is left alone, for clocks that differ
/// between replicas and Redis nodes.
pub const DUE_GRACE: Duration = Duration::from_secs(2);

impl Store {
    /// One pass of the recovery worker over every shard of the due index: expires
    /// holds past their expiry and finishes captures past their recovery deadline.
    /// Each entry is leased (for `lease`) before it is worked on, so that replicas
    /// share the work without a leader; an entry whose work fails is due again when
    /// its lease ends.
    pub async fn recover_due(&self, lease: Duration) -> Result<Recovered, StoreError> {
        let mut done = Recovered::default();
        for shard in 0..keys::DUE_SHARDS {
            let index = keys::due(shard);
            for _ in 0..CLAIMS_PER_SHARD {
                let claimed = self.recover_batch(&index, lease, &mut done).await?;
                if claimed < CLAIM_BATCH {
                    break;
                }
            }
        }
        Ok(done)
    }

    /// Claims up to [`CLAIM_BATCH`] due entries of one shard and works on each;
    /// answers how many it claimed.
    async fn recover_batch(
        &self,
        index: &str,
        lease: Duration,
        done: &mut Recovered,
    ) -> Result<usize, StoreError> {
        let now = now_millis();
        let lease_end = now + duration_millis(lease);
        let claimed: Vec<String> = {
            let mut conn = self.exec.conn.clone();
            let mut claim = self.scripts.due.key(index);
            claim.arg("claim").arg(now - duration_millis(DUE_GRACE)).arg(lease_end).arg(CLAIM_BATCH);
            self.call(claim.invoke_async(&mut conn)).await?
        };
        let count = claimed.len();
        for member in claimed {
            let next = match HoldId::parse(&member) {
                Ok(hold) => self.recover(&hold, done).await,
                Err(_) => Ok(None),
            };
            let next = match next {
                Ok(next) => next,
                Err(e) => {
                    tracing::warn!(hold = %member, error = %e, "recovery failed; due again when the lease ends");
                    done.failed += 1;
                    continue;
                }
            };
            if next.is_none() {
                done.dropped += 1;
            }
            let mut conn = self.exec.conn.clone();
            let mut release = self.scripts.due.key(index);
            release
                .arg("done")
                .arg(&member)
                .arg(lease_end)
                .arg(next.map_or(String::new(), |at| at.to_string()));
            if let Err(e) = self.call(release.invoke_async::<i64>(&mut conn)).await {
                tracing::warn!(hold = %member, error = %e, "could not release the lease; it ends by itself");
            }
        }
        Ok(count)
    }

    /// Works on one due hold; answers when it is due next (None: never again).
    async fn recover(&self, hold: &HoldId, done: &mut Recovered) -> Result<Option<i64>, StoreError> {
        let fields: Vec<Option<String>> =
            self.query(redis::cmd("HMGET").arg(keys::hold(hold)).arg(&["state", "expire"])).await?;
        let state = fields.first().cloned().flatten().and_then(|s| HoldState::from_code(&s));
        let expire: i64 = fields.get(1).cloned().flatten().and_then(|e| e.parse().ok()).unwrap_or(0);
        match state {
            // Never made (its request refused or gone past its deadline), or settled.
            None | Some(HoldState::Captured | HoldState::Voided | HoldState::Expired) => Ok(None),
            Some(HoldState::Capturing) => {
                match self.drive(hold).await {
                    Ok(_) | Err(StoreError::Refused(_)) => {}
                    Err(e) => return Err(e),
                }
                done.settled += 1;
                // A client's hold whose capture the target refused is open again.
                Ok(self.still_open(hold).await?)
            }
            Some(HoldState::Open) if expire > now_millis() => Ok(Some(expire)),
            Some(HoldState::Open) => {
                let (service, memo) = (Principal::service(), Memo::default());
                let common = self.common(&service, None, script::void_fingerprint(hold, &memo));
                let invocation = script::void(&self.scripts.void, &common, hold, true, &memo);
                let reply =
                    self.run(&self.metrics.holds, &invocation, &keys::account(hold.account())).await?;
                if reply.first().map(String::as_str) == Some("NOT_DUE") {
                    // Redis's clock is behind ours: look again after the grace.
                    return Ok(Some(expire + duration_millis(DUE_GRACE)));
                }
                match script::voided(hold, &reply) {
                    Ok(_) => done.expired += 1,
                    Err(StoreError::Refused(_)) => {}
                    Err(e) => return Err(e),
                }
                Ok(self.still_open(hold).await?)
            }
        }
    }

    /// When an open hold is due next (its expiry), or None when it is not open.
    async fn still_open(&self, hold: &HoldId) -> Result<Option<i64>, StoreError> {
        let fields: Vec<Option<String>> =
            self.query(redis::cmd("HMGET").arg(keys::hold(hold)).arg(&["state", "expire"])).await?;
        let open = fields.first().cloned().flatten().as_deref() == Some(HoldState::Open.code());
        Ok(if open { fields.get(1).cloned().flatten().and_then(|e| e.parse().ok()) } else { None })
    }
}
