//! Resolve: manifests × live inventory → the desired settings of every
//! managed main resource. Pure: no I/O, no clock (`now` is passed in).
//!
//! Merge order per field (`on_expiry`, `auto_renew`, `renew_ahead`,
//! `protect`): a `resources` entry wins over selectors, selectors over
//! defaults. `auto_renew` and `renew_ahead` merge as whole blocks.

use super::diagnostic::{sort, Diagnostic};
use super::load::ManifestSet;
use super::origin::{Located, Origin};
use super::selector::Matcher;
use super::types::{
    AutoRenewSpec, DesiredState, OnExpiry, RenewAhead, ResourceEntry, SelectorEntry, Settings,
};
use crate::live::{Inventory, LiveResource};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The desired state of one managed MAIN resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub resource_id: String,
    /// From the manifest entry, if any.
    pub name: Option<String>,
    /// `None` = not managed.
    pub on_expiry: Option<OnExpiry>,
    /// Period/times as written (`None` fields = unspecified).
    pub auto_renew: Option<AutoRenewSpec>,
    pub renew_ahead: Option<RenewAhead>,
    pub protect: bool,
    pub state: DesiredState,
    /// From `defaults`.
    pub auto_pay: bool,
    /// The entry (first) and selectors that contributed, for messages.
    /// Shared: one selector can feed 100,000 resources.
    pub sources: Vec<Arc<Origin>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolution {
    /// By resource id. Resources with an error are left out.
    pub desired: BTreeMap<String, Desired>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Resolution {
    pub fn has_errors(&self) -> bool {
        super::diagnostic::has_errors(&self.diagnostics)
    }
}

/// Where a merged field's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Src {
    /// Index into `ManifestSet::resources`.
    Entry(usize),
    /// Index into `ManifestSet::selectors`.
    Selector(usize),
}

#[derive(Debug, Clone, Copy)]
struct Field<T> {
    value: Option<T>,
    from: Option<Src>,
}

impl<T> Field<T> {
    const UNSET: Field<T> = Field {
        value: None,
        from: None,
    };
}

/// An auto_renew block left without `on_expiry: auto_renew`: where the block
/// came from, where on_expiry came from (if set), and its value.
type OrphanKey = (Src, Option<Src>, String);

const FIELDS: [&str; 4] = ["on_expiry", "auto_renew", "renew_ahead", "protect"];

/// Two selectors (by index) that disagree on one field.
type ConflictKey = (usize, usize, &'static str);

struct Ctx<'a> {
    set: &'a ManifestSet,
    inv: &'a Inventory,
    selector_origins: Vec<Arc<Origin>>,
    /// Disagreeing selector pairs → (their two values, resources affected),
    /// reported once per pair and field rather than once per resource.
    conflicts: BTreeMap<ConflictKey, (String, String, Vec<String>)>,
    /// Likewise for auto_renew blocks without on_expiry: auto_renew.
    orphans: BTreeMap<OrphanKey, Vec<String>>,
    out: Vec<Diagnostic>,
}

