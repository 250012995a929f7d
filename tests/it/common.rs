//! Helpers shared by the client and CLI integration tests: an in-process
//! sandbox on a temp copy of the seed, typed clients with fast retries, and
//! a `bssctl sandbox` child process that is always killed and reaped.
//!
//! Each test crate uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use bssctl::bss::client::ClientConfig;
use bssctl::bss::credentials::{Auth, Credentials};
use bssctl::bss::retry::RetryPolicy;
use bssctl::bss::{BssClient, Secret};
use bssctl::sandbox::state::State;
use bssctl::sandbox::{self, SandboxConfig, SandboxHandle};
use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const AK: &str = "CLIENTTESTAK00000001";
pub const SK: &str = "client-test-secret-key-0123456789abcdef";
pub const DOMAIN: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
pub const DOMAIN_NAME: &str = "acme-corp";

// Seed resources and offers (docs/sandbox.md).
pub const WEB01: &str = "0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978";
pub const WEB01_DISK: &str = "5c2a9e11-3f7d-4b8a-a1c2-7e6f5d4c3b21";
pub const API01: &str = "c62697d1-8e77-8686-3cba-12b6ff3b0f57";
pub const STAGING_DB01: &str = "c3d9f1a2b8e74c5d9f0a6b1e2d3c4f5ain01";
pub const PROD_DB_02: &str = "8b1e7d3c5a9f4e2db6c0a1f8e3d5b7c2in01";
pub const OBS_NO_ON_DEMAND: &str = "b5dfeee7-64b5-6da8-cb5d-cea477acc22f";
pub const OBS_NOT_RENEWABLE: &str = "ebb54cd1-a000-2c41-eaf1-4959897eaf0e";
pub const DEV_BOX_02: &str = "bc89b503-9093-52cd-c3b4-1dd3468c3993";
pub const PENDING_ORDER: &str = "CS2611220930RJPYC";
pub const VOUCHER: &str = "CP26110109350001VC";
pub const DISCOUNT_COUPON: &str = "CP26111514200002DC";
pub const DISCOUNT_605: &str = "dsc-605-8f1c2a";

/// The seed's "now".
pub fn seed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
}

/// Millisecond backoff: retries are exercised without slowing the suite.
pub fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(2),
        throttle_delay: Duration::from_millis(5),
        throttle_floor: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
    }
}

pub fn aksk(domain_id: Option<&str>) -> Credentials {
    Credentials {
        auth: Auth::AkSk {
            ak: AK.to_string(),
            sk: Secret::new(SK),
            security_token: None,
        },
        domain_id: domain_id.map(str::to_string),
        iam_endpoint: None,
        source: "test".to_string(),
    }
}

/// A client for `url` (BSS and IAM), fast retries, no client-side rate
/// limiting to speak of unless the test sets one.
pub fn client_config(url: &str) -> ClientConfig {
    ClientConfig {
        endpoint: url.to_string(),
        iam_endpoint: url.to_string(),
        rate_per_api: 1000,
        max_in_flight: 8,
        retry: fast_retry(4),
        timeout: Duration::from_secs(20),
        page_size: 100,
        ..ClientConfig::default()
    }
}

pub fn client(url: &str, creds: Credentials) -> BssClient {
    BssClient::new(client_config(url), creds).expect("client builds")
}

/// An in-process sandbox on its own temp dir and port.
pub struct Sandbox {
    handle: Option<SandboxHandle>,
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn sandbox_config(path: &Path) -> SandboxConfig {
    SandboxConfig {
        now: Some(seed_now()),
        ..SandboxConfig::new(path, AK, Secret::new(SK), DOMAIN, DOMAIN_NAME)
    }
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        Sandbox::start_with(|_| {}, None).await
    }

