//! Enterprise multi-accounts (issue 13): the sandbox serves a master and
//! its sub-accounts, each with its own keys, resources and balance; the §13
//! calls for the master with the `trans_id` rule; IAM's assume-agency call;
//! and the official SDK's request shapes for those calls.

use crate::common::*;
use bssctl::bss::credentials::{Auth, Credentials};
use bssctl::bss::model::{TransferEnterpriseMultiAccountReq, BALANCE_TYPE_DEBIT};
use bssctl::bss::Secret;
use bssctl::sandbox::state::State;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

pub const DEV_ID: &str = "3c9e7a1b5d2f4e6a8b0c1d2e3f4a5b6c";
pub const PROD_ID: &str = "7d1e9f3a5b2c4d6e8f0a1b2c3d4e5f6a";
pub const DEV_AK: &str = "ACMEDEVAK00000000001";
pub const DEV_SK: &str = "acme-dev-sandbox-secret-key-0001";
pub const PROD_AK: &str = "ACMEPRODAK0000000001";
pub const PROD_SK: &str = "acme-prod-sandbox-secret-key-0001";
pub const DEV_WEB: &str = "d3e0a1b2-0001-4d00-8a00-000000000001";
pub const CORE_WEB: &str = "7a0b1c2d-0002-4d00-8a00-000000000001";
pub const AGENCY: &str = "bssctl-master-ops";

/// The enterprise example state: the seed's master plus three sub-accounts.
pub fn enterprise_state() -> State {
    serde_json::from_str(
        &std::fs::read_to_string(repo("examples/sandbox/enterprise.json")).unwrap(),
    )
    .expect("the enterprise example parses as sandbox state")
}

fn creds(ak: &str, sk: &str, domain: &str) -> Credentials {
    Credentials {
        auth: Auth::AkSk {
            ak: ak.into(),
            sk: Secret::new(sk),
            security_token: None,
        },
        domain_id: Some(domain.into()),
        iam_endpoint: None,
        source: "test".into(),
    }
}

fn cash(state: &State) -> Decimal {
    state
        .balances
        .iter()
        .filter(|b| b.account_type == 1)
        .map(|b| b.amount)
        .sum()
}

fn sub(state: &State, id: &str) -> State {
    state.sub_account(id).expect("sub-account").account.clone()
}

#[tokio::test]
async fn each_account_sees_only_its_own_resources_with_its_own_keys() {
    let sb = Sandbox::start_with(|_| {}, Some(enterprise_state())).await;
    let master = sb.client();
    let dev = client(&sb.url(), creds(DEV_AK, DEV_SK, DEV_ID));
    let prod = client(&sb.url(), creds(PROD_AK, PROD_SK, PROD_ID));

    let ids = |rows: Vec<bssctl::bss::model::OrderInstanceV2>| -> Vec<String> {
        rows.into_iter().filter_map(|r| r.resource_id).collect()
    };
    let q = bssctl::bss::model::QueryResourcesReq::default();
    let m = ids(master.query_resources_all(&q).await.unwrap());
    let d = ids(dev.query_resources_all(&q).await.unwrap());
    let p = ids(prod.query_resources_all(&q).await.unwrap());
    assert!(m.contains(&WEB01.to_string()) && !m.contains(&DEV_WEB.to_string()));
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d.contains(&DEV_WEB.to_string()) && !d.contains(&WEB01.to_string()));
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p.contains(&CORE_WEB.to_string()));

    // Balances are per account.
    let dev_bal = dev.balances().await.unwrap().body.cash_and_credit();
    assert_eq!(dev_bal, Decimal::from_str("100.00").unwrap());

    // A sub-account's key with the master's domain id is refused.
    let wrong = client(&sb.url(), creds(DEV_AK, DEV_SK, DOMAIN));
    let e = wrong.balances().await.unwrap_err();
    assert_eq!(e.error_code(), Some("CBC.0151"), "{e}");
    // A sub-account cannot call the master's enterprise APIs.
    let e = dev.sub_customers_all().await.unwrap_err();
    assert_eq!(e.error_code(), Some("CBC.0151"), "{e}");
    // A renewal by a sub-account is paid from that sub-account's balance.
    let before = sb.state();
    prod.renew(&bssctl::bss::model::RenewalResourcesReq {
        resource_ids: vec![CORE_WEB.into()],
        period_type: 2,
        period_num: 1,
        is_auto_pay: Some(1),
    })
    .await
    .unwrap();
    let after = sb.state();
    assert_eq!(cash(&after), cash(&before), "the master paid nothing");
    assert!(cash(&sub(&after, PROD_ID)) < cash(&sub(&before, PROD_ID)));
    assert_eq!(sub(&after, PROD_ID).orders.len(), 1);
    sb.stop().await;
}

