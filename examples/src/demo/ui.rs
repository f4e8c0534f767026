//! Output: progress bars on a terminal, narrative lines always.

use dashlite::hash::Txid;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

pub(super) struct Ui {
    pub(super) multi: MultiProgress,
    pub(super) headers: ProgressBar,
    pub(super) blocks: ProgressBar,
    pub(super) json: bool,
}

impl Ui {
    pub(super) fn new(json: bool) -> Ui {
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template(
            "{prefix:>8} [{bar:40.cyan/blue}] {pos:>6}/{len:6} {elapsed:>4}",
        )
        .expect("valid template")
        .progress_chars("=> ");
        let bar = |name: &str| {
            // Drawn once added to `multi` (see `show_bars`).
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
            b.set_style(style.clone());
            b.set_prefix(name.to_string());
            b
        };
        let headers = bar("headers");
        let blocks = bar("blocks");
        Ui { multi, headers, blocks, json }
    }

    /// Shows the bars, both `len` long.
    pub(super) fn show_bars(&self, len: u32) {
        for bar in [&self.headers, &self.blocks] {
            bar.set_length(u64::from(len));
            self.multi.add(bar.clone());
        }
    }

    /// One line of the narrative: stdout (stderr with `--json`), above the bars.
    pub(super) fn say(&self, line: impl AsRef<str>) {
        let line = line.as_ref();
        self.multi.suspend(|| {
            if self.json {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        });
    }
}

pub(super) fn short(txid: &Txid) -> String {
    let s = txid.to_string();
    format!("{}…", &s[..16])
}

pub(super) fn per_sec(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

pub(super) fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}
