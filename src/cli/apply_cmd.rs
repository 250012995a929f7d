//! `bssctl apply`: plan (or load a saved plan), show, refuse what is unsafe,
//! confirm, execute, report.

use super::common::{
    confirm, load_manifests, now, print_diagnostics, settle_time, state_paths, use_color,
};
use super::connect::connect;
use super::error::{CliError, EXIT_OK};
use super::plan_cmd::print_plan;
use crate::apply::progress::Progress;
use crate::apply::session::{saved_plan_error, ApplyError, Options, Outcome, Session, Source, Ui};
use crate::arguments::{ApplyArgs, GlobalArgs};
use crate::plan::Plan;
use crate::render::untrusted::text;
use crate::render::{apply_summary, Format};
use crate::state::saved_plan;
use crate::state::{Holder, StateLock};
use std::io::IsTerminal;

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
    let mut ui = Terminal {
        format: Format::from(args.options.format),
        color: use_color(g),
        auto_approve: args.auto_approve,
        accounts_json: Vec::new(),
    };
    let mut out = Outcome::default();
    let result = session.apply(source, &options, &mut ui, &mut out).await;
    conn.close().await;
    let printed = write_output(ui.format, &out);
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
    let mut ui = Terminal {
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

/// Apply's terminal: the plan on stdout (or as text on stderr before a
/// question when stdout carries JSON), warnings on stderr, the prompt.
struct Terminal {
    format: Format,
    color: bool,
    auto_approve: bool,
    /// With several accounts and `--format json`: each account's document.
    accounts_json: Vec<serde_json::Value>,
}

impl Ui for Terminal {
    fn show_plan(&mut self, plan: &Plan) -> Result<(), ApplyError> {
        if self.format != Format::Json {
            return print_plan(plan, self.format, self.color).map_err(as_apply_error);
        }
        // With --format json stdout carries one document, written at the
        // end; a person asked to confirm sees the plan as text here.
        if !self.auto_approve && !plan.batches.is_empty() && std::io::stdin().is_terminal() {
            eprint!("{}", crate::render::text::render(plan, false));
        }
        Ok(())
    }

    fn plan_listed(&self) -> bool {
        self.format != Format::Json
    }

    fn warn(&mut self, message: &str) {
        eprintln!("Warning: {}", text(message));
    }

    fn confirm(&mut self, plan: &Plan) -> Result<(), ApplyError> {
        confirm(
            &apply_summary::confirmation_question(plan),
            self.auto_approve,
        )
        .map_err(|e| ApplyError::RefusedWith(e.to_string()))
    }

    fn progress(&self, plan: &Plan) -> Progress {
        Progress::new(std::io::stderr().is_terminal(), false).with_names(plan.names())
    }
}

impl crate::enterprise::apply::AccountsUi for Terminal {
    fn account_started(&mut self, alias: &str, domain_id: &str) {
        if self.format != Format::Json {
            println!("=== Account {} ({}) ===", text(alias), text(domain_id));
        }
    }

    fn transferred(&mut self, from: &str, to: &str, done: &crate::enterprise::TransferDone) {
        eprintln!(
            "Transferred {} from {} to {}{}",
            crate::display::money::money("CNY", done.amount),
            text(from),
            text(to),
            if done.verified {
                " (the answer was lost; the balance shows it was booked once)"
            } else {
                ""
            }
        );
    }

    fn account_finished(
        &mut self,
        alias: &str,
        domain_id: &str,
        out: &Outcome,
    ) -> Result<(), ApplyError> {
        if self.format != Format::Json {
            return write_output(self.format, out).map_err(as_apply_error);
        }
        let entry = crate::render::accounts::apply_json_entry(
            alias,
            domain_id,
            out.plan.as_ref(),
            out.report.as_ref(),
        );
        let entry = entry.map_err(|source| ApplyError::Io {
            what: "cannot write the apply result to",
            path: "stdout".into(),
            source,
        })?;
        self.accounts_json.push(entry);
        Ok(())
    }
}

/// A failure to write the terminal's output, as the apply session sees it.
fn as_apply_error(e: CliError) -> ApplyError {
    match e {
        CliError::Io { what, path, source } => ApplyError::Io { what, path, source },
        other => ApplyError::Config(other.to_string()),
    }
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

/// The end of apply on stdout: the summary (text, markdown) or the one JSON
/// document (`--format json`; docs/plan-json.md, "apply --format json").
fn write_output(format: Format, out: &Outcome) -> Result<(), CliError> {
    let Some(plan) = &out.plan else {
        return Ok(());
    };
    if format == Format::Json || out.report.is_some() {
        super::common::mark_stdout_written();
    }
    crate::render::apply(plan, out.report.as_ref(), format, std::io::stdout().lock()).map_err(|e| {
        CliError::io(
            "cannot write the apply result to",
            std::path::Path::new("stdout"),
            e,
        )
    })
}
