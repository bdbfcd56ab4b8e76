//! The one mapping from refusals and store failures to gRPC statuses.
//!
//! Every status carries a `google.rpc.ErrorInfo` with domain "redbank" and a stable
//! reason. Clients get a clean message; the cause chain of a store failure goes to
//! the log only.

use std::collections::HashMap;

use redbank_domain::{Error, ErrorClass};
use redbank_store::StoreError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

pub const DOMAIN: &str = "redbank";

/// The status code of a refusal of `class` (the API crate's one mapping).
pub fn code(class: ErrorClass) -> Code {
    redbank_api::codes::class_code(class)
}

fn metadata(error: &Error) -> HashMap<String, String> {
    let mut m = HashMap::new();
    match error {
        Error::InsufficientFunds { balance }
        | Error::BalanceNotZero { balance }
        | Error::CaptureExceedsHold { held: balance } => {
            m.insert("balance".into(), balance.decimal());
            m.insert("currency".into(), balance.currency().code().into());
        }
        Error::AccountNotFound(id)
        | Error::AccountFrozen(id)
        | Error::AccountClosed(id)
        | Error::AccountNotFrozen(id)
        | Error::PayeeCannotReceive(id) => {
            m.insert("account_id".into(), id.to_string());
        }
        Error::CurrencyMismatch { account, given } => {
            m.insert("account_currency".into(), account.code().into());
            m.insert("given_currency".into(), given.code().into());
        }
        Error::HoldNotFound(hold) => {
            m.insert("hold_id".into(), hold.clone());
        }
        Error::HoldNotOpen { hold, state } => {
            m.insert("hold_id".into(), hold.clone());
            m.insert("state".into(), state.clone());
        }
        Error::HistoryArchived { through_millis } => {
            m.insert("archived_through_millis".into(), through_millis.to_string());
        }
        Error::EventsExpired { deleted_millis } => {
            m.insert("deleted_through_millis".into(), deleted_millis.to_string());
        }
        _ => {}
    }
    m
}

pub(crate) fn with_info(
    code: Code,
    message: impl Into<String>,
    reason: &str,
    meta: HashMap<String, String>,
) -> Status {
    Status::with_error_details(code, message, ErrorDetails::with_error_info(reason, DOMAIN, meta))
}

/// A refusal, with its own message.
pub fn refused(error: &Error) -> Status {
    refused_with_message(error, error.to_string())
}

/// A refusal with a message of the caller's choosing (the classic API's texts).
pub fn refused_with_message(error: &Error, message: impl Into<String>) -> Status {
    with_info(code(error.class()), message, error.reason(), metadata(error))
}

/// A store failure that is not a refusal. Logged here with its cause chain.
pub fn unavailable_or_internal(error: &StoreError) -> Status {
    if error.is_transient() {
        tracing::warn!(error = %error_chain(error), "store unavailable");
        with_info(
            Code::Unavailable,
            "the store is unavailable; retry (a change with the same request_id, so that it applies once)",
            "STORE_UNAVAILABLE",
            HashMap::new(),
        )
    } else {
        tracing::error!(error = %error_chain(error), "store failure");
        with_info(Code::Internal, "internal error", "INTERNAL", HashMap::new())
    }
}

/// A call cut at its deadline (the server's, or the client's shorter one).
pub fn deadline_exceeded() -> Status {
    with_info(
        Code::DeadlineExceeded,
        "the call did not finish within its deadline; a change may or may not have been applied: \
         retry with the same request_id",
        "DEADLINE_EXCEEDED",
        HashMap::new(),
    )
}

/// A call whose request body did not end within its deadline.
pub fn request_body_timeout(within: std::time::Duration) -> Status {
    with_info(
        Code::DeadlineExceeded,
        format!("the request's body did not arrive within {} ms; nothing was applied", within.as_millis()),
        "REQUEST_BODY_TIMEOUT",
        HashMap::new(),
    )
}

/// A large read refused because clients hold too many unread response bytes.
pub fn response_budget_exhausted() -> Status {
    with_info(
        Code::ResourceExhausted,
        "too many response bytes are waiting to be read by clients; read earlier responses, \
         ask for smaller pages, or retry later",
        "RESPONSE_BUDGET_EXHAUSTED",
        HashMap::new(),
    )
}

