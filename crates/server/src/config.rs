//! Server configuration: flags, each with an environment-variable fallback.

use std::net::SocketAddr;
use std::time::Duration;

use clap::builder::RangedU64ValueParser;
use clap::{Parser, ValueEnum};
use redbank_domain::{Currency, RateCeiling};
use redbank_store::{BatchConfig, StoreConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// redbank-server: the redbank gRPC service (redbank.v1.Bank and the classic BankService).
#[derive(Debug, Clone, Parser)]
#[command(name = "redbank-server", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "REDBANK_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,

    /// The Redis that holds every account.
    #[arg(long, env = "REDBANK_REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,

    /// Currency of accounts created without one, and of every classic-API account.
    #[arg(long, env = "REDBANK_DEFAULT_CURRENCY", default_value = "USD", value_parser = parse_currency)]
    pub default_currency: Currency,

    /// Highest annual interest rate accepted, in percent (at most 1000).
    #[arg(long, env = "REDBANK_RATE_CEILING_PERCENT", default_value = "100", value_parser = parse_ceiling)]
    pub rate_ceiling_percent: RateCeiling,

    /// Deadline of one Redis call, in milliseconds; a call that misses it answers UNAVAILABLE.
    #[arg(long, env = "REDBANK_REDIS_TIMEOUT_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub redis_timeout_ms: u64,

    /// How long a request id is remembered, in seconds (default 24 hours).
    #[arg(long, env = "REDBANK_IDEMPOTENCY_TTL_SECS", default_value_t = 86_400,
          value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub idempotency_ttl_secs: u64,

    /// Most balance changes gathered into one Redis script call under load; 1 turns
    /// batching off. A change that finds a free call slot is sent at once, alone.
    #[arg(long, env = "REDBANK_BATCH_MAX_CHANGES", default_value_t = BatchConfig::DEFAULT.max_changes,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=BatchConfig::MAX_CHANGES_LIMIT as u64))]
    pub batch_max_changes: usize,

    /// Most script calls of balance changes under way at once; changes beyond them
    /// queue and go together in the next call.
    #[arg(long, env = "REDBANK_BATCH_MAX_IN_FLIGHT", default_value_t = BatchConfig::DEFAULT.max_in_flight,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub batch_max_in_flight: usize,

    /// Largest request message accepted, in bytes.
    #[arg(long, env = "REDBANK_MAX_MESSAGE_BYTES", default_value_t = 65_536,
          value_parser = clap::value_parser!(u64).range(1024..=4_194_304))]
    pub max_message_bytes: u64,

    /// Most concurrent calls (HTTP/2 streams) on one client connection.
    #[arg(long, env = "REDBANK_MAX_CONCURRENT_STREAMS", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub max_concurrent_streams: u32,

    /// Most client connections open at once; more wait to be accepted.
    #[arg(long, env = "REDBANK_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections: u32,

    /// Deadline of every call inside the server, in milliseconds (a client's own
    /// shorter deadline still applies); past it the call answers CANCELLED.
    #[arg(long, env = "REDBANK_REQUEST_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub request_timeout_ms: u64,

    /// Log filter, such as info or redbank_server=debug.
    #[arg(long, env = "REDBANK_LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    /// Log format.
    #[arg(long, env = "REDBANK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

fn parse_currency(s: &str) -> Result<Currency, String> {
    Currency::parse(s).map_err(|e| e.to_string())
}

fn parse_ceiling(s: &str) -> Result<RateCeiling, String> {
    RateCeiling::parse(s).map_err(|e| e.to_string())
}

impl Config {
    /// The defaults, pointed at one Redis: what tests start servers with.
    pub fn for_redis(redis_url: impl Into<String>) -> Self {
        let mut config = Self::parse_from(["redbank-server"]);
        config.redis_url = redis_url.into();
        config
    }

    pub fn store_config(&self) -> StoreConfig {
        StoreConfig {
            redis_url: self.redis_url.clone(),
            call_timeout: Duration::from_millis(self.redis_timeout_ms),
            idempotency_ttl: Duration::from_secs(self.idempotency_ttl_secs),
            batch: BatchConfig {
                max_changes: self.batch_max_changes,
                max_in_flight: self.batch_max_in_flight,
            },
        }
    }
}
