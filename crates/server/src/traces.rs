//! OpenTelemetry traces over OTLP (`--otlp-endpoint`, off by default): a span per
//! call (its method, status code, account and request id), child spans for the
//! Redis scripts it runs, and the caller's W3C trace context (`traceparent`)
//! honoured as the parent.
//!
//! Spans are `tracing` spans of the target [`TARGET`] at TRACE level, which only the
//! OpenTelemetry layer listens to: with OTLP off nothing listens, so each span is a
//! disabled callsite (one relaxed load on the hot path, no allocation), and the log
//! lines are unchanged whatever the traces do.

use std::time::Duration;

use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::{Layer, registry::LookupSpan};

/// The `tracing` target of every span exported.
pub const TARGET: &str = redbank_store::TRACE_TARGET;
/// The longest an export of a batch of spans may take (the exporter's own deadline).
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);
/// At shutdown, the longest the spans still buffered may take to leave.
pub const FLUSH_LIMIT: Duration = Duration::from_secs(5);

/// The exporter, kept to flush and stop at shutdown.
pub struct Traces(SdkTracerProvider);

impl Traces {
    /// Starts exporting to `endpoint` (an OTLP/gRPC receiver, `http://host:4317`):
    /// the layer to add to the subscriber, and the handle to stop it with.
    pub fn start<S>(endpoint: &str) -> Result<(Self, impl Layer<S>), String>
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .with_timeout(EXPORT_TIMEOUT)
            .build()
            .map_err(|e| format!("--otlp-endpoint {endpoint}: {e}"))?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(
                opentelemetry_sdk::Resource::builder()
                    .with_service_name("redbank-server")
                    .with_attribute(opentelemetry::KeyValue::new(
                        "service.version",
                        env!("CARGO_PKG_VERSION"),
                    ))
                    .build(),
            )
            .build();
        let layer = tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("redbank"))
            .with_filter(Targets::new().with_target(TARGET, LevelFilter::TRACE));
        Ok((Self(provider), layer))
    }

    /// Sends what is buffered and stops (bounded by [`FLUSH_LIMIT`]).
    pub fn stop(self) {
        if let Err(error) = self.0.shutdown_with_timeout(FLUSH_LIMIT) {
            tracing::warn!(%error, "traces: the last spans could not be sent");
        }
    }
}

/// A call's span, its parent the caller's `traceparent` when it sent a valid one.
/// Disabled (and free) unless traces are exported.
pub fn call_span(headers: &http::HeaderMap, path: &str) -> tracing::Span {
    let span = tracing::trace_span!(
        target: TARGET,
        "call",
        otel.name = path.trim_start_matches('/'),
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.method = path,
        rpc.grpc.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        redbank.account = tracing::field::Empty,
        redbank.request_id = tracing::field::Empty,
        redbank.reason = tracing::field::Empty,
    );
    if !span.is_disabled() {
        let parent = TraceContextPropagator::new().extract(&Headers(headers));
        // A context without a valid remote span (no or a bad traceparent) leaves a root span.
        let _ = span.set_parent(parent);
    }
    span
}

/// Records the account a call is about on its span (the current one).
pub fn note_account(account: &str) {
    // The callsite's cached answer first: without traces, no lookup of the current span.
    if tracing::enabled!(target: TARGET, tracing::Level::TRACE) && !account.is_empty() {
        tracing::Span::current().record("redbank.account", account);
    }
}

/// Records how a call ended on its span.
pub fn finish(span: &tracing::Span, code: i32, reason: Option<&str>, request_id: &str) {
    if span.is_disabled() {
        return;
    }
    span.record("rpc.grpc.status_code", code);
    if code != 0 {
        span.record("otel.status_code", "ERROR");
    }
    if let Some(reason) = reason {
        span.record("redbank.reason", reason);
    }
    if !request_id.is_empty() {
        span.record("redbank.request_id", request_id);
    }
}

struct Headers<'a>(&'a http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}
