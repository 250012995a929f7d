//! The base comparison (DESIGN §10) in text and markdown: what this change
//! does on its own, apart from what is due anyway. Names come from the
//! account and go through [`super::untrusted`].

use super::describe_operation;
use super::money::signed;
use super::untrusted::{markdown as cell, markdown_code as code, text};
use crate::plan::compare::{DiffChange, PlanDiff};
use crate::plan::{CommitmentTotals, Operation, Plan};
use std::fmt::Write;

/// A machine-readable line a PR bot reads (`bssctl comment --skip-no-diff`)
/// when the change has no cost or operation effect.
pub const NO_DIFF_MARKER: &str = "<!-- bssctl-diff: none -->";

/// `this change: +CNY 120.00 now · -CNY 963.00/month auto-renew`
pub fn headline(d: &PlanDiff) -> String {
    let cur = &d.summary.renewal_cost_now.currency;
    let mut parts = vec![format!(
        "{} now",
        signed(cur, d.summary.renewal_cost_now.amount)
    )];
    let c: &CommitmentTotals = &d.summary.commitment;
    let month = c.added_per_month - c.removed_per_month;
    let year = c.added_per_year - c.removed_per_year;
    if !c.added_per_month.is_zero() || !c.removed_per_month.is_zero() {
        parts.push(format!("{}/month auto-renew", signed(cur, month)));
    }
    if !c.added_per_year.is_zero() || !c.removed_per_year.is_zero() {
        parts.push(format!("{}/year auto-renew", signed(cur, year)));
    }
    if parts.len() == 1 {
        parts.push("auto-renew unchanged".into());
    }
    format!("this change: {}", parts.join(" · "))
}

fn ops(list: &[Operation]) -> String {
    if list.is_empty() {
        "nothing".into()
    } else {
        list.iter()
            .map(describe_operation)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn label(c: &DiffChange) -> String {
    super::name_and_id(&c.resource_name, &c.resource_id)
}

/// Resources renewed in the full plan that the base renews the same way:
/// due anyway, not caused by this change.
pub fn due_anyway<'a>(plan: &'a Plan, d: &PlanDiff) -> Vec<&'a crate::plan::Change> {
    plan.changes
        .iter()
        .filter(|c| c.renews() && !d.changes.iter().any(|x| x.resource_id == c.resource_id))
        .collect()
}

/// The text section after the plan.
pub fn text_section(out: &mut String, plan: &Plan, d: &PlanDiff) {
    let _ = writeln!(out, "\nCompared with the base:");
    let _ = writeln!(out, "  {}", headline(d));
    if d.changes.is_empty() {
        let _ = writeln!(out, "  No resource is planned differently.");
    }
    for c in &d.changes {
        let _ = writeln!(
            out,
            "  ~ {}: {} (base) -> {} (this change); cost now {}",
            label(c),
            text(&ops(&c.base_detail)),
            text(&ops(&c.detail)),
            signed(&c.renewal_cost_now.currency, c.renewal_cost_now.amount)
        );
    }
    let due = due_anyway(plan, d);
    if !due.is_empty() {
        let names: Vec<String> = due.iter().map(|c| super::title(c)).collect();
        let _ = writeln!(
            out,
            "  Due anyway (the base renews them too): {}",
            names.join(", ")
        );
    }
}

/// The PR comment with a base: the change's own effect first, the full
/// plan (what applies after merge) collapsed below. `body` is the plan as
/// The markdown view writes it without a base, marker excluded.
pub fn markdown(plan: &Plan, d: &PlanDiff, body: &str) -> String {
    let mut out = String::new();
    if d.is_empty() {
        let _ = writeln!(out, "{NO_DIFF_MARKER}");
    }
    let _ = writeln!(out, "### bssctl plan: {}\n", cell(&headline(d)));
    if d.changes.is_empty() {
        out.push_str("No resource is planned differently than on the base branch.\n\n");
    } else {
        out.push_str("| Resource | Base | This change | Cost now |\n|---|---|---|---|\n");
        for c in &d.changes {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} |",
                cell(&c.resource_name),
                code(&c.resource_id),
                cell(&ops(&c.base_detail)),
                cell(&ops(&c.detail)),
                cell(&signed(
                    &c.renewal_cost_now.currency,
                    c.renewal_cost_now.amount
                ))
            );
        }
        out.push('\n');
    }
    let due = due_anyway(plan, d);
    if !due.is_empty() {
        let names: Vec<String> = due
            .iter()
            .map(|c| format!("{} {}", cell(&c.resource_name), code(&c.resource_id)))
            .collect();
        let _ = writeln!(
            out,
            "Due anyway (renewed on the base branch too, not caused by this change): {}\n",
            names.join(", ")
        );
    }
    out.push_str("<details><summary>Full plan after merge (including renewals that are due anyway)</summary>\n\n");
    out.push_str(body);
    out.push_str("\n</details>\n");
    out
}
