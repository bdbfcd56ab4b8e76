//! Test fixtures around real processes: a `redis-server` on a private port with its
//! own temporary directory, free loopback ports for servers, certificates for TLS
//! (`pki`), an identity provider's keys and tokens (`idp`) and a deterministic
//! generator (`Lcg`).
//!
//! Nothing here mocks anything. A missing `redis-server` is a loud failure with a
//! hint, never a skip.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod idp;
pub mod pki;

/// How long a fixture waits for a process to become ready.
pub const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// Ports [`free_port`] hands out: below Linux's ephemeral range (32768 and up), which
/// servers bound to port 0 and every outgoing connection draw from, so that no
/// such socket can take a port between the moment it is handed out and the moment
/// its process binds it.
const TEST_PORTS: std::ops::Range<u32> = 20_000..32_000;

/// The next port to try, process-wide: no port is handed out twice by one test
/// binary, whose tests run in parallel.
static NEXT_PORT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(u32::MAX);

/// A free TCP port on 127.0.0.1, for a process to bind. The port is released before
/// it is returned; a caller that loses a race for it anyway retries (see
/// [`RedisServer::start`]). A server that bound to a port handed out to another
/// test's server would answer that test's calls: a test binary that takes its
/// ports from port 0 had flaky failures of exactly that kind.
pub fn free_port() -> u16 {
    use std::sync::atomic::Ordering;
    let span = TEST_PORTS.end - TEST_PORTS.start;
    // Start where the process id says, so that two binaries at once start apart.
    let _ =
        NEXT_PORT.compare_exchange(u32::MAX, std::process::id() % span, Ordering::Relaxed, Ordering::Relaxed);
    for _ in 0..span {
        let port = TEST_PORTS.start + NEXT_PORT.fetch_add(1, Ordering::Relaxed) % span;
        let port = u16::try_from(port).expect("test ports fit in 16 bits");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port in {TEST_PORTS:?}")
}

/// Persistence of a test Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    /// Nothing on disk: the fastest, for tests that never restart Redis.
    None,
    /// Append-only file, fsync before every reply: nothing acknowledged is lost
    /// even on `kill -9`.
    AofAlways,
}

/// A real `redis-server` child process, killed and reaped on drop.
pub struct RedisServer {
    child: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
    persistence: Persistence,
    /// A node of a Redis Cluster (see [`RedisCluster`]).
    cluster: bool,
    /// The port of the primary this one replicates.
    replica_of: Option<u16>,
}

impl RedisServer {
    pub fn start() -> Self {
        Self::start_with(Persistence::None)
    }

    pub fn start_with(persistence: Persistence) -> Self {
        Self::start_node(persistence, false)
    }

    fn start_node(persistence: Persistence, cluster: bool) -> Self {
        let dir = tempfile::Builder::new().prefix("redbank-redis-").tempdir().expect("temporary directory");
        let mut server = Self { child: None, dir, port: 0, persistence, cluster, replica_of: None };
        for _attempt in 0..5 {
            server.port = if cluster { free_cluster_port() } else { free_port() };
            if server.spawn() {
                return server;
            }
        }
        panic!("redis-server did not start on any of 5 ports; see its log above");
    }

