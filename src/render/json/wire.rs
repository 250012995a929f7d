//! The JSON plan's wire structs: the documented contract (docs/plan-json.md,
//! `format_version` "1") spelled out field by field, apart from the model in
//! `plan::model`. Renaming or retyping a model field cannot change the
//! published JSON: it breaks the `From` conversions here instead.
//!
//! They borrow from the model, so a conversion is cheap; the changes are
//! converted one at a time while they are written (see [`WireChanges`]), so a
//! plan of 100k changes is never copied whole.

use crate::apply::{OpResult, Status};
use crate::bss::model::UNSUBSCRIBE_WITH_ATTACHED;
use crate::plan::compare::{DiffChange, DiffSummary, PlanDiff};
use crate::plan::{
    AccountChange, Action, AttachedRef, Audit, AuditEvent, BalanceCheck, Batch, Change, Commitment,
    CommitmentTotals, GuardrailViolation, MoneyTotal, Operation, OperationKind, PendingOrder,
    PeriodUnit, Plan, Price, ResourceState, Summary,
};
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

/// Money as a decimal string with two decimals at least (`"70000.00"`,
/// `"60275.70"`); an amount the API gave with more digits keeps them.
fn money_str<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    crate::display::money::serialize_json_amount(d, s)
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Serializes a slice as a JSON array, converting each item as it is written.
pub struct Each<'a, M, W>(&'a [M], std::marker::PhantomData<fn() -> W>);

impl<'a, M, W> Each<'a, M, W> {
    fn new(items: &'a [M]) -> Self {
        Each(items, std::marker::PhantomData)
    }
}

impl<'a, M, W> Serialize for Each<'a, M, W>
where
    W: Serialize + From<&'a M>,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(W::from))
    }
}

fn is_empty<M, W>(e: &Each<'_, M, W>) -> bool {
    e.0.is_empty()
}

/// The plan's changes, converted one by one while written.
pub type WireChanges<'a> = Each<'a, Change, WireChange<'a>>;

#[derive(Serialize)]
pub struct WirePlan<'a> {
    pub format_version: &'a str,
    pub planned_at: &'a str,
    pub changes: WireChanges<'a>,
    #[serde(skip_serializing_if = "is_empty")]
    pub account_changes: Each<'a, AccountChange, WireAccountChange<'a>>,
    pub batches: Each<'a, Batch, WireBatch<'a>>,
    pub summary: WireSummary<'a>,
    pub warnings: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub errors: &'a [String],
    #[serde(skip_serializing_if = "is_empty")]
    pub pending_orders: Each<'a, PendingOrder, WirePendingOrder<'a>>,
    #[serde(skip_serializing_if = "is_empty")]
    pub guardrail_violations: Each<'a, GuardrailViolation, WireGuardrailViolation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<WirePlanDiff<'a>>,
}

impl<'a> From<&'a Plan> for WirePlan<'a> {
    fn from(p: &'a Plan) -> Self {
        WirePlan {
            format_version: &p.format_version,
            planned_at: &p.planned_at,
            changes: Each::new(&p.changes),
            account_changes: Each::new(&p.account_changes),
            batches: Each::new(&p.batches),
            summary: (&p.summary).into(),
            warnings: &p.warnings,
            errors: &p.errors,
            pending_orders: Each::new(&p.pending_orders),
            guardrail_violations: Each::new(&p.guardrail_violations),
            diff: p.diff.as_ref().map(Into::into),
        }
    }
}

/// One API operation: `kind` and its parameters.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WireOperation<'a> {
    Renew {
        period_type: i32,
        period_num: i32,
        is_auto_pay: i32,
    },
    EnableAutoRenew {
        #[serde(skip_serializing_if = "Option::is_none")]
        period_type: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        auto_renew_times: Option<i32>,
    },
    CancelAutoRenew {},
    SetOnDemand {},
    CancelOnDemand {},
    Unsubscribe {
        unsubscribe_type: i32,
    },
    SetRenewConfig {
        config_name: &'a str,
        config_value: &'a str,
    },
}

