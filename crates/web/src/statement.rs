//! A month's statement in the console: opening and closing balances, totals in
//! and out, its entries, and the same as a CSV download (as `redbank statement
//! --csv` writes it).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use redbank_bank::StoreError;
use redbank_bank::history::MonthInterest;
use redbank_domain::{AccountId, Error, InterestPeriod};
use serde::Deserialize;

use crate::App;
use crate::failure::Failure;
use crate::session::{self, Signed};
use crate::view::{self, EntryRow, in_words};

/// Entries a statement page shows (the CSV has every one)...
const STATEMENT_SHOWN: usize = 200;
/// ...and the most a month's statement reads: a month with more is for `redbank
/// statement`, a page at a time.
const STATEMENT_MAX_ENTRIES: usize = 20_000;

#[derive(Deserialize)]
pub struct StatementQuery {
    month: Option<String>,
    format: Option<String>,
}

pub async fn statement(
    State(app): State<App>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<StatementQuery>,
) -> Result<Response, Failure> {
    let who = || Some(signed.who());
    let Ok(id) = AccountId::parse(&id) else { return Err(Failure::NoSuchAccount(who())) };
    let this_month = InterestPeriod::containing(session::now_millis());
    let month = match q.month.as_deref().map(InterestPeriod::parse) {
        None => this_month,
        Some(Ok(m)) => m,
        Some(Err(_)) => {
            return Ok(view::message(
                StatusCode::BAD_REQUEST,
                who(),
                "No such month",
                "A month is written like 2026-11.",
            ));
        }
    };
    let (start, end) = month.bounds_millis();
    let by = &signed.principal;
    let page = match app.bank.statement(by, &id, (start, end), STATEMENT_MAX_ENTRIES).await {
        Ok(p) => p,
        Err(StoreError::Refused(Error::PermissionDenied | Error::AccountNotFound(_))) => {
            return Err(Failure::NoSuchAccount(who()));
        }
        Err(StoreError::Refused(e @ Error::TooManyReads)) => {
            return Ok(view::message(StatusCode::TOO_MANY_REQUESTS, who(), "Busy", &in_words(&e)));
        }
        Err(StoreError::Refused(e)) => {
            return Ok(view::message(StatusCode::UNPROCESSABLE_ENTITY, who(), "No statement", &in_words(&e)));
        }
        Err(e) => return Err(signed.unavailable(e)),
    };
    if page.next.is_some() {
        let text = format!(
            "This month has more than {STATEMENT_MAX_ENTRIES} entries: get it with `redbank statement`, which reads it a page at a time."
        );
        return Ok(view::message(StatusCode::UNPROCESSABLE_ENTITY, who(), "Statement too long", &text));
    }
    if q.format.as_deref() == Some("csv") {
        return Ok(statement_csv(&id, &month.to_string(), start, end, &page));
    }
    let more = page.transactions.len().saturating_sub(STATEMENT_SHOWN);
    // The month's interest; what cannot be known (archived history) is left out.
    let interest = match app.bank.month_interest(by, &id, month).await {
        Ok(interest) => interest.map(|i| interest_in_words(&i)),
        Err(StoreError::Refused(_)) => None,
        Err(e) => return Err(signed.unavailable(e)),
    };
    Ok(view::page(
        StatusCode::OK,
        &view::StatementView {
            who: who(),
            notice: None,
            problem: None,
            id: id.to_string(),
            month: month.to_string(),
            previous: month.before().to_string(),
            next: month.after().to_string(),
            opening: view::money(page.opening),
            closing: view::money(page.closing),
            total_in: view::money(page.total_in),
            total_out: view::money(page.total_out),
            rows: page.transactions.iter().take(STATEMENT_SHOWN).map(EntryRow::of).collect(),
            more,
            interest,
        },
    ))
}

/// The month's interest for people: posted, or earned so far and not yet paid.
fn interest_in_words(interest: &MonthInterest) -> String {
    match interest {
        MonthInterest::Posted { amount, rate } => {
            format!("{} at {rate}% a year, posted", view::money(*amount))
        }
        MonthInterest::Accrued { amount, rate, days } => {
            format!("{} earned so far ({days} days at {rate}% a year), not yet paid", view::money(*amount))
        }
    }
}

/// The statement as a CSV download: the opening balance, one row per entry with a
/// signed amount, the closing balance (as `redbank statement --csv` writes it).
fn statement_csv(
    id: &AccountId,
    month: &str,
    start: i64,
    end: i64,
    page: &redbank_bank::StatementPage,
) -> Response {
    use redbank_bank::csv::{STATEMENT_COLUMNS, defused};
    let currency = page.opening.currency().code();
    let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    let when = |ms: i64| redbank_domain::calendar::format_millis(ms);
    let mut rows: Vec<[String; 10]> = Vec::with_capacity(page.transactions.len() + 2);
    let blank = String::new;
    rows.push([
        when(start),
        "opening_balance".into(),
        blank(),
        page.opening.decimal(),
        currency.into(),
        blank(),
        blank(),
        blank(),
        blank(),
        blank(),
    ]);
    for t in &page.transactions {
        let e = EntryRow::of(t);
        rows.push([
            e.when,
            e.kind.into(),
            e.amount,
            e.balance,
            currency.into(),
            defused(&e.other),
            defused(&e.memo),
            defused(&t.id),
            defused(t.request_id.as_ref().map_or("", |r| r.as_str())),
            defused(&e.actor),
        ]);
    }
    rows.push([
        when(end - 1000),
        "closing_balance".into(),
        blank(),
        page.closing.decimal(),
        currency.into(),
        blank(),
        blank(),
        blank(),
        blank(),
        blank(),
    ]);
    let written =
        w.write_record(STATEMENT_COLUMNS).and_then(|()| rows.iter().try_for_each(|r| w.write_record(r)));
    let body =
        match written.map_err(|e| e.to_string()).and_then(|()| w.into_inner().map_err(|e| e.to_string())) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::error!(error = %e, "console: a statement's CSV failed");
                return view::message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    "Error",
                    "The statement could not be written.",
                );
            }
        };
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(body);
    let disposition = format!("attachment; filename=\"{id}-{month}.csv\"");
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
