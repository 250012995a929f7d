//! What a notification says, from a plan: drift with its authors, risks,
//! due renewals, other changes, totals. Pure; strings from the account are
//! escaped for the format they are written in.

use crate::display::money::money;
use crate::display::untrusted;
use crate::plan::model::{Cause, Change, Plan};
use serde::Serialize;

/// Changes listed per group at most; the rest are counted.
const MAX_ITEMS: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub title: String,
    pub planned_at: String,
    pub drift: Vec<Item>,
    pub due: Vec<Item>,
    pub manifest: Vec<Item>,
    /// Guardrails exceeded, plan errors, a short balance, unpaid orders.
    pub risks: Vec<String>,
    pub totals: Totals,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub resource_id: String,
    pub resource_name: String,
    pub operations: Vec<String>,
    /// Drift only: who changed it, one line per audit event.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// A renewal's cost now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    pub to_renew: usize,
    pub to_change: usize,
    pub to_unsubscribe: usize,
    pub renewal_cost_now: String,
    /// The plan's summary line.
    pub line: String,
}

pub fn digest(plan: &Plan) -> Digest {
    let items = |cause: Cause| -> Vec<Item> {
        plan.changes
            .iter()
            .filter(|c| c.cause == cause)
            .map(item)
            .collect()
    };
    let (drift, due, manifest) = (
        items(Cause::Drift),
        items(Cause::Due),
        items(Cause::Manifest),
    );
    let mut risks: Vec<String> = plan
        .guardrail_violations
        .iter()
        .map(|v| v.message.clone())
        .chain(plan.errors.iter().cloned())
        .collect();
    if let Some(b) = plan.summary.balance.as_ref().filter(|b| !b.sufficient) {
        risks.push(crate::render::text::balance_line(b));
    }
    for o in &plan.pending_orders {
        risks.push(format!(
            "unpaid renewal order {} holds {} resource(s)",
            o.order_id,
            o.resource_ids.len()
        ));
    }
    let title = if plan.summary.has_changes() {
        let mut parts = Vec::new();
        for (n, what) in [
            (drift.len(), "drifted"),
            (due.len(), "due"),
            (manifest.len(), "from the manifests"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if !plan.account_changes.is_empty() {
            parts.push(format!("{} account setting(s)", plan.account_changes.len()));
        }
        format!("bssctl plan: {}", parts.join(", "))
    } else {
        "bssctl plan: no changes".to_string()
    };
    let s = &plan.summary;
    Digest {
        title,
        planned_at: plan.planned_at.clone(),
        drift,
        due,
        manifest,
        risks,
        totals: Totals {
            to_renew: s.to_renew,
            to_change: s.to_change,
            to_unsubscribe: s.to_unsubscribe,
            renewal_cost_now: money(&s.renewal_cost_now.currency, s.renewal_cost_now.amount),
            line: crate::render::text::summary_line(s),
        },
    }
}

fn item(c: &Change) -> Item {
    Item {
        resource_id: c.resource_id.clone(),
        resource_name: c.resource_name.clone(),
        operations: c
            .operations
            .iter()
            .map(crate::render::describe_operation)
            .collect(),
        authors: c
            .audit
            .as_ref()
            .map(crate::render::audit::audit_lines)
            .unwrap_or_default(),
        cost: c.price.as_ref().map(|p| money(&p.currency, p.amount)),
    }
}

/// How one format writes emphasis and escapes text.
struct Style {
    bold: fn(&str) -> String,
    escape: fn(&str) -> String,
}

impl Digest {
    /// Plain text (JSON's `text`, Feishu).
    pub fn plain(&self) -> String {
        self.lines(&Style {
            bold: |s| s.to_string(),
            escape: |s| untrusted::text(s).into_owned(),
        })
    }

    /// Markdown (DingTalk, WeCom).
    pub fn markdown(&self) -> String {
        self.lines(&Style {
            bold: |s| format!("**{s}**"),
            escape: |s| untrusted::markdown(s).into_owned(),
        })
    }

    /// Slack mrkdwn: `*bold*`, and `&`, `<`, `>` escaped.
    pub fn slack(&self) -> String {
        self.lines(&Style {
            bold: |s| format!("*{s}*"),
            escape: |s| {
                untrusted::text(s)
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            },
        })
    }

    fn lines(&self, st: &Style) -> String {
        let mut out = Vec::new();
        let groups = [
            (&self.drift, "Drift (changed outside bssctl)"),
            (&self.due, "Due renewals"),
            (&self.manifest, "Manifest changes"),
        ];
        for (items, heading) in groups {
            if items.is_empty() {
                continue;
            }
            out.push((st.bold)(&format!("{heading} ({})", items.len())));
            for i in items.iter().take(MAX_ITEMS) {
                let mut line = format!(
                    "- {} ({}): {}",
                    (st.escape)(&i.resource_name),
                    (st.escape)(&i.resource_id),
                    (st.escape)(&i.operations.join(", "))
                );
                if let Some(c) = &i.cost {
                    line.push_str(&format!(", {c}"));
                }
                out.push(line);
                for a in &i.authors {
                    out.push(format!("  - {}", (st.escape)(a)));
                }
                if std::ptr::eq(items, &self.drift) && i.authors.is_empty() {
                    out.push("  - author not read (see the plan's warnings)".to_string());
                }
            }
            if items.len() > MAX_ITEMS {
                out.push(format!("- … and {} more", items.len() - MAX_ITEMS));
            }
        }
        if !self.risks.is_empty() {
            out.push((st.bold)(&format!("Risks ({})", self.risks.len())));
            for r in &self.risks {
                out.push(format!("- {}", (st.escape)(r)));
            }
        }
        out.push((st.escape)(&self.totals.line));
        out.join("\n")
    }
}
