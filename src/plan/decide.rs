//! Decide: what of a priced plan may be applied. The cost guardrails are
//! checked into the plan (`with_guardrails`); the refusals (plan errors, a
//! guardrail, holds of in-flight purchases, unsubscribing without the flag
//! or of a protected resource, a short balance) are rules over the plan as
//! data, each a `Refusal` whose message the commands print as is.

use super::guardrails::{self, Limits};
use super::model::{BalanceCheck, Change, Plan};
use std::collections::BTreeMap;

/// Why (part of) a plan may not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The plan has errors; `listed` is how they are shown in the message.
    PlanErrors { count: usize, listed: String },
    /// Over a cost guardrail (exit code of its own).
    Guardrail(String),
    /// A saved plan would renew or release what an earlier run's unknown
    /// purchase still holds ("id: why" each).
    Held(Vec<String>),
    /// An unsubscribe of a protected resource.
    Protected { name: String, id: String },
    /// Unsubscribes without `--allow-unsubscribe`.
    UnsubscribeWithoutFlag { ids: Vec<String> },
    /// The balance does not cover the renewals paid now.
    ShortBalance(BalanceCheck),
}

impl std::error::Error for Refusal {}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::PlanErrors { count, listed } => write!(
                f,
                "the plan has {count} error(s){listed}; nothing is bought or released until they are fixed"
            ),
            Refusal::Guardrail(m) => f.write_str(m),
            Refusal::Held(held) => write!(
                f,
                "refusing to apply the saved plan; nothing was applied: {}",
                held.join("; ")
            ),
            Refusal::Protected { name, id } => write!(
                f,
                "refusing to unsubscribe {name} ({id}): it is protected (protect: true)"
            ),
            Refusal::UnsubscribeWithoutFlag { ids } => write!(
                f,
                "refusing to unsubscribe {} resource(s) ({}) without --allow-unsubscribe; unsubscribing is irreversible",
                ids.len(),
                ids.join(", ")
            ),
            Refusal::ShortBalance(b) => write!(
                f,
                "refusing to apply: {}; nothing was applied (pass --ignore-balance to try anyway)",
                balance_warning(b)
            ),
        }
    }
}

/// The plan with its guardrail violations filled in.
pub fn with_guardrails(plan: &mut Plan, limits: &Limits) {
    plan.guardrail_violations = guardrails::check(plan, limits);
}

/// A plan with errors is not applied (nor saved). `listed_above`: the
/// rendered plan already shows them (text, markdown), so only a count.
pub fn plan_errors(plan: &Plan, listed_above: bool) -> Result<(), Refusal> {
    let count = plan.errors.len();
    if count == 0 {
        return Ok(());
    }
    let listed = match listed_above {
        false => format!(": {}", plan.errors.join("; ")),
        true => " (shown above)".to_string(),
    };
    Err(Refusal::PlanErrors { count, listed })
}

/// A plan over a cost guardrail is refused, the refusal printed once: when
/// the rendered plan already shows the violations (`shown_above`), the
/// message only points at them.
pub fn guardrail(plan: &Plan, shown_above: bool, suffix: &str) -> Result<(), Refusal> {
    let Some(v) = plan.guardrail_violations.first() else {
        return Ok(());
    };
    let message = if shown_above {
        let n = plan.guardrail_violations.len();
        format!(
            "the plan exceeds {} cost guardrail{} (shown above){suffix}",
            if n == 1 {
                "a".to_string()
            } else {
                n.to_string()
            },
            if n == 1 { "" } else { "s" }
        )
    } else {
        format!("{}{suffix}", v.message)
    };
    Err(Refusal::Guardrail(message))
}

/// A saved plan may not renew or release what an earlier run's unknown
/// purchase still holds (`holds`: id → why).
pub fn held(plan: &Plan, holds: &BTreeMap<String, String>) -> Result<(), Refusal> {
    let held: Vec<String> = plan
        .batches
        .iter()
        .filter(|b| b.operation.is_purchase_or_release())
        .flat_map(|b| b.resource_ids.iter())
        .filter_map(|id| holds.get(id).map(|why| format!("{id}: {why}")))
        .collect();
    match held.is_empty() {
        true => Ok(()),
        false => Err(Refusal::Held(held)),
    }
}

/// Unsubscribing needs its own flag and is never allowed for protected
/// resources, even from an edited plan file.
pub fn releases(plan: &Plan, allow_unsubscribe: bool) -> Result<(), Refusal> {
    let releasing: Vec<&Change> = plan.changes.iter().filter(|c| c.unsubscribes()).collect();
    if let Some(p) = releasing.iter().find(|c| c.protected) {
        return Err(Refusal::Protected {
            name: p.resource_name.clone(),
            id: p.resource_id.clone(),
        });
    }
    if !releasing.is_empty() && !allow_unsubscribe {
        return Err(Refusal::UnsubscribeWithoutFlag {
            ids: releasing.iter().map(|c| c.resource_id.clone()).collect(),
        });
    }
    Ok(())
}

/// A short balance refuses the apply, unless `ignore_balance`: then it is a
/// warning (returned, to print).
pub fn balance(
    balance: Option<BalanceCheck>,
    ignore_balance: bool,
) -> Result<Option<String>, Refusal> {
    match balance.filter(|b| !b.sufficient) {
        None => Ok(None),
        Some(b) if ignore_balance => Ok(Some(format!(
            "{} (--ignore-balance given)",
            balance_warning(&b)
        ))),
        Some(b) => Err(Refusal::ShortBalance(b)),
    }
}

/// The warning for a balance that does not cover the renewals paid now.
pub fn balance_warning(b: &BalanceCheck) -> String {
    use crate::display::money::money;
    format!(
        "the balance does not cover the renewals paid now: {} needed, {} available (cash and credit); top up, set auto_pay: false, or renew fewer resources — apply refuses before the first purchase",
        money(&b.currency, b.required),
        money(&b.currency, b.available)
    )
}
