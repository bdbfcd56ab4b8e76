//! The connection to the server, retries, and what every command needs to build a
//! request.

use std::time::Duration;

use redbank_api::convert::money_to_proto;
use redbank_api::v1::{self, bank_client::BankClient};
use redbank_domain::{Amount, Currency};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

/// Attempts of one call when the server answers UNAVAILABLE (the first included).
pub const CALL_ATTEMPTS_MAX: u32 = 4;
/// Wait before the first retry; doubled for each further one.
pub const RETRY_BACKOFF_INITIAL: Duration = Duration::from_millis(200);

pub type Client = BankClient<Channel>;

/// Why a command failed.
pub enum Failure {
    /// The server answered with an error status.
    Status(Status),
    /// The command could not be sent: bad arguments or no connection.
    Local(String),
}

impl From<Status> for Failure {
    fn from(s: Status) -> Self {
        Failure::Status(s)
    }
}

pub fn connect(endpoint: &str, timeout: Duration) -> Result<Client, Failure> {
    let endpoint = Endpoint::from_shared(endpoint.to_owned())
        .map_err(|e| Failure::Local(format!("invalid endpoint {endpoint:?}: {e}")))?
        .connect_timeout(timeout)
        .timeout(timeout);
    // Connect lazily: a server that is restarting is retried like any UNAVAILABLE.
    Ok(BankClient::new(endpoint.connect_lazy()))
}

/// Calls `f` until it succeeds, fails with something other than UNAVAILABLE, or
/// [`CALL_ATTEMPTS_MAX`] attempts are spent. `f` resends the same request, request
/// id included, so the server applies it at most once.
pub async fn with_retry<T, F, Fut>(mut f: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<tonic::Response<T>, Status>>,
{
    let mut backoff = RETRY_BACKOFF_INITIAL;
    let mut attempt = 1;
    loop {
        match f().await {
            Ok(response) => return Ok(response.into_inner()),
            Err(status) if status.code() == Code::Unavailable && attempt < CALL_ATTEMPTS_MAX => {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            Err(status) => return Err(status),
        }
    }
}

/// One call with [`with_retry`]: `call!(client, deposit, request)`.
macro_rules! call {
    ($client:expr, $method:ident, $req:expr) => {{
        let req = $req;
        $crate::client::with_retry(|| {
            let mut client = $client.clone();
            let req = req.clone();
            async move { client.$method(req).await }
        })
        .await
    }};
}
pub(crate) use call;

/// The given request id, or a fresh UUID: the CLI always sends one.
pub fn request_id(given: &Option<String>) -> String {
    given.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The currency of an account, for typing amounts in it.
pub async fn account_currency(client: &Client, account: &str) -> Result<Currency, Failure> {
    let acct = call!(client, get_account, v1::GetAccountRequest { account_id: account.to_owned() })?;
    let code = acct.balance.map(|b| b.currency_code).unwrap_or_default();
    Currency::parse(&code).map_err(|e| Failure::Local(e.to_string()))
}

/// A decimal amount as Money: in `currency`, or else in the account's own currency.
pub async fn money(
    client: &Client,
    account: &str,
    amount: &str,
    currency: &Option<String>,
) -> Result<v1::Money, Failure> {
    let currency = match currency {
        Some(code) => Currency::parse(&code.to_uppercase()).map_err(|e| Failure::Local(e.to_string()))?,
        None => account_currency(client, account).await?,
    };
    let amount = Amount::parse_decimal(currency, amount).map_err(|e| Failure::Local(e.to_string()))?;
    Ok(money_to_proto(amount.money()))
}
