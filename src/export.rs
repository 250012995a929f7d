//! `bssctl export`: the live inventory (plus the last-applied auto-renew
//! records) → manifest text. Pure: data in, strings out; the I/O lives in
//! `cli::export_cmd`.
//!
//! # What is exported, and why it round-trips
//!
//! The contract (DESIGN.md §4b) is that `bssctl plan -f <exported>` right
//! after an export shows no changes. Every choice below serves that:
//!
//! - **Main, non-closed resources only**, chosen with the same
//!   [`Matcher`] a selector uses (so `--region`, `--name 'prod-*'`, … mean
//!   what they mean in a `match` block). Attached resources follow their main
//!   and are never listed: an attached id in a manifest must repeat its main's
//!   settings exactly, which adds nothing but a way to be wrong. Closed
//!   resources have nothing left to manage.
//! - **`on_expiry` is exactly the live `expire_policy`**: 3 → `auto_renew`,
//!   1 → `on_demand`, 0 (grace period) → `none`. The platform's other
//!   policies (2 delete, 4 freeze, 5 delete from retention, unknown values)
//!   have no `on_expiry` word: the entry leaves `on_expiry` out (so nothing
//!   is planned) and a comment says what the platform will do and what the
//!   user can choose instead. Writing `none` would claim a grace period the
//!   resource does not have.
//! - **`auto_renew: {period, times}` only where the last-applied record knows
//!   them** (and only with `on_expiry: auto_renew`), in the form the planner
//!   reads back as equal (see [`auto_renew_of`]): the API never returns them.
//!   Writing a period the record does not know would plan an
//!   enable-auto-renew "to make sure", i.e. a change.
//! - **Expired and frozen resources are exported as they are.** Their live
//!   policy is exported unchanged, so nothing is planned. Exporting
//!   `on_expiry: auto_renew` for one whose policy is not already 3 (say, to
//!   "keep it") would plan an enable the API refuses until the resource is
//!   renewed (CBC.99003602); the comment above such an entry says so, and
//!   the fix is a deliberate edit: add `renew_ahead` (renew first), then
//!   auto-renew.
//! - **Nothing is invented**: no `renew_ahead` (it would buy renewals), no
//!   `protect` (not readable from the account), no `defaults` or `policy`.
//!   `name` is the live name, byte for byte (quoted when YAML needs it), so
//!   the plan's name check stays quiet.
//!
//! Output is deterministic: files ordered by name, entries by region (or
//! service), then name, then id; no timestamps. One file per group
//! (`ec2.yaml`, `cn-north-4.yaml`), or one merged manifest for standard
//! output, since the loader refuses `---` multi-document files.

pub mod fetch;
pub mod write;

use crate::live::{Inventory, LiveResource};
use crate::manifest::selector::Matcher;
use crate::manifest::{AutoRenewPeriod, AutoRenewSpec, OnExpiry};
use crate::state::last_applied::AutoRenewRecord;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The `$schema` of the yaml-language-server comment when none is given:
/// manifests one directory below a repository root holding
/// `schema/bssctl.schema.json` (as `bssctl schema > schema/bssctl.schema.json`
/// writes it).
pub const DEFAULT_SCHEMA: &str = "../schema/bssctl.schema.json";

/// How resources are split into files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One file per service type: `ec2.yaml` for `hws.service.type.ec2`.
    Service,
    /// One file per region: `cn-north-4.yaml`.
    Region,
}

/// One resource as it will be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub name: String,
    pub service_type: String,
    pub region: String,
    pub expire_time: Option<DateTime<Utc>>,
    /// `in_use`, `expired`, `frozen`.
    pub status: &'static str,
    /// `None` when the live policy has no `on_expiry` word (see `expire_policy`).
    pub on_expiry: Option<OnExpiry>,
    /// The live `expire_policy`, as seen.
    pub expire_policy: i32,
    pub auto_renew: Option<AutoRenewSpec>,
    /// Attached resources that expire earlier or under another policy
    /// (written as comments: the API manages them through the main only).
    pub attached_notes: Vec<String>,
}

