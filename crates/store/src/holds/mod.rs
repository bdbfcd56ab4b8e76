//! Holds, captures and transfers between two cluster slots; the recovery
//! worker's pass, which finishes what a crash left half-way, is `recovery.rs`.
//!
//! A capture is three steps, each one atomic script in one slot: start it in the
//! hold's slot (capture.lua, or hold.lua for a transfer, which opens its hold
//! already capturing), credit the target in the target's slot (credit.lua, decided
//! once on one key there), settle in the hold's slot (settle.lua). Each step is
//! idempotent, so any number of drivers (the request, its retry on another replica,
//! the recovery worker of any replica) may run them, in any interleaving, and the
//! outcome is the same. The due index records, before each first step, when the
//! hold must be looked at again: its expiry, or the recovery deadline of a capture.

use std::time::Duration;

use redbank_domain::calendar::now_millis;
use redbank_domain::hold::hold_expiry;
use redbank_domain::{
    Account, AccountId, Capture, Error, Hold, HoldId, HoldRequest, Memo, Principal, RequestId, Transfer,
};

use crate::credentials::random_hex;
use crate::scripts::holds::{
    self as script, Captured, HoldApplied, JOURNAL_FIELDS, Journal, NewHold, Started,
};
use crate::{Applied, Store, StoreError, Transferred, keys, reply};

mod recovery;

pub use recovery::{DUE_GRACE, Recovered};

/// Where a test may have the process die, as `kill -9` would, to prove recovery:
/// after the first step of a transfer between slots, after its credit, or after it
/// settled but before it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    AfterHold,
    AfterCredit,
    AfterSettle,
}

impl CrashPoint {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "after-hold" => Some(Self::AfterHold),
            "after-credit" => Some(Self::AfterCredit),
            "after-settle" => Some(Self::AfterSettle),
            _ => None,
        }
    }
}

/// Times a driver reads a capture again when a newer attempt replaced the one it
/// drove (each needs a refused attempt and a new capture in between).
const DRIVE_ATTEMPTS: usize = 4;

fn duration_millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn new_hold_id(account: &AccountId) -> Result<HoldId, StoreError> {
    HoldId::new(account.clone(), &random_hex(HoldId::NONCE_LEN / 2)?).map_err(StoreError::Refused)
}

/// Holds expiring in the same millisecond read past a page's end, to find where
/// the next page starts (more would take a second read; none has been seen).
const HOLDS_TIED_MAX: usize = 64;

impl Store {
    fn crash_at(&self, point: CrashPoint) {
        if self.crash_after == Some(point) {
            tracing::error!(?point, "crashing on purpose (--test-crash-after)");
            std::process::abort();
        }
    }

    /// Puts a hold's entry in the due index at `at` (ms), before the step it covers,
    /// or earlier where it is due earlier already (`LT`: an entry is never pushed
    /// later, so that a call refused after this, someone else's capture, say, cannot
    /// delay a hold's expiry). Answers whether the entry is new: a call refused
    /// after adding one takes it out again ([`Store::disarm`]).
    async fn arm(&self, hold: &HoldId, at: i64) -> Result<bool, StoreError> {
        let added: i64 = self
            .query(redis::cmd("ZADD").arg(keys::due_of(hold)).arg("LT").arg(at).arg(hold.to_string()))
            .await?;
        Ok(added == 1)
    }

    /// Takes a settled hold's entry out of the due index, so that the worker has
    /// nothing left to do for it. Best effort: an entry left behind is dropped by the
    /// worker when it comes due (it finds the hold settled).
    async fn disarm(&self, hold: &HoldId) {
        let removed: Result<i64, StoreError> =
            self.query(redis::cmd("ZREM").arg(keys::due_of(hold)).arg(hold.to_string())).await;
        if let Err(e) = removed {
            tracing::debug!(hold = %hold, error = %e, "a settled hold stays in the due index until it is due");
        }
    }

