//! Asking before anything is bought, released or paid.

use std::io::{BufRead, IsTerminal, Write};

/// Why there is no yes.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// No terminal and no `--auto-approve`, or an answer other than `yes`.
    #[error("{0}")]
    Refused(String),
    /// Standard input could not be read.
    #[error("reading the answer from stdin: {0}")]
    Io(#[source] std::io::Error),
}

/// Asks before `action` (e.g. "pay"); without a terminal and without
/// `--auto-approve` it refuses, naming what to review first.
pub fn confirm_to(
    question: &str,
    auto_approve: bool,
    action: &str,
    review: &str,
) -> Result<(), PromptError> {
    if auto_approve {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(PromptError::Refused(format!(
            "refusing to {action} without confirmation: standard input is not a terminal; {review} and pass --auto-approve"
        )));
    }
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(PromptError::Io)?;
    if line.trim() == "yes" {
        Ok(())
    } else {
        Err(PromptError::Refused(format!(
            "{action} cancelled: the answer was not 'yes'"
        )))
    }
}
