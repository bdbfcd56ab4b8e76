//! redbank: the command-line client of redbank.v1.Bank.
//!
//! Amounts are typed as decimals ("12.50") and sent as exact Money. Every mutating
//! command sends a request id (a fresh UUID unless one is given), and a call that
//! fails with UNAVAILABLE is retried with the same id, so a retry can never apply
//! twice.

mod accounts;
mod archive;
mod bench;
mod check;
mod client;
mod demo;
mod events;
mod holds;
mod interest_post;
mod keys;
mod manual;
mod output;
mod statement;
mod users;
mod webhooks;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use redbank_api::v1;

use client::{Failure, call, money, request_id};
use output::Printer;

/// Entries asked per ListTransactions call (the server's most).
const HISTORY_PAGE: usize = redbank_domain::limits::TRANSACTIONS_PAGE_SIZE_MAX;

/// The load generator allocates per call like the server does; glibc's malloc costs
/// it CPU that the server and Redis on the same machine need (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "redbank", version, about = "Command-line client of the redbank gRPC service")]
pub(crate) struct Cli {
    /// Server address: http://HOST:PORT or HOST:PORT.
    #[arg(long, global = true, env = "REDBANK_ENDPOINT", default_value = "http://127.0.0.1:50051")]
    endpoint: String,
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Deadline of each call, in milliseconds.
    #[arg(long, global = true, env = "REDBANK_TIMEOUT_MS", default_value_t = 5000)]
    timeout_ms: u64,
    /// For an https:// endpoint: the CA that signed the server's certificate (PEM).
    #[arg(long, global = true, env = "REDBANK_CA_CERT")]
    ca_cert: Option<std::path::PathBuf>,
    /// For mutual TLS: this client's certificate (PEM), with --client-key.
    #[arg(long, global = true, env = "REDBANK_CLIENT_CERT", requires_all = ["client_key", "ca_cert"])]
    client_cert: Option<std::path::PathBuf>,
    /// The private key of --client-cert (PEM).
    #[arg(long, global = true, env = "REDBANK_CLIENT_KEY", requires = "client_cert")]
    client_key: Option<std::path::PathBuf>,
    /// The credential sent with every call: an API key (rbk_...) or a JWT.
    #[arg(long, global = true, env = "REDBANK_TOKEN", hide_env_values = true)]
    token: Option<String>,
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
        /// The new account's id: 1 to 64 characters of A-Z a-z 0-9 . _ -
        account: String,
        /// Savings or checking.
        #[arg(long = "type", value_enum)]
        account_type: TypeArg,
        /// ISO 4217 code; the server's default (USD) when omitted.
        #[arg(long)]
        currency: Option<String>,
        /// Makes a retry safe: the same id is applied once (a fresh UUID when omitted).
        #[arg(long)]
        request_id: Option<String>,
        /// The owner (staff only; a customer's accounts are its own).
        #[arg(long)]
        customer: Option<String>,
    },
    /// Show an account and its balance.
    #[command(alias = "balance")]
    Get {
        /// The account's id.
        account: String,
    },
    /// List accounts, in no particular order.
    Accounts {
        /// Stop after this many.
        #[arg(long, default_value_t = 100, conflicts_with = "all")]
        limit: usize,
        /// List every account.
        #[arg(long)]
        all: bool,
        /// Continue where an earlier listing stopped (its next page token).
        #[arg(long, default_value_t = String::new(), hide_default_value = true)]
        page_token: String,
        /// Only this customer's accounts (staff).
        #[arg(long, default_value_t = String::new(), hide_default_value = true)]
        customer: String,
    },
    /// Credit an account.
    Deposit(Movement),
    /// Debit an account.
    Withdraw(Movement),
    /// Move money from one account to another.
    Transfer {
        /// The account debited.
        from: String,
        /// The account credited.
        to: String,
        /// Decimal amount in major units, such as 12.50.
        amount: String,
        /// Currency of the amount; the source account's when omitted.
        #[arg(long)]
        currency: Option<String>,
        /// Text for both history entries (at most 256 characters).
        #[arg(long, default_value_t = String::new(), hide_default_value = true)]
        memo: String,
        /// Makes a retry safe: the same id is applied once (a fresh UUID when omitted).
        #[arg(long)]
        request_id: Option<String>,
    },
    /// The web console's users, straight in Redis: create, disable, enable, reset.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Holds: reserve funds, capture them to another account, void them.
    #[command(subcommand)]
    Hold(holds::HoldCommand),
    /// API keys: create (also straight into Redis, to bootstrap the first admin),
    /// list and revoke.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Interest: apply to one account, or post a period to every savings account.
    #[command(subcommand)]
    Interest(interest_post::InterestCommand),
    /// Changes as they happen: follow an account, or every account.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Webhooks: an HTTP endpoint that receives every event, signed (admins).
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// Show an account's history, newest first.
    History {
        /// The account's id.
        account: String,
        /// Stop after this many entries.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Only these kinds, in any case (deposit, withdrawal, interest, transfer_in,
        /// transfer_out, frozen, unfrozen, closed, hold, capture, release); repeatable.
        #[arg(long = "kind")]
        kinds: Vec<String>,
        /// Only entries from this day on, YYYY-MM-DD (UTC).
        #[arg(long)]
        from: Option<String>,
        /// Only entries up to this day, included, YYYY-MM-DD (UTC).
        #[arg(long)]
        to: Option<String>,
        /// Continue where an earlier listing stopped (its next page token).
        #[arg(long, default_value_t = String::new(), hide_default_value = true)]
        page_token: String,
    },
    /// Print an account statement for a period, or write it as CSV.
    Statement {
        /// The account's id.
        account: String,
        /// First day, YYYY-MM-DD (UTC).
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD (UTC), included.
        #[arg(long)]
        to: String,
        /// Write CSV to this file instead of printing a table (`-`: to standard output).
        #[arg(long)]
        csv: Option<std::path::PathBuf>,
        /// Overwrite the CSV file if it exists.
        #[arg(long, requires = "csv")]
        force: bool,
    },
    /// Stop all debits and credits on an account.
    Freeze(StateArgs),
    /// Let a frozen account move money again.
    Unfreeze(StateArgs),
    /// Close an account for good (only at a zero balance).
    Close(StateArgs),
    /// Check every invariant over the whole store, reading Redis directly.
    Check {
        /// Required: the checker reads Redis, not the server.
        #[command(flatten)]
        redis: client::RedisTarget,
        /// The servers' --idempotency-ttl-secs: a request id applied again after
        /// this long is a new change, not a duplicate.
        #[arg(long, env = "REDBANK_IDEMPOTENCY_TTL_SECS", default_value_t = 86_400)]
        idempotency_ttl_secs: u64,
    },
    /// Move history older than a cutoff out of Redis into a JSON Lines file (retention),
    /// reading Redis directly.
    Archive(archive::ArchiveArgs),
    /// Load-test a server (v1 or classic) and check that the money adds up.
    Bench(bench::BenchArgs),
    /// Print a shell's completion script: `source <(redbank completions bash)`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (roff) of redbank and each of its commands into a directory.
    Man {
        /// The directory, made if missing (for example ~/.local/share/man/man1).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Run the classic demo: create, deposit 1000, balance, withdraw 200, 5% interest, balance.
    Demo {
        /// Account id to use; a fresh one by default.
        #[arg(long)]
        account: Option<String>,
        /// Someone else's account: the demo ends by asking for it, as a customer
        /// who may not see it.
        #[arg(long)]
        other: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
struct Movement {
    /// The account's id.
    account: String,
    /// Decimal amount in major units, such as 12.50.
    amount: String,
    /// Currency of the amount; the account's own when omitted.
    #[arg(long)]
    currency: Option<String>,
    /// Text for the history entry (at most 256 characters).
    #[arg(long, default_value_t = String::new(), hide_default_value = true)]
    memo: String,
    /// Makes a retry safe: the same id is applied once (a fresh UUID when omitted).
    #[arg(long)]
    request_id: Option<String>,
}

#[derive(Debug, clap::Args)]
struct StateArgs {
    /// The account's id.
    account: String,
    /// Why, for the audit trail.
    #[arg(long)]
    reason: String,
    /// Makes a retry safe: the same id is applied once (a fresh UUID when omitted).
    #[arg(long)]
    request_id: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.json, &cli.endpoint);
    match run(&cli, &printer).await {
        Ok(()) => {
            printer.finish();
            ExitCode::SUCCESS
        }
        Err(failure) => {
            printer.failure(&failure);
            ExitCode::FAILURE
        }
    }
}

/// Freeze, unfreeze and close: the same arguments, each its own request message,
/// and the account as the answer.
macro_rules! state_change {
    ($client:expr, $out:expr, $args:expr, $request:ident, $method:ident, $done:literal) => {{
        let req = v1::$request {
            account_id: $args.account.clone(),
            reason: $args.reason.clone(),
            request_id: request_id(&$args.request_id),
        };
        $out.account($done, &call!($client, $method, req)?);
    }};
}

async fn run(cli: &Cli, out: &Printer) -> Result<(), Failure> {
    if let Some(ca) = &cli.ca_cert {
        client::use_tls(ca, cli.client_cert.as_deref().zip(cli.client_key.as_deref()))?;
    }
    if let Some(token) = &cli.token {
        client::use_token(token)?;
    }
    // The CLI's own documentation needs no server.
    match &cli.command {
        Command::Completions { shell } => {
            manual::completions(*shell);
            return Ok(());
        }
        Command::Man { out: dir } => {
            let pages = manual::man_pages(dir)?;
            out.wrote(&format!("{} manual pages", pages.len()), dir, &pages);
            return Ok(());
        }
        _ => {}
    }
    let client = client::connect(&cli.endpoint, Duration::from_millis(cli.timeout_ms))?;
    match &cli.command {
        Command::Create { account, account_type, currency, request_id: rid, customer } => {
            let req = v1::CreateAccountRequest {
                account_id: account.clone(),
                r#type: match account_type {
                    TypeArg::Savings => v1::AccountType::Savings,
                    TypeArg::Checking => v1::AccountType::Checking,
                }
                .into(),
                currency_code: currency.clone().unwrap_or_default().to_uppercase(),
                request_id: request_id(rid),
                customer_id: customer.clone().unwrap_or_default(),
            };
            out.account("Created", &call!(client, create_account, req)?);
        }
        Command::Get { account } => {
            let req = v1::GetAccountRequest { account_id: account.clone() };
            out.account("Account", &call!(client, get_account, req)?);
        }
        Command::Accounts { limit, all, page_token, customer } => {
            let limit = if *all { usize::MAX } else { *limit };
            accounts::list(&client, limit, page_token, customer, out).await?
        }
        Command::Deposit(m) => {
            let req = v1::DepositRequest {
                account_id: m.account.clone(),
                amount: Some(money(&client, &m.account, &m.amount, &m.currency).await?),
                request_id: request_id(&m.request_id),
                memo: m.memo.clone(),
            };
            let r = call!(client, deposit, req)?;
            out.posted("Deposited", r.transaction.as_ref(), r.account.as_ref());
        }
        Command::Withdraw(m) => {
            let req = v1::WithdrawRequest {
                account_id: m.account.clone(),
                amount: Some(money(&client, &m.account, &m.amount, &m.currency).await?),
                request_id: request_id(&m.request_id),
                memo: m.memo.clone(),
            };
            let r = call!(client, withdraw, req)?;
            out.posted("Withdrew", r.transaction.as_ref(), r.account.as_ref());
        }
        Command::Transfer { from, to, amount, currency, memo, request_id: rid } => {
            let req = v1::TransferRequest {
                from_account_id: from.clone(),
                to_account_id: to.clone(),
                amount: Some(money(&client, from, amount, currency).await?),
                request_id: request_id(rid),
                memo: memo.clone(),
            };
            out.transferred(&call!(client, transfer, req)?);
        }
        Command::Interest(interest_post::InterestCommand::Apply {
            account,
            rate,
            days,
            memo,
            request_id: rid,
        }) => {
            let req = v1::ApplyInterestRequest {
                account_id: account.clone(),
                annual_rate_percent: rate.clone(),
                days: *days,
                request_id: request_id(rid),
                memo: memo.clone(),
                period: String::new(),
            };
            let r = call!(client, apply_interest, req)?;
            out.posted("Interest", r.transaction.as_ref(), r.account.as_ref());
        }
        Command::Hold(command) => holds::run(&client, command, out).await?,
        Command::Users(command) => users::run(command, out).await?,
        Command::Interest(interest_post::InterestCommand::Post(args)) => {
            interest_post::run(&client, args, out).await?
        }
        Command::History { account, limit, kinds, from, to, page_token } => {
            let kinds = output::parse_kinds(kinds)?;
            let start_time = from.as_deref().map(|d| statement::day(d, 0)).transpose()?;
            let end_time = to.as_deref().map(|d| statement::day(d, 1)).transpose()?;
            let mut token = page_token.clone();
            let mut rows = Vec::new();
            while rows.len() < *limit {
                let req = v1::ListTransactionsRequest {
                    account_id: account.clone(),
                    page_size: (*limit - rows.len()).min(HISTORY_PAGE) as i32,
                    page_token: token.clone(),
                    start_time,
                    end_time,
                    kinds: kinds.clone(),
                };
                let page = call!(client, list_transactions, req)?;
                rows.extend(page.transactions);
                token = page.next_page_token;
                if token.is_empty() {
                    break;
                }
            }
            out.history(&rows, &token);
        }
        Command::Statement { account, from, to, csv, force } => {
            statement::run(&client, account, from, to, csv.as_deref(), *force, out).await?
        }
        Command::Freeze(a) => state_change!(client, out, a, FreezeAccountRequest, freeze_account, "Frozen"),
        Command::Unfreeze(a) => {
            state_change!(client, out, a, UnfreezeAccountRequest, unfreeze_account, "Unfrozen")
        }
        Command::Close(a) => state_change!(client, out, a, CloseAccountRequest, close_account, "Closed"),
        Command::Demo { account, other } => demo::run(&client, account, other.as_deref(), out).await?,
        Command::Check { redis, idempotency_ttl_secs } => {
            check::run(redis, Duration::from_secs(*idempotency_ttl_secs), out).await?
        }
        Command::Archive(args) => archive::run(args, out).await?,
        Command::Keys(command) => {
            keys::run(&cli.endpoint, Duration::from_millis(cli.timeout_ms), command, out).await?
        }
        Command::Events(command) => {
            events::run(&cli.endpoint, Duration::from_millis(cli.timeout_ms), command, out).await?
        }
        Command::Webhooks(command) => {
            webhooks::run(&cli.endpoint, Duration::from_millis(cli.timeout_ms), command, out).await?
        }
        Command::Bench(args) => {
            bench::run(&cli.endpoint, Duration::from_millis(cli.timeout_ms), args, cli.json).await?
        }
        // Answered above, before any connection.
        Command::Completions { .. } | Command::Man { .. } => {}
    }
    Ok(())
}
