//! What `bssctl version` and `--version` say: the crate version, the git
//! commit it was built from (`build.rs`; "unknown" without git) and the
//! target triple.

use serde::Serialize;

/// The build's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    pub version: &'static str,
    pub commit: &'static str,
    pub target: &'static str,
}

/// This binary's version.
pub const CURRENT: Version = Version {
    version: env!("CARGO_PKG_VERSION"),
    commit: env!("BSSCTL_GIT_COMMIT"),
    target: env!("BSSCTL_TARGET"),
};

/// `0.1.0 (commit 1a2b3c4d5e6f, x86_64-unknown-linux-gnu)`: what
/// `--version` prints after the name.
pub const LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("BSSCTL_GIT_COMMIT"),
    ", ",
    env!("BSSCTL_TARGET"),
    ")"
);

impl Version {
    /// One line: `bssctl 0.1.0 (commit …, target)`.
    pub fn line(&self) -> String {
        format!(
            "bssctl {} (commit {}, {})",
            self.version, self.commit, self.target
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_and_the_long_version_agree() {
        assert_eq!(CURRENT.line(), format!("bssctl {LONG}"));
        assert!(!CURRENT.commit.is_empty() && !CURRENT.target.is_empty());
    }
}
