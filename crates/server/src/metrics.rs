//! Prometheus metrics: per gRPC method and status code, Redis script calls, batch
//! sizes, Redis up or down, connections and the process, served as text at
//! `GET /metrics` on `--metrics-listen`.
//!
//! Each server owns its recorder (no global one), so that several servers in one
//! process (the tests) count apart. Handles are registered once at start for every
//! method the server serves; a path that names no method counts under
//! `method="unknown"`, so no client can grow the label set.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Label, Level, Metadata, Recorder, SharedString};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use prost::Message;
use redbank_store::{ScriptMetrics, StoreMetrics};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Latency buckets, in seconds: from a tenth of a millisecond (a read served from
/// Redis on loopback) to ten seconds (the default call deadline).
const SECONDS_BUCKETS: [f64; 16] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Batch-size buckets: powers of two up to the largest batch allowed.
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];
/// How often histograms are folded into their buckets between scrapes, so that
/// samples never pile up in memory when nobody scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);
/// Scrapes served at once; more connections are closed at once.
const SCRAPERS_MAX: usize = 8;
/// A scraper must send its request within this.
const SCRAPE_HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Linux's clock ticks per second for /proc CPU times (USER_HZ, 100 on every
/// mainstream architecture).
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// gRPC status code names, by number.
const CODES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// The name of a gRPC status code.
pub fn code_name(code: i32) -> &'static str {
    usize::try_from(code).ok().and_then(|i| CODES.get(i)).copied().unwrap_or("UNKNOWN")
}

/// One method's handles.
pub struct MethodMetrics {
    by_code: Vec<Counter>,
    seconds: Histogram,
}

impl MethodMetrics {
    fn noop() -> Self {
        Self { by_code: Vec::new(), seconds: Histogram::noop() }
    }

    /// Records a finished call.
    pub fn record(&self, code: i32, seconds: f64) {
        if let Some(counter) = usize::try_from(code).ok().and_then(|i| self.by_code.get(i)) {
            counter.increment(1);
        }
        self.seconds.record(seconds);
    }
}

/// Every handle of one server; all no-ops when metrics are off.
pub struct Metrics {
    recorder: Option<Arc<PrometheusRecorder>>,
    handle: Option<PrometheusHandle>,
    methods: HashMap<String, MethodMetrics>,
    unknown: MethodMetrics,
    pub connections: Gauge,
    pub redis_up: Gauge,
}

const META: Metadata<'static> = Metadata::new("redbank", Level::INFO, None);

/// The service and method of every RPC in these descriptor sets, as paths.
fn method_paths(sets: &[&[u8]]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for set in sets {
        let Ok(set) = prost_types::FileDescriptorSet::decode(*set) else { continue };
        for file in set.file {
            let package = file.package.unwrap_or_default();
            for service in file.service {
                let name = service.name.unwrap_or_default();
                let full = if package.is_empty() { name } else { format!("{package}.{name}") };
                for method in service.method {
                    let method = method.name.unwrap_or_default();
                    out.push((format!("/{full}/{method}"), full.clone(), method));
                }
            }
        }
    }
    out
}

impl Metrics {
    /// Handles that record nothing.
    pub fn off() -> Self {
        Self {
            recorder: None,
            handle: None,
            methods: HashMap::new(),
            unknown: MethodMetrics::noop(),
            connections: Gauge::noop(),
            redis_up: Gauge::noop(),
        }
    }

