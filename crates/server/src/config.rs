//! Server configuration: flags, each with an environment-variable fallback.

use std::net::SocketAddr;
use std::time::Duration;

use clap::builder::RangedU64ValueParser;
use clap::{Parser, ValueEnum};
use redbank_domain::{Currency, PeriodPolicy, RateCeiling};
use redbank_store::{BatchConfig, CrashPoint, StoreConfig};

use crate::auth::AuthMode;
use crate::auth::jwt::JwtConfig;

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

    /// Print this manual page (roff, for `man -l -`) and exit.
    #[arg(long, exclusive = true)]
    pub man_page: bool,

    /// The Redis that holds every account.
    #[arg(long, env = "REDBANK_REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,

    /// A Redis Cluster instead: some of its nodes, comma-separated
    /// (redis://h1:p1,redis://h2:p2); the rest are discovered.
    #[arg(long, env = "REDBANK_REDIS_CLUSTER_NODES", value_delimiter = ',', conflicts_with = "redis_url")]
    pub redis_cluster_nodes: Vec<String>,

    /// Currency of accounts created without one, and of every classic-API account.
    #[arg(long, env = "REDBANK_DEFAULT_CURRENCY", default_value = "USD", value_parser = parse_currency)]
    pub default_currency: Currency,

    /// Highest annual interest rate accepted, in percent (at most 1000).
    #[arg(long, env = "REDBANK_RATE_CEILING_PERCENT", default_value = "100", value_parser = parse_ceiling)]
    pub rate_ceiling_percent: RateCeiling,

    /// Let ApplyInterest post the month still under way (for posting on its last
    /// day); by default only months that have ended are posted.
    #[arg(long, env = "REDBANK_ALLOW_OPEN_INTEREST_PERIOD")]
    pub allow_open_interest_period: bool,

    /// How many months back interest for a period may still be posted.
    #[arg(long, env = "REDBANK_INTEREST_PERIOD_MAX_AGE_MONTHS", default_value_t = 12,
          value_parser = clap::value_parser!(u32).range(1..=120))]
    pub interest_period_max_age_months: u32,

    /// Deadline of one Redis call, in milliseconds; a call that misses it answers UNAVAILABLE.
    #[arg(long, env = "REDBANK_REDIS_TIMEOUT_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub redis_timeout_ms: u64,

    /// After each write, wait until this many replicas acknowledge it (Redis WAIT)
    /// before answering; 0 answers at once (replication is asynchronous: a primary
    /// that crashes and fails over can lose acknowledged writes).
    #[arg(long, env = "REDBANK_REDIS_WAIT_REPLICAS", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=16))]
    pub redis_wait_replicas: u32,

    /// The longest a write waits for its replicas, in milliseconds; past it the call
    /// answers UNAVAILABLE `NOT_REPLICATED` (the change was applied on the primary).
    #[arg(long, env = "REDBANK_REDIS_WAIT_TIMEOUT_MS", default_value_t = 500,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub redis_wait_timeout_ms: u64,

    /// How long a capture, or a transfer between two cluster slots, may stay
    /// half-way (a replica crashed in it) before the recovery worker of any replica
    /// finishes it; the worker looks at the due index every quarter of this.
    #[arg(long, env = "REDBANK_TRANSFER_RECOVERY_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub transfer_recovery_secs: u64,

    /// Tests only: abort the process at this step of a transfer between slots
    /// (after-hold, after-credit, after-settle), as `kill -9` would.
    #[arg(long, hide = true, value_parser = parse_crash_point)]
    pub test_crash_after: Option<CrashPoint>,

    /// Tests only: run no relay (this replica's changes reach the feed only by
    /// another replica's sweep), as a replica killed after every change would.
    #[arg(long, hide = true)]
    pub test_relay_off: bool,

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
    #[arg(long, env = "REDBANK_MAX_MESSAGE_BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES,
          value_parser = clap::value_parser!(u64).range(1024..=4_194_304))]
    pub max_message_bytes: u64,

    /// Most concurrent calls (HTTP/2 streams) on one client connection.
    #[arg(long, env = "REDBANK_MAX_CONCURRENT_STREAMS", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub max_concurrent_streams: u32,

    /// Most client connections open at once. A new connection at the cap sheds the
    /// connection idle the longest; lowered at start to fit the open-file limit.
    #[arg(long, env = "REDBANK_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections: u32,

    /// Most subscriptions (Events/Subscribe) one replica serves at once; one more
    /// is refused RESOURCE_EXHAUSTED `TOO_MANY_SUBSCRIPTIONS`.
    #[arg(long, env = "REDBANK_MAX_SUBSCRIPTIONS", default_value_t = crate::events::SUBSCRIPTIONS_MAX,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub max_subscriptions: usize,

    /// On a Redis Cluster, how often one replica walks every account for changes not
    /// yet in the feed of every account's changes (what a replica killed between a
    /// change and its publication leaves), in seconds; each walk reads every
    /// account's last entry. On one Redis, how often the feed is trimmed.
    #[arg(long, env = "REDBANK_EVENTS_SWEEP_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub events_sweep_secs: u64,

    /// How long the feed of every account's changes keeps an event, in seconds
    /// (default 7 days); a follower's cursor older than that is refused
    /// EVENTS_EXPIRED. Each event takes about as much memory as its history entry.
    #[arg(long, env = "REDBANK_EVENTS_RETENTION_SECS", default_value_t = 604_800,
          value_parser = clap::value_parser!(u64).range(60..=31_536_000))]
    pub events_retention_secs: u64,

    /// How long a webhook's event is retried, from its first attempt, before it is
    /// dead (ListDeliveries shows it; Redeliver sends it again), in seconds
    /// (default 3 days).
    #[arg(long, env = "REDBANK_WEBHOOK_RETRY_SECS", default_value_t = 259_200,
          value_parser = clap::value_parser!(u64).range(1..=2_592_000))]
    pub webhook_retry_secs: u64,

    /// A webhook attempt without its answer within this many milliseconds fails
    /// (connecting, TLS, sending and the answer together).
    #[arg(long, env = "REDBANK_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=120_000))]
    pub webhook_timeout_ms: u64,

    /// A webhook attempt not connected within this many milliseconds fails.
    #[arg(long, env = "REDBANK_WEBHOOK_CONNECT_TIMEOUT_MS", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub webhook_connect_timeout_ms: u64,

    /// Let webhooks reach loopback, private and other internal addresses. Off by
    /// default: a webhook URL must not become a way into the bank's own network.
    #[arg(long, env = "REDBANK_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,

    /// A new connection that has not completed the HTTP/2 handshake and sent its
    /// first request within this many milliseconds is closed.
    #[arg(long, env = "REDBANK_HANDSHAKE_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub handshake_timeout_ms: u64,

    /// A connection without calls for this many milliseconds is closed (GOAWAY).
    #[arg(long, env = "REDBANK_CONNECTION_IDLE_TIMEOUT_MS", default_value_t = 300_000,
          value_parser = clap::value_parser!(u64).range(100..=86_400_000))]
    pub connection_idle_timeout_ms: u64,

    /// Interval of HTTP/2 keepalive pings, in milliseconds.
    #[arg(long, env = "REDBANK_KEEPALIVE_INTERVAL_MS", default_value_t = 60_000,
          value_parser = clap::value_parser!(u64).range(100..=3_600_000))]
    pub keepalive_interval_ms: u64,

    /// A keepalive ping not acknowledged within this many milliseconds closes the
    /// connection.
    #[arg(long, env = "REDBANK_KEEPALIVE_TIMEOUT_MS", default_value_t = 20_000,
          value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub keepalive_timeout_ms: u64,

    /// Response bytes all clients together may leave unread; past it large reads
    /// answer RESOURCE_EXHAUSTED until earlier responses are read.
    #[arg(long, env = "REDBANK_MAX_RESPONSE_BYTES", default_value_t = 256 << 20,
          value_parser = RangedU64ValueParser::<usize>::new().range((4 << 20)..=(64 << 30)))]
    pub max_response_bytes: usize,

    /// Response bytes one connection may leave unread.
    #[arg(long, env = "REDBANK_MAX_RESPONSE_BYTES_PER_CONNECTION", default_value_t = 16 << 20,
          value_parser = RangedU64ValueParser::<usize>::new().range((4 << 20)..=(64 << 30)))]
    pub max_response_bytes_per_connection: usize,

    /// Deadline of every call inside the server, its response delivered, in
    /// milliseconds (a client's own shorter deadline still applies); past it the
    /// call answers DEADLINE_EXCEEDED, and a connection whose client has not read
    /// a response by then (plus a second) is closed.
    #[arg(long, env = "REDBANK_REQUEST_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub request_timeout_ms: u64,

    /// On SIGTERM or SIGINT: report NOT_SERVING, keep serving this many milliseconds
    /// (so that load balancers notice and send new calls elsewhere), then stop
    /// accepting and drain the calls in flight.
    #[arg(long, env = "REDBANK_SHUTDOWN_GRACE_MS", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(0..=300_000))]
    pub shutdown_grace_ms: u64,

    /// Serve TLS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "REDBANK_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,

    /// The private key of --tls-cert (PEM).
    #[arg(long, env = "REDBANK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,

    /// Require client certificates signed by this CA (PEM): mutual TLS.
    #[arg(long, env = "REDBANK_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<std::path::PathBuf>,

    /// Whether calls need a credential. `off` serves everyone as an admin named
    /// `anonymous`, and is refused unless the server listens on loopback only.
    #[arg(long, env = "REDBANK_AUTH", value_enum, default_value_t = AuthMode::Required)]
    pub auth: AuthMode,

    /// Accept JWTs signed by a key of this JWKS file (EdDSA or ES256), reread when
    /// it changes; off when unset. Needs --jwt-issuer and --jwt-audience.
    #[arg(long, env = "REDBANK_JWT_JWKS_FILE", requires_all = ["jwt_issuer", "jwt_audience"])]
    pub jwt_jwks_file: Option<std::path::PathBuf>,

    /// The `iss` every accepted JWT carries.
    #[arg(long, env = "REDBANK_JWT_ISSUER", requires = "jwt_jwks_file")]
    pub jwt_issuer: Option<String>,

    /// The `aud` every accepted JWT carries (or lists).
    #[arg(long, env = "REDBANK_JWT_AUDIENCE", requires = "jwt_jwks_file")]
    pub jwt_audience: Option<String>,

    /// The JWT claim that holds the role: customer, teller, auditor or admin.
    #[arg(long, env = "REDBANK_JWT_ROLE_CLAIM", default_value = "redbank_role")]
    pub jwt_role_claim: String,

    /// The JWT claim that holds a customer's id.
    #[arg(long, env = "REDBANK_JWT_CUSTOMER_CLAIM", default_value = "redbank_customer")]
    pub jwt_customer_claim: String,

    /// Serve even on a Redis whose maxmemory-policy evicts keys (which can delete
    /// accounts and request-id records); by default such a Redis is refused.
    #[arg(long, env = "REDBANK_ALLOW_EVICTING_REDIS")]
    pub allow_evicting_redis: bool,

    /// Serve the web console on this address (plain HTTP; off when unset). Any
    /// address but loopback needs --web-secure-cookies: the console is then reached
    /// over TLS through a proxy in front of it.
    #[arg(long, env = "REDBANK_WEB_LISTEN")]
    pub web_listen: Option<SocketAddr>,

    /// End a console session unused this long (seconds).
    #[arg(long, env = "REDBANK_WEB_IDLE_TIMEOUT_SECS", default_value_t = 900,
          value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub web_idle_timeout_secs: u64,

    /// End a console session this long after sign-in, used or not (seconds).
    #[arg(long, env = "REDBANK_WEB_ABSOLUTE_TIMEOUT_SECS", default_value_t = 43_200,
          value_parser = clap::value_parser!(u64).range(10..=604_800))]
    pub web_absolute_timeout_secs: u64,

    /// Mark the console's cookies Secure: browsers then send them over HTTPS only.
    #[arg(long, env = "REDBANK_WEB_SECURE_COOKIES")]
    pub web_secure_cookies: bool,

    /// The address of a proxy in front of the console (repeat, or separate with
    /// commas): from it, and only from it, `X-Forwarded-For` names the client whose
    /// sign-ins are throttled. Unset: the peer's address counts.
    #[arg(long, env = "REDBANK_WEB_TRUSTED_PROXY", value_delimiter = ',')]
    pub web_trusted_proxy: Vec<std::net::IpAddr>,

    /// Serve Prometheus metrics at GET /metrics on this address; off when unset.
    #[arg(long, env = "REDBANK_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Log filter, such as info or redbank_server=debug; the access log (one line
    /// per call) is the target redbank::access, off with info,redbank::access=off.
    #[arg(long, env = "REDBANK_LOG_LEVEL", default_value = "info", value_parser = parse_log_filter)]
    pub log_level: String,

    /// Log format.
    #[arg(long, env = "REDBANK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Export traces (OpenTelemetry spans: one per call, one per Redis script) to
    /// this OTLP/gRPC receiver, such as http://127.0.0.1:4317; off when unset.
    #[arg(long, env = "REDBANK_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
}

