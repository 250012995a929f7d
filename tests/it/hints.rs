//! Every error code bssctl knows has a hint saying what to do, and the hint
//! reaches the user: table-driven over every code in the BSS reference (and
//! the gateway's auth codes, HTTP 401/403), then end to end wherever the
//! sandbox really produces the code — through the typed client, in apply's
//! summary and JSON, in plan warnings, in `orders`, and on the top-level
//! `Error:` line.

use bssctl::bss::credentials::{Auth, Credentials};
use bssctl::bss::model::*;
use bssctl::bss::{Api, ApiError, Secret};
use bssctl::hints::{hint, hint_for_error, EXTRA_CODES, REFERENCE_CODES};
use serde_json::Value;
use std::collections::BTreeSet;

/// Each code with words its hint must contain (what to do).
const TABLE: &[(&str, &str)] = &[
    ("CBC.0000", "nothing to do"),
    ("CBC.0100", "bssctl validate"),
    ("CBC.0151", "bss:renewal:update"),
    ("CBC.0156", "--site international"),
    ("CBC.0999", "try again later"),
    ("CBC.3002", "bssctl orders --all"),
    ("CBC.3006", "--exclude"),
    ("CBC.3016", "renew it first"),
    ("CBC.30050007", "declare the main resource"),
    ("CBC.30050008", "choose another renew_ahead.period"),
    ("CBC.30050009", "remove it from the manifests"),
    ("CBC.30050010", "bssctl orders pay ORDER_ID"),
    ("CBC.30050011", "try again later"),
    ("CBC.30050013", "cannot be renewed"),
    ("CBC.30010036", "declare the main resource's id"),
    ("CBC.99003634", "renewed together"),
    ("CBC.99003012", "check the id"),
    ("CBC.99003602", "renew it first"),
    ("CBC.99003608", "on_expiry: auto_renew or none"),
    ("CBC.99003626", "frozen"),
    ("CBC.30000010", "bssctl orders --all"),
    ("CBC.99003106", "no longer pending payment"),
    ("CBC.99005003", "top up"),
    ("CBC.0101", "bssctl orders --all"),
    ("CBC.0154", "HUAWEICLOUD_SDK_AUTH_TOKEN"),
    ("CBC.0155", "bss:order:pay"),
    ("CBC.30050012", "report it"),
    ("CBC.99006006", "--exclude"),
    ("CBC.99006055", "shorter renew_ahead.period"),
    ("CBC.30010069", "choose another renew_ahead.period"),
    ("CBC.30050006", "do not renew again"),
    ("CBC.99000092", "1-11 months or 1-3 years"),
    ("CBC.99003100", "bssctl orders pay ORDER_ID"),
    ("CBC.99003016", "remove it from the manifests"),
    ("CBC.99003144", "bssctl orders --all"),
    ("CBC.99003154", "shorter renew_ahead.period"),
    ("CBC.99003605", "nothing to do"),
    ("CBC.99003609", "on_expiry: auto_renew or none"),
    ("CBC.99003611", "on_expiry: auto_renew or none"),
    ("CBC.99003622", "on_expiry: auto_renew or none"),
    ("CBC.99003610", "renew it first"),
    ("CBC.99003623", "wait for it to finish"),
    ("CBC.99003624", "contact Huawei Cloud support"),
    ("CBC.99003625", "contact Huawei Cloud support"),
    ("CBC.30000053", "remove state: unsubscribed"),
    ("CBC.30000067", "remove it from the manifests"),
    ("CBC.99003128", "nothing to unsubscribe"),
    ("CBC.99003185", "as a whole"),
    ("CBC.99003643", "remove state: unsubscribed"),
    ("CBC.99003647", "remove state: unsubscribed"),
    ("CBC.99003649", "remove state: unsubscribed"),
    ("CBC.99003650", "through the marketplace"),
    ("CBC.99003652", "remove state: unsubscribed"),
    ("CBC.99003651", "bssctl orders --all"),
    ("CBC.99003654", "add-on package"),
    ("CBC.99003656", "contact Huawei Cloud support"),
    ("CBC.99006066", "bssctl plan first"),
    ("CBC.99003110", "payment deadline has passed"),
    ("CBC.99003108", "--no-offers"),
    ("CBC.99003112", "--no-offers"),
    ("CBC.99003116", "--no-offers"),
    ("CBC.99003117", "--discount ID"),
    ("CBC.99003147", "--no-offers"),
    ("CBC.99003156", "coupon_max_use_quantity"),
    ("CBC.99008040", "wait a minute"),
    ("CBC.99008056", "tomorrow"),
    ("CBC.99005010", "bssctl orders --all"),
    ("CBC.99000089", "combined order"),
    ("APIG.0308", "lower --rate-limit"),
    ("APIGW.0301", "AK/SK"),
    ("APIGW.0307", "get a new one from IAM"),
    ("APIGW.0101", "--endpoint"),
    ("401", "credentials"),
    ("403", "BSS permission"),
    ("TRANSPORT", "--endpoint"),
    ("AMBIGUOUS", "may have taken effect"),
    ("CERTIFICATE", "--ca-bundle"),
    ("REDIRECT", "never follows"),
];

