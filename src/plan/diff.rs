//! Desired vs live, per managed main resource → a `Change` with its
//! operations in the order they must run. Pure: no I/O, the clock is a value.

use super::model::*;
use crate::bss::model::{
    EXPIRE_POLICY_AUTO_RENEW, EXPIRE_POLICY_GRACE, EXPIRE_POLICY_TO_ON_DEMAND, STATUS_EXPIRED,
    STATUS_FROZEN,
};
use crate::live::{Inventory, LiveResource};
use crate::manifest::{Desired, DesiredState, OnExpiry, RenewPeriod};
use crate::state::last_applied::AutoRenewRecord;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Everything the diff looks at.
pub struct DiffInput<'a> {
    pub desired: &'a BTreeMap<String, Desired>,
    pub inventory: &'a Inventory,
    /// Last-applied auto-renew settings of this account, by resource id.
    pub auto_renew_records: &'a BTreeMap<String, AutoRenewRecord>,
    /// Resources that must not be renewed now, with why (an unpaid renewal
    /// order exists, or an earlier renewal's outcome is still unknown).
    pub renew_holds: &'a BTreeMap<String, String>,
    pub now: DateTime<Utc>,
}

pub struct DiffOutput {
    /// Only resources with operations, ordered by id.
    pub changes: Vec<Change>,
    pub unchanged: usize,
    pub warnings: Vec<String>,
    /// What makes the plan unappliable (see `Plan::errors`).
    pub errors: Vec<String>,
}

