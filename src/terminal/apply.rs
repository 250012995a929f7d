//! Apply's terminal: the plan on stdout (or as text on stderr before a
//! question when stdout carries JSON), warnings and progress on stderr, the
//! prompt, and the summary or JSON document at the end.

use super::prompt::{confirm_to, PromptError};
use crate::apply::progress::Progress;
use crate::apply::session::{ApplyError, Outcome, Ui};
use crate::enterprise::apply::AccountsUi;
use crate::enterprise::TransferDone;
use crate::plan::Plan;
use crate::render::untrusted::text;
use crate::render::{apply_summary, Format};
use std::io::IsTerminal;

/// Writes the plan to stdout; JSON is streamed (large plans never sit in
/// memory twice). Text and markdown add the forecast's risks when given.
pub fn print_plan(
    plan: &Plan,
    format: Format,
    color: bool,
    outlook: Option<&crate::forecast::outlook::PlanOutlook>,
) -> std::io::Result<()> {
    super::mark_stdout_written();
    crate::render::plan(plan, format, color, outlook, std::io::stdout().lock())
}

/// The end of apply on stdout: the summary (text, markdown) or the one JSON
/// document (`--format json`; docs/plan-json.md, "apply --format json").
pub fn write_output(format: Format, out: &Outcome) -> std::io::Result<()> {
    let Some(plan) = &out.plan else {
        return Ok(());
    };
    if format == Format::Json || out.report.is_some() {
        super::mark_stdout_written();
    }
    crate::render::apply(plan, out.report.as_ref(), format, std::io::stdout().lock())
}

fn stdout_error(source: std::io::Error) -> ApplyError {
    ApplyError::Io {
        what: "cannot write to",
        path: "stdout".into(),
        source,
    }
}

/// Apply's terminal: the plan on stdout (or as text on stderr before a
/// question when stdout carries JSON), warnings on stderr, the prompt.
pub struct ApplyTerminal {
    pub format: Format,
    pub color: bool,
    pub auto_approve: bool,
    /// With several accounts and `--format json`: each account's document.
    pub accounts_json: Vec<serde_json::Value>,
}

impl Ui for ApplyTerminal {
    fn show_plan(&mut self, plan: &Plan) -> Result<(), ApplyError> {
        if self.format != Format::Json {
            return print_plan(plan, self.format, self.color, None).map_err(stdout_error);
        }
        // With --format json stdout carries one document, written at the
        // end; a person asked to confirm sees the plan as text here.
        if !self.auto_approve && !plan.batches.is_empty() && std::io::stdin().is_terminal() {
            eprint!("{}", crate::render::text::render(plan, false));
        }
        Ok(())
    }

    fn plan_listed(&self) -> bool {
        self.format != Format::Json
    }

    fn warn(&mut self, message: &str) {
        eprintln!("Warning: {}", text(message));
    }

    fn confirm(&mut self, plan: &Plan) -> Result<(), ApplyError> {
        let question = apply_summary::confirmation_question(plan);
        confirm_to(&question, self.auto_approve, "apply", "review the plan").map_err(|e| match e {
            PromptError::Refused(m) => ApplyError::RefusedWith(m),
            PromptError::Io(source) => ApplyError::Io {
                what: "reading the answer from",
                path: "stdin".into(),
                source,
            },
        })
    }

    fn progress(&self, plan: &Plan) -> Progress {
        Progress::new(std::io::stderr().is_terminal(), false).with_names(plan.names())
    }
}

impl AccountsUi for ApplyTerminal {
    fn account_started(&mut self, alias: &str, domain_id: &str) {
        if self.format != Format::Json {
            println!("=== Account {} ({}) ===", text(alias), text(domain_id));
        }
    }

    fn transferred(&mut self, from: &str, to: &str, done: &TransferDone) {
        eprintln!(
            "Transferred {} from {} to {}{}",
            crate::display::money::money("CNY", done.amount),
            text(from),
            text(to),
            if done.verified {
                " (the answer was lost; the balance shows it was booked once)"
            } else {
                ""
            }
        );
    }

    fn account_finished(
        &mut self,
        alias: &str,
        domain_id: &str,
        out: &Outcome,
    ) -> Result<(), ApplyError> {
        if self.format != Format::Json {
            return write_output(self.format, out).map_err(stdout_error);
        }
        let entry = crate::render::accounts::apply_json_entry(
            alias,
            domain_id,
            out.plan.as_ref(),
            out.report.as_ref(),
        );
        let entry = entry.map_err(|source| ApplyError::Io {
            what: "cannot write the apply result to",
            path: "stdout".into(),
            source,
        })?;
        self.accounts_json.push(entry);
        Ok(())
    }
}