pub fn resolve(set: &ManifestSet, inv: &Inventory, now: DateTime<Utc>) -> Resolution {
    let mut cx = Ctx {
        set,
        inv,
        selector_origins: set
            .selectors
            .iter()
            .map(|s| Arc::new(s.origin.clone()))
            .collect(),
        conflicts: BTreeMap::new(),
        orphans: BTreeMap::new(),
        out: Vec::new(),
    };

    // Which selectors match each main resource: one pass over the
    // inventory, in id order, selector indexes kept in one flat list.
    let mut matchers = Vec::new();
    for (si, sel) in set.selectors.iter().enumerate() {
        match Matcher::new(&sel.value.r#match) {
            Ok(m) => matchers.push((si, m)),
            // load() refuses invalid globs; only a hand-built set gets here.
            Err(e) => cx.out.push(
                sel.origin
                    .error("match.name", format!("invalid name pattern: {e}")),
            ),
        }
    }
    let mut hits = vec![0usize; set.selectors.len()];
    let mut flat: Vec<usize> = Vec::new();
    let mut matched: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
    if !matchers.is_empty() {
        for r in inv.mains() {
            let start = flat.len();
            flat.extend(
                matchers
                    .iter()
                    .filter(|(_, m)| m.matches(r, now))
                    .map(|(si, _)| *si),
            );
            if flat.len() > start {
                matched.push((&r.resource_id, start..flat.len()));
            }
        }
    }
    for &si in &flat {
        hits[si] += 1;
    }
    for (si, sel) in set.selectors.iter().enumerate() {
        if hits[si] == 0 && matchers.iter().any(|(i, _)| *i == si) {
            cx.out.push(sel.origin.warning(
                "match",
                "this selector matches no resource in the account (closed and attached resources are never matched)",
            ));
        }
    }

    // Explicit entries, sorted out by what the account says about them.
    let mut main_entries: BTreeMap<&str, usize> = BTreeMap::new();
    let mut attached_entries: Vec<(&Located<ResourceEntry>, &LiveResource)> = Vec::new();
    for (ei, e) in set.resources.iter().enumerate() {
        let unsubscribe = e.value.state() == DesiredState::Unsubscribed;
        let Some(r) = inv.get(&e.value.id) else {
            // Released and gone: `state: unsubscribed` has converged.
            if !unsubscribe {
                cx.out.push(e.origin.error(
                    "id",
                    format!(
                        "resource {:?} does not exist in the account; check the id, or remove the entry if the \
                         resource was released",
                        e.value.id
                    ),
                ));
            }
            continue;
        };
        if r.is_closed() || !r.is_main {
            // For a managed main resource the plan checks the name, and
            // refuses its renewals and unsubscribe when it differs.
            check_name(e, r, &mut cx.out);
        }
        if r.is_closed() {
            if !unsubscribe {
                cx.out.push(e.origin.warning(
                    "id",
                    format!(
                        "resource {:?} is closed (released); this entry is ignored, remove it",
                        e.value.id
                    ),
                ));
            }
            continue;
        }
        if r.is_main {
            main_entries.entry(e.value.id.as_str()).or_insert(ei);
        } else {
            attached_entries.push((e, r));
        }
    }

    // Merge-join the two id-ordered lists: entries and selector matches.
    let mut resolved: Vec<(String, Desired)> = Vec::new();
    let mut failed = BTreeSet::new();
    let mut entries = main_entries.iter().map(|(id, ei)| (*id, *ei)).peekable();
    let mut matches = matched.iter().peekable();
    loop {
        let (id, entry, selectors) = match (entries.peek(), matches.peek()) {
            (None, None) => break,
            (Some(&(eid, ei)), Some(&(mid, range))) if eid == *mid => {
                entries.next();
                matches.next();
                (eid, Some(ei), &flat[range.clone()])
            }
            (Some(&(eid, ei)), m) if m.is_none_or(|(mid, _)| eid < *mid) => {
                entries.next();
                (eid, Some(ei), &[][..])
            }
            _ => match matches.next() {
                Some((mid, range)) => (*mid, None, &flat[range.clone()]),
                None => break,
            },
        };
        match cx.merge(id, entry, selectors) {
            Some(d) => resolved.push((id.to_string(), d)),
            None => {
                failed.insert(id);
            }
        }
    }
    // Built in id order, so collecting bulk-loads the map.
    let desired: BTreeMap<String, Desired> = resolved.into_iter().collect();
    for ((a, b, field), (va, vb, resources)) in std::mem::take(&mut cx.conflicts) {
        let (sa, sb) = (&set.selectors[a], &set.selectors[b]);
        cx.out.push(sb.origin.error(
            field,
            format!(
                "selectors disagree on {field} for {}: {vb} here, {va} from the selector at {}; make them agree, or \
                 set {field} in a resources entry, which wins",
                list_resources(&resources),
                sa.origin.place()
            ),
        ));
    }

    for ((block_from, on_expiry_from, on_expiry), resources) in std::mem::take(&mut cx.orphans) {
        let at = cx.origin(block_from);
        let whence = match on_expiry_from {
            Some(src) if src != block_from => {
                format!(" (on_expiry from {})", cx.origin(src).place())
            }
            _ => String::new(),
        };
        cx.out.push(at.error(
            "auto_renew",
            format!(
                "auto_renew needs on_expiry: auto_renew, but for {} on_expiry is {on_expiry}{whence}; set \
                 on_expiry: auto_renew or remove auto_renew",
                list_resources(&resources)
            ),
        ));
    }

    for (e, r) in attached_entries {
        cx.check_attached(e, r, &desired, &failed);
    }

    sort(&mut cx.out, &set.files);
    Resolution {
        desired,
        diagnostics: cx.out,
    }
}

