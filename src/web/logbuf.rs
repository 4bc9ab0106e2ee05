//! The log writer: lines are appended to a shared buffer and a background thread writes
//! the buffer to its sink (stdout, stderr or a file: [`LogSink`]) every 50 ms. Unlike a channel to a writer thread, logging a line
//! wakes nobody (a wake-up per request cost ~15% of gateway throughput, measured with
//! `benches/load.sh`). The buffer is bounded: past 16 MiB lines are dropped and counted.
//! The writer swaps the buffer with a spare one that keeps its capacity, so steady logging
//! allocates nothing (regrowing a fresh buffer every 50 ms cost page faults per request).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

const FLUSH_EVERY: Duration = Duration::from_millis(50);
const MAX_BUFFERED: usize = 16 * 1024 * 1024;
/// A spare buffer larger than this after a burst is given back to the allocator.
const KEEP_CAPACITY: usize = 4 * 1024 * 1024;

struct Shared {
    buf: Mutex<Vec<u8>>,
    dropped: AtomicU64,
    stop: AtomicBool,
}

/// Where the writer thread puts the lines.
pub enum LogSink {
    Stdout,
    Stderr,
    /// An open file (the demo's `./.scopegate/scopegate.log`).
    File(std::fs::File),
}

impl LogSink {
    /// Writes what is buffered; stdout and stderr are locked only while writing, since
    /// others print too (the demo's banner).
    fn flush(&mut self, shared: &Shared, spare: &mut Vec<u8>) {
        match self {
            Self::Stdout => flush(shared, spare, &mut io::stdout().lock()),
            Self::Stderr => flush(shared, spare, &mut io::stderr().lock()),
            Self::File(f) => flush(shared, spare, f),
        }
    }
}

/// A `MakeWriter` for tracing-subscriber.
#[derive(Clone)]
pub struct BatchLog {
    shared: Arc<Shared>,
}

/// Flushes the last lines and stops the writer thread when dropped.
pub struct BatchLogGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Writes what is buffered; `spare` (empty) takes the buffer's place.
fn flush(shared: &Shared, spare: &mut Vec<u8>, out: &mut impl Write) {
    match shared.buf.lock() {
        Ok(mut b) => std::mem::swap(&mut *b, spare),
        Err(_) => return,
    };
    if !spare.is_empty() {
        let _ = out.write_all(spare);
        let _ = out.flush();
    }
    spare.clear();
    if spare.capacity() > KEEP_CAPACITY {
        spare.shrink_to(KEEP_CAPACITY);
    }
    let dropped = shared.dropped.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        let _ = writeln!(
            out,
            "{{\"level\":\"WARN\",\"message\":\"log buffer full: {dropped} lines dropped\"}}"
        );
    }
}

impl BatchLog {
    /// Starts the writer thread, writing to stdout.
    pub fn start() -> (BatchLog, BatchLogGuard) {
        Self::start_to(LogSink::Stdout)
    }

    /// Starts the writer thread, writing to `sink`.
    pub fn start_to(mut sink: LogSink) -> (BatchLog, BatchLogGuard) {
        let shared = Arc::new(Shared {
            buf: Mutex::new(Vec::with_capacity(64 * 1024)),
            dropped: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("scopegate-log".into())
            .spawn(move || {
                let mut spare = Vec::with_capacity(64 * 1024);
                while !s.stop.load(Ordering::Relaxed) {
                    std::thread::sleep(FLUSH_EVERY);
                    sink.flush(&s, &mut spare);
                }
                sink.flush(&s, &mut spare);
            })
            .ok();
        (
            BatchLog {
                shared: shared.clone(),
            },
            BatchLogGuard { shared, thread },
        )
    }
}

impl BatchLog {
    /// Lets `write` append one line to the buffer (under its lock; keep it short). The
    /// line is dropped and counted when the buffer is full.
    pub fn append_with(&self, write: impl FnOnce(&mut Vec<u8>)) {
        match self.shared.buf.lock() {
            Ok(mut b) if b.len() <= MAX_BUFFERED => write(&mut b),
            _ => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Drop for BatchLogGuard {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One `write` appends to the shared buffer.
pub struct LineWriter<'a> {
    shared: &'a Shared,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self.shared.buf.lock() {
            Ok(mut b) if b.len() + data.len() <= MAX_BUFFERED => b.extend_from_slice(data),
            _ => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BatchLog {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            shared: &self.shared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_buffered_then_flushed_in_order() {
        let (log, guard) = BatchLog::start();
        let shared = log.shared.clone();
        {
            let mut w = tracing_subscriber::fmt::MakeWriter::make_writer(&log);
            w.write_all(b"one\n").unwrap();
            w.write_all(b"two\n").unwrap();
        }
        log.append_with(|b| b.extend_from_slice(b"three\n"));
        let (mut out, mut spare) = (Vec::new(), Vec::new());
        flush(&shared, &mut spare, &mut out);
        assert_eq!(out, b"one\ntwo\nthree\n");
        log.append_with(|b| b.extend_from_slice(b"four\n"));
        flush(&shared, &mut spare, &mut out);
        assert_eq!(out, b"one\ntwo\nthree\nfour\n");
        drop(guard);
    }
}
