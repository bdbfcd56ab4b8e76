//! Accounts and the history entries that record every change to them.

use std::fmt;

use crate::{AccountId, Currency, Error, Memo, Money, RequestId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountType {
    Savings,
    Checking,
}

impl AccountType {
    /// Case-insensitive, because existing classic clients send "Savings".
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.eq_ignore_ascii_case("savings") {
            Ok(Self::Savings)
        } else if s.eq_ignore_ascii_case("checking") {
            Ok(Self::Checking)
        } else {
            Err(Error::InvalidAccountType)
        }
    }

    /// The lower-case name, also the stored form.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Savings => "savings",
            Self::Checking => "checking",
        }
    }
}

impl fmt::Display for AccountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub account_type: AccountType,
    /// Never negative; its currency is the account's currency.
    pub balance: Money,
    /// Microseconds since the Unix epoch, from the Redis clock.
    pub create_time_micros: i64,
    /// 0 at creation, plus one for every change.
    pub version: i64,
}

impl Account {
    pub fn currency(&self) -> Currency {
        self.balance.currency()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionKind {
    Deposit,
    Withdrawal,
    Interest,
}

impl TransactionKind {
    /// The short code stored in the history stream.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Deposit => "deposit",
            Self::Withdrawal => "withdrawal",
            Self::Interest => "interest",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Deposit, Self::Withdrawal, Self::Interest].into_iter().find(|k| k.code() == code)
    }
}

/// One history entry: a balance change and the balance after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// Unique within the account, increasing with time (the Redis stream id).
    pub id: String,
    pub account_id: AccountId,
    pub kind: TransactionKind,
    /// Always positive (interest may be zero): the kind gives the direction.
    pub amount: Money,
    pub balance_after: Money,
    pub request_id: Option<RequestId>,
    pub memo: Memo,
    /// Milliseconds since the Unix epoch, from the Redis clock.
    pub create_time_millis: i64,
    /// The account's version after this entry.
    pub account_version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_types_are_case_insensitive() {
        assert_eq!(AccountType::parse("Savings"), Ok(AccountType::Savings));
        assert_eq!(AccountType::parse("CHECKING"), Ok(AccountType::Checking));
        for bad in ["", "loan", "savings ", "savingsx"] {
            assert_eq!(AccountType::parse(bad), Err(Error::InvalidAccountType));
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in [TransactionKind::Deposit, TransactionKind::Withdrawal, TransactionKind::Interest] {
            assert_eq!(TransactionKind::from_code(k.code()), Some(k));
        }
        assert_eq!(TransactionKind::from_code("x"), None);
    }
}
