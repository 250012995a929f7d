//! Money safety end to end, through the CLI against `bssctl sandbox` over
//! HTTP: a purchase whose answer was lost is never sent again in the same
//! run and is checked only after the settle time; no journal, no purchase;
//! cancelled orders never prove a renewal; unmatched partial answers are
//! unknown; intents belong to one account and endpoint; a torn journal line
//! loses nothing after it.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// Two resources the seed has due for a yearly renewal: one batch.
const TWO_RENEWALS: &str = "version: 1
resources:
  - id: 4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01
    renew_ahead: { min_remaining: 30d, period: 1y }
  - id: c9bb1974-cdec-3f61-1d34-ce79fb33a616
    renew_ahead: { min_remaining: 30d, period: 1y }
";
const DB: &str = "4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01";
const EIP: &str = "c9bb1974-cdec-3f61-1d34-ce79fb33a616";

/// One renewal left unpaid (an order, no expiry change until paid).
const UNPAID_RENEWAL: &str = "version: 1
defaults:
  auto_pay: false
resources:
  - id: 4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01
    renew_ahead: { min_remaining: 30d, period: 1y }
";

const WRITE_APIS: &[&str] = &[
    "RenewalResources",
    "AutoRenewalResources",
    "CancelAutoRenewalResources",
    "UpdatePeriodToOnDemand",
    "CancelResourcesSubscription",
    "SetResourcesRenewConfig",
    "PayOrders",
    "CancelCustomerOrder",
];

fn examples() -> String {
    repo("examples/manifests").display().to_string()
}

