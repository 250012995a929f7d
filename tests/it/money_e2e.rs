//! Money around renewals, end to end: the balance check (plan warns in every
//! format, apply refuses before the first purchase) and account renewal
//! settings planned and applied through the last-applied record.

use crate::common::*;

fn examples() -> String {
    repo("examples/manifests").display().to_string()
}

/// A sandbox state whose cash and credit cover less than the examples'
/// renewals (about CNY 60,000).
fn poor_account(ws: &Workspace) -> std::path::PathBuf {
    let path = ws.sandbox_state();
    seed_into(&path);
    let mut state = state_json(&path);
    for b in state["balances"].as_array_mut().unwrap() {
        b["amount"] = serde_json::json!("1000.00");
    }
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
    path
}

#[test]
fn plan_warns_in_every_format_when_the_balance_is_short() {
    let ws = Workspace::new();
    poor_account(&ws);
    for (format, needle) in [
        ("text", "the balance does not cover the renewals paid now"),
        (
            "markdown",
            "the balance does not cover the renewals paid now",
        ),
        ("json", "\"sufficient\": false"),
    ] {
        let mut c = ws.bssctl();
        c.args(["plan", "--sandbox", "--format", format, "-f", &examples()]);
        let o = run(c);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{format}: {err}");
        assert!(out.contains(needle), "{format}:\n{out}");
        assert!(
            out.contains("2,000.00") || out.contains("\"available\": \"2000.00\""),
            "{format} shows what is available:\n{out}"
        );
    }
}

#[test]
fn apply_refuses_before_any_purchase_when_the_balance_is_short() {
    let ws = Workspace::new();
    let path = poor_account(&ws);
    let before = std::fs::read_to_string(&path).unwrap();
    let mut c = ws.bssctl();
    c.args(["apply", "--sandbox", "--auto-approve", "-f", &examples()]);
    let o = run(c);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("refusing to apply"), "{err}");
    assert!(err.contains("--ignore-balance"), "{err}");
    // Nothing at all was done: not a renewal, not a setting.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    assert!(!ws.state_dir().join("sandbox-journal.jsonl").exists());
}

#[test]
fn ignore_balance_goes_ahead_and_reports_the_insufficient_balance_per_resource() {
    let ws = Workspace::new();
    poor_account(&ws);
    let mut c = ws.bssctl();
    c.args([
        "apply",
        "--sandbox",
        "--auto-approve",
        "--ignore-balance",
        "-f",
        &examples(),
    ]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("CBC.99005003"), "{out}");
}

#[test]
fn renewal_settings_are_planned_applied_and_then_converged() {
    let ws = Workspace::new();
    let mut c = ws.bssctl();
    c.args(["plan", "--sandbox", "--format", "json", "-f", &examples()]);
    let o = run(c);
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let settings: Vec<&str> = plan["account_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["setting"].as_str().unwrap())
        .collect();
    assert_eq!(
        settings,
        [
            "renewal_settings.deduction_day",
            "renewal_settings.expire_day"
        ]
    );
    assert_eq!(plan["batches"][0]["kind"], "set_renew_config");
    assert_eq!(plan["batches"][1]["operation"]["config_value"], "-1");

    let mut c = ws.bssctl();
    c.args(["apply", "--sandbox", "--auto-approve", "-f", &examples()]);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let state = state_json(&ws.sandbox_state());
    assert_eq!(
        state["renew_config"]["DEDUCTION_DATE"], "5",
        "{}",
        state["renew_config"]
    );
    assert_eq!(state["renew_config"]["EXPIRE_DATE"], "-1");
    let la = std::fs::read_to_string(ws.state_dir().join("sandbox-last-applied.json")).unwrap();
    assert!(
        la.contains("\"deduction_date\": \"5\"") && la.contains("\"expire_date\": \"-1\""),
        "{la}"
    );

    let mut c = ws.bssctl();
    c.args([
        "plan",
        "--sandbox",
        "--detailed-exitcode",
        "-f",
        &examples(),
    ]);
    assert_eq!(run(c).status.code(), Some(0));

    // A different value is planned again, naming the old one.
    let m = ws.write(
        "m/settings.yaml",
        "version: 1\nrenewal_settings:\n  deduction_day: 7\n",
    );
    let mut c = ws.bssctl();
    c.args(["plan", "--sandbox", "--detailed-exitcode", "-f"])
        .arg(&m);
    let o = run(c);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("5 days before expiry → 7 days before expiry"),
        "{out}"
    );
    assert!(out.contains("Account settings: 1 to change."), "{out}");
}
