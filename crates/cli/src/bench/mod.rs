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

mod workload;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use redbank_api::classic::{self, bank_service_client::BankServiceClient};
use redbank_api::convert::money_from_proto;
use redbank_api::v1::{self, bank_client::BankClient};
use serde_json::{Value, json};
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::client::{Failure, Retry, call};
use crate::output::say;
use workload::{Mix, Op, Rng, Zipf};

/// Attempts of one v1 operation whose outcome is unknown (UNAVAILABLE, deadline),
/// resent with the same request id.
const RESOLVE_ATTEMPTS_MAX: u32 = 5;
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
    /// Operations in percent, such as deposit=50,withdraw=30,transfer=10,balance=10.
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
    /// Skip the final balance check (for runs over millions of accounts).
    #[arg(long)]
    no_check: bool,
}

/// One connection, of either contract.
#[derive(Clone)]
enum Conn {
    V1(BankClient<Channel>),
    Classic(BankServiceClient<Channel>),
}

/// What became of one operation.
enum Outcome {
    /// Applied: these balance changes, in cents, are acknowledged.
    Applied(Vec<(usize, i64)>),
    /// Refused by the rules (insufficient funds): nothing changed.
    Refused(String),
    /// Failed; for a write without a request id the outcome is unknown.
    Failed(Code),
}

/// A v1 write whose outcome is unknown (UNAVAILABLE, a deadline, a dropped call) is
/// resent with the same request id until it is known.
const RESOLVE: Retry = Retry {
    attempts: RESOLVE_ATTEMPTS_MAX,
    first_backoff: Duration::from_millis(50),
    retry_on: |code| {
        matches!(code, Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown)
    },
};

fn usd(cents: i64) -> Option<v1::Money> {
    Some(v1::Money {
        currency_code: "USD".into(),
        units: cents / 100,
        nanos: (cents % 100) as i32 * 10_000_000,
    })
}

fn account_name(prefix: &str, i: usize) -> String {
    format!("{prefix}-{i}")
}

/// The shared state of a run.
struct Shared {
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

impl Conn {
    async fn open(endpoint: &str, api: Api, timeout: Duration) -> Result<Self, Failure> {
        let channel = crate::client::endpoint(endpoint, timeout)?
            .connect()
            .await
            .map_err(|e| Failure::Local(format!("cannot connect to {endpoint}: {e}")))?;
        Ok(match api {
            Api::V1 => Conn::V1(BankClient::new(channel)),
            Api::Classic => Conn::Classic(BankServiceClient::new(channel)),
        })
    }

