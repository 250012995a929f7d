//! Errors that end a command, one variant per situation, each with its exit
//! code. Messages never carry secrets: credentials live in `Secret`s.

use crate::bss::credentials::CredentialError;
use crate::bss::ApiError;

pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
/// `plan --detailed-exitcode`: changes present.
pub const EXIT_CHANGES: i32 = 2;
/// A cost guardrail (policy or --max-cost) was exceeded.
pub const EXIT_GUARDRAIL: i32 = 3;
/// `forecast --fail-on-risk`: a resource will be frozen or released, or an
/// auto-renew charge goes unfunded, within `--risk-within`.
pub const EXIT_RISK: i32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Manifest problems, already printed with file:line:column.
    #[error("{count} error(s) in the manifests")]
    Manifests {
        count: usize,
        /// Each error as printed (`file:line:column: error: …`), for the
        /// error document of `--format json|markdown`.
        details: Vec<String>,
    },
    #[error("{0}")]
    Credentials(#[from] CredentialError),
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("{0}")]
    Config(String),
    /// Another run holds the state dir's lock.
    #[error("{0}")]
    Locked(Box<crate::state::LockError>),
    /// Refused on purpose (safety rules); the message says what to do.
    #[error("{0}")]
    Refused(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    /// The plan exceeds a cost guardrail; already rendered.
    #[error("{0}")]
    Guardrail(String),
    /// `forecast --fail-on-risk` found risks; the message names them.
    #[error("{0}")]
    Risk(String),
    /// A journal record could not be written: nothing (more) was sent.
    #[error("no journal, no purchase: {0}; nothing more was sent")]
    JournalFailed(String),
    /// Apply ran but some operations failed; already reported.
    #[error("{failed} operation(s) failed")]
    ApplyFailed { failed: usize },
    /// `orders pay|cancel` ran but some orders did not go through; already reported.
    #[error("{failed} order(s) not paid or cancelled")]
    OrdersFailed { failed: usize },
}

impl From<crate::planner::PlanError> for CliError {
    fn from(e: crate::planner::PlanError) -> Self {
        match e {
            crate::planner::PlanError::Api(e) => CliError::Api(e),
            crate::planner::PlanError::State(s) => CliError::Config(s),
            crate::planner::PlanError::Base(diags) => CliError::base(&diags),
        }
    }
}

impl From<crate::connect::ConnectError> for CliError {
    fn from(e: crate::connect::ConnectError) -> Self {
        match e {
            crate::connect::ConnectError::Credentials(e) => CliError::Credentials(e),
            crate::connect::ConnectError::Api(e) => CliError::Api(e),
            crate::connect::ConnectError::Config(m) => CliError::Config(m),
        }
    }
}

impl From<crate::state::LockError> for CliError {
    fn from(e: crate::state::LockError) -> CliError {
        CliError::Locked(Box::new(e))
    }
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Guardrail(_) => EXIT_GUARDRAIL,
            CliError::Risk(_) => EXIT_RISK,
            _ => EXIT_ERROR,
        }
    }

    /// stdout was closed by its reader (`bssctl plan | head`).
    pub fn is_broken_pipe(&self) -> bool {
        let CliError::Io { source, .. } = self else {
            return false;
        };
        // The JSON writer wraps the I/O error in serde_json's.
        source.kind() == std::io::ErrorKind::BrokenPipe
            || source
                .get_ref()
                .and_then(|e| e.downcast_ref::<serde_json::Error>())
                .and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
    }

    /// Whether the message was already shown in full.
    pub fn already_reported(&self) -> bool {
        matches!(
            self,
            CliError::Manifests { .. }
                | CliError::ApplyFailed { .. }
                | CliError::OrdersFailed { .. }
        )
    }

    /// What to do about it, when bssctl knows (API errors with a code).
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Api(e) => crate::hints::hint_for_error(e),
            _ => None,
        }
    }

    /// The manifests' errors (already printed on stderr).
    pub fn manifests(diags: &[crate::manifest::Diagnostic]) -> CliError {
        let details: Vec<String> = diags
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect();
        CliError::Manifests {
            count: details.len().max(1),
            details,
        }
    }

    /// The base manifests' errors (`plan --base`), printed prefixed with
    /// `base:`: the change cannot be compared with them.
    pub fn base(diags: &[crate::manifest::Diagnostic]) -> CliError {
        for d in diags {
            eprintln!("base: {d}");
        }
        let errors = diags.iter().filter(|d| d.is_error()).count();
        CliError::Config(format!(
            "the base manifests have {} error(s) (shown above, prefixed with \"base:\"); the change cannot be compared with them",
            errors.max(1)
        ))
    }

    /// What the error document lists beside the message.
    pub fn details(&self) -> &[String] {
        match self {
            CliError::Manifests { details, .. } => details,
            _ => &[],
        }
    }

    /// The journal cannot be opened or written before anything is sent.
    pub fn journal(path: &std::path::Path, source: std::io::Error) -> CliError {
        CliError::JournalFailed(format!(
            "cannot write the journal {}: {source}",
            path.display()
        ))
    }

    pub fn io(what: &'static str, path: &std::path::Path, source: std::io::Error) -> CliError {
        CliError::Io {
            what,
            path: path.display().to_string(),
            source,
        }
    }
}

/// A refusal of the plan's rules: a guardrail has its own exit code, the
/// rest are refusals.
impl From<crate::plan::decide::Refusal> for CliError {
    fn from(r: crate::plan::decide::Refusal) -> CliError {
        match r {
            crate::plan::decide::Refusal::Guardrail(m) => CliError::Guardrail(m),
            r => CliError::Refused(r.to_string()),
        }
    }
}
