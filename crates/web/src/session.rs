//! Who is signed in: the session cookie, checked against Redis on every request.
//!
//! The cookie holds only a random session id (256 bits); the session lives in
//! Redis (kept by the store, reached through `redbank_bank::console`), so any replica serves it. A session ends
//! when idle for `idle_timeout`, `absolute_timeout` after sign-in, at sign-out, and
//! at once when its user is disabled or given a new password (the user's epoch
//! moves). Every form carries the session's CSRF token.

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use redbank_bank::password;
use redbank_bank::{ConsoleSession, ConsoleUser, StoreError};
use redbank_domain::Principal;
use serde::de::DeserializeOwned;

use crate::App;
use crate::failure::Failure;
use crate::view::{self, Who};

/// The session cookie's name.
pub const COOKIE: &str = "rb_session";
/// The sign-in form's own CSRF cookie (before any session exists).
pub const PRE_COOKIE: &str = "rb_signin";

/// A signed-in request.
#[derive(Clone)]
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

impl Signed {
    /// The user, as a page's header shows it.
    pub fn who(&self) -> Who {
        Who {
            name: self.user.name.to_string(),
            role: self.user.grant.role().as_str(),
            customer: self.user.grant.customer().map(ToString::to_string),
            csrf: self.csrf.clone(),
        }
    }

    /// The page of a store call that failed, for this user.
    pub(crate) fn unavailable(&self, e: StoreError) -> Failure {
        Failure::Unavailable(Some(self.who()), e)
    }
}

/// What a request without a valid session gets: the sign-in page, saying why.
fn unsigned(app: &App, why: Unsigned) -> Response {
    match why {
        Unsigned::None => view::see_other("/signin"),
        Unsigned::Ended => {
            let mut r = view::see_other("/signin?ended=1");
            if let Ok(v) = HeaderValue::from_str(&set_cookie(app, COOKIE, "", "/", Some(0))) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Unsigned::Unavailable(e) => Failure::Unavailable(None, e).into_response(),
    }
}

/// A handler that takes a [`Signed`] serves signed-in users only: any other
/// request gets the sign-in page (saying why, when its session ended). The
/// session is read from Redis once per request, however many extractors ask.
impl FromRequestParts<App> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &App,
    ) -> Result<Self, Self::Rejection> {
        if let Some(signed) = parts.extensions.get::<Signed>() {
            return Ok(signed.clone());
        }
        let signed = signed_in(app, &parts.headers).await.map_err(|why| unsigned(app, why))?;
        parts.extensions.insert(signed.clone());
        Ok(signed)
    }
}

/// A form that carries the session's CSRF token.
pub(crate) trait CsrfField {
    fn csrf(&self) -> &str;
}

/// A form with nothing but its CSRF token (sign-out, starting a check).
#[derive(serde::Deserialize)]
pub(crate) struct CsrfOnly {
    csrf: String,
}

impl CsrfField for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A form of a signed-in user whose CSRF token is the session's, checked before
/// the handler runs: any other form is refused (403) and changes nothing.
pub(crate) struct Checked<T>(pub T);

impl<T> FromRequest<App> for Checked<T>
where
    T: DeserializeOwned + CsrfField + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let signed = Signed::from_request_parts(&mut parts, app).await?;
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), app)
            .await
            .map_err(IntoResponse::into_response)?;
        if !password::same(&signed.csrf, form.csrf()) {
            return Err(Failure::Forged(signed.who()).into_response());
        }
        Ok(Self(form))
    }
}
