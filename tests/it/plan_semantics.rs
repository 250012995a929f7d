//! Plans that mean what the user meant (issue 20), end to end: the real
//! binary against the sandbox over HTTP on 127.0.0.1 (the embedded sandbox,
//! seed "now" 2026-11-24, unless a test says otherwise).

use crate::common::{Run, Workspace, PROD_DB_02, STAGING_DB01};
use serde_json::Value;

struct Env {
    ws: Workspace,
}

impl Env {
    fn new() -> Env {
        Env {
            ws: Workspace::new(),
        }
    }

    /// Writes a manifest and returns its path.
    fn manifest(&self, name: &str, text: &str) -> String {
        self.ws.write(name, text).display().to_string()
    }

    fn bssctl(&self, args: &[&str]) -> Run {
        self.ws.sandbox_run(args)
    }

    /// `plan -f M --format json` (any exit code): the run and its JSON.
    fn plan_json(&self, manifest: &str, extra: &[&str]) -> (Run, Value) {
        let mut args = vec!["plan", "-f", manifest, "--format", "json"];
        args.extend_from_slice(extra);
        let run = self.bssctl(&args);
        let doc = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{e}\nstdout: {}\nstderr: {}", run.stdout, run.stderr));
        (run, doc)
    }

    /// The embedded sandbox's state file (after a first run created it).
    fn state(&self) -> Value {
        crate::common::state_json(&self.ws.sandbox_state())
    }

    /// Seeds the embedded sandbox's state, edited by `edit`.
    fn seed_with(&self, edit: impl FnOnce(&mut Value)) {
        let path = self.ws.sandbox_state();
        crate::common::seed_into(&path);
        let mut state = crate::common::state_json(&path);
        edit(&mut state);
        std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
    }
}

fn resource<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource_id"] == id)
        .unwrap_or_else(|| panic!("{id} not in the state"))
}

