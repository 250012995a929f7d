//! The views of `bssctl apply` for people: the confirmation question and
//! the summary at the end (what became of each operation, the money spent,
//! the verdict). The JSON document is `apply_json`.

use super::untrusted::text;
use super::{name_and_id, Format};
use crate::apply::{ApplyReport, Status};
use crate::plan::Plan;

/// The question before anything is bought or released. Counts come from
/// the changes' actions and money from the plan's totals, never from a
/// string the account chose; the names listed are made safe for the
/// terminal, each on a line of its own.
pub fn confirmation_question(plan: &Plan) -> String {
    let mut q = String::from("Do you want to perform these actions?");
    let count = |f: fn(&crate::plan::Change) -> bool| plan.changes.iter().filter(|c| f(c)).count();
    q.push_str(&format!(
        "\n  Plan: {} to renew, {} to change, {} to unsubscribe",
        count(crate::plan::Change::renews),
        count(crate::plan::Change::updates),
        count(crate::plan::Change::unsubscribes),
    ));
    if !plan.account_changes.is_empty() {
        q.push_str(&format!(
            "; {} account setting(s) to change",
            plan.account_changes.len()
        ));
    }
    q.push('.');
    let releasing: Vec<&crate::plan::Change> =
        plan.changes.iter().filter(|c| c.unsubscribes()).collect();
    if !releasing.is_empty() {
        q.push_str(
            "\n  These resources will be RELEASED (irreversible), with every attached resource:",
        );
        for c in releasing {
            q.push_str(&format!(
                "\n    - {}",
                name_and_id(&c.resource_name, &c.resource_id)
            ));
            for a in &c.attached {
                q.push_str(&format!(
                    "\n        + attached {}",
                    name_and_id(&a.resource_name, &a.resource_id)
                ));
            }
        }
    }
    let s = &plan.summary;
    // Renewals with `auto_pay: false` only create orders, left unpaid.
    let unpaid = super::text::unpaid_renewals(plan);
    if !unpaid.is_zero() {
        q.push_str(&format!(
            "\n  Renewal orders left unpaid (auto_pay: false): {}.",
            crate::render::money::money(&s.renewal_cost_now.currency, unpaid)
        ));
    }
    if !(s.renewal_cost_now.amount - unpaid).is_zero() || s.unknown_prices > 0 {
        q.push_str(&format!(
            "\n  Renewals bought now: {}{}.",
            crate::render::money::money(
                &s.renewal_cost_now.currency,
                s.renewal_cost_now.amount - unpaid
            ),
            if s.unknown_prices > 0 {
                format!(" and {} renewal(s) of unknown price", s.unknown_prices)
            } else {
                String::new()
            }
        ));
    }
    q
}

/// What became of each operation. Names, error messages, request ids and
/// order ids come from the account and the API: each goes through
/// `untrusted`, for the terminal or (`--format markdown`) for markdown.
/// The money this apply spent and the orders it created, per currency:
/// renewals paid now, at the plan's prices (the order is the record).
fn spent(plan: &Plan, report: &ApplyReport) -> String {
    use std::collections::BTreeMap;
    let mut paid: BTreeMap<&str, (rust_decimal::Decimal, usize)> = BTreeMap::new();
    let mut unpriced = 0;
    let mut orders: Vec<&str> = Vec::new();
    for r in &report.results {
        if r.status != Status::Done {
            continue;
        }
        orders.extend(r.order_ids.iter().map(String::as_str));
        if !matches!(
            r.operation,
            crate::plan::Operation::Renew { pay_now: true, .. }
        ) {
            continue;
        }
        match plan
            .changes
            .iter()
            .find(|c| c.resource_id == r.resource_id)
            .and_then(|c| c.price.as_ref())
        {
            Some(p) => {
                let e = paid.entry(p.currency.as_str()).or_default();
                e.0 += p.amount;
                e.1 += 1;
            }
            None => unpriced += 1,
        }
    }
    orders.sort_unstable();
    orders.dedup();
    if paid.is_empty() && unpriced == 0 && orders.is_empty() {
        return String::new();
    }
    let mut parts: Vec<String> = paid
        .iter()
        .map(|(cur, (amount, n))| {
            format!(
                "{} on {n} renewal(s) paid now",
                crate::render::money::money(cur, *amount)
            )
        })
        .collect();
    if unpriced > 0 {
        parts.push(format!(
            "{unpriced} renewal(s) paid now at a price the plan did not know"
        ));
    }
    if parts.is_empty() {
        parts.push("nothing paid now".into());
    }
    let orders = match orders.is_empty() {
        true => String::new(),
        false => format!("; orders created: {}", text(&orders.join(", "))),
    };
    format!(
        "Spent: {} (at the plan's prices){orders}.\n",
        parts.join(", ")
    )
}

