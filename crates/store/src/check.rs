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

use redbank_domain::{AccountId, TransactionKind};

use crate::{Store, StoreError};

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
/// idempotency window.
pub async fn check(store: &Store) -> Result<CheckReport, StoreError> {
    let window_millis = i64::try_from(store.idempotency_ttl().as_millis()).unwrap_or(i64::MAX);
    let cut = cut_millis(store).await?;
    let mut report = CheckReport { cut_millis: cut, ..CheckReport::default() };
    let ids = store.account_ids().await?;

    let mut halves: HashMap<String, Vec<Half>> = HashMap::new();
    // Per account: every version up to this one is archived.
    let mut archived_through: HashMap<AccountId, i64> = HashMap::new();
    for id in ids {
        let (account, point, history) = match store.ledger(&id).await {
            Ok(ledger) => ledger,
            Err(StoreError::Refused(_)) => continue,
            Err(e) => return Err(e),
        };
        report.accounts += 1;
        report.entries += history.len();
        report.archived_entries += point.entries;
        let currency = account.currency().code().to_owned();
        // At the cut: the balance after the last entry before it, and the money
        // from outside up to it.
        let mut balance_at_cut = point.balance;
        let mut external_at_cut = i128::from(point.net_external);
        if point.through.is_some() {
            archived_through.insert(id.clone(), point.version);
        }

        // Sums in 128 bits: stored data is not trusted to stay in range.
        let mut running = i128::from(point.balance);
        let mut request_ids: HashMap<String, Vec<i64>> = HashMap::new();
        for t in &history {
            running += i128::from(t.signed_minor());
            if i128::from(t.balance_after.minor()) != running {
                report.violations.push(Violation::BrokenChain {
                    account: id.clone(),
                    entry: t.id.clone(),
                    expected: running,
                    found: t.balance_after.minor(),
                });
                running = i128::from(t.balance_after.minor());
            }
            if running < 0 {
                report.violations.push(Violation::NegativeBalance {
                    account: id.clone(),
                    entry: Some(t.id.clone()),
                    balance: i64::try_from(running).unwrap_or(i64::MIN),
                });
            }
            let before_cut = t.create_time_millis < cut;
            if before_cut {
                balance_at_cut = t.balance_after.minor();
                match t.kind {
                    TransactionKind::Deposit | TransactionKind::Interest => {
                        external_at_cut += i128::from(t.amount.minor())
                    }
                    TransactionKind::Withdrawal => external_at_cut -= i128::from(t.amount.minor()),
                    _ => {}
                }
            }
            if let Some(rid) = &t.request_id {
                let key = match (t.kind, &t.counterparty) {
                    (TransactionKind::TransferIn, Some(from)) => format!("{from}\u{0}{rid}"),
                    _ => rid.to_string(),
                };
                request_ids.entry(key).or_default().push(t.create_time_millis);
            }
            if let Some(transfer) = &t.transfer_id {
                halves.entry(transfer.clone()).or_default().push(Half {
                    account: id.clone(),
                    currency: currency.clone(),
                    before_cut,
                    kind: t.kind,
                    amount: t.amount.minor(),
                    counterparty: t.counterparty.clone(),
                    counterparty_version: t.counterparty_version,
                });
            }
        }
        let totals = report.totals.entry(currency).or_default();
        totals.0 += i128::from(balance_at_cut);
        totals.1 += external_at_cut;
        let sum =
            i128::from(point.balance) + history.iter().map(|t| i128::from(t.signed_minor())).sum::<i128>();
        if sum != i128::from(account.balance.minor()) {
            report.violations.push(Violation::BalanceMismatch {
                account: id.clone(),
                balance: account.balance.minor(),
                sum_of_entries: sum,
            });
        }
        if account.balance.minor() < 0 {
            report.violations.push(Violation::NegativeBalance {
                account: id.clone(),
                entry: None,
                balance: account.balance.minor(),
            });
        }
        if usize::try_from(account.version.saturating_sub(point.version)).ok() != Some(history.len()) {
            report.violations.push(Violation::VersionMismatch {
                account: id.clone(),
                version: account.version,
                entries: history.len() + usize::try_from(point.entries).unwrap_or(0),
            });
        }
        report.request_ids += request_ids.len();
        let mut duplicates: Vec<(String, usize)> = request_ids
            .into_iter()
            .filter_map(|(key, times)| {
                let count = applied_within_window(&times, window_millis);
                (count > 1).then_some((key, count))
            })
            .collect();
        duplicates.sort();
        for (key, count) in duplicates {
            let request_id = key.rsplit('\u{0}').next().unwrap_or(&key).to_owned();
            report.violations.push(Violation::DuplicateRequestId { account: id.clone(), request_id, count });
        }
    }

    report.transfers = halves.len();
    let mut transfers: Vec<_> = halves.into_iter().collect();
    transfers.sort_by(|a, b| a.0.cmp(&b.0));
    for (transfer_id, parts) in transfers {
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
                continue;
            }
            let halves =
                parts.iter().map(|h| format!("{} on {}", h.kind.code(), h.account)).collect::<Vec<_>>();
            report.violations.push(Violation::TransferIncomplete { transfer_id, halves: halves.join(", ") });
            continue;
        };
        // Both halves after the cut: not part of the picture at the cut. One on
        // each side: money in flight, counted with the half after the cut.
        match (o.before_cut, i.before_cut) {
            (false, false) => continue,
            (true, false) => report.totals.entry(i.currency.clone()).or_default().0 += i128::from(i.amount),
            (false, true) => report.totals.entry(o.currency.clone()).or_default().0 -= i128::from(o.amount),
            (true, true) => {}
        }
        if o.amount != i.amount {
            report.violations.push(Violation::TransferMismatch {
                transfer_id,
                detail: format!("out {} but in {}", o.amount, i.amount),
            });
        } else if o.counterparty.as_ref() != Some(&i.account) || i.counterparty.as_ref() != Some(&o.account) {
            report.violations.push(Violation::TransferMismatch {
                transfer_id,
                detail: format!("{} and {} do not name each other", o.account, i.account),
            });
        }
    }

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

/// How many of a request id's applications (their times, oldest first after
/// sorting) fell within one idempotency window of the application before them:
/// 1 if every reuse came after the record had expired.
fn applied_within_window(times: &[i64], window_millis: i64) -> usize {
    let mut times = times.to_vec();
    times.sort_unstable();
    let mut worst = 1;
    let mut run = 1;
    for pair in times.windows(2) {
        if pair[1] - pair[0] < window_millis {
            run += 1;
            worst = worst.max(run);
        } else {
            run = 1;
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_id_counts_twice_only_within_its_window() {
        let day = 86_400_000;
        assert_eq!(applied_within_window(&[5], day), 1);
        assert_eq!(applied_within_window(&[0, day], day), 1, "reused once the record expired");
        assert_eq!(applied_within_window(&[0, day - 1], day), 2);
        assert_eq!(applied_within_window(&[3 * day + 10, 0, 2 * day, 2 * day + 5], day), 2);
        assert_eq!(applied_within_window(&[0, 1, 2], day), 3);
    }
}
