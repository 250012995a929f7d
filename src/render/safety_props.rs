//! Property tests: whatever the account names its resources, the text plan
//! has no control character and one header line per resource, and the PR
//! comment has one marker, no `<` from a name, no live mention and a table
//! whose rows keep their column count.

use super::markdown::MARKER;
use super::untrusted;
use crate::plan::{
    Action, AttachedRef, Change, MoneyTotal, Operation, PendingOrder, Plan, Price, ResourceState,
    Summary, FORMAT_VERSION,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

pub(crate) const FRAGMENTS: &[&str] = &[
    "\x1b[1A\x1b[2K",
    "\n  + renew 3y fake-line",
    "\r",
    "|",
    "`",
    "```",
    "\\",
    "<img src=https://x/t.png>",
    "@everyone",
    "#1",
    MARKER,
    "<!--",
    "-->",
    "[x](https://x/t.png)",
    "![x](https://x/t.png)",
    "\u{202e}",
    "\u{2066}",
    "\u{85}",
    "\u{9b}",
    "&lt;",
    " ",
    "*",
    "~~",
];

/// Arbitrary Unicode (any `char`, controls included) mixed with the
/// fragments attacks are made of.
fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>().prop_map(String::from),
            prop::sample::select(FRAGMENTS).prop_map(str::to_string),
            "[a-z0-9-]{1,6}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

fn state(expire: &str) -> ResourceState {
    ResourceState {
        on_expiry: "none".into(),
        expire_policy: 0,
        auto_renew_period: None,
        auto_renew_times: None,
        expire_time: Some(expire.to_string()),
        status: "in_use".into(),
    }
}

fn change(i: usize, name: &str, attached_name: &str) -> Change {
    Change {
        resource_id: format!("id-{i}"),
        resource_name: name.to_string(),
        service_type: "hws.service.type.ec2".into(),
        resource_type: "hws.resource.type.vm".into(),
        region: "cn-north-4".into(),
        is_main_resource: true,
        main_resource_id: None,
        attached: vec![AttachedRef {
            resource_id: format!("disk-{i}"),
            resource_name: attached_name.to_string(),
            resource_type: "hws.resource.type.volume".into(),
        }],
        actions: vec![Action::Renew],
        before: state("2026-12-01T00:00:00Z"),
        after: state("2027-12-01T00:00:00Z"),
        operations: vec![Operation::Renew {
            period: crate::plan::model::RenewPeriod::Years(1),
            pay_now: true,
        }],
        price: Some(Price {
            currency: "CNY".into(),
            official_amount: Decimal::from(100),
            discount_amount: Decimal::ZERO,
            amount: Decimal::from(100),
            period: "1y".into(),
        }),
        commitments: Vec::new(),
        reasons: vec![crate::plan::Reason::Text(format!(
            "expires soon: renew 1y ({name})"
        ))],
        protected: false,
        cause: Default::default(),
        audit: None,
    }
}

/// A plan renewing one resource per name (each with an attached disk of
/// the same name), a warning and a pending order naming each.
pub(crate) fn plan(names: &[String]) -> Plan {
    let changes: Vec<Change> = names
        .iter()
        .enumerate()
        .map(|(i, n)| change(i, n, n))
        .collect();
    Plan {
        format_version: FORMAT_VERSION.to_string(),
        planned_at: "2026-11-24T00:00:00Z".into(),
        summary: Summary {
            to_renew: changes.len(),
            renewal_cost_now: MoneyTotal {
                currency: "CNY".into(),
                amount: Decimal::from(100 * changes.len() as i64),
            },
            ..Default::default()
        },
        warnings: names
            .iter()
            .map(|n| format!("the live name of \"id\" is {n}, not \"web\""))
            .collect(),
        errors: names
            .iter()
            .map(|n| format!("manifest name \"web\" differs from the live name {n}"))
            .collect(),
        pending_orders: names
            .iter()
            .map(|n| PendingOrder {
                order_id: "CS1".into(),
                resource_ids: vec![n.clone()],
                amount: Some("1.00".into()),
                currency: Some("CNY".into()),
                create_time: None,
                pending_payment_end_time: None,
            })
            .collect(),
        changes,
        account_changes: Vec::new(),
        batches: Vec::new(),
        guardrail_violations: Vec::new(),
        diff: None,
    }
}

/// `|` that delimit cells: not escaped by a backslash.
fn delimiters(row: &str) -> usize {
    let mut n = 0;
    let mut chars = row.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '|' => n += 1,
            _ => {}
        }
    }
    n
}

/// An unescaped `](`: the middle of a link or an image.
fn has_link(md: &str) -> bool {
    let mut chars = md.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            ']' if chars.peek() == Some(&'(') => return true,
            _ => {}
        }
    }
    false
}

