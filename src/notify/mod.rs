//! `bssctl notify` (DESIGN §13): a short summary of a plan — drift with its
//! authors, risks, due renewals, totals — posted to a chat or webhook in
//! that service's own message format, retried with back-off on 5xx, 429 and
//! connection errors. The webhook URL is a secret: no message, error or log
//! line carries it.

pub mod digest;
pub mod send;

pub use digest::{digest, Digest};
pub use send::{post, NotifyError, Retry, Webhook};

use serde_json::{json, Value};

/// The receiving service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// bssctl's own JSON (the digest as data, plus `text`).
    Json,
    /// Slack incoming webhook: `text` and Block Kit `blocks`.
    Slack,
    /// DingTalk robot: `msgtype: markdown`.
    DingTalk,
    /// WeCom (企业微信) group robot: `msgtype: markdown`.
    WeCom,
    /// Feishu / Lark custom bot: `msg_type: text`.
    Feishu,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Slack => "slack",
            Format::DingTalk => "dingtalk",
            Format::WeCom => "wecom",
            Format::Feishu => "feishu",
        }
    }
}

/// The most characters of message text sent (WeCom takes 4096 bytes of
/// markdown, Slack 3000 characters per section).
const MAX_TEXT: usize = 2800;

/// The request body for `format`.
pub fn body(d: &Digest, format: Format) -> Value {
    let text = clip(&d.markdown(), MAX_TEXT);
    match format {
        Format::Json => {
            let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.insert("text".into(), Value::String(clip(&d.plain(), MAX_TEXT)));
            }
            v
        }
        Format::Slack => json!({
            "text": d.title,
            "blocks": [
                { "type": "header", "text": { "type": "plain_text", "text": clip(&d.title, 150) } },
                { "type": "section", "text": { "type": "mrkdwn", "text": clip(&d.slack(), MAX_TEXT) } }
            ]
        }),
        Format::DingTalk => json!({
            "msgtype": "markdown",
            "markdown": { "title": d.title, "text": format!("#### {}\n\n{text}", d.title) }
        }),
        Format::WeCom => json!({
            "msgtype": "markdown",
            "markdown": { "content": format!("**{}**\n{text}", d.title) }
        }),
        Format::Feishu => json!({
            "msg_type": "text",
            "content": { "text": format!("{}\n{}", d.title, clip(&d.plain(), MAX_TEXT)) }
        }),
    }
}

/// At most `max` characters, cut at a line end with a note.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = match cut.rfind('\n') {
        Some(i) => &cut[..i],
        None => &cut,
    };
    format!("{cut}\n… (cut; see the full plan)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_at_a_line() {
        let s = "line\n".repeat(1000);
        let c = clip(&s, 100);
        assert!(c.chars().count() < 140);
        assert!(c.ends_with("(cut; see the full plan)"));
        assert_eq!(clip("short", 100), "short");
    }
}
