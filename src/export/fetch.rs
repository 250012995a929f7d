//! What an export reads: every open main and attached resource.

use crate::bss::model::{QueryResourcesReq, STATUS_EXPIRED, STATUS_FROZEN, STATUS_IN_USE};
use crate::bss::{ApiError, BssClient};
use crate::live::Inventory;

/// The inventory and the warnings its listing raised.
pub async fn inventory(client: &BssClient) -> Result<(Inventory, Vec<String>), ApiError> {
    let rows = client
        .query_resources_all(&QueryResourcesReq {
            // Attached resources too (of any service: an ECS's disks are EVS),
            // for the notes on those that expire earlier than their main;
            // the filter selects the mains to write.
            only_main_resource: Some(0),
            status_list: Some(vec![STATUS_IN_USE, STATUS_FROZEN, STATUS_EXPIRED]),
            ..Default::default()
        })
        .await?;
    let inventory = Inventory::from_rows(rows);
    let warnings = inventory
        .warnings()
        .iter()
        .cloned()
        .chain(client.take_warnings())
        .collect();
    Ok((inventory, warnings))
}
