//! Status codes as every output of the CLI spells them: gRPC's canonical names,
//! as on the wire, in the metrics and in the README.

use redbank_domain::ErrorClass;
use tonic::Code;

/// gRPC's canonical name of a status code, as the wire, metrics and the README
/// spell it.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// The status code the server gives a refusal of `class`.
pub fn class_code(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::InvalidArgument => "INVALID_ARGUMENT",
        ErrorClass::NotFound => "NOT_FOUND",
        ErrorClass::PermissionDenied => "PERMISSION_DENIED",
        ErrorClass::AlreadyExists => "ALREADY_EXISTS",
        ErrorClass::FailedPrecondition => "FAILED_PRECONDITION",
        ErrorClass::ResourceExhausted => "RESOURCE_EXHAUSTED",
    }
}
