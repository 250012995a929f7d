//! Team safety end to end (DESIGN §9): the state-dir lock keeps two runs on
//! one checkout from buying twice, a kill -9 never leaves it held, a saved
//! plan never buys what another apply bought, the client backs off as the
//! gateway asks (measured in the sandbox's request log), and a listing API
//! that lies ends, restarts once, and names unreadable rows.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Two renewals due now (one of a year, one of a month) and one release.
const FLEET: &str = r#"version: 1
resources:
  - id: c62697d1-8e77-8686-3cba-12b6ff3b0f57
    renew_ahead: { min_remaining: 30d, period: 1y }
  - id: c3d9f1a2b8e74c5d9f0a6b1e2d3c4f5ain01
    renew_ahead: { min_remaining: 7d, period: 1m }
  - id: bc89b503-9093-52cd-c3b4-1dd3468c3993
    state: unsubscribed
"#;

const RENEWED: [&str; 2] = [
    "c62697d1-8e77-8686-3cba-12b6ff3b0f57",
    "c3d9f1a2b8e74c5d9f0a6b1e2d3c4f5ain01",
];
const RELEASED: &str = "bc89b503-9093-52cd-c3b4-1dd3468c3993";

/// Orders of `order_type` per resource id, in the sandbox's state file.
fn orders_per_resource(state: &Path, order_type: i64) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for o in state_json(state)["orders"].as_array().unwrap() {
        if o["order_type"] != order_type {
            continue;
        }
        for l in o["lines"].as_array().unwrap() {
            *out.entry(l["resource_id"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
        }
    }
    out
}

fn apply_cmd(ws: &Workspace, sandbox: &SandboxProc, manifest: &Path, extra: &[&str]) -> Command {
    let mut c = ws.bssctl_at(sandbox);
    c.args(["apply", "--auto-approve", "--allow-unsubscribe", "-f"])
        .arg(manifest)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[test]
fn concurrent_applies_on_one_checkout_never_buy_twice() {
    for round in 0..20 {
        let ws = Workspace::new();
        let manifest = ws.write("fleet.yaml", FLEET);
        let state = ws.path("sandbox.json");
        seed_into(&state);
        let seed_renewals = orders_per_resource(&state, 2);
        let sandbox = SandboxProc::start(&state, &["--latency-ms", "150"]);
        // Odd rounds wait for the lock; even rounds refuse at once.
        let extra: &[&str] = if round % 2 == 1 {
            &["--lock-timeout", "60s"]
        } else {
            &[]
        };
        let first = apply_cmd(&ws, &sandbox, &manifest, extra).spawn().unwrap();
        let second = apply_cmd(&ws, &sandbox, &manifest, extra).spawn().unwrap();
        let outputs = [
            first.wait_with_output().unwrap(),
            second.wait_with_output().unwrap(),
        ];
        let mut succeeded = 0;
        for o in &outputs {
            let (out, err) = text(o);
            match o.status.code() {
                Some(0) => succeeded += 1,
                Some(1) if round % 2 == 0 => assert!(
                    err.contains("is locked by bssctl apply (pid")
                        && err.contains("--lock-timeout"),
                    "round {round}: a refused apply names the holder and the flag\n{out}\n{err}"
                ),
                code => panic!("round {round}: exit {code:?}\n{out}\n{err}"),
            }
        }
        assert!(succeeded >= 1, "round {round}: one apply ran");
        let renewals = orders_per_resource(&state, 2);
        for id in RENEWED {
            let bought = renewals.get(id).copied().unwrap_or(0)
                - seed_renewals.get(id).copied().unwrap_or(0);
            assert_eq!(bought, 1, "round {round}: {id} renewed {bought} times");
        }
        let released = orders_per_resource(&state, 4);
        assert_eq!(
            released.get(RELEASED).copied(),
            Some(1),
            "round {round}: {released:?}"
        );
        let mut p = ws.bssctl_at(&sandbox);
        p.args(["plan", "--detailed-exitcode", "-f"]).arg(&manifest);
        let o = run(p);
        assert_eq!(o.status.code(), Some(0), "round {round}: {:?}", text(&o));
        sandbox.stop();
    }
}

#[test]
fn a_killed_apply_never_leaves_the_lock_held() {
    let ws = Workspace::new();
    let manifest = ws.write("fleet.yaml", FLEET);
    let state = ws.path("sandbox.json");
    seed_into(&state);
    // Slow answers keep the first apply busy long enough to kill it.
    let sandbox = SandboxProc::start(&state, &["--latency-ms", "3000"]);
    let mut first = apply_cmd(&ws, &sandbox, &manifest, &[]).spawn().unwrap();
    let lock = ws.state_dir().join("lock");
    assert!(
        wait_until(Duration::from_secs(30), || std::fs::read_to_string(&lock)
            .is_ok_and(|t| t.contains("\"command\":\"apply\""))),
        "the first apply takes the lock and says who it is"
    );
    let holder: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    assert_eq!(holder["pid"], first.id());
    for key in ["host", "user", "started_at", "version"] {
        assert!(holder[key].as_str().is_some_and(|v| !v.is_empty()), "{key}");
    }
    // While it runs, another writer is refused at once.
    let mut pay = ws.bssctl_at(&sandbox);
    pay.args(["orders", "cancel", "CS0000", "--auto-approve"]);
    let o = run(pay);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");

    first.kill().unwrap();
    first.wait().unwrap();
    let started = Instant::now();
    let o = run(apply_cmd(
        &ws,
        &sandbox,
        &manifest,
        &["--lock-timeout", "0s"],
    ));
    let (out, err) = text(&o);
    assert!(
        !err.contains("is locked by"),
        "the lock died with its holder\n{out}\n{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(120));
    sandbox.stop();
}

#[test]
fn a_saved_plan_never_buys_what_another_apply_bought() {
    let ws = Workspace::new();
    let manifest = ws.write("fleet.yaml", FLEET);
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let seed_renewals = orders_per_resource(&state, 2);
    let sandbox = SandboxProc::start(&state, &[]);
    let plan_file = ws.path("fleet.plan");
    let mut p = ws.bssctl_at(&sandbox);
    p.args(["plan", "--out"])
        .arg(&plan_file)
        .arg("-f")
        .arg(&manifest);
    let o = run(p);
    assert!(o.status.success(), "{:?}", text(&o));

    // Another checkout (its own state dir, so no shared lock) applies first.
    let other = Workspace::new();
    let o = run(apply_cmd(&other, &sandbox, &manifest, &[]));
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));

    let mut a = ws.bssctl_at(&sandbox);
    a.args(["apply", "--auto-approve", "--allow-unsubscribe"])
        .arg(&plan_file);
    let o = run(a);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    let renewals = orders_per_resource(&state, 2);
    for id in RENEWED {
        let bought =
            renewals.get(id).copied().unwrap_or(0) - seed_renewals.get(id).copied().unwrap_or(0);
        assert_eq!(bought, 1, "{id} renewed {bought} times\n{out}\n{err}");
    }
    assert_eq!(
        orders_per_resource(&state, 4).get(RELEASED).copied(),
        Some(1)
    );
    sandbox.stop();
}

/// A plan of the examples (selectors: a full listing) against a sandbox
/// started with `flags`; small pages so there are many.
fn plan_examples(flags: &[&str]) -> (Run, Workspace, SandboxProc) {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let sandbox = SandboxProc::start(&state, flags);
    let mut p = ws.bssctl_at(&sandbox);
    p.args(["--page-size", "10", "plan", "--format", "json", "-f"])
        .arg(repo("examples/manifests"));
    let o = run(p);
    let (stdout, stderr) = text(&o);
    let r = Run {
        code: o.status.code().unwrap_or(-1),
        stdout,
        stderr,
    };
    (r, ws, sandbox)
}

fn warnings(r: &Run) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}\n{}\n{}", r.stdout, r.stderr));
    v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_listing_with_a_huge_total_count_and_empty_pages_ends_with_a_warning() {
    let started = Instant::now();
    let (r, _ws, sandbox) = plan_examples(&["--lie-total-count", "1000000"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let w = warnings(&r);
    assert!(
        w.iter()
            .any(|w| w.contains("1000000") && w.contains("stopped there")),
        "{w:?}"
    );
    // Every resource was still planned: the examples' plan is whole.
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["changes"].as_array().unwrap().len() > 5);
    sandbox.stop();
}

#[test]
fn rows_that_move_between_pages_are_neither_lost_nor_repeated() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let sandbox = SandboxProc::start(&state, &["--close-one-mid-listing"]);
    let mut e = ws.bssctl_at(&sandbox);
    e.args(["--page-size", "5", "export"]);
    let o = run(e);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("total_count changed from") && err.contains("listed again"),
        "{err}"
    );
    let exported: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- id: "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut unique = exported.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), exported.len(), "no repeats: {exported:?}");
    let live = state_json(&state);
    let open: Vec<&str> = live["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["is_main_resource"] == 1 && r["status"] != 3)
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    let mut open_sorted = open.clone();
    open_sorted.sort();
    assert_eq!(unique, open_sorted, "none lost, the closed one gone");
    sandbox.stop();
}

