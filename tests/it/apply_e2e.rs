//! Apply end to end through the CLI against the sandbox over HTTP: the
//! examples converge, faults never cause a double purchase, a killed apply
//! resumes safely, and every refusal refuses.

use crate::common::*;
use std::time::Duration;

fn examples() -> String {
    repo("examples/manifests").display().to_string()
}

/// Applies until a plan shows no changes (bounded), returning each exit code.
/// No settle time: the sandbox's faults apply at once or never, so each
/// run may check what the one before left unknown.
fn converge(ws: &Workspace, sandbox: &SandboxProc, max_runs: usize) -> Vec<i32> {
    let mut codes = Vec::new();
    for _ in 0..max_runs {
        let mut c = ws.bssctl_at(sandbox);
        c.args([
            "apply",
            "--auto-approve",
            "--settle-time",
            "0",
            "--parallelism",
            "4",
            "-f",
            &examples(),
        ]);
        let o = run(c);
        codes.push(o.status.code().unwrap_or(-1));
        let mut p = ws.bssctl_at(sandbox);
        p.args([
            "plan",
            "--detailed-exitcode",
            "--settle-time",
            "0",
            "-f",
            &examples(),
        ]);
        if run(p).status.code() == Some(0) {
            break;
        }
    }
    codes
}

fn assert_no_double_renewal(state: &std::path::Path, seed_orders: &[String]) {
    let per = renewals_per_resource(&state_json(state), seed_orders);
    assert!(!per.is_empty(), "the examples renew something");
    for (id, n) in &per {
        assert_eq!(*n, 1, "{id} renewed {n} times: {per:?}");
    }
}

#[test]
fn apply_examples_then_plan_shows_no_changes() {
    let ws = Workspace::new();
    let mut c = ws.bssctl();
    c.args(["apply", "--sandbox", "--auto-approve", "-f", &examples()]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("Apply complete!"), "{out}");
    assert!(out.contains("0 failed, 0 skipped"), "{out}");

    let mut c = ws.bssctl();
    c.args([
        "plan",
        "--sandbox",
        "--detailed-exitcode",
        "-f",
        &examples(),
    ]);
    let o = run(c);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("No changes."), "{out}");
    // The last-applied record now knows the auto-renew settings it sent.
    // The embedded sandbox keeps its own record, beside its state.
    let la = std::fs::read_to_string(ws.state_dir().join("sandbox-last-applied.json")).unwrap();
    assert!(!ws.state_dir().join("last-applied.json").exists());
    assert!(!ws.state_dir().join("journal.jsonl").exists());
    assert!(la.contains("\"period_type\": \"YEAR\""), "{la}");
}

fn fault_run(flags: &[&str]) {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let seed_orders = order_ids(&state_json(&state));
    let sandbox = SandboxProc::start(&state, flags);
    let codes = converge(&ws, &sandbox, 6);
    let mut p = ws.bssctl_at(&sandbox);
    p.args(["plan", "--detailed-exitcode", "-f", &examples()]);
    let o = run(p);
    assert_eq!(
        o.status.code(),
        Some(0),
        "did not converge with {flags:?}: runs {codes:?}\n{}",
        text(&o).0
    );
    assert_no_double_renewal(&state, &seed_orders);
}

#[test]
fn converges_under_20_percent_throttling() {
    fault_run(&["--throttle-every", "5"]);
}

#[test]
fn converges_under_10_percent_server_errors() {
    fault_run(&["--error-every", "10"]);
}

#[test]
fn converges_with_latency() {
    fault_run(&["--latency-ms", "20"]);
}