pub fn diff(input: &DiffInput<'_>) -> DiffOutput {
    let mut out = DiffOutput {
        changes: Vec::new(),
        unchanged: 0,
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    for (id, desired) in input.desired {
        let Some(live) = input.inventory.get(id) else {
            // Resolve has already reported ids that do not exist.
            continue;
        };
        if live.is_main && !live.is_closed() {
            for note in attached_differences(input.inventory, live, input.now) {
                out.warnings.push(note);
            }
        }
        let change = diff_one(input, desired, live, &mut out.warnings, &mut out.errors);
        if desired.protect && desired.state == DesiredState::Active {
            out.warnings
                .extend(protected_release_warning(live, change.as_ref(), input.now));
        }
        match change {
            Some(change) => out.changes.push(change),
            None => out.unchanged += 1,
        }
    }
    out
}

fn diff_one(
    input: &DiffInput<'_>,
    desired: &Desired,
    live: &LiveResource,
    warnings: &mut Vec<String>,
    errors: &mut Vec<String>,
) -> Option<Change> {
    // Built only when a message needs it: most resources need none.
    let label = || display_name(live);
    // The entry's `name` guards against a pasted wrong id: nothing is
    // bought or released for an entry that names another resource.
    let name_mismatch = desired
        .name
        .as_deref()
        .filter(|n| *n != live.name)
        .map(|wanted| name_mismatch_message(desired, live, wanted));
    if !live.is_main {
        // The API takes only main ids; attached resources follow their main.
        warnings.push(format!(
            "{} is attached to {}; it follows its main resource and gets no operation of its own",
            label(),
            live.main_id.as_deref().unwrap_or("another resource")
        ));
        return None;
    }
    if live.is_closed() {
        if desired.state != DesiredState::Unsubscribed {
            warnings.push(format!("{} is closed; nothing to manage", label()));
        }
        return None;
    }
    let before = state_of(live, input.auto_renew_records.get(&live.resource_id));
    let mut after = before.clone();
    let mut ops: Vec<Operation> = Vec::new();
    let mut reasons: Vec<Reason> = Vec::new();

    if desired.state == DesiredState::Unsubscribed {
        if desired.protect {
            warnings.push(format!(
                "{} is protected (protect: true); refusing to plan its unsubscribe",
                label()
            ));
            return None;
        }
        if let Some(m) = &name_mismatch {
            errors.push(format!("{m}: its unsubscribe is not planned"));
            return None;
        }
        if let Some(why) = input.renew_holds.get(&live.resource_id) {
            // An earlier purchase or release of it has an unknown outcome.
            warnings.push(format!("{}: unsubscribe not planned: {why}", label()));
            return None;
        }
        if live.status == STATUS_FROZEN {
            // Reference §10: CBC.99003656, frozen resources cannot be
            // unsubscribed.
            warnings.push(format!(
                "{} is frozen: the API refuses to unsubscribe frozen resources (CBC.99003656); unsubscribe not \
                 planned: renew it (renew_ahead, or in the console) and the next plan releases it, or leave it to \
                 be released when its retention period ends",
                label()
            ));
            return None;
        }
        ops.push(Operation::Unsubscribe);
        reasons.push(Reason::Unsubscribe);
        after.status = "closed".into();
        return Some(build_change(
            input, live, desired, before, after, ops, reasons,
        ));
    }

    let frozen_or_expired = live.status == STATUS_EXPIRED || live.status == STATUS_FROZEN;
    let mut renew = plan_renewal(input, desired, live, warnings);
    if let (Some(m), Some(_)) = (&name_mismatch, &renew) {
        errors.push(format!("{m}: its renewal is not planned"));
        renew = None;
    }
    let mut settings_ops = Vec::new();
    if let Some(target) = desired.on_expiry {
        let mut tentative_after = after.clone();
        let mut tentative_reasons = Vec::new();
        expiry_ops(
            input,
            desired,
            live,
            target,
            &mut settings_ops,
            &mut tentative_reasons,
            &mut tentative_after,
        );
        if target == OnExpiry::None
            && !matches!(
                live.expire_policy,
                EXPIRE_POLICY_GRACE | EXPIRE_POLICY_TO_ON_DEMAND | EXPIRE_POLICY_AUTO_RENEW
            )
        {
            warnings.push(none_leaves_policy_warning(live));
        }
        // The API refuses these on expired/frozen resources until they are
        // renewed (reference §10); a renewal planned here runs first and
        // brings the resource back in use.
        let refused: Vec<String> = settings_ops
            .iter()
            .filter_map(refused_when_expired)
            .map(|(kind, code)| format!("{kind} ({code})"))
            .collect();
        let locked_by = input
            .renew_holds
            .get(&live.resource_id)
            .filter(|why| why.starts_with(UNPAID_ORDER_HOLD));
        // A renewal left unpaid (auto_pay false) that must come first: the
        // resource stays expired or frozen, and its order locks it, until
        // the order is paid.
        let unpaid_renewal_first = frozen_or_expired
            && matches!(renew, Some((Operation::Renew { pay_now: false, .. }, _, _)));
        if let (false, Some(why)) = (settings_ops.is_empty(), locked_by) {
            // The order locks the resource's settings until it is paid or
            // cancelled (the renewal itself is held the same way).
            let kinds: Vec<String> = settings_ops
                .iter()
                .map(|op| format!("{} ({})", op.kind_name(), refused_when_locked(op)))
                .collect();
            warnings.push(format!(
                "{}: {} not planned: the API refuses setting changes on a resource in an unpaid order; {why}, and \
                 the next plan makes this change",
                label(),
                kinds.join(" and ")
            ));
            settings_ops.clear();
        } else if !settings_ops.is_empty() && unpaid_renewal_first {
            let kinds: Vec<String> = settings_ops
                .iter()
                .map(|op| format!("{} ({})", op.kind_name(), refused_when_locked(op)))
                .collect();
            warnings.push(format!(
                "{} is {}: its renewal is left unpaid (auto_pay false), so it stays {} and locked by that order; \
                 the API would refuse {}: not planned: pay the renewal order (bssctl orders pay) and the next plan \
                 makes this change, or set auto_pay: true",
                label(),
                status_name(live.status),
                status_name(live.status),
                kinds.join(" and ")
            ));
            settings_ops.clear();
        } else if !refused.is_empty() && frozen_or_expired && renew.is_none() {
            warnings.push(format!(
                "{} is {}: the API refuses {} on expired or frozen resources; not planned: renew it first (add \
                 renew_ahead, or renew it in the console) and the next plan makes this change",
                label(),
                status_name(live.status),
                refused.join(" and ")
            ));
            settings_ops.clear();
        } else {
            after = tentative_after;
            reasons.extend(tentative_reasons);
        }
    }

    match renew {
        Some((op, reason, new_expiry)) => {
            let renewed_past_now = new_expiry
                .as_deref()
                .and_then(crate::clock::parse_api_time)
                .is_some_and(|t| t > input.now);
            after.expire_time = new_expiry;
            if frozen_or_expired {
                if renewed_past_now {
                    after.status = "in_use".into();
                }
                // Renew first: settings cannot change before.
                ops.push(op);
                ops.extend(settings_ops);
            } else {
                // Settings first: with auto_pay off the renewal leaves an
                // unpaid order that locks the resource (CBC.30050010).
                ops.extend(settings_ops);
                ops.push(op);
            }
            reasons.push(reason);
        }
        None => ops.extend(settings_ops),
    }
    if let Some(m) = &name_mismatch {
        if ops.is_empty() {
            warnings.push(m.clone());
        } else {
            warnings.push(format!(
                "{m}: its setting changes are planned anyway (they buy and release nothing)"
            ));
        }
    }
    if ops.is_empty() {
        return None;
    }
    Some(build_change(
        input, live, desired, before, after, ops, reasons,
    ))
}

/// How far ahead a release at expiry counts as "coming up" for a
/// protected resource.
const PROTECT_WARN_DAYS: i64 = 30;

/// `protect: true` only stops bssctl's own unsubscribe: a protected resource
/// that will still be released at expiry (no auto-renew, no switch to
/// pay-per-use, no renewal far enough) gets a warning.
fn protected_release_warning(
    live: &LiveResource,
    change: Option<&Change>,
    now: DateTime<Utc>,
) -> Option<String> {
    if !live.is_main || live.is_closed() {
        return None;
    }
    let policy = change.map_or(live.expire_policy, |c| c.after.expire_policy);
    if policy == EXPIRE_POLICY_AUTO_RENEW || policy == EXPIRE_POLICY_TO_ON_DEMAND {
        return None;
    }
    let expiry = match change {
        Some(c) => c
            .after
            .expire_time
            .as_deref()
            .and_then(crate::clock::parse_api_time),
        None => live.expire_time,
    }?;
    if expiry > now + chrono::Duration::days(PROTECT_WARN_DAYS) {
        return None;
    }
    let when = if expiry <= now {
        format!("expired {}", fmt_date(expiry))
    } else {
        format!(
            "expires {} (in {} days)",
            fmt_date(expiry),
            (expiry - now).num_days()
        )
    };
    Some(format!(
        "{} is protected (protect: true) but {when} with expiry policy {}: the platform will release it; protect only \
         stops bssctl from unsubscribing it. To keep it, set on_expiry: auto_renew or on_demand, or renew it \
         (renew_ahead)",
        display_name(live),
        policy_name(policy)
    ))
}

/// Attached resources that expire before their main, or under another
/// expiry policy: the API renews and sets policies through main resources
/// only, so a plan that looks converged for the main can hide them.
pub fn attached_differences(
    inv: &Inventory,
    main: &LiveResource,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut out = Vec::new();
    for a in inv
        .attached_of(&main.resource_id)
        .iter()
        .filter_map(|id| inv.get(id))
        .filter(|a| !a.is_closed())
    {
        let mut what = Vec::new();
        if let (Some(at), Some(mt)) = (a.expire_time, main.expire_time) {
            if at < mt {
                let when = if at <= now {
                    format!("expired {}", fmt_date(at))
                } else {
                    format!(
                        "expires {} (in {} days)",
                        fmt_date(at),
                        (at - now).num_days()
                    )
                };
                what.push(format!("{when}, before its main ({})", fmt_date(mt)));
            }
        }
        if a.expire_policy != main.expire_policy {
            what.push(format!(
                "its expiry policy is {}, its main's {}",
                policy_name(a.expire_policy),
                policy_name(main.expire_policy)
            ));
        }
        if what.is_empty() {
            continue;
        }
        out.push(format!(
            "attached {} of {} {}; the API renews and sets expiry policies through main resources only, so \
             bssctl cannot plan it on its own: renew or set it in the console (or detach it and manage it as a \
             main resource)",
            display_name(a),
            display_name(main),
            what.join(", and ")
        ));
    }
    out
}

/// "file:line (resources[N]): name "a" differs from the live name "b" of ID".
fn name_mismatch_message(desired: &Desired, live: &LiveResource, wanted: &str) -> String {
    let place = desired
        .sources
        .first()
        .map(|o| {
            let (line, column) = o.position("name");
            format!(
                "{}:{line}:{column}: {}: ",
                o.file.display(),
                o.full_key("name")
            )
        })
        .unwrap_or_default();
    format!(
        "{place}name {wanted:?} differs from the live name {:?} of resource {}; check the id (or fix name if the \
         resource was renamed)",
        live.name, live.resource_id
    )
}

/// The renewal due under `renew_ahead`, with its reason and the new expiry.
fn plan_renewal(
    input: &DiffInput<'_>,
    desired: &Desired,
    live: &LiveResource,
    warnings: &mut Vec<String>,
) -> Option<(Operation, Reason, Option<String>)> {
    let label = || display_name(live);
    let ahead = desired.renew_ahead.as_ref()?;
    let Some(expire) = live.expire_time else {
        warnings.push(format!(
            "{} has no expire_time; cannot decide on renew_ahead",
            label()
        ));
        return None;
    };
    let window = ahead.min_remaining.to_chrono();
    if expire > input.now + window {
        return None;
    }
    if let Some(why) = input.renew_holds.get(&live.resource_id) {
        warnings.push(format!("{}: renewal due but not planned: {why}", label()));
        return None;
    }
    let choice = match choose_period(expire, ahead.period, input.now + window, input.now) {
        PeriodChoice::AsWritten => None,
        PeriodChoice::Longer(p, why) => Some((p, why)),
        PeriodChoice::LeavesWindowOpen(p, why) => {
            warnings.push(format!(
                "{}: {why}; the next plan will renew it again unless renew_ahead.min_remaining is shorter",
                label()
            ));
            Some((p, why))
        }
        PeriodChoice::None(why) => {
            warnings.push(format!("{}: renewal not planned: {why}", label()));
            return None;
        }
    };
    let period = choice.as_ref().map_or(ahead.period, |(p, _)| *p);
    let op = Operation::Renew {
        period,
        pay_now: desired.auto_pay,
    };
    let reason = Reason::RenewAhead {
        expiry_date: fmt_date(expire),
        expired: expire <= input.now,
        days: (expire - input.now).num_days().abs(),
        min_remaining: ahead.min_remaining.to_string(),
        period,
        longer: choice.map(|(_, why)| why),
        pay_now: desired.auto_pay,
    };
    let new_expiry = add_period(expire, period).map(crate::clock::format_api_time);
    Some((op, reason, new_expiry))
}

/// How the hold of a resource in an unpaid renewal order begins (the
/// planner writes it, see `planner`): such a resource's settings are locked
/// too, not only its renewal.
pub const UNPAID_ORDER_HOLD: &str = "unpaid renewal order ";

/// The error code the API (and the sandbox) answers a setting change on a
/// resource in an unpaid order with: to-on-demand "other transaction in
/// progress" (reference §10); auto-renew has no documented code, the
/// sandbox answers the renew-rate one.
fn refused_when_locked(op: &Operation) -> &'static str {
    match op {
        Operation::SetOnDemand | Operation::CancelOnDemand => "CBC.99003623",
        _ => "CBC.30050010",
    }
}

