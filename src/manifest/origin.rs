//! Where a manifest entry came from, so later stages (resolve, plan) can
//! point at the exact line that asked for something.

use super::diagnostic::{Diagnostic, Severity};
use super::yaml::{Node, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    /// Position of the entry itself (its first key), 1-based.
    pub line: usize,
    pub column: usize,
    /// The entry's key path in its file, e.g. `resources[3]`.
    pub key: String,
    /// Relative key path inside the entry (`auto_renew.period`) → 1-based
    /// line/column of that key's VALUE (where a bad value is shown).
    pub key_positions: BTreeMap<String, (usize, usize)>,
}

/// A typed entry and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub origin: Origin,
}

impl Origin {
    /// Records every key below `node` (an entry of a manifest).
    pub fn of(file: PathBuf, key: String, node: &Node) -> Origin {
        let mut key_positions = BTreeMap::new();
        collect(node, "", &mut key_positions);
        Origin {
            file,
            line: node.mark.line,
            column: node.mark.column,
            key,
            key_positions,
        }
    }

    /// The full key path of `rel` (`resources[3].auto_renew`), or the entry's.
    pub fn full_key(&self, rel: &str) -> String {
        match (self.key.is_empty(), rel.is_empty()) {
            (_, true) => self.key.clone(),
            (true, false) => rel.to_string(),
            (false, false) => format!("{}.{rel}", self.key),
        }
    }

    /// Position of `rel`'s value, else of the nearest enclosing key, else of
    /// the entry.
    pub fn position(&self, rel: &str) -> (usize, usize) {
        let mut k = rel;
        loop {
            if let Some(p) = self.key_positions.get(k) {
                return *p;
            }
            match k.rfind('.') {
                Some(i) => k = &k[..i],
                None => return (self.line, self.column),
            }
        }
    }

    /// A diagnostic pointing at `rel` inside this entry.
    pub fn diagnostic(
        &self,
        severity: Severity,
        rel: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = self.position(rel);
        let d = match severity {
            Severity::Error => Diagnostic::error(message),
            Severity::Warning => Diagnostic::warning(message),
        };
        d.in_file(&self.file)
            .at(line, column)
            .with_key(self.full_key(rel))
    }

    pub fn error(&self, rel: &str, message: impl Into<String>) -> Diagnostic {
        self.diagnostic(Severity::Error, rel, message)
    }

    pub fn warning(&self, rel: &str, message: impl Into<String>) -> Diagnostic {
        self.diagnostic(Severity::Warning, rel, message)
    }

    /// `file:line (key)`, for naming this entry in another entry's message.
    pub fn place(&self) -> String {
        format!("{}:{} ({})", self.file.display(), self.line, self.key)
    }
}

fn collect(node: &Node, prefix: &str, out: &mut BTreeMap<String, (usize, usize)>) {
    if let Value::Map(entries) = &node.value {
        for e in entries {
            let path = if prefix.is_empty() {
                e.key.clone()
            } else {
                format!("{prefix}.{}", e.key)
            };
            out.insert(path.clone(), (e.value.mark.line, e.value.mark.column));
            collect(&e.value, &path, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::yaml::parse;

    #[test]
    fn positions_fall_back_to_the_enclosing_key() {
        let root = parse("- id: a\n  auto_renew:\n    period: month\n")
            .root
            .unwrap();
        let entry = &root.as_seq().unwrap()[0];
        let o = Origin::of("m.yaml".into(), "resources[0]".into(), entry);
        assert_eq!((o.line, o.column), (1, 3));
        assert_eq!(o.position("auto_renew.period"), (3, 13));
        assert_eq!(o.position("auto_renew.times"), (3, 5));
        assert_eq!(o.position("nope"), (1, 3));
        assert_eq!(o.full_key("auto_renew"), "resources[0].auto_renew");
        assert_eq!(
            o.error("id", "x").to_string(),
            "m.yaml:1:7: error: resources[0].id: x"
        );
        assert_eq!(o.place(), "m.yaml:1 (resources[0])");
    }
}
