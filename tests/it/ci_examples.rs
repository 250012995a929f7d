//! The CI examples under examples/ci/ are YAML with the expected triggers and
//! jobs, and every `bssctl …` command line in them runs against the embedded
//! sandbox (with `--sandbox` and a temporary `--state-dir` added) with the
//! exit codes the pipeline expects: a review plan with changes (2), the apply
//! (0), a drift check right after (0) and after a change made outside Git (2).
//! The shell glue around the commands (exit-code capture, the error comment,
//! failing on 1 and 3) is run too, every script must pass `bash -n`, and the
//! posting steps run: `bssctl comment` against a fake GitHub/GitLab API on
//! 127.0.0.1, the drift issue's github-script code under node with a
//! recording `github` client (skipped with a note when node is missing;
//! nothing ever reaches GitHub or GitLab). The checkout is a git repository
//! whose `origin/main` holds the manifests, so `--base-ref "$BASE_REF"` runs
//! with BASE_REF=origin/main.

use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const NOW: &str = "2026-11-24T00:00:00Z";
const MARKER: &str = "<!-- bssctl-plan-comment -->";
/// What the pipelines' `BASE_REF` is in these tests.
const BASE_REF: &str = "origin/main";

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn load(rel: &str) -> (String, Value) {
    let text = std::fs::read_to_string(repo(rel)).unwrap();
    let doc: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    (text, doc)
}

fn github() -> (String, Value) {
    load("examples/ci/github/bssctl.yml")
}

