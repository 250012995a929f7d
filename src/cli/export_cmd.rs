//! `bssctl export`: list the account's main resources, read the
//! last-applied record, and write manifests to standard output or `--out
//! DIR`. What is exported, and why it round-trips, is decided in
//! `crate::export`; this file does the I/O.

use super::common::{now, state_paths};
use super::connect::{connect, Connection};
use super::error::{CliError, EXIT_OK};
use crate::arguments::{ExportArgs, ExportGrouping, GlobalArgs};
use crate::export::write::{self, WriteError};
use crate::export::{Export, Grouping};
use crate::manifest::selector::Matcher;
use crate::state::last_applied::LastApplied;

pub async fn run(g: &GlobalArgs, args: &ExportArgs) -> Result<i32, CliError> {
    let now = now()?;
    // Bad flags and unreadable state fail before any API call.
    let filter = args.matcher().map_err(CliError::Config)?;
    if let Some(dir) = &args.out {
        if dir.exists() && !dir.is_dir() {
            return Err(CliError::Config(format!(
                "--out {}: exists and is not a directory; give a directory to write the manifests into",
                dir.display()
            )));
        }
    }
    let records_path = state_paths(g, None).last_applied;
    let records = LastApplied::load(&records_path).map_err(CliError::Config)?;
    let conn = connect(g).await?;
    let result = export(&conn, args, &filter, &records, now).await;
    conn.close().await;
    result
}

async fn export(
    conn: &Connection,
    args: &ExportArgs,
    filter: &Matcher,
    records: &LastApplied,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i32, CliError> {
    let (inventory, warnings) = crate::export::fetch::inventory(&conn.client).await?;
    for w in warnings {
        eprintln!("Warning: {w}");
    }
    let grouping = match args.group_by {
        ExportGrouping::Service => Grouping::Service,
        ExportGrouping::Region => Grouping::Region,
    };
    let account = records.account(&conn.domain_id);
    let ex = Export::new(&inventory, &account.auto_renew, filter, grouping, now);
    match &args.out {
        None => {
            print!("{}", ex.merged(&args.schema));
            if ex.resource_count() == 0 {
                eprintln!("No resource matched the filters: the manifest lists none.");
            }
            eprint!(
                "{}",
                crate::render::export::unknown_auto_renew_note(ex.unknown_auto_renew())
            );
        }
        Some(dir) => {
            let files = ex.files(&args.schema);
            if files.is_empty() {
                eprintln!("No resource matched the filters; nothing was written.");
                return Ok(EXIT_OK);
            }
            let others = write::write_files(dir, &files, args.force).map_err(|e| match e {
                WriteError::Exists(m) => CliError::Refused(m),
                WriteError::Io { what, path, source } => CliError::io(what, &path, source),
            })?;
            for other in others {
                eprintln!(
                    "Warning: {} was not written by this export but `bssctl plan -f {}` reads it too; remove it if \
                     it is left over from an earlier export",
                    other.display(),
                    dir.display()
                );
            }
            eprint!("{}", crate::render::export::written(dir, &files));
            eprint!(
                "{}",
                crate::render::export::unknown_auto_renew_note(ex.unknown_auto_renew())
            );
        }
    }
    Ok(EXIT_OK)
}
