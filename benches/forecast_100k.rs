//! Forecasting at scale, in memory: 100,000 resources through the same
//! steps `bssctl forecast -f` runs after the API calls — inventory, resolve
//! and plan (the planned column), subjects, the price keys and a price book
//! holding one quote per key, the projection (months, runway, risks) and
//! JSON. Prints CPU time and peak memory per size. Run with
//! `cargo bench --bench forecast_100k`; figures go in BENCHMARKS.md.

use bssctl::bss::model::OrderInstanceV2;
use bssctl::forecast::{inputs, project, Settings};
use bssctl::live::Inventory;
use bssctl::plan::price::{PriceBook, PriceKey};
use chrono::{Duration, TimeDelta};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// User + system CPU seconds of this process (Linux /proc).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 (1-based) of the whole line.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident memory in MiB (VmHWM).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Counts the JSON bytes written.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn rows(n: usize) -> Vec<OrderInstanceV2> {
    let now = bssctl::clock::parse_api_time("2026-11-24T00:00:00Z").unwrap();
    let regions = ["cn-north-4", "cn-east-3", "cn-south-1", "ap-southeast-1"];
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while out.len() < n {
        let main = format!("{i:08x}-0000-4000-8000-{i:012x}");
        let expire = now + Duration::days((i % 400) as i64 - 20);
        let row = |id: String, parent: Option<String>, kind: &str| OrderInstanceV2 {
            resource_id: Some(id),
            resource_name: Some(format!(
                "{}-{kind}-{i}",
                if i % 3 == 0 { "prod" } else { "dev" }
            )),
            region_code: Some(regions[i % 4].to_string()),
            service_type_code: Some(
                if kind == "vm" {
                    "hws.service.type.ec2"
                } else {
                    "hws.service.type.ebs"
                }
                .into(),
            ),
            resource_type_code: Some(format!("hws.resource.type.{kind}")),
            is_main_resource: Some(if parent.is_some() { 0 } else { 1 }),
            parent_resource_id: parent,
            status: Some(2),
            expire_policy: Some([0, 1, 3][i % 3]),
            expire_time: Some(bssctl::clock::format_api_time(expire)),
            ..Default::default()
        };
        out.push(row(main.clone(), None, "vm"));
        // Every fourth server has an attached disk.
        if i % 4 == 0 && out.len() < n {
            out.push(row(format!("{main}-disk"), Some(main.clone()), "volume"));
        }
        i += 1;
    }
    out
}

const MANIFEST: &str = r#"version: 1
selectors:
  - match: { service_type: hws.service.type.ec2, name: "prod-*" }
    on_expiry: auto_renew
    auto_renew: { period: year }
    renew_ahead: { min_remaining: 30d, period: 1y }
  - match: { service_type: hws.service.type.ec2, name: "dev-*", region: cn-north-4 }
    on_expiry: on_demand
  - match: { service_type: hws.service.type.ec2, name: "dev-*", region: cn-east-3 }
    on_expiry: none
    renew_ahead: { min_remaining: 7d, period: 1m }
"#;

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
