//! Why each change is in the plan (DESIGN §13): `manifest` (the manifests
//! ask for something bssctl has not applied), `drift` (the live account
//! moved away from what bssctl last applied) or `due` (a renew_ahead window
//! opened). Pure: decided from the last-applied record, the live row and the
//! clock; `--only` keeps some causes.

use super::model::*;
use crate::manifest::{AutoRenewPeriod, Desired, OnExpiry};
use crate::state::last_applied::AccountRecord;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// The cause of one change.
///
/// - Unsubscribing is always asked for by the manifests.
/// - A change that only renews is `due`: time opened its window.
/// - A change of expiry settings is `drift` when the manifests still ask for
///   what bssctl last applied to the resource (its last-applied record) and
///   the live row no longer has it; otherwise the manifests changed
///   (`manifest`), including resources bssctl never set.
pub fn cause_of(change: &Change, desired: Option<&Desired>, record: &AccountRecord) -> Cause {
    if change.unsubscribes() {
        return Cause::Manifest;
    }
    let sets = change
        .operations
        .iter()
        .any(|o| !matches!(o, Operation::Renew { .. }));
    if !sets {
        return if change.renews() {
            Cause::Due
        } else {
            Cause::Manifest
        };
    }
    let Some(want) = desired.and_then(|d| d.on_expiry) else {
        return Cause::Manifest;
    };
    let id = &change.resource_id;
    let last = record
        .on_expiry
        .get(id)
        .map(|r| r.on_expiry.as_str())
        .or_else(|| record.auto_renew.get(id).map(|_| "auto_renew"));
    if last != Some(on_expiry_name(want)) {
        return Cause::Manifest;
    }
    // The live policy still matches and only the auto-renew period/times
    // differ from the record: the manifests changed them (the API cannot
    // read them back, so they cannot drift where bssctl would see it).
    if change.before.on_expiry == on_expiry_name(want) {
        return Cause::Manifest;
    }
    if want == OnExpiry::AutoRenew {
        if let (Some(spec), Some(rec)) = (
            desired.and_then(|d| d.auto_renew),
            record.auto_renew.get(id),
        ) {
            let period = spec.period.map(|p| match p {
                AutoRenewPeriod::Month => "MONTH",
                AutoRenewPeriod::Year => "YEAR",
            });
            let period_differs = period.is_some_and(|p| {
                !rec.period_type
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case(p))
            });
            let times_differs = spec
                .times
                .is_some_and(|t| Some(t as i32) != rec.auto_renew_times);
            if period_differs || times_differs {
                return Cause::Manifest;
            }
        }
    }
    Cause::Drift
}

fn on_expiry_name(o: OnExpiry) -> &'static str {
    match o {
        OnExpiry::AutoRenew => "auto_renew",
        OnExpiry::OnDemand => "on_demand",
        OnExpiry::None => "none",
    }
}

/// Sets every change's cause.
pub fn assign(plan: &mut Plan, desired: &BTreeMap<String, Desired>, record: &AccountRecord) {
    for c in &mut plan.changes {
        c.cause = cause_of(c, desired.get(&c.resource_id), record);
    }
}

/// The managed resources whose expiry setting already is what the
/// manifests ask (no setting operation planned), with that setting: `apply`
/// records them, so a later change made elsewhere reads as drift.
pub fn converged(
    desired: &BTreeMap<String, Desired>,
    inventory: &crate::live::Inventory,
    plan: &Plan,
) -> BTreeMap<String, &'static str> {
    use crate::bss::model::{EXPIRE_POLICY_AUTO_RENEW, EXPIRE_POLICY_TO_ON_DEMAND};
    let changing: std::collections::BTreeSet<&str> = plan
        .changes
        .iter()
        .filter(|c| {
            c.operations
                .iter()
                .any(|o| !matches!(o, Operation::Renew { .. }))
        })
        .map(|c| c.resource_id.as_str())
        .collect();
    let mut out = BTreeMap::new();
    for (id, d) in desired {
        let (Some(want), Some(live)) = (d.on_expiry, inventory.get(id)) else {
            continue;
        };
        if !live.is_main || live.is_closed() || changing.contains(id.as_str()) {
            continue;
        }
        let holds = match want {
            OnExpiry::AutoRenew => live.expire_policy == EXPIRE_POLICY_AUTO_RENEW,
            OnExpiry::OnDemand => live.expire_policy == EXPIRE_POLICY_TO_ON_DEMAND,
            OnExpiry::None => !matches!(
                live.expire_policy,
                EXPIRE_POLICY_AUTO_RENEW | EXPIRE_POLICY_TO_ON_DEMAND
            ),
        };
        if holds {
            out.insert(id.clone(), on_expiry_name(want));
        }
    }
    out
}

