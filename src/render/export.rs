//! What `bssctl export` tells on standard error: what it wrote and what it
//! could not know.

use crate::export::ExportFile;
use std::path::Path;

/// The files written, with how many resources each holds, and the check to
/// run next.
pub fn written(dir: &Path, files: &[ExportFile]) -> String {
    let total: usize = files.iter().map(|f| f.resources).sum();
    let list: Vec<String> = files
        .iter()
        .map(|f| format!("{} ({})", f.file_name, f.resources))
        .collect();
    format!(
        "Exported {total} resource(s) to {} file(s) in {}: {}\n\
         Check: `bssctl plan -f {}` shows no changes. Commit the files; they are yours to edit.\n",
        files.len(),
        dir.display(),
        list.join(", "),
        dir.display()
    )
}

/// A note when auto-renewing resources were exported without their period
/// and times (no last-applied record, and the API cannot read them back).
pub fn unknown_auto_renew_note(unknown: usize) -> String {
    if unknown == 0 {
        return String::new();
    }
    format!(
        "Note: {unknown} auto-renewing resource(s) have no last-applied record, so their auto-renew period \
         and times are not exported (the API cannot read them back). Add auto_renew where you know them; \
         the first apply then records them.\n"
    )
}
