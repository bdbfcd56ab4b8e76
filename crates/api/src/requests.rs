//! v1 requests parsed into domain values, one `TryFrom` per request: a request that
//! converts is valid, and a refusal names what is wrong before any store call.
//! Parsing that needs the server's settings (the default currency, the rate ceiling,
//! the clock) takes them as arguments.

use prost_types::Timestamp;
use redbank_domain::limits::{
    ACCOUNTS_PAGE_SIZE_DEFAULT, ACCOUNTS_PAGE_SIZE_MAX, STATEMENT_PAGE_SIZE_DEFAULT, STATEMENT_PAGE_SIZE_MAX,
    TRANSACTIONS_PAGE_SIZE_DEFAULT, TRANSACTIONS_PAGE_SIZE_MAX,
};
use redbank_domain::{
    AccountId, AnnualRate, BalanceChange, Capture, Currency, CustomerId, Error, Grant, HoldId, HoldRequest,
    InterestDays, InterestPeriod, Memo, NewAccount, NewKey, PeriodPolicy, RateCeiling, Reason, RequestId,
    TransactionKind, Transfer,
};

use crate::convert::{
    account_type_from_proto, amount_from_proto, kind_from_proto, millis_from_timestamp, role_from_proto,
};
use crate::v1;

/// A page size from a request: 0 means the default, above the maximum is refused.
pub fn page_size(requested: i32, default: usize, max: usize) -> Result<usize, Error> {
    match usize::try_from(requested) {
        Ok(0) => Ok(default),
        Ok(n) if n <= max => Ok(n),
        _ => Err(Error::InvalidPageSize { max }),
    }
}

/// Optional time bounds, in milliseconds; start before end.
pub fn time_range(
    start: Option<&Timestamp>,
    end: Option<&Timestamp>,
) -> Result<(Option<i64>, Option<i64>), Error> {
    let start = start.map(millis_from_timestamp).transpose()?;
    let end = end.map(millis_from_timestamp).transpose()?;
    redbank_domain::calendar::time_range(start, end)
}

/// `CreateAccount`; without a currency, the server's default.
impl TryFrom<&v1::CreateAccountRequest> for NewAccount {
    type Error = Error;

    fn try_from(r: &v1::CreateAccountRequest) -> Result<Self, Error> {
        let currency =
            if r.currency_code.is_empty() { None } else { Some(Currency::parse(&r.currency_code)?) };
        Ok(Self {
            id: AccountId::parse(&r.account_id)?,
            account_type: account_type_from_proto(r.r#type)?,
            currency,
            request_id: RequestId::parse_optional(&r.request_id)?,
            owner: CustomerId::parse_optional(&r.customer_id)?,
        })
    }
}

/// A `CreateApiKey` request: the grant asked for, its description and expiry.
/// Refuses an expiry that is not in the future of `now_millis`.
pub fn new_api_key(r: &v1::CreateApiKeyRequest, now_millis: i64) -> Result<NewKey, Error> {
    let role = role_from_proto(r.role)?;
    let grant = Grant::new(role, CustomerId::parse_optional(&r.customer_id)?)?;
    let description = Memo::parse(&r.description)?;
    let expires_millis = match &r.expire_time {
        Some(t) => {
            let at = millis_from_timestamp(t)?;
            if at <= now_millis {
                return Err(Error::InvalidTimeRange("expire_time must be in the future".into()));
            }
            Some(at)
        }
        None => None,
    };
    Ok(NewKey { grant, description, expires_millis })
}

/// One balance change to one account: `Deposit`, `Withdraw`, `ApplyInterest`.
pub struct Movement {
    pub id: AccountId,
    pub change: BalanceChange,
    pub request_id: Option<RequestId>,
    pub memo: Memo,
}

impl Movement {
    /// The rest of a change, its account parsed first (its refusal comes first).
    fn new(id: AccountId, change: BalanceChange, request_id: &str, memo: &str) -> Result<Self, Error> {
        Ok(Self { id, change, request_id: RequestId::parse_optional(request_id)?, memo: Memo::parse(memo)? })
    }

