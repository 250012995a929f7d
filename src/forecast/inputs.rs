//! The projection's inputs from what bssctl already knows: the live
//! inventory (every main resource), the last-applied record (auto-renew
//! period and times, the deduction day) and, with `-f`, the plan built from
//! the manifests (what changes, `renew_ahead`). Pure.

use super::model::*;
use crate::bss::model::{
    EXPIRE_POLICY_AUTO_RENEW, PERIOD_TYPE_MONTH, PERIOD_TYPE_YEAR, STATUS_CLOSED,
};
use crate::live::{Inventory, LiveResource};
use crate::manifest::Desired;
use crate::plan::{Change, Operation};
use crate::state::last_applied::{AccountRecord, AutoRenewRecord};
use std::collections::{BTreeMap, HashMap};

/// `MONTH`/`month` → one month, `YEAR`/`year` → one year; None when unknown.
pub fn auto_renew_period(per: Option<&str>) -> Option<Period> {
    match per.map(str::to_ascii_lowercase).as_deref() {
        Some("year") => Some((PERIOD_TYPE_YEAR, 1)),
        Some("month") => Some((PERIOD_TYPE_MONTH, 1)),
        _ => None,
    }
}

/// Auto-renew for `expire_policy`; an unknown period is assumed to be a
/// month and flagged. `times` 0 or unknown is unlimited.
fn auto_renew(policy: i32, per: Option<&str>, times: Option<i32>) -> Option<AutoRenew> {
    (policy == EXPIRE_POLICY_AUTO_RENEW).then(|| {
        let known = auto_renew_period(per);
        AutoRenew {
            period: known.unwrap_or((PERIOD_TYPE_MONTH, 1)),
            times: times.filter(|t| *t > 0).map(|t| t as u32),
            estimated: known.is_none(),
        }
    })
}

fn as_is(r: &LiveResource, rec: Option<&AutoRenewRecord>) -> Behaviour {
    Behaviour {
        expire_policy: r.expire_policy,
        auto_renew: auto_renew(
            r.expire_policy,
            rec.and_then(|r| r.period_type.as_deref()),
            rec.and_then(|r| r.auto_renew_times),
        ),
        renew_ahead: None,
        renew_now: None,
        unsubscribed: false,
    }
}

/// The behaviour once the plan's change (if any) is applied, with the
/// manifests' `renew_ahead`.
fn planned(base: &Behaviour, desired: Option<&Desired>, change: Option<&Change>) -> Behaviour {
    let mut b = base.clone();
    if let Some(c) = change {
        b.expire_policy = c.after.expire_policy;
        let per = c.after.auto_renew_period.as_deref();
        b.auto_renew = auto_renew(b.expire_policy, per, c.after.auto_renew_times).map(|mut a| {
            // Unchanged and unknown: keep what the as-is column assumed.
            if per.is_none() {
                if let Some(old) = base.auto_renew {
                    a = AutoRenew {
                        times: a.times,
                        ..old
                    };
                }
            }
            a
        });
        b.renew_now = c.operations.iter().find_map(|op| match op {
            Operation::Renew { period, .. } => Some(period.api_period()),
            _ => None,
        });
        b.unsubscribed = c.unsubscribes();
    }
    if let Some(d) = desired {
        b.renew_ahead = d
            .renew_ahead
            .map(|ra| (ra.min_remaining.to_chrono(), ra.period.api_period()));
    }
    b
}

/// `DEDUCTION_DATE` from a record or manifest value, when it is one.
pub fn deduction_days(value: Option<&str>) -> Option<u32> {
    value
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|d| (2..=7).contains(d))
}

/// One subject per main, non-closed resource, ordered by id.
pub fn subjects(
    inv: &Inventory,
    record: &AccountRecord,
    desired: &BTreeMap<String, Desired>,
    changes: &[Change],
) -> Vec<Subject> {
    let by_id: HashMap<&str, &Change> = changes
        .iter()
        .map(|c| (c.resource_id.as_str(), c))
        .collect();
    inv.mains()
        .filter(|r| r.status != STATUS_CLOSED)
        .map(|r| {
            let base = as_is(r, record.auto_renew.get(&r.resource_id));
            let d = desired.get(&r.resource_id);
            let planned = planned(&base, d, by_id.get(r.resource_id.as_str()).copied());
            Subject {
                resource_id: r.resource_id.clone(),
                name: r.name.clone(),
                managed: d.is_some(),
                status: r.status,
                expire_time: r.expire_time,
                as_is: base,
                planned,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_deduction_days() {
        let cases = [
            (Some("YEAR"), Some((PERIOD_TYPE_YEAR, 1))),
            (Some("month"), Some((PERIOD_TYPE_MONTH, 1))),
            (Some("week"), None),
            (None, None),
        ];
        for (per, want) in cases {
            assert_eq!(auto_renew_period(per), want, "{per:?}");
        }
        let a = auto_renew(3, None, Some(0)).unwrap();
        assert!(a.estimated && a.times.is_none());
        assert_eq!(auto_renew(0, Some("YEAR"), None), None);
        for (v, want) in [
            (Some("5"), Some(5)),
            (Some("1"), None),
            (Some("x"), None),
            (None, None),
        ] {
            assert_eq!(deduction_days(v), want, "{v:?}");
        }
    }
}
