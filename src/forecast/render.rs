//! Views of a forecast: JSON (its own wire types, DESIGN §11), text (a
//! month table with bars) and markdown (a Mermaid bar chart for PR
//! comments). Names from the account go through `render::untrusted`.

use super::model::*;
use crate::display::money::{money, signed};
use crate::display::untrusted;
use rust_decimal::Decimal;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;

type Names = std::collections::HashMap<String, String>;

pub const FORMAT_VERSION: &str = "1";
/// Events listed one per line in text and markdown; more are counted.
const LISTED_EVENTS: usize = 40;
const BAR_WIDTH: usize = 30;

fn json_amount_option<S: serde::Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => crate::display::money::serialize_json_amount(d, s),
        None => s.serialize_none(),
    }
}

#[derive(Serialize)]
struct Money {
    currency: String,
    #[serde(serialize_with = "crate::display::money::serialize_json_amount")]
    amount: Decimal,
}

#[derive(Serialize)]
struct WireTotals {
    charges: Money,
    auto_renew: u32,
    renew_ahead: u32,
    expiries: u32,
    to_on_demand: u32,
}

#[derive(Serialize)]
struct WireMonth {
    month: String,
    as_is: WireTotals,
    planned: WireTotals,
}

#[derive(Serialize)]
struct WireEvent<'a> {
    date: String,
    resource_id: &'a str,
    kind: &'static str,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "json_amount_option"
    )]
    amount: Option<Decimal>,
    estimated: bool,
}

#[derive(Serialize)]
struct WireRisk<'a> {
    resource_id: &'a str,
    resource_name: &'a str,
    date: String,
    kind: &'static str,
    managed: bool,
}

#[derive(Serialize)]
struct Wire<'a> {
    format_version: &'static str,
    generated_at: String,
    currency: &'a str,
    with_plan: bool,
    months: Vec<WireMonth>,
    events: Vec<WireEvent<'a>>,
    risk_within_days: i64,
    risks: Vec<WireRisk<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    balance: Option<Money>,
    runway_month: Option<&'a str>,
    warnings: &'a [String],
}

fn totals(currency: &str, t: &MonthTotals) -> WireTotals {
    WireTotals {
        charges: Money {
            currency: currency.to_string(),
            amount: t.charges,
        },
        auto_renew: t.auto_renew,
        renew_ahead: t.renew_ahead,
        expiries: t.expiries,
        to_on_demand: t.to_on_demand,
    }
}

/// JSON, streamed to `out`.
pub fn json(f: &Forecast, out: impl std::io::Write) -> std::io::Result<()> {
    let c = f.currency.as_str();
    let wire = Wire {
        format_version: FORMAT_VERSION,
        generated_at: crate::clock::format_api_time(f.generated_at),
        currency: c,
        with_plan: f.with_plan,
        months: f
            .months
            .iter()
            .map(|m| WireMonth {
                month: m.label(),
                as_is: totals(c, &m.as_is),
                planned: totals(c, &m.planned),
            })
            .collect(),
        events: f
            .events
            .iter()
            .map(|e| WireEvent {
                date: e.date.to_string(),
                resource_id: &e.resource_id,
                kind: e.kind.name(),
                amount: e.amount,
                estimated: e.estimated,
            })
            .collect(),
        risk_within_days: f.risk_within_days,
        risks: f
            .risks
            .iter()
            .map(|r| WireRisk {
                resource_id: &r.resource_id,
                resource_name: &r.resource_name,
                date: r.date.to_string(),
                kind: r.kind.name(),
                managed: r.managed,
            })
            .collect(),
        balance: f.balance.map(|amount| Money {
            currency: c.to_string(),
            amount,
        }),
        runway_month: f.runway_month.as_deref(),
        warnings: &f.warnings,
    };
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &wire)?;
    writeln!(out)?;
    out.flush()
}

fn bar(amount: Decimal, max: Decimal) -> String {
    if max <= Decimal::ZERO || amount <= Decimal::ZERO {
        return String::new();
    }
    let n = (amount * Decimal::from(BAR_WIDTH) / max)
        .round()
        .try_into()
        .unwrap_or(0usize)
        .max(1);
    "█".repeat(n)
}

fn max_charges(f: &Forecast) -> Decimal {
    f.months
        .iter()
        .flat_map(|m| [m.as_is.charges, m.planned.charges])
        .max()
        .unwrap_or_default()
}

fn risk_what(r: &Risk, currency: &str) -> String {
    match r.kind {
        RiskKind::Frozen => "frozen: expires and nothing renews it".to_string(),
        RiskKind::Released => "released: the resource and its data are deleted".to_string(),
        RiskKind::UnfundedCharge => format!(
            "auto-renew charge{} the balance will not cover",
            r.amount
                .map(|a| format!(" of {}", money(currency, a)))
                .unwrap_or_default()
        ),
    }
}

