//! `spawn_app()` and friends: a real Redis and real servers, owned by the test.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redbank_api::classic::bank_service_client::BankServiceClient;
use redbank_api::v1::{self, bank_client::BankClient};
use redbank_server::Config;
pub use redbank_testkit::Lcg;
use redbank_testkit::{Persistence, READY_TIMEOUT, RedisServer, free_port};
use tokio::sync::oneshot;
use tonic::Code;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tonic_types::StatusExt;

/// A Redis and one in-process server on it.
pub struct TestApp {
    pub redis: RedisServer,
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Persistence::None, |_| {}).await
}

pub async fn spawn_app_with(persistence: Persistence, configure: impl FnOnce(&mut Config)) -> TestApp {
    let app = start_app(persistence, configure).await;
    wait_serving(app.addr).await;
    app
}

/// Like [`spawn_app_with`] without waiting until it serves: for a server that a
/// plaintext health check cannot reach (TLS).
pub async fn start_app(persistence: Persistence, configure: impl FnOnce(&mut Config)) -> TestApp {
    let redis = RedisServer::start_with(persistence);
    let mut config = Config::for_redis(redis.url());
    configure(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        redbank_server::run(listener, config, async {
            let _ = rx.await;
        })
        .await
        .expect("server failed");
    });
    TestApp { redis, addr, shutdown: Some(tx), server: Some(server) }
}

/// GetAccount of an unknown account over a fresh channel from `endpoint`, with
/// `within` to connect and to answer: Some(code) if the server answered, None if
/// the call never reached it. A transport failure also comes back as a status;
/// only the server's own answer carries redbank's ErrorInfo.
pub async fn answer(endpoint: Endpoint, within: Duration) -> Option<Code> {
    let channel = endpoint.connect_timeout(within).timeout(within).connect().await.ok()?;
    let status = BankClient::new(channel)
        .get_account(v1::GetAccountRequest { account_id: "nobody".into() })
        .await
        .err()?;
    status.get_details_error_info().map(|_| status.code())
}

impl TestApp {
    pub async fn v1(&self) -> BankClient<Channel> {
        BankClient::new(channel(self.addr).await)
    }

    pub async fn classic(&self) -> BankServiceClient<Channel> {
        BankServiceClient::new(channel(self.addr).await)
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
    }
}

pub async fn channel(addr: SocketAddr) -> Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap()
}

/// The overall health status, or None when the server does not answer.
pub async fn health(addr: SocketAddr) -> Option<ServingStatus> {
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{addr}")).ok()?;
    let mut client = HealthClient::new(endpoint.timeout(Duration::from_secs(2)).connect().await.ok()?);
    let response = client.check(HealthCheckRequest { service: String::new() }).await.ok()?;
    ServingStatus::try_from(response.into_inner().status).ok()
}

/// Waits, within [`READY_TIMEOUT`], until the server reports `status`.
pub async fn wait_for_health(addr: SocketAddr, status: ServingStatus) {
    let deadline = Instant::now() + READY_TIMEOUT;
    while health(addr).await != Some(status) {
        assert!(Instant::now() < deadline, "server at {addr} never reported {status:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn wait_serving(addr: SocketAddr) {
    wait_for_health(addr, ServingStatus::Serving).await;
}

/// `n` server processes on one Redis.
pub async fn start_replicas(redis: &RedisServer, n: usize) -> Vec<ServerProcess> {
    let mut servers = Vec::with_capacity(n);
    for _ in 0..n {
        servers.push(ServerProcess::start(&redis.url()).await);
    }
    servers
}

/// A `redbank-server` child process, killed on drop.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl ServerProcess {
    pub async fn start(redis_url: &str) -> Self {
        Self::start_with(redis_url, &[], None).await
    }

    /// A server with extra flags, and with its open-file limit (soft and hard) set
    /// to `open_files` if given, as `ulimit -n` would.
    pub async fn start_with(redis_url: &str, flags: &[&str], open_files: Option<u32>) -> Self {
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let bin = env!("CARGO_BIN_EXE_redbank-server");
        let mut command = match open_files {
            Some(n) => {
                let mut c = Command::new("sh");
                c.args(["-c", &format!("ulimit -n {n} && exec \"$0\" \"$@\""), bin]);
                c
            }
            None => Command::new(bin),
        };
        command.args(["--listen", &addr.to_string(), "--redis-url", redis_url]);
        if !flags.contains(&"--log-level") {
            command.args(["--log-level", "warn"]);
        }
        let child = command.args(flags).stdin(Stdio::null()).spawn().expect("start redbank-server");
        let server = Self { child, addr };
        wait_serving(addr).await;
        server
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl ServerProcess {
    /// Sends SIGTERM and waits, within [`READY_TIMEOUT`], for the process to exit.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        self.send_term();
        self.wait_exit().await
    }

    /// Sends SIGTERM and returns at once.
    pub fn send_term(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// Whether the process has exited.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().unwrap().is_some()
    }

    /// Waits, within [`READY_TIMEOUT`], for the process to exit.
    pub async fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "redbank-server did not exit after SIGTERM");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `kill -9`: no drain, no goodbye.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The code and ErrorInfo reason of a failed call.
pub fn code_reason<T: std::fmt::Debug>(result: Result<T, tonic::Status>) -> (tonic::Code, String) {
    let status = result.expect_err("expected the call to fail");
    let info = status.get_details_error_info().unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    assert_eq!(info.domain, "redbank");
    (status.code(), info.reason)
}

pub fn money(currency: &str, units: i64, nanos: i32) -> Option<v1::Money> {
    Some(v1::Money { currency_code: currency.into(), units, nanos })
}

pub fn usd(units: i64, nanos: i32) -> Option<v1::Money> {
    money("USD", units, nanos)
}

/// Minor units of a USD Money in a response.
pub fn cents(m: &Option<v1::Money>) -> i64 {
    let m = m.as_ref().expect("money");
    assert_eq!(m.currency_code, "USD");
    m.units * 100 + i64::from(m.nanos / 10_000_000)
}

pub async fn create(client: &mut BankClient<Channel>, id: &str, currency: &str) -> v1::Account {
    client
        .create_account(v1::CreateAccountRequest {
            account_id: id.into(),
            r#type: v1::AccountType::Savings.into(),
            currency_code: currency.into(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
}

pub fn deposit_req(id: &str, amount: Option<v1::Money>, request_id: &str) -> v1::DepositRequest {
    v1::DepositRequest { account_id: id.into(), amount, request_id: request_id.into(), memo: String::new() }
}

pub fn withdraw_req(id: &str, amount: Option<v1::Money>, request_id: &str) -> v1::WithdrawRequest {
    v1::WithdrawRequest { account_id: id.into(), amount, request_id: request_id.into(), memo: String::new() }
}

/// A store on the same Redis, for reading history in checks.
pub fn store(redis: &RedisServer) -> redbank_store::Store {
    redbank_store::Store::connect(&redbank_store::StoreConfig::new(redis.url())).unwrap()
}

pub fn account_id(s: &str) -> redbank_domain::AccountId {
    redbank_domain::AccountId::parse(s).unwrap()
}

/// Runs the invariant checker over the whole store and fails the test on any violation.
pub async fn assert_invariants(redis: &RedisServer) -> redbank_store::check::CheckReport {
    let report = redbank_store::check::check(&store(redis)).await.unwrap();
    let violations: Vec<String> = report.violations.iter().map(ToString::to_string).collect();
    assert!(violations.is_empty(), "invariants violated:\n{}", violations.join("\n"));
    report
}
