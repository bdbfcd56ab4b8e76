//! `redbank.v1.Events`: an account's changes as a stream a client follows. Built
//! on the history itself (the bank's `follow`): every event is a history entry,
//! read after the follower's cursor, so none is lost and none invented.
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
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::transport::CallDeadline;
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
}

impl EventsService {
    /// `stop` ends every subscription (the server is stopping).
    pub fn new(state: Arc<AppState>, stop: CancellationToken, max: usize) -> Self {
        Self { state, slots: Arc::new(Semaphore::new(max)), stop }
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<v1::Event, Status>> + Send>>;

/// One subscription as it goes.
struct Following {
    state: Arc<AppState>,
    by: Arc<Principal>,
    id: AccountId,
    cursor: EventCursor,
    pending: VecDeque<Transaction>,
    ends: Instant,
    stop: CancellationToken,
    _slot: OwnedSemaphorePermit,
}

impl Following {
    /// The next event, or None when the subscription ends.
    async fn next(&mut self) -> Option<Result<v1::Event, Status>> {
        loop {
            if let Some(t) = self.pending.pop_front() {
                return Some(event(&self.id, &t));
            }
            tokio::select! {
                () = self.stop.cancelled() => return None,
                () = tokio::time::sleep_until(self.ends) => return None,
                () = tokio::time::sleep(POLL_INTERVAL) => {}
            }
            match self.state.bank.follow(&self.by, &self.id, Some(self.cursor), READ_BATCH).await {
                Ok(read) => {
                    self.cursor = read.cursor;
                    self.pending.extend(read.transactions);
                }
                Err(e) => {
                    // Said once; the stream then ends.
                    self.ends = Instant::now();
                    return Some(Err(status::from_store(e)));
                }
            }
        }
    }
}

fn event(id: &AccountId, t: &Transaction) -> Result<v1::Event, Status> {
    let cursor = EventCursor::parse(&t.id).map_err(|_| Status::internal("an entry id is not a cursor"))?;
    Ok(v1::Event {
        cursor: cursor.to_string(),
        event_id: cursor.event_id(id),
        account_id: id.to_string(),
        transaction: Some(transaction_to_proto(t)),
        time: Some(timestamp_from_millis(cursor.millis())),
    })
}

#[tonic::async_trait]
impl Events for EventsService {
    type SubscribeStream = EventStream;

    async fn subscribe(
        &self,
        request: Request<v1::SubscribeRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let by = caller(request.extensions())?;
        let deadline = request.extensions().get::<CallDeadline>().map(|d| d.0);
        let r = request.get_ref();
        let id = AccountId::parse(&r.account_id).map_err(|e| status::refused(&e))?;
        let after = EventCursor::parse_optional(&r.after).map_err(|e| status::refused(&e))?;
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| status::refused(&Error::TooManySubscriptions))?;
        // The first read checks who asks, the account and the cursor, so that a
        // refusal is the call's answer rather than a failed stream.
        let first = self.state.bank.follow(&by, &id, after, READ_BATCH).await.map_err(status::from_store)?;
        let ends = deadline
            .map_or_else(|| Instant::now() + Duration::from_secs(10), |d| d - END_BEFORE_DEADLINE)
            .max(Instant::now());
        let following = Following {
            state: self.state.clone(),
            by,
            id,
            cursor: first.cursor,
            pending: first.transactions.into(),
            ends,
            stop: self.stop.clone(),
            _slot: slot,
        };
        let stream = futures_util::stream::unfold(following, |mut f| async move {
            let next = f.next().await?;
            Some((next, f))
        });
        Ok(Response::new(Box::pin(stream)))
    }
}
