//! Loading and offline validation: every error and warning, with its exact
//! position and key.

use super::*;
use crate::manifest::types::{AutoRenewPeriod, DesiredState, ExpireDay, OnExpiry};
use rust_decimal::Decimal;

fn messages(text: &str) -> Vec<String> {
    load_str("m.yaml", text)
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect()
}

const HEAD: &str = "version: 1\n";

/// One manifest body (after `version: 1`) → the exact diagnostics.
#[test]
fn each_problem_is_reported_with_position_and_key() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "unknown top-level key",
            "polcy: {}\n",
            &["m.yaml:2:1: error: polcy: unknown key \"polcy\"; did you mean \"policy\"? (allowed in the manifest: version, defaults, policy, accounts, renewal_settings, audit, resources, selectors)"],
        ),
        (
            "unknown key in an entry",
            "resources:\n  - id: a\n    on_expire: none\n",
            &["m.yaml:4:5: error: resources[0].on_expire: unknown key \"on_expire\"; did you mean \"on_expiry\"? (allowed in a resources entry: id, name, on_expiry, auto_renew, renew_ahead, protect, state, account)"],
        ),
        (
            "match in a resources entry",
            "resources:\n  - id: a\n    match: {name: x}\n",
            &["m.yaml:4:5: error: resources[0].match: a resources entry names one resource by id; put match criteria in a selectors entry"],
        ),
        (
            "wrong type",
            "resources:\n  - id: a\n    protect: yes\n",
            &["m.yaml:4:14: error: resources[0].protect: invalid type: string \"yes\", expected a boolean (true or false)"],
        ),
        (
            "id of the wrong type",
            "resources:\n  - id: 12\n",
            &["m.yaml:3:9: error: resources[0].id: invalid type: integer 12, expected a string"],
        ),
        (
            "missing id",
            "resources:\n  - name: web\n",
            &["m.yaml:3:5: error: resources[0]: missing required key \"id\""],
        ),
        (
            "bad enum value",
            "resources:\n  - id: a\n    on_expiry: renew\n",
            &["m.yaml:4:16: error: resources[0].on_expiry: invalid on_expiry \"renew\": expected one of auto_renew, on_demand, none"],
        ),
        (
            "bad state",
            "resources:\n  - id: a\n    state: deleted\n",
            &["m.yaml:4:12: error: resources[0].state: invalid state \"deleted\": expected one of active, unsubscribed"],
        ),
        (
            "bad auto_renew period",
            "resources:\n  - id: a\n    on_expiry: auto_renew\n    auto_renew: {period: weekly}\n",
            &["m.yaml:5:26: error: resources[0].auto_renew.period: invalid auto_renew.period \"weekly\": expected one of month, year"],
        ),
        (
            "times over 99",
            "resources:\n  - id: a\n    on_expiry: auto_renew\n    auto_renew:\n      times: 100\n",
            &["m.yaml:6:14: error: resources[0].auto_renew.times: invalid times 100: expected an integer from 0 to 99 (0 = unlimited)"],
        ),
        (
            "invalid renew period",
            "resources:\n  - id: a\n    renew_ahead:\n      min_remaining: 30d\n      period: 13m\n",
            &["m.yaml:6:15: error: resources[0].renew_ahead.period: invalid period \"13m\": months are 1m to 11m (use 1y to 3y for longer)"],
        ),
        (
            "invalid duration",
            "resources:\n  - id: a\n    renew_ahead: {min_remaining: 30, period: 1y}\n",
            &["m.yaml:4:34: error: resources[0].renew_ahead.min_remaining: invalid duration 30: add a unit: 30d (days), 30w (weeks) or 30h (hours)"],
        ),
        (
            "renew_ahead missing a key",
            "resources:\n  - id: a\n    renew_ahead: {period: 1y}\n",
            &["m.yaml:4:18: error: resources[0].renew_ahead: missing required key \"min_remaining\""],
        ),
        (
            "renew_ahead not a mapping",
            "resources:\n  - id: a\n    renew_ahead: 1y\n",
            &["m.yaml:4:18: error: resources[0].renew_ahead: renew_ahead must be a mapping like { min_remaining: 30d, period: 1y }, or false to turn it off, not the string \"1y\""],
        ),
        (
            "period not longer than min_remaining (28 days = 1m)",
            "resources:\n  - id: a\n    renew_ahead: {min_remaining: 28d, period: 1m}\n",
            &["m.yaml:4:47: error: resources[0].renew_ahead.period: renew_ahead.period 1m must be longer than min_remaining 28d (a month counts as 28 days, a year as 365), or every plan would renew again; use a longer period or a shorter min_remaining"],
        ),
        (
            "period not longer than min_remaining (a year is 365 days)",
            "resources:\n  - id: a\n    renew_ahead: {min_remaining: 53w, period: 1y}\n",
            &["m.yaml:4:47: error: resources[0].renew_ahead.period: renew_ahead.period 1y must be longer than min_remaining 53w (a month counts as 28 days, a year as 365), or every plan would renew again; use a longer period or a shorter min_remaining"],
        ),
        (
            "auto_renew with another on_expiry in the same entry",
            "resources:\n  - id: a\n    on_expiry: on_demand\n    auto_renew: {period: year}\n",
            &["m.yaml:5:17: error: resources[0].auto_renew: auto_renew applies only with on_expiry: auto_renew, but this entry sets on_expiry: on_demand; remove auto_renew or set on_expiry: auto_renew"],
        ),
        (
            "unsubscribed and protected",
            "resources:\n  - id: a\n    state: unsubscribed\n    protect: true\n",
            &["m.yaml:4:12: error: resources[0].state: state: unsubscribed conflicts with protect: true (a protected resource is never unsubscribed); remove one of them"],
        ),
        (
            "unsubscribed with settings",
            "resources:\n  - id: a\n    state: unsubscribed\n    on_expiry: none\n    renew_ahead: {min_remaining: 1d, period: 1m}\n",
            &[
                "m.yaml:5:16: error: resources[0].on_expiry: on_expiry cannot be combined with state: unsubscribed (the resource is being released); remove it",
                "m.yaml:6:18: error: resources[0].renew_ahead: renew_ahead cannot be combined with state: unsubscribed (the resource is being released); remove it",
            ],
        ),
        (
            "empty id",
            "resources:\n  - id: \"\"\n",
            &["m.yaml:3:9: error: resources[0].id: id must not be empty: give the resource_id of a main resource"],
        ),
        (
            "duplicate id in one file",
            "resources:\n  - id: a\n  - id: b\n  - id: a\n",
            &["m.yaml:5:9: error: resources[2].id: duplicate id \"a\": already declared at m.yaml:3 (resources[0]); declare each resource once"],
        ),
        (
            "selector with an empty match",
            "selectors:\n  - match: {}\n    protect: true\n",
            &["m.yaml:3:12: error: selectors[0].match: match needs at least one key: service_type, resource_type, region, name, project_id, enterprise_project or expires_within"],
        ),
        (
            "selector with state",
            "selectors:\n  - match: {name: \"old-*\"}\n    state: unsubscribed\n",
            &[
                "m.yaml:4:5: error: selectors[0].state: selectors cannot set state: releasing resources by pattern is refused; name each resource to unsubscribe by id under resources, with state: unsubscribed",
            ],
        ),
        (
            "selector with an unknown match key",
            "selectors:\n  - match: {nmae: \"x\", region: r}\n    protect: true\n",
            &["m.yaml:3:13: error: selectors[0].match.nmae: unknown key \"nmae\"; did you mean \"name\"? (allowed in match: service_type, resource_type, region, name, project_id, enterprise_project, expires_within)"],
        ),
        (
            "selector with a bad glob",
            "selectors:\n  - match: {name: \"prod-[\"}\n    protect: true\n",
            &["m.yaml:3:19: error: selectors[0].match.name: invalid name pattern \"prod-[\": invalid range pattern at position 5; use * (any text), ? (one character) or [abc]"],
        ),
        (
            "selector that sets nothing",
            "selectors:\n  - match: {region: r}\n",
            &["m.yaml:3:5: warning: selectors[0]: this selector sets nothing (on_expiry, auto_renew, renew_ahead or protect), so it has no effect"],
        ),
        (
            "selector without match",
            "selectors:\n  - protect: true\n",
            &["m.yaml:3:5: error: selectors[0]: missing required key \"match\""],
        ),
        (
            "deduction_day out of range",
            "renewal_settings:\n  deduction_day: 8\n",
            &["m.yaml:3:18: error: renewal_settings.deduction_day: invalid deduction_day 8: expected an integer from 2 to 7 (days before expiry)"],
        ),
        (
            "expire_day out of range",
            "renewal_settings: {expire_day: 29}\n",
            &["m.yaml:2:32: error: renewal_settings.expire_day: invalid expire_day 29: not every month has day 29; expected a day of the month from 1 to 28, or \"month_end\""],
        ),
        (
            "expire_day bad word",
            "renewal_settings: {expire_day: end}\n",
            &["m.yaml:2:32: error: renewal_settings.expire_day: invalid expire_day \"end\": expected a day of the month from 1 to 28, or \"month_end\""],
        ),
        (
            "negative money",
            "policy:\n  max_renewal_cost: -5\n",
            &["m.yaml:3:21: error: policy.max_renewal_cost: invalid amount -5: amounts cannot be negative"],
        ),
        (
            "unknown defaults key",
            "defaults: {auto_approve: true}\n",
            &["m.yaml:2:12: error: defaults.auto_approve: unknown key \"auto_approve\" (allowed in defaults: auto_pay)"],
        ),
        (
            "section not a mapping",
            "policy: 5000\n",
            &["m.yaml:2:9: error: policy: policy must be a mapping like { max_renewal_cost: \"5000.00\" }, not the number 5000"],
        ),
        (
            "resources not a list",
            "resources:\n  id: a\n",
            &["m.yaml:3:3: error: resources: resources must be a list of entries (each starting with \"- \"), not a mapping"],
        ),
        (
            "entry not a mapping",
            "resources:\n  - a\n",
            &["m.yaml:3:5: error: resources[0]: each entry must be a mapping like { id: <resource_id>, on_expiry: auto_renew }, not the string \"a\""],
        ),
        (
            "duplicate key",
            "resources:\n  - id: a\n    protect: true\n    protect: false\n",
            &["m.yaml:5:5: error: resources[0].protect: duplicate key \"protect\" (first at line 4); each key may appear once per mapping"],
        ),
    ];
    let mut failures = Vec::new();
    for (what, body, want) in cases {
        let got = messages(&format!("{HEAD}{body}"));
        if got != *want {
            failures.push(format!("{what}:\n   got {got:?}\n  want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_manifests_load_into_a_set() {
    let loaded = load_str(
        "m.yaml",
        r#"# yaml-language-server: $schema=../schema/bssctl.schema.json
version: 1
defaults:
  auto_pay: false
policy:
  max_renewal_cost: "5000.00"
  max_commitment_increase: 800
renewal_settings:
  deduction_day: 5
  expire_day: month_end
resources:
  - id: 0b5f7d2e
    name: web-01
    on_expiry: auto_renew
    auto_renew: { period: month, times: 0 }
    renew_ahead: { min_remaining: 30d, period: 1y }
    protect: true
  - id: 7c1e
    state: unsubscribed
selectors:
  - match: { service_type: hws.service.type.ec2, region: cn-north-4, name: "prod-*", expires_within: 2w }
    on_expiry: auto_renew
    auto_renew: { period: year }
"#,
    );
    assert_eq!(loaded.diagnostics, []);
    let set = loaded.set.unwrap();
    assert_eq!(set.files, [PathBuf::from("m.yaml")]);
    assert!(!set.defaults.auto_pay);
    let policy = set.policy.unwrap();
    assert_eq!(policy.max_renewal_cost, Some(Decimal::new(500000, 2)));
    assert_eq!(policy.max_commitment_increase, Some(Decimal::from(800)));
    assert_eq!(
        set.renewal_settings.unwrap().expire_day,
        Some(ExpireDay::MonthEnd)
    );
    assert_eq!(set.resources.len(), 2);
    let r = &set.resources[0];
    assert_eq!(r.value.on_expiry, Some(OnExpiry::AutoRenew));
    assert_eq!(
        (r.origin.line, r.origin.column, r.origin.key.as_str()),
        (12, 5, "resources[0]")
    );
    assert_eq!(r.origin.key_positions["auto_renew.period"], (15, 27));
    assert_eq!(r.origin.key_positions["id"], (12, 9));
    assert_eq!(
        set.resources[1].value.state,
        Some(DesiredState::Unsubscribed)
    );
    let s = &set.selectors[0];
    assert_eq!(
        s.value.auto_renew.unwrap().period,
        Some(AutoRenewPeriod::Year)
    );
    assert_eq!(s.origin.key, "selectors[0]");
    assert_eq!(s.value.r#match.expires_within.unwrap().to_string(), "2w");
}

#[test]
fn defaults_apply_when_nothing_is_said() {
    let set = load_str("m.yaml", "version: 1\nresources:\nselectors: ~\npolicy:\n")
        .set
        .unwrap();
    assert!(set.defaults.auto_pay);
    assert_eq!(set.policy, None);
    assert!(set.resources.is_empty() && set.selectors.is_empty());
}

#[test]
fn several_errors_in_one_file_are_all_reported() {
    let text = "version: 1
resources:
  - id: a
    on_expiry: sometimes
    colour: red
    flavour: mild
    renew_ahead: {min_remaining: 5w, period: 1m}
  - id: b
    auto_renew: {period: month, times: 500}
  - id: a
selectors:
  - match: {}
    state: unsubscribed
";
    let loaded = load_str("m.yaml", text);
    assert!(loaded.set.is_none());
    let got: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.line.unwrap(), d.column.unwrap(), d.key.clone().unwrap()))
        .collect();
    let want = [
        (4, 16, "resources[0].on_expiry"),
        (5, 5, "resources[0].colour"),
        (6, 5, "resources[0].flavour"),
        // Checks across keys still run on the rest of a broken entry.
        (7, 46, "resources[0].renew_ahead.period"),
        (9, 40, "resources[1].auto_renew.times"),
        // Found although resources[0] has other errors.
        (10, 9, "resources[2].id"),
        (12, 12, "selectors[0].match"),
        (13, 5, "selectors[0].state"),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(l, c, k)| (*l, *c, k.to_string()))
        .collect();
    assert_eq!(got, want, "{:#?}", loaded.diagnostics);
}

#[test]
fn version_must_be_1() {
    let cases = [
        ("resources: []\n", "m.yaml:1:1: error: version: missing required key \"version\"; add `version: 1` at the top of the file"),
        ("version: 2\n", "m.yaml:1:10: error: version: unsupported version: the number 2; this bssctl reads manifests of version 1"),
        ("version: \"1\"\n", "m.yaml:1:10: error: version: version must be the number 1, not the string \"1\""),
        ("version:\n", "m.yaml:1:9: error: version: unsupported version: nothing (null); this bssctl reads manifests of version 1"),
    ];
    for (text, want) in cases {
        assert_eq!(messages(text), [want], "{text:?}");
    }
}

#[test]
fn whole_file_problems() {
    let cases = [
        ("", "m.yaml:1:1: error: the manifest is empty; it needs at least `version: 1`"),
        ("# nothing\n", "m.yaml:1:1: error: the manifest is empty; it needs at least `version: 1`"),
        ("- id: a\n", "m.yaml:1:1: error: a manifest must be a mapping with version, resources, selectors, ...; this file holds a list"),
        (
            "version: 1\nresources:\n  - id: a\n   bad: [1\n",
            "m.yaml:4:7: error: YAML syntax error: while parsing a block collection, did not find expected '-' indicator",
        ),
        (
            "version: 1\n---\nversion: 1\n",
            "m.yaml:2:1: error: a second YAML document (---) in one file; put each manifest in its own file",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(messages(text), [want], "{text:?}");
    }
}

#[test]
fn errors_across_two_files() {
    let a = "version: 1
defaults: {auto_pay: true}
policy: {max_renewal_cost: 100}
resources:
  - id: r1
";
    let b = "version: 1
defaults: {auto_pay: false}
policy: {max_renewal_cost: \"100.00\"}
resources:
  - id: r2
  - id: r1
    protect: maybe
";
    let loaded = load_texts(
        vec![("a.yaml".into(), a.into()), ("b.yaml".into(), b.into())],
        Vec::new(),
    );
    let got: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "b.yaml:2:11: error: defaults: defaults differs from the defaults at a.yaml:2 (defaults); give defaults in one file only, or the same in every file",
            "b.yaml:6:9: error: resources[1].id: duplicate id \"r1\": already declared at a.yaml:5 (resources[0]); declare each resource once",
            "b.yaml:7:14: error: resources[1].protect: invalid type: string \"maybe\", expected a boolean (true or false)",
        ]
    );
    // Equal values in several files are fine (100 == 100.00), and so is
    // splitting resources over files.
    let b_ok =
        "version: 1\npolicy: {max_renewal_cost: \"100.00\"}\nresources:\n  - id: r2\n  - id: r1\n";
    let loaded = load_texts(
        vec![("a.yaml".into(), a.into()), ("b.yaml".into(), b_ok.into())],
        Vec::new(),
    );
    let got: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        ["b.yaml:5:9: error: resources[1].id: duplicate id \"r1\": already declared at a.yaml:5 (resources[0]); declare each resource once"]
    );
    let b_fine = "version: 1\npolicy: {max_renewal_cost: \"100.00\"}\nresources:\n  - id: r2\n";
    let loaded = load_texts(
        vec![
            ("a.yaml".into(), a.into()),
            ("b.yaml".into(), b_fine.into()),
        ],
        Vec::new(),
    );
    assert_eq!(loaded.diagnostics, []);
    let set = loaded.set.unwrap();
    assert_eq!(
        set.files,
        [PathBuf::from("a.yaml"), PathBuf::from("b.yaml")]
    );
    let ids: Vec<_> = set.resources.iter().map(|r| r.value.id.as_str()).collect();
    assert_eq!(ids, ["r1", "r2"]);
    assert_eq!(set.resources[1].origin.file, PathBuf::from("b.yaml"));
}

#[test]
fn directories_load_recursively_in_path_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("b.yaml", "version: 1\nresources:\n  - id: from-b\n");
    write("a/z.yml", "version: 1\nresources:\n  - id: from-a-z\n");
    write("a/c.yaml", "version: 1\nresources:\n  - id: from-a-c\n");
    write("a/notes.txt", "not a manifest");
    write(".github/workflows/ci.yml", "on: push\n");
    write(".hidden.yaml", "garbage: [");
    let loaded = load(&[root.to_path_buf()]);
    assert_eq!(loaded.diagnostics, []);
    let set = loaded.set.unwrap();
    let rel: Vec<_> = set
        .files
        .iter()
        .map(|f| f.strip_prefix(root).unwrap().to_path_buf())
        .collect();
    assert_eq!(
        rel,
        [
            PathBuf::from("a/c.yaml"),
            PathBuf::from("a/z.yml"),
            PathBuf::from("b.yaml")
        ]
    );
    let ids: Vec<_> = set.resources.iter().map(|r| r.value.id.as_str()).collect();
    assert_eq!(ids, ["from-a-c", "from-a-z", "from-b"]);

    // Explicit paths keep their order; a file reached twice is read once.
    let loaded = load(&[root.join("b.yaml"), root.to_path_buf()]);
    let rel: Vec<_> = loaded
        .set
        .unwrap()
        .files
        .iter()
        .map(|f| f.strip_prefix(root).unwrap().to_path_buf())
        .collect();
    assert_eq!(
        rel,
        [
            PathBuf::from("b.yaml"),
            PathBuf::from("a/c.yaml"),
            PathBuf::from("a/z.yml")
        ]
    );

    // Files with errors are all reported, each under its own name.
    write(
        "a/c.yaml",
        "version: 1\nresources:\n  - id: x\n    protect: 3\n",
    );
    write(
        "b.yaml",
        "version: 1\nselectors:\n  - match: {}\n    protect: true\n",
    );
    let loaded = load(&[root.to_path_buf()]);
    let got: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    let c = root.join("a/c.yaml");
    let b = root.join("b.yaml");
    assert_eq!(
        got,
        [
            format!("{}:4:14: error: resources[0].protect: invalid type: integer 3, expected a boolean (true or false)", c.display()),
            format!("{}:3:12: error: selectors[0].match: match needs at least one key: service_type, resource_type, region, name, project_id, enterprise_project or expires_within", b.display()),
        ]
    );
}

