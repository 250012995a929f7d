//! A small YAML tree where every node, and every mapping key, remembers its
//! line and column. Built from yaml-rust2's event parser (driven one event at
//! a time, so a malformed stream yields an error, never a panic).
//!
//! Scalars follow the YAML 1.2 core schema (`yes`/`no` are strings, not
//! booleans). Anchors and aliases work; alias expansion and nesting depth are
//! bounded so a hostile file cannot exhaust memory or the stack.

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Deepest nesting accepted; manifests need 4 levels.
pub const MAX_DEPTH: usize = 64;
/// Most nodes that aliases may copy in one file ("billion laughs" guard).
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// A position in the source, both 1-based (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mark {
    pub line: usize,
    pub column: usize,
}

impl Mark {
    pub const START: Mark = Mark { line: 1, column: 1 };

    fn from_marker(m: &Marker) -> Mark {
        // yaml-rust2 counts lines from 1 but columns from 0.
        Mark {
            line: m.line().max(1),
            column: m.col() + 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar and its source text (keys use the text).
    Scalar(Scalar, String),
    Seq(Vec<Node>),
    Map(Vec<MapEntry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub mark: Mark,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub key: String,
    pub key_mark: Mark,
    pub value: Node,
}

impl Node {
    pub fn as_map(&self) -> Option<&[MapEntry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Scalar(Scalar::Null, _))
    }

    /// The entry for `key` when this is a mapping.
    pub fn entry(&self, key: &str) -> Option<&MapEntry> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    /// "a mapping", "a list", "the string \"x\"", ... for messages.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Map(_) => "a mapping".into(),
            Value::Seq(_) => "a list".into(),
            Value::Scalar(Scalar::Null, _) => "nothing (null)".into(),
            Value::Scalar(Scalar::Bool(b), _) => format!("the boolean {b}"),
            Value::Scalar(Scalar::Int(i), _) => format!("the number {i}"),
            Value::Scalar(Scalar::Float(_), raw) => format!("the number {raw}"),
            Value::Scalar(Scalar::Str(s), _) => format!("the string {s:?}"),
        }
    }

    /// The same data as JSON, for serde (floats that JSON cannot hold, like
    /// `.inf`, become strings and are then refused by the typed layer).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Scalar(s, raw) => match s {
                Scalar::Null => J::Null,
                Scalar::Bool(b) => J::Bool(*b),
                Scalar::Int(i) => J::from(*i),
                Scalar::Float(f) => serde_json::Number::from_f64(*f)
                    .map_or_else(|| J::String(raw.clone()), J::Number),
                Scalar::Str(s) => J::String(s.clone()),
            },
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    fn size(&self) -> usize {
        match &self.value {
            Value::Scalar(..) => 1,
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(entries) => 1 + entries.iter().map(|e| 1 + e.value.size()).sum::<usize>(),
        }
    }
}

/// A problem found while reading the YAML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub mark: Mark,
    /// Key path of the problem (`resources[0].protect`), empty when unknown.
    pub key: String,
    pub message: String,
}

/// The parsed file: `root` is `None` for an empty file or a syntax error.
/// Non-fatal problems (duplicate keys) leave a usable `root` next to errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Option<Node>,
    pub errors: Vec<YamlError>,
}

/// Resolves a plain (unquoted, untagged) scalar per the YAML 1.2 core schema.
pub fn resolve_plain(text: &str) -> Scalar {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        _ => {}
    }
    let (sign, body) = match text.as_bytes()[0] {
        b'-' => (-1.0, &text[1..]),
        b'+' => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    let radix = |prefix: &str, radix: u32| {
        body.strip_prefix(prefix)
            .filter(|digits| !digits.is_empty() && !text.starts_with(['-', '+']))
            .and_then(|digits| i64::from_str_radix(digits, radix).ok())
    };
    if let Some(i) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return Scalar::Int(i);
    }
    if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<i64>() {
            Ok(i) => Scalar::Int(i),
            // Too large for i64: still a number, kept as a float.
            Err(_) => text
                .parse::<f64>()
                .map(Scalar::Float)
                .unwrap_or_else(|_| Scalar::Str(text.into())),
        };
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let looks_float = {
        let (mantissa, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let mantissa_ok = digits(int) && digits(frac) && (!int.is_empty() || !frac.is_empty());
        let exp_ok = exp.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        });
        mantissa_ok && exp_ok
    };
    if looks_float {
        if let Ok(f) = text.parse::<f64>() {
            return Scalar::Float(f);
        }
    }
    match body {
        ".inf" | ".Inf" | ".INF" => Scalar::Float(sign * f64::INFINITY),
        ".nan" | ".NaN" | ".NAN" if body == text => Scalar::Float(f64::NAN),
        _ => Scalar::Str(text.into()),
    }
}

fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Scalar {
    let core =
        |suffix: &str| tag.is_some_and(|t| t.handle == "tag:yaml.org,2002:" && t.suffix == suffix);
    if core("str") {
        return Scalar::Str(text);
    }
    match style {
        TScalarStyle::Plain => resolve_plain(&text),
        _ => Scalar::Str(text),
    }
}

