//! The connection to the server, retries, and what every command needs to build a
//! request.

use std::time::Duration;

use redbank_api::convert::money_to_proto;
use redbank_api::v1::{self, bank_client::BankClient};
use redbank_domain::{Amount, Currency};
use std::path::Path;

use tonic::metadata::MetadataValue;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::{Code, Status};

/// When a call is resent, how often, and how long to wait in between. Every resend
/// carries the same request, request id included, so the server applies it at most
/// once.
pub struct Retry {
    /// Attempts, the first included.
    pub attempts: u32,
    /// Wait before the first resend (jittered between half of it and all of it);
    /// doubled for each further one.
    pub first_backoff: Duration,
    /// Which answers leave the outcome open, so that a resend is worth it.
    pub retry_on: fn(Code) -> bool,
}

/// The CLI's commands: a few patient resends while the server says UNAVAILABLE.
pub const CLI_RETRY: Retry = Retry {
    attempts: 4,
    first_backoff: Duration::from_millis(200),
    retry_on: |code| code == Code::Unavailable,
};

/// A channel whose calls carry the credential, if one was given.
pub type Chan = InterceptedService<Channel, Bearer>;

pub type Client = BankClient<Chan>;

/// The credential of every call the CLI makes, set once at start.
static TOKEN: std::sync::OnceLock<MetadataValue<tonic::metadata::Ascii>> = std::sync::OnceLock::new();

/// Sends `authorization: Bearer <token>` with every call from now on.
pub fn use_token(token: &str) -> Result<(), Failure> {
    let value =
        MetadataValue::try_from(format!("Bearer {}", token.trim())).map_err(|_| Failure::Invalid {
            reason: "INVALID_TOKEN",
            message: "the token must be printable ASCII (an API key or a JWT)".into(),
        })?;
    let _ = TOKEN.set(value);
    Ok(())
}

/// Adds the credential to each call.
#[derive(Clone, Copy)]
pub struct Bearer;

impl Interceptor for Bearer {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        if let Some(token) = TOKEN.get() {
            request.metadata_mut().insert("authorization", token.clone());
        }
        Ok(request)
    }
}

/// A channel with the credential.
pub fn with_token(channel: Channel) -> Chan {
    InterceptedService::new(channel, Bearer)
}

/// Why a command failed.
pub enum Failure {
    /// The server answered with an error status.
    Status(Status),
    /// The CLI found the request invalid before sending it, for the same reason the
    /// server would give (INVALID_AMOUNT, INVALID_CURRENCY, ...).
    Invalid { reason: &'static str, message: String },
    /// The CLI refused the request before sending it, for a reason the server
    /// would give the same way (its class gives the status code).
    Refused(redbank_domain::Error),
    /// Anything else that stopped the command here: a file, a task (reason CLIENT).
    Local(String),
    /// The command's own output says what failed (the checker's report); only the
    /// exit status is left to set.
    Reported(String),
}

impl From<redbank_domain::Error> for Failure {
    fn from(e: redbank_domain::Error) -> Self {
        Failure::Refused(e)
    }
}

impl From<Status> for Failure {
    fn from(s: Status) -> Self {
        Failure::Status(s)
    }
}

/// Which Redis an operator's command reads straight (`check`, `keys --redis-url`):
/// one Redis, or some nodes of a Redis Cluster.
#[derive(Debug, Clone, clap::Args)]
pub struct RedisTarget {
    /// The Redis that holds the accounts, such as redis://127.0.0.1:6379.
    #[arg(long, env = "REDBANK_REDIS_URL")]
    pub redis_url: Option<String>,
    /// A Redis Cluster instead: some of its nodes, comma-separated.
    #[arg(long, env = "REDBANK_REDIS_CLUSTER_NODES", value_delimiter = ',', conflicts_with = "redis_url")]
    pub redis_cluster_nodes: Vec<String>,
}

impl RedisTarget {
    pub fn given(&self) -> bool {
        self.redis_url.is_some() || !self.redis_cluster_nodes.is_empty()
    }

    /// The store's settings for this Redis, the rest at their defaults.
    pub fn config(&self) -> redbank_store::StoreConfig {
        let mut config = redbank_store::StoreConfig::new(self.redis_url.clone().unwrap_or_default());
        config.cluster_nodes = self.redis_cluster_nodes.clone();
        config
    }
}

/// The store of `config`, its failure the CLI's.
pub async fn open_store(config: &redbank_store::StoreConfig) -> Result<redbank_store::Store, Failure> {
    redbank_store::Store::open(config).await.map_err(|e| Failure::Local(e.to_string()))
}

/// The bank's operations over the store of `config`, for the operator's commands.
pub async fn open_bank(config: &redbank_store::StoreConfig) -> Result<redbank_bank::Bank, Failure> {
    Ok(redbank_bank::Bank::for_operator(open_store(config).await?))
}

/// A failure of an operator's command that went to Redis: a refusal is the
/// domain's, anything else Redis's.
pub fn from_redis(e: redbank_bank::StoreError) -> Failure {
    match e {
        redbank_bank::StoreError::Refused(e) => Failure::from(e),
        other => Failure::Local(format!("redis: {other}")),
    }
}

/// The TLS settings of every connection the CLI makes, set once at start.
static TLS: std::sync::OnceLock<ClientTlsConfig> = std::sync::OnceLock::new();

/// TLS with `ca_cert` as the one trusted root (this build has no system roots),
/// and with a client certificate for mutual TLS.
pub fn use_tls(ca_cert: &Path, client: Option<(&Path, &Path)>) -> Result<(), Failure> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| Failure::Invalid {
            reason: "INVALID_TLS_FILE",
            message: format!("cannot read {}: {e}", path.display()),
        })
    };
    let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(ca_cert)?));
    if let Some((cert, key)) = client {
        config = config.identity(Identity::from_pem(read(cert)?, read(key)?));
    }
    let _ = TLS.set(config);
    Ok(())
}

