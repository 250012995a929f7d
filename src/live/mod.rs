//! The live account as bssctl sees it: subscription resources and the
//! main/attached tree, built from the resource query's rows. Pure data here;
//! `fetch` lists it, `verify` re-reads resources and orders to learn whether
//! a purchase took effect, and `in_flight` re-verifies the journal's
//! purchases of unknown outcome.

pub mod fetch;
pub mod in_flight;
pub mod verify;

use crate::bss::model::{self, OrderInstanceV2};
use crate::clock::parse_api_time;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One yearly/monthly resource.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveResource {
    pub resource_id: String,
    pub name: String,
    pub region: String,
    pub service_type: String,
    pub resource_type: String,
    pub project_id: String,
    pub enterprise_project_id: String,
    pub enterprise_project_name: String,
    pub is_main: bool,
    /// The main resource of an attached one (`parent_resource_id`).
    pub main_id: Option<String>,
    pub status: i32,
    pub expire_time: Option<DateTime<Utc>>,
    pub expire_policy: i32,
}

impl LiveResource {
    /// Keeps what planning needs; the rest of the row is dropped (at 100k
    /// resources the full rows would double the memory).
    ///
    /// A row bssctl cannot use (no `resource_id`) gives None; `problem`
    /// says why, so callers warn instead of dropping it silently.
    pub fn from_row(row: OrderInstanceV2) -> Option<LiveResource> {
        let resource_id = row.resource_id.filter(|s| !s.is_empty())?;
        let ep = row.enterprise_project.unwrap_or_default();
        let is_main = row.is_main_resource.unwrap_or(1) == 1;
        Some(LiveResource {
            name: row.resource_name.unwrap_or_default(),
            region: row.region_code.unwrap_or_default(),
            service_type: row.service_type_code.unwrap_or_default(),
            resource_type: row.resource_type_code.unwrap_or_default(),
            project_id: row.project_id.unwrap_or_default(),
            enterprise_project_id: ep.id.unwrap_or_default(),
            enterprise_project_name: ep.name.unwrap_or_default(),
            is_main,
            main_id: if is_main {
                None
            } else {
                row.parent_resource_id.filter(|s| !s.is_empty())
            },
            status: row.status.unwrap_or(model::STATUS_IN_USE),
            expire_time: row.expire_time.as_deref().and_then(parse_api_time),
            expire_policy: row.expire_policy.unwrap_or(model::EXPIRE_POLICY_GRACE),
            resource_id,
        })
    }

    /// SHA-256 over every field a plan decision can depend on: a saved plan
    /// is stale when any of them changed (other fields, e.g. `update_time`,
    /// do not make it stale).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let expire = self
            .expire_time
            .map(crate::clock::format_api_time)
            .unwrap_or_default();
        let fields = [
            self.resource_id.as_str(),
            &self.name,
            &self.region,
            &self.service_type,
            &self.resource_type,
            &self.project_id,
            &self.enterprise_project_id,
            &self.enterprise_project_name,
            if self.is_main { "main" } else { "attached" },
            self.main_id.as_deref().unwrap_or(""),
            &self.status.to_string(),
            &expire,
            &self.expire_policy.to_string(),
        ];
        let mut h = Sha256::new();
        for f in fields {
            h.update(f.as_bytes());
            h.update([0u8]);
        }
        hex::encode(h.finalize())
    }

    pub fn is_closed(&self) -> bool {
        self.status == model::STATUS_CLOSED
    }

    pub fn auto_renews(&self) -> bool {
        self.expire_policy == model::EXPIRE_POLICY_AUTO_RENEW
    }

    pub fn goes_on_demand(&self) -> bool {
        self.expire_policy == model::EXPIRE_POLICY_TO_ON_DEMAND
    }
}

