//! Why a comment could not be posted, with what to do. Tokens never appear:
//! messages carry the status, the forge's own message (escaped) and a hint.

use crate::render::untrusted::text;

#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    #[error("--repo {repo:?}: expected OWNER/NAME, e.g. acme/infra")]
    Repo { repo: String },
    #[error("no token: set {wanted} to a token that may comment on {what}")]
    NoToken { wanted: &'static str, what: String },
    #[error("--api-url {url:?}: {why}")]
    ApiUrl { url: String, why: String },
    #[error("{forge} refused the token (401 Unauthorized){message}: it is invalid or expired; set {env} to a valid token")]
    Unauthorized {
        forge: &'static str,
        env: &'static str,
        message: String,
    },
    #[error("{forge} rate limit reached ({status}){message}; {retry}")]
    RateLimited {
        forge: &'static str,
        status: u16,
        message: String,
        retry: String,
    },
    #[error("{forge} forbids it (403 Forbidden){message}: the token lacks permission; {need}")]
    Forbidden {
        forge: &'static str,
        message: String,
        need: &'static str,
    },
    #[error("{forge}: {what} not found (404){message}: check the name and number, and that the token can see it")]
    NotFound {
        forge: &'static str,
        what: String,
        message: String,
    },
    #[error("{forge} rejected the comment (422 Unprocessable Entity){message}: the body may be too long (GitHub allows 65,536 characters) or the pull/merge request is locked")]
    Unprocessable {
        forge: &'static str,
        message: String,
    },
    #[error("{forge} answered {status}{message} to {method} {path}")]
    Status {
        forge: &'static str,
        status: u16,
        message: String,
        method: &'static str,
        path: String,
    },
    #[error("cannot reach {forge} at {url}: {detail}")]
    Transport {
        forge: &'static str,
        url: String,
        detail: String,
    },
    #[error("{forge} answered something that is not a comment list or comment: {detail}")]
    Decode { forge: &'static str, detail: String },
    #[error("cannot read the markdown from {path}: {detail}")]
    Input { path: String, detail: String },
}

/// `: message` from a forge's JSON error body (`message`, GitLab's
/// `message`/`error`), escaped for the terminal; empty when there is none.
pub fn api_message(body: &str) -> String {
    let v: serde_json::Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => return String::new(),
    };
    let m = v
        .get("message")
        .or_else(|| v.get("error"))
        .map(|m| match m {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    match m {
        Some(m) if !m.is_empty() => {
            let m: String = m.chars().take(300).collect();
            format!(": {}", text(&m))
        }
        _ => String::new(),
    }
}