/// The endpoint of a server, with a deadline for connecting and for each call.
/// `host:port` means `http://host:port`. `https://` needs `--ca-cert` (there are no
/// system roots in this build): without it the CLI would have to talk plaintext to
/// an address meant for TLS, so it refuses.
pub fn endpoint(endpoint: &str, timeout: Duration) -> Result<Endpoint, Failure> {
    let invalid = |message: String| Failure::Invalid { reason: "INVALID_ENDPOINT", message };
    let (url, tls) = match endpoint.split_once("://") {
        None => (format!("http://{endpoint}"), None),
        Some(("http", _)) => (endpoint.to_owned(), None),
        Some(("https", _)) => match TLS.get() {
            Some(tls) => (endpoint.to_owned(), Some(tls.clone())),
            None => {
                return Err(invalid(format!(
                    "{endpoint}: https:// needs --ca-cert (the CA that signed the server's certificate)"
                )));
            }
        },
        Some((scheme, _)) => {
            return Err(invalid(format!("{endpoint}: unknown scheme {scheme:?}; use http:// or https://")));
        }
    };
    let mut endpoint = Endpoint::from_shared(url)
        .map_err(|e| invalid(format!("invalid endpoint {endpoint:?}: {e}")))?
        .connect_timeout(timeout)
        .timeout(timeout);
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls).map_err(|e| invalid(format!("TLS: {e}")))?;
    }
    Ok(endpoint)
}

pub fn connect(endpoint: &str, timeout: Duration) -> Result<Client, Failure> {
    // Connect lazily: a server that is restarting is retried like any UNAVAILABLE.
    Ok(BankClient::new(with_token(self::endpoint(endpoint, timeout)?.connect_lazy())))
}

/// Calls `f` until it succeeds, fails with an answer the policy does not retry, or
/// the policy's attempts are spent.
pub async fn with_retry<T, F, Fut>(policy: &Retry, mut f: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<tonic::Response<T>, Status>>,
{
    let mut backoff = policy.first_backoff;
    let mut attempt = 1;
    loop {
        match f().await {
            Ok(response) => return Ok(response.into_inner()),
            Err(status) if (policy.retry_on)(status.code()) && attempt < policy.attempts => {
                tokio::time::sleep(jittered(backoff)).await;
                backoff *= 2;
                attempt += 1;
            }
            Err(status) => return Err(status),
        }
    }
}

/// A wait between half of `backoff` and all of it, at random, so that many clients
/// that failed together do not all come back at the same instant ("equal jitter").
/// The randomness is the OS's, through a v4 UUID the CLI makes anyway.
fn jittered(backoff: Duration) -> Duration {
    let fraction = (uuid::Uuid::new_v4().as_u128() as u64 >> 11) as f64 / (1u64 << 53) as f64;
    backoff.mul_f64(0.5 + fraction / 2.0)
}

/// One call with [`with_retry`]: `call!(client, deposit, request)` with
/// [`CLI_RETRY`], or `call!(&policy; client, deposit, request)`.
macro_rules! call {
    ($policy:expr; $client:expr, $method:ident, $req:expr) => {{
        let (client, req) = ($client.clone(), $req);
        $crate::client::with_retry($policy, || {
            let (mut client, req) = (client.clone(), req.clone());
            async move { client.$method(req).await }
        })
        .await
    }};
    ($client:expr, $method:ident, $req:expr) => {
        $crate::client::call!(&$crate::client::CLI_RETRY; $client, $method, $req)
    };
}
pub(crate) use call;

/// The given request id, or a fresh UUID: the CLI always sends one.
pub fn request_id(given: &Option<String>) -> String {
    let id = given.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if let Ok(mut last) = LAST_REQUEST_ID.lock() {
        *last = Some(id.clone());
    }
    id
}

/// The request id of the last change this process sent: what a failure whose
/// outcome is unknown tells the user to retry with.
static LAST_REQUEST_ID: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// The request id of the change this command sent, if it sent one.
pub fn last_request_id() -> Option<String> {
    LAST_REQUEST_ID.lock().ok().and_then(|last| last.clone())
}

/// The currency of an account, for typing amounts in it.
pub async fn account_currency(client: &Client, account: &str) -> Result<Currency, Failure> {
    let acct = call!(client, get_account, v1::GetAccountRequest { account_id: account.to_owned() })?;
    let code = acct.balance.map(|b| b.currency_code).unwrap_or_default();
    Ok(Currency::parse(&code)?)
}

/// A decimal amount as Money: in `currency`, or else in the account's own currency.
pub async fn money(
    client: &Client,
    account: &str,
    amount: &str,
    currency: &Option<String>,
) -> Result<v1::Money, Failure> {
    let currency = match currency {
        Some(code) => Currency::parse(&code.to_uppercase())?,
        None => account_currency(client, account).await?,
    };
    let amount = Amount::parse_decimal(currency, amount).map_err(redbank_domain::Error::from)?;
    Ok(money_to_proto(amount.money()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_half_and_all_of_the_backoff_and_varies() {
        let backoff = Duration::from_millis(200);
        let waits: Vec<Duration> = (0..200).map(|_| jittered(backoff)).collect();
        assert!(waits.iter().all(|w| *w >= backoff / 2 && *w <= backoff), "{waits:?}");
        let distinct: std::collections::HashSet<_> = waits.iter().collect();
        assert!(distinct.len() > 150, "the waits should differ");
    }
}
