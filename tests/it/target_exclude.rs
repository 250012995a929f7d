//! `--target` / `--exclude` on plan and apply, against the embedded sandbox:
//! a target plans only that resource, an exclude leaves it out, an attached
//! id stands for its main resource (with a note), and an unknown target is
//! an error.

use crate::common::{Run, Workspace};
use serde_json::Value;
use std::path::PathBuf;

const PROD_DB_01: &str = "4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01";
const BACKUP_VOL_01: &str = "0fdfcb0f-b1cc-7c28-0b39-95ad5b5d2d75";
const PROD_WEB_01: &str = "0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978";
/// The data disk attached to prod-web-01.
const PROD_WEB_01_DISK: &str = "5c2a9e11-3f7d-4b8a-a1c2-7e6f5d4c3b21";
/// Live, but in no manifest.
const PROD_WEB_04: &str = "14c4d3b6-aa66-a429-0942-5c8f6410b65a";

/// Three resources with changes and one without.
const MANIFEST: &str = "\
version: 1
resources:
  - id: 4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01
    name: prod-db-01                 # renewal due
    renew_ahead: { min_remaining: 30d, period: 1y }
  - id: 0fdfcb0f-b1cc-7c28-0b39-95ad5b5d2d75
    name: backup-vol-01              # cancel auto-renew
    on_expiry: none
  - id: 0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978
    name: prod-web-01                # to pay-per-use at expiry
    on_expiry: on_demand
  - id: a0d055ea-95a5-8166-8c77-74ed8b5e7bbd
    name: prod-web-03                # already auto-renewing
    on_expiry: auto_renew
";

struct Env {
    ws: Workspace,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            ws: Workspace::new(),
        };
        std::fs::write(env.manifest(), MANIFEST).unwrap();
        env
    }

    fn manifest(&self) -> PathBuf {
        self.ws.dir.path().join("manifest.yaml")
    }

    fn bssctl(&self, args: &[&str]) -> Run {
        self.ws.sandbox_run(args)
    }

    /// `plan --format json` with extra flags: the plan, after checking exit 0.
    fn plan(&self, extra: &[&str]) -> Value {
        let m = self.manifest().display().to_string();
        let mut args = vec!["plan", "-f", m.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        let run = self.bssctl(&args);
        assert_eq!(run.code, 0, "{extra:?}: {}\n{}", run.stdout, run.stderr);
        serde_json::from_str(&run.stdout).unwrap()
    }
}