impl<'a> From<&'a Operation> for WireOperation<'a> {
    fn from(op: &'a Operation) -> Self {
        match op {
            Operation::Renew { period, pay_now } => {
                let (period_type, period_num) = period.api_period();
                WireOperation::Renew {
                    period_type,
                    period_num,
                    is_auto_pay: i32::from(*pay_now),
                }
            }
            Operation::EnableAutoRenew { period, times } => WireOperation::EnableAutoRenew {
                period_type: period.map(PeriodUnit::api_name),
                auto_renew_times: times.map(|t| t as i32),
            },
            Operation::CancelAutoRenew => WireOperation::CancelAutoRenew {},
            Operation::SetOnDemand => WireOperation::SetOnDemand {},
            Operation::CancelOnDemand => WireOperation::CancelOnDemand {},
            Operation::Unsubscribe => WireOperation::Unsubscribe {
                unsubscribe_type: UNSUBSCRIBE_WITH_ATTACHED,
            },
            Operation::SetRenewConfig {
                config_name,
                config_value,
            } => WireOperation::SetRenewConfig {
                config_name,
                config_value,
            },
        }
    }
}

/// A batch's kind, in execution order (`renew_first` is its own).
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WireOperationKind {
    SetRenewConfig,
    RenewFirst,
    CancelOnDemand,
    CancelAutoRenew,
    SetOnDemand,
    EnableAutoRenew,
    Renew,
    Unsubscribe,
}

impl From<OperationKind> for WireOperationKind {
    fn from(k: OperationKind) -> Self {
        match k {
            OperationKind::SetRenewConfig => WireOperationKind::SetRenewConfig,
            OperationKind::RenewFirst => WireOperationKind::RenewFirst,
            OperationKind::CancelOnDemand => WireOperationKind::CancelOnDemand,
            OperationKind::CancelAutoRenew => WireOperationKind::CancelAutoRenew,
            OperationKind::SetOnDemand => WireOperationKind::SetOnDemand,
            OperationKind::EnableAutoRenew => WireOperationKind::EnableAutoRenew,
            OperationKind::Renew => WireOperationKind::Renew,
            OperationKind::Unsubscribe => WireOperationKind::Unsubscribe,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WireAction {
    Renew,
    Update,
    Unsubscribe,
}

impl From<&Action> for WireAction {
    fn from(a: &Action) -> Self {
        match a {
            Action::Renew => WireAction::Renew,
            Action::Update => WireAction::Update,
            Action::Unsubscribe => WireAction::Unsubscribe,
        }
    }
}

#[derive(Serialize)]
pub struct WireResourceState<'a> {
    pub on_expiry: &'a str,
    pub expire_policy: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_renew_period: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_renew_times: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<&'a str>,
    pub status: &'a str,
}

impl<'a> From<&'a ResourceState> for WireResourceState<'a> {
    fn from(s: &'a ResourceState) -> Self {
        WireResourceState {
            on_expiry: &s.on_expiry,
            expire_policy: s.expire_policy,
            auto_renew_period: s.auto_renew_period.as_deref(),
            auto_renew_times: s.auto_renew_times,
            expire_time: s.expire_time.as_deref(),
            status: &s.status,
        }
    }
}

#[derive(Serialize)]
pub struct WireAttachedRef<'a> {
    pub resource_id: &'a str,
    pub resource_name: &'a str,
    pub resource_type: &'a str,
}

impl<'a> From<&'a AttachedRef> for WireAttachedRef<'a> {
    fn from(a: &'a AttachedRef) -> Self {
        WireAttachedRef {
            resource_id: &a.resource_id,
            resource_name: &a.resource_name,
            resource_type: &a.resource_type,
        }
    }
}

/// Money as decimal strings.
#[derive(Serialize)]
pub struct WirePrice<'a> {
    pub currency: &'a str,
    #[serde(serialize_with = "money_str")]
    pub official_amount: Decimal,
    #[serde(serialize_with = "money_str")]
    pub discount_amount: Decimal,
    #[serde(serialize_with = "money_str")]
    pub amount: Decimal,
    pub period: &'a str,
}