#[test]
fn every_code_has_a_hint_that_says_what_to_do() {
    for (code, words) in TABLE {
        let h = hint(code).unwrap_or_else(|| panic!("{code} has no hint"));
        assert!(h.contains(words), "{code}: {h:?} lacks {words:?}");
        assert!(h.len() > 40, "{code}: {h:?} is too short to help");
    }
    let table: BTreeSet<&str> = TABLE.iter().map(|(c, _)| *c).collect();
    let known: BTreeSet<&str> = REFERENCE_CODES
        .iter()
        .chain(EXTRA_CODES.iter())
        .copied()
        .collect();
    assert_eq!(table, known, "the table covers exactly the known codes");
}

/// The reference's error table (§10), when the shared docs sit beside the
/// repository: every code in it has a hint.
#[test]
fn the_reference_error_table_is_covered() {
    let path = crate::common::repo("../shared/bss-api/README.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "{} not found; REFERENCE_CODES is checked by the table test",
            path.display()
        );
        return;
    };
    let section = text
        .split("## 10.")
        .nth(1)
        .and_then(|s| s.split("## 11.").next())
        .expect("§10 in the reference");
    let codes = reference_codes(section);
    assert!(codes.len() >= 60, "{codes:?}");
    for c in &codes {
        assert!(hint(c).is_some(), "{c} from the reference has no hint");
    }
    let listed: BTreeSet<String> = REFERENCE_CODES.iter().map(|c| c.to_string()).collect();
    assert_eq!(codes, listed);
}

/// Every code of the table's code column, with the reference's shorthand
/// expanded: `CBC.99003608` / `…3609` means `CBC.99003609`.
fn reference_codes(section: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for row in section.lines().filter(|l| l.starts_with('|')) {
        let Some(cell) = row.split('|').nth(2) else {
            continue;
        };
        let mut previous = String::new();
        for (i, token) in cell.split('`').enumerate() {
            if i % 2 == 0 {
                continue;
            }
            let code = match token.strip_prefix('…') {
                Some(tail) if previous.len() > tail.len() => {
                    format!("{}{tail}", &previous[..previous.len() - tail.len()])
                }
                _ => token.to_string(),
            };
            if code.starts_with("CBC.") || code.starts_with("APIG.") {
                previous = code.clone();
                out.insert(code);
            }
        }
    }
    out
}

#[test]
fn shorthand_codes_in_the_reference_expand() {
    let row = "| 400 | `CBC.99003608` / `…3609` / `…3611` | to-on-demand | x |";
    let codes: Vec<String> = reference_codes(row).into_iter().collect();
    assert_eq!(codes, ["CBC.99003608", "CBC.99003609", "CBC.99003611"]);
}

fn service(api: Api, status: u16, code: &str, denial: Option<&str>) -> ApiError {
    ApiError::Service {
        api,
        status,
        error_code: code.into(),
        error_msg: "m".into(),
        request_id: None,
        encoded_authorization_message: denial.map(str::to_string),
    }
}

