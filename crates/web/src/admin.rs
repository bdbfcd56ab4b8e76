//! The admin's pages: the month's interest posting, run as a job in the replica
//! that was asked, its progress kept in Redis (any replica shows it) and the page
//! refreshing itself (a meta refresh: no script) until the job is done. Posting is
//! exactly once per account and month in the store, so a job that a crash stopped
//! (its page says running, its last progress no longer moves) is finished by
//! running it again.

use std::collections::HashMap;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use redbank_bank::interest_run::{Rates, RunProgress};
use redbank_bank::{Bank, Operation, password};
use redbank_domain::{AnnualRate, Error, InterestPeriod, Principal, RequestId};
use serde::Deserialize;

use crate::App;
use crate::session::{self, Signed};
use crate::view::{self, Who};

/// Jobs (interest postings, checks) one replica runs at once; one more is refused
/// until one ends.
pub const MAX_RUNNING_JOBS: usize = 2;
static RUNNING_JOBS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_RUNNING_JOBS);

/// A place for a job, or the page that says to wait.
fn job_slot(signed: &Signed) -> Result<tokio::sync::SemaphorePermit<'static>, Box<Response>> {
    RUNNING_JOBS.try_acquire().map_err(|_| {
        let text = format!(
            "{MAX_RUNNING_JOBS} jobs are running on this server already. Try again when one is done."
        );
        Box::new(view::message(StatusCode::SERVICE_UNAVAILABLE, Some(Who::of(signed)), "Busy", &text))
    })
}

#[derive(Template)]
#[template(path = "interest.html")]
pub struct InterestPage {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub csrf: String,
    pub month: String,
}

#[derive(Template)]
#[template(path = "job.html")]
pub struct JobPage {
    pub who: Option<Who>,
    pub running: bool,
    pub fields: Vec<(&'static str, String)>,
}

/// None if the policy table lets `signed` perform `operation`; else the page that
/// says what it may not do.
fn refusal(signed: &Signed, operation: Operation, what: &str) -> Option<Response> {
    if redbank_bank::policy::allows(operation, &signed.principal) {
        return None;
    }
    let text = format!("A {} may not {what}.", signed.user.grant.role().as_str());
    Some(view::message(StatusCode::FORBIDDEN, Some(Who::of(signed)), "Not allowed", &text))
}

/// An extractor of a signed-in user whose role may perform one operation; any
/// other gets the page that says it may not. (The operation checks the table
/// again: this only spares a form that would be refused.)
macro_rules! allowed {
    ($(#[$doc:meta])* $name:ident, $operation:expr, $what:literal) => {
        $(#[$doc])*
        pub struct $name(pub Signed);

        impl FromRequestParts<App> for $name {
            type Rejection = Response;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                app: &App,
            ) -> Result<Self, Response> {
                let signed = Signed::from_request_parts(parts, app).await?;
                match refusal(&signed, $operation, $what) {
                    Some(refused) => Err(refused),
                    None => Ok(Self(signed)),
                }
            }
        }
    };
}

allowed!(
    /// The bank's period-end work: the interest posting and the invariant checker.
    Admin,
    Operation::RunInterest,
    "do the bank's period-end work"
);
allowed!(
    /// API keys: listed, made, revoked.
    KeyKeeper,
    Operation::ListApiKeys,
    "manage API keys"
);
allowed!(
    /// Console users: made, disabled, enabled, given a new password.
    UserKeeper,
    Operation::ManageConsoleUsers,
    "manage users"
);

pub async fn interest_form(Admin(signed): Admin) -> Response {
    let month = InterestPeriod::containing(session::now_millis()).before().to_string();
    view::page(
        StatusCode::OK,
        &InterestPage {
            who: Some(Who::of(&signed)),
            notice: None,
            problem: None,
            csrf: signed.csrf.clone(),
            month,
        },
    )
}

#[derive(Deserialize)]
pub struct InterestForm {
    csrf: String,
    month: String,
    #[serde(default)]
    savings: String,
    #[serde(default)]
    checking: String,
}

pub async fn interest_start(
    State(app): State<App>,
    Admin(signed): Admin,
    Form(f): Form<InterestForm>,
) -> Response {
    if !session::csrf_ok(&signed, &f.csrf) {
        return crate::pages::forged(Who::of(&signed));
    }
    let problem = |text: String| {
        view::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &InterestPage {
                who: Some(Who::of(&signed)),
                notice: None,
                problem: Some(text),
                csrf: signed.csrf.clone(),
                month: f.month.clone(),
            },
        )
    };
    let period = match InterestPeriod::parse(f.month.trim()) {
        Ok(p) => p,
        Err(e) => return problem(crate::pages::in_words(&e)),
    };
    if let Err(e) = app.bank.check_postable(period) {
        return problem(crate::pages::in_words(&e));
    }
    let rate = |text: &str| -> Result<Option<AnnualRate>, Error> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            AnnualRate::parse(text.trim(), app.bank.settings().rate_ceiling).map(Some).map_err(Error::from)
        }
    };
    let rates = match (rate(&f.savings), rate(&f.checking)) {
        (Ok(None), Ok(None)) => return problem("Give a rate for savings, checking, or both.".into()),
        (Ok(savings), Ok(checking)) => Rates { savings, checking },
        (Err(e), _) | (_, Err(e)) => return problem(crate::pages::in_words(&e)),
    };
    let (bank, by) = (app.bank.clone(), signed.principal.clone());
    start_job(&app, &signed, format!("interest posting of {period}"), move |id| {
        post_interest(bank, id, by, period, rates)
    })
    .await
}

