//! Cost guardrails end to end: `--max-cost`, `policy.max_renewal_cost` and
//! `policy.max_commitment_increase` exceeded → exit 3 in every format (text
//! error line, JSON `guardrail_violations`, markdown caution block), and
//! `apply` refuses before doing anything; under the limits the usual exit
//! codes. Against the embedded sandbox (seed "now" 2026-11-24).

use crate::common::{Run, Workspace};
use serde_json::Value;
use std::path::PathBuf;

/// prod-db-01 expires 2026-12-10: renewing it for a year costs CNY 22,050.00
/// (list 24,500.00 minus the account's 10 % discount).
const RENEWAL: &str = "\
version: 1
resources:
  - id: 4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01
    name: prod-db-01
    renew_ahead: { min_remaining: 30d, period: 1y }
";

/// prod-api-01 starts auto-renewing monthly: +CNY 1,400.40/month commitment.
const COMMITMENT: &str = "\
version: 1
resources:
  - id: c62697d1-8e77-8686-3cba-12b6ff3b0f57
    name: prod-api-01
    on_expiry: auto_renew
    auto_renew: { period: month }
";

/// backup-vol-01 stops auto-renewing: the commitment goes down.
const DECREASE: &str = "\
version: 1
resources:
  - id: 0fdfcb0f-b1cc-7c28-0b39-95ad5b5d2d75
    name: backup-vol-01
    on_expiry: none
";

struct Env {
    ws: Workspace,
}

impl Env {
    fn new() -> Env {
        Env {
            ws: Workspace::new(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.ws.dir.path().join(rel)
    }

    /// Writes a manifest (plus an optional `policy` block) and returns its path.
    fn manifest(&self, name: &str, body: &str, policy: Option<&str>) -> String {
        let mut text = body.to_string();
        if let Some(p) = policy {
            text.push_str("policy:\n");
            text.push_str(p);
        }
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    fn bssctl(&self, args: &[&str]) -> Run {
        self.ws.sandbox_run(args)
    }

    fn sandbox_state(&self) -> Vec<u8> {
        std::fs::read(self.path("state/sandbox-state.json")).unwrap()
    }
}

fn violations(run: &Run) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}\n{}\n{}", run.stdout, run.stderr));
    // `plan` prints the plan; `apply --format json` wraps it with results.
    let plan = if doc.get("plan").is_some() {
        &doc["plan"]
    } else {
        &doc
    };
    plan["guardrail_violations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn max_cost_exceeded_exits_3_in_every_format() {
    let env = Env::new();
    let m = env.manifest("renewal.yaml", RENEWAL, None);
    let message =
        "cost guardrail exceeded: renewal cost now CNY 22,050.00 is over --max-cost CNY 100.00";

    let text = env.bssctl(&["plan", "-f", &m, "--max-cost", "100"]);
    assert_eq!(text.code, 3, "{}\n{}", text.stdout, text.stderr);
    assert!(
        text.stdout.contains(&format!("Error: {message}")),
        "{}",
        text.stdout
    );
    // Printed once: stderr points at the plan instead of repeating it.
    assert!(!text.stderr.contains(message), "{}", text.stderr);
    assert!(
        text.stderr
            .contains("Error: the plan exceeds a cost guardrail (shown above)"),
        "{}",
        text.stderr
    );

    let json = env.bssctl(&["plan", "-f", &m, "--max-cost", "100", "--format", "json"]);
    assert_eq!(json.code, 3);
    let v = violations(&json);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0]["guardrail"], "--max-cost");
    assert_eq!(v[0]["currency"], "CNY");
    assert_eq!(v[0]["limit"], "100.00");
    assert_eq!(v[0]["actual"], "22050.00");
    assert_eq!(v[0]["message"], message);

    let md = env.bssctl(&[
        "plan",
        "-f",
        &m,
        "--max-cost",
        "100",
        "--format",
        "markdown",
    ]);
    assert_eq!(md.code, 3);
    assert!(
        md.stdout.starts_with(&format!(
            "<!-- bssctl-plan-comment -->\n> [!CAUTION]\n> **{message}**\n"
        )),
        "{}",
        md.stdout
    );

    // A guardrail wins over "changes present".
    let detailed = env.bssctl(&["plan", "-f", &m, "--max-cost", "100", "--detailed-exitcode"]);
    assert_eq!(detailed.code, 3);
}

