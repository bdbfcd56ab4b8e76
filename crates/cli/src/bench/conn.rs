//! One connection of the load generator, of either contract, and the operations it
//! sends; and Redis's own counters, read before and after a run.

use std::time::Duration;

use redbank_api::classic::{self, bank_service_client::BankServiceClient};
use redbank_api::convert::money_from_proto;
use redbank_api::v1::{self, bank_client::BankClient};
use tonic::{Code, Status};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

use super::workload::Op;
use super::{Api, Shared};
use crate::client::{Chan, Failure, Retry, call, with_token};

/// Attempts of one v1 operation whose outcome is unknown (UNAVAILABLE, deadline),
/// resent with the same request id.
const RESOLVE_ATTEMPTS_MAX: u32 = 5;

/// One connection, of either contract, and the health service on it.
#[derive(Clone)]
pub(super) struct Conn {
    api: ApiClient,
    health: HealthClient<Chan>,
}

#[derive(Clone)]
enum ApiClient {
    V1(BankClient<Chan>),
    Classic(BankServiceClient<Chan>),
}

/// What became of one operation.
pub(super) enum Outcome {
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

pub(super) fn account_name(prefix: &str, i: usize) -> String {
    format!("{prefix}-{i}")
}

impl Conn {
    /// An account of the store that is not a bench run's, if the first page of the
    /// listing shows one (v1 only: the classic contract cannot list).
    pub(super) async fn foreign_account(&self) -> Result<Option<String>, Failure> {
        let ApiClient::V1(client) = &self.api else { return Ok(None) };
        let request = v1::ListAccountsRequest { page_size: 100, ..Default::default() };
        let page = client.clone().list_accounts(request).await.map_err(Failure::from)?;
        Ok(page.into_inner().accounts.into_iter().map(|a| a.account_id).find(|id| !id.starts_with("bench-")))
    }

    pub(super) async fn open(endpoint: &str, api: Api, timeout: Duration) -> Result<Self, Failure> {
        let channel = crate::client::endpoint(endpoint, timeout)?
            .connect()
            .await
            .map_err(|e| Failure::Local(format!("cannot connect to {endpoint}: {e}")))?;
        let health = HealthClient::new(with_token(channel.clone()));
        let api = match api {
            Api::V1 => ApiClient::V1(BankClient::new(with_token(channel))),
            Api::Classic => ApiClient::Classic(BankServiceClient::new(with_token(channel))),
        };
        Ok(Self { api, health })
    }

    pub(super) async fn create(&mut self, id: &str, seed_cents: i64) -> Result<(), Status> {
        match &mut self.api {
            ApiClient::V1(c) => {
                c.create_account(v1::CreateAccountRequest {
                    customer_id: String::new(),
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
            ApiClient::Classic(c) => {
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

    pub(super) async fn balance_cents(&mut self, id: &str) -> Result<i64, Status> {
        match &mut self.api {
            ApiClient::V1(c) => {
                let a = c.get_account(v1::GetAccountRequest { account_id: id.into() }).await?.into_inner();
                a.balance.as_ref().and_then(|m| money_from_proto(m).ok()).map(|m| m.minor()).ok_or_else(
                    || Status::invalid_argument(format!("the server sent no valid balance for {id}")),
                )
            }
            ApiClient::Classic(c) => {
                let b = c.get_balance(classic::AccountRequest {
                    account_id: id.into(),
                    account_type: String::new(),
                });
                Ok((b.await?.into_inner().balance * 100.0).round() as i64)
            }
        }
    }

    pub(super) async fn run(
        &mut self,
        op: Op,
        a: usize,
        b: usize,
        cents: i64,
        shared: &Shared,
        rid: String,
    ) -> Outcome {
        // Named only by the operations that have an account (not a health check).
        let ida = || account_name(&shared.prefix, a);
        let result: Result<Vec<(usize, i64)>, Status> = match &mut self.api {
            ApiClient::V1(c) => match op {
                Op::Deposit => {
                    let req = v1::DepositRequest {
                        account_id: ida(),
                        amount: usd(cents),
                        request_id: rid,
                        memo: String::new(),
                    };
                    call!(&RESOLVE; c, deposit, req).map(|_| vec![(a, cents)])
                }
                Op::Withdraw => {
                    let req = v1::WithdrawRequest {
                        account_id: ida(),
                        amount: usd(cents),
                        request_id: rid,
                        memo: String::new(),
                    };
                    call!(&RESOLVE; c, withdraw, req).map(|_| vec![(a, -cents)])
                }
                Op::Transfer => {
                    let req = v1::TransferRequest {
                        from_account_id: ida(),
                        to_account_id: account_name(&shared.prefix, b),
                        amount: usd(cents),
                        request_id: rid,
                        memo: String::new(),
                    };
                    call!(&RESOLVE; c, transfer, req).map(|_| vec![(a, -cents), (b, cents)])
                }
                Op::Balance => {
                    c.get_account(v1::GetAccountRequest { account_id: ida() }).await.map(|_| Vec::new())
                }
                Op::Health => health_check(&mut self.health).await,
            },
            ApiClient::Classic(c) => {
                let amount = cents as f64 / 100.0;
                match op {
                    Op::Deposit => c
                        .deposit(classic::DepositRequest { account_id: ida(), amount })
                        .await
                        .map(|_| vec![(a, cents)]),
                    Op::Withdraw => c
                        .withdraw(classic::WithdrawRequest { account_id: ida(), amount })
                        .await
                        .map(|_| vec![(a, -cents)]),
                    Op::Health => health_check(&mut self.health).await,
                    Op::Balance | Op::Transfer => c
                        .get_balance(classic::AccountRequest {
                            account_id: ida(),
                            account_type: String::new(),
                        })
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

/// The server's health check: a call that reads nothing from Redis.
async fn health_check(health: &mut HealthClient<Chan>) -> Result<Vec<(usize, i64)>, Status> {
    health.check(HealthCheckRequest { service: String::new() }).await.map(|_| Vec::new())
}

/// Redis's own counters at one moment. Commandstats count the commands a script
/// runs as well as the script call itself, so script calls are counted apart: they
/// are the round trips of the writes.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct RedisCounters {
    /// Every command, those run inside scripts included.
    pub calls: u64,
    pub usec: u64,
    /// EVALSHA, EVAL and FCALL: one per write.
    pub script_calls: u64,
    pub script_usec: u64,
    pub cpu_secs: f64,
}

/// The counters of every node in `urls`, summed; None with no node.
pub(super) async fn redis_counters(urls: &[String]) -> Result<Option<RedisCounters>, Failure> {
    let mut total: Option<RedisCounters> = None;
    for url in urls {
        let c = node_counters(url).await?;
        let t = total.get_or_insert_with(RedisCounters::default);
        t.calls += c.calls;
        t.usec += c.usec;
        t.script_calls += c.script_calls;
        t.script_usec += c.script_usec;
        t.cpu_secs += c.cpu_secs;
    }
    Ok(total)
}

async fn node_counters(url: &str) -> Result<RedisCounters, Failure> {
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