/// The same status with an ErrorInfo, for failures that tonic or the transport
/// produced without one (unknown method, message too large, ...). The reason is
/// named after the code; a message too large is OUT_OF_RANGE `MESSAGE_TOO_LARGE`.
pub fn with_transport_info(status: &Status) -> Status {
    let reason = match status.code() {
        Code::OutOfRange => "MESSAGE_TOO_LARGE",
        code => redbank_api::codes::code_name(code),
    };
    with_info(status.code(), status.message().to_owned(), reason, HashMap::new())
}

/// Any store outcome that is not a success.
pub fn from_store(error: StoreError) -> Status {
    match &error {
        StoreError::Refused(e) => refused(e),
        StoreError::Unsafe(why) => with_info(
            Code::Unavailable,
            format!("the server refuses to use its Redis: {why}"),
            "STORE_UNSAFE",
            HashMap::new(),
        ),
        StoreError::Full(_) => {
            tracing::warn!(error = %error_chain(&error), "store full");
            with_info(
                Code::ResourceExhausted,
                "the store is out of memory and takes no changes; nothing was applied",
                "STORE_FULL",
                HashMap::new(),
            )
        }
        StoreError::NotReplicated { acked, wanted } => {
            tracing::warn!(acked, wanted, "a write was not acknowledged by enough replicas in time");
            with_info(
                Code::Unavailable,
                format!(
                    "the change was applied, but only {acked} of {wanted} replicas acknowledged it in time, so a \
                     failover could still lose it; retry with the same request_id to learn its outcome"
                ),
                "NOT_REPLICATED",
                HashMap::new(),
            )
        }
        StoreError::DeadlinePassed => with_info(
            Code::Unavailable,
            "the change reached the store after its deadline and was not applied; retry it",
            "DEADLINE_PASSED",
            HashMap::new(),
        ),
        _ => unavailable_or_internal(&error),
    }
}

