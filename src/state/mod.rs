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
