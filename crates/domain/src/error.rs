//! The closed set of ways a request can be refused.
//!
//! Each variant has a stable machine-readable reason (the `google.rpc.ErrorInfo`
//! reason on the wire) and a class that the transport layer maps to a status code.
//! Nothing here is transient: a refused request stays refused when retried as it is.
//! Transient failures (Redis unreachable) are the store's, not the domain's.

use crate::{AccountId, Currency, limits};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("account id must be 1 to {} characters of A-Z a-z 0-9 . _ -", limits::ACCOUNT_ID_MAX_LEN)]
    InvalidAccountId,
    #[error("customer id must be 1 to {} characters of A-Z a-z 0-9 . _ -", limits::CUSTOMER_ID_MAX_LEN)]
    InvalidCustomerId,
    #[error("role must be customer, teller, auditor or admin")]
    InvalidRole,
    #[error("a customer's credential needs a customer id")]
    CustomerIdRequired,
    #[error("only a customer's credential has a customer id")]
    CustomerIdNotAllowed,
    #[error("actor must be 1 to {} printable ASCII characters without spaces", limits::ACTOR_MAX_LEN)]
    InvalidActor,
    #[error("user name must be 1 to {} characters of A-Z a-z 0-9 . _ -", limits::USER_NAME_MAX_LEN)]
    InvalidUserName,
    #[error("a password must be {} to {} characters", limits::PASSWORD_MIN_CHARS, limits::PASSWORD_MAX_CHARS)]
    InvalidPassword,
    #[error("user {0} exists already")]
    UserExists(String),
    #[error("user {0} not found")]
    UserNotFound(String),
    #[error("api key id must be 16 lower-case hex digits")]
    InvalidKeyId,
    #[error("api key {0} not found")]
    KeyNotFound(String),
    #[error("api key {0} is already revoked")]
    KeyRevoked(String),
    /// The principal may not do this, or the account is not its own, or the account
    /// does not exist: the three are one answer, so that ids cannot be probed.
    #[error("permission denied (or it might not exist)")]
    PermissionDenied,
    #[error("request id must be 1 to {} printable ASCII characters", limits::REQUEST_ID_MAX_LEN)]
    InvalidRequestId,
    #[error(
        "memo must be at most {} characters, with no control, bidirectional, zero-width or \
         line-separator characters",
        limits::MEMO_MAX_CHARS
    )]
    InvalidMemo,
    #[error("account type must be savings or checking")]
    InvalidAccountType,
    #[error("{0}")]
    InvalidCurrency(String),
    #[error("{0}")]
    InvalidAmount(String),
    #[error("{0}")]
    InvalidRate(String),
    #[error("days must be 0 (a full year) or 1 to {}", limits::INTEREST_DAYS_MAX)]
    InvalidDays,
    #[error("account {0} not found")]
    AccountNotFound(AccountId),
    #[error("account already exists")]
    AccountExists,
    #[error("insufficient funds: the available balance is {balance}")]
    InsufficientFunds {
        /// The available balance (the balance less open holds) when the change was
        /// refused, so a client can tell a real shortfall from anything else.
        balance: Money,
    },
    #[error("the account holds {account}, the amount is in {given}")]
    CurrencyMismatch { account: Currency, given: Currency },
    #[error("the balance would exceed the limit of {limit}")]
    BalanceLimitExceeded { limit: Money },
    #[error("this request id was already used with different parameters")]
    IdempotencyKeyReused,
    #[error("a transfer needs two different accounts")]
    SameAccount,
    #[error("account {0} is frozen")]
    AccountFrozen(AccountId),
    #[error("account {0} is closed")]
    AccountClosed(AccountId),
    #[error("account {0} is not frozen")]
    AccountNotFrozen(AccountId),
    #[error("an account closes only at a zero balance; the balance is {balance}")]
    BalanceNotZero { balance: Money },
    #[error("{0}")]
    InvalidReason(String),
    #[error("the page token is invalid or was issued for other arguments")]
    InvalidPageToken,
    #[error("the cursor is not one an event gave")]
    InvalidCursor,
    #[error("{0}")]
    InvalidTimeRange(String),
    #[error("interest period must be a month such as 2026-11")]
    InvalidPeriod,
    /// A period that may not be posted now: not over yet, or too far back.
    #[error("interest for {period} cannot be posted: {why}")]
    PeriodNotPostable { period: String, why: String },
    #[error("page size must be 0 to {max}")]
    InvalidPageSize { max: usize },
    #[error("unknown transaction kind {0}")]
    InvalidKind(i32),
    #[error("hold id must be an account id, \":h\" and 16 lower-case hex digits")]
    InvalidHoldId,
    #[error("webhook id must be 16 lower-case hex digits")]
    InvalidWebhookId,
    #[error("invalid webhook URL: {0}")]
    InvalidWebhookUrl(String),
    /// The URL names a loopback, private or otherwise internal address, and the
    /// server does not allow those (`--webhook-allow-private`).
    #[error("webhook URL {0} names an address that is not public")]
    WebhookUrlNotAllowed(String),
    #[error("webhook {0} not found")]
    WebhookNotFound(String),
    #[error("no dead delivery of event {0} for this webhook")]
    DeliveryNotFound(String),
    #[error("at most {} webhooks", crate::limits::WEBHOOKS_MAX)]
    TooManyWebhooks,
    #[error("expire time must be 1 second to 366 days ahead")]
    InvalidExpireTime,
    #[error("hold {0} not found")]
    HoldNotFound(String),
    /// Captured, voided, expired, or a capture is under way.
    #[error("hold {hold} is {state}, not open")]
    HoldNotOpen { hold: String, state: String },
    #[error("the capture is more than the hold's {held}")]
    CaptureExceedsHold { held: Money },
    #[error("the account has {} open holds, the most allowed", limits::OPEN_HOLDS_MAX)]
    TooManyHolds,
    /// The target could not be credited for so long (its Redis unreachable) that
    /// the capture was given up; nothing moved.
    #[error("the capture of hold {0} could not reach its target in time; nothing moved")]
    CaptureTimedOut(String),
    /// A payment to an account its customer does not own was refused for the
    /// payee's sake: missing, closed, frozen, in another currency, or at its
    /// balance ceiling. One answer for all five, so that a customer learns only
    /// whether a payee can receive, never its currency, state or balance.
    #[error("account {0} cannot receive this payment")]
    PayeeCannotReceive(AccountId),
    /// The caller has [`limits::LARGE_READS_PER_PRINCIPAL`] statement reads in
    /// flight already.
    #[error(
        "at most {} statement reads at once per caller; wait for one to finish",
        limits::LARGE_READS_PER_PRINCIPAL
    )]
    TooManyReads,
    #[error("this server follows as many accounts at once as it may; retry in a moment")]
    TooManySubscriptions,
    #[error("interest for {0} was already posted to this account with other parameters")]
    InterestAlreadyPosted(String),
    /// The period reaches into history that was archived (moved out of Redis).
    #[error("history up to {} is archived; ask for a period that starts after it", crate::calendar::format_millis(*through_millis))]
    HistoryArchived {
        /// The time of the last archived entry, ms since the epoch.
        through_millis: i64,
    },
    /// The feed of every account's changes no longer holds the events after this
    /// cursor (older than its retention): resume from now, and read each account's
    /// history for what came between.
    #[error("events up to {} are no longer kept; follow from now and read the histories for the rest", crate::calendar::format_millis(*deleted_millis))]
    EventsExpired {
        /// The time of the newest event removed, ms since the epoch.
        deleted_millis: i64,
    },
}

