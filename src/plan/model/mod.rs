//! The plan is plain data: what `plan --format json` prints, what
//! `plan --out` saves and what `apply` executes. Field names here are a
//! documented contract (`format_version` "1", see docs/plan-json.md).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

pub const FORMAT_VERSION: &str = "1";

mod operation_repr;
mod period;
mod reason;

pub use period::{
    PeriodUnit, RenewPeriod, PERIOD_PATTERN, SHORTEST_MONTH_DAYS, SHORTEST_YEAR_DAYS,
};
pub use reason::Reason;

/// One API operation on one main resource, in domain terms; the client edge
/// turns it into API codes. Its `kind` and parameters are what users see and
/// what the executor sends. Saved plans and the journal store it in the API's
/// vocabulary (`operation_repr`), so their JSON shape does not depend on these
/// Rust names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(
    into = "operation_repr::OperationRepr",
    try_from = "operation_repr::OperationRepr"
)]
pub enum Operation {
    /// Renew now (a purchase), paying at once or leaving the order unpaid.
    Renew {
        period: RenewPeriod,
        pay_now: bool,
    },
    /// Turn auto-renew on, or change its period/times when already on.
    EnableAutoRenew {
        period: Option<PeriodUnit>,
        times: Option<u32>,
    },
    CancelAutoRenew,
    SetOnDemand,
    CancelOnDemand,
    /// Release the resource and its attached ones (irreversible).
    Unsubscribe,
    /// Account-wide renewal setting (`DEDUCTION_DATE` or `EXPIRE_DATE`).
    SetRenewConfig {
        config_name: String,
        config_value: String,
    },
}

/// The operation kinds, in the order their batches run. Every per-resource
/// ordering rule is consistent with this order, so one batch per kind (and
/// parameters) suffices: the fewest calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    /// Account renewal settings first: renewals in this apply follow them.
    SetRenewConfig,
    /// A renewal that must come first: the resource is expired or frozen and
    /// settings cannot change until it is renewed.
    RenewFirst,
    CancelOnDemand,
    CancelAutoRenew,
    SetOnDemand,
    EnableAutoRenew,
    Renew,
    Unsubscribe,
}

impl OperationKind {
    /// The name users see (`renew_first` is still a `renew`).
    pub fn name(self) -> &'static str {
        match self {
            OperationKind::RenewFirst | OperationKind::Renew => "renew",
            OperationKind::CancelOnDemand => "cancel_on_demand",
            OperationKind::CancelAutoRenew => "cancel_auto_renew",
            OperationKind::SetOnDemand => "set_on_demand",
            OperationKind::EnableAutoRenew => "enable_auto_renew",
            OperationKind::Unsubscribe => "unsubscribe",
            OperationKind::SetRenewConfig => "set_renew_config",
        }
    }

    /// Ids per API call.
    pub fn batch_limit(self) -> usize {
        use crate::bss::api::Api;
        let api = match self {
            OperationKind::RenewFirst | OperationKind::Renew => Api::Renew,
            OperationKind::Unsubscribe => Api::Unsubscribe,
            OperationKind::SetOnDemand | OperationKind::CancelOnDemand => Api::ToOnDemand,
            OperationKind::EnableAutoRenew => Api::EnableAutoRenew,
            OperationKind::CancelAutoRenew => Api::CancelAutoRenew,
            OperationKind::SetRenewConfig => Api::SetRenewConfig,
        };
        // Calls that take one resource in the path have no id list.
        api.max_ids().unwrap_or(1)
    }
}

impl Operation {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Operation::Renew { .. } => "renew",
            Operation::EnableAutoRenew { .. } => "enable_auto_renew",
            Operation::CancelAutoRenew => "cancel_auto_renew",
            Operation::SetOnDemand => "set_on_demand",
            Operation::CancelOnDemand => "cancel_on_demand",
            Operation::Unsubscribe => "unsubscribe",
            Operation::SetRenewConfig { .. } => "set_renew_config",
        }
    }

    pub fn is_purchase_or_release(&self) -> bool {
        matches!(self, Operation::Renew { .. } | Operation::Unsubscribe)
    }
}

/// What the user sees per resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A renewal is bought now.
    Renew,
    /// Expiry settings change (auto-renew, to-on-demand).
    Update,
    /// Released.
    Unsubscribe,
}

impl Action {
    /// The plan's mark for it: `+` renew, `~` update, `-` unsubscribe.
    pub fn symbol(self) -> char {
        match self {
            Action::Renew => '+',
            Action::Update => '~',
            Action::Unsubscribe => '-',
        }
    }
}