#[tokio::test]
async fn master_lists_sub_accounts_reads_balances_and_transfers_once_per_trans_id() {
    let sb = Sandbox::start_with(|_| {}, Some(enterprise_state())).await;
    let master = sb.client();
    let subs = master.sub_customers_all().await.unwrap();
    let names: Vec<_> = subs.iter().filter_map(|s| s.name.clone()).collect();
    assert_eq!(names, ["acme-dev", "acme-prod", "acme-sandbox"]);
    assert_eq!(subs[2].status, Some(102));

    let avail = master
        .transfer_amount(BALANCE_TYPE_DEBIT)
        .await
        .unwrap()
        .body
        .avail_transfer();
    assert_eq!(avail, Decimal::from_str("50000.00").unwrap());
    let retrievable = master
        .retrieve_amount(DEV_ID, BALANCE_TYPE_DEBIT)
        .await
        .unwrap()
        .body;
    assert_eq!(
        retrievable.amount_infos.unwrap()[0].avail_retrieve_amount,
        Some(Decimal::from_str("100.00").unwrap())
    );

    let req = TransferEnterpriseMultiAccountReq {
        customer_id: DEV_ID.into(),
        amount: "336.00".into(),
        trans_id: Some("0123456789abcdef0123456789abcdef".into()),
        balance_type: Some(BALANCE_TYPE_DEBIT.into()),
        expire_time: None,
    };
    master.transfer(&req).await.unwrap();
    let e = master.transfer(&req).await.unwrap_err();
    assert_eq!(e.error_code(), Some("CBC.99007009"), "{e}");
    let s = sb.state();
    assert_eq!(cash(&s), Decimal::from_str("49664.00").unwrap());
    assert_eq!(cash(&sub(&s, DEV_ID)), Decimal::from_str("436.00").unwrap());
    assert_eq!(s.transfers.len(), 1);

    // The client refuses to send a transfer without a trans_id.
    let mut no_id = req.clone();
    no_id.trans_id = None;
    assert!(master.transfer(&no_id).await.is_err());
    // More than the transferable balance: CBC.99005003, nothing moved.
    let mut big = req.clone();
    big.trans_id = Some("ffffffffffffffffffffffffffffffff".into());
    big.amount = "90000.00".into();
    let e = master.transfer(&big).await.unwrap_err();
    assert_eq!(e.error_code(), Some("CBC.99005003"), "{e}");
    assert_eq!(sb.state().transfers.len(), 1);
    sb.stop().await;
}

