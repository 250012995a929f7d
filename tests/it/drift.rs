//! Drift (DESIGN §13) end to end through the CLI against a `bssctl sandbox`
//! process: apply, a change made "in the console" by alice, a renew_ahead
//! window opened by moving the clock; the plan tells drift from due, names
//! alice from the sandbox's CTS trail (one ListTraces query), `--only drift
//! --detailed-exitcode` is the drift check, and an unreadable trail leaves
//! one line saying why.

use crate::common::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const BATCH01: &str = "aee264f7-60b7-7a9d-2b5c-3d95db699805";
/// prod-batch-01 expires 2026-12-05: a 10-day window opens on 2026-11-25.
const LATER: &str = "2026-11-26T00:00:00Z";
const ALICE_AT: &str = "2026-11-25T10:02:00Z";

fn manifest(ws: &Workspace) -> PathBuf {
    ws.write(
        "m/drift.yaml",
        &format!(
            "version: 1\n\
             audit: {{ region: cn-north-4, project_id: 0d4a1c2b3e5f46a7b8c9d0e1f2a3b4c5 }}\n\
             resources:\n  \
               - id: {API01}\n    name: prod-api-01\n    on_expiry: auto_renew\n  \
               - id: {BATCH01}\n    name: prod-batch-01\n    on_expiry: auto_renew\n    \
                 renew_ahead: {{ min_remaining: 10d, period: 1m }}\n"
        ),
    )
}

