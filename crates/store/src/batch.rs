//! Gathers concurrent balance changes into one script call.
//!
//! Why: on one Redis, the fixed cost of a script call (argument conversion, the Lua
//! call, the reply) is a large part of a deposit. `post.lua` takes any number of
//! changes and applies each exactly as if it were its own call (its own checks,
//! idempotency record, history entry and reply), so a batch keeps every guarantee
//! and costs Redis much less than the same changes one by one.
//!
//! How, without making anyone wait for a batch to fill: at most
//! [`BatchConfig::max_in_flight`] calls of the script are under way at once. A
//! change that finds a free slot is sent at once, alone, from its caller's own task:
//! at low load nothing changes. A change that finds every slot taken joins a queue;
//! whoever frees a slot takes the whole queue (up to [`BatchConfig::max_changes`]) as
//! the next call, from a task of its own so that no caller's cancellation can strand
//! another caller's change. A queued change whose caller gave up before its batch was
//! sent is dropped, never applied.
//!
//! The batch is atomic in Redis (one script), so a crash keeps all of it or none of
//! it. Keys of different accounts in one call need one Redis: on a Redis Cluster a
//! batch takes only changes of one hash slot (the first waiting change's), and the
//! others wait, in their order, for a batch of their own slot.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use redis::Script;
use tokio::sync::oneshot;

use crate::StoreError;
use crate::scripts::post::PostOp;

/// How changes are gathered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchConfig {
    /// Most changes in one script call; 1 turns batching off.
    pub max_changes: usize,
    /// Most script calls of changes under way at once (on one connection, they are
    /// pipelined); queued changes wait for one of them to end.
    pub max_in_flight: usize,
}

impl BatchConfig {
    /// Largest [`BatchConfig::max_changes`] accepted: a call of that many changes
    /// keeps Redis busy for about a millisecond on the development machine.
    pub const MAX_CHANGES_LIMIT: usize = 256;
    pub const DEFAULT: BatchConfig = BatchConfig { max_changes: 64, max_in_flight: 1 };
    /// One change per call, as many calls at once as callers: no batching.
    pub const OFF: BatchConfig = BatchConfig { max_changes: 1, max_in_flight: usize::MAX };
}

/// Calls `post.lua` with a list of changes.
#[derive(Clone)]
pub(crate) struct Poster {
    pub exec: crate::Executor,
    pub script: Script,
    pub idempotency_ttl_secs: u64,
    pub metrics: crate::ScriptMetrics,
    pub batch_changes: metrics::Histogram,
    /// Where the accounts changed are hinted for the feed's relay.
    pub hints: Arc<crate::feed::FeedHints>,
}

impl Poster {
    /// One script call of every change in `ops`; the replies in the same order,
    /// each one string of NUL-joined fields (post.lua; `scripts::post::decode`).
    pub async fn post(&self, ops: &[&PostOp]) -> Result<Vec<String>, StoreError> {
        let eval = crate::scripts::post::command(&self.script, ops, self.idempotency_ttl_secs);
        self.batch_changes.record(ops.len() as f64);
        let key = ops.first().map_or("", |op| op.account_key());
        let replies: Vec<String> = self.exec.run_eval(&self.metrics, &self.script, &eval, key).await?;
        if replies.len() != ops.len() {
            return Err(StoreError::Corrupt(format!("{} replies to {} changes", replies.len(), ops.len())));
        }
        // The feed's relay (on a Cluster) is told each entry written and the
        // account's version after it, so that it publishes without reading the
        // history (publish.lua). A refusal wrote no entry; a change that failed in
        // the script may have written one before it failed: its account is read.
        for (op, reply) in ops.iter().zip(&replies) {
            let key = op.account_key();
            let mut fields = reply.split('\0');
            match (fields.next(), fields.next(), fields.nth(3)) {
                (Some("OK"), Some(entry), Some(version)) => match version.parse() {
                    Ok(version) => self.hints.hint_entry(key, version, entry),
                    Err(_) => self.hints.hint_key(key),
                },
                (Some("SCRIPT_ERROR"), ..) => self.hints.hint_key(key),
                _ => {}
            }
        }
        Ok(replies)
    }
}

struct Job {
    op: PostOp,
    /// On a cluster, the slot of the change's account; None on one Redis.
    slot: Option<redis::cluster_routing::Slot>,
    reply: oneshot::Sender<Result<String, StoreError>>,
}

/// Whether a change goes now, alone, or waits in the queue for the next call.
enum Turn {
    Now(PostOp),
    Queued(oneshot::Receiver<Result<String, StoreError>>),
}

