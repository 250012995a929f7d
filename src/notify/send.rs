//! Posting to the webhook: bounded retries with doubling back-off on 5xx,
//! 429 and connection errors; a 4xx or a service's own refusal (DingTalk,
//! WeCom `errcode`, Feishu `code`) is final. The URL is a secret: errors
//! describe "the webhook" and have any copy of the URL cut out.

use super::Format;
use serde_json::Value;
use std::time::Duration;

/// The webhook URL; its `Debug` never shows it.
#[derive(Clone)]
pub struct Webhook {
    url: reqwest::Url,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Webhook(redacted)")
    }
}

impl Webhook {
    /// https, or http for loopback hosts only.
    pub fn parse(url: &str) -> Result<Webhook, NotifyError> {
        let bad = |why: &str| NotifyError::BadUrl(why.to_string());
        let url = reqwest::Url::parse(url.trim())
            .map_err(|_| bad("it is not a URL (e.g. https://hooks.slack.com/services/…)"))?;
        let host = url.host_str().ok_or_else(|| bad("it has no host"))?;
        match url.scheme() {
            "https" => {}
            "http" if crate::bss::endpoint::is_loopback(host) => {}
            "http" => {
                return Err(bad(
                    "it uses plain http; only loopback hosts may, others need https",
                ))
            }
            _ => return Err(bad("its scheme is not https")),
        }
        Ok(Webhook { url })
    }

    /// `text` with every copy of the URL (and of its query and path, which
    /// hold the token) replaced.
    fn redact(&self, text: &str) -> String {
        let mut out = text.replace(self.url.as_str(), "<webhook>");
        let path = self.url.path();
        if path.len() > 1 {
            out = out.replace(path, "/<redacted>");
        }
        if let Some(q) = self.url.query().filter(|q| !q.is_empty()) {
            out = out.replace(q, "<redacted>");
        }
        out
    }
}

/// How often and how fast to retry.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts in all (at least 1).
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub timeout: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotifyError {
    #[error("--webhook is not usable: {0} (the URL is not shown: it is a secret)")]
    BadUrl(String),
    #[error("the webhook answered HTTP {status} after {attempts} attempt(s): {detail}")]
    Status {
        status: u16,
        attempts: u32,
        detail: String,
    },
    #[error("the webhook refused the message ({format}): {detail}")]
    Refused {
        format: &'static str,
        detail: String,
    },
    #[error("the webhook could not be reached after {attempts} attempt(s): {detail}")]
    Transport { attempts: u32, detail: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// What a successful post took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub attempts: u32,
    pub status: u16,
}

/// Posts `body` as JSON; retries 5xx, 429 and connection errors.
pub async fn post(
    hook: &Webhook,
    format: Format,
    body: &Value,
    retry: Retry,
) -> Result<Delivery, NotifyError> {
    let http = reqwest::Client::builder()
        .timeout(retry.timeout)
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("bssctl/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| NotifyError::Client(e.without_url().to_string()))?;
    let bytes = serde_json::to_vec(body).map_err(|e| NotifyError::Client(e.to_string()))?;
    let attempts = retry.attempts.max(1);
    let mut delay = retry.base_delay;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let sent = http
            .post(hook.url.clone())
            .header("Content-Type", "application/json")
            .body(bytes.clone())
            .send()
            .await;
        let retryable_failure = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap_or_default();
                if (200..300).contains(&status) {
                    return match refusal(format, &text) {
                        None => Ok(Delivery {
                            attempts: attempt,
                            status,
                        }),
                        Some(detail) => Err(NotifyError::Refused {
                            format: format.name(),
                            detail: hook.redact(&detail),
                        }),
                    };
                }
                let err = NotifyError::Status {
                    status,
                    attempts: attempt,
                    detail: hook.redact(&short(&text)),
                };
                if status != 429 && status < 500 {
                    return Err(err);
                }
                err
            }
            Err(e) => NotifyError::Transport {
                attempts: attempt,
                detail: hook.redact(&e.without_url().to_string()),
            },
        };
        if attempt >= attempts {
            return Err(retryable_failure);
        }
        tracing::info!(
            "webhook attempt {attempt} failed ({retryable_failure}); retrying in {delay:?}"
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(retry.max_delay);
    }
}

/// A 2xx answer that still refuses the message: DingTalk and WeCom answer
/// `errcode` ≠ 0, Feishu `code` ≠ 0 (older bots `StatusCode`).
fn refusal(format: Format, text: &str) -> Option<String> {
    let v: Value = serde_json::from_str(text).ok()?;
    let (code_key, msg_key) = match format {
        Format::DingTalk | Format::WeCom => ("errcode", "errmsg"),
        Format::Feishu => {
            if v.get("code").is_some() {
                ("code", "msg")
            } else {
                ("StatusCode", "StatusMessage")
            }
        }
        Format::Json | Format::Slack => return None,
    };
    let code = v.get(code_key)?.as_i64()?;
    (code != 0).then(|| {
        format!(
            "{code_key} {code}: {}",
            short(v.get(msg_key).and_then(Value::as_str).unwrap_or(""))
        )
    })
}

fn short(text: &str) -> String {
    let t: String = crate::display::untrusted::text(text.trim())
        .chars()
        .take(200)
        .collect();
    if t.is_empty() {
        "(empty body)".to_string()
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_without_echoing_them() {
        let e = Webhook::parse("http://hooks.example.com/secret-token").unwrap_err();
        assert!(!e.to_string().contains("secret-token"), "{e}");
        assert!(Webhook::parse("http://127.0.0.1:9/x").is_ok());
        let e = Webhook::parse("not a url with token-123").unwrap_err();
        assert!(!e.to_string().contains("token-123"));
        assert!(!format!("{:?}", Webhook::parse("https://h/abc?k=v").unwrap()).contains("abc"));
    }

    #[test]
    fn the_url_is_cut_out_of_any_text() {
        let h = Webhook::parse("https://oapi.dingtalk.com/robot/send?access_token=s3cr3t").unwrap();
        let t = h.redact("error at https://oapi.dingtalk.com/robot/send?access_token=s3cr3t and access_token=s3cr3t");
        assert!(!t.contains("s3cr3t"), "{t}");
    }

    #[test]
    fn services_refuse_with_their_own_codes() {
        assert_eq!(
            refusal(Format::DingTalk, r#"{"errcode":0,"errmsg":"ok"}"#),
            None
        );
        assert!(refusal(
            Format::WeCom,
            r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#
        )
        .unwrap()
        .contains("93000"));
        assert!(refusal(Format::Feishu, r#"{"code":19001,"msg":"param invalid"}"#).is_some());
        assert_eq!(refusal(Format::Feishu, r#"{"StatusCode":0}"#), None);
        assert_eq!(refusal(Format::Slack, "ok"), None);
    }
}
