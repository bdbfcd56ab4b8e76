//! `redbank interest post`: a month's interest for every active account of the given
//! types, exactly once per account and month.
//!
//! Exactly once does not depend on this process: each call carries the period, and
//! the server posts a period at most once per account, forever, answering a repeat
//! with the first posting. So a run killed halfway is finished by running it again,
//! and two runs at once post nothing twice. Each run uses its own request id, which
//! tells the postings it made from those it found already made.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use redbank_api::convert::{account_type_from_proto, money_from_proto, state_from_proto};
use redbank_api::v1;
use redbank_bank::interest_run::{self, RUN_CONCURRENCY, Rates};
use redbank_domain::{AnnualRate, InterestPeriod, Money, PeriodPolicy};
use serde_json::json;
use tokio::sync::Semaphore;
use tonic_types::StatusExt;

use crate::TypeArg;
use crate::client::{Client, Failure, call};
use crate::output::{Printer, say};

#[derive(Debug, clap::Args)]
pub struct PostArgs {
    /// The month, such as 2026-11.
    #[arg(long)]
    period: String,
    /// Annual rate in percent per account type, such as savings=4.25; repeatable.
    #[arg(long = "rate", required = true, value_parser = parse_rate)]
    rates: Vec<(TypeArg, AnnualRate)>,
    /// Calls in flight at once.
    #[arg(long, default_value_t = RUN_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// Start at most this many postings per second (0: no limit), to spare a busy server.
    #[arg(long, default_value_t = 0)]
    max_per_second: u32,
    /// Post the month still under way (the server must allow it too:
    /// --allow-open-interest-period).
    #[arg(long)]
    allow_open_period: bool,
}

fn parse_rate(text: &str) -> Result<(TypeArg, AnnualRate), String> {
    let (kind, rate) = text.split_once('=').ok_or("expected TYPE=RATE, such as savings=4.25")?;
    let kind = match kind {
        "savings" => TypeArg::Savings,
        "checking" => TypeArg::Checking,
        other => return Err(format!("unknown account type {other:?}")),
    };
    // The rate as a number, written the one canonical way: "4.250" and "4.25" are
    // the same rate, so a rerun with either posts nothing twice (the memo, which
    // the server compares on a rerun, carries its text).
    let ceiling =
        redbank_domain::RateCeiling::parse(&redbank_domain::limits::RATE_CEILING_MAX_PERCENT.to_string())
            .map_err(|e| e.to_string())?;
    let rate = AnnualRate::parse(rate, ceiling).map_err(|e| format!("rate {rate:?}: {e}"))?;
    Ok((kind, rate))
}

/// The outcome of one account.
enum Outcome {
    /// Posted by this run.
    Posted(Money),
    /// Found posted by an earlier or concurrent run.
    AlreadyPosted(Money),
    /// The month's interest came to nothing (no entry is written; the period is
    /// recorded all the same, so a rerun finds the same).
    Nothing,
    Failed(String),
}