/// `POST /sandbox/console` over a plain socket; returns the status line.
pub fn console(url: &str, body: &Value) -> String {
    let addr = url.strip_prefix("http://").unwrap();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let body = body.to_string();
    write!(
        s,
        "POST /sandbox/console HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

fn bssctl(ws: &Workspace, sb: &SandboxProc, now: &str, args: &[&str]) -> Run {
    let mut c = ws.bssctl_at(sb);
    c.env("BSSCTL_NOW", now).args(args);
    let o = run(c);
    let (stdout, stderr) = text(&o);
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

fn list_traces_calls(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"api\":\"ListTraces\""))
        .count()
}

fn causes(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["resource_id"].as_str().unwrap().to_string(),
                c["cause"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Applies the manifest, then alice cancels prod-api-01's auto-renew in the
/// console. Returns the sandbox, the manifest and the request log.
fn drifted(ws: &Workspace, extra: &[&str]) -> (SandboxProc, PathBuf, PathBuf) {
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let log = ws.path("requests.jsonl");
    let mut flags = vec!["--request-log", log.to_str().unwrap()];
    flags.extend_from_slice(extra);
    let sb = SandboxProc::start(&state, &flags);
    let m = manifest(ws);
    let r = bssctl(
        ws,
        &sb,
        NOW,
        &["apply", "--auto-approve", "-f", m.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let answer = console(
        &sb.url,
        &serde_json::json!({
            "user": "alice",
            "action": "cancel_auto_renew",
            "resource_id": API01,
            "time": ALICE_AT,
            "source_ip": "10.1.2.3",
        }),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    (sb, m, log)
}

#[test]
fn drift_names_alice_due_stands_apart_and_only_drift_is_the_check() {
    let ws = Workspace::new();
    let (sb, m, log) = drifted(&ws, &[]);
    let m = m.to_str().unwrap();
    let before = list_traces_calls(&log);
    assert_eq!(before, 0, "apply reads no CTS");

    // Right after the console change, before the window opens: drift only.
    let r = bssctl(&ws, &sb, NOW, &["plan", "--format", "json", "-f", m]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        causes(&plan),
        vec![(API01.to_string(), "drift".to_string())]
    );

    let before = list_traces_calls(&log);
    let r = bssctl(&ws, &sb, LATER, &["plan", "--format", "json", "-f", m]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    let mut got = causes(&plan);
    got.sort();
    let mut want = vec![
        (API01.to_string(), "drift".to_string()),
        (BATCH01.to_string(), "due".to_string()),
    ];
    want.sort();
    assert_eq!(got, want);
    let drift = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cause"] == "drift")
        .unwrap();
    let events = drift["audit"]["events"].as_array().unwrap();
    assert_eq!(
        events.len(),
        1,
        "only alice's change after bssctl's: {events:?}"
    );
    assert_eq!(events[0]["user"], "alice");
    assert_eq!(events[0]["time"], ALICE_AT);
    assert_eq!(events[0]["via"], "console");
    assert_eq!(events[0]["trace_name"], "cancelResourcesAutoRenew");
    assert_eq!(events[0]["source_ip"], "10.1.2.3");
    assert_eq!(drift["audit"]["region"], "cn-north-4");
    // One paged ListTraces query for this plan (one drifted resource).
    assert_eq!(list_traces_calls(&log) - before, 1);

    // Text groups by cause and says who, when, from where and how.
    let r = bssctl(&ws, &sb, LATER, &["plan", "-f", m]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Drift: changed outside bssctl"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("Due: a renew_ahead window opened"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("auto-renew cancelled by alice (console) 2026-11-25 10:02 UTC from 10.1.2.3"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.find("Drift:").unwrap() < r.stdout.find("Due:").unwrap(),
        "drift comes first"
    );

    // The drift check: exit 2 for the drift alone, with only it listed.
    let r = bssctl(
        &ws,
        &sb,
        LATER,
        &[
            "plan",
            "--only",
            "drift",
            "--detailed-exitcode",
            "--format",
            "json",
            "-f",
            m,
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        causes(&plan),
        vec![(API01.to_string(), "drift".to_string())]
    );
    assert_eq!(plan["summary"]["to_renew"], 0);
    // The renewals job sees the due renewal alone.
    let r = bssctl(
        &ws,
        &sb,
        LATER,
        &[
            "plan",
            "--only",
            "due",
            "--detailed-exitcode",
            "--format",
            "json",
            "-f",
            m,
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        causes(&plan),
        vec![(BATCH01.to_string(), "due".to_string())]
    );
    let calls = list_traces_calls(&log);

    // Re-applying converges: the drift check passes, and no CTS is read.
    let r = bssctl(&ws, &sb, LATER, &["apply", "--auto-approve", "-f", m]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = bssctl(
        &ws,
        &sb,
        LATER,
        &["plan", "--only", "drift", "--detailed-exitcode", "-f", m],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let r = bssctl(&ws, &sb, LATER, &["plan", "--detailed-exitcode", "-f", m]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        list_traces_calls(&log),
        calls,
        "nothing drifted, nothing read"
    );
    sb.stop();
}

#[test]
fn a_manifest_change_is_not_drift() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let sb = SandboxProc::start(&state, &[]);
    let m = manifest(&ws);
    let r = bssctl(
        &ws,
        &sb,
        NOW,
        &["apply", "--auto-approve", "-f", m.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The manifests now want pay-per-use at expiry instead.
    let text = std::fs::read_to_string(&m).unwrap().replacen(
        "on_expiry: auto_renew",
        "on_expiry: on_demand",
        1,
    );
    std::fs::write(&m, text).unwrap();
    let r = bssctl(
        &ws,
        &sb,
        NOW,
        &["plan", "--format", "json", "-f", m.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        causes(&plan),
        vec![(API01.to_string(), "manifest".to_string())]
    );
    let r = bssctl(
        &ws,
        &sb,
        NOW,
        &[
            "plan",
            "--only",
            "drift",
            "--detailed-exitcode",
            "-f",
            m.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    sb.stop();
}

fn the_one_line(r: &Run) -> String {
    let lines: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("Warning:"))
        .filter(|l| l.contains("who changed") || l.contains("no CTS record"))
        .collect();
    assert_eq!(lines.len(), 1, "exactly one line says why: {}", r.stdout);
    lines[0].to_string()
}

#[test]
fn an_unreadable_trail_leaves_one_line_and_the_plan_goes_on() {
    let ws = Workspace::new();
    // The credentials lack cts:trace:list.
    let (sb, m, _) = drifted(&ws, &["--cts-forbidden"]);
    let m = m.to_str().unwrap();
    let r = bssctl(&ws, &sb, LATER, &["plan", "--detailed-exitcode", "-f", m]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let line = the_one_line(&r);
    assert!(line.contains("403") && line.contains("CTS.0003"), "{line}");
    assert!(line.contains("cn-north-4"), "{line}");
    let r = bssctl(&ws, &sb, LATER, &["plan", "--format", "json", "-f", m]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    let drift: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["cause"] == "drift")
        .collect();
    assert_eq!(drift.len(), 1);
    assert!(drift[0].get("audit").is_none());
    assert_eq!(
        plan["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w.as_str().unwrap().contains("who changed"))
            .count(),
        1
    );

    // An endpoint nobody listens on: the same, with the reason.
    let r = bssctl(
        &ws,
        &sb,
        LATER,
        &["plan", "--cts-endpoint", "http://127.0.0.1:1", "-f", m],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = the_one_line(&r);
    assert!(line.contains("cannot read who changed"), "{line}");
    sb.stop();
}

#[test]
fn no_trace_in_the_window_is_said_once_and_not_as_nobody() {
    let ws = Workspace::new();
    let (sb, m, _) = drifted(&ws, &[]);
    // Eight days later the change has left CTS's 7-day window.
    let r = bssctl(
        &ws,
        &sb,
        "2026-12-03T12:00:00Z",
        &["plan", "--only", "drift", "-f", m.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = the_one_line(&r);
    assert!(line.contains("no CTS record in cn-north-4"), "{line}");
    assert!(line.contains("does not mean nobody changed"), "{line}");
    assert!(
        r.stdout.contains("no CTS record in cn-north-4 from"),
        "{}",
        r.stdout
    );
    sb.stop();
}

#[test]
fn a_setting_that_already_matched_is_recorded_so_its_loss_is_drift() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let sb = SandboxProc::start(&state, &[]);
    let m = manifest(&ws);
    // prod-batch-01 auto-renews already: apply changes nothing on it.
    let r = bssctl(
        &ws,
        &sb,
        NOW,
        &["apply", "--auto-approve", "-f", m.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let answer = console(
        &sb.url,
        &serde_json::json!({
            "user": "bob",
            "action": "cancel_auto_renew",
            "resource_id": BATCH01,
            "time": "2026-11-24T01:00:00Z",
        }),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let r = bssctl(
        &ws,
        &sb,
        "2026-11-24T12:00:00Z",
        &[
            "plan",
            "--only",
            "drift",
            "--detailed-exitcode",
            "--format",
            "json",
            "-f",
            m.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        causes(&plan),
        vec![(BATCH01.to_string(), "drift".to_string())]
    );
    let e = &plan["changes"][0]["audit"]["events"][0];
    assert_eq!(e["user"], "bob");
    assert_eq!(
        e["source_ip"], "203.0.113.24",
        "the console's default address"
    );
    sb.stop();
}
