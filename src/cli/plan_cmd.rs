//! `bssctl plan`.

use super::common::{load_manifests, now, print_diagnostics, settle_time, state_paths, use_color};
use super::connect::{connect, Connection};
use super::error::{CliError, EXIT_CHANGES, EXIT_OK};
use crate::arguments::{GlobalArgs, PlanArgs, PlanOptions};
use crate::plan::decide;
use crate::planner::{self, Planned, StatePaths};
use crate::render::{self, Format};

pub async fn run(g: &GlobalArgs, args: &PlanArgs) -> Result<i32, CliError> {
    let now = now()?;
    let set = load_manifests(&args.manifests.files)?;
    if set.accounts.len() > 1 {
        return plan_accounts(g, args, &set, now).await;
    }
    let base = super::base::load(args)?;
    let conn = connect(g).await?;
    let result = plan_and_render(
        g,
        &conn,
        planner::PlanSets {
            head: &set,
            base: base.as_ref(),
        },
        &args.options,
        &state_paths(g, None),
        now,
        args,
    )
    .await;
    conn.close().await;
    result
}

/// One plan across the declared accounts (`crate::enterprise`).
async fn plan_accounts(
    g: &GlobalArgs,
    args: &PlanArgs,
    set: &crate::manifest::ManifestSet,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i32, CliError> {
    if args.out.is_some() {
        return Err(CliError::Config(
            "--out saves the plan of one account; with several accounts run apply -f".into(),
        ));
    }
    let conns = crate::enterprise::connect_all(&super::connect::options(g), set)
        .await
        .map_err(account_error)?;
    let scope = args.options.scope();
    let result = crate::enterprise::plan_accounts(
        &conns,
        set,
        &scope,
        args.options.max_cost,
        &state_paths(g, None),
        settle_time(g),
        now,
    )
    .await;
    let uncovered = crate::enterprise::uncovered_sub_accounts(&conns, set).await;
    for c in conns {
        c.connection.close().await;
    }
    let plans = result.map_err(account_error)?;
    for w in &uncovered {
        eprintln!("Warning: {}", crate::render::untrusted::text(w));
    }
    let format = Format::from(args.options.format);
    render::accounts::plans(&plans, format, use_color(g), std::io::stdout().lock()).map_err(
        |e| {
            CliError::io(
                "cannot write the plan to",
                std::path::Path::new("stdout"),
                e,
            )
        },
    )?;
    for p in &plans {
        decide::plan_errors(&p.planned.plan, false)?;
        decide::guardrail(&p.planned.plan, false, "")?;
    }
    let has_changes = plans.iter().any(|p| p.planned.plan.summary.has_changes());
    Ok(if args.detailed_exitcode && has_changes {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}

/// An account's failure as the CLI reports it.
pub fn account_error(e: crate::enterprise::AccountError) -> CliError {
    match e {
        crate::enterprise::AccountError::Manifests(diags) => {
            print_diagnostics(&diags);
            CliError::manifests(&diags)
        }
        other => CliError::Config(other.to_string()),
    }
}

async fn plan_and_render(
    g: &GlobalArgs,
    conn: &Connection,
    sets: planner::PlanSets<'_>,
    options: &PlanOptions,
    paths: &StatePaths,
    now: chrono::DateTime<chrono::Utc>,
    args: &PlanArgs,
) -> Result<i32, CliError> {
    let mut planned = build_with_base(conn, sets, options, paths, settle_time(g), now).await?;
    // Who changed what drifted (DESIGN §13): read only when something did.
    let manifest_audit = sets.head.audit.as_ref();
    let local = (conn.is_sandbox() || super::connect::is_local(g)).then(|| conn.client.endpoint());
    crate::cts::explain(
        &conn.client,
        &crate::cts::Settings {
            region: args.audit.cts_region.as_deref(),
            project_id: args.audit.cts_project_id.as_deref(),
            endpoint: args.audit.cts_endpoint.as_deref(),
            manifest: manifest_audit.map(|a| (&a.region, &a.project_id)),
            local_endpoint: local,
            rate_per_second: g.rate_limit,
        },
        &mut planned.plan,
        &paths.last_applied,
        &conn.domain_id,
        now,
    )
    .await;
    let format = Format::from(options.format);
    let has_changes = planned.plan.summary.has_changes();
    let shown = !args.quiet_if_no_changes || has_changes;
    if shown {
        // Text and markdown add the forecast's risks and 12-month line (§11).
        let outlook = match format {
            Format::Json => None,
            Format::Text | Format::Markdown => {
                let outlook = crate::forecast::fetch::plan_outlook(
                    &conn.client,
                    &conn.domain_id,
                    sets.head,
                    &planned,
                    paths,
                    now,
                );
                // The plan stands without it; say so rather than fail.
                outlook
                    .await
                    .map_err(|e| {
                        let why = e.to_string();
                        let why = crate::display::untrusted::text(&why);
                        eprintln!("Warning: the plan shows no forecast risks: {why}");
                    })
                    .ok()
            }
        };
        print_plan_with(&planned.plan, format, use_color(g), outlook.as_ref())?;
    }
    // Like a manifest error: no plan file, nothing to apply.
    decide::plan_errors(&planned.plan, format != Format::Json)?;
    if let Some(out) = &args.out {
        save(out, conn, &planned)?;
        eprintln!(
            "Saved the plan to {}; apply it with: {}",
            out.display(),
            g.apply_command_line(out)
        );
    }
    decide::guardrail(&planned.plan, shown && format != Format::Json, "")?;
    Ok(if args.detailed_exitcode && has_changes {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}

/// The plan pipeline with a base plan to compare with (DESIGN §10); resolve
/// errors printed and turned into an error.
pub async fn build_with_base(
    conn: &Connection,
    sets: planner::PlanSets<'_>,
    options: &PlanOptions,
    paths: &StatePaths,
    settle: chrono::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Planned, CliError> {
    let scope = options.scope();
    let policy = crate::live::in_flight::InFlightPolicy {
        account: conn.account_key(),
        settle,
    };
    let planned = planner::plan_with_guardrails(
        &conn.client,
        &conn.domain_id,
        sets,
        &scope,
        options.max_cost,
        paths,
        &policy,
        now,
    )
    .await;
    planned?.map_err(|diags| {
        print_diagnostics(&diags);
        CliError::manifests(&diags)
    })
}

/// Writes the plan to stdout (`terminal::apply::print_plan`).
fn print_plan_with(
    plan: &crate::plan::Plan,
    format: Format,
    color: bool,
    outlook: Option<&crate::forecast::outlook::PlanOutlook>,
) -> Result<(), CliError> {
    crate::terminal::apply::print_plan(plan, format, color, outlook).map_err(|e| {
        CliError::io(
            "cannot write the plan to",
            std::path::Path::new("stdout"),
            e,
        )
    })
}

fn save(path: &std::path::Path, conn: &Connection, planned: &Planned) -> Result<(), CliError> {
    let saved = planner::saved_plan(planned, conn.client.endpoint(), &conn.domain_id);
    crate::state::saved_plan::write(path, &saved)
        .map_err(|e| CliError::io("cannot write the plan file", path, e))
}
