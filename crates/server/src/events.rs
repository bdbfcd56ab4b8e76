//! `redbank.v1.Events`: an account's changes, or every account's, as a stream a
//! client follows. Built on the history itself: an account's events are its
//! history entries read after the follower's cursor (the bank's `follow`); every
//! account's are the feed the relay fills from the histories (`follow_all`,
//! relay.rs). Either way none is lost and none invented.
//!
//! A subscription reads the history every [`POLL_INTERVAL`] while it has nothing
//! to send. It ends (OK) shortly before its call's deadline (the server's
//! `--request-timeout-ms`, or the client's own if shorter) and at shutdown; the
//! client resumes from its last event's cursor. At most
//! [`SUBSCRIPTIONS_MAX`] run on one replica at once.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use redbank_api::convert::{timestamp_from_millis, transaction_to_proto};
use redbank_api::v1::{self, events_server::Events};
use redbank_domain::{AccountId, Error, EventCursor, Principal, Transaction};
use redbank_store::FeedEvent;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::context::CallContext;
use crate::{AppState, status};

/// Subscriptions one replica serves at once; one more is refused
/// RESOURCE_EXHAUSTED `TOO_MANY_SUBSCRIPTIONS`.
pub const SUBSCRIPTIONS_MAX: usize = 256;
/// How often a subscription with nothing to send reads the history again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// Entries one read of a subscription takes.
pub const READ_BATCH: usize = 100;
/// A subscription ends this long before its call's deadline, so that its end
/// reaches the client in time.
pub const END_BEFORE_DEADLINE: Duration = Duration::from_millis(500);

pub struct EventsService {
    state: Arc<AppState>,
    slots: Arc<Semaphore>,
    stop: CancellationToken,
    handles: Arc<EventMetrics>,
}

impl EventsService {
    /// `stop` ends every subscription (the server is stopping).
    pub fn new(state: Arc<AppState>, stop: CancellationToken, max: usize, handles: EventMetrics) -> Self {
        Self { state, slots: Arc::new(Semaphore::new(max)), stop, handles: Arc::new(handles) }
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<v1::Event, Status>> + Send>>;

/// What a subscription follows.
enum Source {
    /// One account's history.
    Account(AccountId),
    /// The feed of every account's changes (staff only).
    All,
}

/// One subscription as it goes.
struct Following {
    state: Arc<AppState>,
    by: Arc<Principal>,
    source: Source,
    cursor: EventCursor,
    pending: VecDeque<v1::Event>,
    ends: Instant,
    stop: CancellationToken,
    handles: Arc<EventMetrics>,
    /// Whether the last read came back full: then the next one goes at once, not
    /// after a poll interval (a follower behind catches up at its reading speed).
    behind: bool,
    _slot: Subscribed,
}

/// A subscription's place among those of this replica: its slot, and the
/// subscribers gauge while it lasts.
struct Subscribed {
    _permit: OwnedSemaphorePermit,
    subscribers: metrics::Gauge,
}

impl Drop for Subscribed {
    fn drop(&mut self) {
        self.subscribers.decrement(1.0);
    }
}

/// What a subscription reads next: the events, and the cursor after them.
async fn read(
    state: &AppState,
    by: &Principal,
    source: &Source,
    after: Option<EventCursor>,
) -> Result<(Vec<v1::Event>, EventCursor), Status> {
    match source {
        Source::Account(id) => {
            let read = state.bank.follow(by, id, after, READ_BATCH).await.map_err(status::from_store)?;
            let events = read.transactions.iter().map(|t| account_event(id, t)).collect::<Result<_, _>>()?;
            Ok((events, read.cursor))
        }
        Source::All => {
            let read = state.bank.follow_all(by, after, READ_BATCH).await.map_err(status::from_store)?;
            let events = read.events.iter().map(feed_event).collect::<Result<_, _>>()?;
            Ok((events, read.cursor))
        }
    }
}

impl Following {
    /// The next event, or None when the subscription ends.
    async fn next(&mut self) -> Option<Result<v1::Event, Status>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                self.handles.sent(&event);
                return Some(Ok(event));
            }
            let wait = if self.behind { Duration::ZERO } else { POLL_INTERVAL };
            tokio::select! {
                () = self.stop.cancelled() => return None,
                () = tokio::time::sleep_until(self.ends) => return None,
                () = tokio::time::sleep(wait) => {}
            }
            match read(&self.state, &self.by, &self.source, Some(self.cursor)).await {
                Ok((events, cursor)) => {
                    self.cursor = cursor;
                    self.behind = events.len() >= READ_BATCH;
                    self.pending.extend(events);
                }
                Err(e) => {
                    // Said once; the stream then ends.
                    self.ends = Instant::now();
                    return Some(Err(e));
                }
            }
        }
    }
}

