//! Progress reporting for long imports: a bar per file on a terminal, log lines in a server.

use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Receives progress of a long job.
pub trait Progress: Send + Sync {
    /// A new unit of work (usually a file) with a known number of steps.
    fn start(&self, label: &str, total: u64);
    /// Steps done since the last call.
    fn advance(&self, n: u64);
    /// The current unit finished; `note` says what it did.
    fn finish(&self, note: &str);
    /// A message between units.
    fn message(&self, text: &str);
}

/// Discards progress (tests, library use).
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self, _: &str) {}
    fn message(&self, _: &str) {}
}

/// Writes one log line per unit (used by `serve` when it bootstraps).
pub struct Logged;

impl Progress for Logged {
    fn start(&self, label: &str, total: u64) {
        tracing::info!(%label, total, "importing");
    }
    fn advance(&self, _: u64) {}
    fn finish(&self, note: &str) {
        tracing::info!("{note}");
    }
    fn message(&self, text: &str) {
        tracing::info!("{text}");
    }
}

/// A progress bar per unit on the terminal (hidden when stderr is not a terminal).
pub struct Bars {
    multi: MultiProgress,
    current: Mutex<Option<ProgressBar>>,
}

impl Default for Bars {
    fn default() -> Self {
        Self::new()
    }
}

impl Bars {
    /// Bars drawn on stderr.
    pub fn new() -> Self {
        Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            current: Mutex::new(None),
        }
    }
}

impl Progress for Bars {
    fn start(&self, label: &str, total: u64) {
        let style = ProgressStyle::with_template("{prefix:>42.bold} [{bar:30.cyan/blue}] {human_pos:>8}/{human_len:8} {per_sec:>12} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = self.multi.add(ProgressBar::new(total.max(1)));
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        if let Ok(mut g) = self.current.lock() {
            *g = Some(bar);
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(g) = self.current.lock()
            && let Some(b) = g.as_ref()
        {
            b.inc(n);
        }
    }

    fn finish(&self, note: &str) {
        if let Ok(mut g) = self.current.lock()
            && let Some(b) = g.take()
        {
            b.finish_with_message(note.to_string());
        }
    }

    fn message(&self, text: &str) {
        let _ = self.multi.println(text);
    }
}
