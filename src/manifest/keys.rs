//! The keys allowed at every level of a manifest, checked on the marked tree
//! BEFORE serde sees an entry: serde's `deny_unknown_fields` stops at the
//! first unknown key, this reports all of them (with a "did you mean").
//! A test keeps this table and the JSON schema in step.

use super::yaml::{Mark, Node, Scalar, Value};

/// Mapping-valued keys that also take `false` (turn an inherited value off).
const SWITCHABLE: &[&str] = &["renew_ahead"];

/// One mapping level: its keys, and for keys whose value is itself a
/// mapping, that mapping's level.
pub struct Level {
    /// How messages name this level ("auto_renew", "a resources entry").
    pub name: &'static str,
    pub keys: &'static [(&'static str, Option<&'static Level>)],
    /// Keys that are refused with a specific explanation.
    pub refused: &'static [(&'static str, &'static str)],
    /// A one-line example of the mapping, for "must be a mapping" messages.
    pub example: &'static str,
}

/// The top level; its sections are checked one by one by the loader, so
/// each problem is reported once, under the section's own key.
pub static ROOT: Level = Level {
    name: "the manifest",
    keys: &[
        ("version", None),
        ("defaults", None),
        ("policy", None),
        ("accounts", None),
        ("renewal_settings", None),
        ("audit", None),
        ("resources", None),
        ("selectors", None),
    ],
    refused: &[],
    example: "version: 1",
};

pub static DEFAULTS: Level = Level {
    name: "defaults",
    keys: &[("auto_pay", None)],
    refused: &[],
    example: "{ auto_pay: true }",
};

pub static POLICY: Level = Level {
    name: "policy",
    keys: &[
        ("max_renewal_cost", None),
        ("max_commitment_increase", None),
    ],
    refused: &[],
    example: "{ max_renewal_cost: \"5000.00\" }",
};

pub static RENEWAL_SETTINGS: Level = Level {
    name: "renewal_settings",
    keys: &[("deduction_day", None), ("expire_day", None)],
    refused: &[],
    example: "{ deduction_day: 5, expire_day: 15 }",
};

pub static AUDIT: Level = Level {
    name: "audit",
    keys: &[("region", None), ("project_id", None)],
    refused: &[],
    example: "{ region: cn-north-4, project_id: 0d4a1c2b3e5f46a7b8c9d0e1f2a3b4c5 }",
};

pub static AUTO_RENEW: Level = Level {
    name: "auto_renew",
    keys: &[("period", None), ("times", None)],
    refused: &[],
    example: "{ period: month, times: 0 }",
};

pub static RENEW_AHEAD: Level = Level {
    name: "renew_ahead",
    keys: &[("min_remaining", None), ("period", None)],
    refused: &[],
    example: "{ min_remaining: 30d, period: 1y }",
};

pub static MATCH: Level = Level {
    name: "match",
    keys: &[
        ("service_type", None),
        ("resource_type", None),
        ("region", None),
        ("name", None),
        ("project_id", None),
        ("enterprise_project", None),
        ("expires_within", None),
    ],
    refused: &[],
    example: "{ service_type: hws.service.type.ec2, name: \"prod-*\" }",
};

pub static RESOURCE: Level = Level {
    name: "a resources entry",
    keys: &[
        ("id", None),
        ("name", None),
        ("on_expiry", None),
        ("auto_renew", Some(&AUTO_RENEW)),
        ("renew_ahead", Some(&RENEW_AHEAD)),
        ("protect", None),
        ("state", None),
        ("account", None),
    ],
    refused: &[(
        "match",
        "a resources entry names one resource by id; put match criteria in a selectors entry",
    )],
    example: "{ id: <resource_id>, on_expiry: auto_renew }",
};

pub static SELECTOR: Level = Level {
    name: "a selectors entry",
    keys: &[
        ("match", Some(&MATCH)),
        ("on_expiry", None),
        ("auto_renew", Some(&AUTO_RENEW)),
        ("renew_ahead", Some(&RENEW_AHEAD)),
        ("protect", None),
        ("account", None),
    ],
    refused: &[
        (
            "state",
            "selectors cannot set state: releasing resources by pattern is refused; name each resource to \
             unsubscribe by id under resources, with state: unsubscribed",
        ),
        (
            "id",
            "selectors match resources by their properties; to name one resource by id, use a resources entry",
        ),
    ],
    example: "{ match: { name: \"prod-*\" }, on_expiry: auto_renew }",
};

pub static AGENCY: Level = Level {
    name: "agency",
    keys: &[("name", None), ("from", None)],
    refused: &[],
    example: "{ name: bssctl-master-ops, from: master }",
};

pub static FUNDING: Level = Level {
    name: "funding",
    keys: &[
        ("from", None),
        ("max_per_apply", None),
        ("keep_min_balance", None),
    ],
    refused: &[],
    example: "{ from: master, max_per_apply: \"2000.00\" }",
};

/// One entry under `accounts` (the alias is its key).
pub static ACCOUNT: Level = Level {
    name: "an accounts entry",
    keys: &[
        ("domain_id", None),
        ("credentials", None),
        ("profile", None),
        ("agency", Some(&AGENCY)),
        ("funding", Some(&FUNDING)),
    ],
    refused: &[],
    example: "{ domain_id: <account id>, credentials: default }",
};

