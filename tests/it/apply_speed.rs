//! Apply at the rate-limit bound (issue 14), end to end through the CLI
//! against the sandbox process with 20 ms of latency per call and its
//! gateway's 10 requests/s per API: a mixed apply over 400 main resources
//! makes the fewest calls (each batch at its per-call maximum), is refused
//! nothing, and its span in the sandbox's request log stays within 1.25 ×
//! the busiest API's bound + 1 s. Run phase after phase, the same calls
//! take about twice the bound.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeMap;

#[path = "../../benches/common/mixed.rs"]
mod mixed;
use mixed::{write_mixed_state, Mix, MIXED_MANIFEST};

/// The write calls of the request log: (api, status, ms since the epoch).
fn writes(log: &std::path::Path) -> Vec<(String, u64, i64)> {
    const WRITES: [&str; 5] = [
        "RenewalResources",
        "AutoRenewalResources",
        "CancelAutoRenewalResources",
        "UpdatePeriodToOnDemand",
        "CancelResourcesSubscription",
    ];
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line"))
        .filter(|v| WRITES.contains(&v["api"].as_str().unwrap_or("")))
        .map(|v| {
            let ts = chrono::DateTime::parse_from_rfc3339(v["ts"].as_str().unwrap()).unwrap();
            (
                v["api"].as_str().unwrap().to_string(),
                v["status"].as_u64().unwrap(),
                ts.timestamp_millis(),
            )
        })
        .collect()
}

#[test]
fn a_mixed_apply_of_400_runs_at_the_busiest_apis_bound_and_is_refused_nothing() {
    let ws = Workspace::new();
    let state = ws.sandbox_state();
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    let mix = Mix::of(400);
    write_mixed_state(&state, mix);
    let log = ws.path("requests.jsonl");
    let sandbox = SandboxProc::start(
        &state,
        &[
            "--latency-ms",
            "20",
            "--gateway-rate-limit",
            "10",
            "--request-log",
            log.to_str().unwrap(),
        ],
    );
    let manifest = ws.write("mixed.yaml", MIXED_MANIFEST);
    let mut c = ws.bssctl_at(&sandbox);
    c.args([
        "apply",
        "--auto-approve",
        "--format",
        "json",
        "--rate-limit",
        "10",
        "-f",
    ])
    .arg(&manifest);
    let o = run(c);
    let (out, err) = text(&o);
    sandbox.stop();
    if std::env::var_os("APPLY_SPEED_KEEP_LOG").is_some() {
        std::fs::copy(&log, "/tmp/apply_speed_requests.jsonl").unwrap();
    }
    assert_eq!(o.status.code(), Some(0), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();

    // Nothing refused: every operation done, no call answered an error.
    let results = doc["results"].as_array().unwrap();
    assert!(
        results.iter().all(|r| r["status"] == "done"),
        "{}",
        serde_json::to_string_pretty(
            &results
                .iter()
                .filter(|r| r["status"] != "done")
                .collect::<Vec<_>>()
        )
        .unwrap()
    );
    let (enable, cancel, on_demand, renew) = mix.calls();
    let ops = enable + 2 * cancel + mix.rds;
    assert_eq!(results.len(), ops);
    let writes = writes(&log);
    let refused: Vec<_> = writes
        .iter()
        .filter(|(_, s, _)| !(200..300).contains(s))
        .collect();
    assert!(refused.is_empty(), "{refused:?}");

    // What the API would refuse is a plan warning naming the resource, the
    // reason, the code and what to do.
    let warnings: Vec<&str> = doc["plan"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    for i in 0..mix.frozen_ecs {
        let name = format!("ecs-{i:05}");
        assert!(
            warnings.iter().any(|w| w.contains(&name)
                && w.contains("frozen")
                && w.contains("CBC.99003602")
                && w.contains("renew")),
            "{name}: {warnings:#?}"
        );
    }
    for i in 0..mix.expired_dcs {
        let name = format!("dcs-{i:05}");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(&name) && w.contains("expired") && w.contains("CBC.99003602")),
            "{name}: {warnings:#?}"
        );
    }

    // The fewest calls: one per auto-renew change, batches of 100 and 10.
    let mut calls: BTreeMap<&str, usize> = BTreeMap::new();
    for (api, _, _) in &writes {
        *calls.entry(api.as_str()).or_default() += 1;
    }
    assert_eq!(
        calls,
        BTreeMap::from([
            ("AutoRenewalResources", enable),
            ("CancelAutoRenewalResources", cancel),
            ("UpdatePeriodToOnDemand", on_demand),
            ("RenewalResources", renew),
        ])
    );

    // The apply's span in the log against the busiest API's bound at
    // 10 requests/s. Phase after phase it would be about the sum of the two
    // auto-renew APIs' bounds. The sandbox serializes and fsyncs every
    // write, which on a loaded machine stretches every API's pace alike, so
    // the bound is the larger of the nominal one and the busiest API's own
    // span in the log.
    let busiest = *calls.values().max().unwrap() as f64;
    let nominal_ms = busiest * 100.0;
    let span_of = |api: &str| {
        let ts: Vec<i64> = writes.iter().filter(|w| w.0 == api).map(|w| w.2).collect();
        (ts.iter().max().unwrap() - ts.iter().min().unwrap()) as f64
    };
    let own_ms = calls
        .iter()
        .filter(|(_, n)| **n as f64 == busiest)
        .map(|(api, _)| span_of(api))
        .fold(0.0, f64::max);
    let bound_ms = nominal_ms.max(own_ms);
    let first = writes.iter().map(|w| w.2).min().unwrap();
    let last = writes.iter().map(|w| w.2).max().unwrap();
    let span = (last - first) as f64;
    eprintln!(
        "apply span {span} ms; busiest API: nominal bound {nominal_ms} ms, own span {own_ms} ms"
    );
    assert!(
        span <= 1.25 * bound_ms + 1000.0,
        "the apply spanned {span} ms; the busiest API's bound is {bound_ms} ms"
    );
}
