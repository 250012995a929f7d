//! Planning: desired vs live → changes → operation graph → batches, then
//! prices. Everything here but `price` is pure.

pub mod cause;
pub mod compare;
pub mod decide;
pub mod diff;
pub mod graph;
pub mod guardrails;
pub mod model;
pub mod price;
pub mod settings;
pub mod target;

pub use model::*;

use crate::live::Inventory;
use crate::manifest::{Desired, RenewalSettings};
use crate::state::last_applied::{AutoRenewRecord, RenewalSettingsRecord};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Everything a plan is computed from (all data, no I/O).
pub struct PlanInput<'a> {
    pub desired: &'a BTreeMap<String, Desired>,
    pub inventory: &'a Inventory,
    /// Last-applied auto-renew settings of this account, by resource id.
    pub auto_renew_records: &'a BTreeMap<String, AutoRenewRecord>,
    /// Resources that must not be renewed now, with why.
    pub renew_holds: &'a BTreeMap<String, String>,
    pub renewal_settings: Option<&'a RenewalSettings>,
    pub settings_record: Option<&'a RenewalSettingsRecord>,
    pub now: DateTime<Utc>,
}

/// Builds the plan (without prices) from resolved desired state.
pub fn build(input: &PlanInput<'_>) -> Plan {
    let out = diff::diff(&diff::DiffInput {
        desired: input.desired,
        inventory: input.inventory,
        auto_renew_records: input.auto_renew_records,
        renew_holds: input.renew_holds,
        now: input.now,
    });
    let account_changes = settings::changes(input.renewal_settings, input.settings_record);
    let batches = graph::plan_batches(&account_changes, &out.changes);
    let summary = Summary {
        to_renew: out.changes.iter().filter(|c| c.renews()).count(),
        to_change: out.changes.iter().filter(|c| c.updates()).count(),
        to_unsubscribe: out.changes.iter().filter(|c| c.unsubscribes()).count(),
        unchanged: out.unchanged,
        account_settings_to_change: account_changes.len(),
        ..Default::default()
    };
    Plan {
        format_version: FORMAT_VERSION.to_string(),
        planned_at: crate::clock::format_api_time(input.now),
        changes: out.changes,
        account_changes,
        batches,
        summary,
        warnings: out.warnings,
        errors: out.errors,
        pending_orders: Vec::new(),
        guardrail_violations: Vec::new(),
        diff: None,
    }
}
