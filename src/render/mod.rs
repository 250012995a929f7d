//! Plan output: text (Terraform-like), JSON (versioned contract) and
//! markdown (a PR comment). Pure: plan in, string out.

pub mod apply_json;
pub mod json;
pub mod markdown;
pub mod money;
pub mod state_lines;
pub mod text;

use crate::plan::{Change, Operation};
use crate::pricing::period_label;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
    if change.unsubscribes() {
        '-'
    } else if change.renews() {
        '+'
    } else {
        '~'
    }
}

pub fn title(change: &Change) -> String {
    if change.resource_name.is_empty() {
        change.resource_id.clone()
    } else {
        format!("{} ({})", change.resource_name, change.resource_id)
    }
}
