//! Forecasting at scale, in memory: 100,000 resources through the same
//! steps `bssctl forecast -f` runs after the API calls — inventory, resolve
//! and plan (the planned column), subjects, the price keys and a price book
//! holding one quote per key, the projection (months, runway, risks) and
//! JSON. Prints CPU time and peak memory per size. Run with
//! `cargo bench --bench forecast_100k`; figures go in BENCHMARKS.md.

use bssctl::forecast::{inputs, project, Settings};
use bssctl::live::Inventory;
use bssctl::plan::price::{PriceBook, PriceKey};
use chrono::TimeDelta;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// User + system CPU seconds of this process (Linux /proc).
mod common;
use common::{cpu_seconds, peak_mib, rows, ByteCounter, MANIFEST};

fn main() {
    let now = bssctl::clock::parse_api_time("2026-11-24T00:00:00Z").unwrap();
    let loaded = bssctl::manifest::load_str("bench.yaml", MANIFEST);
    let set = loaded.set.expect("bench manifest is valid");
    println!(
        "{:>8} {:>7} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9}",
        "rows",
        "months",
        "inventory",
        "plan",
        "subjects",
        "project",
        "json",
        "cpu total",
        "events",
        "peak MiB"
    );
    for (n, months) in [
        (25_000usize, 12u32),
        (50_000, 12),
        (100_000, 12),
        (100_000, 36),
    ] {
        let data = rows(n);
        let cpu0 = cpu_seconds();
        let t = Instant::now();
        let inv = Inventory::from_rows(data);
        let t_inv = t.elapsed();
        let t = Instant::now();
        let resolution = bssctl::manifest::resolve(&set, &inv, now);
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
        let record = bssctl::state::last_applied::AccountRecord::default();
        let subjects = inputs::subjects(&inv, &record, &resolution.desired, &plan.changes);
        drop(plan);
        drop(resolution);
        drop(inv);
        let keys: BTreeSet<PriceKey> = subjects
            .iter()
            .flat_map(|s| {
                s.as_is
                    .periods()
                    .chain(s.planned.periods())
                    .map(|(pt, pn)| (s.resource_id.clone(), pt, pn))
            })
            .collect();
        let mut book = PriceBook::default();
        for (i, k) in keys.iter().enumerate() {
            book.quotes.insert(
                k.clone(),
                bssctl::plan::Price {
                    currency: "CNY".into(),
                    official_amount: Decimal::from(100 + i % 50),
                    discount_amount: Decimal::ZERO,
                    amount: Decimal::from(100 + i % 50),
                    period: bssctl::plan::price::period_label(k.1, k.2),
                },
            );
        }
        let t_subjects = t.elapsed();
        let t = Instant::now();
        let index = bssctl::forecast::fetch::price_index(&book);
        let price = |id: &str, p: (i32, i32)| index.get(&(id, p)).copied();
        let f = project::forecast(
            &subjects,
            &project::Options {
                now,
                months,
                risk_within: TimeDelta::days(30),
                settings: Settings::default(),
                balance: Some(Decimal::from(1_000_000)),
                currency: "CNY".into(),
                with_plan: true,
                price: &price,
            },
        );
        let t_project = t.elapsed();
        let t = Instant::now();
        let mut counter = ByteCounter(0);
        bssctl::forecast::render::json(&f, &mut counter).unwrap();
        let t_json = t.elapsed();
        let cpu = cpu_seconds() - cpu0;
        println!(
            "{n:>8} {months:>7} {:>9.0}ms {:>9.0}ms {:>9.0}ms {:>9.0}ms {:>9.0}ms {:>9.2}s {:>9} {:>9.0}",
            t_inv.as_secs_f64() * 1e3,
            t_plan.as_secs_f64() * 1e3,
            t_subjects.as_secs_f64() * 1e3,
            t_project.as_secs_f64() * 1e3,
            t_json.as_secs_f64() * 1e3,
            cpu,
            f.events.len(),
            peak_mib()
        );
        assert!(counter.0 > 0 && keys.len() > n / 2);
    }
}
