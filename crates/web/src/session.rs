//! Who is signed in: the session cookie, checked against Redis on every request.
//!
//! The cookie holds only a random session id (256 bits); the session lives in
//! Redis (kept by the store, reached through `redbank_bank::console`), so any replica serves it. A session ends
//! when idle for `idle_timeout`, `absolute_timeout` after sign-in, at sign-out, and
//! at once when its user is disabled or given a new password (the user's epoch
//! moves). Every form carries the session's CSRF token.

use axum::http::HeaderMap;
use redbank_bank::password;
use redbank_bank::{ConsoleSession, ConsoleUser, StoreError};
use redbank_domain::Principal;

use crate::App;

/// The session cookie's name.
pub const COOKIE: &str = "rb_session";
/// The sign-in form's own CSRF cookie (before any session exists).
pub const PRE_COOKIE: &str = "rb_signin";

/// A signed-in request.
pub struct Signed {
    pub principal: Principal,
    pub user: ConsoleUser,
    pub session_id: String,
    pub csrf: String,
}

/// Why there is no signed-in user.
pub enum Unsigned {
    /// No session cookie.
    None,
    /// A session that timed out or was ended (disabled user, new password).
    Ended,
    /// Redis could not be asked.
    Unavailable(StoreError),
}

pub use redbank_domain::calendar::now_millis;

/// The value of cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A Set-Cookie value: HttpOnly, SameSite=Strict, Secure when configured;
/// `max_age` None ends with the browser, Some(0) deletes it.
pub fn set_cookie(app: &App, name: &str, value: &str, path: &str, max_age: Option<u64>) -> String {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if app.config.secure_cookies {
        c.push_str("; Secure");
    }
    c
}

/// The signed-in user of a request, checked against Redis.
pub async fn signed_in(app: &App, headers: &HeaderMap) -> Result<Signed, Unsigned> {
    let Some(id) =
        cookie(headers, COOKIE).filter(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return Err(Unsigned::None);
    };
    let session =
        app.bank.console().touch_session(id, app.config.idle_timeout).await.map_err(Unsigned::Unavailable)?;
    let Some(ConsoleSession { user, epoch, csrf, created_millis }) = session else {
        return Err(Unsigned::Ended);
    };
    let absolute = i64::try_from(app.config.absolute_timeout.as_millis()).unwrap_or(i64::MAX);
    let user = match app.bank.console_user(&user).await.map_err(Unsigned::Unavailable)? {
        Some(u) if !u.disabled && u.epoch == epoch && now_millis() - created_millis < absolute => u,
        _ => {
            let _ = app.bank.console().delete_session(id).await;
            return Err(Unsigned::Ended);
        }
    };
    Ok(Signed {
        principal: Principal { actor: user.name.actor(), grant: user.grant.clone() },
        user,
        session_id: id.to_owned(),
        csrf,
    })
}

/// Whether a form's CSRF token is the session's.
pub fn csrf_ok(signed: &Signed, given: &str) -> bool {
    password::same(&signed.csrf, given)
}

/// A handler that takes a [`Signed`] serves signed-in users only: any other
/// request gets the sign-in page (saying why, when its session ended).
impl axum::extract::FromRequestParts<App> for Signed {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &App,
    ) -> Result<Self, Self::Rejection> {
        signed_in(app, &parts.headers).await.map_err(|why| crate::pages::unsigned(app, why))
    }
}