/// The error code the API answers `op` with on an expired or frozen
/// resource, if it refuses it (reference §10).
fn refused_when_expired(op: &Operation) -> Option<(&'static str, &'static str)> {
    match op {
        Operation::EnableAutoRenew { .. } | Operation::CancelAutoRenew => {
            Some((op.kind_name(), "CBC.99003602"))
        }
        Operation::SetOnDemand => Some((op.kind_name(), "CBC.99003610")),
        _ => None,
    }
}

/// Which renewal period to buy.
#[derive(Debug, PartialEq)]
enum PeriodChoice {
    /// `renew_ahead.period` brings the expiry past the window.
    AsWritten,
    /// A longer period is needed (the resource is long expired): the
    /// shortest allowed one that leaves the window, and why.
    Longer(RenewPeriod, String),
    /// No allowed period leaves the window, but this one (the shortest
    /// past now) brings the resource back in use.
    LeavesWindowOpen(RenewPeriod, String),
    /// No allowed period brings the resource back in use.
    None(String),
}

/// The platform renews from the old expiry, so a resource expired long ago
/// may need more than `renew_ahead.period` to be in use again, and more
/// still to leave the renew_ahead window (or the next plan renews again).
/// Picks the shortest allowed period, at least as long as the one written.
fn choose_period(
    expire: DateTime<Utc>,
    written: RenewPeriod,
    window_end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> PeriodChoice {
    let ends = |p: RenewPeriod| add_period(expire, p);
    if ends(written).is_some_and(|t| t > window_end) {
        return PeriodChoice::AsWritten;
    }
    let written_end = ends(written).map(fmt_date).unwrap_or_default();
    let candidates = || RenewPeriod::all().filter(|p| p.months() >= written.months());
    if let Some(p) = candidates().find(|p| ends(*p).is_some_and(|t| t > window_end)) {
        let state = if ends(written).is_some_and(|t| t > now) {
            "back inside the renew_ahead window"
        } else {
            "still expired"
        };
        return PeriodChoice::Longer(
            p,
            format!(
                "renew_ahead.period {written} would end {written_end}, {state}, as the platform renews from the \
                 old expiry; {p} is the shortest period that brings it past the window"
            ),
        );
    }
    if let Some(p) = candidates().find(|p| ends(*p).is_some_and(|t| t > now)) {
        return PeriodChoice::LeavesWindowOpen(
            p,
            format!(
                "no allowed period (up to 3y) ends after the renew_ahead window; {p} is the shortest that brings \
                 it back in use (until {})",
                ends(p).map(fmt_date).unwrap_or_default()
            ),
        );
    }
    PeriodChoice::None(format!(
        "it expired {} and even the longest allowed period, 3y, would end {}, still expired (the platform \
         renews from the old expiry); renew it in the console or release it",
        fmt_date(expire),
        ends(RenewPeriod::Years(3)).map(fmt_date).unwrap_or_default()
    ))
}

fn expiry_ops(
    input: &DiffInput<'_>,
    desired: &Desired,
    live: &LiveResource,
    target: OnExpiry,
    ops: &mut Vec<Operation>,
    reasons: &mut Vec<Reason>,
    after: &mut ResourceState,
) {
    let policy = live.expire_policy;
    let from = policy_name(policy);
    match target {
        OnExpiry::AutoRenew => {
            let spec = desired.auto_renew.unwrap_or_default();
            let period = spec.period.map(PeriodUnit::from);
            let period_type = period.map(PeriodUnit::api_name);
            let times = spec.times.map(i32::from);
            let enable = Operation::EnableAutoRenew {
                period,
                times: spec.times.map(u32::from),
            };
            if policy == EXPIRE_POLICY_TO_ON_DEMAND {
                ops.push(Operation::CancelOnDemand);
                ops.push(enable);
                reasons.push(Reason::OnExpiry {
                    from: from.to_string(),
                    to: "auto_renew".into(),
                });
            } else if policy != EXPIRE_POLICY_AUTO_RENEW {
                ops.push(enable);
                reasons.push(Reason::OnExpiry {
                    from: from.to_string(),
                    to: "auto_renew".into(),
                });
            } else if let Some(why) = auto_renew_drift(
                input.auto_renew_records.get(&live.resource_id),
                period_type,
                times,
            ) {
                ops.push(enable);
                reasons.push(why);
            } else {
                return;
            }
            after.on_expiry = "auto_renew".into();
            after.expire_policy = EXPIRE_POLICY_AUTO_RENEW;
            if period_type.is_some() {
                after.auto_renew_period = period_type.map(|p| p.to_ascii_lowercase());
            }
            if times.is_some() {
                after.auto_renew_times = times;
            }
        }
        OnExpiry::OnDemand => {
            if policy == EXPIRE_POLICY_TO_ON_DEMAND {
                return;
            }
            if policy == EXPIRE_POLICY_AUTO_RENEW {
                ops.push(Operation::CancelAutoRenew);
            }
            ops.push(Operation::SetOnDemand);
            reasons.push(Reason::OnExpiry {
                from: from.to_string(),
                to: "on_demand".into(),
            });
            after.on_expiry = "on_demand".into();
            after.expire_policy = EXPIRE_POLICY_TO_ON_DEMAND;
            after.auto_renew_period = None;
            after.auto_renew_times = None;
        }
        OnExpiry::None => {
            if policy == EXPIRE_POLICY_AUTO_RENEW {
                ops.push(Operation::CancelAutoRenew);
            } else if policy == EXPIRE_POLICY_TO_ON_DEMAND {
                ops.push(Operation::CancelOnDemand);
            } else {
                return;
            }
            reasons.push(Reason::OnExpiry {
                from: from.to_string(),
                to: "none".into(),
            });
            after.on_expiry = "none".into();
            after.expire_policy = EXPIRE_POLICY_GRACE;
            after.auto_renew_period = None;
            after.auto_renew_times = None;
        }
    }
}

/// When auto-renew is already on, the API cannot tell its period/times: the
/// last-applied record stands in for them. `None` = nothing to change.
fn auto_renew_drift(
    record: Option<&AutoRenewRecord>,
    want_period: Option<&str>,
    want_times: Option<i32>,
) -> Option<Reason> {
    if want_period.is_none() && want_times.is_none() {
        return None;
    }
    let Some(rec) = record else {
        return Some(Reason::AutoRenewUnrecorded {
            set: describe_auto_renew(want_period, want_times),
        });
    };
    // The record is data a person may edit: compare MONTH/month alike.
    let period_differs = want_period.is_some_and(|w| {
        !rec.period_type
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case(w))
    });
    let times_differs = want_times.is_some() && want_times != rec.auto_renew_times;
    if !period_differs && !times_differs {
        return None;
    }
    Some(Reason::AutoRenewChanged {
        from: describe_auto_renew(rec.period_type.as_deref(), rec.auto_renew_times),
        to: describe_auto_renew(want_period, want_times),
        applied_at: rec.applied_at.clone(),
    })
}

