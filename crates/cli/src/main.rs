//! redbank: the command-line client of redbank.v1.Bank.
//!
//! Amounts are typed as decimals ("12.50") and sent as exact Money. Every mutating
//! command sends a request id (a fresh UUID unless one is given), and a call that
//! fails with UNAVAILABLE is retried with the same id, so a retry can never apply
//! twice.

mod output;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use redbank_api::convert::money_to_proto;
use redbank_api::v1::{self, bank_client::BankClient};
use redbank_domain::{Amount, Currency};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

use output::Printer;

/// Attempts of one call when the server answers UNAVAILABLE (the first included).
const CALL_ATTEMPTS_MAX: u32 = 4;
/// Wait before the first retry; doubled for each further one.
const RETRY_BACKOFF_INITIAL: Duration = Duration::from_millis(200);

#[derive(Debug, Parser)]
#[command(name = "redbank", version, about = "Command-line client of the redbank gRPC service")]
struct Cli {
    /// Server address.
    #[arg(long, global = true, env = "REDBANK_ENDPOINT", default_value = "http://127.0.0.1:50051")]
    endpoint: String,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Deadline of each call, in milliseconds.
    #[arg(long, global = true, env = "REDBANK_TIMEOUT_MS", default_value_t = 5000)]
    timeout_ms: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TypeArg {
    Savings,
    Checking,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open an account with a zero balance.
    Create {
        account: String,
        #[arg(long = "type", value_enum)]
        account_type: TypeArg,
        /// ISO 4217 code; the server's default (USD) when omitted.
        #[arg(long)]
        currency: Option<String>,
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Show an account and its balance.
    #[command(alias = "balance")]
    Get { account: String },
    /// Credit an account.
    Deposit {
        account: String,
        /// Decimal amount in major units, such as 12.50.
        amount: String,
        /// Currency of the amount; the account's own when omitted.
        #[arg(long)]
        currency: Option<String>,
        #[arg(long, default_value = "")]
        memo: String,
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Debit an account.
    Withdraw {
        account: String,
        amount: String,
        #[arg(long)]
        currency: Option<String>,
        #[arg(long, default_value = "")]
        memo: String,
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Credit simple interest on the current balance.
    Interest {
        account: String,
        /// Annual rate in percent, such as 4.25.
        #[arg(long)]
        rate: String,
        /// Days of interest; 0 means a full year.
        #[arg(long, default_value_t = 0)]
        days: i32,
        #[arg(long, default_value = "")]
        memo: String,
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Run the classic demo: create, deposit 1000, balance, withdraw 200, 5% interest, balance.
    Demo {
        /// Account id to use; a fresh one by default.
        #[arg(long)]
        account: Option<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer { json: cli.json };
    match run(&cli, &printer).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            printer.failure(&failure);
            ExitCode::FAILURE
        }
    }
}

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

async fn connect(cli: &Cli) -> Result<BankClient<Channel>, Failure> {
    let endpoint = Endpoint::from_shared(cli.endpoint.clone())
        .map_err(|e| Failure::Local(format!("invalid endpoint {:?}: {e}", cli.endpoint)))?
        .connect_timeout(Duration::from_millis(cli.timeout_ms))
        .timeout(Duration::from_millis(cli.timeout_ms));
    // Connect lazily: a server that is restarting is retried like any UNAVAILABLE.
    Ok(BankClient::new(endpoint.connect_lazy()))
}

/// Calls `f` until it succeeds, fails with something other than UNAVAILABLE, or
/// [`CALL_ATTEMPTS_MAX`] attempts are spent. `f` resends the same request, request
/// id included, so the server applies it at most once.
async fn with_retry<T, F, Fut>(mut f: F) -> Result<T, Status>
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
        with_retry(|| {
            let mut client = $client.clone();
            let req = req.clone();
            async move { client.$method(req).await }
        })
        .await
    }};
}

fn request_id(given: &Option<String>) -> String {
    given.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The amount as Money: in `currency`, or else in the account's own currency.
async fn money(
    client: &BankClient<Channel>,
    account: &str,
    amount: &str,
    currency: &Option<String>,
) -> Result<v1::Money, Failure> {
    let code = match currency {
        Some(code) => code.to_uppercase(),
        None => {
            let req = v1::GetAccountRequest { account_id: account.to_owned() };
            let acct = call!(client, get_account, req)?;
            acct.balance.map(|b| b.currency_code).unwrap_or_default()
        }
    };
    let currency = Currency::parse(&code).map_err(|e| Failure::Local(e.to_string()))?;
    let amount = Amount::parse_decimal(currency, amount).map_err(|e| Failure::Local(e.to_string()))?;
    Ok(money_to_proto(amount.money()))
}

async fn run(cli: &Cli, out: &Printer) -> Result<(), Failure> {
    let client = connect(cli).await?;
    match &cli.command {
        Command::Create { account, account_type, currency, request_id: rid } => {
            let req = v1::CreateAccountRequest {
                account_id: account.clone(),
                r#type: match account_type {
                    TypeArg::Savings => v1::AccountType::Savings,
                    TypeArg::Checking => v1::AccountType::Checking,
                }
                .into(),
                currency_code: currency.clone().unwrap_or_default().to_uppercase(),
                request_id: request_id(rid),
            };
            let acct = call!(client, create_account, req)?;
            out.account("Created", &acct);
        }
        Command::Get { account } => {
            let req = v1::GetAccountRequest { account_id: account.clone() };
            let acct = call!(client, get_account, req)?;
            out.account("Account", &acct);
        }
        Command::Deposit { account, amount, currency, memo, request_id: rid } => {
            let req = v1::DepositRequest {
                account_id: account.clone(),
                amount: Some(money(&client, account, amount, currency).await?),
                request_id: request_id(rid),
                memo: memo.clone(),
            };
            let r = call!(client, deposit, req)?;
            out.posted("Deposited", r.transaction.as_ref(), r.account.as_ref());
        }
        Command::Withdraw { account, amount, currency, memo, request_id: rid } => {
            let req = v1::WithdrawRequest {
                account_id: account.clone(),
                amount: Some(money(&client, account, amount, currency).await?),
                request_id: request_id(rid),
                memo: memo.clone(),
            };
            let r = call!(client, withdraw, req)?;
            out.posted("Withdrew", r.transaction.as_ref(), r.account.as_ref());
        }
        Command::Interest { account, rate, days, memo, request_id: rid } => {
            let req = v1::ApplyInterestRequest {
                account_id: account.clone(),
                annual_rate_percent: rate.clone(),
                days: *days,
                request_id: request_id(rid),
                memo: memo.clone(),
            };
            let r = call!(client, apply_interest, req)?;
            out.posted("Interest", r.transaction.as_ref(), r.account.as_ref());
        }
        Command::Demo { account } => demo(&client, account, out).await?,
    }
    Ok(())
}

/// The classic demo, step by step, through v1.
async fn demo(client: &BankClient<Channel>, account: &Option<String>, out: &Printer) -> Result<(), Failure> {
    let id = account
        .clone()
        .unwrap_or_else(|| format!("demo-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]));
    let usd = |units| Some(v1::Money { currency_code: "USD".into(), units, nanos: 0 });
    out.step("1. Create a savings account");
    let req = v1::CreateAccountRequest {
        account_id: id.clone(),
        r#type: v1::AccountType::Savings.into(),
        currency_code: "USD".into(),
        request_id: request_id(&None),
    };
    let acct = call!(client, create_account, req)?;
    out.account("Created", &acct);

    out.step("2. Deposit 1000.00");
    let req = v1::DepositRequest {
        account_id: id.clone(),
        amount: usd(1000),
        request_id: request_id(&None),
        memo: "demo deposit".into(),
    };
    let r = call!(client, deposit, req)?;
    out.posted("Deposited", r.transaction.as_ref(), r.account.as_ref());

    out.step("3. Check the balance");
    let req = v1::GetAccountRequest { account_id: id.clone() };
    let acct = call!(client, get_account, req)?;
    out.account("Account", &acct);

    out.step("4. Withdraw 200.00");
    let req = v1::WithdrawRequest {
        account_id: id.clone(),
        amount: usd(200),
        request_id: request_id(&None),
        memo: "demo withdrawal".into(),
    };
    let r = call!(client, withdraw, req)?;
    out.posted("Withdrew", r.transaction.as_ref(), r.account.as_ref());

    out.step("5. Apply 5% annual interest");
    let req = v1::ApplyInterestRequest {
        account_id: id.clone(),
        annual_rate_percent: "5".into(),
        days: 0,
        request_id: request_id(&None),
        memo: "demo interest".into(),
    };
    let r = call!(client, apply_interest, req)?;
    out.posted("Interest", r.transaction.as_ref(), r.account.as_ref());

    out.step("6. Check the balance");
    let req = v1::GetAccountRequest { account_id: id.clone() };
    let acct = call!(client, get_account, req)?;
    out.account("Account", &acct);
    Ok(())
}
