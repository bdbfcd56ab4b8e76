//! The console's jobs (the month's interest posting, the invariant checker): run
//! in the replica that was asked, in one of its job slots, owned by the server's
//! task tracker. Their progress is kept in Redis (any replica shows it) and the
//! job's page refreshes itself (a meta refresh: no script) until the job is done.
//! When the server stops, a job still running at the end of the grace period is
//! cut short and its page says so; posting is exactly once per account and month
//! in the store, so running it again finishes it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use redbank_bank::password;

use crate::allowed::Admin;
use crate::failure::Failure;
use crate::session::Signed;
use crate::view::{self, Who};
use crate::{App, audit};

/// Jobs (interest postings, checks) one replica runs at once; one more is refused
/// until one ends.
pub const MAX_RUNNING_JOBS: usize = 2;
static RUNNING_JOBS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_RUNNING_JOBS);

/// What a job cut short by the server's shutdown says on its page.
pub const CUT_SHORT: &str = "cut short: the server stopped before the job ended; run it again to finish";

/// A place for a job, or the page that says to wait.
fn job_slot(signed: &Signed) -> Result<tokio::sync::SemaphorePermit<'static>, Box<Response>> {
    RUNNING_JOBS.try_acquire().map_err(|_| {
        let text = format!(
            "{MAX_RUNNING_JOBS} jobs are running on this server already. Try again when one is done."
        );
        Box::new(view::message(StatusCode::SERVICE_UNAVAILABLE, Some(signed.who()), "Busy", &text))
    })
}

#[derive(Template)]
#[template(path = "job.html")]
pub struct JobPage {
    pub who: Option<Who>,
    pub running: bool,
    pub fields: Vec<(&'static str, String)>,
}

/// Starts a job on this replica, in one of its job slots (held until the job
/// ends): records it, notes it in the audit trail, and sends the admin to its
/// page. `job` is given the job's id.
pub(crate) async fn start<F, Fut>(
    app: &App,
    signed: &Signed,
    kind: String,
    job: F,
) -> Result<Response, Failure>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    if app.tasks.stop.is_cancelled() {
        let text = "This server is stopping. Start the job again in a moment (another replica takes it).";
        return Ok(view::message(StatusCode::SERVICE_UNAVAILABLE, Some(signed.who()), "Stopping", text));
    }
    let slot = match job_slot(signed) {
        Ok(slot) => slot,
        Err(busy) => return Ok(*busy),
    };
    let Ok(id) = password::token(8) else {
        return Ok(view::message(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "Error",
            "The job could not be started.",
        ));
    };
    let started = [("kind", kind.clone()), ("by", signed.user.name.to_string()), ("state", "running".into())];
    app.bank.console().record_job(&id, &started).await.map_err(|e| signed.unavailable(e))?;
    tracing::info!(job = %id, user = %signed.user.name, %kind, "console: job started");
    audit::record(&app.bank, signed, &format!("started the {kind}"), &id).await;
    let run = job(id.clone());
    let (bank, stop) = (app.bank.clone(), app.tasks.stop.clone());
    let to = format!("/admin/jobs/{id}");
    app.tasks.tracker.spawn(async move {
        let _slot = slot;
        tokio::select! {
            () = run => {}
            () = stop.cancelled() => {
                tracing::warn!(job = %id, %kind, "console: a job was cut short by the server's shutdown");
                let fields = [("state", "stopped".to_owned()), ("message", CUT_SHORT.to_owned())];
                if let Err(e) = bank.console().record_job(&id, &fields).await {
                    tracing::warn!(job = %id, error = %e, "console: a job's end was not recorded");
                }
            }
        }
    });
    Ok(view::see_other(&to))
}

pub async fn page(
    State(app): State<App>,
    Admin(signed): Admin,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let record: HashMap<String, String> = if id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        app.bank.console().job(&id).await.map_err(|e| signed.unavailable(e))?
    } else {
        HashMap::new()
    };
    if record.is_empty() {
        return Ok(view::message(
            StatusCode::NOT_FOUND,
            Some(signed.who()),
            "No such job",
            "There is no such job (records are kept a day).",
        ));
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
    Ok(view::page(StatusCode::OK, &JobPage { who: Some(signed.who()), running, fields }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use redbank_bank::ConsoleUser;
    use redbank_domain::{Grant, Principal, UserName};

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