#[test]
fn unreadable_rows_are_named_in_warnings_and_never_renewed() {
    let (r, _ws, sandbox) = plan_examples(&["--unreadable-rows"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let w = warnings(&r);
    assert!(
        w.iter()
            .any(|w| w.contains("without resource_id") && w.contains("row-without-id")),
        "{w:?}"
    );
    assert!(
        w.iter().any(|w| w.contains("sandbox-bad-expire-time")
            && w.contains("\"next tuesday\"")
            && w.contains("no renewal")),
        "{w:?}"
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["resource_id"] != "sandbox-bad-expire-time"));
    sandbox.stop();
}

/// The sandbox's request log: (time, api, status) per request.
fn request_log(path: &Path) -> Vec<(chrono::DateTime<chrono::Utc>, String, u64)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["ts"].as_str().unwrap().parse().unwrap(),
                v["api"].as_str().unwrap_or("").to_string(),
                v["status"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn after_a_429_the_next_call_to_that_api_comes_a_second_later() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let log_path = log.path().display().to_string();
    let (r, _ws, sandbox) = plan_examples(&[
        "--throttle-every",
        "3",
        "--fault-api",
        "ListPayPerUseCustomerResources",
        "--request-log",
        &log_path,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    sandbox.stop();
    let log = request_log(log.path());
    let throttled: Vec<_> = log.iter().filter(|(_, _, s)| *s == 429).collect();
    assert!(throttled.len() >= 2, "{log:?}");
    for (at, api, _) in throttled {
        let next = log
            .iter()
            .filter(|(t, a, _)| a == api && t > at)
            .map(|(t, _, _)| *t)
            .min()
            .expect("a retry follows");
        let gap = next - *at;
        assert!(
            gap >= chrono::Duration::milliseconds(1000),
            "{api}: next call {gap} after a 429"
        );
    }
}

/// The executor re-reads each renew batch right before buying: a resource
/// renewed elsewhere between the plan and the purchase is skipped with
/// CHANGED_SINCE_PLAN, and only the unchanged one is bought.
#[tokio::test]
async fn a_resource_renewed_elsewhere_after_the_plan_is_not_bought_again() {
    use bssctl::apply::progress::Progress;
    use bssctl::apply::{Executor, Status};
    use bssctl::bss::model::{RenewalResourcesReq, PERIOD_TYPE_MONTH};
    use bssctl::state::journal::Journal;
    use std::sync::{Arc, Mutex};

    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let client = sb.client();
    let InProcessPlan {
        plan,
        paths,
        account,
    } = plan_in_process(
        &client,
        dir.path(),
        &FLEET.replace("state: unsubscribed", "protect: true"),
    )
    .await;
    assert_eq!(plan.summary.to_renew, 2, "{:?}", plan.changes);

    // Someone else renews one of them after the plan was made.
    let [bought_elsewhere, still_due] = RENEWED;
    client
        .renew(&RenewalResourcesReq {
            resource_ids: vec![bought_elsewhere.to_string()],
            period_type: PERIOD_TYPE_MONTH,
            period_num: 1,
            is_auto_pay: Some(1),
        })
        .await
        .unwrap();
    let before = orders_per_resource(&sb.path, 2);

    let progress = Progress::new(false, true);
    let exec = Executor {
        client: &client,
        journal: Arc::new(Mutex::new(Journal::open(&paths.journal).unwrap())),
        run_id: "test".into(),
        parallelism: 2,
        progress: &progress,
        now: seed_now(),
        account,
        settle: chrono::Duration::zero(),
        journal_error: Mutex::new(None),
    };
    let report = exec.run(&plan).await;
    let renew_of = |id: &str| {
        report
            .results
            .iter()
            .find(|r| r.resource_id == id && r.operation.kind_name() == "renew")
            .unwrap_or_else(|| panic!("{id}: {:?}", report.results))
            .clone()
    };
    let skipped = renew_of(bought_elsewhere);
    assert_eq!(skipped.status, Status::Skipped);
    assert_eq!(skipped.error_code.as_deref(), Some("CHANGED_SINCE_PLAN"));
    assert!(
        skipped.note.as_deref().unwrap().contains("expiry"),
        "{skipped:?}"
    );
    assert_eq!(renew_of(still_due).status, Status::Done);
    let after = orders_per_resource(&sb.path, 2);
    assert_eq!(after.get(bought_elsewhere), before.get(bought_elsewhere));
    assert_eq!(
        after.get(still_due).copied().unwrap_or(0),
        before.get(still_due).copied().unwrap_or(0) + 1
    );
    sb.stop().await;
}
