//! `bssctl comment github|gitlab`: the flags and the environment become a
//! forge client; `comment::post` does the rest. Tokens come from the
//! environment only and never reach output.

use super::args::{CommentOptions, CommentTarget};
use super::error::{CliError, EXIT_OK};
use crate::comment::forge::{Token, TokenKind, GITHUB_API, GITLAB_API};
use crate::comment::{CommentError, Forge, ForgeClient};

pub async fn run(target: &CommentTarget) -> Result<i32, CliError> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let (forge, options, token, default_api) = match target {
        CommentTarget::Github {
            repo,
            pull,
            options,
        } => {
            if repo.split('/').count() != 2 || repo.split('/').any(str::is_empty) {
                return Err(CliError::Config(format!(
                    "--repo {repo:?}: expected OWNER/NAME, e.g. acme/infra"
                )));
            }
            let token = env("GITHUB_TOKEN")
                .map(|t| Token::new(t, TokenKind::Bearer, "GITHUB_TOKEN"))
                .ok_or_else(|| CommentError::NoToken {
                    wanted: "GITHUB_TOKEN",
                    what: format!("{repo}#{pull}"),
                });
            (
                Forge::GitHub {
                    repo: repo.clone(),
                    pull: *pull,
                },
                options,
                token,
                GITHUB_API.to_string(),
            )
        }
        CommentTarget::Gitlab {
            project,
            merge_request,
            options,
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
                Forge::GitLab {
                    project: project.clone(),
                    merge_request: *merge_request,
                },
                options,
                token,
                env("CI_API_V4_URL").unwrap_or_else(|| GITLAB_API.to_string()),
            )
        }
    };
    let fail = |e: CommentError| CliError::Config(e.to_string());
    let markdown = read_markdown(options).map_err(fail)?;
    let token = token.map_err(fail)?;
    let api = options.api_url.clone().unwrap_or(default_api);
    let client = ForgeClient::new(forge, &api, token).map_err(fail)?;
    let (outcome, deleted) =
        crate::comment::post(&client, &markdown, options.behavior, options.skip_no_diff)
            .await
            .map_err(fail)?;
    eprintln!(
        "bssctl comment: {} on the {}",
        outcome.describe(&deleted),
        crate::render::untrusted::text(&client.target())
    );
    Ok(EXIT_OK)
}

fn read_markdown(options: &CommentOptions) -> Result<String, CommentError> {
    use std::io::Read;
    let path = &options.markdown;
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
