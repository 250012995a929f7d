//! PR cost diff (DESIGN §10, issue 11): `plan --base` / `--base-ref` against
//! the sandbox, the `diff` object, the markdown and text views as
//! snapshots, call counts from the sandbox's request log, and
//! `bssctl comment` against fake GitHub and GitLab APIs on 127.0.0.1.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    repo("tests/fixtures/cost-diff").join(name)
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `bssctl --sandbox plan -f HEAD [--base BASE] ARGS` on a fresh sandbox.
fn plan(head: &str, base: Option<&str>, extra: &[&str]) -> Run {
    let ws = Workspace::new();
    let head = fixture(head);
    let mut args = vec!["plan", "-f", p(&head)];
    let base = base.map(fixture);
    if let Some(b) = &base {
        args.extend(["--base", p(b)]);
    }
    args.extend(extra);
    ws.sandbox_run(&args)
}

fn json(head: &str, base: Option<&str>) -> Value {
    let r = plan(head, base, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource_id"].as_str().unwrap().to_string())
        .collect()
}

const PROD_DB: &str = "4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01";
const STAGING_DB: &str = "c3d9f1a2b8e74c5d9f0a6b1e2d3c4f5ain01";
const PROD_API: &str = "c62697d1-8e77-8686-3cba-12b6ff3b0f57";

#[test]
fn one_edit_diffs_only_what_it_affects_while_the_plan_keeps_due_renewals() {
    let v = json("increase.yaml", Some("base.yaml"));
    let d = &v["diff"];
    // The full plan renews both due databases and changes prod-api-01 …
    assert_eq!(ids(&v["changes"]), vec![PROD_DB, STAGING_DB, PROD_API]);
    // … but only prod-api-01 is this change's doing.
    assert_eq!(ids(&d["changes"]), vec![PROD_API]);
    let c = &d["changes"][0];
    assert_eq!(c["resource_name"], "prod-api-01");
    assert_eq!(c["base_operations"], serde_json::json!([]));
    assert_eq!(c["operations"], serde_json::json!(["enable_auto_renew"]));
    assert_eq!(c["renewal_cost_now"]["amount"], "0");
    assert_eq!(d["summary"]["renewal_cost_now"]["amount"], "0.00");
    assert_eq!(d["summary"]["commitment"]["added_per_month"], "1400.40");
    assert_eq!(d["summary"]["commitment"]["removed_per_month"], "0");
    // The base summary is the base planned alone.
    let alone = json("base.yaml", None);
    let mut base_summary = d["base_summary"].clone();
    let mut alone_summary = alone["summary"].clone();
    for s in [&mut base_summary, &mut alone_summary] {
        let o = s.as_object_mut().unwrap();
        for k in ["api_calls", "balance"] {
            o.remove(k);
        }
    }
    assert_eq!(base_summary, alone_summary);
    assert_eq!(v["format_version"], "1");
}

#[test]
fn base_equal_to_head_is_an_empty_diff_with_zero_money() {
    let v = json("base.yaml", Some("base.yaml"));
    let d = &v["diff"];
    assert_eq!(d["changes"], serde_json::json!([]));
    assert_eq!(d["summary"]["renewal_cost_now"]["amount"], "0.00");
    for k in [
        "added_per_month",
        "removed_per_month",
        "added_per_year",
        "removed_per_year",
    ] {
        assert_eq!(d["summary"]["commitment"][k], "0", "{k}");
    }
    // The plan itself still renews what is due.
    assert_eq!(v["summary"]["to_renew"], 2);
}

#[test]
fn without_a_base_there_is_no_diff_key() {
    let v = json("base.yaml", None);
    assert!(v.get("diff").is_none());
}

#[test]
fn a_dropped_renewal_and_a_moved_period_are_negative_deltas() {
    let v = json("decrease.yaml", Some("base.yaml"));
    let d = &v["diff"];
    assert_eq!(ids(&d["changes"]), vec![STAGING_DB]);
    assert_eq!(
        d["changes"][0]["base_operations"],
        serde_json::json!(["renew"])
    );
    assert_eq!(d["changes"][0]["operations"], serde_json::json!([]));
    assert_eq!(d["summary"]["renewal_cost_now"]["amount"], "-504.00");
    assert_eq!(d["changes"][0]["renewal_cost_now"]["amount"], "-504.00");

    let v = json("period.yaml", Some("base.yaml"));
    let d = &v["diff"];
    assert_eq!(ids(&d["changes"]), vec![PROD_DB]);
    assert_eq!(d["changes"][0]["operations"], serde_json::json!(["renew"]));
    assert_eq!(
        d["changes"][0]["base_operations"],
        serde_json::json!(["renew"])
    );
    assert_eq!(d["summary"]["renewal_cost_now"]["amount"], "-17640.00");
}

fn headline(md: &str) -> &str {
    md.lines()
        .find(|l| l.starts_with("### "))
        .expect("a headline")
}

fn markdown(head: &str) -> String {
    let r = plan(head, Some("base.yaml"), &["--format", "markdown"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("<!-- bssctl-plan-comment -->\n"));
    assert_eq!(r.stdout.matches("<!-- bssctl-plan-comment -->").count(), 1);
    r.stdout
}

fn text_section(head: &str) -> String {
    let r = plan(head, Some("base.yaml"), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let at = r
        .stdout
        .find("Compared with the base:")
        .expect("the section");
    r.stdout[at..].to_string()
}

#[test]
fn markdown_and_text_increase() {
    let md = markdown("increase.yaml");
    assert_eq!(
        headline(&md),
        "### bssctl plan: this change: CNY 0.00 now · +CNY 1,400.40/month auto-renew"
    );
    assert!(md.contains("<details><summary>Full plan after merge"));
    insta::assert_snapshot!("markdown_increase", md);
    insta::assert_snapshot!("text_increase", text_section("increase.yaml"));
}

#[test]
fn markdown_and_text_decrease() {
    let md = markdown("decrease.yaml");
    assert_eq!(
        headline(&md),
        "### bssctl plan: this change: -CNY 504.00 now · auto-renew unchanged"
    );
    insta::assert_snapshot!("markdown_decrease", md);
    insta::assert_snapshot!("text_decrease", text_section("decrease.yaml"));
}

#[test]
fn markdown_and_text_no_change() {
    let r = plan("base.yaml", Some("base.yaml"), &["--format", "markdown"]);
    assert!(r.stdout.contains("<!-- bssctl-diff: none -->"));
    assert_eq!(
        headline(&r.stdout),
        "### bssctl plan: this change: CNY 0.00 now · auto-renew unchanged"
    );
    insta::assert_snapshot!("markdown_no_change", r.stdout);
    insta::assert_snapshot!("text_no_change", text_section("base.yaml"));
}

#[test]
fn markdown_and_text_moved_period() {
    let md = markdown("period.yaml");
    assert!(!md.contains("<!-- bssctl-diff: none -->"));
    insta::assert_snapshot!("markdown_period", md);
    insta::assert_snapshot!("text_period", text_section("period.yaml"));
}

/// A base with a YAML error is the base's error, with file and line.
#[test]
fn a_broken_base_is_reported_as_the_bases_error() {
    let ws = Workspace::new();
    let broken = ws.write("base/broken.yaml", "version: 1\nresources:\n  - id: [\n");
    let head = fixture("base.yaml");
    let r = ws.sandbox_run(&["plan", "-f", p(&head), "--base", p(&broken)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("base: {}:", broken.display())),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("the base manifests have 1 error(s)"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
}

// ---- --base-ref ----

fn git(dir: &Path, args: &[&str]) {
    let o = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A repository whose `main` holds the base split over two files; the
/// working tree (the head) renames one and deletes the other.
fn repo_with_base(ws: &Workspace) -> PathBuf {
    let dir = ws.path("repo");
    let m = dir.join("manifests");
    std::fs::create_dir_all(&m).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    let base = std::fs::read_to_string(fixture("base.yaml")).unwrap();
    let (head_part, staging) = base.split_once("  - id: c3d9").unwrap();
    std::fs::write(m.join("prod.yaml"), head_part).unwrap();
    std::fs::write(
        m.join("staging.yaml"),
        format!("version: 1\nresources:\n  - id: c3d9{staging}"),
    )
    .unwrap();
    std::fs::write(m.join("notes.txt"), "not a manifest").unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    git(
        &dir,
        &["mv", "manifests/prod.yaml", "manifests/production.yaml"],
    );
    git(&dir, &["rm", "-q", "manifests/staging.yaml"]);
    git(&dir, &["commit", "-q", "-m", "head"]);
    dir
}

#[test]
fn base_ref_reads_renamed_and_deleted_files_at_the_ref() {
    let ws = Workspace::new();
    let dir = repo_with_base(&ws);
    let m = dir.join("manifests");
    let mut c = ws.bssctl();
    c.current_dir(&dir)
        .args(["--sandbox", "plan", "--format", "json", "-f"])
        .arg(&m)
        .args(["--base-ref", "HEAD~1"]);
    let o = run(c);
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    // The head no longer has staging.yaml: its renewal leaves the diff.
    assert_eq!(ids(&v["diff"]["changes"]), vec![STAGING_DB]);
    assert_eq!(v["diff"]["base_summary"]["to_renew"], 2);
    assert_eq!(
        v["diff"]["summary"]["renewal_cost_now"]["amount"],
        "-504.00"
    );
}

#[test]
fn base_ref_errors_are_clear() {
    let ws = Workspace::new();
    let dir = repo_with_base(&ws);
    let m = dir.join("manifests");
    let mut c = ws.bssctl();
    c.current_dir(&dir)
        .args(["--sandbox", "plan", "-f"])
        .arg(&m)
        .args(["--base-ref", "no-such-branch"]);
    let (_, stderr) = text(&run(c));
    assert!(
        stderr.contains("--base-ref no-such-branch: no such commit in"),
        "{stderr}"
    );

    // Outside a repository.
    let outside = ws.write(
        "plain/a.yaml",
        &std::fs::read_to_string(fixture("base.yaml")).unwrap(),
    );
    let mut c = ws.bssctl();
    c.current_dir(ws.path("plain"))
        .env("GIT_CEILING_DIRECTORIES", ws.dir.path())
        .args(["--sandbox", "plan", "-f"])
        .arg(&outside)
        .args(["--base-ref", "main"]);
    let o = run(c);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr.contains("is not inside a git repository"),
        "{stderr}"
    );

    // A base with an error at the ref names REF:path and the line.
    std::fs::write(m.join("production.yaml"), "version: 1\nresources: []\n").unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "head2"]);
    std::fs::write(
        dir.join("manifests/bad.yaml"),
        "version: 1\nresources:\n  - id: [\n",
    )
    .unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "bad"]);
    std::fs::remove_file(dir.join("manifests/bad.yaml")).unwrap();
    let mut c = ws.bssctl();
    c.current_dir(&dir)
        .args(["--sandbox", "plan", "-f"])
        .arg(&m)
        .args(["--base-ref", "HEAD"]);
    let o = run(c);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("base: HEAD:manifests/bad.yaml:4:1: error: YAML syntax error"),
        "{stderr}"
    );
}

