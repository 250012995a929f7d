//! PR cost diff (DESIGN §10, issue 11): `plan --base` / `--base-ref` against
//! the sandbox, the `diff` object, the markdown and text views as
//! snapshots, call counts from the sandbox's request log, and
//! `bssctl comment` against fake GitHub and GitLab APIs on 127.0.0.1.

use crate::common::*;
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
    assert_eq!(c["renewal_cost_now"]["amount"], "0.00");
    assert_eq!(d["summary"]["renewal_cost_now"]["amount"], "0.00");
    assert_eq!(d["summary"]["commitment"]["added_per_month"], "1400.40");
    assert_eq!(d["summary"]["commitment"]["removed_per_month"], "0.00");
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
        assert_eq!(d["summary"]["commitment"][k], "0.00", "{k}");
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
    // A moved period: the union is three (id, period) keys in three period
    // groups (prod-db-01 at 1y and 2m, staging-db-01 at 1m) — the floor, 3
    // calls, each key priced once.
    let both = logged("period.yaml", Some("base.yaml"));
    assert_eq!(count(&both, "ListPayPerUseCustomerResources"), 1);
    assert_eq!(count(&both, "ListRenewRateOnPeriod"), 3);
    assert_eq!(
        rate_ids(&both),
        BTreeMap::from([(PROD_DB.to_string(), 2), (STAGING_DB.to_string(), 1)])
    );
}

// ---- bssctl comment against fake GitHub and GitLab APIs ----

use crate::fake_forge::{Fake, Style};

const TOKEN: &str = "ghp_TESTTOKEN0123456789abcdef";
const MARK: &str = "<!-- bssctl-plan-comment -->";

/// `bssctl comment ARGS` with the markdown on stdin, a token in `env`.
fn comment(ws: &Workspace, env: &[(&str, &str)], args: &[&str], stdin: &str) -> Run {
    use std::io::Write;
    let mut c = ws.bssctl();
    c.arg("comment").args(args).arg("-");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let (stdout, stderr) = text(&o);
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "the token leaked"
    );
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

fn gh_args<'a>(api: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "github",
        "--repo",
        "acme/infra",
        "--pull",
        "42",
        "--api-url",
        api,
    ];
    a.extend(extra);
    a
}

#[test]
fn github_comment_is_created_then_edited_in_place_across_pages() {
    // The real plan comment, from the sandbox.
    let md = plan(
        "increase.yaml",
        Some("base.yaml"),
        &["--format", "markdown"],
    )
    .stdout;
    assert!(md.starts_with(MARK));
    // A person quoting the marker is not bssctl's comment.
    let quoting = format!("why is there a {MARK} in the docs?");
    let fake = Fake::start(Style::GitHub, "", &["LGTM", &quoting, "ship it"]);
    let ws = Workspace::new();
    let env = [("GITHUB_TOKEN", TOKEN)];
    let r = comment(&ws, &env, &gh_args(&fake.base, &[]), &md);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("created comment 4 on the pull request acme/infra#42"),
        "{}",
        r.stderr
    );
    let reqs = fake.requests();
    let seen: Vec<(String, String, String)> = reqs
        .iter()
        .map(|q| (q.method.clone(), q.path.clone(), q.query.clone()))
        .collect();
    let coll = "/repos/acme/infra/issues/42/comments".to_string();
    assert_eq!(
        seen,
        vec![
            ("GET".into(), coll.clone(), "per_page=100".into()),
            ("GET".into(), coll.clone(), "per_page=100&page=2".into()),
            ("POST".into(), coll.clone(), "".into()),
        ]
    );
    for q in &reqs {
        assert_eq!(q.headers["authorization"], format!("Bearer {TOKEN}"));
        assert_eq!(q.headers["accept"], "application/vnd.github+json");
        assert_eq!(q.headers["x-github-api-version"], "2022-11-28");
        assert!(q.headers["user-agent"].starts_with("bssctl/"));
    }
    let posted: Value = serde_json::from_str(&reqs[2].body).unwrap();
    assert_eq!(posted, serde_json::json!({ "body": md }));

    // Another unrelated comment pushes ours to page 2; a second run edits it.
    fake.state.lock().unwrap().comments.push((5, "more".into()));
    let md2 = md.replace("prod-api-01", "prod-api-02");
    let r = comment(&ws, &env, &gh_args(&fake.base, &[]), &md2);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("updated comment 4 in place"),
        "{}",
        r.stderr
    );
    let reqs = fake.requests();
    let last: Vec<(String, String, String)> = reqs[3..]
        .iter()
        .map(|q| (q.method.clone(), q.path.clone(), q.query.clone()))
        .collect();
    assert_eq!(
        last,
        vec![
            ("GET".into(), coll.clone(), "per_page=100".into()),
            ("GET".into(), coll.clone(), "per_page=100&page=2".into()),
            ("GET".into(), coll.clone(), "per_page=100&page=3".into()),
            (
                "PATCH".into(),
                "/repos/acme/infra/issues/comments/4".into(),
                "".into()
            ),
        ]
    );
    assert_eq!(
        serde_json::from_str::<Value>(&reqs[6].body).unwrap(),
        serde_json::json!({ "body": md2 })
    );
    let comments = fake.comments();
    assert_eq!(comments.len(), 5);
    assert_eq!(
        comments.iter().filter(|(_, b)| b.starts_with(MARK)).count(),
        1
    );
    assert_eq!(comments[3], (4, md2));
    assert_eq!(comments[1], (2, quoting));
}

