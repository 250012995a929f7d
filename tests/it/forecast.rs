//! `bssctl forecast` end to end: the real binary against the sandbox.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeMap;

const SHARED_VOL: &str = "e84d601c-30e8-7f75-7cef-e4d84f4fdb15";

/// The seed with every resource renewing far in the future, except
/// `SHARED_VOL` (no manifest names it) expiring `days` after the seed's now
/// with nothing to renew it.
fn quiet_state_but_one(ws: &Workspace, days: i64) -> std::path::PathBuf {
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let mut v = state_json(&state);
    let expiry = seed_now() + chrono::Duration::days(days);
    for r in v["resources"].as_array_mut().unwrap() {
        let mine = r["resource_id"] == SHARED_VOL;
        r["status"] = 2.into();
        r["expire_time"] = if mine {
            bssctl::clock::format_api_time(expiry).into()
        } else {
            "2029-01-01T00:00:00Z".into()
        };
        r["expire_policy"] = (if mine { 0 } else { 3 }).into();
    }
    std::fs::write(&state, serde_json::to_string(&v).unwrap()).unwrap();
    state
}

fn forecast_json(ws: &Workspace, sandbox: &SandboxProc, args: &[&str]) -> (i32, Value, String) {
    let mut c = ws.bssctl_at(sandbox);
    c.arg("forecast").args(["--format", "json"]).args(args);
    let o = run(c);
    let (out, err) = text(&o);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (o.status.code().unwrap(), v, err)
}

#[test]
fn fail_on_risk_exits_4_naming_the_unmanaged_resource_and_plan_shows_it() {
    let ws = Workspace::new();
    let state = quiet_state_but_one(&ws, 10);
    let sandbox = SandboxProc::start(&state, &[]);
    let mut c = ws.bssctl_at(&sandbox);
    c.args(["forecast", "--fail-on-risk"]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(4), "{out}\n{err}");
    assert!(
        err.contains("shared-data-vol-01") && err.contains(SHARED_VOL),
        "{err}"
    );
    assert!(err.contains("frozen on 2026-12-04"), "{err}");
    assert!(
        out.contains(
            "shared-data-vol-01 (e84d601c-30e8-7f75-7cef-e4d84f4fdb15, unmanaged): frozen"
        ),
        "{out}"
    );

    // JSON: the risk, unmanaged; frozen then released after 15 days.
    let (code, v, _) = forecast_json(&ws, &sandbox, &[]);
    assert_eq!(code, 0, "without --fail-on-risk risks do not fail");
    let risks: Vec<(&str, &str, &str, bool)> = v["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["resource_id"].as_str().unwrap(),
                r["kind"].as_str().unwrap(),
                r["date"].as_str().unwrap(),
                r["managed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        risks,
        vec![
            (SHARED_VOL, "frozen", "2026-12-04", false),
            (SHARED_VOL, "released", "2026-12-19", false)
        ]
    );

    // The same resource warns in the plan's markdown (a PR comment), though
    // no manifest names it.
    let manifest = ws.write(
        "m/web.yaml",
        "version: 1\nresources:\n  - id: 0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978\n    on_expiry: on_demand\n",
    );
    let mut c = ws.bssctl_at(&sandbox);
    c.args(["plan", "--format", "markdown", "-f"])
        .arg(&manifest);
    let o = run(c);
    let (md, err) = text(&o);
    assert!(o.status.success(), "{md}\n{err}");
    assert!(md.contains("Risks within 30 days"), "{md}");
    let line = md
        .lines()
        .find(|l| l.contains(SHARED_VOL))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        line.contains("shared\\-data\\-vol\\-01") || line.contains("shared-data-vol-01"),
        "{line}"
    );
    assert!(
        line.contains("unmanaged") && line.contains("frozen"),
        "{line}"
    );
    sandbox.stop();
}

#[test]
fn no_risk_in_the_window_exits_0() {
    let ws = Workspace::new();
    let state = quiet_state_but_one(&ws, 40);
    let sandbox = SandboxProc::start(&state, &[]);
    let (code, v, err) = forecast_json(&ws, &sandbox, &["--fail-on-risk"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["risks"], Value::Array(vec![]));
    // A shorter window, then a longer one: the expiry on day 40 is a risk.
    let (code, _, err) = forecast_json(&ws, &sandbox, &["--fail-on-risk", "--risk-within", "6w"]);
    assert_eq!(code, 4, "{err}");
    sandbox.stop();
}

/// `(api, resource_ids)` per request the sandbox received.
fn request_log(path: &std::path::Path) -> Vec<(String, usize)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["api"].as_str().unwrap_or("").to_string(),
                v["resource_ids"].as_array().map_or(0, Vec::len),
            )
        })
        .collect()
}

