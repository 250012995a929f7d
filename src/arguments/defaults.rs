//! The config file's defaults (`crate::config`) put under the flags:
//! a value given as a flag or through its environment variable wins.

use super::{Cli, Command};
use clap::parser::ValueSource;
use clap::ArgMatches;

/// Fills in what neither a flag nor the environment set from the config
/// file found from the working directory upwards, if any.
pub fn apply(cli: &mut Cli, matches: &ArgMatches) -> Result<(), String> {
    // Commands that use none of its settings do not read it.
    if matches!(
        cli.command,
        Command::Schema
            | Command::Completions { .. }
            | Command::Man { .. }
            | Command::Version { .. }
            | Command::Comment(_)
            | Command::Sandbox(_)
    ) {
        return Ok(());
    }
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let Some(file) = crate::config::discover(&cwd).map_err(|e| e.to_string())? else {
        return Ok(());
    };
    tracing::debug!("config file {}", file.file.display());
    let g = &mut cli.global;
    if let Some(d) = file.state_dir.filter(|_| !explicit(matches, "state_dir")) {
        g.state_dir = d;
    }
    if let Some(site) = file.site.filter(|_| !explicit(matches, "site")) {
        g.site = clap::ValueEnum::from_str(&site, true)
            .map_err(|_| format!("config file {}: site {site:?}", file.file.display()))?;
    }
    if g.endpoint.is_none() {
        g.endpoint = file.endpoint;
    }
    if g.iam_endpoint.is_none() {
        g.iam_endpoint = file.iam_endpoint;
    }
    if !file.files.is_empty() {
        let files = match &mut cli.command {
            Command::Plan(a) => Some(&mut a.manifests.files),
            Command::Validate(a) => Some(&mut a.manifests.files),
            Command::Apply(a) if a.plan_file.is_none() => Some(&mut a.files),
            _ => None,
        };
        if let Some(files) = files.filter(|f| f.is_empty()) {
            *files = file.files;
        }
    }
    Ok(())
}

/// Whether a global flag was given on the command line or through its
/// environment variable (at the top level or after the subcommand).
fn explicit(matches: &ArgMatches, id: &str) -> bool {
    let given = |m: &ArgMatches| {
        matches!(
            m.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    let mut m = Some(matches);
    while let Some(cur) = m {
        if given(cur) {
            return true;
        }
        m = cur.subcommand().map(|(_, sub)| sub);
    }
    false
}
