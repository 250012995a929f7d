//! The command-line edge: parse, set up logging, dispatch, map errors to
//! exit codes (0 ok, 1 error, 2 changes with --detailed-exitcode, 3 cost
//! guardrail exceeded, 4 forecast risks with --fail-on-risk).

mod accounts_cmd;
pub mod apply_cmd;
pub mod args;
pub mod base;
pub mod comment_cmd;
pub mod common;
pub mod connect;
pub mod duration_flag;
pub mod error;
pub mod export_cmd;
pub mod forecast_cmd;
pub mod orders_cmd;
pub mod plan_cmd;
pub mod sandbox_cmd;
pub mod validate_cmd;

use args::{Cli, Command};
use clap::{CommandFactory, Parser};
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
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    init_tracing(cli.global.verbose);
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
        Err(e) => {
            if !e.already_reported() || matches!(e, CliError::Manifests { .. }) {
                // Messages carry names and API error text: one line each.
                eprintln!("Error: {}", crate::render::untrusted::text(&e.to_string()));
                if let Some(h) = e.hint() {
                    eprintln!("  hint: {}", crate::render::untrusted::text(&h));
                }
            }
            e.exit_code()
        }
    }
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
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "bssctl",
                &mut std::io::stdout(),
            );
            Ok(EXIT_OK)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(|e| {
                    CliError::io(
                        "cannot write the man page to",
                        std::path::Path::new("stdout"),
                        e,
                    )
                })?;
            Ok(EXIT_OK)
        }
    }
}

fn init_tracing(verbose: u8) {
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
        .try_init();
}
