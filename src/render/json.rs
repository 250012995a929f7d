//! `--format json`: the plan as data (`format_version` "1"; docs/plan-json.md).

use crate::plan::Plan;

pub fn render(plan: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(plan).expect("a plan always serializes");
    s.push('\n');
    s
}
