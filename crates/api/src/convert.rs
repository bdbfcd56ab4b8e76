//! Proto messages to domain values and back. Requests are parsed here into types
//! that cannot be invalid; responses are built here from domain values.

use prost_types::Timestamp;
use redbank_domain::{
    Account, AccountState, AccountType, Amount, ApiKey, Currency, Error, Hold, HoldState, Money, Role,
    Transaction, TransactionKind,
};

use crate::v1;

/// The account type of a v1 request; UNSPECIFIED and unknown numbers are refused.
pub fn account_type_from_proto(value: i32) -> Result<AccountType, Error> {
    match v1::AccountType::try_from(value) {
        Ok(v1::AccountType::Savings) => Ok(AccountType::Savings),
        Ok(v1::AccountType::Checking) => Ok(AccountType::Checking),
        _ => Err(Error::InvalidAccountType),
    }
}

pub fn account_type_to_proto(value: AccountType) -> v1::AccountType {
    match value {
        AccountType::Savings => v1::AccountType::Savings,
        AccountType::Checking => v1::AccountType::Checking,
    }
}

pub fn kind_to_proto(kind: TransactionKind) -> v1::TransactionKind {
    match kind {
        TransactionKind::Deposit => v1::TransactionKind::Deposit,
        TransactionKind::Withdrawal => v1::TransactionKind::Withdrawal,
        TransactionKind::Interest => v1::TransactionKind::Interest,
        TransactionKind::TransferIn => v1::TransactionKind::TransferIn,
        TransactionKind::TransferOut => v1::TransactionKind::TransferOut,
        TransactionKind::Frozen => v1::TransactionKind::AccountFrozen,
        TransactionKind::Unfrozen => v1::TransactionKind::AccountUnfrozen,
        TransactionKind::Closed => v1::TransactionKind::AccountClosed,
        TransactionKind::Hold => v1::TransactionKind::Hold,
        TransactionKind::Capture => v1::TransactionKind::Capture,
        TransactionKind::Release => v1::TransactionKind::Release,
    }
}

pub fn hold_state_to_proto(state: HoldState) -> v1::HoldState {
    match state {
        HoldState::Open => v1::HoldState::Open,
        HoldState::Capturing => v1::HoldState::Capturing,
        HoldState::Captured => v1::HoldState::Captured,
        HoldState::Voided => v1::HoldState::Voided,
        HoldState::Expired => v1::HoldState::Expired,
    }
}

pub fn hold_to_proto(hold: &Hold) -> v1::Hold {
    v1::Hold {
        hold_id: hold.id.to_string(),
        account_id: hold.id.account().to_string(),
        state: hold_state_to_proto(hold.state).into(),
        amount: Some(money_to_proto(hold.amount)),
        memo: hold.memo.as_str().to_owned(),
        create_time: Some(timestamp_from_millis(hold.create_time_millis)),
        expire_time: Some(timestamp_from_millis(hold.expire_time_millis)),
        capture_account_id: hold.capture_to.as_ref().map(ToString::to_string).unwrap_or_default(),
        capture_amount: hold.capture_amount.map(money_to_proto),
        settle_time: (hold.settle_time_millis > 0).then(|| timestamp_from_millis(hold.settle_time_millis)),
        actor: hold.actor.as_ref().map(ToString::to_string).unwrap_or_default(),
    }
}

/// A kind of a request filter; UNSPECIFIED and unknown numbers are none.
pub fn kind_from_proto(value: i32) -> Option<TransactionKind> {
    TransactionKind::ALL.into_iter().find(|k| i32::from(kind_to_proto(*k)) == value)
}

/// An account's state as a server answers it; None for one this client does not
/// know.
pub fn state_from_proto(value: i32) -> Option<AccountState> {
    match v1::AccountState::try_from(value) {
        Ok(v1::AccountState::Active) => Some(AccountState::Active),
        Ok(v1::AccountState::Frozen) => Some(AccountState::Frozen),
        Ok(v1::AccountState::Closed) => Some(AccountState::Closed),
        _ => None,
    }
}

pub fn state_to_proto(state: AccountState) -> v1::AccountState {
    match state {
        AccountState::Active => v1::AccountState::Active,
        AccountState::Frozen => v1::AccountState::Frozen,
        AccountState::Closed => v1::AccountState::Closed,
    }
}

