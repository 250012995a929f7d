//! Loading: `-f` paths → files → marked YAML → typed entries with origins,
//! collecting every diagnostic of every file in one run.

use super::decode::decode;
use super::diagnostic::{has_errors, sort, Diagnostic};
use super::keys::{self, checked_json, Level, Problem};
use super::origin::{Located, Origin};
use super::types::{AccountEntry, Defaults, Policy, RenewalSettings, ResourceEntry, SelectorEntry};
use super::validate;
use super::yaml::{self, Node, Scalar, Value};
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Every manifest, validated and merged.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestSet {
    /// The files read, in load order.
    pub files: Vec<PathBuf>,
    pub defaults: Defaults,
    pub policy: Option<Policy>,
    pub renewal_settings: Option<RenewalSettings>,
    /// `audit:` (where to read who changed drifted resources).
    pub audit: Option<super::types::Audit>,
    pub resources: Vec<Located<ResourceEntry>>,
    pub selectors: Vec<Located<SelectorEntry>>,
    /// `accounts:` by alias, in load order (empty: the one account of the
    /// credentials, exactly as before accounts existed).
    pub accounts: Vec<(String, Located<AccountEntry>)>,
}

impl ManifestSet {
    /// The alias of the account an entry belongs to: its `account`, else
    /// the only declared account, else `None` (no `accounts:`).
    pub fn account_of<'a>(&'a self, account: Option<&'a str>) -> Option<&'a str> {
        let only = match self.accounts.as_slice() {
            [(alias, _)] => Some(alias.as_str()),
            _ => None,
        };
        account.or(only)
    }

    /// The part of the set that belongs to one account alias: its resources
    /// and selectors; defaults, policy and renewal settings are shared.
    pub fn for_account(&self, alias: &str) -> ManifestSet {
        let mine = |a: Option<&str>| self.account_of(a) == Some(alias);
        ManifestSet {
            files: self.files.clone(),
            defaults: self.defaults,
            policy: self.policy.clone(),
            renewal_settings: self.renewal_settings,
            audit: self.audit.clone(),
            resources: self
                .resources
                .iter()
                .filter(|r| mine(r.value.account.as_deref()))
                .cloned()
                .collect(),
            selectors: self
                .selectors
                .iter()
                .filter(|s| mine(s.value.account.as_deref()))
                .cloned()
                .collect(),
            accounts: self
                .accounts
                .iter()
                .filter(|(a, _)| a == alias)
                .cloned()
                .collect(),
        }
    }

    /// The declared account with this alias.
    pub fn account(&self, alias: &str) -> Option<&Located<AccountEntry>> {
        self.accounts
            .iter()
            .find(|(a, _)| a == alias)
            .map(|(_, e)| e)
    }
}

/// The result of loading: `set` is `None` when any diagnostic is an error.
/// Diagnostics are ordered by file (load order), line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub set: Option<ManifestSet>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        has_errors(&self.diagnostics)
    }
}

/// What one file contributes.
#[derive(Default)]
struct FileManifest {
    defaults: Option<Located<Defaults>>,
    policy: Option<Located<Policy>>,
    renewal_settings: Option<Located<RenewalSettings>>,
    audit: Option<Located<super::types::Audit>>,
    resources: Vec<Located<ResourceEntry>>,
    selectors: Vec<Located<SelectorEntry>>,
    accounts: Vec<(String, Located<AccountEntry>)>,
    /// Every string `id` of a resources entry (with its `account`, when a
    /// string), also of entries with errors, so duplicates are found in the
    /// same run.
    ids: Vec<(String, Option<String>, Origin)>,
}

/// Loads manifests from files and directories. A directory means every
/// `*.yaml`/`*.yml` below it, recursively (hidden entries skipped), sorted by
/// path; explicit paths keep their order; a file reached twice is read once.
///
/// A YAML file found in a directory whose top level is a mapping with none
/// of the manifest's keys (`version`, `resources`, `selectors`, `defaults`,
/// `policy`, `renewal_settings`; e.g. a CI workflow) is not a manifest: it
/// is skipped with a note (a warning diagnostic). A file named on its own is
/// always read as a manifest.
pub fn load(paths: &[PathBuf]) -> Loaded {
    let mut diagnostics = Vec::new();
    if paths.is_empty() {
        diagnostics.push(Diagnostic::error(
            "no manifest given: pass one or more files or directories with -f",
        ));
    }
    let files = expand(paths, &mut diagnostics);
    let mut texts = Vec::new();
    for (file, from_dir) in files {
        match std::fs::read(&file) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) if from_dir && !looks_like_manifest(&text) => {
                    diagnostics.push(
                        Diagnostic::warning(
                            "skipped: not a manifest (none of its top-level keys is version, resources, selectors, defaults, policy or renewal_settings); name the file with -f to read it as one",
                        )
                        .in_file(&file),
                    );
                }
                Ok(text) => texts.push((file, text)),
                Err(e) => diagnostics.push(
                    Diagnostic::error(format!(
                        "not UTF-8 text (invalid byte at offset {}); save the manifest as UTF-8",
                        e.utf8_error().valid_up_to()
                    ))
                    .in_file(&file),
                ),
            },
            Err(e) => diagnostics
                .push(Diagnostic::error(format!("cannot read the file: {e}")).in_file(&file)),
        }
    }
    load_texts(texts, diagnostics)
}

