//! `bssctl comment github|gitlab`: the flags become a forge target;
//! `comment::target` finds its token and API in the environment and
//! `comment::post` does the rest. Tokens never reach output.

use super::error::{CliError, EXIT_OK};
use crate::arguments::CommentTarget;
use crate::comment::{target, CommentError, Forge};

pub async fn run(target: &CommentTarget) -> Result<i32, CliError> {
    let (forge, options) = match target {
        CommentTarget::Github {
            repo,
            pull,
            options,
        } => (
            Forge::GitHub {
                repo: repo.clone(),
                pull: *pull,
            },
            options,
        ),
        CommentTarget::Gitlab {
            project,
            merge_request,
            options,
        } => (
            Forge::GitLab {
                project: project.clone(),
                merge_request: *merge_request,
            },
            options,
        ),
    };
    let fail = |e: CommentError| CliError::Config(e.to_string());
    let env = |k: &str| std::env::var(k).ok();
    let markdown = target::read_markdown(&options.markdown).map_err(fail)?;
    let client = target::client(forge, options.api_url.as_deref(), &env).map_err(fail)?;
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