    /// A recorder of its own, with handles for every method in `descriptor_sets`.
    pub fn new(descriptor_sets: &[&[u8]]) -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full("redbank_batch_changes".into()), &BATCH_BUCKETS)
            });
        let builder = match builder {
            Ok(builder) => builder,
            // The buckets are constants; this cannot fail.
            Err(error) => {
                tracing::error!(%error, "metrics buckets refused; metrics off");
                return Self::off();
            }
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let _ = STARTED.set(now.as_secs_f64());
        let recorder = Arc::new(builder.build_recorder());
        let handle = recorder.handle();
        let describe = |name: &'static str, text: &'static str| {
            recorder.describe_counter(KeyName::from_const_str(name), None, SharedString::const_str(text));
        };
        describe("redbank_grpc_requests_total", "gRPC calls finished, by service, method and status code");
        describe("redbank_grpc_request_duration_seconds", "gRPC call time, response delivered, by method");
        describe("redbank_redis_script_calls_total", "Redis script calls, by script");
        describe(
            "redbank_redis_script_failures_total",
            "Redis script calls that failed (unavailable, timed out, refused by Redis)",
        );
        describe("redbank_redis_script_duration_seconds", "Redis script call time, by script");
        describe("redbank_batch_changes", "balance changes per post.lua call");
        describe("redbank_redis_up", "1 while Redis takes writes, 0 while it does not");
        describe("redbank_connections_open", "client connections open");
        describe(
            "redbank_webhook_attempts_total",
            "webhook delivery attempts, by outcome (delivered, failed, dead)",
        );
        describe("redbank_webhook_lag_seconds", "from an event's time to its webhook's first attempt");
        describe("redbank_event_subscribers", "event subscriptions open (Events/Subscribe)");
        describe("redbank_events_sent_total", "events sent to subscribers");
        describe(
            "redbank_event_lag_seconds",
            "from a history entry's time to its event's sending to a subscriber",
        );
        describe("redbank_console_requests_total", "web console requests answered, by route and status");
        describe("redbank_console_request_duration_seconds", "web console request time, by route");
        let counter = |name: &'static str, labels: Vec<Label>| {
            recorder.register_counter(&Key::from_parts(name, labels), &META)
        };
        let histogram = |name: &'static str, labels: Vec<Label>| {
            recorder.register_histogram(&Key::from_parts(name, labels), &META)
        };
        let method = |service: &str, method: &str| MethodMetrics {
            by_code: CODES
                .iter()
                .map(|code| {
                    let labels = vec![
                        Label::new("service", service.to_owned()),
                        Label::new("method", method.to_owned()),
                        Label::new("code", *code),
                    ];
                    counter("redbank_grpc_requests_total", labels)
                })
                .collect(),
            seconds: histogram(
                "redbank_grpc_request_duration_seconds",
                vec![Label::new("service", service.to_owned()), Label::new("method", method.to_owned())],
            ),
        };
        let methods = method_paths(descriptor_sets)
            .into_iter()
            .map(|(path, service, name)| {
                let handles = method(&service, &name);
                (path, handles)
            })
            .collect();
        let unknown = method("unknown", "unknown");
        let gauge = |name: &'static str| recorder.register_gauge(&Key::from_name(name), &META);
        Self {
            methods,
            unknown,
            connections: gauge("redbank_connections_open"),
            redis_up: gauge("redbank_redis_up"),
            recorder: Some(recorder),
            handle: Some(handle),
        }
    }

    /// The handles of the method at `path` (an HTTP/2 request path).
    pub fn method(&self, path: &str) -> &MethodMetrics {
        self.methods.get(path).unwrap_or(&self.unknown)
    }

    /// What the web console tells of each answered request: its route (a pattern,
    /// never a client's path) and status counted, its time in a histogram by route.
    /// None while metrics are off.
    pub fn console_observer(&self) -> Option<redbank_web::Observer> {
        let recorder = self.recorder.clone()?;
        Some(Arc::new(move |route: &str, status: u16, seconds: f64| {
            let route = Label::new("route", route.to_owned());
            let by_status = vec![route.clone(), Label::new("status", status.to_string())];
            recorder
                .register_counter(&Key::from_parts("redbank_console_requests_total", by_status), &META)
                .increment(1);
            recorder
                .register_histogram(
                    &Key::from_parts("redbank_console_request_duration_seconds", vec![route]),
                    &META,
                )
                .record(seconds);
        }))
    }

    /// Handles for the event subscriptions.
    pub fn events(&self) -> crate::events::EventMetrics {
        let Some(recorder) = &self.recorder else { return crate::events::EventMetrics::noop() };
        crate::events::EventMetrics {
            subscribers: recorder.register_gauge(&Key::from_name("redbank_event_subscribers"), &META),
            sent: recorder.register_counter(&Key::from_name("redbank_events_sent_total"), &META),
            lag: recorder.register_histogram(&Key::from_name("redbank_event_lag_seconds"), &META),
        }
    }

    /// Handles for webhook deliveries.
    pub fn webhooks(&self) -> crate::webhooks::deliver::WebhookMetrics {
        let Some(recorder) = &self.recorder else { return crate::webhooks::deliver::WebhookMetrics::noop() };
        let attempts = |outcome: &'static str| {
            recorder.register_counter(
                &Key::from_parts("redbank_webhook_attempts_total", vec![Label::new("outcome", outcome)]),
                &META,
            )
        };
        crate::webhooks::deliver::WebhookMetrics {
            delivered: attempts("delivered"),
            failed: attempts("failed"),
            dead: attempts("dead"),
            lag: recorder.register_histogram(&Key::from_name("redbank_webhook_lag_seconds"), &META),
        }
    }

    /// Handles for the store's Redis calls.
    pub fn store(&self) -> StoreMetrics {
        let Some(recorder) = &self.recorder else { return StoreMetrics::default() };
        let script = |name: &'static str| {
            let label = || vec![Label::new("script", name)];
            ScriptMetrics {
                name,
                calls: recorder
                    .register_counter(&Key::from_parts("redbank_redis_script_calls_total", label()), &META),
                failures: recorder.register_counter(
                    &Key::from_parts("redbank_redis_script_failures_total", label()),
                    &META,
                ),
                seconds: recorder.register_histogram(
                    &Key::from_parts("redbank_redis_script_duration_seconds", label()),
                    &META,
                ),
            }
        };
        let batch = recorder.register_histogram(&Key::from_name("redbank_batch_changes"), &META);
        StoreMetrics::with(script, batch)
    }

    /// The Prometheus text: the recorder's, then the process and build families
    /// (written here: a process collector's conventional types and help).
    pub fn render(&self) -> String {
        let Some(handle) = &self.handle else { return String::new() };
        let mut text = handle.render();
        process_text(&mut text);
        text
    }

    /// Folds histogram samples into buckets, every [`UPKEEP_INTERVAL`], for as long
    /// as the server runs.
    pub async fn upkeep(self: Arc<Self>) {
        let Some(handle) = self.handle.clone() else { return };
        loop {
            tokio::time::sleep(UPKEEP_INTERVAL).await;
            handle.run_upkeep();
        }
    }
}