fn describe_auto_renew(period: Option<&str>, times: Option<i32>) -> String {
    let mut parts = Vec::new();
    if let Some(p) = period {
        parts.push(format!("period {}", p.to_ascii_lowercase()));
    }
    match times {
        Some(0) => parts.push("times unlimited".to_string()),
        Some(t) => parts.push(format!("times {t}")),
        None => {}
    }
    if parts.is_empty() {
        "unchanged settings".to_string()
    } else {
        parts.join(", ")
    }
}

fn build_change(
    input: &DiffInput<'_>,
    live: &LiveResource,
    desired: &Desired,
    before: ResourceState,
    after: ResourceState,
    operations: Vec<Operation>,
    reasons: Vec<Reason>,
) -> Change {
    let mut actions = Vec::new();
    if operations
        .iter()
        .any(|o| matches!(o, Operation::Renew { .. }))
    {
        actions.push(Action::Renew);
    }
    if operations
        .iter()
        .any(|o| !matches!(o, Operation::Renew { .. } | Operation::Unsubscribe))
    {
        actions.push(Action::Update);
    }
    if operations
        .iter()
        .any(|o| matches!(o, Operation::Unsubscribe))
    {
        actions.push(Action::Unsubscribe);
    }
    let attached = input
        .inventory
        .attached_of(&live.resource_id)
        .iter()
        .filter_map(|id| input.inventory.get(id))
        .map(|a| AttachedRef {
            resource_id: a.resource_id.clone(),
            resource_name: a.name.clone(),
            resource_type: a.resource_type.clone(),
        })
        .collect();
    Change {
        resource_id: live.resource_id.clone(),
        resource_name: live.name.clone(),
        service_type: live.service_type.clone(),
        resource_type: live.resource_type.clone(),
        region: live.region.clone(),
        is_main_resource: live.is_main,
        main_resource_id: live.main_id.clone(),
        attached,
        actions,
        before,
        after,
        operations,
        price: None,
        commitments: Vec::new(),
        reasons,
        protected: desired.protect,
        cause: Cause::Manifest,
        audit: None,
    }
}

