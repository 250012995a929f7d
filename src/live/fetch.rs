//! Fetching the live inventory with the fewest round trips: by id in chunks
//! of 50 when the manifests only name ids; one full listing (largest page
//! size, remaining pages fetched concurrently) when selectors need it.
//! Each page is handed to `on_rows` as it arrives, in order, so callers can
//! start dependent work (pricing) before the listing ends.

use crate::bss::model::{
    OrderInstanceV2, QueryResourcesReq, STATUS_EXPIRED, STATUS_FROZEN, STATUS_IN_USE,
};
use crate::bss::{ApiError, BssClient, Page};
use crate::live::Inventory;
use futures::StreamExt;
use std::collections::BTreeSet;

/// `ids`: resources named explicitly; `list_all`: selectors are present.
pub async fn fetch(
    client: &BssClient,
    ids: &BTreeSet<String>,
    list_all: bool,
) -> Result<Inventory, ApiError> {
    fetch_with(client, ids, list_all, &mut |_| {}).await
}

pub async fn fetch_with(
    client: &BssClient,
    ids: &BTreeSet<String>,
    list_all: bool,
    on_rows: &mut (dyn FnMut(&[OrderInstanceV2]) + Send),
) -> Result<Inventory, ApiError> {
    let mut inv = Inventory::default();
    if list_all {
        // Closed resources are never matched by selectors: leave them out.
        let filter = QueryResourcesReq {
            only_main_resource: Some(0),
            status_list: Some(vec![STATUS_IN_USE, STATUS_FROZEN, STATUS_EXPIRED]),
            ..Default::default()
        };
        let mut pages = client.query_resources_pages(&filter);
        while let Some(page) = pages.next().await {
            match page? {
                Page::Rows(rows) => take(&mut inv, rows, on_rows),
                // The rows moved under the listing: start from scratch.
                Page::Restarted => inv = Inventory::default(),
            }
        }
    }
    // Named ids not seen yet (all of them without a listing; closed ones with).
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| inv.get(id).is_none())
        .cloned()
        .collect();
    if !missing.is_empty() {
        let mut chunks = client.query_resources_by_id_chunks(&missing, false);
        while let Some(chunk) = chunks.next().await {
            take(&mut inv, chunk?, on_rows);
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
        let rows = client.query_resources_by_ids(&mains, false).await?;
        take(&mut inv, rows, on_rows);
    }
    Ok(inv)
}

fn take(
    inv: &mut Inventory,
    rows: Vec<OrderInstanceV2>,
    on_rows: &mut (dyn FnMut(&[OrderInstanceV2]) + Send),
) {
    on_rows(&rows);
    for row in rows {
        inv.insert_row(row);
    }
}

/// The fingerprint of each of `ids` as it is now (id → fingerprint), for
/// the saved-plan staleness rule (`state::saved_plan::check_fresh`). Ids
/// no longer listed are absent.
pub async fn fingerprints(
    client: &BssClient,
    ids: &[String],
) -> Result<std::collections::BTreeMap<String, String>, ApiError> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows = client.query_resources_by_ids(ids, true).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let r = crate::live::LiveResource::from_row(row)?;
            Some((r.resource_id.clone(), r.fingerprint()))
        })
        .collect())
}
