//! `bssctl forecast`: the next months of renewals, the runway and the risks
//! (DESIGN §11). The projection is `crate::forecast`; this only connects,
//! prints and maps risks to exit code 4.

use super::common::{load_manifests, now, print_diagnostics, state_paths};
use super::connect::connect;
use super::error::{CliError, EXIT_OK};
use crate::arguments::{ForecastArgs, GlobalArgs};
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
        return Err(CliError::Risk(forecast::render::risk_message(&f)));
    }
    Ok(EXIT_OK)
}

fn print(f: &Forecast, format: Format) -> Result<(), CliError> {
    use std::io::Write;
    crate::terminal::mark_stdout_written();
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
