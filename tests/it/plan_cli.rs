//! `plan`, `validate` and `schema` through the CLI against the sandbox:
//! expected changes and exit codes, snapshots of every output format, and a
//! message (and exit 1) for every kind of bad manifest.

use crate::common::*;

fn examples() -> String {
    repo("examples/manifests").display().to_string()
}

fn plan_output(ws: &Workspace, format: &str) -> (i32, String, String) {
    let mut c = ws.bssctl();
    c.args([
        "plan",
        "--sandbox",
        "--detailed-exitcode",
        "--format",
        format,
        "-f",
        &examples(),
    ]);
    let o = run(c);
    let (out, err) = text(&o);
    (o.status.code().unwrap_or(-1), out, err)
}

#[test]
fn plan_shows_the_expected_changes_with_exit_code_2() {
    let ws = Workspace::new();
    let (code, out, err) = plan_output(&ws, "text");
    assert_eq!(code, 2, "{out}\n{err}");
    for expected in [
        "+ prod-api-01 (c62697d1-8e77-8686-3cba-12b6ff3b0f57)",
        "enable_auto_renew (month, unlimited)",
        "renew 1y",
        "~ backup-vol-01",
        "cancel_auto_renew",
        "+ staging-app-01",
        "renew 3m",
        "set_on_demand",
        "unpaid renewal order CS2611220930RJPYC",
        "Plan: 6 to renew, 6 to change, 0 to unsubscribe. Renewal cost now: CNY ",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    // Without --detailed-exitcode a plan with changes still exits 0.
    let mut c = ws.bssctl();
    c.args(["plan", "--sandbox", "-f", &examples()]);
    assert_eq!(run(c).status.code(), Some(0));
}

#[test]
fn snapshots_of_every_format() {
    let ws = Workspace::new();
    for format in ["text", "json", "markdown"] {
        let (code, out, err) = plan_output(&ws, format);
        assert_eq!(code, 2, "{err}");
        insta::assert_snapshot!(format!("examples_plan_{format}"), out);
    }
}

#[test]
fn the_plan_is_deterministic() {
    let a = plan_output(&Workspace::new(), "json").1;
    let b = plan_output(&Workspace::new(), "json").1;
    assert_eq!(a, b);
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["format_version"], "1");
    let change = &v["changes"][0];
    for key in [
        "resource_id",
        "resource_name",
        "is_main_resource",
        "before",
        "after",
        "operations",
        "actions",
    ] {
        assert!(change.get(key).is_some(), "changes[0].{key}");
    }
    let renew = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["price"].is_object())
        .unwrap();
    for key in ["currency", "official_amount", "discount_amount", "amount"] {
        assert!(
            renew["price"][key].is_string(),
            "price.{key} is a decimal string"
        );
    }
    assert!(v["summary"]["renewal_cost_now"]["amount"].is_string());
}

#[test]
fn schema_command_prints_the_checked_in_schema() {
    let ws = Workspace::new();
    let mut c = ws.bssctl();
    c.arg("schema");
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let checked_in: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo("schema/bssctl.schema.json")).unwrap())
            .unwrap();
    assert_eq!(
        printed, checked_in,
        "schema/bssctl.schema.json is stale: run `bssctl schema > schema/bssctl.schema.json`"
    );
}

/// Every manifest directory under examples/ validates offline and against
/// the sandbox.
#[test]
fn every_example_validates() {
    let ws = Workspace::new();
    for dir in ["examples/manifests", "examples/cleanup"] {
        let path = repo(dir).display().to_string();
        let mut c = ws.bssctl();
        c.args(["validate", "-f", &path]);
        let o = run(c);
        assert_eq!(o.status.code(), Some(0), "{dir}: {}", text(&o).1);
        assert!(text(&o).0.contains("offline check only"));
        let mut c = ws.bssctl();
        c.args(["validate", "--sandbox", "-f", &path]);
        let o = run(c);
        assert_eq!(o.status.code(), Some(0), "{dir}: {}", text(&o).1);
        assert!(text(&o).0.contains("checked against the account"));
    }
}