/// Starts a job on this replica, in one of its job slots (held until the job
/// ends): records it, notes it in the audit trail, and sends the admin to its
/// page. `job` is given the job's id.
async fn start_job<F, Fut>(app: &App, signed: &Signed, kind: String, job: F) -> Response
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let slot = match job_slot(signed) {
        Ok(slot) => slot,
        Err(busy) => return *busy,
    };
    let Ok(id) = password::token(8) else {
        return view::message(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "Error",
            "The job could not be started.",
        );
    };
    let started = [("kind", kind.clone()), ("by", signed.user.name.to_string()), ("state", "running".into())];
    if let Err(e) = app.bank.console().record_job(&id, &started).await {
        return crate::pages::unavailable(Some(Who::of(signed)), &e);
    }
    tracing::info!(job = %id, user = %signed.user.name, %kind, "console: job started");
    crate::audit::record(&app.bank, signed, &format!("started the {kind}"), &id).await;
    let run = job(id.clone());
    tokio::spawn(async move {
        let _slot = slot;
        run.await;
    });
    Redirect::to(&format!("/admin/jobs/{id}")).into_response()
}

/// The job: the bank's interest run ([`Bank::run_interest`]), its progress
/// recorded after each page of accounts.
async fn post_interest(bank: Bank, id: String, by: Principal, period: InterestPeriod, rates: Rates) {
    let Ok(request_id) = RequestId::parse(&format!("interest-job-{id}")) else { return };
    let records = bank.console();
    let (done, outcome) = bank
        .run_interest(&by, period, rates, &request_id, |progress| {
            // After each page of accounts: the job's page shows how far it got.
            let fields = counters(&progress);
            let id = id.as_str();
            async move {
                let _ = records.record_job(id, &fields).await;
            }
        })
        .await;
    let mut fields = counters(&done).to_vec();
    if !done.last_refusal.is_empty() {
        fields.push(("refusal", done.last_refusal.clone()));
    }
    match outcome {
        Ok(()) => fields.push(("state", "done".into())),
        Err(e) => {
            fields.push(("state", "stopped".into()));
            fields.push((
                "message",
                format!("stopped: {e}; run it again to finish (posting is once per month)"),
            ));
        }
    }
    let _ = records.record_job(&id, &fields).await;
    let RunProgress { seen, posted, skipped, failed, .. } = done;
    tracing::info!(job = %id, seen, posted, skipped, failed, "console: interest posting ended");
}