/// The Host header the SDK signed is sent as it was captured.
async fn replay(url: &str, r: &Value) -> (u16, String) {
    let http = reqwest::Client::new();
    let query = r["query"].as_str().unwrap();
    let full = if query.is_empty() {
        format!("{url}{}", r["path"].as_str().unwrap())
    } else {
        format!("{url}{}?{query}", r["path"].as_str().unwrap())
    };
    let method = reqwest::Method::from_bytes(r["method"].as_str().unwrap().as_bytes()).unwrap();
    let mut req = http.request(method, &full);
    for (k, v) in r["headers"].as_object().unwrap() {
        req = req.header(k.as_str(), v.as_str().unwrap());
    }
    let body = r["body"].as_str().unwrap().to_string();
    if !body.is_empty() {
        req = req.body(body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

#[tokio::test]
async fn official_sdk_requests_for_the_enterprise_calls_are_accepted() {
    let doc: Value =
        serde_json::from_str(include_str!("../fixtures/enterprise-sdk-requests.json")).unwrap();
    assert_eq!(doc["ak"], AK);
    // The vectors were signed once, at capture time: no date check here.
    let sb = Sandbox::start_with(|c| c.max_clock_skew = None, Some(enterprise_state())).await;
    let requests = doc["requests"].as_array().unwrap();
    let ops: std::collections::BTreeSet<_> = requests
        .iter()
        .map(|r| r["operation"].as_str().unwrap())
        .collect();
    for op in [
        "ListEnterpriseSubCustomers",
        "ShowMultiAccountTransferAmount",
        "ListEnterpriseMultiAccount",
        "UpdateSubEnterpriseAmount",
        "CreateTemporaryAccessKeyByAgency",
    ] {
        assert!(ops.contains(op), "the fixture covers {op}");
    }
    let mut transfer = None;
    for r in requests {
        let op = r["operation"].as_str().unwrap();
        let (status, text) = replay(&sb.url(), r).await;
        assert!((200..300).contains(&status), "{op}: HTTP {status}: {text}");
        let body: Value = if text.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_str(&text).unwrap()
        };
        // Every field answered is one the SDK's response model knows.
        let known: Vec<&str> = r["response_fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for key in body.as_object().unwrap().keys() {
            assert!(known.contains(&key.as_str()), "{op}: unknown field {key}");
        }
        match op {
            "ListEnterpriseSubCustomers" => assert!(body["total_count"].as_i64().unwrap() >= 1),
            "ShowMultiAccountTransferAmount" => assert!(body["amount_infos"][0]
                .get("avail_transfer_amount")
                .is_some_and(Value::is_number)),
            "CreateTemporaryAccessKeyByAgency" => {
                assert_eq!(status, 201);
                for k in ["access", "secret", "securitytoken", "expires_at"] {
                    assert!(body["credential"][k].is_string(), "{k}");
                }
            }
            "UpdateSubEnterpriseAmount" => transfer = Some(r.clone()),
            _ => {}
        }
    }
    let s = sb.state();
    assert_eq!(cash(&sub(&s, DEV_ID)), Decimal::from_str("600.00").unwrap());
    // The same request again (same trans_id): refused, nothing moves twice.
    let (status, text) = replay(&sb.url(), &transfer.unwrap()).await;
    assert_eq!(status, 400);
    assert!(text.contains("CBC.99007009"), "{text}");
    assert_eq!(
        cash(&sub(&sb.state(), DEV_ID)),
        Decimal::from_str("600.00").unwrap()
    );
    sb.stop().await;
}

/// IAM CreateTemporaryAccessKeyByAgency signed with `ak`/`sk`.
async fn assume(url: &str, ak: &str, sk: &str, agency: &str, domain: &str) -> (u16, Value) {
    use bssctl::bss::signer::{self, SignInput};
    let body = serde_json::to_vec(&serde_json::json!({"auth": {"identity": {
        "methods": ["assume_role"],
        "assume_role": {"agency_name": agency, "domain_id": domain, "duration_seconds": 900}
    }}}))
    .unwrap();
    let host = url.trim_start_matches("http://").to_string();
    let date = chrono::Utc::now().format(signer::DATE_FORMAT).to_string();
    let mut headers = vec![
        (
            "Content-Type".to_string(),
            "application/json;charset=utf-8".to_string(),
        ),
        ("Host".to_string(), host),
        ("X-Sdk-Date".to_string(), date),
    ];
    let path = bssctl::bss::Api::AssumeAgency.path();
    let sig = signer::sign(
        &SignInput {
            method: "POST",
            path,
            query: &[],
            headers: &headers,
            body: &body,
        },
        sk.as_bytes(),
    );
    headers.push(("Authorization".to_string(), sig.authorization(ak)));
    let mut req = reqwest::Client::new().post(format!("{url}{path}"));
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let resp = req.body(body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn agency_keys_act_as_the_sub_account_until_they_expire() {
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("requests.jsonl");
    let log2 = log.clone();
    let sb = Sandbox::start_with(
        move |c| {
            c.temporary_key_ttl = std::time::Duration::from_secs(1);
            c.request_log = Some(log2);
        },
        Some(enterprise_state()),
    )
    .await;
    // Only the trusted account may assume, and only an existing agency.
    let (status, _) = assume(&sb.url(), AK, SK, "no-such-agency", DEV_ID).await;
    assert_eq!(status, 403);
    let (status, _) = assume(&sb.url(), PROD_AK, PROD_SK, AGENCY, DEV_ID).await;
    assert_eq!(status, 403, "the agency trusts the master, not acme-prod");
    let (status, _) = assume(&sb.url(), AK, "wrong-secret", AGENCY, DEV_ID).await;
    assert_eq!(status, 401);

    let (status, body) = assume(&sb.url(), AK, SK, AGENCY, DEV_ID).await;
    assert_eq!(status, 201, "{body}");
    let c = &body["credential"];
    let temp = Credentials {
        auth: Auth::AkSk {
            ak: c["access"].as_str().unwrap().into(),
            sk: Secret::new(c["secret"].as_str().unwrap()),
            security_token: Some(Secret::new(c["securitytoken"].as_str().unwrap())),
        },
        domain_id: Some(DEV_ID.into()),
        iam_endpoint: None,
        source: "test".into(),
    };
    let dev = client(&sb.url(), temp);
    let rows = dev.query_resources_all(&Default::default()).await.unwrap();
    assert_eq!(rows.len(), 2, "the agency key sees acme-dev's resources");
    // The sandbox flag caps the lifetime (1 s here): the key then expires.
    assert!(wait_until(std::time::Duration::from_secs(10), || {
        chrono::Utc::now()
            > chrono::DateTime::parse_from_rfc3339(c["expires_at"].as_str().unwrap()).unwrap()
    }));
    let e = dev.balances().await.unwrap_err();
    assert_eq!(e.status(), Some(401), "{e}");
    sb.stop().await;
    // The request log names the account each request acted as.
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let query = lines
        .iter()
        .find(|l| l["api"] == "ListPayPerUseCustomerResources")
        .unwrap();
    assert_eq!(query["account"], DEV_ID);
    assert!(lines
        .iter()
        .any(|l| l["api"] == "iam:assume_role" && l["status"] == 201));
}

// ---------------------------------------------------------------------------
// accounts: in manifests

const ACCOUNTS_OK: &str = r#"version: 1
accounts:
  master:
    domain_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
    credentials: default
  prod:
    domain_id: 7d1e9f3a5b2c4d6e8f0a1b2c3d4e5f6a
    profile: acme-prod
  dev:
    domain_id: 3c9e7a1b5d2f4e6a8b0c1d2e3f4a5b6c
    agency: { name: bssctl-master-ops, from: master }
    funding: { from: master, max_per_apply: "1000.00", keep_min_balance: "50.00" }
resources:
  - id: d3e0a1b2-0001-4d00-8a00-000000000001
    account: dev
    on_expiry: auto_renew
selectors:
  - match: { name: "core-*" }
    account: prod
    on_expiry: auto_renew
"#;

fn validate_offline(text: &str) -> Run {
    let ws = Workspace::new();
    let f = ws.write("m.yaml", text);
    let o = run({
        let mut c = ws.bssctl();
        c.current_dir(ws.dir.path())
            .args(["validate", "--offline", "-f"])
            .arg(&f);
        c
    });
    let (stdout, stderr) = text_of(&o);
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

fn text_of(o: &std::process::Output) -> (String, String) {
    text(o)
}

#[test]
fn a_manifest_over_three_accounts_validates() {
    let r = validate_offline(ACCOUNTS_OK);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn every_account_misuse_is_an_error_with_file_and_line() {
    let cases: &[(&str, &str, &str)] = &[
        ("unknown alias", "    account: dev\n", "    account: devv\n"),
        (
            "agency cycle",
            "    agency: { name: bssctl-master-ops, from: master }\n",
            "    agency: { name: bssctl-master-ops, from: dev }\n",
        ),
        ("selector without account", "    account: prod\n", ""),
        (
            "two credential sources",
            "    profile: acme-prod\n",
            "    profile: acme-prod\n    credentials: default\n",
        ),
        (
            "unknown funding source",
            "funding: { from: master,",
            "funding: { from: boss,",
        ),
    ];
    let expect: &[(&str, &str)] = &[
        (
            "m.yaml:15:14: error: resources[0].account",
            "unknown account alias \"devv\"",
        ),
        (
            "m.yaml:11:46: error: accounts.dev.agency.from",
            "cycle: dev -> dev",
        ),
        (
            "m.yaml:18:5: error: selectors[0]",
            "names no account, but several are declared",
        ),
        (
            "m.yaml:7:5: error: accounts.prod",
            "exactly one of credentials: default, profile: NAME or agency",
        ),
        (
            "m.yaml:12:22: error: accounts.dev.funding.from",
            "unknown account alias \"boss\"",
        ),
    ];
    for ((what, from, to), (at, msg)) in cases.iter().zip(expect) {
        let text = ACCOUNTS_OK.replacen(from, to, 1);
        assert_ne!(text, ACCOUNTS_OK, "{what}: the case edits the manifest");
        let r = validate_offline(&text);
        assert_eq!(r.code, 1, "{what}: {}{}", r.stdout, r.stderr);
        let all = format!("{}{}", r.stdout, r.stderr);
        let line = all
            .lines()
            .find(|l| l.contains(at))
            .unwrap_or_else(|| panic!("{what}: no {at:?} in:\n{all}"));
        assert!(line.contains(msg), "{what}: {line}");
    }
}

#[test]
fn an_id_under_two_accounts_is_an_error_naming_both() {
    let text = format!(
        "{ACCOUNTS_OK}  - id: d3e0a1b2-0001-4d00-8a00-000000000001\n    account: prod\n    on_expiry: none\n"
    )
    .replacen("selectors:\n  - match: { name: \"core-*\" }\n    account: prod\n    on_expiry: auto_renew\n", "", 1)
    .replacen("resources:\n", "selectors: []\nresources:\n", 1);
    let r = validate_offline(&text);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(r.code, 1, "{all}");
    assert!(
        all.contains("resources[1].id: id \"d3e0a1b2-0001-4d00-8a00-000000000001\" is declared under two accounts: account \"prod\" here and account \"dev\" at"),
        "{all}"
    );
}

#[test]
fn the_schema_describes_accounts() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("schema/bssctl.schema.json")).unwrap())
            .unwrap();
    let account = &schema["$defs"]["AccountEntry"]["properties"];
    for k in ["domain_id", "credentials", "profile", "agency", "funding"] {
        assert!(account.get(k).is_some(), "{k}");
    }
    assert!(schema["$defs"]["ResourceEntry"]["properties"]["account"].is_object());
    assert!(schema["$defs"]["SelectorEntry"]["properties"]["account"].is_object());
}

#[tokio::test]
async fn agency_credentials_are_refreshed_before_they_expire_without_failing_calls() {
    use bssctl::bss::credentials::TemporarySource;
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("requests.jsonl");
    let log2 = log.clone();
    let sb = Sandbox::start_with(
        move |c| {
            c.temporary_key_ttl = std::time::Duration::from_secs(2);
            c.request_log = Some(log2);
        },
        Some(enterprise_state()),
    )
    .await;
    let creds = Credentials {
        auth: Auth::Temporary(TemporarySource::Agency {
            agency_name: AGENCY.into(),
            domain_id: DEV_ID.into(),
            ak: AK.into(),
            sk: Secret::new(SK),
            caller_domain_id: Some(DOMAIN.into()),
        }),
        domain_id: Some(DEV_ID.into()),
        iam_endpoint: None,
        source: "test".into(),
    };
    let dev = client(&sb.url(), creds);
    // Calls for longer than two key lifetimes: every one succeeds.
    let start = std::time::Instant::now();
    let mut calls = 0;
    while start.elapsed() < std::time::Duration::from_millis(4500) && calls < 400 {
        let b = dev
            .balances()
            .await
            .unwrap_or_else(|e| panic!("call {calls}: {e}"));
        assert_eq!(
            b.body.cash_and_credit(),
            Decimal::from_str("100.00").unwrap()
        );
        calls += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    sb.stop().await;
    let text = std::fs::read_to_string(&log).unwrap();
    let assumed = text
        .lines()
        .filter(|l| l.contains("iam:assume_role"))
        .count();
    assert!(assumed >= 3, "refreshed {assumed} times in {calls} calls");
    assert!(!text.contains("\"status\":401"), "no call was refused");
    // Every BSS call acted as acme-dev.
    for l in text
        .lines()
        .filter(|l| l.contains("ShowCustomerAccountBalances"))
    {
        assert!(l.contains(DEV_ID), "{l}");
    }
}

// ---------------------------------------------------------------------------
// bssctl accounts

fn enterprise_sandbox(ws: &Workspace, extra: &[&str]) -> SandboxProc {
    let state = ws.path("enterprise-state.json");
    std::fs::copy(repo("examples/sandbox/enterprise.json"), &state).unwrap();
    SandboxProc::start(&state, extra)
}

#[test]
fn accounts_lists_sub_accounts_with_balances_and_manifest_coverage() {
    let ws = Workspace::new();
    let sb = enterprise_sandbox(&ws, &[]);
    // acme-prod is left out of the manifests: not covered.
    let manifest = ACCOUNTS_OK
        .replace("  prod:\n    domain_id: 7d1e9f3a5b2c4d6e8f0a1b2c3d4e5f6a\n    profile: acme-prod\n", "")
        .replace("selectors:\n  - match: { name: \"core-*\" }\n    account: prod\n    on_expiry: auto_renew\n", "");
    let f = ws.write("m.yaml", &manifest);
    let o = run({
        let mut c = ws.bssctl_at(&sb);
        c.args(["accounts", "--format", "json", "-f"]).arg(&f);
        c
    });
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["master"]["domain_id"], DOMAIN);
    assert_eq!(v["master"]["balance"], "70000.00");
    assert_eq!(v["master"]["alias"], "master");
    let subs = v["sub_accounts"].as_array().unwrap();
    assert_eq!(subs.len(), 3);
    assert_eq!(subs[0]["name"], "acme-dev");
    assert_eq!(subs[0]["balance"], "100.00");
    assert_eq!(subs[0]["covered"], true);
    assert_eq!(subs[0]["alias"], "dev");
    assert_eq!(subs[1]["name"], "acme-prod");
    assert_eq!(subs[1]["balance"], "30000.00");
    assert_eq!(subs[1]["covered"], false);
    assert_eq!(subs[2]["status"], 102);
    assert!(
        subs[2]["balance"].is_null(),
        "not read for a pending account"
    );

    let o = run({
        let mut c = ws.bssctl_at(&sb);
        c.args(["accounts", "-f"]).arg(&f);
        c
    });
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "Master 0a1b2c3d4e5f60718293a4b5c6d7e8f9: balance CNY 70,000.00 covered (master)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("acme-dev (Acme 开发环境) 3c9e7a1b5d2f4e6a8b0c1d2e3f4a5b6c  normal  balance CNY 100.00  covered (dev)"), "{stdout}");
    assert!(stdout.contains("acme-prod (Acme 生产环境) 7d1e9f3a5b2c4d6e8f0a1b2c3d4e5f6a  normal  balance CNY 30,000.00  NOT covered"), "{stdout}");
    assert!(
        stdout.contains("Warning: 1 active sub-account(s) are covered by no manifest account"),
        "{stdout}"
    );
    sb.stop();
}

// ---------------------------------------------------------------------------
// One plan and apply across accounts

const THREE_ACCOUNTS: &str = r#"version: 1
accounts:
  master:
    domain_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
    credentials: default
  prod:
    domain_id: 7d1e9f3a5b2c4d6e8f0a1b2c3d4e5f6a
    profile: acme-prod
  dev:
    domain_id: 3c9e7a1b5d2f4e6a8b0c1d2e3f4a5b6c
    agency: { name: bssctl-master-ops, from: master }
resources:
  - id: 0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978
    account: master
    on_expiry: on_demand
  - id: d3e0a1b2-0001-4d00-8a00-000000000001
    account: dev
    on_expiry: on_demand
selectors:
  - match: { name: "core-*" }
    account: prod
    on_expiry: on_demand
"#;

/// bssctl at the enterprise sandbox: the master's keys in the environment,
/// acme-prod's in a profile of the SDK credentials file, IAM on the sandbox.
fn enterprise_bssctl(ws: &Workspace, sb: &SandboxProc) -> std::process::Command {
    let creds = ws.write(
        ".huaweicloud/credentials",
        &format!("[acme-prod]\nak = {PROD_AK}\nsk = {PROD_SK}\n"),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut c = ws.bssctl_at(sb);
    c.arg("--iam-endpoint").arg(&sb.url);
    c
}

fn log_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn one_plan_and_apply_across_three_accounts_each_with_its_own_credentials() {
    let ws = Workspace::new();
    let log = ws.path("requests.jsonl");
    let log_arg = log.to_str().unwrap().to_string();
    let sb = enterprise_sandbox(&ws, &["--request-log", &log_arg]);
    let f = ws.write("m.yaml", THREE_ACCOUNTS);

    // The plan: a section per account, each change naming its account.
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["plan", "--format", "json", "-f"]).arg(&f);
        c
    });
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let summary = v["summary"]["accounts"].as_array().unwrap();
    let names: Vec<_> = summary
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["master", "prod", "dev"]);
    for (a, want) in v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .zip([WEB01, CORE_WEB, DEV_WEB])
    {
        let changes = a["plan"]["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 1, "{a}");
        assert_eq!(changes[0]["resource_id"], want);
        assert_eq!(changes[0]["account"], a["account"]);
    }
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["plan", "-f"]).arg(&f);
        c
    });
    let (stdout, _) = text(&o);
    for head in [
        "=== Account master (0a1b2c3d4e5f60718293a4b5c6d7e8f9) ===",
        "=== Account prod (7d1e9f3a5b2c4d6e8f0a1b2c3d4e5f6a) ===",
        "=== Account dev (3c9e7a1b5d2f4e6a8b0c1d2e3f4a5b6c) ===",
        "Totals across 3 accounts:",
    ] {
        assert!(stdout.contains(head), "{head}:\n{stdout}");
    }

    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["apply", "--auto-approve", "-f"]).arg(&f);
        c
    });
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["plan", "--detailed-exitcode", "-f"]).arg(&f);
        c
    });
    let (stdout, stderr) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "no changes left:\n{stdout}{stderr}"
    );
    sb.stop();

    // Each account's resource was changed with that account's credentials.
    let lines = log_lines(&log);
    let writes: Vec<&Value> = lines
        .iter()
        .filter(|l| l["api"] == "UpdatePeriodToOnDemand" && l["status"] == 200)
        .collect();
    assert_eq!(writes.len(), 3, "{writes:?}");
    let by = |id: &str| {
        *writes
            .iter()
            .find(|l| {
                l["resource_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r == id)
            })
            .unwrap_or_else(|| panic!("no write for {id}"))
    };
    assert_eq!(by(WEB01)["account"], DOMAIN);
    assert_eq!(by(WEB01)["access_key"], AK);
    assert_eq!(by(CORE_WEB)["account"], PROD_ID);
    assert_eq!(by(CORE_WEB)["access_key"], PROD_AK);
    assert_eq!(by(DEV_WEB)["account"], DEV_ID);
    let agency_key = by(DEV_WEB)["access_key"].as_str().unwrap();
    assert!(
        agency_key.starts_with("TMPAK"),
        "dev used agency keys: {agency_key}"
    );
    assert!(lines
        .iter()
        .any(|l| l["api"] == "iam:assume_role" && l["status"] == 201));
    // The journal keys every intent by its account.
    let journal = std::fs::read_to_string(ws.state_dir().join("journal.jsonl")).unwrap();
    for id in [DOMAIN, PROD_ID, DEV_ID] {
        assert!(journal.contains(id), "journal names {id}");
    }
}

