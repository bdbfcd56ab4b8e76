//! The access log: one line per call, at `info` under the target `redbank::access`
//! (turned off with `--log-level info,redbank::access=off`), with the method, the
//! status code and reason, the duration in whole microseconds (response delivered), the request id, the actor (who made it), the
//! peer and the W3C trace id when the client sent a `traceparent`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use http::HeaderMap;
use tonic::Status;
use tonic_types::StatusExt;

use crate::context::CallContext;
use crate::metrics::{Metrics, code_name};

/// Notes `request_id` (if not empty) as the request id of the call whose request
/// extensions these are.
pub fn note_request_id(extensions: &tonic::Extensions, request_id: &str) {
    if let Some(context) = extensions.get::<CallContext>() {
        context.note_request_id(request_id);
    }
}

/// The trace id of a W3C `traceparent` header (version 00), if valid.
fn trace_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("traceparent")?.to_str().ok()?;
    let mut parts = value.split('-');
    let (version, trace, parent, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| {
        s.len() == n && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let valid = version == "00"
        && parts.next().is_none()
        && hex(trace, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && trace.bytes().any(|b| b != b'0');
    valid.then(|| trace.to_owned())
}

/// One call, from its request to the last byte of its response: logged and counted
/// when dropped.
pub struct CallRecord {
    path: String,
    started: Instant,
    peer: SocketAddr,
    trace_id: Option<String>,
    context: CallContext,
    /// The status code, and the ErrorInfo reason of a failure; None until seen
    /// (a call dropped without one was cancelled by its client or connection).
    status: Option<(i32, Option<String>)>,
    metrics: Arc<Metrics>,
    /// The call's trace span (disabled unless traces are exported); it ends with
    /// this record, when the response has been delivered.
    span: tracing::Span,
}

impl CallRecord {
    /// Starts the record of the call and puts `context` in its extensions.
    pub fn start<B>(
        request: &mut http::Request<B>,
        context: CallContext,
        peer: SocketAddr,
        metrics: Arc<Metrics>,
    ) -> Self {
        request.extensions_mut().insert(context.clone());
        let span = crate::traces::call_span(request.headers(), request.uri().path());
        Self {
            span,
            path: request.uri().path().to_owned(),
            started: Instant::now(),
            peer,
            trace_id: trace_id(request.headers()),
            context,
            status: None,
            metrics,
        }
    }

    /// The call's trace span, for its handler to run in.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Takes the status from headers or trailers that carry one.
    pub fn saw(&mut self, headers: &HeaderMap) {
        let Some(code) = headers.get("grpc-status") else { return };
        let code: i32 = code.to_str().ok().and_then(|c| c.parse().ok()).unwrap_or(2);
        let reason = (code != 0)
            .then(|| {
                Status::from_header_map(headers).and_then(|s| s.get_details_error_info()).map(|i| i.reason)
            })
            .flatten();
        self.status = Some((code, reason));
    }
}

impl Drop for CallRecord {
    fn drop(&mut self) {
        let (code, reason) = self.status.take().unwrap_or((1, None));
        let elapsed = self.started.elapsed();
        self.metrics.method(&self.path).record(code, elapsed.as_secs_f64());
        let request_id = self.context.request_id();
        crate::traces::finish(&self.span, code, reason.as_deref(), request_id);
        tracing::info!(
            target: "redbank::access",
            method = %self.path,
            code = code_name(code),
            reason = reason.as_deref().unwrap_or(""),
            // Whole microseconds: `0.050665` ms would read as noise.
            duration_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            request_id,
            actor = self.context.principal().map_or("", |p| p.actor.as_str()),
            peer = %self.peer,
            trace_id = self.trace_id.as_deref().unwrap_or(""),
            "call"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_valid_traceparent_gives_a_trace_id() {
        let mut headers = HeaderMap::new();
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        headers.insert("traceparent", good.parse().unwrap());
        assert_eq!(trace_id(&headers).as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        for bad in [
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            "garbage",
        ] {
            headers.insert("traceparent", bad.parse().unwrap());
            assert_eq!(trace_id(&headers), None, "{bad}");
        }
    }
}
