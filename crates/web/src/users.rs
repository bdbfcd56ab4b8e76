//! Console users managed from the console, by a role that may make credentials
//! (the policy table's CreateApiKey row: the admin): made, disabled, enabled, and
//! given a new password. A password made here is shown once. Disabling or a new
//! password ends the user's sessions at once.

use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use redbank_domain::{CustomerId, Error, Grant, Role, UserName};
use redbank_store::StoreError;
use serde::Deserialize;

use crate::admin::Keeper;
use crate::view::{self, Who};
use crate::{App, password, session};

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub csrf: String,
    pub roles: [&'static str; 4],
}

fn users_page(
    signed: &session::Signed,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
) -> Response {
    view::page(
        status,
        &UsersPage {
            who: Some(Who::of(signed)),
            notice,
            problem,
            csrf: signed.csrf.clone(),
            roles: Role::ALL.map(|r| r.as_str()),
        },
    )
}

pub async fn form(Keeper(signed): Keeper) -> Response {
    users_page(&signed, StatusCode::OK, None, None)
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

pub async fn act(State(app): State<App>, Keeper(signed): Keeper, Form(f): Form<UserForm>) -> Response {
    if !session::csrf_ok(&signed, &f.csrf) {
        return crate::pages::forged(Who::of(&signed));
    }
    match apply(&app, &f).await {
        Ok(done) => {
            crate::audit::record(&app.store, &signed, &format!("{} user", f.action), &f.name).await;
            users_page(&signed, StatusCode::OK, Some(done), None)
        }
        Err(StoreError::Refused(e)) => {
            users_page(&signed, StatusCode::UNPROCESSABLE_ENTITY, None, Some(crate::pages::in_words(&e)))
        }
        Err(e) => crate::pages::unavailable(Some(Who::of(&signed)), &e),
    }
}

/// The password given, or a new one (and whether it was made here).
fn password_of(given: &str) -> Result<(String, bool), StoreError> {
    if given.is_empty() {
        let made = password::token(10).map_err(StoreError::Corrupt)?;
        return Ok((made, true));
    }
    password::check_policy(given)?;
    Ok((given.to_owned(), false))
}

fn hash(password: &str) -> Result<String, StoreError> {
    password::hash(password).map_err(StoreError::Corrupt)
}

/// Does what the form asks; answers what to tell the admin.
async fn apply(app: &App, f: &UserForm) -> Result<String, StoreError> {
    let name = UserName::parse(f.name.trim())?;
    let shown = |made: bool, password: &str| {
        if made { format!(" Their password, shown this once: {password}") } else { String::new() }
    };
    match f.action.as_str() {
        "create" => {
            let role = Role::parse(&f.role)?;
            let customer = CustomerId::parse_optional(f.customer.trim())?;
            let grant = Grant::new(role, customer)?;
            let (password, made) = password_of(&f.password)?;
            app.store.create_user(&name, &grant, &hash(&password)?).await?;
            Ok(format!("User {name} was created.{}", shown(made, &password)))
        }
        "disable" => {
            app.store.set_user_disabled(&name, true).await?;
            Ok(format!("User {name} is disabled; their sessions have ended."))
        }
        "enable" => {
            app.store.set_user_disabled(&name, false).await?;
            Ok(format!("User {name} may sign in again."))
        }
        "reset" => {
            let (password, made) = password_of(&f.password)?;
            app.store.set_user_password(&name, &hash(&password)?).await?;
            Ok(format!(
                "User {name} has a new password; their sessions have ended.{}",
                shown(made, &password)
            ))
        }
        _ => Err(StoreError::Refused(Error::InvalidReason("no such action".into()))),
    }
}