/// The request log's lines as JSON.
fn requests(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn writes(log: &Path) -> Vec<String> {
    requests(log)
        .into_iter()
        .filter_map(|r| r["api"].as_str().map(str::to_string))
        .filter(|a| WRITE_APIS.contains(&a.as_str()))
        .collect()
}

/// Resource ids named by renewal requests in the log.
fn renew_requested(log: &Path) -> BTreeSet<String> {
    requests(log)
        .into_iter()
        .filter(|r| r["api"] == "RenewalResources")
        .flat_map(|r| {
            r["resource_ids"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
        })
        .collect()
}

/// Renewal requests in the log.
fn renew_calls(log: &Path) -> usize {
    requests(log)
        .iter()
        .filter(|r| r["api"] == "RenewalResources")
        .count()
}

fn journal_records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn exec(ws: &Workspace, sandbox: &SandboxProc, args: &[&str]) -> Run {
    let mut c = ws.bssctl_at(sandbox);
    c.args(args);
    let o = run(c);
    let (stdout, stderr) = text(&o);
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

struct Env {
    ws: Workspace,
    sandbox: SandboxProc,
    log: std::path::PathBuf,
    seed_orders: Vec<String>,
}

impl Env {
    fn start(flags: &[&str]) -> Env {
        let ws = Workspace::new();
        let state = ws.path("sandbox.json");
        seed_into(&state);
        let seed_orders = order_ids(&state_json(&state));
        let log = ws.path("requests.jsonl");
        let mut all = flags.to_vec();
        all.extend(["--request-log", log.to_str().unwrap()]);
        let sandbox = SandboxProc::start(&state, &all);
        Env {
            ws,
            sandbox,
            log,
            seed_orders,
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        exec(&self.ws, &self.sandbox, args)
    }

    fn journal(&self) -> std::path::PathBuf {
        self.ws.state_dir().join("journal.jsonl")
    }

    /// Renewal orders per main resource among `mains` (order lines also
    /// name attached resources).
    fn renewals_of(&self, mains: &BTreeSet<String>) -> std::collections::BTreeMap<String, usize> {
        renewals_per_resource(&state_json(&self.sandbox.state), &self.seed_orders)
            .into_iter()
            .filter(|(id, _)| mains.contains(id))
            .collect()
    }

    fn renewals(&self) -> std::collections::BTreeMap<String, usize> {
        self.renewals_of(&[DB.to_string(), EIP.to_string()].into())
    }
}

#[test]
fn late_purchases_are_bought_once_and_a_torn_journal_line_loses_nothing() {
    // The gateway answers every renewal 504 at once; the backend carries it
    // out 300 ms later.
    let env = Env::start(&[
        "--late-apply-every",
        "1",
        "--late-apply-ms",
        "300",
        "--fault-api",
        "RenewalResources",
    ]);
    let first = env.run(&["apply", "--auto-approve", "-f", &examples()]);
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert!(first.stdout.contains("Unknown: renew"), "{}", first.stdout);
    assert!(
        first.stdout.contains("it was NOT sent again"),
        "{}",
        first.stdout
    );
    assert!(!first.stdout.contains("verified"), "{}", first.stdout);
    assert!(
        first.stdout.contains("Apply finished with errors."),
        "{}",
        first.stdout
    );
    let sent = renew_requested(&env.log);
    assert!(!sent.is_empty());
    let calls = renew_calls(&env.log);
    // The late purchases land.
    assert!(
        wait_until(Duration::from_secs(20), || env.renewals_of(&sent).len()
            == sent.len()),
        "late renewals applied: {:?} of {sent:?}",
        env.renewals_of(&sent)
    );

    // Within the settle time: held, nothing bought again.
    let held = env.run(&["apply", "--auto-approve", "-f", &examples()]);
    assert!(
        held.stdout
            .contains("has an unknown outcome; held until bssctl checks it after"),
        "{}\n{}",
        held.stdout,
        held.stderr
    );
    assert_eq!(renew_calls(&env.log), calls, "no renewal sent while held");

    // Tear the last journal line, as a crash mid-write would.
    let journal = env.journal();
    let text = std::fs::read_to_string(&journal).unwrap();
    let cut = text.trim_end().len() - 10;
    std::fs::write(&journal, &text[..cut]).unwrap();
    let kept = journal_records(&journal).len();

    // After the settle time: checked, found bought, not bought again.
    let after = env.run(&[
        "apply",
        "--auto-approve",
        "--settle-time",
        "0",
        "-f",
        &examples(),
    ]);
    assert!(
        after
            .stdout
            .contains("checked the account after the settle time: it took effect"),
        "{}\n{}",
        after.stdout,
        after.stderr
    );
    assert_eq!(renew_calls(&env.log), calls, "nothing renewed twice");
    for (id, n) in env.renewals_of(&sent) {
        assert_eq!(n, 1, "{id} bought {n} times");
    }
    let plan = env.run(&[
        "plan",
        "--detailed-exitcode",
        "--settle-time",
        "0",
        "-f",
        &examples(),
    ]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);

    // The torn line was completed: the records after it all parse.
    let text = std::fs::read_to_string(&journal).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let torn = lines
        .iter()
        .filter(|l| serde_json::from_str::<Value>(l).is_err())
        .count();
    assert_eq!(torn, 1, "only the torn line is unreadable");
    let records = journal_records(&journal);
    assert!(records.len() > kept);
    assert!(
        records[kept..].iter().any(|r| r["event"] == "verified"),
        "the verification after the torn line is kept"
    );
}

#[test]
fn with_the_journal_unwritable_nothing_is_sent() {
    let env = Env::start(&[]);
    // 0: not even the run's first record; 1: the first intent fails.
    for after in ["0", "1"] {
        let mut c = env.ws.bssctl_at(&env.sandbox);
        c.env("BSSCTL_TEST_JOURNAL_FAIL_AFTER", after).args([
            "apply",
            "--auto-approve",
            "-f",
            &examples(),
        ]);
        let o = run(c);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{after}: {out}\n{err}");
        assert!(err.contains("no journal, no purchase"), "{after}: {err}");
        assert!(
            err.contains(&env.journal().display().to_string()),
            "names the journal: {err}"
        );
        assert_eq!(writes(&env.log), Vec::<String>::new(), "{after}");
    }
    // orders pay too.
    let mut c = env.ws.bssctl_at(&env.sandbox);
    c.env("BSSCTL_TEST_JOURNAL_FAIL_AFTER", "0").args([
        "orders",
        "pay",
        PENDING_ORDER,
        "--auto-approve",
    ]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("no journal, no purchase"), "{err}");
    assert_eq!(writes(&env.log), Vec::<String>::new());
    // With a writable journal the same apply goes through.
    let ok = env.run(&["apply", "--auto-approve", "-f", &examples()]);
    assert_eq!(ok.code, 0, "{}\n{}", ok.stdout, ok.stderr);
    assert!(!writes(&env.log).is_empty());
}

#[test]
fn a_cancelled_order_never_verifies_a_renewal() {
    // The renewal is carried out (an unpaid order) but its answer is lost.
    let env = Env::start(&["--drop-every", "1", "--fault-api", "RenewalResources"]);
    let m = env.ws.write("unpaid.yaml", UNPAID_RENEWAL);
    let m = m.to_str().unwrap();
    let first = env.run(&["apply", "--auto-approve", "-f", m]);
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert!(first.stdout.contains("Unknown: renew"), "{}", first.stdout);
    let state = state_json(&env.sandbox.state);
    let new: Vec<String> = order_ids(&state)
        .into_iter()
        .filter(|o| !env.seed_orders.contains(o))
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    // Someone cancels the unpaid order: the renewal never happens.
    let cancel = env.run(&["orders", "cancel", &new[0], "--auto-approve"]);
    assert_eq!(cancel.code, 0, "{}\n{}", cancel.stdout, cancel.stderr);

    let plan = env.run(&["plan", "--settle-time", "0", "--detailed-exitcode", "-f", m]);
    assert!(
        plan.stdout
            .contains(&format!("journal: renew of {DB} sent at")),
        "{}\n{}",
        plan.stdout,
        plan.stderr
    );
    assert!(
        plan.stdout.contains("it did not take effect"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("it took effect"), "{}", plan.stdout);
    assert_eq!(plan.code, 2, "the renewal is planned again");
}

#[test]
fn an_unmatched_failure_entry_makes_the_whole_batch_unknown() {
    let env = Env::start(&[
        "--unmatched-failure-every",
        "1",
        "--fault-api",
        "RenewalResources",
    ]);
    let m = env.ws.write("two.yaml", TWO_RENEWALS);
    let m = m.to_str().unwrap();
    let first = env.run(&["apply", "--auto-approve", "-f", m]);
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    for id in [DB, EIP] {
        assert!(
            first
                .stdout
                .lines()
                .any(|l| l.starts_with("Unknown: renew") && l.contains(id)),
            "{id}: {}",
            first.stdout
        );
    }
    assert!(
        first.stdout.contains("without a resource id"),
        "{}",
        first.stdout
    );
    assert!(first.stdout.contains("2 unknown"), "{}", first.stdout);
    let journal = std::fs::read_to_string(env.journal()).unwrap();
    assert!(journal.contains("\"outcome\":\"unknown\""), "{journal}");
    // One was bought, one was not; nobody can tell which from the answer.
    assert_eq!(env.renewals().len(), 1, "{:?}", env.renewals());

    // Both held within the settle time.
    let held = env.run(&["plan", "--detailed-exitcode", "-f", m]);
    assert_eq!(held.code, 0, "{}\n{}", held.stdout, held.stderr);
    // After it: the bought one is known, the other is planned again.
    let after = env.run(&["plan", "--settle-time", "0", "--format", "json", "-f", m]);
    assert_eq!(after.code, 0, "{}", after.stderr);
    let plan: Value = serde_json::from_str(&after.stdout).unwrap();
    let renewed: Vec<String> = env.renewals().into_keys().collect();
    let planned: Vec<String> = plan["changes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c["resource_id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(planned.len(), 1, "{}", after.stdout);
    assert!(!renewed.contains(&planned[0]), "{planned:?} vs {renewed:?}");
}

#[test]
fn an_intent_belongs_to_its_account_and_endpoint() {
    // Account A: a late renewal leaves an unknown intent in the real journal.
    let env = Env::start(&[
        "--late-apply-every",
        "1",
        "--late-apply-ms",
        "200",
        "--fault-api",
        "RenewalResources",
    ]);
    let m = env
        .ws
        .write("one.yaml", UNPAID_RENEWAL.replace("false", "true").as_str());
    let m = m.to_str().unwrap();
    let first = env.run(&["apply", "--auto-approve", "-f", m]);
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert!(
        wait_until(Duration::from_secs(20), || env.renewals().len() == 1),
        "the late renewal lands"
    );
    let journal = env.journal();
    let before = std::fs::read_to_string(&journal).unwrap();

    // The embedded sandbox (same seed, same domain id) has its own journal.
    let sb = env
        .ws
        .sandbox_run(&["apply", "--auto-approve", "--settle-time", "0", "-f", m]);
    assert_eq!(sb.code, 0, "{}\n{}", sb.stdout, sb.stderr);
    assert!(!sb.stdout.contains("journal:"), "{}", sb.stdout);
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), before);
    assert!(env.ws.state_dir().join("sandbox-journal.jsonl").exists());

    // Another account (B) at another endpoint neither verifies nor closes it.
    let other_state = env.ws.path("other.json");
    seed_into(&other_state);
    let other_domain = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
    let other = SandboxProc::start(&other_state, &["--domain-id", other_domain]);
    let mut c = env.ws.bssctl_at(&other);
    c.env("HUAWEICLOUD_SDK_DOMAIN_ID", other_domain).args([
        "apply",
        "--auto-approve",
        "--settle-time",
        "0",
        "-f",
        m,
    ]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(!out.contains("journal:"), "{out}");
    assert!(
        !journal_records(&journal)
            .iter()
            .any(|r| r["event"] == "verified"),
        "B closed nothing of A's"
    );
    other.stop();

    // Only A verifies it.
    let a = env.run(&["plan", "--settle-time", "0", "--detailed-exitcode", "-f", m]);
    assert!(
        a.stdout
            .contains("checked the account after the settle time: it took effect"),
        "{}\n{}",
        a.stdout,
        a.stderr
    );
    assert_eq!(a.code, 0, "{}", a.stdout);
    let again = env.run(&["apply", "--auto-approve", "--settle-time", "0", "-f", m]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    assert!(journal_records(&journal)
        .iter()
        .any(|r| r["event"] == "verified"));
    assert_eq!(env.renewals().get(DB), Some(&1));
}

#[test]
fn a_saved_plan_holds_a_resource_whose_purchase_is_unknown() {
    // Every renewal answers 500 (not applied, but nobody can know that):
    // the account does not change, so only the in-flight check can refuse.
    let env = Env::start(&["--error-every", "1", "--fault-api", "RenewalResources"]);
    let m = env.ws.write("two.yaml", TWO_RENEWALS);
    let m = m.to_str().unwrap();
    // A plan saved before the purchase...
    let plan_file = env.ws.path("plan.json");
    let saved = env.run(&["plan", "-f", m, "--out", plan_file.to_str().unwrap()]);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    // ...then an apply whose renewal answer is lost.
    let first = env.run(&["apply", "--auto-approve", "-f", m]);
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    let calls = renew_calls(&env.log);
    let o = env.run(&["apply", "--auto-approve", plan_file.to_str().unwrap()]);
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("refusing to apply the saved plan")
            && o.stderr.contains("has an unknown outcome"),
        "{}",
        o.stderr
    );
    assert_eq!(renew_calls(&env.log), calls);
    assert!(!writes(&env.log).is_empty());
}

#[test]
fn a_pay_whose_answer_is_lost_stays_unknown_until_re_read_after_the_settle_time() {
    // Every pay answers 500 without applying: a lost answer for a payment.
    let env = Env::start(&["--error-every", "1", "--fault-api", "PayOrders"]);
    let first = env.run(&["orders", "pay", PENDING_ORDER, "--auto-approve"]);
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert!(first.stdout.contains("Unknown: pay"), "{}", first.stdout);
    assert!(!first.stdout.contains("safe to run"), "{}", first.stdout);
    let pays = || writes(&env.log).len();
    assert_eq!(pays(), 1);
    // Within the settle time: refused, not sent.
    let held = env.run(&["orders", "pay", PENDING_ORDER, "--auto-approve"]);
    assert_eq!(held.code, 1, "{}\n{}", held.stdout, held.stderr);
    assert!(
        held.stdout
            .contains("has an unknown outcome; bssctl re-reads the order after"),
        "{}",
        held.stdout
    );
    assert_eq!(pays(), 1);
    // After it: re-read, still pending, so the earlier pay did not take
    // effect and this one is sent.
    let after = env.run(&[
        "orders",
        "pay",
        PENDING_ORDER,
        "--auto-approve",
        "--settle-time",
        "0",
    ]);
    assert!(
        after.stdout.contains("did not take effect"),
        "{}\n{}",
        after.stdout,
        after.stderr
    );
    assert_eq!(pays(), 2);
}

#[test]
fn unmatched_failure_entries_are_unknown_for_to_on_demand_and_unsubscribe_too() {
    for (api, kind, manifests, extra) in [
        ("UpdatePeriodToOnDemand", "set_on_demand", examples(), None),
        (
            "CancelResourcesSubscription",
            "unsubscribe",
            repo("examples/cleanup").display().to_string(),
            Some("--allow-unsubscribe"),
        ),
    ] {
        let env = Env::start(&["--unmatched-failure-every", "1", "--fault-api", api]);
        let mut args = vec!["apply", "--auto-approve", "-f", &manifests];
        args.extend(extra);
        let o = env.run(&args);
        assert_eq!(o.code, 1, "{api}: {}\n{}", o.stdout, o.stderr);
        let prefix = format!("Unknown: {kind}");
        assert!(
            o.stdout.lines().any(|l| l.starts_with(&prefix)),
            "{api}: {}",
            o.stdout
        );
        assert!(
            !o.stdout
                .lines()
                .any(|l| l.starts_with(&format!("Note: {kind}"))),
            "{api}: {}",
            o.stdout
        );
        let journal = std::fs::read_to_string(env.journal()).unwrap();
        assert!(journal.contains("\"outcome\":\"unknown\""), "{api}");
        if kind == "unsubscribe" {
            // A release with an unknown outcome is held like a purchase.
            let plan = env.run(&["plan", "--detailed-exitcode", "-f", &manifests]);
            assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
            assert!(
                plan.stdout.contains("unsubscribe not planned"),
                "{}",
                plan.stdout
            );
        }
    }
}

#[test]
fn a_saved_plan_never_rebuys_what_an_unknown_purchase_bought() {
    // An unpaid renewal (the expiry does not move until it is paid) whose
    // answer is lost; the late purchase lands.
    let env = Env::start(&[
        "--late-apply-every",
        "1",
        "--late-apply-ms",
        "100",
        "--fault-api",
        "RenewalResources",
    ]);
    let m = env.ws.write("unpaid.yaml", UNPAID_RENEWAL);
    let m = m.to_str().unwrap();
    let plan_file = env.ws.path("plan.json");
    let saved = env.run(&["plan", "-f", m, "--out", plan_file.to_str().unwrap()]);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let first = env.run(&["apply", "--auto-approve", "-f", m]);
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert!(
        wait_until(Duration::from_secs(20), || env.renewals().len() == 1),
        "the late renewal lands"
    );
    let calls = renew_calls(&env.log);
    let o = env.run(&[
        "apply",
        "--auto-approve",
        "--settle-time",
        "0",
        plan_file.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("took effect after this plan was made"),
        "{}",
        o.stderr
    );
    assert_eq!(renew_calls(&env.log), calls);
    assert_eq!(env.renewals().get(DB), Some(&1));
}
