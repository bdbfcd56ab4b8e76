//! Delivering webhooks: every replica runs [`run`]. Each webhook is delivered by one
//! replica at a time, the holder of its lease in Redis (taken when free, renewed
//! every third of [`LEASE`], let go at shutdown; a replica killed loses it when it
//! runs out). The holder reads the feed of every account's changes after the
//! webhook's cursor a window at a time ([`WINDOW`] events), delivers each account's
//! events of the window in their order (up to [`ACCOUNTS_AT_ONCE`] accounts at
//! once), and moves the cursor past the window when every event in it is delivered
//! or dead. Each attempt is written to Redis as it ends (store/src/webhooks.rs),
//! so a replica taking over skips what was delivered and carries each event's
//! retries on; what it may send twice is the attempt that was under way when the
//! last holder died (at least once: receivers dedupe by event id).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use redbank_domain::{Error, WebhookId};
use redbank_store::{Attempt, FeedEvent, Outcome, Progress, Retrying, Store, StoreError, Webhook};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::http::Client;
use super::sign::signature;

/// How long a webhook's lease lasts unless renewed.
pub const LEASE: Duration = Duration::from_secs(10);
/// How often a replica looks for webhooks no one delivers.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// Events of the feed one window takes.
pub const WINDOW: usize = 100;
/// Accounts of one window delivered at once (each account's events in order).
pub const ACCOUNTS_AT_ONCE: usize = 8;
/// How often an idle webhook reads the feed again.
const POLL: Duration = Duration::from_millis(100);
/// How often a webhook looks for dead events asked to be sent again.
const REQUEUE_EVERY: Duration = Duration::from_secs(1);
/// The first retry waits about this long...
const BACKOFF_MIN: Duration = Duration::from_millis(500);
/// ...doubling up to this.
const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// How deliveries are made.
pub struct DeliveryConfig {
    /// From an event's first attempt, how long it is retried before it is dead.
    pub retry_window: Duration,
    pub client: Client,
    pub metrics: WebhookMetrics,
}

/// What deliveries record.
#[derive(Clone)]
pub struct WebhookMetrics {
    pub delivered: metrics::Counter,
    pub failed: metrics::Counter,
    pub dead: metrics::Counter,
    /// From an event's time to its first attempt's start, seconds.
    pub lag: metrics::Histogram,
}

impl WebhookMetrics {
    pub fn noop() -> Self {
        Self {
            delivered: metrics::Counter::noop(),
            failed: metrics::Counter::noop(),
            dead: metrics::Counter::noop(),
            lag: metrics::Histogram::noop(),
        }
    }
}

/// Runs until `stop`; then every webhook this replica delivers is let go.
pub async fn run(store: Store, config: Arc<DeliveryConfig>, stop: CancellationToken) {
    let holder = format!("pid {} {}", std::process::id(), crate::now_millis());
    let mut working: HashMap<WebhookId, tokio::task::JoinHandle<()>> = HashMap::new();
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
        working.retain(|_, task| !task.is_finished());
        let hooks = match store.webhooks().await {
            Ok(hooks) => hooks,
            Err(e) => {
                tracing::debug!(error = %e, "webhooks not listed");
                continue;
            }
        };
        for hook in hooks {
            if working.contains_key(&hook.id) {
                continue;
            }
            if let Ok(true) = store.take_webhook_lease(&hook.id, &holder, LEASE).await {
                let worker = Worker {
                    store: store.clone(),
                    id: hook.id.clone(),
                    holder: holder.clone(),
                    config: config.clone(),
                    stop: stop.child_token(),
                };
                working.insert(hook.id, tokio::spawn(worker.work()));
            }
        }
    }
    for (_, task) in working {
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
}

/// Why a delivery stopped before its events were done.
#[derive(Debug)]
enum Halt {
    /// The server stops, the lease is lost, or the webhook was deleted.
    Stopped,
    Store(StoreError),
}

impl From<StoreError> for Halt {
    fn from(e: StoreError) -> Self {
        Halt::Store(e)
    }
}

struct Worker {
    store: Store,
    id: WebhookId,
    holder: String,
    config: Arc<DeliveryConfig>,
    /// Cancelled at shutdown, or when the lease is lost.
    stop: CancellationToken,
}

impl Worker {
    async fn work(self) {
        let renewer =
            tokio::spawn(renew(self.store.clone(), self.id.clone(), self.holder.clone(), self.stop.clone()));
        let mut failing = false;
        // The webhook and its secret, read once: only this lease holder moves its
        // cursor, and a deletion removes the lease, which stops this worker.
        let mut hook: Option<(Webhook, String)> = None;
        let mut requeue_due = Instant::now();
        while !self.stop.is_cancelled() {
            let round = match &mut hook {
                Some((hook, secret)) => self.round(hook, secret, &mut requeue_due).await,
                None => self.load().await.map(|loaded| {
                    hook = loaded;
                    true
                }),
            };
            match round {
                Ok(true) => failing = false,
                Ok(false) => {
                    failing = false;
                    self.pause(POLL).await;
                }
                Err(Halt::Stopped) => break,
                Err(Halt::Store(e)) => {
                    if !failing {
                        tracing::warn!(webhook = %self.id, error = %e, "webhook deliveries fail on Redis; retrying");
                    }
                    failing = true;
                    self.pause(Duration::from_secs(1)).await;
                }
            }
        }
        renewer.abort();
        let _ = self.store.release_webhook_lease(&self.id, &self.holder).await;
    }

