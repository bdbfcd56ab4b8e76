//! `redbank check`: the invariant checker over the whole store, read from Redis
//! directly, with a non-zero exit on any violation.

use std::time::Duration;

use crate::client::{Failure, RedisTarget, open_bank};
use crate::output::{Printer, say};

/// `redbank check`: the invariant checker, with a non-zero exit on any violation.
pub async fn run(redis: &RedisTarget, idempotency_ttl: Duration, out: &Printer) -> Result<(), Failure> {
    if !redis.given() {
        return Err(Failure::Invalid {
            reason: "INVALID_ARGUMENT",
            message: "check reads Redis directly: give --redis-url (or --redis-cluster-nodes)".into(),
        });
    }
    let mut config = redis.config();
    config.call_timeout = Duration::from_secs(10);
    config.idempotency_ttl = idempotency_ttl;
    let bank = open_bank(&config).await?;
    let report = bank
        .check(&redbank_domain::Principal::operator())
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
        out.document(serde_json::json!({
            "passed": report.passed(),
            "accounts": report.accounts,
            "entries": report.entries,
            "archived_entries": report.archived_entries,
            "transfers": report.transfers,
            "request_ids": report.request_ids,
            "totals_minor_units": totals,
            "violations": report.violations.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
    } else {
        say!(
            "checked {} accounts, {} history entries ({} more archived), {} transfers, {} request ids",
            report.accounts,
            report.entries,
            report.archived_entries,
            report.transfers,
            report.request_ids
        );
        for (currency, (balances, net)) in &report.totals {
            say!("  {currency}: balances {balances}, deposits + interest - withdrawals {net} (minor units)");
        }
        for v in &report.violations {
            say!("VIOLATION: {v}");
        }
        say!("{}", if report.passed() { "all invariants hold" } else { "INVARIANTS VIOLATED" });
    }
    if report.passed() {
        Ok(())
    } else {
        Err(Failure::Reported(format!("{} invariant violations", report.violations.len())))
    }
}
