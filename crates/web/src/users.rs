//! Console users managed from the console, by the roles the policy table lets
//! (its ManageConsoleUsers row: the admin): made, disabled, enabled, and
//! given a new password, and listed. A password made here is shown once. Disabling or a new
//! password ends the user's sessions at once.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use redbank_bank::StoreError;
use redbank_domain::{CustomerId, Error, Grant, Role, UserName};
use serde::Deserialize;

use crate::App;
use crate::allowed::UserKeeper;
use crate::failure::Failure;
use crate::session::{self, Checked, CsrfField};
use crate::view::{self, Who, in_words};

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub csrf: String,
    pub roles: [&'static str; 4],
    /// (name, role, customer, enabled or disabled), by name.
    pub users: Vec<(String, &'static str, String, &'static str)>,
    /// Whether there are more users than the page lists (the CLI lists them all).
    pub more: bool,
}

/// Users listed on the page; `redbank users list` pages through any number.
const USERS_LISTED: usize = 200;

async fn users_page(
    app: &App,
    signed: &session::Signed,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
) -> Result<Response, Failure> {
    let (users, cursor) = app
        .bank
        .console_users(&signed.principal, 0, USERS_LISTED)
        .await
        .map_err(|e| signed.unavailable(e))?;
    let more = cursor != 0;
    let users = users
        .iter()
        .map(|u| {
            (
                u.name.to_string(),
                u.grant.role().as_str(),
                u.grant.customer().map(ToString::to_string).unwrap_or_default(),
                if u.disabled { "disabled" } else { "enabled" },
            )
        })
        .collect();
    Ok(view::page(
        status,
        &UsersPage {
            who: Some(signed.who()),
            notice,
            problem,
            csrf: signed.csrf.clone(),
            roles: Role::ALL.map(|r| r.as_str()),
            users,
            more,
        },
    ))
}

pub async fn form(State(app): State<App>, UserKeeper(signed): UserKeeper) -> Result<Response, Failure> {
    users_page(&app, &signed, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct UserForm {
    csrf: String,
    action: String,
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    password: String,
}

impl CsrfField for UserForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn act(
    State(app): State<App>,
    UserKeeper(signed): UserKeeper,
    Checked(f): Checked<UserForm>,
) -> Result<Response, Failure> {
    match apply(&app, &signed, &f).await {
        Ok(done) => {
            crate::audit::record(&app.bank, &signed, &format!("{} user", f.action), &f.name).await;
            users_page(&app, &signed, StatusCode::OK, Some(done), None).await
        }
        Err(StoreError::Refused(e)) => {
            users_page(&app, &signed, StatusCode::UNPROCESSABLE_ENTITY, None, Some(in_words(&e))).await
        }
        Err(e) => Err(signed.unavailable(e)),
    }
}

/// Does what the form asks; answers what to tell the admin.
async fn apply(app: &App, signed: &session::Signed, f: &UserForm) -> Result<String, StoreError> {
    let (bank, by) = (&app.bank, &signed.principal);
    let name = UserName::parse(f.name.trim())?;
    let password = Some(f.password.as_str()).filter(|p| !p.is_empty());
    let shown = |made: Option<String>| match made {
        Some(password) => format!(" Their password, shown this once: {password}"),
        None => String::new(),
    };
    match f.action.as_str() {
        "create" => {
            let role = Role::parse(&f.role)?;
            let customer = CustomerId::parse_optional(f.customer.trim())?;
            let grant = Grant::new(role, customer)?;
            let made = bank.create_user(by, &name, &grant, password).await?;
            Ok(format!("User {name} was created.{}", shown(made)))
        }
        "disable" => {
            bank.set_user_disabled(by, &name, true).await?;
            Ok(format!("User {name} is disabled; their sessions have ended."))
        }
        "enable" => {
            bank.set_user_disabled(by, &name, false).await?;
            Ok(format!("User {name} may sign in again."))
        }
        "reset" => {
            let made = bank.reset_password(by, &name, password).await?;
            Ok(format!("User {name} has a new password; their sessions have ended.{}", shown(made)))
        }
        _ => Err(StoreError::Refused(Error::InvalidReason("no such action".into()))),
    }
}