fn managed_word(r: &Risk) -> &'static str {
    if r.managed {
        "managed"
    } else {
        "unmanaged"
    }
}

/// The short risk section (shared with `plan`'s text view).
pub fn risk_section_text(risks: &[Risk], within_days: i64, currency: &str) -> String {
    let mut s = String::new();
    if risks.is_empty() {
        let _ = writeln!(s, "Risks within {within_days} days: none.");
        return s;
    }
    let _ = writeln!(s, "Risks within {within_days} days ({}):", risks.len());
    for r in risks {
        let _ = writeln!(
            s,
            "  ! {}  {} ({}, {}): {}",
            r.date,
            untrusted::text(&r.resource_name),
            untrusted::text(&r.resource_id),
            managed_word(r),
            risk_what(r, currency)
        );
    }
    s
}

/// The short risk section (shared with `plan`'s markdown view).
pub fn risk_section_markdown(risks: &[Risk], within_days: i64, currency: &str) -> String {
    let mut s = String::new();
    if risks.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "### ⚠️ Risks within {within_days} days ({})\n\n| date | resource | id | managed | what |\n|---|---|---|---|---|",
        risks.len()
    );
    for r in risks {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            r.date,
            untrusted::markdown(&r.resource_name),
            untrusted::markdown_code(&r.resource_id),
            managed_word(r),
            untrusted::markdown(&risk_what(r, currency))
        );
    }
    s.push('\n');
    s
}

fn runway_line(f: &Forecast) -> String {
    let c = &f.currency;
    match (f.balance, &f.runway_month) {
        (None, _) => "Balance: unknown (could not be read); no runway.".to_string(),
        (Some(b), Some(m)) => format!(
            "Balance: {} (cash and credit); runway: cumulative charges exceed it in {m}.",
            money(c, b)
        ),
        (Some(b), None) => format!(
            "Balance: {} (cash and credit); runway: it covers all {} months.",
            money(c, b),
            f.months.len()
        ),
    }
}

fn event_line(e: &Event, names: &Names, c: &str) -> String {
    let name = names.get(&*e.resource_id).map(String::as_str).unwrap_or("");
    let amount = match (e.kind.is_charge(), e.amount) {
        (true, Some(a)) => money(c, a),
        (true, None) => "price unknown".to_string(),
        (false, _) if e.kind == EventKind::ToOnDemand => "priced by usage".to_string(),
        (false, _) => String::new(),
    };
    format!(
        "{}  {:<12}  {} ({}){}{}",
        e.date,
        e.kind.name(),
        untrusted::text(name),
        untrusted::text(&e.resource_id),
        if amount.is_empty() {
            String::new()
        } else {
            format!("  {amount}")
        },
        if e.estimated {
            " (estimated: auto-renew period assumed monthly)"
        } else {
            ""
        }
    )
}