impl<'a> From<&'a Price> for WirePrice<'a> {
    fn from(p: &'a Price) -> Self {
        WirePrice {
            currency: &p.currency,
            official_amount: p.official_amount,
            discount_amount: p.discount_amount,
            amount: p.amount,
            period: &p.period,
        }
    }
}

#[derive(Serialize)]
pub struct WireCommitment<'a> {
    pub direction: &'a str,
    pub per: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<WirePrice<'a>>,
    #[serde(skip_serializing_if = "is_false")]
    pub estimated: bool,
}

impl<'a> From<&'a Commitment> for WireCommitment<'a> {
    fn from(c: &'a Commitment) -> Self {
        WireCommitment {
            direction: &c.direction,
            per: &c.per,
            price: c.price.as_ref().map(Into::into),
            estimated: c.estimated,
        }
    }
}

#[derive(Serialize)]
pub struct WireChange<'a> {
    pub resource_id: &'a str,
    pub resource_name: &'a str,
    pub service_type: &'a str,
    pub resource_type: &'a str,
    pub region: &'a str,
    pub is_main_resource: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_resource_id: Option<&'a str>,
    #[serde(skip_serializing_if = "is_empty")]
    pub attached: Each<'a, AttachedRef, WireAttachedRef<'a>>,
    pub actions: Each<'a, Action, WireAction>,
    pub before: WireResourceState<'a>,
    pub after: WireResourceState<'a>,
    pub operations: Each<'a, Operation, WireOperation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<WirePrice<'a>>,
    #[serde(skip_serializing_if = "is_empty")]
    pub commitments: Each<'a, Commitment, WireCommitment<'a>>,
    /// Each reason's sentence (`Reason` serializes as its words).
    pub reasons: &'a [crate::plan::Reason],
    #[serde(skip_serializing_if = "is_false")]
    pub protected: bool,
    /// `manifest`, `drift` or `due` (DESIGN §13).
    pub cause: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<WireAudit<'a>>,
}

/// Who changed a drifted resource, from CTS.
#[derive(Serialize)]
pub struct WireAudit<'a> {
    pub region: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub events: Each<'a, AuditEvent, WireAuditEvent<'a>>,
}

impl<'a> From<&'a Audit> for WireAudit<'a> {
    fn from(a: &'a Audit) -> Self {
        WireAudit {
            region: &a.region,
            from: &a.from,
            to: &a.to,
            events: Each::new(&a.events),
        }
    }
}

#[derive(Serialize)]
pub struct WireAuditEvent<'a> {
    pub time: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<&'a str>,
    pub via: &'a str,
    pub action: &'a str,
    pub trace_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<&'a str>,
}

impl<'a> From<&'a AuditEvent> for WireAuditEvent<'a> {
    fn from(e: &'a AuditEvent) -> Self {
        WireAuditEvent {
            time: &e.time,
            user: e.user.as_deref(),
            via: &e.via,
            action: &e.action,
            trace_name: &e.trace_name,
            source_ip: e.source_ip.as_deref(),
            code: e.code.as_deref(),
            trace_id: e.trace_id.as_deref(),
        }
    }
}

impl<'a> From<&'a Change> for WireChange<'a> {
    fn from(c: &'a Change) -> Self {
        WireChange {
            resource_id: &c.resource_id,
            resource_name: &c.resource_name,
            service_type: &c.service_type,
            resource_type: &c.resource_type,
            region: &c.region,
            is_main_resource: c.is_main_resource,
            main_resource_id: c.main_resource_id.as_deref(),
            attached: Each::new(&c.attached),
            actions: Each::new(&c.actions),
            before: (&c.before).into(),
            after: (&c.after).into(),
            operations: Each::new(&c.operations),
            price: c.price.as_ref().map(Into::into),
            commitments: Each::new(&c.commitments),
            reasons: &c.reasons,
            protected: c.protected,
            cause: c.cause.name(),
            audit: c.audit.as_ref().map(Into::into),
        }
    }
}

#[derive(Serialize)]
pub struct WireBatch<'a> {
    pub index: usize,
    pub kind: WireOperationKind,
    pub operation: WireOperation<'a>,
    pub resource_ids: &'a [String],
    #[serde(skip_serializing_if = "<[usize]>::is_empty")]
    pub depends_on: &'a [usize],
}

