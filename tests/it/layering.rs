//! The layering written at the top of `src/lib.rs`, checked: every
//! `crate::X` path in `src/**/*.rs` (in `use` lines and inline) names a
//! component the file's own component may depend on, the components form no
//! circle, and no two files import each other.
//!
//! A component is a top-level module (`src/X.rs` or `src/X/`), except that
//! `plan::model` (the plan as plain data) is a component of its own below
//! `state` and `live`, which store and verify what it describes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each component and what it may import, lowest first.
const ALLOWED: &[(&str, &[&str])] = &[
    ("clock", &[]),
    ("fsutil", &[]),
    ("display", &[]),
    ("config", &[]),
    ("version", &[]),
    ("bss", &["clock", "fsutil", "display"]),
    ("hints", &["bss"]),
    ("sandbox", &["bss", "clock", "fsutil"]),
    ("plan::model", &["bss", "clock"]),
    ("state", &["plan::model", "bss", "clock", "fsutil"]),
    ("live", &["state", "plan::model", "bss", "clock"]),
    (
        "manifest",
        &["live", "plan::model", "bss", "clock", "fsutil", "display"],
    ),
    // From connection options to a client: a real account or the embedded
    // sandbox (the one module above `sandbox`).
    ("connect", &["sandbox", "state", "bss"]),
    // The plan pipeline (pure stages); `planner` sequences its I/O and
    // `pricing` fetches the prices its price stage reads.
    (
        "plan",
        &[
            "plan::model",
            "manifest",
            "live",
            "state",
            "hints",
            "bss",
            "clock",
            "display",
        ],
    ),
    ("pricing", &["plan", "plan::model", "bss"]),
    (
        "planner",
        &[
            "plan",
            "plan::model",
            "pricing",
            "manifest",
            "live",
            "state",
            "bss",
            "clock",
            "display",
        ],
    ),
    (
        "apply",
        &[
            "planner",
            "plan",
            "manifest",
            "plan::model",
            "live",
            "state",
            "hints",
            "bss",
            "clock",
            "display",
        ],
    ),
    (
        "orders",
        &["live", "state", "hints", "bss", "clock", "display"],
    ),
    (
        "export",
        &[
            "plan",
            "plan::model",
            "manifest",
            "live",
            "state",
            "bss",
            "clock",
            "fsutil",
        ],
    ),
    // The next months: the plan's pure stages and its I/O, reused.
    (
        "forecast",
        &[
            "plan",
            "plan::model",
            "planner",
            "pricing",
            "manifest",
            "live",
            "state",
            "bss",
            "clock",
            "display",
        ],
    ),
    // The accounts of an enterprise: `bssctl accounts`, and one plan across
    // the declared accounts (a connection and a plan per account).
    (
        "enterprise",
        &[
            "apply", "planner", "connect", "manifest", "live", "plan", "state", "bss", "clock",
            "display",
        ],
    ),
    // Views: they read the models of the layers below, never the reverse.
    (
        "render",
        &[
            "forecast",
            "export",
            "enterprise",
            "plan",
            "plan::model",
            "apply",
            "orders",
            "live",
            "hints",
            "bss",
            "clock",
            "display",
        ],
    ),
    // Posting a rendered plan to a forge.
    ("comment", &["render", "bss", "display"]),
    // Who changed a drifted resource: the audit trail (CTS) into the plan.
    ("cts", &["plan", "plan::model", "state", "bss", "clock"]),
    // A plan's summary to a chat webhook.
    ("notify", &["render", "plan::model", "bss", "display"]),
    // The commands' terminal: writes the views, asks the questions.
    (
        "terminal",
        &[
            "render",
            "apply",
            "enterprise",
            "orders",
            "forecast",
            "plan",
            "bss",
            "display",
        ],
    ),
    // The command line's grammar: flags convert into the types of the layers
    // they configure.
    (
        "arguments",
        &[
            "comment", "config", "connect", "export", "forecast", "manifest", "orders", "plan",
            "planner", "render", "sandbox", "bss", "version",
        ],
    ),
    // The commands may use everything.
    ("cli", &["*"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `plan/model.rs` → `plan::model`; `plan/diff.rs`, `plan/mod.rs` → `plan`;
/// `lib.rs`, `main.rs` → none (the crate root).
fn component_of_file(rel: &Path) -> Option<String> {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.as_slice() {
        [root] if root == "lib" || root == "main" => None,
        [first, second, ..] if first == "plan" && second == "model" => Some("plan::model".into()),
        [first, ..] => Some(first.clone()),
        [] => None,
    }
}

fn component_of_path(segments: &[&str]) -> String {
    match segments {
        ["plan", "model", ..] => "plan::model".into(),
        [first, ..] => first.to_string(),
        [] => String::new(),
    }
}

/// The code of a file without comments and string literals, roughly: `//`
/// to the end of the line and `"…"` are blanked, so a path in a doc comment
/// or a message does not count.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_str = false;
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if !in_str && c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
        out.push('\n');
    }
    out
}

/// Every `crate::a::b…` path in `code`, as its segments.
fn crate_paths(code: &str) -> Vec<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let segs: Vec<&str> = rest[..end].split("::").filter(|s| !s.is_empty()).collect();
        out.push(segs);
    }
    out
}

