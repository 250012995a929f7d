//! `bssctl apply`: plan (or load a saved plan), show, refuse what is unsafe,
//! confirm, execute, report.

use super::common::{load_manifests, now, print_diagnostics, settle_time, state_paths, use_color};
use super::connect::connect;
use super::error::{CliError, EXIT_OK};
use crate::apply::session::{saved_plan_error, ApplyError, Options, Outcome, Session, Source};
use crate::arguments::{ApplyArgs, GlobalArgs};
use crate::render::Format;
use crate::state::saved_plan;
use crate::state::{Holder, StateLock};
use crate::terminal::apply::{write_output, ApplyTerminal};

pub async fn run(g: &GlobalArgs, args: &ApplyArgs) -> Result<i32, CliError> {
    if args.plan_file.is_none() && args.files.is_empty() {
        return Err(CliError::Config(
            "nothing to apply: give manifests with -f PATH, or a saved plan: bssctl apply PLANFILE"
                .into(),
        ));
    }
    let now = now()?;
    if let Some(m) = crate::apply::run::fake_clock_refusal(
        super::connect::is_local(g),
        &super::connect::bss_endpoint(g),
        now,
    ) {
        return Err(CliError::Refused(m));
    }
    // A saved plan's date is checked before anything is sent.
    let saved = match &args.plan_file {
        Some(file) => Some(
            saved_plan::read(
                file,
                now,
                args.max_plan_age.to_chrono(),
                &args.max_plan_age.to_string(),
            )
            .map_err(|e| cli_error(saved_plan_error(file, e)))?,
        ),
        None => None,
    };
    // Held for the whole run: two applies on one checkout never overlap.
    let _lock = StateLock::acquire(
        &g.state_dir,
        &Holder::this_process("apply"),
        args.lock_timeout,
    )?;
    let set = if args.plan_file.is_none() {
        Some(load_manifests(&args.files)?)
    } else {
        None
    };
    let paths = state_paths(g, args.journal.as_deref());
    if let Some(set) = set.as_ref().filter(|s| s.accounts.len() > 1) {
        return apply_accounts(g, args, set, &paths, now).await;
    }
    let conn = connect(g).await?;
    let source = match (saved, set.as_ref(), &args.plan_file) {
        (Some(plan), _, Some(file)) => Source::Saved {
            file: file.clone(),
            plan: Box::new(plan),
        },
        (None, Some(set), _) => Source::Manifests(set),
        _ => unreachable!("checked above"),
    };
    let session = Session {
        client: &conn.client,
        domain_id: &conn.domain_id,
        account: conn.account_key(),
        paths: &paths,
        settle: settle_time(g),
        now,
    };
    let options = Options {
        scope: args.options.scope(),
        max_cost: args.options.max_cost,
        allow_unsubscribe: args.allow_unsubscribe,
        ignore_balance: args.ignore_balance,
        parallelism: args.parallelism,
    };
    let mut ui = ApplyTerminal {
        format: Format::from(args.options.format),
        color: use_color(g),
        auto_approve: args.auto_approve,
        accounts_json: Vec::new(),
    };
    let mut out = Outcome::default();
    let result = session.apply(source, &options, &mut ui, &mut out).await;
    conn.close().await;
    let printed = write_output(ui.format, &out).map_err(stdout_error);
    result.map_err(cli_error)?;
    printed.map(|()| EXIT_OK)
}

/// Several declared accounts (`enterprise::apply`): every account is read,
/// priced and its funding checked before anything is transferred or bought.
async fn apply_accounts(
    g: &GlobalArgs,
    args: &ApplyArgs,
    set: &crate::manifest::ManifestSet,
    paths: &crate::state::StatePaths,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i32, CliError> {
    use crate::enterprise::apply::{apply_all, AccountsApplyError};
    let conns = crate::enterprise::connect_all(&super::connect::options(g), set)
        .await
        .map_err(super::plan_cmd::account_error)?;
    let options = Options {
        scope: args.options.scope(),
        max_cost: args.options.max_cost,
        allow_unsubscribe: args.allow_unsubscribe,
        ignore_balance: args.ignore_balance,
        parallelism: args.parallelism,
    };
    let settle = settle_time(g);
    let planned = crate::enterprise::plan_accounts(
        &conns,
        set,
        &options.scope,
        options.max_cost,
        paths,
        settle,
        now,
    )
    .await;
    let mut ui = ApplyTerminal {
        format: Format::from(args.options.format),
        color: use_color(g),
        auto_approve: args.auto_approve,
        accounts_json: Vec::new(),
    };
    let result = match &planned {
        Ok(planned) => apply_all(&conns, set, planned, &options, paths, settle, now, &mut ui)
            .await
            .map_err(|e| match e {
                AccountsApplyError::Account(e) => super::plan_cmd::account_error(e),
                AccountsApplyError::Apply(e) => cli_error(e),
                e => CliError::Config(e.to_string()),
            }),
        Err(_) => Ok(()),
    };
    for c in conns {
        c.connection.close().await;
    }
    planned.map_err(super::plan_cmd::account_error)?;
    if ui.format == Format::Json {
        // One document for the run: each account's apply document.
        let doc = serde_json::json!({ "accounts": ui.accounts_json });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    result.map(|()| EXIT_OK)
}

/// The end of apply could not be written to stdout.
fn stdout_error(e: std::io::Error) -> CliError {
    CliError::io(
        "cannot write the apply result to",
        std::path::Path::new("stdout"),
        e,
    )
}

fn cli_error(e: ApplyError) -> CliError {
    match e {
        ApplyError::Refused(r) => r.into(),
        ApplyError::RefusedWith(m) => CliError::Refused(m),
        ApplyError::Api(e) => CliError::Api(e),
        ApplyError::Manifests(diags) => {
            print_diagnostics(&diags);
            CliError::manifests(&diags)
        }
        ApplyError::Base(diags) => CliError::base(&diags),
        ApplyError::Config(m) => CliError::Config(m),
        ApplyError::Io { what, path, source } => CliError::Io { what, path, source },
        ApplyError::Journal(m) => CliError::JournalFailed(m),
        ApplyError::Failed { failed } => CliError::ApplyFailed { failed },
    }
}
