//! The account a `redbank.v1.Bank` request is about, noted on the call's trace span
//! when the handler takes the caller.

use std::sync::Arc;

use redbank_api::v1;
use redbank_domain::Principal;
use tonic::{Request, Status};

use crate::auth::caller;

/// The account a request is about, recorded on the call's trace span.
pub(crate) trait Subject {
    fn subject(&self) -> &str;
}

macro_rules! subject {
    ($($message:ident => $field:ident),* $(,)?) => {
        $(impl Subject for v1::$message {
            fn subject(&self) -> &str {
                &self.$field
            }
        })*
    };
}

subject!(
    CreateAccountRequest => account_id,
    GetAccountRequest => account_id,
    DepositRequest => account_id,
    WithdrawRequest => account_id,
    ApplyInterestRequest => account_id,
    TransferRequest => from_account_id,
    ListTransactionsRequest => account_id,
    GetStatementRequest => account_id,
    FreezeAccountRequest => account_id,
    UnfreezeAccountRequest => account_id,
    CloseAccountRequest => account_id,
    ListAccountsRequest => customer_id,
    CreateHoldRequest => account_id,
    CaptureHoldRequest => hold_id,
    VoidHoldRequest => hold_id,
    GetHoldRequest => hold_id,
    ListHoldsRequest => account_id,
);

/// The principal the transport authenticated, the request's account noted for traces.
pub(crate) fn caller_of<T: Subject>(request: &Request<T>) -> Result<Arc<Principal>, Status> {
    crate::traces::note_account(request.get_ref().subject());
    caller(request.extensions())
}