enum Frame {
    Seq {
        mark: Mark,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        mark: Mark,
        anchor: usize,
        entries: Vec<MapEntry>,
        /// The key waiting for its value; `Some(None)` when it was unusable.
        key: Option<Option<(String, Mark)>>,
    },
}

struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: std::collections::HashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    errors: Vec<YamlError>,
}

impl Builder {
    /// The key path of the node being completed.
    fn path(&self) -> String {
        let mut s = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Seq { items, .. } => s.push_str(&format!("[{}]", items.len())),
                Frame::Map {
                    key: Some(Some((name, _))),
                    ..
                } => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(name);
                }
                Frame::Map { .. } => {}
            }
        }
        s
    }

    fn complete(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        // Only a duplicate key needs the path; find out before borrowing.
        let dup_path = match self.stack.last() {
            Some(Frame::Map {
                entries,
                key: Some(Some((name, _))),
                ..
            }) if entries.iter().any(|e| e.key == *name) => self.path(),
            _ => String::new(),
        };
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    *key = Some(match node.value {
                        Value::Scalar(_, text) => Some((text, node.mark)),
                        _ => {
                            self.errors.push(YamlError {
                                key: String::new(),
                                mark: node.mark,
                                message: "mapping keys must be plain names, not lists or mappings"
                                    .into(),
                            });
                            None
                        }
                    });
                }
                Some(None) => {}
                Some(Some((name, key_mark))) => {
                    let mut node = node;
                    if matches!(&node.value, Value::Scalar(Scalar::Null, raw) if raw.is_empty()) {
                        // `key:` with nothing after it: the parser marks the
                        // empty value at the next token, often the next line.
                        node.mark = Mark {
                            line: key_mark.line,
                            column: key_mark.column + name.chars().count() + 1,
                        };
                    }
                    if let Some(first) = entries.iter().find(|e| e.key == name) {
                        self.errors.push(YamlError {
                            key: dup_path,
                            mark: key_mark,
                            message: format!(
                                "duplicate key {name:?} (first at line {}); each key may appear once per mapping",
                                first.key_mark.line
                            ),
                        });
                    } else {
                        entries.push(MapEntry {
                            key: name,
                            key_mark,
                            value: node,
                        });
                    }
                }
            },
        }
    }

    fn push(&mut self, frame: Frame, mark: Mark) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                key: String::new(),
                mark,
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    fn event(&mut self, ev: Event, mark: Mark) -> Result<(), YamlError> {
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(text.clone(), style, tag.as_ref());
                self.complete(
                    Node {
                        mark,
                        value: Value::Scalar(value, text),
                    },
                    anchor,
                );
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(YamlError {
                        key: String::new(),
                        mark,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                self.alias_nodes += size;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(YamlError {
                        key: String::new(),
                        mark,
                        message: format!("aliases expand to more than {MAX_ALIAS_NODES} nodes"),
                    });
                }
                let node = Node {
                    mark,
                    value: node.value.clone(),
                };
                self.complete(node, 0);
            }
            Event::SequenceStart(anchor, _) => {
                self.push(
                    Frame::Seq {
                        mark,
                        anchor,
                        items: Vec::new(),
                    },
                    mark,
                )?;
            }
            Event::MappingStart(anchor, _) => {
                self.push(
                    Frame::Map {
                        mark,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                    },
                    mark,
                )?;
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    mark,
                    anchor,
                    items,
                }) = self.stack.pop()
                {
                    self.complete(
                        Node {
                            mark,
                            value: Value::Seq(items),
                        },
                        anchor,
                    );
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    mark,
                    anchor,
                    entries,
                    ..
                }) = self.stack.pop()
                {
                    // A block mapping's start event sits after its first key;
                    // the mapping "is" where its first key is.
                    let mark = entries.first().map_or(mark, |e| e.key_mark.min(mark));
                    self.complete(
                        Node {
                            mark,
                            value: Value::Map(entries),
                        },
                        anchor,
                    );
                }
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
        Ok(())
    }
}

