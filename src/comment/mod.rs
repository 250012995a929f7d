//! `bssctl comment github|gitlab` (DESIGN §10): posts a markdown plan to a
//! pull or merge request, finding bssctl's earlier comment by the marker
//! (`render::markdown::MARKER`) across every page of comments.
//!
//! - `forge`: the two REST clients (GitHub, GitLab) behind one enum:
//!   list (paginated), create, edit, delete.
//! - `error`: what went wrong, with what to do; never the token.
//! - this file: the behaviours (`update`, `new`, `delete-and-new`,
//!   `--skip-no-diff`), pure over whatever the forge answers.

pub mod error;
pub mod forge;
pub mod target;

pub use error::CommentError;
pub use forge::{Forge, ForgeClient};

use crate::render::diff_view::NO_DIFF_MARKER;
use crate::render::markdown::MARKER;

/// What to do with an earlier comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Behavior {
    /// Edit the comment that carries the marker, else create one.
    Update,
    /// Always add a new comment.
    New,
    /// Delete every comment that carries the marker, then add a new one.
    DeleteAndNew,
}

/// An existing comment (GitHub issue comment, GitLab note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: String,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created {
        id: u64,
    },
    Updated {
        id: u64,
    },
    /// `--skip-no-diff` on a change without effect: nothing posted, and
    /// these stale comments deleted.
    Skipped {
        deleted: Vec<u64>,
    },
}

impl Outcome {
    pub fn describe(&self, deleted_before: &[u64]) -> String {
        let gone = |ids: &[u64]| {
            if ids.is_empty() {
                String::new()
            } else {
                format!(
                    "; deleted earlier comment(s) {}",
                    ids.iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        };
        match self {
            Outcome::Created { id } => format!("created comment {id}{}", gone(deleted_before)),
            Outcome::Updated { id } => format!("updated comment {id} in place"),
            Outcome::Skipped { deleted } => format!(
                "the change has no cost or operation effect: no comment posted{}",
                gone(deleted)
            ),
        }
    }
}

/// A comment bssctl wrote: the marker opens it (a person quoting the
/// marker further down is not).
pub fn is_bssctl_comment(body: &str) -> bool {
    body.trim_start().starts_with(MARKER)
}

/// The body cut at a line to `max` characters, with a note, when longer
/// (GitHub refuses comments over 65,536 characters with a 422).
pub fn fit(body: String, max: usize) -> String {
    const NOTE: &str = "\n\n_(truncated: the plan is longer than a comment may be; see the CI job's log or summary for all of it)_\n";
    if body.chars().count() <= max {
        return body;
    }
    let budget = max.saturating_sub(NOTE.chars().count());
    let cut = body
        .char_indices()
        .nth(budget)
        .map(|(i, _)| i)
        .unwrap_or(body.len());
    let head = &body[..cut];
    let head = head.rsplit_once('\n').map(|(h, _)| h).unwrap_or(head);
    format!("{head}{NOTE}")
}

/// Whether a markdown plan says the change has no effect (the base
/// comparison's machine-readable line).
pub fn has_no_diff(markdown: &str) -> bool {
    markdown.lines().any(|l| l.trim_end() == NO_DIFF_MARKER)
}

/// The body to post: the markdown, with the marker first when it has none
/// (so the next run finds it).
pub fn body_of(markdown: &str) -> String {
    if markdown.contains(MARKER) {
        markdown.to_string()
    } else {
        format!("{MARKER}\n{markdown}")
    }
}

/// Posts `markdown` per `behavior`; returns what happened and the ids of
/// comments deleted along the way.
pub async fn post(
    client: &ForgeClient,
    markdown: &str,
    behavior: Behavior,
    skip_no_diff: bool,
) -> Result<(Outcome, Vec<u64>), CommentError> {
    let body = fit(body_of(markdown), client.max_body_chars());
    let needs_existing = skip_no_diff && has_no_diff(markdown) || behavior != Behavior::New;
    let existing: Vec<Comment> = if needs_existing {
        client
            .list()
            .await?
            .into_iter()
            .filter(|c| is_bssctl_comment(&c.body))
            .collect()
    } else {
        Vec::new()
    };
    if skip_no_diff && has_no_diff(markdown) {
        let mut deleted = Vec::new();
        for c in &existing {
            client.delete(c.id).await?;
            deleted.push(c.id);
        }
        return Ok((Outcome::Skipped { deleted }, Vec::new()));
    }
    match behavior {
        Behavior::Update => match existing.first() {
            Some(c) => {
                client.update(c.id, &body).await?;
                Ok((Outcome::Updated { id: c.id }, Vec::new()))
            }
            None => Ok((
                Outcome::Created {
                    id: client.create(&body).await?,
                },
                Vec::new(),
            )),
        },
        Behavior::New => Ok((
            Outcome::Created {
                id: client.create(&body).await?,
            },
            Vec::new(),
        )),
        Behavior::DeleteAndNew => {
            let mut deleted = Vec::new();
            for c in &existing {
                client.delete(c.id).await?;
                deleted.push(c.id);
            }
            let id = client.create(&body).await?;
            Ok((Outcome::Created { id }, deleted))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_added_once() {
        assert_eq!(body_of("hi"), format!("{MARKER}\nhi"));
        let with = format!("{MARKER}\nhi");
        assert_eq!(body_of(&with), with);
        assert!(has_no_diff(&format!("{MARKER}\n{NO_DIFF_MARKER}\n### x")));
        assert!(!has_no_diff(&format!("{MARKER}\n### x")));
        assert!(is_bssctl_comment(&format!("{MARKER}\n### x")));
        let long = format!("{MARKER}\n{}", "| a row |\n".repeat(10_000));
        let cut = fit(long.clone(), 65_000);
        assert!(cut.chars().count() <= 65_000);
        assert!(cut.starts_with(MARKER) && cut.ends_with("summary for all of it)_\n"));
        assert_eq!(fit("short".into(), 65_000), "short");
        assert!(!is_bssctl_comment(&format!("see {MARKER}")));
    }
}
