//! Fetching the live inventory with the fewest round trips: by id in chunks
//! of 50 when the manifests only name ids; one full listing (largest page
//! size, remaining pages fetched concurrently) when selectors need it.

use crate::bss::model::{QueryResourcesReq, STATUS_EXPIRED, STATUS_FROZEN, STATUS_IN_USE};
use crate::bss::{ApiError, BssClient};
use crate::live::Inventory;
use std::collections::BTreeSet;

/// `ids`: resources named explicitly; `list_all`: selectors are present.
pub async fn fetch(
    client: &BssClient,
    ids: &BTreeSet<String>,
    list_all: bool,
) -> Result<Inventory, ApiError> {
    let mut inv = if list_all {
        // Closed resources are never matched by selectors: leave them out.
        let rows = client
            .query_resources_all(&QueryResourcesReq {
                only_main_resource: Some(0),
                status_list: Some(vec![STATUS_IN_USE, STATUS_FROZEN, STATUS_EXPIRED]),
                ..Default::default()
            })
            .await?;
        Inventory::from_rows(rows)
    } else {
        Inventory::default()
    };
    // Named ids not seen yet (all of them without a listing; closed ones with).
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| inv.get(id).is_none())
        .cloned()
        .collect();
    if !missing.is_empty() {
        for row in client.query_resources_by_ids(&missing, false).await? {
            if let Some(r) = crate::live::LiveResource::from_row(row) {
                inv.insert(r);
            }
        }
    }
    // An attached id queried alone comes back without its main: fetch those.
    let mains: Vec<String> = inv
        .iter()
        .filter_map(|r| r.main_id.clone())
        .filter(|m| inv.get(m).is_none())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !mains.is_empty() {
        for row in client.query_resources_by_ids(&mains, false).await? {
            if let Some(r) = crate::live::LiveResource::from_row(row) {
                inv.insert(r);
            }
        }
    }
    Ok(inv)
}
