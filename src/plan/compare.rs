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
    pub record: &'a crate::state::last_applied::AccountRecord,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::price::PriceBook;
    use crate::plan::{Action, Change, PeriodUnit, Price, RenewPeriod, ResourceState};
    use proptest::prelude::*;

    const MENU: usize = 6;

    fn ops(choice: usize) -> Vec<Operation> {
        let renew = |period_type, period_num| Operation::Renew {
            period: RenewPeriod::from_api(period_type, period_num).unwrap(),
            pay_now: true,
        };
        match choice {
            0 => vec![],
            1 => vec![renew(3, 1)],
            2 => vec![renew(2, 1)],
            3 => vec![renew(2, 2)],
            4 => vec![Operation::EnableAutoRenew {
                period: Some(PeriodUnit::Month),
                times: Some(0),
            }],
            _ => vec![Operation::CancelAutoRenew],
        }
    }

    fn change(id: &str, auto: bool, operations: Vec<Operation>) -> Change {
        let state = ResourceState {
            on_expiry: if auto { "auto_renew" } else { "none" }.into(),
            expire_policy: if auto {
                crate::bss::model::EXPIRE_POLICY_AUTO_RENEW
            } else {
                0
            },
            auto_renew_period: auto.then(|| "year".to_string()),
            auto_renew_times: None,
            expire_time: None,
            status: "in_use".into(),
        };
        let actions = if operations
            .iter()
            .any(|o| matches!(o, Operation::Renew { .. }))
        {
            vec![Action::Renew]
        } else {
            vec![Action::Update]
        };
        Change {
            resource_id: id.into(),
            resource_name: format!("name-{id}"),
            service_type: String::new(),
            resource_type: String::new(),
            region: String::new(),
            is_main_resource: true,
            main_resource_id: None,
            attached: Vec::new(),
            actions,
            before: state.clone(),
            after: state,
            operations,
            price: None,
            commitments: Vec::new(),
            reasons: Vec::new(),
            protected: false,
            cause: Default::default(),
            audit: None,
        }
    }

    /// A priced plan over `resources` (id, auto-renews, menu choice).
    fn plan(resources: &[(String, bool, usize)], book: &PriceBook) -> Plan {
        let mut p = crate::plan::build(&crate::plan::PlanInput {
            desired: &BTreeMap::new(),
            inventory: &crate::live::Inventory::default(),
            auto_renew_records: &BTreeMap::new(),
            renew_holds: &BTreeMap::new(),
            renewal_settings: None,
            settings_record: None,
            now: chrono::Utc::now(),
        });
        p.changes = resources
            .iter()
            .filter(|(_, _, c)| *c != 0)
            .map(|(id, auto, c)| change(id, *auto, ops(*c)))
            .collect();
        crate::plan::price::apply_prices(&mut p, book);
        p
    }

    fn book(cents: &[Option<i64>]) -> PriceBook {
        let mut b = PriceBook {
            currency: Some("CNY".into()),
            ..Default::default()
        };
        let keys = [(3, 1), (2, 1), (2, 2)];
        for (i, c) in cents.iter().enumerate() {
            let (pt, pn) = keys[i % keys.len()];
            if let Some(c) = c {
                let amount = Decimal::new(*c, 2);
                b.quotes.insert(
                    (format!("r{}", i / keys.len()), pt, pn),
                    Price {
                        currency: "CNY".into(),
                        official_amount: amount,
                        discount_amount: Decimal::ZERO,
                        amount,
                        period: String::new(),
                    },
                );
            }
        }
        b
    }

    proptest! {
        /// The per-resource deltas add up to the summary delta exactly, and
        /// a resource is listed exactly when its operations differ.
        #[test]
        fn per_resource_deltas_add_up_to_the_summary(
            spec in proptest::collection::vec((any::<bool>(), 0..MENU, 0..MENU), 0..12),
            cents in proptest::collection::vec(proptest::option::weighted(0.9, 0i64..10_000_000_000), 36),
        ) {
            let book = book(&cents);
            let side = |pick: fn(&(bool, usize, usize)) -> usize| -> Vec<(String, bool, usize)> {
                spec.iter().enumerate().map(|(i, s)| (format!("r{i}"), s.0, pick(s))).collect()
            };
            let base = plan(&side(|s| s.1), &book);
            let head = plan(&side(|s| s.2), &book);
            let d = compare(&base, &head);
            let sum: Decimal = d.changes.iter().map(|c| c.renewal_cost_now.amount).sum();
            prop_assert_eq!(sum, d.summary.renewal_cost_now.amount);
            prop_assert_eq!(
                d.summary.renewal_cost_now.amount,
                head.summary.renewal_cost_now.amount - base.summary.renewal_cost_now.amount
            );
            let listed: Vec<String> = d.changes.iter().map(|c| c.resource_id.clone()).collect();
            let differ: Vec<String> = spec
                .iter()
                .enumerate()
                .filter(|(_, s)| ops(s.1) != ops(s.2))
                .map(|(i, _)| format!("r{i}"))
                .collect();
            let mut differ = differ;
            differ.sort();
            prop_assert_eq!(listed, differ);
            // The same plans on both sides: nothing at all.
            prop_assert!(compare(&head, &head).is_empty());
        }
    }

    #[test]
    fn a_moved_period_is_a_change_with_both_renewals() {
        let book = book(&[Some(10_000), Some(1_000), Some(1_900)]);
        let base = plan(&[("r0".into(), false, 1)], &book);
        let head = plan(&[("r0".into(), false, 3)], &book);
        let d = compare(&base, &head);
        assert_eq!(d.changes.len(), 1);
        assert_eq!(d.changes[0].base_operations, vec!["renew"]);
        assert_eq!(d.changes[0].operations, vec!["renew"]);
        assert_eq!(
            d.changes[0].renewal_cost_now.amount,
            Decimal::new(-8_100, 2)
        );
        assert_eq!(d.summary.renewal_cost_now.amount, Decimal::new(-8_100, 2));
        assert!(!d.is_empty());
    }
}
