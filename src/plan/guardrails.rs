//! Cost guardrails: `policy.max_renewal_cost`, `policy.max_commitment_increase`
//! (per month; yearly commitments count a twelfth) and `--max-cost`. Pure.

use super::model::{GuardrailViolation, Plan};
use crate::display::money::money;
use rust_decimal::Decimal;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    pub max_renewal_cost: Option<Decimal>,
    pub max_commitment_increase: Option<Decimal>,
    pub max_cost_flag: Option<Decimal>,
}

impl Limits {
    pub fn from_policy(
        policy: Option<&crate::manifest::Policy>,
        max_cost_flag: Option<Decimal>,
    ) -> Limits {
        Limits {
            max_renewal_cost: policy.and_then(|p| p.max_renewal_cost),
            max_commitment_increase: policy.and_then(|p| p.max_commitment_increase),
            max_cost_flag,
        }
    }
}

/// Net auto-renew commitment added, per month.
pub fn commitment_increase_per_month(plan: &Plan) -> Decimal {
    let c = &plan.summary.commitment;
    (c.added_per_month - c.removed_per_month)
        + (c.added_per_year - c.removed_per_year) / Decimal::from(12)
}

pub fn check(plan: &Plan, limits: &Limits) -> Vec<GuardrailViolation> {
    let currency = plan.summary.renewal_cost_now.currency.clone();
    let cost = plan.summary.renewal_cost_now.amount;
    let over = |name: &str, limit: Decimal, actual: Decimal, what: &str| {
        (actual > limit).then(|| GuardrailViolation {
            guardrail: name.to_string(),
            currency: currency.clone(),
            limit,
            actual: actual.round_dp(2),
            message: format!(
                "cost guardrail exceeded: {what} {} is over {name} {}",
                money(&currency, actual),
                money(&currency, limit)
            ),
        })
    };
    let mut out = Vec::new();
    // Fail closed: a limit cannot be checked against an unknown price. Each
    // limit is about its own prices: money now (--max-cost,
    // max_renewal_cost) about renewals, the commitment limit about auto-renew.
    let label = |c: &super::model::Change| {
        if c.resource_name.is_empty() {
            c.resource_id.clone()
        } else {
            format!("{} ({})", c.resource_name, c.resource_id)
        }
    };
    let renewals_unknown: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.renews() && c.price.is_none())
        .map(|c| format!("the renewal price of {}", label(c)))
        .collect();
    let commitments_unknown: Vec<String> = plan
        .changes
        .iter()
        .flat_map(|c| {
            c.commitments
                .iter()
                .filter(|m| m.price.is_none())
                .map(move |m| format!("the auto-renew price of {} per {}", label(c), m.per))
        })
        .collect();
    let money_now_limits: Vec<&str> = [
        limits.max_cost_flag.map(|_| "--max-cost"),
        limits.max_renewal_cost.map(|_| "policy.max_renewal_cost"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut unknown = |names: Vec<&str>, prices: &[String]| {
        if names.is_empty() || prices.is_empty() {
            return;
        }
        out.push(GuardrailViolation {
            guardrail: "unknown_prices".to_string(),
            currency: currency.clone(),
            limit: Decimal::ZERO,
            actual: Decimal::from(prices.len()),
            message: format!(
                "cost guardrail {} cannot be checked: {} {} unknown (see warnings)",
                names.join(" and "),
                prices.join(", "),
                if prices.len() == 1 { "is" } else { "are" }
            ),
        });
    };
    unknown(money_now_limits, &renewals_unknown);
    unknown(
        limits
            .max_commitment_increase
            .map(|_| "policy.max_commitment_increase")
            .into_iter()
            .collect(),
        &commitments_unknown,
    );
    if let Some(l) = limits.max_renewal_cost {
        out.extend(over("policy.max_renewal_cost", l, cost, "renewal cost now"));
    }
    if let Some(l) = limits.max_cost_flag {
        out.extend(over("--max-cost", l, cost, "renewal cost now"));
    }
    if let Some(l) = limits.max_commitment_increase {
        out.extend(over(
            "policy.max_commitment_increase",
            l,
            commitment_increase_per_month(plan),
            "auto-renew commitment increase per month",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::*;
    use std::borrow::Cow;

    fn change(renews: bool, renewal_price: bool, commitment_price: bool) -> Change {
        let state = ResourceState {
            on_expiry: Cow::Borrowed("none"),
            expire_policy: 0,
            auto_renew_period: None,
            auto_renew_times: None,
            expire_time: None,
            status: Cow::Borrowed("in_use"),
        };
        let price = Price {
            currency: "CNY".into(),
            official_amount: Decimal::from(10),
            discount_amount: Decimal::ZERO,
            amount: Decimal::from(10),
            period: "1m".into(),
        };
        Change {
            resource_id: "r1".into(),
            resource_name: "db".into(),
            service_type: String::new(),
            resource_type: String::new(),
            region: String::new(),
            is_main_resource: true,
            main_resource_id: None,
            attached: Vec::new(),
            actions: if renews {
                vec![Action::Renew, Action::Update]
            } else {
                vec![Action::Update]
            },
            before: state.clone(),
            after: state,
            operations: Vec::new(),
            price: (renews && renewal_price).then(|| price.clone()),
            commitments: vec![Commitment {
                direction: "added".into(),
                per: "month".into(),
                price: commitment_price.then_some(price),
                estimated: false,
            }],
            reasons: Vec::new(),
            protected: false,
            cause: Default::default(),
            audit: None,
        }
    }

    fn plan(c: Change) -> Plan {
        Plan {
            format_version: "1".into(),
            planned_at: String::new(),
            changes: vec![c],
            account_changes: Vec::new(),
            batches: Vec::new(),
            summary: Summary {
                unknown_prices: 1,
                ..Default::default()
            },
            warnings: Vec::new(),
            errors: Vec::new(),
            pending_orders: Vec::new(),
            guardrail_violations: Vec::new(),
            diff: None,
        }
    }

    #[test]
    fn max_cost_is_about_money_now_and_names_the_unknown_price() {
        let max_cost = Limits {
            max_cost_flag: Some(Decimal::from(1000)),
            ..Default::default()
        };
        // Only the commitment price is unknown: --max-cost can be checked.
        assert!(check(&plan(change(true, true, false)), &max_cost).is_empty());
        // The renewal price is unknown: refused, naming it.
        let v = check(&plan(change(true, false, true)), &max_cost);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "cost guardrail --max-cost cannot be checked: the renewal price of db (r1) is unknown (see warnings)"
        );
        // The commitment limit is about the commitment price.
        let commitment = Limits {
            max_commitment_increase: Some(Decimal::from(1000)),
            ..Default::default()
        };
        let v = check(&plan(change(false, false, false)), &commitment);
        assert!(v[0]
            .message
            .contains("the auto-renew price of db (r1) per month is unknown"));
    }
}