/// The window in which a drifted resource changed: from when bssctl last
/// applied it (or the oldest time the audit trail keeps, if later) to now.
/// A record time after `now` (a fake clock) counts as unknown.
pub fn drift_window(
    resource_id: &str,
    record: &AccountRecord,
    now: DateTime<Utc>,
    kept: Duration,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let oldest = now - kept;
    let applied = record
        .on_expiry
        .get(resource_id)
        .map(|r| r.applied_at.as_str())
        .or_else(|| {
            record
                .auto_renew
                .get(resource_id)
                .map(|r| r.applied_at.as_str())
        })
        .and_then(crate::clock::parse_api_time)
        .filter(|t| *t < now);
    let from = applied.map_or(oldest, |t| t.max(oldest));
    (from, now)
}

/// `--only`: keeps the changes of these causes (all when empty) and
/// rebuilds the batches and counts from what is left. Account-wide settings
/// are manifest changes.
pub fn retain(plan: &mut Plan, only: &[Cause]) {
    if only.is_empty() {
        return;
    }
    let mut left_out: BTreeMap<Cause, usize> = BTreeMap::new();
    for c in plan.changes.iter().filter(|c| !only.contains(&c.cause)) {
        *left_out.entry(c.cause).or_default() += 1;
    }
    plan.changes.retain(|c| only.contains(&c.cause));
    if !only.contains(&Cause::Manifest) && !plan.account_changes.is_empty() {
        *left_out.entry(Cause::Manifest).or_default() += plan.account_changes.len();
        plan.account_changes.clear();
    }
    if !left_out.is_empty() {
        let mut kept: Vec<&str> = only.iter().map(|c| c.name()).collect();
        kept.sort_unstable();
        kept.dedup();
        let total: usize = left_out.values().sum();
        let parts: Vec<String> = left_out
            .iter()
            .map(|(c, n)| format!("{n} {}", c.name()))
            .collect();
        plan.warnings.push(format!(
            "--only {}: {total} other change(s) left out ({}); plan without --only to see them",
            kept.join(","),
            parts.join(", ")
        ));
    }
    plan.batches = super::graph::plan_batches(&plan.account_changes, &plan.changes);
    let s = &mut plan.summary;
    s.to_renew = plan.changes.iter().filter(|c| c.renews()).count();
    s.to_change = plan.changes.iter().filter(|c| c.updates()).count();
    s.to_unsubscribe = plan.changes.iter().filter(|c| c.unsubscribes()).count();
    s.account_settings_to_change = plan.account_changes.len();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::last_applied::{AutoRenewRecord, OnExpiryRecord};

    fn change(ops: Vec<Operation>, before: &str) -> Change {
        let mut c = Change::sketch("r1", ops);
        c.resource_name = "web".into();
        c.before.on_expiry = before.to_string().into();
        c.after.on_expiry = before.to_string().into();
        if c.operations
            .iter()
            .any(|o| matches!(o, Operation::Renew { .. }))
        {
            c.actions.push(Action::Renew);
        }
        if c.operations
            .iter()
            .any(|o| !matches!(o, Operation::Renew { .. } | Operation::Unsubscribe))
        {
            c.actions.push(Action::Update);
        }
        if c.operations
            .iter()
            .any(|o| matches!(o, Operation::Unsubscribe))
        {
            c.actions.push(Action::Unsubscribe);
        }
        c
    }

    fn desired(on: OnExpiry) -> Desired {
        Desired {
            resource_id: "r1".into(),
            name: None,
            on_expiry: Some(on),
            auto_renew: None,
            renew_ahead: None,
            protect: false,
            state: crate::manifest::DesiredState::Active,
            auto_pay: true,
            sources: vec![],
        }
    }

    fn record(on: &str, at: &str) -> AccountRecord {
        let mut r = AccountRecord::default();
        r.on_expiry.insert(
            "r1".into(),
            OnExpiryRecord {
                on_expiry: on.into(),
                applied_at: at.into(),
            },
        );
        r
    }

    fn enable() -> Operation {
        Operation::EnableAutoRenew {
            period: None,
            times: None,
        }
    }

    fn renew() -> Operation {
        Operation::Renew {
            period: RenewPeriod::Months(1),
            pay_now: true,
        }
    }

    #[test]
    fn a_setting_bssctl_applied_and_lost_is_drift() {
        let c = change(vec![enable()], "none");
        let rec = record("auto_renew", "2026-11-20T00:00:00Z");
        assert_eq!(
            cause_of(&c, Some(&desired(OnExpiry::AutoRenew)), &rec),
            Cause::Drift
        );
        // The old auto-renew record alone says the same.
        let mut old = AccountRecord::default();
        old.auto_renew.insert(
            "r1".into(),
            AutoRenewRecord {
                period_type: None,
                auto_renew_times: None,
                applied_at: "2026-11-20T00:00:00Z".into(),
            },
        );
        assert_eq!(
            cause_of(&c, Some(&desired(OnExpiry::AutoRenew)), &old),
            Cause::Drift
        );
    }

    #[test]
    fn a_new_wish_or_no_record_is_a_manifest_change() {
        let c = change(vec![Operation::SetOnDemand], "none");
        let rec = record("auto_renew", "2026-11-20T00:00:00Z");
        assert_eq!(
            cause_of(&c, Some(&desired(OnExpiry::OnDemand)), &rec),
            Cause::Manifest
        );
        let c = change(vec![enable()], "none");
        assert_eq!(
            cause_of(
                &c,
                Some(&desired(OnExpiry::AutoRenew)),
                &AccountRecord::default()
            ),
            Cause::Manifest
        );
        // Same policy live, only period/times differ: the manifests moved.
        let c = change(vec![enable()], "auto_renew");
        assert_eq!(
            cause_of(
                &c,
                Some(&desired(OnExpiry::AutoRenew)),
                &record("auto_renew", "x")
            ),
            Cause::Manifest
        );
        let c = change(vec![Operation::Unsubscribe], "none");
        assert_eq!(cause_of(&c, None, &rec), Cause::Manifest);
    }

    #[test]
    fn a_renewal_alone_is_due_and_drift_wins_over_due() {
        let c = change(vec![renew()], "none");
        assert_eq!(
            cause_of(
                &c,
                Some(&desired(OnExpiry::AutoRenew)),
                &AccountRecord::default()
            ),
            Cause::Due
        );
        let c = change(vec![enable(), renew()], "none");
        assert_eq!(
            cause_of(
                &c,
                Some(&desired(OnExpiry::AutoRenew)),
                &record("auto_renew", "2026-11-20T00:00:00Z")
            ),
            Cause::Drift
        );
    }

    #[test]
    fn the_drift_window_starts_at_the_record_within_what_is_kept() {
        let now = crate::clock::parse_api_time("2026-11-27T00:00:00Z").unwrap();
        let week = Duration::days(7);
        let (from, to) = drift_window("r1", &record("none", "2026-11-24T00:00:00Z"), now, week);
        assert_eq!(crate::clock::format_api_time(from), "2026-11-24T00:00:00Z");
        assert_eq!(to, now);
        let (from, _) = drift_window("r1", &record("none", "2026-10-01T00:00:00Z"), now, week);
        assert_eq!(crate::clock::format_api_time(from), "2026-11-20T00:00:00Z");
        // A record from "the future" (a fake clock): the whole kept window.
        let (from, _) = drift_window("r1", &record("none", "2026-12-30T00:00:00Z"), now, week);
        assert_eq!(crate::clock::format_api_time(from), "2026-11-20T00:00:00Z");
    }

    #[test]
    fn only_keeps_causes_and_recounts() {
        let mut plan = Plan {
            format_version: "1".into(),
            planned_at: String::new(),
            changes: vec![change(vec![renew()], "none"), {
                let mut c = change(vec![enable()], "none");
                c.resource_id = "r2".into();
                c.cause = Cause::Drift;
                c
            }],
            account_changes: vec![],
            batches: vec![],
            summary: Summary::default(),
            warnings: vec![],
            errors: vec![],
            pending_orders: vec![],
            guardrail_violations: vec![],
            diff: None,
        };
        plan.changes[0].cause = Cause::Due;
        retain(&mut plan, &[Cause::Drift]);
        assert_eq!(
            plan.warnings,
            ["--only drift: 1 other change(s) left out (1 due); plan without --only to see them"]
        );
        assert_eq!(plan.changes.len(), 1);
        assert_eq!(plan.changes[0].resource_id, "r2");
        assert_eq!(plan.summary.to_change, 1);
        assert_eq!(plan.summary.to_renew, 0);
        assert_eq!(plan.batches.len(), 1);
        assert!(plan.summary.has_changes());
        retain(&mut plan, &[Cause::Due]);
        assert!(!plan.summary.has_changes());
        assert!(plan.batches.is_empty());
    }
}