/// Resources of one output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// File name without `.yaml`.
    pub stem: String,
    /// The service types or region codes in this group, for the header.
    pub labels: Vec<String>,
    pub entries: Vec<Entry>,
}

/// A manifest file ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// `ec2.yaml`, `cn-north-4.yaml`, …
    pub file_name: String,
    pub resources: usize,
    pub text: String,
}

/// The selected resources, grouped and ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub grouping: Grouping,
    pub groups: Vec<Group>,
}

impl Export {
    /// Selects and groups. `records`: this account's last-applied auto-renew
    /// settings by resource id.
    pub fn new(
        inv: &Inventory,
        records: &BTreeMap<String, AutoRenewRecord>,
        filter: &Matcher,
        grouping: Grouping,
        now: DateTime<Utc>,
    ) -> Export {
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        for r in inv.mains().filter(|r| filter.matches(r, now)) {
            let mut entry = entry_of(r, records.get(&r.resource_id));
            entry.attached_notes = crate::plan::diff::attached_differences(inv, r, now);
            let label = match grouping {
                Grouping::Service => &entry.service_type,
                Grouping::Region => &entry.region,
            };
            let stem = file_stem(label, grouping);
            let g = groups.entry(stem.clone()).or_insert_with(|| Group {
                stem,
                labels: Vec::new(),
                entries: Vec::new(),
            });
            let label = if label.is_empty() {
                "(none)".to_string()
            } else {
                label.clone()
            };
            if !g.labels.contains(&label) {
                g.labels.push(label);
            }
            g.entries.push(entry);
        }
        let mut groups: Vec<Group> = groups.into_values().collect();
        for g in &mut groups {
            g.labels.sort();
            g.entries.sort_by(|a, b| {
                let key = |e: &Entry| match grouping {
                    Grouping::Service => e.region.clone(),
                    Grouping::Region => e.service_type.clone(),
                };
                (key(a), &a.name, &a.id).cmp(&(key(b), &b.name, &b.id))
            });
        }
        tracing::info!(
            "export: {} of {} main resource(s) selected, in {} file(s)",
            groups.iter().map(|g| g.entries.len()).sum::<usize>(),
            inv.mains().count(),
            groups.len()
        );
        Export { grouping, groups }
    }

    /// Auto-renewing resources whose period and times are unknown: no
    /// last-applied record, and the API cannot read them back.
    pub fn unknown_auto_renew(&self) -> usize {
        self.groups
            .iter()
            .flat_map(|g| &g.entries)
            .filter(|e| e.on_expiry == Some(OnExpiry::AutoRenew) && e.auto_renew.is_none())
            .count()
    }

    pub fn resource_count(&self) -> usize {
        self.groups.iter().map(|g| g.entries.len()).sum()
    }

    /// One manifest per group, ordered by file name.
    pub fn files(&self, schema: &str) -> Vec<ExportFile> {
        self.groups
            .iter()
            .map(|g| {
                let mut text = header(schema);
                let _ = writeln!(
                    text,
                    "# {}: {} ({} resource{}).",
                    self.what(),
                    g.labels.join(", "),
                    g.entries.len(),
                    plural(g.entries.len())
                );
                text.push_str(EXPLANATION);
                text.push_str("version: 1\nresources:\n");
                for e in &g.entries {
                    write_entry(&mut text, e);
                }
                ExportFile {
                    file_name: format!("{}.yaml", g.stem),
                    resources: g.entries.len(),
                    text,
                }
            })
            .collect()
    }