/// Loads one in-memory manifest named `name` (tests, stdin).
pub fn load_str(name: &str, text: &str) -> Loaded {
    load_texts(vec![(PathBuf::from(name), text.to_string())], Vec::new())
}

pub fn load_texts(texts: Vec<(PathBuf, String)>, mut diagnostics: Vec<Diagnostic>) -> Loaded {
    let (mut defaults, mut policies, mut renewal) = (Vec::new(), Vec::new(), Vec::new());
    let mut audits = Vec::new();
    let (mut resources, mut selectors, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    let mut accounts: Vec<(String, Located<AccountEntry>)> = Vec::new();
    let mut files = Vec::new();
    for (file, text) in &texts {
        let m = load_file(file, text, &mut diagnostics);
        defaults.extend(m.defaults);
        policies.extend(m.policy);
        renewal.extend(m.renewal_settings);
        audits.extend(m.audit);
        resources.extend(m.resources);
        selectors.extend(m.selectors);
        ids.extend(m.ids);
        for (alias, entry) in m.accounts {
            match accounts.iter().find(|(a, _)| *a == alias) {
                Some((_, first)) if first.value != entry.value => diagnostics.push(
                    entry.origin.error(
                        "",
                        format!(
                            "account {alias:?} is declared differently at {}; declare each account once (or identically)",
                            first.origin.place()
                        ),
                    ),
                ),
                Some(_) => {}
                None => accounts.push((alias, entry)),
            }
        }
        files.push(file.clone());
    }
    validate::check_duplicate_ids(&ids, &mut diagnostics);
    validate::check_accounts(&accounts, &resources, &selectors, &mut diagnostics);
    let defaults =
        validate::merge_singleton("defaults", &defaults, &mut diagnostics).unwrap_or_default();
    let policy = validate::merge_singleton("policy", &policies, &mut diagnostics);
    let renewal_settings =
        validate::merge_singleton("renewal_settings", &renewal, &mut diagnostics);
    let audit = validate::merge_singleton("audit", &audits, &mut diagnostics);
    sort(&mut diagnostics, &files);
    let set = (!has_errors(&diagnostics)).then_some(ManifestSet {
        files,
        defaults,
        policy,
        renewal_settings,
        audit,
        resources,
        selectors,
        accounts,
    });
    Loaded { set, diagnostics }
}

fn problem_to_diagnostic(file: &Path, prefix: &str, p: Problem) -> Diagnostic {
    Diagnostic::error(p.message)
        .in_file(file)
        .at(p.mark.line, p.mark.column)
        .with_key(keys::join(prefix, &p.path))
}

/// A decoded entry and the relative key paths that had problems (their keys
/// are missing from `located.value`).
struct Typed<T> {
    located: Located<T>,
    problem_paths: Vec<String>,
}

/// Checks keys, decodes, and records the origin of one mapping.
fn typed<T: DeserializeOwned>(
    file: &Path,
    key: &str,
    node: &Node,
    level: &Level,
    out: &mut Vec<Diagnostic>,
) -> Option<Typed<T>> {
    let mut problems = Vec::new();
    let json = checked_json(node, level, "", &mut problems);
    let value = decode::<T>(node, json, &mut problems);
    let problem_paths = problems.iter().map(|p| p.path.clone()).collect();
    out.extend(
        problems
            .into_iter()
            .map(|p| problem_to_diagnostic(file, key, p)),
    );
    Some(Typed {
        located: Located {
            value: value?,
            origin: Origin::of(file.to_path_buf(), key.to_string(), node),
        },
        problem_paths,
    })
}

fn no_check<T>(_: &T, _: &Origin, _: &mut Vec<Diagnostic>) {}

impl<T> Typed<T> {
    /// Runs `check` on the entry. When the entry had problems, findings that
    /// may only echo them (about the same keys, or about the entry as a
    /// whole) are dropped. Returns the entry when it had no problems.
    fn check(
        self,
        out: &mut Vec<Diagnostic>,
        check: impl FnOnce(&T, &Origin, &mut Vec<Diagnostic>),
    ) -> Option<Located<T>> {
        let mut found = Vec::new();
        check(&self.located.value, &self.located.origin, &mut found);
        let entry_key = &self.located.origin.key;
        let related = |d: &Diagnostic| {
            let full = d.key.as_deref().unwrap_or("");
            let rel = full
                .strip_prefix(entry_key.as_str())
                .unwrap_or(full)
                .trim_start_matches('.');
            rel.is_empty()
                || self.problem_paths.iter().any(|p| {
                    p == rel
                        || p.strip_prefix(rel).is_some_and(|r| r.starts_with('.'))
                        || rel
                            .strip_prefix(p.as_str())
                            .is_some_and(|r| r.starts_with('.'))
                })
        };
        out.extend(
            found
                .into_iter()
                .filter(|d| self.problem_paths.is_empty() || !related(d)),
        );
        self.problem_paths.is_empty().then_some(self.located)
    }
}

fn load_file(file: &Path, text: &str, out: &mut Vec<Diagnostic>) -> FileManifest {
    let mut m = FileManifest::default();
    let doc = yaml::parse(text);
    for e in &doc.errors {
        out.push(
            Diagnostic::error(e.message.clone())
                .in_file(file)
                .at(e.mark.line, e.mark.column)
                .with_key(&e.key),
        );
    }
    let Some(root) = doc.root else {
        if doc.errors.is_empty() {
            out.push(
                Diagnostic::error("the manifest is empty; it needs at least `version: 1`")
                    .in_file(file)
                    .at(1, 1),
            );
        }
        return m;
    };
    if root.as_map().is_none() {
        out.push(
            Diagnostic::error(format!(
                "a manifest must be a mapping with version, resources, selectors, ...; this file holds {}",
                root.describe()
            ))
            .in_file(file)
            .at(root.mark.line, root.mark.column),
        );
        return m;
    }
    let mut problems = Vec::new();
    checked_json(&root, &keys::ROOT, "", &mut problems);
    out.extend(
        problems
            .into_iter()
            .map(|p| problem_to_diagnostic(file, "", p)),
    );
    validate::check_version(file, &root, out);

    // A present-but-null section (`policy:` with everything commented out)
    // counts as absent.
    for (key, level) in [
        ("defaults", &keys::DEFAULTS),
        ("policy", &keys::POLICY),
        ("renewal_settings", &keys::RENEWAL_SETTINGS),
        ("audit", &keys::AUDIT),
    ] {
        let Some(e) = root.entry(key) else { continue };
        if e.value.is_null() {
            continue;
        }
        if e.value.as_map().is_none() {
            out.push(
                Diagnostic::error(format!(
                    "{key} must be a mapping like {}, not {}",
                    level.example,
                    e.value.describe()
                ))
                .in_file(file)
                .at(e.value.mark.line, e.value.mark.column)
                .with_key(key),
            );
            continue;
        }
        match key {
            "defaults" => {
                m.defaults =
                    typed(file, key, &e.value, level, out).and_then(|t| t.check(out, no_check))
            }
            "policy" => {
                m.policy =
                    typed(file, key, &e.value, level, out).and_then(|t| t.check(out, no_check))
            }
            "audit" => {
                m.audit =
                    typed(file, key, &e.value, level, out).and_then(|t| t.check(out, no_check))
            }
            _ => {
                m.renewal_settings =
                    typed(file, key, &e.value, level, out).and_then(|t| t.check(out, no_check))
            }
        }
    }

    if let Some(e) = root.entry("accounts").filter(|e| !e.value.is_null()) {
        match &e.value.value {
            Value::Map(entries) => {
                for a in entries {
                    let key = format!("accounts.{}", a.key);
                    if a.value.as_map().is_none() {
                        out.push(
                            Diagnostic::error(format!(
                                "each account must be a mapping like {}, not {}",
                                keys::ACCOUNT.example,
                                a.value.describe()
                            ))
                            .in_file(file)
                            .at(a.value.mark.line, a.value.mark.column)
                            .with_key(&key),
                        );
                        continue;
                    }
                    if let Some(t) = typed::<AccountEntry>(file, &key, &a.value, &keys::ACCOUNT, out)
                    {
                        if let Some(entry) = t.check(out, validate::check_account) {
                            m.accounts.push((a.key.clone(), entry));
                        }
                    }
                }
            }
            _ => out.push(
                Diagnostic::error(format!(
                    "accounts must be a mapping of alias to account, like `accounts: {{ master: {} }}`, not {}",
                    keys::ACCOUNT.example,
                    e.value.describe()
                ))
                .in_file(file)
                .at(e.value.mark.line, e.value.mark.column)
                .with_key("accounts"),
            ),
        }
    }

    for (items, key, level) in [
        (
            entries_of(file, &root, "resources", out),
            "resources",
            &keys::RESOURCE,
        ),
        (
            entries_of(file, &root, "selectors", out),
            "selectors",
            &keys::SELECTOR,
        ),
    ] {
        for (i, item) in items.iter().enumerate() {
            let key = format!("{key}[{i}]");
            if item.as_map().is_none() {
                out.push(
                    Diagnostic::error(format!(
                        "each entry must be a mapping like {}, not {}",
                        level.example,
                        item.describe()
                    ))
                    .in_file(file)
                    .at(item.mark.line, item.mark.column)
                    .with_key(&key),
                );
                continue;
            }
            if std::ptr::eq(level, &keys::RESOURCE) {
                if let Some(e) = item.entry("id") {
                    if let Value::Scalar(Scalar::Str(id), _) = &e.value.value {
                        // Only the id's position is needed to name duplicates.
                        let origin = Origin {
                            file: file.to_path_buf(),
                            line: item.mark.line,
                            column: item.mark.column,
                            key: key.clone(),
                            key_positions: [(
                                "id".to_string(),
                                (e.value.mark.line, e.value.mark.column),
                            )]
                            .into(),
                        };
                        let account = match item.entry("account").map(|a| &a.value.value) {
                            Some(Value::Scalar(Scalar::Str(a), _)) => Some(a.clone()),
                            _ => None,
                        };
                        m.ids.push((id.clone(), account, origin));
                    }
                }
                if let Some(r) = typed::<ResourceEntry>(file, &key, item, level, out) {
                    m.resources.extend(r.check(out, validate::check_resource));
                }
            } else if let Some(s) = typed::<SelectorEntry>(file, &key, item, level, out) {
                m.selectors.extend(s.check(out, validate::check_selector));
            }
        }
    }
    m
}

/// The items of the `resources`/`selectors` list (empty when absent or null).
fn entries_of<'a>(file: &Path, root: &'a Node, key: &str, out: &mut Vec<Diagnostic>) -> &'a [Node] {
    let Some(e) = root.entry(key) else { return &[] };
    if e.value.is_null() {
        return &[];
    }
    match e.value.as_seq() {
        Some(items) => items,
        None => {
            out.push(
                Diagnostic::error(format!(
                    "{key} must be a list of entries (each starting with \"- \"), not {}",
                    e.value.describe()
                ))
                .in_file(file)
                .at(e.value.mark.line, e.value.mark.column)
                .with_key(key),
            );
            &[]
        }
    }
}