    /// `state`: what the state file starts as (default: the seed).
    pub async fn start_with(
        tweak: impl FnOnce(&mut SandboxConfig),
        state: Option<State>,
    ) -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        state
            .unwrap_or_else(sandbox::seed_state)
            .save_atomic(&path)
            .expect("state saved");
        let mut cfg = sandbox_config(&path);
        tweak(&mut cfg);
        let handle = sandbox::start(cfg).await.expect("sandbox starts");
        Sandbox {
            handle: Some(handle),
            dir,
            path,
        }
    }

    pub fn url(&self) -> String {
        self.handle.as_ref().expect("running").url()
    }

    /// The state file as the sandbox last saved it.
    pub fn state(&self) -> State {
        State::load(&self.path).expect("state loads")
    }

    /// A client with the sandbox's AK/SK and the account's domain id.
    pub fn client(&self) -> BssClient {
        client(&self.url(), aksk(Some(DOMAIN)))
    }

    pub async fn stop(mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
    }
}

// ---------------------------------------------------------------------------
// The real binary

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bssctl")
}

/// Every variable the credential chain or the endpoint choice reads; tests
/// that run the binary start from an environment without them.
pub const CREDENTIAL_VARS: &[&str] = &[
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "HW_ACCESS_KEY",
    "HW_SECRET_KEY",
    "HW_SECURITY_TOKEN",
    "HUAWEICLOUD_SDK_AUTH_TOKEN",
    "HUAWEICLOUD_SDK_DOMAIN_ID",
    "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
    "HUAWEICLOUD_SDK_IAM_ENDPOINT",
    "HUAWEICLOUD_SDK_REGION_BSS_CN_NORTH_1",
    "HUAWEICLOUD_SDK_REGION_BSSINTL_AP_SOUTHEAST_1",
    "HUAWEICLOUD_SDK_REGION_BSSINTL_EU_WEST_101",
    "HUAWEICLOUD_SDK_IDP_ID",
    "HUAWEICLOUD_SDK_ID_TOKEN_FILE",
    "BSSCTL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "BSSCTL_ENDPOINT",
    "BSSCTL_IAM_ENDPOINT",
    "BSSCTL_STATE_DIR",
    "BSSCTL_NOW",
    "BSSCTL_SETTLE_TIME",
    "BSSCTL_TEST_JOURNAL_FAIL_AFTER",
    "RUST_LOG",
];

/// A `bssctl` command with a clean credential environment and `HOME` set
/// to `home` (so no `~/.huaweicloud/credentials` is found).
pub fn bssctl(home: &Path) -> Command {
    let mut cmd = Command::new(bin());
    for v in CREDENTIAL_VARS {
        cmd.env_remove(v);
    }
    // Tests never ask the real metadata service (169.254.169.254).
    cmd.env("HOME", home)
        .env("NO_COLOR", "1")
        .env("BSSCTL_METADATA_ENDPOINT", "off");
    cmd
}

/// A running `bssctl sandbox` process; killed and reaped on drop.
pub struct SandboxProcess {
    child: Child,
    pub url: String,
    /// Whatever the process printed on stdout after the first line.
    stdout_rest: Option<std::thread::JoinHandle<String>>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl SandboxProcess {
    /// Spawns `cmd` (a `bssctl ... sandbox ...` command) and waits, at most
    /// 60 s, for its first stdout line `listening on http://127.0.0.1:PORT`.
    pub fn spawn(mut cmd: Command) -> SandboxProcess {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bssctl sandbox spawns");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout_rest = std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let _ = tx.send(first);
            let mut rest = String::new();
            for line in reader.lines().map_while(Result::ok) {
                rest.push_str(&line);
                rest.push('\n');
            }
            rest
        });
        let stderr = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                all.push_str(&line);
                all.push('\n');
            }
            all
        });
        let mut proc = SandboxProcess {
            child,
            url: String::new(),
            stdout_rest: Some(stdout_rest),
            stderr: Some(stderr),
        };
        let first = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let (_, err) = proc.stop();
                panic!("bssctl sandbox printed no first line within 60 s; stderr: {err}");
            }
        };
        let url = first
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| {
                let (_, err) = proc.stop();
                panic!("unexpected first line {first:?}; stderr: {err}")
            })
            .to_string();
        assert!(
            url.starts_with("http://127.0.0.1:")
                && url["http://127.0.0.1:".len()..].parse::<u16>().is_ok(),
            "{url}"
        );
        proc.url = url;
        proc
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills and reaps the process; returns (stdout after the first line, stderr).
    pub fn stop(&mut self) -> (String, String) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let out = self
            .stdout_rest
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        let err = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        (out, err)
    }

    /// Whether the process is still running (not reaped yet).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// CLI end-to-end: a temp workspace, the binary with a clean environment

