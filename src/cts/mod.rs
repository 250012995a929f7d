//! Who changed a drifted resource (DESIGN §13, bss-api §14d): the Cloud
//! Trace Service's traces of the window since bssctl last applied it,
//! matched by resource and trace name. One paged `ListTraces` query per plan
//! (filtered by resource when only one resource drifted), and none when
//! nothing drifted. When CTS cannot be read the plan carries on and says why
//! once.

use crate::bss::cts::{ListTracesQuery, Trace, MAX_TRACES_PER_PAGE, RETENTION_DAYS};
use crate::bss::BssClient;
use crate::clock::format_api_time;
use crate::plan::{Audit, AuditEvent, Cause, Plan};
use crate::state::last_applied::AccountRecord;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeSet;

/// Where to read the trail, as the command line and manifests say.
#[derive(Debug, Clone, Default)]
pub struct Settings<'a> {
    pub region: Option<&'a str>,
    pub project_id: Option<&'a str>,
    /// `--cts-endpoint` / `BSSCTL_CTS_ENDPOINT`.
    pub endpoint: Option<&'a str>,
    /// The manifests' `audit: {region, project_id}`.
    pub manifest: Option<(&'a Option<String>, &'a Option<String>)>,
    /// The endpoint when none is given and none follows from the region: the
    /// BSS endpoint when it is a loopback sandbox (which serves CTS too).
    pub local_endpoint: Option<&'a str>,
    /// Requests per second (the BSS client's `--rate-limit`).
    pub rate_per_second: u32,
}

/// Reads who changed the plan's drift changes (nothing when there are
/// none) and adds the CTS pages to `summary.api_calls`; when authors are
/// missing, one warning says why.
pub async fn explain(
    bss: &BssClient,
    settings: &Settings<'_>,
    plan: &mut Plan,
    last_applied: &std::path::Path,
    domain_id: &str,
    now: DateTime<Utc>,
) {
    let drifted = plan
        .changes
        .iter()
        .filter(|c| c.cause == Cause::Drift)
        .count();
    if drifted == 0 {
        return;
    }
    let why_not =
        |why: String| format!("who changed the {drifted} drifted resource(s) is not shown: {why}");
    let target = match target(settings.region, settings.project_id, settings.manifest) {
        Ok(t) => t,
        // A loopback sandbox answers for any region and project.
        Err(_) if settings.local_endpoint.is_some() => {
            let m = settings.manifest.unwrap_or((&None, &None));
            Target {
                region: settings
                    .region
                    .map(str::to_string)
                    .or_else(|| m.0.clone())
                    .unwrap_or_else(|| SANDBOX_REGION.to_string()),
                project_id: settings
                    .project_id
                    .map(str::to_string)
                    .or_else(|| m.1.clone())
                    .unwrap_or_else(|| SANDBOX_PROJECT.to_string()),
            }
        }
        Err(why) => {
            plan.warnings.push(why_not(why));
            return;
        }
    };
    let url = match (settings.endpoint, settings.local_endpoint) {
        (Some(e), _) => endpoint(&target.region, Some(e)),
        (None, Some(local)) => local.to_string(),
        (None, None) => endpoint(&target.region, None),
    };
    let client = match bss.at_endpoint(&url, settings.rate_per_second) {
        Ok(c) => c,
        Err(e) => {
            plan.warnings.push(why_not(format!("CTS endpoint: {e}")));
            return;
        }
    };
    // The plan read it already; unreadable now means no record to go by.
    let record = crate::state::last_applied::LastApplied::load(last_applied)
        .map(|la| la.account(domain_id))
        .unwrap_or_default();
    let done = attribute(&client, &target, plan, &record, now).await;
    plan.summary.api_calls += client.total_requests() as usize;
    if let Some(note) = done.note {
        plan.warnings.push(note);
    }
}

/// The region and project assumed against a loopback sandbox when none is
/// configured.
pub const SANDBOX_REGION: &str = "cn-north-4";
pub const SANDBOX_PROJECT: &str = "sandbox-project";

/// Pages read at most (200 traces each) before giving up on older ones.
pub const MAX_PAGES: usize = 50;

/// The region and project whose traces are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub region: String,
    pub project_id: String,
}

