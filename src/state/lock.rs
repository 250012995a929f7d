//! The state-dir lock: `apply` and `orders pay|cancel` hold an exclusive OS
//! advisory lock on `<state-dir>/lock` for their whole run, so two runs on
//! one checkout never buy the same thing twice. The OS releases the lock
//! when the process ends, however it ends (a kill -9 included). The file
//! also says who holds it, for the message another run shows.

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const FILE_NAME: &str = "lock";

/// How often a waiting run tries the lock again.
const POLL: Duration = Duration::from_millis(100);

/// Who holds the lock, as its holder wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub command: String,
    pub pid: u32,
    pub host: String,
    pub user: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub version: String,
}

impl Holder {
    /// This process, running `command` (e.g. `apply`).
    pub fn this_process(command: &str) -> Holder {
        Holder {
            command: command.to_string(),
            pid: std::process::id(),
            host: host_name(),
            user: user_name(),
            started_at: crate::clock::format_api_time(chrono::Utc::now()),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bssctl {} (pid {} on {}, user {}, started {}, version {})",
            self.command, self.pid, self.host, self.user, self.started_at, self.version
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path} is locked by {}; waited {}; wait for it to finish, or pass --lock-timeout DURATION to wait longer (e.g. --lock-timeout 5m)", holder_text(.holder), waited_text(*.waited))]
    Held {
        path: PathBuf,
        holder: Option<Box<Holder>>,
        waited: Duration,
    },
    #[error("cannot lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn holder_text(h: &Option<Box<Holder>>) -> String {
    h.as_ref()
        .map(|h| h.to_string())
        .unwrap_or_else(|| "another bssctl run (it has not said who yet)".into())
}

fn waited_text(d: Duration) -> String {
    if d.is_zero() {
        "0s (--lock-timeout 0s, the default)".into()
    } else {
        format!("{:.1}s (--lock-timeout)", d.as_secs_f64())
    }
}

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    path: PathBuf,
}

impl StateLock {
    /// Takes the lock of `state_dir` for `holder`, waiting up to `timeout`.
    pub fn acquire(
        state_dir: &Path,
        holder: &Holder,
        timeout: Duration,
    ) -> Result<StateLock, LockError> {
        let path = state_dir.join(FILE_NAME);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let waited = started.elapsed();
                    if waited >= timeout {
                        return Err(LockError::Held {
                            holder: wait_for_holder(&mut file).map(Box::new),
                            path,
                            waited: timeout,
                        });
                    }
                    std::thread::sleep(POLL.min(timeout - waited));
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        let text = serde_json::to_string(holder).expect("a holder serializes");
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop))
            .and_then(|()| file.write_all(text.as_bytes()))
            .and_then(|()| file.sync_data())
            .map_err(io)?;
        Ok(StateLock { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // The holder line would mislead nobody (the lock is what counts),
        // but an empty file says plainly that nobody holds it.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The holder writes who it is right after taking the lock: give it a
/// moment (bounded) rather than report an anonymous holder.
fn wait_for_holder(file: &mut File) -> Option<Holder> {
    for _ in 0..25 {
        if let Some(h) = read_holder(file) {
            return Some(h);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// What the holder wrote, if it has written it yet.
fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown host".into())
}

fn user_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown user".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_with_the_holder_and_gets_it_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let me = Holder::this_process("apply");
        let held = StateLock::acquire(dir.path(), &me, Duration::ZERO).unwrap();
        let err = StateLock::acquire(
            dir.path(),
            &Holder::this_process("orders pay"),
            Duration::ZERO,
        )
        .unwrap_err();
        match &err {
            LockError::Held { holder, .. } => assert_eq!(holder.as_deref(), Some(&me)),
            other => panic!("{other}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("bssctl apply (pid"), "{msg}");
        assert!(msg.contains("--lock-timeout"), "{msg}");
        drop(held);
        StateLock::acquire(dir.path(), &me, Duration::ZERO).unwrap();
    }

    #[test]
    fn a_waiting_taker_gets_the_lock_when_it_is_released_in_time() {
        let dir = tempfile::tempdir().unwrap();
        let held =
            StateLock::acquire(dir.path(), &Holder::this_process("apply"), Duration::ZERO).unwrap();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            StateLock::acquire(
                &path,
                &Holder::this_process("apply"),
                Duration::from_secs(10),
            )
            .map(drop)
        });
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
        waiter.join().unwrap().unwrap();
    }
}
