//! Everything bssctl keeps under the state dir (`--state-dir`, default
//! `.bssctl/`): the lock that serialises writers (DESIGN §9), the journal of
//! runs and in-flight purchases, the last-applied record and saved plans
//! (read, format and age checks, staleness against the live fingerprints).

pub mod journal;
pub mod last_applied;
pub mod lock;
pub mod saved_plan;

pub use lock::{Holder, LockError, StateLock};

/// Where plan and apply keep their files.
#[derive(Debug, Clone)]
pub struct StatePaths {
    pub journal: std::path::PathBuf,
    pub last_applied: std::path::PathBuf,
}

/// Removes record files (a reset sandbox's journal and last-applied
/// record); a file that is not there is fine. Returns the first failure.
pub fn remove_records(
    files: &[&std::path::Path],
) -> Result<(), (std::path::PathBuf, std::io::Error)> {
    for f in files {
        match std::fs::remove_file(f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err((f.to_path_buf(), e)),
        }
    }
    Ok(())
}

/// The embedded sandbox's own journal and last-applied record, beside its
/// state file: `sandbox-journal.jsonl`, `sandbox-last-applied.json`.
pub fn sandbox_records(state_file: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = state_file
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    (
        dir.join(format!("sandbox-{}", journal::FILE_NAME)),
        dir.join(format!("sandbox-{}", last_applied::FILE_NAME)),
    )
}