    async fn create(&mut self, id: &str, seed_cents: i64) -> Result<(), Status> {
        match self {
            Conn::V1(c) => {
                c.create_account(v1::CreateAccountRequest {
                    account_id: id.into(),
                    r#type: v1::AccountType::Checking.into(),
                    currency_code: "USD".into(),
                    request_id: format!("{id}-open"),
                })
                .await?;
                if seed_cents > 0 {
                    c.deposit(v1::DepositRequest {
                        account_id: id.into(),
                        amount: usd(seed_cents),
                        request_id: format!("{id}-seed"),
                        memo: "bench seed".into(),
                    })
                    .await?;
                }
            }
            Conn::Classic(c) => {
                c.create_account(classic::AccountRequest {
                    account_id: id.into(),
                    account_type: "checking".into(),
                })
                .await?;
                if seed_cents > 0 {
                    c.deposit(classic::DepositRequest {
                        account_id: id.into(),
                        amount: seed_cents as f64 / 100.0,
                    })
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn balance_cents(&mut self, id: &str) -> Result<i64, Status> {
        match self {
            Conn::V1(c) => {
                let a = c.get_account(v1::GetAccountRequest { account_id: id.into() }).await?.into_inner();
                a.balance.as_ref().and_then(|m| money_from_proto(m).ok()).map(|m| m.minor()).ok_or_else(
                    || Status::invalid_argument(format!("the server sent no valid balance for {id}")),
                )
            }
            Conn::Classic(c) => {
                let b = c.get_balance(classic::AccountRequest {
                    account_id: id.into(),
                    account_type: String::new(),
                });
                Ok((b.await?.into_inner().balance * 100.0).round() as i64)
            }
        }
    }

    async fn run(&mut self, op: Op, a: usize, b: usize, cents: i64, shared: &Shared, rid: String) -> Outcome {
        let ida = account_name(&shared.prefix, a);
        let result: Result<Vec<(usize, i64)>, Status> = match self {
            Conn::V1(c) => match op {
                Op::Deposit => {
                    let req = v1::DepositRequest {
                        account_id: ida,
                        amount: usd(cents),
                        request_id: rid,
                        memo: String::new(),
                    };
                    call!(&RESOLVE; c, deposit, req).map(|_| vec![(a, cents)])
                }
                Op::Withdraw => {
                    let req = v1::WithdrawRequest {
                        account_id: ida,
                        amount: usd(cents),
                        request_id: rid,
                        memo: String::new(),
                    };
                    call!(&RESOLVE; c, withdraw, req).map(|_| vec![(a, -cents)])
                }
                Op::Transfer => {
                    let req = v1::TransferRequest {
                        from_account_id: ida,
                        to_account_id: account_name(&shared.prefix, b),
                        amount: usd(cents),
                        request_id: rid,
                        memo: String::new(),
                    };
                    call!(&RESOLVE; c, transfer, req).map(|_| vec![(a, -cents), (b, cents)])
                }
                Op::Balance => {
                    c.get_account(v1::GetAccountRequest { account_id: ida }).await.map(|_| Vec::new())
                }
            },
            Conn::Classic(c) => {
                let amount = cents as f64 / 100.0;
                match op {
                    Op::Deposit => c
                        .deposit(classic::DepositRequest { account_id: ida, amount })
                        .await
                        .map(|_| vec![(a, cents)]),
                    Op::Withdraw => c
                        .withdraw(classic::WithdrawRequest { account_id: ida, amount })
                        .await
                        .map(|_| vec![(a, -cents)]),
                    Op::Balance | Op::Transfer => c
                        .get_balance(classic::AccountRequest { account_id: ida, account_type: String::new() })
                        .await
                        .map(|_| Vec::new()),
                }
            }
        };
        match result {
            Ok(changes) => Outcome::Applied(changes),
            Err(s) if s.code() == Code::FailedPrecondition => Outcome::Refused(
                s.get_details_error_info().map(|i| i.reason).unwrap_or_else(|| "FAILED_PRECONDITION".into()),
            ),
            Err(s) => Outcome::Failed(s.code()),
        }
    }
}

/// Redis's own counters at one moment. Commandstats count the commands a script
/// runs as well as the script call itself, so script calls are counted apart: they
/// are the round trips of the writes.
#[derive(Debug, Default, Clone, Copy)]
struct RedisCounters {
    /// Every command, those run inside scripts included.
    calls: u64,
    usec: u64,
    /// EVALSHA, EVAL and FCALL: one per write.
    script_calls: u64,
    script_usec: u64,
    cpu_secs: f64,
}

async fn redis_counters(url: &str) -> Result<RedisCounters, Failure> {
    let local = |e: redis::RedisError| Failure::Local(format!("redis {url}: {e}"));
    let client = redis::Client::open(url).map_err(local)?;
    let mut conn = client.get_multiplexed_async_connection().await.map_err(local)?;
    let stats: String = redis::cmd("INFO").arg("commandstats").query_async(&mut conn).await.map_err(local)?;
    let cpu: String = redis::cmd("INFO").arg("cpu").query_async(&mut conn).await.map_err(local)?;
    let mut c = RedisCounters::default();
    for line in stats.lines() {
        let Some((name, rest)) = line.strip_prefix("cmdstat_").and_then(|l| l.split_once(':')) else {
            continue;
        };
        let field = |key: &str| {
            rest.split(',')
                .find_map(|kv| kv.strip_prefix(key))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        // INFO itself is ours, not the workload's.
        if name == "info" {
            continue;
        }
        c.calls += field("calls=");
        c.usec += field("usec=");
        if matches!(name, "evalsha" | "eval" | "fcall") {
            c.script_calls += field("calls=");
            c.script_usec += field("usec=");
        }
    }
    for line in cpu.lines() {
        if let Some(v) = line.strip_prefix("used_cpu_sys:").or_else(|| line.strip_prefix("used_cpu_user:")) {
            c.cpu_secs += v.trim().parse::<f64>().unwrap_or(0.0);
        }
    }
    Ok(c)
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

    // Setup: the accounts, with their opening balances.
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

    let before = match &args.redis_url {
        Some(url) => Some(redis_counters(url).await?),
        None => None,
    };
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
    let after = match &args.redis_url {
        Some(url) => Some(redis_counters(url).await?),
        None => None,
    };

    let check = if args.no_check { None } else { Some(check_money(&conns, &shared, args.seed_cents).await?) };
    report(args, &endpoints, &shared, elapsed, &latency, &results, before.zip(after), check, json_out)
}

/// The money check: each account's balance must be its seed plus the acknowledged
/// changes. Reads go over the run's own connections, many at a time.
struct Check {
    accounts: usize,
    mismatched: Vec<(String, i64, i64)>,
    total_cents: i64,
}

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

fn percentile_ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

#[allow(clippy::too_many_arguments)]
fn report(
    args: &BenchArgs,
    endpoints: &[String],
    shared: &Shared,
    elapsed: Duration,
    latency: &Histogram<u64>,
    results: &BTreeMap<String, u64>,
    redis: Option<(RedisCounters, RedisCounters)>,
    check: Option<Check>,
    json_out: bool,
) -> Result<(), Failure> {
    let ops: u64 = results.values().sum();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let throughput = ops as f64 / secs;
    let failed = shared.failed.load(Ordering::Relaxed);
    let redis_json = redis.map(|(b, a)| {
        let per = |x: u64| if ops == 0 { 0.0 } else { x as f64 / ops as f64 };
        let script_calls = a.script_calls - b.script_calls;
        json!({
            "script_calls_per_op": per(script_calls),
            "script_usec_per_call": if script_calls == 0 { 0.0 } else {
                (a.script_usec - b.script_usec) as f64 / script_calls as f64
            },
            // The Redis time of the writes: script calls' usec over all operations.
            "script_usec_per_op": per(a.script_usec - b.script_usec),
            "commands_per_op_including_inside_scripts": per(a.calls - b.calls),
            "command_usec_per_op": per(a.usec - b.usec),
            "cpu_usec_per_op": if ops == 0 { 0.0 } else { (a.cpu_secs - b.cpu_secs) * 1e6 / ops as f64 },
        })
    });
    let check_json = check.as_ref().map(|c| {
        json!({
            "passed": c.mismatched.is_empty(),
            "accounts": c.accounts,
            "total_cents": c.total_cents,
            "mismatched": c.mismatched.iter().take(20).map(|(id, e, g)| json!({"account_id": id, "expected_cents": e, "balance_cents": g})).collect::<Vec<_>>(),
        })
    });
    let value: Value = json!({
        "api": format!("{:?}", args.api).to_lowercase(),
        "endpoints": endpoints,
        "concurrency": args.concurrency,
        "connections": args.connections,
        "mix": shared.mix.describe(),
        "accounts": args.accounts,
        "zipf": args.zipf,
        "seed": args.seed,
        "elapsed_secs": secs,
        "operations": ops,
        "throughput_per_sec": throughput,
        "results": results,
        "latency_ms": {
            "p50": percentile_ms(latency, 0.5),
            "p90": percentile_ms(latency, 0.9),
            "p99": percentile_ms(latency, 0.99),
            "p999": percentile_ms(latency, 0.999),
            "max": latency.max() as f64 / 1000.0,
            "mean": latency.mean() / 1000.0,
        },
        "redis": redis_json,
        "money_check": check_json,
    });
    if json_out {
        say!("{value}");
    } else {
        say!(
            "redbank bench: {} API at {}, {} in flight over {} connections, mix {}, {} accounts (zipf {}, seed {})",
            value["api"].as_str().unwrap_or_default(),
            endpoints.join(","),
            args.concurrency,
            args.connections,
            shared.mix.describe(),
            args.accounts,
            args.zipf,
            args.seed
        );
        say!("operations: {ops} in {secs:.2} s = {throughput:.0}/s");
        say!(
            "results:    {}",
            results.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        );
        say!(
            "latency ms: p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
            percentile_ms(latency, 0.5),
            percentile_ms(latency, 0.9),
            percentile_ms(latency, 0.99),
            percentile_ms(latency, 0.999),
            latency.max() as f64 / 1000.0
        );
        if let Some(r) = &value["redis"].as_object() {
            say!(
                "redis:      {:.3} script calls/op at {:.2} usec each ({:.2} usec/op); \
                 {:.2} usec in commands/op (counting script and commands inside); {:.2} usec CPU/op",
                r["script_calls_per_op"].as_f64().unwrap_or(0.0),
                r["script_usec_per_call"].as_f64().unwrap_or(0.0),
                r["script_usec_per_op"].as_f64().unwrap_or(0.0),
                r["command_usec_per_op"].as_f64().unwrap_or(0.0),
                r["cpu_usec_per_op"].as_f64().unwrap_or(0.0)
            );
        }
        match &check {
            Some(c) if c.mismatched.is_empty() => {
                say!(
                    "money check: passed ({} accounts, every balance = seed + acknowledged changes)",
                    c.accounts
                )
            }
            Some(c) => {
                say!("money check: FAILED on {} of {} accounts", c.mismatched.len(), c.accounts);
                for (id, e, g) in c.mismatched.iter().take(20) {
                    say!("  {id}: expected {e} cents, balance {g}");
                }
            }
            None => say!("money check: skipped"),
        }
    }
    match check {
        Some(c) if !c.mismatched.is_empty() => Err(Failure::Local("the money check failed".into())),
        _ if failed > 0 && args.api == Api::Classic => Err(Failure::Local(format!(
            "{failed} calls failed; without request ids their outcome is unknown"
        ))),
        _ => Ok(()),
    }
}
