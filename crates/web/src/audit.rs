//! The console's audit trail: who did what in the console, when (sign-ins and
//! failures, sign-outs, users made and changed, jobs started), newest first. Money
//! changes are not repeated here: each account's history names its actor.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use redbank_bank::{Bank, StoreError};
use redbank_domain::Error;
use redbank_domain::calendar::format_millis;

use crate::App;
use crate::failure::Failure;
use crate::session::Signed;
use crate::view::{self, Who};

/// Events the page shows.
const SHOWN: usize = 200;

/// Records what `signed` did; a failure to record is logged, not shown.
pub async fn record(bank: &Bank, signed: &Signed, what: &str, target: &str) {
    if let Err(e) = bank.console().record_event(signed.user.name.as_str(), what, target).await {
        tracing::warn!(error = %e, what, "console: an audit event was not recorded");
    }
}

pub struct EventRow {
    pub iso: String,
    pub when: String,
    pub who: String,
    pub what: String,
    pub target: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub rows: Vec<EventRow>,
}

/// The trail, for the bank's staff (the table's ReadAuditTrail row).
pub async fn page(State(app): State<App>, signed: Signed) -> Result<Response, Failure> {
    let who = Some(signed.who());
    let events = match app.bank.audit_trail(&signed.principal, SHOWN).await {
        Ok(e) => e,
        Err(StoreError::Refused(Error::PermissionDenied)) => {
            return Ok(view::message(
                StatusCode::FORBIDDEN,
                who,
                "Not allowed",
                "The audit trail is for the bank's staff.",
            ));
        }
        Err(e) => return Err(Failure::Unavailable(who, e)),
    };
    let rows = events
        .into_iter()
        .map(|e| {
            let when = format_millis(e.millis);
            EventRow {
                iso: format!("{}Z", when.replacen(' ', "T", 1)),
                when,
                who: e.who,
                what: e.what,
                target: e.target,
            }
        })
        .collect();
    Ok(view::page(StatusCode::OK, &AuditPage { who, notice: None, problem: None, rows }))
}
