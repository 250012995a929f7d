//! `bssctl accounts` output (text, json). Pure: data in, text out. Names
//! come from the API: every one goes through `untrusted`.

use crate::display::money::money;
use crate::display::untrusted::text;
use crate::enterprise::{status_text, AccountRow, AccountsReport};
use std::fmt::Write;

fn balance(row: &AccountRow, currency: &str) -> String {
    match row.balance {
        Some(b) => money(currency, b),
        None => "-".into(),
    }
}

fn coverage(row: &AccountRow) -> String {
    match (&row.covered, &row.alias) {
        (None, _) => String::new(),
        (Some(true), Some(alias)) => format!("covered ({})", text(alias)),
        (Some(_), _) => "NOT covered".into(),
    }
}

pub fn accounts_text(r: &AccountsReport) -> String {
    let currency = r.currency.as_str();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Master {}: balance {} {}",
        text(&r.master.domain_id),
        balance(&r.master, currency),
        coverage(&r.master)
    );
    if r.sub_accounts.is_empty() {
        let _ = writeln!(out, "No enterprise sub-accounts.");
    } else {
        let _ = writeln!(out, "Sub-accounts ({}):", r.sub_accounts.len());
    }
    for s in &r.sub_accounts {
        let _ = writeln!(
            out,
            "  {} ({}) {}  {}  balance {}  {}",
            text(&s.name),
            text(&s.display_name),
            text(&s.domain_id),
            status_text(s.status),
            balance(s, currency),
            coverage(s)
        );
    }
    let uncovered = r
        .sub_accounts
        .iter()
        .filter(|s| s.covered == Some(false) && s.status == Some(1))
        .count();
    if uncovered > 0 {
        let _ = writeln!(
            out,
            "Warning: {uncovered} active sub-account(s) are covered by no manifest account (add them under accounts: to manage their renewals)."
        );
    }
    for a in &r.unknown_aliases {
        let _ = writeln!(
            out,
            "Warning: manifest account {} is neither this master nor one of its sub-accounts.",
            text(a)
        );
    }
    out
}

/// The priced transfer line of a funded account.
pub fn transfer_line(t: &crate::enterprise::PlannedTransfer) -> String {
    format!(
        "+ transfer {} from {} (renewals paid now {} + keep_min_balance {} - balance {})",
        money("CNY", t.amount),
        text(&t.from),
        money("CNY", t.renewals_now),
        money("CNY", t.keep_min_balance),
        money("CNY", t.balance)
    )
}

pub fn accounts_json(r: &AccountsReport) -> serde_json::Result<String> {
    serde_json::to_string_pretty(r)
}

/// One plan across accounts: a section per account (its plan as the one
/// account view shows it), then the totals. JSON: `accounts[]` with each
/// account's plan document (every change names its `account`) and
/// `summary.accounts[]` plus the total paid now.
pub fn plans(
    plans: &[crate::enterprise::AccountPlan],
    format: super::Format,
    color: bool,
    mut out: impl std::io::Write,
) -> std::io::Result<()> {
    let totals: Vec<(rust_decimal::Decimal, bool)> = plans.iter().map(|p| p.paid_now).collect();
    let total: rust_decimal::Decimal = totals.iter().map(|(t, _)| *t).sum();
    let incomplete = totals.iter().any(|(_, i)| *i);
    if format == super::Format::Json {
        let mut accounts = Vec::new();
        let mut summary = Vec::new();
        for (p, (paid, inc)) in plans.iter().zip(&totals) {
            let mut buf = Vec::new();
            super::json::write(&p.planned.plan, &mut buf)?;
            let mut doc: serde_json::Value =
                serde_json::from_slice(&buf).map_err(|e| std::io::Error::other(e.to_string()))?;
            if let Some(changes) = doc.get_mut("changes").and_then(|c| c.as_array_mut()) {
                for c in changes {
                    c["account"] = serde_json::Value::from(p.alias.clone());
                }
            }
            summary.push(serde_json::json!({
                "account": p.alias,
                "domain_id": p.domain_id,
                "has_changes": p.planned.plan.summary.has_changes(),
                "changes": p.planned.plan.changes.len(),
                "paid_now": format!("{:.2}", paid),
                "paid_now_incomplete": inc,
            }));
            let mut entry = serde_json::json!({
                "account": p.alias,
                "domain_id": p.domain_id,
                "plan": doc,
            });
            if let Some(t) = &p.transfer {
                entry["transfer"] = serde_json::to_value(t).map_err(std::io::Error::other)?;
                summary.last_mut().expect("pushed above")["transfer"] =
                    serde_json::Value::from(format!("{:.2}", t.amount));
            }
            accounts.push(entry);
        }
        let doc = serde_json::json!({
            "accounts": accounts,
            "summary": {
                "accounts": summary,
                "has_changes": plans.iter().any(|p| p.planned.plan.summary.has_changes()),
                "paid_now": format!("{:.2}", total),
                "paid_now_incomplete": incomplete,
            }
        });
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::other)?;
        return writeln!(out);
    }
    let markdown = format == super::Format::Markdown;
    for p in plans {
        if markdown {
            writeln!(
                out,
                "## Account {} ({})\n",
                text(&p.alias),
                text(&p.domain_id)
            )?;
        } else {
            writeln!(
                out,
                "=== Account {} ({}) ===",
                text(&p.alias),
                text(&p.domain_id)
            )?;
        }
        if let Some(t) = &p.transfer {
            writeln!(out, "{}", transfer_line(t))?;
        }
        super::plan(&p.planned.plan, format, color, None, &mut out)?;
        writeln!(out)?;
    }
    if markdown {
        writeln!(
            out,
            "## Totals\n\n| account | changes | paid now |\n|---|---|---|"
        )?;
        for (p, (paid, _)) in plans.iter().zip(&totals) {
            writeln!(
                out,
                "| {} | {} | {} |",
                text(&p.alias),
                p.planned.plan.changes.len(),
                money("CNY", *paid)
            )?;
        }
    } else {
        writeln!(out, "Totals across {} accounts:", plans.len())?;
        for (p, (paid, _)) in plans.iter().zip(&totals) {
            writeln!(
                out,
                "  {}: {} change(s), {} to pay now{}",
                text(&p.alias),
                p.planned.plan.changes.len(),
                money("CNY", *paid),
                match &p.transfer {
                    Some(t) => format!(", {} transferred in first", money("CNY", t.amount)),
                    None => String::new(),
                }
            )?;
        }
    }
    let line = format!(
        "{} to pay now across all accounts{}",
        money("CNY", total),
        if incomplete {
            " (some prices unknown)"
        } else {
            ""
        }
    );
    if markdown {
        writeln!(out, "\n**{line}**")
    } else {
        writeln!(out, "{line}")
    }
}

/// One account's entry of `apply --format json` over several accounts:
/// `{account, domain_id, apply}` where `apply` is the one-account document
/// (absent when the account was not planned).
pub fn apply_json_entry(
    alias: &str,
    domain_id: &str,
    plan: Option<&crate::plan::Plan>,
    report: Option<&crate::apply::ApplyReport>,
) -> std::io::Result<serde_json::Value> {
    let mut entry = serde_json::json!({ "account": alias, "domain_id": domain_id });
    if let Some(plan) = plan {
        let mut buf = Vec::new();
        super::apply(plan, report, super::Format::Json, &mut buf)?;
        entry["apply"] = serde_json::from_slice(&buf).map_err(std::io::Error::other)?;
    }
    Ok(entry)
}
