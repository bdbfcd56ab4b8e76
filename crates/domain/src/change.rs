//! The requests that change an account, as domain values.

use crate::calendar::InterestPeriod;
use crate::{
    AccountId, AccountState, AccountType, Amount, AnnualRate, Currency, CustomerId, Error, InterestDays,
    Memo, TransactionKind,
};

/// One balance change to one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalanceChange {
    Deposit(Amount),
    Withdrawal(Amount),
    /// Simple interest on the balance found at the moment the change is applied.
    Interest {
        rate: AnnualRate,
        days: InterestDays,
        /// With a period, interest is posted at most once per account and period, forever.
        period: Option<InterestPeriod>,
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
            Self::Interest { rate, days, period } => format!(
                "{}|{}|{}",
                rate.micro_percent(),
                days.get(),
                period.map(|p| p.to_string()).unwrap_or_default()
            ),
        };
        format!("{}|{params}|{}", self.kind().code(), memo.as_str())
    }
}

/// Money from one account to another of the same currency, both sides or neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    from: AccountId,
    to: AccountId,
    amount: Amount,
}

impl Transfer {
    pub fn new(from: AccountId, to: AccountId, amount: Amount) -> Result<Self, Error> {
        if from == to {
            return Err(Error::SameAccount);
        }
        Ok(Self { from, to, amount })
    }

    pub fn from(&self) -> &AccountId {
        &self.from
    }

    pub fn to(&self) -> &AccountId {
        &self.to
    }

    pub fn amount(&self) -> Amount {
        self.amount
    }

    /// The idempotency fingerprint; the request id is scoped to the source account.
    pub fn fingerprint(&self, memo: &Memo) -> String {
        format!("transfer|{}|{}|{}|{}", self.to, self.amount.currency(), self.amount.minor(), memo.as_str())
    }
}

/// A change of an account's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    Freeze,
    Unfreeze,
    Close,
}

impl StateChange {
    /// The state after the change.
    pub fn target(&self) -> AccountState {
        match self {
            Self::Freeze => AccountState::Frozen,
            Self::Unfreeze => AccountState::Active,
            Self::Close => AccountState::Closed,
        }
    }

    /// The history entry it writes.
    pub fn kind(&self) -> TransactionKind {
        match self {
            Self::Freeze => TransactionKind::Frozen,
            Self::Unfreeze => TransactionKind::Unfrozen,
            Self::Close => TransactionKind::Closed,
        }
    }

    pub fn fingerprint(&self, reason: &Reason) -> String {
        format!("{}|{}", self.kind().code(), reason.as_str())
    }
}

/// Why an account's state changes: required, with the rules of a memo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(Memo);

impl Reason {
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.trim().is_empty() {
            return Err(Self::invalid());
        }
        Memo::parse(text).map(Self).map_err(|_| Self::invalid())
    }

    fn invalid() -> Error {
        Error::InvalidReason(format!(
            "reason is required: 1 to {} characters, with the rules of a memo (no control, \
             bidirectional, zero-width or line-separator characters)",
            crate::limits::MEMO_MAX_CHARS
        ))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The idempotency fingerprint of an account creation.
pub fn create_fingerprint(
    account_type: AccountType,
    currency: Currency,
    owner: Option<&CustomerId>,
) -> String {
    match owner {
        None => format!("create|{account_type}|{currency}"),
        Some(owner) => format!("create|{account_type}|{currency}|{owner}"),
    }
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
            BalanceChange::Interest { rate: rate("2"), days: days(2), period: None }.fingerprint(&memo),
            BalanceChange::Interest { rate: rate("4"), days: days(1), period: None }.fingerprint(&memo)
        );
    }

    #[test]
    fn transfers_need_two_accounts_and_reasons_are_required() {
        let usd = Currency::parse("USD").unwrap();
        let a = AccountId::parse("a").unwrap();
        let one = Amount::from_minor(usd, 1).unwrap();
        assert_eq!(Transfer::new(a.clone(), a.clone(), one), Err(Error::SameAccount));
        let t = Transfer::new(a, AccountId::parse("b").unwrap(), one).unwrap();
        assert_eq!(t.fingerprint(&Memo::default()), "transfer|b|USD|1|");
        assert!(Reason::parse("fraud review").is_ok());
        for bad in ["", "   ", "a\nb"] {
            assert!(matches!(Reason::parse(bad), Err(Error::InvalidReason(_))), "{bad:?}");
        }
    }
}
