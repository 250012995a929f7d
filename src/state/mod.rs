//! Everything bssctl keeps under the state dir (`--state-dir`, default
//! `.bssctl/`). For now: the lock that serialises writers (DESIGN §9).

pub mod lock;

pub use lock::{Holder, LockError, StateLock};
