//! The commands' terminal: what they write to stdout and stderr, and the
//! questions they ask. `render` makes the strings; this writes them and
//! reads the answers (Terraform keeps the same split as `command/views`).

pub mod apply;
pub mod orders;
pub mod prompt;

use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_WRITTEN: AtomicBool = AtomicBool::new(false);

/// Records that a command wrote its document (plan, summary, forecast) to
/// stdout, so an error after it does not add a second one.
pub fn mark_stdout_written() {
    STDOUT_WRITTEN.store(true, Ordering::Relaxed);
}

pub fn stdout_written() -> bool {
    STDOUT_WRITTEN.load(Ordering::Relaxed)
}
