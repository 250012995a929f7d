//! Offline checks: everything that can be wrong with manifests without
//! looking at the live account. Type and range errors come from decoding
//! (`decode`, `types`); this file checks what spans several keys, entries or
//! files.

use super::diagnostic::Diagnostic;
use super::origin::{Located, Origin};
use super::types::{DesiredState, OnExpiry, ResourceEntry, SelectorEntry, Settings};
use super::yaml::Node;
use super::yaml::{Scalar, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// `version` must be present and the number 1.
pub fn check_version(file: &Path, root: &Node, out: &mut Vec<Diagnostic>) {
    let Some(e) = root.entry("version") else {
        out.push(
            Diagnostic::error(
                "missing required key \"version\"; add `version: 1` at the top of the file",
            )
            .in_file(file)
            .at(root.mark.line, root.mark.column)
            .with_key("version"),
        );
        return;
    };
    let msg = match &e.value.value {
        Value::Scalar(Scalar::Int(1), _) => return,
        Value::Scalar(Scalar::Str(s), _) if s.trim() == "1" => {
            "version must be the number 1, not the string \"1\"".to_string()
        }
        _ => format!(
            "unsupported version: {}; this bssctl reads manifests of version 1",
            e.value.describe()
        ),
    };
    out.push(
        Diagnostic::error(msg)
            .in_file(file)
            .at(e.value.mark.line, e.value.mark.column)
            .with_key("version"),
    );
}

/// Checks that hold for any entry's settings.
fn check_settings(s: &Settings, at: &Origin, out: &mut Vec<Diagnostic>) {
    if let (Some(_), Some(on_expiry)) = (s.auto_renew, s.on_expiry) {
        if on_expiry != OnExpiry::AutoRenew {
            out.push(at.error(
                "auto_renew",
                format!(
                    "auto_renew applies only with on_expiry: auto_renew, but this entry sets on_expiry: {on_expiry}; \
                     remove auto_renew or set on_expiry: auto_renew"
                ),
            ));
        }
    }
    if let Some(ra) = s.renew_ahead.and_then(|r| r.on()) {
        if ra.period.shortest_hours() <= ra.min_remaining.total_hours() {
            out.push(at.error(
                "renew_ahead.period",
                format!(
                    "renew_ahead.period {} must be longer than min_remaining {} (a month counts as 28 days, a year \
                     as 365), or every plan would renew again; use a longer period or a shorter min_remaining",
                    ra.period, ra.min_remaining
                ),
            ));
        }
    }
}

pub fn check_resource(e: &ResourceEntry, at: &Origin, out: &mut Vec<Diagnostic>) {
    if e.id.trim().is_empty() {
        out.push(at.error(
            "id",
            "id must not be empty: give the resource_id of a main resource",
        ));
    } else if e.id.trim() != e.id {
        out.push(at.error(
            "id",
            format!("id {:?} has leading or trailing spaces", e.id),
        ));
    }
    if e.state() == DesiredState::Unsubscribed {
        if e.protect == Some(true) {
            out.push(at.error(
                "state",
                "state: unsubscribed conflicts with protect: true (a protected resource is never unsubscribed); \
                 remove one of them",
            ));
        }
        for (key, set) in [
            ("on_expiry", e.on_expiry.is_some()),
            ("auto_renew", e.auto_renew.is_some()),
            (
                "renew_ahead",
                e.renew_ahead.is_some_and(|r| r.on().is_some()),
            ),
        ] {
            if set {
                out.push(at.error(
                    key,
                    format!("{key} cannot be combined with state: unsubscribed (the resource is being released); remove it"),
                ));
            }
        }
    }
    check_settings(&e.settings(), at, out);
}

pub fn check_selector(e: &SelectorEntry, at: &Origin, out: &mut Vec<Diagnostic>) {
    if e.r#match.is_empty() {
        out.push(at.error(
            "match",
            "match needs at least one key: service_type, resource_type, region, name, project_id, \
             enterprise_project or expires_within",
        ));
    }
    if let Some(name) = &e.r#match.name {
        if let Err(err) = glob::Pattern::new(name) {
            out.push(at.error(
                "match.name",
                format!(
                    "invalid name pattern {name:?}: {} at position {}; use * (any text), ? (one character) or [abc]",
                    err.msg, err.pos
                ),
            ));
        }
    }
    if e.settings().is_empty() {
        out.push(at.warning(
            "",
            "this selector sets nothing (on_expiry, auto_renew, renew_ahead or protect), so it has no effect",
        ));
    }
    check_settings(&e.settings(), at, out);
}

/// Each id may be declared once across all files. Takes every entry's id as
/// written (also of entries with other errors) and where its value is.
pub fn check_duplicate_ids(ids: &[(String, Origin)], out: &mut Vec<Diagnostic>) {
    let mut first: BTreeMap<&str, &Origin> = BTreeMap::new();
    for (id, origin) in ids {
        match first.get(id.as_str()) {
            Some(prev) => out.push(origin.error(
                "id",
                format!(
                    "duplicate id {id:?}: already declared at {}; declare each resource once",
                    prev.place()
                ),
            )),
            None => {
                first.insert(id, origin);
            }
        }
    }
}

/// `defaults`, `policy` and `renewal_settings` are account-wide: they may be
/// repeated across files only with the same value. Returns the value.
pub fn merge_singleton<T: PartialEq + Clone>(
    what: &str,
    all: &[Located<T>],
    out: &mut Vec<Diagnostic>,
) -> Option<T> {
    let first = all.first()?;
    for other in &all[1..] {
        if other.value != first.value {
            out.push(other.origin.error(
                "",
                format!(
                    "{what} differs from the {what} at {}; give {what} in one file only, or the same in every file",
                    first.origin.place()
                ),
            ));
        }
    }
    Some(first.value.clone())
}