#[test]
fn calls_are_the_listing_floor_plus_renew_rate_by_period_and_the_balance() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let seed = state_json(&state);
    let rows = seed["resources"].as_array().unwrap();
    let listed = rows.iter().filter(|r| r["status"] != 3).count();
    let auto: Vec<&str> = rows
        .iter()
        .filter(|r| r["is_main_resource"] == 1 && r["status"] != 3 && r["expire_policy"] == 3)
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    assert!(auto.len() >= 4, "the seed auto-renews several resources");
    // Half of them renew yearly by the last-applied record; the rest are
    // assumed monthly.
    let (yearly, monthly) = auto.split_at(auto.len() / 2);
    let records: BTreeMap<&str, Value> = yearly
        .iter()
        .map(|id| {
            (
                *id,
                serde_json::json!({"period_type": "YEAR", "applied_at": "2026-11-01T00:00:00Z"}),
            )
        })
        .collect();
    ws.write(
        "state/last-applied.json",
        &serde_json::json!({"accounts": {DOMAIN: {"auto_renew": records}}}).to_string(),
    );
    let log = ws.path("requests.jsonl");
    let sandbox = SandboxProc::start(&state, &["--request-log", log.to_str().unwrap()]);
    let page = 7;
    let (code, v, err) = forecast_json(
        &ws,
        &sandbox,
        &["--months", "36", "--page-size", &page.to_string()],
    );
    assert_eq!(code, 0, "{err}");
    sandbox.stop();

    let requests = request_log(&log);
    let count = |api: &str| requests.iter().filter(|(a, _)| a == api).count();
    let listing_floor = listed.div_ceil(page);
    let rate_floor = yearly.len().div_ceil(10) + monthly.len().div_ceil(10);
    assert_eq!(
        count("ListPayPerUseCustomerResources"),
        listing_floor,
        "{requests:?}"
    );
    assert_eq!(count("ListRenewRateOnPeriod"), rate_floor, "{requests:?}");
    assert_eq!(count("ShowCustomerAccountBalances"), 1);
    assert_eq!(
        requests.len(),
        listing_floor + rate_floor + 1,
        "{requests:?}"
    );
    assert!(requests
        .iter()
        .filter(|(a, _)| a == "ListRenewRateOnPeriod")
        .all(|(_, n)| *n <= 10));

    // No manifests: the planned column is the account as it is.
    assert_eq!(v["with_plan"], false);
    for m in v["months"].as_array().unwrap() {
        assert_eq!(m["as_is"], m["planned"], "{m}");
    }

    // Yearly ones charge once a year (not estimated); monthly ones monthly,
    // flagged estimated.
    let events = v["events"].as_array().unwrap();
    for id in yearly {
        let mine: Vec<&Value> = events.iter().filter(|e| e["resource_id"] == *id).collect();
        assert!((2..=4).contains(&mine.len()), "{id}: {mine:?}");
        assert!(mine
            .iter()
            .all(|e| e["kind"] == "auto_renew" && e["estimated"] == false));
    }
    // Monthly: one charge in every month from the first to the horizon's
    // last (2029-10).
    let last = v["months"][35]["month"].as_str().unwrap().to_string();
    assert_eq!(last, "2029-10");
    for id in monthly {
        let months: Vec<String> = events
            .iter()
            .filter(|e| e["resource_id"] == *id)
            .map(|e| e["date"].as_str().unwrap()[..7].to_string())
            .collect();
        let first = months.first().unwrap_or_else(|| panic!("{id}: no charge"));
        let want: Vec<String> = v["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["month"].as_str().unwrap().to_string())
            .skip_while(|m| m != first)
            .collect();
        assert_eq!(months, want, "{id}");
        assert!(months.len() >= 30, "{id}: {months:?}");
    }
}

#[test]
fn every_kind_of_event_on_the_seed_with_the_examples_and_deterministic_output() {
    let ws = Workspace::new();
    let args = ["forecast", "-f", "examples/manifests", "--format", "json"];
    let mut c = ws.bssctl();
    c.current_dir(repo("")).arg("--sandbox").args(args);
    let first = run(c);
    let (out, err) = text(&first);
    assert!(first.status.success(), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let kinds: std::collections::BTreeSet<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "auto_renew",
            "frozen",
            "released",
            "renew_ahead",
            "to_on_demand"
        ]
    );
    let risk_kinds: std::collections::BTreeSet<&str> = v["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        risk_kinds.contains("unfunded_charge") && risk_kinds.contains("frozen"),
        "{risk_kinds:?}"
    );
    assert_eq!(v["generated_at"], "2026-11-24T00:00:00Z");
    assert_eq!(v["months"].as_array().unwrap().len(), 12);
    assert_eq!(v["months"][0]["month"], "2026-11");
    assert!(v["runway_month"].is_string());
    // The months add up to the events (planned column).
    let sum_events: f64 = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["amount"].as_str())
        .map(|a| a.parse::<f64>().unwrap())
        .sum();
    let sum_months: f64 = v["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["planned"]["charges"]["amount"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    assert!((sum_events - sum_months).abs() < 0.005);

    // A second run in a fresh state dir prints the same bytes.
    let ws2 = Workspace::new();
    let mut c = ws2.bssctl();
    c.current_dir(repo("")).arg("--sandbox").args(args);
    let second = run(c);
    assert_eq!(first.stdout, second.stdout);

    // Markdown: a Mermaid bar chart with both columns.
    let mut c = ws.bssctl();
    c.current_dir(repo("")).arg("--sandbox").args([
        "forecast",
        "-f",
        "examples/manifests",
        "--format",
        "markdown",
    ]);
    let (md, _) = text(&run(c));
    assert!(md.contains("```mermaid\nxychart-beta"), "{md}");
    assert_eq!(md.matches("\n    bar [").count(), 2, "{md}");
}

