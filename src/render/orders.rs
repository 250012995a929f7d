//! `bssctl orders` output: the pending-order list (text, markdown, json), what
//! a payment will use, and what became of each order. Pure: data in, text out.

use crate::display::untrusted::{markdown, markdown_code, text};
use crate::orders::list::PendingOrderRow;
use crate::orders::offer::DISCOUNT_PRICE_ADJUSTMENT;
use crate::orders::outcome::{Action, OrderOutcome, Status};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::fmt::Write;

// Order ids, times, currencies, resource names, coupon ids and error
// messages come from the API: every one goes through `untrusted`.

pub use crate::orders::outcome::amount_text as money;

/// "2026-11-29T09:30:00Z (in 5 days)".
fn deadline(t: &str, now: DateTime<Utc>) -> String {
    match crate::clock::parse_api_time(t) {
        Some(at) => {
            let hours = (at - now).num_hours();
            let when = if hours < 0 {
                "passed".to_string()
            } else if hours < 48 {
                format!("in {hours} hours")
            } else {
                format!("in {} days", hours / 24)
            };
            format!("{} ({when})", text(t))
        }
        None => text(t).into_owned(),
    }
}

fn resources_text(row: &PendingOrderRow) -> String {
    if row.resources.is_empty() {
        return "unknown".into();
    }
    row.resources
        .iter()
        .map(|r| match &r.resource_name {
            Some(n) if !n.is_empty() => format!("{n} ({})", r.resource_id),
            _ => r.resource_id.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which pending orders a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// bssctl's and those holding the account's yearly/monthly resources.
    Default,
    /// `--all`.
    All,
    /// `--method sub_customer`.
    SubAccounts,
}

impl Whose {
    pub fn of(all: bool, sub_accounts: bool) -> Whose {
        match (sub_accounts, all) {
            (true, _) => Whose::SubAccounts,
            (false, true) => Whose::All,
            (false, false) => Whose::Default,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Whose::Default => "created by bssctl or holding the account's resources",
            Whose::All => "of the account",
            Whose::SubAccounts => "of the enterprise sub-accounts",
        }
    }
}

/// "-100.00" or "about -36.40" for a discount.
fn discount_saving(d: &crate::orders::offer::DiscountOffer) -> String {
    match d.saving {
        Some(s) if d.estimated => format!("about -{s}"),
        Some(s) => format!("-{s}"),
        None => "saving not stated".into(),
    }
}

fn offer_lines(out: &mut String, r: &PendingOrderRow) {
    let Some(o) = &r.offers else {
        let _ = writeln!(out, "  offers     could not be read");
        return;
    };
    if o.coupons.is_empty() && o.discounts.is_empty() {
        let _ = writeln!(out, "  offers     none");
    }
    for d in &o.discounts {
        let _ = writeln!(
            out,
            "  discount   {} ({}, type {})  {}",
            text(&d.id),
            d.kind_name(),
            d.pay_type,
            discount_saving(d)
        );
    }
    for c in &o.coupons {
        let amount = if c.is_discount_coupon() {
            format!("up to -{}", c.value)
        } else {
            format!("-{}", c.value)
        };
        let _ = writeln!(
            out,
            "  coupon     {} ({}, type {})  {amount}{}",
            text(&c.id),
            c.kind_name(),
            c.pay_type,
            c.expire_time
                .as_deref()
                .map(|t| format!(", expires {}", text(t)))
                .unwrap_or_default()
        );
    }
    let e = &o.best.estimate;
    let est = if e.exact() {
        money(Some(e.to_pay), &r.currency)
    } else {
        format!(
            "{} to {}",
            money(Some(e.to_pay_at_least), &r.currency),
            money(Some(e.to_pay), &r.currency)
        )
    };
    let _ = writeln!(
        out,
        "  best       {}: {est} to pay",
        text(&o.best.describe())
    );
}

/// The list as text.
pub fn list_text(rows: &[PendingOrderRow], whose: Whose, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let all = whose != Whose::Default;
    let whose = whose.words();
    if rows.is_empty() {
        let _ = writeln!(out, "No pending orders {whose}.");
        if !all {
            let _ = writeln!(
                out,
                "(bssctl orders --all lists every pending order of the account.)"
            );
        }
        return out;
    }
    let _ = writeln!(out, "Pending orders {whose} ({}):\n", rows.len());
    for r in rows {
        let _ = writeln!(
            out,
            "{}  {}  {}{}",
            text(&r.order_id),
            text(&r.order_type_name),
            money(r.amount, &r.currency),
            if r.created_by_bssctl {
                "  (created by bssctl)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "  list price {}",
            money(r.official_amount, &r.currency)
        );
        if let Some(t) = &r.create_time {
            let _ = writeln!(out, "  created    {}", text(t));
        }
        if let Some(t) = &r.pending_payment_end_time {
            let _ = writeln!(out, "  pay by     {}", deadline(t, now));
        }
        if let Some(c) = r.offers.as_ref().and_then(|o| o.pay_by_coupon.as_ref()) {
            let _ = writeln!(
                out,
                "  pay by     {} to use coupon {} (it expires before the order's deadline)",
                deadline(&c.expire_time, now),
                text(&c.coupon_id)
            );
        }
        let _ = writeln!(out, "  resources  {}", text(&resources_text(r)));
        offer_lines(&mut out, r);
    }
    let _ = writeln!(
        out,
        "\nPay with `bssctl orders pay ORDER_ID…` (the best coupons and discount by default), or cancel with `bssctl orders cancel ORDER_ID…`."
    );
    out
}

/// The list as a markdown table.
pub fn list_markdown(rows: &[PendingOrderRow], whose: Whose) -> String {
    let mut out = String::new();
    let whose = whose.words();
    let _ = writeln!(out, "### Pending orders {whose} ({})\n", rows.len());
    if rows.is_empty() {
        let _ = writeln!(out, "None.");
        return out;
    }
    let _ = writeln!(
        out,
        "| Order | Type | Amount | List price | Best offer | To pay | Created | Pay by | Resources |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---|---:|---|---|---|");
    for r in rows {
        let (best, to_pay) = match &r.offers {
            Some(o) => (
                o.best.describe(),
                money(Some(o.best.estimate.to_pay), &r.currency),
            ),
            None => (String::new(), String::new()),
        };
        let pay_by = match r.offers.as_ref().and_then(|o| o.pay_by_coupon.as_ref()) {
            Some(c) => c.expire_time.clone(),
            None => r.pending_payment_end_time.clone().unwrap_or_default(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            markdown_code(&r.order_id),
            markdown(&r.order_type_name),
            markdown(&money(r.amount, &r.currency)),
            markdown(&money(r.official_amount, &r.currency)),
            markdown(&best),
            markdown(&to_pay),
            markdown(r.create_time.as_deref().unwrap_or("")),
            markdown(&pay_by),
            markdown(&resources_text(r))
        );
    }
    out
}

/// The list as the documented JSON array.
pub fn list_json(rows: &[PendingOrderRow]) -> String {
    let mut s = serde_json::to_string_pretty(rows).expect("rows serialize");
    s.push('\n');
    s
}

pub use crate::orders::run::PayProposal;

/// The payments, before confirmation.
pub fn pay_proposals(proposals: &[PayProposal], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    for p in proposals {
        let r = &p.row;
        let e = &p.choice.estimate;
        let _ = writeln!(
            out,
            "Order {}: {}, list price {}{}",
            text(&r.order_id),
            text(&r.order_type_name),
            money(r.official_amount, &r.currency),
            r.pending_payment_end_time
                .as_deref()
                .map(|t| format!(", pay by {}", deadline(t, now)))
                .unwrap_or_default()
        );
        if !r.resources.is_empty() {
            let _ = writeln!(out, "  resources  {}", text(&resources_text(r)));
        }
        if let Some(d) = &p.choice.discount {
            let saving = match d.saving {
                Some(_) if d.estimated => format!(
                    "about -{} (estimated from its ratio; the API states no amount)",
                    e.discount_saving
                ),
                Some(_) => format!("-{}", e.discount_saving),
                None => "saving not stated by the API".into(),
            };
            let forced = if d.pay_type == DISCOUNT_PRICE_ADJUSTMENT {
                ", required"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  discount   {} ({}, type {}{forced})  {saving}",
                text(&d.id),
                d.kind_name(),
                d.pay_type
            );
        }
        for c in &p.choice.coupons {
            let amount = if c.is_discount_coupon() {
                format!("up to -{}", e.discount_coupon_up_to)
            } else {
                format!("-{}", c.value)
            };
            let _ = writeln!(
                out,
                "  coupon     {} ({}, type {})  {amount}",
                text(&c.id),
                c.kind_name(),
                c.pay_type
            );
        }
        if p.choice.discount.is_none() && p.choice.coupons.is_empty() {
            let _ = writeln!(out, "  offers     none (list price)");
        }
        if e.exact() {
            let _ = writeln!(out, "  to pay     {}", money(Some(e.to_pay), &r.currency));
        } else {
            let _ = writeln!(
                out,
                "  to pay     {} to {} (the API does not state the discount coupon's rate)",
                money(Some(e.to_pay_at_least), &r.currency),
                money(Some(e.to_pay), &r.currency)
            );
        }
        if let Some((id, t)) = &p.pay_by_coupon {
            let _ = writeln!(
                out,
                "  pay by     {} to use coupon {} (it expires before the order's deadline)",
                deadline(t, now),
                text(id)
            );
        }
        for r in &p.rejected {
            let _ = writeln!(
                out,
                "  rejected   {} ({}): {}",
                text(&r.describe()),
                money(Some(r.to_pay), &p.row.currency),
                text(&r.reason)
            );
        }
        for n in &p.notes {
            let _ = writeln!(out, "  note: {}", text(n));
        }
        out.push('\n');
    }
    out
}

/// `orders pay --dry-run --format json`: what would be paid, with what, and
/// the orders that would not be (docs/orders.md).
pub fn dry_run_json(
    proposals: &[PayProposal],
    settled_before: &[OrderOutcome],
    not_sent: &[OrderOutcome],
) -> String {
    let orders: Vec<serde_json::Value> = proposals
        .iter()
        .map(|p| {
            serde_json::json!({
                "order_id": p.row.order_id,
                "currency": p.row.currency,
                "official_amount": p.row.official_amount.map(|a| a.to_string()),
                "pending_payment_end_time": p.row.pending_payment_end_time,
                "pay_by_coupon": p.pay_by_coupon.as_ref().map(|(id, t)| serde_json::json!({"coupon_id": id, "expire_time": t})),
                "choice": p.choice,
                "rejected": p.rejected,
                "notes": p.notes,
            })
        })
        .collect();
    let others: Vec<&OrderOutcome> = settled_before.iter().chain(not_sent).collect();
    let doc = serde_json::json!({
        "dry_run": true,
        "orders": orders,
        "not_paid": others,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("dry run serializes");
    s.push('\n');
    s
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Pay => "Paid",
        Action::Cancel => "Cancelled",
    }
}

/// One block per order: what became of it, with the error's hint.
pub fn outcome_lines(list: &[OrderOutcome]) -> String {
    let mut out = String::new();
    for o in list {
        let rid = o
            .request_id
            .as_deref()
            .map(|id| format!(" (request id {})", text(id)))
            .unwrap_or_default();
        match o.status {
            Status::Done => {
                let _ = writeln!(out, "{} {}{rid}", past(o.action), text(&o.order_id));
            }
            Status::Failed | Status::Unknown | Status::Refused => {
                let label = match o.status {
                    Status::Failed => "Failed",
                    Status::Unknown => "Unknown",
                    _ => "Refused",
                };
                let what = match (&o.error_code, &o.error_msg) {
                    (Some(c), Some(m)) => format!(": {} {}", text(c), text(m)),
                    (Some(c), None) => format!(": {}", text(c)),
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "{label}: {} {}{what}{rid}",
                    o.action.verb(),
                    text(&o.order_id)
                );
                if let Some(h) = &o.hint {
                    let _ = writeln!(out, "  hint: {}", text(h));
                }
            }
        }
        if let Some(n) = &o.note {
            let _ = writeln!(out, "  {}", text(n));
        }
    }
    out
}

/// The closing count over every order named.
pub fn count_line(action: Action, list: &[OrderOutcome]) -> String {
    let count = |s: Status| list.iter().filter(|o| o.status == s).count();
    let verb = match action {
        Action::Pay => "paid",
        Action::Cancel => "cancelled",
    };
    format!(
        "Orders: {} {verb}, {} failed, {} refused, {} unknown.\n",
        count(Status::Done),
        count(Status::Failed),
        count(Status::Refused),
        count(Status::Unknown)
    )
}

/// What a pay run proposes, with the earlier pays settled now and the
/// orders not sent.
pub fn pay_block(
    proposals: &[PayProposal],
    settled_before: &[OrderOutcome],
    not_sent: &[OrderOutcome],
    now: DateTime<Utc>,
) -> String {
    let mut out = pay_proposals(proposals, now);
    out.push_str(&outcome_lines(settled_before));
    out.push_str(&outcome_lines(not_sent));
    out
}

/// The balance before paying, and a warning when it does not cover the
/// total (the API would refuse with CBC.99005003); ends with a blank line.
pub fn balance_lines(available: Decimal, total: Decimal, currency: &str) -> String {
    let currency = text(currency);
    let money = |a| crate::display::money::money(&currency, a);
    let mut out = format!(
        "Account balance available (cash and credit): {}\n",
        money(available)
    );
    if available < total {
        out.push_str(&format!(
            "Warning: the balance does not cover the {} to pay; the API will refuse (CBC.99005003).\n  hint: {}\n",
            money(total),
            crate::hints::hint("CBC.99005003").unwrap_or_default()
        ));
    }
    out
}

/// The orders a cancel run is about to cancel, one line each.
pub fn cancel_rows(rows: &[PendingOrderRow]) -> String {
    let mut out = String::new();
    for r in rows {
        let resources = if r.resources.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = r
                .resources
                .iter()
                .map(|x| {
                    super::name_and_id(x.resource_name.as_deref().unwrap_or(""), &x.resource_id)
                })
                .collect();
            format!("; resources {}", names.join(", "))
        };
        out.push_str(&format!(
            "Order {}: {}, {}{resources}\n",
            text(&r.order_id),
            text(&r.order_type_name),
            money(r.amount.or(r.official_amount), &r.currency),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::list::OrderResource;

    fn row() -> PendingOrderRow {
        PendingOrderRow {
            order_id: "CS1".into(),
            order_type: Some(2),
            order_type_name: "renewal".into(),
            service_type_code: None,
            currency: "CNY".into(),
            official_amount: Some("364.00".parse().unwrap()),
            amount: Some("364.00".parse().unwrap()),
            create_time: Some("2026-11-22T09:30:00Z".into()),
            pending_payment_end_time: Some("2026-11-29T09:30:00Z".into()),
            created_by_bssctl: true,
            resources: vec![OrderResource {
                resource_id: "r1".into(),
                resource_name: Some("web".into()),
            }],
            offers: None,
        }
    }

    #[test]
    fn list_text_shows_the_deadline_in_days() {
        let now = crate::clock::parse_api_time("2026-11-24T00:00:00Z").unwrap();
        let t = list_text(&[row()], Whose::Default, now);
        assert!(t.contains("CS1  renewal  CNY 364.00"), "{t}");
        assert!(t.contains("2026-11-29T09:30:00Z (in 5 days)"), "{t}");
        assert!(t.contains("web (r1)"), "{t}");
        assert!(list_text(&[], Whose::Default, now).contains("--all"));
        let md = list_markdown(&[row()], Whose::All);
        assert!(
            md.contains("| `CS1` | renewal | CNY 364.00 | CNY 364.00 |"),
            "{md}"
        );
    }

    #[test]
    fn failures_carry_their_hint() {
        let mut o = OrderOutcome::new("CS9", Action::Pay, Status::Failed);
        o.error_code = Some("CBC.30000010".into());
        o.error_msg = Some("invalid".into());
        o.hint = Some("check it".into());
        let t = outcome_lines(std::slice::from_ref(&o));
        assert!(
            t.contains("Failed: pay CS9: CBC.30000010 invalid\n  hint: check it"),
            "{t}"
        );
        let c = count_line(Action::Pay, &[o]);
        assert!(c.contains("Orders: 0 paid, 1 failed"), "{c}");
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Whatever the order id and resource name: one header line per
        /// order in text, no control character, and a markdown row of six
        /// cells with no HTML and no live mention.
        #[test]
        fn hostile_listings_keep_their_shape(
            id in proptest::sample::select(crate::render::safety_props::FRAGMENTS)
                .prop_map(|f| format!("CS1{f}")),
            name in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}\\u{202a}-\\u{202e}<>|`@#\\\\!\\[\\]()a-z]{0,16}",
        ) {
            let mut r = row();
            r.order_id = id.clone();
            r.resources[0].resource_name = Some(name.clone());
            let now = crate::clock::parse_api_time("2026-11-24T00:00:00Z").unwrap();
            let t = list_text(std::slice::from_ref(&r), Whose::All, now);
            prop_assert!(!t.chars().any(|c| c != '\n' && c.is_control()), "{}", t);
            prop_assert_eq!(t.lines().filter(|l| l.starts_with("CS1")).count(), 1, "{}", t);
            let plain = list_text(&[row()], Whose::All, now);
            prop_assert_eq!(t.lines().count(), plain.lines().count(), "{}", t);
            let md = list_markdown(std::slice::from_ref(&r), Whose::All);
            prop_assert!(!md.chars().any(|c| c != '\n' && c.is_control()), "{}", md);
            prop_assert!(!md.replace("<code>", "").replace("</code>", "").contains('<'), "{}", md);
            prop_assert!(!md.contains("@everyone"), "{}", md);
            let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
            prop_assert_eq!(rows.len(), 3, "{}", md);
            for row in rows {
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
                prop_assert_eq!(n, 10, "{}", row);
            }
        }
    }
}
