//! Accounts and the history entries that record every change to them.

use std::fmt;

use crate::{AccountId, Actor, Currency, CustomerId, Error, Memo, Money, RequestId};

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

/// Where an account is in its life. Only an active account takes money in or out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AccountState {
    #[default]
    Active,
    /// Takes no debit or credit until unfrozen; the reason is recorded.
    Frozen,
    /// Final: answers reads and refuses everything else. Reached only at a zero balance.
    Closed,
}

impl AccountState {
    /// The stored form.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Frozen => "frozen",
            Self::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Active, Self::Frozen, Self::Closed].into_iter().find(|s| s.code() == code)
    }
}

impl fmt::Display for AccountState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An account to open, as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub id: AccountId,
    pub account_type: AccountType,
    /// None: the server's default currency.
    pub currency: Option<Currency>,
    pub request_id: Option<RequestId>,
    /// The customer who will own it. A customer's accounts are its own: it may
    /// name only itself (or nobody, meaning itself); staff name anyone, or none.
    pub owner: Option<CustomerId>,
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
    pub state: AccountState,
    /// Why the state last changed; empty for an account never frozen or closed.
    pub state_reason: Memo,
    /// When the state last changed, in milliseconds since the Unix epoch; 0 if never.
    pub state_change_time_millis: i64,
    /// The customer who owns it; None for an account opened by staff for nobody in
    /// particular (or before ownership existed). Set at creation, never changed.
    pub owner: Option<CustomerId>,
    /// The sum of the account's open holds: at most the balance.
    pub held: Money,
}

impl Account {
    pub fn currency(&self) -> Currency {
        self.balance.currency()
    }

    /// What the money rules see of it.
    pub fn holding(&self) -> crate::rules::Holding {
        crate::rules::Holding {
            currency: self.currency(),
            balance: self.balance.minor(),
            held: self.held.minor(),
            state: self.state,
        }
    }

    /// What withdrawals, transfers and new holds may take: the balance less what
    /// open holds reserve.
    pub fn available(&self) -> Money {
        Money::from_minor(self.currency(), self.balance.minor().saturating_sub(self.held.minor()))
    }
}

/// What a history entry records. Money moves in deposits, withdrawals, interest,
/// transfers and captures; freezing, unfreezing and closing record changes of state
/// (amount zero); a hold and its release move no money, only the held balance (their
/// amount is what they reserve or release).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionKind {
    Deposit,
    Withdrawal,
    Interest,
    TransferIn,
    TransferOut,
    Frozen,
    Unfrozen,
    Closed,
    Hold,
    Capture,
    Release,
}

impl TransactionKind {
    pub const ALL: [TransactionKind; 11] = [
        Self::Deposit,
        Self::Withdrawal,
        Self::Interest,
        Self::TransferIn,
        Self::TransferOut,
        Self::Frozen,
        Self::Unfrozen,
        Self::Closed,
        Self::Hold,
        Self::Capture,
        Self::Release,
    ];

    /// The short code stored in the history stream.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Deposit => "deposit",
            Self::Withdrawal => "withdrawal",
            Self::Interest => "interest",
            Self::TransferIn => "transfer_in",
            Self::TransferOut => "transfer_out",
            Self::Frozen => "frozen",
            Self::Unfrozen => "unfrozen",
            Self::Closed => "closed",
            Self::Hold => "hold",
            Self::Capture => "capture",
            Self::Release => "release",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// +1 when the entry's amount is money in, -1 when out, 0 for a change of state.
    pub fn sign(&self) -> i64 {
        match self {
            Self::Deposit | Self::Interest | Self::TransferIn => 1,
            Self::Withdrawal | Self::TransferOut | Self::Capture => -1,
            Self::Frozen | Self::Unfrozen | Self::Closed | Self::Hold | Self::Release => 0,
        }
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
    /// For transfers and captures: the other account.
    pub counterparty: Option<AccountId>,
    /// For transfers: the id both halves share. For holds, captures and releases:
    /// the hold's id (a capture's credit on the other account carries it too).
    pub transfer_id: Option<String>,
    /// For transfers: the other account's version after the transfer. It tells the
    /// invariant checker whether the other half was archived with that account's
    /// early history.
    pub counterparty_version: Option<i64>,
    /// Who made the change; None for entries written before the audit trail.
    pub actor: Option<Actor>,
}

impl Transaction {
    /// The entry's effect on the balance, in minor units.
    pub fn signed_minor(&self) -> i64 {
        // Saturating: an amount read from storage is not trusted to be in range.
        self.kind.sign().saturating_mul(self.amount.minor())
    }
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
    fn kinds_and_states_round_trip() {
        for k in TransactionKind::ALL {
            assert_eq!(TransactionKind::from_code(k.code()), Some(k));
        }
        assert_eq!(TransactionKind::from_code("x"), None);
        for s in [AccountState::Active, AccountState::Frozen, AccountState::Closed] {
            assert_eq!(AccountState::from_code(s.code()), Some(s));
        }
    }
}
