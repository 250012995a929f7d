//! Helpers the commands share: manifests, state paths, colour, prompts.

use super::error::CliError;
use crate::arguments::GlobalArgs;
use crate::manifest::{Diagnostic, ManifestSet, Severity};
use crate::planner::StatePaths;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Loads manifests; prints every diagnostic (all at once) to stderr.
pub fn load_manifests(files: &[PathBuf]) -> Result<ManifestSet, CliError> {
    let loaded = crate::manifest::load(files);
    print_diagnostics(&loaded.diagnostics);
    match loaded.set {
        Some(set) if !has_errors(&loaded.diagnostics) => Ok(set),
        _ => Err(CliError::manifests(&loaded.diagnostics)),
    }
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

pub fn print_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{d}");
    }
}

/// The journal and last-applied record (see `ConnectOptions::state_paths`).
pub fn state_paths(g: &GlobalArgs, journal: Option<&Path>) -> StatePaths {
    super::connect::options(g).state_paths(journal)
}

/// `--settle-time` as a chrono duration.
pub fn settle_time(g: &GlobalArgs) -> chrono::Duration {
    g.settle()
}

/// Colour only on a terminal, and never with NO_COLOR or --no-color.
pub fn use_color(g: &GlobalArgs) -> bool {
    color_allowed(g) && std::io::stdout().is_terminal()
}

/// Colour in log lines: stderr a terminal, and no NO_COLOR / --no-color.
pub fn stderr_color(g: &GlobalArgs) -> bool {
    color_allowed(g) && std::io::stderr().is_terminal()
}

fn color_allowed(g: &GlobalArgs) -> bool {
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !g.no_color && !no_color_env
}

pub fn now() -> Result<chrono::DateTime<chrono::Utc>, CliError> {
    crate::clock::now().map_err(CliError::Config)
}
