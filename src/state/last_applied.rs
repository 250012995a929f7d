//! The last-applied record: what bssctl last set where the API cannot read it
//! back (auto-renew period and times; the account's renewal settings), like
//! kubectl's last-applied-configuration. Stored as JSON in the state dir
//! (`last-applied.json`), keyed by account (domain id) and resource id.
//! Commit it (or keep it in CI cache) so plans on other machines see it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const FILE_NAME: &str = "last-applied.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastApplied {
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountRecord>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    #[serde(default)]
    pub auto_renew: BTreeMap<String, AutoRenewRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_settings: Option<RenewalSettingsRecord>,
    /// What happens at expiry as bssctl last set it, by resource id: the
    /// plan tells a change made elsewhere (drift) from a manifest change by
    /// it (DESIGN §13).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub on_expiry: BTreeMap<String, OnExpiryRecord>,
}

/// The expiry setting bssctl last applied to a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnExpiryRecord {
    /// `auto_renew`, `on_demand` or `none`, as in the manifests.
    pub on_expiry: String,
    pub applied_at: String,
}

/// What the last successful enable-auto-renew call sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoRenewRecord {
    /// `MONTH` or `YEAR`, as sent; absent when not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew_times: Option<i32>,
    pub applied_at: String,
}

/// The account's renewal settings as last set (`SetResourcesRenewConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalSettingsRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduction_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_date: Option<String>,
    pub applied_at: String,
}

impl LastApplied {
    pub fn account(&self, domain_id: &str) -> AccountRecord {
        self.accounts.get(domain_id).cloned().unwrap_or_default()
    }

    pub fn account_mut(&mut self, domain_id: &str) -> &mut AccountRecord {
        self.accounts.entry(domain_id.to_string()).or_default()
    }

    /// A missing file is an empty record; a corrupt one is an error.
    pub fn load(path: &Path) -> Result<LastApplied, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| format!("{}: not a last-applied record ({e})", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LastApplied::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        crate::fsutil::write_atomic(path, format!("{text}\n").as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        assert_eq!(LastApplied::load(&path).unwrap(), LastApplied::default());
        let mut la = LastApplied::default();
        la.account_mut("dom").auto_renew.insert(
            "r1".into(),
            AutoRenewRecord {
                period_type: Some("YEAR".into()),
                auto_renew_times: Some(2),
                applied_at: "2026-11-24T00:00:00Z".into(),
            },
        );
        la.save(&path).unwrap();
        assert_eq!(LastApplied::load(&path).unwrap(), la);
        std::fs::write(&path, "not json").unwrap();
        assert!(LastApplied::load(&path)
            .unwrap_err()
            .contains("not a last-applied record"));
    }
}
