//! The PR comment (`plan --format markdown`) as snapshots: a plan that
//! spends money and adds commitment, one that only lowers the commitment,
//! and one without changes; and `--quiet-if-no-changes`. Manifests are in
//! tests/fixtures/pr/; the output is deterministic (BSSCTL_NOW, a fresh
//! sandbox from the seed, no request ids). Review changed snapshots with
//! `cargo insta review` (or INSTA_UPDATE=always and `git diff`).

use assert_cmd::Command;
use std::path::Path;

const NOW: &str = "2026-11-24T00:00:00Z";
const MARKER: &str = "<!-- bssctl-plan-comment -->";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `bssctl plan --format markdown` of a fixture, on a fresh sandbox.
fn plan(fixture: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pr")
        .join(fixture);
    let out = Command::cargo_bin("bssctl")
        .unwrap()
        .current_dir(dir.path())
        .env("BSSCTL_NOW", NOW)
        .env("NO_COLOR", "1")
        .env_remove("BSSCTL_ENDPOINT")
        .env_remove("BSSCTL_STATE_DIR")
        .env_remove("RUST_LOG")
        .args(["--sandbox", "--state-dir"])
        .arg(dir.path().join("state"))
        .args(["plan", "--format", "markdown", "-f"])
        .arg(manifest)
        .args(extra)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The same plan twice gives the same bytes, with nothing run-specific in
/// it (the sandbox's request ids are 32 hex digits).
fn deterministic(fixture: &str) -> String {
    let a = plan(fixture, &[]);
    assert_eq!(a.code, 0, "{}\n{}", a.stdout, a.stderr);
    let b = plan(fixture, &[]);
    assert_eq!(a.stdout, b.stdout, "two runs differ");
    let hex32 = a
        .stdout
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.len() == 32 && w.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        hex32, None,
        "a request id (or another run-specific id) in the plan"
    );
    assert!(a.stdout.starts_with(MARKER), "{}", a.stdout);
    a.stdout
}

fn headline(md: &str) -> &str {
    md.lines()
        .find(|l| l.starts_with("### "))
        .expect("a headline")
}

#[test]
fn increase_renewals_and_added_commitment() {
    let md = deterministic("increase.yaml");
    assert_eq!(
        headline(&md),
        "### bssctl plan: renewal cost now +CNY 22,554.00 · auto-renew commitment +CNY 1,400.40/month"
    );
    insta::assert_snapshot!("increase", md);
}

#[test]
fn decrease_cancelled_auto_renew_shows_a_negative_commitment() {
    let md = deterministic("decrease.yaml");
    assert_eq!(
        headline(&md),
        "### bssctl plan: renewal cost now CNY 0.00 · auto-renew commitment -CNY 963.00/month"
    );
    insta::assert_snapshot!("decrease", md);
}

#[test]
fn no_changes() {
    let md = deterministic("no-changes.yaml");
    assert_eq!(headline(&md), "### bssctl plan: no changes");
    insta::assert_snapshot!("no_changes", md);
}

#[test]
fn quiet_if_no_changes_prints_nothing_without_changes() {
    let quiet = plan(
        "no-changes.yaml",
        &["--quiet-if-no-changes", "--detailed-exitcode"],
    );
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(quiet.stdout, "");

    // With changes it prints the same comment as without the flag.
    let loud = plan(
        "decrease.yaml",
        &["--quiet-if-no-changes", "--detailed-exitcode"],
    );
    assert_eq!(loud.code, 2, "{}", loud.stderr);
    assert_eq!(loud.stdout, plan("decrease.yaml", &[]).stdout);
}
