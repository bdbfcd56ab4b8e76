//! What a console request that cannot be served gets, in one place: handlers
//! answer `Result<Response, Failure>`, and each failure is one page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use redbank_bank::StoreError;

use crate::view::{self, Who};

pub(crate) enum Failure {
    /// Redis could not be asked: logged here, and the page says to try again.
    Unavailable(Option<Who>, StoreError),
    /// An account that does not exist and one the user may not see get the same
    /// page, so that the two cannot be told apart.
    NoSuchAccount(Option<Who>),
    /// A form that did not come from this session's pages: its CSRF token is not
    /// the session's.
    Forged(Who),
    /// Refused by the policy table: what this role may not do, in words.
    NotAllowed(Who, String),
    /// No such page, or no such form.
    NotFound,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Unavailable(who, e) => {
                tracing::warn!(error = %e, "console: the store failed");
                view::message(
                    StatusCode::SERVICE_UNAVAILABLE,
                    who,
                    "Try again",
                    "The bank is briefly unavailable. Try again in a moment.",
                )
            }
            Failure::NoSuchAccount(who) => view::message(
                StatusCode::NOT_FOUND,
                who,
                "No such account",
                "There is no account here that you may see.",
            ),
            Failure::Forged(who) => view::message(
                StatusCode::FORBIDDEN,
                Some(who),
                "Form refused",
                "This form did not come from this page, or it is too old. Reload the page and try again.",
            ),
            Failure::NotAllowed(who, text) => {
                view::message(StatusCode::FORBIDDEN, Some(who), "Not allowed", &text)
            }
            Failure::NotFound => {
                view::message(StatusCode::NOT_FOUND, None, "Not found", "There is no such page.")
            }
        }
    }
}