/// A problem inside one entry; `path` is relative to the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub mark: Mark,
    pub path: String,
    pub message: String,
}

pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else if key.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Converts a mapping to JSON, leaving out (and reporting) every key not
/// allowed at its level and every nested value that should be a mapping but
/// is not. Non-mappings convert unchanged: serde reports their type.
pub fn checked_json(
    node: &Node,
    level: &Level,
    prefix: &str,
    problems: &mut Vec<Problem>,
) -> serde_json::Value {
    let Value::Map(entries) = &node.value else {
        return node.to_json();
    };
    let mut out = serde_json::Map::new();
    for e in entries {
        let path = join(prefix, &e.key);
        match level.keys.iter().find(|(k, _)| *k == e.key) {
            Some((_, None)) => {
                out.insert(e.key.clone(), e.value.to_json());
            }
            Some((_, Some(child))) => match &e.value.value {
                Value::Map(_) => {
                    out.insert(
                        e.key.clone(),
                        checked_json(&e.value, child, &path, problems),
                    );
                }
                _ if e.value.is_null() => {
                    out.insert(e.key.clone(), serde_json::Value::Null);
                }
                Value::Scalar(Scalar::Bool(false), _) if SWITCHABLE.contains(&e.key.as_str()) => {
                    out.insert(e.key.clone(), serde_json::Value::Bool(false));
                }
                _ => problems.push(Problem {
                    mark: e.value.mark,
                    path,
                    message: format!(
                        "{} must be a mapping like {}{}, not {}",
                        e.key,
                        child.example,
                        if SWITCHABLE.contains(&e.key.as_str()) {
                            ", or false to turn it off"
                        } else {
                            ""
                        },
                        e.value.describe()
                    ),
                }),
            },
            None => problems.push(Problem {
                mark: e.key_mark,
                path,
                message: unknown_key_message(level, &e.key),
            }),
        }
    }
    serde_json::Value::Object(out)
}

pub fn unknown_key_message(level: &Level, key: &str) -> String {
    if let Some((_, why)) = level.refused.iter().find(|(k, _)| *k == key) {
        return why.to_string();
    }
    let allowed: Vec<&str> = level.keys.iter().map(|(k, _)| *k).collect();
    let hint = suggest(key, &allowed)
        .map(|s| format!("; did you mean {s:?}?"))
        .unwrap_or_default();
    format!(
        "unknown key {key:?}{hint} (allowed in {}: {})",
        level.name,
        allowed.join(", ")
    )
}

/// The closest allowed key, when it is close enough to be a typo.
pub fn suggest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let key_l = key.to_lowercase();
    allowed
        .iter()
        .map(|a| (edit_distance(&key_l, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4) && *d < a.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::types::json_schema;
    use crate::manifest::yaml::parse;

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(suggest("perod", &["period", "times"]), Some("period"));
        assert_eq!(
            suggest("on_expire", &["on_expiry", "protect"]),
            Some("on_expiry")
        );
        assert_eq!(
            suggest("Protect", &["on_expiry", "protect"]),
            Some("protect")
        );
        assert_eq!(suggest("colour", &["period", "times"]), None);
        assert_eq!(suggest("x", &["id"]), None);
    }

    #[test]
    fn all_unknown_keys_are_reported_and_left_out() {
        let node =
            parse("id: a\nfoo: 1\nauto_renew: {perod: month, times: 1, bar: 2}\nrenew_ahead: 3\n")
                .root
                .unwrap();
        let mut problems = Vec::new();
        let json = checked_json(&node, &RESOURCE, "", &mut problems);
        assert_eq!(
            json,
            serde_json::json!({"id": "a", "auto_renew": {"times": 1}})
        );
        let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["foo", "auto_renew.perod", "auto_renew.bar", "renew_ahead"]
        );
        assert!(
            problems[1].message.contains("did you mean \"period\"?"),
            "{}",
            problems[1].message
        );
        assert!(problems[1]
            .message
            .contains("(allowed in auto_renew: period, times)"));
        assert_eq!(
            problems[1].mark,
            Mark {
                line: 3,
                column: 14
            }
        );
        assert!(problems[3]
            .message
            .contains("renew_ahead must be a mapping like { min_remaining: 30d"));
    }

    /// The key table must list exactly the schema's properties, level by level.
    #[test]
    fn table_matches_the_schema() {
        let schema = json_schema();
        let defs = &schema["$defs"];
        let props = |v: &serde_json::Value| -> Vec<String> {
            v["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        let names =
            |l: &Level| -> Vec<String> { l.keys.iter().map(|(k, _)| k.to_string()).collect() };
        assert_eq!(names(&ROOT), props(&schema));
        for (level, def) in [
            (&DEFAULTS, "Defaults"),
            (&POLICY, "Policy"),
            (&RENEWAL_SETTINGS, "RenewalSettings"),
            (&AUTO_RENEW, "AutoRenewSpec"),
            (&RENEW_AHEAD, "RenewAhead"),
            (&MATCH, "Match"),
            (&RESOURCE, "ResourceEntry"),
            (&SELECTOR, "SelectorEntry"),
            (&ACCOUNT, "AccountEntry"),
            (&AGENCY, "AgencySpec"),
            (&FUNDING, "Funding"),
        ] {
            assert_eq!(names(level), props(&defs[def]), "{def}");
        }
    }
}
