//! Extractors of a signed-in user whose role may perform one operation (the
//! console's own rows of the policy table); any other user gets the page that
//! says what it may not do. The operation checks the table again: these only
//! spare a form that would be refused.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use redbank_bank::Operation;

use crate::App;
use crate::failure::Failure;
use crate::session::Signed;

/// None if the policy table lets `signed` perform `operation`; else the page that
/// says what it may not do.
pub(crate) fn refusal(signed: &Signed, operation: Operation, what: &str) -> Option<Failure> {
    if redbank_bank::policy::allows(operation, &signed.principal) {
        return None;
    }
    tracing::info!(user = %signed.user.name, operation = operation.name(), "console: refused by the policy table");
    let role = signed.user.grant.role().as_str();
    let article = if role.starts_with(['a', 'e', 'i', 'o', 'u']) { "An" } else { "A" };
    Some(Failure::NotAllowed(signed.who(), format!("{article} {role} may not {what}.")))
}

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
                    Some(refused) => Err(refused.into_response()),
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