/// The commit of this build (build.rs: git's, `REDBANK_COMMIT`, or "unknown").
pub const COMMIT: &str = env!("REDBANK_COMMIT");

/// When the process started, as Unix seconds (set when the metrics are made, at start).
static STARTED: std::sync::OnceLock<f64> = std::sync::OnceLock::new();

/// Appends the process collector's families and `redbank_build_info` to `text`.
fn process_text(text: &mut String) {
    use std::fmt::Write as _;
    let mut family = |name: &str, kind: &str, help: &str, sample: &str| {
        let _ = write!(text, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name}{sample}\n");
    };
    if let Some([cpu, rss, fds, threads]) = process_figures() {
        family(
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
            &format!(" {cpu}"),
        );
        family(
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            &format!(" {rss}"),
        );
        family("process_open_fds", "gauge", "Number of open file descriptors.", &format!(" {fds}"));
        family("process_threads", "gauge", "Number of OS threads in the process.", &format!(" {threads}"));
    }
    if let Some(started) = STARTED.get() {
        family(
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since unix epoch in seconds.",
            &format!(" {started}"),
        );
    }
    let build = format!("{{version=\"{}\",commit=\"{COMMIT}\"}} 1", env!("CARGO_PKG_VERSION"));
    family("redbank_build_info", "gauge", "The version and commit of this build; always 1.", &build);
}

/// CPU seconds, resident bytes, open descriptors and threads of this process, from
/// /proc (Linux); None elsewhere.
fn process_figures() -> Option<[f64; 4]> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    let cpu = (ticks(11)? + ticks(12)?) / CLOCK_TICKS_PER_SECOND;
    let threads = ticks(17)?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let rss_kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    let fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as f64;
    Some([cpu, rss_kb * 1024.0, fds, threads])
}

/// Serves `GET /metrics` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    let scrapers = Arc::new(Semaphore::new(SCRAPERS_MAX));
    loop {
        let (stream, _): (tokio::net::TcpStream, SocketAddr) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::debug!(%error, "metrics accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = scrapers.clone().try_acquire_owned() else { continue };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let metrics = metrics.clone();
                async move {
                    if request.method() == http::Method::GET && request.uri().path() == "/metrics" {
                        http::Response::builder()
                            .header("content-type", "text/plain; version=0.0.4; charset=utf-8")
                            .body(metrics.render())
                    } else {
                        http::Response::builder()
                            .status(http::StatusCode::NOT_FOUND)
                            .body("not found\n".to_owned())
                    }
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(SCRAPE_HEADER_TIMEOUT)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(SCRAPE_HEADER_TIMEOUT * 2, connection).await;
            drop(permit);
        });
    }
}
