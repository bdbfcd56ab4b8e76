//! The invariant checker: reads every account and its whole history and verifies
//! what the scripts promise. Used by `redbank check` and at the end of every fault
//! test.
//!
//! Checked, per account: the balance equals the sum of its entries' signed amounts
//! and the last entry's balance_after; each entry's balance_after follows from the
//! one before; no balance is ever negative; the version equals the number of
//! entries (every change writes exactly one). Per request id: it is applied at most
//! once per account within the idempotency window (a transfer's credit is scoped to
//! its source, so TRANSFER_IN entries are keyed by source and request id); once its
//! record has expired, a reuse is a new change, as documented. Per transfer:
//! exactly two halves, an OUT and an IN, with the same amount, naming each other.
//! Per currency: the balances add up to the money that came in from outside
//! (deposits, interest) less what left (withdrawals): transfers only move it.
//! Totals are summed in 128 bits, so no number of accounts can overflow them.
//!
//! History archived by `redbank archive` is not read: each account's archive point
//! (see [`crate::ArchivePoint`]) stands for it, giving the balance and version the
//! live history starts from and the money the archived entries brought in; a
//! transfer whose other half was archived counts as complete when that half's
//! version lies at or below its account's archive point.
//!
//! It may run while writes go on, without false alarms. Each account is read as one
//! snapshot (`Store::ledger`), which the per-account checks use. What spans
//! accounts (transfers, conservation) is judged at one cut: Redis's clock when the
//! check starts. An entry's id carries the time Redis wrote it, so the entries
//! before the cut were all written before the first snapshot was read and are in
//! every snapshot, while later ones are left out (and judged by the next run). A script's entries may straddle a
//! millisecond: a transfer whose one half lies before the cut and the other after
//! is counted as money in flight, both halves found.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use redbank_domain::{Account, AccountId, Transaction, TransactionKind};

use crate::{ArchivePoint, Store, StoreError};

/// One broken invariant, precisely located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    BalanceMismatch {
        account: AccountId,
        balance: i64,
        sum_of_entries: i128,
    },
    BrokenChain {
        account: AccountId,
        entry: String,
        expected: i128,
        found: i64,
    },
    NegativeBalance {
        account: AccountId,
        entry: Option<String>,
        balance: i64,
    },
    VersionMismatch {
        account: AccountId,
        version: i64,
        entries: usize,
    },
    /// A request id applied again while its first application was remembered.
    DuplicateRequestId {
        account: AccountId,
        request_id: String,
        count: usize,
    },
    TransferIncomplete {
        transfer_id: String,
        halves: String,
    },
    TransferMismatch {
        transfer_id: String,
        detail: String,
    },
    NotConserved {
        currency: String,
        balances: i128,
        net_external: i128,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::BalanceMismatch { account, balance, sum_of_entries } => write!(
                f,
                "account {account}: balance {balance} but its entries sum to {sum_of_entries} (minor units)"
            ),
            Violation::BrokenChain { account, entry, expected, found } => write!(
                f,
                "account {account}, entry {entry}: balance_after {found}, but the entries before it give {expected}"
            ),
            Violation::NegativeBalance { account, entry: Some(e), balance } => {
                write!(f, "account {account}, entry {e}: balance {balance} is negative")
            }
            Violation::NegativeBalance { account, entry: None, balance } => {
                write!(f, "account {account}: balance {balance} is negative")
            }
            Violation::VersionMismatch { account, version, entries } => {
                write!(f, "account {account}: version {version} but {entries} history entries")
            }
            Violation::DuplicateRequestId { account, request_id, count } => {
                write!(
                    f,
                    "account {account}: request id {request_id:?} applied {count} times within its idempotency window"
                )
            }
            Violation::TransferIncomplete { transfer_id, halves } => {
                write!(f, "transfer {transfer_id}: halves found: {halves} (need one out, one in)")
            }
            Violation::TransferMismatch { transfer_id, detail } => {
                write!(f, "transfer {transfer_id}: {detail}")
            }
            Violation::NotConserved { currency, balances, net_external } => write!(
                f,
                "{currency}: balances add up to {balances}, but deposits + interest - withdrawals are {net_external}"
            ),
        }
    }
}

/// What was checked, and what was found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    pub accounts: usize,
    /// Entries read (live history).
    pub entries: usize,
    /// Entries archived, which the archive points stand for.
    pub archived_entries: i64,
    pub transfers: usize,
    pub request_ids: usize,
    /// Per currency code, at the cut: (sum of balances plus money in flight,
    /// deposits + interest - withdrawals).
    pub totals: BTreeMap<String, (i128, i128)>,
    /// Redis's clock when the check began (ms): the cut for what spans accounts.
    pub cut_millis: i64,
    pub violations: Vec<Violation>,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// One half of a transfer as found in a history.