#[test]
fn statuses_and_iam_denials_refine_the_hint() {
    let h = hint_for_error(&service(Api::PayOrder, 403, "CBC.0151", Some("ENC123"))).unwrap();
    assert!(
        h.contains("This call (PayOrders) needs bss:order:pay"),
        "{h}"
    );
    assert!(h.contains("encoded_authorization_message"), "{h}");
    assert!(h.contains("ENC123"), "{h}");
    let h = hint_for_error(&service(Api::Renew, 403, "IAM.0002", None)).unwrap();
    assert!(h.contains("BSS permission"), "{h}");
    assert!(h.contains("needs bss:renewal:update"), "{h}");
    let h = hint_for_error(&service(Api::QueryResources, 401, "IAM.0001", None)).unwrap();
    assert!(h.contains("credentials"), "{h}");
    let h = hint_for_error(&service(Api::QueryResources, 429, "OTHER", None)).unwrap();
    assert!(h.contains("--rate-limit"), "{h}");
    assert_eq!(
        hint_for_error(&service(Api::Renew, 400, "CBC.1", None)),
        None
    );
}

// ---------------------------------------------------------------------------
// The typed client against the in-process sandbox

#[track_caller]
fn code_of(e: &ApiError) -> String {
    e.error_code()
        .unwrap_or_else(|| panic!("no code: {e}"))
        .to_string()
}

/// The code of the one failed id in a 200 answer.
fn failed_code(infos: Option<Vec<FailResourceInfo>>) -> String {
    let infos = infos.expect("fail_resource_infos");
    assert_eq!(infos.len(), 1, "{infos:?}");
    infos[0].error_code.clone().unwrap()
}

#[track_caller]
fn assert_hint(code: &str, words: &str) {
    let h = hint(code).unwrap_or_else(|| panic!("{code}: no hint"));
    assert!(h.contains(words), "{code}: {h}");
}

#[tokio::test]
async fn codes_the_sandbox_produces_carry_their_hints() {
    use crate::common::*;
    let sb = Sandbox::start().await;
    let c = sb.client();
    let renew = |id: &str, pay: i32| RenewalResourcesReq {
        resource_ids: vec![id.to_string()],
        period_type: PERIOD_TYPE_MONTH,
        period_num: 1,
        is_auto_pay: Some(pay),
    };

    // Renewals refused per resource (HTTP 200, fail_resource_infos).
    let cases = [
        (WEB01_DISK, "CBC.30010036", "main resource"),
        ("no-such-resource-0000", "CBC.30050009", "does not exist"),
        (OBS_NOT_RENEWABLE, "CBC.30050013", "cannot be renewed"),
    ];
    for (id, want, words) in cases {
        let r = c.renew(&renew(id, 1)).await.expect("HTTP 200");
        let code = failed_code(r.body.fail_resource_infos);
        assert_eq!(code, want, "{id}");
        assert_hint(&code, words);
    }
    // A resource in an unpaid order: the whole renewal is refused (HTTP 400).
    let e = c
        .renew(&renew("bb1c2eb0-0c48-2a03-7382-153c52a4309d", 1))
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), "CBC.99003100", "{e}");
    assert!(
        hint_for_error(&e).unwrap().contains("bssctl orders pay"),
        "{e}"
    );

    // Renewal pricing of an attached resource.
    let r = c
        .renew_rate(&RenewRateReq {
            resource_ids: vec![WEB01_DISK.to_string()],
            period_type: PERIOD_TYPE_MONTH,
            period_num: 1,
            include_relative_resources: Some(true),
        })
        .await
        .expect("HTTP 200");
    let code = failed_code(r.body.fail_resource_infos);
    assert_eq!(code, "CBC.30050007");
    assert_hint(&code, "main resource");

    // Auto-renew on an unknown id and on an expired resource (HTTP 400).
    let on = AutoRenewalResourcesReq {
        auto_renew_times: None,
        period_type: None,
    };
    for (id, want, words) in [
        ("no-such-resource-0000", "CBC.99003012", "check the id"),
        (
            "693e3d80-5e8e-d63f-5bdc-1f322deadfda",
            "CBC.99003602",
            "renew it first",
        ),
    ] {
        let e = c.enable_auto_renew(id, &on).await.unwrap_err();
        assert_eq!(code_of(&e), want, "{e}");
        assert!(hint_for_error(&e).unwrap().contains(words), "{e}");
    }

    // To pay-per-use refused for a marketplace product.
    let r = c
        .to_on_demand(&PeriodToOnDemandReq {
            operation: TO_ON_DEMAND_SET_UP.into(),
            resource_ids: vec![OBS_NO_ON_DEMAND.to_string()],
        })
        .await
        .expect("HTTP 200");
    let code = r.body.error_details.unwrap()[0].error_code.clone().unwrap();
    assert_eq!(code, "CBC.99003608");
    assert_hint(&code, "pay-per-use");

    // Paying: an unknown order, a completed one, a coupon not offered.
    let pay = |order: &str, coupon: Option<&str>| PayCustomerOrderV3Req {
        order_id: order.to_string(),
        use_coupon: if coupon.is_some() { YES } else { NO }.to_string(),
        use_discount: NO.to_string(),
        coupon_infos: coupon.map(|id| {
            vec![CouponSimpleInfoOrderPayV3 {
                id: id.to_string(),
                r#type: 301,
            }]
        }),
        discount_infos: None,
    };
    let completed = sb
        .state()
        .orders
        .iter()
        .find(|o| o.status == ORDER_STATUS_COMPLETED)
        .expect("a completed seed order")
        .order_id
        .clone();
    for (req, want, words) in [
        (
            pay("CS9999999999NOPE0", None),
            "CBC.30000010",
            "bssctl orders --all",
        ),
        (
            pay(&completed, None),
            "CBC.99003106",
            "no longer pending payment",
        ),
        (
            pay(PENDING_ORDER, Some("CPNOSUCHCOUPON")),
            "CBC.99003108",
            "--no-offers",
        ),
    ] {
        let e = c.pay_order(&req).await.unwrap_err();
        assert_eq!(code_of(&e), want, "{e}");
        assert!(hint_for_error(&e).unwrap().contains(words), "{e}");
    }
    sb.stop().await;
}

