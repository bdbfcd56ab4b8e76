//! `redbank bench`: a load generator for redbank.v1.Bank and for any server that
//! speaks the classic BankService contract.
//!
//! It creates its own accounts (a fresh prefix per run), drives a mix of operations
//! with C calls in flight over N connections for a duration or an operation count,
//! picks accounts with a Zipfian skew from a fixed seed, and reports throughput,
//! latency percentiles from a histogram, and errors by status code. Then it checks
//! the money: every account's balance must equal its seed plus the acknowledged
//! changes. With `--redis-url` it also reads Redis's own counters (INFO commandstats
//! and INFO cpu) to give Redis calls and Redis CPU per operation.

mod conn;
mod report;
mod workload;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use tonic::Status;

use crate::client::Failure;
use conn::{Conn, Outcome, account_name, redis_counters};
use report::{Check, RedisFigures, Report};
use workload::{Mix, Op, Rng, Zipf};

/// Highest latency the histogram records, in microseconds (60 s).
const LATENCY_MAX_MICROS: u64 = 60_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Api {
    /// redbank.v1.Bank, with request ids.
    V1,
    /// The classic BankService contract (doubles, no request ids).
    Classic,
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Servers to spread the connections over; --endpoint when omitted.
    #[arg(long = "endpoints", value_delimiter = ',')]
    endpoints: Vec<String>,
    /// Which contract to speak.
    #[arg(long, value_enum, default_value_t = Api::V1)]
    api: Api,
    /// Calls in flight.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    concurrency: u32,
    /// Connections (HTTP/2) to open, spread over the endpoints.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    connections: u32,
    /// How long to run, in seconds (ignored with --ops).
    #[arg(long, default_value_t = 10)]
    duration_secs: u64,
    /// Stop after this many operations instead of after a duration.
    #[arg(long)]
    ops: Option<u64>,
    /// Operations in percent, such as deposit=50,withdraw=30,transfer=10,balance=10; health=N
    /// sends the server's health check, a call that reads nothing from Redis.
    #[arg(long, default_value = "deposit=100")]
    mix: String,
    /// Accounts to create and use.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    accounts: u64,
    /// Zipf exponent of the account choice: 0 is uniform, about 1 is a few hot accounts.
    #[arg(long, default_value_t = 0.99)]
    zipf: f64,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Opening balance of each account, in cents.
    #[arg(long, default_value_t = 100_000)]
    seed_cents: i64,
    /// Read Redis's counters before and after the run (INFO commandstats, INFO cpu).
    #[arg(long)]
    redis_url: Option<String>,
    /// On a Redis Cluster: every primary, comma-separated; their counters are summed.
    #[arg(long, value_delimiter = ',', conflicts_with = "redis_url")]
    redis_cluster_nodes: Vec<String>,
    /// Skip the final balance check (for runs over millions of accounts).
    #[arg(long)]
    no_check: bool,
    /// Run even though the store holds accounts that are not a bench run's: the run
    /// then leaves its funded `bench-…` accounts beside them (it cannot delete).
    #[arg(long)]
    shared_store: bool,
}

/// The shared state of a run.
pub(super) struct Shared {
    prefix: String,
    run: String,
    mix: Mix,
    zipf: Zipf,
    /// Acknowledged balance change per account, in cents.
    deltas: Vec<AtomicI64>,
    /// Operations still to start, when counting operations.
    remaining: Option<AtomicU64>,
    stop: AtomicBool,
    done: AtomicU64,
    /// Operations that failed (not refusals): for a classic write, outcome unknown.
    failed: AtomicU64,
}

fn new_histogram() -> Result<Histogram<u64>, Failure> {
    Histogram::<u64>::new_with_bounds(1, LATENCY_MAX_MICROS, 3)
        .map_err(|e| Failure::Local(format!("histogram: {e}")))
}

fn bar(len: u64, hidden: bool, what: &str) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    // The rate is the operations' (in the message), not the bar's position, which
    // counts seconds when the run is timed.
    let template = format!("{what} {{bar:30}} {{pos}}/{{len}} {{msg}} {{elapsed}}");
    bar.set_style(ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar
}

