//! The GitHub and GitLab REST calls bssctl needs: list a pull/merge
//! request's comments (every page), create, edit, delete one.
//!
//! GitHub: `/repos/OWNER/NAME/issues/N/comments` (pages by the `Link`
//! header's `rel="next"`), `Authorization: Bearer`. GitLab:
//! `/projects/ID/merge_requests/N/notes` (pages by `X-Next-Page`),
//! `PRIVATE-TOKEN` (or `JOB-TOKEN` for `CI_JOB_TOKEN`). Plain http is
//! allowed for loopback hosts only; pagination links must stay on the API's
//! origin, so the token never goes anywhere else.

use super::error::{api_message, CommentError};
use super::Comment;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};

pub const GITHUB_API: &str = "https://api.github.com";
pub const GITLAB_API: &str = "https://gitlab.com/api/v4";

/// Where the comment goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forge {
    GitHub { repo: String, pull: u64 },
    GitLab { project: String, merge_request: u64 },
}

/// How the token is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `Authorization: Bearer` (GitHub).
    Bearer,
    /// `PRIVATE-TOKEN` (GitLab personal/project token, `GITLAB_TOKEN`).
    GitLabPrivate,
    /// `JOB-TOKEN` (GitLab CI, `CI_JOB_TOKEN`).
    GitLabJob,
}

/// A token that never prints.
#[derive(Clone)]
pub struct Token {
    value: String,
    kind: TokenKind,
    /// The variable it came from, for messages.
    pub env: &'static str,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({}, redacted)", self.env)
    }
}

impl Token {
    pub fn new(value: String, kind: TokenKind, env: &'static str) -> Token {
        Token { value, kind, env }
    }
}

pub struct ForgeClient {
    http: reqwest::Client,
    base: String,
    token: Token,
    pub forge: Forge,
}

impl ForgeClient {
    pub fn new(forge: Forge, api_url: &str, token: Token) -> Result<ForgeClient, CommentError> {
        let bad = |why: String| CommentError::ApiUrl {
            url: api_url.to_string(),
            why,
        };
        let url = reqwest::Url::parse(api_url.trim()).map_err(|e| bad(e.to_string()))?;
        let host = url.host_str().ok_or_else(|| bad("no host".into()))?;
        match url.scheme() {
            "https" => {}
            "http" if crate::bss::endpoint::is_loopback(host) => {}
            "http" => {
                return Err(bad(
                    "plain http is allowed for loopback hosts only; use https".into(),
                ))
            }
            other => return Err(bad(format!("unsupported scheme {other:?}"))),
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("bssctl/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(ForgeClient {
            http,
            base: api_url.trim().trim_end_matches('/').to_string(),
            token,
            forge,
        })
    }

    /// The longest comment the forge accepts, with a margin (GitHub: 65,536
    /// characters; GitLab: 1,000,000).
    pub fn max_body_chars(&self) -> usize {
        match self.forge {
            Forge::GitHub { .. } => 65_000,
            Forge::GitLab { .. } => 999_000,
        }
    }

