//! Progress of an apply: a bar on a terminal, plain lines otherwise. Writes
//! to stderr so stdout stays machine-readable.

use super::executor::{OpResult, Status};
use crate::plan::Batch;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;

pub struct Progress {
    bar: Option<ProgressBar>,
    done: Mutex<usize>,
    total: Mutex<usize>,
    quiet: bool,
}

impl Progress {
    /// `tty`: draw a bar; otherwise print a line per batch.
    pub fn new(tty: bool, quiet: bool) -> Progress {
        Progress {
            bar: if tty && !quiet {
                Some(ProgressBar::hidden())
            } else {
                None
            },
            done: Mutex::new(0),
            total: Mutex::new(0),
            quiet,
        }
    }

    pub fn start(&self, total: usize) {
        *self.total.lock().expect("lock") = total;
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} operations {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
        }
    }

    pub fn batch_done(&self, batch: &Batch, results: &[OpResult]) {
        let n = results.len();
        let failed = results
            .iter()
            .filter(|r| r.status == Status::Failed)
            .count();
        let skipped = results
            .iter()
            .filter(|r| r.status == Status::Skipped)
            .count();
        let unknown = results
            .iter()
            .filter(|r| r.status == Status::Unknown)
            .count();
        let done = {
            let mut d = self.done.lock().expect("lock");
            *d += n;
            *d
        };
        let total = *self.total.lock().expect("lock");
        let verdict = match (failed, skipped, unknown) {
            (0, 0, 0) => "ok".to_string(),
            (_, _, 0) => format!(
                "{} ok, {failed} failed, {skipped} skipped",
                n - failed - skipped
            ),
            _ => format!(
                "{} ok, {failed} failed, {skipped} skipped, {unknown} unknown",
                n - failed - skipped - unknown
            ),
        };
        let what = match &batch.operation {
            crate::plan::Operation::SetRenewConfig { config_name, .. } => config_name.clone(),
            _ => format!("× {}", batch.resource_ids.len()),
        };
        let line = format!("[{done}/{total}] {} {what}: {verdict}", batch.kind.name());
        match &self.bar {
            Some(bar) => {
                bar.set_position(done as u64);
                bar.set_message(format!("{} {verdict}", batch.kind.name()));
            }
            None if !self.quiet => eprintln!("{line}"),
            None => {}
        }
    }

    pub fn note(&self, msg: &str) {
        match &self.bar {
            Some(bar) => bar.println(msg),
            None if !self.quiet => eprintln!("{msg}"),
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
