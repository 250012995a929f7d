//! Shared helpers for the CLI end-to-end tests: a temp workspace, the bssctl
//! binary with a clean environment, and a `bssctl sandbox` child process.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const NOW: &str = "2026-11-24T00:00:00Z";
pub const AK: &str = "E2ETESTAK0000000001";
pub const SK: &str = "e2e-test-secret-key-0123456789abcdef";
pub const DOMAIN: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bssctl")
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A temp directory with the state dir inside.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn state_dir(&self) -> PathBuf {
        self.path("state")
    }

    pub fn sandbox_state(&self) -> PathBuf {
        self.state_dir().join("sandbox-state.json")
    }

    /// bssctl with a clean environment (no real credentials), the planning
    /// clock fixed, and this workspace's state dir.
    pub fn bssctl(&self) -> Command {
        let mut c = Command::new(bin());
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("BSSCTL_NOW", NOW)
            .env("NO_COLOR", "1")
            .env("BSSCTL_RETRY_BASE_MS", "5")
            .arg("--state-dir")
            .arg(self.state_dir())
            .stdin(Stdio::null());
        c
    }

    /// bssctl pointed at a sandbox process with the test credentials.
    pub fn bssctl_at(&self, sandbox: &SandboxProc) -> Command {
        let mut c = self.bssctl();
        c.env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_DOMAIN_ID", DOMAIN)
            .arg("--endpoint")
            .arg(&sandbox.url);
        c
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

pub fn run(mut c: Command) -> Output {
    c.output().expect("bssctl runs")
}

pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `bssctl sandbox` as a child process; killed on drop.
pub struct SandboxProc {
    pub child: Child,
    pub url: String,
    pub state: PathBuf,
}

impl SandboxProc {
    /// Starts on a free port with the test AK/SK and extra flags.
    pub fn start(state: &Path, extra: &[&str]) -> SandboxProc {
        let mut child = Command::new(bin())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("BSSCTL_NOW", NOW)
            .args(["sandbox", "--port", "0", "--ak", AK, "--sk", SK, "--state"])
            .arg(state)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sandbox starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        SandboxProc {
            child,
            url,
            state: state.to_path_buf(),
        }
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SandboxProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sandbox state file as JSON.
pub fn state_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Renewal orders (order_type 2) per resource id, excluding `before`'s.
pub fn renewals_per_resource(
    state: &serde_json::Value,
    skip_orders: &[String],
) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for o in state["orders"].as_array().unwrap() {
        if o["order_type"] != 2
            || skip_orders.contains(&o["order_id"].as_str().unwrap().to_string())
        {
            continue;
        }
        for l in o["lines"].as_array().unwrap() {
            *out.entry(l["resource_id"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
        }
    }
    out
}

pub fn order_ids(state: &serde_json::Value) -> Vec<String> {
    state["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_str().unwrap().to_string())
        .collect()
}

/// Copies the seed into `path` (a fresh sandbox state).
pub fn seed_into(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::copy(repo("examples/sandbox/seed.json"), path).unwrap();
}

/// Polls until `f` holds or the deadline passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}
