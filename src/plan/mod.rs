//! Planning: desired vs live → changes → operation graph → batches, then
//! prices. Everything here but `price` is pure.

pub mod diff;
pub mod graph;
pub mod guardrails;
pub mod model;

pub use model::*;

use crate::last_applied::AutoRenewRecord;
use crate::live::Inventory;
use crate::manifest::Desired;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Builds the plan (without prices) from resolved desired state.
pub fn build(
    desired: &BTreeMap<String, Desired>,
    inventory: &Inventory,
    auto_renew_records: &BTreeMap<String, AutoRenewRecord>,
    renew_holds: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Plan {
    let out = diff::diff(&diff::DiffInput {
        desired,
        inventory,
        auto_renew_records,
        renew_holds,
        now,
    });
    let batches = graph::batches(&out.changes);
    let summary = Summary {
        to_renew: out.changes.iter().filter(|c| c.renews()).count(),
        to_change: out.changes.iter().filter(|c| c.updates()).count(),
        to_unsubscribe: out.changes.iter().filter(|c| c.unsubscribes()).count(),
        unchanged: out.unchanged,
        ..Default::default()
    };
    Plan {
        format_version: FORMAT_VERSION.to_string(),
        planned_at: crate::clock::format_api_time(now),
        changes: out.changes,
        batches,
        summary,
        warnings: out.warnings,
        pending_orders: Vec::new(),
        guardrail_violations: Vec::new(),
    }
}
