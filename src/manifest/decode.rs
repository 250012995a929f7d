//! Typed decoding of one manifest entry with serde, mapping serde's error
//! path back to the marked tree. After an error the offending key is removed
//! and decoding retried, so every bad value in an entry is reported at once.

use super::keys::Problem;
use super::yaml::{Mark, Node};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use serde_path_to_error::Segment;

/// Enough for every key an entry can have, nested.
const MAX_ATTEMPTS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn segments(path: &serde_path_to_error::Path) -> Vec<Seg> {
    path.iter()
        .filter_map(|s| match s {
            Segment::Map { key } => Some(Seg::Key(key.clone())),
            Segment::Seq { index } => Some(Seg::Index(*index)),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect()
}

fn path_string(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// The position of the deepest node on `segs` that exists in the tree.
fn locate(node: &Node, segs: &[Seg]) -> Mark {
    let mut cur = node;
    for seg in segs {
        let next = match seg {
            Seg::Key(k) => cur.entry(k).map(|e| &e.value),
            Seg::Index(i) => cur.as_seq().and_then(|items| items.get(*i)),
        };
        match next {
            Some(n) => cur = n,
            None => break,
        }
    }
    cur.mark
}

/// Removes the value at `segs`; false when there is nothing to remove.
fn remove(value: &mut Json, segs: &[Seg]) -> bool {
    let Some((last, parents)) = segs.split_last() else {
        return false;
    };
    let mut cur = value;
    for seg in parents {
        let next = match (seg, cur) {
            (Seg::Key(k), Json::Object(m)) => m.get_mut(k),
            (Seg::Index(i), Json::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    match (last, cur) {
        (Seg::Key(k), Json::Object(m)) => m.shift_remove(k).is_some(),
        // Replace rather than remove so later indexes keep their meaning.
        (Seg::Index(i), Json::Array(a)) if *i < a.len() => {
            a[*i] = Json::Null;
            true
        }
        _ => false,
    }
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Rewrites serde's wording into the manifest's vocabulary: YAML keys, not
/// Rust fields and types, and the allowed values spelled out.
pub fn humanize(message: &str) -> String {
    if let Some(field) = missing_field(message) {
        return format!("missing required key {field:?}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        if let Some((variant, expected)) = rest.split_once("`, expected ") {
            return format!(
                "invalid value {variant:?}: expected {}",
                expected.replace('`', "")
            );
        }
    }
    let mut m = message.replace('`', "");
    if let Some(i) = m.find("expected struct ") {
        m = format!("{}expected a mapping", &m[..i]);
    }
    if m.ends_with("expected a boolean") {
        m.push_str(" (true or false)");
    }
    m
}

/// Decodes `value` (the entry's JSON, unknown keys already left out) as `T`.
/// Every problem is pushed with a path relative to the entry. After problems
/// the result (if any) is the entry without its bad keys, which still lets
/// the caller run checks on the rest.
pub fn decode<T: DeserializeOwned>(
    node: &Node,
    mut value: Json,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let mut removed: Vec<Vec<Seg>> = Vec::new();
    for _ in 0..MAX_ATTEMPTS {
        let err = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(v) => return Some(v),
            Err(e) => e,
        };
        let segs = segments(err.path());
        let message = err.inner().to_string();
        // A key we removed to get past its own error is now "missing": that
        // is not news.
        let echo = missing_field(&message).is_some_and(|f| {
            let mut full = segs.clone();
            full.push(Seg::Key(f.to_string()));
            removed.contains(&full)
        });
        if !echo {
            problems.push(Problem {
                mark: locate(node, &segs),
                path: path_string(&segs),
                message: humanize(&message),
            });
        }
        if !remove(&mut value, &segs) {
            break;
        }
        removed.push(segs);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::keys::{checked_json, RESOURCE};
    use crate::manifest::types::ResourceEntry;
    use crate::manifest::yaml::parse;

    fn run(text: &str) -> (Option<ResourceEntry>, Vec<Problem>) {
        let node = parse(text).root.unwrap();
        let mut problems = Vec::new();
        let json = checked_json(&node, &RESOURCE, "", &mut problems);
        let v = decode::<ResourceEntry>(&node, json, &mut problems);
        (v, problems)
    }

    #[test]
    fn every_bad_value_in_an_entry_is_reported() {
        let (v, p) = run("id: a\non_expiry: sometimes\nprotect: yes\nauto_renew:\n  period: decade\n  times: 120\n");
        // What is left once the bad keys are gone.
        let v = v.unwrap();
        assert_eq!(
            (v.on_expiry, v.protect, v.auto_renew),
            (None, None, Some(Default::default()))
        );
        let got: Vec<_> = p
            .iter()
            .map(|p| {
                (
                    p.path.as_str(),
                    p.mark.line,
                    p.mark.column,
                    p.message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "on_expiry",
                    2,
                    12,
                    "invalid on_expiry \"sometimes\": expected one of auto_renew, on_demand, none"
                ),
                (
                    "protect",
                    3,
                    10,
                    "invalid type: string \"yes\", expected a boolean (true or false)"
                ),
                (
                    "auto_renew.period",
                    5,
                    11,
                    "invalid auto_renew.period \"decade\": expected one of month, year"
                ),
                (
                    "auto_renew.times",
                    6,
                    10,
                    "invalid times 120: expected an integer from 0 to 99 (0 = unlimited)"
                ),
            ]
        );
    }

    #[test]
    fn missing_required_keys_point_at_their_mapping() {
        let (_, p) = run("name: web\nrenew_ahead:\n  period: 1y\n");
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.path.as_str(), p.mark.line, p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("renew_ahead", 3, "missing required key \"min_remaining\""),
                ("", 1, "missing required key \"id\""),
            ]
        );
    }

    #[test]
    fn a_removed_required_key_is_not_reported_twice() {
        let (_, p) = run("id: [1, 2]\n");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].path, "id");
        assert_eq!(p[0].message, "invalid type: sequence, expected a string");
    }

    #[test]
    fn enum_type_errors_list_the_values() {
        let (_, p) = run("id: a\non_expiry: 3\n");
        assert_eq!(
            p[0].message,
            "invalid type: integer 3, expected one of auto_renew, on_demand, none"
        );
    }

    #[test]
    fn good_entries_decode() {
        let (v, p) = run("id: a\non_expiry: none\n");
        assert!(p.is_empty());
        assert_eq!(v.unwrap().id, "a");
    }
}
