//! Plan output: text (Terraform-like), JSON (versioned contract) and
//! markdown (a PR comment). Pure: plan in, string out.

/// The money formatter and the escaping of untrusted strings live in
/// `display` (every layer uses them); views reach them here too.
pub use crate::display::{money, untrusted, HINT_LINE};

pub mod apply_json;
pub mod apply_summary;
pub mod diff_view;
pub mod error_doc;
pub mod json;
pub mod markdown;
pub mod orders;
pub mod state_lines;
pub mod text;

#[cfg(test)]
pub(crate) mod safety_props;

use crate::plan::price::period_label;
use crate::plan::{Change, Operation};

/// The output formats of the views (`cli::args::FormatArg` is the flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// `renew 1y`, `enable_auto_renew (year, unlimited)`, ...
pub fn describe_operation(op: &Operation) -> String {
    match op {
        Operation::Renew {
            period_type,
            period_num,
            is_auto_pay,
        } => {
            let pay = if *is_auto_pay == 1 {
                ""
            } else {
                ", order left unpaid"
            };
            format!("renew {}{pay}", period_label(*period_type, *period_num))
        }
        Operation::EnableAutoRenew {
            period_type,
            auto_renew_times,
        } => {
            let mut parts = Vec::new();
            if let Some(p) = period_type {
                parts.push(p.to_ascii_lowercase());
            }
            match auto_renew_times {
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
        Operation::Unsubscribe { .. } => "unsubscribe (with attached resources)".to_string(),
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
