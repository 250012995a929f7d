//! Cost guardrails: `policy.max_renewal_cost`, `policy.max_commitment_increase`
//! (per month; yearly commitments count a twelfth) and `--max-cost`. Pure.

use super::model::{GuardrailViolation, Plan};
use crate::render::money::money;
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
    // Fail closed: a limit cannot be checked against an unknown price.
    let has_limit = limits.max_renewal_cost.is_some()
        || limits.max_cost_flag.is_some()
        || limits.max_commitment_increase.is_some();
    if has_limit && plan.summary.unknown_prices > 0 {
        out.push(GuardrailViolation {
            guardrail: "unknown_prices".to_string(),
            currency: currency.clone(),
            limit: Decimal::ZERO,
            actual: Decimal::from(plan.summary.unknown_prices),
            message: format!(
                "cost guardrail cannot be checked: {} price(s) unknown (see warnings)",
                plan.summary.unknown_prices
            ),
        });
    }
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
