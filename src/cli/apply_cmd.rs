//! `bssctl apply`: plan (or load a saved plan), show, refuse what is unsafe,
//! confirm, execute, report.

use super::args::{ApplyArgs, GlobalArgs};
use super::common::{confirm, load_manifests, now, settle_time, state_paths, use_color};
use super::connect::{connect, Connection};
use super::error::{CliError, EXIT_OK};
use super::plan_cmd::{build, print_plan};
use crate::apply::progress::Progress;
use crate::apply::{self, ApplyReport, Executor};
use crate::plan::{decide, Plan};
use crate::planner::StatePaths;
use crate::render::untrusted::text;
use crate::render::{apply_summary, Format};
use crate::state::journal;
use crate::state::saved_plan::{self, SavedPlan, SavedPlanError};
use crate::state::{Holder, StateLock};
use std::io::IsTerminal;
use std::sync::Mutex;

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
            .map_err(|e| saved_plan_error(file, e))?,
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
    let conn = connect(g).await?;
    let paths = state_paths(g, args.journal.as_deref());
    let mut out = Output::default();
    let source = match (saved, set.as_ref()) {
        (Some(saved), _) => Source::Saved(Box::new(saved)),
        (None, Some(set)) => Source::Manifests(set),
        (None, None) => unreachable!("checked above"),
    };
    let result = apply(g, args, &conn, source, &paths, now, &mut out).await;
    conn.close().await;
    let printed = write_output(Format::from(args.options.format), &out);
    let code = result?;
    printed.map(|()| code)
}

/// What apply acts on: a saved plan (already checked for its date) or
/// manifests to plan now.
enum Source<'a> {
    Saved(Box<SavedPlan>),
    Manifests(&'a crate::manifest::ManifestSet),
}

/// What apply shows at the end: the plan it acted on and, once executed,
/// the report.
#[derive(Default)]
struct Output {
    plan: Option<Plan>,
    report: Option<ApplyReport>,
}

async fn apply(
    g: &GlobalArgs,
    args: &ApplyArgs,
    conn: &Connection,
    source: Source<'_>,
    paths: &StatePaths,
    now: chrono::DateTime<chrono::Utc>,
    out: &mut Output,
) -> Result<i32, CliError> {
    let settle = settle_time(g);
    let (plan, verified, holds) = match source {
        Source::Saved(saved) => {
            let file = args.plan_file.as_deref().expect("a saved plan has a file");
            let plan = check_saved_plan(conn, file, *saved).await?;
            // The same in-flight check a fresh plan makes.
            let records = journal::read(&paths.journal)
                .map_err(|e| CliError::io("cannot read the journal", &paths.journal, e))?;
            let policy = crate::live::in_flight::InFlightPolicy {
                account: conn.account_key(),
                settle,
            };
            let check = crate::live::in_flight::check_in_flight(
                &conn.client,
                &records,
                &policy,
                chrono::Utc::now(),
            )
            .await;
            for w in &check.warnings {
                eprintln!("Warning: {w}");
            }
            let holds = check.holds_for_saved_plan();
            (plan, check.verified, holds)
        }
        Source::Manifests(set) => {
            let planned = build(conn, set, &args.options, paths, settle, now).await?;
            (planned.plan, planned.verified, Default::default())
        }
    };
    // What the plan learned about earlier in-flight purchases.
    apply::run::append_verified(&paths.journal, &verified)
        .map_err(|e| CliError::journal(&paths.journal, e))?;
    decide::held(&plan, &holds)?;
    let plan: &Plan = out.plan.insert(plan);
    show_plan(g, args, plan)?;
    let listed_above = Format::from(args.options.format) != Format::Json;
    decide::plan_errors(plan, listed_above)?;
    decide::guardrail(plan, listed_above, "; nothing was applied")?;
    if plan.batches.is_empty() {
        return Ok(EXIT_OK);
    }
    decide::releases(plan, args.allow_unsubscribe)?;
    // A saved plan's balance may be old: read it again before buying.
    let balance = if args.plan_file.is_some() {
        crate::planner::check_balance(&conn.client, plan).await?
    } else {
        plan.summary.balance.clone()
    };
    if let Some(w) = decide::balance(balance, args.ignore_balance)? {
        eprintln!("Warning: {}", text(&w));
    }
    // A saved plan was shown and reviewed when it was made (as Terraform's).
    confirm(
        &apply_summary::confirmation_question(plan),
        args.auto_approve || args.plan_file.is_some(),
    )?;

    // No journal, no purchase: the journal must be writable before
    // anything is sent.
    let run = apply::run::start(&paths.journal, &conn.account_key())
        .map_err(|e| CliError::journal(&paths.journal, e))?;
    let progress = Progress::new(std::io::stderr().is_terminal(), false).with_names(plan.names());
    let exec = Executor {
        client: &conn.client,
        journal: run.journal.clone(),
        run_id: run.run_id.clone(),
        parallelism: args.parallelism.max(1),
        progress: &progress,
        now,
        account: conn.account_key(),
        settle,
        journal_error: Mutex::new(None),
    };
    let mut report = exec.run(plan).await;
    run.finish(&mut report, &paths.journal);
    apply::run::save_last_applied(&paths.last_applied, &conn.domain_id, &report)
        .map_err(CliError::Config)?;
    let failed = apply::run::not_done(&report);
    let journal_error = report.journal_error.clone();
    out.report = Some(report);
    if let Some(e) = journal_error {
        return Err(CliError::JournalFailed(e));
    }
    if failed > 0 {
        return Err(CliError::ApplyFailed { failed });
    }
    Ok(EXIT_OK)
}

