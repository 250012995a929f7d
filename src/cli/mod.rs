//! The command-line edge: parse, set up logging, dispatch, map errors to
//! exit codes (0 ok, 1 error, 2 changes with --detailed-exitcode, 3 cost
//! guardrail exceeded, 4 forecast risks with --fail-on-risk).

mod accounts_cmd;
pub mod apply_cmd;
pub mod base;
pub mod comment_cmd;
pub mod common;
pub mod connect;
pub mod error;
pub mod export_cmd;
pub mod forecast_cmd;
pub mod help;
pub mod notify_cmd;
pub mod orders_cmd;
pub mod plan_cmd;
pub mod sandbox_cmd;
pub mod validate_cmd;

use crate::arguments::{help::command, Cli, Command};
use clap::FromArgMatches;
use error::{CliError, EXIT_ERROR, EXIT_OK};

/// Runs bssctl with the process's arguments; returns the exit code.
pub fn main_exit_code() -> i32 {
    if let Some(v) = crate::clock::overridden_value() {
        // First, before anything else: a fake clock must never go unnoticed.
        eprintln!(
            "Note: {}={v} replaces the system clock: dates and renewal decisions are for that time, not now (apply \
             refuses non-loopback endpoints)",
            crate::clock::ENV_NOW
        );
    }
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (mut cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    if let Err(e) = crate::arguments::defaults::apply(&mut cli, &matches) {
        return report(&cli, &CliError::Config(e));
    }
    init_tracing(cli.global.verbose, common::stderr_color(&cli.global));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return EXIT_ERROR;
        }
    };
    match runtime.block_on(dispatch(&cli)) {
        Ok(code) => code,
        Err(e) => report(&cli, &e),
    }
}

/// Prints an error once (stderr; also stdout as a document with `--format
/// json|markdown`) and returns its exit code. A closed stdout (`| head`)
/// is not an error: the reader has what it wanted.
fn report(cli: &Cli, e: &CliError) -> i32 {
    if e.is_broken_pipe() {
        return EXIT_OK;
    }
    let hint = e.hint();
    if !e.already_reported() || matches!(e, CliError::Manifests { .. }) {
        // Messages carry names and API error text: one line each.
        eprintln!("Error: {}", crate::render::untrusted::text(&e.to_string()));
        if let Some(h) = &hint {
            eprintln!("  hint: {}", crate::render::untrusted::text(h));
        }
    }
    if !crate::terminal::stdout_written() {
        use crate::render::{error_doc, Format};
        let (name, format) = cli.command.name_and_format();
        let doc = match format.map(Format::from) {
            Some(Format::Json) => Some(error_doc::json(
                &e.to_string(),
                e.details(),
                hint.as_deref(),
                e.exit_code(),
            )),
            Some(Format::Markdown) => Some(error_doc::markdown(
                name,
                &e.to_string(),
                e.details(),
                hint.as_deref(),
            )),
            _ => None,
        };
        if let Some(doc) = doc {
            use std::io::Write;
            let _ = std::io::stdout().lock().write_all(doc.as_bytes());
        }
    }
    e.exit_code()
}

async fn dispatch(cli: &Cli) -> Result<i32, CliError> {
    let g = &cli.global;
    match &cli.command {
        Command::Plan(a) => plan_cmd::run(g, a).await,
        Command::Apply(a) => apply_cmd::run(g, a).await,
        Command::Validate(a) => validate_cmd::run(g, a).await,
        Command::Schema => {
            let schema = crate::manifest::json_schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).expect("schema serializes")
            );
            Ok(EXIT_OK)
        }
        Command::Sandbox(a) => sandbox_cmd::run(g, a).await,
        Command::Export(a) => export_cmd::run(g, a).await,
        Command::Orders(a) => orders_cmd::run(g, a).await,
        Command::Accounts(a) => accounts_cmd::run(g, a).await,
        Command::Comment(a) => comment_cmd::run(a).await,
        Command::Forecast(a) => forecast_cmd::run(g, a).await,
        Command::Notify(a) => notify_cmd::run(g, a).await,
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut command(), "bssctl", &mut std::io::stdout());
            Ok(EXIT_OK)
        }
        Command::Man { out_dir } => help::man(command(), out_dir.as_deref()),
        Command::Version { format } => help::version(*format),
    }
}

fn init_tracing(verbose: u8, color: bool) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "bssctl=info,warn",
        _ => "bssctl=debug,info",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(color)
        .try_init();
}