    /// Starts the process on `self.port`; false when it exited early (port taken).
    fn spawn(&mut self) -> bool {
        let mut cmd = Command::new("redis-server");
        cmd.arg("--port")
            .arg(self.port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--save")
            .arg("")
            .arg("--logfile")
            .arg(self.log_path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        match self.persistence {
            Persistence::None => cmd.args(["--appendonly", "no"]),
            Persistence::AofAlways => cmd.args(["--appendonly", "yes", "--appendfsync", "always"]),
        };
        if let Some(primary) = self.replica_of {
            cmd.args(["--replicaof", "127.0.0.1"]).arg(primary.to_string());
        }
        if self.cluster {
            cmd.args(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]);
            cmd.args(["--cluster-node-timeout", "2000"]);
        }
        let child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "redis-server is not installed or not on PATH. The tests need a real Redis: \
                 install it with `apt-get install redis-server` (or run ./scripts/test, which does)."
            ),
            Err(e) => panic!("could not start redis-server: {e}"),
        };
        self.child = Some(child);
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                eprintln!("redis-server exited with {status}; log:\n{}", self.log());
                self.child = None;
                return false;
            }
            if self.ping() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not answer PING within {READY_TIMEOUT:?}; log:\n{}", self.log());
    }

    fn ping(&self) -> bool {
        let Ok(client) = redis::Client::open(self.url()) else { return false };
        let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_millis(200)) else {
            return false;
        };
        redis::cmd("PING").query::<String>(&mut conn).is_ok_and(|p| p == "PONG")
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A replica of `primary` (no persistence of its own), once it is in sync.
    pub fn start_replica_of(primary: &RedisServer) -> Self {
        let dir = tempfile::Builder::new().prefix("redbank-replica-").tempdir().expect("temporary directory");
        let mut replica = Self {
            child: None,
            dir,
            port: 0,
            persistence: Persistence::None,
            cluster: false,
            replica_of: Some(primary.port),
        };
        for _attempt in 0..5 {
            replica.port = free_port();
            if replica.spawn() {
                replica.wait_in_sync();
                return replica;
            }
        }
        panic!("the replica did not start on any of 5 ports");
    }

    /// Waits until this replica's link to its primary is up.
    pub fn wait_in_sync(&self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let info: String =
                redis::cmd("INFO").arg("replication").query(&mut self.connection()).unwrap_or_default();
            if info.contains("master_link_status:up") {
                return;
            }
            assert!(Instant::now() < deadline, "the replica never synced:\n{info}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether this node is a primary (ROLE says master); false if it does not answer.
    pub fn is_primary(&self) -> bool {
        let Ok(client) = redis::Client::open(self.url()) else { return false };
        let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_millis(500)) else {
            return false;
        };
        let role: Result<Vec<redis::Value>, _> = redis::cmd("ROLE").query(&mut conn);
        matches!(role.as_deref(), Ok([redis::Value::BulkString(r), ..]) if r.as_slice() == b"master")
    }

    /// Makes this replica a primary (what a failover does).
    pub fn promote(&self) {
        let _: () =
            redis::cmd("REPLICAOF").arg("NO").arg("ONE").query(&mut self.connection()).expect("promote");
    }

    fn log_path(&self) -> std::path::PathBuf {
        self.dir.path().join("redis.log")
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// A plain synchronous connection for a test's own checks.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url()).and_then(|c| c.get_connection()).expect("connect to test redis")
    }

    /// `kill -STOP`: the process stops answering, its sockets stay open (a
    /// partition, as its peers and clients see it). [`RedisServer::resume`] ends it.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// `kill -CONT`, after [`RedisServer::pause`].
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let Some(child) = &self.child else { return };
        let status = Command::new("kill").args([signal, &child.id().to_string()]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill {signal} of redis-server failed");
    }

    /// `kill -9`: no shutdown, no final fsync.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts Redis again on the same port with the same data directory.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + READY_TIMEOUT;
        while !self.spawn() {
            assert!(Instant::now() < deadline, "redis-server did not restart on port {}", self.port);
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free port whose cluster bus port (the port + 10000) is free too.
fn free_cluster_port() -> u16 {
    loop {
        let port = free_port();
        if port <= 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

/// A real Redis Cluster of `primaries` nodes without replicas, each a
/// [`RedisServer`] with its own port and directory, made with `redis-cli --cluster
/// create`; killed on drop.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    pub fn start(primaries: usize) -> Self {
        Self::start_with_replicas(primaries, 0)
    }

    /// `primaries` primaries with `replicas` replicas each (their links up before
    /// this returns), for failover tests: a primary killed is replaced by its
    /// replica within the node timeout (2 s here) and a few seconds more.
    pub fn start_with_replicas(primaries: usize, replicas: usize) -> Self {
        let nodes: Vec<RedisServer> = (0..primaries * (1 + replicas))
            .map(|_| RedisServer::start_node(Persistence::None, true))
            .collect();
        let addrs: Vec<String> = nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)).collect();
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| {
                panic!("redis-cli is needed to make a test cluster (apt-get install redis-tools): {e}")
            });
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let cluster = Self { nodes };
        let deadline = Instant::now() + READY_TIMEOUT;
        while !cluster.ready() {
            assert!(Instant::now() < deadline, "the test cluster did not reach cluster_state:ok");
            std::thread::sleep(Duration::from_millis(100));
        }
        for node in &cluster.nodes {
            if !node.is_primary() {
                node.wait_in_sync();
            }
        }
        cluster
    }

    /// The nodes that are primaries now.
    pub fn primaries(&self) -> Vec<usize> {
        (0..self.nodes.len()).filter(|i| self.nodes[*i].is_primary()).collect()
    }

    /// Every node says `cluster_state:ok` and knows every other.
    fn ready(&self) -> bool {
        self.nodes.iter().all(|n| {
            let mut conn = n.connection();
            let info: String = redis::cmd("CLUSTER").arg("INFO").query(&mut conn).unwrap_or_default();
            info.contains("cluster_state:ok")
                && info.contains(&format!("cluster_known_nodes:{}", self.nodes.len()))
        })
    }

    /// The URL of every node, for a cluster client.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }
}

/// A small deterministic generator (a 64-bit LCG, its upper 53 bits), so that a
/// failing run reproduces from its seed; wide enough for any amount in minor units.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    /// Below `n` (not zero).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// One of `items` (not empty).
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
}

/// Moves an account's life into the past, as if it had happened then: the account
/// was opened at `opened_millis`, and the entries its history holds now (written
/// by the service's own scripts, in their order, fields untouched) were written at
/// `times` (ms since the epoch, one per entry, not decreasing, after
/// `opened_millis`). Redis gives every entry its own clock's time, and no test can
/// wait a month: this is how the tests of a month's interest get a month behind
/// them. Only for an account no call is changing meanwhile. The key layout is the
/// store's (`acct:{ID}` and its history `acct:{ID}:log`).
pub fn backdate(redis: &RedisServer, account: &str, opened_millis: i64, times: &[i64]) {
    let mut conn = redis.connection();
    let (hash, log) = (format!("acct:{{{account}}}"), format!("acct:{{{account}}}:log"));
    let entries: Vec<(String, Vec<(String, String)>)> =
        redis::cmd("XRANGE").arg(&log).arg("-").arg("+").query(&mut conn).expect("read the history");
    assert_eq!(entries.len(), times.len(), "{account}: one time for each of its {} entries", entries.len());
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "times in order");
    assert!(times.first().is_none_or(|t| *t > opened_millis), "entries after the opening");
    let mut pipe = redis::pipe();
    pipe.atomic().cmd("DEL").arg(&log).ignore();
    let mut last = (i64::MIN, 0u64);
    for ((_, fields), t) in entries.iter().zip(times) {
        let seq = if last.0 == *t { last.1 + 1 } else { 0 };
        last = (*t, seq);
        let add = pipe.cmd("XADD").arg(&log).arg(format!("{t}-{seq}"));
        for (k, v) in fields {
            add.arg(k).arg(v);
        }
        add.ignore();
    }
    pipe.cmd("HSET").arg(&hash).arg("ctime").arg(opened_millis * 1000).ignore();
    let () = pipe.query(&mut conn).expect("rewrite the history");
}