struct Half {
    account: AccountId,
    currency: String,
    /// Written before the cut.
    before_cut: bool,
    kind: TransactionKind,
    amount: i64,
    counterparty: Option<AccountId>,
    /// The counterparty's version after the transfer, where recorded.
    counterparty_version: Option<i64>,
}

/// Checks every account in the store; request ids are judged by the store's
/// idempotency window. Each history is read a chunk at a time and judged as it
/// comes: memory holds one chunk, the request ids of one idempotency window, and
/// the transfers whose other half has not been read yet.
pub async fn check(store: &Store) -> Result<CheckReport, StoreError> {
    let window_millis = i64::try_from(store.idempotency_ttl().as_millis()).unwrap_or(i64::MAX);
    let cut = cut_millis(store).await?;
    let mut report = CheckReport { cut_millis: cut, ..CheckReport::default() };
    let mut transfers = Transfers::default();
    // Per account: every version up to this one is archived.
    let mut archived_through: HashMap<AccountId, i64> = HashMap::new();
    for id in store.account_ids().await? {
        let mut walk = Walk::new(id.clone(), cut, window_millis);
        let visited = store
            .ledger_chunks(&id, |account, point, chunk| {
                walk.start(account, point);
                for t in chunk {
                    walk.entry(t, &mut transfers);
                }
            })
            .await;
        let (account, point) = match visited {
            Ok(ledger) => ledger,
            Err(StoreError::Refused(_)) => continue,
            Err(e) => return Err(e),
        };
        if point.through.is_some() {
            archived_through.insert(id.clone(), point.version);
        }
        walk.finish(&account, &point, &mut report);
    }
    transfers.finish(&archived_through, &mut report);
    for (currency, (balances, net_external)) in &report.totals {
        if balances != net_external {
            report.violations.push(Violation::NotConserved {
                currency: currency.clone(),
                balances: *balances,
                net_external: *net_external,
            });
        }
    }
    Ok(report)
}

/// One account's history, judged entry by entry. Sums in 128 bits: stored data is
/// not trusted to stay in range.
struct Walk {
    id: AccountId,
    cut: i64,
    currency: String,
    started: bool,
    /// The balance the entries so far give, from the archive point's.
    running: i128,
    entries: usize,
    /// At the cut: the balance after the last entry before it, and the money from
    /// outside up to it (both from the archive point's).
    balance_at_cut: i64,
    external_at_cut: i128,
    request_ids: RequestIds,
    violations: Vec<Violation>,
}

impl Walk {
    fn new(id: AccountId, cut: i64, window_millis: i64) -> Self {
        Self {
            id,
            cut,
            currency: String::new(),
            started: false,
            running: 0,
            entries: 0,
            balance_at_cut: 0,
            external_at_cut: 0,
            request_ids: RequestIds::new(window_millis),
            violations: Vec::new(),
        }
    }

    /// Before the first chunk: the archive point is where the live history starts.
    fn start(&mut self, account: &Account, point: &ArchivePoint) {
        if !self.started {
            self.started = true;
            self.currency = account.currency().code().to_owned();
            self.running = i128::from(point.balance);
            self.balance_at_cut = point.balance;
            self.external_at_cut = i128::from(point.net_external);
        }
    }

    fn entry(&mut self, t: Transaction, transfers: &mut Transfers) {
        self.entries += 1;
        self.running += i128::from(t.signed_minor());
        if i128::from(t.balance_after.minor()) != self.running {
            self.violations.push(Violation::BrokenChain {
                account: self.id.clone(),
                entry: t.id.clone(),
                expected: self.running,
                found: t.balance_after.minor(),
            });
            self.running = i128::from(t.balance_after.minor());
        }
        if self.running < 0 {
            self.violations.push(Violation::NegativeBalance {
                account: self.id.clone(),
                entry: Some(t.id.clone()),
                balance: i64::try_from(self.running).unwrap_or(i64::MIN),
            });
        }
        let before_cut = t.create_time_millis < self.cut;
        if before_cut {
            self.balance_at_cut = t.balance_after.minor();
            match t.kind {
                TransactionKind::Deposit | TransactionKind::Interest => {
                    self.external_at_cut += i128::from(t.amount.minor())
                }
                TransactionKind::Withdrawal => self.external_at_cut -= i128::from(t.amount.minor()),
                _ => {}
            }
        }
        if let Some(rid) = &t.request_id {
            let key = match (t.kind, &t.counterparty) {
                (TransactionKind::TransferIn, Some(from)) => format!("{from}\u{0}{rid}"),
                _ => rid.to_string(),
            };
            self.request_ids.see(key, t.create_time_millis);
        }
        if let Some(transfer) = t.transfer_id {
            transfers.add(
                transfer,
                Half {
                    account: self.id.clone(),
                    currency: self.currency.clone(),
                    before_cut,
                    kind: t.kind,
                    amount: t.amount.minor(),
                    counterparty: t.counterparty,
                    counterparty_version: t.counterparty_version,
                },
            );
        }
    }

