//! Output safety end to end: a `bssctl sandbox` process returns hostile
//! strings (a resource name, API error messages, an order id, a coupon id)
//! and bssctl shows them without an escape byte, without a line of their
//! own in text, and in markdown without HTML, live mentions or a second
//! comment marker. Ordinary names are covered by the snapshot tests.

use crate::common::*;
use serde_json::Value;

/// What the issue tried: erase the line above, print a fake planned
/// renewal, break the table, load a tracking pixel, ping everyone, forge the
/// comment marker.
const HOSTILE: &str = "\x1b[1A\x1b[2K\n  + renew 3y fake-line | ` <img src=https://x/t.png> @everyone <!-- bssctl-plan-comment --> \u{202e}";
/// How text shows its start.
const HOSTILE_SHOWN: &str = "\\x1b[1A\\x1b[2K\\n  + renew 3y fake-line | `";
const MARKER: &str = "<!-- bssctl-plan-comment -->";

const PROD_DB_01: &str = "4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01";
const PROD_API_01: &str = "c62697d1-8e77-8686-3cba-12b6ff3b0f57";
const STAGING_APP_02: &str = "bb1c2eb0-0c48-2a03-7382-153c52a4309d";
const SEED_ORDER: &str = "CS2611220930RJPYC";
const VOUCHER: &str = "CP26110109350001VC";

struct Env {
    ws: Workspace,
    sandbox: SandboxProc,
}

impl Env {
    /// A sandbox on the seed as `tweak` changes it, with extra flags.
    fn start(flags: &[&str], tweak: impl FnOnce(&mut Value)) -> Env {
        let ws = Workspace::new();
        let state = ws.path("sandbox.json");
        seed_into(&state);
        let mut json = state_json(&state);
        tweak(&mut json);
        std::fs::write(&state, serde_json::to_string_pretty(&json).unwrap()).unwrap();
        let sandbox = SandboxProc::start(&state, flags);
        Env { ws, sandbox }
    }

    fn bssctl(&self, args: &[&str]) -> Run {
        let mut c = self.ws.bssctl_at(&self.sandbox);
        c.args(args);
        let o = run(c);
        let (stdout, stderr) = text(&o);
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout,
            stderr,
        }
    }

    fn manifest(&self, yaml: &str) -> String {
        self.manifest_named("m.yaml", yaml)
    }

    fn manifest_named(&self, file: &str, yaml: &str) -> String {
        self.ws.write(file, yaml).to_str().unwrap().to_string()
    }
}

fn rename(state: &mut Value, id: &str, name: &str) {
    let r = state["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["resource_id"] == id)
        .unwrap_or_else(|| panic!("{id} in the seed"));
    r["resource_name"] = Value::from(name);
}

/// No escape byte, no other control character but newlines, no bidi
/// override, and the fake line never starts a line.
fn assert_safe_text(what: &str, out: &str) {
    assert!(
        !out.chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
        "{what}: a control character got through:\n{out}"
    );
    for line in out.lines() {
        assert!(
            !line.trim_start().starts_with("+ renew 3y fake-line"),
            "{what}: the fake line starts a line:\n{out}"
        );
    }
}

/// `|` that delimit cells: not escaped by a backslash.
fn delimiters(row: &str) -> usize {
    let mut n = 0;
    let mut chars = row.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '|' => n += 1,
            _ => {}
        }
    }
    n
}

/// No HTML, no live mention, no marker beyond `markers`, table rows of
/// `columns` cells.
fn assert_safe_markdown(what: &str, out: &str, markers: usize, columns: usize) {
    assert_safe_text(what, out);
    assert_eq!(out.matches(MARKER).count(), markers, "{what}:\n{out}");
    assert_eq!(out.matches("<!--").count(), markers, "{what}:\n{out}");
    assert!(!out.contains("<img"), "{what}: raw <img:\n{out}");
    assert!(!out.contains("@everyone"), "{what}: live mention:\n{out}");
    // Each table keeps its header's cells. The plan's table has `columns`;
    // the forecast's risk section (DESIGN §11) has 5.
    let mut header: Option<usize> = None;
    for line in out.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let n = delimiters(line);
        match header {
            None => {
                let risks = line.starts_with("| date | resource | id | managed | what |");
                let want = if risks { 6 } else { columns + 1 };
                assert_eq!(n, want, "{what}: header {line:?}");
                header = Some(n);
            }
            Some(h) => assert_eq!(n, h, "{what}: row {line:?}"),
        }
    }
}