/// Milliseconds since the epoch of a request timestamp; refuses nanos out of range
/// and times before the epoch or absurdly far ahead.
pub fn millis_from_timestamp(t: &Timestamp) -> Result<i64, Error> {
    const MAX_SECONDS: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    if !(0..1_000_000_000).contains(&t.nanos) || !(0..=MAX_SECONDS).contains(&t.seconds) {
        return Err(Error::InvalidTimeRange("timestamps must lie between 1970 and 9999".into()));
    }
    Ok(t.seconds * 1000 + i64::from(t.nanos / 1_000_000))
}

/// The amount of a request: required, positive, in a known currency, and a whole
/// number of that currency's minor units.
pub fn amount_from_proto(money: Option<&v1::Money>) -> Result<Amount, Error> {
    let money = money.ok_or_else(|| Error::InvalidAmount("amount is required".into()))?;
    let currency = Currency::parse(&money.currency_code)?;
    Amount::from_units_nanos(currency, money.units, money.nanos).map_err(Error::from)
}

pub fn money_to_proto(money: Money) -> v1::Money {
    let (units, nanos) = money.to_units_nanos();
    v1::Money { currency_code: money.currency().code().to_owned(), units, nanos }
}

/// The money a response carries, back in the domain: used by clients.
pub fn money_from_proto(money: &v1::Money) -> Result<Money, Error> {
    let currency = Currency::parse(&money.currency_code)?;
    Money::from_units_nanos(currency, money.units, money.nanos).map_err(Error::from)
}

fn timestamp_from_micros(micros: i64) -> Timestamp {
    Timestamp { seconds: micros.div_euclid(1_000_000), nanos: (micros.rem_euclid(1_000_000) * 1000) as i32 }
}

pub fn timestamp_from_millis(millis: i64) -> Timestamp {
    Timestamp { seconds: millis.div_euclid(1000), nanos: (millis.rem_euclid(1000) * 1_000_000) as i32 }
}

pub fn account_to_proto(account: &Account) -> v1::Account {
    v1::Account {
        account_id: account.id.to_string(),
        r#type: account_type_to_proto(account.account_type).into(),
        balance: Some(money_to_proto(account.balance)),
        create_time: Some(timestamp_from_micros(account.create_time_micros)),
        version: account.version,
        state: state_to_proto(account.state).into(),
        state_reason: account.state_reason.as_str().to_owned(),
        state_change_time: (account.state_change_time_millis > 0)
            .then(|| timestamp_from_millis(account.state_change_time_millis)),
        customer_id: account.owner.as_ref().map(ToString::to_string).unwrap_or_default(),
        available_balance: Some(money_to_proto(account.available())),
        held_balance: Some(money_to_proto(account.held)),
    }
}

pub fn transaction_to_proto(tx: &Transaction) -> v1::Transaction {
    v1::Transaction {
        transaction_id: tx.id.clone(),
        account_id: tx.account_id.to_string(),
        kind: kind_to_proto(tx.kind).into(),
        amount: Some(money_to_proto(tx.amount)),
        balance_after: Some(money_to_proto(tx.balance_after)),
        request_id: tx.request_id.as_ref().map(ToString::to_string).unwrap_or_default(),
        memo: tx.memo.as_str().to_owned(),
        create_time: Some(timestamp_from_millis(tx.create_time_millis)),
        account_version: tx.account_version,
        counterparty_account_id: tx.counterparty.as_ref().map(ToString::to_string).unwrap_or_default(),
        transfer_id: tx.transfer_id.clone().unwrap_or_default(),
        actor: tx.actor.as_ref().map(ToString::to_string).unwrap_or_default(),
    }
}

/// An API key as the API shows it: never its secret.
pub fn api_key_to_proto(key: &ApiKey) -> v1::ApiKey {
    v1::ApiKey {
        key_id: key.id.to_string(),
        role: role_to_proto(key.grant.role()).into(),
        customer_id: key.grant.customer().map(ToString::to_string).unwrap_or_default(),
        description: key.description.as_str().to_owned(),
        create_time: Some(timestamp_from_millis(key.created_millis)),
        created_by: key.created_by.clone(),
        expire_time: key.expires_millis.map(timestamp_from_millis),
        last_use_time: key.last_used_millis.map(timestamp_from_millis),
        revoke_time: key.revoked_millis.map(timestamp_from_millis),
        revoked_by: key.revoked_by.clone().unwrap_or_default(),
    }
}

