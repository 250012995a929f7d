//! Progress of an apply: a bar on a terminal, plain lines otherwise. Writes
//! to stderr so stdout stays machine-readable.

use super::executor::{OpResult, Status};
use crate::plan::Batch;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::sync::Mutex;

pub struct Progress {
    bar: Option<ProgressBar>,
    done: Mutex<usize>,
    total: Mutex<usize>,
    quiet: bool,
    /// Resource names by id, so lines name what they changed.
    names: BTreeMap<String, String>,
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
            names: BTreeMap::new(),
        }
    }

    /// Names to show for resource ids (ids without one are shown alone).
    pub fn with_names(mut self, names: BTreeMap<String, String>) -> Progress {
        self.names = names;
        self
    }

    /// `name (id)`, or the id alone when the name is unknown or empty.
    fn label(&self, id: &str) -> String {
        match self.names.get(id).filter(|n| !n.is_empty()) {
            Some(n) => format!("{} ({id})", crate::display::untrusted::text(n)),
            None => id.to_string(),
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
        // Each resource by name with what happened to it, as Terraform
        // names each resource it modifies.
        let each: Vec<String> = results
            .iter()
            .filter(|r| r.resource_id != super::executor::ACCOUNT)
            .map(|r| {
                let status = match r.status {
                    Status::Done => "done",
                    Status::Failed => "failed",
                    Status::Skipped => "skipped",
                    Status::Unknown => "outcome unknown",
                };
                format!("{} {status}", self.label(&r.resource_id))
            })
            .collect();
        let named = match each.is_empty() {
            true => String::new(),
            false => format!(" — {}", each.join(", ")),
        };
        let line = format!(
            "[{done}/{total}] {} {what}: {verdict}{named}",
            batch.kind.name()
        );
        match &self.bar {
            Some(bar) => {
                bar.set_position(done as u64);
                bar.set_message(format!("{} {verdict}", batch.kind.name()));
            }
            None if !self.quiet => eprintln!("{line}"),
            None => {}
        }
    }

    /// A line on stderr; it may carry an API error message, hence one line
    /// made safe for the terminal.
    pub fn note(&self, msg: &str) {
        let msg = crate::display::untrusted::text(msg);
        match &self.bar {
            Some(bar) => bar.println(&*msg),
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

impl super::executor::Observer for Progress {
    fn start(&self, total: usize) {
        Progress::start(self, total)
    }

    fn batch_done(&self, batch: &Batch, results: &[OpResult]) {
        Progress::batch_done(self, batch, results)
    }

    fn finish(&self) {
        Progress::finish(self)
    }
}
