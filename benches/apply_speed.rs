//! Wall time of a mixed apply against the rate-limit bound (issue 14): the
//! sandbox with 20 ms of latency per call and its gateway's 10 requests/s
//! per API, the `bssctl apply` binary at its default 10 requests/s per API.
//! For 400 and 2,000 main resources (ECS auto-renew on, RDS renew-ahead one
//! month, DCS to pay-per-use: `common/mixed.rs`), prints the write calls per
//! API, the apply's span in the sandbox's request log (first write to last)
//! and the busiest API's bound (its calls at 10/s), and the target
//! 1.25 × bound + 1 s. `cargo bench --bench apply_speed [-- 400]`.

use bssctl::bss::Secret;
use bssctl::sandbox::{self, FaultConfig, SandboxConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "common/mixed.rs"]
mod mixed;
use mixed::{write_mixed_state, Mix, MIXED_MANIFEST};

const AK: &str = "BENCHAK0000000000001";
const SK: &str = "bench-secret-key-0123456789abcdef";
const DOMAIN: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const NOW: &str = "2026-11-24T00:00:00Z";
const WRITES: [&str; 5] = [
    "RenewalResources",
    "AutoRenewalResources",
    "CancelAutoRenewalResources",
    "UpdatePeriodToOnDemand",
    "CancelResourcesSubscription",
];

async fn run(mains: usize) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let log = dir.path().join("requests.jsonl");
    let mix = Mix::of(mains);
    write_mixed_state(&state, mix);
    let mut cfg = SandboxConfig::new(&state, AK, Secret::new(SK), DOMAIN, "acme");
    cfg.request_log = Some(log.clone());
    cfg.rate_limit_per_api = Some(10);
    cfg.now = bssctl::clock::parse_api_time(NOW);
    cfg.faults = FaultConfig {
        latency: Duration::from_millis(20),
        ..Default::default()
    };
    let handle = sandbox::start(cfg).await.unwrap();
    let manifest = dir.path().join("mixed.yaml");
    std::fs::write(&manifest, MIXED_MANIFEST).unwrap();
    let started = Instant::now();
    let out = tokio::task::spawn_blocking({
        let (dir, url) = (dir.path().to_path_buf(), handle.url());
        move || {
            Command::new(env!("CARGO_BIN_EXE_bssctl"))
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", &dir)
                .env("BSSCTL_NOW", NOW)
                .env("BSSCTL_METADATA_ENDPOINT", "off")
                .env("HUAWEICLOUD_SDK_AK", AK)
                .env("HUAWEICLOUD_SDK_SK", SK)
                .env("HUAWEICLOUD_SDK_DOMAIN_ID", DOMAIN)
                .arg("--state-dir")
                .arg(dir.join("bssctl"))
                .args([
                    "--endpoint",
                    &url,
                    "apply",
                    "--auto-approve",
                    "--format",
                    "json",
                    "-f",
                ])
                .arg(&manifest)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let whole = started.elapsed();
    handle.shutdown().await;
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    let done = results.iter().filter(|r| r["status"] == "done").count();

    let mut calls: BTreeMap<String, usize> = BTreeMap::new();
    let (mut first, mut last, mut refused) = (i64::MAX, i64::MIN, 0);
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let api = v["api"].as_str().unwrap_or("");
        if !WRITES.contains(&api) {
            continue;
        }
        *calls.entry(api.to_string()).or_default() += 1;
        if !(200..300).contains(&v["status"].as_u64().unwrap_or(0)) {
            refused += 1;
        }
        let ts = chrono::DateTime::parse_from_rfc3339(v["ts"].as_str().unwrap())
            .unwrap()
            .timestamp_millis();
        first = first.min(ts);
        last = last.max(ts);
    }
    let span = (last - first) as f64 / 1000.0;
    let busiest = calls.values().copied().max().unwrap_or(0);
    let bound = busiest as f64 / 10.0;
    let target = 1.25 * bound + 1.0;
    println!(
        "## {mains} mains (ECS {} / DCS {} / RDS {}): exit {}, {done}/{} operations done, {refused} calls refused",
        mix.ecs,
        mix.dcs,
        mix.rds,
        out.status.code().unwrap_or(-1),
        results.len()
    );
    let (enable, cancel, on_demand, renew) = mix.calls();
    let floor = BTreeMap::from([
        ("AutoRenewalResources", enable),
        ("CancelAutoRenewalResources", cancel),
        ("UpdatePeriodToOnDemand", on_demand),
        ("RenewalResources", renew),
    ]);
    for (api, n) in &calls {
        let least = floor.get(api.as_str()).copied().unwrap_or(0);
        println!("  {api:<32} {n} calls (floor {least})");
    }
    println!(
        "  apply span {span:.2}s vs busiest-API bound {bound:.2}s: {:.2}x (target ≤ {target:.2}s: {})",
        span / bound,
        if span <= target { "met" } else { "NOT met" }
    );
    println!(
        "  whole command (plan + apply + verify) {:.2}s",
        whole.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; a number picks one size.
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![400, 2000]
    } else {
        sizes
    };
    for n in sizes {
        run(n).await;
    }
}
