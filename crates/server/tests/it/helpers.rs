//! `spawn_app()` and friends: a real Redis and real servers, owned by the test.

use std::collections::HashMap;

use bytes::{Buf, BufMut};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

use redbank_api::classic::bank_service_client::BankServiceClient;
use redbank_api::v1::{self, bank_client::BankClient};
use redbank_server::Config;
pub use redbank_testkit::Lcg;
use redbank_testkit::{Persistence, READY_TIMEOUT, RedisServer, free_port};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tonic::Code;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tonic_types::StatusExt;

/// Every test runs with authentication required, as a server in production does:
/// each test Redis gets an admin key (made the way an operator bootstraps one),
/// and [`channel`] sends the key of the server it connects to.
static ADMIN_KEYS: LazyLock<Mutex<HashMap<String, String>>> = LazyLock::new(Default::default);
static SERVER_KEYS: LazyLock<Mutex<HashMap<SocketAddr, String>>> = LazyLock::new(Default::default);

/// A credential made straight in the Redis at `redis_url`, as `redbank keys create
/// --redis-url` makes one.
pub async fn make_key(redis_url: &str, grant: redbank_domain::Grant) -> String {
    let store = redbank_store::Store::connect(&redbank_store::StoreConfig::new(redis_url)).unwrap();
    let description = redbank_domain::Memo::parse("test").unwrap();
    store
        .credentials()
        .create(grant, description, None, &redbank_domain::Actor::operator())
        .await
        .unwrap()
        .credential
}

/// The admin key of the Redis at `redis_url`, made on first use.
pub async fn admin_key(redis_url: &str) -> String {
    if let Some(key) = ADMIN_KEYS.lock().unwrap().get(redis_url) {
        return key.clone();
    }
    let key = make_key(redis_url, redbank_domain::Grant::Admin).await;
    ADMIN_KEYS.lock().unwrap().insert(redis_url.to_owned(), key.clone());
    key
}

/// Calls to the server at `addr` carry `key` from now on.
pub fn authorize(addr: SocketAddr, key: &str) {
    SERVER_KEYS.lock().unwrap().insert(addr, key.to_owned());
}

/// Adds `authorization: Bearer <key>` to every call.
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Bearer {
    pub fn new(key: &str) -> Self {
        Self(Some(format!("Bearer {key}").parse().unwrap()))
    }
}

impl Interceptor for Bearer {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request.metadata_mut().insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// A channel whose calls carry a credential.
pub type Chan = InterceptedService<Channel, Bearer>;

/// The admin key of the server at `addr`.
pub fn server_key(addr: SocketAddr) -> String {
    SERVER_KEYS.lock().unwrap().get(&addr).cloned().unwrap_or_default()
}

/// `channel` with the admin key of the server at `addr` (none if it has none).
pub fn with_key(addr: SocketAddr, channel: Channel) -> Chan {
    let key = SERVER_KEYS.lock().unwrap().get(&addr).cloned();
    InterceptedService::new(channel, key.map_or(Bearer(None), |k| Bearer::new(&k)))
}

/// `channel` with `key`.
pub fn as_key(channel: Channel, key: &str) -> Chan {
    InterceptedService::new(channel, Bearer::new(key))
}

/// A Redis and one in-process server on it.
pub struct TestApp {
    pub redis: RedisServer,
    pub addr: SocketAddr,
    /// The admin key of this Redis.
    pub admin: String,
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
/// The in-process servers' warnings and errors, in the output of the test that
/// made them (shown when it fails): an INTERNAL's cause is in the log only.
pub fn server_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_test_writer()
        .try_init();
}

pub async fn start_app(persistence: Persistence, configure: impl FnOnce(&mut Config)) -> TestApp {
    server_logs();
    let redis = RedisServer::start_with(persistence);
    let mut config = Config::for_redis(redis.url());
    configure(&mut config);
    let admin = admin_key(&redis.url()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    authorize(addr, &admin);
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        redbank_server::run(listener, config, async {
            let _ = rx.await;
        })
        .await
        .expect("server failed");
    });
    TestApp { redis, addr, admin, shutdown: Some(tx), server: Some(server) }
}

/// GetAccount of an unknown account over a fresh channel from `endpoint`, with
/// `within` to connect and to answer: Some(code) if the server answered, None if
/// the call never reached it. A transport failure also comes back as a status;
/// only the server's own answer carries redbank's ErrorInfo.
pub async fn answer(endpoint: Endpoint, within: Duration) -> Option<Code> {
    let addr: Option<SocketAddr> = endpoint.uri().authority().and_then(|a| a.as_str().parse().ok());
    let channel = endpoint.connect_timeout(within).timeout(within).connect().await.ok()?;
    let key = addr.map(server_key).filter(|k| !k.is_empty());
    let status =
        BankClient::new(InterceptedService::new(channel, key.map_or(Bearer(None), |k| Bearer::new(&k))))
            .get_account(v1::GetAccountRequest { account_id: "nobody".into() })
            .await
            .err()?;
    status.get_details_error_info().map(|_| status.code())
}

