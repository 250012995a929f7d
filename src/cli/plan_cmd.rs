//! `bssctl plan`.

use super::args::{GlobalArgs, PlanArgs, PlanOptions};
use super::common::{load_manifests, now, print_diagnostics, settle_time, state_paths, use_color};
use super::connect::{connect, Connection};
use super::error::{CliError, EXIT_CHANGES, EXIT_OK};
use crate::plan::{decide, FORMAT_VERSION};
use crate::planner::{self, Planned, Scope, StatePaths};
use crate::render::{self, Format};
use crate::state::saved_plan::SavedPlan;

pub async fn run(g: &GlobalArgs, args: &PlanArgs) -> Result<i32, CliError> {
    let now = now()?;
    let set = load_manifests(&args.manifests.files)?;
    let conn = connect(g).await?;
    let result = plan_and_render(
        g,
        &conn,
        &set,
        &args.options,
        &state_paths(g, None),
        now,
        args,
    )
    .await;
    conn.close().await;
    result
}

async fn plan_and_render(
    g: &GlobalArgs,
    conn: &Connection,
    set: &crate::manifest::ManifestSet,
    options: &PlanOptions,
    paths: &StatePaths,
    now: chrono::DateTime<chrono::Utc>,
    args: &PlanArgs,
) -> Result<i32, CliError> {
    let planned = build(conn, set, options, paths, settle_time(g), now).await?;
    let has_changes = planned.plan.summary.has_changes();
    let shown = !args.quiet_if_no_changes || has_changes;
    if shown {
        print_plan(&planned.plan, Format::from(options.format), use_color(g))?;
    }
    // Like a manifest error: no plan file, nothing to apply.
    decide::plan_errors(&planned.plan, Format::from(options.format) != Format::Json)?;
    if let Some(out) = &args.out {
        save(out, conn, &planned)?;
        eprintln!(
            "Saved the plan to {}; apply it with: bssctl apply {}",
            out.display(),
            out.display()
        );
    }
    decide::guardrail(
        &planned.plan,
        shown && Format::from(options.format) != Format::Json,
        "",
    )?;
    Ok(if args.detailed_exitcode && has_changes {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}

/// The plan pipeline with resolve errors printed and turned into an error.
pub async fn build(
    conn: &Connection,
    set: &crate::manifest::ManifestSet,
    options: &PlanOptions,
    paths: &StatePaths,
    settle: chrono::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Planned, CliError> {
    let scope = Scope {
        targets: options.targets.clone(),
        excludes: options.excludes.clone(),
    };
    let policy = crate::live::in_flight::InFlightPolicy {
        account: conn.account_key(),
        settle,
    };
    match planner::make_plan(
        &conn.client,
        &conn.domain_id,
        set,
        &scope,
        paths,
        &policy,
        now,
    )
    .await
    {
        Ok(Ok(mut p)) => {
            let limits =
                crate::plan::guardrails::Limits::from_policy(set.policy.as_ref(), options.max_cost);
            decide::with_guardrails(&mut p.plan, &limits);
            Ok(p)
        }
        Ok(Err(diags)) => {
            print_diagnostics(&diags);
            Err(CliError::Manifests {
                count: diags
                    .iter()
                    .filter(|d| d.severity == crate::manifest::Severity::Error)
                    .count(),
            })
        }
        Err(planner::PlanError::Api(e)) => Err(CliError::Api(e)),
        Err(planner::PlanError::State(s)) => Err(CliError::Config(s)),
    }
}

/// Writes the plan to stdout; JSON is streamed (large plans never sit in
/// memory twice).
pub fn print_plan(plan: &crate::plan::Plan, format: Format, color: bool) -> Result<(), CliError> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let result = match format {
        Format::Json => render::json::write(plan, stdout.lock()),
        Format::Text => stdout
            .lock()
            .write_all(render::text::render(plan, color).as_bytes()),
        Format::Markdown => stdout
            .lock()
            .write_all(render::markdown::render(plan).as_bytes()),
    };
    result.map_err(|e| {
        CliError::io(
            "cannot write the plan to",
            std::path::Path::new("stdout"),
            e,
        )
    })
}

fn save(path: &std::path::Path, conn: &Connection, planned: &Planned) -> Result<(), CliError> {
    let saved = SavedPlan {
        format_version: FORMAT_VERSION.to_string(),
        endpoint: conn.client.endpoint().to_string(),
        domain_id: conn.domain_id.clone(),
        planned_at: planned.plan.planned_at.clone(),
        fingerprints: planned.fingerprints.clone(),
        plan: planned.plan.clone(),
    };
    crate::state::saved_plan::write(path, &saved)
        .map_err(|e| CliError::io("cannot write the plan file", path, e))
}
