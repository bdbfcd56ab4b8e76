//! Every money rule against its Lua twin: random accounts and requests, boundaries
//! and rounding ties on purpose, each applied by the store's script in a real
//! Redis and decided by the domain's function (`redbank_domain::rules`); both must
//! give the same new balance or the same refusal with the same details.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use redbank_domain::limits::{MAX_AMOUNT_MINOR, MAX_BALANCE_MINOR};
use redbank_domain::rules::{self, Holding};
use redbank_domain::{
    AccountId, AccountState, AccountType, Amount, AnnualRate, BalanceChange, Currency, Error, HoldRequest,
    InterestDays, Memo, RateCeiling, Reason, StateChange, Transfer,
};
use redbank_store::{Store, StoreConfig, StoreError};
use redbank_testkit::{Lcg, RedisServer};

/// What a change came to, on either side.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Balance(i64),
    Interest(Option<(i64, i64)>),
    Balances(i64, i64),
    State(AccountState),
    Held(i64),
    Refused(Error),
}

fn decided<T>(result: Result<T, Error>, ok: impl FnOnce(T) -> Outcome) -> Outcome {
    result.map_or_else(Outcome::Refused, ok)
}

fn applied<T>(result: Result<T, StoreError>, ok: impl FnOnce(T) -> Outcome) -> Outcome {
    match result {
        Ok(value) => ok(value),
        Err(StoreError::Refused(error)) => Outcome::Refused(error),
        Err(other) => panic!("the script failed: {other:?}"),
    }
}

const CURRENCIES: [&str; 3] = ["USD", "JPY", "EUR"];
const STATES: [AccountState; 3] = [AccountState::Active, AccountState::Frozen, AccountState::Closed];

/// A balance, often at a boundary.
fn balance(g: &mut Lcg) -> i64 {
    match g.below(8) {
        0 => 0,
        1 => 1,
        2 => 20 * g.below(1000) as i64 + 10, // an interest tie at 5% for a year
        3 => MAX_BALANCE_MINOR,
        4 => MAX_BALANCE_MINOR - g.below(100) as i64,
        5 => g.below(1_000_000) as i64,
        _ => g.below(MAX_BALANCE_MINOR as u64) as i64,
    }
}

/// What holds reserve of `balance`: mostly nothing, often all of it or a part.
fn held(g: &mut Lcg, balance: i64) -> i64 {
    match g.below(4) {
        0 | 1 => 0,
        2 => balance,
        _ => g.below(balance as u64 + 1) as i64,
    }
}

/// An amount, often at a boundary of `balance` or of the ceiling.
fn amount(g: &mut Lcg, balance: i64, currency: Currency) -> Amount {
    let minor = match g.below(8) {
        0 => 1,
        1 => balance,
        2 => balance + 1,
        3 => balance - 1,
        4 => MAX_BALANCE_MINOR - balance,
        5 => MAX_BALANCE_MINOR - balance + 1,
        6 => g.below(10_000) as i64 + 1,
        _ => g.below(MAX_AMOUNT_MINOR as u64) as i64 + 1,
    };
    Amount::from_minor(currency, minor.clamp(1, MAX_AMOUNT_MINOR)).unwrap()
}

