//! The feed's relay every replica runs. On a Redis Cluster, where a change's script
//! cannot write the feed of every account's changes (another slot), it publishes the
//! accounts this replica changed soon after each change's reply (the store's hints),
//! and every `--events-sweep-secs` one replica (whichever takes the lease) walks
//! every account for entries not yet in the feed, which is what a replica killed
//! between a change and its publication leaves. On one Redis every change writes its
//! own event, and the relay only trims the feed. Why the
//! feed cannot be written in the change's own step, and why nothing is lost:
//! ARCHITECTURE.md, "Change events".

use std::time::Duration;

use redbank_store::{PUBLISH_ACCOUNTS_MAX, Store};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// After a hint, the relay waits this long for more before it publishes: under
/// load one publication takes the changes of many calls (at one call in flight,
/// about one in ten instead of every one), for at most this much more lag.
const GATHER: Duration = Duration::from_millis(5);
/// How long the relay waits after a failed publication (Redis away) before the next.
const RETRY_AFTER: Duration = Duration::from_millis(200);
/// Accounts examined per page of a sweep.
const SWEEP_PAGE: usize = 500;
/// At shutdown, the last publication of what this replica changed may take this long;
/// what it leaves, the next sweep publishes.
const FLUSH_AT_STOP: Duration = Duration::from_secs(2);

/// Runs until `stop`, then publishes what is hinted (within [`FLUSH_AT_STOP`]).
pub async fn run(store: Store, sweep_every: Duration, stop: CancellationToken) {
    let holder = format!("pid {}", std::process::id());
    // A replica sweeps once at start: what a replica killed before it left.
    let mut next_sweep = Instant::now();
    // A Redis outage fails every publication: said once, and again when it passes.
    let mut failing = false;
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = store.feed_hinted() => tokio::time::sleep(GATHER).await,
            () = tokio::time::sleep_until(next_sweep) => {}
        }
        let published = publish_hinted(&store).await;
        if Instant::now() >= next_sweep {
            next_sweep = Instant::now() + sweep_every;
            let swept = match store.take_sweep_lease(&holder, sweep_every).await {
                // One Redis: every change wrote its own event; the feed is only trimmed.
                Ok(true) if store.feed_in_step() => store.publish(&[]).await.map(|_| ()),
                Ok(true) => sweep(&store).await,
                Ok(false) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = swept {
                tracing::warn!(error = %e, "the feed's sweep failed; the next one runs in --events-sweep-secs");
            }
        }
        match (&published, failing) {
            (Err(e), false) => tracing::warn!(error = %e, "publishing changes to the feed fails; retrying"),
            (Ok(()), true) => tracing::info!("publishing changes to the feed works again"),
            _ => {}
        }
        failing = published.is_err();
        if failing {
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep(RETRY_AFTER) => {}
            }
        }
    }
    if tokio::time::timeout(FLUSH_AT_STOP, publish_hinted(&store)).await.is_err() {
        tracing::info!("the feed's last publication did not finish; the next sweep publishes the rest");
    }
}

/// Publishes every account hinted, a batch at a time; a batch that fails is
/// hinted again.
async fn publish_hinted(store: &Store) -> Result<(), redbank_store::StoreError> {
    loop {
        let hinted = store.take_feed_hints(PUBLISH_ACCOUNTS_MAX);
        if hinted.is_empty() {
            return Ok(());
        }
        match store.publish_tails(&hinted).await {
            Ok(more) => store.hint_feed(&more),
            Err(e) => {
                let ids: Vec<_> = hinted.into_iter().map(|(id, _)| id).collect();
                store.hint_feed(&ids);
                return Err(e);
            }
        }
    }
}

/// One walk over every account: each whose history is ahead of its mark is
/// published, to the end of its history.
async fn sweep(store: &Store) -> Result<(), redbank_store::StoreError> {
    let (mut cursor, mut behind_total) = (0, 0usize);
    loop {
        let (behind, next) = store.feed_behind(cursor, SWEEP_PAGE).await?;
        behind_total += behind.len();
        for chunk in behind.chunks(PUBLISH_ACCOUNTS_MAX) {
            let mut left = store.publish(chunk).await?;
            while !left.is_empty() {
                left = store.publish(&left).await?;
            }
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    if behind_total > 0 {
        tracing::info!(accounts = behind_total, "the feed's sweep published entries no relay had");
    }
    Ok(())
}