/// Text: a month table with bars, the runway, events and risks.
pub fn text(f: &Forecast) -> String {
    let names = &f.names;
    let c = &f.currency;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Forecast from {} for {} month(s), every main resource of the account{}.\n",
        f.generated_at.date_naive(),
        f.months.len(),
        if f.with_plan {
            "; as is and as planned by the manifests"
        } else {
            ""
        }
    );
    let max = max_charges(f);
    for m in &f.months {
        if f.with_plan {
            let _ = writeln!(
                s,
                "{}  as is   {:>16}  {}",
                m.label(),
                money(c, m.as_is.charges),
                bar(m.as_is.charges, max)
            );
            let _ = writeln!(
                s,
                "         planned {:>16}  {}",
                money(c, m.planned.charges),
                bar(m.planned.charges, max)
            );
        } else {
            let _ = writeln!(
                s,
                "{}  {:>16}  {}",
                m.label(),
                money(c, m.planned.charges),
                bar(m.planned.charges, max)
            );
        }
    }
    let _ = writeln!(
        s,
        "\nTotal: {}{}",
        money(c, f.total(Scenario::Planned)),
        if f.with_plan {
            format!(
                " planned, {} as is ({})",
                money(c, f.total(Scenario::AsIs)),
                signed(c, f.total(Scenario::Planned) - f.total(Scenario::AsIs))
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(s, "{}\n", runway_line(f));
    let _ = writeln!(s, "Events ({}):", f.events.len());
    for e in f.events.iter().take(LISTED_EVENTS) {
        let _ = writeln!(s, "  {}", event_line(e, names, c));
    }
    if f.events.len() > LISTED_EVENTS {
        let _ = writeln!(
            s,
            "  … and {} more (--format json lists them all)",
            f.events.len() - LISTED_EVENTS
        );
    }
    s.push('\n');
    s.push_str(&risk_section_text(&f.risks, f.risk_within_days, c));
    for w in &f.warnings {
        let _ = writeln!(s, "Warning: {}", untrusted::text(w));
    }
    s
}

/// Markdown: a Mermaid `xychart-beta` of monthly charges, the month table,
/// risks and events.
pub fn markdown(f: &Forecast) -> String {
    let names = &f.names;
    let c = &f.currency;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## Forecast: next {} month(s) from {}\n",
        f.months.len(),
        f.generated_at.date_naive()
    );
    let labels: Vec<String> = f
        .months
        .iter()
        .map(|m| format!("\"{}\"", m.label()))
        .collect();
    let series = |pick: fn(&Month) -> Decimal| {
        f.months
            .iter()
            .map(|m| pick(m).round_dp(2).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(s, "```mermaid\nxychart-beta");
    let _ = writeln!(
        s,
        "    title \"Monthly charges ({}){}\"",
        untrusted::markdown_fenced(c),
        if f.with_plan {
            ": as is, then planned"
        } else {
            ""
        }
    );
    let _ = writeln!(s, "    x-axis [{}]", labels.join(", "));
    let _ = writeln!(s, "    y-axis \"{}\"", untrusted::markdown_fenced(c));
    if f.with_plan {
        let _ = writeln!(s, "    bar [{}]", series(|m| m.as_is.charges));
    }
    let _ = writeln!(s, "    bar [{}]\n```\n", series(|m| m.planned.charges));
    if f.with_plan {
        let _ = writeln!(
            s,
            "| month | as is | planned | auto-renew | renew ahead | expiries | to pay-per-use |\n|---|---:|---:|---:|---:|---:|---:|"
        );
    } else {
        let _ = writeln!(
            s,
            "| month | charges | auto-renew | renew ahead | expiries | to pay-per-use |\n|---|---:|---:|---:|---:|---:|"
        );
    }
    for m in &f.months {
        let p = &m.planned;
        let charges = if f.with_plan {
            format!(
                "{} | {}",
                untrusted::markdown(&money(c, m.as_is.charges)),
                untrusted::markdown(&money(c, p.charges))
            )
        } else {
            untrusted::markdown(&money(c, p.charges)).into_owned()
        };
        let _ = writeln!(
            s,
            "| {} | {charges} | {} | {} | {} | {} |",
            m.label(),
            p.auto_renew,
            p.renew_ahead,
            p.expiries,
            p.to_on_demand
        );
    }
    let _ = writeln!(s, "\n{}\n", untrusted::markdown(&runway_line(f)));
    s.push_str(&risk_section_markdown(&f.risks, f.risk_within_days, c));
    let _ = writeln!(
        s,
        "<details><summary>Events ({})</summary>\n\n| date | kind | resource | id | amount |\n|---|---|---|---|---:|",
        f.events.len()
    );
    for e in f.events.iter().take(LISTED_EVENTS) {
        let name = names.get(&*e.resource_id).map(String::as_str).unwrap_or("");
        let amount = match e.amount {
            Some(a) => untrusted::markdown(&money(c, a)).into_owned(),
            None if e.kind == EventKind::ToOnDemand => "by usage".into(),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "| {} | {}{} | {} | {} | {amount} |",
            e.date,
            e.kind.name(),
            if e.estimated { " (estimated)" } else { "" },
            untrusted::markdown(name),
            untrusted::markdown_code(&e.resource_id),
        );
    }
    if f.events.len() > LISTED_EVENTS {
        let _ = writeln!(s, "\n… and {} more.", f.events.len() - LISTED_EVENTS);
    }
    let _ = writeln!(s, "\n</details>");
    for w in &f.warnings {
        let _ = writeln!(s, "\n> Warning: {}", untrusted::markdown(w));
    }
    s
}

/// The plan's one line: `next 12 months: +CNY Z (planned minus as is)`.
pub fn next_12_months_line(o: &super::outlook::PlanOutlook, currency: &str) -> String {
    format!(
        "next 12 months: {} (planned minus as is{})",
        signed(currency, o.next_12_months),
        if o.unpriced > 0 {
            format!(
                "; {} resource(s) without a price in this plan count as zero; bssctl forecast -f prices them",
                o.unpriced
            )
        } else {
            String::new()
        }
    )
}

/// One line naming every risk (printed through `render::untrusted`).
pub fn risk_message(f: &Forecast) -> String {
    let listed: Vec<String> = f
        .risks
        .iter()
        .map(|r| {
            format!(
                "{} ({}) {} on {}",
                r.resource_name,
                r.resource_id,
                r.kind.name(),
                r.date
            )
        })
        .collect();
    format!(
        "{} risk(s) within {} days (--fail-on-risk): {}",
        f.risks.len(),
        f.risk_within_days,
        listed.join("; ")
    )
}