/// The role of a request; UNSPECIFIED and unknown numbers are refused.
pub fn role_from_proto(value: i32) -> Result<Role, Error> {
    match v1::Role::try_from(value) {
        Ok(v1::Role::Customer) => Ok(Role::Customer),
        Ok(v1::Role::Teller) => Ok(Role::Teller),
        Ok(v1::Role::Auditor) => Ok(Role::Auditor),
        Ok(v1::Role::Admin) => Ok(Role::Admin),
        _ => Err(Error::InvalidRole),
    }
}

pub fn role_to_proto(role: Role) -> v1::Role {
    match role {
        Role::Customer => v1::Role::Customer,
        Role::Teller => v1::Role::Teller,
        Role::Auditor => v1::Role::Auditor,
        Role::Admin => v1::Role::Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips() {
        let usd = Currency::parse("USD").unwrap();
        for minor in [0, 1, 1250, -1250, redbank_domain::limits::MAX_BALANCE_MINOR] {
            let m = Money::from_minor(usd, minor);
            assert_eq!(money_from_proto(&money_to_proto(m)), Ok(m));
        }
        let p = money_to_proto(Money::from_minor(usd, 1250));
        assert_eq!((p.currency_code.as_str(), p.units, p.nanos), ("USD", 12, 500_000_000));
    }

    #[test]
    fn hostile_response_money_is_refused_not_a_panic() {
        let m = |u, n| v1::Money { currency_code: "USD".into(), units: u, nanos: n };
        assert!(money_from_proto(&m(i64::MIN, 0)).is_err());
        assert!(money_from_proto(&m(i64::MIN, i32::MIN)).is_err());
        assert!(money_from_proto(&m(-1, 5)).is_err());
        assert_eq!(money_from_proto(&m(-2, -500_000_000)).map(|x| x.minor()), Ok(-250));
    }

    #[test]
    fn request_amounts() {
        let m = |c: &str, u, n| v1::Money { currency_code: c.into(), units: u, nanos: n };
        assert_eq!(amount_from_proto(Some(&m("USD", 1, 0))).map(|a| a.minor()), Ok(100));
        assert!(matches!(amount_from_proto(None), Err(Error::InvalidAmount(_))));
        assert!(matches!(amount_from_proto(Some(&m("usd", 1, 0))), Err(Error::InvalidCurrency(_))));
        assert!(matches!(amount_from_proto(Some(&m("", 1, 0))), Err(Error::InvalidCurrency(_))));
        assert!(matches!(amount_from_proto(Some(&m("JPY", 1, 500_000_000))), Err(Error::InvalidAmount(_))));
    }

    #[test]
    fn account_types() {
        assert_eq!(account_type_from_proto(1), Ok(AccountType::Savings));
        assert_eq!(account_type_from_proto(2), Ok(AccountType::Checking));
        for bad in [0, 3, -1, i32::MAX] {
            assert_eq!(account_type_from_proto(bad), Err(Error::InvalidAccountType));
        }
    }

    #[test]
    fn kinds_map_one_to_one() {
        for k in TransactionKind::ALL {
            assert_eq!(kind_from_proto(kind_to_proto(k).into()), Some(k));
        }
        assert_eq!(kind_from_proto(0), None);
        assert_eq!(kind_from_proto(99), None);
    }

    #[test]
    fn timestamps() {
        assert_eq!(millis_from_timestamp(&Timestamp { seconds: 2, nanos: 5_000_000 }), Ok(2005));
        assert!(millis_from_timestamp(&Timestamp { seconds: -1, nanos: 0 }).is_err());
        assert!(millis_from_timestamp(&Timestamp { seconds: 0, nanos: -1 }).is_err());
        assert!(millis_from_timestamp(&Timestamp { seconds: i64::MAX, nanos: 0 }).is_err());
        let t = timestamp_from_micros(1_700_000_000_123_456);
        assert_eq!((t.seconds, t.nanos), (1_700_000_000, 123_456_000));
        let t = timestamp_from_millis(1_700_000_000_123);
        assert_eq!((t.seconds, t.nanos), (1_700_000_000, 123_000_000));
    }
}
