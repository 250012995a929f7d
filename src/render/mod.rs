//! Plan output: text (Terraform-like), JSON (versioned contract) and
//! markdown (a PR comment). Pure: plan in, string out.

/// The money formatter and the escaping of untrusted strings live in
/// `display` (every layer uses them); views reach them here too.
pub use crate::display::{money, untrusted, HINT_LINE};

pub mod accounts;
pub mod apply_json;
pub mod apply_summary;
pub mod audit;
pub mod diff_view;
pub mod error_doc;
pub mod export;
pub mod json;
pub mod markdown;
pub mod orders;
pub mod state_lines;
pub mod text;

#[cfg(test)]
pub(crate) mod safety_props;

use crate::plan::{Change, Operation};

/// The plan view: JSON is streamed (large plans never sit in memory
/// twice); text and markdown add the forecast's risks when given (§11).
pub fn plan(
    plan: &crate::plan::Plan,
    format: Format,
    color: bool,
    outlook: Option<&crate::forecast::outlook::PlanOutlook>,
    mut out: impl std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(plan, out),
        Format::Text => out.write_all(text::render_with(plan, color, outlook).as_bytes()),
        Format::Markdown => out.write_all(markdown::render_with(plan, outlook).as_bytes()),
    }
}

/// The end of apply: the one JSON document (plan and report), or the
/// summary (text, markdown) once something was executed.
pub fn apply(
    plan: &crate::plan::Plan,
    report: Option<&crate::apply::ApplyReport>,
    format: Format,
    mut out: impl std::io::Write,
) -> std::io::Result<()> {
    match (format, report) {
        (Format::Json, _) => apply_json::write(plan, report, out),
        (Format::Text | Format::Markdown, Some(report)) => {
            out.write_all(apply_summary::summary(plan, report, format).as_bytes())
        }
        (_, None) => Ok(()),
    }
}

/// The output formats of the views (`arguments::FormatArg` is the flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// `renew 1y`, `enable_auto_renew (year, unlimited)`, ...
pub fn describe_operation(op: &Operation) -> String {
    match op {
        Operation::Renew { period, pay_now } => {
            let pay = if *pay_now { "" } else { ", order left unpaid" };
            format!("renew {period}{pay}")
        }
        Operation::EnableAutoRenew { period, times } => {
            let mut parts = Vec::new();
            if let Some(p) = period {
                parts.push(p.api_name().to_ascii_lowercase());
            }
            match times {
                Some(0) => parts.push("unlimited".into()),
                Some(t) => parts.push(format!("{t} times")),
                None => {}
            }
            if parts.is_empty() {
                "enable_auto_renew".to_string()
            } else {
                format!("enable_auto_renew ({})", parts.join(", "))
            }
        }
        Operation::Unsubscribe => "unsubscribe (with attached resources)".to_string(),
        Operation::SetRenewConfig {
            config_name,
            config_value,
        } => format!("set_renew_config ({config_name} = {config_value})"),
        other => other.kind_name().to_string(),
    }
}

/// `+` renew, `~` update only, `-` unsubscribe.
pub fn symbol(change: &Change) -> char {
    change.main_action().symbol()
}

/// `name (id)`, or the id alone; for the terminal ([`untrusted::text`]).
pub fn title(change: &Change) -> String {
    name_and_id(&change.resource_name, &change.resource_id)
}

/// A warning and the hint it may end with (`\n  hint: …`, see
/// `plan::price::with_hint`, which escapes the parts before it so no name or API
/// message can forge that line). Each part is escaped again when rendered.
pub fn split_hint(warning: &str) -> (&str, Option<&str>) {
    match warning.rsplit_once(HINT_LINE) {
        Some((w, h)) => (w, Some(h)),
        None => (warning, None),
    }
}

/// `name (id)`, or the id alone, both made safe for the terminal.
pub fn name_and_id(name: &str, id: &str) -> String {
    if name.is_empty() {
        untrusted::text(id).into_owned()
    } else {
        format!("{} ({})", untrusted::text(name), untrusted::text(id))
    }
}
