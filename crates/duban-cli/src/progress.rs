//! Progress of long work on stderr, so stdout stays the result: on a terminal a
//! line that counts up in place, elsewhere (a CronJob's log) a line when the
//! work starts, one per MiB received, and one when it ends.

use std::{
    io::{IsTerminal, Write},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::task::JoinHandle;

/// Work under way.
pub struct Progress {
    label: String,
    start: Instant,
    bytes: Arc<AtomicU64>,
    ticker: Option<JoinHandle<()>>,
    tty: bool,
}

const MIB: u64 = 1 << 20;

impl Progress {
    /// Says that `label` started.
    pub fn start(label: impl Into<String>) -> Self {
        let label = label.into();
        let tty = std::io::stderr().is_terminal();
        let bytes = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let ticker = if tty {
            let (label, bytes) = (label.clone(), bytes.clone());
            Some(tokio::spawn(async move {
                loop {
                    let received = bytes.load(Ordering::Relaxed);
                    let size = if received > 0 {
                        format!(", {} KiB", received / 1024)
                    } else {
                        String::new()
                    };
                    eprint!("\r{label}… {} s{size}", start.elapsed().as_secs());
                    let _ = std::io::stderr().flush();
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }))
        } else {
            eprintln!("{label}…");
            None
        };
        Self {
            label,
            start,
            bytes,
            ticker,
            tty,
        }
    }

    /// Counts `more` bytes received.
    pub fn received(&self, more: usize) {
        let more = u64::try_from(more).unwrap_or(u64::MAX);
        let before = self.bytes.fetch_add(more, Ordering::Relaxed);
        if !self.tty && (before + more) / MIB > before / MIB {
            eprintln!("{}: {} MiB received", self.label, (before + more) / MIB);
        }
    }

    /// Says that the work ended, and how.
    pub fn finish(mut self, outcome: &str) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
            eprint!("\r");
        }
        eprintln!(
            "{}: {outcome} in {:.1} s",
            self.label,
            self.start.elapsed().as_secs_f64()
        );
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
            eprintln!();
        }
    }
}