impl TestApp {
    pub async fn v1(&self) -> BankClient<Chan> {
        BankClient::new(channel(self.addr).await)
    }

    pub async fn classic(&self) -> BankServiceClient<Chan> {
        BankServiceClient::new(channel(self.addr).await)
    }

    /// A v1 client that sends `key`.
    pub async fn v1_as(&self, key: &str) -> BankClient<Chan> {
        BankClient::new(as_key(raw_channel(self.addr).await, key))
    }

    /// A classic client that sends `key`.
    pub async fn classic_as(&self, key: &str) -> BankServiceClient<Chan> {
        BankServiceClient::new(as_key(raw_channel(self.addr).await, key))
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

/// A channel to the server at `addr` whose calls carry its admin key.
pub async fn channel(addr: SocketAddr) -> Chan {
    with_key(addr, raw_channel(addr).await)
}

/// A channel without a credential.
pub async fn raw_channel(addr: SocketAddr) -> Channel {
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
        let key = admin_key(redis_url).await;
        Self::spawn(&["--redis-url", redis_url], flags, open_files, &key).await
    }

    /// A server on a Redis Cluster (`nodes`), calling with `key`.
    pub async fn start_on_cluster(nodes: &[String], flags: &[&str], key: &str) -> Self {
        Self::spawn(&["--redis-cluster-nodes", &nodes.join(",")], flags, None, key).await
    }

    async fn spawn(redis: &[&str], flags: &[&str], open_files: Option<u32>, key: &str) -> Self {
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
        command.args(["--listen", &addr.to_string()]).args(redis);
        // Errors only: the warnings a test provokes on purpose (Redis without
        // persistence, a Redis killed) would read like failures in a passing run.
        if !flags.contains(&"--log-level") {
            command.args(["--log-level", "error"]);
        }
        let child = command.args(flags).stdin(Stdio::null()).spawn().expect("start redbank-server");
        authorize(addr, key);
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

/// A child process killed and reaped when dropped: a test that fails half-way
/// leaves no server running.
pub struct Reaped(pub std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
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

pub async fn create(client: &mut BankClient<Chan>, id: &str, currency: &str) -> v1::Account {
    client
        .create_account(v1::CreateAccountRequest {
            customer_id: String::new(),
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

/// Bytes in, bytes out: for sending what is not protobuf.
#[derive(Clone, Default)]
pub struct RawCodec;
pub struct RawEncoder;
pub struct RawDecoder;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawEncoder;
    type Decoder = RawDecoder;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

impl Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawDecoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        let v = src.chunk().to_vec();
        src.advance(v.len());
        Ok(Some(v))
    }
}

// The web console, over raw HTTP/1.1 as a browser would send its forms.

/// The password of every console user the tests make.
pub const PASSWORD: &str = "correct horse battery staple";

/// A Redis, a server process with its console on a free port (and `flags`), and
/// the console's address.
pub async fn console(flags: &[&str]) -> (redbank_testkit::RedisServer, ServerProcess, SocketAddr) {
    let redis = redbank_testkit::RedisServer::start();
    let web: SocketAddr = format!("127.0.0.1:{}", redbank_testkit::free_port()).parse().unwrap();
    let mut all = vec!["--web-listen".to_owned(), web.to_string()];
    all.extend(flags.iter().map(|f| (*f).to_owned()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let server = ServerProcess::start_with(&redis.url(), &all, None).await;
    (redis, server, web)
}

/// One HTTP/1.1 request; answers the status, the `rb_session` cookie set (if any)
/// and the body.
pub async fn http(
    web: SocketAddr,
    method: &str,
    path: &str,
    cookie: &str,
    form: &str,
) -> (u16, Option<String>, String) {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {web}\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    let mut s = tokio::net::TcpStream::connect(web).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut raw)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text[9..12].parse().unwrap();
    let session = text
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: rb_session=").or_else(|| l.strip_prefix("Set-Cookie: rb_session="))
        })
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .find(|v| !v.is_empty());
    (status, session, text)
}

/// Signs in; answers the session cookie.
pub async fn session_of(web: SocketAddr, user: &str) -> String {
    let form = format!("csrf=tok&user={user}&password={}", PASSWORD.replace(' ', "+"));
    let (status, session, text) = http(web, "POST", "/signin", "rb_signin=tok", &form).await;
    assert_eq!(status, 303, "{text}");
    format!("rb_session={}", session.expect("a session cookie"))
}

/// The CSRF token in a page's forms.
pub fn csrf_in(page: &str) -> String {
    let needle = "name=\"csrf\" value=\"";
    let at = page.find(needle).expect("a form with a CSRF token") + needle.len();
    page[at..].chars().take_while(|c| *c != '"').collect()
}