pub async fn run(
    default_endpoint: &str,
    timeout: Duration,
    args: &BenchArgs,
    json_out: bool,
) -> Result<(), Failure> {
    let mix = Mix::parse(&args.mix).map_err(Failure::Local)?;
    if args.api == Api::Classic && mix.has(Op::Transfer) {
        return Err(Failure::Local("the classic contract has no transfer".into()));
    }
    if !(0.0..=5.0).contains(&args.zipf) {
        return Err(Failure::Local("--zipf must lie in 0..=5".into()));
    }
    let endpoints =
        if args.endpoints.is_empty() { vec![default_endpoint.to_owned()] } else { args.endpoints.clone() };
    let mut conns = Vec::new();
    for i in 0..args.connections as usize {
        conns.push(Conn::open(&endpoints[i % endpoints.len()], args.api, timeout).await?);
    }
    // A bench run leaves its funded accounts behind (accounts are never deleted):
    // on a store with real accounts it would mix them in, so it asks first.
    if !args.shared_store
        && let Some(other) = conns[0].foreign_account().await?
    {
        return Err(Failure::Local(format!(
            "the store holds accounts that are not a bench run's ({other}, ...): bench leaves its \
             funded bench-... accounts behind; point it at a store of its own, or give --shared-store"
        )));
    }
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let accounts = args.accounts as usize;
    let shared = Arc::new(Shared {
        prefix: format!("bench-{run}"),
        run: run.clone(),
        mix,
        zipf: Zipf::new(accounts, args.zipf),
        deltas: (0..accounts).map(|_| AtomicI64::new(0)).collect(),
        remaining: args.ops.map(AtomicU64::new),
        stop: AtomicBool::new(false),
        done: AtomicU64::new(0),
        failed: AtomicU64::new(0),
    });

    create_accounts(&conns, &shared, args, json_out).await?;
    let nodes: Vec<String> = args.redis_url.iter().chain(&args.redis_cluster_nodes).cloned().collect();
    let before = redis_counters(&nodes).await?;
    let (elapsed, latency, results) = drive(&conns, &shared, args, json_out).await?;
    let after = redis_counters(&nodes).await?;
    let check = if args.no_check { None } else { Some(check_money(&conns, &shared, args.seed_cents).await?) };
    let ops = results.values().sum();
    Report {
        args,
        endpoints: &endpoints,
        mix: shared.mix.describe(),
        elapsed,
        latency: &latency,
        results: &results,
        failed: shared.failed.load(Ordering::Relaxed),
        redis: before.zip(after).map(|(b, a)| RedisFigures::between(b, a, ops)),
        check,
    }
    .finish(json_out)
}

/// Creates the run's accounts with their opening balances.
async fn create_accounts(
    conns: &[Conn],
    shared: &Arc<Shared>,
    args: &BenchArgs,
    json_out: bool,
) -> Result<(), Failure> {
    let setup = bar(args.accounts, json_out, "creating accounts");
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..args.concurrency.min(256) as usize {
        let (mut conn, next, shared, setup, seed) =
            (conns[t % conns.len()].clone(), next.clone(), shared.clone(), setup.clone(), args.seed_cents);
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= shared.deltas.len() {
                    return Ok::<(), Status>(());
                }
                conn.create(&account_name(&shared.prefix, i), seed).await?;
                setup.inc(1);
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.map_err(|e| Failure::Local(format!("setup task failed: {e}")))??;
    }
    setup.finish_and_clear();

    Ok(())
}