/// An entry's cursor in its account's history.
fn entry_cursor(t: &Transaction) -> Result<EventCursor, Status> {
    EventCursor::parse(&t.id).map_err(|_| Status::internal("an entry id is not a cursor"))
}

fn account_event(id: &AccountId, t: &Transaction) -> Result<v1::Event, Status> {
    let cursor = entry_cursor(t)?;
    Ok(v1::Event {
        cursor: cursor.to_string(),
        event_id: cursor.event_id(id),
        account_id: id.to_string(),
        transaction: Some(transaction_to_proto(t)),
        time: Some(timestamp_from_millis(cursor.millis())),
    })
}

/// An event of the feed: its cursor is the feed's, its id and time the entry's
/// (the same event id as when following the account alone).
pub(crate) fn feed_event(e: &FeedEvent) -> Result<v1::Event, Status> {
    let entry = entry_cursor(&e.transaction)?;
    Ok(v1::Event {
        cursor: e.cursor.to_string(),
        event_id: entry.event_id(&e.account),
        account_id: e.account.to_string(),
        transaction: Some(transaction_to_proto(&e.transaction)),
        time: Some(timestamp_from_millis(entry.millis())),
    })
}

/// What the subscriptions of this replica record.
#[derive(Clone)]
pub struct EventMetrics {
    /// Subscriptions open.
    pub subscribers: metrics::Gauge,
    /// Events sent to subscribers.
    pub sent: metrics::Counter,
    /// From an entry's time to its event's sending, seconds.
    pub lag: metrics::Histogram,
}

impl EventMetrics {
    pub fn noop() -> Self {
        Self {
            subscribers: metrics::Gauge::noop(),
            sent: metrics::Counter::noop(),
            lag: metrics::Histogram::noop(),
        }
    }

    fn sent(&self, event: &v1::Event) {
        self.sent.increment(1);
        if let Some(time) = &event.time {
            let millis = time.seconds * 1000 + i64::from(time.nanos / 1_000_000);
            self.lag.record((crate::now_millis() - millis).max(0) as f64 / 1000.0);
        }
    }
}

#[tonic::async_trait]
impl Events for EventsService {
    type SubscribeStream = EventStream;

    async fn subscribe(
        &self,
        request: Request<v1::SubscribeRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let by = caller(request.extensions())?;
        let deadline = request.extensions().get::<CallContext>().and_then(CallContext::deadline);
        let r = request.get_ref();
        // No account: every account's changes.
        let source = if r.account_id.is_empty() {
            Source::All
        } else {
            Source::Account(AccountId::parse(&r.account_id).map_err(|e| status::refused(&e))?)
        };
        let after = EventCursor::parse_optional(&r.after).map_err(|e| status::refused(&e))?;
        let permit = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| status::refused(&Error::TooManySubscriptions))?;
        // The first read checks who asks, the account and the cursor, so that a
        // refusal is the call's answer rather than a failed stream.
        let (first, cursor) = read(&self.state, &by, &source, after).await?;
        let ends = deadline
            .map_or_else(|| Instant::now() + Duration::from_secs(10), |d| d - END_BEFORE_DEADLINE)
            .max(Instant::now());
        self.handles.subscribers.increment(1.0);
        let behind = first.len() >= READ_BATCH;
        let following = Following {
            state: self.state.clone(),
            by,
            source,
            cursor,
            pending: first.into(),
            ends,
            stop: self.stop.clone(),
            handles: self.handles.clone(),
            behind,
            _slot: Subscribed { _permit: permit, subscribers: self.handles.subscribers.clone() },
        };
        let stream = futures_util::stream::unfold(following, |mut f| async move {
            let next = f.next().await?;
            Some((next, f))
        });
        Ok(Response::new(Box::pin(stream)))
    }
}
