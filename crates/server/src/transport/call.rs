//! One call: its deadline, its place among the connection's calls, and a response
//! body that hands bytes to HTTP/2 in pieces and adds ErrorInfo where tonic gave none.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tracing::Instrument;

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use tonic::Status;
use tonic::service::Routes;
use tower_service::Service;

use super::connection::{CallGuard, Connection};
use crate::access::CallRecord;
use crate::auth::Authenticator;
use crate::budget::ResponsePermit;
use crate::context::CallContext;
use crate::metrics::Metrics;
use crate::status;

/// Largest piece of a response handed to HTTP/2 at once (its default frame size).
/// HTTP/2 takes the next piece only when the peer's window has room, so a client
/// that does not read holds at most one piece per stream in the send buffer; the
/// rest stays in this body, counted by its response budget.
pub const PIECE_BYTES: usize = 16 * 1024;

/// A request body must end within this (or the call's deadline, if shorter): a
/// call whose client sends its headers and never finishes its body is answered
/// DEADLINE_EXCEEDED `REQUEST_BODY_TIMEOUT` and ends, rather than holding its
/// stream until the call deadline. No handler has run for it (tonic calls one only
/// once the body is whole).
pub const REQUEST_BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// Routes behind the call rules.
#[derive(Clone)]
pub struct CallService {
    routes: Routes,
    conn: Arc<Connection>,
    request_timeout: Duration,
    metrics: Arc<Metrics>,
    auth: Arc<Authenticator>,
}

impl CallService {
    pub fn new(
        routes: Routes,
        conn: Arc<Connection>,
        request_timeout: Duration,
        metrics: Arc<Metrics>,
        auth: Arc<Authenticator>,
    ) -> Self {
        Self { routes, conn, request_timeout, metrics, auth }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl Service<http::Request<hyper::body::Incoming>> for CallService {
    type Response = http::Response<CallBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<hyper::body::Incoming>) -> Self::Future {
        let guard = self.conn.start_call();
        let body_done = guard.body_done();
        let mut request = request.map(|inner| WatchedBody { inner, done: body_done.clone() });
        let deadline = deadline(self.request_timeout, request.headers());
        let body_deadline = deadline.min(REQUEST_BODY_TIMEOUT);
        let started = tokio::time::Instant::now();
        let context = CallContext::new(started + deadline, self.conn.budget.clone());
        let record = CallRecord::start(&mut request, context, self.conn.peer, self.metrics.clone());
        let (auth, mut routes) = (self.auth.clone(), self.routes.clone());
        Box::pin(async move {
            // The routed call is made here, inside the boxed future, not captured
            // by it: a captured future and its pinned copy took two places in the
            // box, which every call allocated and copied whole (docs/PERFORMANCE.md).
            let routed = async move {
                match auth.admit(&mut request).await {
                    Ok(()) => routes.call(request).await,
                    Err(refused) => Ok(refused.into_http()),
                }
            }
            .instrument(record.span().clone());
            // One timer for both deadlines: it fires first at the body's (never
            // later than the call's); a call whose body has ended by then goes on
            // to the call's deadline.
            let timer = tokio::time::sleep(body_deadline);
            tokio::pin!(routed, timer);
            let response = loop {
                tokio::select! {
                    biased;
                    routed = &mut routed => match routed {
                        Ok(response) => break response,
                        Err(never) => match never {},
                    },
                    () = &mut timer => {
                        if !body_done.load(Ordering::Relaxed) {
                            break status::request_body_timeout(body_deadline).into_http();
                        }
                        if timer.deadline() >= started + deadline {
                            break status::deadline_exceeded().into_http();
                        }
                        timer.as_mut().reset(started + deadline);
                    }
                }
            };
            Ok(CallBody::wrap(response, guard, record))
        })
    }
}

/// A request body that says when it has ended (for the connection's shedding
/// and the body deadline).
pub struct WatchedBody {
    inner: hyper::body::Incoming,
    done: Arc<AtomicBool>,
}

impl Body for WatchedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) || self.inner.is_end_stream() {
            self.done.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The call's deadline: the server's, or the client's `grpc-timeout` if shorter.
fn deadline(server: Duration, headers: &HeaderMap) -> Duration {
    headers
        .get("grpc-timeout")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_grpc_timeout)
        .map_or(server, |client| client.min(server))
}

