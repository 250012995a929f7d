//! Account renewal settings (`renewal_settings` in the manifests) against the
//! last-applied record: the API can set them but not read them back. Pure.

use super::model::{AccountChange, Operation};
use crate::bss::model::{RENEW_CONFIG_DEDUCTION_DATE, RENEW_CONFIG_EXPIRE_DATE};
use crate::manifest::{ExpireDay, RenewalSettings};
use crate::state::last_applied::RenewalSettingsRecord;

/// The API's `config_value` for each setting the manifests give.
pub fn desired_configs(settings: &RenewalSettings) -> Vec<(&'static str, &'static str, String)> {
    let mut out = Vec::new();
    if let Some(d) = settings.deduction_day {
        out.push((
            "renewal_settings.deduction_day",
            RENEW_CONFIG_DEDUCTION_DATE,
            d.to_string(),
        ));
    }
    if let Some(e) = settings.expire_day {
        let v = match e {
            ExpireDay::Day(d) => d.to_string(),
            ExpireDay::MonthEnd => "-1".to_string(),
        };
        out.push(("renewal_settings.expire_day", RENEW_CONFIG_EXPIRE_DATE, v));
    }
    out
}

pub fn recorded(record: Option<&RenewalSettingsRecord>, config_name: &str) -> Option<String> {
    let r = record?;
    match config_name {
        RENEW_CONFIG_DEDUCTION_DATE => r.deduction_date.clone(),
        _ => r.expire_date.clone(),
    }
}

/// Settings whose desired value differs from (or is missing in) the record.
pub fn changes(
    desired: Option<&RenewalSettings>,
    record: Option<&RenewalSettingsRecord>,
) -> Vec<AccountChange> {
    let Some(desired) = desired else {
        return Vec::new();
    };
    desired_configs(desired)
        .into_iter()
        .filter_map(|(setting, name, value)| {
            let before = recorded(record, name);
            if before.as_deref() == Some(value.as_str()) {
                return None;
            }
            let reason = match &before {
                Some(b) => format!(
                    "{setting}: {} → {} (last applied)",
                    show(name, b),
                    show(name, &value)
                ),
                None => format!(
                    "{setting}: never applied by bssctl (no last-applied record): set {}",
                    show(name, &value)
                ),
            };
            Some(AccountChange {
                setting: setting.to_string(),
                before,
                after: value.clone(),
                operation: Operation::SetRenewConfig {
                    config_name: name.to_string(),
                    config_value: value,
                },
                reason,
            })
        })
        .collect()
}

fn show(name: &str, value: &str) -> String {
    match (name, value) {
        (RENEW_CONFIG_EXPIRE_DATE, "-1") => "month end".to_string(),
        (RENEW_CONFIG_EXPIRE_DATE, d) => format!("day {d} of the month"),
        (_, d) => format!("{d} days before expiry"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(deduction: Option<&str>, expire: Option<&str>) -> RenewalSettingsRecord {
        RenewalSettingsRecord {
            deduction_date: deduction.map(str::to_string),
            expire_date: expire.map(str::to_string),
            applied_at: "2026-11-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn planned_when_unrecorded_or_different_only() {
        let want = RenewalSettings {
            deduction_day: Some(5),
            expire_day: Some(ExpireDay::MonthEnd),
        };
        let all = changes(Some(&want), None);
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[1].operation,
            Operation::SetRenewConfig {
                config_name: "EXPIRE_DATE".into(),
                config_value: "-1".into()
            }
        );
        assert!(all[0].reason.contains("no last-applied record"));
        let same = changes(Some(&want), Some(&record(Some("5"), Some("-1"))));
        assert!(same.is_empty());
        let one = changes(Some(&want), Some(&record(Some("3"), Some("-1"))));
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].before.as_deref(), Some("3"));
        assert!(one[0]
            .reason
            .contains("3 days before expiry → 5 days before expiry"));
        assert!(changes(None, None).is_empty());
    }
}
