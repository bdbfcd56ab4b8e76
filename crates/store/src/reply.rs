//! Decoding of script replies and stored data into domain values.
//!
//! The scripts answer `{'OK', parts...}` or `{REASON, detail...}`. An account part
//! is [`ACCOUNT_FIELDS`] strings and an entry part [`ENTRY_FIELDS`], in the order
//! that `lua/prelude.lua` documents (`account_reply`, `append`).

use redbank_domain::{
    Account, AccountId, AccountState, AccountType, Actor, Currency, CustomerId, Error, Hold, HoldId,
    HoldPurpose, HoldState, Memo, Money, RequestId, Transaction, TransactionKind,
};

use crate::{ArchivePoint, StoreError};

/// type, cur, bal, ver, ctime, state, state reason, state time, owner, held.
pub(crate) const ACCOUNT_FIELDS: usize = crate::scripts::ACCOUNT_FIELDS.len();
/// id, kind, amount, balance, version, request id, memo, counterparty, transfer id,
/// actor.
pub(crate) const ENTRY_FIELDS: usize = 10;
/// nonce, purpose, state, amount, currency, memo, ctime, expire, capture target,
/// capture amount, settle time, actor (prelude.lua, `hold_part`).
pub(crate) const HOLD_FIELDS: usize = 12;

fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}

fn int(field: &str, text: &str) -> Result<i64, StoreError> {
    text.parse().map_err(|_| corrupt(format!("{field} is not an integer: {text:?}")))
}

fn currency(text: &str) -> Result<Currency, StoreError> {
    Currency::parse(text).map_err(|_| corrupt(format!("stored currency {text:?} is invalid")))
}

fn account_id(text: &str) -> Result<AccountId, StoreError> {
    AccountId::parse(text).map_err(|_| corrupt(format!("stored account id {text:?} is invalid")))
}

fn memo(text: &str) -> Result<Memo, StoreError> {
    Memo::parse(text).map_err(|_| corrupt("stored memo is invalid"))
}

/// A refusal reply, as the domain error it stands for. `given` is the currency of
/// the request's amount, which a CURRENCY_MISMATCH reply does not repeat.
pub(crate) fn refusal<S: AsRef<str>>(fields: &[S], given: Option<Currency>) -> StoreError {
    let field = |i: usize| fields.get(i).map(AsRef::as_ref).unwrap_or_default();
    // INSUFFICIENT_FUNDS, BALANCE_LIMIT_EXCEEDED and BALANCE_NOT_ZERO carry a
    // balance and its currency.
    let balance = || -> Result<Money, StoreError> {
        Ok(Money::from_minor(currency(field(2))?, int("balance", field(1))?))
    };
    let error = match field(0) {
        "ACCOUNT_NOT_FOUND" => account_id(field(1)).map(Error::AccountNotFound),
        "ACCOUNT_EXISTS" => Ok(Error::AccountExists),
        "KEY_NOT_FOUND" => Ok(Error::KeyNotFound(field(1).to_owned())),
        "KEY_REVOKED" => Ok(Error::KeyRevoked(field(1).to_owned())),
        "PERMISSION_DENIED" => Ok(Error::PermissionDenied),
        "IDEMPOTENCY_KEY_REUSED" => Ok(Error::IdempotencyKeyReused),
        "INSUFFICIENT_FUNDS" => balance().map(|balance| Error::InsufficientFunds { balance }),
        "BALANCE_LIMIT_EXCEEDED" => balance().map(|b| Error::BalanceLimitExceeded {
            limit: Money::from_minor(b.currency(), redbank_domain::limits::MAX_BALANCE_MINOR),
        }),
        "BALANCE_NOT_ZERO" => balance().map(|balance| Error::BalanceNotZero { balance }),
        "CAPTURE_EXCEEDS_HOLD" => balance().map(|held| Error::CaptureExceedsHold { held }),
        "HOLD_NOT_FOUND" => Ok(Error::HoldNotFound(field(1).to_owned())),
        "HOLD_NOT_OPEN" => Ok(Error::HoldNotOpen { hold: field(1).to_owned(), state: field(2).to_owned() }),
        "TOO_MANY_HOLDS" => Ok(Error::TooManyHolds),
        "CAPTURE_TIMED_OUT" => Ok(Error::CaptureTimedOut(field(1).to_owned())),
        "DEADLINE_PASSED" => return StoreError::DeadlinePassed,
        "CURRENCY_MISMATCH" => currency(field(1))
            .map(|account| Error::CurrencyMismatch { account, given: given.unwrap_or(account) }),
        "ACCOUNT_FROZEN" => account_id(field(1)).map(Error::AccountFrozen),
        "ACCOUNT_CLOSED" => account_id(field(1)).map(Error::AccountClosed),
        "ACCOUNT_NOT_FROZEN" => account_id(field(1)).map(Error::AccountNotFrozen),
        "INTEREST_ALREADY_POSTED" => Ok(Error::InterestAlreadyPosted(field(1).to_owned())),
        "SCRIPT_ERROR" => Err(corrupt(format!("script failed: {}", field(1)))),
        other => Err(corrupt(format!("unknown script reply {other:?}"))),
    };
    match error {
        Ok(e) => StoreError::Refused(e),
        Err(e) => e,
    }
}