    /// Reserves funds on an account: its available balance falls, its balance does not.
    pub async fn create_hold(
        &self,
        request: &HoldRequest,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> Result<HoldApplied, StoreError> {
        let expire = hold_expiry(now_millis(), request.expire_time_millis)?;
        let id = new_hold_id(&request.account)?;
        // Armed before the script, so that a hold made and then a crash is still
        // found; the entry of a hold never made under this id is taken out at once.
        self.arm(&id, expire).await?;
        let common = self.common(by, request_id, request.fingerprint(memo));
        let new =
            NewHold { request, id: &id, expire_millis: expire, deadline_millis: expire, to: None, memo };
        let invocation = script::hold(&self.scripts.hold, &common, &new);
        let reply = self.run(&self.metrics.holds, &invocation, &keys::account(&request.account)).await;
        let held = reply.and_then(|reply| {
            match script::started(&request.account, None, Some(request.amount.currency()), &reply)? {
                Started::Held(applied) => Ok(*applied),
                _ => Err(StoreError::Corrupt("hold.lua answered a client's hold as a capture".into())),
            }
        });
        match &held {
            Ok(applied) if applied.hold.id == id => {}
            // Refused (nothing was made), or a retry answered with the first
            // attempt's hold: this id was not used. (After a transient failure the
            // hold may exist: its entry stays, and the worker drops it if not.)
            Ok(_) | Err(StoreError::Refused(_)) => self.disarm(&id).await,
            Err(_) => {}
        }
        held.map_err(|e| crate::hide_missing(e, by))
    }

    /// Captures up to the held amount to another account and releases the rest.
    /// Answers once the capture is settled; a retry with the same request id
    /// answers the same.
    pub async fn capture_hold(
        &self,
        capture: &Capture,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> Result<Captured, StoreError> {
        let account = capture.hold.account();
        self.payee_can_receive(&capture.to, capture.amount.map(|a| a.currency()), by).await?;
        let deadline = now_millis() + duration_millis(self.recovery);
        // An open hold has its entry (at its expiry): this only brings it forward.
        // A new entry means there was no open hold: refused, it is taken out again.
        let added = self.arm(&capture.hold, deadline).await?;
        let common = self.common(by, request_id, capture.fingerprint(memo));
        let invocation = script::capture(&self.scripts.capture, &common, capture, deadline, memo);
        let reply = self.run(&self.metrics.holds, &invocation, &keys::account(account)).await;
        let started = reply.and_then(|reply| {
            script::started(account, Some(&capture.to), capture.amount.map(|a| a.currency()), &reply)
        });
        let started = match started {
            Err(refused @ StoreError::Refused(_)) => {
                if added {
                    self.disarm(&capture.hold).await;
                }
                return Err(crate::hide_missing(refused, by));
            }
            other => other?,
        };
        let done = match started {
            Started::Settled(done) => *done,
            Started::Capturing(_) => self.drive(&capture.hold).await,
            Started::Held(_) => Err(StoreError::Corrupt("capture.lua answered a hold".into())),
        };
        // Captured, nothing is due. (Refused by the target, the hold is open again
        // and stays due: the worker moves its entry back to the hold's expiry.)
        match done {
            Ok(captured) => {
                self.disarm(&capture.hold).await;
                Ok(captured)
            }
            // A refusal here is the payee's (the credit's decision).
            Err(refused @ StoreError::Refused(_)) => {
                // The hold's currency is the payment's: a mismatch is the payee's.
                Err(self.hide_payee(refused, &capture.to, None, by).await)
            }
            Err(e) => Err(e),
        }
    }

    /// Releases an open hold.
    pub async fn void_hold(
        &self,
        hold: &HoldId,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> Result<HoldApplied, StoreError> {
        let common = self.common(by, request_id, script::void_fingerprint(hold, memo));
        let invocation = script::void(&self.scripts.void, &common, hold, false, memo);
        let reply = self.run(&self.metrics.holds, &invocation, &keys::account(hold.account())).await;
        let voided = script::voided(hold, &reply.map_err(|e| crate::hide_missing(e, by))?)?;
        self.disarm(hold).await;
        Ok(voided)
    }

    /// An account's open (and capturing) holds, soonest to expire first: at most
    /// `limit`. The account is one its caller read already, so that a page that
    /// shows both reads the account once; `by` must be one that may see it.
    pub async fn open_holds(
        &self,
        account: &Account,
        limit: usize,
        by: &Principal,
    ) -> Result<Vec<Hold>, StoreError> {
        crate::may_see(account, by)?;
        let id = &account.id;
        let nonces: Vec<String> =
            self.query(redis::cmd("ZRANGE").arg(keys::holds(id)).arg(0).arg(limit.saturating_sub(1))).await?;
        let mut holds = Vec::with_capacity(nonces.len());
        for nonce in nonces {
            let Ok(hold) = HoldId::new(id.clone(), &nonce) else { continue };
            match self.stored_hold(&hold, account).await {
                Ok(h) => holds.push(h),
                // Settled between the two reads.
                Err(StoreError::Refused(Error::HoldNotFound(_))) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(holds)
    }

    /// A page of `account`'s open holds, the soonest to expire first, after the hold
    /// `after` ((expiry, nonce) of the last one of the previous page): at most
    /// `limit`, and where the next page starts if more remain. Keyed by expiry, so
    /// a hold settled meanwhile does not shift the pages.
    pub async fn open_holds_after(
        &self,
        account: &Account,
        after: Option<(i64, &str)>,
        limit: usize,
        by: &Principal,
    ) -> Result<(Vec<Hold>, Option<(i64, String)>), StoreError> {
        crate::may_see(account, by)?;
        let id = &account.id;
        // Holds expiring in the same millisecond as the last one are read again and
        // skipped up to it (a sorted set orders equal scores by member).
        let from = after.map_or("-inf".to_owned(), |(expiry, _)| expiry.to_string());
        let read = limit + 1 + HOLDS_TIED_MAX;
        let scored: Vec<(String, i64)> = self
            .query(
                redis::cmd("ZRANGE")
                    .arg(keys::holds(id))
                    .arg(&from)
                    .arg("+inf")
                    .arg("BYSCORE")
                    .arg("LIMIT")
                    .arg(0)
                    .arg(read)
                    .arg("WITHSCORES"),
            )
            .await?;
        let fresh = scored
            .into_iter()
            .filter(|(nonce, expiry)| after.is_none_or(|(e, n)| *expiry > e || nonce.as_str() > n));
        let (mut holds, mut next) = (Vec::new(), None);
        for (nonce, _) in fresh {
            if holds.len() == limit {
                next = holds.last().map(|h: &Hold| (h.expire_time_millis, h.id.nonce().to_owned()));
                break;
            }
            let Ok(hold) = HoldId::new(id.clone(), &nonce) else { continue };
            match self.stored_hold(&hold, account).await {
                Ok(h) => holds.push(h),
                // Settled between the two reads.
                Err(StoreError::Refused(Error::HoldNotFound(_))) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((holds, next))
    }

    /// Reads a hold, as `by` may see it (a customer: holds on its own accounts).
    pub async fn get_hold(&self, id: &HoldId, by: &Principal) -> Result<Hold, StoreError> {
        let account = self.get_account(id.account(), by).await?;
        self.stored_hold(id, &account).await
    }

    /// A hold of `account` (already read, and so already allowed).
    async fn stored_hold(&self, id: &HoldId, account: &Account) -> Result<Hold, StoreError> {
        let fields: Vec<Option<String>> =
            self.query(redis::cmd("HMGET").arg(keys::hold(id)).arg(&HOLD_HASH_FIELDS)).await?;
        if fields.get(1).is_none_or(Option::is_none) {
            return Err(StoreError::Refused(Error::HoldNotFound(id.to_string())));
        }
        let mut part = vec![id.nonce().to_owned()];
        part.extend(fields.into_iter().zip(HOLD_DEFAULTS).map(|(v, d)| v.unwrap_or_else(|| d.to_owned())));
        let hold = reply::hold(id.account(), &part)?;
        if hold.amount.currency() != account.currency() {
            return Err(StoreError::Corrupt(format!("hold {id} is in another currency than its account")));
        }
        Ok(hold)
    }

    /// A transfer between accounts of two cluster slots: a hold on the source that
    /// is already capturing, the credit of the target, the capture. The answer comes
    /// after all three; a retry with the same request id answers the final outcome.
    pub(crate) async fn transfer_between_slots(
        &self,
        transfer: &Transfer,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> Result<Transferred, StoreError> {
        let from = transfer.from();
        self.payee_can_receive(transfer.to(), Some(transfer.amount().currency()), by).await?;
        let id = new_hold_id(from)?;
        let deadline = now_millis() + duration_millis(self.recovery);
        self.arm(&id, deadline).await?;
        let request =
            HoldRequest { account: from.clone(), amount: transfer.amount(), expire_time_millis: None };
        let common = self.common(by, request_id, transfer.fingerprint(memo));
        let new = NewHold {
            request: &request,
            id: &id,
            expire_millis: deadline,
            deadline_millis: deadline,
            to: Some(transfer.to()),
            memo,
        };
        let invocation = script::hold(&self.scripts.hold, &common, &new);
        let reply = self.run(&self.metrics.holds, &invocation, &keys::account(from)).await?;
        let started =
            match script::started(from, Some(transfer.to()), Some(transfer.amount().currency()), &reply) {
                Ok(started) => started,
                Err(refused) => {
                    // No hold was made under this id: its entry is not needed.
                    self.disarm(&id).await;
                    return Err(refused);
                }
            };
        let done = match started {
            Started::Settled(done) => *done,
            Started::Capturing(nonce) => {
                self.crash_at(CrashPoint::AfterHold);
                let hold = HoldId::new(from.clone(), &nonce)
                    .map_err(|_| StoreError::Corrupt(format!("hold nonce {nonce:?}")))?;
                // Captured or voided, the transfer is final: nothing is due.
                let done = self.drive(&hold).await;
                if matches!(done, Ok(_) | Err(StoreError::Refused(_))) {
                    self.disarm(&hold).await;
                }
                done
            }
            Started::Held(_) => {
                return Err(StoreError::Corrupt("a transfer's hold opened as a hold".into()));
            }
        };
        // A refusal here is the payee's (the credit's decision), but for a hold's
        // own reasons: the hold this transfer made is gone or not what it wrote
        // (lost with a primary in a failover). Those are no answer for a transfer.
        let captured = match done {
            Err(StoreError::Refused(lost @ (Error::HoldNotFound(_) | Error::HoldNotOpen { .. }))) => {
                return Err(StoreError::Lost(lost.to_string()));
            }
            Err(refused @ StoreError::Refused(_)) => {
                return Err(self.hide_payee(refused, transfer.to(), None, by).await);
            }
            other => other?,
        };
        if captured.hold.id != id {
            // A retry, answered with the first attempt's hold: this attempt's entry
            // is not needed.
            self.disarm(&id).await;
        }
        Ok(Transferred {
            from: Applied { transaction: captured.capture, account: captured.account },
            to: captured.to,
        })
    }

    /// Runs a capturing hold's remaining steps (the credit, then the settlement)
    /// and answers its final outcome; a hold settled already answers its final
    /// reply. Safe to run by any number of drivers at once.
    async fn drive(&self, hold: &HoldId) -> Result<Captured, StoreError> {
        for _ in 0..DRIVE_ATTEMPTS {
            let fields: Vec<Option<String>> =
                self.query(redis::cmd("HMGET").arg(keys::hold(hold)).arg(&JOURNAL_FIELDS)).await?;
            let Some(journal) = Journal::read(hold, fields)? else {
                return self.settled_reply(hold).await;
            };
            let credit = script::credit(&self.scripts.credit, &journal, self.idempotency_ttl_secs);
            let decision = self.run(&self.metrics.holds, &credit, &keys::account(&journal.to)).await?;
            self.crash_at(CrashPoint::AfterCredit);
            let settle = script::settle(&self.scripts.settle, &journal, &decision, self.idempotency_ttl_secs);
            let done = self.run(&self.metrics.holds, &settle, &keys::account(hold.account())).await?;
            self.crash_at(CrashPoint::AfterSettle);
            if done.first().map(String::as_str) == Some("STALE_ATTEMPT") {
                // Our attempt was refused and settled by another driver, and a new
                // capture started since: look at that one.
                continue;
            }
            let given = redbank_domain::Currency::parse(&journal.currency).ok();
            return script::settled(hold.account(), None, given, &done);
        }
        Err(StoreError::Corrupt(format!("hold {hold}: its capture kept starting again while driven")))
    }

    /// The final reply of a hold that is not capturing: kept with it once captured
    /// (or, for a transfer between slots, voided). A client's hold open again after
    /// a refused capture, or voided, has none: its state is the answer.
    async fn settled_reply(&self, hold: &HoldId) -> Result<Captured, StoreError> {
        let state: (Option<String>, Option<String>) =
            self.query(redis::cmd("HMGET").arg(keys::hold(hold)).arg("final").arg("state")).await?;
        let decision: Vec<String> = match state {
            (Some(final_reply), _) => final_reply.split('\0').skip(1).map(str::to_owned).collect(),
            (None, Some(state)) => {
                return Err(StoreError::Refused(Error::HoldNotOpen { hold: hold.to_string(), state }));
            }
            (None, None) => return Err(StoreError::Refused(Error::HoldNotFound(hold.to_string()))),
        };
        script::settled(hold.account(), None, None, &decision)
    }
}

/// The hold hash fields of a reply's hold part after the nonce (prelude.lua's
/// `read_hold`, its first eleven).
const HOLD_HASH_FIELDS: [&str; 11] =
    ["purpose", "state", "amount", "cur", "memo", "ctime", "expire", "to", "camount", "stime", "actor"];
const HOLD_DEFAULTS: [&str; 11] = ["", "", "", "", "", "0", "0", "", "", "0", ""];

#[cfg(test)]
mod tests;
