//! Signing in and out of the console: the sign-in form with its own CSRF token
//! (a cookie and a field), attempts counted in Redis before their password is
//! checked (per user from one address, per address, per user), the argon2 work
//! bounded by the console's [`crate::gate::Gate`], the client's address from a
//! trusted proxy, and the session made or ended.

use std::net::IpAddr;

use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use redbank_domain::UserName;
use serde::Deserialize;

use crate::failure::Failure;
use crate::session::{self, Checked, CsrfOnly, Signed};
use crate::view::{self, SignInPage, see_other};
use crate::{
    App, SIGN_IN_ATTEMPTS_PER_ADDRESS, SIGN_IN_ATTEMPTS_PER_USER, SIGN_IN_ATTEMPTS_PER_USER_AND_ADDRESS,
    SIGN_IN_WINDOW,
};
use redbank_bank::password;

#[derive(Deserialize)]
pub struct SignInQuery {
    ended: Option<String>,
}

pub async fn form(State(app): State<App>, Query(q): Query<SignInQuery>) -> Response {
    let notice = q.ended.map(|_| "Your session ended. Sign in again.".to_owned());
    sign_in_page(&app, StatusCode::OK, notice, None, String::new())
}

fn sign_in_page(
    app: &App,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
    user: String,
) -> Response {
    let Ok(csrf) = password::token(32) else {
        return view::message(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "Error",
            "The server could not make a form.",
        );
    };
    let mut r = view::page(status, &SignInPage { who: None, notice, problem, csrf: csrf.clone(), user });
    if let Ok(v) =
        HeaderValue::from_str(&session::set_cookie(app, session::PRE_COOKIE, &csrf, "/signin", None))
    {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub struct SignInForm {
    csrf: String,
    user: String,
    password: String,
}

pub async fn sign_in(
    State(app): State<App>,
    Extension(crate::Peer(peer)): Extension<crate::Peer>,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Result<Response, Failure> {
    let pre = session::cookie(&headers, session::PRE_COOKIE).unwrap_or_default();
    if pre.is_empty() || !password::same(pre, &f.csrf) {
        return Ok(sign_in_page(
            &app,
            StatusCode::FORBIDDEN,
            None,
            Some("This sign-in form expired. Try again.".into()),
            f.user,
        ));
    }
    let wrong = || Some("Wrong user name or password.".to_owned());
    let Ok(name) = UserName::parse(&f.user) else {
        return Ok(sign_in_page(&app, StatusCode::UNAUTHORIZED, None, wrong(), String::new()));
    };
    let ip = client_ip(peer.ip(), &headers, &app.config.trusted_proxies);
    let (by_pair, by_address, by_user) = (format!("p:{name}@{ip}"), format!("a:{ip}"), format!("u:{name}"));
    let counters = [
        (by_pair.as_str(), SIGN_IN_ATTEMPTS_PER_USER_AND_ADDRESS),
        (by_address.as_str(), SIGN_IN_ATTEMPTS_PER_ADDRESS),
        (by_user.as_str(), SIGN_IN_ATTEMPTS_PER_USER),
    ];
    // The argon2 work is bounded first (no Redis call when it is full), then the
    // attempt is counted before its password is checked.
    let Some(place) = app.passwords.admit() else {
        let text = "Too many sign-ins at once. Try again in a moment.".to_owned();
        return Ok(sign_in_page(&app, StatusCode::TOO_MANY_REQUESTS, None, Some(text), f.user));
    };
    let records = app.bank.console();
    match records.reserve_sign_in(&counters, SIGN_IN_WINDOW).await {
        Ok(true) => {}
        Ok(false) => {
            let text = format!(
                "Too many failed sign-ins. Wait {} minutes and try again.",
                SIGN_IN_WINDOW.as_secs() / 60
            );
            return Ok(sign_in_page(&app, StatusCode::TOO_MANY_REQUESTS, None, Some(text), f.user));
        }
        Err(e) => return Err(Failure::Unavailable(None, e)),
    }
    let user = match app.bank.console_user(&name).await {
        Ok(user) => user,
        Err(e) => return Err(Failure::Unavailable(None, e)),
    };
    // An unknown user costs the same time as a wrong password.
    let stored = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.to_owned());
    let matches = place.verify(f.password, stored).await;
    let user = match user {
        Some(u) if matches && !u.disabled => u,
        _ => {
            tracing::info!(user = %name, peer = %ip, "console: a sign-in failed");
            let _ = records.record_event(name.as_str(), "failed to sign in", &ip.to_string()).await;
            return Ok(sign_in_page(&app, StatusCode::UNAUTHORIZED, None, wrong(), name.to_string()));
        }
    };
    // Only failures stay counted.
    if let Err(e) = records.release_sign_in(&[&by_pair, &by_address, &by_user]).await {
        tracing::debug!(error = %e, "console: a sign-in's attempt stays counted");
    }
    let (Ok(id), Ok(csrf)) = (password::token(32), password::token(32)) else {
        return Ok(view::message(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "Error",
            "The server could not start a session.",
        ));
    };
    let new = redbank_bank::ConsoleSession {
        user: name.clone(),
        epoch: user.epoch,
        csrf,
        created_millis: session::now_millis(),
    };
    if let Err(e) = records.create_session(&id, &new, app.config.idle_timeout).await {
        return Err(Failure::Unavailable(None, e));
    }
    tracing::info!(user = %name, role = user.grant.role().as_str(), "console: signed in");
    let _ = records.record_event(name.as_str(), "signed in", &ip.to_string()).await;
    let mut r = see_other("/");
    for cookie in [
        session::set_cookie(&app, session::COOKIE, &id, "/", None),
        session::set_cookie(&app, session::PRE_COOKIE, "", "/signin", Some(0)),
    ] {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the
/// last address of the last `X-Forwarded-For` (the one the proxy itself saw; any
/// earlier ones came from the client and prove nothing).
fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok())
        .unwrap_or(peer)
}

/// A well-formed stored hash of no one's password, checked for unknown users.
const DUMMY_HASH: &str = "argon2id$v=19$m=19456,t=2,p=1$00000000000000000000000000000000$\
                          0000000000000000000000000000000000000000000000000000000000000000";

pub async fn sign_out(State(app): State<App>, signed: Signed, Checked(_): Checked<CsrfOnly>) -> Response {
    let _ = app.bank.console().delete_session(&signed.session_id).await;
    crate::audit::record(&app.bank, &signed, "signed out", "").await;
    let mut r = see_other("/signin");
    if let Ok(v) = HeaderValue::from_str(&session::set_cookie(&app, session::COOKIE, "", "/", Some(0))) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
