//! An error as a document on stdout, for `--format json` and `--format
//! markdown` (the message also goes to stderr): CI glue that reads stdout
//! gets a JSON `{"error": …}` or a PR comment body instead of nothing.

use super::markdown::MARKER;
use super::untrusted::markdown_fenced;
use serde::Serialize;

/// `{"error": {"message": …, "details": […], "hint": …, "exit_code": N}}`;
/// `details` (each problem, e.g. a manifest error with file:line) and
/// `hint` are left out when there are none.
pub fn json(message: &str, details: &[String], hint: Option<&str>, exit_code: i32) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        error: Body<'a>,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        message: &'a str,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        details: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        hint: Option<&'a str>,
        exit_code: i32,
    }
    let doc = Doc {
        error: Body {
            message,
            details,
            hint,
            exit_code,
        },
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("an error document serializes");
    s.push('\n');
    s
}

/// A PR comment body with bssctl's marker (so `bssctl comment` updates its
/// earlier comment): a heading, then the message and each detail in a
/// fenced block.
pub fn markdown(command: &str, message: &str, details: &[String], hint: Option<&str>) -> String {
    let mut lines = vec![fenced(message)];
    lines.extend(details.iter().map(|d| fenced(d)));
    let mut s = format!(
        "{MARKER}\n### bssctl {command}: error\n\n```text\n{}\n```\n",
        lines.join("\n")
    );
    if let Some(h) = hint {
        s.push_str(&format!("\nHint:\n\n```text\n{}\n```\n", fenced(h)));
    }
    s
}

/// One line for a fenced block that no backtick run can close.
fn fenced(s: &str) -> String {
    markdown_fenced(s).replace("```", "`\u{200B}`\u{200B}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_markdown_documents() {
        let v: serde_json::Value =
            serde_json::from_str(&json("bad \"sk\"", &[], Some("check the keys"), 1)).unwrap();
        assert_eq!(v["error"]["message"], "bad \"sk\"");
        assert_eq!(v["error"]["hint"], "check the keys");
        assert_eq!(v["error"]["exit_code"], 1);
        assert!(v["error"].get("details").is_none());
        let d = vec!["a.yaml:1:1: error: x".to_string()];
        let v: serde_json::Value = serde_json::from_str(&json("m", &d, None, 3)).unwrap();
        assert!(v["error"].get("hint").is_none());
        assert_eq!(v["error"]["details"][0], "a.yaml:1:1: error: x");
        let m = markdown("plan", "line ```\n@all", &d, Some("h"));
        assert!(m.starts_with(MARKER));
        assert!(m.contains("### bssctl plan: error"));
        assert!(m.contains("\na.yaml:1:1: error: x\n```\n"), "{m}");
        // The fence cannot be closed from inside the message.
        assert_eq!(m.matches("```").count(), 4, "{m}");
    }
}
