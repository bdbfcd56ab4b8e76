//! The money rules, one function each: what a change does to an account, or why it
//! is refused, in the order the checks are made.
//!
//! The Lua scripts in `crates/store/src/lua` apply the same rules inside Redis, in
//! one atomic step with the write; each function below names its twin. The store's
//! test `rules_agree_with_their_lua_twins` drives random accounts and requests
//! (boundaries and rounding ties on purpose) through both and requires the same
//! outcome: the same new balance, or the same refusal with the same details.

use crate::interest::interest_minor;
use crate::limits::MAX_BALANCE_MINOR;
use crate::{AccountId, AccountState, Amount, AnnualRate, Currency, Error, InterestDays, Money, StateChange};

/// What the rules see of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub currency: Currency,
    /// Minor units, never negative.
    pub balance: i64,
    /// What open holds reserve: 0 to the balance.
    pub held: i64,
    pub state: AccountState,
}

impl Holding {
    fn money(&self, minor: i64) -> Money {
        Money::from_minor(self.currency, minor)
    }

    /// What may leave the account: the balance less what holds reserve.
    fn available(&self) -> i64 {
        self.balance - self.held
    }
}

/// No debit takes more than the available balance (the overdraft rule): the
/// refusal tells the available balance. Twin: `unavailable` in prelude.lua.
fn covered(account: &Holding, amount: Amount) -> Result<(), Error> {
    if amount.minor() > account.available() {
        return Err(Error::InsufficientFunds { balance: account.money(account.available()) });
    }
    Ok(())
}

/// Only an active account moves money. Twin: `not_movable` in prelude.lua.
pub fn movable(id: &AccountId, account: &Holding) -> Result<(), Error> {
    match account.state {
        AccountState::Active => Ok(()),
        AccountState::Frozen => Err(Error::AccountFrozen(id.clone())),
        AccountState::Closed => Err(Error::AccountClosed(id.clone())),
    }
}

/// An amount moves only in the account's own currency. Twin: the CURRENCY_MISMATCH
/// checks of post.lua and transfer.lua.
pub fn same_currency(account: &Holding, given: Currency) -> Result<(), Error> {
    if account.currency == given {
        Ok(())
    } else {
        Err(Error::CurrencyMismatch { account: account.currency, given })
    }
}

/// Whether a payee can be credited an amount in `given`: it takes credits (not
/// frozen or closed) in that currency. The store asks this before it starts a
/// capture or a transfer between slots, so that a payment bound to be refused
/// writes nothing; the target's own script decides again, atomically. Twin: the
/// first checks of credit.lua.
pub fn can_receive(id: &AccountId, payee: &Holding, given: Option<Currency>) -> Result<(), Error> {
    movable(id, payee)?;
    given.map_or(Ok(()), |given| same_currency(payee, given))
}

/// No balance passes [`MAX_BALANCE_MINOR`] (the balance ceiling). Twin: the
/// `max_bal` checks of post.lua and transfer.lua.
fn within_ceiling(account: &Holding, new_balance: i64) -> Result<i64, Error> {
    if new_balance > MAX_BALANCE_MINOR {
        Err(Error::BalanceLimitExceeded { limit: account.money(MAX_BALANCE_MINOR) })
    } else {
        Ok(new_balance)
    }
}

/// The balance after a deposit. Twin: post.lua, kind `deposit`.
pub fn deposit(id: &AccountId, account: &Holding, amount: Amount) -> Result<i64, Error> {
    same_currency(account, amount.currency())?;
    movable(id, account)?;
    within_ceiling(account, account.balance.saturating_add(amount.minor()))
}

/// The balance after a withdrawal: never below what holds reserve (the overdraft
/// rule, [`covered`]). Twin: post.lua, kind `withdrawal`.
pub fn withdraw(id: &AccountId, account: &Holding, amount: Amount) -> Result<i64, Error> {
    same_currency(account, amount.currency())?;
    movable(id, account)?;
    covered(account, amount)?;
    Ok(account.balance - amount.minor())
}

