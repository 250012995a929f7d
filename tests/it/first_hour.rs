//! Issue 21, the first hour of a new user: the `--help` example, the
//! sandbox reset, the JSON plan's documented keys, targets by name, what
//! apply spent, a closed pipe, error messages and documents, the CLI
//! conventions (version, help, man pages, config file, -v).

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

fn examples() -> String {
    repo("examples/manifests").display().to_string()
}

/// Copies a directory tree (what a fresh clone has).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}): {}\n{}",
            run.stdout, run.stderr
        )
    })
}

// ---------------------------------------------------------------------------
// Must show: the --help example

#[test]
fn the_help_example_works_as_written_on_a_fresh_clone() {
    let ws = Workspace::new();
    copy_tree(&repo("examples"), &ws.path("examples"));
    let help = ws.sandbox_run(&["--help"]);
    // `bssctl --sandbox --help` prints the top-level help too.
    let line = help
        .stdout
        .lines()
        .find(|l| l.contains("plan --sandbox -f"))
        .unwrap_or_else(|| panic!("no sandbox example in --help:\n{}", help.stdout));
    let words: Vec<&str> = line.split_whitespace().collect();
    let start = words.iter().position(|w| *w == "bssctl").unwrap();
    let end = words[start..]
        .iter()
        .position(|w| w.starts_with("examples"))
        .unwrap()
        + start;
    let args = &words[start + 1..=end];
    let mut c = ws.bssctl();
    c.current_dir(ws.dir.path()).args(args);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{args:?}\n{out}\n{err}");
    assert!(out.contains("Plan: "), "{out}");

    // A directory with CI files too: they are not manifests and are
    // skipped with a note, not read as broken ones. (`examples/` as a whole
    // mixes the enterprise set, which declares accounts, with the others.)
    let r = ws.sandbox_run(&["plan", "-f", "examples/manifests", "-f", "examples/ci"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for ci in [
        "examples/ci/github/bssctl.yml",
        "examples/ci/gitlab/keyless.gitlab-ci.yml",
    ] {
        assert!(
            r.stderr.contains(&format!(
                "{ci}: warning: skipped: not a manifest (none of its top-level keys is version"
            )),
            "{}",
            r.stderr
        );
    }
    assert!(!r.stderr.contains("error"), "{}", r.stderr);
    // Named on its own, a file without `version:` is an error.
    let r = ws.sandbox_run(&["plan", "-f", "examples/ci/github/bssctl.yml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("missing required key \"version\""),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------
// Must show: --sandbox-reset after an apply

#[test]
fn sandbox_reset_after_an_apply_gives_the_seeds_plan_again() {
    let ws = Workspace::new();
    let ex = examples();
    let seed_plan = ws.sandbox_run(&["--sandbox-reset", "plan", "--format", "json", "-f", &ex]);
    assert_eq!(seed_plan.code, 0, "{}", seed_plan.stderr);
    let applied = ws.sandbox_run(&["apply", "--auto-approve", "-f", &ex]);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    assert!(ws.state_dir().join("sandbox-last-applied.json").exists());
    let after = ws.sandbox_run(&["plan", "--format", "json", "-f", &ex]);
    assert_ne!(json(&after)["summary"], json(&seed_plan)["summary"]);

    let reset = ws.sandbox_run(&["--sandbox-reset", "plan", "--format", "json", "-f", &ex]);
    assert_eq!(reset.code, 0, "{}", reset.stderr);
    assert_eq!(json(&reset), json(&seed_plan));
    // The text plan too, byte for byte.
    let a = ws.sandbox_run(&["--sandbox-reset", "plan", "-f", &ex]);
    let b = ws.sandbox_run(&["--sandbox-reset", "plan", "-f", &ex]);
    assert_eq!(a.stdout, b.stdout);
    assert!(!ws.state_dir().join("sandbox-last-applied.json").exists());
}

// ---------------------------------------------------------------------------
// Must show: every key of the JSON plan is documented

/// Every key below `v` as `path.key` (arrays add no segment), plus the
/// values of `kind`.
fn keys(v: &Value, path: &str, out: &mut BTreeSet<(String, String)>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                out.insert((path.to_string(), k.clone()));
                if k == "kind" {
                    if let Some(s) = v.as_str() {
                        out.insert((format!("{path}.kind="), s.to_string()));
                    }
                }
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                keys(v, &p, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, path, out)),
        _ => {}
    }
}

/// Keys and kinds that docs/plan-json.md does not name in backticks.
fn undocumented(plan: &Value, doc: &str) -> Vec<String> {
    let mut all = BTreeSet::new();
    keys(plan, "", &mut all);
    all.into_iter()
        .filter(|(_, k)| !doc.contains(&format!("`{k}`")) && !doc.contains(&format!("\"{k}\"")))
        .map(|(p, k)| format!("{p}: {k}"))
        .collect()
}

/// Money strings (amount-like keys) have two decimals at least.
fn money_format(v: &Value, key: &str, bad: &mut Vec<String>) {
    const MONEY: &[&str] = &[
        "amount",
        "official_amount",
        "discount_amount",
        "renewal_official_amount",
        "added_per_month",
        "removed_per_month",
        "added_per_year",
        "removed_per_year",
        "available",
        "required",
        "limit",
    ];
    match v {
        Value::Object(o) => o.iter().for_each(|(k, v)| money_format(v, k, bad)),
        Value::Array(a) => a.iter().for_each(|v| money_format(v, key, bad)),
        Value::String(s)
            if MONEY.contains(&key) && s.split_once('.').is_none_or(|(_, d)| d.len() < 2) =>
        {
            bad.push(format!("{key}: {s}"))
        }
        _ => {}
    }
}

#[test]
fn every_key_of_rich_json_plans_is_documented_and_money_has_two_decimals() {
    let doc = std::fs::read_to_string(repo("docs/plan-json.md")).unwrap();
    // The check itself fails on a key the page does not name.
    let fake: Value = serde_json::json!({"summary": {"bogus_key_21": 1}});
    assert_eq!(undocumented(&fake, &doc), ["summary: bogus_key_21"]);

    let ws = Workspace::new();
    let ex = examples();
    // A base that renews nothing, so the diff has changes and amounts.
    let base = ws.write("base/m.yaml", "version: 1\n");
    let runs = [
        // account changes, balance, pending orders, every operation kind of the examples
        ws.sandbox_run(&["--sandbox-reset", "plan", "--format", "json", "-f", &ex]),
        // guardrail violations (exit 3)
        ws.sandbox_run(&["plan", "--format", "json", "--max-cost", "1", "-f", &ex]),
        // errors (exit 1)
        ws.sandbox_run(&[
            "plan",
            "--format",
            "json",
            "--target",
            "nosuch-21",
            "-f",
            &ex,
        ]),
        // diff
        ws.sandbox_run(&[
            "plan",
            "--format",
            "json",
            "--base",
            base.to_str().unwrap(),
            "-f",
            &ex,
        ]),
    ];
    let mut missing = BTreeSet::new();
    let mut bad_money = Vec::new();
    for r in &runs {
        let plan = json(r);
        missing.extend(undocumented(&plan, &doc));
        money_format(&plan, "", &mut bad_money);
    }
    let plans: Vec<Value> = runs.iter().map(json).collect();
    assert!(plans[0]["account_changes"].is_array() && plans[0]["summary"]["balance"].is_object());
    // The seed's pending order has no pay-by time: the key is left out (documented).
    assert!(plans[0]["pending_orders"][0]["order_id"].is_string());
    assert!(doc.contains("`pending_payment_end_time` (the last moment to pay"));
    assert!(plans[1]["guardrail_violations"].is_array());
    assert!(plans[2]["errors"].is_array());
    assert!(plans[3]["diff"]["changes"][0].is_object());
    assert!(
        missing.is_empty(),
        "undocumented in docs/plan-json.md: {missing:#?}"
    );
    assert!(bad_money.is_empty(), "{bad_money:?}");
    assert_eq!(plans[0]["summary"]["balance"]["available"], "70000.00");
}

// ---------------------------------------------------------------------------
// Must show: targets by name and glob; an unknown target exits 1

fn changed(plan: &Value) -> Vec<String> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource_name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn targets_by_name_and_glob_and_an_unknown_target_exits_1() {
    let ws = Workspace::new();
    let ex = examples();
    let by_name = ws.sandbox_run(&[
        "plan",
        "--format",
        "json",
        "--target",
        "prod-web-01",
        "-f",
        &ex,
    ]);
    assert_eq!(by_name.code, 0, "{}", by_name.stderr);
    let p = json(&by_name);
    assert_eq!(changed(&p), ["prod-web-01"]);
    assert_eq!(p["changes"][0]["resource_id"], WEB01);
    // No account settings unless named.
    assert!(p.get("account_changes").is_none());

    let glob = ws.sandbox_run(&[
        "plan",
        "--format",
        "json",
        "--target",
        "prod-web-*",
        "-f",
        &ex,
    ]);
    assert_eq!(glob.code, 0, "{}", glob.stderr);
    let mut names = changed(&json(&glob));
    names.sort();
    assert_eq!(names, ["prod-web-01", "prod-web-02"]);

    // The same resource by id gives the same plan as by name.
    let by_id = ws.sandbox_run(&["plan", "--format", "json", "--target", WEB01, "-f", &ex]);
    assert_eq!(json(&by_id)["changes"], p["changes"]);

    // --exclude by glob.
    let ex_glob = ws.sandbox_run(&[
        "plan",
        "--format",
        "json",
        "--exclude",
        "prod-web-*",
        "-f",
        &ex,
    ]);
    assert_eq!(ex_glob.code, 0, "{}", ex_glob.stderr);
    let names = changed(&json(&ex_glob));
    assert!(
        !names.is_empty() && names.iter().all(|n| !n.starts_with("prod-web-")),
        "{names:?}"
    );

    for unknown in ["no-such-server", "nothing-*"] {
        let r = ws.sandbox_run(&["plan", "--target", unknown, "-f", &ex]);
        assert_eq!(r.code, 1, "{unknown}: {}\n{}", r.stdout, r.stderr);
        assert!(
            format!("{}{}", r.stdout, r.stderr).contains(&format!(
                "--target {unknown}: no managed resource has this id or name"
            )),
            "{}\n{}",
            r.stdout,
            r.stderr
        );
        // Apply refuses it before anything is sent.
        let a = ws.sandbox_run(&["apply", "--auto-approve", "--target", unknown, "-f", &ex]);
        assert_eq!(a.code, 1, "{}", a.stderr);
        assert!(!a.stdout.contains("Apply complete"), "{}", a.stdout);
    }
}

// ---------------------------------------------------------------------------
// Must show: the apply summary names the resources, the money and the orders

#[test]
fn the_apply_summary_names_the_resources_the_money_spent_and_the_order_ids() {
    let ws = Workspace::new();
    let r = ws.sandbox_run(&[
        "--sandbox-reset",
        "apply",
        "--auto-approve",
        "-f",
        &examples(),
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let state = state_json(&ws.sandbox_state());
    let new_orders: Vec<String> = order_ids(&state)
        .into_iter()
        .filter(|id| id.starts_with("CS261124"))
        .collect();
    assert!(!new_orders.is_empty());
    let spent = r
        .stdout
        .lines()
        .find(|l| l.starts_with("Spent: "))
        .unwrap_or_else(|| panic!("no Spent line: {}", r.stdout));
    assert!(spent.contains("CNY 60,275.70"), "{spent}");
    for id in &new_orders {
        assert!(spent.contains(id.as_str()), "{id} missing from {spent}");
    }
    for name in [
        "prod-db-01",
        "staging-db-01",
        "prod-batch-01",
        "staging-app-01",
    ] {
        assert!(
            r.stdout.contains(&format!("Done: renew {name} (")),
            "{name}: {}",
            r.stdout
        );
    }
    // Progress lines name the resources of a batch.
    assert!(
        r.stderr.contains("renew × 4: ok — prod-db-01 ("),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("Apply complete!"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------
// Must show: a closed pipe on a 5,000-resource plan

#[test]
fn a_closed_pipe_on_a_plan_of_5000_resources_ends_quietly_with_exit_0() {
    let ws = Workspace::new();
    let mut state = bssctl::sandbox::seed_state();
    let template = state
        .resources
        .iter()
        .find(|r| r.resource_id == WEB01)
        .unwrap()
        .clone();
    state.resources = (0..5000)
        .map(|i| {
            let mut r = template.clone();
            r.resource_id = format!("bulk-{i:05}");
            r.resource_name = format!("bulk-{i:05}");
            r
        })
        .collect();
    state.orders.clear();
    let path = ws.path("big-state.json");
    state.save_atomic(&path).unwrap();
    let manifest = ws.write(
        "big.yaml",
        "version: 1\nselectors:\n  - match: { name: \"bulk-*\" }\n    on_expiry: auto_renew\n    auto_renew: { period: year }\n",
    );
    for format in ["text", "json"] {
        let mut c = ws.bssctl();
        c.args(["--sandbox", "--sandbox-state"])
            .arg(&path)
            .args(["--rate-limit", "10000", "plan", "--format", format, "-f"])
            .arg(&manifest)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first).unwrap();
        // The reader is gone: `| head -1`.
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!first.is_empty());
        assert_eq!(o.status.code(), Some(0), "{format}: {err}");
        let unexpected: Vec<&str> = err
            .lines()
            .filter(|l| !l.starts_with("Note: BSSCTL_NOW"))
            .collect();
        assert!(unexpected.is_empty(), "{format}: {unexpected:?}");
    }
}

// ---------------------------------------------------------------------------
// Error messages

#[test]
fn a_wrong_secret_key_without_a_domain_id_says_the_signature_was_refused() {
    let ws = Workspace::new();
    let state = ws.path("sb/state.json");
    seed_into(&state);
    let sb = SandboxProc::start(&state, &[]);
    let mut c = ws.bssctl_at(&sb);
    c.env("HUAWEICLOUD_SDK_SK", "wrong-secret-key-21")
        .env_remove("HUAWEICLOUD_SDK_DOMAIN_ID")
        .args([
            "--iam-endpoint",
            &sb.url,
            "--max-attempts",
            "1",
            "plan",
            "-f",
            &examples(),
        ]);
    let o = run(c);
    let (out, err) = text(&o);
    sb.stop();
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("APIGW.0301"), "{err}");
    assert!(
        err.contains("hint: the request signature was refused, check the keys"),
        "{err}"
    );
    assert!(
        !err.contains("HUAWEICLOUD_SDK_DOMAIN_ID"),
        "points at the domain id: {err}"
    );
    assert!(!err.contains("wrong-secret-key-21") && !out.contains("wrong-secret-key-21"));
}

#[test]
fn apply_of_a_manifest_without_dash_f_suggests_it() {
    let ws = Workspace::new();
    let compute = repo("examples/manifests/compute.yaml");
    let r = ws.sandbox_run(&["apply", compute.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "pass manifests with -f: bssctl apply -f {}",
            compute.display()
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn the_guardrail_refusal_is_printed_once() {
    let ws = Workspace::new();
    let r = ws.sandbox_run(&["plan", "--max-cost", "10", "-f", &examples()]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(
        all.matches("is over --max-cost CNY 10.00").count(),
        1,
        "{all}"
    );
    assert_eq!(all.matches("cost guardrail exceeded").count(), 1, "{all}");
}

#[test]
fn errors_are_also_documents_on_stdout_with_json_and_markdown() {
    let ws = Workspace::new();
    let missing = ws.path("nope.yaml");
    let m = missing.to_str().unwrap();
    let r = ws.sandbox_run(&["plan", "--format", "json", "-f", m]);
    assert_eq!(r.code, 1);
    let doc = json(&r);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("error(s) in the manifests"),
        "{doc}"
    );
    assert_eq!(doc["error"]["exit_code"], 1);
    assert!(r.stderr.contains("cannot read"), "{}", r.stderr);

    let r = ws.sandbox_run(&["plan", "--format", "markdown", "-f", m]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .starts_with("<!-- bssctl-plan-comment -->\n### bssctl plan: error"),
        "{}",
        r.stdout
    );
    // A manifest error: the document lists it with file:line, as stderr does.
    let bad = ws.write(
        "bad/m.yaml",
        "version: 1\nresources:\n  - id: x\n    on_expiry: sometimes\n",
    );
    let r = ws.sandbox_run(&["plan", "--format", "json", "-f", bad.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    let details = json(&r)["error"]["details"].clone();
    let first = details[0].as_str().unwrap();
    assert!(
        first.starts_with(&format!("{}:4:", bad.display())) && first.contains("sometimes"),
        "{details}"
    );
    assert!(r.stderr.contains(first), "{}", r.stderr);

    // apply --format json refusing before any plan: still one document.
    let r = ws.sandbox_run(&["apply", "--format", "json", "-f", m]);
    assert_eq!(r.code, 1);
    assert!(json(&r)["error"]["message"].is_string());

    // When the plan was printed, no second document follows (exit 3).
    let r = ws.sandbox_run(&[
        "plan",
        "--format",
        "json",
        "--max-cost",
        "1",
        "-f",
        &examples(),
    ]);
    assert_eq!(r.code, 3);
    let doc = json(&r);
    assert!(doc.get("error").is_none() && doc["guardrail_violations"].is_array());

    // Text: nothing on stdout.
    let r = ws.sandbox_run(&["plan", "-f", m]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
}

// ---------------------------------------------------------------------------
// Conventions

#[test]
fn version_says_version_commit_and_target_also_as_json() {
    let ws = Workspace::new();
    let v = run_plain(&ws, &["version"]);
    let line = v.stdout.trim_end();
    let long = run_plain(&ws, &["--version"]);
    assert_eq!(long.stdout.trim_end(), line);
    assert!(
        line.starts_with(&format!("bssctl {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{line}"
    );
    let j: Value =
        serde_json::from_str(&run_plain(&ws, &["version", "--format", "json"]).stdout).unwrap();
    assert_eq!(j["version"], env!("CARGO_PKG_VERSION"));
    let commit = j["commit"].as_str().unwrap();
    let target = j["target"].as_str().unwrap();
    assert!(
        line.ends_with(&format!("(commit {commit}, {target})")),
        "{line}"
    );
    assert!(target.contains('-'), "{target}");
    // Built from a git checkout: the commit is HEAD's.
    if let Ok(o) = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo(""))
        .output()
    {
        if o.status.success() {
            let head = String::from_utf8_lossy(&o.stdout).trim().to_string();
            // HEAD may have moved since the build; the id has its shape.
            assert!(
                commit == head
                    || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
                "{commit} vs {head}"
            );
        }
    }
}

/// bssctl without the workspace's --state-dir (help, version, config).
fn run_plain(ws: &Workspace, args: &[&str]) -> Run {
    let mut c = Command::new(bin());
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", ws.dir.path())
        .env("BSSCTL_NOW", NOW)
        .env("NO_COLOR", "1")
        .env("BSSCTL_METADATA_ENDPOINT", "off")
        .current_dir(ws.dir.path())
        .stdin(Stdio::null())
        .args(args);
    let o = run(c);
    let (stdout, stderr) = text(&o);
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

#[test]
fn subcommand_help_lists_only_the_flags_that_apply_and_has_examples() {
    let ws = Workspace::new();
    let schema = run_plain(&ws, &["schema", "--help"]);
    assert_eq!(schema.code, 0, "{}", schema.stderr);
    for flag in ["--endpoint", "--state-dir", "--sandbox", "--rate-limit"] {
        assert!(
            !schema.stdout.contains(flag),
            "schema --help shows {flag}:\n{}",
            schema.stdout
        );
    }
    let sandbox = run_plain(&ws, &["sandbox", "--help"]);
    for flag in [
        "--sandbox-state",
        "--sandbox-reset",
        "--rate-limit <",
        "--endpoint",
    ] {
        assert!(
            !sandbox.stdout.contains(flag),
            "sandbox --help shows {flag}:\n{}",
            sandbox.stdout
        );
    }
    assert!(sandbox.stdout.contains("--state <FILE>") && sandbox.stdout.contains("--reset"));
    let comment = run_plain(&ws, &["comment", "github", "--help"]);
    assert_eq!(comment.code, 0, "{}", comment.stderr);
    assert!(!comment.stdout.contains("--endpoint") && comment.stdout.contains("--repo"));
    // Hidden, still accepted.
    assert_eq!(
        run_plain(&ws, &["schema", "--endpoint", "http://127.0.0.1:1"]).code,
        0
    );

    let plan = run_plain(&ws, &["plan", "--help"]);
    assert!(
        plan.stdout.contains("--endpoint") && plan.stdout.contains("Examples:"),
        "{}",
        plan.stdout
    );
    let detailed = plan.stdout.split("--detailed-exitcode").nth(1).unwrap();
    assert!(detailed[..300].contains('3'), "{detailed}");
    let apply = run_plain(&ws, &["apply", "--help"]);
    assert!(apply.stdout.contains("Examples:") && apply.stdout.contains("bssctl apply plan.json"));
}

#[test]
fn man_pages_are_written_one_per_command() {
    let ws = Workspace::new();
    let dir = ws.path("man");
    let r = run_plain(&ws, &["man", "--out-dir", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for page in [
        "bssctl.1",
        "bssctl-plan.1",
        "bssctl-apply.1",
        "bssctl-version.1",
    ] {
        let text =
            std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
    let stdout = run_plain(&ws, &["man"]);
    assert!(stdout.stdout.contains(".TH bssctl"));
}

#[test]
fn the_config_file_gives_defaults_under_env_and_flags() {
    let ws = Workspace::new();
    copy_tree(&repo("examples/manifests"), &ws.path("repo/manifests"));
    ws.write(
        "repo/bssctl.yaml",
        "state_dir: from-file\nfiles: [manifests]\n",
    );
    let sub = ws.path("repo/deep/er");
    std::fs::create_dir_all(&sub).unwrap();
    let plan = |env: Option<&str>, flag: Option<&str>| {
        let mut c = Command::new(bin());
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", ws.dir.path())
            .env("BSSCTL_NOW", NOW)
            .env("NO_COLOR", "1")
            .current_dir(&sub)
            .stdin(Stdio::null());
        if let Some(e) = env {
            c.env("BSSCTL_STATE_DIR", ws.path(e));
        }
        c.arg("plan").arg("--sandbox");
        if let Some(f) = flag {
            c.arg("--state-dir").arg(ws.path(f));
        }
        let o = run(c);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
        assert!(out.contains("Plan: 6 to renew"), "{out}");
    };
    // No -f: the file's `files`; its state dir, relative to the file.
    plan(None, None);
    assert!(ws.path("repo/from-file/sandbox-state.json").exists());
    // The environment beats the file; a flag beats both.
    plan(Some("from-env"), None);
    assert!(ws.path("from-env/sandbox-state.json").exists());
    plan(Some("from-env-2"), Some("from-flag"));
    assert!(ws.path("from-flag/sandbox-state.json").exists());
    assert!(!ws.path("from-env-2").exists());

    // A wrong key is an error naming the file.
    ws.write("repo/bssctl.yaml", "statedir: x\n");
    let mut c = Command::new(bin());
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", ws.dir.path())
        .current_dir(&sub)
        .args(["plan", "--sandbox"]);
    let o = run(c);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("bssctl.yaml") && err.contains("statedir"),
        "{err}"
    );
}

#[test]
fn verbose_logs_what_plan_apply_and_export_do_without_colour_when_piped() {
    let ws = Workspace::new();
    let ex = examples();
    let plan = ws.sandbox_run(&["-v", "plan", "-f", &ex]);
    assert!(
        plan.stderr.contains("INFO read 46 live resources"),
        "{}",
        plan.stderr
    );
    let apply = ws.sandbox_run(&["-v", "apply", "--auto-approve", "-f", &ex]);
    assert!(apply.stderr.contains("INFO run "), "{}", apply.stderr);
    assert!(apply.stderr.contains("INFO batch "), "{}", apply.stderr);
    let export = ws.sandbox_run(&["-v", "export"]);
    assert!(export.stderr.contains("INFO export: "), "{}", export.stderr);
    for extra in [&[][..], &["--no-color"][..]] {
        let mut c = ws.bssctl();
        c.env_remove("NO_COLOR")
            .current_dir(ws.dir.path())
            .args(["--sandbox", "-vv"])
            .args(extra)
            .args(["plan", "-f", &ex]);
        let (_, err) = text(&run(c));
        assert!(err.contains("DEBUG"), "{err}");
        assert!(!err.contains('\x1b'), "colour in piped logs: {err:?}");
    }
}

#[test]
fn auto_pay_false_plans_say_orders_left_unpaid_and_unknown_times_say_what_they_become() {
    let ws = Workspace::new();
    copy_tree(&repo("examples/manifests"), &ws.path("m"));
    let account = std::fs::read_to_string(ws.path("m/account.yaml")).unwrap();
    std::fs::write(
        ws.path("m/account.yaml"),
        account.replace("auto_pay: true", "auto_pay: false"),
    )
    .unwrap();
    let r = ws.sandbox_run(&["plan", "-f", "m"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r.stdout.lines().find(|l| l.starts_with("Plan: ")).unwrap();
    assert_eq!(
        line,
        "Plan: 6 to renew, 5 to change, 0 to unsubscribe. Renewal cost now: CNY 0.00; orders left unpaid: \
         CNY 60,275.70 (auto_pay: false; pay them with bssctl orders pay)."
    );
    // The frozen resource's to-on-demand would follow an unpaid renewal that
    // leaves it locked: a warning (issue 14), not a change the API refuses.
    assert!(
        r.stderr
            .contains("is frozen: its renewal is left unpaid (auto_pay false)")
            || r.stdout
                .contains("is frozen: its renewal is left unpaid (auto_pay false)"),
        "{}",
        r.stderr
    );
    let md = ws.sandbox_run(&["plan", "--format", "markdown", "-f", "m"]);
    assert!(
        md.stdout.contains(
            "### bssctl plan: renewal cost now CNY 0.00 · orders left unpaid CNY 60,275.70 · "
        ),
        "{}",
        md.stdout
    );
    let paid = ws.sandbox_run(&["plan", "-f", &examples()]);
    assert!(
        paid.stdout.contains("Renewal cost now: CNY 60,275.70."),
        "{}",
        paid.stdout
    );
    assert!(!paid.stdout.contains("orders left unpaid"));
    assert!(
        paid.stdout
            .contains("times (not recorded; left as is, unlimited when first enabled)"),
        "{}",
        paid.stdout
    );
}

#[test]
fn a_saved_plan_applies_without_a_second_question_and_its_hint_repeats_the_flags() {
    let ws = Workspace::new();
    let out = ws.path("plan.json");
    let r = ws.sandbox_run(&[
        "--sandbox-reset",
        "plan",
        "--out",
        out.to_str().unwrap(),
        "-f",
        &examples(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let hint = r
        .stderr
        .lines()
        .find(|l| l.starts_with("Saved the plan"))
        .unwrap();
    let cmd = hint.split("apply it with: ").nth(1).unwrap();
    assert_eq!(
        cmd,
        format!(
            "bssctl --sandbox --state-dir {} apply {}",
            ws.state_dir().display(),
            out.display()
        )
    );
    // stdin is not a terminal and there is no --auto-approve: a saved plan
    // was reviewed when it was made.
    let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
    let r = run_plain(&ws, &args);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Apply complete!"), "{}", r.stdout);
    // Manifests still ask (and refuse without a terminal).
    let r = ws.sandbox_run(&["--sandbox-reset", "apply", "-f", &examples()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("refusing to apply without confirmation"),
        "{}",
        r.stderr
    );
}

#[test]
fn ci_examples_apply_on_a_manual_run_and_plan_without_a_validate_step_first() {
    let read = |p: &str| -> serde_yaml::Value {
        serde_yaml::from_str(&std::fs::read_to_string(repo(p)).unwrap()).unwrap()
    };
    let gh = read("examples/ci/github/bssctl.yml");
    let apply_if = gh["jobs"]["apply"]["if"].as_str().unwrap();
    assert!(
        apply_if.contains("workflow_dispatch") && apply_if.contains("refs/heads/main"),
        "{apply_if}"
    );
    let drift_if = gh["jobs"]["drift"]["if"].as_str().unwrap();
    assert!(!drift_if.contains("workflow_dispatch"), "{drift_if}");
    let gh_text = std::fs::read_to_string(repo("examples/ci/github/bssctl.yml")).unwrap();
    assert!(!gh_text.contains("bssctl validate"));
    for f in [
        "examples/ci/gitlab/.gitlab-ci.yml",
        "examples/ci/gitlab/keyless.gitlab-ci.yml",
    ] {
        let gl = read(f);
        let rules = serde_yaml::to_string(&gl["bssctl:apply"]["rules"]).unwrap();
        assert!(
            rules.contains("$CI_PIPELINE_SOURCE == \"web\""),
            "{f}: {rules}"
        );
        let text = std::fs::read_to_string(repo(f)).unwrap();
        assert!(!text.contains("- bssctl validate"), "{f}");
    }
}

/// Already so before issue 21 (checked here): a renewal whose answer was
/// lost has one outcome, said in one sentence, never also "not applied".
#[test]
fn an_ambiguous_renewal_is_one_outcome_in_one_sentence() {
    let ws = Workspace::new();
    let state = ws.path("sb/state.json");
    seed_into(&state);
    let sb = SandboxProc::start(
        &state,
        &["--drop-every", "1", "--fault-api", "RenewalResources"],
    );
    let mut c = ws.bssctl_at(&sb);
    c.args([
        "--settle-time",
        "0",
        "apply",
        "--auto-approve",
        "-f",
        &examples(),
    ]);
    let o = run(c);
    let (out, err) = text(&o);
    sb.stop();
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    let unknown: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("Unknown: renew "))
        .collect();
    assert_eq!(unknown.len(), 6, "{out}");
    for l in &unknown {
        assert!(
            l.contains("whether the renew took effect is unknown; it was NOT sent again"),
            "{l}"
        );
    }
    let all = format!("{out}{err}");
    for contradiction in [
        "was not applied",
        "verified not applied",
        "may have taken effect",
    ] {
        assert!(!all.contains(contradiction), "{contradiction:?} in: {all}");
    }
}

#[test]
fn forecast_json_money_has_two_decimals_too() {
    let ws = Workspace::new();
    let r = ws.sandbox_run(&["forecast", "--format", "json", "-f", &examples()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut bad = Vec::new();
    money_format(&json(&r), "", &mut bad);
    assert!(bad.is_empty(), "{bad:?}");
    assert!(r.stdout.contains("\"70000.00\""), "{}", r.stdout);
}

#[test]
fn the_config_file_endpoint_is_used_unless_the_environment_names_one() {
    let ws = Workspace::new();
    let state = ws.path("sb/state.json");
    seed_into(&state);
    let sb = SandboxProc::start(&state, &[]);
    ws.write(
        "repo/bssctl.yaml",
        &format!("endpoint: {}\nstate_dir: st\n", sb.url),
    );
    let plan = |env_endpoint: Option<&str>| {
        let mut c = Command::new(bin());
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", ws.dir.path())
            .env("BSSCTL_NOW", NOW)
            .env("NO_COLOR", "1")
            .env("BSSCTL_METADATA_ENDPOINT", "off")
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_DOMAIN_ID", DOMAIN)
            .current_dir(ws.path("repo"))
            .args(["--max-attempts", "1", "plan", "-f", &examples()]);
        if let Some(e) = env_endpoint {
            c.env("BSSCTL_ENDPOINT", e);
        }
        run(c)
    };
    let o = plan(None);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("Plan: 6 to renew"), "{out}");
    // The environment wins: a closed port fails the run.
    let o = plan(Some("http://127.0.0.1:9"));
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot connect"), "{err}");
    sb.stop();
}