/// The README's enterprise quickstart: examples/enterprise plans all three
/// accounts of examples/sandbox/enterprise.json.
#[test]
fn the_enterprise_example_plans_every_account() {
    let ws = Workspace::new();
    let sb = enterprise_sandbox(&ws, &[]);
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["plan", "--detailed-exitcode", "-f"])
            .arg(repo("examples/enterprise"));
        c
    });
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stdout.contains("=== Account dev (3c9e7a1b5d2f4e6a8b0c1d2e3f4a5b6c) ==="),
        "{stdout}"
    );
    assert!(stdout.contains("core-web-02"), "{stdout}");
    assert!(
        stdout.contains("+ transfer CNY 386.00 from master"),
        "{stdout}"
    );
    // The one sub-account the example leaves out has no accounts: entry.
    assert!(
        !stderr.contains("acme-prod (7d1e") && !stderr.contains("acme-dev (3c9e"),
        "{stderr}"
    );
    // The PR comment (markdown) has a row per account.
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["plan", "--format", "markdown", "-f"])
            .arg(repo("examples/enterprise"));
        c
    });
    let (md, _) = text(&o);
    for row in ["| master | 0 |", "| prod | 1 |", "| dev | 1 |"] {
        assert!(md.contains(row), "{row}:\n{md}");
    }
    sb.stop();
}

