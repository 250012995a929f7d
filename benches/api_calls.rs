//! Round trips and wall time of a plan against the sandbox over HTTP, with
//! 20 ms of added latency per call and the default 10 requests/s per API.
//! Compares the calls made with the floor (listing at the page size or id
//! queries of 50, renew-rate calls of 10 ids per period) and the wall time
//! with the bound the per-API rate limit sets. `cargo bench --bench api_calls`.

use bssctl::bss::client::ClientConfig;
use bssctl::bss::credentials::{Auth, Credentials};
use bssctl::bss::retry::RetryPolicy;
use bssctl::bss::{Api, BssClient, Secret};
use bssctl::planner::{make_plan, Scope, StatePaths};
use bssctl::sandbox::{self, FaultConfig, SandboxConfig};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const COPIES: usize = 40;

/// The seed's resources copied `COPIES` times under new ids.
fn big_state(path: &std::path::Path) -> (usize, Vec<String>) {
    let seed = sandbox::seed_state();
    let mut state = seed.clone();
    state.resources.clear();
    let mut mains = Vec::new();
    for k in 0..COPIES {
        for r in &seed.resources {
            let mut r = r.clone();
            r.resource_id = format!("{}-c{k:02}", r.resource_id);
            r.id = format!("{}-c{k:02}", r.id);
            if let Some(p) = &r.parent_resource_id {
                r.parent_resource_id = Some(format!("{p}-c{k:02}"));
            }
            if r.is_main_resource == 1 && r.status != 3 {
                mains.push(r.resource_id.clone());
            }
            state.resources.push(r);
        }
    }
    let rows = state.resources.iter().filter(|r| r.status != 3).count();
    state.save_atomic(path).unwrap();
    (rows, mains)
}

const SELECTORS: &str = r#"version: 1
selectors:
  - match: { service_type: hws.service.type.ec2 }
    on_expiry: auto_renew
    renew_ahead: { min_remaining: 30d, period: 1y }
  - match: { service_type: hws.service.type.rds }
    renew_ahead: { min_remaining: 30d, period: 1y }
  - match: { service_type: hws.service.type.vpc }
    renew_ahead: { min_remaining: 14d, period: 1m }
"#;

fn ids_manifest(ids: &[String]) -> String {
    let mut s = String::from("version: 1\nresources:\n");
    for id in ids {
        s.push_str(&format!(
            "  - id: {id}\n    renew_ahead: {{ min_remaining: 30d, period: 1y }}\n"
        ));
    }
    s
}

fn floor_for(plan: &bssctl::plan::Plan) -> usize {
    let keys = bssctl::pricing::price_keys(&plan.changes);
    bssctl::pricing::rate_requests(&keys).len()
}

async fn run(name: &str, manifest: &str, listing_floor: usize) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::copy(dir.path().join("none"), &state).ok();
    let (rows, _) = big_state(&state);
    let sk = Secret::new("bench-secret");
    let mut cfg = SandboxConfig::new(
        &state,
        "BENCHAK",
        sk.clone(),
        "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "acme",
    );
    cfg.request_log = std::env::var_os("BENCH_REQUEST_LOG").map(std::path::PathBuf::from);
    cfg.faults = FaultConfig {
        latency: Duration::from_millis(20),
        ..Default::default()
    };
    let handle = sandbox::start(cfg).await.unwrap();
    let client = BssClient::new(
        ClientConfig {
            endpoint: handle.url(),
            iam_endpoint: handle.url(),
            retry: RetryPolicy::default(),
            ..ClientConfig::default()
        },
        Credentials {
            auth: Auth::AkSk {
                ak: "BENCHAK".into(),
                sk,
                security_token: None,
            },
            domain_id: Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9".into()),
            iam_endpoint: None,
            source: "bench".into(),
        },
    )
    .unwrap();
    let loaded = bssctl::manifest::load_str("bench.yaml", manifest);
    let set = loaded
        .set
        .unwrap_or_else(|| panic!("{:?}", loaded.diagnostics));
    let paths = StatePaths {
        journal: dir.path().join("journal.jsonl"),
        last_applied: dir.path().join("last-applied.json"),
    };
    let now = bssctl::clock::parse_api_time("2026-11-24T00:00:00Z").unwrap();
    let started = Instant::now();
    let planned = make_plan(
        &client,
        "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        &set,
        &Scope::default(),
        &paths,
        &bssctl::planner::InFlightPolicy {
            account: bssctl::apply::journal::AccountKey {
                domain_id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
                endpoint: "bench".into(),
            },
            settle: chrono::Duration::minutes(10),
        },
        now,
    )
    .await
    .unwrap()
    .unwrap_or_else(|d| panic!("{d:?}"));
    let wall = started.elapsed();
    let stats = client.stats();
    let calls: BTreeMap<Api, u64> = stats.iter().map(|(a, s)| (*a, s.requests)).collect();
    let total: u64 = calls.values().sum();
    let rating_floor = floor_for(&planned.plan);
    // listing/id queries + rating + pending-order list + balance
    let floor = listing_floor + rating_floor + 2;
    // Per-API bound at 10/s, evenly spaced: (n - 1) / 10 s + one latency.
    let bound = calls
        .values()
        .map(|n| (n.saturating_sub(1)) as f64 / 10.0 + 0.02)
        .fold(0.0f64, f64::max);
    println!(
        "## {name}: {rows} live rows, {} changes",
        planned.plan.changes.len()
    );
    for (api, n) in &calls {
        println!("  {:<32} {n}", api.sdk_name());
    }
    println!(
        "  calls {total} vs floor {floor} (listing {listing_floor} + rating {rating_floor} + 2): {:.3}x",
        total as f64 / floor as f64
    );
    println!(
        "  wall {:.2}s vs rate-limit bound {bound:.2}s: {:.2}x",
        wall.as_secs_f64(),
        wall.as_secs_f64() / bound
    );
    handle.shutdown().await;
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, mains) = big_state(&dir.path().join("probe.json"));
    run("selectors (full listing)", SELECTORS, rows.div_ceil(100)).await;
    let mut ids: Vec<String> = mains.iter().take(500).cloned().collect();
    ids.sort(); // the planner queries them in this order
                // Each query of 50 ids also returns their attached rows: the floor is
                // the pages those rows fill at the page size.
    let seed = sandbox::seed_state();
    let attached_of = |id: &String| {
        let base = id.rsplit_once("-c").map(|(b, _)| b).unwrap_or(id);
        seed.resources
            .iter()
            .filter(|r| r.parent_resource_id.as_deref() == Some(base))
            .count()
    };
    let id_floor: usize = ids
        .chunks(50)
        .map(|c| (c.len() + c.iter().map(attached_of).sum::<usize>()).div_ceil(100))
        .sum();
    run("500 explicit ids", &ids_manifest(&ids), id_floor).await;
}