use crate::Money;

/// How a refusal relates to the request, independent of any transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The request itself is malformed; no state could make it succeed.
    InvalidArgument,
    /// The named account does not exist.
    NotFound,
    /// The principal may not do this (or the thing might not exist).
    PermissionDenied,
    /// The thing to create exists already.
    AlreadyExists,
    /// The request is well formed but the account's state refuses it.
    FailedPrecondition,
    /// The caller holds too much of a shared resource at once; retry later.
    ResourceExhausted,
}

impl Error {
    /// The stable machine-readable reason, UPPER_SNAKE_CASE.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::InvalidAccountId => "INVALID_ACCOUNT_ID",
            Error::InvalidRequestId => "INVALID_REQUEST_ID",
            Error::InvalidCustomerId => "INVALID_CUSTOMER_ID",
            Error::InvalidRole => "INVALID_ROLE",
            Error::CustomerIdRequired => "CUSTOMER_ID_REQUIRED",
            Error::CustomerIdNotAllowed => "CUSTOMER_ID_NOT_ALLOWED",
            Error::InvalidActor => "INVALID_ACTOR",
            Error::InvalidKeyId => "INVALID_KEY_ID",
            Error::InvalidUserName => "INVALID_USER_NAME",
            Error::InvalidPassword => "INVALID_PASSWORD",
            Error::UserExists(_) => "USER_EXISTS",
            Error::UserNotFound(_) => "USER_NOT_FOUND",
            Error::KeyNotFound(_) => "KEY_NOT_FOUND",
            Error::KeyRevoked(_) => "KEY_REVOKED",
            Error::PermissionDenied => "PERMISSION_DENIED",
            Error::InvalidMemo => "INVALID_MEMO",
            Error::InvalidAccountType => "INVALID_ACCOUNT_TYPE",
            Error::InvalidCurrency(_) => "INVALID_CURRENCY",
            Error::InvalidAmount(_) => "INVALID_AMOUNT",
            Error::InvalidRate(_) => "INVALID_RATE",
            Error::InvalidDays => "INVALID_DAYS",
            Error::AccountNotFound(_) => "ACCOUNT_NOT_FOUND",
            Error::AccountExists => "ACCOUNT_EXISTS",
            Error::InsufficientFunds { .. } => "INSUFFICIENT_FUNDS",
            Error::CurrencyMismatch { .. } => "CURRENCY_MISMATCH",
            Error::BalanceLimitExceeded { .. } => "BALANCE_LIMIT_EXCEEDED",
            Error::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Error::SameAccount => "SAME_ACCOUNT",
            Error::AccountFrozen(_) => "ACCOUNT_FROZEN",
            Error::AccountClosed(_) => "ACCOUNT_CLOSED",
            Error::AccountNotFrozen(_) => "ACCOUNT_NOT_FROZEN",
            Error::BalanceNotZero { .. } => "BALANCE_NOT_ZERO",
            Error::InvalidReason(_) => "INVALID_REASON",
            Error::InvalidPageToken => "INVALID_PAGE_TOKEN",
            Error::InvalidCursor => "INVALID_CURSOR",
            Error::InvalidTimeRange(_) => "INVALID_TIME_RANGE",
            Error::InvalidPeriod => "INVALID_PERIOD",
            Error::InvalidPageSize { .. } => "INVALID_PAGE_SIZE",
            Error::InvalidKind(_) => "INVALID_KIND",
            Error::InterestAlreadyPosted(_) => "INTEREST_ALREADY_POSTED",
            Error::PeriodNotPostable { .. } => "PERIOD_NOT_POSTABLE",
            Error::HistoryArchived { .. } => "HISTORY_ARCHIVED",
            Error::EventsExpired { .. } => "EVENTS_EXPIRED",
            Error::InvalidHoldId => "INVALID_HOLD_ID",
            Error::InvalidWebhookId => "INVALID_WEBHOOK_ID",
            Error::InvalidWebhookUrl(_) => "INVALID_WEBHOOK_URL",
            Error::WebhookUrlNotAllowed(_) => "WEBHOOK_URL_NOT_ALLOWED",
            Error::WebhookNotFound(_) => "WEBHOOK_NOT_FOUND",
            Error::DeliveryNotFound(_) => "DELIVERY_NOT_FOUND",
            Error::TooManyWebhooks => "TOO_MANY_WEBHOOKS",
            Error::InvalidExpireTime => "INVALID_EXPIRE_TIME",
            Error::HoldNotFound(_) => "HOLD_NOT_FOUND",
            Error::HoldNotOpen { .. } => "HOLD_NOT_OPEN",
            Error::CaptureExceedsHold { .. } => "CAPTURE_EXCEEDS_HOLD",
            Error::TooManyHolds => "TOO_MANY_HOLDS",
            Error::CaptureTimedOut(_) => "CAPTURE_TIMED_OUT",
            Error::PayeeCannotReceive(_) => "PAYEE_CANNOT_RECEIVE",
            Error::TooManyReads => "TOO_MANY_READS",
            Error::TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
        }
    }

    pub fn class(&self) -> ErrorClass {
        match self {
            Error::InvalidAccountId
            | Error::InvalidRequestId
            | Error::InvalidCustomerId
            | Error::InvalidRole
            | Error::CustomerIdRequired
            | Error::CustomerIdNotAllowed
            | Error::InvalidActor
            | Error::InvalidKeyId
            | Error::InvalidUserName
            | Error::InvalidPassword
            | Error::InvalidMemo
            | Error::InvalidAccountType
            | Error::InvalidCurrency(_)
            | Error::InvalidAmount(_)
            | Error::InvalidRate(_)
            | Error::InvalidDays
            | Error::SameAccount
            | Error::InvalidReason(_)
            | Error::InvalidPageToken
            | Error::InvalidCursor
            | Error::InvalidTimeRange(_)
            | Error::InvalidPeriod
            | Error::InvalidPageSize { .. }
            | Error::InvalidKind(_)
            | Error::InvalidHoldId
            | Error::InvalidWebhookId
            | Error::InvalidWebhookUrl(_)
            | Error::WebhookUrlNotAllowed(_)
            | Error::InvalidExpireTime => ErrorClass::InvalidArgument,
            Error::AccountNotFound(_)
            | Error::KeyNotFound(_)
            | Error::HoldNotFound(_)
            | Error::WebhookNotFound(_)
            | Error::DeliveryNotFound(_)
            | Error::UserNotFound(_) => ErrorClass::NotFound,
            Error::PermissionDenied => ErrorClass::PermissionDenied,
            Error::TooManyReads | Error::TooManySubscriptions | Error::TooManyWebhooks => {
                ErrorClass::ResourceExhausted
            }
            Error::AccountExists | Error::UserExists(_) => ErrorClass::AlreadyExists,
            Error::InsufficientFunds { .. }
            | Error::CurrencyMismatch { .. }
            | Error::BalanceLimitExceeded { .. }
            | Error::IdempotencyKeyReused
            | Error::AccountFrozen(_)
            | Error::AccountClosed(_)
            | Error::AccountNotFrozen(_)
            | Error::BalanceNotZero { .. }
            | Error::KeyRevoked(_)
            | Error::InterestAlreadyPosted(_)
            | Error::PeriodNotPostable { .. }
            | Error::HistoryArchived { .. }
            | Error::EventsExpired { .. }
            | Error::HoldNotOpen { .. }
            | Error::CaptureExceedsHold { .. }
            | Error::TooManyHolds
            | Error::CaptureTimedOut(_)
            | Error::PayeeCannotReceive(_) => ErrorClass::FailedPrecondition,
        }
    }
}