/// The parts after 'OK', or the refusal.
pub(crate) fn ok_parts<S: AsRef<str>>(
    fields: &[S],
    given: Option<Currency>,
    parts_len: usize,
) -> Result<&[S], StoreError> {
    match fields.split_first() {
        Some((ok, rest)) if ok.as_ref() == "OK" => {
            if rest.len() == parts_len {
                Ok(rest)
            } else {
                Err(corrupt(format!("reply has {} fields, expected {parts_len}", rest.len())))
            }
        }
        _ => Err(refusal(fields, given)),
    }
}

/// An account part: type, cur, bal, ver, ctime, state, state reason, state time,
/// owner ('' for none), held.
pub(crate) fn account<S: AsRef<str>>(id: &AccountId, f: &[S]) -> Result<Account, StoreError> {
    let [kind, cur, bal, ver, ctime, state, reason, stime, owner, held] = f else {
        return Err(corrupt(format!("account part has {} fields", f.len())));
    };
    let [kind, cur, bal, ver, ctime, state, reason, stime, owner, held] =
        [kind, cur, bal, ver, ctime, state, reason, stime, owner, held].map(AsRef::as_ref);
    let cur = currency(cur)?;
    Ok(Account {
        id: id.clone(),
        account_type: AccountType::parse(kind).map_err(|_| corrupt(format!("stored type {kind:?}")))?,
        balance: Money::from_minor(cur, int("balance", bal)?),
        held: Money::from_minor(cur, int("held", held)?),
        create_time_micros: int("ctime", ctime)?,
        version: int("version", ver)?,
        state: AccountState::from_code(state).ok_or_else(|| corrupt(format!("stored state {state:?}")))?,
        state_reason: memo(reason)?,
        state_change_time_millis: int("stime", stime)?,
        owner: CustomerId::parse_optional(owner).map_err(|_| corrupt(format!("stored owner {owner:?}")))?,
    })
}

/// An entry part: id, kind, amount, balance, version, request id, memo,
/// counterparty, transfer id, actor ('' for entries older than the audit trail).
pub(crate) fn entry<S: AsRef<str>>(
    id: &AccountId,
    currency: Currency,
    f: &[S],
) -> Result<Transaction, StoreError> {
    let [entry_id, kind, amount, bal, ver, rid, text, counterparty, transfer, actor] = f else {
        return Err(corrupt(format!("entry part has {} fields", f.len())));
    };
    let [entry_id, kind, amount, bal, ver, rid, text, counterparty, transfer, actor] =
        [entry_id, kind, amount, bal, ver, rid, text, counterparty, transfer, actor].map(AsRef::as_ref);
    Ok(Transaction {
        id: entry_id.to_owned(),
        account_id: id.clone(),
        kind: TransactionKind::from_code(kind).ok_or_else(|| corrupt(format!("kind {kind:?}")))?,
        amount: Money::from_minor(currency, int("amount", amount)?),
        balance_after: Money::from_minor(currency, int("balance", bal)?),
        request_id: RequestId::parse_optional(rid).map_err(|_| corrupt("stored request id is invalid"))?,
        memo: memo(text)?,
        create_time_millis: entry_millis(entry_id)?,
        account_version: int("version", ver)?,
        counterparty: if counterparty.is_empty() { None } else { Some(account_id(counterparty)?) },
        transfer_id: if transfer.is_empty() { None } else { Some(transfer.to_owned()) },
        counterparty_version: None,
        actor: if actor.is_empty() {
            None
        } else {
            Some(Actor::parse(actor).map_err(|_| corrupt(format!("stored actor {actor:?}")))?)
        },
    })
}

