//! What the store records about its Redis calls, for the server's /metrics. The
//! handles come from whoever owns the recorder (the server); by default they record
//! nothing, so the store works the same without them.

use std::time::Instant;

use metrics::{Counter, Histogram};

use crate::StoreError;

/// One script's calls: how many, how many failed, how long each took.
#[derive(Clone)]
pub struct ScriptMetrics {
    /// The script's name, as its label and on its trace spans.
    pub name: &'static str,
    pub calls: Counter,
    pub failures: Counter,
    pub seconds: Histogram,
}

impl ScriptMetrics {
    /// Handles that record nothing, for the script `name`.
    pub fn noop(name: &'static str) -> Self {
        Self { name, calls: Counter::noop(), failures: Counter::noop(), seconds: Histogram::noop() }
    }
}

impl ScriptMetrics {
    /// Records a call that started at `started` and ended with `result`.
    pub(crate) fn record<T>(&self, started: Instant, result: &Result<T, StoreError>) {
        self.calls.increment(1);
        if result.is_err() {
            self.failures.increment(1);
        }
        self.seconds.record(started.elapsed().as_secs_f64());
    }
}

/// Every script's handles, and the size of each batch of balance changes.
#[derive(Clone)]
pub struct StoreMetrics {
    pub post: ScriptMetrics,
    pub transfer: ScriptMetrics,
    pub create_account: ScriptMetrics,
    pub set_state: ScriptMetrics,
    pub archive: ScriptMetrics,
    /// Holds and captures: hold, capture, credit, settle and void.
    pub holds: ScriptMetrics,
    /// The relay's appends to the feed of every account's changes.
    pub publish: ScriptMetrics,
    /// Balance changes per `post.lua` call.
    pub batch_changes: Histogram,
}

impl Default for StoreMetrics {
    fn default() -> Self {
        Self::with(ScriptMetrics::noop, Histogram::noop())
    }
}

impl std::fmt::Debug for StoreMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreMetrics")
    }
}

impl StoreMetrics {
    /// The script names, as labels.
    pub const SCRIPTS: [&'static str; 7] =
        ["post", "transfer", "create_account", "set_state", "archive", "holds", "publish"];

    /// Handles made by `make` for each script name and for the batch sizes.
    pub fn with(mut make: impl FnMut(&'static str) -> ScriptMetrics, batch_changes: Histogram) -> Self {
        Self {
            post: make("post"),
            transfer: make("transfer"),
            create_account: make("create_account"),
            set_state: make("set_state"),
            archive: make("archive"),
            holds: make("holds"),
            publish: make("publish"),
            batch_changes,
        }
    }
}