#[test]
fn plan_warns_about_active_sub_accounts_no_manifest_covers() {
    let ws = Workspace::new();
    let sb = enterprise_sandbox(&ws, &[]);
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["plan", "-f"]).arg(ws.write("m.yaml", FUNDED));
        c
    });
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("Warning: sub-account acme-prod (7d1e9f3a5b2c4d6e8f0a1b2c3d4e5f6a) of master is covered by no manifest account"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("acme-sandbox"),
        "pending accounts are not warned about"
    );
    sb.stop();
}

// ---------------------------------------------------------------------------
// Funding a sub-account's renewals

const FUNDED: &str = r#"version: 1
accounts:
  master:
    domain_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
    credentials: default
  dev:
    domain_id: 3c9e7a1b5d2f4e6a8b0c1d2e3f4a5b6c
    agency: { name: bssctl-master-ops, from: master }
    funding: { from: master, max_per_apply: "1000.00", keep_min_balance: "50.00" }
resources:
  - id: d3e0a1b2-0001-4d00-8a00-000000000001
    account: dev
    on_expiry: auto_renew
    renew_ahead: { min_remaining: 14d, period: 1m }
"#;

fn sub_cash(state: &std::path::Path, id: &str) -> Decimal {
    let s: State = serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    cash(&sub(&s, id))
}

