//! The console's pages and forms. Each form is one bank operation, which checks
//! the policy table for the user's role (`redbank_bank::policy`); ownership is
//! checked in Redis, as for the API. A form is parsed whole before the bank is
//! asked anything: invalid input never reaches Redis.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use redbank_bank::accounts::Listing;
use redbank_bank::policy::allows;
use redbank_bank::{HistoryQuery, Operation, StoreError};
use redbank_domain::{
    AccountId, Amount, BalanceChange, Capture, Currency, CustomerId, Error, HoldId, HoldRequest, Memo,
    Reason, RequestId, StateChange, TransactionKind, Transfer,
};
use serde::Deserialize;

use crate::failure::Failure;
use crate::session::{Checked, CsrfField, Signed};
use crate::view::{self, AccountPage, AccountRow, AccountView, EntryRow, FormView, HomePage, in_words};
use crate::{App, chart};

/// Entries on one page of an account's history (and in its chart).
const HISTORY_PAGE: usize = 25;
/// Accounts listed on the start page.
const ACCOUNTS_LISTED: usize = 100;

#[derive(Deserialize)]
pub struct HomeQuery {
    #[serde(default)]
    q: String,
}

pub async fn home(
    State(app): State<App>,
    signed: Signed,
    Query(query): Query<HomeQuery>,
) -> Result<Response, Failure> {
    let staff = signed.principal.required_owner().is_none();
    let mut rows = Vec::new();
    let mut problem = None;
    let q = query.q.trim().to_owned();
    let (bank, by) = (&app.bank, &signed.principal);
    if !staff {
        let (accounts, _) = bank
            .list_accounts(by, Listing::Visible, 0, ACCOUNTS_LISTED)
            .await
            .map_err(|e| signed.unavailable(e))?;
        rows.extend(accounts.iter().map(AccountRow::of));
    } else if !q.is_empty() {
        if let Ok(id) = AccountId::parse(&q)
            && let Ok(account) = bank.account(by, &id).await
        {
            rows.push(AccountRow::of(&account));
        }
        // A customer's accounts.
        if let Ok(customer) = CustomerId::parse(&q) {
            let (accounts, _) = bank
                .list_accounts(by, Listing::OfCustomer(&customer), 0, ACCOUNTS_LISTED)
                .await
                .map_err(|e| signed.unavailable(e))?;
            let more: Vec<_> = accounts
                .iter()
                .filter(|a| !rows.iter().any(|r| r.id == a.id.as_str()))
                .map(AccountRow::of)
                .collect();
            rows.extend(more);
        }
        if rows.is_empty() {
            problem = Some(format!("No account or customer is called “{q}”."));
        }
    }
    let admin = allows(Operation::RunInterest, by);
    Ok(view::page(
        StatusCode::OK,
        &HomePage {
            who: Some(signed.who()),
            notice: None,
            problem,
            staff,
            admin,
            csrf: signed.csrf.clone(),
            query: q,
            rows,
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct AccountQuery {
    before: Option<String>,
    #[serde(default)]
    kind: String,
    /// Only entries from this day on, and up to this day included (YYYY-MM-DD, UTC).
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    done: Option<String>,
}

/// A history cursor as the store hands it out: `<ms>-<seq>`.
fn cursor(text: &str) -> Option<String> {
    let (ms, seq) = text.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    (digits(ms) && digits(seq)).then(|| text.to_owned())
}

pub async fn account(
    State(app): State<App>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<AccountQuery>,
) -> Result<Response, Failure> {
    let notice = q.done.as_deref().and_then(done_notice).map(str::to_owned);
    account_page(&app, &signed, &id, &q, notice, None, StatusCode::OK).await
}

fn done_notice(action: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|a| a.action == action).map(|a| a.done)
}

async fn account_page(
    app: &App,
    signed: &Signed,
    id: &str,
    q: &AccountQuery,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, Failure> {
    let who = || Some(signed.who());
    let Ok(id) = AccountId::parse(id) else { return Err(Failure::NoSuchAccount(who())) };
    let account = match app.bank.account(&signed.principal, &id).await {
        Ok(a) => a,
        Err(StoreError::Refused(Error::PermissionDenied | Error::AccountNotFound(_))) => {
            return Err(Failure::NoSuchAccount(who()));
        }
        Err(e) => return Err(signed.unavailable(e)),
    };
    let kind = TransactionKind::from_code(&q.kind);
    // A day that is not one is left out, as a filter a person can see and fix.
    let day = |text: &str| redbank_domain::calendar::parse_date_millis(text.trim());
    let (from, to) = (day(&q.from), day(&q.to));
    // Days out of range (before 1970, the first after the last) are the asker's
    // mistake: said as such, before any history is read.
    let Ok((start_millis, end_millis)) =
        redbank_domain::calendar::time_range(from, to.map(|t| t + redbank_domain::calendar::MILLIS_PER_DAY))
    else {
        return Ok(view::message(
            StatusCode::BAD_REQUEST,
            who(),
            "History filter",
            "The days of a history filter lie between 1970-01-01 and 9999-12-31, the first not after the last.",
        ));
    };
    let query = HistoryQuery {
        start_millis,
        end_millis,
        kinds: kind.into_iter().collect(),
        before: q.before.as_deref().and_then(cursor),
    };
    let page = app
        .bank
        .history(&signed.principal, &id, &query, HISTORY_PAGE)
        .await
        .map_err(|e| signed.unavailable(e))?;
    let may = |operation: Operation| allows(operation, &signed.principal);
    let holds = app
        .bank
        .open_holds(&signed.principal, &account, HOLDS_SHOWN)
        .await
        .map_err(|e| signed.unavailable(e))?
        .iter()
        .map(view::HoldRow::of)
        .collect();
    let forms = ACTIONS
        .iter()
        .filter(|a| !matches!(a.action, "capture" | "void") && may(a.operation))
        .filter(|a| state_allows(a.action, account.state))
        .map(|a| FormView {
            action: a.action,
            title: a.title,
            to: a.action == "transfer",
            amount: matches!(a.action, "deposit" | "withdraw" | "transfer" | "hold"),
            reason: matches!(a.action, "freeze" | "unfreeze"),
            expiries: if a.action == "hold" {
                hold_expiries(redbank_domain::calendar::now_millis())
            } else {
                Vec::new()
            },
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .collect();
    Ok(view::page(
        status,
        &AccountPage {
            who: who(),
            notice,
            problem,
            a: AccountView::of(&account),
            chart: chart::balance_svg(&page.transactions),
            forms,
            csrf: signed.csrf.clone(),
            history: page.transactions.iter().map(EntryRow::of).collect(),
            holds,
            may_capture: may(Operation::CaptureHold) && state_allows("capture", account.state),
            may_void: may(Operation::VoidHold),
            request_id: uuid::Uuid::new_v4().to_string(),
            next: page.next_before,
            kinds: TransactionKind::ALL.iter().map(|k| (k.code(), Some(*k) == kind)).collect(),
            kind: kind.map(|k| k.code().to_owned()).unwrap_or_default(),
            from: if from.is_some() { q.from.trim().to_owned() } else { String::new() },
            to: if to.is_some() { q.to.trim().to_owned() } else { String::new() },
        },
    ))
}

/// A form of the account page: the bank operation it is, which the policy table
/// checks for the user's role.
struct Action {
    action: &'static str,
    title: &'static str,
    operation: Operation,
    done: &'static str,
}

/// The expiries a hold form offers, as instants fixed when the page is drawn (so
/// that a form sent twice is the same request, applied once), the default first.
fn hold_expiries(now: i64) -> Vec<(String, &'static str)> {
    const HOUR: i64 = 3_600_000;
    [
        (7 * 24 * HOUR, "in 7 days"),
        (HOUR, "in 1 hour"),
        (24 * HOUR, "in 1 day"),
        (30 * 24 * HOUR, "in 30 days"),
    ]
    .into_iter()
    .map(|(ahead, label)| ((now + ahead).to_string(), label))
    .collect()
}

/// Whether an account in `state` can take the form `action` at all, so that a page
/// offers only what could succeed: money moves only on an active account, only an
/// active one is frozen and only a frozen one unfrozen (the rules of
/// `redbank_domain::rules::{movable, change_state}`; the scripts check them again).
fn state_allows(action: &str, state: redbank_domain::AccountState) -> bool {
    use redbank_domain::AccountState::{Active, Frozen};
    match action {
        "unfreeze" => state == Frozen,
        // Releasing a hold moves no money: a frozen account's holds can be voided.
        "void" => true,
        _ => state == Active,
    }
}

const ACTIONS: [Action; 8] = [
    Action {
        action: "deposit",
        title: "Deposit",
        operation: Operation::Deposit,
        done: "The deposit was made.",
    },
    Action {
        action: "withdraw",
        title: "Withdraw",
        operation: Operation::Withdraw,
        done: "The withdrawal was made.",
    },
    Action {
        action: "transfer",
        title: "Transfer",
        operation: Operation::Transfer,
        done: "The transfer was made.",
    },
    Action {
        action: "freeze",
        title: "Freeze",
        operation: Operation::FreezeAccount,
        done: "The account is frozen.",
    },
    Action {
        action: "unfreeze",
        title: "Unfreeze",
        operation: Operation::UnfreezeAccount,
        done: "The account is active again.",
    },
    Action {
        action: "hold",
        title: "Hold funds",
        operation: Operation::CreateHold,
        done: "The funds are held.",
    },
    Action {
        action: "capture",
        title: "Capture",
        operation: Operation::CaptureHold,
        done: "The hold was captured.",
    },
    Action {
        action: "void",
        title: "Release",
        operation: Operation::VoidHold,
        done: "The hold was released.",
    },
];

/// An account page's form, as sent: every field a string, the CSRF token among them.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Fields(HashMap<String, String>);

impl CsrfField for Fields {
    fn csrf(&self) -> &str {
        self.0.get("csrf").map(String::as_str).unwrap_or_default()
    }
}

pub async fn act(
    State(app): State<App>,
    signed: Signed,
    Path((id, action)): Path<(String, String)>,
    Checked(Fields(f)): Checked<Fields>,
) -> Result<Response, Failure> {
    let field = |name: &str| f.get(name).map(String::as_str).unwrap_or_default();
    let Some(act) = ACTIONS.iter().find(|a| a.action == action) else { return Err(Failure::NotFound) };
    if let Some(refused) = crate::allowed::refusal(&signed, act.operation, &act.title.to_lowercase()) {
        return Err(refused);
    }
    match apply(&app, &signed, act, &id, field).await {
        Ok(()) => Ok(view::see_other(&format!("/accounts/{id}?done={}", act.action))),
        Err(StoreError::Refused(Error::PermissionDenied | Error::AccountNotFound(_)))
            if signed.principal.required_owner().is_some() =>
        {
            Err(Failure::NoSuchAccount(Some(signed.who())))
        }
        Err(StoreError::Refused(e)) => {
            let q = AccountQuery::default();
            account_page(&app, &signed, &id, &q, None, Some(in_words(&e)), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(signed.unavailable(e)),
    }
}

/// What a form asks for, parsed whole: nothing reaches Redis before this is.
enum Command {
    Post(AccountId, BalanceChange),
    Hold(HoldRequest),
    Capture(Capture),
    Void(HoldId),
    Transfer(Transfer),
    State(AccountId, StateChange, Reason),
}

/// Parses a form into the domain's values, in the order the API refuses them.
/// The amount is in the currency the page showed (a hidden field; without one, the
/// bank's default currency); the account's own currency is checked in Redis, in
/// the same step as the change.
fn parse<'a>(
    act: &Action,
    id: &str,
    default_currency: Currency,
    field: impl Fn(&str) -> &'a str,
) -> Result<Command, Error> {
    let id = AccountId::parse(id)?;
    let amount = || -> Result<Amount, Error> {
        let currency = match field("currency").trim() {
            "" => default_currency,
            code => Currency::parse(code)?,
        };
        Ok(Amount::parse_decimal(currency, field("amount").trim())?)
    };
    Ok(match act.action {
        "deposit" => Command::Post(id, BalanceChange::Deposit(amount()?)),
        "withdraw" => Command::Post(id, BalanceChange::Withdrawal(amount()?)),
        "hold" => {
            let expire_time_millis = match field("expires").trim() {
                "" => None,
                at => Some(at.parse::<i64>().map_err(|_| {
                    Error::InvalidTimeRange(format!("the hold's expiry {at:?} is not a time"))
                })?),
            };
            Command::Hold(HoldRequest { account: id, amount: amount()?, expire_time_millis })
        }
        "capture" => {
            let hold = held_here(&id, field("hold"))?;
            let amount = if field("amount").trim().is_empty() { None } else { Some(amount()?) };
            Command::Capture(Capture::new(hold, AccountId::parse(field("to").trim())?, amount)?)
        }
        "void" => Command::Void(held_here(&id, field("hold"))?),
        "transfer" => {
            let to = AccountId::parse(field("to").trim())?;
            Command::Transfer(Transfer::new(id, to, amount()?)?)
        }
        "freeze" => Command::State(id, StateChange::Freeze, Reason::parse(field("reason"))?),
        _ => Command::State(id, StateChange::Unfreeze, Reason::parse(field("reason"))?),
    })
}

/// Parses a form, then makes the one bank operation it is.
async fn apply<'a>(
    app: &App,
    signed: &Signed,
    act: &Action,
    id: &str,
    field: impl Fn(&str) -> &'a str,
) -> Result<(), StoreError> {
    let (bank, by) = (&app.bank, &signed.principal);
    let command = parse(act, id, bank.settings().default_currency, &field)?;
    let request_id = RequestId::parse_optional(field("request_id"))?;
    let request_id = request_id.as_ref();
    let memo = Memo::parse(field("memo"))?;
    match command {
        Command::Post(id, change) => bank.post(by, &id, &change, request_id, &memo).await.map(drop),
        Command::Hold(hold) => bank.create_hold(by, &hold, request_id, &memo).await.map(drop),
        Command::Capture(capture) => bank.capture_hold(by, &capture, request_id, &memo).await.map(drop),
        Command::Void(hold) => bank.void_hold(by, &hold, request_id, &memo).await.map(drop),
        Command::Transfer(transfer) => bank.transfer(by, &transfer, request_id, &memo).await.map(drop),
        Command::State(id, change, reason) => {
            bank.change_state(by, &id, change, &reason, request_id).await.map(drop)
        }
    }
}

/// A hold of the account the page is about (a form for another account's hold is
/// refused as an invalid hold id).
fn held_here(account: &AccountId, text: &str) -> Result<HoldId, Error> {
    let hold = HoldId::parse(text.trim())?;
    if hold.account() == account { Ok(hold) } else { Err(Error::InvalidHoldId) }
}

/// Open holds an account page lists.
const HOLDS_SHOWN: usize = 50;

pub async fn not_found() -> Failure {
    Failure::NotFound
}