#[test]
fn policy_max_renewal_cost_exceeded_exits_3() {
    let env = Env::new();
    let m = env.manifest(
        "renewal.yaml",
        RENEWAL,
        Some("  max_renewal_cost: \"1000.00\"\n"),
    );
    for format in ["text", "json", "markdown"] {
        let run = env.bssctl(&["plan", "-f", &m, "--format", format]);
        assert_eq!(run.code, 3, "{format}: {}", run.stderr);
        assert!(
            run.stdout
                .contains("is over policy.max_renewal_cost CNY 1,000.00"),
            "{format}: {}",
            run.stdout
        );
    }
    let json = env.bssctl(&["plan", "-f", &m, "--format", "json"]);
    let v = violations(&json);
    assert_eq!(v[0]["guardrail"], "policy.max_renewal_cost");
    assert_eq!(v[0]["limit"], "1000.00");

    // Both limits exceeded: both are reported.
    let both = env.bssctl(&["plan", "-f", &m, "--format", "json", "--max-cost", "5"]);
    assert_eq!(both.code, 3);
    let names: Vec<Value> = violations(&both)
        .iter()
        .map(|v| v["guardrail"].clone())
        .collect();
    assert_eq!(names, ["policy.max_renewal_cost", "--max-cost"]);
}

#[test]
fn policy_max_commitment_increase_exceeded_exits_3() {
    let env = Env::new();
    let m = env.manifest(
        "commitment.yaml",
        COMMITMENT,
        Some("  max_commitment_increase: \"100.00\"\n"),
    );
    let json = env.bssctl(&["plan", "-f", &m, "--format", "json"]);
    assert_eq!(json.code, 3, "{}", json.stderr);
    let v = violations(&json);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0]["guardrail"], "policy.max_commitment_increase");
    assert_eq!(v[0]["actual"], "1400.40");
    let md = env.bssctl(&["plan", "-f", &m, "--format", "markdown"]);
    assert_eq!(md.code, 3);
    assert!(md.stdout.contains("> [!CAUTION]\n> **cost guardrail exceeded: auto-renew commitment increase per month CNY 1,400.40 is over policy.max_commitment_increase CNY 100.00**"), "{}", md.stdout);
    let text = env.bssctl(&["plan", "-f", &m]);
    assert_eq!(text.code, 3);
    assert!(text
        .stdout
        .contains("Error: cost guardrail exceeded: auto-renew commitment"));

    // A decrease never exceeds an increase limit, even a zero one.
    let d = env.manifest(
        "decrease.yaml",
        DECREASE,
        Some("  max_commitment_increase: \"0.00\"\n"),
    );
    let run = env.bssctl(&["plan", "-f", &d, "--detailed-exitcode", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(violations(&run).is_empty());
}

#[test]
fn under_the_limits_the_usual_exit_codes() {
    let env = Env::new();
    let m = env.manifest(
        "renewal.yaml",
        RENEWAL,
        Some("  max_renewal_cost: \"30000.00\"\n  max_commitment_increase: \"10.00\"\n"),
    );
    let run = env.bssctl(&["plan", "-f", &m, "--max-cost", "22050.00"]);
    assert_eq!(
        run.code, 0,
        "exactly at the limit is allowed: {}",
        run.stderr
    );
    let run = env.bssctl(&[
        "plan",
        "-f",
        &m,
        "--max-cost",
        "22050.00",
        "--detailed-exitcode",
    ]);
    assert_eq!(run.code, 2);
    let run = env.bssctl(&["plan", "-f", &m, "--format", "json", "--detailed-exitcode"]);
    assert_eq!(run.code, 2);
    assert!(violations(&run).is_empty());

    // No changes: nothing to spend, exit 0 even with a zero limit.
    let none = env.manifest(
        "none.yaml",
        "version: 1\nresources:\n  - id: a0d055ea-95a5-8166-8c77-74ed8b5e7bbd\n    on_expiry: auto_renew\n",
        None,
    );
    let run = env.bssctl(&[
        "plan",
        "-f",
        &none,
        "--max-cost",
        "0",
        "--detailed-exitcode",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn apply_refuses_with_3_before_doing_anything() {
    let env = Env::new();
    let m = env.manifest("renewal.yaml", RENEWAL, None);
    // The first run creates the sandbox state from the seed.
    assert_eq!(env.bssctl(&["plan", "-f", &m]).code, 0);
    let before = env.sandbox_state();

    let run = env.bssctl(&["apply", "-f", &m, "--max-cost", "100", "--auto-approve"]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("nothing was applied"), "{}", run.stderr);
    assert!(run.stdout.contains("Error: cost guardrail exceeded"));

    let policed = env.manifest(
        "policed.yaml",
        COMMITMENT,
        Some("  max_commitment_increase: \"100.00\"\n"),
    );
    let run = env.bssctl(&[
        "apply",
        "-f",
        &policed,
        "--auto-approve",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(violations(&run).len(), 1);

    assert_eq!(env.sandbox_state(), before, "the account is unchanged");
    // The embedded sandbox's journal and record sit beside its state.
    assert!(
        !env.path("state/sandbox-journal.jsonl").exists(),
        "no operation journaled"
    );
    assert!(!env.path("state/sandbox-last-applied.json").exists());
    assert!(!env.path("state/journal.jsonl").exists());

    // Under the limit the same apply goes through (and changes the account).
    let run = env.bssctl(&["apply", "-f", &m, "--max-cost", "30000", "--auto-approve"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_ne!(env.sandbox_state(), before);
    let run = env.bssctl(&["plan", "-f", &m, "--detailed-exitcode"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}