fn transfers(state: &std::path::Path) -> usize {
    let s: State = serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    s.transfers.len()
}

#[test]
fn funding_transfers_exactly_the_shortfall_before_the_purchases_with_agency_keys_refreshed_mid_run()
{
    let ws = Workspace::new();
    let log = ws.path("requests.jsonl");
    let log_arg = log.to_str().unwrap().to_string();
    // Agency keys live 2 s and every answer takes 150 ms: they expire mid-run.
    let sb = enterprise_sandbox(
        &ws,
        &[
            "--request-log",
            &log_arg,
            "--temporary-key-ttl",
            "2",
            "--latency-ms",
            "150",
        ],
    );
    let f = ws.write("m.yaml", FUNDED);
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["plan", "--format", "json", "-f"]).arg(&f);
        c
    });
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let dev = &v["accounts"][1];
    assert_eq!(dev["account"], "dev");
    // 436.00 of renewals + 50.00 to keep - 100.00 balance.
    assert_eq!(dev["transfer"]["amount"], "386.00");
    assert_eq!(dev["transfer"]["from"], "master");
    assert_eq!(v["summary"]["accounts"][1]["transfer"], "386.00");
    // The balance check counts the transfer: no "top up" warning.
    assert_eq!(
        dev["plan"]["summary"]["balance"]["sufficient"], true,
        "{dev}"
    );
    assert!(!dev["plan"].to_string().contains("does not cover"), "{dev}");

    let started = std::time::Instant::now();
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["apply", "--auto-approve", "-f"]).arg(&f);
        c
    });
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("Transferred CNY 386.00 from master to dev"),
        "{stderr}"
    );
    let took = started.elapsed();
    assert_eq!(transfers(&sb.state), 1);
    assert_eq!(
        sub_cash(&sb.state, DEV_ID),
        Decimal::from_str("50.00").unwrap()
    );
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["plan", "--detailed-exitcode", "-f"]).arg(&f);
        c
    });
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    sb.stop();

    let lines = log_lines(&log);
    // The transfer came before the sub-account's purchase.
    let pos = |api: &str| lines.iter().position(|l| l["api"] == api).unwrap();
    assert!(pos("UpdateSubEnterpriseAmount") < pos("RenewalResources"));
    assert_eq!(
        lines
            .iter()
            .filter(|l| l["api"] == "UpdateSubEnterpriseAmount")
            .count(),
        1
    );
    // The agency keys expired during the apply and were replaced in time.
    assert!(
        took > std::time::Duration::from_secs(2),
        "the apply outlived a key ({took:?})"
    );
    let assumed = lines
        .iter()
        .filter(|l| l["api"] == "iam:assume_role")
        .count();
    assert!(assumed >= 3, "keys assumed {assumed} times");
    assert!(
        lines.iter().all(|l| l["status"] != 401),
        "no request was refused"
    );
    // The trans_id was journalled before the result.
    let journal = std::fs::read_to_string(ws.state_dir().join("journal.jsonl")).unwrap();
    let intent = journal
        .find("\"event\":\"transfer_intent\"")
        .expect("intent");
    let result = journal
        .find("\"event\":\"transfer_result\"")
        .expect("result");
    assert!(intent < result);
}

