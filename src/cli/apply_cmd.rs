//! `bssctl apply`: plan (or load a saved plan), show, refuse what is unsafe,
//! confirm, execute, report.

use super::args::{ApplyArgs, GlobalArgs};
use super::common::{confirm, load_manifests, now, settle_time, state_paths, use_color};
use super::connect::{connect, Connection};
use super::error::{CliError, EXIT_OK};
use super::plan_cmd::{build, print_plan};
use crate::apply::progress::Progress;
use crate::apply::{ApplyReport, Executor, Status};
use crate::clock::format_api_time;
use crate::plan::Plan;
use crate::planner::StatePaths;
use crate::render::untrusted::text;
use crate::render::{name_and_id, Format};
use crate::state::journal::{self, Journal, Record};
use crate::state::last_applied::LastApplied;
use crate::state::saved_plan::{self, SavedPlan, SavedPlanError};
use crate::state::{Holder, StateLock};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

pub async fn run(g: &GlobalArgs, args: &ApplyArgs) -> Result<i32, CliError> {
    if args.plan_file.is_none() && args.files.is_empty() {
        return Err(CliError::Config(
            "nothing to apply: give manifests with -f PATH, or a saved plan: bssctl apply PLANFILE"
                .into(),
        ));
    }
    let now = now()?;
    if crate::clock::is_overridden() && !super::connect::is_local(g) {
        return Err(CliError::Refused(format!(
            "refusing to apply against {}: {} is set, so every renewal decision is for {} rather than today; unset \
             it to apply to a real account (a fake clock is for tests and the sandbox on 127.0.0.1)",
            super::connect::bss_endpoint(g),
            crate::clock::ENV_NOW,
            crate::clock::format_api_time(now)
        )));
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
    let printed = write_output(args.options.format, &out);
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
            let policy = crate::planner::InFlightPolicy {
                account: conn.account_key(),
                settle,
            };
            let check = crate::planner::check_in_flight(
                &conn.client,
                &records,
                &policy,
                chrono::Utc::now(),
            )
            .await;
            for w in &check.warnings {
                eprintln!("Warning: {w}");
            }
            let mut holds = check.holds;
            // Found bought since the plan was made (an unpaid order leaves
            // the fingerprint as it was): the plan must not buy it again.
            for r in &check.verified {
                if let Record::Verified {
                    run_id,
                    took_effect,
                    ..
                } = r
                {
                    for id in took_effect {
                        holds.entry(id.clone()).or_insert_with(|| {
                            format!("an earlier purchase of it (run {run_id}) took effect after this plan was made")
                        });
                    }
                }
            }
            (plan, check.verified, holds)
        }
        Source::Manifests(set) => {
            let planned = build(conn, set, &args.options, paths, settle, now).await?;
            (planned.plan, planned.verified, Default::default())
        }
    };
    if !verified.is_empty() {
        // What the plan learned about earlier in-flight purchases.
        let mut j =
            Journal::open(&paths.journal).map_err(|e| CliError::journal(&paths.journal, e))?;
        for r in &verified {
            j.append(r)
                .map_err(|e| CliError::journal(&paths.journal, e))?;
        }
    }
    refuse_held(&plan, &holds)?;
    let plan: &Plan = out.plan.insert(plan);
    show_plan(g, args, plan)?;
    if let Some(e) = super::plan_cmd::plan_errors(plan, args.options.format) {
        return Err(e);
    }
    if let Some(e) =
        super::plan_cmd::guardrail_error(plan, args.options.format, true, "; nothing was applied")
    {
        return Err(e);
    }
    if plan.batches.is_empty() {
        return Ok(EXIT_OK);
    }
    refuse_unsafe(plan, args)?;
    // A saved plan's balance may be old: read it again before buying.
    let balance = if args.plan_file.is_some() {
        crate::planner::check_balance(&conn.client, plan).await?
    } else {
        plan.summary.balance.clone()
    };
    if let Some(b) = balance.filter(|b| !b.sufficient) {
        if args.ignore_balance {
            eprintln!(
                "Warning: {} (--ignore-balance given)",
                text(&crate::planner::balance_warning(&b))
            );
        } else {
            return Err(CliError::Refused(format!(
                "refusing to apply: {}; nothing was applied (pass --ignore-balance to try anyway)",
                crate::planner::balance_warning(&b)
            )));
        }
    }
    let question = confirmation_question(plan);
    confirm(&question, args.auto_approve)?;

    // No journal, no purchase: the journal must be writable before
    // anything is sent.
    let run_id = journal::new_run_id();
    let mut journal =
        Journal::open(&paths.journal).map_err(|e| CliError::journal(&paths.journal, e))?;
    journal
        .append(&Record::RunStarted {
            ts: format_api_time(chrono::Utc::now()),
            run_id: run_id.clone(),
            endpoint: conn.journal_endpoint.clone(),
            domain_id: conn.domain_id.clone(),
        })
        .map_err(|e| CliError::journal(&paths.journal, e))?;
    let journal = Arc::new(Mutex::new(journal));
    let names = plan
        .changes
        .iter()
        .flat_map(|c| {
            std::iter::once((c.resource_id.clone(), c.resource_name.clone())).chain(
                c.attached
                    .iter()
                    .map(|a| (a.resource_id.clone(), a.resource_name.clone())),
            )
        })
        .collect();
    let progress = Progress::new(std::io::stderr().is_terminal(), false).with_names(names);
    let exec = Executor {
        client: &conn.client,
        journal: journal.clone(),
        run_id: run_id.clone(),
        parallelism: args.parallelism.max(1),
        progress: &progress,
        now,
        account: conn.account_key(),
        settle,
        journal_error: Mutex::new(None),
    };
    let mut report = exec.run(plan).await;
    let finished = journal
        .lock()
        .expect("journal lock")
        .append(&Record::RunFinished {
            ts: format_api_time(chrono::Utc::now()),
            run_id,
            done: report.count(Status::Done),
            failed: report.count(Status::Failed) + report.count(Status::Unknown),
            skipped: report.count(Status::Skipped),
        });
    if let (Err(e), None) = (finished, &report.journal_error) {
        report.journal_error = Some(format!(
            "cannot write the journal {}: {e}",
            paths.journal.display()
        ));
    }
    save_last_applied(paths, &conn.domain_id, &report)?;
    let failed = report.count(Status::Failed)
        + report.count(Status::Skipped)
        + report.count(Status::Unknown);
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

