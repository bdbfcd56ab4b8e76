//! Console passwords: argon2id (m = 19 MiB, t = 2, p = 1, OWASP's first choice),
//! a random 16-byte salt per password, stored as
//! `argon2id$v=19$m=19456,t=2,p=1$<salt hex>$<hash hex>`. Verification compares in
//! constant time.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, Version};
use ring::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use redbank_domain::Error;
use redbank_domain::limits::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};

const M_COST: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const HASH_LEN: usize = 32;
const SALT_LEN: usize = 16;
const PREFIX: &str = "argon2id$v=19$m=19456,t=2,p=1$";

fn hasher() -> Result<Argon2<'static>, String> {
    let params = Params::new(M_COST, T_COST, P_COST, Some(HASH_LEN)).map_err(|e| e.to_string())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// A password a user may have: [`PASSWORD_MIN_CHARS`] to [`PASSWORD_MAX_CHARS`] characters.
pub fn check_policy(password: &str) -> Result<(), Error> {
    let n = password.chars().count();
    if (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&n) { Ok(()) } else { Err(Error::InvalidPassword) }
}

/// The stored form of `password`.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; SALT_LEN];
    SystemRandom::new().fill(&mut salt).map_err(|_| "the system's random source failed".to_owned())?;
    let mut out = [0u8; HASH_LEN];
    hasher()?.hash_password_into(password.as_bytes(), &salt, &mut out).map_err(|e| e.to_string())?;
    Ok(format!("{PREFIX}{}${}", hex(&salt), hex(&out)))
}

/// Whether `password` is the one `stored` was made from. A stored form this code
/// did not write matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    if password.chars().count() > PASSWORD_MAX_CHARS {
        return false;
    }
    let Some((salt, expected)) = stored.strip_prefix(PREFIX).and_then(|rest| rest.split_once('$')) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (unhex(salt), unhex(expected)) else { return false };
    let mut out = [0u8; HASH_LEN];
    let Ok(argon) = hasher() else { return false };
    if argon.hash_password_into(password.as_bytes(), &salt, &mut out).is_err() {
        return false;
    }
    expected.len() == HASH_LEN && bool::from(out.ct_eq(expected.as_slice()))
}

/// A random token of `bytes` bytes, hex: session ids, CSRF tokens.
pub fn token(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    SystemRandom::new().fill(&mut buf).map_err(|_| "the system's random source failed".to_owned())?;
    Ok(hex(&buf))
}

/// Constant-time equality of two tokens.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_and_another_does_not() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterz", &stored));
        assert!(!verify("correct horse battery", "plain"));
        assert_ne!(hash("correct horse battery").unwrap(), stored, "salted");
        assert_eq!(check_policy("short"), Err(Error::InvalidPassword));
        assert_eq!(check_policy("twelve chars"), Ok(()));
    }
}

/// Password checks waiting for a turn beyond those running; one more is refused
/// at once (the console answers 429): a burst of sign-ins neither queues without
/// bound nor holds memory while it waits.
pub const CHECKS_WAITING: usize = 8;

/// Bounds the argon2 work (19 MiB and tens of milliseconds of a core each): checks
/// run on [`Gate::running`] threads of their own, fewer than the machine's cores so
/// that the API keeps one, and at most [`CHECKS_WAITING`] more wait. Their own
/// threads, not tokio's blocking pool: each thread's allocator keeps the memory of
/// its last check, so the threads that ever check bound what the process holds.
pub struct Gate {
    places: Arc<Semaphore>,
    jobs: std::sync::mpsc::SyncSender<Job>,
    checks: usize,
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
        Self { places: Arc::new(Semaphore::new(checks + CHECKS_WAITING)), jobs, checks }
    }

    /// How many checks run at once.
    pub fn running(&self) -> usize {
        self.checks
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