/// A `grpc-timeout` value: at most 8 digits and a unit (H, M, S, m, u, n).
fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    let (digits, unit) = value.split_at_checked(value.len().checked_sub(1)?)?;
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// Gives a failure in these headers or trailers an ErrorInfo if it has none.
fn ensure_error_info(headers: &mut HeaderMap) {
    let failed = headers.get("grpc-status").is_some_and(|code| code.as_bytes() != b"0");
    if failed
        && let Some(found) = Status::from_header_map(headers)
        && found.details().is_empty()
    {
        let _ = status::with_transport_info(&found).add_header(headers);
    }
}

/// A response body that holds its call open and its budget until the last byte
/// has been handed to HTTP/2.
pub struct CallBody {
    inner: tonic::body::Body,
    /// The rest of a data frame not yet handed on.
    rest: Option<Bytes>,
    /// Dropped after the guard and the permit: the call is logged once its
    /// resources are released.
    _guard: CallGuard,
    _permit: Option<ResponsePermit>,
    record: CallRecord,
}

impl CallBody {
    fn wrap(
        response: http::Response<tonic::body::Body>,
        guard: CallGuard,
        mut record: CallRecord,
    ) -> http::Response<Self> {
        let (mut parts, inner) = response.into_parts();
        let permit = parts.extensions.remove::<ResponsePermit>();
        ensure_error_info(&mut parts.headers);
        record.saw(&parts.headers);
        http::Response::from_parts(parts, Self { inner, rest: None, _guard: guard, _permit: permit, record })
    }

    fn piece(data: &mut Bytes) -> Bytes {
        data.split_to(data.len().min(PIECE_BYTES))
    }
}

impl Body for CallBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = &mut *self;
        if let Some(rest) = this.rest.as_mut() {
            let piece = Self::piece(rest);
            if rest.is_empty() {
                this.rest = None;
            }
            return Poll::Ready(Some(Ok(Frame::data(piece))));
        }
        let frame = match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            Some(Ok(frame)) => frame,
            other => return Poll::Ready(other),
        };
        let frame = match frame.into_data() {
            Ok(mut data) => {
                let piece = Self::piece(&mut data);
                if !data.is_empty() {
                    this.rest = Some(data);
                }
                Frame::data(piece)
            }
            Err(frame) => match frame.into_trailers() {
                Ok(mut trailers) => {
                    ensure_error_info(&mut trailers);
                    this.record.saw(&trailers);
                    Frame::trailers(trailers)
                }
                Err(frame) => frame,
            },
        };
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        match &self.rest {
            None => self.inner.size_hint(),
            Some(_) => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse_as_the_spec_says_and_nothing_else() {
        assert_eq!(parse_grpc_timeout("1S"), Some(Duration::from_secs(1)));
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_grpc_timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_grpc_timeout("99999999n"), Some(Duration::from_nanos(99_999_999)));
        for bad in ["", "S", "1", "123456789S", "1s", "-1S", "1.5S", "١S"] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad}");
        }
        let mut headers = HeaderMap::new();
        assert_eq!(deadline(Duration::from_secs(10), &headers), Duration::from_secs(10));
        headers.insert("grpc-timeout", http::HeaderValue::from_static("3S"));
        assert_eq!(deadline(Duration::from_secs(10), &headers), Duration::from_secs(3));
        headers.insert("grpc-timeout", http::HeaderValue::from_static("30S"));
        assert_eq!(deadline(Duration::from_secs(10), &headers), Duration::from_secs(10));
    }

    #[test]
    fn a_failure_without_details_gets_error_info_and_a_success_is_left_alone() {
        let mut headers = HeaderMap::new();
        Status::unimplemented("no such method").add_header(&mut headers).unwrap();
        ensure_error_info(&mut headers);
        let status = Status::from_header_map(&headers).unwrap();
        let info = tonic_types::StatusExt::get_details_error_info(&status).expect("ErrorInfo");
        assert_eq!((info.reason.as_str(), status.message()), ("UNIMPLEMENTED", "no such method"));

        let mut ok = HeaderMap::new();
        ok.insert("grpc-status", http::HeaderValue::from_static("0"));
        ensure_error_info(&mut ok);
        assert_eq!(ok.len(), 1);
    }
}