#[test]
fn github_behaviours_new_delete_and_new_and_skip_no_diff() {
    let body = format!("{MARK}\n### bssctl plan: this change: +CNY 1.00 now\n");
    let old = format!("{MARK}\nold");
    let fake = Fake::start(Style::GitHub, "", &[&old, "LGTM", &old]);
    let ws = Workspace::new();
    let env = [("GITHUB_TOKEN", TOKEN)];

    // new: no listing, one POST.
    let r = comment(
        &ws,
        &env,
        &gh_args(&fake.base, &["--behavior", "new"]),
        &body,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/repos/acme/infra/issues/42/comments")
    );

    // delete-and-new: every marked comment (4 now) deleted, then one POST.
    let r = comment(
        &ws,
        &env,
        &gh_args(&fake.base, &["--behavior", "delete-and-new"]),
        &body,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let calls: Vec<String> = fake.requests()[1..]
        .iter()
        .map(|q| format!("{} {}", q.method, q.path))
        .collect();
    assert_eq!(
        calls,
        vec![
            "GET /repos/acme/infra/issues/42/comments",
            "GET /repos/acme/infra/issues/42/comments",
            "DELETE /repos/acme/infra/issues/comments/1",
            "DELETE /repos/acme/infra/issues/comments/3",
            "DELETE /repos/acme/infra/issues/comments/4",
            "POST /repos/acme/infra/issues/42/comments",
        ]
    );
    assert!(
        r.stderr.contains("deleted earlier comment(s) 1, 3, 4"),
        "{}",
        r.stderr
    );
    assert_eq!(fake.comments(), vec![(2, "LGTM".into()), (5, body.clone())]);

    // --skip-no-diff with a change that has no effect: the stale comment
    // goes, nothing is posted.
    let none = plan("base.yaml", Some("base.yaml"), &["--format", "markdown"]).stdout;
    let n = fake.requests().len();
    let r = comment(&ws, &env, &gh_args(&fake.base, &["--skip-no-diff"]), &none);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "no cost or operation effect: no comment posted; deleted earlier comment(s) 5"
        ),
        "{}",
        r.stderr
    );
    let calls: Vec<String> = fake.requests()[n..]
        .iter()
        .map(|q| q.method.clone())
        .collect();
    assert_eq!(calls, vec!["GET", "DELETE"]);
    assert_eq!(fake.comments(), vec![(2, "LGTM".into())]);

    // --skip-no-diff with an effect posts as usual.
    let r = comment(&ws, &env, &gh_args(&fake.base, &["--skip-no-diff"]), &body);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("created comment 6"), "{}", r.stderr);
}

