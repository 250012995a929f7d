//! What the help, `--version`, `bssctl version` and `bssctl man` show.

use super::args::FormatArg;
use super::error::{CliError, EXIT_OK};
use std::path::Path;

/// Global flags about reaching an account (or the embedded sandbox).
const CONNECTION: &[&str] = &[
    "endpoint",
    "iam_endpoint",
    "site",
    "ca_bundle",
    "sandbox",
    "sandbox_state",
    "sandbox_reset",
    "rate_limit",
    "page_size",
    "timeout",
    "settle_time",
    "max_attempts",
    "retry_base_ms",
];

/// Subcommands that never talk to an account nor use the state dir: their
/// help leaves out the connection flags and `--state-dir` (they are still
/// accepted, and ignored). `sandbox` has its own spelling of each option.
const OFFLINE: &[&str] = &[
    "schema",
    "completions",
    "man",
    "version",
    "comment",
    "sandbox",
];

/// Hides, in each subcommand's help, the global flags it does not use:
/// the subcommand gets a hidden copy of each, which clap then propagates in
/// place of the visible one. Call before the command is built.
pub fn hide_inapplicable(mut cmd: clap::Command) -> clap::Command {
    let hidden: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| {
            let id = a.get_id().as_str();
            CONNECTION.contains(&id) || id == "state_dir"
        })
        .map(|a| a.clone().hide(true))
        .collect();
    for sub in cmd.get_subcommands_mut() {
        if OFFLINE.contains(&sub.get_name()) {
            *sub = sub.clone().args(hidden.iter().cloned());
        }
    }
    cmd
}

/// `bssctl version`: one line, or a JSON object with `--format json`.
pub fn version(format: FormatArg) -> Result<i32, CliError> {
    use std::io::Write;
    let v = crate::version::CURRENT;
    let text = match format {
        FormatArg::Json => serde_json::to_string_pretty(&v).expect("the version serializes") + "\n",
        FormatArg::Text | FormatArg::Markdown => v.line() + "\n",
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::io("cannot write the version to", Path::new("stdout"), e))?;
    Ok(EXIT_OK)
}

/// `bssctl man`: the main page on stdout, or with `--out-dir DIR` one page
/// per command (`bssctl.1`, `bssctl-plan.1`, ...) written into DIR.
pub fn man(cmd: clap::Command, out_dir: Option<&Path>) -> Result<i32, CliError> {
    let Some(dir) = out_dir else {
        clap_mangen::Man::new(cmd)
            .render(&mut std::io::stdout())
            .map_err(|e| CliError::io("cannot write the man page to", Path::new("stdout"), e))?;
        return Ok(EXIT_OK);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::io("cannot create the directory", dir, e))?;
    clap_mangen::generate_to(cmd, dir)
        .map_err(|e| CliError::io("cannot write the man pages to", dir, e))?;
    eprintln!("Wrote the man pages to {}", dir.display());
    Ok(EXIT_OK)
}