pub fn state_of(live: &LiveResource, record: Option<&AutoRenewRecord>) -> ResourceState {
    let auto = live.expire_policy == EXPIRE_POLICY_AUTO_RENEW;
    let rec = record.filter(|_| auto);
    ResourceState {
        on_expiry: policy_name(live.expire_policy),
        expire_policy: live.expire_policy,
        auto_renew_period: rec.and_then(|r| r.period_type.as_deref().map(str::to_ascii_lowercase)),
        auto_renew_times: rec.and_then(|r| r.auto_renew_times),
        expire_time: live.expire_time.map(crate::clock::format_api_time),
        status: status_name(live.status).into(),
    }
}

/// `expire_policy` in the words of the manifest; the platform's other
/// policies as they are (`delete`, `freeze`, `delete_from_retention`,
/// `unknown(N)`).
pub fn policy_name(policy: i32) -> std::borrow::Cow<'static, str> {
    match policy {
        0 => "none".into(),
        1 => "on_demand".into(),
        2 => "delete".into(),
        3 => "auto_renew".into(),
        4 => "freeze".into(),
        5 => "delete_from_retention".into(),
        n => format!("unknown({n})").into(),
    }
}

/// What the platform does at expiry under a policy `on_expiry` cannot
/// name, for warnings and export comments; `None` for 0, 1 and 3.
pub fn policy_consequence(policy: i32) -> Option<String> {
    Some(match policy {
        0 | 1 | 3 => return None,
        2 => "deleted at expiry, with no grace period".to_string(),
        4 => "frozen at expiry".to_string(),
        5 => "deleted from the retention period".to_string(),
        n => format!("an expiry policy bssctl does not know ({n})"),
    })
}

/// `on_expiry: none` means the grace period, then release; a platform
/// policy other than that is left as it is (no API sets policy 0).
fn none_leaves_policy_warning(live: &LiveResource) -> String {
    let policy = live.expire_policy;
    let what = policy_consequence(policy).unwrap_or_default();
    let deletes = matches!(policy, 2 | 5);
    format!(
        "{}: on_expiry: none, but the platform's policy is {} (expire_policy {policy}: {what}); bssctl cannot set the \
         grace-period policy (no API does){}",
        display_name(live),
        policy_name(policy),
        if deletes {
            ", so this resource will be DELETED at expiry: set on_expiry: auto_renew or on_demand (or renew it) to keep it"
        } else {
            "; set on_expiry: auto_renew or on_demand to choose what happens"
        }
    )
}

pub fn status_name(status: i32) -> &'static str {
    match status {
        2 => "in_use",
        3 => "closed",
        4 => "frozen",
        5 => "expired",
        _ => "unknown",
    }
}

/// Calendar arithmetic, as the platform extends expiry.
pub fn add_period(t: DateTime<Utc>, p: RenewPeriod) -> Option<DateTime<Utc>> {
    let months = match p {
        RenewPeriod::Months(n) => u32::from(n),
        RenewPeriod::Years(n) => 12 * u32::from(n),
    };
    t.checked_add_months(chrono::Months::new(months))
}

fn fmt_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