fn resource_mut<'a>(state: &'a mut Value, id: &str) -> &'a mut Value {
    state["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["resource_id"] == id)
        .unwrap_or_else(|| panic!("{id} not in the state"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn kinds(plan: &Value, id: &str) -> Vec<String> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["resource_id"] == id)
        .map(|c| {
            c["operations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["kind"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Item 1: a name that differs from the live name never buys or releases.

/// The pasted id is prod-db-02's (a year left), the name staging-db-01's.
const WRONG_ID_UNSUBSCRIBE: &str = "\
version: 1
resources:
  - id: 8b1e7d3c5a9f4e2db6c0a1f8e3d5b7c2in01
    name: staging-db-01
    state: unsubscribed
";

/// staging-db-01 is due (expires 2026-11-30) but the entry names prod-db-02.
const WRONG_ID_RENEWAL: &str = "\
version: 1
resources:
  - id: c3d9f1a2b8e74c5d9f0a6b1e2d3c4f5ain01
    name: prod-db-02
    on_expiry: auto_renew
    renew_ahead: { min_remaining: 30d, period: 1y }
";

#[test]
fn a_mismatched_name_never_releases() {
    let env = Env::new();
    let m = env.manifest("m.yaml", WRONG_ID_UNSUBSCRIBE);
    let (run, plan) = env.plan_json(&m, &[]);
    // Before: a warning, exit 0, and an unsubscribe of prod-db-02 planned.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(kinds(&plan, PROD_DB_02).is_empty(), "{plan:#}");
    assert_eq!(plan["summary"]["to_unsubscribe"], 0);
    let errors = strings(&plan["errors"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("\"staging-db-01\"")
            && errors[0].contains("\"prod-db-02\"")
            && errors[0].contains("m.yaml:4:11: resources[0].name")
            && errors[0].contains("unsubscribe is not planned"),
        "{}",
        errors[0]
    );
    assert!(
        run.stderr.contains("the plan has 1 error(s)"),
        "{}",
        run.stderr
    );

    // Apply, with every flag that would allow a release: nothing happens.
    let run = env.bssctl(&["apply", "-f", &m, "--auto-approve", "--allow-unsubscribe"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Error: m.yaml:4:11") || run.stdout.contains("Error: /"));
    assert!(
        run.stderr.contains("nothing is bought or released"),
        "{}",
        run.stderr
    );
    let state = env.state();
    assert_eq!(resource(&state, PROD_DB_02)["status"], 2, "still in use");
    assert!(state["orders"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["order_type"] != 4));
}

#[test]
fn a_mismatched_name_never_buys_but_settings_go_ahead_with_a_warning() {
    let env = Env::new();
    let m = env.manifest("m.yaml", WRONG_ID_RENEWAL);
    let (run, plan) = env.plan_json(&m, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The auto-renew setting stays in the plan; the renewal does not.
    assert_eq!(kinds(&plan, STAGING_DB01), ["enable_auto_renew"]);
    assert_eq!(plan["summary"]["to_renew"], 0);
    let errors = strings(&plan["errors"]);
    assert!(
        errors.len() == 1 && errors[0].contains("renewal is not planned"),
        "{errors:?}"
    );
    let warnings = strings(&plan["warnings"]);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("\"prod-db-02\"") && w.contains("setting changes are planned")),
        "{warnings:?}"
    );

    let before = crate::common::order_ids(&env.state());
    let run = env.bssctl(&["apply", "-f", &m, "--auto-approve"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let state = env.state();
    assert!(crate::common::renewals_per_resource(&state, &before).is_empty());

    // With the right name the same entry renews.
    let fixed = env.manifest(
        "m.yaml",
        &WRONG_ID_RENEWAL.replace("prod-db-02", "staging-db-01"),
    );
    let (run, plan) = env.plan_json(&fixed, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(kinds(&plan, STAGING_DB01).contains(&"renew".to_string()));
    assert!(plan.get("errors").is_none());
}

// ---------------------------------------------------------------------------
// Items 2 and 7: a frozen resource is renewed by a period that brings it
// back in use and out of the renew_ahead window, or not at all.

const STAGING_APP_01: &str = "8190d640-b6bf-1bef-5636-0c3f88a67497";

/// staging-app-01 is frozen, expired 2026-10-20. From the old expiry, 1m
/// ends 2026-11-20 (still expired), 2m 2026-12-20 (in use, but inside the
/// 27-day window that ends 2026-12-21, so every plan would renew again).
const FROZEN: &str = "\
version: 1
resources:
  - id: 8190d640-b6bf-1bef-5636-0c3f88a67497
    name: staging-app-01
    on_expiry: auto_renew
    renew_ahead: { min_remaining: 27d, period: 1m }
";

#[test]
fn a_frozen_resource_is_renewed_back_into_use_and_the_next_plan_converges() {
    let env = Env::new();
    let m = env.manifest("m.yaml", FROZEN);
    let (run, plan) = env.plan_json(&m, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Before: renew 1m (still frozen: "renewing by 1m still leaves it
    // expired"), then enable_auto_renew, refused with CBC.99003602.
    let change = &plan["changes"][0];
    assert_eq!(kinds(&plan, STAGING_APP_01), ["renew", "enable_auto_renew"]);
    assert_eq!(change["operations"][0]["period_type"], 2);
    assert_eq!(change["operations"][0]["period_num"], 3);
    assert_eq!(change["after"]["status"], "in_use");
    assert_eq!(change["after"]["expire_time"], "2027-01-20T00:00:00Z");
    let reasons = strings(&change["reasons"]);
    assert!(
        reasons
            .iter()
            .any(|r| r
                .contains("renew 3m: renew_ahead.period 1m would end 2026-11-20, still expired, as the platform renews")),
        "{reasons:?}"
    );
    assert!(strings(&plan["warnings"]).is_empty(), "{plan:#}");

    let run = env.bssctl(&["apply", "-f", &m, "--auto-approve"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let state = env.state();
    let r = resource(&state, STAGING_APP_01);
    assert_eq!(r["status"], 2, "back in use");
    assert_eq!(r["expire_policy"], 3);

    // The next plan has nothing to do (it is out of the 30-day window).
    let run = env.bssctl(&["plan", "-f", &m, "--detailed-exitcode"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("No changes."), "{}", run.stdout);
}

#[test]
fn a_resource_no_allowed_period_can_bring_back_is_not_renewed() {
    let env = Env::new();
    env.seed_with(|s| {
        for id in [
            STAGING_APP_01,
            "aec5517b-2919-aac3-8cb8-016ca9e1b056",
            "98a496db-6627-e0ce-f839-8036eff1d914",
        ] {
            resource_mut(s, id)["expire_time"] = "2022-01-01T00:00:00Z".into();
        }
    });
    let m = env.manifest("m.yaml", FROZEN);
    let (run, plan) = env.plan_json(&m, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(kinds(&plan, STAGING_APP_01).is_empty(), "{plan:#}");
    let warnings = strings(&plan["warnings"]);
    assert!(
        warnings.iter().any(|w| w.contains("staging-app-01")
            && w.contains("renewal not planned")
            && w.contains("even the longest allowed period, 3y, would end 2025-01-01")),
        "{warnings:?}"
    );
}

// ---------------------------------------------------------------------------
// Item 3: a fake clock never reaches real purchases.

/// prod-web-04 expires 2027-08-01: due on 2027-07-15, not today.
const WEB04_RENEW_AHEAD: &str = "\
version: 1
resources:
  - id: 14c4d3b6-aa66-a429-0942-5c8f6410b65a
    name: prod-web-04
    renew_ahead: { min_remaining: 30d, period: 1y }
";

fn lines(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[test]
fn a_saved_plan_from_another_date_is_refused_with_no_call_sent() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    crate::common::seed_into(&state);
    let log = ws.path("requests.jsonl");
    let sb = crate::common::SandboxProc::start(&state, &["--request-log", log.to_str().unwrap()]);
    let m = ws.write("m.yaml", WEB04_RENEW_AHEAD);
    let plan_file = ws.path("future.plan.json");

    // Planned "on 2027-07-15": the renewal is due then.
    let out = crate::common::run({
        let mut c = ws.bssctl_at(&sb);
        c.env("BSSCTL_NOW", "2027-07-15T00:00:00Z")
            .args(["plan", "-f"])
            .arg(&m)
            .arg("--out")
            .arg(&plan_file);
        c
    });
    let (stdout, stderr) = crate::common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("renew 1y"), "{stdout}");
    assert!(
        stderr
            .lines()
            .next()
            .unwrap()
            .starts_with("Note: BSSCTL_NOW=2027-07-15T00:00:00Z replaces the system clock"),
        "{stderr}"
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    assert_eq!(saved["planned_at"], "2027-07-15T00:00:00Z");

    // Applied "today" (2026-11-24): before, it bought the renewal eight
    // months early. Now: refused before any request.
    let before = lines(&log);
    assert!(before > 0);
    let out = crate::common::run({
        let mut c = ws.bssctl_at(&sb);
        c.args(["apply", "--auto-approve"]).arg(&plan_file);
        c
    });
    let (stdout, stderr) = crate::common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(
            "the plan was made for 2027-07-15T00:00:00Z, after now (2026-11-24T00:00:00Z)"
        ) && stderr.contains("nothing was applied"),
        "{stderr}"
    );
    assert_eq!(lines(&log), before, "no request was sent");
    let st = crate::common::state_json(&state);
    assert!(!crate::common::renewals_per_resource(&st, &[]).contains_key(PROD_WEB_04));
    sb.stop();
}

#[test]
fn a_saved_plan_older_than_max_plan_age_is_refused() {
    let env = Env::new();
    let m = env.manifest("m.yaml", WEB04_RENEW_AHEAD.replace("30d", "300d").as_str());
    let plan_file = env.ws.path("p.json");
    let run = env.bssctl(&["plan", "-f", &m, "--out", plan_file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let seed_orders = crate::common::order_ids(&env.state());
    let apply_at = |now: &str, extra: &[&str]| {
        let mut c = env.ws.bssctl();
        c.current_dir(env.ws.dir.path())
            .env("BSSCTL_NOW", now)
            .args(["--sandbox", "apply", "--auto-approve"])
            .args(extra)
            .arg(&plan_file);
        let o = crate::common::run(c);
        let (stdout, stderr) = crate::common::text(&o);
        (o.status.code().unwrap(), stdout, stderr)
    };
    let (code, _, stderr) = apply_at("2026-11-26T00:00:00Z", &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("48 hours ago, more than --max-plan-age 24h"),
        "{stderr}"
    );
    assert!(crate::common::renewals_per_resource(&env.state(), &seed_orders).is_empty());
    // Within a longer allowed age it applies.
    let (code, stdout, stderr) = apply_at("2026-11-26T00:00:00Z", &["--max-plan-age", "3d"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(
        crate::common::renewals_per_resource(&env.state(), &[])
            .get("14c4d3b6-aa66-a429-0942-5c8f6410b65a"),
        Some(&1),
        "prod-web-04 renewed once"
    );
}

#[test]
fn a_fake_clock_is_announced_and_refused_against_a_real_endpoint() {
    let ws = Workspace::new();
    let m = ws.write("m.yaml", WEB04_RENEW_AHEAD);
    let mut c = ws.bssctl();
    c.env("HUAWEICLOUD_SDK_AK", crate::common::AK)
        .env("HUAWEICLOUD_SDK_SK", crate::common::SK)
        .env("HUAWEICLOUD_SDK_DOMAIN_ID", crate::common::DOMAIN)
        .args([
            "--endpoint",
            "https://bss.example.invalid",
            "apply",
            "--auto-approve",
            "-f",
        ])
        .arg(&m);
    let out = crate::common::run(c);
    let (stdout, stderr) = crate::common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let mut l = stderr.lines();
    assert!(
        l.next()
            .unwrap()
            .starts_with("Note: BSSCTL_NOW=2026-11-24T00:00:00Z"),
        "{stderr}"
    );
    assert!(
        stderr.contains("refusing to apply against https://bss.example.invalid: BSSCTL_NOW is set"),
        "{stderr}"
    );
    // Without the fake clock the same command gets past that check (and
    // fails later, on the unreachable host).
    let mut c = ws.bssctl();
    c.env_remove("BSSCTL_NOW")
        .env("HUAWEICLOUD_SDK_AK", crate::common::AK)
        .env("HUAWEICLOUD_SDK_SK", crate::common::SK)
        .env("HUAWEICLOUD_SDK_DOMAIN_ID", crate::common::DOMAIN)
        .args([
            "--max-attempts",
            "1",
            "--endpoint",
            "https://bss.example.invalid",
            "apply",
            "--auto-approve",
            "-f",
        ])
        .arg(&m);
    let (_, stderr) = crate::common::text(&crate::common::run(c));
    assert!(!stderr.contains("BSSCTL_NOW"), "{stderr}");
}

// ---------------------------------------------------------------------------
// Item 4: `renew_ahead: false` in an entry removes a selector's renewal.

const PROD_DB_01: &str = "4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01";

fn opt_out(value: &str) -> String {
    format!(
        "\
version: 1
resources:
  - id: 4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01
    name: prod-db-01
    renew_ahead: {value}
selectors:
  - match: {{ service_type: hws.service.type.rds }}
    renew_ahead: {{ min_remaining: 30d, period: 1y }}
"
    )
}

#[test]
fn renew_ahead_false_removes_a_selectors_renewal() {
    let env = Env::new();
    // null (like absent) inherits: prod-db-01 (expires 2026-12-10) renews.
    let m = env.manifest("inherit.yaml", &opt_out("~"));
    let (run, plan) = env.plan_json(&m, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(kinds(&plan, PROD_DB_01), ["renew"]);

    let m = env.manifest("off.yaml", &opt_out("false"));
    let (run, plan) = env.plan_json(&m, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(kinds(&plan, PROD_DB_01).is_empty(), "{plan:#}");
    // The selector still renews the other database that is due.
    assert_eq!(kinds(&plan, STAGING_DB01), ["renew"]);

    // The schema documents it.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::repo("schema/bssctl.schema.json")).unwrap(),
    )
    .unwrap();
    let any_of = schema["$defs"]["RenewAheadSetting"]["anyOf"]
        .as_array()
        .unwrap();
    assert!(any_of.iter().any(|s| s["const"] == false), "{any_of:?}");
}

// ---------------------------------------------------------------------------
// Item 6: `on_expiry: none` against the platform's other policies.

const DEV_BOX_02: &str = "bc89b503-9093-52cd-c3b4-1dd3468c3993";
const STAGING_APP_02: &str = "bb1c2eb0-0c48-2a03-7382-153c52a4309d";

/// prod-db-02 deleted at expiry (2), dev-box-02 deleted from retention (5),
/// staging-app-02 an unknown policy (9).
fn seed_other_policies(env: &Env) {
    env.seed_with(|s| {
        resource_mut(s, PROD_DB_02)["expire_policy"] = 2.into();
        resource_mut(s, DEV_BOX_02)["expire_policy"] = 5.into();
        resource_mut(s, STAGING_APP_02)["expire_policy"] = 9.into();
    });
}

#[test]
fn on_expiry_none_warns_about_a_deletion_policy_and_export_writes_what_it_saw() {
    let env = Env::new();
    seed_other_policies(&env);
    let m = env.manifest(
        "m.yaml",
        "\
version: 1
resources:
  - id: 8b1e7d3c5a9f4e2db6c0a1f8e3d5b7c2in01
    name: prod-db-02
    on_expiry: none
  - id: bc89b503-9093-52cd-c3b4-1dd3468c3993
    name: dev-box-02
    on_expiry: none
  - id: bb1c2eb0-0c48-2a03-7382-153c52a4309d
    name: staging-app-02
    on_expiry: none
",
    );
    // Before: "No changes" and no word about it.
    let (run, plan) = env.plan_json(&m, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(plan["changes"].as_array().unwrap().is_empty());
    let warnings = strings(&plan["warnings"]);
    let about = |name: &str| {
        warnings
            .iter()
            .find(|w| w.starts_with(name))
            .unwrap_or_else(|| panic!("no warning about {name}: {warnings:?}"))
            .clone()
    };
    let w = about("prod-db-02");
    assert!(
        w.contains("the platform's policy is delete (expire_policy 2: deleted at expiry, with no grace period)")
            && w.contains("will be DELETED at expiry"),
        "{w}"
    );
    assert!(about("dev-box-02").contains("delete_from_retention (expire_policy 5"));
    assert!(about("staging-app-02").contains("unknown(9) (expire_policy 9"));

    // A change from such a policy shows it as it is.
    let m2 = env.manifest(
        "m2.yaml",
        "version: 1\nresources:\n  - id: bb1c2eb0-0c48-2a03-7382-153c52a4309d\n    on_expiry: on_demand\n",
    );
    // It is in the seed's unpaid order, which locks its settings: a warning,
    // not a change the API would refuse.
    let (_, plan) = env.plan_json(&m2, &[]);
    assert!(plan["changes"].as_array().unwrap().is_empty());
    assert!(
        strings(&plan["warnings"])
            .iter()
            .any(|w| w.starts_with("staging-app-02")
                && w.contains("set_on_demand (CBC.99003623) not planned")
                && w.contains("bssctl orders cancel CS2611220930RJPYC")),
        "{:?}",
        plan["warnings"]
    );
    let run = env.bssctl(&["orders", "cancel", "CS2611220930RJPYC", "--auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, plan) = env.plan_json(&m2, &[]);
    assert_eq!(plan["changes"][0]["before"]["on_expiry"], "unknown(9)");

    // Export writes what it saw, and plans no change for it.
    let run = env.bssctl(&["export", "--out", "exported"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut all = String::new();
    for e in std::fs::read_dir(env.ws.path("exported")).unwrap() {
        all.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    let entry = &all[all.find("name: prod-db-02").unwrap()..];
    let entry = &entry[..entry.find("- id:").unwrap_or(entry.len())];
    assert!(
        entry.contains("# on_expiry left out: the platform's policy is delete (expire_policy 2")
            && !entry.contains("on_expiry: none"),
        "{entry}"
    );
    let run = env.bssctl(&["plan", "-f", "exported", "--detailed-exitcode"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

// ---------------------------------------------------------------------------
// Item 5: attached resources with another expiry or policy are shown.

const PROD_WEB_03: &str = "a0d055ea-95a5-8166-8c77-74ed8b5e7bbd";
const PROD_WEB_03_SYS: &str = "25bf0e6e-973e-42c5-3137-dfbaef165ccd";

#[test]
fn an_attached_disk_that_expires_first_is_warned_about_and_exported_as_a_comment() {
    let env = Env::new();
    env.seed_with(|s| {
        let d = resource_mut(s, PROD_WEB_03_SYS);
        d["expire_time"] = "2026-12-01T00:00:00Z".into();
        d["expire_policy"] = 0.into();
    });
    let m = env.manifest(
        "m.yaml",
        "version: 1\nresources:\n  - id: a0d055ea-95a5-8166-8c77-74ed8b5e7bbd\n    name: prod-web-03\n    on_expiry: auto_renew\n",
    );
    // Before: "No changes", nothing about the disk.
    let (run, plan) = env.plan_json(&m, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(kinds(&plan, PROD_WEB_03).is_empty());
    let warnings = strings(&plan["warnings"]);
    assert!(
        warnings.iter().any(|w| w.contains(&format!(
            "attached prod-web-03-sys ({PROD_WEB_03_SYS}) of prod-web-03"
        )) && w
            .contains("expires 2026-12-01 (in 7 days), before its main (2027-05-01)")
            && w.contains("its expiry policy is none, its main's auto_renew")
            && w.contains("renew or set it in the console")),
        "{warnings:?}"
    );
    let run = env.bssctl(&["plan", "-f", &m]);
    assert!(
        run.stdout.contains("No changes.")
            && run.stdout.contains("Warning: attached prod-web-03-sys"),
        "{}",
        run.stdout
    );

    let run = env.bssctl(&["export", "--out", "exported"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ec2 = std::fs::read_to_string(env.ws.path("exported/ec2.yaml")).unwrap_or_else(|_| {
        std::fs::read_dir(env.ws.path("exported"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    });
    assert!(
        ec2.contains("  # Note: attached prod-web-03-sys")
            && ec2.contains("before its main (2027-05-01)"),
        "{ec2}"
    );
}

// ---------------------------------------------------------------------------
// Item 12: the sandbox refuses what the reference says the API refuses, and
// the plan does not schedule those calls.

const STAGING_WEB_01: &str = "693e3d80-5e8e-d63f-5bdc-1f322deadfda";
const PROD_WEB_04: &str = "14c4d3b6-aa66-a429-0942-5c8f6410b65a";

#[test]
fn calls_refused_on_expired_resources_are_warnings_not_operations() {
    let env = Env::new();
    // staging-web-01 is expired (policy 0); prod-db-01 auto-renews.
    env.seed_with(|s| {
        resource_mut(s, PROD_DB_01)["status"] = 4.into();
    });
    let m = env.manifest(
        "m.yaml",
        "\
version: 1
resources:
  - id: 693e3d80-5e8e-d63f-5bdc-1f322deadfda
    name: staging-web-01
    on_expiry: on_demand
  - id: 4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01
    name: prod-db-01
    on_expiry: none
",
    );
    // Before: set_on_demand and cancel_auto_renew planned, refused at apply.
    let (run, plan) = env.plan_json(&m, &["--detailed-exitcode"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(plan["changes"].as_array().unwrap().is_empty(), "{plan:#}");
    let warnings = strings(&plan["warnings"]);
    for (name, what) in [
        (
            "staging-web-01",
            "is expired: the API refuses set_on_demand (CBC.99003610)",
        ),
        (
            "prod-db-01",
            "is frozen: the API refuses cancel_auto_renew (CBC.99003602)",
        ),
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(name) && w.contains(what) && w.contains("renew it first")),
            "{name}: {warnings:?}"
        );
    }
}

#[test]
fn the_sandbox_refuses_set_on_demand_on_an_expired_resource() {
    let env = Env::new();
    // A plan for prod-web-04 (in use), turned by hand into one for the
    // expired staging-web-01: what an older bssctl would have planned.
    let m = env.manifest(
        "m.yaml",
        "version: 1\nresources:\n  - id: 14c4d3b6-aa66-a429-0942-5c8f6410b65a\n    on_expiry: on_demand\n",
    );
    let file = env.ws.path("p.json");
    let run = env.bssctl(&["plan", "-f", &m, "--out", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace(PROD_WEB_04, STAGING_WEB_01);
    let mut saved: Value = serde_json::from_str(&text).unwrap();
    saved["fingerprints"] = serde_json::json!({});
    std::fs::write(&file, serde_json::to_string(&saved).unwrap()).unwrap();

    let run = env.bssctl(&["apply", "--auto-approve", file.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Failed: set_on_demand") && run.stdout.contains("CBC.99003610"),
        "{}",
        run.stdout
    );
    assert_eq!(resource(&env.state(), STAGING_WEB_01)["expire_policy"], 0);
}

// ---------------------------------------------------------------------------
// Item 10: --max-cost is about money now, and says which price is unknown.

/// prod-db-01's renewal is priced (CNY 22,050.00); data-obs-pkg-02 cannot be
/// rated (not renewable), so the auto-renew commitment it adds is unknown.
const KNOWN_NOW_UNKNOWN_COMMITMENT: &str = "\
version: 1
resources:
  - id: 4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01
    name: prod-db-01
    renew_ahead: { min_remaining: 30d, period: 1y }
  - id: ebb54cd1-a000-2c41-eaf1-4959897eaf0e
    name: data-obs-pkg-02
    on_expiry: auto_renew
";

#[test]
fn max_cost_checks_money_now_and_names_an_unknown_renewal_price() {
    let env = Env::new();
    let m = env.manifest("m.yaml", KNOWN_NOW_UNKNOWN_COMMITMENT);
    // Before: exit 3, "cost guardrail cannot be checked: 1 price(s) unknown".
    let (run, plan) = env.plan_json(&m, &["--max-cost", "30000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(plan.get("guardrail_violations").is_none(), "{plan:#}");
    assert_eq!(plan["summary"]["unknown_prices"], 1);

    // Renewing the unratable one: money now is unknown, and named.
    let m = env.manifest(
        "m2.yaml",
        &format!(
            "{KNOWN_NOW_UNKNOWN_COMMITMENT}    renew_ahead: {{ min_remaining: 30d, period: 3m }}\n"
        ),
    );
    let run = env.bssctl(&["plan", "-f", &m, "--max-cost", "30000"]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let message =
        "cost guardrail --max-cost cannot be checked: the renewal price of data-obs-pkg-02 \
                   (ebb54cd1-a000-2c41-eaf1-4959897eaf0e) is unknown (see warnings)";
    assert_eq!(run.stdout.matches(message).count(), 1, "{}", run.stdout);
    // Printed once: stderr points at it.
    assert!(!run.stderr.contains(message), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the plan exceeds a cost guardrail (shown above)"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------
// Item 8: cancelling a conversion can restore auto-renew; one apply still
// reaches the desired state.

const PROD_API_02: &str = "6f5e22cd-3ff8-2627-6971-bb210ff1cec2";
const PROD_API_02_SYS: &str = "84d1a717-1382-32d8-78bd-1accca189d2a";

#[test]
fn cancel_on_demand_that_restores_auto_renew_is_followed_by_a_cancel() {
    let env = Env::new();
    // prod-api-02 was switched to pay-per-use while it auto-renewed (say,
    // in the console): cancelling the switch brings auto-renew back.
    env.seed_with(|s| {
        for id in [PROD_API_02, PROD_API_02_SYS] {
            resource_mut(s, id)["previous_expire_policy"] = 3.into();
        }
    });
    let m = env.manifest(
        "m.yaml",
        "version: 1\nresources:\n  - id: 6f5e22cd-3ff8-2627-6971-bb210ff1cec2\n    name: prod-api-02\n    on_expiry: none\n",
    );
    let (_, plan) = env.plan_json(&m, &[]);
    assert_eq!(kinds(&plan, PROD_API_02), ["cancel_on_demand"]);

    let run = env.bssctl(&["apply", "-f", &m, "--auto-approve"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("restored the earlier auto-renew policy; auto-renew was cancelled too"),
        "{}",
        run.stdout
    );
    // Before: auto-renew on (policy 3) after the apply, and the next plan
    // had to cancel it. Now: as desired at once.
    let state = env.state();
    assert_eq!(resource(&state, PROD_API_02)["expire_policy"], 0);
    assert_eq!(resource(&state, PROD_API_02_SYS)["expire_policy"], 0);
    let run = env.bssctl(&["plan", "-f", &m, "--detailed-exitcode"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

// ---------------------------------------------------------------------------
// Item 11: protect with a release coming up; 4w == 28d.

#[test]
fn a_protected_resource_that_will_be_released_is_warned_about() {
    let env = Env::new();
    // staging-db-01 expires 2026-11-30 with the grace-period policy.
    let m = env.manifest(
        "m.yaml",
        "version: 1\nresources:\n  - id: c3d9f1a2b8e74c5d9f0a6b1e2d3c4f5ain01\n    name: staging-db-01\n    protect: true\n",
    );
    // Before: "No changes" and silence.
    let (run, plan) = env.plan_json(&m, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings = strings(&plan["warnings"]);
    assert!(
        warnings.iter().any(|w| w.starts_with("staging-db-01")
            && w.contains("is protected (protect: true) but expires 2026-11-30 (in 6 days)")
            && w.contains("the platform will release it")),
        "{warnings:?}"
    );
}

#[test]
fn two_selectors_writing_4w_and_28d_agree() {
    let env = Env::new();
    let m = env.manifest(
        "m.yaml",
        "\
version: 1
selectors:
  - match: { service_type: hws.service.type.rds }
    renew_ahead: { min_remaining: 4w, period: 1y }
  - match: { name: \"prod-db-*\" }
    renew_ahead: { min_remaining: 28d, period: 1y }
",
    );
    // Before: "selectors disagree on renew_ahead", exit 1.
    let (run, plan) = env.plan_json(&m, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(kinds(&plan, PROD_DB_01), ["renew"]);
}
