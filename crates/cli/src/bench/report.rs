//! What a run measured, as typed figures: printed as text or as one JSON object,
//! both from the same values.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

use super::conn::RedisCounters;
use super::{Api, BenchArgs};
use crate::client::Failure;
use crate::output::say;

/// The money check: each account's balance against its seed plus the acknowledged
/// changes.
pub(super) struct Check {
    pub accounts: usize,
    /// Account, expected cents, balance cents.
    pub mismatched: Vec<(String, i64, i64)>,
    pub total_cents: i64,
}

/// Mismatched accounts listed at most.
const MISMATCHES_SHOWN: usize = 20;

/// Redis's work per operation over the run, from its counters before and after.
pub(super) struct RedisFigures {
    script_calls_per_op: f64,
    script_usec_per_call: f64,
    /// The Redis time of the writes: script calls' usec over all operations.
    script_usec_per_op: f64,
    /// Commands run inside scripts count too (Redis 7 counts them in commandstats).
    commands_per_op: f64,
    command_usec_per_op: f64,
    cpu_usec_per_op: f64,
}

impl RedisFigures {
    pub fn between(before: RedisCounters, after: RedisCounters, ops: u64) -> Self {
        let per = |x: f64| if ops == 0 { 0.0 } else { x / ops as f64 };
        let script_calls = after.script_calls.saturating_sub(before.script_calls);
        let script_usec = after.script_usec.saturating_sub(before.script_usec) as f64;
        Self {
            script_calls_per_op: per(script_calls as f64),
            script_usec_per_call: if script_calls == 0 { 0.0 } else { script_usec / script_calls as f64 },
            script_usec_per_op: per(script_usec),
            commands_per_op: per(after.calls.saturating_sub(before.calls) as f64),
            command_usec_per_op: per(after.usec.saturating_sub(before.usec) as f64),
            cpu_usec_per_op: per((after.cpu_secs - before.cpu_secs) * 1e6),
        }
    }

    fn json(&self) -> Value {
        json!({
            "script_calls_per_op": self.script_calls_per_op,
            "script_usec_per_call": self.script_usec_per_call,
            "script_usec_per_op": self.script_usec_per_op,
            "commands_per_op_including_inside_scripts": self.commands_per_op,
            "command_usec_per_op": self.command_usec_per_op,
            "cpu_usec_per_op": self.cpu_usec_per_op,
        })
    }
}

/// Latency percentiles, in milliseconds.
struct Latency {
    p50: f64,
    p90: f64,
    p99: f64,
    p999: f64,
    max: f64,
    mean: f64,
}

impl Latency {
    /// From a histogram of microseconds.
    fn of(h: &Histogram<u64>) -> Self {
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        Self {
            p50: ms(0.5),
            p90: ms(0.9),
            p99: ms(0.99),
            p999: ms(0.999),
            max: h.max() as f64 / 1000.0,
            mean: h.mean() / 1000.0,
        }
    }
}

/// Everything a run reports.
pub(super) struct Report<'a> {
    pub args: &'a BenchArgs,
    pub endpoints: &'a [String],
    pub mix: String,
    pub elapsed: Duration,
    pub latency: &'a Histogram<u64>,
    /// Operations by result: OK, a refusal's reason, a failure's code.
    pub results: &'a BTreeMap<String, u64>,
    /// Operations that failed (not refusals).
    pub failed: u64,
    pub redis: Option<RedisFigures>,
    pub check: Option<Check>,
}

impl Report<'_> {
    fn operations(&self) -> u64 {
        self.results.values().sum()
    }

    fn seconds(&self) -> f64 {
        self.elapsed.as_secs_f64().max(1e-9)
    }

    fn api(&self) -> &'static str {
        match self.args.api {
            Api::V1 => "v1",
            Api::Classic => "classic",
        }
    }

    fn json(&self) -> Value {
        let a = self.args;
        let l = Latency::of(self.latency);
        json!({
            "api": self.api(),
            "endpoints": self.endpoints,
            "concurrency": a.concurrency,
            "connections": a.connections,
            "mix": self.mix,
            "accounts": a.accounts,
            "zipf": a.zipf,
            "seed": a.seed,
            "elapsed_secs": self.seconds(),
            "operations": self.operations(),
            "throughput_per_sec": self.operations() as f64 / self.seconds(),
            "results": self.results,
            "latency_ms": {"p50": l.p50, "p90": l.p90, "p99": l.p99, "p999": l.p999, "max": l.max, "mean": l.mean},
            "redis": self.redis.as_ref().map(RedisFigures::json),
            "money_check": self.check.as_ref().map(|c| json!({
                "passed": c.mismatched.is_empty(),
                "accounts": c.accounts,
                "total_cents": c.total_cents,
                "mismatched": c.mismatched.iter().take(MISMATCHES_SHOWN)
                    .map(|(id, e, g)| json!({"account_id": id, "expected_cents": e, "balance_cents": g}))
                    .collect::<Vec<_>>(),
            })),
        })
    }

    fn text(&self) {
        let a = self.args;
        let (ops, secs) = (self.operations(), self.seconds());
        say!(
            "redbank bench: {} API at {}, {} in flight over {} connections, mix {}, {} accounts (zipf {}, seed {})",
            self.api(),
            self.endpoints.join(","),
            a.concurrency,
            a.connections,
            self.mix,
            a.accounts,
            a.zipf,
            a.seed
        );
        say!("operations: {ops} in {secs:.2} s = {:.0}/s", ops as f64 / secs);
        say!(
            "results:    {}",
            self.results.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        );
        let l = Latency::of(self.latency);
        say!(
            "latency ms: p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
            l.p50,
            l.p90,
            l.p99,
            l.p999,
            l.max
        );
        if let Some(r) = &self.redis {
            say!(
                "redis:      {:.3} script calls/op at {:.2} usec each ({:.2} usec/op); \
                 {:.2} usec in commands/op (counting script and commands inside); {:.2} usec CPU/op",
                r.script_calls_per_op,
                r.script_usec_per_call,
                r.script_usec_per_op,
                r.command_usec_per_op,
                r.cpu_usec_per_op
            );
        }
        match &self.check {
            Some(c) if c.mismatched.is_empty() => {
                say!(
                    "money check: passed ({} accounts, every balance = seed + acknowledged changes)",
                    c.accounts
                )
            }
            Some(c) => {
                say!("money check: FAILED on {} of {} accounts", c.mismatched.len(), c.accounts);
                for (id, e, g) in c.mismatched.iter().take(MISMATCHES_SHOWN) {
                    say!("  {id}: expected {e} cents, balance {g}");
                }
            }
            None => say!("money check: skipped"),
        }
    }

    /// Prints the report, and fails the command when money did not add up or a
    /// classic write's outcome is unknown.
    pub fn finish(self, json_out: bool) -> Result<(), Failure> {
        if json_out {
            say!("{}", self.json());
        } else {
            self.text();
        }
        match self.check {
            Some(c) if !c.mismatched.is_empty() => Err(Failure::Local("the money check failed".into())),
            _ if self.failed > 0 && self.args.api == Api::Classic => Err(Failure::Local(format!(
                "{} calls failed; without request ids their outcome is unknown",
                self.failed
            ))),
            _ => Ok(()),
        }
    }
}
