//! The bound on argon2 work: password checks on threads of their own, with a short queue.

use std::sync::Arc;

use tokio::sync::Semaphore;

use redbank_bank::password::verify;

/// Password checks waiting for a turn beyond those running; one more is refused
/// at once (the console answers 429): a burst of sign-ins neither queues without
/// bound nor holds memory while it waits.
pub const CHECKS_WAITING: usize = 8;

/// Bounds the argon2 work (19 MiB and tens of milliseconds of a core each): checks
/// run on threads of their own, fewer than the machine's cores so
/// that the API keeps one, and at most [`CHECKS_WAITING`] more wait. Their own
/// threads, not tokio's blocking pool: each thread's allocator keeps the memory of
/// its last check, so the threads that ever check bound what the process holds.
pub struct Gate {
    places: Arc<Semaphore>,
    jobs: std::sync::mpsc::SyncSender<Job>,
}

struct Job {
    password: String,
    stored: String,
    reply: tokio::sync::oneshot::Sender<bool>,
}

/// A place among the checks running and waiting.
pub struct Admitted {
    place: tokio::sync::OwnedSemaphorePermit,
    jobs: std::sync::mpsc::SyncSender<Job>,
}

impl Default for Gate {
    fn default() -> Self {
        Self::new()
    }
}

impl Gate {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self::with_checks(cores.saturating_sub(1).max(1))
    }

    /// At most `checks` at once. Its threads end when the gate and its places are
    /// dropped.
    pub fn with_checks(checks: usize) -> Self {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(checks + CHECKS_WAITING);
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..checks {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("password-check-{i}")).spawn(move || {
                loop {
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let _ = job.reply.send(verify(&job.password, &job.stored));
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "console: cannot start a password-check thread");
            }
        }
        Self { places: Arc::new(Semaphore::new(checks + CHECKS_WAITING)), jobs }
    }

    /// A place, or None when the checks running and waiting are all taken.
    pub fn admit(&self) -> Option<Admitted> {
        let place = self.places.clone().try_acquire_owned().ok()?;
        Some(Admitted { place, jobs: self.jobs.clone() })
    }
}

impl Admitted {
    /// [`verify`], in its turn, on the gate's threads. False if it cannot run.
    pub async fn verify(self, password: String, stored: String) -> bool {
        let (reply, answer) = tokio::sync::oneshot::channel();
        // Never full: the channel holds as many jobs as there are places.
        if self.jobs.try_send(Job { password, stored, reply }).is_err() {
            return false;
        }
        let matches = answer.await.unwrap_or(false);
        drop(self.place);
        matches
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use redbank_bank::password::hash;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn checks_sent_at_once_are_admitted_up_to_the_bound_and_the_rest_refused_at_once() {
        let gate = Gate::with_checks(1);
        let stored = hash("correct horse battery").unwrap();
        // All at the same moment: 1 running and 8 waiting are admitted, the rest
        // refused without waiting.
        let places: Vec<_> = (0..30).map(|_| gate.admit()).collect();
        assert_eq!(places.iter().filter(|p| p.is_some()).count(), 1 + CHECKS_WAITING);
        let checks: Vec<_> = places
            .into_iter()
            .flatten()
            .map(|place| tokio::spawn(place.verify("correct horse battery".into(), stored.clone())))
            .collect();
        // While they run, no more is admitted...
        assert!(gate.admit().is_none());
        for check in checks {
            assert!(check.await.unwrap());
        }
        // ...and once they are done, places are free again.
        assert!(gate.admit().is_some());
        assert_eq!(gate.places.available_permits(), 1 + CHECKS_WAITING);
    }
}