impl<'a> From<&'a Batch> for WireBatch<'a> {
    fn from(b: &'a Batch) -> Self {
        WireBatch {
            index: b.index,
            kind: b.kind.into(),
            operation: (&b.operation).into(),
            resource_ids: &b.resource_ids,
            depends_on: &b.depends_on,
        }
    }
}

#[derive(Serialize)]
pub struct WireMoneyTotal<'a> {
    pub currency: &'a str,
    #[serde(serialize_with = "money_str")]
    pub amount: Decimal,
}

impl<'a> From<&'a MoneyTotal> for WireMoneyTotal<'a> {
    fn from(m: &'a MoneyTotal) -> Self {
        WireMoneyTotal {
            currency: &m.currency,
            amount: m.amount,
        }
    }
}

#[derive(Serialize)]
pub struct WireCommitmentTotals {
    #[serde(serialize_with = "money_str")]
    pub added_per_month: Decimal,
    #[serde(serialize_with = "money_str")]
    pub removed_per_month: Decimal,
    #[serde(serialize_with = "money_str")]
    pub added_per_year: Decimal,
    #[serde(serialize_with = "money_str")]
    pub removed_per_year: Decimal,
}

impl From<&CommitmentTotals> for WireCommitmentTotals {
    fn from(c: &CommitmentTotals) -> Self {
        WireCommitmentTotals {
            added_per_month: c.added_per_month,
            removed_per_month: c.removed_per_month,
            added_per_year: c.added_per_year,
            removed_per_year: c.removed_per_year,
        }
    }
}

#[derive(Serialize)]
pub struct WireSummary<'a> {
    pub to_renew: usize,
    pub to_change: usize,
    pub to_unsubscribe: usize,
    pub unchanged: usize,
    pub renewal_cost_now: WireMoneyTotal<'a>,
    #[serde(serialize_with = "money_str")]
    pub renewal_official_amount: Decimal,
    pub commitment: WireCommitmentTotals,
    pub unknown_prices: usize,
    pub account_settings_to_change: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<WireBalanceCheck<'a>>,
    pub api_calls: usize,
}

impl<'a> From<&'a Summary> for WireSummary<'a> {
    fn from(s: &'a Summary) -> Self {
        WireSummary {
            to_renew: s.to_renew,
            to_change: s.to_change,
            to_unsubscribe: s.to_unsubscribe,
            unchanged: s.unchanged,
            renewal_cost_now: (&s.renewal_cost_now).into(),
            renewal_official_amount: s.renewal_official_amount,
            commitment: (&s.commitment).into(),
            unknown_prices: s.unknown_prices,
            account_settings_to_change: s.account_settings_to_change,
            balance: s.balance.as_ref().map(Into::into),
            api_calls: s.api_calls,
        }
    }
}

#[derive(Serialize)]
pub struct WireBalanceCheck<'a> {
    pub currency: &'a str,
    #[serde(serialize_with = "money_str")]
    pub available: Decimal,
    #[serde(serialize_with = "money_str")]
    pub required: Decimal,
    pub sufficient: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub incomplete: bool,
}

impl<'a> From<&'a BalanceCheck> for WireBalanceCheck<'a> {
    fn from(b: &'a BalanceCheck) -> Self {
        WireBalanceCheck {
            currency: &b.currency,
            available: b.available,
            required: b.required,
            sufficient: b.sufficient,
            incomplete: b.incomplete,
        }
    }
}

#[derive(Serialize)]
pub struct WireAccountChange<'a> {
    pub setting: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<&'a str>,
    pub after: &'a str,
    pub operation: WireOperation<'a>,
    pub reason: &'a str,
}

impl<'a> From<&'a AccountChange> for WireAccountChange<'a> {
    fn from(a: &'a AccountChange) -> Self {
        WireAccountChange {
            setting: &a.setting,
            before: a.before.as_deref(),
            after: &a.after,
            operation: (&a.operation).into(),
            reason: &a.reason,
        }
    }
}