/// What is wrong with a row, in words that name it, or None when bssctl
/// can use it as it is. A row without `resource_id` cannot be planned; an
/// `expire_time` that does not parse is kept as "unknown", and no renewal
/// decision is made on it.
pub fn row_problem(row: &OrderInstanceV2) -> Option<String> {
    let name = row.resource_name.as_deref().unwrap_or("");
    match row.resource_id.as_deref().filter(|s| !s.is_empty()) {
        None => Some(format!(
            "the API listed a row without resource_id (name {name:?}, id {:?}, service {:?}); it is left out of the plan",
            row.id.as_deref().unwrap_or(""),
            row.service_type_code.as_deref().unwrap_or("")
        )),
        Some(id) => match row.expire_time.as_deref() {
            Some(t) if !t.is_empty() && parse_api_time(t).is_none() => Some(format!(
                "{id} ({name}): expire_time {t:?} cannot be read; its expiry is treated as unknown and no renewal is planned from it"
            )),
            _ => None,
        },
    }
}

/// All live resources by id, with each main resource's attached ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    resources: BTreeMap<String, LiveResource>,
    attached: BTreeMap<String, Vec<String>>,
    /// Rows that could not be read as they are (`row_problem`).
    warnings: Vec<String>,
}

impl Inventory {
    /// Builds the tree; a row seen twice (overlapping queries) is kept once.
    pub fn from_rows(rows: impl IntoIterator<Item = OrderInstanceV2>) -> Inventory {
        let mut inv = Inventory::default();
        for row in rows {
            inv.insert_row(row);
        }
        inv
    }

    /// Adds a row, noting what is wrong with it (see `row_problem`).
    pub fn insert_row(&mut self, row: OrderInstanceV2) {
        if let Some(problem) = row_problem(&row) {
            if !self.warnings.contains(&problem) {
                self.warnings.push(problem);
            }
        }
        if let Some(r) = LiveResource::from_row(row) {
            self.insert(r);
        }
    }

    /// Rows that could not be read as they are, in words naming each.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn insert(&mut self, r: LiveResource) {
        if let Some(main) = &r.main_id {
            let list = self.attached.entry(main.clone()).or_default();
            if !list.contains(&r.resource_id) {
                list.push(r.resource_id.clone());
                list.sort();
            }
        }
        self.resources.insert(r.resource_id.clone(), r);
    }

    pub fn get(&self, id: &str) -> Option<&LiveResource> {
        self.resources.get(id)
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// Every resource, ordered by id.
    pub fn iter(&self) -> impl Iterator<Item = &LiveResource> {
        self.resources.values()
    }

    /// Main resources, ordered by id.
    pub fn mains(&self) -> impl Iterator<Item = &LiveResource> {
        self.resources.values().filter(|r| r.is_main)
    }

    /// Ids of the attached resources of `main_id` that are in the inventory.
    pub fn attached_of(&self, main_id: &str) -> &[String] {
        self.attached.get(main_id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The main resource an id belongs to: itself when it is main.
    pub fn main_of<'a>(&'a self, id: &'a str) -> Option<&'a str> {
        let r = self.get(id)?;
        if r.is_main {
            Some(&r.resource_id)
        } else {
            r.main_id.as_deref()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, main: Option<&str>) -> OrderInstanceV2 {
        OrderInstanceV2 {
            resource_id: Some(id.to_string()),
            is_main_resource: Some(if main.is_some() { 0 } else { 1 }),
            parent_resource_id: main.map(str::to_string),
            expire_time: Some("2026-12-01T00:00:00Z".to_string()),
            expire_policy: Some(3),
            status: Some(2),
            ..Default::default()
        }
    }

    #[test]
    fn builds_the_main_attached_tree() {
        let inv = Inventory::from_rows(vec![
            row("vm", None),
            row("disk-b", Some("vm")),
            row("disk-a", Some("vm")),
            row("disk-a", Some("vm")),
            row("eip", None),
        ]);
        assert_eq!(inv.len(), 4);
        assert_eq!(
            inv.attached_of("vm"),
            ["disk-a".to_string(), "disk-b".to_string()]
        );
        assert_eq!(inv.main_of("disk-a"), Some("vm"));
        assert_eq!(inv.main_of("eip"), Some("eip"));
        assert_eq!(inv.mains().count(), 2);
        assert!(inv.get("vm").unwrap().auto_renews());
    }

    #[test]
    fn rows_without_a_resource_id_are_skipped() {
        let inv = Inventory::from_rows(vec![OrderInstanceV2::default()]);
        assert!(inv.is_empty());
    }
}
