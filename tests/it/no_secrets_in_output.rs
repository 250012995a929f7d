//! No secret ever reaches an output: the binary runs plan / apply / validate
//! against a `bssctl sandbox` process with distinctive SK, security token
//! and auth token values in its environment, at the highest verbosity, with
//! a wrong SK, with faults and with saved plans; then every stdout, stderr
//! and file it wrote (plan, journal, last-applied, sandbox state, request
//! log) is searched for them. `Debug` of credentials and the client too.

use crate::common::*;
use assert_cmd::Command as AssertCommand;
use bssctl::bss::credentials::{self, Auth};
use bssctl::bss::{BssClient, Secret};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Every secret below contains this marker, so a leak of any part of one
/// that long is caught, not only of the whole value.
const MARKER: &str = "MUSTNOTLEAK";
const LEAK_AK: &str = "NOSECRETSTESTAK00001";
const LEAK_SK: &str = "SKMUSTNOTLEAK-3f9a1c77d2e04b5c8e6a";
const LEAK_STS: &str = "STSMUSTNOTLEAK-security-token-9b8a7c6d";
const LEAK_AUTH: &str = "AUTHMUSTNOTLEAK-iam-user-token-5e4d3c2b";
const WRONG_SK: &str = "WRONGSKMUSTNOTLEAK-0000000000000000";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/manifests")
}

/// Outputs gathered from every run, labelled for the failure message.
#[derive(Default)]
struct Seen {
    texts: Vec<(String, String)>,
}

