//! Causes and authors in words (DESIGN §13): the headings text and markdown
//! group changes under, and one line per audit-trail event.

use crate::plan::{Audit, AuditEvent, Cause, Change, Plan};

/// The heading of a group of changes.
pub fn heading(cause: Cause) -> &'static str {
    match cause {
        Cause::Drift => "Drift: changed outside bssctl since it last applied them",
        Cause::Due => "Due: a renew_ahead window opened",
        Cause::Manifest => "Manifest: the manifests ask for it",
    }
}

/// The plan's changes by cause (drift, due, manifest; empty groups left
/// out), or `None` when every change is a manifest change (no headings).
pub fn groups(plan: &Plan) -> Option<Vec<(Cause, Vec<&Change>)>> {
    if plan.changes.iter().all(|c| c.cause == Cause::Manifest) {
        return None;
    }
    Some(
        Cause::ALL
            .iter()
            .map(|&cause| {
                (
                    cause,
                    plan.changes.iter().filter(|c| c.cause == cause).collect(),
                )
            })
            .filter(|(_, v): &(Cause, Vec<&Change>)| !v.is_empty())
            .collect(),
    )
}

/// `auto-renew cancelled by alice (console) 2026-11-28 10:02 UTC from 10.1.2.3`
pub fn event_line(e: &AuditEvent) -> String {
    let who = match &e.user {
        Some(u) => format!("by {u}"),
        None => "by the platform".to_string(),
    };
    let when = crate::clock::parse_api_time(&e.time)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| e.time.clone());
    let mut line = format!("{} {who} ({}) {when}", e.action, e.via);
    if let Some(ip) = &e.source_ip {
        line.push_str(&format!(" from {ip}"));
    }
    if let Some(code) = e.code.as_deref().filter(|c| !c.starts_with('2')) {
        line.push_str(&format!(" (HTTP {code})"));
    }
    line
}

/// One line per event, or the one line that says none was found.
pub fn audit_lines(a: &Audit) -> Vec<String> {
    if a.events.is_empty() {
        return vec![format!(
            "no CTS record in {} from {} to {}",
            a.region, a.from, a.to
        )];
    }
    a.events.iter().map(event_line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_reads_as_the_design_says() {
        let e = AuditEvent {
            time: "2026-11-28T10:02:31Z".into(),
            user: Some("alice".into()),
            via: "console".into(),
            action: "auto-renew cancelled".into(),
            trace_name: "cancelResourcesAutoRenew".into(),
            source_ip: Some("10.1.2.3".into()),
            code: Some("200".into()),
            trace_id: None,
        };
        assert_eq!(
            event_line(&e),
            "auto-renew cancelled by alice (console) 2026-11-28 10:02 UTC from 10.1.2.3"
        );
    }
}