struct Edges {
    /// component → components it imports, with a file that does.
    components: BTreeMap<String, BTreeMap<String, String>>,
    /// file → files (modules) it names through `super::x` or `crate::a::b`.
    files: BTreeMap<String, BTreeSet<String>>,
}

fn edges() -> Edges {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut e = Edges {
        components: BTreeMap::new(),
        files: BTreeMap::new(),
    };
    for f in files {
        let rel = f.strip_prefix(&root).unwrap().to_path_buf();
        let Some(from) = component_of_file(&rel) else {
            continue;
        };
        let code = code_only(&std::fs::read_to_string(&f).unwrap());
        let rel_s = rel.to_string_lossy().replace('\\', "/");
        for segs in crate_paths(&code) {
            let to = component_of_path(&segs);
            if to.is_empty() {
                continue;
            }
            if to != from {
                e.components
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_insert_with(|| rel_s.clone());
            }
            if segs.len() >= 2 {
                e.files
                    .entry(rel_s.clone())
                    .or_default()
                    .insert(format!("{}/{}", segs[0], segs[1]));
            }
        }
        // Sibling modules named through `super::x` (one level up).
        let dir = rel.parent().map(|p| p.to_string_lossy().replace('\\', "/"));
        let mut rest = code.as_str();
        while let Some(i) = rest.find("super::") {
            rest = &rest[i + "super::".len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if let Some(d) = dir.as_deref().filter(|d| !d.is_empty()) {
                if !rel_s.ends_with("/mod.rs") && end > 0 {
                    e.files
                        .entry(rel_s.clone())
                        .or_default()
                        .insert(format!("{d}/{}", &rest[..end]));
                }
            }
        }
    }
    e
}

#[test]
fn every_import_points_down_the_layers() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut wrong = Vec::new();
    for (from, tos) in &edges().components {
        let Some(may) = allowed.get(from.as_str()) else {
            wrong.push(format!(
                "{from}: a component the layering in tests/it/layering.rs and src/lib.rs does not place"
            ));
            continue;
        };
        if may.contains(&"*") {
            continue;
        }
        for (to, file) in tos {
            if !may.contains(&to.as_str()) {
                wrong.push(format!("{from} imports {to} (src/{file})"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layering:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn no_component_imports_one_that_imports_it_back() {
    let e = edges();
    // Depth-first search for a circle.
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeMap<String, String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut c = stack[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for to in g.get(n).into_iter().flat_map(|t| t.keys()) {
            if let Some(c) = visit(to, g, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in e.components.keys() {
        if let Some(c) = visit(n, &e.components, &mut Vec::new(), &mut done) {
            panic!("import circle: {}", c.join(" → "));
        }
    }
}

#[test]
fn no_two_files_import_each_other() {
    let e = edges();
    let module_of = |file: &str| {
        file.trim_end_matches(".rs")
            .trim_end_matches("/mod")
            .to_string()
    };
    let mut circles = Vec::new();
    for (file, tos) in &e.files {
        let me = module_of(file);
        for to in tos {
            let back = e
                .files
                .iter()
                .find(|(f, _)| module_of(f) == *to)
                .is_some_and(|(_, t)| t.contains(&me));
            if back && me < *to {
                circles.push(format!("{me} ↔ {to}"));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "modules importing each other: {circles:?}"
    );
}