impl Seen {
    fn add(&mut self, label: &str, out: &Output) {
        self.texts.push((
            format!("{label} stdout"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        self.texts.push((
            format!("{label} stderr"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }

    fn add_text(&mut self, label: &str, text: String) {
        self.texts.push((label.to_string(), text));
    }

    /// Every file below `dir`, recursively.
    fn add_files(&mut self, dir: &Path) {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let bytes = std::fs::read(&p).unwrap();
                    self.texts.push((
                        p.display().to_string(),
                        String::from_utf8_lossy(&bytes).into_owned(),
                    ));
                }
            }
        }
    }

    fn assert_clean(&self) {
        assert!(!self.texts.is_empty());
        for (label, text) in &self.texts {
            for secret in [MARKER, LEAK_SK, LEAK_STS, LEAK_AUTH, WRONG_SK] {
                assert!(
                    !text.contains(secret),
                    "{label} contains a secret ({} chars of output)",
                    text.len()
                );
            }
        }
    }

    fn file_names(&self) -> Vec<String> {
        self.texts
            .iter()
            .filter(|(l, _)| !l.ends_with("stdout") && !l.ends_with("stderr"))
            .map(|(l, _)| l.clone())
            .collect()
    }
}

/// The environment both the sandbox process and the client runs get:
/// AK/SK with a security token, and an auth token besides.
fn with_secrets(mut cmd: Command) -> Command {
    cmd.env("HUAWEICLOUD_SDK_AK", LEAK_AK)
        .env("HUAWEICLOUD_SDK_SK", LEAK_SK)
        .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", LEAK_STS)
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", LEAK_AUTH)
        .env("BSSCTL_NOW", "2026-11-24T00:00:00Z");
    cmd
}

/// `bssctl sandbox` taking its key pair, security token and auth token
/// from the environment (so requests without the token are refused).
fn start_sandbox(
    home: &Path,
    state: &Path,
    extra: &[&str],
    env: fn(Command) -> Command,
) -> SandboxProcess {
    let mut cmd = env(bssctl(home));
    cmd.args(["sandbox", "--port", "0", "--state"])
        .arg(state)
        .arg("--request-log")
        .arg(state.with_file_name("requests.jsonl"))
        .args(extra);
    SandboxProcess::spawn(cmd)
}

/// Runs a bssctl command (bounded by a timeout) at the highest verbosity.
fn run(cmd: Command, args: &[&str]) -> Output {
    let mut cmd = AssertCommand::from_std(cmd);
    cmd.args(args)
        .arg("-vv")
        .env("RUST_LOG", "trace")
        .timeout(Duration::from_secs(180));
    cmd.output().expect("bssctl runs")
}

fn client_cmd(home: &Path, url: &str, state_dir: &Path) -> Command {
    let mut cmd = with_secrets(bssctl(home));
    // The domain id is not given: it is discovered through the sandbox's IAM.
    cmd.env("HUAWEICLOUD_SDK_IAM_ENDPOINT", url)
        .args(["--endpoint", url, "--state-dir"])
        .arg(state_dir)
        .args(["--retry-base-ms", "1", "--max-attempts", "4"]);
    cmd
}

#[test]
fn plan_apply_and_validate_at_trace_level_print_no_secret() {
    let home = tempfile::tempdir().unwrap();
    let sb_state = home.path().join("sandbox/state.json");
    let state_dir = home.path().join("state");
    let mut proc = start_sandbox(home.path(), &sb_state, &[], with_secrets);
    let manifests = examples();
    let m = manifests.to_str().unwrap();
    let plan_file = state_dir.join("plan.json");
    let mut seen = Seen::default();

    let out = run(
        client_cmd(home.path(), &proc.url, &state_dir),
        &["validate", "-f", m],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    seen.add("validate", &out);

    let out = run(
        client_cmd(home.path(), &proc.url, &state_dir),
        &["plan", "-f", m, "--out", plan_file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // Trace level really was on: the client's own debug lines are there.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("KeystoneListAuthDomains"),
        "IAM discovery ran: {stderr}"
    );
    assert!(
        stderr.contains("ListPayPerUseCustomerResources"),
        "{stderr}"
    );
    seen.add("plan --out", &out);
    assert!(plan_file.exists());

    let out = run(
        client_cmd(home.path(), &proc.url, &state_dir),
        &["apply", plan_file.to_str().unwrap(), "--auto-approve"],
    );
    seen.add("apply PLAN", &out);
    assert!(state_dir.join("journal.jsonl").exists(), "{out:?}");
    assert!(state_dir.join("last-applied.json").exists(), "{out:?}");

    let out = run(
        client_cmd(home.path(), &proc.url, &state_dir),
        &["plan", "-f", m, "--format", "json"],
    );
    seen.add("plan json", &out);
    let out = run(
        client_cmd(home.path(), &proc.url, &state_dir),
        &["apply", "-f", m, "--auto-approve", "--format", "markdown"],
    );
    seen.add("apply -f", &out);

    // The embedded sandbox, with the same secrets in the environment.
    let mut embedded = with_secrets(bssctl(home.path()));
    embedded.arg("--state-dir").arg(&state_dir);
    let out = run(embedded, &["plan", "--sandbox", "-f", m]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    seen.add("plan --sandbox", &out);

    let (rest, err) = proc.stop();
    seen.add_text("sandbox stdout", rest);
    seen.add_text("sandbox stderr", err);
    seen.add_files(home.path());
    let files = seen.file_names();
    for want in [
        "plan.json",
        "journal.jsonl",
        "last-applied.json",
        "state.json",
        "requests.jsonl",
    ] {
        assert!(
            files.iter().any(|f| f.ends_with(want)),
            "{want} in {files:?}"
        );
    }
    seen.assert_clean();
}

#[test]
fn a_wrong_secret_key_is_reported_without_either_key() {
    let home = tempfile::tempdir().unwrap();
    let state_dir = home.path().join("state");
    let mut proc = start_sandbox(
        home.path(),
        &home.path().join("sandbox/state.json"),
        &[],
        with_secrets,
    );
    let m = examples();
    let mut seen = Seen::default();
    for args in [
        vec!["plan", "-f", m.to_str().unwrap()],
        vec!["validate", "-f", m.to_str().unwrap()],
        vec!["apply", "-f", m.to_str().unwrap(), "--auto-approve"],
    ] {
        let mut cmd = client_cmd(home.path(), &proc.url, &state_dir);
        cmd.env("HUAWEICLOUD_SDK_SK", WRONG_SK);
        let out = run(cmd, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("401"), "{args:?}: {stderr}");
        seen.add(&args.join(" "), &out);
    }
    // With the right key but no security token: refused as well.
    let mut cmd = client_cmd(home.path(), &proc.url, &state_dir);
    cmd.env_remove("HUAWEICLOUD_SDK_SECURITY_TOKEN");
    let out = run(cmd, &["plan", "-f", m.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    seen.add("plan without token", &out);

    let (rest, err) = proc.stop();
    seen.add_text("sandbox stdout", rest);
    seen.add_text("sandbox stderr", err);
    seen.add_files(home.path());
    seen.assert_clean();
}

#[test]
fn faults_retries_and_ambiguous_purchases_print_no_secret() {
    let home = tempfile::tempdir().unwrap();
    let state_dir = home.path().join("state");
    let mut proc = start_sandbox(
        home.path(),
        &home.path().join("sandbox/state.json"),
        &[
            "--throttle-every",
            "4",
            "--error-every",
            "5",
            "--drop-every",
            "2",
        ],
        with_secrets,
    );
    let m = examples();
    let mut seen = Seen::default();
    for args in [
        vec!["plan", "-f", m.to_str().unwrap()],
        vec!["apply", "-f", m.to_str().unwrap(), "--auto-approve"],
        vec!["apply", "-f", m.to_str().unwrap(), "--auto-approve"],
    ] {
        let out = run(client_cmd(home.path(), &proc.url, &state_dir), &args);
        seen.add(&args.join(" "), &out);
    }
    let all_stderr: String = seen
        .texts
        .iter()
        .filter(|(l, _)| l.ends_with("stderr"))
        .map(|(_, t)| t.as_str())
        .collect();
    assert!(
        all_stderr.contains("retrying"),
        "faults were hit and retried"
    );
    let (rest, err) = proc.stop();
    seen.add_text("sandbox stdout", rest);
    seen.add_text("sandbox stderr", err);
    seen.add_files(home.path());
    seen.assert_clean();
}

fn token_only(mut cmd: Command) -> Command {
    cmd.env("HUAWEICLOUD_SDK_AUTH_TOKEN", LEAK_AUTH)
        .env("BSSCTL_NOW", "2026-11-24T00:00:00Z");
    cmd
}

#[test]
fn an_iam_token_is_never_printed() {
    let home = tempfile::tempdir().unwrap();
    let state_dir = home.path().join("state");
    // The sandbox verifies signatures with this pair and accepts the token.
    let mut cmd = token_only(bssctl(home.path()));
    cmd.args([
        "sandbox",
        "--port",
        "0",
        "--ak",
        LEAK_AK,
        "--sk",
        "sandbox-side-sk",
        "--state",
    ])
    .arg(home.path().join("sandbox/state.json"));
    let mut proc = SandboxProcess::spawn(cmd);
    let m = examples();
    let mut seen = Seen::default();
    for args in [
        vec!["validate", "-f", m.to_str().unwrap()],
        vec!["plan", "-f", m.to_str().unwrap()],
        vec!["apply", "-f", m.to_str().unwrap(), "--auto-approve"],
    ] {
        let mut cmd = token_only(bssctl(home.path()));
        cmd.env("HUAWEICLOUD_SDK_IAM_ENDPOINT", &proc.url)
            .args(["--endpoint", &proc.url, "--state-dir"])
            .arg(&state_dir);
        let out = run(cmd, &args);
        seen.add(&args.join(" "), &out);
        if args[0] != "apply" {
            assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        }
    }
    // An expired token: 401, still not printed.
    let mut cmd = bssctl(home.path());
    cmd.env("HUAWEICLOUD_SDK_AUTH_TOKEN", format!("{LEAK_AUTH}-expired"))
        .args(["--endpoint", &proc.url, "--iam-endpoint", &proc.url]);
    let out = run(cmd, &["plan", "-f", m.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("401"));
    seen.add("plan with an expired token", &out);
    let (rest, err) = proc.stop();
    seen.add_text("sandbox stdout", rest);
    seen.add_text("sandbox stderr", err);
    seen.add_files(home.path());
    seen.assert_clean();
}

#[test]
fn debug_of_credentials_client_and_configs_hides_the_secrets() {
    let env = |k: &str| -> Option<String> {
        match k {
            credentials::ENV_AK => Some(LEAK_AK.into()),
            credentials::ENV_SK => Some(LEAK_SK.into()),
            credentials::ENV_SECURITY_TOKEN => Some(LEAK_STS.into()),
            credentials::ENV_AUTH_TOKEN => Some(LEAK_AUTH.into()),
            _ => None,
        }
    };
    let creds = credentials::resolve(&env, None, &mut |_| {}).unwrap();
    match &creds.auth {
        Auth::AkSk {
            sk, security_token, ..
        } => {
            assert_eq!(sk.expose(), LEAK_SK);
            assert_eq!(security_token.as_ref().unwrap().expose(), LEAK_STS);
        }
        other => panic!("{other:?}"),
    }
    let token_env = |k: &str| (k == credentials::ENV_AUTH_TOKEN).then(|| LEAK_AUTH.to_string());
    let token_creds = credentials::resolve(&token_env, None, &mut |_| {}).unwrap();
    assert!(matches!(token_creds.auth, Auth::Token(_)));

    let client = BssClient::new(client_config("http://127.0.0.1:9"), creds.clone()).unwrap();
    let token_client =
        BssClient::new(client_config("http://127.0.0.1:9"), token_creds.clone()).unwrap();
    let mut sandbox_cfg = sandbox_config(Path::new("state.json"));
    sandbox_cfg.sk = Secret::new(LEAK_SK);
    sandbox_cfg.security_token = Some(Secret::new(LEAK_STS));
    sandbox_cfg.auth_token = Some(Secret::new(LEAK_AUTH));

    let mut seen = Seen::default();
    for (label, text) in [
        ("credentials", format!("{creds:?} {creds:#?}")),
        (
            "token credentials",
            format!("{token_creds:?} {token_creds:#?}"),
        ),
        ("auth", format!("{:?}", creds.auth)),
        ("client", format!("{client:?} {client:#?}")),
        ("token client", format!("{token_client:?}")),
        (
            "sandbox config",
            format!("{sandbox_cfg:?} {sandbox_cfg:#?}"),
        ),
    ] {
        assert!(!text.is_empty());
        seen.add_text(label, text);
    }
    seen.assert_clean();
    // The AK is not a secret and helps tell keys apart.
    assert!(format!("{creds:?}").contains(LEAK_AK));
}

/// What the client's errors show after a 401 with a secret-bearing request.
#[tokio::test]
async fn errors_after_a_refused_request_show_no_secret() {
    let sb = Sandbox::start().await;
    let mut creds = aksk(Some(DOMAIN));
    creds.auth = Auth::AkSk {
        ak: AK.into(),
        sk: Secret::new(WRONG_SK),
        security_token: Some(Secret::new(LEAK_STS)),
    };
    let c = client(&sb.url(), creds);
    let err = c.balances().await.unwrap_err();
    let mut seen = Seen::default();
    seen.add_text("error", format!("{err} {err:?}"));
    seen.add_text("stats", format!("{:?}", c.stats()));
    seen.assert_clean();
    sb.stop().await;
}
