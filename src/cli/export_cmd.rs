//! `bssctl export`: list the account's main resources, read the
//! last-applied record, and write manifests to standard output or `--out
//! DIR`. What is exported, and why it round-trips, is decided in
//! `crate::export`; this file does the I/O.

use super::args::{ExportArgs, ExportGrouping, GlobalArgs};
use super::common::{now, state_paths};
use super::connect::{connect, Connection};
use super::error::{CliError, EXIT_OK};
use crate::bss::model::{QueryResourcesReq, STATUS_EXPIRED, STATUS_FROZEN, STATUS_IN_USE};
use crate::export::{Export, ExportFile, Grouping};
use crate::live::Inventory;
use crate::manifest::selector::Matcher;
use crate::manifest::{Duration, Match, OnExpiry};
use crate::state::last_applied::LastApplied;
use std::path::{Path, PathBuf};

pub async fn run(g: &GlobalArgs, args: &ExportArgs) -> Result<i32, CliError> {
    let now = now()?;
    // Bad flags and unreadable state fail before any API call.
    let filter = matcher(args)?;
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
    let rows = conn
        .client
        .query_resources_all(&QueryResourcesReq {
            // Attached resources too (of any service: an ECS's disks are EVS),
            // for the notes on those that expire earlier than their main;
            // the filter below selects the mains to write.
            only_main_resource: Some(0),
            status_list: Some(vec![STATUS_IN_USE, STATUS_FROZEN, STATUS_EXPIRED]),
            ..Default::default()
        })
        .await?;
    let inventory = Inventory::from_rows(rows);
    for w in inventory
        .warnings()
        .iter()
        .cloned()
        .chain(conn.client.take_warnings())
    {
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
            write_files(dir, &files, args.force)?;
            report(dir, &files);
            warn_unknown_auto_renew(&ex);
        }
    }
    Ok(EXIT_OK)
}

/// The selector-key flags as a `match` block, checked like one.
fn matcher(args: &ExportArgs) -> Result<Matcher, CliError> {
    let expires_within = args
        .expires_within
        .as_deref()
        .map(|s| s.parse::<Duration>())
        .transpose()
        .map_err(|e| CliError::Config(format!("--expires-within: {e}")))?;
    let criteria = Match {
        service_type: args.service_type.clone(),
        resource_type: args.resource_type.clone(),
        region: args.region.clone(),
        name: args.name.clone(),
        project_id: args.project_id.clone(),
        enterprise_project: args.enterprise_project.clone(),
        expires_within,
    };
    Matcher::new(&criteria).map_err(|e| {
        CliError::Config(format!(
            "--name {:?}: not a valid glob ({e}); use *, ? and [abc], e.g. 'prod-*'",
            args.name.as_deref().unwrap_or_default()
        ))
    })
}

fn warn_unknown_auto_renew(ex: &Export) {
    let unknown = ex
        .groups
        .iter()
        .flat_map(|g| &g.entries)
        .filter(|e| e.on_expiry == Some(OnExpiry::AutoRenew) && e.auto_renew.is_none())
        .count();
    if unknown > 0 {
        eprintln!(
            "Note: {unknown} auto-renewing resource(s) have no last-applied record, so their auto-renew period \
             and times are not exported (the API cannot read them back). Add auto_renew where you know them; \
             the first apply then records them."
        );
    }
}

/// Writes every file, or none: existing files are refused without `force`.
fn write_files(dir: &Path, files: &[ExportFile], force: bool) -> Result<(), CliError> {
    let existing: Vec<&str> = files
        .iter()
        .filter(|f| dir.join(&f.file_name).symlink_metadata().is_ok())
        .map(|f| f.file_name.as_str())
        .collect();
    if !existing.is_empty() && !force {
        return Err(CliError::Refused(format!(
            "refusing to overwrite {} existing file(s) in {}: {}; nothing was written. Pass --force to \
             overwrite them, or export into an empty directory",
            existing.len(),
            dir.display(),
            existing.join(", ")
        )));
    }
    let others = other_manifests(dir, files);
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::io("cannot create the directory", dir, e))?;
    for f in files {
        let path = dir.join(&f.file_name);
        crate::fsutil::write_atomic(&path, f.text.as_bytes())
            .map_err(|e| CliError::io("cannot write", &path, e))?;
    }
    for other in others {
        eprintln!(
            "Warning: {} was not written by this export but `bssctl plan -f {}` reads it too; remove it if \
             it is left over from an earlier export",
            other.display(),
            dir.display()
        );
    }
    Ok(())
}

/// `*.yaml`/`*.yml` files below `dir` (as the loader finds them) that this
/// export does not write.
fn other_manifests(dir: &Path, files: &[ExportFile]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(dir, &mut found);
    found.retain(|p| {
        p.parent() != Some(dir)
            || !files
                .iter()
                .any(|f| p.file_name().is_some_and(|n| n == f.file_name.as_str()))
    });
    found.sort();
    found
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
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
