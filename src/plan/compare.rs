//! What a change does on its own (DESIGN §10): the head plan compared with
//! the base plan, both made from one live inventory and one price book.
//! Pure: two plans in, the differing resources and head-minus-base money
//! out. A renewal due on the base as well cancels out here.

use super::{CommitmentTotals, MoneyTotal, Operation, Plan, Summary};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `diff` object of the JSON plan (present only with a base).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDiff {
    /// The base plan's summary, as if it were planned alone.
    pub base_summary: Summary,
    /// Resources whose operations (kinds and parameters) differ, by id.
    pub changes: Vec<DiffChange>,
    pub summary: DiffSummary,
}

/// One resource whose operations differ between base and head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffChange {
    pub resource_id: String,
    pub resource_name: String,
    /// Operation kinds on the base, in execution order.
    pub base_operations: Vec<String>,
    /// Operation kinds on the head, in execution order.
    pub operations: Vec<String>,
    /// Head minus base of what this resource's renewals cost now.
    pub renewal_cost_now: MoneyTotal,
    /// The operations with their parameters, for the views (not in JSON:
    /// the contract lists kinds only).
    #[serde(skip)]
    pub base_detail: Vec<Operation>,
    #[serde(skip)]
    pub detail: Vec<Operation>,
}

/// Head minus base (may be negative).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSummary {
    pub renewal_cost_now: MoneyTotal,
    pub commitment: CommitmentTotals,
}

impl PlanDiff {
    /// True when the change moves no operation, money or account setting.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
            && self.summary.renewal_cost_now.amount.is_zero()
            && self.summary.commitment == CommitmentTotals::default()
    }
}

/// What the resource's renewals bought now cost in this plan (priced
/// renewals only, as the summary counts them).
fn cost_now(ops: &[Operation], price: Option<&super::Price>) -> Decimal {
    let renewals = ops
        .iter()
        .filter(|o| matches!(o, Operation::Renew { .. }))
        .count();
    price.map_or(Decimal::ZERO, |p| p.amount * Decimal::from(renewals))
}

/// Compares two priced plans. The money is head minus base; the currency is
/// the head's (one account, one price book).
pub fn compare(base: &Plan, head: &Plan) -> PlanDiff {
    struct Side<'a> {
        name: &'a str,
        ops: &'a [Operation],
        cost: Decimal,
    }
    let mut by_id: BTreeMap<&str, (Option<Side>, Option<Side>)> = BTreeMap::new();
    for c in &base.changes {
        by_id.entry(&c.resource_id).or_default().0 = Some(Side {
            name: &c.resource_name,
            ops: &c.operations,
            cost: cost_now(&c.operations, c.price.as_ref()),
        });
    }
    for c in &head.changes {
        by_id.entry(&c.resource_id).or_default().1 = Some(Side {
            name: &c.resource_name,
            ops: &c.operations,
            cost: cost_now(&c.operations, c.price.as_ref()),
        });
    }
    let currency = head.summary.renewal_cost_now.currency.clone();
    let mut changes = Vec::new();
    for (id, (b, h)) in by_id {
        let b_ops = b.as_ref().map_or(&[][..], |s| s.ops);
        let h_ops = h.as_ref().map_or(&[][..], |s| s.ops);
        if b_ops == h_ops {
            continue;
        }
        let name = h
            .as_ref()
            .map(|s| s.name)
            .filter(|n| !n.is_empty())
            .or(b.as_ref().map(|s| s.name))
            .unwrap_or_default();
        let kinds = |ops: &[Operation]| ops.iter().map(|o| o.kind_name().to_string()).collect();
        changes.push(DiffChange {
            resource_id: id.to_string(),
            resource_name: name.to_string(),
            base_operations: kinds(b_ops),
            operations: kinds(h_ops),
            renewal_cost_now: MoneyTotal {
                currency: currency.clone(),
                amount: h.as_ref().map_or(Decimal::ZERO, |s| s.cost)
                    - b.as_ref().map_or(Decimal::ZERO, |s| s.cost),
            },
            base_detail: b_ops.to_vec(),
            detail: h_ops.to_vec(),
        });
    }
    let (hs, bs) = (&head.summary, &base.summary);
    let (hc, bc) = (&hs.commitment, &bs.commitment);
    PlanDiff {
        base_summary: base.summary.clone(),
        changes,
        summary: DiffSummary {
            renewal_cost_now: MoneyTotal {
                currency,
                amount: hs.renewal_cost_now.amount - bs.renewal_cost_now.amount,
            },
            commitment: CommitmentTotals {
                added_per_month: hc.added_per_month - bc.added_per_month,
                removed_per_month: hc.removed_per_month - bc.removed_per_month,
                added_per_year: hc.added_per_year - bc.added_per_year,
                removed_per_year: hc.removed_per_year - bc.removed_per_year,
            },
        },
    }
}

/// What the base plan is made from: the head's live inventory, holds and
/// records (one account read serves both plans).
pub struct BaseInput<'a> {
    pub inventory: &'a crate::live::Inventory,
    pub holds: &'a BTreeMap<String, String>,
    pub record: &'a crate::last_applied::AccountRecord,
    pub renewal_settings: Option<&'a crate::manifest::RenewalSettings>,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The base plan (unpriced): the base manifests resolved against the same
/// inventory, narrowed by `scope` like the head. Resolve errors come back as
/// the base's diagnostics.
pub fn base_plan(
    set: &crate::manifest::ManifestSet,
    input: &BaseInput<'_>,
    scope: impl FnOnce(&mut BTreeMap<String, crate::manifest::Desired>),
) -> Result<Plan, Vec<crate::manifest::Diagnostic>> {
    let resolution = crate::manifest::resolve(set, input.inventory, input.now);
    if resolution
        .diagnostics
        .iter()
        .any(|d| d.severity == crate::manifest::Severity::Error)
    {
        return Err(resolution.diagnostics);
    }
    let mut desired = resolution.desired;
    scope(&mut desired);
    Ok(super::build(&super::PlanInput {
        desired: &desired,
        inventory: input.inventory,
        auto_renew_records: &input.record.auto_renew,
        renew_holds: input.holds,
        renewal_settings: input.renewal_settings,
        settings_record: input.record.renewal_settings.as_ref(),
        now: input.now,
    }))
}
