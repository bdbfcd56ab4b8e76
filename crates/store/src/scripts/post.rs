//! post.lua: deposits, withdrawals and interest, one or many changes per call.

use redbank_domain::interest::interest_fraction;
use redbank_domain::limits::MAX_BALANCE_MINOR;
use redbank_domain::{AccountId, BalanceChange, Currency, CustomerId, Memo, Principal, RequestId};

use crate::reply;
use crate::{Posted, StoreError, keys};

/// Most keys of one change: the account, its history, its periods, its request id.
const MAX_KEYS: usize = 4;
/// The values of one change's ARGV (post.lua's header lists them).
const ARGS: usize = 11;

/// One change, as post.lua takes it: its keys, and its ARGV in the order of the
/// script's header, end to end in one string (one allocation for a change's
/// fifteen values, which the call copies into its command as they are).
#[derive(Debug, Clone)]
pub(crate) struct PostOp {
    text: String,
    /// Where each value ends in `text`: the keys', then the ARGV's.
    ends: [u32; MAX_KEYS + ARGS],
    keys: usize,
}

impl PostOp {
    fn value(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// The change's keys, its account's first.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        (0..self.keys).map(|i| self.value(i))
    }

    /// The account's key, which names the change's slot.
    pub fn account_key(&self) -> &str {
        self.value(0)
    }

    /// The change's ARGV, in order.
    pub fn args(&self) -> impl Iterator<Item = &str> {
        (self.keys..self.keys + ARGS).map(|i| self.value(i))
    }
}

/// The named values of one change's ARGV.
struct Args<'a> {
    kind: &'static str,
    /// Empty for interest (it is in the account's currency).
    currency: &'a str,
    /// Minor units; for interest the numerator of the fraction.
    amount: String,
    /// Empty unless interest.
    denominator: String,
    memo: &'a str,
    request_id: &'a str,
    fingerprint: String,
    account_id: &'a str,
    /// Empty unless interest is posted for a period.
    period: String,
    /// The customer that must own the account; empty for staff.
    owner: &'a str,
    /// Who asks, for the history.
    actor: &'a str,
}

impl Args<'_> {
    /// The change's keys (those it has, the account's first) and this ARGV as one
    /// [`PostOp`]: the one place of the ARGV order (post.lua's header lists the same).
    fn encode(&self, keys: &[Option<String>; MAX_KEYS]) -> PostOp {
        let args: [&str; ARGS] = [
            self.kind,
            self.currency,
            &self.amount,
            &self.denominator,
            self.memo,
            self.request_id,
            &self.fingerprint,
            self.account_id,
            &self.period,
            self.owner,
            self.actor,
        ];
        let values = || keys.iter().flatten().map(String::as_str).chain(args);
        let mut op = PostOp {
            text: String::with_capacity(values().map(str::len).sum()),
            ends: [0; MAX_KEYS + ARGS],
            keys: keys.iter().flatten().count(),
        };
        for (end, value) in op.ends.iter_mut().zip(values()) {
            op.text.push_str(value);
            // A change's values are bounded by the domain's limits (kilobytes).
            *end = u32::try_from(op.text.len()).unwrap_or(u32::MAX);
        }
        op
    }
}

