//! Learning whether a purchase or release took effect, from the account
//! itself: re-read the resources (expiry, status) and, for renewals, the
//! renewal orders created since. Read-only calls only.

use crate::bss::model::{
    ListCustomerOrdersQuery, QueryResourcesReq, ORDER_TYPE_RENEWAL, STATUS_CLOSED,
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

/// A renewal took effect when the expiry moved past what it was before, or
/// when a renewal order created since `since` holds the resource (an unpaid
/// order leaves the expiry unchanged until it is paid).
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

/// Which of `ids` appear in renewal orders created since `since`
/// (any status): resource id → order id.
async fn renewal_orders_since(
    client: &BssClient,
    ids: &BTreeSet<String>,
    since: DateTime<Utc>,
) -> Result<BTreeMap<String, String>, ApiError> {
    // Margin for clock differences between us and the service.
    let begin = since.min(Utc::now()) - Duration::days(1);
    let q = ListCustomerOrdersQuery {
        order_type: Some(ORDER_TYPE_RENEWAL.to_string()),
        create_time_begin: Some(format_api_time(begin)),
        create_time_end: Some(format_api_time(begin + Duration::days(360))),
        ..Default::default()
    };
    let orders = client.list_orders_all(&q).await?;
    let mut found = BTreeMap::new();
    for order in orders {
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