pub async fn run(client: &Client, args: &PostArgs, out: &Printer) -> Result<(), Failure> {
    let period = InterestPeriod::parse(&args.period)?;
    // A month that is not over is refused here already, for the same reason the
    // server gives (its own policy decides in the end).
    if !args.allow_open_period {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let policy = PeriodPolicy { allow_current: false, max_age_months: u32::MAX };
        period.check_postable(now, policy)?;
    }
    // The last rate given for a type is its rate.
    let mut rates = Rates::default();
    for (kind, rate) in &args.rates {
        match kind {
            TypeArg::Savings => rates.savings = Some(*rate),
            TypeArg::Checking => rates.checking = Some(*rate),
        }
    }

    // Every active account with a rate for its type; SCAN may repeat an account.
    let mut seen = HashSet::new();
    let mut todo = Vec::new();
    let mut token = String::new();
    loop {
        let page = call!(
            client,
            list_accounts,
            v1::ListAccountsRequest { page_size: 500, page_token: token.clone(), customer_id: String::new() }
        )?;
        for a in page.accounts {
            // A type or state this client does not know has no rate.
            let kind = account_type_from_proto(a.r#type).ok();
            let rate = kind.zip(state_from_proto(a.state)).and_then(|(k, s)| rates.rate_for(k, s));
            if let Some(rate) = rate
                && seen.insert(a.account_id.clone())
            {
                todo.push((a.account_id, rate));
            }
        }
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    todo.sort();

    let request_id = format!("interest-{period}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let bar = if out.json { ProgressBar::hidden() } else { ProgressBar::new(todo.len() as u64) };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} accounts, {elapsed} elapsed, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let limit = Arc::new(Semaphore::new(usize::from(args.concurrency)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut pace = (args.max_per_second > 0)
        .then(|| tokio::time::interval(std::time::Duration::from_secs(1) / args.max_per_second));
    for (account, rate) in todo {
        if let Some(pace) = pace.as_mut() {
            pace.tick().await;
        }
        let (client, limit, bar, request_id) =
            (client.clone(), limit.clone(), bar.clone(), request_id.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let req = v1::ApplyInterestRequest {
                account_id: account.clone(),
                annual_rate_percent: rate.to_string(),
                days: 0,
                request_id: request_id.clone(),
                memo: interest_run::memo(period, rate).as_str().to_owned(),
                period: period.to_string(),
            };
            let outcome = match call!(client, apply_interest, req) {
                // Interest of zero: no entry, the account unchanged.
                Ok(r) if r.transaction.is_none() => Outcome::Nothing,
                Ok(r) => match r.transaction.as_ref().and_then(|t| t.amount.as_ref()).map(money_from_proto) {
                    Some(Ok(amount))
                        if r.transaction.as_ref().is_some_and(|t| t.request_id == request_id) =>
                    {
                        Outcome::Posted(amount)
                    }
                    Some(Ok(amount)) => Outcome::AlreadyPosted(amount),
                    _ => Outcome::Failed("the server answered without an amount".into()),
                },
                Err(status) => {
                    let reason = status.get_details_error_info().map(|i| i.reason).unwrap_or_default();
                    Outcome::Failed(format!("{} ({reason})", status.message()))
                }
            };
            bar.inc(1);
            (account, outcome)
        });
    }

    let (mut posted, mut already, mut nothing) = (0usize, 0usize, 0usize);
    // Per currency: every posting of the period, and those this run made.
    let mut totals: BTreeMap<&'static str, Money> = BTreeMap::new();
    let mut paid_now: BTreeMap<&'static str, Money> = BTreeMap::new();
    let add = |sums: &mut BTreeMap<&'static str, Money>, m: Money| {
        let sum = sums.entry(m.currency().code()).or_insert_with(|| Money::zero(m.currency()));
        *sum = Money::from_minor(m.currency(), sum.minor() + m.minor());
    };
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (account, outcome) = joined.map_err(|e| Failure::Local(format!("a task failed: {e}")))?;
        match outcome {
            Outcome::Posted(m) => {
                posted += 1;
                add(&mut totals, m);
                add(&mut paid_now, m);
            }
            Outcome::AlreadyPosted(m) => {
                already += 1;
                add(&mut totals, m);
            }
            Outcome::Nothing => nothing += 1,
            Outcome::Failed(why) => failures.push((account, why)),
        }
    }
    bar.finish_and_clear();
    failures.sort();

    let text = |sums: &BTreeMap<&'static str, Money>| {
        let all: Vec<String> = sums.values().map(ToString::to_string).collect();
        if all.is_empty() { "nothing".to_owned() } else { all.join(" + ") }
    };
    let money_list = |sums: &BTreeMap<&'static str, Money>| {
        sums.values()
            .map(|m| json!({"amount": m.decimal(), "currency": m.currency().code()}))
            .collect::<Vec<_>>()
    };
    if out.json {
        out.document(json!({
            "period": period.to_string(),
            "accounts": posted + already + nothing,
            "posted_by_this_run": posted,
            "already_posted": already,
            "nothing_to_post": nothing,
            "totals": money_list(&totals),
            "paid_by_this_run": money_list(&paid_now),
            "failed": failures.iter().map(|(a, why)| json!({"account_id": a, "error": why})).collect::<Vec<_>>(),
        }));
    } else {
        say!(
            "Interest for {period}: {} accounts: {posted} posted by this run, {already} already posted, \
             {nothing} with nothing to post.",
            posted + already + nothing
        );
        say!("Paid by this run: {}; for {period} in all: {}.", text(&paid_now), text(&totals));
        for (account, why) in &failures {
            eprintln!("failed: {account}: {why}");
        }
    }
    // A period posted at another rate stays so: saying "run again" would promise
    // what cannot happen.
    let other_rate = failures.iter().filter(|(_, why)| why.ends_with("(INTEREST_ALREADY_POSTED)")).count();
    match (failures.len(), other_rate) {
        (0, _) => Ok(()),
        (n, m) if n == m => Err(Failure::Reported(format!(
            "{n} accounts already have {period} posted with other parameters (another rate?); \
             running again will not change that"
        ))),
        (n, 0) => Err(Failure::Reported(format!("{n} accounts failed; run again to finish them"))),
        (n, m) => Err(Failure::Reported(format!(
            "{n} accounts failed: {m} already have {period} posted at another rate (running again will not \
             change them); run again to finish the other {}",
            n - m
        ))),
    }
}

/// `redbank interest ...`: one account's adjustment, or a month's posting to all.
#[derive(Debug, clap::Subcommand)]
pub enum InterestCommand {
    /// Credit simple interest on one account's current balance.
    Apply {
        /// The account's id.
        account: String,
        /// Annual rate in percent, such as 4.25.
        #[arg(long)]
        rate: String,
        /// Days of interest; 0 means a full year.
        #[arg(long, default_value_t = 0)]
        days: i32,
        /// Text for the history entry (at most 256 characters).
        #[arg(long, default_value_t = String::new(), hide_default_value = true)]
        memo: String,
        /// Makes a retry safe: the same id is applied once (a fresh UUID when omitted).
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Post a month's interest to every active account of the given types, exactly
    /// once per account and month, however often it runs.
    Post(PostArgs),
}