const VM: &str = "0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978";
const DISK: &str = "5c2a9e11-3f7d-4b8a-a1c2-7e6f5d4c3b21";

/// A case name, its files (name, text), and pieces stderr must contain.
type Case = (&'static str, Vec<(&'static str, String)>, Vec<String>);

fn bad_manifest_cases() -> Vec<Case> {
    vec![
        (
            "unknown key",
            vec![("a.yaml", format!("version: 1\nresources:\n  - id: {VM}\n    on_expiri: auto_renew\n"))],
            vec!["a.yaml:4:5: error: resources[0].on_expiri".into(), "unknown key".into()],
        ),
        (
            "wrong type",
            vec![("a.yaml", format!("version: 1\nresources:\n  - id: {VM}\n    protect: maybe\n"))],
            vec!["a.yaml:4:14: error: resources[0].protect".into()],
        ),
        (
            "invalid months",
            vec![("a.yaml", format!("version: 1\nresources:\n  - id: {VM}\n    renew_ahead: {{ min_remaining: 7d, period: 13m }}\n"))],
            vec!["resources[0].renew_ahead.period".into(), "13m".into()],
        ),
        (
            "invalid years",
            vec![("a.yaml", format!("version: 1\nresources:\n  - id: {VM}\n    renew_ahead: {{ min_remaining: 7d, period: 4y }}\n"))],
            vec!["resources[0].renew_ahead.period".into(), "4y".into()],
        ),
        (
            "renew period not longer than min_remaining",
            vec![("a.yaml", format!("version: 1\nresources:\n  - id: {VM}\n    renew_ahead: {{ min_remaining: 30d, period: 1m }}\n"))],
            vec!["resources[0].renew_ahead".into(), "longer".into()],
        ),
        (
            "auto_renew times out of range",
            vec![("a.yaml", format!("version: 1\nresources:\n  - id: {VM}\n    on_expiry: auto_renew\n    auto_renew: {{ times: 100 }}\n"))],
            vec!["resources[0].auto_renew.times".into()],
        ),
        (
            "duplicate ids across files",
            vec![
                ("a.yaml", format!("version: 1\nresources:\n  - id: {VM}\n    on_expiry: auto_renew\n")),
                ("b.yaml", format!("version: 1\nresources:\n  - id: {VM}\n    on_expiry: none\n")),
            ],
            vec!["a.yaml".into(), "b.yaml".into(), VM.into()],
        ),
        (
            "conflicting selectors",
            vec![(
                "a.yaml",
                "version: 1\nselectors:\n  - match: { name: \"prod-web-*\" }\n    on_expiry: auto_renew\n  - match: { region: cn-north-4, service_type: hws.service.type.ec2 }\n    on_expiry: on_demand\n"
                    .to_string(),
            )],
            vec!["selectors[0]".into(), "selectors[1]".into(), "a.yaml:3".into(), "a.yaml:6".into()],
        ),
        (
            "attached resource differing from its main",
            vec![(
                "a.yaml",
                format!("version: 1\nresources:\n  - id: {VM}\n    on_expiry: auto_renew\n  - id: {DISK}\n    on_expiry: on_demand\n"),
            )],
            vec![DISK.into(), VM.into()],
        ),
        (
            "id that does not exist",
            vec![("a.yaml", "version: 1\nresources:\n  - id: no-such-resource\n    on_expiry: auto_renew\n".to_string())],
            vec!["no-such-resource".into(), "does not exist".into()],
        ),
        (
            "unsubscribe on a selector",
            vec![("a.yaml", "version: 1\nselectors:\n  - match: { name: \"dev-*\" }\n    state: unsubscribed\n".to_string())],
            vec!["selectors[0].state".into()],
        ),
        (
            "missing version",
            vec![("a.yaml", format!("resources:\n  - id: {VM}\n"))],
            vec!["version".into()],
        ),
        (
            "yaml syntax",
            vec![("a.yaml", "version: 1\nresources:\n  - id: [unclosed\n".to_string())],
            vec!["a.yaml:".into()],
        ),
    ]
}

