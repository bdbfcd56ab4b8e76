//! The admin's period-end work: the month's interest posting and the invariant
//! checker, each run as a job (`crate::jobs`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use redbank_bank::Bank;
use redbank_bank::interest_run::{Rates, RunProgress};
use redbank_domain::{AnnualRate, Error, InterestPeriod, Principal, RequestId};
use serde::Deserialize;

use crate::allowed::Admin;
use crate::failure::Failure;
use crate::session::{Checked, CsrfField, CsrfOnly};
use crate::view::{self, Who, in_words};
use crate::{App, jobs, session};

#[derive(Template)]
#[template(path = "interest.html")]
pub struct InterestPage {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub csrf: String,
    pub month: String,
}

pub async fn interest_form(Admin(signed): Admin) -> Response {
    let month = InterestPeriod::containing(session::now_millis()).before().to_string();
    view::page(
        StatusCode::OK,
        &InterestPage {
            who: Some(signed.who()),
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

impl CsrfField for InterestForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn interest_start(
    State(app): State<App>,
    Admin(signed): Admin,
    Checked(f): Checked<InterestForm>,
) -> Result<Response, Failure> {
    let problem = |text: String| {
        view::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &InterestPage {
                who: Some(signed.who()),
                notice: None,
                problem: Some(text),
                csrf: signed.csrf.clone(),
                month: f.month.clone(),
            },
        )
    };
    let period = match InterestPeriod::parse(f.month.trim()) {
        Ok(p) => p,
        Err(e) => return Ok(problem(in_words(&e))),
    };
    if let Err(e) = app.bank.check_postable(period) {
        return Ok(problem(in_words(&e)));
    }
    let rate = |text: &str| -> Result<Option<AnnualRate>, Error> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            AnnualRate::parse(text.trim(), app.bank.settings().rate_ceiling).map(Some).map_err(Error::from)
        }
    };
    let rates = match (rate(&f.savings), rate(&f.checking)) {
        (Ok(None), Ok(None)) => return Ok(problem("Give a rate for savings, checking, or both.".into())),
        (Ok(savings), Ok(checking)) => Rates { savings, checking },
        (Err(e), _) | (_, Err(e)) => return Ok(problem(in_words(&e))),
    };
    let (bank, by) = (app.bank.clone(), signed.principal.clone());
    jobs::start(&app, &signed, format!("interest posting of {period}"), move |id| {
        post_interest(bank, id, by, period, rates)
    })
    .await
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
    Checked(_): Checked<CsrfOnly>,
) -> Result<Response, Failure> {
    let (bank, by) = (app.bank.clone(), signed.principal.clone());
    jobs::start(&app, &signed, "invariant check".into(), move |job| async move {
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
