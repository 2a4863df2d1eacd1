//! The progress bar on standard error: shown only on a terminal, never in
//! pipes or CI, never with --quiet.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    files: AtomicU64,
    bytes: AtomicU64,
    events: AtomicU64,
    detections: AtomicU64,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let show = !quiet
            && std::io::stderr().is_terminal()
            && std::env::var_os("CI").is_none()
            && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true);
        let bar = show.then(|| {
            let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Progress {
            bar,
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            events: AtomicU64::new(0),
            detections: AtomicU64::new(0),
        }
    }

    pub fn file_done(&self, bytes: u64, events: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.events.fetch_add(events, Ordering::Relaxed);
        self.redraw();
    }

    pub fn detections(&self, n: u64) {
        if n > 0 {
            self.detections.fetch_add(n, Ordering::Relaxed);
        }
    }

    fn redraw(&self) {
        if let Some(b) = &self.bar {
            b.set_message(format!(
                "{} files, {:.1} MB, {} events, {} detections",
                self.files.load(Ordering::Relaxed),
                self.bytes.load(Ordering::Relaxed) as f64 / 1_048_576.0,
                self.events.load(Ordering::Relaxed),
                self.detections.load(Ordering::Relaxed),
            ));
        }
    }

    /// Prints a line above the bar (or plainly when there is none).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(b) => b.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