/// The top-level keys of a manifest; a YAML mapping with none of them is
/// some other tool's file.
const MANIFEST_KEYS: [&str; 6] = [
    "version",
    "resources",
    "selectors",
    "defaults",
    "policy",
    "renewal_settings",
];

/// Whether a YAML file found in a directory is a manifest: anything but a
/// mapping with none of the manifest's top-level keys is read as one (so a
/// manifest that lacks `version:` or is broken still reports its errors).
fn looks_like_manifest(text: &str) -> bool {
    let doc = yaml::parse(text);
    match doc.root {
        Some(root) if root.as_map().is_some() => {
            MANIFEST_KEYS.iter().any(|k| root.entry(k).is_some())
        }
        _ => true,
    }
}

/// Turns `-f` arguments into the list of files to read, each with whether
/// it was found by walking a directory.
fn expand(paths: &[PathBuf], out: &mut Vec<Diagnostic>) -> Vec<(PathBuf, bool)> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |f: PathBuf, from_dir: bool, files: &mut Vec<(PathBuf, bool)>| {
        let canonical = std::fs::canonicalize(&f).unwrap_or_else(|_| f.clone());
        if seen.insert(canonical) {
            files.push((f, from_dir));
        }
    };
    for path in paths {
        match std::fs::metadata(path) {
            Ok(md) if md.is_dir() => {
                let mut found = Vec::new();
                let mut visited = HashSet::new();
                walk(path, &mut found, &mut visited, out);
                found.sort();
                if found.is_empty() {
                    out.push(
                        Diagnostic::error("no *.yaml or *.yml files in this directory")
                            .in_file(path),
                    );
                }
                for f in found {
                    push(f, true, &mut files);
                }
            }
            Ok(_) => push(path.clone(), false, &mut files),
            Err(e) => out.push(Diagnostic::error(format!("cannot read: {e}")).in_file(path)),
        }
    }
    files
}

fn walk(
    dir: &Path,
    found: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
    out: &mut Vec<Diagnostic>,
) {
    // Symlinked directories are followed once each, so a link loop ends.
    if !visited.insert(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())) {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            out.push(Diagnostic::error(format!("cannot read the directory: {e}")).in_file(dir));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Hidden entries (.git, .github workflows, .bssctl state) are never manifests.
        if name.starts_with('.') {
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(md) if md.is_dir() => walk(&path, found, visited, out),
            Ok(md) if md.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) => {
                found.push(path)
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