/// A saved plan may not renew or release what an earlier run's unknown
/// purchase still holds.
fn refuse_held(
    plan: &Plan,
    holds: &std::collections::BTreeMap<String, String>,
) -> Result<(), CliError> {
    let held: Vec<String> = plan
        .batches
        .iter()
        .filter(|b| b.operation.is_purchase_or_release())
        .flat_map(|b| b.resource_ids.iter())
        .filter_map(|id| holds.get(id).map(|why| format!("{id}: {why}")))
        .collect();
    if held.is_empty() {
        return Ok(());
    }
    Err(CliError::Refused(format!(
        "refusing to apply the saved plan; nothing was applied: {}",
        held.join("; ")
    )))
}

/// The plan before confirmation. With `--format json` stdout carries one
/// JSON document, written at the end (`write_output`); a person asked to
/// confirm sees the plan as text on stderr instead.
fn show_plan(g: &GlobalArgs, args: &ApplyArgs, plan: &Plan) -> Result<(), CliError> {
    if args.options.format != Format::Json {
        return print_plan(plan, args.options.format, use_color(g));
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
                    .write_all(summary(plan, report, format).as_bytes())
                    .map_err(|e| CliError::io("cannot write the summary to", stdout(), e))?;
            }
            Ok(())
        }
    }
}