#[test]
fn missing_paths_and_empty_directories() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.yaml");
    let loaded = load(std::slice::from_ref(&missing));
    assert!(loaded.set.is_none());
    assert_eq!(loaded.diagnostics.len(), 1);
    assert!(loaded.diagnostics[0]
        .to_string()
        .starts_with(&format!("{}: error: cannot read: ", missing.display())));

    let loaded = load(&[dir.path().to_path_buf()]);
    assert_eq!(
        loaded.diagnostics[0].to_string(),
        format!(
            "{}: error: no *.yaml or *.yml files in this directory",
            dir.path().display()
        )
    );
    let loaded = load(&[]);
    assert_eq!(
        loaded.diagnostics[0].to_string(),
        "error: no manifest given: pass one or more files or directories with -f"
    );

    let bad = dir.path().join("latin1.yaml");
    std::fs::write(&bad, b"version: 1\nresources:\n  - id: caf\xe9\n").unwrap();
    let loaded = load(std::slice::from_ref(&bad));
    assert!(
        loaded.diagnostics[0].message.contains("not UTF-8"),
        "{:?}",
        loaded.diagnostics
    );
}

/// Garbage must never panic, and anything not a manifest is an error.
#[test]
fn garbage_never_panics() {
    let samples = [
        "\0\0\0", "{", "}", "[", "]", "- - - -", ":", "::", "? ? ?", "&a *a", "*a", "&a [*a]", "!!binary x",
        "%YAML 1.2\n---\n", "%TAG ! x\n---\n", "'", "\"", "|\n  x", ">", "version: 1\nresources: [{id: [}]",
        "version: 1\nresources:\n- {id: a, auto_renew: {times: 1e99}}\n", "version: 0x1", "version: .inf",
        "version: 1\nselectors:\n- match: {expires_within: 4294967296d}\n  protect: true\n",
        "version: 1\nresources:\n- id: a\n  renew_ahead: {min_remaining: 4294967295w, period: 3y}\n",
        "\u{feff}version: 1\n", "version: 1\r\nresources:\r\n  - id: a\r\n", "\t", "version:\t1",
    ];
    for s in samples {
        let loaded = load_str("g.yaml", s);
        assert_eq!(loaded.set.is_some(), !loaded.has_errors(), "{s:?}");
    }
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = "version: 1
defaults: {auto_pay: true}
policy: {max_renewal_cost: \"5000.00\"}
renewal_settings: {deduction_day: 5, expire_day: 15}
resources:
  - id: a
    on_expiry: auto_renew
    auto_renew: {period: month, times: 0}
    renew_ahead: {min_remaining: 30d, period: 1y}
selectors:
  - match: {name: \"prod-*\", expires_within: 2w}
    protect: true
";

    /// Loading must never panic, and `set` is present exactly when there
    /// are no errors.
    fn check(text: &str) {
        let loaded = load_str("f.yaml", text);
        assert_eq!(loaded.set.is_some(), !loaded.has_errors());
        for d in &loaded.diagnostics {
            assert!(
                d.line.is_none_or(|l| l >= 1) && d.column.is_none_or(|c| c >= 1),
                "{d}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn random_yamlish_text(text in "[-:{}\\[\\],&*!|>?'\"#%@` \\n\\ta-z0-9_.~]{0,120}") {
            check(&text);
        }

        #[test]
        fn any_unicode(text in "\\PC{0,80}") {
            check(&text);
        }

        /// A valid manifest with one byte range replaced by junk.
        #[test]
        fn mutated_manifest(start in 0usize..VALID.len(), len in 0usize..12, junk in "[-:{}\\[\\], \\n\"a-z0-9]{0,6}") {
            let end = (start + len).min(VALID.len());
            let text = format!("{}{}{}", &VALID[..start], junk, &VALID[end..]);
            check(&text);
        }
    }

    #[test]
    fn the_unmutated_manifest_is_valid() {
        assert_eq!(load_str("f.yaml", VALID).diagnostics, []);
    }
}

#[test]
fn yaml_without_version_in_a_directory_is_skipped_with_a_note_but_not_when_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("m.yaml"), "version: 1\nresources:\n  - id: r1\n").unwrap();
    let workflow = root.join("ci.yml");
    std::fs::write(&workflow, "name: bssctl\non: push\njobs: {}\n").unwrap();
    let broken = root.join("broken.yaml");
    std::fs::write(&broken, "version: 1\nresources: 3\n").unwrap();

    let loaded = load(&[root.to_path_buf()]);
    let got: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    // The workflow is skipped with a warning; the broken manifest (it has
    // `version:`) is still read and reported.
    assert!(
        got.iter().any(|d| d.starts_with(&format!(
            "{}: warning: skipped: not a manifest (none of its top-level keys is version",
            workflow.display()
        ))),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|d| d.starts_with(&broken.display().to_string()) && d.contains("error")),
        "{got:?}"
    );
    std::fs::remove_file(&broken).unwrap();
    // A manifest that only forgot `version:` is read as one: an error.
    let forgot = root.join("forgot.yaml");
    std::fs::write(&forgot, "resources:\n  - id: r2\n").unwrap();
    let loaded = load(&[root.to_path_buf()]);
    assert!(loaded.set.is_none());
    assert!(loaded
        .diagnostics
        .iter()
        .any(|d| d.is_error() && d.file.as_deref() == Some(forgot.as_path())));
    std::fs::remove_file(&forgot).unwrap();
    let loaded = load(&[root.to_path_buf()]);
    let set = loaded.set.expect("the workflow does not stop the load");
    assert_eq!(set.files, [root.join("m.yaml")]);

    // Named with -f, the same file is read as a manifest: an error.
    let loaded = load(std::slice::from_ref(&workflow));
    assert!(loaded.set.is_none());
    assert!(loaded
        .diagnostics
        .iter()
        .any(|d| d.is_error() && d.message.contains("version")));
}
