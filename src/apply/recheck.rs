//! Re-checking resources right before buying (DESIGN §9): another run on
//! another machine, or a person in the console, may have renewed or
//! released them since the plan was made. Before each renew or unsubscribe
//! batch the executor re-reads those resources (one id query of up to 50
//! ids) and compares them with what the plan saw; once per run it also
//! looks for unpaid renewal orders created since the plan.

use crate::bss::model::{
    ListCustomerOrdersQuery, ORDER_STATUS_PENDING_PAYMENT, ORDER_TYPE_RENEWAL,
};
use crate::bss::{ApiError, BssClient};
use crate::clock::{format_api_time, parse_api_time};
use crate::live::LiveResource;
use crate::plan::diff::status_name;
use crate::plan::Plan;
use std::collections::{BTreeMap, BTreeSet};

/// The `error_code` of a purchase skipped because its resource changed.
pub const CHANGED_SINCE_PLAN: &str = "CHANGED_SINCE_PLAN";

/// What the plan saw of a resource, for the fields a purchase rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub expire_time: Option<String>,
    pub expire_policy: i32,
    /// The policy this apply's own setting changes lead to (they run
    /// before the purchase), which is no change by someone else.
    pub planned_policy: i32,
    pub status: String,
}

/// What the plan saw of every resource it changes.
pub fn seen_by(plan: &Plan) -> BTreeMap<String, Seen> {
    plan.changes
        .iter()
        .map(|c| {
            (
                c.resource_id.clone(),
                Seen {
                    expire_time: c.before.expire_time.clone(),
                    expire_policy: c.before.expire_policy,
                    planned_policy: c.after.expire_policy,
                    status: c.before.status.to_string(),
                },
            )
        })
        .collect()
}

/// How `live` differs from what the plan saw, in words; None when it
/// does not differ in what a purchase rests on.
pub fn difference(seen: &Seen, live: &LiveResource) -> Option<String> {
    let mut diffs = Vec::new();
    let expire = live.expire_time.map(format_api_time);
    if expire != seen.expire_time {
        diffs.push(format!(
            "expiry {} → {}",
            seen.expire_time.as_deref().unwrap_or("unknown"),
            expire.as_deref().unwrap_or("unknown")
        ));
    }
    let status = status_name(live.status);
    if status != seen.status {
        diffs.push(format!("status {} → {status}", seen.status));
    }
    if live.expire_policy != seen.expire_policy && live.expire_policy != seen.planned_policy {
        diffs.push(format!(
            "expire_policy {} → {}",
            seen.expire_policy, live.expire_policy
        ));
    }
    (!diffs.is_empty()).then(|| diffs.join(", "))
}

/// Which of `ids` changed since the plan, with why: one id query of at
/// most 50 ids (a renew or unsubscribe batch holds at most 10).
pub async fn changed_since_plan(
    client: &BssClient,
    ids: &[String],
    seen: &BTreeMap<String, Seen>,
) -> Result<BTreeMap<String, String>, ApiError> {
    let rows = client.query_resources_by_ids(ids, true).await?;
    let live: BTreeMap<String, LiveResource> = rows
        .into_iter()
        .filter_map(LiveResource::from_row)
        .map(|r| (r.resource_id.clone(), r))
        .collect();
    let mut changed = BTreeMap::new();
    for id in ids {
        let why = match (seen.get(id), live.get(id)) {
            (_, None) => Some("it is no longer listed".to_string()),
            (None, Some(_)) => Some("the plan recorded nothing to compare it with".to_string()),
            (Some(s), Some(l)) => difference(s, l),
        };
        if let Some(why) = why {
            changed.insert(
                id.clone(),
                format!("changed since the plan ({why}); not bought — run bssctl plan to see it as it is now"),
            );
        }
    }
    Ok(changed)
}

/// Resources held by unpaid renewal orders created since the plan that the
/// plan did not know: one order listing, plus one lookup per such order.
pub async fn held_by_new_orders(
    client: &BssClient,
    plan: &Plan,
) -> Result<BTreeMap<String, String>, ApiError> {
    let known: BTreeSet<&str> = plan
        .pending_orders
        .iter()
        .map(|p| p.order_id.as_str())
        .collect();
    let since = parse_api_time(&plan.planned_at)
        .unwrap_or_else(chrono::Utc::now)
        .min(chrono::Utc::now())
        - chrono::Duration::days(1);
    let orders = client
        .list_orders_all(&ListCustomerOrdersQuery {
            status: Some(ORDER_STATUS_PENDING_PAYMENT),
            order_type: Some(ORDER_TYPE_RENEWAL.to_string()),
            create_time_begin: Some(format_api_time(since)),
            create_time_end: Some(format_api_time(since + chrono::Duration::days(360))),
            ..Default::default()
        })
        .await?;
    let mut held = BTreeMap::new();
    for o in orders {
        let Some(order_id) = o.order_id.filter(|id| !known.contains(id.as_str())) else {
            continue;
        };
        for id in crate::live::verify::resources_of_order(client, &order_id).await? {
            held.insert(
                id,
                format!("an unpaid renewal order {order_id} now holds it (created since the plan); not bought — pay it (bssctl orders pay {order_id}) or cancel it"),
            );
        }
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(expire: &str, status: i32, policy: i32) -> LiveResource {
        LiveResource {
            resource_id: "r".into(),
            name: "n".into(),
            region: String::new(),
            service_type: String::new(),
            resource_type: String::new(),
            project_id: String::new(),
            enterprise_project_id: String::new(),
            enterprise_project_name: String::new(),
            is_main: true,
            main_id: None,
            status,
            expire_time: parse_api_time(expire),
            expire_policy: policy,
        }
    }

    #[test]
    fn only_expiry_status_and_policy_count() {
        let seen = Seen {
            expire_time: Some("2026-12-01T00:00:00Z".into()),
            expire_policy: 0,
            planned_policy: 1,
            status: "in_use".into(),
        };
        let cases = [
            (live("2026-12-01T00:00:00Z", 2, 0), None),
            (
                live("2027-12-01T00:00:00Z", 2, 0),
                Some("expiry 2026-12-01T00:00:00Z → 2027-12-01T00:00:00Z"),
            ),
            (
                live("2026-12-01T00:00:00Z", 3, 0),
                Some("status in_use → closed"),
            ),
            (
                live("2026-12-01T00:00:00Z", 2, 3),
                Some("expire_policy 0 → 3"),
            ),
            // This apply's own change, made before the purchase.
            (live("2026-12-01T00:00:00Z", 2, 1), None),
        ];
        for (l, want) in cases {
            assert_eq!(difference(&seen, &l).as_deref(), want);
        }
    }
}
