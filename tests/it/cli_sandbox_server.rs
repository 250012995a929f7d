//! `bssctl sandbox` as a real process: it prints where it listens as its
//! first line, serves the typed client, persists to its state file, and
//! refuses to start without credentials to accept.

use crate::common::*;
use assert_cmd::Command as AssertCommand;
use bssctl::bss::model::*;
use bssctl::bss::{Api, ApiError};
use bssctl::sandbox::state::State;
use std::time::Duration;

#[tokio::test]
async fn serves_the_typed_client_on_the_port_it_prints() {
    let dir = tempfile::tempdir().unwrap();
    let state_path = dir.path().join("nested/state.json");
    let mut cmd = bssctl(dir.path());
    cmd.args(["sandbox", "--state"])
        .arg(&state_path)
        .args(["--port", "0", "--ak", AK, "--sk", SK])
        .env("BSSCTL_NOW", "2026-11-24T00:00:00Z");
    let mut proc = SandboxProcess::spawn(cmd);
    assert!(state_path.exists(), "created from the seed");

    // IAM discovery, a read, a write, and a service error, all over HTTP.
    let c = client(&proc.url, aksk(None));
    let rows = c
        .query_resources_all(&QueryResourcesReq::default())
        .await
        .unwrap();
    assert_eq!(rows.len(), bssctl::sandbox::seed_state().resources.len());
    assert_eq!(c.domain_id().await.unwrap(), DOMAIN);
    let renewed = c
        .renew(&RenewalResourcesReq {
            resource_ids: vec![WEB01.to_string()],
            period_type: PERIOD_TYPE_MONTH,
            period_num: 1,
            is_auto_pay: Some(1),
        })
        .await
        .unwrap()
        .body
        .order_ids
        .unwrap();
    assert_eq!(renewed.len(), 1);
    let state = State::load(&state_path).unwrap();
    assert!(
        state.order(&renewed[0]).is_some(),
        "persisted before answering"
    );
    let err = c
        .order_details("CS0000000000NOPE", None, None)
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some("CBC.30000010"));
    assert!(err.request_id().is_some());

    // Another AK/SK is refused by the process.
    let mut other = aksk(Some(DOMAIN));
    other.auth = bssctl::bss::credentials::Auth::AkSk {
        ak: "SOMEOTHERAK000000001".into(),
        sk: bssctl::bss::Secret::new("some-other-sk"),
        security_token: None,
    };
    let err = client(&proc.url, other).balances().await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Service {
                api: Api::Balances,
                status: 401,
                ..
            }
        ),
        "{err:?}"
    );

    assert!(proc.is_running());
    let pid = proc.pid();
    let (stdout_rest, _stderr) = proc.stop();
    assert!(!proc.is_running(), "process {pid} reaped");
    assert!(!stdout_rest.contains(SK), "the SK never appears on stdout");
    // Nothing listens there any more.
    let mut cfg = client_config(&proc.url);
    cfg.retry = fast_retry(1);
    let gone = bssctl::bss::BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    assert!(matches!(
        gone.balances().await.unwrap_err(),
        ApiError::Transport { sent: false, .. }
    ));
}

#[tokio::test]
async fn reads_the_key_pair_from_the_environment_when_no_flags_are_given() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bssctl(dir.path());
    cmd.args(["sandbox", "--port", "0", "--state"])
        .arg(dir.path().join("state.json"))
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK);
    let proc = SandboxProcess::spawn(cmd);
    client(&proc.url, aksk(Some(DOMAIN)))
        .balances()
        .await
        .unwrap();
}

fn refuses(envs: &[(&str, &str)], args: &[&str], mention: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = AssertCommand::new(bin());
    for v in CREDENTIAL_VARS {
        cmd.env_remove(v);
    }
    cmd.env("HOME", dir.path())
        .args(["sandbox", "--port", "0", "--state"])
        .arg(dir.path().join("state.json"))
        .args(args)
        .envs(envs.iter().copied())
        .timeout(Duration::from_secs(60));
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("Error: "), "{err:?}");
    assert!(err.contains(mention), "{err:?}");
    assert!(
        !dir.path().join("state.json").exists(),
        "no state file is written when it refuses"
    );
}

#[test]
fn without_credentials_it_exits_1_with_a_one_line_error() {
    refuses(&[], &[], "--ak");
}

#[test]
fn half_a_key_pair_or_a_token_only_is_refused_too() {
    refuses(&[], &["--ak", AK], "both --ak and --sk");
    refuses(&[], &["--sk", SK], "both --ak and --sk");
    refuses(&[("HUAWEICLOUD_SDK_AUTH_TOKEN", "MIIT-token")], &[], "--ak");
    refuses(&[("HUAWEICLOUD_SDK_AK", AK)], &[], "--ak");
}

/// Fires `n` balance queries at once with a client that does not pace
/// itself and never retries; returns how many were throttled.
async fn throttled_of_burst(url: &str, n: usize) -> usize {
    let mut cfg = client_config(url);
    cfg.retry = fast_retry(1);
    cfg.max_in_flight = 16;
    let c = bssctl::bss::BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    let results = futures::future::join_all((0..n).map(|_| c.balances())).await;
    for r in &results {
        if let Err(e) = r {
            assert!(e.is_throttled(), "{e:?}");
        }
    }
    results.iter().filter(|r| r.is_err()).count()
}

/// Regression: the sandbox's limit flag was also called `--rate-limit`, the
/// name of the global flag that paces bssctl's own client (default 10, env
/// `BSSCTL_RATE_LIMIT`); clap merged the two, so `bssctl sandbox` always
/// throttled at 10 requests/s per API. It is `--gateway-rate-limit` now.
#[tokio::test]
async fn the_sandbox_rate_limit_is_off_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let spawn = |extra: &[&str], env: &[(&str, &str)]| {
        let mut cmd = bssctl(dir.path());
        cmd.args(["sandbox", "--port", "0", "--ak", AK, "--sk", SK, "--state"])
            .arg(dir.path().join("state.json"))
            .args(extra)
            .envs(env.iter().copied());
        SandboxProcess::spawn(cmd)
    };
    let plain = spawn(&[], &[]);
    assert_eq!(
        throttled_of_burst(&plain.url, 40).await,
        0,
        "no limit by default"
    );
    drop(plain);
    let with_env = spawn(&[], &[("BSSCTL_RATE_LIMIT", "3")]);
    assert_eq!(
        throttled_of_burst(&with_env.url, 40).await,
        0,
        "BSSCTL_RATE_LIMIT paces the client, not the sandbox"
    );
    drop(with_env);
    let paced = spawn(&["--rate-limit", "3"], &[]);
    assert_eq!(
        throttled_of_burst(&paced.url, 40).await,
        0,
        "the global --rate-limit is not the sandbox's"
    );
    drop(paced);
    let limited = spawn(&["--gateway-rate-limit", "5"], &[]);
    assert!(
        throttled_of_burst(&limited.url, 40).await > 0,
        "--gateway-rate-limit 5 is enforced"
    );
}