/// Unsubscribing needs its own flag and is never allowed for protected
/// resources, even from an edited plan file.
fn refuse_unsafe(plan: &Plan, args: &ApplyArgs) -> Result<(), CliError> {
    let releasing: Vec<&crate::plan::Change> =
        plan.changes.iter().filter(|c| c.unsubscribes()).collect();
    if let Some(p) = releasing.iter().find(|c| c.protected) {
        return Err(CliError::Refused(format!(
            "refusing to unsubscribe {} ({}): it is protected (protect: true)",
            p.resource_name, p.resource_id
        )));
    }
    if !releasing.is_empty() && !args.allow_unsubscribe {
        let names: Vec<String> = releasing.iter().map(|c| c.resource_id.clone()).collect();
        return Err(CliError::Refused(format!(
            "refusing to unsubscribe {} resource(s) ({}) without --allow-unsubscribe; unsubscribing is irreversible",
            releasing.len(),
            names.join(", ")
        )));
    }
    Ok(())
}

/// The question before anything is bought or released. Counts come from
/// the changes' actions and money from the plan's totals, never from a
/// string the account chose; the names listed are made safe for the
/// terminal, each on a line of its own.
fn confirmation_question(plan: &Plan) -> String {
    let mut q = String::from("Do you want to perform these actions?");
    let count = |f: fn(&crate::plan::Change) -> bool| plan.changes.iter().filter(|c| f(c)).count();
    q.push_str(&format!(
        "\n  Plan: {} to renew, {} to change, {} to unsubscribe",
        count(crate::plan::Change::renews),
        count(crate::plan::Change::updates),
        count(crate::plan::Change::unsubscribes),
    ));
    if !plan.account_changes.is_empty() {
        q.push_str(&format!(
            "; {} account setting(s) to change",
            plan.account_changes.len()
        ));
    }
    q.push('.');
    let releasing: Vec<&crate::plan::Change> =
        plan.changes.iter().filter(|c| c.unsubscribes()).collect();
    if !releasing.is_empty() {
        q.push_str(
            "\n  These resources will be RELEASED (irreversible), with every attached resource:",
        );
        for c in releasing {
            q.push_str(&format!(
                "\n    - {}",
                name_and_id(&c.resource_name, &c.resource_id)
            ));
            for a in &c.attached {
                q.push_str(&format!(
                    "\n        + attached {}",
                    name_and_id(&a.resource_name, &a.resource_id)
                ));
            }
        }
    }
    let s = &plan.summary;
    if !s.renewal_cost_now.amount.is_zero() || s.unknown_prices > 0 {
        q.push_str(&format!(
            "\n  Renewals bought now: {}{}.",
            crate::render::money::money(&s.renewal_cost_now.currency, s.renewal_cost_now.amount),
            if s.unknown_prices > 0 {
                format!(" and {} renewal(s) of unknown price", s.unknown_prices)
            } else {
                String::new()
            }
        ));
    }
    q
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
        crate::live_fetch::fingerprints(&conn.client, &ids).await?
    };
    saved_plan::check_fresh(file, saved, &conn.domain_id, &live)
        .map_err(|e| saved_plan_error(file, e))
}

fn save_last_applied(
    paths: &StatePaths,
    domain_id: &str,
    report: &ApplyReport,
) -> Result<(), CliError> {
    if report.auto_renew_set.is_empty()
        && report.auto_renew_cancelled.is_empty()
        && report.renew_config_set.is_empty()
    {
        return Ok(());
    }
    let mut la = LastApplied::load(&paths.last_applied).map_err(CliError::Config)?;
    let account = la.account_mut(domain_id);
    for id in &report.auto_renew_cancelled {
        account.auto_renew.remove(id);
    }
    for (id, rec) in &report.auto_renew_set {
        account.auto_renew.insert(id.clone(), rec.clone());
    }
    if !report.renew_config_set.is_empty() {
        let rec = account
            .renewal_settings
            .get_or_insert_with(Default::default);
        for (name, value) in &report.renew_config_set {
            match name.as_str() {
                crate::bss::model::RENEW_CONFIG_DEDUCTION_DATE => {
                    rec.deduction_date = Some(value.clone())
                }
                _ => rec.expire_date = Some(value.clone()),
            }
        }
        rec.applied_at = format_api_time(chrono::Utc::now());
    }
    la.save(&paths.last_applied).map_err(CliError::Config)
}

