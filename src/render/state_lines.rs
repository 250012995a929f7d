//! A resource's before/after state as lines, and their diff via `similar`.

use crate::plan::{Change, ResourceState};
use similar::{ChangeTag, TextDiff};

fn lines(s: &ResourceState) -> String {
    let mut out = format!("on_expiry: {}\n", s.on_expiry);
    if s.on_expiry == "auto_renew" {
        let period = s.auto_renew_period.as_deref().unwrap_or("(not recorded)");
        // bssctl cannot read these back; an unsent count stays as the
        // account has it (unlimited when auto-renew is first enabled).
        let times = match s.auto_renew_times {
            Some(0) => "unlimited".to_string(),
            Some(t) => t.to_string(),
            None => "(not recorded; left as is, unlimited when first enabled)".to_string(),
        };
        out.push_str(&format!("auto_renew: period {period}, times {times}\n"));
    }
    if let Some(e) = &s.expire_time {
        out.push_str(&format!("expire_time: {e}\n"));
    }
    out.push_str(&format!("status: {}\n", s.status));
    out
}

/// (tag, line) where tag is '-', '+' or ' '.
pub fn state_diff(change: &Change) -> Vec<(char, String)> {
    let before = lines(&change.before);
    let after = lines(&change.after);
    let diff = TextDiff::from_lines(&before, &after);
    diff.iter_all_changes()
        .map(|c| {
            let tag = match c.tag() {
                ChangeTag::Delete => '-',
                ChangeTag::Insert => '+',
                ChangeTag::Equal => ' ',
            };
            (tag, c.value().trim_end().to_string())
        })
        .collect()
}
