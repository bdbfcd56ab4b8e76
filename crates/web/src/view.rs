//! What the pages show and how: the templates' data, money and times as people
//! read them, the stylesheet, and the headers every response carries.

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use redbank_domain::calendar::format_millis;
use redbank_domain::{Account, Error, Money, Transaction};

/// The signed-in user, as the header shows it.
pub struct Who {
    pub name: String,
    pub role: &'static str,
    pub customer: Option<String>,
    pub csrf: String,
}

/// A redirect that the browser follows with GET.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A refusal in words, for people: the domain's own sentence, capitalised.
pub fn in_words(e: &Error) -> String {
    let text = match e {
        Error::PermissionDenied => "You may not do that.".to_owned(),
        Error::IdempotencyKeyReused => {
            "This form was already sent with other values. Reload the page and try again.".to_owned()
        }
        other => format!("{other}."),
    };
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or(text)
}

#[derive(Template)]
#[template(path = "signin.html")]
pub struct SignInPage {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub csrf: String,
    pub user: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub heading: String,
    pub text: String,
}

/// An account as a row of a list.
pub struct AccountRow {
    pub id: String,
    pub kind: &'static str,
    pub balance: String,
    pub available: String,
    pub held: String,
    pub state: &'static str,
}

impl AccountRow {
    pub fn of(a: &Account) -> Self {
        Self {
            id: a.id.to_string(),
            kind: a.account_type.as_str(),
            balance: money(a.balance),
            available: money(a.available()),
            held: money(a.held),
            state: a.state.code(),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub staff: bool,
    /// May post interest (the policy table's ApplyInterest).
    pub admin: bool,
    pub csrf: String,
    pub query: String,
    pub rows: Vec<AccountRow>,
}

/// An account, as its page shows it.
pub struct AccountView {
    pub id: String,
    pub kind: &'static str,
    pub currency: String,
    pub balance: String,
    pub available: String,
    pub held: String,
    pub state: &'static str,
    pub reason: String,
    pub owner: String,
}

impl AccountView {
    pub fn of(a: &Account) -> Self {
        let row = AccountRow::of(a);
        Self {
            id: row.id,
            kind: row.kind,
            currency: a.currency().code().to_owned(),
            balance: row.balance,
            available: row.available,
            held: row.held,
            state: row.state,
            reason: a.state_reason.as_str().to_owned(),
            owner: a.owner.as_ref().map(ToString::to_string).unwrap_or_default(),
        }
    }
}

/// A history entry, as a row.
pub struct EntryRow {
    pub iso: String,
    pub when: String,
    pub kind: &'static str,
    pub amount: String,
    pub balance: String,
    pub other: String,
    pub memo: String,
    pub actor: String,
}

impl EntryRow {
    pub fn of(t: &Transaction) -> Self {
        let when = format_millis(t.create_time_millis);
        let sign = match t.kind.sign() {
            1 => "+",
            -1 => "-",
            _ => "",
        };
        Self {
            iso: format!("{}Z", when.replacen(' ', "T", 1)),
            when,
            kind: t.kind.code(),
            amount: format!("{sign}{}", t.amount.decimal()),
            balance: t.balance_after.decimal(),
            other: t.counterparty.as_ref().map(ToString::to_string).unwrap_or_default(),
            memo: t.memo.as_str().to_owned(),
            actor: match (&t.actor, t.kind) {
                (Some(actor), _) => actor.to_string(),
                // Withheld from a customer (the bank's policy::show_actor).
                (None, redbank_domain::TransactionKind::TransferIn) => "someone else".to_owned(),
                (None, _) => String::new(),
            },
        }
    }
}

/// An open hold, as a row.
pub struct HoldRow {
    pub id: String,
    pub amount: String,
    pub state: &'static str,
    pub expires: String,
    pub memo: String,
}

impl HoldRow {
    pub fn of(h: &redbank_domain::Hold) -> Self {
        Self {
            id: h.id.to_string(),
            amount: money(h.amount),
            state: h.state.code(),
            expires: format_millis(h.expire_time_millis),
            memo: h.memo.as_str().to_owned(),
        }
    }
}

/// A form the page offers, named by the action it posts to.
pub struct FormView {
    pub action: &'static str,
    pub title: &'static str,
    pub to: bool,
    pub amount: bool,
    pub reason: bool,
    /// A hold's expiries to choose from: (Unix milliseconds, label); empty for others.
    pub expiries: Vec<(String, &'static str)>,
    /// Fresh for each page: a form submitted twice applies once.
    pub request_id: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub a: AccountView,
    pub chart: String,
    pub forms: Vec<FormView>,
    pub csrf: String,
    pub history: Vec<EntryRow>,
    pub holds: Vec<HoldRow>,
    pub may_capture: bool,
    pub may_void: bool,
    /// For the holds' forms.
    pub request_id: String,
    pub next: Option<String>,
    /// Every kind, and whether it is the one shown.
    pub kinds: Vec<(&'static str, bool)>,
    pub kind: String,
    /// The history's days, as asked (YYYY-MM-DD), or empty.
    pub from: String,
    pub to: String,
}

/// Money as people read it: the amount in the currency's minor unit, and its code.
pub fn money(m: Money) -> String {
    format!("{} {}", m.decimal(), m.currency().code())
}

/// A page with its status; a template that fails to render is our bug (500).
pub fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a console template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A page that only says something.
pub fn message(status: StatusCode, who: Option<Who>, heading: &str, text: &str) -> Response {
    page(
        status,
        &MessagePage { who, notice: None, problem: None, heading: heading.into(), text: text.into() },
    )
}

const STYLESHEET: &str = include_str!("../static/style.css");
const LOCAL_TIME: &str = include_str!("../static/local-time.js");

pub async fn local_time_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")],
        LOCAL_TIME,
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], STYLESHEET)
        .into_response()
}

/// No script but our own file (none inline), no frame, no inline style, forms only
/// to us, no referrer, and pages (which show balances) kept out of shared caches.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers to every response, and bounds each request's time.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = match tokio::time::timeout(crate::REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => message(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "Too slow",
            "The bank did not answer in time. Try again.",
        ),
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[derive(Template)]
#[template(path = "statement.html")]
pub struct StatementView {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub id: String,
    pub month: String,
    pub previous: String,
    pub next: String,
    pub opening: String,
    pub closing: String,
    pub total_in: String,
    pub total_out: String,
    pub rows: Vec<EntryRow>,
    /// Entries of the month not shown (the CSV has them).
    pub more: usize,
    /// The month's interest in words (posted, or earned so far), if known.
    pub interest: Option<String>,
}