#[test]
fn a_transfer_whose_answer_is_lost_is_settled_by_the_balance_and_booked_once() {
    let ws = Workspace::new();
    let log = ws.path("requests.jsonl");
    let log_arg = log.to_str().unwrap().to_string();
    let sb = enterprise_sandbox(
        &ws,
        &[
            "--request-log",
            &log_arg,
            "--drop-every",
            "1",
            "--fault-api",
            "UpdateSubEnterpriseAmount",
        ],
    );
    let f = ws.write("m.yaml", FUNDED);
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["apply", "--auto-approve", "-f"]).arg(&f);
        c
    });
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("the balance shows it was booked once"),
        "{stderr}"
    );
    let state = sb.state.clone();
    sb.stop();
    assert_eq!(transfers(&state), 1, "funded exactly once");
    assert_eq!(
        sub_cash(&state, DEV_ID),
        Decimal::from_str("50.00").unwrap()
    );
    let sent: Vec<Value> = log_lines(&log)
        .into_iter()
        .filter(|l| l["api"] == "UpdateSubEnterpriseAmount")
        .collect();
    assert_eq!(sent.len(), 1, "never sent again: {sent:?}");
    let journal = std::fs::read_to_string(ws.state_dir().join("journal.jsonl")).unwrap();
    assert!(
        journal.contains("\"event\":\"transfer_result\"") && journal.contains("\"verified\":true"),
        "{journal}"
    );
}