/// Runs the invariant checker as a job; its report goes to the job's page.
pub async fn check_start(
    State(app): State<App>,
    Admin(signed): Admin,
    Form(f): Form<crate::sign_in::CsrfForm>,
) -> Response {
    if !session::csrf_ok(&signed, &f.csrf) {
        return crate::pages::forged(Who::of(&signed));
    }
    let (bank, by) = (app.bank.clone(), signed.principal.clone());
    start_job(&app, &signed, "invariant check".into(), move |job| async move {
        let fields: Vec<(&str, String)> = match bank.check(&by).await {
            Ok(report) => {
                let mut found: Vec<String> =
                    report.violations.iter().take(CHECK_VIOLATIONS_SHOWN).map(ToString::to_string).collect();
                if report.violations.len() > CHECK_VIOLATIONS_SHOWN {
                    found.push(format!(
                        "and {} more (redbank check lists them all)",
                        report.violations.len() - CHECK_VIOLATIONS_SHOWN
                    ));
                }
                vec![
                    ("state", "done".into()),
                    ("result", if report.passed() { "passed".into() } else { "VIOLATIONS FOUND".into() }),
                    ("seen", report.accounts.to_string()),
                    ("entries", report.entries.to_string()),
                    ("transfers", report.transfers.to_string()),
                    ("violations", found.join("\n")),
                ]
            }
            Err(e) => vec![("state", "stopped".into()), ("message", format!("stopped: {e}; run it again"))],
        };
        let _ = bank.console().record_job(&job, &fields).await;
    })
    .await
}

/// Violations a check's page lists (`redbank check` lists them all).
const CHECK_VIOLATIONS_SHOWN: usize = 20;

/// The job's counters, and when they were written: a job whose replica died stops
/// moving, which the page shows.
fn counters(progress: &RunProgress) -> [(&'static str, String); 5] {
    [
        ("seen", progress.seen.to_string()),
        ("posted", progress.posted.to_string()),
        ("skipped", progress.skipped.to_string()),
        ("failed", progress.failed.to_string()),
        ("updated", format!("{} UTC", redbank_domain::calendar::format_millis(session::now_millis()))),
    ]
}

pub async fn job(State(app): State<App>, Admin(signed): Admin, Path(id): Path<String>) -> Response {
    let record: HashMap<String, String> = if id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        match app.bank.console().job(&id).await {
            Ok(r) => r,
            Err(e) => return crate::pages::unavailable(Some(Who::of(&signed)), &e),
        }
    } else {
        HashMap::new()
    };
    if record.is_empty() {
        return view::message(
            StatusCode::NOT_FOUND,
            Some(Who::of(&signed)),
            "No such job",
            "There is no such job (records are kept a day).",
        );
    }
    let field = |k: &str| record.get(k).cloned().unwrap_or_default();
    let running = field("state") == "running";
    let fields = vec![
        ("Job", field("kind")),
        ("Started by", field("by")),
        ("State", field("state")),
        ("Accounts seen", field("seen")),
        ("Interest posted", field("posted")),
        ("Skipped (no rate, nothing to post, already posted, frozen or closed)", field("skipped")),
        ("Failed (run it again)", field("failed")),
        ("Last refusal", field("refusal")),
        ("Result", field("result")),
        ("History entries checked", field("entries")),
        ("Transfers paired", field("transfers")),
        ("Violations", field("violations")),
        ("Last progress", field("updated")),
        ("Note", field("message")),
    ];
    view::page(StatusCode::OK, &JobPage { who: Some(Who::of(&signed)), running, fields })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use redbank_bank::ConsoleUser;
    use redbank_domain::{Grant, UserName};

    use super::*;

    #[test]
    fn a_replica_runs_at_most_its_jobs_at_once() {
        let name = UserName::parse("ada").unwrap();
        let signed = Signed {
            principal: Principal { actor: name.actor(), grant: Grant::Admin },
            user: ConsoleUser {
                name,
                grant: Grant::Admin,
                password_hash: String::new(),
                disabled: false,
                epoch: 1,
            },
            session_id: String::new(),
            csrf: String::new(),
        };
        let slots: Vec<_> = (0..MAX_RUNNING_JOBS).map(|_| job_slot(&signed).unwrap()).collect();
        let busy = job_slot(&signed).map(|_| ()).unwrap_err();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        drop(slots);
        assert!(job_slot(&signed).is_ok());
    }
}
