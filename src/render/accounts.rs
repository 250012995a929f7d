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

pub fn accounts_json(r: &AccountsReport) -> serde_json::Result<String> {
    serde_json::to_string_pretty(r)
}