#[derive(Default)]
struct State {
    in_flight: usize,
    queue: VecDeque<Job>,
}

/// The queue of changes waiting for a free slot, shared by every clone of a store.
pub(crate) struct Batcher {
    poster: Poster,
    config: BatchConfig,
    state: Mutex<State>,
}

impl Batcher {
    pub fn new(poster: Poster, config: BatchConfig) -> Self {
        let config = BatchConfig {
            max_changes: config.max_changes.clamp(1, BatchConfig::MAX_CHANGES_LIMIT),
            max_in_flight: config.max_in_flight.max(1),
        };
        Self { poster, config, state: Mutex::default() }
    }

    /// The script caller, for a batch made by the caller itself.
    pub fn poster(&self) -> &Poster {
        &self.poster
    }

    /// No code under this lock can panic, but a poisoned lock must not stop the store.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies one change, alone or in a batch; its reply.
    pub async fn post(self: &Arc<Self>, op: PostOp) -> Result<String, StoreError> {
        let turn = {
            let mut state = self.lock();
            if state.in_flight < self.config.max_in_flight {
                state.in_flight += 1;
                Turn::Now(op)
            } else {
                let (reply, waiting) = oneshot::channel();
                let slot = self
                    .poster
                    .exec
                    .conn
                    .is_cluster()
                    .then(|| redis::cluster_routing::Slot::for_key(op.account_key()));
                state.queue.push_back(Job { op, slot, reply });
                Turn::Queued(waiting)
            }
        };
        match turn {
            Turn::Now(op) => {
                let _slot = Slot(Arc::clone(self));
                let mut replies = self.poster.post(&[&op]).await?;
                replies.pop().ok_or_else(|| StoreError::Corrupt("no reply".into()))
            }
            // The batch ahead may take a whole call deadline, then this one another.
            Turn::Queued(waiting) => {
                match tokio::time::timeout(2 * self.poster.exec.call_timeout, waiting).await {
                    Ok(Ok(reply)) => reply,
                    Ok(Err(_)) => Err(StoreError::Abandoned),
                    Err(_) => Err(StoreError::Timeout(2 * self.poster.exec.call_timeout)),
                }
            }
        }
    }

    /// The next batch from the queue, skipping changes whose callers are gone; when
    /// the queue is empty, the caller's slot is given back. On a cluster the batch
    /// holds changes of the first waiting change's hash slot only.
    fn next_batch(&self) -> Vec<Job> {
        let mut state = self.lock();
        let mut jobs: Vec<Job> = Vec::new();
        let mut i = 0;
        while jobs.len() < self.config.max_changes && i < state.queue.len() {
            let (closed, slot) = (state.queue[i].reply.is_closed(), state.queue[i].slot);
            if !closed && jobs.first().is_some_and(|first| first.slot != slot) {
                i += 1;
                continue;
            }
            if let Some(job) = state.queue.remove(i)
                && !closed
            {
                jobs.push(job);
            }
        }
        if jobs.is_empty() {
            state.in_flight -= 1;
        }
        jobs
    }

    /// Called when a call ends: runs the queue in batches, in a task of its own,
    /// until it is empty.
    fn release(self: &Arc<Self>) {
        let jobs = self.next_batch();
        if jobs.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // The runtime is gone: the waiting callers are gone with it.
            self.lock().in_flight -= 1;
            return;
        };
        let batcher = Arc::clone(self);
        runtime.spawn(async move {
            let mut jobs = jobs;
            while !jobs.is_empty() {
                let ops: Vec<&PostOp> = jobs.iter().map(|job| &job.op).collect();
                let result = batcher.poster.post(&ops).await;
                answer(jobs, result);
                jobs = batcher.next_batch();
            }
        });
    }
}

/// Sends each caller its reply, or the call's failure.
fn answer(jobs: Vec<Job>, result: Result<Vec<String>, StoreError>) {
    match result {
        Ok(replies) => {
            for (job, reply) in jobs.into_iter().zip(replies) {
                // A caller that gave up meanwhile has nobody to tell.
                let _ = job.reply.send(Ok(reply));
            }
        }
        Err(error) => {
            for job in jobs {
                let _ = job.reply.send(Err(error.clone()));
            }
        }
    }
}

/// A slot taken by a caller that sends its change itself; given back (or handed to
/// the queue) when the call ends or the caller is cancelled.
struct Slot(Arc<Batcher>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.release();
    }
}