    /// Every group in one manifest (for standard output), each group under
    /// a comment naming the file it would be with `--out`.
    pub fn merged(&self, schema: &str) -> String {
        let mut text = header(schema);
        let n = self.resource_count();
        let _ = writeln!(
            text,
            "# {n} resource{} in {} group{} by {}.",
            plural(n),
            self.groups.len(),
            plural(self.groups.len()),
            match self.grouping {
                Grouping::Service => "service",
                Grouping::Region => "region",
            }
        );
        text.push_str(EXPLANATION);
        text.push_str("version: 1\n");
        if self.groups.is_empty() {
            text.push_str("# No resource matched.\nresources: []\n");
            return text;
        }
        text.push_str("resources:\n");
        for (i, g) in self.groups.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            let _ = writeln!(
                text,
                "  # == {}: {} ({}.yaml with --out) ==",
                self.what(),
                g.labels.join(", "),
                g.stem
            );
            for e in &g.entries {
                write_entry(&mut text, e);
            }
        }
        text
    }

    fn what(&self) -> &'static str {
        match self.grouping {
            Grouping::Service => "Service",
            Grouping::Region => "Region",
        }
    }
}

const EXPLANATION: &str = "\
# Exported by `bssctl export`. on_expiry is the live expiry policy; auto_renew
# is listed only where bssctl's last-applied record knows period and times.
# Attached resources follow their main resource and are not listed. Add
# renew_ahead or protect as you need; `bssctl plan -f` on this file as
# exported shows no changes.
";

fn header(schema: &str) -> String {
    format!("# yaml-language-server: $schema={}\n", comment_text(schema))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn entry_of(r: &LiveResource, record: Option<&AutoRenewRecord>) -> Entry {
    let on_expiry = on_expiry_of(r.expire_policy);
    Entry {
        id: r.resource_id.clone(),
        name: r.name.clone(),
        service_type: r.service_type.clone(),
        region: r.region.clone(),
        expire_time: r.expire_time,
        status: status_name(r.status),
        on_expiry,
        expire_policy: r.expire_policy,
        attached_notes: Vec::new(),
        auto_renew: if on_expiry == Some(OnExpiry::AutoRenew) {
            record.and_then(auto_renew_of)
        } else {
            None
        },
    }
}

fn status_name(status: i32) -> &'static str {
    use crate::bss::model::{STATUS_EXPIRED, STATUS_FROZEN, STATUS_IN_USE};
    match status {
        STATUS_IN_USE => "in_use",
        STATUS_EXPIRED => "expired",
        STATUS_FROZEN => "frozen",
        _ => "unknown",
    }
}

/// `expire_policy` → `on_expiry`: 3 auto-renew, 1 to on-demand, 0 none;
/// `None` for the policies `on_expiry` cannot name (2, 4, 5, unknown).
pub fn on_expiry_of(expire_policy: i32) -> Option<OnExpiry> {
    match expire_policy {
        crate::bss::model::EXPIRE_POLICY_AUTO_RENEW => Some(OnExpiry::AutoRenew),
        crate::bss::model::EXPIRE_POLICY_TO_ON_DEMAND => Some(OnExpiry::OnDemand),
        crate::bss::model::EXPIRE_POLICY_GRACE => Some(OnExpiry::None),
        _ => None,
    }
}

/// What the record knows, in manifest terms; `None` when it knows nothing
/// a manifest can say. Only what the planner would read back as equal is
/// written: the period exactly as bssctl sends it (`MONTH`, `YEAR`; the
/// planner compares case-sensitively, so a hand-edited `year` would plan a
/// change if exported), times from 0 to 99. Anything else is left out rather
/// than guessed.
pub fn auto_renew_of(record: &AutoRenewRecord) -> Option<AutoRenewSpec> {
    let period = match record.period_type.as_deref() {
        Some("MONTH") => Some(AutoRenewPeriod::Month),
        Some("YEAR") => Some(AutoRenewPeriod::Year),
        _ => None,
    };
    let times = record
        .auto_renew_times
        .and_then(|t| u8::try_from(t).ok())
        .filter(|t| *t <= 99);
    let spec = AutoRenewSpec { period, times };
    (spec != AutoRenewSpec::default()).then_some(spec)
}