async fn open(store: &Store, redis: &RedisServer, id: &AccountId, holding: Holding) {
    store.create_account(id, AccountType::Savings, holding.currency, None, None).await.unwrap();
    let _: () = redis::cmd("HSET")
        .arg(format!("acct:{{{id}}}"))
        .arg("bal")
        .arg(holding.balance)
        .arg("state")
        .arg(holding.state.code())
        .arg("held")
        .arg(holding.held)
        .query(&mut redis.connection())
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_agree_with_their_lua_twins() {
    let redis = RedisServer::start();
    let store = Store::connect(&StoreConfig::new(redis.url())).unwrap();
    let cases: u64 = std::env::var("REDBANK_RULE_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1500);
    let mut g = Lcg(std::env::var("REDBANK_RULE_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(7));
    let memo = Memo::default();
    let ceiling = RateCeiling::default();
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for case in 0..cases {
        let id = AccountId::parse(&format!("r{case}")).unwrap();
        let currency = Currency::parse(g.pick(&CURRENCIES)).unwrap();
        let bal = balance(&mut g);
        let holding = Holding { currency, balance: bal, held: held(&mut g, bal), state: g.pick(&STATES) };
        open(&store, &redis, &id, holding).await;
        // Amounts mostly in the account's currency, sometimes in another.
        let amount_currency =
            if g.below(6) == 0 { Currency::parse(g.pick(&CURRENCIES)).unwrap() } else { currency };
        let (rust, lua) = match g.below(7) {
            0 => {
                let a = amount(&mut g, holding.balance, amount_currency);
                (
                    decided(rules::deposit(&id, &holding, a), Outcome::Balance),
                    applied(
                        store
                            .post(
                                &id,
                                &BalanceChange::Deposit(a),
                                None,
                                &memo,
                                &redbank_domain::Principal::operator(),
                            )
                            .await,
                        |p| Outcome::Balance(p.account.balance.minor()),
                    ),
                )
            }
            1 => {
                let a = amount(&mut g, holding.balance, amount_currency);
                (
                    decided(rules::withdraw(&id, &holding, a), Outcome::Balance),
                    applied(
                        store
                            .post(
                                &id,
                                &BalanceChange::Withdrawal(a),
                                None,
                                &memo,
                                &redbank_domain::Principal::operator(),
                            )
                            .await,
                        |p| Outcome::Balance(p.account.balance.minor()),
                    ),
                )
            }
            2 => {
                let rate_text = match g.below(4) {
                    0 => "5".to_owned(), // ties with the balances above
                    1 => "100".to_owned(),
                    _ => format!("{}.{:06}", g.below(20), g.below(1_000_000)),
                };
                let Ok(rate) = AnnualRate::parse(&rate_text, ceiling) else { continue };
                let days = InterestDays::from_request(g.pick(&[0, 1, 30, 31, 365, 366])).unwrap();
                let change = BalanceChange::Interest { rate, days, period: None };
                (
                    decided(rules::interest(&id, &holding, rate, days), Outcome::Interest),
                    applied(
                        store.post(&id, &change, None, &memo, &redbank_domain::Principal::operator()).await,
                        |p| {
                            Outcome::Interest(
                                p.transaction.map(|t| (t.amount.minor(), p.account.balance.minor())),
                            )
                        },
                    ),
                )
            }
            3 | 4 => {
                let to_id = AccountId::parse(&format!("r{case}-to")).unwrap();
                let to_currency =
                    if g.below(5) == 0 { Currency::parse(g.pick(&CURRENCIES)).unwrap() } else { currency };
                let to_bal = balance(&mut g);
                let to = Holding {
                    currency: to_currency,
                    balance: to_bal,
                    held: held(&mut g, to_bal),
                    state: g.pick(&STATES),
                };
                open(&store, &redis, &to_id, to).await;
                let a = amount(&mut g, holding.balance, amount_currency);
                let transfer = Transfer::new(id.clone(), to_id.clone(), a).unwrap();
                (
                    decided(rules::transfer((&id, &holding), (&to_id, &to), a), |(f, t)| {
                        Outcome::Balances(f, t)
                    }),
                    applied(
                        store.transfer(&transfer, None, &memo, &redbank_domain::Principal::operator()).await,
                        |done| {
                            Outcome::Balances(
                                done.from.account.balance.minor(),
                                done.to.account.balance.minor(),
                            )
                        },
                    ),
                )
            }
            5 => {
                let a = amount(&mut g, holding.balance - holding.held, amount_currency);
                let request = HoldRequest { account: id.clone(), amount: a, expire_time_millis: None };
                (
                    decided(rules::hold(&id, &holding, a), Outcome::Held),
                    applied(
                        store
                            .create_hold(&request, None, &memo, &redbank_domain::Principal::operator())
                            .await,
                        |h| Outcome::Held(h.account.held.minor()),
                    ),
                )
            }
            _ => {
                let change = g.pick(&[StateChange::Freeze, StateChange::Unfreeze, StateChange::Close]);
                let reason = Reason::parse("a reason").unwrap();
                (
                    decided(rules::change_state(&id, &holding, change), Outcome::State),
                    applied(
                        store
                            .set_state(&id, change, &reason, None, &redbank_domain::Principal::operator())
                            .await,
                        |p| Outcome::State(p.account.state),
                    ),
                )
            }
        };
        assert_eq!(rust, lua, "case {case}: {holding:?}");
        let label = match &rust {
            Outcome::Refused(e) => e.reason().to_owned(),
            Outcome::Interest(None) => "NO_INTEREST".to_owned(),
            _ => "APPLIED".to_owned(),
        };
        *seen.entry(label).or_default() += 1;
    }
    // The generator reaches every outcome the rules have.
    for outcome in [
        "APPLIED",
        "NO_INTEREST",
        "INSUFFICIENT_FUNDS",
        "BALANCE_LIMIT_EXCEEDED",
        "CURRENCY_MISMATCH",
        "ACCOUNT_FROZEN",
        "ACCOUNT_CLOSED",
        "ACCOUNT_NOT_FROZEN",
        "BALANCE_NOT_ZERO",
    ] {
        assert!(seen.get(outcome).is_some_and(|n| *n >= 3), "{outcome} reached too rarely: {seen:?}");
    }
}