#[test]
fn a_shortfall_above_max_per_apply_is_refused_before_any_transfer_or_purchase() {
    let ws = Workspace::new();
    let sb = enterprise_sandbox(&ws, &[]);
    let before = std::fs::read_to_string(&sb.state).unwrap();
    let f = ws.write("m.yaml", &FUNDED.replace("\"1000.00\"", "\"300.00\""));
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["apply", "--auto-approve", "-f"]).arg(&f);
        c
    });
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("account dev: funding: renewals paid now CNY 436.00 plus keep_min_balance CNY 50.00 exceed the balance CNY 100.00 by CNY 386.00, more than funding.max_per_apply CNY 300.00; nothing is transferred or bought"),
        "{stderr}"
    );
    let state = sb.state.clone();
    sb.stop();
    let after = std::fs::read_to_string(&state).unwrap();
    assert_eq!(before, after, "nothing was transferred or bought");
}

/// The gateway counts per enterprise: the accounts of one plan share one
/// pace unless `--pace-per-account`.
#[test]
fn accounts_share_one_pace_unless_asked_otherwise() {
    let throttled = |per_account: bool| -> usize {
        let ws = Workspace::new();
        let log = ws.path("requests.jsonl");
        let log_arg = log.to_str().unwrap().to_string();
        let sb = enterprise_sandbox(
            &ws,
            &["--request-log", &log_arg, "--gateway-rate-limit", "2"],
        );
        let f = ws.write("m.yaml", THREE_ACCOUNTS);
        let o = run({
            let mut c = enterprise_bssctl(&ws, &sb);
            c.args(["--rate-limit", "1", "plan", "-f"]).arg(&f);
            if per_account {
                c.arg("--pace-per-account");
            }
            c
        });
        let (stdout, stderr) = text(&o);
        assert!(o.status.success(), "{stdout}{stderr}");
        sb.stop();
        log_lines(&log)
            .iter()
            .filter(|l| l["status"] == 429)
            .count()
    };
    assert_eq!(
        throttled(false),
        0,
        "one shared pace stays under the gateway's limit"
    );
    assert!(throttled(true) > 0, "three paces at once exceed it");
}

#[test]
fn apply_json_across_accounts_is_one_document() {
    let ws = Workspace::new();
    let sb = enterprise_sandbox(&ws, &[]);
    let f = ws.write("m.yaml", THREE_ACCOUNTS);
    let o = run({
        let mut c = enterprise_bssctl(&ws, &sb);
        c.args(["apply", "--auto-approve", "--format", "json", "-f"])
            .arg(&f);
        c
    });
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("one JSON document");
    let accounts = v["accounts"].as_array().unwrap();
    let names: Vec<_> = accounts
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["master", "prod", "dev"]);
    for a in accounts {
        assert!(a["apply"].is_object(), "{a}");
    }
    sb.stop();
}