#[derive(Serialize)]
pub struct WireGuardrailViolation<'a> {
    pub guardrail: &'a str,
    pub currency: &'a str,
    #[serde(serialize_with = "money_str")]
    pub limit: Decimal,
    #[serde(serialize_with = "money_str")]
    pub actual: Decimal,
    pub message: &'a str,
}

impl<'a> From<&'a GuardrailViolation> for WireGuardrailViolation<'a> {
    fn from(g: &'a GuardrailViolation) -> Self {
        WireGuardrailViolation {
            guardrail: &g.guardrail,
            currency: &g.currency,
            limit: g.limit,
            actual: g.actual,
            message: &g.message,
        }
    }
}

#[derive(Serialize)]
pub struct WirePendingOrder<'a> {
    pub order_id: &'a str,
    pub resource_ids: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_payment_end_time: Option<&'a str>,
}

impl<'a> From<&'a PendingOrder> for WirePendingOrder<'a> {
    fn from(o: &'a PendingOrder) -> Self {
        WirePendingOrder {
            order_id: &o.order_id,
            resource_ids: &o.resource_ids,
            amount: o.amount.as_deref(),
            currency: o.currency.as_deref(),
            create_time: o.create_time.as_deref(),
            pending_payment_end_time: o.pending_payment_end_time.as_deref(),
        }
    }
}

/// The `diff` object (only with a base plan).
#[derive(Serialize)]
pub struct WirePlanDiff<'a> {
    pub base_summary: WireSummary<'a>,
    pub changes: Each<'a, DiffChange, WireDiffChange<'a>>,
    pub summary: WireDiffSummary<'a>,
}

impl<'a> From<&'a PlanDiff> for WirePlanDiff<'a> {
    fn from(d: &'a PlanDiff) -> Self {
        WirePlanDiff {
            base_summary: (&d.base_summary).into(),
            changes: Each::new(&d.changes),
            summary: (&d.summary).into(),
        }
    }
}

/// Kinds only: the parameters (`DiffChange::detail`) are for the views.
#[derive(Serialize)]
pub struct WireDiffChange<'a> {
    pub resource_id: &'a str,
    pub resource_name: &'a str,
    pub base_operations: &'a [String],
    pub operations: &'a [String],
    pub renewal_cost_now: WireMoneyTotal<'a>,
}

impl<'a> From<&'a DiffChange> for WireDiffChange<'a> {
    fn from(c: &'a DiffChange) -> Self {
        WireDiffChange {
            resource_id: &c.resource_id,
            resource_name: &c.resource_name,
            base_operations: &c.base_operations,
            operations: &c.operations,
            renewal_cost_now: (&c.renewal_cost_now).into(),
        }
    }
}

#[derive(Serialize)]
pub struct WireDiffSummary<'a> {
    pub renewal_cost_now: WireMoneyTotal<'a>,
    pub commitment: WireCommitmentTotals,
}

impl<'a> From<&'a DiffSummary> for WireDiffSummary<'a> {
    fn from(s: &'a DiffSummary) -> Self {
        WireDiffSummary {
            renewal_cost_now: (&s.renewal_cost_now).into(),
            commitment: (&s.commitment).into(),
        }
    }
}

/// `apply --format json`: one operation's result.
#[derive(Serialize)]
pub struct WireOpResult<'a> {
    pub resource_id: &'a str,
    pub operation: WireOperation<'a>,
    pub status: WireStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub order_ids: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
}

impl<'a> From<&'a OpResult> for WireOpResult<'a> {
    fn from(r: &'a OpResult) -> Self {
        WireOpResult {
            resource_id: &r.resource_id,
            operation: (&r.operation).into(),
            status: r.status.into(),
            error_code: r.error_code.as_deref(),
            hint: r.hint.as_deref(),
            error_msg: r.error_msg.as_deref(),
            request_id: r.request_id.as_deref(),
            order_ids: &r.order_ids,
            note: r.note.as_deref(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WireStatus {
    Done,
    Failed,
    Skipped,
    Unknown,
}

impl From<Status> for WireStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Done => WireStatus::Done,
            Status::Failed => WireStatus::Failed,
            Status::Skipped => WireStatus::Skipped,
            Status::Unknown => WireStatus::Unknown,
        }
    }
}

