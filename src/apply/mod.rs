//! Apply: executes a plan safely (journal, verification, progress).

pub mod executor;
pub mod progress;
pub mod recheck;
pub mod run;
pub mod schedule;
pub mod session;

pub use executor::{ApplyReport, Executor, OpResult, Status};