/// A hold part (prelude.lua's `hold_part`): the nonce, then the hold's fields.
pub(crate) fn hold(account: &AccountId, f: &[String]) -> Result<Hold, StoreError> {
    let [nonce, purpose, state, amount, cur, text, ctime, expire, to, camount, stime, actor] = f else {
        return Err(corrupt(format!("hold part has {} fields", f.len())));
    };
    let cur = currency(cur)?;
    Ok(Hold {
        id: HoldId::new(account.clone(), nonce).map_err(|_| corrupt(format!("hold nonce {nonce:?}")))?,
        purpose: HoldPurpose::from_code(purpose)
            .ok_or_else(|| corrupt(format!("hold purpose {purpose:?}")))?,
        state: HoldState::from_code(state).ok_or_else(|| corrupt(format!("hold state {state:?}")))?,
        amount: Money::from_minor(cur, int("hold amount", amount)?),
        memo: memo(text)?,
        create_time_millis: int("hold ctime", ctime)?,
        expire_time_millis: int("hold expire", expire)?,
        capture_to: if to.is_empty() { None } else { Some(account_id(to)?) },
        capture_amount: if camount.is_empty() {
            None
        } else {
            Some(Money::from_minor(cur, int("capture amount", camount)?))
        },
        settle_time_millis: int("hold stime", stime)?,
        actor: if actor.is_empty() {
            None
        } else {
            Some(Actor::parse(actor).map_err(|_| corrupt(format!("stored actor {actor:?}")))?)
        },
    })
}

/// An entry part and the account part after it (every script's reply of a change
/// that wrote an entry carries one per account it changed).
pub(crate) fn entry_then_account<S: AsRef<str>>(
    id: &AccountId,
    part: &[S],
) -> Result<(Transaction, Account), StoreError> {
    if part.len() != ENTRY_FIELDS + ACCOUNT_FIELDS {
        return Err(corrupt(format!("a change's reply has {} fields", part.len())));
    }
    let (e, a) = part.split_at(ENTRY_FIELDS);
    let account = account(id, a)?;
    Ok((entry(id, account.currency(), e)?, account))
}

/// `{'OK', entry..., account...}` or a refusal.
pub(crate) fn entry_and_account<S: AsRef<str>>(
    id: &AccountId,
    given: Option<Currency>,
    fields: &[S],
) -> Result<(Transaction, Account), StoreError> {
    entry_then_account(id, ok_parts(fields, given, ENTRY_FIELDS + ACCOUNT_FIELDS)?)
}

/// HMGET of the account fields (ACCOUNT_HASH_FIELDS). The state's reason and time
/// are absent until the account's first change of state.
pub(crate) fn stored_account(id: &AccountId, fields: Vec<Option<String>>) -> Result<Account, StoreError> {
    if fields.first().is_none_or(Option::is_none) {
        return Err(StoreError::Refused(Error::AccountNotFound(id.clone())));
    }
    let defaults = ["", "", "", "", "", "", "", "0", "", "0"];
    let f: Vec<String> =
        fields.into_iter().zip(defaults).map(|(v, d)| v.unwrap_or_else(|| d.to_owned())).collect();
    account(id, &f)
}

/// A stream entry id is `<milliseconds>-<sequence>`, from the Redis clock.
pub(crate) fn entry_millis(entry_id: &str) -> Result<i64, StoreError> {
    let millis = entry_id.split_once('-').map_or(entry_id, |(ms, _)| ms);
    int("entry id", millis)
}

/// The stream fields of an entry, in the order of the entry part after its id.
const STREAM_FIELDS: [&str; ENTRY_FIELDS - 1] =
    ["kind", "amount", "balance", "version", "request_id", "memo", "counterparty", "transfer", "actor"];

/// One history stream entry, as XRANGE returns it; its values are moved, not copied.
pub(crate) fn stream_entry(
    id: &AccountId,
    currency: Currency,
    entry_id: String,
    kv: Vec<String>,
) -> Result<Transaction, StoreError> {
    let mut f: [String; ENTRY_FIELDS] = Default::default();
    f[0] = entry_id;
    let mut counterparty_version = None;
    let mut kv = kv.into_iter();
    while let (Some(name), Some(value)) = (kv.next(), kv.next()) {
        if let Some(i) = STREAM_FIELDS.iter().position(|field| *field == name) {
            f[i + 1] = value;
        } else if name == "cversion" {
            counterparty_version = Some(int("cversion", &value)?);
        }
    }
    let mut transaction = entry(id, currency, &f)?;
    transaction.counterparty_version = counterparty_version;
    Ok(transaction)
}

