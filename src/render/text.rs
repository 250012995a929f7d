//! `--format text`: Terraform-like, colour only when asked (TTY, no NO_COLOR).

use super::money::{money, signed};
use super::state_lines::state_diff;
use super::untrusted::text;
use super::{describe_operation, name_and_id, symbol, title};
use crate::plan::{Change, Plan, Summary};
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

struct Palette {
    add: Style,
    change: Style,
    remove: Style,
    dim: Style,
    bold: Style,
    warn: Style,
}

impl Palette {
    fn new(color: bool) -> Palette {
        if !color {
            let plain = Style::new();
            return Palette {
                add: plain,
                change: plain,
                remove: plain,
                dim: plain,
                bold: plain,
                warn: plain,
            };
        }
        Palette {
            add: Style::new().fg_color(Some(AnsiColor::Green.into())),
            change: Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            remove: Style::new().fg_color(Some(AnsiColor::Red.into())),
            dim: Style::new().dimmed(),
            bold: Style::new().bold(),
            warn: Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold(),
        }
    }

    fn for_symbol(&self, c: char) -> Style {
        match c {
            '+' => self.add,
            '-' => self.remove,
            _ => self.change,
        }
    }
}

pub fn render(plan: &Plan, color: bool) -> String {
    render_with(plan, color, None)
}

/// The plan with the forecast's 12-month line and risk section (§11).
pub fn render_with(
    plan: &Plan,
    color: bool,
    outlook: Option<&crate::forecast::outlook::PlanOutlook>,
) -> String {
    let p = Palette::new(color);
    let mut out = String::new();
    if !plan.summary.has_changes() {
        let _ = writeln!(
            out,
            "{}No changes.{} The account matches the manifests ({} managed resources).",
            p.bold,
            reset(p.bold),
            plan.summary.unchanged
        );
    } else {
        let _ = writeln!(
            out,
            "bssctl will perform the following actions ({}+ renew, ~ change, - unsubscribe{}):\n",
            p.dim,
            reset(p.dim)
        );
        match super::audit::groups(plan) {
            None => {
                for change in &plan.changes {
                    render_change(&mut out, change, &p);
                }
            }
            Some(groups) => {
                for (cause, changes) in groups {
                    let _ = writeln!(
                        out,
                        "{}{} ({}):{}\n",
                        p.bold,
                        super::audit::heading(cause),
                        changes.len(),
                        reset(p.bold)
                    );
                    for change in changes {
                        render_change(&mut out, change, &p);
                    }
                }
            }
        }
        if !plan.account_changes.is_empty() {
            let _ = writeln!(
                out,
                "  {}~{} {}account renewal settings{}",
                p.change,
                reset(p.change),
                p.bold,
                reset(p.bold)
            );
            for a in &plan.account_changes {
                let _ = writeln!(
                    out,
                    "      {}{}{}",
                    p.change,
                    text(&describe_operation(&a.operation)),
                    reset(p.change)
                );
                let _ = writeln!(out, "      {}# {}{}", p.dim, text(&a.reason), reset(p.dim));
            }
            out.push('\n');
        }
    }
    for w in &plan.warnings {
        let (w, hint) = super::split_hint(w);
        let _ = writeln!(out, "{}Warning:{} {}", p.warn, reset(p.warn), text(w));
        if let Some(h) = hint {
            let _ = writeln!(out, "  hint: {}", text(h));
        }
    }
    if !plan.warnings.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{}{}{}",
        p.bold,
        summary_line_unpaid(&plan.summary, unpaid_renewals(plan)),
        reset(p.bold)
    );
    if let Some(c) = commitment_line(&plan.summary) {
        let _ = writeln!(out, "{c}");
    }
    if plan.summary.account_settings_to_change > 0 {
        let _ = writeln!(
            out,
            "Account settings: {} to change.",
            plan.summary.account_settings_to_change
        );
    }
    if let Some(b) = &plan.summary.balance {
        let _ = writeln!(out, "{}", balance_line(b));
    }
    for v in &plan.guardrail_violations {
        let _ = writeln!(
            out,
            "{}Error:{} {}",
            p.remove,
            reset(p.remove),
            text(&v.message)
        );
    }
    for e in &plan.errors {
        let _ = writeln!(out, "{}Error:{} {}", p.remove, reset(p.remove), text(e));
    }
    for o in &plan.pending_orders {
        let _ = writeln!(
            out,
            "Pending order {} (unpaid{}) holds {}",
            text(&o.order_id),
            o.amount
                .as_ref()
                .map(|a| format!(
                    ", {} {}",
                    text(o.currency.as_deref().unwrap_or("CNY")),
                    text(a)
                ))
                .unwrap_or_default(),
            text(&o.resource_ids.join(", "))
        );
    }
    if let Some(o) = outlook {
        let cur = &plan.summary.renewal_cost_now.currency;
        let _ = writeln!(
            out,
            "{}",
            crate::forecast::render::next_12_months_line(o, cur)
        );
        out.push_str(&crate::forecast::render::risk_section_text(
            &o.risks,
            o.risk_within_days,
            cur,
        ));
    }
    if let Some(d) = &plan.diff {
        super::diff_view::text_section(&mut out, plan, d);
    }
    out
}

fn reset(s: Style) -> impl std::fmt::Display {
    s.render_reset()
}