fn changed(plan: &Value) -> Vec<String> {
    let mut ids: Vec<String> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn warnings(plan: &Value) -> Vec<String> {
    plan["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn without_scope_every_change_is_planned() {
    let env = Env::new();
    let plan = env.plan(&[]);
    assert_eq!(
        changed(&plan),
        sorted(&[PROD_DB_01, BACKUP_VOL_01, PROD_WEB_01])
    );
    assert_eq!(plan["summary"]["unchanged"], 1);
}

#[test]
fn target_plans_only_that_resource() {
    let env = Env::new();
    let plan = env.plan(&["--target", PROD_DB_01]);
    assert_eq!(changed(&plan), [PROD_DB_01]);
    assert_eq!(plan["summary"]["to_renew"], 1);
    assert_eq!(plan["summary"]["to_change"], 0);
    assert_eq!(plan["summary"]["renewal_cost_now"]["amount"], "22050.00");
    assert!(warnings(&plan).is_empty(), "{:?}", warnings(&plan));

    let two = env.plan(&["--target", PROD_DB_01, "--target", BACKUP_VOL_01]);
    assert_eq!(changed(&two), sorted(&[PROD_DB_01, BACKUP_VOL_01]));
    // Every batch is about the targets only.
    for b in two["batches"].as_array().unwrap() {
        for id in b["resource_ids"].as_array().unwrap() {
            assert!(id == PROD_DB_01 || id == BACKUP_VOL_01, "{b}");
        }
    }
}

#[test]
fn exclude_leaves_the_resource_out() {
    let env = Env::new();
    let plan = env.plan(&["--exclude", PROD_DB_01]);
    assert_eq!(changed(&plan), sorted(&[BACKUP_VOL_01, PROD_WEB_01]));
    assert_eq!(plan["summary"]["to_renew"], 0);
    assert_eq!(plan["summary"]["renewal_cost_now"]["amount"], "0.00");

    // Exclude wins over target.
    let none = env.plan(&["--target", PROD_DB_01, "--exclude", PROD_DB_01]);
    assert!(changed(&none).is_empty());
}

#[test]
fn an_attached_id_stands_for_its_main_resource() {
    let env = Env::new();
    let plan = env.plan(&["--target", PROD_WEB_01_DISK]);
    assert_eq!(changed(&plan), [PROD_WEB_01]);
    let attached: Vec<&str> = plan["changes"][0]["attached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(attached, [PROD_WEB_01_DISK]);
    // It says so (it used to widen silently).
    assert_eq!(
        warnings(&plan),
        [format!(
            "--target {PROD_WEB_01_DISK}: it is attached to {PROD_WEB_01}; the API manages attached resources \
             through their main, so --target applies to {PROD_WEB_01} (and every resource attached to it)"
        )]
    );

    let plan = env.plan(&["--exclude", PROD_WEB_01_DISK]);
    assert_eq!(changed(&plan), sorted(&[PROD_DB_01, BACKUP_VOL_01]));
}

#[test]
fn an_unknown_target_is_an_error() {
    let env = Env::new();
    let m = env.manifest().display().to_string();
    let plan_json = |extra: &[&str]| {
        let mut args = vec!["plan", "-f", m.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        let run = env.bssctl(&args);
        let doc: Value = serde_json::from_str(&run.stdout).unwrap();
        (run, doc)
    };
    // It used to be a warning with exit 0 (a typo planned nothing, silently).
    let (run, plan) = plan_json(&["--target", "does-not-exist"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(changed(&plan).is_empty());
    assert_eq!(
        plan["errors"],
        serde_json::json!([
            "--target does-not-exist: no managed resource has this id or name (a wrong id or name, a closed resource, or one the manifests do not name)"
        ])
    );

    // Live but in no manifest: nothing manages it.
    let (run, plan) = plan_json(&["--target", PROD_WEB_04, "--target", PROD_DB_01]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(changed(&plan), [PROD_DB_01]);
    assert!(plan["errors"][0].as_str().unwrap().starts_with(&format!(
        "--target {PROD_WEB_04}: no managed resource has this id or name"
    )));

    // In text, and with --detailed-exitcode: exit 1, and apply does nothing.
    let run = env.bssctl(&[
        "plan",
        "-f",
        &m,
        "--target",
        "does-not-exist",
        "--detailed-exitcode",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Error: --target does-not-exist: no managed resource has this id or name"),
        "{}",
        run.stdout
    );
    let run = env.bssctl(&[
        "apply",
        "-f",
        &m,
        "--target",
        "does-not-exist",
        "--target",
        PROD_DB_01,
        "--auto-approve",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing is bought or released"),
        "{}",
        run.stderr
    );
}

/// Account renewal settings change only when targeted.
#[test]
fn targets_change_account_settings_only_when_they_name_them() {
    let env = Env::new();
    let text =
        format!("{MANIFEST}renewal_settings:\n  deduction_day: 5\n  expire_day: month_end\n");
    std::fs::write(env.manifest(), text).unwrap();
    let settings = |plan: &Value| -> Vec<String> {
        plan.get("account_changes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|c| c["setting"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    // Without scope: both. With a resource target: none (it used to be both).
    assert_eq!(settings(&env.plan(&[])).len(), 2);
    let plan = env.plan(&["--target", PROD_DB_01]);
    assert!(settings(&plan).is_empty(), "{plan:#}");
    assert_eq!(plan["summary"]["account_settings_to_change"], 0);
    // Named: only those.
    let plan = env.plan(&["--target", "renewal_settings.deduction_day"]);
    assert_eq!(settings(&plan), ["renewal_settings.deduction_day"]);
    assert!(changed(&plan).is_empty());
    let plan = env.plan(&["--exclude", "renewal_settings"]);
    assert!(settings(&plan).is_empty());
    assert_eq!(changed(&plan).len(), 3);
}

/// An attached id never widens to its main's release.
#[test]
fn an_attached_target_never_widens_to_an_unsubscribe() {
    let env = Env::new();
    std::fs::write(
        env.manifest(),
        format!("{MANIFEST}  - id: 1470292c-dacf-c358-7a11-5be62fa9a061\n    name: prod-web-02\n    state: unsubscribed\n"),
    )
    .unwrap();
    let m = env.manifest().display().to_string();
    // prod-web-02-data, attached to prod-web-02.
    let run = env.bssctl(&[
        "plan",
        "-f",
        &m,
        "--format",
        "json",
        "--target",
        "1e26dfd8-48f4-99bc-aa0c-fdb7225fb4f2",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(changed(&plan).is_empty(), "{plan:#}");
    assert_eq!(plan["summary"]["to_unsubscribe"], 0);
    assert!(plan["errors"][0]
        .as_str()
        .unwrap()
        .contains("which the manifests unsubscribe"));
}

#[test]
fn apply_with_target_changes_only_the_target() {
    let env = Env::new();
    let m = env.manifest().display().to_string();
    let run = env.bssctl(&[
        "apply",
        "-f",
        &m,
        "--target",
        BACKUP_VOL_01,
        "--auto-approve",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let plan = env.plan(&[]);
    assert_eq!(
        changed(&plan),
        sorted(&[PROD_DB_01, PROD_WEB_01]),
        "the others are still pending"
    );

    let run = env.bssctl(&["apply", "-f", &m, "--exclude", PROD_DB_01, "--auto-approve"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(changed(&env.plan(&[])), [PROD_DB_01]);
}