/// The results of an apply, converted one by one while written.
pub fn results(results: &[OpResult]) -> Each<'_, OpResult, WireOpResult<'_>> {
    Each::new(results)
}

#[cfg(test)]
mod tests {
    use crate::plan::compare::{DiffChange, DiffSummary, PlanDiff};
    use crate::plan::{GuardrailViolation, Operation, Plan};

    /// While the wire structs mirror the model, both serialize alike; this
    /// covers the optional parts the golden file of the examples lacks.
    #[test]
    fn the_wire_plan_serializes_as_the_model_does() {
        let golden = include_str!("../../../tests/fixtures/golden/examples-plan.json");
        let mut plan: Plan = serde_json::from_str(golden).unwrap();
        assert_eq!(super::super::render(&plan), golden);
        plan.errors.push("an error".into());
        plan.guardrail_violations.push(GuardrailViolation {
            guardrail: "--max-cost".into(),
            currency: "CNY".into(),
            limit: "1.50".parse().unwrap(),
            actual: "2".parse().unwrap(),
            message: "over".into(),
        });
        let c = &mut plan.changes[0];
        c.main_resource_id = Some("main".into());
        c.cause = crate::plan::Cause::Drift;
        c.audit = Some(crate::plan::Audit {
            region: "cn-north-4".into(),
            from: "2026-11-20T00:00:00Z".into(),
            to: "2026-11-27T00:00:00Z".into(),
            events: vec![crate::plan::AuditEvent {
                time: "2026-11-26T06:14:09Z".into(),
                user: Some("alice".into()),
                via: "console".into(),
                action: "auto-renew cancelled".into(),
                trace_name: "cancelResourcesAutoRenew".into(),
                source_ip: Some("203.0.113.24".into()),
                code: Some("204".into()),
                trace_id: Some("t-1".into()),
            }],
        });
        c.operations.push(Operation::Unsubscribe);
        if let Some(b) = plan.summary.balance.as_mut() {
            b.incomplete = true;
        }
        plan.diff = Some(PlanDiff {
            base_summary: plan.summary.clone(),
            changes: vec![DiffChange {
                resource_id: "r".into(),
                resource_name: "n".into(),
                base_operations: vec!["renew".into()],
                operations: vec![],
                renewal_cost_now: Default::default(),
                base_detail: vec![],
                detail: vec![],
            }],
            summary: DiffSummary::default(),
        });
        // Alike but for money, which the wire writes with two decimals.
        let model = normalized(serde_json::to_value(&plan).unwrap());
        let wire: serde_json::Value = serde_json::from_str(&super::super::render(&plan)).unwrap();
        assert_eq!(normalized(wire), model);
        let wire = super::super::render(&plan);
        assert!(wire.contains("\"limit\": \"1.50\"") && wire.contains("\"actual\": \"2.00\""));
    }

    /// Decimal strings in one form (`"2"`, `"2.00"` → `"2"`).
    fn normalized(v: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::String(s) => match s.parse::<rust_decimal::Decimal>() {
                Ok(d) => Value::String(d.normalize().to_string()),
                Err(_) => Value::String(s),
            },
            Value::Array(a) => Value::Array(a.into_iter().map(normalized).collect()),
            Value::Object(o) => {
                Value::Object(o.into_iter().map(|(k, v)| (k, normalized(v))).collect())
            }
            v => v,
        }
    }

    #[test]
    fn money_has_two_decimals_at_least() {
        let s = |d: &str| {
            let mut out = Vec::new();
            let mut ser = serde_json::Serializer::new(&mut out);
            super::money_str(&d.parse().unwrap(), &mut ser).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(s("70000"), "\"70000.00\"");
        assert_eq!(s("60275.7"), "\"60275.70\"");
        assert_eq!(s("0"), "\"0.00\"");
        assert_eq!(s("-504.000"), "\"-504.00\"");
        assert_eq!(s("0.125"), "\"0.125\"");
    }
}