pub fn display_name(live: &LiveResource) -> String {
    if live.name.is_empty() {
        live.resource_id.clone()
    } else {
        format!("{} ({})", live.name, live.resource_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bss::model::OrderInstanceV2;
    use crate::manifest::{AutoRenewSpec, RenewAhead};

    const NOW: &str = "2026-11-24T00:00:00Z";

    fn now() -> DateTime<Utc> {
        crate::clock::parse_api_time(NOW).unwrap()
    }

    fn live(id: &str, policy: i32, status: i32, expire: &str) -> OrderInstanceV2 {
        OrderInstanceV2 {
            resource_id: Some(id.into()),
            resource_name: Some(format!("name-{id}")),
            is_main_resource: Some(1),
            status: Some(status),
            expire_policy: Some(policy),
            expire_time: Some(expire.into()),
            ..Default::default()
        }
    }

    fn desired(id: &str) -> Desired {
        Desired {
            resource_id: id.into(),
            name: None,
            on_expiry: None,
            auto_renew: None,
            renew_ahead: None,
            protect: false,
            state: DesiredState::Active,
            auto_pay: true,
            sources: vec![],
        }
    }

    fn ahead(days: u32, period: RenewPeriod) -> Option<RenewAhead> {
        Some(RenewAhead {
            min_remaining: crate::manifest::Duration::days(days).unwrap(),
            period,
        })
    }

    fn run(
        d: Desired,
        row: OrderInstanceV2,
        records: &[(&str, Option<&str>, Option<i32>)],
    ) -> DiffOutput {
        let inv = Inventory::from_rows(vec![row]);
        let desired = BTreeMap::from([(d.resource_id.clone(), d)]);
        let recs: BTreeMap<String, AutoRenewRecord> = records
            .iter()
            .map(|(id, p, t)| {
                (
                    id.to_string(),
                    AutoRenewRecord {
                        period_type: p.map(str::to_string),
                        auto_renew_times: *t,
                        applied_at: "2026-11-01T00:00:00Z".into(),
                    },
                )
            })
            .collect();
        let holds = BTreeMap::new();
        diff(&DiffInput {
            desired: &desired,
            inventory: &inv,
            auto_renew_records: &recs,
            renew_holds: &holds,
            now: now(),
        })
    }

    fn kinds(out: &DiffOutput) -> Vec<&'static str> {
        out.changes
            .first()
            .map(|c| c.operations.iter().map(Operation::kind_name).collect())
            .unwrap_or_default()
    }

    #[test]
    fn every_on_expiry_transition() {
        use OnExpiry::*;
        let cases: &[(OnExpiry, i32, &[&str])] = &[
            (AutoRenew, 0, &["enable_auto_renew"]),
            (AutoRenew, 1, &["cancel_on_demand", "enable_auto_renew"]),
            (AutoRenew, 2, &["enable_auto_renew"]),
            (AutoRenew, 3, &[]),
            (OnDemand, 0, &["set_on_demand"]),
            (OnDemand, 1, &[]),
            (OnDemand, 3, &["cancel_auto_renew", "set_on_demand"]),
            (OnDemand, 4, &["set_on_demand"]),
            (None, 0, &[]),
            (None, 1, &["cancel_on_demand"]),
            (None, 3, &["cancel_auto_renew"]),
            (None, 5, &[]),
        ];
        for (target, policy, want) in cases {
            let mut d = desired("r");
            d.on_expiry = Some(*target);
            let out = run(d, live("r", *policy, 2, "2027-06-01T00:00:00Z"), &[]);
            assert_eq!(kinds(&out), *want, "{target:?} from policy {policy}");
            assert_eq!(out.unchanged, usize::from(want.is_empty()));
        }
    }

    #[test]
    fn renew_ahead_boundaries() {
        // min_remaining 30d: due when expiry <= now + 30 days.
        let cases = [
            ("2026-12-24T00:00:00Z", true),  // exactly 30 days
            ("2026-12-24T00:00:01Z", false), // one second more
            ("2026-11-30T00:00:00Z", true),
            ("2026-11-01T00:00:00Z", true), // already expired
            ("2027-11-01T00:00:00Z", false),
        ];
        for (expire, due) in cases {
            let mut d = desired("r");
            d.renew_ahead = ahead(30, RenewPeriod::Years(1));
            let out = run(d, live("r", 0, 2, expire), &[]);
            assert_eq!(!out.changes.is_empty(), due, "{expire}");
            if due {
                let c = &out.changes[0];
                assert_eq!(
                    c.operations,
                    vec![Operation::Renew {
                        period: RenewPeriod::Years(1),
                        pay_now: true
                    }]
                );
                assert_eq!(c.actions, vec![Action::Renew]);
            }
        }
    }

    #[test]
    fn renewal_extends_expiry_by_calendar_period_in_after() {
        let mut d = desired("r");
        d.renew_ahead = ahead(30, RenewPeriod::Months(1));
        d.auto_pay = false;
        let out = run(d, live("r", 0, 2, "2026-12-01T00:00:00Z"), &[]);
        let c = &out.changes[0];
        assert_eq!(c.after.expire_time.as_deref(), Some("2027-01-01T00:00:00Z"));
        assert_eq!(
            c.operations,
            vec![Operation::Renew {
                period: RenewPeriod::Months(1),
                pay_now: false
            }]
        );
        assert!(matches!(
            c.reasons[0],
            Reason::RenewAhead { pay_now: false, .. }
        ));
        assert!(c.reasons[0].to_string().contains("auto_pay false"));
    }

    #[test]
    fn settings_run_before_a_renewal_but_after_it_when_expired() {
        let mut d = desired("r");
        d.on_expiry = Some(OnExpiry::AutoRenew);
        d.renew_ahead = ahead(30, RenewPeriod::Years(1));
        let out = run(d.clone(), live("r", 1, 2, "2026-12-01T00:00:00Z"), &[]);
        assert_eq!(
            kinds(&out),
            ["cancel_on_demand", "enable_auto_renew", "renew"]
        );
        let out = run(d, live("r", 1, 5, "2026-11-01T00:00:00Z"), &[]);
        assert_eq!(
            kinds(&out),
            ["renew", "cancel_on_demand", "enable_auto_renew"]
        );
        assert_eq!(out.changes[0].after.status, "in_use");
    }

    #[test]
    fn expired_without_renewal_gets_no_auto_renew_but_a_warning() {
        let mut d = desired("r");
        d.on_expiry = Some(OnExpiry::AutoRenew);
        let out = run(d, live("r", 0, 5, "2026-11-01T00:00:00Z"), &[]);
        assert!(out.changes.is_empty());
        assert!(out.warnings[0].contains("expired"), "{:?}", out.warnings);
        assert!(out.warnings[0].contains("enable_auto_renew (CBC.99003602)"));
    }

    #[test]
    fn calls_the_api_refuses_on_frozen_resources_are_not_planned() {
        for (target, policy, want) in [
            (OnExpiry::None, 3, "cancel_auto_renew (CBC.99003602)"),
            (OnExpiry::OnDemand, 0, "set_on_demand (CBC.99003610)"),
            (
                OnExpiry::OnDemand,
                3,
                "cancel_auto_renew (CBC.99003602) and set_on_demand (CBC.99003610)",
            ),
        ] {
            let mut d = desired("r");
            d.on_expiry = Some(target);
            let out = run(d.clone(), live("r", policy, 4, "2026-11-01T00:00:00Z"), &[]);
            assert!(out.changes.is_empty(), "{target:?}");
            assert!(out.warnings[0].contains(want), "{:?}", out.warnings);
            // Renewed first in the same apply: planned after the renewal.
            d.renew_ahead = ahead(30, RenewPeriod::Years(1));
            let out = run(d, live("r", policy, 4, "2026-11-01T00:00:00Z"), &[]);
            assert_eq!(kinds(&out)[0], "renew");
            assert!(kinds(&out).len() > 1);
        }
        // cancel_on_demand is not refused.
        let mut d = desired("r");
        d.on_expiry = Some(OnExpiry::None);
        let out = run(d, live("r", 1, 5, "2026-11-01T00:00:00Z"), &[]);
        assert_eq!(kinds(&out), ["cancel_on_demand"]);
    }

    #[test]
    fn auto_renew_period_and_times_use_the_last_applied_record() {
        let mut d = desired("r");
        d.on_expiry = Some(OnExpiry::AutoRenew);
        d.auto_renew = Some(AutoRenewSpec {
            period: Some(crate::manifest::AutoRenewPeriod::Year),
            times: Some(2),
        });
        let row = || live("r", 3, 2, "2027-06-01T00:00:00Z");
        // No record: planned, because bssctl cannot know what is set.
        let out = run(d.clone(), row(), &[]);
        assert_eq!(kinds(&out), ["enable_auto_renew"]);
        assert!(matches!(
            out.changes[0].reasons[0],
            Reason::AutoRenewUnrecorded { .. }
        ));
        assert!(out.changes[0].reasons[0]
            .to_string()
            .contains("no last-applied record"));
        // Same record: nothing.
        let out = run(d.clone(), row(), &[("r", Some("YEAR"), Some(2))]);
        assert!(out.changes.is_empty());
        // Different period: planned, with the old value in the reason.
        let out = run(d.clone(), row(), &[("r", Some("MONTH"), Some(2))]);
        assert_eq!(
            out.changes[0].operations,
            vec![Operation::EnableAutoRenew {
                period: Some(PeriodUnit::Year),
                times: Some(2)
            }]
        );
        assert!(
            matches!(&out.changes[0].reasons[0], Reason::AutoRenewChanged { from, .. } if from.contains("period month"))
        );
        // Unspecified settings never drift.
        let mut plain = d;
        plain.auto_renew = None;
        assert!(run(plain, row(), &[]).changes.is_empty());
    }

    #[test]
    fn unsubscribe_is_alone_and_never_for_protected() {
        let mut d = desired("r");
        d.state = DesiredState::Unsubscribed;
        d.renew_ahead = ahead(30, RenewPeriod::Years(1));
        let out = run(d.clone(), live("r", 3, 2, "2026-12-01T00:00:00Z"), &[]);
        assert_eq!(kinds(&out), ["unsubscribe"]);
        assert_eq!(out.changes[0].actions, vec![Action::Unsubscribe]);
        d.protect = true;
        let out = run(d, live("r", 3, 2, "2026-12-01T00:00:00Z"), &[]);
        assert!(out.changes.is_empty());
        assert!(out.warnings[0].contains("protected"));
    }

    #[test]
    fn closed_resources_are_left_alone() {
        let mut d = desired("r");
        d.state = DesiredState::Unsubscribed;
        let out = run(d, live("r", 0, 3, "2026-12-01T00:00:00Z"), &[]);
        assert!(out.changes.is_empty() && out.warnings.is_empty());
    }

    #[test]
    fn holds_stop_a_second_renewal() {
        let mut d = desired("r");
        d.renew_ahead = ahead(30, RenewPeriod::Years(1));
        let inv = Inventory::from_rows(vec![live("r", 0, 2, "2026-12-01T00:00:00Z")]);
        let desired = BTreeMap::from([("r".to_string(), d)]);
        let holds = BTreeMap::from([(
            "r".to_string(),
            "unpaid renewal order CS1 exists".to_string(),
        )]);
        let out = diff(&DiffInput {
            desired: &desired,
            inventory: &inv,
            auto_renew_records: &BTreeMap::new(),
            renew_holds: &holds,
            now: now(),
        });
        assert!(out.changes.is_empty());
        assert!(out.warnings[0].contains("unpaid renewal order CS1"));
    }

    #[test]
    fn a_name_that_differs_blocks_renewals_and_unsubscribes_only() {
        // The unsubscribe of a resource with another live name: an error.
        let mut d = desired("r");
        d.name = Some("staging-db-01".into());
        d.state = DesiredState::Unsubscribed;
        let out = run(d.clone(), live("r", 0, 2, "2027-12-01T00:00:00Z"), &[]);
        assert!(out.changes.is_empty());
        assert_eq!(out.errors.len(), 1);
        assert!(
            out.errors[0].contains("\"staging-db-01\"") && out.errors[0].contains("\"name-r\"")
        );
        // A renewal: dropped with an error; the setting change stays.
        d.state = DesiredState::Active;
        d.renew_ahead = ahead(30, RenewPeriod::Years(1));
        d.on_expiry = Some(OnExpiry::AutoRenew);
        let out = run(d.clone(), live("r", 0, 2, "2026-12-01T00:00:00Z"), &[]);
        assert_eq!(kinds(&out), ["enable_auto_renew"]);
        assert!(out.errors[0].contains("renewal is not planned"));
        assert!(out.warnings[0].contains("setting changes are planned anyway"));
        // The right name: everything planned, no error.
        d.name = Some("name-r".into());
        let out = run(d, live("r", 0, 2, "2026-12-01T00:00:00Z"), &[]);
        assert_eq!(kinds(&out), ["enable_auto_renew", "renew"]);
        assert!(out.errors.is_empty() && out.warnings.is_empty());
    }

    #[test]
    fn an_expired_resource_gets_the_shortest_period_that_leaves_the_window() {
        let t = |s: &str| crate::clock::parse_api_time(s).unwrap();
        let now = now(); // 2026-11-24
        let window = now + chrono::Duration::days(30); // 2026-12-24
        let m = RenewPeriod::Months;
        // In use: as written.
        assert_eq!(
            choose_period(t("2026-12-01T00:00:00Z"), m(1), window, now),
            PeriodChoice::AsWritten
        );
        // Expired 2026-10-20: 1m ends 11-20 (expired), 2m 12-20 (in the
        // window), 3m 2027-01-20: the first that leaves it.
        match choose_period(t("2026-10-20T00:00:00Z"), m(1), window, now) {
            PeriodChoice::Longer(p, why) => {
                assert_eq!(p, m(3));
                assert!(why.contains("would end 2026-11-20, still expired"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        // Never shorter than written: 1y already leaves the window.
        assert_eq!(
            choose_period(
                t("2026-10-20T00:00:00Z"),
                RenewPeriod::Years(1),
                window,
                now
            ),
            PeriodChoice::AsWritten
        );
        // Expired 2023-12-01: only 3y gets past now, not past the window.
        assert!(matches!(
            choose_period(t("2023-12-01T00:00:00Z"), m(1), window, now),
            PeriodChoice::LeavesWindowOpen(RenewPeriod::Years(3), _)
        ));
        // Expired 2022: nothing can.
        assert!(matches!(
            choose_period(t("2022-01-01T00:00:00Z"), m(1), window, now),
            PeriodChoice::None(_)
        ));
    }

    #[test]
    fn a_frozen_resource_is_renewed_back_into_use_or_not_at_all() {
        let mut d = desired("r");
        d.on_expiry = Some(OnExpiry::AutoRenew);
        d.renew_ahead = ahead(30, RenewPeriod::Months(1));
        let out = run(d.clone(), live("r", 0, 4, "2026-10-20T00:00:00Z"), &[]);
        let c = &out.changes[0];
        assert_eq!(
            c.operations[0],
            Operation::Renew {
                period: RenewPeriod::Months(3),
                pay_now: true
            }
        );
        assert_eq!(kinds(&out), ["renew", "enable_auto_renew"]);
        assert_eq!(c.after.status, "in_use");
        assert_eq!(c.after.expire_time.as_deref(), Some("2027-01-20T00:00:00Z"));
        assert!(c.reasons.iter().any(|r| r
            .to_string()
            .contains("renew 3m: renew_ahead.period 1m would end")));
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let out = run(d, live("r", 0, 4, "2022-01-01T00:00:00Z"), &[]);
        assert!(out.changes.is_empty());
        assert!(out
            .warnings
            .iter()
            .any(|w| w.contains("renewal not planned")));
    }

    #[test]
    fn a_frozen_resource_is_not_unsubscribed() {
        let mut d = desired("r");
        d.state = DesiredState::Unsubscribed;
        let out = run(d.clone(), live("r", 0, 4, "2026-10-20T00:00:00Z"), &[]);
        assert!(out.changes.is_empty());
        assert!(
            out.warnings[0].contains("name-r")
                && out.warnings[0].contains("frozen")
                && out.warnings[0].contains("CBC.99003656")
                && out.warnings[0].contains("renew it"),
            "{:?}",
            out.warnings
        );
        // Expired but not frozen: the API takes it.
        let out = run(d, live("r", 0, 5, "2026-11-20T00:00:00Z"), &[]);
        assert_eq!(kinds(&out), ["unsubscribe"]);
    }

    fn run_held(d: Desired, row: OrderInstanceV2, why: &str) -> DiffOutput {
        let inv = Inventory::from_rows(vec![row]);
        let desired = BTreeMap::from([(d.resource_id.clone(), d)]);
        let holds = BTreeMap::from([("r".to_string(), why.to_string())]);
        diff(&DiffInput {
            desired: &desired,
            inventory: &inv,
            auto_renew_records: &BTreeMap::new(),
            renew_holds: &holds,
            now: now(),
        })
    }

    #[test]
    fn settings_of_a_resource_in_an_unpaid_order_are_not_planned() {
        let unpaid =
            format!("{UNPAID_ORDER_HOLD}CS1 exists; pay it (bssctl orders pay CS1) or cancel it");
        let mut d = desired("r");
        d.on_expiry = Some(OnExpiry::OnDemand);
        let out = run_held(d.clone(), live("r", 3, 2, "2027-06-01T00:00:00Z"), &unpaid);
        assert!(out.changes.is_empty());
        let w = &out.warnings[0];
        assert!(
            w.contains("name-r")
                && w.contains("cancel_auto_renew (CBC.30050010) and set_on_demand (CBC.99003623)")
                && w.contains("unpaid order")
                && w.contains("bssctl orders pay CS1"),
            "{w}"
        );
        // An earlier purchase with an unknown outcome holds renewals only.
        let out = run_held(
            d,
            live("r", 3, 2, "2027-06-01T00:00:00Z"),
            "an earlier renewal's outcome is unknown",
        );
        assert_eq!(kinds(&out), ["cancel_auto_renew", "set_on_demand"]);
    }

    #[test]
    fn settings_after_an_unpaid_renewal_of_a_frozen_resource_are_not_planned() {
        let mut d = desired("r");
        d.on_expiry = Some(OnExpiry::AutoRenew);
        d.renew_ahead = ahead(30, RenewPeriod::Months(3));
        d.auto_pay = false;
        let out = run(d.clone(), live("r", 0, 4, "2026-10-20T00:00:00Z"), &[]);
        assert_eq!(kinds(&out), ["renew"]);
        assert!(
            out.warnings[0].contains("left unpaid")
                && out.warnings[0].contains("enable_auto_renew")
                && out.warnings[0].contains("bssctl orders pay"),
            "{:?}",
            out.warnings
        );
        // In use: settings first, then the renewal that locks it.
        let out = run(d, live("r", 0, 2, "2026-12-01T00:00:00Z"), &[]);
        assert_eq!(kinds(&out), ["enable_auto_renew", "renew"]);
    }

    #[test]
    fn a_protected_resource_about_to_be_released_gets_a_warning() {
        let mut d = desired("r");
        d.protect = true;
        // Expires in 6 days, grace-period policy: warned.
        let out = run(d.clone(), live("r", 0, 2, "2026-11-30T00:00:00Z"), &[]);
        assert!(out.changes.is_empty());
        assert!(
            out.warnings[0]
                .contains("is protected (protect: true) but expires 2026-11-30 (in 6 days)"),
            "{:?}",
            out.warnings
        );
        // Far away, auto-renewing, or renewed by this plan: no warning.
        assert!(run(d.clone(), live("r", 0, 2, "2027-06-01T00:00:00Z"), &[])
            .warnings
            .is_empty());
        assert!(run(d.clone(), live("r", 3, 2, "2026-11-30T00:00:00Z"), &[])
            .warnings
            .is_empty());
        d.renew_ahead = ahead(30, RenewPeriod::Years(1));
        assert!(run(d, live("r", 0, 2, "2026-11-30T00:00:00Z"), &[])
            .warnings
            .is_empty());
    }
}
