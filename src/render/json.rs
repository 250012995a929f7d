//! `--format json`: the plan as data (`format_version` "1"; docs/plan-json.md).

use crate::plan::Plan;
use std::io::Write;

pub fn render(plan: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(plan).expect("a plan always serializes");
    s.push('\n');
    s
}

/// Streams the plan to `out` without building it in memory first.
pub fn write(plan: &Plan, out: impl Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, plan).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}