/// The expiry-related state of a resource, before or after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceState {
    /// `auto_renew`, `on_demand`, `none`, or the platform's other policies
    /// (`delete`, `freeze`, `delete_from_retention`).
    pub on_expiry: Cow<'static, str>,
    pub expire_policy: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew_period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew_times: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
    /// `in_use`, `closed`, `frozen`, `expired`.
    pub status: Cow<'static, str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedRef {
    pub resource_id: String,
    pub resource_name: String,
    pub resource_type: String,
}

/// Money as decimal strings, per the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub currency: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub official_amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub discount_amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// What was priced, e.g. `1y` or `1m`.
    pub period: String,
}

/// A change in the auto-renew commitment: what each automatic renewal will
/// cost from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    /// `added` or `removed`.
    pub direction: String,
    /// `month` or `year`.
    pub per: String,
    /// Absent when the price is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// True when the period was not known (the API uses the last order's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub resource_id: String,
    pub resource_name: String,
    pub service_type: String,
    pub resource_type: String,
    pub region: String,
    pub is_main_resource: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_resource_id: Option<String>,
    /// Attached resources that follow this main resource.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached: Vec<AttachedRef>,
    pub actions: Vec<Action>,
    pub before: ResourceState,
    pub after: ResourceState,
    pub operations: Vec<Operation>,
    /// Price of the renewal bought now; absent when none or unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commitments: Vec<Commitment>,
    /// Why each operation is planned, in words.
    pub reasons: Vec<Reason>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protected: bool,
    /// Why the change is needed (DESIGN §13); plans saved before causes
    /// existed read as `manifest`.
    #[serde(default)]
    pub cause: Cause,
    /// For a `drift` change: what the cloud's audit trail (CTS) says about
    /// who changed it; absent when it was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<Audit>,
}

/// Why a plan holds a change (DESIGN §13).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The manifests ask for something bssctl has not applied yet.
    #[default]
    Manifest,
    /// The account moved away from what bssctl last applied: someone
    /// changed it elsewhere.
    Drift,
    /// Time made it necessary: a renew_ahead window opened.
    Due,
}

impl Cause {
    pub const ALL: [Cause; 3] = [Cause::Drift, Cause::Due, Cause::Manifest];

    pub fn name(self) -> &'static str {
        match self {
            Cause::Manifest => "manifest",
            Cause::Drift => "drift",
            Cause::Due => "due",
        }
    }
}

/// The audit-trail search for one drifted resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    /// The CTS region searched.
    pub region: String,
    /// The window searched, RFC 3339 UTC.
    pub from: String,
    pub to: String,
    /// The events that explain the drift, newest first; empty when the
    /// trail holds none in the window.
    pub events: Vec<AuditEvent>,
}

/// One audit-trail event (a CTS trace) on a drifted resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When it happened, RFC 3339 UTC.
    pub time: String,
    /// The operator (`user.name`); absent for the platform's own actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `console`, `api` or `system` (CTS `trace_type`).
    pub via: String,
    /// What was done, in words (`auto-renew cancelled`).
    pub action: String,
    /// The CTS trace name, byte for byte.
    pub trace_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// The operation's HTTP status as CTS recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

impl Change {
    pub fn renews(&self) -> bool {
        self.actions.contains(&Action::Renew)
    }
    pub fn updates(&self) -> bool {
        self.actions.contains(&Action::Update)
    }
    pub fn unsubscribes(&self) -> bool {
        self.actions.contains(&Action::Unsubscribe)
    }
}

/// One API call the executor makes: same kind and parameters, within the
/// per-call limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub index: usize,
    pub kind: OperationKind,
    pub operation: Operation,
    pub resource_ids: Vec<String>,
    /// Batches that must finish first (per-resource ordering).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyTotal {
    pub currency: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentTotals {
    #[serde(with = "rust_decimal::serde::str")]
    pub added_per_month: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub removed_per_month: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub added_per_year: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub removed_per_year: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub to_renew: usize,
    pub to_change: usize,
    pub to_unsubscribe: usize,
    /// Managed resources already as desired.
    pub unchanged: usize,
    /// Money this apply spends now (renewals, after the best discount).
    pub renewal_cost_now: MoneyTotal,
    /// List price of the same renewals.
    #[serde(with = "rust_decimal::serde::str")]
    pub renewal_official_amount: Decimal,
    pub commitment: CommitmentTotals,
    /// Operations whose price could not be learned.
    pub unknown_prices: usize,
    /// Account-wide settings that change (renewal settings).
    #[serde(default)]
    pub account_settings_to_change: usize,
    /// Whether the balance covers the renewals paid now (absent when
    /// nothing is paid now or the balance was not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<BalanceCheck>,
    pub api_calls: usize,
}