    /// After the last chunk: the account against its history.
    fn finish(mut self, account: &Account, point: &ArchivePoint, report: &mut CheckReport) {
        report.accounts += 1;
        report.entries += self.entries;
        report.archived_entries += point.entries;
        let totals = report.totals.entry(account.currency().code().to_owned()).or_default();
        totals.0 += i128::from(self.balance_at_cut);
        totals.1 += self.external_at_cut;
        if self.running != i128::from(account.balance.minor()) {
            self.violations.push(Violation::BalanceMismatch {
                account: self.id.clone(),
                balance: account.balance.minor(),
                sum_of_entries: self.running,
            });
        }
        if account.balance.minor() < 0 {
            self.violations.push(Violation::NegativeBalance {
                account: self.id.clone(),
                entry: None,
                balance: account.balance.minor(),
            });
        }
        if usize::try_from(account.version.saturating_sub(point.version)).ok() != Some(self.entries) {
            self.violations.push(Violation::VersionMismatch {
                account: self.id.clone(),
                version: account.version,
                entries: self.entries + usize::try_from(point.entries).unwrap_or(0),
            });
        }
        let (distinct, mut duplicates) = self.request_ids.finish();
        report.request_ids += distinct;
        duplicates.sort();
        for (key, count) in duplicates {
            let request_id = key.rsplit('\u{0}').next().unwrap_or(&key).to_owned();
            self.violations.push(Violation::DuplicateRequestId {
                account: self.id.clone(),
                request_id,
                count,
            });
        }
        report.violations.append(&mut self.violations);
    }
}

/// An account's request ids within one idempotency window: how often each was
/// applied again while its first application was remembered. Entries come in time
/// order, so an id last seen a window ago is judged and forgotten.
struct RequestIds {
    window_millis: i64,
    /// Per id: the time it was last applied, the current run of applications each
    /// within the window of the one before, and the longest such run.
    seen: HashMap<String, (i64, usize, usize)>,
    /// Applications in time order, to forget ids once a window has passed.
    order: std::collections::VecDeque<(i64, String)>,
    distinct: usize,
    duplicates: Vec<(String, usize)>,
}

impl RequestIds {
    fn new(window_millis: i64) -> Self {
        Self {
            window_millis,
            seen: HashMap::new(),
            order: std::collections::VecDeque::new(),
            distinct: 0,
            duplicates: Vec::new(),
        }
    }

    fn see(&mut self, key: String, at: i64) {
        while let Some((time, _)) = self.order.front()
            && at.saturating_sub(*time) >= self.window_millis
        {
            let Some((time, old)) = self.order.pop_front() else { break };
            if self.seen.get(&old).is_some_and(|(last, _, _)| *last == time)
                && let Some((_, _, worst)) = self.seen.remove(&old)
                && worst > 1
            {
                self.duplicates.push((old, worst));
            }
        }
        match self.seen.get_mut(&key) {
            Some((last, run, worst)) => {
                *run = if at.saturating_sub(*last) < self.window_millis { *run + 1 } else { 1 };
                *worst = (*worst).max(*run);
                *last = at;
            }
            None => {
                self.distinct += 1;
                self.seen.insert(key.clone(), (at, 1, 1));
            }
        }
        self.order.push_back((at, key));
    }

    /// Distinct ids, and those applied more than once within a window, with how often.
    fn finish(mut self) -> (usize, Vec<(String, usize)>) {
        self.duplicates.extend(
            self.seen.into_iter().filter(|(_, (_, _, worst))| *worst > 1).map(|(k, (_, _, w))| (k, w)),
        );
        (self.distinct, self.duplicates)
    }
}

/// Transfer halves waiting for their other half; a pair is judged as soon as both
/// halves are read, what remains at the end is incomplete or archived.
#[derive(Default)]
struct Transfers {
    open: HashMap<String, Vec<Half>>,
    judged: usize,
    violations: Vec<Violation>,
    /// Money in flight at the cut, per currency, to add to the balances.
    in_flight: BTreeMap<String, i128>,
}