/// The target from the flags, else the manifests' `audit:`; `Err` says
/// what is missing.
pub fn target(
    region_flag: Option<&str>,
    project_flag: Option<&str>,
    manifest: Option<(&Option<String>, &Option<String>)>,
) -> Result<Target, String> {
    let pick = |flag: Option<&str>, m: Option<&String>| {
        flag.map(str::to_string)
            .or_else(|| m.cloned())
            .filter(|v| !v.trim().is_empty())
    };
    let region = pick(region_flag, manifest.and_then(|m| m.0.as_ref()));
    let project_id = pick(project_flag, manifest.and_then(|m| m.1.as_ref()));
    match (region, project_id) {
        (Some(region), Some(project_id)) => Ok(Target { region, project_id }),
        (r, p) => {
            let mut missing = Vec::new();
            if r.is_none() {
                missing.push("the region (audit.region or --cts-region)");
            }
            if p.is_none() {
                missing.push("its project id (audit.project_id or --cts-project-id)");
            }
            Err(format!(
                "CTS is not configured: set {}",
                missing.join(" and ")
            ))
        }
    }
}

/// The region's CTS endpoint (the SDK's `CtsRegion`), unless one is given.
pub fn endpoint(region: &str, explicit: Option<&str>) -> String {
    if let Some(e) = explicit.filter(|e| !e.trim().is_empty()) {
        return e.trim().to_string();
    }
    if region == "eu-west-101" {
        return format!("https://cts.{region}.myhuaweicloud.eu");
    }
    format!("https://cts.{region}.myhuaweicloud.com")
}

/// What reading the trail did: requests sent and, when authors are
/// missing, the one line that says why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    pub pages: usize,
    pub note: Option<String>,
}

