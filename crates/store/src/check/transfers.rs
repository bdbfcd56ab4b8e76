//! Transfers: both halves found, and whether the money is at the cut or in flight.

use std::collections::{BTreeMap, HashMap};

use redbank_domain::{AccountId, TransactionKind};

use super::{CheckReport, Half, Violation};

/// Transfer halves waiting for their other half; a pair is judged as soon as both
/// halves are read, what remains at the end is incomplete or archived.
#[derive(Default)]
pub(super) struct Transfers {
    open: HashMap<String, Vec<Half>>,
    judged: usize,
    violations: Vec<Violation>,
    /// Money in flight at the cut, per currency, to add to the balances.
    in_flight: BTreeMap<String, i128>,
    /// Holds being captured (transfers between slots among them), with the amount
    /// held: their target's credit may be written while their debit is not yet.
    capturing: HashMap<String, i64>,
}

/// The kinds that take money out as one half of a transfer: a transfer's debit,
/// a hold's capture.
fn is_out(kind: TransactionKind) -> bool {
    matches!(kind, TransactionKind::TransferOut | TransactionKind::Capture)
}

impl Transfers {
    /// A hold found capturing: a lone credit of it is in flight, not incomplete.
    pub(super) fn capturing(&mut self, hold_id: String, amount: i64) {
        self.capturing.insert(hold_id, amount);
    }

    pub(super) fn add(&mut self, transfer_id: String, half: Half) {
        let parts = self.open.entry(transfer_id.clone()).or_default();
        parts.push(half);
        let complete = parts.iter().any(|h| is_out(h.kind))
            && parts.iter().any(|h| h.kind == TransactionKind::TransferIn);
        if complete && let Some(parts) = self.open.remove(&transfer_id) {
            self.judge(transfer_id, parts, &HashMap::new());
        }
    }

    fn judge(&mut self, transfer_id: String, parts: Vec<Half>, archived_through: &HashMap<AccountId, i64>) {
        self.judged += 1;
        let out: Vec<&Half> = parts.iter().filter(|h| is_out(h.kind)).collect();
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
            // The credit of a capture still under way: the money has reached the
            // target and not yet left the source, so it is counted once, out.
            if let [only] = parts.as_slice()
                && only.kind == TransactionKind::TransferIn
                && self.capturing.get(&transfer_id) == Some(&only.amount)
            {
                *self.in_flight.entry(only.currency.clone()).or_default() -= i128::from(only.amount);
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
    pub(super) fn finish(mut self, archived_through: &HashMap<AccountId, i64>, report: &mut CheckReport) {
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