/// The held balance after a new hold: like a withdrawal, but the balance stays.
/// Twin: hold.lua (which also refuses an account at [`crate::limits::OPEN_HOLDS_MAX`]).
pub fn hold(id: &AccountId, account: &Holding, amount: Amount) -> Result<i64, Error> {
    same_currency(account, amount.currency())?;
    movable(id, account)?;
    covered(account, amount)?;
    Ok(account.held + amount.minor())
}

/// The interest and the balance after it, or None when the interest comes to
/// nothing (no entry is written then). Twin: post.lua, kind `interest`, with its
/// `interest` function for [`interest_minor`].
pub fn interest(
    id: &AccountId,
    account: &Holding,
    rate: AnnualRate,
    days: InterestDays,
) -> Result<Option<(i64, i64)>, Error> {
    movable(id, account)?;
    let amount = interest_minor(account.balance, rate, days);
    if amount == 0 {
        return Ok(None);
    }
    within_ceiling(account, account.balance.saturating_add(amount)).map(|balance| Some((amount, balance)))
}

/// Both balances after a transfer. The checks in their order: the source's
/// currency, the target's, both accounts movable, the source's funds, the target's
/// ceiling. Twin: transfer.lua.
pub fn transfer(
    (from_id, from): (&AccountId, &Holding),
    (to_id, to): (&AccountId, &Holding),
    amount: Amount,
) -> Result<(i64, i64), Error> {
    same_currency(from, amount.currency())?;
    same_currency(to, amount.currency())?;
    movable(from_id, from)?;
    movable(to_id, to)?;
    covered(from, amount)?;
    let to_balance = within_ceiling(to, to.balance.saturating_add(amount.minor()))?;
    Ok((from.balance - amount.minor(), to_balance))
}