#[test]
fn months_out_of_range_are_refused() {
    let ws = Workspace::new();
    for n in ["0", "37"] {
        let r = ws.sandbox_run(&["forecast", "--months", n]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("--months"), "{}", r.stderr);
    }
}

const HOSTILE: &str = "\x1b[1A\x1b[2K\n  + renew 3y fake-line | ` <img src=https://x/t.png> @everyone <!-- x --> \u{202e}";

#[test]
fn a_hostile_name_of_an_unmanaged_resource_is_shown_escaped() {
    let ws = Workspace::new();
    let state = quiet_state_but_one(&ws, 10);
    let mut v = state_json(&state);
    for r in v["resources"].as_array_mut().unwrap() {
        if r["resource_id"] == SHARED_VOL {
            r["resource_name"] = HOSTILE.into();
        }
    }
    std::fs::write(&state, serde_json::to_string(&v).unwrap()).unwrap();
    let sandbox = SandboxProc::start(&state, &[]);
    for format in ["text", "markdown"] {
        let mut c = ws.bssctl_at(&sandbox);
        c.args(["forecast", "--fail-on-risk", "--format", format]);
        let o = run(c);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(4), "{out}\n{err}");
        for (what, s) in [("stdout", &out), ("stderr", &err)] {
            assert!(
                !s.chars()
                    .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
                "{format} {what}: a control character got through:\n{s}"
            );
            assert!(
                s.lines()
                    .all(|l| !l.trim_start().starts_with("+ renew 3y fake-line")),
                "{format} {what}: the fake line starts a line:\n{s}"
            );
        }
        if format == "markdown" {
            assert!(!out.contains("<img") && !out.contains("<!-- x"), "{out}");
            assert!(!out.contains("@everyone"), "{out}");
        }
    }
    sandbox.stop();
}

/// The plan's risk section also names auto-renew charges the balance will
/// not cover (DESIGN §11: the same risks as `forecast`), unmanaged included:
/// prod-web-01 auto-renews and is charged 7 days before it expires on
/// 2026-12-01, with almost nothing in the account.
#[test]
fn plan_shows_an_auto_renew_charge_the_balance_will_not_cover() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let mut v = state_json(&state);
    for b in v["balances"].as_array_mut().unwrap() {
        b["amount"] = "10.00".into();
        if b.get("credit_amount").is_some() {
            b["credit_amount"] = "10.00".into();
        }
    }
    std::fs::write(&state, serde_json::to_string(&v).unwrap()).unwrap();
    let sandbox = SandboxProc::start(&state, &[]);
    // A manifest that buys nothing now and does not name prod-web-01.
    let manifest = ws.write(
        "m/api.yaml",
        "version: 1\nresources:\n  - id: 6f5e22cd-3ff8-2627-6971-bb210ff1cec2\n    on_expiry: on_demand\n",
    );
    for format in ["text", "markdown"] {
        let mut c = ws.bssctl_at(&sandbox);
        c.args(["plan", "--format", format, "-f"]).arg(&manifest);
        let o = run(c);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{format}: {out}\n{err}");
        let line = out
            .lines()
            .find(|l| l.contains("0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978") && l.contains("balance"))
            .unwrap_or_else(|| panic!("{format}: no unfunded charge for prod-web-01:\n{out}"));
        assert!(line.contains("unmanaged"), "{format}: {line}");
        assert!(
            line.contains("CNY"),
            "{format}: the charge is priced: {line}"
        );
    }
    // With the seed's balance the same charge is covered: no such line.
    let ws2 = Workspace::new();
    let state2 = ws2.path("sandbox.json");
    seed_into(&state2);
    let rich = SandboxProc::start(&state2, &[]);
    let manifest2 = ws2.write(
        "m/api.yaml",
        "version: 1\nresources:\n  - id: 6f5e22cd-3ff8-2627-6971-bb210ff1cec2\n    on_expiry: on_demand\n",
    );
    let mut c = ws2.bssctl_at(&rich);
    c.args(["plan", "-f"]).arg(&manifest2);
    let o = run(c);
    let (out, _) = text(&o);
    assert!(
        !out.lines()
            .any(|l| l.contains("0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978") && l.contains("balance")),
        "{out}"
    );
    sandbox.stop();
    rich.stop();
}