#[test]
fn a_renewal_cut_off_after_it_was_applied_is_unknown_then_verified_not_resent() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let seed_orders = order_ids(&state_json(&state));
    // Every renewal is applied, then its connection is dropped unanswered.
    let sandbox = SandboxProc::start(
        &state,
        &["--drop-every", "1", "--fault-api", "RenewalResources"],
    );
    let mut c = ws.bssctl_at(&sandbox);
    c.args(["apply", "--auto-approve", "-f", &examples()]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("Unknown: renew"), "{out}");
    assert!(out.contains("it was NOT sent again"), "{out}");
    assert!(out.contains("Apply finished with errors."), "{out}");
    assert_no_double_renewal(&state, &seed_orders);
    let journal = std::fs::read_to_string(ws.state_dir().join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"outcome\":\"unknown\""));
    assert!(!journal.contains("\"event\":\"verified\""));
    // A later run after the settle time checks the account: bought once.
    let mut c = ws.bssctl_at(&sandbox);
    c.args([
        "apply",
        "--auto-approve",
        "--settle-time",
        "0",
        "-f",
        &examples(),
    ]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("it took effect"), "{out}");
    let journal = std::fs::read_to_string(ws.state_dir().join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"event\":\"verified\""));
    assert_no_double_renewal(&state, &seed_orders);
    let mut p = ws.bssctl_at(&sandbox);
    p.args(["plan", "--detailed-exitcode", "-f", &examples()]);
    assert_eq!(run(p).status.code(), Some(0));
}

#[test]
fn a_renewal_answered_5xx_is_unknown_then_checked_and_sent_again_later() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let seed_orders = order_ids(&state_json(&state));
    // The first renewal call fails with a 500 and is not applied.
    let sandbox = SandboxProc::start(
        &state,
        &["--error-every", "2", "--fault-api", "RenewalResources"],
    );
    let codes = converge(&ws, &sandbox, 4);
    assert_eq!(
        codes[0], 1,
        "the first apply leaves the 5xx renewal unknown, never resent in the same run"
    );
    assert_no_double_renewal(&state, &seed_orders);
    let mut p = ws.bssctl_at(&sandbox);
    p.args(["plan", "--detailed-exitcode", "-f", &examples()]);
    assert_eq!(run(p).status.code(), Some(0), "converged: {codes:?}");
}

#[test]
fn a_killed_apply_resumes_without_a_double_purchase() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let seed_orders = order_ids(&state_json(&state));
    // Slow answers so the kill lands while purchases are in flight.
    let sandbox = SandboxProc::start(&state, &["--latency-ms", "400"]);
    let journal = ws.state_dir().join("journal.jsonl");
    let mut c = ws.bssctl_at(&sandbox);
    c.args([
        "apply",
        "--auto-approve",
        "--parallelism",
        "1",
        "-f",
        &examples(),
    ])
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    let mut child = c.spawn().unwrap();
    let saw_renewal = wait_until(Duration::from_secs(60), || {
        std::fs::read_to_string(&journal)
            .map(|j| {
                j.lines()
                    .any(|l| l.contains("\"event\":\"intent\"") && l.contains("\"kind\":\"renew\""))
            })
            .unwrap_or(false)
    });
    assert!(saw_renewal, "the apply reached a renewal");
    // SIGKILL: no cleanup, no final journal records.
    child.kill().unwrap();
    child.wait().unwrap();
    let before = std::fs::read_to_string(&journal).unwrap();
    assert!(
        !before.contains("run_finished"),
        "killed before it finished"
    );

    let codes = converge(&ws, &sandbox, 4);
    assert_eq!(codes[0], 0, "the rerun converges");
    assert_no_double_renewal(&state, &seed_orders);
}

#[test]
fn refuses_without_a_terminal_and_without_auto_approve() {
    let ws = Workspace::new();
    let mut c = ws.bssctl();
    c.args(["apply", "--sandbox", "-f", &examples()]);
    let o = run(c);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("standard input is not a terminal"), "{err}");
    assert!(err.contains("--auto-approve"), "{err}");
    // Nothing was done: a plan still shows the same changes.
    let mut p = ws.bssctl();
    p.args([
        "plan",
        "--sandbox",
        "--detailed-exitcode",
        "-f",
        &examples(),
    ]);
    assert_eq!(run(p).status.code(), Some(2));
}