#[tokio::test]
async fn insufficient_balance_server_errors_and_expired_tokens() {
    use crate::common::*;
    // A renewal the balance cannot pay.
    let mut state = bssctl::sandbox::seed_state();
    for b in &mut state.balances {
        b.amount = "1.00".parse().unwrap();
        if b.account_type == ACCOUNT_TYPE_CREDIT {
            b.amount = rust_decimal::Decimal::ZERO;
        }
    }
    let sb = Sandbox::start_with(|_| {}, Some(state)).await;
    let e = sb
        .client()
        .renew(&RenewalResourcesReq {
            resource_ids: vec![API01.to_string()],
            period_type: PERIOD_TYPE_MONTH,
            period_num: 1,
            is_auto_pay: Some(1),
        })
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), "CBC.99005003", "{e}");
    assert!(hint_for_error(&e).unwrap().contains("top up"), "{e}");
    sb.stop().await;

    // A server error, not retried with one attempt.
    let sb = Sandbox::start_with(|cfg| cfg.faults.error_every = Some(1), None).await;
    let mut cfg = client_config(&sb.url());
    cfg.retry = fast_retry(1);
    let c = bssctl::bss::BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    let e = c.balances().await.unwrap_err();
    assert_eq!(code_of(&e), "CBC.0999", "{e}");
    assert!(
        hint_for_error(&e).unwrap().contains("try again later"),
        "{e}"
    );
    sb.stop().await;

    // An IAM token the gateway no longer accepts.
    let sb = Sandbox::start_with(
        |cfg| cfg.auth_token = Some(Secret::new("the-current-token")),
        None,
    )
    .await;
    let creds = Credentials {
        auth: Auth::Token(Secret::new("an-expired-token")),
        domain_id: Some(DOMAIN.to_string()),
        iam_endpoint: None,
        source: "test".into(),
    };
    let e = client(&sb.url(), creds).balances().await.unwrap_err();
    assert_eq!(code_of(&e), "APIGW.0307", "{e}");
    let h = hint_for_error(&e).unwrap();
    assert!(
        h.contains("get a new one from IAM") && h.contains("AK/SK"),
        "{h}"
    );
    sb.stop().await;
}

