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
    };
    let mut out = Outcome::default();
    let result = session.apply(source, &options, &mut ui, &mut out).await;
    conn.close().await;
    let printed = write_output(ui.format, &out);
    result.map_err(cli_error)?;
    printed.map(|()| EXIT_OK)
}

/// Several declared accounts: each account in declaration order, with its
/// own credentials, its own plan, confirmation and batches; the journal and
/// the last-applied record are keyed by account. Stops at the first
/// account that fails.
async fn apply_accounts(
    g: &GlobalArgs,
    args: &ApplyArgs,
    set: &crate::manifest::ManifestSet,
    paths: &crate::state::StatePaths,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i32, CliError> {
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
    // Every account is read, priced and its funding checked before anything
    // is transferred or bought: a refusal stops the whole run here.
    let planned = crate::enterprise::plan_accounts(
        &conns,
        set,
        &options.scope,
        options.max_cost,
        paths,
        settle_time(g),
        now,
    )
    .await;
    let planned = match planned {
        Ok(p) => p,
        Err(e) => {
            for c in conns {
                c.connection.close().await;
            }
            return Err(super::plan_cmd::account_error(e));
        }
    };
    let run_id = crate::state::journal::new_run_id();
    let mut result = Ok(EXIT_OK);
    let mut json_docs: Vec<serde_json::Value> = Vec::new();
    for c in &conns {
        let mine = set.for_account(&c.alias);
        // Transfer before this account's purchases.
        let transfer = planned
            .iter()
            .find(|p| p.alias == c.alias)
            .and_then(|p| p.transfer.as_ref());
        if let Some(t) = transfer {
            let master = conns
                .iter()
                .find(|m| m.alias == t.from)
                .map(|m| &m.connection);
            let Some(master) = master else {
                result = Err(CliError::Config(format!(
                    "account {}: funding account {} is not connected",
                    c.alias, t.from
                )));
                break;
            };
            match crate::enterprise::transfer(master, &c.connection, t, &paths.journal, &run_id)
                .await
            {
                Ok(done) => eprintln!(
                    "Transferred {} from {} to {}{}",
                    crate::display::money::money("CNY", done.amount),
                    text(&t.from),
                    text(&c.alias),
                    if done.verified {
                        " (the answer was lost; the balance shows it was booked once)"
                    } else {
                        ""
                    }
                ),
                Err(e) => {
                    result = Err(super::plan_cmd::account_error(e));
                    break;
                }
            }
        }
        let session = Session {
            client: &c.connection.client,
            domain_id: &c.connection.domain_id,
            account: c.connection.account_key(),
            paths,
            settle: settle_time(g),
            now,
        };
        let mut ui = Terminal {
            format: Format::from(args.options.format),
            color: use_color(g),
            auto_approve: args.auto_approve,
        };
        if ui.format != Format::Json {
            println!(
                "=== Account {} ({}) ===",
                text(&c.alias),
                text(&c.connection.domain_id)
            );
        }
        let mut out = Outcome::default();
        let applied = session
            .apply(Source::Manifests(&mine), &options, &mut ui, &mut out)
            .await;
        let printed = if ui.format == Format::Json {
            // One document for the run: each account's apply document.
            crate::render::accounts::apply_json_entry(
                &c.alias,
                &c.connection.domain_id,
                out.plan.as_ref(),
                out.report.as_ref(),
            )
            .map(|v| json_docs.push(v))
            .map_err(|e| {
                CliError::io(
                    "cannot write the apply result to",
                    std::path::Path::new("stdout"),
                    e,
                )
            })
        } else {
            write_output(ui.format, &out)
        };
        if let Err(e) = applied.map_err(cli_error).and(printed) {
            result = Err(e);
            break;
        }
    }
    for c in conns {
        c.connection.close().await;
    }
    if Format::from(args.options.format) == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "accounts": json_docs }))
                .unwrap_or_default()
        );
    }
    result
}

/// Apply's terminal: the plan on stdout (or as text on stderr before a
/// question when stdout carries JSON), warnings on stderr, the prompt.
struct Terminal {
    format: Format,
    color: bool,
    auto_approve: bool,
}

impl Ui for Terminal {
    fn show_plan(&mut self, plan: &Plan) -> Result<(), ApplyError> {
        if self.format != Format::Json {
            return print_plan(plan, self.format, self.color).map_err(|e| match e {
                CliError::Io { what, path, source } => ApplyError::Io { what, path, source },
                other => ApplyError::Config(other.to_string()),
            });
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