#[test]
fn unsubscribe_needs_the_flag_and_lists_attached_resources() {
    let ws = Workspace::new();
    let cleanup = repo("examples/cleanup").display().to_string();
    let mut c = ws.bssctl();
    c.args(["apply", "--sandbox", "--auto-approve", "-f", &cleanup]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("without --allow-unsubscribe"), "{err}");
    assert!(out.contains("also released: staging-web-01-sys"), "{out}");

    let mut c = ws.bssctl();
    c.args([
        "apply",
        "--sandbox",
        "--auto-approve",
        "--allow-unsubscribe",
        "-f",
        &cleanup,
    ]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    let state = state_json(&ws.sandbox_state());
    let status_of = |id: &str| {
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource_id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of("693e3d80-5e8e-d63f-5bdc-1f322deadfda"), 3);
    assert_eq!(
        status_of("d4e0a750-65a6-b4fc-4a01-2446ed1404d9"),
        3,
        "the attached disk went too"
    );
    // Converged: closed resources need nothing more.
    let mut p = ws.bssctl();
    p.args(["plan", "--sandbox", "--detailed-exitcode", "-f", &cleanup]);
    assert_eq!(run(p).status.code(), Some(0));
}

#[test]
fn protected_resources_are_never_unsubscribed() {
    let ws = Workspace::new();
    let m = ws.write(
        "m/protected.yaml",
        "version: 1\nresources:\n  - id: 693e3d80-5e8e-d63f-5bdc-1f322deadfda\n    state: unsubscribed\n    protect: true\n",
    );
    let mut c = ws.bssctl();
    c.args([
        "apply",
        "--sandbox",
        "--auto-approve",
        "--allow-unsubscribe",
        "-f",
    ])
    .arg(&m);
    let o = run(c);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("protect"), "{err}");

    // A saved plan edited to release a protected resource is refused too.
    let cleanup = repo("examples/cleanup").display().to_string();
    let plan_file = ws.path("plan.json");
    let mut c = ws.bssctl();
    c.args(["plan", "--sandbox", "-f", &cleanup, "--out"])
        .arg(&plan_file);
    assert_eq!(run(c).status.code(), Some(0));
    let edited = std::fs::read_to_string(&plan_file).unwrap().replacen(
        "\"actions\"",
        "\"protected\": true,\n      \"actions\"",
        1,
    );
    std::fs::write(&plan_file, edited).unwrap();
    let mut c = ws.bssctl();
    c.args([
        "apply",
        "--sandbox",
        "--auto-approve",
        "--allow-unsubscribe",
    ])
    .arg(&plan_file);
    let o = run(c);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("is protected"), "{err}");
}

#[test]
fn a_saved_plan_applies_and_a_stale_one_is_refused() {
    let ws = Workspace::new();
    let plan_file = ws.path("plan.json");
    let mut c = ws.bssctl();
    c.args(["plan", "--sandbox", "-f", &examples(), "--out"])
        .arg(&plan_file);
    assert_eq!(run(c).status.code(), Some(0));
    let saved = std::fs::read_to_string(&plan_file).unwrap();
    assert!(saved.contains("\"fingerprints\""));
    assert!(
        !saved.contains("SANDBOX") || !saved.contains("sk"),
        "no secrets in the plan file"
    );

    // The account changes under the plan: another apply renews a resource.
    let other = ws.write(
        "other/renew.yaml",
        "version: 1\nresources:\n  - id: 4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01\n    renew_ahead: { min_remaining: 30d, period: 1y }\n",
    );
    let mut c = ws.bssctl();
    c.args(["apply", "--sandbox", "--auto-approve", "-f"])
        .arg(&other);
    assert_eq!(run(c).status.code(), Some(0));

    let mut c = ws.bssctl();
    c.args(["apply", "--sandbox", "--auto-approve"])
        .arg(&plan_file);
    let o = run(c);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("stale plan"), "{err}");
    assert!(
        err.contains("4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01"),
        "{err}"
    );

    // A fresh saved plan applies.
    let mut c = ws.bssctl();
    c.args(["plan", "--sandbox", "-f", &examples(), "--out"])
        .arg(&plan_file);
    assert_eq!(run(c).status.code(), Some(0));
    let mut c = ws.bssctl();
    c.args(["apply", "--sandbox", "--auto-approve"])
        .arg(&plan_file);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let mut p = ws.bssctl();
    p.args([
        "plan",
        "--sandbox",
        "--detailed-exitcode",
        "-f",
        &examples(),
    ]);
    assert_eq!(run(p).status.code(), Some(0));
}
