//! Which global flags each subcommand's help lists.

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
    "pace_per_account",
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

/// The clap command: `--version` with commit and target, and each
/// subcommand's help listing only the global flags that apply to it.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    hide_inapplicable(super::Cli::command().version(crate::version::LONG))
}