/// The plan's drift changes get their `audit`; nothing is read when there
/// are none.
pub async fn attribute(
    client: &BssClient,
    target: &Target,
    plan: &mut Plan,
    record: &AccountRecord,
    now: DateTime<Utc>,
) -> Attribution {
    let drifted: Vec<usize> = (0..plan.changes.len())
        .filter(|&i| plan.changes[i].cause == Cause::Drift)
        .collect();
    if drifted.is_empty() {
        return Attribution::default();
    }
    let kept = Duration::days(RETENTION_DAYS);
    let windows: Vec<(DateTime<Utc>, DateTime<Utc>)> = drifted
        .iter()
        .map(|&i| crate::plan::cause::drift_window(&plan.changes[i].resource_id, record, now, kept))
        .collect();
    let from = windows.iter().map(|w| w.0).min().unwrap_or(now - kept);
    let only = (drifted.len() == 1).then(|| plan.changes[drifted[0]].resource_id.clone());
    let (traces, pages, truncated) = match fetch(client, &target.project_id, from, now, only).await
    {
        Ok(t) => t,
        Err((pages, e)) => {
            return Attribution {
                pages,
                note: Some(format!(
                    "cannot read who changed the {} drifted resource(s): CTS in {} answered: {e}; the plan goes on \
                     without authors",
                    drifted.len(),
                    target.region
                )),
            }
        }
    };
    let mut silent = Vec::new();
    for (&i, &(wfrom, wto)) in drifted.iter().zip(&windows) {
        let c = &mut plan.changes[i];
        let ids: BTreeSet<&str> = std::iter::once(c.resource_id.as_str())
            .chain(c.attached.iter().map(|a| a.resource_id.as_str()))
            .collect();
        let events = events_for(&traces, &ids, wfrom, wto);
        if events.is_empty() {
            silent.push(c.resource_name.clone());
        }
        c.audit = Some(Audit {
            region: target.region.clone(),
            from: format_api_time(wfrom),
            to: format_api_time(wto),
            events,
        });
    }
    let mut notes = Vec::new();
    if !silent.is_empty() {
        notes.push(format!(
            "no CTS record in {} from {} to {} for {} (CTS keeps {RETENTION_DAYS} days and records only while it \
             is enabled in that region); this does not mean nobody changed them",
            target.region,
            format_api_time(from),
            format_api_time(now),
            silent.join(", ")
        ));
    }
    if truncated {
        notes.push(format!(
            "read the newest {} traces only",
            MAX_PAGES * MAX_TRACES_PER_PAGE as usize
        ));
    }
    Attribution {
        pages,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

/// Every trace of the window, newest first, following `meta_data.marker`.
/// Returns (traces, pages, whether it stopped at [`MAX_PAGES`]).
async fn fetch(
    client: &BssClient,
    project_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    resource_id: Option<String>,
) -> Result<(Vec<Trace>, usize, bool), (usize, crate::bss::ApiError)> {
    let mut q = ListTracesQuery {
        trace_type: "system".to_string(),
        limit: Some(MAX_TRACES_PER_PAGE),
        // Both bounds are exclusive (§14d).
        from: Some(from.timestamp_millis() - 1),
        to: Some(to.timestamp_millis() + 1),
        resource_id,
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for page in 1..=MAX_PAGES {
        let body = client
            .list_traces(project_id, &q)
            .await
            .map_err(|e| (page, e))?
            .body;
        out.extend(body.traces.unwrap_or_default());
        match body
            .meta_data
            .and_then(|m| m.marker)
            .filter(|m| !m.is_empty())
        {
            // A marker seen before would loop forever.
            Some(m) if seen.insert(m.clone()) => q.next = Some(m),
            _ => return Ok((out, page, false)),
        }
    }
    Ok((out, MAX_PAGES, true))
}

/// The traces about `ids` in the window whose names are billing operations
/// (bss-api §14a), as events, newest first.
pub fn events_for(
    traces: &[Trace],
    ids: &BTreeSet<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<AuditEvent> {
    let mut out: Vec<(i64, AuditEvent)> = traces
        .iter()
        .filter(|t| {
            // After the record (bssctl's own call came just before it).
            t.time
                .is_some_and(|ms| ms > from.timestamp_millis() && ms <= to.timestamp_millis())
        })
        .filter(|t| about(t, ids))
        .filter_map(|t| {
            let name = t.trace_name.as_deref()?;
            let action = action(name, t.request.as_deref())?;
            Some((t.time.unwrap_or(0), event(t, name, action)))
        })
        .collect();
    out.sort_by_key(|(ms, _)| std::cmp::Reverse(*ms));
    out.into_iter().map(|(_, e)| e).collect()
}

/// Whether a trace concerns one of `ids`: its `resource_id`, or (batch
/// calls) the `resource_ids` of its request body.
fn about(t: &Trace, ids: &BTreeSet<&str>) -> bool {
    if t.resource_id.as_deref().is_some_and(|id| ids.contains(id)) {
        return true;
    }
    let Some(body) = t
        .request
        .as_deref()
        .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
    else {
        return false;
    };
    let listed = body
        .get("resource_ids")
        .and_then(|v| v.as_array())
        .is_some_and(|a| {
            a.iter()
                .any(|v| v.as_str().is_some_and(|id| ids.contains(id)))
        });
    listed
        || body
            .get("resource_id")
            .and_then(|v| v.as_str())
            .is_some_and(|id| ids.contains(id))
}

/// What a billing trace did, in words; `None` for other services' names.
pub fn action(trace_name: &str, request: Option<&str>) -> Option<String> {
    let operation = || {
        request
            .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
            .and_then(|v| {
                v.get("operation")
                    .and_then(|o| o.as_str())
                    .map(str::to_string)
            })
    };
    Some(
        match trace_name {
            "cancelResourcesAutoRenew" => "auto-renew cancelled",
            "setResourcesAutorenew" => "auto-renew turned on",
            "updatePeriodToOnDemand" => match operation().as_deref() {
                Some("SET_UP") => "set to switch to pay-per-use at expiry",
                Some("CANCEL") => "switch to pay-per-use at expiry cancelled",
                _ => "switch to pay-per-use at expiry changed",
            },
            "periodToOnDemandInstantly" => "converted to pay-per-use",
            "renewResources" | "renewResource" => "renewed",
            "unsubscribeResources" | "unsubscribeResource" => "unsubscribed",
            "payCustomerOrderV3" | "payOrder" => "order paid",
            "cancelCustomerOrder" => "order cancelled",
            "setResourcesRenewConfig" | "setRenewalDeductionDate" => "renewal settings changed",
            "changeResource" => "specification changed",
            "changeBillingMode" => "billing mode changed",
            "freezeResource" => "frozen",
            "deleteResource" => "deleted",
            _ => return None,
        }
        .to_string(),
    )
}

fn event(t: &Trace, name: &str, action: String) -> AuditEvent {
    let via = match t.trace_type.as_deref() {
        Some("ConsoleAction") => "console".to_string(),
        Some("ApiCall") => "api".to_string(),
        Some("SystemAction") => "system".to_string(),
        Some(other) => other.to_string(),
        None => "unknown".to_string(),
    };
    let user = t.user.as_ref().and_then(|u| {
        let name = u.name.clone().or_else(|| u.user_name.clone());
        match (u.user_type.as_deref(), &u.principal_urn) {
            // An agency session: the URN's tail names agency and session.
            (Some("AssumedAgency"), Some(urn)) => Some(urn.clone()),
            _ if u.principal_is_root_user.as_deref() == Some("true") => {
                Some(format!("{} (account root user)", name.unwrap_or_default()))
            }
            _ => name,
        }
    });
    AuditEvent {
        time: t
            .time
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
            .map(format_api_time)
            .unwrap_or_default(),
        user,
        via,
        action,
        trace_name: name.to_string(),
        source_ip: t.source_ip.clone(),
        code: t.code.clone(),
        trace_id: t.trace_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Vec<Trace> {
        let resp: crate::bss::cts::ListTracesResp = serde_json::from_str(include_str!(
            "../../tests/fixtures/api-examples/cts_list_traces.response.json"
        ))
        .unwrap();
        resp.traces.unwrap()
    }

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_api_time(s).unwrap()
    }

    #[test]
    fn the_reference_example_names_alice_and_the_renewal() {
        let ids: BTreeSet<&str> = ["3f6c2a1e-8b4d-4f0a-9c7e-2d5b1a0e9f44"].into();
        let events = events_for(
            &example(),
            &ids,
            t("2026-11-20T02:00:00Z"),
            t("2026-11-27T02:00:00Z"),
        );
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].user.as_deref(), Some("alice"));
        assert_eq!(events[0].via, "console");
        assert_eq!(events[0].action, "auto-renew cancelled");
        assert_eq!(events[0].time, "2026-11-26T06:14:09Z");
        assert_eq!(events[0].source_ip.as_deref(), Some("203.0.113.24"));
        assert_eq!(events[1].user.as_deref(), Some("bssctl-ci"));
        assert_eq!(events[1].via, "api");
        assert_eq!(events[1].action, "renewed");
        // Outside its window, or another resource: nothing.
        let late = events_for(
            &example(),
            &ids,
            t("2026-11-26T07:00:00Z"),
            t("2026-11-27T02:00:00Z"),
        );
        assert!(late.is_empty());
        let other: BTreeSet<&str> = ["someone-else"].into();
        assert!(events_for(
            &example(),
            &other,
            t("2026-11-20T02:00:00Z"),
            t("2026-11-27T02:00:00Z")
        )
        .is_empty());
    }

    #[test]
    fn batch_bodies_name_the_resource_and_operations_are_read_from_them() {
        let trace = Trace {
            trace_name: Some("updatePeriodToOnDemand".into()),
            trace_type: Some("ApiCall".into()),
            time: Some(t("2026-11-25T00:00:00Z").timestamp_millis()),
            request: Some(r#"{"resource_ids": ["a", "b"], "operation": "SET_UP"}"#.into()),
            ..Default::default()
        };
        let ids: BTreeSet<&str> = ["b"].into();
        let e = events_for(
            &[trace],
            &ids,
            t("2026-11-24T00:00:00Z"),
            t("2026-11-26T00:00:00Z"),
        );
        assert_eq!(e[0].action, "set to switch to pay-per-use at expiry");
        assert_eq!(action("createServer", None), None);
    }

    #[test]
    fn target_and_endpoint() {
        let region = Some("cn-north-4".to_string());
        let none = None;
        assert_eq!(
            target(None, Some("p1"), Some((&region, &none))).unwrap(),
            Target {
                region: "cn-north-4".into(),
                project_id: "p1".into()
            }
        );
        let err = target(None, None, None).unwrap_err();
        assert!(
            err.contains("--cts-region") && err.contains("--cts-project-id"),
            "{err}"
        );
        assert_eq!(
            endpoint("cn-north-4", None),
            "https://cts.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(
            endpoint("eu-west-101", None),
            "https://cts.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(
            endpoint("x", Some("http://127.0.0.1:9")),
            "http://127.0.0.1:9"
        );
    }
}