/// What became of each operation. Names, error messages, request ids and
/// order ids come from the account and the API: each goes through
/// `untrusted`, for the terminal or (`--format markdown`) for markdown.
/// The money this apply spent and the orders it created, per currency:
/// renewals paid now, at the plan's prices (the order is the record).
fn spent(plan: &Plan, report: &ApplyReport) -> String {
    use std::collections::BTreeMap;
    let mut paid: BTreeMap<&str, (rust_decimal::Decimal, usize)> = BTreeMap::new();
    let mut unpriced = 0;
    let mut orders: Vec<&str> = Vec::new();
    for r in &report.results {
        if r.status != Status::Done {
            continue;
        }
        orders.extend(r.order_ids.iter().map(String::as_str));
        if !matches!(
            r.operation,
            crate::plan::Operation::Renew { is_auto_pay: 1, .. }
        ) {
            continue;
        }
        match plan
            .changes
            .iter()
            .find(|c| c.resource_id == r.resource_id)
            .and_then(|c| c.price.as_ref())
        {
            Some(p) => {
                let e = paid.entry(p.currency.as_str()).or_default();
                e.0 += p.amount;
                e.1 += 1;
            }
            None => unpriced += 1,
        }
    }
    orders.sort_unstable();
    orders.dedup();
    if paid.is_empty() && unpriced == 0 && orders.is_empty() {
        return String::new();
    }
    let mut parts: Vec<String> = paid
        .iter()
        .map(|(cur, (amount, n))| {
            format!(
                "{} on {n} renewal(s) paid now",
                crate::render::money::money(cur, *amount)
            )
        })
        .collect();
    if unpriced > 0 {
        parts.push(format!(
            "{unpriced} renewal(s) paid now at a price the plan did not know"
        ));
    }
    if parts.is_empty() {
        parts.push("nothing paid now".into());
    }
    let orders = match orders.is_empty() {
        true => String::new(),
        false => format!("; orders created: {}", text(&orders.join(", "))),
    };
    format!(
        "Spent: {} (at the plan's prices){orders}.\n",
        parts.join(", ")
    )
}