#[test]
fn gitlab_notes_page_by_x_next_page_and_edit_in_place() {
    let fake = Fake::start(Style::GitLab, "/api/v4", &["a", "b", "c"]);
    let ws = Workspace::new();
    let args = |api: &str| -> Vec<String> {
        [
            "gitlab",
            "--project",
            "group/infra",
            "--merge-request",
            "7",
            "--api-url",
            api,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let a = args(&fake.base);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let body = "### bssctl plan: this change: CNY 0.00 now\n";
    // GITLAB_TOKEN goes in PRIVATE-TOKEN.
    let r = comment(
        &ws,
        &[("GITLAB_TOKEN", TOKEN), ("CI_JOB_TOKEN", "job")],
        &a,
        body,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let notes =
        crate::fake_forge::full(&fake.base, "/projects/group%2Finfra/merge_requests/7/notes");
    let reqs = fake.requests();
    let seen: Vec<(String, String, String)> = reqs
        .iter()
        .map(|q| (q.method.clone(), q.path.clone(), q.query.clone()))
        .collect();
    let q = |p: u32| format!("per_page=100&sort=asc&order_by=created_at&page={p}");
    assert_eq!(
        seen,
        vec![
            ("GET".into(), notes.clone(), q(1)),
            ("GET".into(), notes.clone(), q(2)),
            ("POST".into(), notes.clone(), "".into()),
        ]
    );
    for r in &reqs {
        assert_eq!(r.headers["private-token"], TOKEN);
        assert!(!r.headers.contains_key("job-token"));
        assert!(!r.headers.contains_key("authorization"));
    }
    // The marker was put first so the next run finds it.
    assert_eq!(
        serde_json::from_str::<Value>(&reqs[2].body).unwrap(),
        serde_json::json!({ "body": format!("{MARK}\n{body}") })
    );
    // CI_JOB_TOKEN alone goes in JOB-TOKEN; the second run edits note 4.
    let r = comment(&ws, &[("CI_JOB_TOKEN", TOKEN)], &a, "changed\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let reqs = fake.requests();
    let last = reqs.last().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("PUT", format!("{notes}/4").as_str())
    );
    assert_eq!(last.headers["job-token"], TOKEN);
    assert!(!last.headers.contains_key("private-token"));
    assert_eq!(fake.comments().len(), 4);
    assert_eq!(fake.comments()[3], (4, format!("{MARK}\nchanged\n")));
}

#[test]
fn forge_errors_say_what_to_do_and_never_show_the_token() {
    let fake = Fake::start(Style::GitHub, "", &[]);
    let ws = Workspace::new();
    let env = [("GITHUB_TOKEN", TOKEN)];
    let body = format!("{MARK}\nx");
    type Case<'a> = (u16, Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (401, vec![], r#"{"message":"Bad credentials"}"#, "GitHub refused the token (401 Unauthorized): Bad credentials: it is invalid or expired; set GITHUB_TOKEN to a valid token"),
        (403, vec![], r#"{"message":"Resource not accessible by integration"}"#, "GitHub forbids it (403 Forbidden): Resource not accessible by integration: the token lacks permission; it needs pull-requests: write"),
        (403, vec![("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1767225600")], r#"{"message":"API rate limit exceeded"}"#, "GitHub rate limit reached (403): API rate limit exceeded; the limit resets at 1767225600 (Unix time); retry then"),
        (429, vec![("retry-after", "30")], "", "GitHub rate limit reached (429); retry in 30 s"),
        (404, vec![], r#"{"message":"Not Found"}"#, "GitHub: pull request acme/infra#42 not found (404): Not Found: check the name and number"),
        (422, vec![], r#"{"message":"Validation Failed"}"#, "GitHub rejected the comment (422 Unprocessable Entity): Validation Failed: the body may be too long"),
    ];
    for (status, headers, answer, want) in cases {
        fake.can(status, &headers, answer);
        let r = comment(&ws, &env, &gh_args(&fake.base, &[]), &body);
        assert_eq!(r.code, 1, "{status}: {}", r.stderr);
        assert!(r.stderr.contains(want), "{status}: {}", r.stderr);
    }
    // A 422 on the POST itself (after a good listing).
    fake.can(200, &[], "[]");
    fake.can(
        422,
        &[],
        r#"{"message":"Body is too long (maximum is 65536 characters)"}"#,
    );
    let r = comment(&ws, &env, &gh_args(&fake.base, &[]), &body);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Body is too long"), "{}", r.stderr);

    // No token at all.
    let r = comment(&ws, &[], &gh_args(&fake.base, &[]), &body);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no token: set GITHUB_TOKEN"),
        "{}",
        r.stderr
    );
    let r = comment(
        &ws,
        &[],
        &[
            "gitlab",
            "--project",
            "1",
            "--merge-request",
            "2",
            "--api-url",
            &fake.base,
        ],
        &body,
    );
    assert!(
        r.stderr
            .contains("no token: set GITLAB_TOKEN (or CI_JOB_TOKEN)"),
        "{}",
        r.stderr
    );
    // Plain http to a non-loopback host is refused before sending.
    let n = fake.requests().len();
    let r = comment(&ws, &env, &gh_args("http://example.com", &[]), &body);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("plain http is allowed for loopback hosts only"),
        "{}",
        r.stderr
    );
    assert_eq!(fake.requests().len(), n);
}

/// Manifests the ref does not have yet (added by the PR): the base is empty
/// and everything the head plans is the change's doing.
#[test]
fn base_ref_without_the_files_is_an_empty_base() {
    let ws = Workspace::new();
    let dir = ws.path("repo");
    std::fs::create_dir_all(dir.join("m")).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["commit", "-q", "--allow-empty", "-m", "empty"]);
    std::fs::copy(fixture("base.yaml"), dir.join("m/base.yaml")).unwrap();
    let mut c = ws.bssctl();
    c.current_dir(&dir).args([
        "--sandbox",
        "plan",
        "--format",
        "json",
        "-f",
        "m",
        "--base-ref",
        "main",
    ]);
    let o = run(c);
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(ids(&v["diff"]["changes"]), vec![PROD_DB, STAGING_DB]);
    assert_eq!(v["diff"]["base_summary"]["to_renew"], 0);
    assert_eq!(
        v["diff"]["summary"]["renewal_cost_now"]["amount"],
        v["summary"]["renewal_cost_now"]["amount"]
    );
}

/// A plan longer than GitHub allows is cut at a line, with a note, instead
/// of failing with a 422.
#[test]
fn a_too_long_comment_is_cut_to_fit() {
    let fake = Fake::start(Style::GitHub, "", &[]);
    let ws = Workspace::new();
    let long = format!("{MARK}\n{}", "| `+` | a row of the plan |\n".repeat(5_000));
    let r = comment(
        &ws,
        &[("GITHUB_TOKEN", TOKEN)],
        &gh_args(&fake.base, &[]),
        &long,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let posted = fake.comments()[0].1.clone();
    assert!(posted.chars().count() <= 65_000, "{}", posted.len());
    assert!(posted.starts_with(MARK));
    assert!(posted.ends_with("see the CI job's log or summary for all of it)_\n"));
    assert!(long.starts_with(posted.split("\n\n_(truncated").next().unwrap()));
}