pub fn summary(plan: &Plan, report: &ApplyReport, format: Format) -> String {
    let mut out = String::new();
    let text = |s: &str| -> String {
        match format {
            Format::Markdown => crate::render::untrusted::markdown(s).into_owned(),
            _ => text(s).into_owned(),
        }
    };
    let name = |id: &str| {
        plan.changes
            .iter()
            .find(|c| c.resource_id == id)
            .filter(|c| !c.resource_name.is_empty())
            .map(|c| format!("{} ({})", text(&c.resource_name), text(id)))
            .unwrap_or_else(|| text(id))
    };
    for r in &report.results {
        match r.status {
            Status::Failed => {
                out.push_str(&format!(
                    "Failed: {} {}: {} {}{}\n",
                    r.operation.kind_name(),
                    name(&r.resource_id),
                    text(r.error_code.as_deref().unwrap_or("")),
                    text(r.error_msg.as_deref().unwrap_or("")),
                    r.request_id
                        .as_deref()
                        .map(|id| format!(" (request id {})", text(id)))
                        .unwrap_or_default()
                ));
                if let Some(h) = &r.hint {
                    out.push_str(&format!("  hint: {}\n", text(h)));
                }
                if let Some(n) = &r.note {
                    out.push_str(&format!("  {}\n", text(n)));
                }
            }
            Status::Skipped => out.push_str(&format!(
                "Skipped: {} {}: {}\n",
                r.operation.kind_name(),
                name(&r.resource_id),
                text(r.note.as_deref().unwrap_or(""))
            )),
            Status::Unknown => out.push_str(&format!(
                "Unknown: {} {}: {}\n",
                r.operation.kind_name(),
                name(&r.resource_id),
                r.note.as_deref().unwrap_or("")
            )),
            Status::Done => {
                let orders = match r.order_ids.is_empty() {
                    true => String::new(),
                    false => format!(": order {}", text(&r.order_ids.join(", "))),
                };
                out.push_str(&format!(
                    "Done: {} {}{orders}\n",
                    r.operation.kind_name(),
                    name(&r.resource_id)
                ));
                if let Some(n) = &r.note {
                    out.push_str(&format!("  {}\n", text(n)));
                }
            }
        }
    }
    out.push_str(&spent(plan, report));
    if !report.unpaid_orders.is_empty() {
        out.push_str(&format!(
            "Unpaid renewal orders (auto_pay false): {}; pay them with bssctl orders pay ID… or in the console.\n",
            text(&report.unpaid_orders.join(", "))
        ));
    }
    let unknown = report.count(Status::Unknown);
    let verdict = if report.count(Status::Failed) + report.count(Status::Skipped) + unknown == 0
        && report.journal_error.is_none()
    {
        "Apply complete!"
    } else {
        "Apply finished with errors."
    };
    out.push_str(&format!(
        "{verdict} {} done, {} failed, {} skipped{}.\n",
        report.count(Status::Done),
        report.count(Status::Failed),
        report.count(Status::Skipped),
        if unknown > 0 {
            format!(", {unknown} unknown")
        } else {
            String::new()
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, Operation};

    const HOSTILE: &str = "web\x1b[1A\x1b[2K\n  + renew 3y fake-line\r\u{202e}";

    #[test]
    fn the_question_counts_from_the_actions_and_names_cannot_add_lines() {
        let mut plan = crate::render::safety_props::plan(&[HOSTILE.into(), HOSTILE.into()]);
        plan.changes[1].actions = vec![Action::Unsubscribe];
        plan.changes[1].operations = vec![Operation::Unsubscribe];
        let q = confirmation_question(&plan);
        assert!(!q.chars().any(|c| c != '\n' && c.is_control()), "{q}");
        assert!(!q.contains('\u{202e}'), "{q}");
        let lines: Vec<&str> = q.lines().collect();
        assert_eq!(
            lines,
            [
                "Do you want to perform these actions?",
                "  Plan: 1 to renew, 0 to change, 1 to unsubscribe.",
                "  These resources will be RELEASED (irreversible), with every attached resource:",
                "    - web\\x1b[1A\\x1b[2K\\n  + renew 3y fake-line\\r\\u{202e} (id-1)",
                "        + attached web\\x1b[1A\\x1b[2K\\n  + renew 3y fake-line\\r\\u{202e} (disk-1)",
                "  Renewals bought now: CNY 200.00.",
            ],
            "{q}"
        );
    }

    #[test]
    fn the_question_tells_unpaid_orders_from_renewals_bought_now() {
        let mut plan = crate::render::safety_props::plan(&["a".into(), "b".into()]);
        for c in &mut plan.changes {
            for op in &mut c.operations {
                if let Operation::Renew { pay_now, .. } = op {
                    *pay_now = false;
                }
            }
        }
        let q = confirmation_question(&plan);
        assert!(
            q.contains("Renewal orders left unpaid (auto_pay: false): CNY 200.00."),
            "{q}"
        );
        assert!(!q.contains("Renewals bought now"), "{q}");
    }

    #[test]
    fn the_summary_escapes_error_messages_for_its_format() {
        let plan = crate::render::safety_props::plan(&[HOSTILE.into()]);
        let failed = crate::apply::OpResult {
            resource_id: "id-0".into(),
            operation: plan.changes[0].operations[0].clone(),
            status: Status::Failed,
            error_code: Some("CBC.0999".into()),
            hint: None,
            error_msg: Some("<img src=https://x/t.png> @everyone \x1b[2K\nApply complete!".into()),
            request_id: Some("r\n1".into()),
            order_ids: Vec::new(),
            note: None,
        };
        let report = ApplyReport {
            results: vec![failed],
            unpaid_orders: vec!["CS1\x1b[2K".into()],
            ..Default::default()
        };
        let t = summary(&plan, &report, Format::Text);
        assert!(!t.chars().any(|c| c != '\n' && c.is_control()), "{t}");
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3, "{t}");
        assert!(lines[0].starts_with("Failed: renew web\\x1b[1A"), "{t}");
        assert!(
            lines[0].ends_with("\\nApply complete! (request id r\\n1)"),
            "{t}"
        );
        assert!(lines[2].starts_with("Apply finished with errors."), "{t}");
        let m = summary(&plan, &report, Format::Markdown);
        assert!(!m.contains('\x1b') && !m.contains("<img"), "{m}");
        assert!(!m.contains("@everyone") && m.lines().count() == 3, "{m}");
    }
}
