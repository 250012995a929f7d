//! The sandbox: a BSS-compatible HTTP server on 127.0.0.1 with its state in
//! a JSON file, used by `bssctl sandbox`, `--sandbox` and every integration
//! test. It verifies signatures, enforces the documented limits, implements
//! the billing semantics and injects faults on request. See docs/sandbox.md.

pub mod audit;
mod auth;
mod billing;
pub mod errors;
pub mod faults;
mod handlers;
mod server;
pub mod state;
pub mod sts;

pub use errors::SandboxError;
pub use faults::{FaultConfig, ListingLies};
pub use state::State;

use crate::bss::Secret;
use chrono::{DateTime, Utc};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The seed every new state file starts from.
const SEED_JSON: &str = include_str!("../../examples/sandbox/seed.json");

/// How far `X-Sdk-Date` may be from the real clock (the real service's 15 min).
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub state_path: PathBuf,
    /// 0 = pick a free port.
    pub port: u16,
    pub ak: String,
    pub sk: Secret,
    /// If set, AK/SK requests must carry `X-Security-Token` equal to it.
    pub security_token: Option<Secret>,
    /// If set, an `X-Auth-Token` equal to it is accepted instead of a signature.
    pub auth_token: Option<Secret>,
    pub domain_id: String,
    pub domain_name: String,
    pub faults: FaultConfig,
    /// If set: a real per-API token bucket, 429 APIG.0308 beyond n req/s.
    pub rate_limit_per_api: Option<u32>,
    /// If set: one JSON line per request `{ts, api, status, resource_ids, order_ids, fault}`.
    pub request_log: Option<PathBuf>,
    /// Largest accepted distance between `X-Sdk-Date` and the real clock;
    /// `None` disables the check (only for replaying fixed signing vectors).
    pub max_clock_skew: Option<Duration>,
    /// Fixed "now" for order times and expiry decisions; `None` = `BSSCTL_NOW`
    /// when set, else the system clock.
    pub now: Option<DateTime<Utc>>,
    /// Lifetime of the temporary keys the metadata service and the ID-token
    /// exchange hand out (the real clock, not `now`).
    pub temporary_key_ttl: Duration,
}

impl SandboxConfig {
    /// A config with no faults, no rate limit, no log, the 15-minute date
    /// check and a free port.
    pub fn new(
        state_path: impl Into<PathBuf>,
        ak: impl Into<String>,
        sk: Secret,
        domain_id: impl Into<String>,
        domain_name: impl Into<String>,
    ) -> SandboxConfig {
        SandboxConfig {
            state_path: state_path.into(),
            port: 0,
            ak: ak.into(),
            sk,
            security_token: None,
            auth_token: None,
            domain_id: domain_id.into(),
            domain_name: domain_name.into(),
            faults: FaultConfig::default(),
            rate_limit_per_api: None,
            request_log: None,
            max_clock_skew: Some(DEFAULT_MAX_CLOCK_SKEW),
            now: None,
            temporary_key_ttl: sts::DEFAULT_TEMPORARY_KEY_TTL,
        }
    }
}

/// A running sandbox.
pub struct SandboxHandle {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    join: JoinHandle<()>,
}

impl SandboxHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets open requests finish, and waits for the loop.
    pub async fn shutdown(self) {
        self.shutdown.send_replace(true);
        let _ = self.join.await;
    }
}

/// Starts the server on 127.0.0.1 (never another interface), creating the
/// state file from the seed if it does not exist.
pub async fn start(cfg: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
    ensure_state_file(&cfg.state_path, false)?;
    let state = State::load(&cfg.state_path)?;
    let fixed_now = match cfg.now {
        Some(t) => Some(t),
        None => match std::env::var(crate::clock::ENV_NOW) {
            Ok(v) if !v.trim().is_empty() => {
                Some(crate::clock::now_from(Some(&v)).map_err(SandboxError::Clock)?)
            }
            _ => None,
        },
    };
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, cfg.port))
        .await
        .map_err(|source| SandboxError::Bind {
            port: cfg.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
        port: cfg.port,
        source,
    })?;
    let app = Arc::new(server::App::new(cfg, state, fixed_now));
    let (shutdown, rx) = watch::channel(false);
    let join = tokio::spawn(server::accept_loop(listener, app, rx));
    Ok(SandboxHandle {
        addr,
        shutdown,
        join,
    })
}

/// The embedded seed (`examples/sandbox/seed.json`).
pub fn seed_state() -> State {
    // The seed is compiled in and checked by a unit test, so this cannot fail
    // at run time unless the build itself is broken.
    serde_json::from_str(SEED_JSON)
        .map_err(SandboxError::Seed)
        .expect("the embedded sandbox seed parses")
}

/// Creates the state file from the seed when it is missing (or always, with
/// `reset`), creating parent directories.
pub fn ensure_state_file(path: &Path, reset: bool) -> Result<(), SandboxError> {
    if !reset && path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| SandboxError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    seed_state().save_atomic(path)
}

/// Runs until Ctrl-C or SIGTERM; the first stdout line is
/// `listening on http://127.0.0.1:PORT`.
pub async fn run_foreground(cfg: SandboxConfig) -> Result<(), SandboxError> {
    use std::io::Write;
    let handle = start(cfg).await?;
    {
        let mut out = std::io::stdout().lock();
        // A closed stdout must not stop the server.
        let _ = writeln!(out, "listening on {}", handle.url());
        let _ = out.flush();
    }
    let waited = wait_for_signal().await;
    handle.shutdown().await;
    waited.map_err(SandboxError::Signal)
}

async fn wait_for_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_parses() {
        let s = seed_state();
        assert!(s.resources.len() >= 45);
    }

    #[test]
    fn ensure_creates_dirs_and_reset_restores_the_seed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/state.json");
        ensure_state_file(&path, false).unwrap();
        let mut s = State::load(&path).unwrap();
        assert_eq!(s, seed_state());
        s.resources.clear();
        s.save_atomic(&path).unwrap();
        ensure_state_file(&path, false).unwrap();
        assert!(State::load(&path).unwrap().resources.is_empty());
        ensure_state_file(&path, true).unwrap();
        assert_eq!(State::load(&path).unwrap(), seed_state());
    }
}