/// A character that must never reach the output raw: a control character
/// other than bssctl's own newlines, or one `untrusted::text` escapes.
fn must_not_appear(c: char) -> bool {
    let one = c.to_string();
    c != '\n' && c != '\\' && (c.is_control() || untrusted::text(&one) != one)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn text_has_no_control_character_and_one_header_per_resource(
        names in prop::collection::vec(name(), 1..5)
    ) {
        let p = plan(&names);
        let out = super::text::render(&p, false);
        let bad: Vec<char> = out.chars().filter(|c| must_not_appear(*c)).collect();
        prop_assert!(bad.is_empty(), "{bad:?} in {out}");
        let headers: Vec<&str> = out.lines().filter(|l| l.starts_with("  + ")).collect();
        prop_assert_eq!(headers.len(), names.len(), "{}", out);
        for (h, n) in headers.iter().zip(&names) {
            let shown = untrusted::text(n);
            prop_assert!(h.contains(&*shown), "{h} lacks {shown}");
        }
        // Every other line is one bssctl wrote: indented detail, or a known start.
        for l in out.lines() {
            prop_assert!(
                l.is_empty()
                    || l.starts_with("      ")
                    || l.starts_with("  + ")
                    || ["bssctl will", "Warning: ", "Error: ", "Plan: ", "Pending order "]
                        .iter()
                        .any(|s| l.starts_with(s)),
                "unexpected line {l:?}"
            );
        }
    }

    #[test]
    fn markdown_has_one_marker_no_html_from_names_and_intact_rows(
        names in prop::collection::vec(name(), 1..5)
    ) {
        let p = plan(&names);
        let out = super::markdown::render(&p);
        prop_assert_eq!(out.matches(MARKER).count(), 1, "{}", out);
        prop_assert_eq!(out.matches("<!--").count(), 1, "{}", out);
        // bssctl's own tags are the only `<`: the same plan with plain
        // names has as many.
        let plain: Vec<String> = (0..names.len()).map(|i| format!("n{i}")).collect();
        let reference = super::markdown::render(&plan(&plain));
        let tags = |s: &str| s.replace("<code>", "").replace("</code>", "").matches('<').count();
        prop_assert_eq!(tags(&out), tags(&reference), "{}", out);
        prop_assert!(!out.contains("<img"), "{}", out);
        // No link or image: bssctl writes none itself.
        prop_assert!(!has_link(&out), "{}", out);
        // Every `@` is followed by a zero-width space: no live mention.
        prop_assert_eq!(out.matches('@').count(), out.matches("@&#8203;").count(), "{}", out);
        prop_assert!(!out.chars().any(must_not_appear), "{}", out);
        // The table: header, separator, one row per change, 8 delimiters each.
        let rows: Vec<&str> = out.lines().filter(|l| l.starts_with('|')).collect();
        prop_assert_eq!(rows.len(), names.len() + 2, "{}", out);
        for r in rows {
            prop_assert_eq!(delimiters(r), 8, "{}", r);
        }
        // One closing fence per diff block.
        prop_assert_eq!(out.lines().filter(|l| l.starts_with("```")).count(), 2 * names.len());
    }
}

#[cfg(test)]
mod diff_view_tests {
    use super::super::diff_view::*;
    use super::super::markdown::{render, MARKER};
    use crate::plan::compare::PlanDiff;
    use crate::plan::compare::{DiffChange, DiffSummary};
    use crate::plan::{CommitmentTotals, Operation};
    use crate::plan::{MoneyTotal, Summary};
    use rust_decimal::Decimal;

    const HOSTILE: &str =
        "\u{1b}[1A\n  + renew 3y | ` <img src=x> @everyone <!-- bssctl-plan-comment --> \u{202e}";

    fn diff() -> PlanDiff {
        let money = |a: i64| MoneyTotal {
            currency: "CNY".into(),
            amount: Decimal::from(a),
        };
        PlanDiff {
            base_summary: Summary::default(),
            changes: vec![DiffChange {
                resource_id: format!("id {HOSTILE}"),
                resource_name: HOSTILE.into(),
                base_operations: vec![],
                operations: vec!["cancel_auto_renew".into()],
                renewal_cost_now: money(-5),
                base_detail: vec![],
                detail: vec![Operation::CancelAutoRenew],
            }],
            summary: DiffSummary {
                renewal_cost_now: money(-5),
                commitment: CommitmentTotals::default(),
            },
        }
    }

    #[test]
    fn hostile_names_cannot_spoof_the_comparison() {
        let mut plan = super::plan(&[HOSTILE.to_string()]);
        let d = diff();
        plan.diff = Some(d.clone());
        let md = render(&plan);
        assert_eq!(md.matches(MARKER).count(), 1, "{md}");
        assert!(!md.contains("<img") && !md.contains("@everyone"), "{md}");
        assert!(!md.contains('\u{1b}') && !md.contains('\u{202e}'), "{md}");
        let row = md
            .lines()
            .find(|l| l.contains("cancel_auto_renew"))
            .expect("the row");
        assert!(row.starts_with("| ") && row.ends_with(" |"), "{row}");
        let mut out = String::new();
        text_section(&mut out, &plan, &d);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}'),
            "{out}"
        );
        // One line per differing resource: the name's newline is escaped.
        assert_eq!(
            out.lines().filter(|l| l.starts_with("  ~ ")).count(),
            1,
            "{out}"
        );
        // Four lines: the title, the headline, the resource, due anyway.
        assert_eq!(out.trim_start().lines().count(), 4, "{out}");
    }

    #[test]
    fn the_headline_is_signed_per_period() {
        let mut d = diff();
        assert_eq!(
            headline(&d),
            "this change: -CNY 5.00 now · auto-renew unchanged"
        );
        d.summary.commitment.removed_per_month = Decimal::from(963);
        d.summary.commitment.added_per_year = Decimal::from(10);
        assert_eq!(
            headline(&d),
            "this change: -CNY 5.00 now · -CNY 963.00/month auto-renew · +CNY 10.00/year auto-renew"
        );
    }
}
