//! The requests that change an account, as domain values.

use crate::{AccountType, Amount, AnnualRate, Currency, InterestDays, Memo, TransactionKind};

/// One balance change to one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalanceChange {
    Deposit(Amount),
    Withdrawal(Amount),
    /// Simple interest on the balance found at the moment the change is applied.
    Interest {
        rate: AnnualRate,
        days: InterestDays,
    },
}

impl BalanceChange {
    pub fn kind(&self) -> TransactionKind {
        match self {
            Self::Deposit(_) => TransactionKind::Deposit,
            Self::Withdrawal(_) => TransactionKind::Withdrawal,
            Self::Interest { .. } => TransactionKind::Interest,
        }
    }

    /// What makes two requests "the same" for idempotency: a retry with the same
    /// request id must carry the same fingerprint, else it is refused as
    /// IDEMPOTENCY_KEY_REUSED. Every parameter is in it, the memo included.
    pub fn fingerprint(&self, memo: &Memo) -> String {
        let params = match self {
            Self::Deposit(a) | Self::Withdrawal(a) => format!("{}|{}", a.currency(), a.minor()),
            Self::Interest { rate, days } => format!("{}|{}", rate.micro_percent(), days.get()),
        };
        format!("{}|{params}|{}", self.kind().code(), memo.as_str())
    }
}

/// The idempotency fingerprint of an account creation.
pub fn create_fingerprint(account_type: AccountType, currency: Currency) -> String {
    format!("create|{account_type}|{currency}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RateCeiling;

    #[test]
    fn fingerprints_tell_parameters_apart() {
        let usd = Currency::parse("USD").unwrap();
        let ten = Amount::from_minor(usd, 1000).unwrap();
        let memo = Memo::default();
        let dep = BalanceChange::Deposit(ten).fingerprint(&memo);
        assert_eq!(dep, "deposit|USD|1000|");
        assert_ne!(dep, BalanceChange::Withdrawal(ten).fingerprint(&memo));
        assert_ne!(dep, BalanceChange::Deposit(ten).fingerprint(&Memo::parse("x").unwrap()));
        let rate = |s| AnnualRate::parse(s, RateCeiling::default()).unwrap();
        let days = |d| InterestDays::from_request(d).unwrap();
        // 2% for 2 days and 4% for 1 day earn the same, but are different requests.
        assert_ne!(
            BalanceChange::Interest { rate: rate("2"), days: days(2) }.fingerprint(&memo),
            BalanceChange::Interest { rate: rate("4"), days: days(1) }.fingerprint(&memo)
        );
    }
}