fn render_change(out: &mut String, change: &Change, p: &Palette) {
    let sym = symbol(change);
    let style = p.for_symbol(sym);
    let _ = writeln!(
        out,
        "  {style}{sym}{} {}{}{}  {}{} · {} · {}{}",
        reset(style),
        p.bold,
        title(change),
        reset(p.bold),
        p.dim,
        text(&change.service_type),
        text(&change.resource_type),
        text(&change.region),
        reset(p.dim)
    );
    for op in &change.operations {
        let _ = writeln!(
            out,
            "      {style}{}{}",
            text(&describe_operation(op)),
            reset(style)
        );
    }
    for (tag, line) in state_diff(change) {
        let s = match tag {
            '+' => p.add,
            '-' => p.remove,
            _ => p.dim,
        };
        let _ = writeln!(out, "      {s}{tag} {}{}", text(&line), reset(s));
    }
    if let Some(price) = &change.price {
        let discount = if price.discount_amount.is_zero() {
            String::new()
        } else {
            format!(
                " (list {}, discount {})",
                money(&price.currency, price.official_amount),
                money(&price.currency, price.discount_amount)
            )
        };
        let _ = writeln!(
            out,
            "      cost now: {}{discount}",
            money(&price.currency, price.amount)
        );
    }
    for c in &change.commitments {
        let amount = match &c.price {
            Some(pr) => {
                let a = if c.direction == "added" {
                    pr.amount
                } else {
                    -pr.amount
                };
                format!("{}/{}", signed(&pr.currency, a), text(&c.per))
            }
            None => format!("unknown/{}", text(&c.per)),
        };
        let est = if c.estimated { " (period assumed)" } else { "" };
        let _ = writeln!(
            out,
            "      auto-renew commitment {}: {amount}{est}",
            text(&c.direction)
        );
    }
    if !change.attached.is_empty() {
        let names: Vec<String> = change
            .attached
            .iter()
            .map(|a| name_and_id(&a.resource_name, &a.resource_id))
            .collect();
        let verb = if change.unsubscribes() {
            "also released"
        } else {
            "attached, follow"
        };
        let _ = writeln!(out, "      {verb}: {}", names.join(", "));
    }
    for r in &change.reasons {
        let _ = writeln!(
            out,
            "      {}# {}{}",
            p.dim,
            text(&r.to_string()),
            reset(p.dim)
        );
    }
    if let Some(a) = &change.audit {
        for line in super::audit::audit_lines(a) {
            let _ = writeln!(out, "      {}", text(&line));
        }
    }
    out.push('\n');
}

/// What the plan's renewals with `auto_pay: false` cost: their orders are
/// created and left unpaid (`bssctl orders pay`).
pub fn unpaid_renewals(plan: &crate::plan::Plan) -> rust_decimal::Decimal {
    plan.changes
        .iter()
        .filter(|c| {
            c.operations
                .iter()
                .any(|op| matches!(op, crate::plan::Operation::Renew { pay_now: false, .. }))
        })
        .filter_map(|c| c.price.as_ref().map(|p| p.amount))
        .sum()
}

/// [`summary_line`] that tells apart the renewals paid now from the orders
/// left unpaid (`auto_pay: false`): `… Renewal cost now: CNY 0.00; orders
/// left unpaid: CNY 2,250.00.`
pub fn summary_line_unpaid(s: &Summary, unpaid: rust_decimal::Decimal) -> String {
    let line = summary_line(&Summary {
        renewal_cost_now: crate::plan::MoneyTotal {
            currency: s.renewal_cost_now.currency.clone(),
            amount: s.renewal_cost_now.amount - unpaid,
        },
        ..s.clone()
    });
    if unpaid.is_zero() {
        return line;
    }
    let line = line.strip_suffix('.').unwrap_or(&line).to_string();
    format!(
        "{line}; orders left unpaid: {} (auto_pay: false; pay them with bssctl orders pay).",
        money(&s.renewal_cost_now.currency, unpaid)
    )
}

/// `Plan: N to renew, N to change, N to unsubscribe. Renewal cost now: …`
pub fn summary_line(s: &Summary) -> String {
    let unknown = if s.unknown_prices > 0 {
        format!(" ({} price(s) unknown)", s.unknown_prices)
    } else {
        String::new()
    };
    format!(
        "Plan: {} to renew, {} to change, {} to unsubscribe. Renewal cost now: {}{unknown}.",
        s.to_renew,
        s.to_change,
        s.to_unsubscribe,
        money(&s.renewal_cost_now.currency, s.renewal_cost_now.amount)
    )
}

/// `Auto-renew commitment: +CNY 120.00/month, -CNY 50.00/year.` or None.
pub fn commitment_line(s: &Summary) -> Option<String> {
    let cur = &s.renewal_cost_now.currency;
    let c = &s.commitment;
    let mut parts = Vec::new();
    let month = c.added_per_month - c.removed_per_month;
    let year = c.added_per_year - c.removed_per_year;
    if !c.added_per_month.is_zero() || !c.removed_per_month.is_zero() {
        parts.push(format!("{}/month", signed(cur, month)));
    }
    if !c.added_per_year.is_zero() || !c.removed_per_year.is_zero() {
        parts.push(format!("{}/year", signed(cur, year)));
    }
    if parts.is_empty() {
        None
    } else {
        Some(format!("Auto-renew commitment: {}.", parts.join(", ")))
    }
}

/// `Balance: CNY 70,000.00 available, CNY 59,571.90 paid now.`
pub fn balance_line(b: &crate::plan::BalanceCheck) -> String {
    format!(
        "Balance: {} available (cash and credit), {}{} paid now{}.",
        money(&b.currency, b.available),
        money(&b.currency, b.required),
        if b.incomplete { " or more" } else { "" },
        if b.sufficient { "" } else { " — NOT ENOUGH" }
    )
}