/// Runs the workload; its wall time, latency histogram and results by kind.
async fn drive(
    conns: &[Conn],
    shared: &Arc<Shared>,
    args: &BenchArgs,
    json_out: bool,
) -> Result<(Duration, Histogram<u64>, BTreeMap<String, u64>), Failure> {
    let progress = match args.ops {
        Some(n) => bar(n, json_out, "running"),
        None => bar(args.duration_secs, json_out, "running (s)"),
    };
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..args.concurrency as usize {
        let (mut conn, shared) = (conns[t % conns.len()].clone(), shared.clone());
        let mut rng = Rng::new(args.seed.wrapping_add(t as u64).wrapping_mul(0x9e37_79b9));
        tasks.spawn(async move {
            let mut latency = new_histogram()?;
            let mut by_result: BTreeMap<String, u64> = BTreeMap::new();
            let mut n = 0u64;
            while !shared.stop.load(Ordering::Relaxed) {
                if let Some(rem) = &shared.remaining
                    && rem.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| r.checked_sub(1)).is_err()
                {
                    break;
                }
                let op = shared.mix.pick(&mut rng);
                let a = shared.zipf.sample(&mut rng);
                let mut b = shared.zipf.sample(&mut rng);
                if b == a {
                    b = (a + 1) % shared.deltas.len();
                }
                let cents = rng.below(1000) as i64 + 1;
                let rid = format!("b{}-{t}-{n}", shared.run);
                n += 1;
                let t0 = Instant::now();
                let outcome = conn.run(op, a, b, cents, &shared, rid).await;
                let micros = (t0.elapsed().as_micros() as u64).clamp(1, LATENCY_MAX_MICROS);
                let key: Cow<'static, str> = match outcome {
                    Outcome::Applied(changes) => {
                        for (acct, delta) in changes {
                            shared.deltas[acct].fetch_add(delta, Ordering::Relaxed);
                        }
                        let _ = latency.record(micros);
                        Cow::Borrowed("OK")
                    }
                    Outcome::Refused(reason) => {
                        let _ = latency.record(micros);
                        Cow::Owned(reason)
                    }
                    Outcome::Failed(code) => {
                        shared.failed.fetch_add(1, Ordering::Relaxed);
                        Cow::Owned(format!("{code:?}"))
                    }
                };
                // A result seen before costs no allocation.
                match by_result.get_mut(key.as_ref()) {
                    Some(count) => *count += 1,
                    None => {
                        by_result.insert(key.into_owned(), 1);
                    }
                }
                shared.done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, Failure>((latency, by_result))
        });
    }
    // Drive the progress bar and the clock; merge each task's results as it ends.
    let mut latency = new_histogram()?;
    let mut results: BTreeMap<String, u64> = BTreeMap::new();
    let deadline = started + Duration::from_secs(args.duration_secs);
    while !tasks.is_empty() {
        tokio::select! {
            joined = tasks.join_next() => {
                if let Some(r) = joined {
                    let (h, r) = r.map_err(|e| Failure::Local(format!("a task failed: {e}")))??;
                    latency.add(&h).map_err(|e| Failure::Local(format!("histogram: {e}")))?;
                    for (k, v) in r {
                        *results.entry(k).or_default() += v;
                    }
                }
            }
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                let done = shared.done.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64().max(0.001);
                progress.set_message(format!("{:.0} ops/s", done as f64 / secs));
                match args.ops {
                    Some(_) => progress.set_position(shared.done.load(Ordering::Relaxed)),
                    None => {
                        progress.set_position(started.elapsed().as_secs().min(args.duration_secs));
                        if Instant::now() >= deadline {
                            shared.stop.store(true, Ordering::Relaxed);
                        }
                    }
                }
            }
        }
    }
    let elapsed = started.elapsed();
    progress.finish_and_clear();
    Ok((elapsed, latency, results))
}

/// The money check: each account's balance must be its seed plus the acknowledged
/// changes. Reads go over the run's own connections, many at a time.
async fn check_money(conns: &[Conn], shared: &Arc<Shared>, seed_cents: i64) -> Result<Check, Failure> {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..(conns.len() * 16) {
        let (mut conn, next, shared) = (conns[t % conns.len()].clone(), next.clone(), shared.clone());
        tasks.spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= shared.deltas.len() {
                    return Ok::<_, Status>(out);
                }
                let id = account_name(&shared.prefix, i);
                let got = conn.balance_cents(&id).await?;
                out.push((id, seed_cents + shared.deltas[i].load(Ordering::Relaxed), got));
            }
        });
    }
    let mut check = Check { accounts: 0, mismatched: Vec::new(), total_cents: 0 };
    while let Some(r) = tasks.join_next().await {
        let rows = r.map_err(|e| Failure::Local(format!("check task failed: {e}")))??;
        for (id, expected, got) in rows {
            check.accounts += 1;
            check.total_cents += got;
            if expected != got {
                check.mismatched.push((id, expected, got));
            }
        }
    }
    check.mismatched.sort();
    Ok(check)
}