#[test]
fn every_bad_manifest_gets_its_own_message_and_exit_1() {
    for (case, files, expected) in bad_manifest_cases() {
        let ws = Workspace::new();
        for (name, body) in &files {
            ws.write(&format!("m/{name}"), body);
        }
        let mut c = ws.bssctl();
        c.args(["plan", "--sandbox", "-f"]).arg(ws.path("m"));
        let o = run(c);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{case}: {out}\n{err}");
        for e in &expected {
            assert!(
                err.contains(e.as_str()),
                "{case}: expected {e:?} in stderr:\n{err}"
            );
        }
        assert!(
            out.is_empty(),
            "{case}: no plan on stdout when manifests are bad: {out}"
        );
    }
}

#[test]
fn all_errors_are_reported_in_one_run() {
    let ws = Workspace::new();
    ws.write(
        "m/a.yaml",
        &format!(
            "version: 1\nresources:\n  - id: {VM}\n    on_expiri: auto_renew\n    renew_ahead: {{ min_remaining: 7d, period: 13m }}\n  - id: x\n    protect: maybe\n"
        ),
    );
    ws.write("m/b.yaml", "version: 2\n");
    let mut c = ws.bssctl();
    c.args(["validate", "-f"]).arg(ws.path("m"));
    let o = run(c);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    let errors = err.lines().filter(|l| l.contains(": error: ")).count();
    assert!(errors >= 4, "expected every error at once:\n{err}");
}

#[test]
fn a_selector_matching_nothing_is_a_warning() {
    let ws = Workspace::new();
    let m = ws.write(
        "m/a.yaml",
        "version: 1\nselectors:\n  - match: { name: \"nothing-matches-*\" }\n    on_expiry: auto_renew\n",
    );
    let mut c = ws.bssctl();
    c.args(["plan", "--sandbox", "--detailed-exitcode", "-f"])
        .arg(&m);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        out.contains("matches no resource") || out.contains("matches nothing"),
        "{out}"
    );
}

#[test]
fn plan_reports_purchases_left_in_flight_by_an_earlier_run() {
    let ws = Workspace::new();
    std::fs::create_dir_all(ws.state_dir()).unwrap();
    // The embedded sandbox's own journal, keyed by its account and state.
    seed_into(&ws.sandbox_state());
    let endpoint = format!(
        "sandbox:{}",
        std::fs::canonicalize(ws.sandbox_state()).unwrap().display()
    );
    let intent = serde_json::json!({
        "event": "intent", "ts": "2026-11-23T10:00:00Z", "run_id": "r1", "intent_id": "r1-b0-a1",
        "operation": {"kind": "renew", "period_type": 3, "period_num": 1, "is_auto_pay": 1},
        "resource_ids": ["4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01"],
        "expire_before": {"4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01": "2026-12-10T00:00:00Z"},
        "domain_id": DOMAIN, "endpoint": endpoint
    });
    std::fs::write(
        ws.state_dir().join("sandbox-journal.jsonl"),
        format!("{intent}\n"),
    )
    .unwrap();
    let (code, out, _) = plan_output(&ws, "text");
    assert_eq!(code, 2);
    assert!(
        out.contains("journal: renew of 4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01 sent at 2026-11-23T10:00:00Z (run r1) had an unknown outcome; checked the account after the settle time: it did not take effect"),
        "{out}"
    );
}

/// The JSON plan of the examples is byte-identical to the golden file made
/// before the architecture refactor (issue 9): a restructuring must not
/// change the documented contract (`docs/plan-json.md`).
#[test]
fn the_json_plan_of_the_examples_matches_the_golden_file() {
    let ws = Workspace::new();
    let mut c = ws.bssctl();
    c.args([
        "plan",
        "--sandbox",
        "--sandbox-reset",
        "--format",
        "json",
        "-f",
        &examples(),
    ]);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let golden = std::fs::read(repo("tests/fixtures/golden/examples-plan.json")).unwrap();
    assert!(
        o.stdout == golden,
        "plan --format json of examples/manifests differs from tests/fixtures/golden/examples-plan.json"
    );
}
