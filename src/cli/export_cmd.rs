//! `bssctl export`: list the account's main resources, read the
//! last-applied record, and write manifests to standard output or `--out
//! DIR`. What is exported, and why it round-trips, is decided in
//! `crate::export`; this file does the I/O.

use super::common::{now, state_paths};
use super::connect::{connect, Connection};
use super::error::{CliError, EXIT_OK};
use crate::arguments::{ExportArgs, ExportGrouping, GlobalArgs};
use crate::export::write::{self, WriteError};
use crate::export::{Export, ExportFile, Grouping};
use crate::manifest::selector::Matcher;
use crate::state::last_applied::LastApplied;
use std::path::Path;

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
            warn_unknown_auto_renew(&ex);
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
            report(dir, &files);
            warn_unknown_auto_renew(&ex);
        }
    }
    Ok(EXIT_OK)
}

fn warn_unknown_auto_renew(ex: &Export) {
    let unknown = ex.unknown_auto_renew();
    if unknown > 0 {
        eprintln!(
            "Note: {unknown} auto-renewing resource(s) have no last-applied record, so their auto-renew period \
             and times are not exported (the API cannot read them back). Add auto_renew where you know them; \
             the first apply then records them."
        );
    }
}

fn report(dir: &Path, files: &[ExportFile]) {
    let total: usize = files.iter().map(|f| f.resources).sum();
    let list: Vec<String> = files
        .iter()
        .map(|f| format!("{} ({})", f.file_name, f.resources))
        .collect();
    eprintln!(
        "Exported {total} resource(s) to {} file(s) in {}: {}",
        files.len(),
        dir.display(),
        list.join(", ")
    );
    eprintln!(
        "Check: `bssctl plan -f {}` shows no changes. Commit the files; they are yours to edit.",
        dir.display()
    );
}
