//! `apply --format json` prints exactly one JSON document on stdout, also
//! when nothing is executed (no changes, a refusal).

use crate::common::*;
use serde_json::Value;

fn examples() -> String {
    repo("examples/manifests").display().to_string()
}

fn apply_json(ws: &Workspace, extra: &[&str]) -> (i32, Value, String) {
    let mut c = ws.bssctl();
    c.args(["apply", "--sandbox", "--format", "json", "-f", &examples()]);
    c.args(extra);
    let o = run(c);
    let (out, err) = text(&o);
    let doc: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{out}\n{err}"));
    (o.status.code().unwrap_or(-1), doc, err)
}

#[test]
fn a_refused_apply_still_prints_one_document_with_no_results() {
    let ws = Workspace::new();
    // No terminal and no --auto-approve: refused after planning.
    let (code, doc, err) = apply_json(&ws, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("refusing to apply without confirmation"),
        "{err}"
    );
    assert_eq!(doc["format_version"], "1");
    assert!(!doc["plan"]["changes"].as_array().unwrap().is_empty());
    assert_eq!(doc["results"], serde_json::json!([]));
    assert_eq!(
        doc["summary"],
        serde_json::json!({"done": 0, "failed": 0, "skipped": 0})
    );
}

#[test]
fn an_apply_prints_its_results_then_a_second_one_has_nothing_to_do() {
    let ws = Workspace::new();
    let (code, doc, err) = apply_json(&ws, &["--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let results = doc["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| r["status"] == "done"), "{doc}");
    assert_eq!(
        doc["summary"]["done"].as_u64().unwrap() as usize,
        results.len()
    );
    assert_eq!(doc["summary"]["failed"], 0);
    assert!(doc["results"][0]["operation"]["kind"].is_string());

    let (code, doc, err) = apply_json(&ws, &["--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["plan"]["batches"], serde_json::json!([]));
    assert_eq!(doc["results"], serde_json::json!([]));
}