impl Transfers {
    fn add(&mut self, transfer_id: String, half: Half) {
        let parts = self.open.entry(transfer_id.clone()).or_default();
        parts.push(half);
        let complete = parts.iter().any(|h| h.kind == TransactionKind::TransferOut)
            && parts.iter().any(|h| h.kind == TransactionKind::TransferIn);
        if complete && let Some(parts) = self.open.remove(&transfer_id) {
            self.judge(transfer_id, parts, &HashMap::new());
        }
    }

    fn judge(&mut self, transfer_id: String, parts: Vec<Half>, archived_through: &HashMap<AccountId, i64>) {
        self.judged += 1;
        let out: Vec<&Half> = parts.iter().filter(|h| h.kind == TransactionKind::TransferOut).collect();
        let inn: Vec<&Half> = parts.iter().filter(|h| h.kind == TransactionKind::TransferIn).collect();
        let partner_archived = |h: &Half| {
            let (Some(partner), Some(version)) = (&h.counterparty, h.counterparty_version) else {
                return false;
            };
            archived_through.get(partner).is_some_and(|through| version <= *through)
        };
        let (&[o], &[i]) = (out.as_slice(), inn.as_slice()) else {
            if let [only] = parts.as_slice()
                && (partner_archived(only) || !only.before_cut)
            {
                return;
            }
            let halves =
                parts.iter().map(|h| format!("{} on {}", h.kind.code(), h.account)).collect::<Vec<_>>();
            self.violations.push(Violation::TransferIncomplete { transfer_id, halves: halves.join(", ") });
            return;
        };
        // Both halves after the cut: not part of the picture at the cut. One on
        // each side: money in flight, counted with the half after the cut.
        match (o.before_cut, i.before_cut) {
            (false, false) => return,
            (true, false) => *self.in_flight.entry(i.currency.clone()).or_default() += i128::from(i.amount),
            (false, true) => *self.in_flight.entry(o.currency.clone()).or_default() -= i128::from(o.amount),
            (true, true) => {}
        }
        if o.amount != i.amount {
            self.violations.push(Violation::TransferMismatch {
                transfer_id,
                detail: format!("out {} but in {}", o.amount, i.amount),
            });
        } else if o.counterparty.as_ref() != Some(&i.account) || i.counterparty.as_ref() != Some(&o.account) {
            self.violations.push(Violation::TransferMismatch {
                transfer_id,
                detail: format!("{} and {} do not name each other", o.account, i.account),
            });
        }
    }

    /// Judges what is still open (with every account's archive point known now) and
    /// hands the findings to the report.
    fn finish(mut self, archived_through: &HashMap<AccountId, i64>, report: &mut CheckReport) {
        let mut open: Vec<_> = std::mem::take(&mut self.open).into_iter().collect();
        open.sort_by(|a, b| a.0.cmp(&b.0));
        for (transfer_id, parts) in open {
            self.judge(transfer_id, parts, archived_through);
        }
        report.transfers += self.judged;
        for (currency, amount) in self.in_flight {
            report.totals.entry(currency).or_default().0 += amount;
        }
        report.violations.append(&mut self.violations);
    }
}

/// The cut: every entry written at or before Redis's current millisecond. Returns
/// once Redis's clock has moved past it, so that every such entry was written
/// before any snapshot is read (Redis runs one command or script at a time).
async fn cut_millis(store: &Store) -> Result<i64, StoreError> {
    let now = store.time_millis().await?;
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        if store.time_millis().await? > now {
            return Ok(now + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worst run of applications of one id, each within a window of the one
    /// before, with other ids in between.
    fn worst(times: &[i64], window: i64) -> usize {
        let mut ids = RequestIds::new(window);
        for (n, t) in times.iter().enumerate() {
            ids.see("r".into(), *t);
            ids.see(format!("other-{n}"), *t);
        }
        let (distinct, duplicates) = ids.finish();
        assert!(distinct >= times.len());
        duplicates.iter().filter(|(k, _)| k == "r").map(|(_, n)| *n).max().unwrap_or(1)
    }

    #[test]
    fn a_request_id_counts_twice_only_within_its_window() {
        let day = 86_400_000;
        assert_eq!(worst(&[5], day), 1);
        assert_eq!(worst(&[0, day], day), 1, "reused once the record expired");
        assert_eq!(worst(&[0, day - 1], day), 2);
        assert_eq!(worst(&[0, 2 * day, 2 * day + 5, 3 * day + 10], day), 2);
        assert_eq!(worst(&[0, 1, 2], day), 3);
        assert_eq!(
            worst(&[0, 1, 5 * day, 5 * day + 1, 5 * day + 2], day),
            3,
            "judged per window, the worst kept"
        );
    }
}
