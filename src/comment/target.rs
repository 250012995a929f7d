//! Which pull or merge request to comment on, with the token and API URL
//! the environment gives (tokens come from the environment only).

use super::forge::{Token, TokenKind, GITHUB_API, GITLAB_API};
use super::{CommentError, Forge, ForgeClient};

/// A forge client for `forge`: the token from `GITHUB_TOKEN`, or
/// `GITLAB_TOKEN` else `CI_JOB_TOKEN`; the API URL from `api_url`, else
/// GitLab CI's `CI_API_V4_URL`, else the forge's public API.
pub fn client(
    forge: Forge,
    api_url: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ForgeClient, CommentError> {
    let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let (token, default_api) = match &forge {
        Forge::GitHub { repo, pull } => {
            if repo.split('/').count() != 2 || repo.split('/').any(str::is_empty) {
                return Err(CommentError::Repo { repo: repo.clone() });
            }
            let token = env("GITHUB_TOKEN")
                .map(|t| Token::new(t, TokenKind::Bearer, "GITHUB_TOKEN"))
                .ok_or_else(|| CommentError::NoToken {
                    wanted: "GITHUB_TOKEN",
                    what: format!("{repo}#{pull}"),
                });
            (token, GITHUB_API.to_string())
        }
        Forge::GitLab {
            project,
            merge_request,
        } => {
            let token = match (env("GITLAB_TOKEN"), env("CI_JOB_TOKEN")) {
                (Some(t), _) => Ok(Token::new(t, TokenKind::GitLabPrivate, "GITLAB_TOKEN")),
                (None, Some(t)) => Ok(Token::new(t, TokenKind::GitLabJob, "CI_JOB_TOKEN")),
                (None, None) => Err(CommentError::NoToken {
                    wanted: "GITLAB_TOKEN (or CI_JOB_TOKEN)",
                    what: format!("merge request !{merge_request} of project {project}"),
                }),
            };
            (
                token,
                env("CI_API_V4_URL").unwrap_or_else(|| GITLAB_API.to_string()),
            )
        }
    };
    let token = token?;
    let api = api_url.map_or(default_api, str::to_string);
    ForgeClient::new(forge, &api, token)
}

/// The rendered plan to post: a file, or `-` for standard input. An empty
/// one is an error (`plan --quiet-if-no-changes` prints nothing).
pub fn read_markdown(path: &std::path::Path) -> Result<String, CommentError> {
    use std::io::Read;
    let err = |e: std::io::Error| CommentError::Input {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map_err(err)?;
    } else {
        text = std::fs::read_to_string(path).map_err(err)?;
    }
    if text.trim().is_empty() {
        return Err(CommentError::Input {
            path: path.display().to_string(),
            detail: "it is empty (plan --quiet-if-no-changes prints nothing without changes)"
                .into(),
        });
    }
    Ok(text)
}