/// HMGET of the archive point fields (lib.rs, ARCHIVE_FIELDS): all absent on an
/// account never archived.
pub(crate) fn archive_point(fields: Vec<Option<String>>) -> Result<ArchivePoint, StoreError> {
    let [through, balance, version, entries, net_external] = <[Option<String>; 5]>::try_from(fields)
        .map_err(|f| corrupt(format!("archive point has {} fields", f.len())))?;
    if let Some(id) = &through {
        entry_millis(id)?;
    }
    let number = |field: &str, value: Option<String>| value.map_or(Ok(0), |v| int(field, &v));
    Ok(ArchivePoint {
        through,
        balance: number("abal", balance)?,
        version: number("aver", version)?,
        entries: number("acount", entries)?,
        net_external: number("aext", net_external)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every script, as the store sends it.
    const SCRIPTS: [(&str, &str); 16] = [
        ("holds_read.lua", include_str!("lua/holds_read.lua")),
        ("hold.lua", include_str!("lua/hold.lua")),
        ("capture.lua", include_str!("lua/capture.lua")),
        ("credit.lua", include_str!("lua/credit.lua")),
        ("settle.lua", include_str!("lua/settle.lua")),
        ("void.lua", include_str!("lua/void.lua")),
        ("due.lua", include_str!("lua/due.lua")),
        ("key_touch.lua", include_str!("lua/key_touch.lua")),
        ("key_create.lua", include_str!("lua/key_create.lua")),
        ("key_revoke.lua", include_str!("lua/key_revoke.lua")),
        ("prelude.lua", include_str!("lua/prelude.lua")),
        ("post.lua", include_str!("lua/post.lua")),
        ("transfer.lua", include_str!("lua/transfer.lua")),
        ("set_state.lua", include_str!("lua/set_state.lua")),
        ("create_account.lua", include_str!("lua/create_account.lua")),
        ("archive.lua", include_str!("lua/archive.lua")),
    ];

    /// Replies that are not refusals: decoded by their own readers.
    const NOT_REFUSALS: [&str; 10] = [
        "OK",
        "NO_CHANGE",
        "SCRIPT_ERROR",
        "ARCHIVE_CHANGED",
        "KEY_EXISTS",
        "PENDING",
        "DONE",
        "NOT_DUE",
        "DEADLINE_PASSED",
        "STALE_ATTEMPT",
    ];

    /// Every `{'REASON', ...}` reply a script can give, found in the script text.
    fn reasons_in_scripts() -> Vec<(&'static str, String)> {
        let mut found = Vec::new();
        for (file, text) in SCRIPTS {
            for (i, _) in text.match_indices("{'") {
                let rest = &text[i + 2..];
                let reason: String =
                    rest.chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
                if !reason.is_empty() && rest[reason.len()..].starts_with('\'') {
                    found.push((file, reason));
                }
            }
        }
        found
    }

    /// A refusal reply as a script builds it: the reason and plausible details
    /// (an account id, a balance and its currency).
    fn reply_of(reason: &str) -> Vec<String> {
        let details: &[&str] = match reason {
            "INSUFFICIENT_FUNDS" | "BALANCE_LIMIT_EXCEEDED" | "BALANCE_NOT_ZERO" | "CAPTURE_EXCEEDS_HOLD" => {
                &["1250", "USD"]
            }
            "HOLD_NOT_OPEN" => &["acct-1:h0123456789abcdef", "captured"],
            "TOO_MANY_HOLDS" => &[],
            "CURRENCY_MISMATCH" => &["EUR", "acct-1"],
            "INTEREST_ALREADY_POSTED" => &["2026-10"],
            "IDEMPOTENCY_KEY_REUSED" | "ACCOUNT_EXISTS" | "PERMISSION_DENIED" => &[],
            "KEY_NOT_FOUND" | "KEY_REVOKED" => &["0123456789abcdef"],
            _ => &["acct-1"],
        };
        std::iter::once(reason).chain(details.iter().copied()).map(str::to_owned).collect()
    }

    #[test]
    fn every_refusal_a_script_can_give_decodes_to_the_error_of_that_reason() {
        let found = reasons_in_scripts();
        assert!(found.len() >= 20, "the scan found too few replies: {found:?}");
        let usd = Currency::parse("USD").ok();
        let mut refusals = 0;
        for (file, reason) in found {
            if NOT_REFUSALS.contains(&reason.as_str()) {
                continue;
            }
            match refusal(&reply_of(&reason), usd) {
                StoreError::Refused(error) => assert_eq!(error.reason(), reason, "{file}: {reason}"),
                other => panic!("{file}: {reason} decodes to {other:?}, not a refusal"),
            }
            refusals += 1;
        }
        assert!(refusals >= 15, "{refusals}");
        // And a reason no script gives is no refusal but a store failure.
        assert!(matches!(refusal(&reply_of("INSUFICIENT_FUNDS"), usd), StoreError::Corrupt(_)));
    }

    #[test]
    fn the_other_replies_decode_by_their_own_readers() {
        assert!(matches!(
            crate::scripts::archive::decode(&["ARCHIVE_CHANGED".into(), "x".into()]),
            Err(StoreError::ArchiveChanged(_))
        ));
        assert!(crate::scripts::archive::decode(&["OK".into()]).is_ok());
        assert!(matches!(refusal(&["SCRIPT_ERROR", "boom"], None), StoreError::Corrupt(_)));
        assert!(matches!(refusal(&["DEADLINE_PASSED"], None), StoreError::DeadlinePassed));
    }
}