/// The state after a change (the state machine): a closed account changes no more;
/// freeze needs an account that is not frozen, unfreeze a frozen one; close an
/// active one with a zero balance. Twin: set_state.lua.
pub fn change_state(id: &AccountId, account: &Holding, change: StateChange) -> Result<AccountState, Error> {
    if account.state == AccountState::Closed {
        return Err(Error::AccountClosed(id.clone()));
    }
    match change {
        StateChange::Freeze if account.state == AccountState::Frozen => Err(Error::AccountFrozen(id.clone())),
        StateChange::Unfreeze if account.state != AccountState::Frozen => {
            Err(Error::AccountNotFrozen(id.clone()))
        }
        StateChange::Close if account.state == AccountState::Frozen => Err(Error::AccountFrozen(id.clone())),
        StateChange::Close if account.balance != 0 => {
            Err(Error::BalanceNotZero { balance: account.money(account.balance) })
        }
        _ => Ok(change.target()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RateCeiling;

    fn id() -> AccountId {
        AccountId::parse("a").unwrap_or_else(|_| unreachable!())
    }

    fn holding(code: &str, balance: i64, state: AccountState) -> Holding {
        Holding {
            currency: Currency::parse(code).unwrap_or_else(|_| unreachable!()),
            balance,
            held: 0,
            state,
        }
    }

    fn amount(code: &str, minor: i64) -> Amount {
        Amount::from_minor(Currency::parse(code).unwrap_or_else(|_| unreachable!()), minor)
            .unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn each_rule_at_its_boundary() {
        use AccountState::*;
        let usd = |b| holding("USD", b, Active);
        // Overdraft: all of the balance, and not a cent more.
        assert_eq!(withdraw(&id(), &usd(500), amount("USD", 500)), Ok(0));
        assert!(matches!(
            withdraw(&id(), &usd(500), amount("USD", 501)),
            Err(Error::InsufficientFunds { .. })
        ));
        // Ceiling: up to it, and not a cent past it.
        let near = MAX_BALANCE_MINOR - 10;
        assert_eq!(deposit(&id(), &usd(near), amount("USD", 10)), Ok(MAX_BALANCE_MINOR));
        assert!(matches!(
            deposit(&id(), &usd(near), amount("USD", 11)),
            Err(Error::BalanceLimitExceeded { .. })
        ));
        // Currency before state: a frozen account asked in another currency says currency.
        let frozen = holding("USD", 5, Frozen);
        assert!(matches!(deposit(&id(), &frozen, amount("EUR", 1)), Err(Error::CurrencyMismatch { .. })));
        assert_eq!(deposit(&id(), &frozen, amount("USD", 1)), Err(Error::AccountFrozen(id())));
        assert_eq!(
            withdraw(&id(), &holding("USD", 5, Closed), amount("USD", 1)),
            Err(Error::AccountClosed(id()))
        );
        // Interest: nothing on nothing; a tie to even.
        let rate = AnnualRate::parse("5", RateCeiling::default()).unwrap_or_else(|_| unreachable!());
        let year = InterestDays::from_request(0).unwrap_or_else(|_| unreachable!());
        assert_eq!(interest(&id(), &usd(0), rate, year), Ok(None));
        assert_eq!(interest(&id(), &usd(50), rate, year), Ok(Some((2, 52))));
        // Transfers: the source's currency first, then the target's.
        let (a, b) = (id(), AccountId::parse("b").unwrap_or_else(|_| unreachable!()));
        let eur = holding("EUR", 0, Active);
        let refused = transfer((&a, &usd(100)), (&b, &eur), amount("EUR", 1));
        assert!(matches!(refused, Err(Error::CurrencyMismatch { account, .. }) if account.code() == "USD"));
        assert_eq!(transfer((&a, &usd(100)), (&b, &usd(7)), amount("USD", 100)), Ok((0, 107)));
        assert!(matches!(withdraw(&id(), &usd(500), amount("EUR", 1)), Err(Error::CurrencyMismatch { .. })));
        assert_eq!(interest(&id(), &frozen, rate, year), Err(Error::AccountFrozen(id())));
        let hundred = AnnualRate::parse("100", RateCeiling::default()).unwrap_or_else(|_| unreachable!());
        assert!(matches!(
            interest(&id(), &usd(MAX_BALANCE_MINOR), hundred, year),
            Err(Error::BalanceLimitExceeded { .. })
        ));
        let refused = transfer((&a, &usd(100)), (&b, &holding("EUR", 0, Active)), amount("USD", 1));
        assert!(matches!(refused, Err(Error::CurrencyMismatch { account, .. }) if account.code() == "EUR"));
        assert_eq!(
            transfer((&a, &frozen), (&b, &usd(0)), amount("USD", 1)),
            Err(Error::AccountFrozen(a.clone()))
        );
        assert_eq!(
            transfer((&a, &usd(9)), (&b, &holding("USD", 0, Closed)), amount("USD", 1)),
            Err(Error::AccountClosed(b.clone()))
        );
        assert!(matches!(
            transfer((&a, &usd(9)), (&b, &usd(0)), amount("USD", 10)),
            Err(Error::InsufficientFunds { .. })
        ));
        assert!(matches!(
            transfer((&a, &usd(9)), (&b, &usd(MAX_BALANCE_MINOR)), amount("USD", 1)),
            Err(Error::BalanceLimitExceeded { .. })
        ));
        assert_eq!(change_state(&id(), &frozen, StateChange::Close), Err(Error::AccountFrozen(id())));
        assert_eq!(change_state(&id(), &usd(3), StateChange::Freeze), Ok(Frozen));
        // The state machine.
        assert_eq!(change_state(&id(), &usd(0), StateChange::Close), Ok(Closed));
        assert!(matches!(
            change_state(&id(), &usd(1), StateChange::Close),
            Err(Error::BalanceNotZero { .. })
        ));
        assert_eq!(change_state(&id(), &frozen, StateChange::Unfreeze), Ok(Active));
        assert_eq!(change_state(&id(), &usd(0), StateChange::Unfreeze), Err(Error::AccountNotFrozen(id())));
        assert_eq!(change_state(&id(), &frozen, StateChange::Freeze), Err(Error::AccountFrozen(id())));
        assert_eq!(
            change_state(&id(), &holding("USD", 0, Closed), StateChange::Unfreeze),
            Err(Error::AccountClosed(id()))
        );
    }
}
