//! Learning whether a purchase or release took effect, from the account
//! itself: re-read the resources (expiry, status) and, for renewals, the
//! renewal orders created since. Read-only calls only.

use crate::bss::model::{
    ListCustomerOrdersQuery, QueryResourcesReq, ORDER_STATUS_CANCELLED, ORDER_TYPE_RENEWAL,
    STATUS_CLOSED,
};
use crate::bss::{ApiError, BssClient};
use crate::clock::{format_api_time, parse_api_time};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    TookEffect { order_ids: Vec<String> },
    NotApplied,
}

/// Allowed difference between our clock and the service's when matching
/// order creation times against an intent.
pub const CLOCK_MARGIN_MINUTES: i64 = 5;

/// A renewal took effect when the expiry moved past what it was before, or
/// when a renewal order created since `since` (less `CLOCK_MARGIN_MINUTES`)
/// and not cancelled holds the resource (an unpaid order leaves the expiry
/// unchanged until it is paid). A cancelled order never proves a renewal.
pub async fn renewal(
    client: &BssClient,
    ids: &[String],
    expire_before: &BTreeMap<String, String>,
    since: DateTime<Utc>,
) -> Result<BTreeMap<String, Outcome>, ApiError> {
    let rows = client.query_resources_by_ids(ids, true).await?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (Some(id), Some(now_exp)) = (
            row.resource_id,
            row.expire_time.as_deref().and_then(parse_api_time),
        ) else {
            continue;
        };
        let before = expire_before.get(&id).and_then(|s| parse_api_time(s));
        if matches!(before, Some(b) if now_exp > b) {
            out.insert(
                id,
                Outcome::TookEffect {
                    order_ids: Vec::new(),
                },
            );
        }
    }
    let rest: BTreeSet<String> = ids
        .iter()
        .filter(|id| !out.contains_key(*id))
        .cloned()
        .collect();
    if !rest.is_empty() {
        for (id, order_id) in renewal_orders_since(client, &rest, since).await? {
            out.insert(
                id,
                Outcome::TookEffect {
                    order_ids: vec![order_id],
                },
            );
        }
    }
    for id in ids {
        out.entry(id.clone()).or_insert(Outcome::NotApplied);
    }
    Ok(out)
}

/// An unsubscribe took effect when the resource is closed or gone.
pub async fn unsubscribe(
    client: &BssClient,
    ids: &[String],
) -> Result<BTreeMap<String, Outcome>, ApiError> {
    let rows = client.query_resources_by_ids(ids, true).await?;
    let open: BTreeSet<String> = rows
        .into_iter()
        .filter(|r| r.status != Some(STATUS_CLOSED))
        .filter_map(|r| r.resource_id)
        .collect();
    Ok(ids
        .iter()
        .map(|id| {
            let o = if open.contains(id) {
                Outcome::NotApplied
            } else {
                Outcome::TookEffect {
                    order_ids: Vec::new(),
                }
            };
            (id.clone(), o)
        })
        .collect())
}

/// Which of `ids` appear in renewal orders created since `since` that are
/// not cancelled: resource id → order id.
async fn renewal_orders_since(
    client: &BssClient,
    ids: &BTreeSet<String>,
    since: DateTime<Utc>,
) -> Result<BTreeMap<String, String>, ApiError> {
    let begin = since - Duration::minutes(CLOCK_MARGIN_MINUTES);
    let q = ListCustomerOrdersQuery {
        order_type: Some(ORDER_TYPE_RENEWAL.to_string()),
        create_time_begin: Some(format_api_time(begin)),
        create_time_end: Some(format_api_time(begin + Duration::days(360))),
        ..Default::default()
    };
    let orders = client.list_orders_all(&q).await?;
    let mut found = BTreeMap::new();
    for order in orders {
        if !counts_as_renewal(order.status, order.create_time.as_deref(), begin) {
            continue;
        }
        let Some(order_id) = order.order_id else {
            continue;
        };
        for id in resources_of_order(client, &order_id).await? {
            if ids.contains(&id) {
                found.insert(id, order_id.clone());
            }
        }
    }
    Ok(found)
}

/// Whether an order may prove a renewal: not cancelled, and (when the
/// list shows its creation time) created at `begin` or later.
fn counts_as_renewal(status: Option<i32>, create_time: Option<&str>, begin: DateTime<Utc>) -> bool {
    if status == Some(ORDER_STATUS_CANCELLED) {
        return false;
    }
    match create_time.map(parse_api_time) {
        Some(Some(t)) => t >= begin,
        Some(None) | None => true,
    }
}

/// The resources an order covers (the resource query's `order_id` filter).
pub async fn resources_of_order(
    client: &BssClient,
    order_id: &str,
) -> Result<Vec<String>, ApiError> {
    let rows = client
        .query_resources_all(&QueryResourcesReq {
            order_id: Some(order_id.to_string()),
            only_main_resource: Some(1),
            ..Default::default()
        })
        .await?;
    Ok(rows.into_iter().filter_map(|r| r.resource_id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelled_and_older_orders_never_prove_a_renewal() {
        let begin = parse_api_time("2026-11-24T00:00:00Z").unwrap();
        let at = Some("2026-11-24T00:00:00Z");
        assert!(counts_as_renewal(Some(5), at, begin));
        assert!(counts_as_renewal(Some(6), at, begin));
        assert!(!counts_as_renewal(Some(ORDER_STATUS_CANCELLED), at, begin));
        assert!(!counts_as_renewal(
            Some(5),
            Some("2026-11-23T23:59:59Z"),
            begin
        ));
    }
}
