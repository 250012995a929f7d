//! `apply --format json`: one JSON document at the end of an apply — the plan
//! it acted on, every operation's result, the counts and the unpaid orders
//! (docs/plan-json.md, "apply --format json").

use super::json::wire::{self, Each, WireOpResult, WirePlan};
use crate::apply::{ApplyReport, OpResult, Status};
use crate::plan::{Plan, FORMAT_VERSION};
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct Document<'a> {
    format_version: &'static str,
    plan: WirePlan<'a>,
    results: Each<'a, OpResult, WireOpResult<'a>>,
    summary: Counts,
    unpaid_orders: &'a [String],
}

#[derive(Debug, Serialize)]
struct Counts {
    done: usize,
    failed: usize,
    skipped: usize,
    /// Purchases whose answer was lost (shown only when there are some).
    #[serde(skip_serializing_if = "is_zero")]
    unknown: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Streams the document; `report` is absent when nothing was executed (no
/// changes, a guardrail, a refusal): then `results` is empty.
pub fn write(plan: &Plan, report: Option<&ApplyReport>, out: impl Write) -> std::io::Result<()> {
    let count = |s: Status| report.map_or(0, |r| r.count(s));
    let doc = Document {
        format_version: FORMAT_VERSION,
        plan: WirePlan::from(plan),
        results: wire::results(report.map_or(&[], |r| r.results.as_slice())),
        summary: Counts {
            done: count(Status::Done),
            failed: count(Status::Failed),
            skipped: count(Status::Skipped),
            unknown: count(Status::Unknown),
        },
        unpaid_orders: report.map_or(&[], |r| r.unpaid_orders.as_slice()),
    };
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}