/// A log filter that tracing accepts, refused at start rather than replaced.
fn parse_log_filter(s: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(s).map(|_| s.to_owned()).map_err(|e| e.to_string())
}

/// The default of `--max-message-bytes`: requests are small (the largest, a
/// transfer with a 256-character memo, is under 1.5 KB).
pub const DEFAULT_MAX_MESSAGE_BYTES: u64 = 64 * 1024;

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
        // No load balancer in front of a test server to wait for.
        config.shutdown_grace_ms = 0;
        config
    }

    /// The JWT settings, when JWTs are accepted.
    pub fn jwt_config(&self) -> Option<JwtConfig> {
        Some(JwtConfig {
            jwks_file: self.jwt_jwks_file.clone()?,
            issuer: self.jwt_issuer.clone()?,
            audience: self.jwt_audience.clone()?,
            role_claim: self.jwt_role_claim.clone(),
            customer_claim: self.jwt_customer_claim.clone(),
        })
    }

    /// Which interest periods may be posted.
    pub fn period_policy(&self) -> PeriodPolicy {
        PeriodPolicy {
            allow_current: self.allow_open_interest_period,
            max_age_months: self.interest_period_max_age_months,
        }
    }

    /// The transport's limits; the connection cap fitted to the open-file limit.
    pub fn transport_limits(&self) -> crate::transport::Limits {
        crate::transport::Limits {
            max_connections: crate::transport::fit_connection_cap(self.max_connections as usize),
            max_concurrent_streams: self.max_concurrent_streams,
            handshake_timeout: Duration::from_millis(self.handshake_timeout_ms),
            idle_timeout: Duration::from_millis(self.connection_idle_timeout_ms),
            keepalive_interval: Duration::from_millis(self.keepalive_interval_ms),
            keepalive_timeout: Duration::from_millis(self.keepalive_timeout_ms),
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            response_bytes_per_connection: self.max_response_bytes_per_connection,
        }
    }

    /// The console's settings.
    pub fn console_config(&self) -> redbank_web::ConsoleConfig {
        redbank_web::ConsoleConfig {
            idle_timeout: Duration::from_secs(self.web_idle_timeout_secs),
            absolute_timeout: Duration::from_secs(self.web_absolute_timeout_secs),
            secure_cookies: self.web_secure_cookies,
            trusted_proxies: self.web_trusted_proxy.clone(),
        }
    }

    pub fn store_config(&self) -> StoreConfig {
        StoreConfig {
            cluster_nodes: self.redis_cluster_nodes.clone(),
            wait_replicas: self.redis_wait_replicas,
            wait_timeout: Duration::from_millis(self.redis_wait_timeout_ms),
            recovery: Duration::from_secs(self.transfer_recovery_secs),
            crash_after: self.test_crash_after,
            feed_retention: Duration::from_secs(self.events_retention_secs),
            metrics: redbank_store::StoreMetrics::default(),
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

fn parse_crash_point(s: &str) -> Result<CrashPoint, String> {
    CrashPoint::parse(s).ok_or_else(|| "one of after-hold, after-credit, after-settle".to_owned())
}
