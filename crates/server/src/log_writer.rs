//! The log's writer: a line at `info` or below goes to a buffer in memory, which a
//! thread of its own hands to stderr every [`FLUSH_INTERVAL`] (the line that fills
//! it to [`BUFFER_BYTES`] is written with the rest at once), so that a call's
//! access-log line costs a copy rather than a write(2) of its own: writing each
//! line cost about 7% of a deposit's server CPU (docs/PERFORMANCE.md, issue 25).
//!
//! Warnings and errors are written at once, after what is buffered (the order of
//! lines is kept). What a crash can lose is at most [`FLUSH_INTERVAL`] of `info`
//! lines; the binary flushes at exit.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How often buffered lines are handed to stderr.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);
/// Most bytes buffered: the line that reaches it is written with the rest at once.
pub const BUFFER_BYTES: usize = 64 * 1024;

/// Where lines go: stderr, or a test's sink.
type Output = Box<dyn Fn(&[u8]) + Send + Sync>;

struct Shared {
    buffer: Mutex<Vec<u8>>,
    out: Output,
    /// No flushing thread could be started: every line is written at once.
    unbuffered: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands what is buffered on.
    fn write_out(&self, buffer: &mut Vec<u8>) {
        if !buffer.is_empty() {
            (self.out)(buffer);
            buffer.clear();
        }
    }
}

/// A buffered stderr for the log (see the module).
#[derive(Clone)]
pub struct LogWriter(Arc<Shared>);

impl LogWriter {
    /// The writer to stderr, and the thread that flushes it every
    /// [`FLUSH_INTERVAL`] for as long as the writer lives. A failed write is
    /// dropped, as tracing's own stderr writer does: the log has nowhere else to
    /// say so.
    pub fn stderr() -> Self {
        Self::to(Box::new(|bytes| {
            let _ = std::io::stderr().lock().write_all(bytes);
        }))
    }

    fn to(out: Output) -> Self {
        let shared =
            Arc::new(Shared { buffer: Mutex::new(Vec::new()), out, unbuffered: AtomicBool::new(false) });
        let weak = Arc::downgrade(&shared);
        let spawned = std::thread::Builder::new().name("log-flush".into()).spawn(move || {
            loop {
                std::thread::sleep(FLUSH_INTERVAL);
                let Some(shared) = weak.upgrade() else { return };
                shared.write_out(&mut shared.lock());
            }
        });
        if spawned.is_err() {
            shared.unbuffered.store(true, Ordering::Relaxed);
        }
        Self(shared)
    }

    /// Writes what is buffered now (at exit).
    pub fn flush(&self) {
        self.0.write_out(&mut self.0.lock());
    }
}

/// One line's writer.
pub struct Line<'a> {
    shared: &'a Shared,
    /// Written at once: a warning or an error, or a line of no known level.
    urgent: bool,
}

impl Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self.shared.lock();
        buffer.extend_from_slice(bytes);
        if self.urgent || buffer.len() >= BUFFER_BYTES || self.shared.unbuffered.load(Ordering::Relaxed) {
            self.shared.write_out(&mut buffer);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line { shared: &self.0, urgent: true }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Line<'a> {
        // Levels order by verbosity: ERROR < WARN < INFO.
        Line { shared: &self.0, urgent: *meta.level() <= Level::WARN }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_lines_wait_for_the_flush_and_warnings_and_a_full_buffer_go_at_once() {
        let sink = Arc::new(Mutex::new(Vec::<u8>::new()));
        let written = sink.clone();
        let writer = LogWriter::to(Box::new(move |bytes| written.lock().unwrap().extend_from_slice(bytes)));
        let out = || String::from_utf8(sink.lock().unwrap().clone()).unwrap();
        let line = |urgent: bool, text: &[u8]| {
            let mut line = Line { shared: &writer.0, urgent };
            line.write_all(text).unwrap();
        };
        line(false, b"info 1\n");
        assert_eq!(out(), "", "an info line waits");
        line(true, b"warning\n");
        assert_eq!(out(), "info 1\nwarning\n", "a warning goes at once, after what was buffered");
        line(false, &vec![b'x'; BUFFER_BYTES - 1]);
        assert_eq!(out().len(), 15);
        line(false, b"\n");
        assert_eq!(out().len(), 15 + BUFFER_BYTES, "the line that fills the buffer goes with it");
        line(false, b"info 2\n");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !out().ends_with("info 2\n") {
            assert!(std::time::Instant::now() < deadline, "the thread flushes");
            std::thread::sleep(FLUSH_INTERVAL);
        }
        line(false, b"info 3\n");
        writer.flush();
        assert!(out().ends_with("info 2\ninfo 3\n"), "flush writes at once");
    }
}