// ---- call counts (DESIGN §8) ----

/// (api, resource ids) per request of a plan against a logging sandbox.
fn logged(head: &str, base: Option<&str>) -> Vec<(String, Vec<String>)> {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let log = ws.path("requests.jsonl");
    let sandbox = SandboxProc::start(&state, &["--request-log", p(&log)]);
    let mut c = ws.bssctl_at(&sandbox);
    c.args(["plan", "--format", "json", "-f"])
        .arg(fixture(head));
    if let Some(b) = base {
        c.arg("--base").arg(fixture(b));
    }
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    sandbox.stop();
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let mut ids: Vec<String> = v["resource_ids"]
                .as_array()
                .map(|a| a.iter().map(|i| i.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            ids.sort();
            let mut api = v["api"].as_str().unwrap_or("").to_string();
            // A resource query by order (the pending-order lookup) is not
            // the inventory listing.
            if v["order_ids"].as_array().is_some_and(|a| !a.is_empty()) {
                api.push_str(" (by order)");
            }
            (api, ids)
        })
        .collect()
}

fn count(log: &[(String, Vec<String>)], api: &str) -> usize {
    log.iter().filter(|(a, _)| a == api).count()
}

fn rate_ids(log: &[(String, Vec<String>)]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (a, ids) in log {
        if a == "ListRenewRateOnPeriod" {
            for id in ids {
                *out.entry(id.clone()).or_insert(0) += 1;
            }
        }
    }
    out
}

#[test]
fn a_plan_with_a_base_lists_once_and_prices_the_union_once() {
    // The head's keys include the base's: with the base, exactly the
    // head's calls; the base adds none.
    let head = logged("increase.yaml", None);
    let both = logged("increase.yaml", Some("base.yaml"));
    assert_eq!(count(&both, "ListPayPerUseCustomerResources"), 1);
    assert_eq!(count(&head, "ListPayPerUseCustomerResources"), 1);
    assert_eq!(
        count(&both, "ListRenewRateOnPeriod"),
        count(&head, "ListRenewRateOnPeriod")
    );
    assert_eq!(rate_ids(&both), rate_ids(&head));
    // The base's keys include the head's: the base's calls, once.
    let base = logged("base.yaml", None);
    let both = logged("decrease.yaml", Some("base.yaml"));
    assert_eq!(count(&both, "ListPayPerUseCustomerResources"), 1);
    assert_eq!(
        count(&both, "ListRenewRateOnPeriod"),
        count(&base, "ListRenewRateOnPeriod")
    );
    assert_eq!(rate_ids(&both), rate_ids(&base));
    assert!(
        rate_ids(&both).values().all(|n| *n == 1),
        "{:?}",
        rate_ids(&both)
    );
}