    /// `ApplyInterest` under the server's rate ceiling and period policy, at `now_millis`.
    pub fn interest(
        r: &v1::ApplyInterestRequest,
        ceiling: RateCeiling,
        policy: PeriodPolicy,
        now_millis: i64,
    ) -> Result<Self, Error> {
        let id = AccountId::parse(&r.account_id)?;
        let period = InterestPeriod::parse_optional(&r.period)?;
        if let Some(p) = period {
            p.check_postable(now_millis, policy)?;
        }
        // With a period, days 0 means the period's days rather than a year.
        let days = match period {
            Some(p) if r.days == 0 => InterestDays::from_request(p.days() as i32)?,
            _ => InterestDays::from_request(r.days)?,
        };
        let change = BalanceChange::Interest {
            rate: AnnualRate::parse(&r.annual_rate_percent, ceiling)?,
            days,
            period,
        };
        Self::new(id, change, &r.request_id, &r.memo)
    }
}

impl TryFrom<&v1::DepositRequest> for Movement {
    type Error = Error;

    fn try_from(r: &v1::DepositRequest) -> Result<Self, Error> {
        // The account first: its refusal comes before the amount's, as always.
        let id = AccountId::parse(&r.account_id)?;
        let change = BalanceChange::Deposit(amount_from_proto(r.amount.as_ref())?);
        Self::new(id, change, &r.request_id, &r.memo)
    }
}

impl TryFrom<&v1::WithdrawRequest> for Movement {
    type Error = Error;

    fn try_from(r: &v1::WithdrawRequest) -> Result<Self, Error> {
        let id = AccountId::parse(&r.account_id)?;
        let change = BalanceChange::Withdrawal(amount_from_proto(r.amount.as_ref())?);
        Self::new(id, change, &r.request_id, &r.memo)
    }
}

/// `Transfer`.
pub struct TransferCommand {
    pub transfer: Transfer,
    pub request_id: Option<RequestId>,
    pub memo: Memo,
}

impl TryFrom<&v1::TransferRequest> for TransferCommand {
    type Error = Error;

    fn try_from(r: &v1::TransferRequest) -> Result<Self, Error> {
        let transfer = Transfer::new(
            AccountId::parse(&r.from_account_id)?,
            AccountId::parse(&r.to_account_id)?,
            amount_from_proto(r.amount.as_ref())?,
        )?;
        Ok(Self {
            transfer,
            request_id: RequestId::parse_optional(&r.request_id)?,
            memo: Memo::parse(&r.memo)?,
        })
    }
}

/// `FreezeAccount`, `UnfreezeAccount`, `CloseAccount`.
pub struct StateCommand {
    pub id: AccountId,
    pub reason: Reason,
    pub request_id: Option<RequestId>,
}

impl StateCommand {
    fn parse(account_id: &str, reason: &str, request_id: &str) -> Result<Self, Error> {
        Ok(Self {
            id: AccountId::parse(account_id)?,
            reason: Reason::parse(reason)?,
            request_id: RequestId::parse_optional(request_id)?,
        })
    }
}

impl TryFrom<&v1::FreezeAccountRequest> for StateCommand {
    type Error = Error;

    fn try_from(r: &v1::FreezeAccountRequest) -> Result<Self, Error> {
        Self::parse(&r.account_id, &r.reason, &r.request_id)
    }
}

impl TryFrom<&v1::UnfreezeAccountRequest> for StateCommand {
    type Error = Error;

    fn try_from(r: &v1::UnfreezeAccountRequest) -> Result<Self, Error> {
        Self::parse(&r.account_id, &r.reason, &r.request_id)
    }
}

impl TryFrom<&v1::CloseAccountRequest> for StateCommand {
    type Error = Error;

    fn try_from(r: &v1::CloseAccountRequest) -> Result<Self, Error> {
        Self::parse(&r.account_id, &r.reason, &r.request_id)
    }
}

/// `ListTransactions`, without its page token (which the server checks).
pub struct TransactionsQuery {
    pub id: AccountId,
    pub page_size: usize,
    pub start_millis: Option<i64>,
    pub end_millis: Option<i64>,
    /// Sorted, without repeats.
    pub kinds: Vec<TransactionKind>,
}

impl TryFrom<&v1::ListTransactionsRequest> for TransactionsQuery {
    type Error = Error;

