//! Offline checks: everything that can be wrong with manifests without
//! looking at the live account. Type and range errors come from decoding
//! (`decode`, `types`); this file checks what spans several keys, entries or
//! files.

use super::diagnostic::Diagnostic;
use super::origin::{Located, Origin};
use super::types::{AccountEntry, DesiredState, OnExpiry, ResourceEntry, SelectorEntry, Settings};
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
pub fn check_duplicate_ids(ids: &[(String, Option<String>, Origin)], out: &mut Vec<Diagnostic>) {
    let mut first: BTreeMap<&str, (&Option<String>, &Origin)> = BTreeMap::new();
    for (id, account, origin) in ids {
        match first.get(id.as_str()) {
            Some((prev_account, prev)) if *prev_account != account => out.push(origin.error(
                "id",
                format!(
                    "id {id:?} is declared under two accounts: {} here and {} at {}; a resource belongs to one account",
                    account_name(account),
                    account_name(prev_account),
                    prev.place()
                ),
            )),
            Some((_, prev)) => out.push(origin.error(
                "id",
                format!(
                    "duplicate id {id:?}: already declared at {}; declare each resource once",
                    prev.place()
                ),
            )),
            None => {
                first.insert(id, (account, origin));
            }
        }
    }
}

fn account_name(a: &Option<String>) -> String {
    match a {
        Some(a) => format!("account {a:?}"),
        None => "no account".to_string(),
    }
}

/// One `accounts` entry: exactly one credential source; funding complete.
pub fn check_account(e: &AccountEntry, at: &Origin, out: &mut Vec<Diagnostic>) {
    if e.domain_id.trim().is_empty() {
        out.push(at.error(
            "domain_id",
            "domain_id must not be empty: give the account id",
        ));
    }
    let sources = [
        e.credentials.is_some(),
        e.profile.is_some(),
        e.agency.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if sources != 1 {
        out.push(at.error(
            "",
            format!(
                "an account needs exactly one of credentials: default, profile: NAME or agency: {{name, from}}; this one has {sources}"
            ),
        ));
    }
    if e.profile.as_deref().is_some_and(|p| p.trim().is_empty()) {
        out.push(at.error(
            "profile",
            "profile must name a profile of the credentials file",
        ));
    }
    if let Some(f) = &e.funding {
        if f.max_per_apply.is_none() {
            out.push(at.error(
                "funding",
                "funding needs max_per_apply: the most one apply may transfer, e.g. \"2000.00\"",
            ));
        }
    }
}

/// Cross-entry account rules: aliases named by `from` and `account` exist,
/// `agency.from` chains have no cycle, no two aliases share a domain id,
/// and with several accounts every entry names its account.
pub fn check_accounts(
    accounts: &[(String, Located<AccountEntry>)],
    resources: &[Located<ResourceEntry>],
    selectors: &[Located<SelectorEntry>],
    out: &mut Vec<Diagnostic>,
) {
    let known = |a: &str| accounts.iter().any(|(k, _)| k == a);
    let aliases = || {
        accounts
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut ids: BTreeMap<&str, &str> = BTreeMap::new();
    for (alias, e) in accounts {
        if let Some(prev) = ids.insert(e.value.domain_id.as_str(), alias) {
            out.push(e.origin.error(
                "domain_id",
                format!(
                    "accounts {prev:?} and {alias:?} have the same domain_id {:?}; declare each account once",
                    e.value.domain_id
                ),
            ));
        }
        if let Some(a) = &e.value.agency {
            if !known(&a.from) {
                out.push(e.origin.error(
                    "agency.from",
                    format!(
                        "unknown account alias {:?}; declared: {}",
                        a.from,
                        aliases()
                    ),
                ));
            } else {
                // Follow agency.from; a chain that comes back is a cycle.
                let mut seen = vec![alias.as_str()];
                let mut next = Some(a.from.as_str());
                while let Some(n) = next {
                    if seen.contains(&n) {
                        seen.push(n);
                        out.push(e.origin.error(
                            "agency.from",
                            format!(
                                "agency.from makes a cycle: {}; one account in the chain needs credentials: default or a profile",
                                seen.join(" -> ")
                            ),
                        ));
                        break;
                    }
                    seen.push(n);
                    next = accounts
                        .iter()
                        .find(|(k, _)| k == n)
                        .and_then(|(_, x)| x.value.agency.as_ref())
                        .map(|x| x.from.as_str());
                }
            }
        }
        if let Some(f) = &e.value.funding {
            if !known(&f.from) {
                out.push(e.origin.error(
                    "funding.from",
                    format!(
                        "unknown account alias {:?}; declared: {}",
                        f.from,
                        aliases()
                    ),
                ));
            } else if f.from == *alias {
                out.push(e.origin.error(
                    "funding.from",
                    "an account cannot fund itself; name its enterprise master",
                ));
            }
        }
    }
    let mut check_entry = |account: Option<&String>, origin: &Origin, what: &str| {
        match account {
        Some(a) if accounts.is_empty() => out.push(origin.error(
            "account",
            format!("account {a:?} is set but the manifests declare no accounts; add an accounts: section"),
        )),
        Some(a) if !known(a) => out.push(origin.error(
            "account",
            format!("unknown account alias {a:?}; declared: {}", aliases()),
        )),
        None if accounts.len() > 1 => out.push(origin.error(
            "",
            format!(
                "this {what} names no account, but several are declared ({}); add account: ALIAS",
                aliases()
            ),
        )),
        _ => {}
    }
    };
    for r in resources {
        check_entry(r.value.account.as_ref(), &r.origin, "resource");
    }
    for s in selectors {
        check_entry(s.value.account.as_ref(), &s.origin, "selector");
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
