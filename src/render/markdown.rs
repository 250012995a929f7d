//! `--format markdown`: a complete PR comment. The hidden marker lets a bot
//! find and update its own comment instead of adding a new one.

use super::money::{money, signed};
use super::state_lines::state_diff;
use super::untrusted::{markdown as cell, markdown_code as code, markdown_fenced};
use super::{describe_operation, symbol};
use crate::plan::{Change, Plan, Summary};
use std::fmt::Write;

pub const MARKER: &str = "<!-- bssctl-plan-comment -->";

pub fn render(plan: &Plan) -> String {
    render_with(plan, None)
}

/// The comment, with the forecast's 12-month line and risk section (§11)
/// when an outlook is given, and the base comparison when the plan has one.
pub fn render_with(plan: &Plan, outlook: Option<&crate::forecast::outlook::PlanOutlook>) -> String {
    let body = render_body(plan, outlook);
    match &plan.diff {
        Some(d) => format!("{MARKER}\n{}", super::diff_view::markdown(plan, d, &body)),
        None => format!("{MARKER}\n{body}"),
    }
}

/// The plan without the marker.
fn render_body(plan: &Plan, outlook: Option<&crate::forecast::outlook::PlanOutlook>) -> String {
    let s = &plan.summary;
    let cur = &s.renewal_cost_now.currency;
    let mut out = String::new();
    for v in &plan.guardrail_violations {
        let _ = writeln!(out, "> [!CAUTION]\n> **{}**\n", cell(&v.message));
    }
    for e in &plan.errors {
        let _ = writeln!(out, "> [!CAUTION]\n> **Error:** {}\n", cell(e));
    }
    if !plan.summary.has_changes() {
        let _ = writeln!(
            out,
            "### bssctl plan: no changes\n\nThe account matches the manifests ({} managed resources). Renewal cost now: {}.",
            s.unchanged,
            cell(&money(cur, s.renewal_cost_now.amount))
        );
    } else {
        // Renewals with `auto_pay: false` buy nothing now: their orders
        // are left unpaid (`bssctl orders pay`).
        let unpaid = super::text::unpaid_renewals(plan);
        let _ = writeln!(
            out,
            "### bssctl plan: renewal cost now {}{} · {}",
            cell(&signed(cur, s.renewal_cost_now.amount - unpaid)),
            if unpaid.is_zero() {
                String::new()
            } else {
                format!(" · orders left unpaid {}", cell(&money(cur, unpaid)))
            },
            cell(&commitment_headline(s))
        );
        out.push('\n');
        let _ = writeln!(
            out,
            "**{} to renew, {} to change, {} to unsubscribe**{}",
            s.to_renew,
            s.to_change,
            s.to_unsubscribe,
            if s.unknown_prices > 0 {
                format!(" · {} price(s) unknown", s.unknown_prices)
            } else {
                String::new()
            }
        );
        out.push('\n');
        out.push_str(
            "| | Resource | Service | Region | Operations | Cost now | Auto-renew commitment |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|\n");
        let grouped = super::audit::groups(plan);
        let mut current = None;
        for c in &plan.changes_by_cause() {
            if grouped.is_some() && current != Some(c.cause) {
                current = Some(c.cause);
                let _ = writeln!(
                    out,
                    "| | **{}** | | | | | |",
                    cell(super::audit::heading(c.cause))
                );
            }
            let ops: Vec<String> = c.operations.iter().map(describe_operation).collect();
            let cost = c
                .price
                .as_ref()
                .map(|p| money(&p.currency, p.amount))
                .unwrap_or_else(|| {
                    if c.renews() {
                        "unknown".into()
                    } else {
                        "–".into()
                    }
                });
            let _ = writeln!(
                out,
                "| `{}` | {} {} | {} | {} | {} | {} | {} |",
                symbol(c),
                cell(&c.resource_name),
                code(&c.resource_id),
                cell(&c.service_type),
                cell(&c.region),
                cell(&ops.join(", ")),
                cell(&cost),
                change_commitments(c)
            );
        }
        out.push('\n');
        let _ = writeln!(
            out,
            "<details><summary>Details ({} resources)</summary>\n",
            plan.changes.len()
        );
        for c in &plan.changes_by_cause() {
            let _ = writeln!(
                out,
                "#### `{}` {} {}\n",
                symbol(c),
                cell(&c.resource_name),
                code(&c.resource_id)
            );
            out.push_str("```diff\n");
            for (tag, line) in state_diff(c) {
                let _ = writeln!(out, "{tag} {}", markdown_fenced(&line));
            }
            out.push_str("```\n");
            for r in &c.reasons {
                let _ = writeln!(out, "- {}", cell(&r.to_string()));
            }
            if let Some(a) = &c.audit {
                for line in super::audit::audit_lines(a) {
                    let _ = writeln!(out, "- {}", cell(&line));
                }
            }
            if !c.attached.is_empty() {
                let ids: Vec<String> = c.attached.iter().map(|a| code(&a.resource_id)).collect();
                let verb = if c.unsubscribes() {
                    "Also released"
                } else {
                    "Attached"
                };
                let _ = writeln!(out, "- {verb}: {}", ids.join(", "));
            }
            out.push('\n');
        }
        out.push_str("</details>\n");
        if !plan.account_changes.is_empty() {
            out.push_str("\n**Account renewal settings**\n\n");
            for a in &plan.account_changes {
                let _ = writeln!(
                    out,
                    "- {}: {}",
                    code(&describe_operation(&a.operation)),
                    cell(&a.reason)
                );
            }
        }
    }
    if let Some(o) = outlook {
        let _ = writeln!(
            out,
            "\n{}",
            cell(&crate::forecast::render::next_12_months_line(o, cur))
        );
    }
    if let Some(b) = &plan.summary.balance {
        let _ = writeln!(out, "\n{}", cell(&super::text::balance_line(b)));
    }
    if let Some(o) = outlook.filter(|o| !o.risks.is_empty()) {
        out.push('\n');
        out.push_str(&crate::forecast::render::risk_section_markdown(
            &o.risks,
            o.risk_within_days,
            cur,
        ));
    }
    if !plan.pending_orders.is_empty() {
        out.push_str("\n**Unpaid renewal orders**\n\n");
        for o in &plan.pending_orders {
            let _ = writeln!(
                out,
                "- {}{} holds {}",
                code(&o.order_id),
                o.amount
                    .as_ref()
                    .map(|a| cell(&format!(
                        " ({} {a})",
                        o.currency.as_deref().unwrap_or("CNY")
                    ))
                    .into_owned())
                    .unwrap_or_default(),
                o.resource_ids
                    .iter()
                    .map(|r| code(r))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    if !plan.warnings.is_empty() {
        out.push('\n');
        for w in &plan.warnings {
            // The hint stays in the quote's line, as before.
            let (w, hint) = super::split_hint(w);
            let hint = hint
                .map(|h| format!("   hint: {}", cell(h)))
                .unwrap_or_default();
            let _ = writeln!(out, "> **Warning:** {}{hint}", cell(w));
        }
    }
    out
}

/// The net change in what automatic renewals will cost, signed, per
/// period: `auto-renew commitment -CNY 3,360.00/year`, or `… unchanged`.
fn commitment_headline(s: &Summary) -> String {
    let cur = &s.renewal_cost_now.currency;
    let c = &s.commitment;
    let mut parts = Vec::new();
    if !c.added_per_month.is_zero() || !c.removed_per_month.is_zero() {
        parts.push(format!(
            "{}/month",
            signed(cur, c.added_per_month - c.removed_per_month)
        ));
    }
    if !c.added_per_year.is_zero() || !c.removed_per_year.is_zero() {
        parts.push(format!(
            "{}/year",
            signed(cur, c.added_per_year - c.removed_per_year)
        ));
    }
    if parts.is_empty() {
        "auto-renew commitment unchanged".to_string()
    } else {
        format!("auto-renew commitment {}", parts.join(", "))
    }
}

/// One change's commitment cell: `+CNY 336.00/month`, `-CNY 1,000.00/year`.
fn change_commitments(c: &Change) -> String {
    if c.commitments.is_empty() {
        return "–".to_string();
    }
    let parts: Vec<String> = c
        .commitments
        .iter()
        .map(|m| {
            let est = if m.estimated { " (period assumed)" } else { "" };
            match &m.price {
                Some(p) => {
                    let amount = if m.direction == "added" {
                        p.amount
                    } else {
                        -p.amount
                    };
                    format!("{}/{}{est}", signed(&p.currency, amount), m.per)
                }
                None => format!("unknown/{}{est}", m.per),
            }
        })
        .collect();
    cell(&parts.join(", ")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{CommitmentTotals, MoneyTotal};
    use rust_decimal::Decimal;

    fn summary(cost: i64, commitment: CommitmentTotals) -> Summary {
        Summary {
            to_change: 1,
            renewal_cost_now: MoneyTotal {
                currency: "CNY".into(),
                amount: Decimal::from(cost),
            },
            commitment,
            ..Default::default()
        }
    }

    #[test]
    fn the_headline_signs_the_net_commitment() {
        let d = Decimal::from;
        let none = summary(0, CommitmentTotals::default());
        assert_eq!(
            commitment_headline(&none),
            "auto-renew commitment unchanged"
        );
        let down = summary(
            0,
            CommitmentTotals {
                removed_per_month: d(963),
                ..Default::default()
            },
        );
        assert_eq!(
            commitment_headline(&down),
            "auto-renew commitment -CNY 963.00/month"
        );
        let mixed = summary(
            10,
            CommitmentTotals {
                added_per_month: d(120),
                added_per_year: d(1000),
                removed_per_year: d(3360),
                ..Default::default()
            },
        );
        assert_eq!(
            commitment_headline(&mixed),
            "auto-renew commitment +CNY 120.00/month, -CNY 2,360.00/year"
        );
        // Added and removed cancel out: still shown, as zero.
        let even = summary(
            0,
            CommitmentTotals {
                added_per_month: d(5),
                removed_per_month: d(5),
                ..Default::default()
            },
        );
        assert_eq!(
            commitment_headline(&even),
            "auto-renew commitment CNY 0.00/month"
        );
    }
}