    fn try_from(r: &v1::ListTransactionsRequest) -> Result<Self, Error> {
        let id = AccountId::parse(&r.account_id)?;
        let page_size = page_size(r.page_size, TRANSACTIONS_PAGE_SIZE_DEFAULT, TRANSACTIONS_PAGE_SIZE_MAX)?;
        let (start_millis, end_millis) = time_range(r.start_time.as_ref(), r.end_time.as_ref())?;
        let mut kinds = r
            .kinds
            .iter()
            .map(|k| kind_from_proto(*k).ok_or(Error::InvalidKind(*k)))
            .collect::<Result<Vec<_>, _>>()?;
        kinds.sort_by_key(|k| k.code());
        kinds.dedup();
        Ok(Self { id, page_size, start_millis, end_millis, kinds })
    }
}

/// `GetStatement`, without its page token.
pub struct StatementQuery {
    pub id: AccountId,
    pub start_millis: i64,
    pub end_millis: i64,
    pub page_size: usize,
}

impl TryFrom<&v1::GetStatementRequest> for StatementQuery {
    type Error = Error;

    fn try_from(r: &v1::GetStatementRequest) -> Result<Self, Error> {
        let id = AccountId::parse(&r.account_id)?;
        let missing = || Error::InvalidTimeRange("start_time and end_time are required".into());
        let (start, end) =
            (r.start_time.as_ref().ok_or_else(missing)?, r.end_time.as_ref().ok_or_else(missing)?);
        let (start, end) = time_range(Some(start), Some(end))?;
        Ok(Self {
            id,
            start_millis: start.ok_or_else(missing)?,
            end_millis: end.ok_or_else(missing)?,
            page_size: page_size(r.page_size, STATEMENT_PAGE_SIZE_DEFAULT, STATEMENT_PAGE_SIZE_MAX)?,
        })
    }
}

/// `ListAccounts`'s page size (its token is the server's).
pub fn accounts_page_size(r: &v1::ListAccountsRequest) -> Result<usize, Error> {
    page_size(r.page_size, ACCOUNTS_PAGE_SIZE_DEFAULT, ACCOUNTS_PAGE_SIZE_MAX)
}

/// `CreateHold`.
pub struct HoldCommand {
    pub hold: HoldRequest,
    pub request_id: Option<RequestId>,
    pub memo: Memo,
}

impl TryFrom<&v1::CreateHoldRequest> for HoldCommand {
    type Error = Error;

    fn try_from(r: &v1::CreateHoldRequest) -> Result<Self, Error> {
        let account = AccountId::parse(&r.account_id)?;
        let amount = amount_from_proto(r.amount.as_ref())?;
        let expire_time_millis = r
            .expire_time
            .as_ref()
            .map(|t| millis_from_timestamp(t).map_err(|_| Error::InvalidExpireTime))
            .transpose()?;
        Ok(Self {
            hold: HoldRequest { account, amount, expire_time_millis },
            request_id: RequestId::parse_optional(&r.request_id)?,
            memo: Memo::parse(&r.memo)?,
        })
    }
}

/// `CaptureHold`.
pub struct CaptureCommand {
    pub capture: Capture,
    pub request_id: Option<RequestId>,
    pub memo: Memo,
}

impl TryFrom<&v1::CaptureHoldRequest> for CaptureCommand {
    type Error = Error;

    fn try_from(r: &v1::CaptureHoldRequest) -> Result<Self, Error> {
        let hold = HoldId::parse(&r.hold_id)?;
        let to = AccountId::parse(&r.to_account_id)?;
        let amount = r.amount.as_ref().map(|a| amount_from_proto(Some(a))).transpose()?;
        Ok(Self {
            capture: Capture::new(hold, to, amount)?,
            request_id: RequestId::parse_optional(&r.request_id)?,
            memo: Memo::parse(&r.memo)?,
        })
    }
}

/// `VoidHold`.
pub struct VoidCommand {
    pub hold: HoldId,
    pub request_id: Option<RequestId>,
    pub memo: Memo,
}

impl TryFrom<&v1::VoidHoldRequest> for VoidCommand {
    type Error = Error;

    fn try_from(r: &v1::VoidHoldRequest) -> Result<Self, Error> {
        Ok(Self {
            hold: HoldId::parse(&r.hold_id)?,
            request_id: RequestId::parse_optional(&r.request_id)?,
            memo: Memo::parse(&r.memo)?,
        })
    }
}