impl PostOp {
    /// One change for post.lua, and the currency of its amount (a CURRENCY_MISMATCH
    /// reply does not repeat it).
    pub fn new(
        id: &AccountId,
        change: &BalanceChange,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> (Self, Option<Currency>) {
        Self::build(id, change, None, request_id, memo, by)
    }

    /// One change; `earned`, for a period's interest, its computed amount (the
    /// script adds it as it is: no denominator).
    fn build(
        id: &AccountId,
        change: &BalanceChange,
        earned: Option<i64>,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> (Self, Option<Currency>) {
        let (currency, amount, denominator, period) = match (change, earned) {
            (BalanceChange::Deposit(amount) | BalanceChange::Withdrawal(amount), _) => {
                (Some(amount.currency()), amount.minor().to_string(), String::new(), None)
            }
            (BalanceChange::Interest { period, .. }, Some(earned)) => {
                (None, earned.to_string(), String::new(), *period)
            }
            (BalanceChange::Interest { rate, days, period }, None) => {
                let (numerator, denominator) = interest_fraction(*rate, *days);
                (None, numerator.to_string(), denominator.to_string(), *period)
            }
        };
        // The periods hash only when a period is posted: a deposit never touches it.
        let keys = [
            Some(keys::account(id)),
            Some(keys::log(id)),
            period.is_some().then(|| keys::interest_periods(id)),
            request_id.map(|rid| keys::request(id, rid)),
        ];
        let args = Args {
            kind: change.kind().code(),
            currency: currency.as_ref().map_or("", Currency::code),
            amount,
            denominator,
            memo: memo.as_str(),
            request_id: request_id.map_or("", RequestId::as_str),
            fingerprint: change.fingerprint(memo),
            account_id: id.as_str(),
            period: period.map(|p| p.to_string()).unwrap_or_default(),
            owner: by.required_owner().map_or("", CustomerId::as_str),
            actor: by.actor.as_str(),
        };
        (args.encode(&keys), currency)
    }

    /// A month's interest whose amount was computed (on daily balances, by the
    /// bank): post.lua adds `earned` as it is, and records the period as any
    /// period posting. The fingerprint is the posting's, so that a rerun asking
    /// the same is answered the first posting.
    pub fn earned(
        id: &AccountId,
        change: &BalanceChange,
        earned: i64,
        request_id: Option<&RequestId>,
        memo: &Memo,
        by: &Principal,
    ) -> Result<(Self, Option<Currency>), StoreError> {
        let BalanceChange::Interest { period: Some(_), .. } = change else {
            return Err(StoreError::Corrupt(
                "an earned amount is posted only for a period's interest".into(),
            ));
        };
        if !(0..=MAX_BALANCE_MINOR).contains(&earned) {
            return Err(StoreError::Corrupt(format!("interest of {earned} minor units")));
        }
        Ok(Self::build(id, change, Some(earned), request_id, memo, by))
    }
}

/// The EVALSHA command of `ops`, one after another in one script: every change's
/// keys, then ARGV[1] and ARGV[2], the request-id TTL and the balance ceiling, then
/// each change's ARGV.
pub(crate) fn command(script: &redis::Script, ops: &[&PostOp], idempotency_ttl_secs: u64) -> redis::Cmd {
    let keys: usize = ops.iter().map(|op| op.keys).sum();
    let bytes: usize = ops.iter().map(|op| op.text.len()).sum();
    // Every value goes into the command's one buffer: no allocation per value.
    // Besides the changes' values it holds EVALSHA, the script's hash and three
    // numbers (the key count, the TTL, the ceiling), each at most 20 digits.
    let values = 3 + keys + 2 + ops.len() * ARGS;
    let extra = "EVALSHA".len() + script.get_hash().len() + 3 * 20;
    let mut cmd = redis::Cmd::with_capacity(values, bytes + extra);
    cmd.arg("EVALSHA").arg(script.get_hash()).arg(keys);
    for op in ops {
        for key in op.keys() {
            cmd.arg(key);
        }
    }
    cmd.arg(idempotency_ttl_secs).arg(MAX_BALANCE_MINOR);
    for op in ops {
        for arg in op.args() {
            cmd.arg(arg);
        }
    }
    cmd
}

/// One change's reply (post.lua answers its fields joined by NUL bytes): the entry
/// written, if any, and the account after it. The fields are read where they lie.
pub(crate) fn decode(id: &AccountId, given: Option<Currency>, joined: &str) -> Result<Posted, StoreError> {
    let fields: Vec<&str> = joined.split('\0').collect();
    if let Some((&first, rest)) = fields.split_first()
        && first == "NO_CHANGE"
    {
        return Ok(Posted { transaction: None, account: reply::account(id, rest)? });
    }
    let (entry, account) = reply::entry_and_account(id, given, &fields)?;
    Ok(Posted { transaction: Some(entry), account })
}

#[cfg(test)]
mod tests {
    use redbank_domain::{Actor, Amount, Grant};

    use super::*;

    #[test]
    fn a_change_keeps_its_keys_and_its_argv_in_the_scripts_order() {
        let id = AccountId::parse("acc-1").unwrap();
        let rid = RequestId::parse("r-9").unwrap();
        let usd = Currency::parse("USD").unwrap();
        let alice = Principal {
            actor: Actor::parse("key:0123456789abcdef").unwrap(),
            grant: Grant::Customer(CustomerId::parse("alice").unwrap()),
        };
        let memo = Memo::parse("rent").unwrap();
        let change = BalanceChange::Deposit(Amount::from_minor(usd, 1234).unwrap());
        let (op, given) = PostOp::new(&id, &change, Some(&rid), &memo, &alice);
        assert_eq!(given, Some(usd));
        let keys: Vec<&str> = op.keys().collect();
        assert_eq!(keys, [keys::account(&id), keys::log(&id), keys::request(&id, &rid)]);
        assert_eq!(op.account_key(), keys::account(&id));
        let args: Vec<&str> = op.args().collect();
        let fingerprint = change.fingerprint(&memo);
        assert_eq!(
            args,
            [
                "deposit",
                "USD",
                "1234",
                "",
                "rent",
                "r-9",
                fingerprint.as_str(),
                "acc-1",
                "",
                "alice",
                "key:0123456789abcdef"
            ]
        );
        // Staff without a request id: two keys, no owner.
        let (op, _) = PostOp::new(&id, &change, None, &Memo::default(), &Principal::operator());
        assert_eq!(op.keys().count(), 2);
        let args: Vec<&str> = op.args().collect();
        assert_eq!((args.len(), args[5], args[9]), (ARGS, "", ""));
    }
}
