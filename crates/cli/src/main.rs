//! redbank: the command-line client of redbank.v1.Bank.
//!
//! Amounts are typed as decimals ("12.50") and sent as exact Money. Every mutating
//! command sends a request id (a fresh UUID unless one is given), and a call that
//! fails with UNAVAILABLE is retried with the same id, so a retry can never apply
//! twice.

mod archive;
mod bench;
mod client;
mod demo;
mod interest_post;
mod output;
mod statement;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use redbank_api::v1;

use client::{Failure, call, money, request_id};
use output::Printer;

/// The load generator allocates per call like the server does; glibc's malloc costs
/// it CPU that the server and Redis on the same machine need (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// List accounts.
    Accounts {
        /// Stop after this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Credit an account.
    Deposit(Movement),
    /// Debit an account.
    Withdraw(Movement),
    /// Move money from one account to another.
    Transfer {
        from: String,
        to: String,
        /// Decimal amount in major units, such as 12.50.
        amount: String,
        /// Currency of the amount; the source account's when omitted.
        #[arg(long)]
        currency: Option<String>,
        #[arg(long, default_value = "")]
        memo: String,
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Interest: apply to one account, or post a period to every savings account.
    #[command(subcommand)]
    Interest(InterestCommand),
    /// Show an account's history, newest first.
    History {
        account: String,
        /// Stop after this many entries.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Only these kinds (deposit, withdrawal, interest, transfer_in, transfer_out, ...).
        #[arg(long = "kind")]
        kinds: Vec<String>,
    },
    /// Print an account statement for a period, or write it as CSV.
    Statement {
        account: String,
        /// First day, YYYY-MM-DD (UTC).
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD (UTC), included.
        #[arg(long)]
        to: String,
        /// Write CSV to this file instead of printing a table.
        #[arg(long)]
        csv: Option<std::path::PathBuf>,
    },
    /// Stop all debits and credits on an account.
    Freeze(StateArgs),
    /// Let a frozen account move money again.
    Unfreeze(StateArgs),
    /// Close an account for good (only at a zero balance).
    Close(StateArgs),
    /// Check every invariant over the whole store, reading Redis directly.
    Check {
        /// The Redis that holds the accounts.
        #[arg(long, env = "REDBANK_REDIS_URL", default_value = "redis://127.0.0.1:6379")]
        redis_url: String,
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
    /// Run the classic demo: create, deposit 1000, balance, withdraw 200, 5% interest, balance.
    Demo {
        /// Account id to use; a fresh one by default.
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
struct Movement {
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
}

#[derive(Debug, clap::Args)]
struct StateArgs {
    account: String,
    /// Why, for the audit trail.
    #[arg(long)]
    reason: String,
    #[arg(long)]
    request_id: Option<String>,
}

#[derive(Debug, Subcommand)]
enum InterestCommand {
    /// Credit simple interest on one account's current balance.
    Apply {
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
    /// Post a month's interest to every active account of the given types, exactly
    /// once per account and month, however often it runs.
    Post(interest_post::PostArgs),
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

/// `redbank check`: the invariant checker, with a non-zero exit on any violation.
async fn check(redis_url: &str, idempotency_ttl: Duration, out: &Printer) -> Result<(), Failure> {
    let mut config = redbank_store::StoreConfig::new(redis_url);
    config.call_timeout = Duration::from_secs(10);
    config.idempotency_ttl = idempotency_ttl;
    let store = redbank_store::Store::connect(&config).map_err(|e| Failure::Local(e.to_string()))?;
    let report = redbank_store::check::check(&store)
        .await
        .map_err(|e| Failure::Local(format!("check failed: {e}")))?;
    if out.json {
        let totals: serde_json::Map<String, serde_json::Value> = report
            .totals
            .iter()
            .map(|(c, (b, n))| {
                // i128 totals: a JSON number where they fit in 64 bits, text otherwise.
                let number = |v: i128| match i64::try_from(v) {
                    Ok(v) => serde_json::Value::from(v),
                    Err(_) => serde_json::Value::from(v.to_string()),
                };
                (c.clone(), serde_json::json!({"balances": number(*b), "deposits_interest_less_withdrawals": number(*n)}))
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "passed": report.passed(),
                "accounts": report.accounts,
                "entries": report.entries,
                "archived_entries": report.archived_entries,
                "transfers": report.transfers,
                "request_ids": report.request_ids,
                "totals_minor_units": totals,
                "violations": report.violations.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        );
    } else {
        println!(
            "checked {} accounts, {} history entries ({} more archived), {} transfers, {} request ids",
            report.accounts, report.entries, report.archived_entries, report.transfers, report.request_ids
        );
        for (currency, (balances, net)) in &report.totals {
            println!(
                "  {currency}: balances {balances}, deposits + interest - withdrawals {net} (minor units)"
            );
        }
        for v in &report.violations {
            println!("VIOLATION: {v}");
        }
        println!("{}", if report.passed() { "all invariants hold" } else { "INVARIANTS VIOLATED" });
    }
    if report.passed() {
        Ok(())
    } else {
        Err(Failure::Local(format!("{} invariant violations", report.violations.len())))
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
    let client = client::connect(&cli.endpoint, Duration::from_millis(cli.timeout_ms))?;
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
            out.account("Created", &call!(client, create_account, req)?);
        }
        Command::Get { account } => {
            let req = v1::GetAccountRequest { account_id: account.clone() };
            out.account("Account", &call!(client, get_account, req)?);
        }
        Command::Accounts { limit } => {
            let mut token = String::new();
            let mut shown = 0;
            loop {
                let req = v1::ListAccountsRequest { page_size: 100, page_token: token.clone() };
                let page = call!(client, list_accounts, req)?;
                for a in page.accounts.iter().take(limit - shown) {
                    out.account("Account", a);
                    shown += 1;
                }
                token = page.next_page_token;
                if token.is_empty() || shown >= *limit {
                    break;
                }
            }
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
        Command::Interest(InterestCommand::Apply { account, rate, days, memo, request_id: rid }) => {
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
        Command::Interest(InterestCommand::Post(args)) => interest_post::run(&client, args, out).await?,
        Command::History { account, limit, kinds } => {
            let kinds = output::parse_kinds(kinds).map_err(Failure::Local)?;
            let mut token = String::new();
            let mut rows = Vec::new();
            while rows.len() < *limit {
                let req = v1::ListTransactionsRequest {
                    account_id: account.clone(),
                    page_size: (*limit - rows.len()).min(500) as i32,
                    page_token: token.clone(),
                    start_time: None,
                    end_time: None,
                    kinds: kinds.clone(),
                };
                let page = call!(client, list_transactions, req)?;
                rows.extend(page.transactions);
                token = page.next_page_token;
                if token.is_empty() {
                    break;
                }
            }
            out.history(&rows);
        }
        Command::Statement { account, from, to, csv } => {
            statement::run(&client, account, from, to, csv.as_deref(), out).await?
        }
        Command::Freeze(a) => state_change!(client, out, a, FreezeAccountRequest, freeze_account, "Frozen"),
        Command::Unfreeze(a) => {
            state_change!(client, out, a, UnfreezeAccountRequest, unfreeze_account, "Unfrozen")
        }
        Command::Close(a) => state_change!(client, out, a, CloseAccountRequest, close_account, "Closed"),
        Command::Demo { account } => demo::run(&client, account, out).await?,
        Command::Check { redis_url, idempotency_ttl_secs } => {
            check(redis_url, Duration::from_secs(*idempotency_ttl_secs), out).await?
        }
        Command::Archive(args) => archive::run(args, out).await?,
        Command::Bench(args) => {
            bench::run(&cli.endpoint, Duration::from_millis(cli.timeout_ms), args, cli.json).await?
        }
    }
    Ok(())
}