    /// The webhook and its secret; stops the worker if it is gone.
    async fn load(&self) -> Result<Option<(Webhook, String)>, Halt> {
        let Some(hook) = self.store.webhook(&self.id).await? else {
            self.stop.cancel();
            return Err(Halt::Stopped);
        };
        let secret = self.store.webhook_secret(&self.id).await?;
        Ok(Some((hook, secret)))
    }

    async fn pause(&self, how_long: Duration) {
        tokio::select! {
            () = self.stop.cancelled() => {}
            () = tokio::time::sleep(how_long) => {}
        }
    }

    /// One round: the dead events asked again (at most once every
    /// [`REQUEUE_EVERY`]), then a window. Ok(false) when there was nothing to send.
    async fn round(&self, hook: &mut Webhook, secret: &str, requeue_due: &mut Instant) -> Result<bool, Halt> {
        let mut sent = false;
        if Instant::now() >= *requeue_due {
            *requeue_due = Instant::now() + REQUEUE_EVERY;
            let requeued = self.store.requeued(&self.id).await?;
            let retrying = if requeued.is_empty() {
                HashMap::new()
            } else {
                self.store.webhook_progress(&self.id).await?.retrying
            };
            for (event_id, body) in &requeued {
                let account = serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v["accountId"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                let body = Bytes::from(body.clone());
                let retry = retrying.get(event_id).copied();
                self.deliver(hook, secret, event_id, &account, None, body, retry).await?;
                sent = true;
            }
        }
        let read = match self.store.feed_after(Some(hook.cursor), WINDOW).await {
            Ok(read) => read,
            Err(StoreError::Refused(Error::EventsExpired { .. })) => {
                // Behind the feed's retention: what lay between is gone from the
                // feed (still in the histories). Said loudly, then on from now.
                let now = self.store.feed_after(None, 1).await?.cursor;
                tracing::error!(webhook = %self.id, from = %hook.cursor, to = %now, "webhook fell behind the feed's retention; events between were not delivered");
                self.advance(hook, now).await?;
                return Ok(true);
            }
            Err(e) => return Err(e.into()),
        };
        if read.events.is_empty() {
            return Ok(sent);
        }
        let progress = self.store.webhook_progress(&self.id).await?;
        // Each account's events of the window, in order.
        let mut order: Vec<String> = Vec::new();
        let mut by_account: HashMap<String, Vec<&FeedEvent>> = HashMap::new();
        for e in &read.events {
            if hook.account.as_ref().is_some_and(|only| *only != e.account) {
                continue;
            }
            let list = by_account.entry(e.account.to_string()).or_insert_with(|| {
                order.push(e.account.to_string());
                Vec::new()
            });
            list.push(e);
        }
        let mut rounds = Vec::with_capacity(order.len());
        for account in &order {
            let events = &by_account[account];
            let delivering: std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<(), Halt>> + Send + '_>,
            > = Box::pin(self.deliver_account(hook, secret, account, events, &progress));
            rounds.push(delivering);
        }
        let results: Vec<Result<(), Halt>> =
            futures_util::stream::iter(rounds).buffer_unordered(ACCOUNTS_AT_ONCE).collect().await;
        for result in results {
            result?;
        }
        self.advance(hook, read.cursor).await?;
        Ok(true)
    }

    /// Moves the cursor past a finished window; stops the worker if the lease is
    /// no longer its own (or the webhook is gone).
    async fn advance(&self, hook: &mut Webhook, cursor: redbank_domain::EventCursor) -> Result<(), Halt> {
        if self.store.advance_webhook(&self.id, &self.holder, cursor).await? {
            hook.cursor = cursor;
            Ok(())
        } else {
            self.stop.cancel();
            Err(Halt::Stopped)
        }
    }

    /// Delivers one account's events of a window, in order, skipping those done.
    async fn deliver_account(
        &self,
        hook: &Webhook,
        secret: &str,
        account: &str,
        events: &[&FeedEvent],
        progress: &Progress,
    ) -> Result<(), Halt> {
        for e in events {
            let event = crate::events::feed_event(e).map_err(|_| StoreError::Corrupt("an event".into()))?;
            if progress.done.contains(&event.event_id) {
                continue;
            }
            let body = Bytes::from(redbank_api::json::event(&event).to_string());
            let retry = progress.retrying.get(&event.event_id).copied();
            let time = e.transaction.create_time_millis;
            self.deliver(hook, secret, &event.event_id, account, Some(time), body, retry).await?;
        }
        Ok(())
    }

    /// Delivers one event until it is delivered or dead (or the worker stops).
    #[expect(clippy::too_many_arguments, reason = "one event's parts, each named")]
    async fn deliver(
        &self,
        hook: &Webhook,
        secret: &str,
        event_id: &str,
        account: &str,
        event_millis: Option<i64>,
        body: Bytes,
        retrying: Option<Retrying>,
    ) -> Result<(), Halt> {
        let mut state = retrying.unwrap_or(Retrying { first_millis: crate::now_millis(), attempts: 0 });
        if state.attempts > 0 {
            // Taken over mid-retry: wait as the last holder would have.
            self.wait(backoff(state.attempts, event_id)).await?;
        }
        loop {
            if self.stop.is_cancelled() {
                return Err(Halt::Stopped);
            }
            let now = crate::now_millis();
            if state.attempts == 0
                && let Some(at) = event_millis
            {
                self.config.metrics.lag.record((now - at).max(0) as f64 / 1000.0);
            }
            state.attempts += 1;
            let headers = [
                ("redbank-signature", signature(secret, now.div_euclid(1000), &body)),
                ("redbank-event-id", event_id.to_owned()),
            ];
            let answer = self.config.client.post(&hook.url, &headers, body.clone()).await;
            let (status, error) = match &answer {
                Ok(code) if (200..300).contains(code) => (Some(*code), String::new()),
                Ok(code) => (Some(*code), format!("answered {code}")),
                Err(why) => (None, why.clone()),
            };
            let ended = crate::now_millis();
            let over = ended - state.first_millis >= self.config.retry_window.as_millis() as i64;
            let wait = backoff(state.attempts, event_id);
            let outcome = match (error.is_empty(), over) {
                (true, _) => Outcome::Delivered,
                (false, false) => Outcome::Failed,
                (false, true) => Outcome::Dead,
            };
            let attempt = Attempt {
                event_id: event_id.to_owned(),
                account: account.to_owned(),
                attempt: state.attempts,
                outcome,
                status,
                error,
                time_millis: now,
                next_millis: (outcome == Outcome::Failed).then(|| ended + wait.as_millis() as i64),
            };
            let body_text = if outcome == Outcome::Dead {
                String::from_utf8_lossy(&body).into_owned()
            } else {
                String::new()
            };
            self.store.record_attempt(&self.id, &attempt, state.first_millis, &body_text).await?;
            match outcome {
                Outcome::Delivered => {
                    self.config.metrics.delivered.increment(1);
                    return Ok(());
                }
                Outcome::Dead => {
                    self.config.metrics.dead.increment(1);
                    tracing::warn!(webhook = %self.id, event = event_id, attempts = state.attempts, "webhook delivery dead after its retry window");
                    return Ok(());
                }
                Outcome::Failed => {
                    self.config.metrics.failed.increment(1);
                    self.wait(wait).await?;
                }
            }
        }
    }

    async fn wait(&self, how_long: Duration) -> Result<(), Halt> {
        tokio::select! {
            () = self.stop.cancelled() => Err(Halt::Stopped),
            () = tokio::time::sleep(how_long) => Ok(()),
        }
    }
}

/// The wait before attempt `attempts + 1`: doubling from [`BACKOFF_MIN`] to
/// [`BACKOFF_MAX`], then a random part of it (between half and all), so that
/// many webhooks failing at once do not retry at once.
fn backoff(attempts: u32, event_id: &str) -> Duration {
    let full = BACKOFF_MIN.saturating_mul(1 << attempts.saturating_sub(1).min(20)).min(BACKOFF_MAX);
    // Jitter from the clock and the event: unpredictable enough to spread retries,
    // and no lock or generator shared between deliveries.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    let mixed = event_id.bytes().fold(nanos, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let half = full / 2;
    half + Duration::from_nanos(mixed % (half.as_nanos().max(1) as u64))
}

/// Renews the lease every third of [`LEASE`]; cancels `lost` when it is no longer ours.
async fn renew(store: Store, id: WebhookId, holder: String, lost: CancellationToken) {
    let mut last_renewed = Instant::now();
    loop {
        tokio::time::sleep(LEASE / 3).await;
        match store.renew_webhook_lease(&id, &holder, LEASE).await {
            Ok(true) => last_renewed = Instant::now(),
            Ok(false) => break,
            // Redis away: the lease may run out meanwhile; stop before it could.
            Err(_) if last_renewed.elapsed() >= LEASE * 2 / 3 => break,
            Err(_) => {}
        }
    }
    lost.cancel();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_its_bounds_with_jitter() {
        for attempts in 1..40 {
            let full = BACKOFF_MIN.saturating_mul(1 << (attempts - 1).min(20)).min(BACKOFF_MAX);
            let wait = backoff(attempts, "a/1-0");
            assert!(wait >= full / 2 && wait <= full, "{attempts}: {wait:?} of {full:?}");
        }
        assert!(backoff(30, "x") <= BACKOFF_MAX);
    }
}
