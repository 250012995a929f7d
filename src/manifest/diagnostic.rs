//! Diagnostics: one problem in the manifests (or in resolving them against
//! the live account), with where it is and what is allowed instead.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding. `Display` renders it compiler-style:
/// `manifests/prod.yaml:14:15: error: resources[2].auto_renew.period: invalid period "13m": months are 1m to 11m`
/// (parts that are unknown are left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: Option<PathBuf>,
    /// 1-based.
    pub line: Option<usize>,
    /// 1-based, counted in characters.
    pub column: Option<usize>,
    /// The key path inside the file, e.g. `resources[2].auto_renew.period`.
    pub key: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, message)
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, message)
    }

    fn new(severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            file: None,
            line: None,
            column: None,
            key: None,
            message: message.into(),
        }
    }

    pub fn in_file(mut self, file: impl AsRef<Path>) -> Diagnostic {
        self.file = Some(file.as_ref().to_path_buf());
        self
    }

    pub fn at(mut self, line: usize, column: usize) -> Diagnostic {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Diagnostic {
        let key = key.into();
        self.key = if key.is_empty() { None } else { Some(key) };
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:", file.display())?;
            if let Some(line) = self.line {
                write!(f, "{line}:")?;
                if let Some(column) = self.column {
                    write!(f, "{column}:")?;
                }
            }
            f.write_str(" ")?;
        }
        write!(f, "{}: ", self.severity)?;
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// True when any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// Stable order: diagnostics without a file first, then by file in `files`
/// order, line, column.
pub fn sort(diagnostics: &mut [Diagnostic], files: &[PathBuf]) {
    diagnostics.sort_by_key(|d| {
        let file_rank = d
            .file
            .as_ref()
            .map(|f| files.iter().position(|x| x == f).unwrap_or(usize::MAX));
        (file_rank, d.line, d.column)
    });
}

/// `file:line` of a place, for messages that name a second location.
pub fn place(file: &Path, line: usize) -> String {
    format!("{}:{line}", file.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_compiler_style() {
        let d = Diagnostic::error("invalid period \"13m\": months are 1m to 11m")
            .in_file("manifests/prod.yaml")
            .at(14, 15)
            .with_key("resources[2].auto_renew.period");
        assert_eq!(
            d.to_string(),
            "manifests/prod.yaml:14:15: error: resources[2].auto_renew.period: invalid period \"13m\": months are 1m to 11m"
        );
    }

    #[test]
    fn unknown_parts_are_left_out() {
        assert_eq!(Diagnostic::warning("w").to_string(), "warning: w");
        assert_eq!(
            Diagnostic::error("gone").in_file("a.yaml").to_string(),
            "a.yaml: error: gone"
        );
        assert_eq!(Diagnostic::error("e").with_key("").to_string(), "error: e");
    }
}