fn list_resources(ids: &[String]) -> String {
    const SHOWN: usize = 5;
    let names: Vec<String> = ids.iter().take(SHOWN).map(|id| format!("{id:?}")).collect();
    match ids.len() {
        1 => format!("resource {}", names[0]),
        n if n <= SHOWN => format!("resources {}", names.join(", ")),
        n => format!("resources {} and {} more", names.join(", "), n - SHOWN),
    }
}

fn check_name(e: &Located<ResourceEntry>, r: &LiveResource, out: &mut Vec<Diagnostic>) {
    if let Some(name) = &e.value.name {
        if *name != r.name {
            out.push(e.origin.warning(
                "name",
                format!(
                    "the live name of {:?} is {:?}, not {name:?}",
                    r.resource_id, r.name
                ),
            ));
        }
    }
}

fn show<T: std::fmt::Display>(v: &T) -> String {
    v.to_string()
}

fn show_on_expiry(v: &Option<OnExpiry>) -> String {
    v.map_or_else(|| "not set".to_string(), |v| v.to_string())
}

impl Ctx<'_> {
    fn selector(&self, si: usize) -> &Located<SelectorEntry> {
        &self.set.selectors[si]
    }

    fn origin(&self, src: Src) -> &Origin {
        match src {
            Src::Entry(ei) => &self.set.resources[ei].origin,
            Src::Selector(si) => &self.selector(si).origin,
        }
    }

    /// Merges one field: the entry's value, else the selectors' common value.
    /// Disagreeing selectors are recorded as a conflict.
    fn field<T: PartialEq + Copy>(
        &mut self,
        id: &str,
        name: &'static str,
        entry: Option<(usize, &Settings)>,
        selectors: &[usize],
        get: impl Fn(&Settings) -> Option<T>,
        fmt: impl Fn(&T) -> String,
    ) -> Result<Field<T>, ()> {
        if let Some((ei, settings)) = entry {
            if let Some(v) = get(settings) {
                return Ok(Field {
                    value: Some(v),
                    from: Some(Src::Entry(ei)),
                });
            }
        }
        let mut found: Option<(usize, T)> = None;
        for &si in selectors {
            let Some(v) = get(&self.selector(si).value.settings()) else {
                continue;
            };
            match found {
                None => found = Some((si, v)),
                Some((first, fv)) if fv != v => {
                    let slot = self
                        .conflicts
                        .entry((first, si, name))
                        .or_insert_with(|| (fmt(&fv), fmt(&v), Vec::new()));
                    slot.2.push(id.to_string());
                    return Err(());
                }
                Some(_) => {}
            }
        }
        Ok(Field {
            value: found.map(|(_, v)| v),
            from: found.map(|(si, _)| Src::Selector(si)),
        })
    }

    fn merge(
        &mut self,
        id: &str,
        entry_index: Option<usize>,
        selectors: &[usize],
    ) -> Option<Desired> {
        let set = self.set;
        let entry = entry_index.map(|ei| &set.resources[ei]);
        let es = entry.map(|e| e.value.settings());
        let en = entry_index.zip(es.as_ref());
        let state = entry.map(|e| e.value.state()).unwrap_or_default();
        let on_expiry = self.field(
            id,
            FIELDS[0],
            en,
            selectors,
            |s| s.on_expiry,
            |v| v.to_string(),
        );
        let auto_renew = self.field(id, FIELDS[1], en, selectors, |s| s.auto_renew, show);
        let renew_ahead = self.field(id, FIELDS[2], en, selectors, |s| s.renew_ahead, show);
        let protect = self.field(
            id,
            FIELDS[3],
            en,
            selectors,
            |s| s.protect,
            |v| v.to_string(),
        );
        let (Ok(mut on_expiry), Ok(mut auto_renew), Ok(mut renew_ahead), Ok(protect)) =
            (on_expiry, auto_renew, renew_ahead, protect)
        else {
            return None;
        };
        if state == DesiredState::Unsubscribed {
            let entry = entry?;
            if let (Some(true), Some(Src::Selector(si))) = (protect.value, protect.from) {
                self.out.push(entry.origin.error(
                    "state",
                    format!(
                        "resource {id:?} is declared state: unsubscribed, but the selector at {} sets protect: true \
                         for it; set protect: false in this entry to release it anyway, or keep it",
                        self.selector(si).origin.place()
                    ),
                ));
                return None;
            }
            // A resource being released keeps no expiry settings from selectors.
            on_expiry = Field::UNSET;
            auto_renew = Field::UNSET;
            renew_ahead = Field::UNSET;
        } else if auto_renew.value.is_some() && on_expiry.value != Some(OnExpiry::AutoRenew) {
            let from_entry = |f: Option<Src>| matches!(f, Some(Src::Entry(_)));
            if from_entry(on_expiry.from) && !from_entry(auto_renew.from) {
                // The entry chose another on_expiry explicitly; a selector's
                // auto-renew parameters no longer apply to this resource.
                auto_renew = Field::UNSET;
            } else {
                // Reported once per (block, on_expiry) pair, after the loop.
                let key = (
                    auto_renew.from?,
                    on_expiry.from,
                    show_on_expiry(&on_expiry.value),
                );
                self.orphans.entry(key).or_default().push(id.to_string());
                return None;
            }
        }

        let mut sources: Vec<Arc<Origin>> = entry
            .map(|e| Arc::new(e.origin.clone()))
            .into_iter()
            .collect();
        sources.extend(
            selectors
                .iter()
                .map(|&si| Arc::clone(&self.selector_origins[si])),
        );
        Some(Desired {
            resource_id: id.to_string(),
            name: entry.and_then(|e| e.value.name.clone()),
            on_expiry: on_expiry.value,
            auto_renew: auto_renew.value,
            // `false` in an entry turns a selector's window off.
            renew_ahead: renew_ahead.value.and_then(|r| r.on()),
            protect: protect.value.unwrap_or(false),
            state,
            auto_pay: self.set.defaults.auto_pay,
            sources,
        })
    }

    /// An attached resource may be declared only to restate what its main
    /// resource gets; it then adds nothing.
    fn check_attached(
        &mut self,
        e: &Located<ResourceEntry>,
        r: &LiveResource,
        desired: &BTreeMap<String, Desired>,
        failed: &BTreeSet<&str>,
    ) {
        let id = &e.value.id;
        let Some(main) = r.main_id.as_deref().and_then(|m| self.inv.get(m)) else {
            let why = match &r.main_id {
                Some(m) => format!("its main resource {m:?} is not in the account"),
                None => "the account does not say which main resource it belongs to".to_string(),
            };
            self.out.push(e.origin.error(
                "id",
                format!("resource {id:?} is an attached resource and {why}; bssctl manages main resources only"),
            ));
            return;
        };
        if failed.contains(main.resource_id.as_str()) {
            return; // the main resource's own error says what to fix
        }
        let d = desired.get(&main.resource_id);
        let s = e.value.settings();
        let mut differs = Vec::new();
        let mut check = |key: &'static str, mine: Option<String>, theirs: String| {
            if let Some(mine) = mine {
                if mine != theirs {
                    differs.push((key, mine, theirs));
                }
            }
        };
        check(
            "on_expiry",
            s.on_expiry.map(|v| v.to_string()),
            show_on_expiry(&d.and_then(|d| d.on_expiry)),
        );
        check(
            "auto_renew",
            s.auto_renew.map(|v| show(&v)),
            d.and_then(|d| d.auto_renew)
                .map_or("not set".into(), |v| show(&v)),
        );
        check(
            "renew_ahead",
            s.renew_ahead
                .map(|v| v.on().map_or("not set".into(), |v| show(&v))),
            d.and_then(|d| d.renew_ahead)
                .map_or("not set".into(), |v| show(&v)),
        );
        check(
            "protect",
            s.protect.map(|v| v.to_string()),
            d.is_some_and(|d| d.protect).to_string(),
        );
        check(
            "state",
            e.value.state.map(|v| v.to_string()),
            d.map_or(DesiredState::Active, |d| d.state).to_string(),
        );
        let Some((key, mine, theirs)) = differs.first() else {
            return;
        };
        let main_name = if main.name.is_empty() {
            String::new()
        } else {
            format!(" ({:?})", main.name)
        };
        let others = if differs.len() > 1 {
            format!(
                " (and {})",
                differs[1..]
                    .iter()
                    .map(|d| d.0)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        self.out.push(e.origin.error(
            key,
            format!(
                "resource {id:?} is attached to main resource {:?}{main_name}, and attached resources follow their \
                 main: {key} is {mine} here but {theirs} for the main{others}; declare the settings on the main \
                 resource {:?} instead",
                main.resource_id, main.resource_id
            ),
        ));
    }
}

#[cfg(test)]
mod tests;