    fn name(&self) -> &'static str {
        match self.forge {
            Forge::GitHub { .. } => "GitHub",
            Forge::GitLab { .. } => "GitLab",
        }
    }

    /// `OWNER/NAME#N` or `project ID !N`, for messages.
    pub fn target(&self) -> String {
        match &self.forge {
            Forge::GitHub { repo, pull } => format!("pull request {repo}#{pull}"),
            Forge::GitLab {
                project,
                merge_request,
            } => format!("merge request !{merge_request} of project {project}"),
        }
    }

    /// The comments collection URL.
    fn collection(&self) -> String {
        match &self.forge {
            Forge::GitHub { repo, pull } => {
                format!("{}/repos/{repo}/issues/{pull}/comments", self.base)
            }
            Forge::GitLab {
                project,
                merge_request,
            } => format!(
                "{}/projects/{}/merge_requests/{merge_request}/notes",
                self.base,
                percent_encoding::utf8_percent_encode(project, percent_encoding::NON_ALPHANUMERIC)
            ),
        }
    }

    /// One comment's URL.
    fn item(&self, id: u64) -> String {
        match &self.forge {
            Forge::GitHub { repo, .. } => {
                format!("{}/repos/{repo}/issues/comments/{id}", self.base)
            }
            Forge::GitLab { .. } => format!("{}/{id}", self.collection()),
        }
    }

    /// Every comment, oldest first, across all pages.
    pub async fn list(&self) -> Result<Vec<Comment>, CommentError> {
        let mut out = Vec::new();
        let mut url = match self.forge {
            Forge::GitHub { .. } => format!("{}?per_page=100", self.collection()),
            Forge::GitLab { .. } => format!(
                "{}?per_page=100&sort=asc&order_by=created_at&page=1",
                self.collection()
            ),
        };
        loop {
            let (headers, body) = self.send(Method::GET, &url, None).await?;
            let page: Vec<Value> =
                serde_json::from_str(&body).map_err(|e| CommentError::Decode {
                    forge: self.name(),
                    detail: e.to_string(),
                })?;
            for c in page {
                if let (Some(id), Some(b)) = (c["id"].as_u64(), c["body"].as_str()) {
                    out.push(Comment {
                        id,
                        body: b.to_string(),
                    });
                }
            }
            let next = match self.forge {
                Forge::GitHub { .. } => next_link(&headers),
                Forge::GitLab { .. } => headers
                    .get("x-next-page")
                    .and_then(|v| v.to_str().ok())
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        format!(
                            "{}?per_page=100&sort=asc&order_by=created_at&page={p}",
                            self.collection()
                        )
                    }),
            };
            match next {
                Some(n) if n.starts_with(&format!("{}/", self.base)) => url = n,
                Some(_) => {
                    return Err(CommentError::Decode {
                        forge: self.name(),
                        detail:
                            "the next page is on another server; not following it with the token"
                                .into(),
                    })
                }
                None => return Ok(out),
            }
        }
    }

    pub async fn create(&self, body: &str) -> Result<u64, CommentError> {
        let (_, answer) = self
            .send(
                Method::POST,
                &self.collection(),
                Some(json!({ "body": body })),
            )
            .await?;
        serde_json::from_str::<Value>(&answer)
            .ok()
            .and_then(|v| v["id"].as_u64())
            .ok_or_else(|| CommentError::Decode {
                forge: self.name(),
                detail: "the created comment has no id".into(),
            })
    }

    pub async fn update(&self, id: u64, body: &str) -> Result<(), CommentError> {
        let method = match self.forge {
            Forge::GitHub { .. } => Method::PATCH,
            Forge::GitLab { .. } => Method::PUT,
        };
        self.send(method, &self.item(id), Some(json!({ "body": body })))
            .await
            .map(|_| ())
    }

    pub async fn delete(&self, id: u64) -> Result<(), CommentError> {
        self.send(Method::DELETE, &self.item(id), None)
            .await
            .map(|_| ())
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<Value>,
    ) -> Result<(HeaderMap, String), CommentError> {
        let mut req = self.http.request(method.clone(), url);
        req = match self.token.kind {
            TokenKind::Bearer => req
                .bearer_auth(&self.token.value)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28"),
            TokenKind::GitLabPrivate => req.header("PRIVATE-TOKEN", &self.token.value),
            TokenKind::GitLabJob => req.header("JOB-TOKEN", &self.token.value),
        };
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| CommentError::Transport {
            forge: self.name(),
            url: self.base.clone(),
            // reqwest's message names the URL, never headers.
            detail: e.without_url().to_string(),
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        if (200..300).contains(&status) {
            return Ok((headers, text));
        }
        Err(self.status_error(status, &headers, &text, &method, url))
    }

    fn status_error(
        &self,
        status: u16,
        headers: &HeaderMap,
        body: &str,
        method: &Method,
        url: &str,
    ) -> CommentError {
        let forge = self.name();
        let message = api_message(body);
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        let limited = status == 429
            || (status == 403
                && (header("x-ratelimit-remaining") == Some("0")
                    || header("retry-after").is_some()));
        if limited {
            let retry = match (header("retry-after"), header("x-ratelimit-reset")) {
                (Some(s), _) => format!("retry in {} s", crate::render::untrusted::text(s)),
                (None, Some(t)) => format!(
                    "the limit resets at {} (Unix time); retry then",
                    crate::render::untrusted::text(t)
                ),
                _ => "retry later".into(),
            };
            return CommentError::RateLimited {
                forge,
                status,
                message,
                retry,
            };
        }
        match status {
            401 => CommentError::Unauthorized {
                forge,
                env: self.token.env,
                message,
            },
            403 => CommentError::Forbidden {
                forge,
                message,
                need: match self.forge {
                    Forge::GitHub { .. } => {
                        "it needs pull-requests: write (or issues: write) on the repository"
                    }
                    Forge::GitLab { .. } => {
                        "it needs the api scope and at least Reporter access to the project"
                    }
                },
            },
            404 => CommentError::NotFound {
                forge,
                what: self.target(),
                message,
            },
            422 => CommentError::Unprocessable { forge, message },
            _ => CommentError::Status {
                forge,
                status,
                message,
                method: match *method {
                    Method::GET => "GET",
                    Method::POST => "POST",
                    Method::PATCH => "PATCH",
                    Method::PUT => "PUT",
                    _ => "DELETE",
                },
                path: url
                    .strip_prefix(&self.base)
                    .unwrap_or(url)
                    .split('?')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            },
        }
    }
}

/// The `rel="next"` URL of a GitHub `Link` header.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            "<https://api.github.com/x?page=1>; rel=\"prev\", <https://api.github.com/x?page=3>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        h.insert(
            "link",
            "<https://x/?page=1>; rel=\"first\"".parse().unwrap(),
        );
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn the_token_does_not_print() {
        let t = Token::new("ghp_secret".into(), TokenKind::Bearer, "GITHUB_TOKEN");
        assert!(!format!("{t:?}").contains("ghp_secret"));
    }
}