fn write_entry(out: &mut String, e: &Entry) {
    let mut about = vec![
        if e.name.is_empty() {
            "(no name)".to_string()
        } else {
            e.name.clone()
        },
        e.service_type.clone(),
        e.region.clone(),
    ];
    match e.expire_time {
        Some(t) if e.status == "expired" || e.status == "frozen" => about.push(format!(
            "expired {} (status: {})",
            t.format("%Y-%m-%d"),
            e.status
        )),
        Some(t) => about.push(format!("expires {}", t.format("%Y-%m-%d"))),
        None => about.push("expiry unknown".to_string()),
    }
    let _ = writeln!(out, "  # {}", comment_text(&about.join(" · ")));
    for note in &e.attached_notes {
        let _ = writeln!(out, "  # Note: {}", comment_text(note));
    }
    if (e.status == "expired" || e.status == "frozen") && e.on_expiry != Some(OnExpiry::AutoRenew) {
        out.push_str(
            "  # Auto-renew can be enabled only after a renewal: add renew_ahead first.\n",
        );
    }
    let _ = writeln!(out, "  - id: {}", scalar(&e.id));
    if !e.name.is_empty() {
        let _ = writeln!(out, "    name: {}", scalar(&e.name));
    }
    match e.on_expiry {
        Some(on_expiry) => {
            let _ = writeln!(out, "    on_expiry: {on_expiry}");
        }
        None => {
            let policy = e.expire_policy;
            let _ = writeln!(
                out,
                "    # on_expiry left out: the platform's policy is {} (expire_policy {policy}: {}),",
                comment_text(&crate::plan::diff::policy_name(policy)),
                comment_text(&crate::plan::diff::policy_consequence(policy).unwrap_or_default())
            );
            out.push_str(
                "    # which on_expiry cannot name (none would mean the grace period). To choose, set\n    # on_expiry: auto_renew or on_demand.\n",
            );
        }
    }
    if let Some(spec) = e.auto_renew {
        // AutoRenewSpec displays as flow YAML: `{ period: year, times: 0 }`.
        let _ = writeln!(out, "    auto_renew: {spec}");
    }
}

/// A file name for a group: `hws.service.type.ec2` → `ec2`; anything but
/// `[a-z0-9._-]` becomes `_`; never hidden (the loader skips dot files),
/// never empty.
pub fn file_stem(label: &str, grouping: Grouping) -> String {
    let short = match grouping {
        Grouping::Service => label.strip_prefix("hws.service.type.").unwrap_or(label),
        Grouping::Region => label,
    };
    let cleaned: String = short
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches('.');
    if cleaned.is_empty() {
        "unknown".to_string()
    } else {
        cleaned.to_string()
    }
}

/// A YAML scalar that reads back as exactly `s`, as a string: plain when
/// that is unambiguous, else double-quoted with escapes.
pub fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !is_keyword(s)
        && !looks_numeric(s)
}

/// Booleans and nulls of YAML 1.1 and 1.2 (other tools read manifests too).
fn is_keyword(s: &str) -> bool {
    const WORDS: [&str; 9] = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

/// Anything a YAML 1.1 or 1.2 reader might take for a number, date or
/// time: floats (also `inf`, `nan`, `1e5`), `0x`/`0o`/`0b` integers, and
/// strings of digits with `_ . : - + e E` only (`1_000`, `2026-12-01`).
fn looks_numeric(s: &str) -> bool {
    if s.parse::<f64>().is_ok() {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    let radix = |prefix: &str, ok: fn(char) -> bool| {
        lower
            .strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| ok(c) || c == '_'))
    };
    radix("0x", |c| c.is_ascii_hexdigit())
        || radix("0o", |c| ('0'..='7').contains(&c))
        || radix("0b", |c| c == '0' || c == '1')
        || (s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars().all(|c| {
                c.is_ascii_digit() || matches!(c, '_' | '.' | ':' | '-' | '+' | 'e' | 'E')
            }))
}

/// YAML's printable set, minus the characters some readers take for line
/// breaks (NEL, LS, PS) and the byte-order mark.
fn is_yaml_safe_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_yaml_safe_char(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Text safe inside a `#` comment: one line, printable characters only.
fn comment_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_yaml_safe_char(c) {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    out
}

#[cfg(test)]
mod tests;