fn gitlab() -> (String, Value) {
    load("examples/ci/gitlab/.gitlab-ci.yml")
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The shell scripts of a job, in order: GitHub `steps[].run`; GitLab
/// `before_script`, `script`, `after_script` items.
fn scripts(job: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(steps) = job["steps"].as_sequence() {
        out.extend(
            steps
                .iter()
                .filter_map(|s| s["run"].as_str().map(str::to_string)),
        );
    }
    for key in ["before_script", "script", "after_script"] {
        if let Some(items) = job[key].as_sequence() {
            out.extend(items.iter().filter_map(|s| s.as_str().map(str::to_string)));
        }
    }
    out
}

/// Every `bssctl …` command line of a job, as words, cut at the first shell
/// operator (redirections, `||`, pipes).
fn bssctl_commands(job: &Value) -> Vec<Vec<String>> {
    scripts(job)
        .iter()
        .flat_map(|s| {
            s.lines()
                .map(str::trim)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|l| l.starts_with("bssctl "))
        .map(|l| {
            words(&l)
                .into_iter()
                .take_while(|w| {
                    !matches!(w.as_str(), "|" | "||" | "&&" | ";")
                        && !w.starts_with('>')
                        && !w.starts_with("2>")
                })
                .collect()
        })
        .collect()
}

/// Shell-like word splitting with single and double quotes (no expansion;
/// the examples use none in bssctl lines, and a `$` would fail the test).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// A checkout of a manifests repository: `manifests/` copied from
/// examples/manifests, and a `bin/bssctl` wrapper that adds `--sandbox`.
struct Checkout {
    dir: tempfile::TempDir,
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Checkout {
    fn new() -> Checkout {
        let dir = tempfile::tempdir().unwrap();
        let manifests = dir.path().join("manifests");
        std::fs::create_dir(&manifests).unwrap();
        for e in std::fs::read_dir(repo("examples/manifests")).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, manifests.join(p.file_name().unwrap())).unwrap();
        }
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let wrapper = bin.join("bssctl");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec '{}' \"$@\" --sandbox\n",
                env!("CARGO_BIN_EXE_bssctl")
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        // The PR's target branch: the manifests as committed, at origin/main.
        for args in [
            &["init", "-q", "-b", "feature"][..],
            &["add", "manifests"],
            &["commit", "-q", "-m", "manifests"],
            &["update-ref", "refs/remotes/origin/main", "HEAD"],
        ] {
            let out = Command::new("git")
                .current_dir(dir.path())
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "git {args:?}: {out:?}");
        }
        Checkout { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    fn base(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.dir.path())
            .env("BSSCTL_NOW", NOW)
            .env("NO_COLOR", "1")
            .env_remove("BSSCTL_ENDPOINT")
            .env_remove("BSSCTL_STATE_DIR")
            .env_remove("RUST_LOG");
        cmd
    }

    /// Runs an extracted command line with `--sandbox` and the state dir
    /// made absolute (added when missing).
    fn run_command(&self, words: &[String]) -> Ran {
        assert_eq!(words[0], "bssctl");
        let mut args: Vec<String> = Vec::new();
        let mut it = words[1..].iter();
        while let Some(w) = it.next() {
            if w == "--state-dir" {
                it.next();
            } else {
                // The one variable the pipelines pass bssctl plan: the target branch.
                args.push(w.replace("$BASE_REF", BASE_REF));
            }
        }
        for w in &args {
            assert!(
                !w.contains('$'),
                "unexpanded variable in a bssctl line: {words:?}"
            );
        }
        let out = self
            .base(Path::new(env!("CARGO_BIN_EXE_bssctl")))
            .args(&args)
            .arg("--sandbox")
            .arg("--state-dir")
            .arg(self.path(".bssctl"))
            .output()
            .unwrap();
        ran(out)
    }

    /// Runs a whole step script as the CI would (bash -eo pipefail), with
    /// the sandbox wrapper first on PATH.
    fn run_script(&self, script: &str, env: &[(&str, &str)]) -> Ran {
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = self.base(Path::new("bash"));
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .env("PATH", path)
            .env("BASE_REF", BASE_REF);
        for (k, v) in env {
            cmd.env(k, v);
        }
        ran(cmd.output().unwrap())
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_default()
    }
}

fn ran(out: std::process::Output) -> Ran {
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs every command of `job` and checks each exit code.
fn run_job(co: &Checkout, job: &Value, name: &str, expected: &[i32]) -> Vec<Ran> {
    // `bssctl comment` talks to GitHub/GitLab: run against fakes below.
    let commands: Vec<Vec<String>> = bssctl_commands(job)
        .into_iter()
        .filter(|c| c[1] != "comment")
        .collect();
    assert_eq!(
        commands.len(),
        expected.len(),
        "{name}: bssctl commands {commands:?}"
    );
    commands
        .iter()
        .zip(expected)
        .map(|(words, want)| {
            let r = co.run_command(words);
            assert_eq!(
                r.code,
                *want,
                "{name}: {}\n--- stdout\n{}\n--- stderr\n{}",
                words.join(" "),
                r.stdout,
                r.stderr
            );
            r
        })
        .collect()
}

/// A change made outside Git, in the console: prod-cache-01 stops
/// auto-renewing (the embedded sandbox's state file, edited between runs).
fn drift_the_account(co: &Checkout) {
    let path = co.path(".bssctl/sandbox-state.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let row = state["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["resource_id"] == "c0303847-4710-81f2-19e9-48107744bd34")
        .unwrap();
    row["expire_policy"] = 0.into();
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
}

/// The drift check: the job's first bssctl command (later ones tell the
/// team on a webhook, tested in `notify`).
fn run_check(co: &Checkout, job: &Value, name: &str, expected: i32) -> Ran {
    let words = bssctl_commands(job).remove(0);
    assert!(
        words
            .windows(2)
            .any(|w| w == ["--only", "drift"] || w == ["--only", "due"]),
        "{name}: {words:?}"
    );
    let r = co.run_command(&words);
    assert_eq!(
        r.code,
        expected,
        "{name}: {}\n--- stdout\n{}\n--- stderr\n{}",
        words.join(" "),
        r.stdout,
        r.stderr
    );
    r
}

/// The pipeline's life: review plan, apply on main, drift checks.
fn pipeline_against_the_sandbox(
    plan_job: &Value,
    apply_job: &Value,
    drift_job: &Value,
    renewals_job: &Value,
) {
    let co = Checkout::new();
    // One bssctl command: no separate `validate --offline` (it would fail
    // the job before the comment is posted; plan reports the same errors).
    let plan = run_job(&co, plan_job, "plan", &[2]);
    assert!(plan[0].stdout.starts_with(MARKER), "{}", plan[0].stdout);
    // The base (origin/main) holds the same manifests: the change itself
    // costs nothing; the full plan (collapsed) still renews what is due.
    assert!(
        plan[0]
            .stdout
            .contains("### bssctl plan: this change: CNY 0.00 now · auto-renew unchanged"),
        "{}",
        plan[0].stdout
    );
    assert!(plan[0]
        .stdout
        .contains("### bssctl plan: renewal cost now +CNY"));

    run_job(&co, apply_job, "apply", &[0]);
    // With --sandbox the record and journal are the sandbox's own, beside
    // its state; against an account they are .bssctl/last-applied.json and
    // .bssctl/journal.jsonl.
    assert!(
        co.path(".bssctl/sandbox-last-applied.json").exists(),
        "the record the pipeline commits back"
    );
    assert!(co.path(".bssctl/sandbox-journal.jsonl").exists());
    assert!(!co.path(".bssctl/journal.jsonl").exists());

    let drift = run_check(&co, drift_job, "drift", 0);
    assert!(drift.stdout.contains("no changes"), "{}", drift.stdout);
    drift_the_account(&co);
    let drift = run_check(&co, drift_job, "drift", 2);
    assert!(
        drift
            .stdout
            .contains("c0303847-4710-81f2-19e9-48107744bd34"),
        "{}",
        drift.stdout
    );
    // Only the drift: the renewals that come due have their own job.
    assert!(
        drift
            .stdout
            .contains("**0 to renew, 1 to change, 0 to unsubscribe**"),
        "{}",
        drift.stdout
    );
    let due = run_check(&co, renewals_job, "renewals", 0);
    assert!(due.stdout.contains("\"changes\": []"), "{}", due.stdout);
}

fn job<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let j = &doc["jobs"][name];
    if j.is_null() {
        &doc[name]
    } else {
        j
    }
}

#[test]
fn github_workflow_has_the_expected_triggers_and_jobs() {
    let (text, doc) = github();
    // `on` is a string key in YAML 1.2 (serde_yaml); a YAML 1.1 reader says true.
    let on = doc
        .get("on")
        .or_else(|| doc.get(Value::Bool(true)))
        .expect("an `on` key");
    assert!(on.get("pull_request").is_some());
    let branches: Vec<&str> = on["push"]["branches"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(str_of)
        .collect();
    assert_eq!(branches, ["main"]);
    assert!(!str_of(&on["schedule"][0]["cron"]).is_empty());

    let jobs = doc["jobs"].as_mapping().unwrap();
    let names: Vec<&str> = jobs.keys().map(str_of).collect();
    assert_eq!(names, ["plan", "apply", "drift", "renewals"]);
    assert!(str_of(&doc["jobs"]["plan"]["if"]).contains("pull_request"));
    assert!(str_of(&doc["jobs"]["apply"]["if"]).contains("refs/heads/main"));
    assert!(str_of(&doc["jobs"]["drift"]["if"]).contains("schedule"));
    assert_eq!(doc["jobs"]["plan"]["permissions"]["pull-requests"], "write");
    assert_eq!(doc["jobs"]["drift"]["permissions"]["issues"], "write");
    assert_eq!(
        doc["jobs"]["apply"]["concurrency"]["cancel-in-progress"],
        false
    );

    // One comment, posted by bssctl comment (no hand-written glue).
    let steps = doc["jobs"]["plan"]["steps"].as_sequence().unwrap();
    assert!(!steps
        .iter()
        .any(|s| str_of(&s["uses"]).starts_with("actions/github-script")));
    let post = steps
        .iter()
        .find(|s| str_of(&s["run"]).contains("bssctl comment github"))
        .expect("a step posts the comment with bssctl comment");
    assert_eq!(post["env"]["GITHUB_TOKEN"], "${{ github.token }}");
    assert_eq!(steps[0]["with"]["fetch-depth"], 0);
    let plan_step = steps.iter().find(|s| s["id"] == "plan").unwrap();
    assert_eq!(
        plan_step["env"]["BASE_REF"],
        "origin/${{ github.base_ref }}"
    );

    // Secrets only from the secret store.
    for var in [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_DOMAIN_ID",
    ] {
        assert_eq!(doc["env"][var], format!("${{{{ secrets.{var} }}}}"));
    }
    assert!(!text.contains("HW_SECRET_KEY"));

    let apply = bssctl_commands(&doc["jobs"]["apply"]);
    assert_eq!(apply.len(), 1);
    assert!(apply[0].contains(&"--auto-approve".to_string()));
    let drift = bssctl_commands(&doc["jobs"]["drift"]);
    assert!(drift[0].contains(&"--detailed-exitcode".to_string()));
    for c in bssctl_commands(&doc["jobs"]["plan"])
        .iter()
        .chain(&apply)
        .chain(&drift)
        .filter(|c| c[1] != "validate" && c[1] != "comment" && c[1] != "notify")
    {
        assert!(
            c.windows(2).any(|w| w == ["--state-dir", ".bssctl"]),
            "{c:?}"
        );
    }
}

#[test]
fn gitlab_pipeline_has_the_expected_stages_and_jobs() {
    let (_, doc) = gitlab();
    let stages: Vec<&str> = doc["stages"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(str_of)
        .collect();
    assert_eq!(stages, ["plan", "apply", "drift"]);
    let rule = |j: &str| str_of(&doc[j]["rules"][0]["if"]).to_string();
    assert!(rule("bssctl:plan").contains("merge_request_event"));
    assert!(rule("bssctl:apply").contains("$CI_DEFAULT_BRANCH"));
    assert!(rule("bssctl:drift").contains("schedule"));
    assert!(rule("bssctl:renewals").contains("schedule"));
    assert_eq!(doc["bssctl:apply"]["resource_group"], "bssctl-account");
    assert_eq!(doc["bssctl:drift"]["resource_group"], "bssctl-account");
    for j in ["bssctl:plan", "bssctl:apply", "bssctl:drift"] {
        assert_eq!(doc[j]["extends"], ".bssctl", "{j}");
    }
    let plan_scripts = scripts(&doc["bssctl:plan"]).join("\n");
    assert!(plan_scripts.contains(MARKER));
    assert!(plan_scripts.contains(
        "bssctl comment gitlab --project \"$CI_PROJECT_ID\" --merge-request \"$CI_MERGE_REQUEST_IID\""
    ));
    assert!(!plan_scripts.contains("curl"));
    assert!(plan_scripts.contains("--base-ref \"$BASE_REF\""));
    assert_eq!(
        doc["bssctl:plan"]["variables"]["BASE_REF"],
        "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    );
    // Credentials are CI/CD variables, never defined in the file.
    let vars = doc["variables"].as_mapping().unwrap();
    for key in vars.keys().map(str_of) {
        assert!(
            !key.starts_with("HUAWEICLOUD_"),
            "{key} must come from the secret store"
        );
    }
    assert!(scripts(&doc["bssctl:apply"])
        .join("\n")
        .contains(".bssctl/last-applied.json"));
}

#[test]
fn github_commands_run_against_the_sandbox() {
    let (_, doc) = github();
    pipeline_against_the_sandbox(
        job(&doc, "plan"),
        job(&doc, "apply"),
        job(&doc, "drift"),
        job(&doc, "renewals"),
    );
}

#[test]
fn gitlab_commands_run_against_the_sandbox() {
    let (_, doc) = gitlab();
    pipeline_against_the_sandbox(
        job(&doc, "bssctl:plan"),
        job(&doc, "bssctl:apply"),
        job(&doc, "bssctl:drift"),
        job(&doc, "bssctl:renewals"),
    );
}

/// The GitHub plan job's step scripts, run whole: the markdown, the exit
/// code handed to later steps, the error comment, and the final verdict.
#[test]
fn github_plan_job_fails_on_errors_and_guardrails_only() {
    let (_, doc) = github();
    let steps = doc["jobs"]["plan"]["steps"].as_sequence().unwrap();
    let step = |id_or_name: &str| -> String {
        steps
            .iter()
            .find(|s| s["id"] == id_or_name || str_of(&s["name"]).starts_with(id_or_name))
            .and_then(|s| s["run"].as_str())
            .unwrap_or_else(|| panic!("step {id_or_name}"))
            .to_string()
    };
    let plan_step = step("plan");
    let verdict = step("Fail on errors");

    let scenario = |co: &Checkout| -> (String, String) {
        let out = co.path("github_output");
        let summary = co.path("summary.md");
        let r = co.run_script(
            &plan_step,
            &[
                ("GITHUB_OUTPUT", out.to_str().unwrap()),
                ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ],
        );
        assert_eq!(r.code, 0, "the plan step itself never fails: {}", r.stderr);
        let code = co
            .read("github_output")
            .trim()
            .strip_prefix("exit_code=")
            .expect("exit_code output")
            .to_string();
        assert_eq!(co.read("summary.md"), co.read("plan.md"));
        (code, co.read("plan.md"))
    };
    let verdict_for = |co: &Checkout, code: &str| co.run_script(&verdict, &[("CODE", code)]).code;

    // Changes: the check passes.
    let co = Checkout::new();
    let (code, md) = scenario(&co);
    assert_eq!(code, "2");
    assert!(md.starts_with(MARKER), "{md}");
    assert_eq!(verdict_for(&co, &code), 0);

    // A guardrail: the comment shows it, the check fails with 3.
    let co = Checkout::new();
    let account = co
        .read("manifests/account.yaml")
        .replace("\"80000.00\"", "\"1.00\"");
    co.write("manifests/account.yaml", &account);
    let (code, md) = scenario(&co);
    assert_eq!(code, "3");
    assert!(md.contains("> [!CAUTION]"), "{md}");
    assert_eq!(verdict_for(&co, &code), 3);

    // An error: the comment carries the message, the check fails with 1.
    let co = Checkout::new();
    co.write(
        "manifests/broken.yaml",
        "version: 1\nresources:\n  - id: x\n    on_expiry: sometimes\n",
    );
    let (code, md) = scenario(&co);
    assert_eq!(code, "1");
    assert!(md.starts_with(MARKER), "{md}");
    // bssctl's own error body (no hand-written glue), with file:line.
    assert!(md.contains("### bssctl plan: error"), "{md}");
    assert!(
        md.contains("broken.yaml") && md.contains("sometimes"),
        "{md}"
    );
    assert_eq!(verdict_for(&co, &code), 1);

    // No changes.
    let co = Checkout::new();
    assert_eq!(verdict_for(&co, "0"), 0);
}

/// The GitLab jobs' exit-code handling, run whole (the note posting and the
/// jq installation skipped).
#[test]
fn gitlab_jobs_fail_on_errors_guardrails_and_drift() {
    let (_, doc) = gitlab();
    let runnable = |j: &str| -> String {
        doc[j]["script"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(str_of)
            .filter(|s| {
                !s.contains("bssctl comment") && !s.contains("git fetch") && !s.contains("validate")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let plan = runnable("bssctl:plan");
    let drift = runnable("bssctl:drift");

    let co = Checkout::new();
    let r = co.run_script(&plan, &[]);
    assert_eq!(r.code, 0, "changes pass review: {}", r.stdout);
    assert!(co.read("plan.md").starts_with(MARKER));

    // Changes not applied yet are the manifests' (the apply job's), not
    // drift: the drift check passes. The renewals job lists what is due.
    let r = co.run_script(&drift, &[]);
    assert_eq!(r.code, 0, "unapplied changes are not drift: {}", r.stdout);
    let r = co.run_script(&runnable("bssctl:renewals"), &[]);
    assert_eq!(r.code, 0, "due renewals do not fail: {}", r.stdout);
    let due: serde_json::Value = serde_json::from_str(&co.read("due.json")).unwrap();
    assert!(due["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["cause"] == "due"));
    assert!(!due["changes"].as_array().unwrap().is_empty());

    let co = Checkout::new();
    let account = co
        .read("manifests/account.yaml")
        .replace("\"80000.00\"", "\"1.00\"");
    co.write("manifests/account.yaml", &account);
    let r = co.run_script(&plan, &[]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(co.read("plan.md").contains("> [!CAUTION]"));

    let co = Checkout::new();
    co.write("manifests/broken.yaml", "version: 7\n");
    let r = co.run_script(&plan, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let md = co.read("plan.md");
    assert!(md.contains("### bssctl plan: error"), "{md}");
    assert!(md.contains("broken.yaml:1:"), "{md}");
}

#[test]
fn word_splitting_handles_quotes_and_operators() {
    let w = words(r#"bssctl plan -f "my dir" --name 'a b' > out 2> err || code=$?"#);
    assert_eq!(
        w,
        [
            "bssctl", "plan", "-f", "my dir", "--name", "a b", ">", "out", "2>", "err", "||",
            "code=$?"
        ]
    );
}

/// Every shell script of both files is valid bash (`bash -n`).
#[test]
fn every_script_is_valid_bash() {
    for (name, doc) in [("github", github().1), ("gitlab", gitlab().1)] {
        let jobs: Vec<&Value> = match doc["jobs"].as_mapping() {
            Some(m) => m.values().collect(),
            None => doc
                .as_mapping()
                .unwrap()
                .values()
                .filter(|v| v.get("script").is_some() || v.get("before_script").is_some())
                .collect(),
        };
        assert!(jobs.len() >= 3, "{name}");
        for job in jobs {
            for script in scripts(job) {
                let out = Command::new("bash")
                    .args(["-n", "-c", &script])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{name}: {}\n{script}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

/// Runs an `actions/github-script` script under node with a fake `github`
/// client that records the calls; `None` when node is not installed.
fn run_github_script(co: &Checkout, script: &str, existing: &str) -> Option<serde_json::Value> {
    let harness = format!(
        r#"
const existing = {existing};
const calls = [];
const github = {{
  paginate: async (fn, args) => existing,
  rest: {{ issues: {{
    listComments: async () => ({{ data: existing }}),
    listForRepo: async () => ({{ data: existing }}),
    updateComment: async (a) => calls.push({{ call: 'updateComment', id: a.comment_id, body: a.body }}),
    createComment: async (a) => calls.push({{ call: 'createComment', id: a.issue_number, body: a.body }}),
    update: async (a) => calls.push({{ call: 'update', id: a.issue_number, body: a.body }}),
    create: async (a) => calls.push({{ call: 'create', id: 0, body: a.body, labels: a.labels }}),
  }} }},
}};
const context = {{ repo: {{ owner: 'o', repo: 'r' }}, issue: {{ number: 7 }}, runId: 42 }};
(async () => {{
{script}
}})().then(() => console.log(JSON.stringify(calls)), (e) => {{ console.error(e); process.exit(1); }});
"#
    );
    co.write("harness.js", &harness);
    let out = match Command::new("node")
        .arg("harness.js")
        .current_dir(co.dir.path())
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            eprintln!("node is not installed: github-script steps not run");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn github_script(job: &str, marker_needle: &str) -> String {
    let (_, doc) = github();
    doc["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s["with"]["script"].as_str())
        .find(|s| s.contains(marker_needle))
        .unwrap()
        .to_string()
}

/// A posting step's script, found by what it contains.
fn step_script(job: &Value, needle: &str) -> String {
    scripts(job)
        .into_iter()
        .find(|s| s.contains(needle))
        .unwrap_or_else(|| panic!("a script with {needle}"))
}

/// The GitHub comment step against a fake GitHub API: the first plan creates
/// the comment, the next edits it; a person quoting the marker is left alone.
#[test]
fn the_pr_comment_is_created_once_then_updated_in_place() {
    let (_, doc) = github();
    let script = step_script(&doc["jobs"]["plan"], "bssctl comment");
    let quoting = format!("see {MARKER}");
    let fake =
        crate::fake_forge::Fake::start(crate::fake_forge::Style::GitHub, "", &["LGTM", &quoting]);
    let co = Checkout::new();
    let env = [
        ("GITHUB_TOKEN", "ghs_test"),
        ("GITHUB_REPOSITORY", "o/r"),
        ("PR", "7"),
        ("GITHUB_API_URL", fake.base.as_str()),
    ];
    co.write(
        "plan.md",
        &format!("{MARKER}\n### bssctl plan: no changes\n"),
    );
    let r = co.run_script(&script, &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("ghs_test"));
    let reqs = fake.requests();
    let last = reqs.last().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("POST", "/repos/o/r/issues/7/comments")
    );
    assert_eq!(last.headers["authorization"], "Bearer ghs_test");
    co.write(
        "plan.md",
        &format!("{MARKER}\n### bssctl plan: this change: +CNY 1.00 now\n"),
    );
    let r = co.run_script(&script, &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let reqs = fake.requests();
    let last = reqs.last().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("PATCH", "/repos/o/r/issues/comments/3")
    );
    assert_eq!(
        fake.comments(),
        vec![
            (1, "LGTM".to_string()),
            (2, quoting),
            (3, co.read("plan.md")),
        ]
    );
}

#[test]
fn drift_opens_one_issue_then_updates_it() {
    let co = Checkout::new();
    let script = github_script("drift", "listForRepo");
    co.write(
        "drift.md",
        &format!("{MARKER}\n### bssctl plan: renewal cost now +CNY 1.00\n"),
    );
    let Some(calls) = run_github_script(&co, &script, "[]") else {
        return;
    };
    assert_eq!(calls[0]["call"], "create");
    assert_eq!(calls[0]["labels"][0], "bssctl-drift");
    let body = calls[0]["body"].as_str().unwrap();
    assert!(body.contains("<!-- bssctl-drift-issue -->") && body.contains("+CNY 1.00"));

    let existing = r#"[{"number": 12, "body": "<!-- bssctl-drift-issue -->\nold"}]"#;
    let calls = run_github_script(&co, &script, existing).unwrap();
    assert_eq!(calls[0]["call"], "update");
    assert_eq!(calls[0]["id"], 12);
}

/// The GitLab note step against a fake GitLab API: the first plan creates
/// the note, later ones edit it.
#[test]
fn the_mr_note_is_created_once_then_updated_in_place() {
    let (_, doc) = gitlab();
    let script = step_script(&doc["bssctl:plan"], "bssctl comment");
    let fake = crate::fake_forge::Fake::start(
        crate::fake_forge::Style::GitLab,
        "/api/v4",
        &["a", "b", "c"],
    );
    let co = Checkout::new();
    let env = [
        ("CI_API_V4_URL", fake.base.as_str()),
        ("CI_PROJECT_ID", "11"),
        ("CI_MERGE_REQUEST_IID", "3"),
        // The job sets GITLAB_TOKEN from BSSCTL_GITLAB_TOKEN.
        ("GITLAB_TOKEN", "glpat-test"),
    ];
    let notes = crate::fake_forge::full(&fake.base, "/projects/11/merge_requests/3/notes");
    co.write(
        "plan.md",
        &format!("{MARKER}\n### bssctl plan: no changes\n"),
    );
    let r = co.run_script(&script, &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let reqs = fake.requests();
    let calls: Vec<String> = reqs
        .iter()
        .map(|q| format!("{} {}", q.method, q.path))
        .collect();
    assert_eq!(
        calls,
        vec![
            format!("GET {notes}"),
            format!("GET {notes}"),
            format!("POST {notes}"),
        ]
    );
    assert!(reqs
        .iter()
        .all(|q| q.headers["private-token"] == "glpat-test"));
    co.write(
        "plan.md",
        &format!("{MARKER}\n### bssctl plan: this change: +CNY 1.00 now\n"),
    );
    let r = co.run_script(&script, &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let last = fake.requests().last().unwrap().clone();
    assert_eq!(
        (last.method.as_str(), last.path),
        ("PUT", format!("{notes}/4"))
    );
    assert_eq!(fake.comments().len(), 4);
    assert_eq!(fake.comments()[3], (4, co.read("plan.md")));
}

/// The keyless GitLab pipeline (a runner with an agency, or OIDC): the same
/// jobs run against the sandbox, and no key is stored or named in it.
#[test]
fn gitlab_keyless_pipeline_runs_and_stores_no_key() {
    let (text, doc) = load("examples/ci/gitlab/keyless.gitlab-ci.yml");
    for secret in [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HW_ACCESS_KEY",
        "HW_SECRET_KEY",
    ] {
        assert!(!text.contains(secret), "{secret} in the keyless pipeline");
    }
    assert!(!doc[".bssctl"]["tags"].as_sequence().unwrap().is_empty());
    let oidc = &doc[".bssctl-oidc"];
    assert_eq!(
        oidc["variables"]["HUAWEICLOUD_SDK_ID_TOKEN_FILE"],
        "$CI_PROJECT_DIR/.id_token"
    );
    assert!(oidc["id_tokens"]["HUAWEICLOUD_ID_TOKEN"]["aud"]
        .as_str()
        .is_some());
    assert!(scripts(oidc)
        .join("\n")
        .contains("> \"$HUAWEICLOUD_SDK_ID_TOKEN_FILE\""));
    pipeline_against_the_sandbox(
        job(&doc, "bssctl:plan"),
        job(&doc, "bssctl:apply"),
        job(&doc, "bssctl:drift"),
        job(&doc, "bssctl:renewals"),
    );
}