impl Summary {
    pub fn has_changes(&self) -> bool {
        self.to_renew + self.to_change + self.to_unsubscribe + self.account_settings_to_change > 0
    }
}

/// The account's money against what this apply pays at once
/// (renewals with `auto_pay`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceCheck {
    pub currency: String,
    /// Cash balance plus available credit.
    #[serde(with = "rust_decimal::serde::str")]
    pub available: Decimal,
    /// Renewals paid at once (`is_auto_pay` 1).
    #[serde(with = "rust_decimal::serde::str")]
    pub required: Decimal,
    pub sufficient: bool,
    /// True when some renewal prices are unknown, so `required` is a floor.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
}

/// A change to an account-wide setting (not tied to one resource).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountChange {
    /// The manifest key, e.g. `renewal_settings.deduction_day`.
    pub setting: String,
    /// As last applied by bssctl; absent when never recorded (the API
    /// cannot read it back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    pub after: String,
    pub operation: Operation,
    pub reason: String,
}

/// The whole plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: String,
    /// The planning clock (`BSSCTL_NOW` or the system clock).
    pub planned_at: String,
    pub changes: Vec<Change>,
    /// Account-wide settings to change (renewal settings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_changes: Vec<AccountChange>,
    pub batches: Vec<Batch>,
    pub summary: Summary,
    pub warnings: Vec<String>,
    /// Problems that make this plan unappliable (exit 1): e.g. a manifest
    /// `name` that differs from the live name of a resource due for a
    /// renewal or an unsubscribe. What they concern is left out of `changes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Unpaid renewal orders that already exist for managed resources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_orders: Vec<PendingOrder>,
    /// Cost guardrails this plan exceeds (exit code 3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guardrail_violations: Vec<GuardrailViolation>,
    /// What this plan changes compared with a base plan (`plan --base`,
    /// `--base-ref`; DESIGN §10); absent without a base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<super::compare::PlanDiff>,
}

impl Change {
    /// The action a change is shown by: unsubscribe before renew before
    /// update.
    pub fn main_action(&self) -> Action {
        if self.unsubscribes() {
            Action::Unsubscribe
        } else if self.renews() {
            Action::Renew
        } else {
            Action::Update
        }
    }
}

impl Plan {
    /// The changes grouped by cause (drift, due, manifest), in plan order
    /// within each.
    pub fn changes_by_cause(&self) -> Vec<&Change> {
        Cause::ALL
            .iter()
            .flat_map(|&cause| self.changes.iter().filter(move |c| c.cause == cause))
            .collect()
    }

    /// Resource names by id, attached resources included.
    pub fn names(&self) -> BTreeMap<String, String> {
        self.changes
            .iter()
            .flat_map(|c| {
                std::iter::once((c.resource_id.clone(), c.resource_name.clone())).chain(
                    c.attached
                        .iter()
                        .map(|a| (a.resource_id.clone(), a.resource_name.clone())),
                )
            })
            .collect()
    }
}

/// A cost limit the plan goes over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailViolation {
    /// `max_renewal_cost`, `max_commitment_increase` or `--max-cost`.
    pub guardrail: String,
    pub currency: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub limit: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub actual: Decimal,
    pub message: String,
}

/// An unpaid renewal order (status 6) holding managed resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOrder {
    pub order_id: String,
    pub resource_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_payment_end_time: Option<String>,
}

#[cfg(test)]
impl Change {
    /// A main resource's change, `in_use` before and after, no price: the
    /// starting point the pipeline stages' unit tests edit.
    pub(crate) fn sketch(id: &str, operations: Vec<Operation>) -> Change {
        let state = ResourceState {
            on_expiry: "none".into(),
            expire_policy: 0,
            auto_renew_period: None,
            auto_renew_times: None,
            expire_time: None,
            status: "in_use".into(),
        };
        Change {
            resource_id: id.into(),
            resource_name: id.into(),
            service_type: String::new(),
            resource_type: String::new(),
            region: String::new(),
            is_main_resource: true,
            main_resource_id: None,
            attached: vec![],
            actions: vec![],
            before: state.clone(),
            after: state,
            operations,
            price: None,
            commitments: vec![],
            reasons: vec![],
            protected: false,
            cause: Cause::Manifest,
            audit: None,
        }
    }
}
