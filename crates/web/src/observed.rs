//! Every console request observed once it is answered: a line of the console's
//! access log (target `redbank::console_access`) and, through the observer the
//! server gives, its metrics by route and status.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// What is told of each answered request: its route (the pattern it matched, such
/// as `/accounts/{id}`, or `unmatched`: never the path a client made up, so the
/// label set stays bounded), its status, and its time in seconds.
pub type Observer = Arc<dyn Fn(&str, u16, f64) + Send + Sync>;

/// The route's pattern, or `unmatched`.
fn route(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned())
}

/// Runs the request, then logs and reports it.
pub(crate) async fn observe(observer: Option<Observer>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (method, route) = (request.method().clone(), route(&request));
    let peer = request.extensions().get::<crate::Peer>().map(|p| p.0);
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    if let Some(observer) = &observer {
        observer(&route, status, elapsed.as_secs_f64());
    }
    tracing::info!(
        target: "redbank::console_access",
        method = %method,
        route,
        status,
        duration_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        peer = peer.map(|p| p.to_string()).unwrap_or_default(),
        "console request"
    );
    response
}
