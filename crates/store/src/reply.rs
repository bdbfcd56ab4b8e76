//! Decoding of script replies and stored records into domain values.
//!
//! The scripts answer `{'OK', ...}` or `{REASON, detail...}`; the field order of
//! each reply is documented at the top of its script.

use redbank_domain::{
    Account, AccountId, AccountType, Currency, Error, Memo, Money, RequestId, Transaction, TransactionKind,
};

use crate::{Posted, StoreError};

fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}

fn int(field: &str, text: &str) -> Result<i64, StoreError> {
    text.parse().map_err(|_| corrupt(format!("{field} is not an integer: {text:?}")))
}

fn currency(text: &str) -> Result<Currency, StoreError> {
    Currency::parse(text).map_err(|_| corrupt(format!("stored currency {text:?} is invalid")))
}

/// A refusal reply, as the domain error it stands for. `given` is the currency of
/// the request's amount, which a CURRENCY_MISMATCH reply does not repeat.
fn refusal(fields: &[String], given: Option<Currency>) -> StoreError {
    let field = |i: usize| fields.get(i).map(String::as_str).unwrap_or_default();
    // INSUFFICIENT_FUNDS and BALANCE_LIMIT_EXCEEDED carry the balance and currency.
    let balance = || -> Result<Money, StoreError> {
        Ok(Money::from_minor(currency(field(2))?, int("balance", field(1))?))
    };
    let error = match field(0) {
        "ACCOUNT_NOT_FOUND" => Ok(Error::AccountNotFound),
        "ACCOUNT_EXISTS" => Ok(Error::AccountExists),
        "IDEMPOTENCY_KEY_REUSED" => Ok(Error::IdempotencyKeyReused),
        "INSUFFICIENT_FUNDS" => balance().map(|balance| Error::InsufficientFunds { balance }),
        "BALANCE_LIMIT_EXCEEDED" => balance().map(|b| Error::BalanceLimitExceeded {
            limit: Money::from_minor(b.currency(), redbank_domain::limits::MAX_BALANCE_MINOR),
        }),
        "CURRENCY_MISMATCH" => currency(field(1))
            .map(|account| Error::CurrencyMismatch { account, given: given.unwrap_or(account) }),
        other => Err(corrupt(format!("unknown script reply {other:?}"))),
    };
    match error {
        Ok(e) => StoreError::Refused(e),
        Err(e) => e,
    }
}

fn is_ok(fields: &[String]) -> bool {
    fields.first().is_some_and(|f| f == "OK")
}

/// Reply of create_account.lua: {'OK', type, currency, balance, version, create_time_micros}.
pub(crate) fn created(id: &AccountId, fields: &[String]) -> Result<Account, StoreError> {
    if !is_ok(fields) {
        return Err(refusal(fields, None));
    }
    let [_, kind, cur, bal, ver, ctime] = fields else {
        return Err(corrupt(format!("create reply has {} fields", fields.len())));
    };
    build_account(id, kind, cur, bal, ver, ctime)
}

fn build_account(
    id: &AccountId,
    kind: &str,
    cur: &str,
    bal: &str,
    ver: &str,
    ctime: &str,
) -> Result<Account, StoreError> {
    Ok(Account {
        id: id.clone(),
        account_type: AccountType::parse(kind).map_err(|_| corrupt(format!("stored type {kind:?}")))?,
        balance: Money::from_minor(currency(cur)?, int("balance", bal)?),
        create_time_micros: int("ctime", ctime)?,
        version: int("version", ver)?,
    })
}

/// Reply of HMGET type cur bal ver ctime.
pub(crate) fn account(id: &AccountId, fields: &[Option<String>]) -> Result<Account, StoreError> {
    match fields {
        [None, ..] => Err(StoreError::Refused(Error::AccountNotFound)),
        [Some(kind), Some(cur), Some(bal), Some(ver), Some(ctime)] => {
            build_account(id, kind, cur, bal, ver, ctime)
        }
        _ => Err(corrupt(format!("account {id} is missing fields"))),
    }
}

/// Reply of post.lua: {'OK', entry_id, kind, amount, balance_after, version, type,
/// currency, create_time_micros, request_id, memo}.
pub(crate) fn posted(
    id: &AccountId,
    given: Option<Currency>,
    fields: &[String],
) -> Result<Posted, StoreError> {
    if !is_ok(fields) {
        return Err(refusal(fields, given));
    }
    let [_, entry_id, kind, amount, bal, ver, acct_type, cur, ctime, rid, memo] = fields else {
        return Err(corrupt(format!("post reply has {} fields", fields.len())));
    };
    let account = build_account(id, acct_type, cur, bal, ver, ctime)?;
    let transaction = Transaction {
        id: entry_id.clone(),
        account_id: id.clone(),
        kind: TransactionKind::from_code(kind).ok_or_else(|| corrupt(format!("kind {kind:?}")))?,
        amount: Money::from_minor(account.currency(), int("amount", amount)?),
        balance_after: account.balance,
        request_id: optional_request_id(rid)?,
        memo: Memo::parse(memo).map_err(|_| corrupt("stored memo is invalid"))?,
        create_time_millis: entry_millis(entry_id)?,
        account_version: account.version,
    };
    Ok(Posted { transaction, account })
}

fn optional_request_id(text: &str) -> Result<Option<RequestId>, StoreError> {
    RequestId::parse_optional(text).map_err(|_| corrupt("stored request id is invalid"))
}

/// A stream entry id is `<milliseconds>-<sequence>`, from the Redis clock.
fn entry_millis(entry_id: &str) -> Result<i64, StoreError> {
    let millis = entry_id.split_once('-').map_or(entry_id, |(ms, _)| ms);
    int("entry id", millis)
}

/// One history stream entry: kind, amount, balance, version, request_id, memo.
pub(crate) fn entry(
    id: &AccountId,
    currency: Currency,
    entry_id: String,
    fields: &[String],
) -> Result<Transaction, StoreError> {
    let get = |name: &str| -> Result<&str, StoreError> {
        fields
            .chunks_exact(2)
            .find(|pair| pair[0] == name)
            .map(|pair| pair[1].as_str())
            .ok_or_else(|| corrupt(format!("history entry {entry_id} lacks {name}")))
    };
    let kind = get("kind")?;
    Ok(Transaction {
        account_id: id.clone(),
        kind: TransactionKind::from_code(kind).ok_or_else(|| corrupt(format!("kind {kind:?}")))?,
        amount: Money::from_minor(currency, int("amount", get("amount")?)?),
        balance_after: Money::from_minor(currency, int("balance", get("balance")?)?),
        request_id: optional_request_id(get("request_id")?)?,
        memo: Memo::parse(get("memo")?).map_err(|_| corrupt("stored memo is invalid"))?,
        create_time_millis: entry_millis(&entry_id)?,
        account_version: int("version", get("version")?)?,
        id: entry_id,
    })
}
