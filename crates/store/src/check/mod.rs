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

mod holds;
mod request_ids;
mod transfers;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use redbank_domain::{Account, AccountId, HoldState, Transaction, TransactionKind};

use crate::{ArchivePoint, Store, StoreError};
use request_ids::RequestIds;
use transfers::Transfers;

pub use holds::OVERDUE_GRACE;

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
    /// The held balance is not the sum of the open holds.
    HeldMismatch {
        account: AccountId,
        held: i64,
        open_holds: i128,
    },
    /// A hold in the open index that is not open (or does not exist).
    HoldIndexStale {
        hold: String,
        state: Option<HoldState>,
    },
    /// Open past its expiry, or capturing past its recovery deadline, by more than
    /// [`OVERDUE_GRACE`].
    HoldOverdue {
        hold: String,
        state: HoldState,
        due_millis: i64,
    },
    /// An open hold that nothing will ever expire or finish: not in the due index.
    HoldNotDue {
        hold: String,
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
            Violation::HeldMismatch { account, held, open_holds } => {
                write!(f, "account {account}: held balance {held} but its open holds add up to {open_holds}")
            }
            Violation::HoldIndexStale { hold, state } => {
                let state = state.map_or("missing", |s| s.code());
                write!(f, "hold {hold}: in its account's open holds but {state}")
            }
            Violation::HoldOverdue { hold, state, due_millis } => write!(
                f,
                "hold {hold}: still {state}, due at {}",
                redbank_domain::calendar::format_millis(*due_millis)
            ),
            Violation::HoldNotDue { hold } => write!(f, "hold {hold}: open, but not in the due index"),
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
        holds::check(store, &id, cut, &mut transfers, &mut report.violations).await?;
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
            let key = match (t.kind, &t.counterparty, &t.transfer_id) {
                (TransactionKind::TransferIn, Some(from), _) => format!("{from}\u{0}{rid}"),
                // A hold and its release share the request id of the call that made
                // them with the hold's capture (or a transfer's debit): one each.
                (TransactionKind::Hold | TransactionKind::Release, _, Some(hold)) => {
                    format!("{}\u{0}{hold}\u{0}{rid}", t.kind.code())
                }
                _ => rid.to_string(),
            };
            self.request_ids.see(key, t.create_time_millis);
        }
        let moved = matches!(
            t.kind,
            TransactionKind::TransferIn | TransactionKind::TransferOut | TransactionKind::Capture
        );
        if let Some(transfer) = t.transfer_id.filter(|_| moved) {
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
