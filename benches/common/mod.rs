//! What the 100k-resource benchmarks share: the generated inventory, the
//! manifest planned over it, and the process's CPU time and peak memory.

use bssctl::bss::model::OrderInstanceV2;
use chrono::Duration;

pub fn cpu_seconds() -> f64 {
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
pub fn peak_mib() -> f64 {
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
pub struct ByteCounter(pub usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn rows(n: usize) -> Vec<OrderInstanceV2> {
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

pub const MANIFEST: &str = r#"version: 1
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
