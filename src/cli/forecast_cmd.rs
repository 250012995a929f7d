//! `bssctl forecast`: the next months of renewals, the runway and the risks
//! (DESIGN §11). The projection is `crate::forecast`; this only connects,
//! prints and maps risks to exit code 4.

use super::args::{ForecastArgs, GlobalArgs};
use super::common::{load_manifests, now, print_diagnostics, state_paths};
use super::connect::connect;
use super::error::{CliError, EXIT_OK};
use crate::forecast::{self, Forecast};
use crate::render::Format;

pub async fn run(g: &GlobalArgs, args: &ForecastArgs) -> Result<i32, CliError> {
    let now = now()?;
    let set = match args.files.is_empty() {
        true => None,
        false => Some(load_manifests(&args.files)?),
    };
    let records = crate::state::last_applied::LastApplied::load(&state_paths(g, None).last_applied)
        .map_err(CliError::Config)?;
    let conn = connect(g).await?;
    let record = records.account(&conn.domain_id);
    let req = forecast::fetch::Request {
        set: set.as_ref(),
        record: &record,
        now,
        months: args.months,
        risk_within: args.risk_within.to_chrono(),
        retention_days: args.retention_days,
    };
    let result = forecast::fetch::forecast(&conn.client, &req).await;
    conn.close().await;
    let f = match result? {
        Ok(f) => f,
        Err(diags) => {
            print_diagnostics(&diags);
            return Err(CliError::manifests(&diags));
        }
    };
    print(&f, crate::render::Format::from(args.format))?;
    if args.fail_on_risk && !f.risks.is_empty() {
        return Err(CliError::Risk(risk_message(&f)));
    }
    Ok(EXIT_OK)
}

fn print(f: &Forecast, format: Format) -> Result<(), CliError> {
    use std::io::Write;
    super::common::mark_stdout_written();
    let stdout = std::io::stdout();
    let result = match format {
        Format::Json => forecast::render::json(f, stdout.lock()),
        Format::Text => stdout
            .lock()
            .write_all(forecast::render::text(f).as_bytes()),
        Format::Markdown => stdout
            .lock()
            .write_all(forecast::render::markdown(f).as_bytes()),
    };
    result.map_err(|e| {
        CliError::io(
            "cannot write the forecast to",
            std::path::Path::new("stdout"),
            e,
        )
    })
}

/// One line naming every risk (printed through `render::untrusted`).
fn risk_message(f: &Forecast) -> String {
    let listed: Vec<String> = f
        .risks
        .iter()
        .map(|r| {
            format!(
                "{} ({}) {} on {}",
                r.resource_name,
                r.resource_id,
                r.kind.name(),
                r.date
            )
        })
        .collect();
    format!(
        "{} risk(s) within {} days (--fail-on-risk): {}",
        f.risks.len(),
        f.risk_within_days,
        listed.join("; ")
    )
}

/// What `plan` shows of the forecast: what expires within the risk window
/// (managed or not; from the plan's own full listing, else one listing),
/// the rest from the plan itself.
pub async fn plan_outlook(
    conn: &super::connect::Connection,
    set: &crate::manifest::ManifestSet,
    planned: &crate::planner::Planned,
    paths: &crate::planner::StatePaths,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<forecast::outlook::PlanOutlook, CliError> {
    use forecast::outlook;
    let records = crate::state::last_applied::LastApplied::load(&paths.last_applied)
        .map_err(CliError::Config)?;
    let record = records.account(&conn.domain_id);
    // Released within the window: expired up to the retention period ago;
    // charged within it: expiring up to the deduction day after it.
    let until =
        now + chrono::TimeDelta::days(outlook::PLAN_RISK_DAYS + outlook::MAX_DEDUCTION_DAYS);
    // With selectors the plan listed every open main resource already.
    let expiring = match set.selectors.is_empty() {
        true => outlook::expiring(&conn.client, until).await?,
        false => outlook::expiring_within(&planned.inventory, until),
    };
    let desired = crate::manifest::resolve(set, &planned.inventory, now).desired;
    // Unfunded auto-renew charges need the balance and their renew rates:
    // the renew-rate calls of 10 ids per period, and one balance read
    // unless the plan's balance check read it already.
    let keys = outlook::charge_keys(
        &planned.plan,
        &planned.inventory,
        &desired,
        &expiring,
        &record,
        now,
    );
    let known_balance = planned.plan.summary.balance.as_ref().map(|b| b.available);
    let (book, balance) = tokio::join!(crate::pricing::fetch(&conn.client, &keys), async {
        match known_balance {
            Some(available) => Some(available),
            None => conn
                .client
                .balances()
                .await
                .ok()
                .map(|b| crate::planner::cash_and_credit(&b.body)),
        }
    });
    let funding = outlook::Funding {
        balance,
        prices: forecast::fetch::price_index(&book)
            .into_iter()
            .map(|((id, p), a)| ((id.to_string(), p), a))
            .collect(),
        currency: planned.plan.summary.renewal_cost_now.currency.clone(),
    };
    Ok(outlook::outlook(
        &planned.plan,
        &planned.inventory,
        &desired,
        &expiring,
        &record,
        forecast::fetch::settings(&record, Some(set), forecast::DEFAULT_RETENTION_DAYS),
        &funding,
        now,
    ))
}