/// Parses one YAML document. More than one document (`---`) is an error:
/// bssctl reads one manifest per file.
pub fn parse(text: &str) -> Document {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        stack: Vec::new(),
        root: None,
        anchors: Default::default(),
        alias_nodes: 0,
        errors: Vec::new(),
    };
    let mut documents = 0;
    loop {
        let (ev, marker) = match parser.next_token() {
            Ok(x) => x,
            Err(e) => {
                b.errors.push(YamlError {
                    key: String::new(),
                    mark: Mark::from_marker(e.marker()),
                    message: format!("YAML syntax error: {}", e.info()),
                });
                return Document {
                    root: None,
                    errors: b.errors,
                };
            }
        };
        let mark = Mark::from_marker(&marker);
        match ev {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    b.errors.push(YamlError {
                        key: String::new(),
                        mark,
                        message: "a second YAML document (---) in one file; put each manifest in its own file".into(),
                    });
                    break;
                }
            }
            ev => {
                if let Err(e) = b.event(ev, mark) {
                    b.errors.push(e);
                    return Document {
                        root: None,
                        errors: b.errors,
                    };
                }
            }
        }
    }
    Document {
        root: b.root,
        errors: b.errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        let doc = parse(text);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        doc.root.unwrap()
    }

    #[test]
    fn keys_and_values_keep_their_positions() {
        let n = root("version: 1\nresources:\n  - id: a\n    auto_renew: {period: 13m}\n");
        let res = n.entry("resources").unwrap();
        assert_eq!(res.key_mark, Mark { line: 2, column: 1 });
        let item = &res.value.as_seq().unwrap()[0];
        assert_eq!(item.mark, Mark { line: 3, column: 5 });
        let ar = item.entry("auto_renew").unwrap();
        assert_eq!(ar.key_mark, Mark { line: 4, column: 5 });
        let period = ar.value.entry("period").unwrap();
        assert_eq!(
            period.key_mark,
            Mark {
                line: 4,
                column: 18
            }
        );
        assert_eq!(
            period.value.mark,
            Mark {
                line: 4,
                column: 26
            }
        );
    }

    #[test]
    fn core_schema_scalars() {
        let cases = [
            ("~", Scalar::Null),
            ("", Scalar::Null),
            ("true", Scalar::Bool(true)),
            ("FALSE", Scalar::Bool(false)),
            ("yes", Scalar::Str("yes".into())),
            ("12", Scalar::Int(12)),
            ("-3", Scalar::Int(-3)),
            ("0x1f", Scalar::Int(31)),
            ("0o17", Scalar::Int(15)),
            ("1.5", Scalar::Float(1.5)),
            ("5000.00", Scalar::Float(5000.0)),
            ("1e3", Scalar::Float(1000.0)),
            (".5", Scalar::Float(0.5)),
            ("30d", Scalar::Str("30d".into())),
            ("1y", Scalar::Str("1y".into())),
            ("inf", Scalar::Str("inf".into())),
            ("-", Scalar::Str("-".into())),
            ("+", Scalar::Str("+".into())),
            ("1.2.3", Scalar::Str("1.2.3".into())),
            ("e5", Scalar::Str("e5".into())),
            ("-0x1", Scalar::Str("-0x1".into())),
            ("99999999999999999999", Scalar::Float(1e20)),
        ];
        for (text, want) in cases {
            assert_eq!(resolve_plain(text), want, "{text:?}");
        }
        assert!(matches!(resolve_plain("-.inf"), Scalar::Float(f) if f == f64::NEG_INFINITY));
        let n = root("a: \"1\"\nb: !!str 2\nc: '~'\n");
        assert_eq!(
            n.entry("a").unwrap().value.to_json(),
            serde_json::json!("1")
        );
        assert_eq!(
            n.entry("b").unwrap().value.to_json(),
            serde_json::json!("2")
        );
        assert_eq!(
            n.entry("c").unwrap().value.to_json(),
            serde_json::json!("~")
        );
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_first_kept() {
        let doc = parse("a: 1\nb: 2\na: 3\n");
        assert_eq!(doc.errors.len(), 1);
        assert_eq!(doc.errors[0].mark, Mark { line: 3, column: 1 });
        assert!(doc.errors[0]
            .message
            .contains("duplicate key \"a\" (first at line 1)"));
        assert_eq!(
            doc.root.unwrap().to_json(),
            serde_json::json!({"a": 1, "b": 2})
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let doc = parse("version: 1\nresources:\n  - id: a\n   bad: [1\n");
        assert!(doc.root.is_none());
        assert_eq!(doc.errors[0].mark.line, 4);
        assert!(doc.errors[0].message.starts_with("YAML syntax error: "));
    }

    #[test]
    fn aliases_expand_and_are_bounded() {
        let n = root("base: &b {on_expiry: none}\nother: *b\n");
        assert_eq!(
            n.entry("other").unwrap().value.to_json(),
            serde_json::json!({"on_expiry": "none"})
        );
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let doc = parse(&bomb);
        assert!(doc.root.is_none());
        assert!(
            doc.errors[0].message.contains("aliases expand"),
            "{:?}",
            doc.errors
        );
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(10_000);
        let doc = parse(&deep);
        assert!(doc.root.is_none());
        assert!(!doc.errors.is_empty());
        let doc = parse(&format!("{}1{}", "[".repeat(100), "]".repeat(100)));
        assert!(
            doc.errors[0].message.contains("nesting deeper"),
            "{:?}",
            doc.errors
        );
    }

    #[test]
    fn empty_and_multi_document_files() {
        assert_eq!(parse("").root, None);
        assert_eq!(parse("# only a comment\n").root, None);
        let doc = parse("a: 1\n---\nb: 2\n");
        assert!(doc.errors[0].message.contains("second YAML document"));
        assert_eq!(doc.errors[0].mark.line, 2);
    }

    #[test]
    fn complex_keys_are_refused() {
        let doc = parse("? [1]\n: 2\nok: 3\n");
        assert_eq!(doc.errors.len(), 1);
        assert!(doc.errors[0]
            .message
            .contains("mapping keys must be plain names"));
        assert_eq!(doc.root.unwrap().to_json(), serde_json::json!({"ok": 3}));
    }
}
