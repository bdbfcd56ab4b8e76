//! Holds, captures and transfers between two cluster slots, with the recovery
//! worker that finishes what a crash left half-way.
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
    Account, AccountId, Capture, Error, Hold, HoldId, HoldRequest, HoldState, Memo, Principal, RequestId,
    Transfer,
};

use crate::credentials::random_hex;
use crate::scripts::holds::{self as script, Captured, HoldApplied, JOURNAL_FIELDS, Journal, Started};
use crate::{Applied, Store, StoreError, Transferred, keys, reply};

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

/// Times a driver reads a capture again when a newer attempt replaced the one it
/// drove (each needs a refused attempt and a new capture in between).
const DRIVE_ATTEMPTS: usize = 4;

/// Entries of one shard of the due index claimed at once...
const CLAIM_BATCH: usize = 64;
/// ...and at most this many times per pass (a pass drains up to 16 × 16 × 64 =
/// 16,384 entries; what is left waits for the next).
const CLAIMS_PER_SHARD: usize = 16;

/// How far past its due time an entry is left alone, for clocks that differ
/// between replicas and Redis nodes.
pub const DUE_GRACE: Duration = Duration::from_secs(2);

fn duration_millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn new_hold_id(account: &AccountId) -> Result<HoldId, StoreError> {
    HoldId::new(account.clone(), &random_hex(HoldId::NONCE_LEN / 2)?).map_err(StoreError::Refused)
}

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
        let invocation = script::hold(
            &self.scripts.hold,
            request,
            id.nonce(),
            expire,
            expire,
            None,
            &request.fingerprint(memo),
            request_id,
            memo,
            self.idempotency_ttl_secs,
            by,
        );
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
        let invocation = script::capture(
            &self.scripts.capture,
            capture,
            deadline,
            request_id,
            memo,
            self.idempotency_ttl_secs,
            by,
        );
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
        let invocation =
            script::void(&self.scripts.void, hold, false, request_id, memo, self.idempotency_ttl_secs, by);
        let reply = self.run(&self.metrics.holds, &invocation, &keys::account(hold.account())).await;
        let voided = script::voided(hold, &reply.map_err(|e| crate::hide_missing(e, by))?)?;
        self.disarm(hold).await;
        Ok(voided)
    }

    /// An account's open (and capturing) holds, soonest to expire first: at most
    /// `limit`. The account is one its caller read, as its principal may see it
    /// (`get_account`), so that a page that shows both reads the account once.
    pub async fn open_holds(&self, account: &Account, limit: usize) -> Result<Vec<Hold>, StoreError> {
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
        let invocation = script::hold(
            &self.scripts.hold,
            &request,
            id.nonce(),
            deadline,
            deadline,
            Some(transfer.to()),
            &transfer.fingerprint(memo),
            request_id,
            memo,
            self.idempotency_ttl_secs,
            by,
        );
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
            let mut conn = self.conn.clone();
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
            let mut conn = self.conn.clone();
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
                let invocation = script::void(
                    &self.scripts.void,
                    hold,
                    true,
                    None,
                    &Memo::default(),
                    self.idempotency_ttl_secs,
                    &Principal::service(),
                );
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

/// The hold hash fields of a reply's hold part after the nonce (prelude.lua's
/// `read_hold`, its first eleven).
const HOLD_HASH_FIELDS: [&str; 11] =
    ["purpose", "state", "amount", "cur", "memo", "ctime", "expire", "to", "camount", "stime", "actor"];
const HOLD_DEFAULTS: [&str; 11] = ["", "", "", "", "", "0", "0", "", "", "0", ""];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use redbank_domain::{AccountType, BalanceChange, Currency, Reason, StateChange};
    use redbank_testkit::RedisServer;

    use super::*;
    use crate::StoreConfig;

    fn id(s: &str) -> AccountId {
        AccountId::parse(s).unwrap()
    }

    fn usd(cents: i64) -> redbank_domain::Amount {
        redbank_domain::Amount::from_minor(Currency::parse("USD").unwrap(), cents).unwrap()
    }

    /// Accounts a (100.00) and b, and an open hold of 10.00 on a.
    async fn setup(redis: &RedisServer) -> (Store, HoldId) {
        let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
        let (op, memo) = (Principal::operator(), Memo::default());
        for a in ["a", "b"] {
            store
                .create_account(&id(a), AccountType::Checking, Currency::parse("USD").unwrap(), None, None)
                .await
                .unwrap();
        }
        store.post(&id("a"), &BalanceChange::Deposit(usd(10_000)), None, &memo, &op).await.unwrap();
        let request = HoldRequest { account: id("a"), amount: usd(1_000), expire_time_millis: None };
        let hold = store.create_hold(&request, None, &memo, &op).await.unwrap().hold.id;
        (store, hold)
    }

    async fn journal(store: &Store, hold: &HoldId) -> Journal {
        let fields: Vec<Option<String>> =
            store.query(redis::cmd("HMGET").arg(keys::hold(hold)).arg(&JOURNAL_FIELDS)).await.unwrap();
        Journal::read(hold, fields).unwrap().expect("capturing")
    }

    #[tokio::test]
    async fn a_slow_driver_of_a_refused_attempt_cannot_settle_the_next_one() {
        let redis = RedisServer::start();
        let (store, hold) = setup(&redis).await;
        let (op, memo, why) = (Principal::operator(), Memo::default(), Reason::parse("x").unwrap());
        store.set_state(&id("b"), StateChange::Freeze, &why, None, &op).await.unwrap();
        let capture = Capture::new(hold.clone(), id("b"), None).unwrap();
        // Attempt 1 starts (the payee froze after the store's look at it) and its
        // credit is refused.
        let start =
            script::capture(&store.scripts.capture, &capture, now_millis() + 10_000, None, &memo, 60, &op);
        let mut conn = store.conn.clone();
        let _: Vec<String> = start.invoke_async(&mut conn).await.unwrap();
        let refused = store.drive(&hold).await;
        assert!(matches!(refused, Err(StoreError::Refused(Error::AccountFrozen(_)))), "{refused:?}");
        store.set_state(&id("b"), StateChange::Unfreeze, &why, None, &op).await.unwrap();
        // Attempt 2 starts (and its driver is slow)...
        let start =
            script::capture(&store.scripts.capture, &capture, now_millis() + 10_000, None, &memo, 60, &op);
        let _: Vec<String> = start.invoke_async(&mut conn).await.unwrap();
        let second = journal(&store, &hold).await;
        assert_eq!(second.attempt, 2);
        // ...when attempt 1's driver, slower still, settles with its refusal.
        let first = Journal { attempt: 1, ..second.clone() };
        let decision = vec!["ACCOUNT_FROZEN".to_owned(), "b".to_owned()];
        let settle = script::settle(&store.scripts.settle, &first, &decision, 60);
        let answer: Vec<String> = settle.invoke_async(&mut conn).await.unwrap();
        assert_eq!(answer, ["STALE_ATTEMPT"]);
        // Attempt 2 is still capturing, and its own driver finishes it.
        let done = store.drive(&hold).await.unwrap();
        assert_eq!((done.account.balance.minor(), done.to.account.balance.minor()), (9_000, 1_000));
    }

    #[tokio::test]
    async fn a_capture_past_its_latest_time_is_refused_and_never_credited_later() {
        let redis = RedisServer::start();
        let (store, hold) = setup(&redis).await;
        let (op, memo) = (Principal::operator(), Memo::default());
        let capture = Capture::new(hold.clone(), id("b"), None).unwrap();
        // Started, then left: its deadline long past (a driver paused, the target's
        // Redis unreachable for longer than half the idempotency window).
        let start = script::capture(&store.scripts.capture, &capture, 1_000, None, &memo, 60, &op);
        let mut conn = store.conn.clone();
        let _: Vec<String> = start.invoke_async(&mut conn).await.unwrap();
        let late = store.drive(&hold).await;
        assert!(matches!(late, Err(StoreError::Refused(Error::CaptureTimedOut(_)))), "{late:?}");
        assert_eq!(store.get_hold(&hold, &op).await.unwrap().state, HoldState::Open);
        assert_eq!(store.get_account(&id("b"), &op).await.unwrap().balance.minor(), 0);
        // The same attempt's credit, tried again, answers the decision: no credit.
        let again = script::credit(
            &store.scripts.credit,
            &Journal { deadline: i64::MAX / 4, ..journal_of(&hold) },
            60,
        );
        let answer: Vec<String> = again.invoke_async(&mut conn).await.unwrap();
        assert_eq!(answer.first().map(String::as_str), Some("CAPTURE_TIMED_OUT"));
        assert_eq!(store.get_account(&id("b"), &op).await.unwrap().balance.minor(), 0);
    }

    #[tokio::test]
    async fn a_hold_is_never_expired_early_even_when_its_due_entry_says_so() {
        let redis = RedisServer::start();
        let (store, hold) = setup(&redis).await;
        // A due entry from a clock far ahead (or a stale score): the worker takes it,
        // asks Redis to expire the hold, and Redis's clock says not yet.
        let _: () = store
            .query(redis::cmd("ZADD").arg(keys::due_of(&hold)).arg(1_000).arg(hold.to_string()))
            .await
            .unwrap();
        let pass = store.recover_due(Duration::from_secs(5)).await.unwrap();
        assert_eq!(pass.expired, 0, "{pass:?}");
        let op = Principal::operator();
        assert_eq!(store.get_hold(&hold, &op).await.unwrap().state, HoldState::Open);
        assert_eq!(store.get_account(&id("a"), &op).await.unwrap().held.minor(), 1_000);
        // A worker whose clock runs ahead of Redis's asks anyway: Redis's clock
        // decides, and the hold stays open.
        let expire =
            script::void(&store.scripts.void, &hold, true, None, &Memo::default(), 60, &Principal::service());
        let mut conn = store.conn.clone();
        let answer: Vec<String> = expire.invoke_async(&mut conn).await.unwrap();
        assert_eq!(answer, ["NOT_DUE"]);
        assert_eq!(store.get_hold(&hold, &op).await.unwrap().state, HoldState::Open);
        // And it stays due: at the hold's expiry (plus the grace), not never.
        let due: Option<f64> =
            store.query(redis::cmd("ZSCORE").arg(keys::due_of(&hold)).arg(hold.to_string())).await.unwrap();
        assert!(due.is_some_and(|d| d > now_millis() as f64), "{due:?}");
    }

    /// The journal of attempt 1 of a whole capture of `hold` (10.00) to b.
    fn journal_of(hold: &HoldId) -> Journal {
        Journal {
            hold: hold.clone(),
            to: id("b"),
            amount: 1_000,
            currency: "USD".into(),
            memo: String::new(),
            request_id: String::new(),
            actor: "operator".into(),
            attempt: 1,
            deadline: 0,
        }
    }
}
