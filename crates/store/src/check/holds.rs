//! Holds: each account's held balance is the sum of its open holds, every hold in
//! the open index is open (or capturing), every open hold is in the due index
//! (else nothing would ever expire or finish it), and nothing stays open past its
//! expiry, nor capturing past its recovery deadline, by more than [`OVERDUE_GRACE`].
//! A capturing hold whose target was credited already is money in flight (see
//! transfers.rs).

use std::time::Duration;

use redbank_domain::{AccountId, HoldId, HoldState};

use super::Violation;
use super::transfers::Transfers;
use crate::{Store, StoreError, keys};

/// How long past its due time a hold may stay open or capturing before it is a
/// violation: the recovery worker looks at the due index every quarter of
/// `--transfer-recovery-secs`, after a grace for clocks (so this holds for a
/// recovery period up to about 200 s).
pub const OVERDUE_GRACE: Duration = Duration::from_secs(60);

/// Reads of one account's holds tried before giving up (holds come and go under load).
const READ_ATTEMPTS: usize = 8;

/// One hold as the check reads it.
struct Seen {
    id: HoldId,
    state: Option<HoldState>,
    amount: i64,
    /// What a capture under way credits its target.
    capture_amount: i64,
    /// Open: its expiry; capturing: its recovery deadline (ms).
    due: i64,
}

/// Checks one account's holds at `cut` (ms).
pub(super) async fn check(
    store: &Store,
    id: &AccountId,
    cut: i64,
    transfers: &mut Transfers,
    violations: &mut Vec<Violation>,
) -> Result<(), StoreError> {
    let Some((held, seen)) = read(store, id).await? else {
        return Err(StoreError::Corrupt(format!("account {id}: its holds kept changing while read")));
    };
    let mut sum: i128 = 0;
    for hold in &seen {
        let Some(state) = hold.state.filter(HoldState::holds_funds) else {
            violations.push(Violation::HoldIndexStale { hold: hold.id.to_string(), state: hold.state });
            continue;
        };
        sum += i128::from(hold.amount);
        if state == HoldState::Capturing {
            transfers.capturing(hold.id.to_string(), hold.capture_amount);
        }
        let grace = i64::try_from(OVERDUE_GRACE.as_millis()).unwrap_or(i64::MAX);
        if hold.due.saturating_add(grace) < cut {
            violations.push(Violation::HoldOverdue {
                hold: hold.id.to_string(),
                state,
                due_millis: hold.due,
            });
        }
        let due: Option<f64> =
            store.query(redis::cmd("ZSCORE").arg(keys::due_of(&hold.id)).arg(hold.id.to_string())).await?;
        if due.is_none() {
            violations.push(Violation::HoldNotDue { hold: hold.id.to_string() });
        }
    }
    if sum != i128::from(held) {
        violations.push(Violation::HeldMismatch { account: id.clone(), held, open_holds: sum });
    }
    Ok(())
}

/// The held balance and the open holds, read in one step (holds_read.lua); None if
/// the index kept changing between the listing and the read.
async fn read(store: &Store, id: &AccountId) -> Result<Option<(i64, Vec<Seen>)>, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("account {id}: {what}"));
    for _ in 0..READ_ATTEMPTS {
        let listed: Vec<String> =
            store.query(redis::cmd("ZRANGE").arg(keys::holds(id)).arg(0).arg(-1)).await?;
        let holds: Vec<HoldId> = listed
            .iter()
            .map(|nonce| HoldId::new(id.clone(), nonce).map_err(|_| corrupt("a hold nonce in its index")))
            .collect::<Result<_, _>>()?;
        let mut invocation = store.scripts.holds_read.key(keys::account(id));
        invocation.key(keys::holds(id));
        for hold in &holds {
            invocation.key(keys::hold(hold));
        }
        let mut conn = store.exec.conn.clone();
        let reply: Vec<String> = store.call(invocation.invoke_async(&mut conn)).await?;
        let held: i64 = reply.first().and_then(|h| h.parse().ok()).ok_or_else(|| corrupt("held"))?;
        let n: usize = reply.get(1).and_then(|n| n.parse().ok()).ok_or_else(|| corrupt("hold count"))?;
        if reply.get(2..2 + n) != Some(listed.as_slice()) {
            continue;
        }
        let fields = reply.get(2 + n..).unwrap_or_default();
        let seen = holds
            .into_iter()
            .zip(fields.chunks(6))
            .map(|(hold, f)| {
                let field = |i: usize| f.get(i).map_or("", String::as_str);
                let number = |i: usize| field(i).parse::<i64>().unwrap_or(0);
                let state = HoldState::from_code(field(0));
                let due = if state == Some(HoldState::Capturing) { number(3) } else { number(2) };
                Seen { id: hold, state, amount: number(1), capture_amount: number(5), due }
            })
            .collect();
        return Ok(Some((held, seen)));
    }
    Ok(None)
}