pub const NOW: &str = "2026-11-24T00:00:00Z";

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
            // Tests never ask the real metadata service (169.254.169.254).
            .env("BSSCTL_METADATA_ENDPOINT", "off")
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

/// What a bssctl run left: exit code and both streams.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Workspace {
    /// `bssctl --sandbox ARGS` from this workspace's directory: the embedded
    /// sandbox, its state created from the seed under the state dir.
    pub fn sandbox_run(&self, args: &[&str]) -> Run {
        let mut c = self.bssctl();
        c.current_dir(self.dir.path()).arg("--sandbox").args(args);
        let o = run(c);
        let (stdout, stderr) = text(&o);
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout,
            stderr,
        }
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

/// `bssctl sandbox` on a state file with the test AK/SK: a
/// `SandboxProcess` that remembers its state file.
pub struct SandboxProc {
    process: SandboxProcess,
    pub url: String,
    pub state: PathBuf,
}

impl SandboxProc {
    /// Starts on a free port with the test AK/SK and extra flags.
    pub fn start(state: &Path, extra: &[&str]) -> SandboxProc {
        let mut cmd = Command::new(bin());
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("BSSCTL_NOW", NOW)
            .args(["sandbox", "--port", "0", "--ak", AK, "--sk", SK, "--state"])
            .arg(state)
            .args(extra);
        let process = SandboxProcess::spawn(cmd);
        SandboxProc {
            url: process.url.clone(),
            process,
            state: state.to_path_buf(),
        }
    }

    pub fn stop(mut self) {
        self.process.stop();
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

/// A plan made in-process (the planner, not the CLI) of one manifest text
/// against a sandbox client at the seed's clock, with its state files in
/// `dir`, and the account the journal keys it by: for tests that drive the
/// executor themselves.
pub struct InProcessPlan {
    pub plan: bssctl::plan::Plan,
    pub paths: bssctl::planner::StatePaths,
    pub account: bssctl::state::journal::AccountKey,
}

pub async fn plan_in_process(client: &BssClient, dir: &Path, manifest: &str) -> InProcessPlan {
    use bssctl::live::in_flight::InFlightPolicy;
    use bssctl::planner::{make_plan, Scope, StatePaths};
    let file = dir.join("m.yaml");
    std::fs::write(&file, manifest).unwrap();
    let set = bssctl::manifest::load(&[file]).set.expect("manifests load");
    let paths = StatePaths {
        journal: dir.join("journal.jsonl"),
        last_applied: dir.join("last-applied.json"),
    };
    let account = bssctl::state::journal::AccountKey {
        domain_id: DOMAIN.into(),
        endpoint: client.endpoint().to_string(),
    };
    let policy = InFlightPolicy {
        account: account.clone(),
        settle: chrono::Duration::zero(),
    };
    let planned = make_plan(
        client,
        DOMAIN,
        &set,
        &Scope::default(),
        &paths,
        &policy,
        seed_now(),
    )
    .await
    .unwrap()
    .unwrap_or_else(|d| panic!("{d:?}"));
    InProcessPlan {
        plan: planned.plan,
        paths,
        account,
    }
}