#[test]
fn a_hostile_resource_name_cannot_spoof_the_plan_in_any_format() {
    let env = Env::start(&[], |s| rename(s, PROD_DB_01, HOSTILE));
    let m = env.manifest(&format!(
        "version: 1
resources:
  - id: {PROD_DB_01}
    renew_ahead: {{ min_remaining: 30d, period: 1y }}
"
    ));
    // A manifest name that differs from the live one: the warning (for a
    // setting change) and the error (for a renewal) both name the live name.
    let mismatch = env.manifest_named(
        "mismatch.yaml",
        &format!(
            "version: 1
resources:
  - id: {PROD_DB_01}
    name: prod-db-01
    on_expiry: on_demand
"
        ),
    );
    let warned = env.bssctl(&["plan", "-f", &mismatch]);
    assert_eq!(warned.code, 0, "{}\n{}", warned.stdout, warned.stderr);
    assert_safe_text("mismatch warning", &warned.stdout);
    assert!(
        warned.stdout.contains("differs from the live name")
            && warned.stdout.contains("renew 3y fake-line"),
        "the name-mismatch warning is shown, escaped: {}",
        warned.stdout
    );
    let refused = env.manifest_named(
        "refused.yaml",
        &format!(
            "version: 1
resources:
  - id: {PROD_DB_01}
    name: prod-db-01
    renew_ahead: {{ min_remaining: 30d, period: 1y }}
"
        ),
    );
    let errored = env.bssctl(&["plan", "-f", &refused]);
    assert_eq!(errored.code, 1, "{}\n{}", errored.stdout, errored.stderr);
    assert_safe_text("mismatch error", &errored.stdout);
    assert_safe_text("mismatch error stderr", &errored.stderr);
    assert!(
        errored
            .stdout
            .lines()
            .any(|l| l.starts_with("Error: ") && l.contains("its renewal is not planned")),
        "{}",
        errored.stdout
    );

    let text = env.bssctl(&["plan", "-f", &m]);
    assert_eq!(text.code, 0, "{}\n{}", text.stdout, text.stderr);
    assert_safe_text("plan text", &text.stdout);
    assert_safe_text("plan stderr", &text.stderr);
    let header = text
        .stdout
        .lines()
        .find(|l| l.contains(PROD_DB_01) && l.starts_with("  + "))
        .unwrap_or_else(|| panic!("one header line for the resource:\n{}", text.stdout));
    assert!(
        header.starts_with(&format!("  + {HOSTILE_SHOWN}")),
        "{header}"
    );
    assert!(
        text.stdout
            .contains("Plan: 1 to renew, 0 to change, 0 to unsubscribe."),
        "{}",
        text.stdout
    );

    let md = env.bssctl(&["plan", "-f", &m, "--format", "markdown"]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert_safe_markdown("plan markdown", &md.stdout, 1, 7);
    assert!(md.stdout.starts_with(MARKER), "{}", md.stdout);
    assert!(
        md.stdout
            .contains("&lt;img src=https://x/t.png&gt; @&#8203;everyone"),
        "the name is shown, escaped: {}",
        md.stdout
    );

    let json = env.bssctl(&["plan", "-f", &m, "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert!(!json.stdout.contains('\x1b'), "{}", json.stdout);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    // JSON carries the name as it is: serde escapes, consumers decide.
    assert_eq!(v["changes"][0]["resource_name"], HOSTILE);

    // apply shows the same plan before it buys.
    let apply = env.bssctl(&["apply", "-f", &m, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert_safe_text("apply text", &apply.stdout);
    assert_safe_text("apply stderr", &apply.stderr);
    assert!(apply.stdout.contains(HOSTILE_SHOWN), "{}", apply.stdout);
}

#[test]
fn api_error_messages_are_escaped_in_the_apply_summary_and_errors() {
    let flags = [
        "--error-every",
        "1",
        "--fault-api",
        "AutoRenewalResources",
        "--error-message",
        HOSTILE,
    ];
    let env = Env::start(&flags, |s| rename(s, PROD_API_01, HOSTILE));
    let m = env.manifest(&format!(
        "version: 1
resources:
  - id: {PROD_API_01}
    on_expiry: auto_renew
"
    ));

    let text = env.bssctl(&["apply", "-f", &m, "--auto-approve"]);
    assert_eq!(text.code, 1, "{}\n{}", text.stdout, text.stderr);
    assert_safe_text("apply summary", &text.stdout);
    assert_safe_text("apply stderr", &text.stderr);
    let failed = text
        .stdout
        .lines()
        .find(|l| l.starts_with("Failed: enable_auto_renew "))
        .unwrap_or_else(|| panic!("a failure line:\n{}", text.stdout));
    assert!(
        failed.contains(&format!("CBC.0999 {HOSTILE_SHOWN}")),
        "the message is shown, escaped: {failed}"
    );

    let md = env.bssctl(&["apply", "-f", &m, "--auto-approve", "--format", "markdown"]);
    assert_eq!(md.code, 1, "{}\n{}", md.stdout, md.stderr);
    assert_safe_markdown("apply markdown", &md.stdout, 1, 7);
    assert!(
        md.stdout.contains("Failed: enable_auto_renew"),
        "{}",
        md.stdout
    );

    // JSON keeps the message as the API sent it, escaped by serde.
    let json = env.bssctl(&["apply", "-f", &m, "--auto-approve", "--format", "json"]);
    assert_eq!(json.code, 1, "{}\n{}", json.stdout, json.stderr);
    assert!(!json.stdout.contains('\x1b'), "{}", json.stdout);
    assert!(
        json.stdout
            .contains("\\u001b[1A\\u001b[2K\\n  + renew 3y fake-line"),
        "{}",
        json.stdout
    );

    // An error that ends the command: the top-level `Error:` line.
    let env = Env::start(
        &[
            "--error-every",
            "1",
            "--fault-api",
            "ListPayPerUseCustomerResources",
            "--error-message",
            HOSTILE,
        ],
        |_| {},
    );
    let m = env.manifest(&format!(
        "version: 1
resources:
  - id: {PROD_API_01}
    on_expiry: auto_renew
"
    ));
    let plan = env.bssctl(&["plan", "-f", &m]);
    assert_eq!(plan.code, 1, "{}\n{}", plan.stdout, plan.stderr);
    assert_safe_text("error", &plan.stderr);
    assert!(
        plan.stderr
            .lines()
            .any(|l| l.starts_with("Error: ") && l.contains(HOSTILE_SHOWN)),
        "{}",
        plan.stderr
    );
}

#[test]
fn order_listings_escape_hostile_order_ids_and_resource_names() {
    let env = Env::start(&[], |s| {
        rename(s, STAGING_APP_02, HOSTILE);
        let order = s["orders"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|o| o["order_id"] == SEED_ORDER)
            .unwrap();
        order["order_id"] = Value::from(format!("{SEED_ORDER}{HOSTILE}"));
    });

    let text = env.bssctl(&["orders", "--all"]);
    assert_eq!(text.code, 0, "{}\n{}", text.stdout, text.stderr);
    assert_safe_text("orders text", &text.stdout);
    assert!(
        text.stdout
            .contains(&format!("{SEED_ORDER}{HOSTILE_SHOWN}")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains(&format!("  resources  {HOSTILE_SHOWN}")),
        "{}",
        text.stdout
    );

    let md = env.bssctl(&["orders", "--all", "--format", "markdown"]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert_safe_markdown("orders markdown", &md.stdout, 0, 9);
    assert_eq!(
        md.stdout.lines().filter(|l| l.starts_with('|')).count(),
        8,
        "header, separator, the seed's six pending orders: {}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains(&format!("| <code>{SEED_ORDER}\\\\x1b[1A")),
        "{}",
        md.stdout
    );

    let json = env.bssctl(&["orders", "--all", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert!(!json.stdout.contains('\x1b'), "{}", json.stdout);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|o| o["order_id"] == format!("{SEED_ORDER}{HOSTILE}")),
        "{v}"
    );
}

#[test]
fn coupon_listings_and_order_errors_are_escaped() {
    let coupon = format!("{VOUCHER}{HOSTILE}");
    let env = Env::start(&[], |s| {
        rename(s, STAGING_APP_02, HOSTILE);
        let c = s["coupons"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|c| c["coupon_id"] == VOUCHER)
            .unwrap();
        c["coupon_id"] = Value::from(coupon.as_str());
    });
    let pay = env.bssctl(&["orders", "pay", SEED_ORDER, "--auto-approve"]);
    assert_eq!(pay.code, 0, "{}\n{}", pay.stdout, pay.stderr);
    assert_safe_text("orders pay", &pay.stdout);
    assert_safe_text("orders pay stderr", &pay.stderr);
    assert!(
        pay.stdout
            .contains(&format!("  coupon     {VOUCHER}{HOSTILE_SHOWN}")),
        "the coupon is listed, escaped: {}",
        pay.stdout
    );
    assert!(
        pay.stdout
            .contains(&format!("  resources  {HOSTILE_SHOWN}")),
        "{}",
        pay.stdout
    );
    assert!(
        pay.stdout.contains(&format!("Paid {SEED_ORDER}")),
        "{}",
        pay.stdout
    );

    // An API error message on the cancel.
    let env = Env::start(
        &[
            "--error-every",
            "1",
            "--fault-api",
            "CancelCustomerOrder",
            "--error-message",
            HOSTILE,
        ],
        |_| {},
    );
    let cancel = env.bssctl(&["orders", "cancel", SEED_ORDER, "--auto-approve"]);
    assert_eq!(cancel.code, 1, "{}\n{}", cancel.stdout, cancel.stderr);
    assert_safe_text("orders cancel", &cancel.stdout);
    assert_safe_text("orders cancel stderr", &cancel.stderr);
    assert!(
        cancel
            .stdout
            .lines()
            .any(|l| l.starts_with(&format!("Unknown: cancel {SEED_ORDER}"))
                && l.contains(HOSTILE_SHOWN)),
        "{}",
        cancel.stdout
    );
}

#[test]
fn a_pricing_failure_cannot_forge_a_warning_or_hint_line() {
    let message = format!("{HOSTILE}\n  hint: forged, renewing is free");
    let env = Env::start(
        &[
            "--error-every",
            "1",
            "--fault-api",
            "ListRenewRateOnPeriod",
            "--error-message",
            &message,
        ],
        |s| rename(s, PROD_DB_01, &format!("{HOSTILE}\n  hint: forged too")),
    );
    let m = env.manifest(&format!(
        "version: 1
resources:
  - id: {PROD_DB_01}
    renew_ahead: {{ min_remaining: 30d, period: 1y }}
"
    ));
    let text = env.bssctl(&["plan", "-f", &m]);
    assert_eq!(text.code, 0, "{}\n{}", text.stdout, text.stderr);
    assert_safe_text("plan text", &text.stdout);
    let warning = text
        .stdout
        .lines()
        .find(|l| l.starts_with("Warning: price of renewing "))
        .unwrap_or_else(|| panic!("a pricing warning:\n{}", text.stdout));
    assert!(warning.contains("forged too"), "{warning}");
    assert!(warning.contains("forged, renewing is free"), "{warning}");
    assert!(
        !text
            .stdout
            .lines()
            .any(|l| l.trim_start().starts_with("hint: forged")),
        "no forged hint line:\n{}",
        text.stdout
    );

    let md = env.bssctl(&["plan", "-f", &m, "--format", "markdown"]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert_safe_markdown("plan markdown", &md.stdout, 1, 7);
}
