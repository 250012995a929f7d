//! Planning at scale, in memory: 100,000 resources through resolve, diff,
//! graph, batching and JSON rendering. Prints CPU time and peak memory per
//! size so the growth can be checked for linearity. Run with
//! `cargo bench --bench plan_100k`; figures go in BENCHMARKS.md.

use bssctl::live::Inventory;
use std::collections::BTreeMap;
use std::time::Instant;

/// User + system CPU seconds of this process (Linux /proc).
mod common;
use common::{cpu_seconds, peak_mib, rows, ByteCounter, MANIFEST};

fn main() {
    let now = bssctl::clock::parse_api_time("2026-11-24T00:00:00Z").unwrap();
    let loaded = bssctl::manifest::load_str("bench.yaml", MANIFEST);
    let set = loaded.set.expect("bench manifest is valid");
    println!(
        "{:>8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9}",
        "rows", "inventory", "resolve", "plan", "json", "cpu total", "changes", "peak MiB"
    );
    for n in [25_000usize, 50_000, 100_000] {
        let data = rows(n);
        let cpu0 = cpu_seconds();
        let t = Instant::now();
        let inv = Inventory::from_rows(data);
        let t_inv = t.elapsed();
        let t = Instant::now();
        let resolution = bssctl::manifest::resolve(&set, &inv, now);
        let t_resolve = t.elapsed();
        let t = Instant::now();
        let plan = bssctl::plan::build(&bssctl::plan::PlanInput {
            desired: &resolution.desired,
            inventory: &inv,
            auto_renew_records: &BTreeMap::new(),
            renew_holds: &BTreeMap::new(),
            renewal_settings: None,
            settings_record: None,
            now,
        });
        let t_plan = t.elapsed();
        let t = Instant::now();
        // Streamed, as the CLI writes it to stdout.
        let mut counter = ByteCounter(0);
        bssctl::render::json::write(&plan, &mut counter).unwrap();
        let t_json = t.elapsed();
        let cpu = cpu_seconds() - cpu0;
        println!(
            "{n:>8} {:>9.0}ms {:>9.0}ms {:>9.0}ms {:>9.0}ms {:>9.2}s {:>9} {:>9.0}",
            t_inv.as_secs_f64() * 1e3,
            t_resolve.as_secs_f64() * 1e3,
            t_plan.as_secs_f64() * 1e3,
            t_json.as_secs_f64() * 1e3,
            cpu,
            plan.changes.len(),
            peak_mib()
        );
        assert!(counter.0 > 0);
        drop(plan);
        drop(resolution);
        drop(inv);
    }
}