fn summary(plan: &Plan, report: &ApplyReport, format: Format) -> String {
    let mut out = String::new();
    let text = |s: &str| -> String {
        match format {
            Format::Markdown => crate::render::untrusted::markdown(s).into_owned(),
            _ => text(s).into_owned(),
        }
    };
    let name = |id: &str| {
        plan.changes
            .iter()
            .find(|c| c.resource_id == id)
            .filter(|c| !c.resource_name.is_empty())
            .map(|c| format!("{} ({})", text(&c.resource_name), text(id)))
            .unwrap_or_else(|| text(id))
    };
    for r in &report.results {
        match r.status {
            Status::Failed => {
                out.push_str(&format!(
                    "Failed: {} {}: {} {}{}\n",
                    r.operation.kind_name(),
                    name(&r.resource_id),
                    text(r.error_code.as_deref().unwrap_or("")),
                    text(r.error_msg.as_deref().unwrap_or("")),
                    r.request_id
                        .as_deref()
                        .map(|id| format!(" (request id {})", text(id)))
                        .unwrap_or_default()
                ));
                if let Some(h) = &r.hint {
                    out.push_str(&format!("  hint: {}\n", text(h)));
                }
                if let Some(n) = &r.note {
                    out.push_str(&format!("  {}\n", text(n)));
                }
            }
            Status::Skipped => out.push_str(&format!(
                "Skipped: {} {}: {}\n",
                r.operation.kind_name(),
                name(&r.resource_id),
                text(r.note.as_deref().unwrap_or(""))
            )),
            Status::Unknown => out.push_str(&format!(
                "Unknown: {} {}: {}\n",
                r.operation.kind_name(),
                name(&r.resource_id),
                r.note.as_deref().unwrap_or("")
            )),
            Status::Done => {
                let orders = match r.order_ids.is_empty() {
                    true => String::new(),
                    false => format!(": order {}", text(&r.order_ids.join(", "))),
                };
                out.push_str(&format!(
                    "Done: {} {}{orders}\n",
                    r.operation.kind_name(),
                    name(&r.resource_id)
                ));
                if let Some(n) = &r.note {
                    out.push_str(&format!("  {}\n", text(n)));
                }
            }
        }
    }
    out.push_str(&spent(plan, report));
    if !report.unpaid_orders.is_empty() {
        out.push_str(&format!(
            "Unpaid renewal orders (auto_pay false): {}; pay them with bssctl orders pay ID… or in the console.\n",
            text(&report.unpaid_orders.join(", "))
        ));
    }
    let unknown = report.count(Status::Unknown);
    let verdict = if report.count(Status::Failed) + report.count(Status::Skipped) + unknown == 0
        && report.journal_error.is_none()
    {
        "Apply complete!"
    } else {
        "Apply finished with errors."
    };
    out.push_str(&format!(
        "{verdict} {} done, {} failed, {} skipped{}.\n",
        report.count(Status::Done),
        report.count(Status::Failed),
        report.count(Status::Skipped),
        if unknown > 0 {
            format!(", {unknown} unknown")
        } else {
            String::new()
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, Operation};

    const HOSTILE: &str = "web\x1b[1A\x1b[2K\n  + renew 3y fake-line\r\u{202e}";

    #[test]
    fn the_question_counts_from_the_actions_and_names_cannot_add_lines() {
        let mut plan = crate::render::safety_props::plan(&[HOSTILE.into(), HOSTILE.into()]);
        plan.changes[1].actions = vec![Action::Unsubscribe];
        plan.changes[1].operations = vec![Operation::Unsubscribe {
            unsubscribe_type: 1,
        }];
        let q = confirmation_question(&plan);
        assert!(!q.chars().any(|c| c != '\n' && c.is_control()), "{q}");
        assert!(!q.contains('\u{202e}'), "{q}");
        let lines: Vec<&str> = q.lines().collect();
        assert_eq!(
            lines,
            [
                "Do you want to perform these actions?",
                "  Plan: 1 to renew, 0 to change, 1 to unsubscribe.",
                "  These resources will be RELEASED (irreversible), with every attached resource:",
                "    - web\\x1b[1A\\x1b[2K\\n  + renew 3y fake-line\\r\\u{202e} (id-1)",
                "        + attached web\\x1b[1A\\x1b[2K\\n  + renew 3y fake-line\\r\\u{202e} (disk-1)",
                "  Renewals bought now: CNY 200.00.",
            ],
            "{q}"
        );
    }

    #[test]
    fn the_summary_escapes_error_messages_for_its_format() {
        let plan = crate::render::safety_props::plan(&[HOSTILE.into()]);
        let failed = crate::apply::OpResult {
            resource_id: "id-0".into(),
            operation: plan.changes[0].operations[0].clone(),
            status: Status::Failed,
            error_code: Some("CBC.0999".into()),
            hint: None,
            error_msg: Some("<img src=https://x/t.png> @everyone \x1b[2K\nApply complete!".into()),
            request_id: Some("r\n1".into()),
            order_ids: Vec::new(),
            note: None,
        };
        let report = ApplyReport {
            results: vec![failed],
            unpaid_orders: vec!["CS1\x1b[2K".into()],
            ..Default::default()
        };
        let t = summary(&plan, &report, Format::Text);
        assert!(!t.chars().any(|c| c != '\n' && c.is_control()), "{t}");
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3, "{t}");
        assert!(lines[0].starts_with("Failed: renew web\\x1b[1A"), "{t}");
        assert!(
            lines[0].ends_with("\\nApply complete! (request id r\\n1)"),
            "{t}"
        );
        assert!(lines[2].starts_with("Apply finished with errors."), "{t}");
        let m = summary(&plan, &report, Format::Markdown);
        assert!(!m.contains('\x1b') && !m.contains("<img"), "{m}");
        assert!(!m.contains("@everyone") && m.lines().count() == 3, "{m}");
    }
}
