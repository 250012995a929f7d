//! `--format json`: the plan as data (`format_version` "1"; docs/plan-json.md).
//! Written through the wire structs in [`wire`], never the model itself.

pub mod wire;

use crate::plan::Plan;
use std::io::Write;
use wire::WirePlan;

pub fn render(plan: &Plan) -> String {
    let mut out = Vec::new();
    write(plan, &mut out).expect("a plan always serializes");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// Streams the plan to `out` without building it in memory first: each
/// change is converted to its wire form as it is written.
pub fn write(plan: &Plan, out: impl Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &WirePlan::from(plan)).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}