/// The plan before confirmation. With `--format json` stdout carries one
/// JSON document, written at the end (`write_output`); a person asked to
/// confirm sees the plan as text on stderr instead.
fn show_plan(g: &GlobalArgs, args: &ApplyArgs, plan: &Plan) -> Result<(), CliError> {
    if Format::from(args.options.format) != Format::Json {
        return print_plan(plan, Format::from(args.options.format), use_color(g));
    }
    if !args.auto_approve && !plan.batches.is_empty() && std::io::stdin().is_terminal() {
        eprint!("{}", crate::render::text::render(plan, false));
    }
    Ok(())
}

/// The end of apply on stdout: the summary (text, markdown) or the one JSON
/// document (`--format json`; docs/plan-json.md, "apply --format json").
fn write_output(format: Format, out: &Output) -> Result<(), CliError> {
    let Some(plan) = &out.plan else {
        return Ok(());
    };
    if format == Format::Json || out.report.is_some() {
        super::common::mark_stdout_written();
    }
    let stdout = || std::path::Path::new("stdout");
    match format {
        Format::Json => {
            crate::render::apply_json::write(plan, out.report.as_ref(), std::io::stdout().lock())
                .map_err(|e| CliError::io("cannot write the apply result to", stdout(), e))
        }
        Format::Text | Format::Markdown => {
            if let Some(report) = &out.report {
                use std::io::Write;
                std::io::stdout()
                    .lock()
                    .write_all(apply_summary::summary(plan, report, format).as_bytes())
                    .map_err(|e| CliError::io("cannot write the summary to", stdout(), e))?;
            }
            Ok(())
        }
    }
}

/// Maps a saved-plan problem to its exit: unreadable (I/O), not a plan
/// (config) or refused.
fn saved_plan_error(file: &std::path::Path, e: SavedPlanError) -> CliError {
    match e {
        SavedPlanError::Read(e) => CliError::io("cannot read the plan file", file, e),
        e if e.is_not_a_plan() => CliError::Config(e.to_string()),
        e => CliError::Refused(e.to_string()),
    }
}

/// Refuses a saved plan when the account moved on since it was made.
async fn check_saved_plan(
    conn: &Connection,
    file: &std::path::Path,
    saved: SavedPlan,
) -> Result<Plan, CliError> {
    let live = if saved.domain_id != conn.domain_id {
        Default::default()
    } else {
        let ids: Vec<String> = saved.fingerprints.keys().cloned().collect();
        crate::live::fetch::fingerprints(&conn.client, &ids).await?
    };
    saved_plan::check_fresh(file, saved, &conn.domain_id, &live)
        .map_err(|e| saved_plan_error(file, e))
}