// ---------------------------------------------------------------------------
// Through the CLI against a `bssctl sandbox` process

use crate::common::{run, seed_into, state_json, text, SandboxProc, Workspace};

const PROD_API_01: &str = "c62697d1-8e77-8686-3cba-12b6ff3b0f57";

fn renew_manifest(auto_pay: bool) -> String {
    format!(
        "version: 1
defaults:
  auto_pay: {auto_pay}
resources:
  - id: {PROD_API_01}
    renew_ahead: {{ min_remaining: 14d, period: 1m }}
"
    )
}

fn start(ws: &Workspace, flags: &[&str], tweak: impl FnOnce(&mut Value)) -> SandboxProc {
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let mut json = state_json(&state);
    tweak(&mut json);
    std::fs::write(&state, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    SandboxProc::start(&state, flags)
}

fn bssctl(ws: &Workspace, sb: &SandboxProc, args: &[&str]) -> (i32, String, String) {
    let mut c = ws.bssctl_at(sb);
    c.args(args);
    let o = run(c);
    let (out, err) = text(&o);
    (o.status.code().unwrap_or(-1), out, err)
}

#[test]
fn insufficient_balance_in_apply_summary_and_json() {
    let ws = Workspace::new();
    let sb = start(&ws, &[], |s| {
        for b in s["balances"].as_array_mut().unwrap() {
            b["amount"] = Value::from(if b["account_type"] == 1 {
                "1.00"
            } else {
                "0.00"
            });
        }
    });
    let m = ws.write("renew.yaml", &renew_manifest(true));
    let m = m.to_str().unwrap();
    let (code, out, err) = bssctl(
        &ws,
        &sb,
        &["apply", "--auto-approve", "--ignore-balance", "-f", m],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains(&format!(
            "Failed: renew prod-api-01 ({PROD_API_01}): CBC.99005003 Insufficient balance"
        )),
        "{out}"
    );
    assert!(
        out.contains("\n  hint: insufficient balance: top up the account"),
        "{out}"
    );

    let (code, out, err) = bssctl(
        &ws,
        &sb,
        &[
            "apply",
            "--auto-approve",
            "--ignore-balance",
            "--format",
            "json",
            "-f",
            m,
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    let doc: Value = serde_json::from_str(&out).expect("stdout is one JSON document");
    assert_eq!(doc["format_version"], "1");
    assert_eq!(doc["plan"]["format_version"], "1");
    assert_eq!(doc["plan"]["changes"][0]["resource_id"], PROD_API_01);
    let r = &doc["results"][0];
    assert_eq!(r["resource_id"], PROD_API_01);
    assert_eq!(r["status"], "failed");
    assert_eq!(r["operation"]["kind"], "renew");
    assert_eq!(r["error_code"], "CBC.99005003");
    assert!(r["hint"].as_str().unwrap().contains("top up"), "{r}");
    assert_eq!(
        doc["summary"],
        serde_json::json!({"done": 0, "failed": 1, "skipped": 0})
    );
    assert_eq!(doc["unpaid_orders"], serde_json::json!([]));
}

#[test]
fn an_unpaid_order_blocking_a_saved_plan_shows_how_to_pay_it() {
    let ws = Workspace::new();
    let sb = start(&ws, &[], |_| {});
    let paid = ws.write("paid.yaml", &renew_manifest(true));
    let unpaid = ws.write("unpaid.yaml", &renew_manifest(false));
    let plan = ws.path("plan.json");
    let (code, out, err) = bssctl(
        &ws,
        &sb,
        &[
            "plan",
            "-f",
            paid.to_str().unwrap(),
            "--out",
            plan.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    // Meanwhile the resource lands in an unpaid order.
    let (code, out, err) = bssctl(
        &ws,
        &sb,
        &["apply", "--auto-approve", "-f", unpaid.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = bssctl(
        &ws,
        &sb,
        &[
            "apply",
            "--auto-approve",
            "--ignore-balance",
            plan.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    // Re-checked right before buying (DESIGN §9): the order that now holds
    // it is named with how to pay it, and nothing is sent to be refused.
    assert!(out.contains("Skipped: renew prod-api-01"), "{out}");
    assert!(
        out.contains("an unpaid renewal order CS")
            && out.contains("now holds it")
            && out.contains("pay it (bssctl orders pay CS"),
        "{out}"
    );
    // The API's own refusal still carries its hint where it is met.
    assert!(hint("CBC.30050010")
        .unwrap()
        .contains("pay it (bssctl orders pay ORDER_ID)"));
}

#[test]
fn a_pricing_failure_in_plan_warnings_carries_its_hint() {
    let ws = Workspace::new();
    let sb = start(&ws, &[], |_| {});
    let m = ws.write(
        "obs.yaml",
        "version: 1
resources:
  - id: ebb54cd1-a000-2c41-eaf1-4959897eaf0e
    renew_ahead: { min_remaining: 30d, period: 1y }
",
    );
    let (code, out, err) = bssctl(&ws, &sb, &["plan", "-f", m.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("is unknown: CBC.30050013: "), "{out}");
    assert!(
        out.contains("\n  hint: this product cannot be renewed"),
        "{out}"
    );
    let (_, out, _) = bssctl(
        &ws,
        &sb,
        &["plan", "--format", "json", "-f", m.to_str().unwrap()],
    );
    let plan: Value = serde_json::from_str(&out).unwrap();
    let warnings = plan["warnings"].to_string();
    assert!(
        warnings.contains("hint: this product cannot be renewed"),
        "{warnings}"
    );
}

#[test]
fn throttling_shows_the_gateway_hint_on_the_error_line() {
    let ws = Workspace::new();
    let sb = start(&ws, &["--throttle-every", "1"], |_| {});
    let (code, out, err) = bssctl(&ws, &sb, &["--max-attempts", "1", "orders", "--all"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("Error: ListCustomerOrders: HTTP 429 APIG.0308"),
        "{err}"
    );
    assert!(
        err.contains("\n  hint: throttled by the API gateway"),
        "{err}"
    );
    assert!(err.contains("lower --rate-limit"), "{err}");
}

#[test]
fn the_gateway_rate_limit_shows_the_same_hint() {
    let ws = Workspace::new();
    // One request per second per API; bssctl paced at 50/s runs into it on
    // the second renew-rate or resource call of a plan.
    let sb = start(&ws, &["--gateway-rate-limit", "1"], |_| {});
    let (code, out, err) = bssctl(
        &ws,
        &sb,
        &[
            "--max-attempts",
            "1",
            "--rate-limit",
            "50",
            "--page-size",
            "5",
            "plan",
            "-f",
            crate::common::repo("examples/manifests").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("APIG.0308"), "{err}");
    assert!(
        err.contains("\n  hint: throttled by the API gateway"),
        "{err}"
    );
}

#[test]
fn a_wrong_secret_key_shows_the_signature_hint_and_never_the_key() {
    let ws = Workspace::new();
    let sb = start(&ws, &[], |_| {});
    let mut c = ws.bssctl_at(&sb);
    c.env("HUAWEICLOUD_SDK_SK", "not-the-right-secret-key-42");
    c.args(["orders"]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("APIGW.0301"), "{err}");
    assert!(
        err.contains("\n  hint: the request signature was refused"),
        "{err}"
    );
    assert!(
        !err.contains("not-the-right-secret-key-42")
            && !out.contains("not-the-right-secret-key-42")
    );
}

#[test]
fn a_wrong_account_id_shows_the_permission_hint() {
    let ws = Workspace::new();
    let sb = start(&ws, &[], |_| {});
    let mut c = ws.bssctl_at(&sb);
    c.env(
        "HUAWEICLOUD_SDK_DOMAIN_ID",
        "ffffffffffffffffffffffffffffffff",
    );
    c.args(["orders"]);
    let o = run(c);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("HTTP 403 CBC.0151"), "{err}");
    assert!(err.contains("\n  hint: access denied by IAM"), "{err}");
    assert!(
        err.contains("This call (ListCustomerOrders) needs bss:order:view"),
        "{err}"
    );
}