/// An error and its causes, each said once: some errors print their cause in their
/// own text too ("Connection refused (os error 111)" twice otherwise).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use redbank_domain::{Currency, Money};

    #[test]
    fn every_refusal_has_its_code_and_reason() {
        let usd = Currency::parse("USD").unwrap();
        let cases = [
            (Error::InvalidAccountId, Code::InvalidArgument, "INVALID_ACCOUNT_ID"),
            (Error::InvalidRequestId, Code::InvalidArgument, "INVALID_REQUEST_ID"),
            (Error::InvalidMemo, Code::InvalidArgument, "INVALID_MEMO"),
            (Error::InvalidAccountType, Code::InvalidArgument, "INVALID_ACCOUNT_TYPE"),
            (Error::InvalidCurrency("x".into()), Code::InvalidArgument, "INVALID_CURRENCY"),
            (Error::InvalidAmount("x".into()), Code::InvalidArgument, "INVALID_AMOUNT"),
            (Error::InvalidRate("x".into()), Code::InvalidArgument, "INVALID_RATE"),
            (Error::InvalidDays, Code::InvalidArgument, "INVALID_DAYS"),
            (
                Error::AccountNotFound(redbank_domain::AccountId::parse("a").unwrap()),
                Code::NotFound,
                "ACCOUNT_NOT_FOUND",
            ),
            (Error::SameAccount, Code::InvalidArgument, "SAME_ACCOUNT"),
            (
                Error::AccountFrozen(redbank_domain::AccountId::parse("a").unwrap()),
                Code::FailedPrecondition,
                "ACCOUNT_FROZEN",
            ),
            (
                Error::AccountClosed(redbank_domain::AccountId::parse("a").unwrap()),
                Code::FailedPrecondition,
                "ACCOUNT_CLOSED",
            ),
            (
                Error::AccountNotFrozen(redbank_domain::AccountId::parse("a").unwrap()),
                Code::FailedPrecondition,
                "ACCOUNT_NOT_FROZEN",
            ),
            (
                Error::BalanceNotZero { balance: Money::from_minor(usd, 5) },
                Code::FailedPrecondition,
                "BALANCE_NOT_ZERO",
            ),
            (Error::InvalidReason("x".into()), Code::InvalidArgument, "INVALID_REASON"),
            (Error::InvalidPageToken, Code::InvalidArgument, "INVALID_PAGE_TOKEN"),
            (Error::InvalidCursor, Code::InvalidArgument, "INVALID_CURSOR"),
            (Error::InvalidPageSize { max: 5 }, Code::InvalidArgument, "INVALID_PAGE_SIZE"),
            (Error::InvalidKind(9), Code::InvalidArgument, "INVALID_KIND"),
            (Error::InvalidTimeRange("x".into()), Code::InvalidArgument, "INVALID_TIME_RANGE"),
            (Error::InvalidPeriod, Code::InvalidArgument, "INVALID_PERIOD"),
            (
                Error::InterestAlreadyPosted("2026-11".into()),
                Code::FailedPrecondition,
                "INTEREST_ALREADY_POSTED",
            ),
            (Error::HistoryArchived { through_millis: 5 }, Code::FailedPrecondition, "HISTORY_ARCHIVED"),
            (Error::EventsExpired { deleted_millis: 5 }, Code::FailedPrecondition, "EVENTS_EXPIRED"),
            (Error::InvalidWebhookId, Code::InvalidArgument, "INVALID_WEBHOOK_ID"),
            (Error::InvalidWebhookUrl("x".into()), Code::InvalidArgument, "INVALID_WEBHOOK_URL"),
            (Error::WebhookUrlNotAllowed("x".into()), Code::InvalidArgument, "WEBHOOK_URL_NOT_ALLOWED"),
            (Error::WebhookNotFound("x".into()), Code::NotFound, "WEBHOOK_NOT_FOUND"),
            (Error::DeliveryNotFound("x".into()), Code::NotFound, "DELIVERY_NOT_FOUND"),
            (Error::TooManyWebhooks, Code::ResourceExhausted, "TOO_MANY_WEBHOOKS"),
            (
                Error::PeriodNotPostable { period: "2099-01".into(), why: "x".into() },
                Code::FailedPrecondition,
                "PERIOD_NOT_POSTABLE",
            ),
            (Error::AccountExists, Code::AlreadyExists, "ACCOUNT_EXISTS"),
            (
                Error::InsufficientFunds { balance: Money::from_minor(usd, 5) },
                Code::FailedPrecondition,
                "INSUFFICIENT_FUNDS",
            ),
            (
                Error::CurrencyMismatch { account: usd, given: Currency::parse("EUR").unwrap() },
                Code::FailedPrecondition,
                "CURRENCY_MISMATCH",
            ),
            (
                Error::BalanceLimitExceeded { limit: Money::from_minor(usd, 5) },
                Code::FailedPrecondition,
                "BALANCE_LIMIT_EXCEEDED",
            ),
            (Error::IdempotencyKeyReused, Code::FailedPrecondition, "IDEMPOTENCY_KEY_REUSED"),
        ];
        for (error, code, reason) in cases {
            let status = refused(&error);
            assert_eq!(status.code(), code, "{error:?}");
            let info = status.get_details_error_info().expect("ErrorInfo");
            assert_eq!((info.reason.as_str(), info.domain.as_str()), (reason, DOMAIN));
        }
    }

    #[test]
    fn a_cause_already_in_the_text_is_not_said_twice() {
        let io =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused (os error 111)");
        #[derive(Debug, thiserror::Error)]
        #[error("redis is unavailable: {0}")]
        struct Outer(#[source] std::io::Error);
        assert_eq!(error_chain(&Outer(io)), "redis is unavailable: Connection refused (os error 111)");
    }

    #[test]
    fn insufficient_funds_tells_the_balance() {
        let usd = Currency::parse("USD").unwrap();
        let status = refused(&Error::InsufficientFunds { balance: Money::from_minor(usd, 1250) });
        let info = status.get_details_error_info().unwrap();
        assert_eq!(info.metadata.get("balance").map(String::as_str), Some("12.50"));
        assert_eq!(info.metadata.get("currency").map(String::as_str), Some("USD"));
    }
}
