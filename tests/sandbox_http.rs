//! The sandbox over real HTTP on 127.0.0.1: every endpoint's happy path, the
//! documented limits and errors, authentication, persistence and faults.
//! Requests are signed here with the project's signer (the typed client is
//! written elsewhere); assertion messages never include the SK.

use bssctl::bss::signer::{self, SignInput};
use bssctl::bss::Secret;
use bssctl::sandbox::state::{Coupon, OrderDiscount, State};
use bssctl::sandbox::{self, SandboxConfig, SandboxHandle};
use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

const AK: &str = "SANDBOXTESTAK0000001";
const SK: &str = "sandbox-test-secret-key-0123456789abcdef";
const DOMAIN: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

// Seed resources used below (see docs/sandbox.md).
const WEB01: &str = "0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978";
const WEB01_DISK: &str = "5c2a9e11-3f7d-4b8a-a1c2-7e6f5d4c3b21";
const EIP_WEB: &str = "9e8d7c6b-5a49-4382-b1a0-fedcba987654";
const PROD_DB_02: &str = "8b1e7d3c5a9f4e2db6c0a1f8e3d5b7c2in01";
const VOUCHER: &str = "CP26110109350001VC";
const DISCOUNT_COUPON: &str = "CP26111514200002DC";
const DISCOUNT_605: &str = "dsc-605-8f1c2a";

const QUERY: &str = "/v2/orders/suscriptions/resources/query";
const RENEW: &str = "/v2/orders/subscriptions/resources/renew";
const AUTORENEW: &str = "/v2/orders/subscriptions/resources/autorenew/";
const TO_ON_DEMAND: &str = "/v2/orders/subscriptions/resources/to-on-demand";
const UNSUBSCRIBE: &str = "/v2/orders/subscriptions/resources/unsubscribe";
const RENEW_RATE: &str = "/v2/bills/ratings/period-resources/renew-rate";
const RENEW_CONFIG: &str = "/v2/orders/subscriptions/resources/renew/config";
const ORDERS: &str = "/v2/orders/customer-orders";
const ORDER_DETAILS: &str = "/v2/orders/customer-orders/details/";
const PAY: &str = "/v3/orders/customer-orders/pay";
const CANCEL: &str = "/v2/orders/customer-orders/cancel";
const COUPONS: &str = "/v2/orders/customer-orders/order-coupons";
const DISCOUNTS: &str = "/v2/orders/customer-orders/order-discounts";
const BALANCES: &str = "/v2/accounts/customer-accounts/balances";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
}

fn name_of(state: &State, name: &str) -> String {
    state
        .resources
        .iter()
        .find(|r| r.resource_name == name)
        .unwrap_or_else(|| panic!("seed has {name}"))
        .resource_id
        .clone()
}

fn seed_id(name: &str) -> String {
    name_of(&sandbox::seed_state(), name)
}

fn pending_seed_order() -> String {
    sandbox::seed_state()
        .orders
        .iter()
        .find(|o| o.status == 6)
        .expect("seed has a pending order")
        .order_id
        .clone()
}

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => Decimal::from_str(s).unwrap(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).unwrap(),
        other => panic!("not a number: {other}"),
    }
}

/// How a test request is authenticated.
#[derive(Clone)]
struct Auth {
    ak: String,
    sk: String,
    date: Option<String>,
    domain: Option<String>,
    token: Option<String>,
    security_token: Option<String>,
    unsigned: bool,
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            ak: AK.into(),
            sk: SK.into(),
            date: None,
            domain: Some(DOMAIN.into()),
            token: None,
            security_token: None,
            unsigned: false,
        }
    }
}

struct Resp {
    status: u16,
    body: Value,
    headers: reqwest::header::HeaderMap,
}

struct Sb {
    handle: Option<SandboxHandle>,
    _dir: tempfile::TempDir,
    path: PathBuf,
    log: PathBuf,
    client: reqwest::Client,
}

fn config(path: PathBuf) -> SandboxConfig {
    SandboxConfig {
        now: Some(now()),
        ..SandboxConfig::new(path, AK, Secret::new(SK), DOMAIN, "acme-corp")
    }
}

impl Sb {
    async fn start() -> Sb {
        Sb::start_with(|_| {}, None).await
    }

    async fn start_with(tweak: impl FnOnce(&mut SandboxConfig), state: Option<State>) -> Sb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        if let Some(s) = state {
            s.save_atomic(&path).unwrap();
        }
        let log = dir.path().join("requests.jsonl");
        let mut cfg = config(path.clone());
        cfg.request_log = Some(log.clone());
        tweak(&mut cfg);
        let handle = sandbox::start(cfg).await.unwrap();
        Sb {
            handle: Some(handle),
            _dir: dir,
            path,
            log,
            client: reqwest::Client::new(),
        }
    }

    fn handle(&self) -> &SandboxHandle {
        self.handle.as_ref().unwrap()
    }

    fn state(&self) -> State {
        State::load(&self.path).unwrap()
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: &[u8],
        auth: &Auth,
    ) -> Result<Resp, reqwest::Error> {
        let host = self.handle().addr().to_string();
        let date = auth
            .date
            .clone()
            .unwrap_or_else(|| Utc::now().format(signer::DATE_FORMAT).to_string());
        let mut headers = vec![("Host".to_string(), host), ("X-Sdk-Date".to_string(), date)];
        if !body.is_empty() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        if let Some(d) = &auth.domain {
            headers.push(("X-Domain-Id".into(), d.clone()));
        }
        if let Some(t) = &auth.security_token {
            headers.push(("X-Security-Token".into(), t.clone()));
        }
        let pairs: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(token) = &auth.token {
            headers.push(("X-Auth-Token".into(), token.clone()));
        } else if !auth.unsigned {
            let sig = signer::sign(
                &SignInput {
                    method,
                    path,
                    query: &pairs,
                    headers: &headers,
                    body,
                },
                auth.sk.as_bytes(),
            );
            headers.push(("Authorization".into(), sig.authorization(&auth.ak)));
        }
        let raw_query = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", signer::url_encode(k), signer::url_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut url = format!("{}{}", self.handle().url(), path);
        if !raw_query.is_empty() {
            url = format!("{url}?{raw_query}");
        }
        let mut req = self
            .client
            .request(reqwest::Method::from_str(method).unwrap(), url)
            .body(body.to_vec());
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Resp {
            status,
            body,
            headers,
        })
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.send(method, path, &[], &bytes, &Auth::default())
            .await
            .expect("response")
    }

    async fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body)).await
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Resp {
        self.send("GET", path, query, b"", &Auth::default())
            .await
            .expect("response")
    }

    async fn resource(&self, id: &str) -> Value {
        let r = self
            .post(
                QUERY,
                json!({"resource_ids": [id], "only_main_resource": 1}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["resource_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} listed"))
    }

    async fn balances(&self) -> (Decimal, Decimal) {
        let r = self.get(BALANCES, &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let list = r.body["account_balances"].as_array().unwrap().clone();
        let amount = |t: i64| dec(&list.iter().find(|a| a["account_type"] == t).unwrap()["amount"]);
        (amount(1), amount(2))
    }

    async fn stop(mut self) -> Sb {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
        self
    }
}

fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["error_code"], code, "{}", r.body);
    assert!(
        r.body["error_msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        r.body
    );
}

fn assert_invalid(r: &Resp, mentions: &str) {
    assert_error(r, 400, "CBC.0100");
    let msg = r.body["error_msg"].as_str().unwrap();
    assert!(
        msg.contains(mentions),
        "message {msg:?} should mention {mentions:?}"
    );
}

fn fail_infos(body: &Value) -> Vec<(String, String)> {
    body["fail_resource_infos"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["resource_id"].as_str().unwrap().to_string(),
                        f["error_code"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Resource query

#[tokio::test]
async fn query_filters_pages_and_hides_sandbox_fields() {
    let sb = Sb::start().await;
    let seed = sandbox::seed_state();
    let all = sb.post(QUERY, json!({"limit": 1000})).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["total_count"], seed.resources.len() as u64);
    let rows = all.body["data"].as_array().unwrap();
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = seed
        .resources
        .iter()
        .map(|r| r.resource_id.as_str())
        .collect();
    assert_eq!(ids, expected, "state order");
    for row in rows {
        for hidden in [
            "price_month",
            "price_year",
            "renewals",
            "auto_renew_times",
            "order_id",
            "renewable",
        ] {
            assert!(row.get(hidden).is_none(), "{hidden} leaked");
        }
    }

    // Default page is 10; paging walks every row once.
    let first = sb.post(QUERY, json!({})).await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 10);
    let page = sb.post(QUERY, json!({"offset": 40, "limit": 20})).await;
    assert_eq!(
        page.body["data"].as_array().unwrap().len(),
        seed.resources.len() - 40
    );
    assert_eq!(page.body["data"][0]["resource_id"], expected[40]);

    // A main id brings its attached ones, unless only main resources are asked.
    let fam = sb.post(QUERY, json!({"resource_ids": [WEB01]})).await;
    let got: Vec<&str> = fam.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![WEB01, WEB01_DISK]);
    let main_only = sb
        .post(
            QUERY,
            json!({"resource_ids": [WEB01], "only_main_resource": 1}),
        )
        .await;
    assert_eq!(main_only.body["total_count"], 1);
    // An attached id returns only itself, even with only_main_resource=1.
    let att = sb
        .post(
            QUERY,
            json!({"resource_ids": [WEB01_DISK], "only_main_resource": 1}),
        )
        .await;
    assert_eq!(att.body["total_count"], 1);
    assert_eq!(att.body["data"][0]["parent_resource_id"], WEB01);
    assert_eq!(att.body["data"][0]["is_main_resource"], 0);

    let mains = sb
        .post(QUERY, json!({"only_main_resource": 1, "limit": 1000}))
        .await;
    assert_eq!(
        mains.body["total_count"],
        seed.resources.iter().filter(|r| r.is_main()).count() as u64
    );

    let expired = sb
        .post(QUERY, json!({"status_list": [5], "limit": 1000}))
        .await;
    assert!(expired.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == 5));
    assert!(expired.body["total_count"].as_u64().unwrap() >= 2);

    let window = sb
        .post(QUERY, json!({"expire_time_begin": "2026-11-24T00:00:00Z", "expire_time_end": "2026-12-01T00:00:00Z", "only_main_resource": 1, "limit": 100}))
        .await;
    for r in window.body["data"].as_array().unwrap() {
        let t = r["expire_time"].as_str().unwrap();
        assert!(
            ("2026-11-24T00:00:00Z"..="2026-12-01T00:00:00Z").contains(&t),
            "{t}"
        );
    }
    assert!(window.body["total_count"].as_u64().unwrap() >= 2);

    let obs = sb
        .post(QUERY, json!({"service_type_code": "hws.service.type.obs"}))
        .await;
    assert!(obs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["service_type_code"] == "hws.service.type.obs"));
    assert_eq!(obs.body["total_count"], 2);

    // By order: the opening order, and a renewal order, both find the resource.
    let web01 = seed.resource(WEB01).unwrap();
    let by_order = sb.post(QUERY, json!({"order_id": web01.order_id})).await;
    assert_eq!(by_order.body["total_count"], 2);
    let renewal = seed
        .orders
        .iter()
        .find(|o| o.order_type == 2 && o.resource_ids().any(|r| r == PROD_DB_02))
        .unwrap();
    let by_renewal = sb.post(QUERY, json!({"order_id": renewal.order_id})).await;
    assert_eq!(by_renewal.body["data"][0]["resource_id"], PROD_DB_02);
    // An empty order_id is no filter.
    let empty = sb.post(QUERY, json!({"order_id": ""})).await;
    assert_eq!(empty.body["total_count"], seed.resources.len() as u64);
}

#[tokio::test]
async fn query_validation_errors_name_the_field() {
    let sb = Sb::start().await;
    assert_invalid(
        &sb.post(QUERY, json!({"resource_ids": null})).await,
        "resource_ids",
    );
    let many: Vec<String> = (0..51).map(|i| format!("id-{i}")).collect();
    assert_invalid(
        &sb.post(QUERY, json!({"resource_ids": many})).await,
        "at most 50",
    );
    assert_invalid(
        &sb.post(QUERY, json!({"service_type_code": ""})).await,
        "service_type_code",
    );
    assert_invalid(&sb.post(QUERY, json!({"limits": 5})).await, "limits");
    assert_invalid(&sb.post(QUERY, json!({"limit": "5"})).await, "limit");
    assert_invalid(&sb.post(QUERY, json!({"limit": 0})).await, "limit");
    assert_invalid(&sb.post(QUERY, json!({"limit": 1001})).await, "limit");
    assert_invalid(&sb.post(QUERY, json!({"offset": -1})).await, "offset");
    assert_invalid(
        &sb.post(QUERY, json!({"only_main_resource": 2})).await,
        "only_main_resource",
    );
    assert_invalid(
        &sb.post(QUERY, json!({"status_list": [1]})).await,
        "status_list",
    );
    assert_invalid(
        &sb.post(QUERY, json!({"expire_time_begin": "2026-11-24"}))
            .await,
        "expire_time_begin",
    );
    let r = sb
        .send("POST", QUERY, &[], b"{\"limit\":", &Auth::default())
        .await
        .unwrap();
    assert_invalid(&r, "JSON");
    // 50 ids are fine; an empty list is no filter.
    let fifty: Vec<String> = (0..50).map(|i| format!("id-{i}")).collect();
    assert_eq!(
        sb.post(QUERY, json!({"resource_ids": fifty})).await.body["total_count"],
        0
    );
    assert_eq!(
        sb.post(QUERY, json!({"resource_ids": []})).await.status,
        200
    );
}

// ---------------------------------------------------------------------------
// Renew, balance, pending orders

#[tokio::test]
async fn renew_with_auto_pay_debits_and_extends_main_and_attached() {
    let sb = Sb::start().await;
    let closed = seed_id("dev-box-01");
    let not_renewable = seed_id("data-obs-pkg-02");
    let r = sb
        .post(RENEW, json!({"resource_ids": [WEB01, WEB01_DISK, "no-such-id", closed, not_renewable], "period_type": 2, "period_num": 1, "is_auto_pay": 1}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let order_ids = r.body["order_ids"].as_array().unwrap();
    assert_eq!(order_ids.len(), 1);
    let order_id = order_ids[0].as_str().unwrap();
    assert_eq!(
        fail_infos(&r.body),
        vec![
            (WEB01_DISK.to_string(), "CBC.30010036".to_string()),
            ("no-such-id".to_string(), "CBC.30050009".to_string()),
            (closed, "CBC.30050009".to_string()),
            (not_renewable, "CBC.30050013".to_string()),
        ]
    );
    // 336 + 100 per month, 90 % commercial discount.
    assert_eq!(
        sb.balances().await,
        (Decimal::from_str("49607.60").unwrap(), Decimal::from(20000))
    );
    for id in [WEB01, WEB01_DISK] {
        let q = sb.post(QUERY, json!({"resource_ids": [id]})).await;
        assert_eq!(
            q.body["data"][0]["expire_time"], "2027-01-01T00:00:00Z",
            "{id}"
        );
    }
    let d = sb.get(&format!("{ORDER_DETAILS}{order_id}"), &[]).await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["order_info"]["status"], 5);
    assert_eq!(d.body["order_info"]["order_type"], 2);
    assert_eq!(d.body["order_info"]["payment_time"], "2026-11-24T00:00:00Z");
    assert_eq!(
        dec(&d.body["order_info"]["official_amount"]),
        Decimal::from(436)
    );
    assert_eq!(
        dec(&d.body["order_info"]["amount_after_discount"]),
        Decimal::from_str("392.40").unwrap()
    );
    assert_eq!(d.body["total_count"], 2);
    assert_eq!(d.body["order_line_items"][0]["period_type"], 2);
    assert_eq!(
        d.body["order_line_items"][0]["effective_time"],
        "2026-12-01T00:00:00Z"
    );
    assert_eq!(
        d.body["order_line_items"][0]["expire_time"],
        "2027-01-01T00:00:00Z"
    );
    // Order lines page by limit/offset.
    let p = sb
        .get(
            &format!("{ORDER_DETAILS}{order_id}"),
            &[("limit", "1"), ("offset", "1")],
        )
        .await;
    assert_eq!(p.body["order_line_items"].as_array().unwrap().len(), 1);
    assert_eq!(p.body["total_count"], 2);

    // An expired resource is in use again once renewed past now; a frozen one too.
    let expired = seed_id("staging-web-01");
    let frozen = seed_id("staging-app-01");
    let r = sb.post(RENEW, json!({"resource_ids": [expired, frozen], "period_type": 3, "period_num": 1, "is_auto_pay": 1})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(fail_infos(&r.body).is_empty());
    assert_eq!(sb.resource(&expired).await["status"], 2);
    assert_eq!(
        sb.resource(&expired).await["expire_time"],
        "2027-11-18T00:00:00Z"
    );
    assert_eq!(sb.resource(&frozen).await["status"], 2);
    // Only failures: no order.
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01_DISK], "period_type": 2, "period_num": 1}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["order_ids"], json!([]));
}

#[tokio::test]
async fn renew_validation_limits() {
    let sb = Sb::start().await;
    let ids: Vec<String> = (0..11).map(|i| format!("id-{i}")).collect();
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": ids, "period_type": 2, "period_num": 1}),
        )
        .await,
        "at most 10",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [], "period_type": 2, "period_num": 1}),
        )
        .await,
        "resource_ids",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 12}),
        )
        .await,
        "period_num",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 0}),
        )
        .await,
        "period_num",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 3, "period_num": 4}),
        )
        .await,
        "period_num",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 1, "period_num": 1}),
        )
        .await,
        "period_type",
    );
    assert_invalid(
        &sb.post(RENEW, json!({"resource_ids": [WEB01], "period_num": 1}))
            .await,
        "period_type",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_autopay": 1}),
        )
        .await,
        "is_autopay",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 2}),
        )
        .await,
        "is_auto_pay",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": WEB01, "period_type": 2, "period_num": 1}),
        )
        .await,
        "resource_ids",
    );
    // Nothing was created by any of them.
    assert_eq!(sb.state().orders.len(), sandbox::seed_state().orders.len());
}

#[tokio::test]
async fn insufficient_balance_changes_nothing() {
    let mut seed = sandbox::seed_state();
    for b in &mut seed.balances {
        b.amount = Decimal::from(100);
    }
    let sb = Sb::start_with(|_| {}, Some(seed)).await;
    let before = std::fs::read(&sb.path).unwrap();
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 3, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert_error(&r, 400, "CBC.99005003");
    assert_eq!(
        std::fs::read(&sb.path).unwrap(),
        before,
        "state file untouched"
    );
    assert_eq!(
        sb.balances().await,
        (Decimal::from(100), Decimal::from(100))
    );
    assert_eq!(
        sb.resource(WEB01).await["expire_time"],
        "2026-12-01T00:00:00Z"
    );
    // Cash first, then credit: (20 + 125) * 0.9 = 130.50 against 100 + 100.
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [EIP_WEB], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (cash, credit) = sb.balances().await;
    assert_eq!(cash, Decimal::ZERO);
    assert_eq!(credit, Decimal::from_str("69.50").unwrap());
    // Debt is the credit used: the 20000 line less what is left.
    let b = sb.get(BALANCES, &[]).await.body;
    assert_eq!(
        dec(&b["debt_amount"]),
        Decimal::from_str("19930.50").unwrap()
    );
}

#[tokio::test]
async fn unpaid_renewal_locks_until_paid() {
    let sb = Sb::start().await;
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let order_id = r.body["order_ids"][0].as_str().unwrap().to_string();
    // Nothing extended, nothing debited yet.
    assert_eq!(
        sb.resource(WEB01).await["expire_time"],
        "2026-12-01T00:00:00Z"
    );
    assert_eq!(sb.balances().await.0, Decimal::from(50000));
    let d = sb.get(&format!("{ORDER_DETAILS}{order_id}"), &[]).await;
    assert_eq!(d.body["order_info"]["status"], 6);
    assert_eq!(
        d.body["order_info"]["pending_payment_end_time"],
        "2026-12-01T00:00:00Z"
    );

    // Locked: renew, auto-renew, unsubscribe refuse it.
    let again = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1}),
        )
        .await;
    assert_eq!(
        fail_infos(&again.body),
        vec![(WEB01.to_string(), "CBC.30050010".to_string())]
    );
    assert_error(
        &sb.call("POST", &format!("{AUTORENEW}{WEB01}"), None).await,
        400,
        "CBC.30050010",
    );
    let u = sb
        .post(
            UNSUBSCRIBE,
            json!({"resource_ids": [WEB01], "unsubscribe_type": 1}),
        )
        .await;
    assert_eq!(
        fail_infos(&u.body),
        vec![(WEB01.to_string(), "CBC.30050010".to_string())]
    );

    // Paying makes it take effect and releases the lock.
    let p = sb
        .post(
            PAY,
            json!({"order_id": order_id, "use_coupon": "NO", "use_discount": "NO"}),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(
        sb.resource(WEB01).await["expire_time"],
        "2027-02-01T00:00:00Z"
    );
    assert_eq!(sb.balances().await.0, Decimal::from(50000 - 872));
    let again = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1}),
        )
        .await;
    assert!(fail_infos(&again.body).is_empty(), "{}", again.body);
}

#[tokio::test]
async fn seed_pending_order_locks_until_cancelled() {
    let sb = Sb::start().await;
    let app02 = seed_id("staging-app-02");
    let order = pending_seed_order();
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [app02], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert_eq!(
        fail_infos(&r.body),
        vec![(app02.clone(), "CBC.30050010".to_string())]
    );

    assert_error(
        &sb.call(
            "PUT",
            CANCEL,
            Some(json!({"order_id": "CS000000000000000"})),
        )
        .await,
        400,
        "CBC.30000010",
    );
    assert_invalid(&sb.call("PUT", CANCEL, Some(json!({}))).await, "order_id");
    let c = sb
        .call("PUT", CANCEL, Some(json!({"order_id": order})))
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    let listed = sb.get(ORDERS, &[("order_id", &order)]).await;
    assert_eq!(listed.body["order_infos"][0]["status"], 4);
    // Cancelled orders can be neither cancelled nor paid again.
    assert_error(
        &sb.call("PUT", CANCEL, Some(json!({"order_id": order})))
            .await,
        400,
        "CBC.99003106",
    );
    assert_error(
        &sb.post(
            PAY,
            json!({"order_id": order, "use_coupon": "NO", "use_discount": "NO"}),
        )
        .await,
        400,
        "CBC.99003106",
    );
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [app02], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert!(fail_infos(&r.body).is_empty(), "{}", r.body);
    assert_eq!(
        sb.resource(&app02).await["expire_time"],
        "2027-02-10T00:00:00Z"
    );
}

// ---------------------------------------------------------------------------
// Pay with coupons and discounts

#[tokio::test]
async fn order_coupons_and_discounts_are_listed() {
    let sb = Sb::start().await;
    let order = pending_seed_order();
    let c = sb.get(COUPONS, &[("order_id", &order)]).await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(c.body["count"], 2);
    let ids: Vec<&str> = c.body["user_coupons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["coupon_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![VOUCHER, DISCOUNT_COUPON]);
    assert_eq!(c.body["user_coupons"][0]["coupon_type"], 1);
    assert_eq!(c.body["user_coupons"][1]["coupon_type"], 2);
    assert!(c.body["coupon_max_use_quantity"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    let d = sb.get(DISCOUNTS, &[("order_id", &order)]).await;
    assert_eq!(d.status, 200, "{}", d.body);
    let disc = &d.body["discounts"][0];
    assert_eq!(disc["discount_id"], DISCOUNT_605);
    assert_eq!(disc["discount_type"], 2);
    assert_eq!(disc["orders"][0]["order_id"], order.as_str());
    assert_eq!(
        disc["orders"][0]["order_line_items"][0]["order_line_item_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The ECS-only discount coupon is not offered for a non-ECS order.
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [PROD_DB_02], "period_type": 2, "period_num": 1}),
        )
        .await;
    let db_order = r.body["order_ids"][0].as_str().unwrap().to_string();
    let c = sb.get(COUPONS, &[("order_id", &db_order)]).await;
    assert_eq!(c.body["count"], 1);
    assert_eq!(c.body["user_coupons"][0]["coupon_id"], VOUCHER);

    assert_error(
        &sb.get(COUPONS, &[("order_id", "CS000")]).await,
        400,
        "CBC.30000010",
    );
    assert_invalid(&sb.get(COUPONS, &[]).await, "order_id");
    assert_invalid(
        &sb.get(DISCOUNTS, &[("order_id", &order), ("x", "1")]).await,
        "x",
    );
}

#[tokio::test]
async fn pay_validation_and_coupon_rules() {
    let mut seed = sandbox::seed_state();
    let mut second = seed
        .coupons
        .iter()
        .find(|c| c.pay_type == 300)
        .unwrap()
        .clone();
    second.coupon_id = "CP-SECOND-DISCOUNT".into();
    seed.coupons.push(second);
    let sb = Sb::start_with(|_| {}, Some(seed)).await;
    let order = pending_seed_order();
    let pay = |body: Value| async { sb.post(PAY, body).await };
    let v = |c: &str, d: &str| json!({"order_id": order, "use_coupon": c, "use_discount": d});

    assert_invalid(&pay(v("MAYBE", "NO")).await, "use_coupon");
    assert_invalid(&pay(v("NO", "yes")).await, "use_discount");
    assert_invalid(
        &pay(json!({"order_id": order, "use_coupon": "NO"})).await,
        "use_discount",
    );
    assert_invalid(&pay(v("YES", "NO")).await, "coupon_infos");
    let mut b = v("NO", "NO");
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 301}]);
    assert_invalid(&pay(b).await, "coupon_infos");
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([{"id": "a", "type": 301}, {"id": "b", "type": 301}, {"id": "c", "type": 301}, {"id": "d", "type": 301}]);
    assert_invalid(&pay(b).await, "coupon_infos");
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([]);
    assert_invalid(&pay(b).await, "coupon_infos");
    assert_invalid(&pay(v("NO", "YES")).await, "discount_infos");
    let mut b = v("NO", "YES");
    b["discount_infos"] = json!([{"id": DISCOUNT_605, "type": 2}, {"id": DISCOUNT_605, "type": 2}]);
    assert_invalid(&pay(b).await, "discount_infos");
    let mut b = v("NO", "NO");
    b["discount_infos"] = json!([{"id": DISCOUNT_605, "type": 2}]);
    assert_invalid(&pay(b).await, "discount_infos");
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 301, "extra": 1}]);
    assert_invalid(&pay(b).await, "extra");
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([{"id": "CP-NOPE", "type": 301}]);
    assert_invalid(&pay(b).await, "CP-NOPE");
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 300}]);
    assert_invalid(&pay(b).await, "type");
    let mut b = v("YES", "NO");
    b["coupon_infos"] =
        json!([{"id": DISCOUNT_COUPON, "type": 300}, {"id": "CP-SECOND-DISCOUNT", "type": 300}]);
    assert_invalid(&pay(b).await, "one discount coupon");
    let mut b = v("YES", "YES");
    b["coupon_infos"] = json!([{"id": DISCOUNT_COUPON, "type": 300}]);
    b["discount_infos"] = json!([{"id": DISCOUNT_605, "type": 2}]);
    assert_invalid(&pay(b).await, "cannot be combined");
    let mut b = v("NO", "YES");
    b["discount_infos"] = json!([{"id": "dsc-nope", "type": 2}]);
    assert_invalid(&pay(b).await, "dsc-nope");
    assert_error(
        &pay(json!({"order_id": "CS000", "use_coupon": "NO", "use_discount": "NO"})).await,
        400,
        "CBC.30000010",
    );
    // Nothing above changed the order.
    assert_eq!(sb.state().order(&order).unwrap().status, 6);

    // The 605 discount and the 100 voucher: (336 + 28) * 0.9 - 100 = 227.60.
    let mut b = v("YES", "YES");
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 301}]);
    b["discount_infos"] = json!([{"id": DISCOUNT_605, "type": 2}]);
    let r = pay(b.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        sb.balances().await.0,
        Decimal::from_str("49772.40").unwrap()
    );
    let d = sb.get(&format!("{ORDER_DETAILS}{order}"), &[]).await;
    assert_eq!(d.body["order_info"]["status"], 5);
    assert_eq!(
        dec(&d.body["order_info"]["amount_after_discount"]),
        Decimal::from_str("327.60").unwrap()
    );
    assert_eq!(
        dec(&d.body["order_info"]["amount_info"]["coupon_amount"]),
        Decimal::from(100)
    );
    // The renewal took effect; the voucher is used up.
    assert_eq!(
        sb.resource(&seed_id("staging-app-02")).await["expire_time"],
        "2027-02-10T00:00:00Z"
    );
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [seed_id("prod-web-04")], "period_type": 2, "period_num": 1}),
        )
        .await;
    let next = r.body["order_ids"][0].as_str().unwrap().to_string();
    let c = sb.get(COUPONS, &[("order_id", &next)]).await;
    assert!(!c.body.to_string().contains(VOUCHER));
    // Paying twice is refused.
    assert_error(&pay(b).await, 400, "CBC.99003106");

    // A discount coupon alone: 15 % off 612 + 28, capped at 500.
    let mut b = json!({"order_id": next, "use_coupon": "YES", "use_discount": "NO"});
    b["coupon_infos"] = json!([{"id": DISCOUNT_COUPON, "type": 300}]);
    let r = sb.post(PAY, b).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        sb.balances().await.0,
        Decimal::from_str("49228.40").unwrap()
    );
}

#[tokio::test]
async fn an_order_price_adjustment_must_be_used() {
    let mut seed = sandbox::seed_state();
    let order = pending_seed_order();
    seed.order_discounts.push(OrderDiscount {
        discount_id: "adj-609-0001".into(),
        order_id: order.clone(),
        discount_type: 609,
        discount_amount: Decimal::from(64),
    });
    let sb = Sb::start_with(|_| {}, Some(seed)).await;
    let d = sb.get(DISCOUNTS, &[("order_id", &order)]).await;
    assert!(d.body["discounts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["discount_type"] == 609));
    let base = json!({"order_id": order, "use_coupon": "NO", "use_discount": "NO"});
    assert_invalid(&sb.post(PAY, base.clone()).await, "609");
    let mut b = base.clone();
    b["use_discount"] = json!("YES");
    b["discount_infos"] = json!([{"id": DISCOUNT_605, "type": 2}]);
    assert_invalid(&sb.post(PAY, b.clone()).await, "609");
    b["discount_infos"] = json!([{"id": "adj-609-0001", "type": 609}]);
    let r = sb.post(PAY, b).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(sb.balances().await.0, Decimal::from(50000 - 300));
}

#[tokio::test]
async fn pay_insufficient_balance_changes_nothing() {
    let mut seed = sandbox::seed_state();
    for b in &mut seed.balances {
        b.amount = Decimal::from(10);
    }
    // A voucher the test can see stay unused.
    seed.coupons.retain(|c: &Coupon| c.pay_type == 301);
    let sb = Sb::start_with(|_| {}, Some(seed)).await;
    let before = std::fs::read(&sb.path).unwrap();
    let order = pending_seed_order();
    let mut b = json!({"order_id": order, "use_coupon": "YES", "use_discount": "NO"});
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 301}]);
    assert_error(&sb.post(PAY, b).await, 400, "CBC.99005003");
    assert_eq!(std::fs::read(&sb.path).unwrap(), before);
}

// ---------------------------------------------------------------------------
// Auto-renew, to-on-demand, unsubscribe

/// Reference §10's state rules: auto-renew changes on expired/frozen
/// resources (CBC.99003602) and conversion to pay-per-use in the grace or
/// retention period (CBC.99003610) are refused, and nothing changes.
#[tokio::test]
async fn expired_and_frozen_resources_refuse_policy_changes() {
    let sb = Sb::start().await;
    let frozen = seed_id("staging-app-01");
    let expired = seed_id("staging-web-01");
    for id in [&frozen, &expired] {
        let r = sb.call("DELETE", &format!("{AUTORENEW}{id}"), None).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.body["error_code"], "CBC.99003602");
    }
    let r = sb
        .post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": [frozen, expired]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let codes: Vec<&str> = r.body["error_details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["error_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CBC.99003610", "CBC.99003610"]);
    assert_eq!(sb.resource(&frozen).await["expire_policy"], 0);
    assert_eq!(sb.resource(&expired).await["expire_policy"], 0);
}

#[tokio::test]
async fn auto_renew_on_and_off() {
    let sb = Sb::start().await;
    let api01 = seed_id("prod-api-01");
    let api01_disk = seed_id("prod-api-01-data");
    let r = sb
        .post(
            &format!("{AUTORENEW}{api01}"),
            json!({"period_type": "YEAR", "auto_renew_times": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({}));
    assert_eq!(sb.resource(&api01).await["expire_policy"], 3);
    assert_eq!(sb.resource(&api01_disk).await["expire_policy"], 3);
    let stored = sb.state();
    let main = stored.resource(&api01).unwrap();
    assert_eq!(
        (
            main.auto_renew_period_type.as_deref(),
            main.auto_renew_times
        ),
        (Some("YEAR"), Some(2))
    );
    // Absent values leave the settings unchanged once on.
    assert_eq!(
        sb.call("POST", &format!("{AUTORENEW}{api01}"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        sb.state().resource(&api01).unwrap().auto_renew_times,
        Some(2)
    );
    // The write-only settings are never returned.
    assert!(sb.resource(&api01).await.get("auto_renew_times").is_none());

    let off = sb
        .call("DELETE", &format!("{AUTORENEW}{api01}"), None)
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(sb.resource(&api01).await["expire_policy"], 0);
    assert_eq!(sb.resource(&api01_disk).await["expire_policy"], 0);
    // Not auto-renewing: refused as the reference says (§10, CBC.99003605);
    // the sandbox used to answer a no-op success.
    let again = sb
        .call("DELETE", &format!("{AUTORENEW}{api01}"), None)
        .await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(again.body["error_code"], "CBC.99003605");

    // A resource that switches to pay-per-use gets that back when auto-renew is cancelled.
    let api02 = seed_id("prod-api-02");
    assert_eq!(
        sb.post(&format!("{AUTORENEW}{api02}"), json!({}))
            .await
            .status,
        200
    );
    let s = sb.state();
    let r2 = s.resource(&api02).unwrap();
    assert_eq!(
        (r2.auto_renew_period_type.as_deref(), r2.auto_renew_times),
        (Some("MONTH"), Some(0))
    );
    sb.call("DELETE", &format!("{AUTORENEW}{api02}"), None)
        .await;
    assert_eq!(sb.resource(&api02).await["expire_policy"], 1);

    let attached = sb
        .post(&format!("{AUTORENEW}{api01_disk}"), json!({}))
        .await;
    assert_invalid(&attached, &api01);
    assert_invalid(
        &sb.call("DELETE", &format!("{AUTORENEW}{api01_disk}"), None)
            .await,
        &api01,
    );
    assert_error(
        &sb.post(&format!("{AUTORENEW}no-such-id"), json!({})).await,
        400,
        "CBC.99003012",
    );
    assert_error(
        &sb.post(
            &format!("{AUTORENEW}{}", seed_id("staging-web-01")),
            json!({}),
        )
        .await,
        400,
        "CBC.99003602",
    );
    assert_error(
        &sb.post(
            &format!("{AUTORENEW}{}", seed_id("staging-app-01")),
            json!({}),
        )
        .await,
        400,
        "CBC.99003602",
    );
    assert_invalid(
        &sb.post(
            &format!("{AUTORENEW}{api01}"),
            json!({"auto_renew_times": 100}),
        )
        .await,
        "auto_renew_times",
    );
    assert_invalid(
        &sb.post(
            &format!("{AUTORENEW}{api01}"),
            json!({"auto_renew_times": -1}),
        )
        .await,
        "auto_renew_times",
    );
    assert_invalid(
        &sb.post(
            &format!("{AUTORENEW}{api01}"),
            json!({"period_type": "WEEK"}),
        )
        .await,
        "period_type",
    );
    assert_invalid(
        &sb.post(&format!("{AUTORENEW}{api01}"), json!({"action_id": "x"}))
            .await,
        "action_id",
    );
    assert_eq!(
        sb.post(
            &format!("{AUTORENEW}{api01}"),
            json!({"auto_renew_times": 99})
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn to_on_demand_set_up_and_cancel_with_partial_failures() {
    let sb = Sb::start().await;
    let web01_policy = sb.resource(WEB01).await["expire_policy"].clone();
    let obs = seed_id("data-obs-pkg-01");
    let r = sb
        .post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": [WEB01, WEB01_DISK, "no-such-id", obs]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let details: Vec<(String, String)> = r.body["error_details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["error_code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        details,
        vec![
            (WEB01_DISK.to_string(), "CBC.0100".to_string()),
            ("no-such-id".to_string(), "CBC.30050009".to_string()),
            (obs, "CBC.99003608".to_string()),
        ]
    );
    assert_eq!(sb.resource(WEB01).await["expire_policy"], 1);
    assert_eq!(
        sb.post(QUERY, json!({"resource_ids": [WEB01_DISK]}))
            .await
            .body["data"][0]["expire_policy"],
        1
    );
    let c = sb
        .post(
            TO_ON_DEMAND,
            json!({"operation": "CANCEL", "resource_ids": [WEB01]}),
        )
        .await;
    assert_eq!(c.body, json!({"error_details": []}));
    assert_eq!(sb.resource(WEB01).await["expire_policy"], web01_policy);

    assert_invalid(
        &sb.post(
            TO_ON_DEMAND,
            json!({"operation": "SETUP", "resource_ids": [WEB01]}),
        )
        .await,
        "operation",
    );
    assert_invalid(
        &sb.post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": []}),
        )
        .await,
        "resource_ids",
    );
    assert_invalid(
        &sb.post(TO_ON_DEMAND, json!({"operation": "SET_UP"})).await,
        "resource_ids",
    );
    let many: Vec<String> = (0..101).map(|i| format!("id-{i}")).collect();
    assert_invalid(
        &sb.post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": many}),
        )
        .await,
        "at most 100",
    );
    let hundred: Vec<String> = (0..100).map(|i| format!("id-{i}")).collect();
    assert_eq!(
        sb.post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": hundred})
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn unsubscribe_closes_or_removes_future_renewals() {
    let sb = Sb::start().await;
    let web02 = seed_id("prod-web-02");
    let web02_disk = seed_id("prod-web-02-data");
    let r = sb.post(UNSUBSCRIBE, json!({"resource_ids": [web02, WEB01_DISK], "unsubscribe_type": 1, "unsubscribe_reason_type": 5, "unsubscribe_reason": "moved"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        fail_infos(&r.body),
        vec![(WEB01_DISK.to_string(), "CBC.30010036".to_string())]
    );
    let order = r.body["order_ids"][0].as_str().unwrap().to_string();
    let q = sb.post(QUERY, json!({"resource_ids": [web02]})).await;
    assert_eq!(q.body["total_count"], 3);
    assert!(q.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["status"] == 3));
    let o = sb.get(&format!("{ORDER_DETAILS}{order}"), &[]).await;
    assert_eq!(o.body["order_info"]["order_type"], 4);
    assert_eq!(o.body["order_info"]["status"], 5);
    assert_eq!(o.body["total_count"], 3);
    assert!(o.body["order_line_items"][0]["period_num"].is_null());
    // Closed: a second unsubscribe finds nothing.
    let again = sb
        .post(
            UNSUBSCRIBE,
            json!({"resource_ids": [web02], "unsubscribe_type": 1}),
        )
        .await;
    assert_eq!(
        fail_infos(&again.body),
        vec![(web02.clone(), "CBC.30050009".to_string())]
    );
    assert_eq!(again.body["order_ids"], json!([]));
    let _ = web02_disk;

    // Type 2: prod-db-02 was renewed ahead (2026-12-01 → 2027-12-01).
    assert_eq!(
        sb.resource(PROD_DB_02).await["expire_time"],
        "2027-12-01T00:00:00Z"
    );
    let r = sb
        .post(
            UNSUBSCRIBE,
            json!({"resource_ids": [PROD_DB_02], "unsubscribe_type": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("fail_resource_infos").is_none(), "{}", r.body);
    assert_eq!(r.body["order_ids"].as_array().unwrap().len(), 1);
    assert_eq!(
        sb.resource(PROD_DB_02).await["expire_time"],
        "2026-12-01T00:00:00Z"
    );
    assert_eq!(sb.resource(PROD_DB_02).await["status"], 2);
    // eip-web's renewal already started: nothing to remove.
    let r = sb
        .post(
            UNSUBSCRIBE,
            json!({"resource_ids": [PROD_DB_02, EIP_WEB], "unsubscribe_type": 2}),
        )
        .await;
    assert_eq!(
        fail_infos(&r.body),
        vec![
            (PROD_DB_02.to_string(), "CBC.0100".to_string()),
            (EIP_WEB.to_string(), "CBC.0100".to_string())
        ]
    );

    assert_invalid(
        &sb.post(
            UNSUBSCRIBE,
            json!({"resource_ids": [WEB01], "unsubscribe_type": 3}),
        )
        .await,
        "unsubscribe_type",
    );
    assert_invalid(
        &sb.post(
            UNSUBSCRIBE,
            json!({"resource_ids": [WEB01], "unsubscribe_type": 1, "unsubscribe_reason_type": 6}),
        )
        .await,
        "unsubscribe_reason_type",
    );
    assert_invalid(
        &sb.post(UNSUBSCRIBE, json!({"resource_ids": [WEB01]})).await,
        "unsubscribe_type",
    );
    let many: Vec<String> = (0..11).map(|i| format!("id-{i}")).collect();
    assert_invalid(
        &sb.post(
            UNSUBSCRIBE,
            json!({"resource_ids": many, "unsubscribe_type": 1}),
        )
        .await,
        "at most 10",
    );
    assert_eq!(sb.resource(WEB01).await["status"], 2);
}

// ---------------------------------------------------------------------------
// Renew-rate, renew config, orders, balances, IAM

#[tokio::test]
async fn renew_rate_prices_main_and_attached_with_discounts() {
    let sb = Sb::start().await;
    let r = sb
        .post(RENEW_RATE, json!({"resource_ids": [WEB01, WEB01_DISK, "no-such-id", seed_id("data-obs-pkg-02")], "period_type": 3, "period_num": 1, "include_relative_resources": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["currency"], "CNY");
    assert_eq!(
        r.body["renew_inquiry_results"],
        json!([{"resource_id": WEB01, "amount": "4360.00"}])
    );
    assert_eq!(
        r.body["official_website_rating_result"]["official_website_amount"],
        "4360.00"
    );
    let d = &r.body["optional_discount_rating_results"][0];
    assert_eq!(d["discount_id"], DISCOUNT_605);
    assert_eq!(d["amount"], "3924.00");
    assert_eq!(d["discount_amount"], "436.00");
    assert_eq!(d["official_website_amount"], "4360.00");
    assert_eq!(d["discount_type"], 605);
    assert_eq!(d["best_offer"], 1);
    let codes: Vec<String> = fail_infos(&r.body).into_iter().map(|f| f.1).collect();
    assert_eq!(codes, vec!["CBC.30050007", "CBC.30050009", "CBC.30050013"]);

    let m = sb
        .post(
            RENEW_RATE,
            json!({"resource_ids": [WEB01, PROD_DB_02], "period_type": 2, "period_num": 3}),
        )
        .await;
    assert_eq!(m.body["renew_inquiry_results"][0]["amount"], "1008.00");
    assert_eq!(m.body["renew_inquiry_results"][1]["amount"], "3840.00");
    assert_eq!(
        m.body["official_website_rating_result"]["official_website_amount"],
        "4848.00"
    );
    // Rating created nothing.
    assert_eq!(sb.state(), sandbox::seed_state());

    assert_invalid(
        &sb.post(
            RENEW_RATE,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 12}),
        )
        .await,
        "period_num",
    );
    assert_invalid(
        &sb.post(
            RENEW_RATE,
            json!({"resource_ids": [WEB01], "period_type": 3, "period_num": 4}),
        )
        .await,
        "period_num",
    );
    let many: Vec<String> = (0..11).map(|i| format!("id-{i}")).collect();
    assert_invalid(
        &sb.post(
            RENEW_RATE,
            json!({"resource_ids": many, "period_type": 2, "period_num": 1}),
        )
        .await,
        "at most 10",
    );
    assert_invalid(&sb.post(RENEW_RATE, json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "include_relative_resources": "yes"})).await, "include_relative_resources");
}

#[tokio::test]
async fn renew_rate_without_account_discounts_omits_them() {
    let mut seed = sandbox::seed_state();
    seed.account_discounts.clear();
    let sb = Sb::start_with(|_| {}, Some(seed)).await;
    let r = sb
        .post(
            RENEW_RATE,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.get("optional_discount_rating_results").is_none(),
        "{}",
        r.body
    );
    // Auto-pay then charges the list price.
    sb.post(
        RENEW,
        json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
    )
    .await;
    assert_eq!(sb.balances().await.0, Decimal::from(50000 - 436));
}

#[tokio::test]
async fn renew_config_is_validated_and_stored() {
    let sb = Sb::start().await;
    for (name, value) in [
        ("DEDUCTION_DATE", "2"),
        ("DEDUCTION_DATE", "7"),
        ("EXPIRE_DATE", "1"),
        ("EXPIRE_DATE", "28"),
        ("EXPIRE_DATE", "-1"),
    ] {
        let r = sb
            .post(
                RENEW_CONFIG,
                json!({"config_name": name, "config_value": value}),
            )
            .await;
        assert_eq!(r.status, 200, "{name}={value}: {}", r.body);
        assert_eq!(
            r.body,
            json!({"error_code": "CBC.0000", "error_msg": "success"})
        );
    }
    let cfg = sb.state().renew_config;
    assert_eq!(cfg.get("EXPIRE_DATE").map(String::as_str), Some("-1"));
    assert_eq!(cfg.get("DEDUCTION_DATE").map(String::as_str), Some("7"));
    for (name, value) in [
        ("DEDUCTION_DATE", "1"),
        ("DEDUCTION_DATE", "8"),
        ("EXPIRE_DATE", "0"),
        ("EXPIRE_DATE", "29"),
        ("EXPIRE_DATE", "x"),
    ] {
        assert_invalid(
            &sb.post(
                RENEW_CONFIG,
                json!({"config_name": name, "config_value": value}),
            )
            .await,
            "config_value",
        );
    }
    assert_invalid(
        &sb.post(
            RENEW_CONFIG,
            json!({"config_name": "EXPIRY", "config_value": "1"}),
        )
        .await,
        "config_name",
    );
    assert_invalid(
        &sb.post(
            RENEW_CONFIG,
            json!({"config_name": "EXPIRE_DATE", "config_value": 1}),
        )
        .await,
        "config_value",
    );
}

#[tokio::test]
async fn orders_list_filters_sorts_and_validates() {
    let sb = Sb::start().await;
    let seed = sandbox::seed_state();
    let all = sb.get(ORDERS, &[("limit", "1000")]).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["total_count"], seed.orders.len() as u64);
    let times: Vec<&str> = all.body["order_infos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["create_time"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(times, sorted, "newest first by default");
    let asc = sb
        .get(ORDERS, &[("order_by", "createTime"), ("limit", "1")])
        .await;
    assert_eq!(
        asc.body["order_infos"][0]["create_time"],
        *times.last().unwrap()
    );
    let first = &all.body["order_infos"][0];
    for f in [
        "order_id",
        "customer_id",
        "service_type_code",
        "status",
        "order_type",
        "amount_after_discount",
        "official_amount",
        "measure_id",
        "create_time",
        "currency",
    ] {
        assert!(!first[f].is_null(), "{f}");
    }
    assert!(first.get("lines").is_none() && first.get("paid_amount").is_none());
    assert_eq!(first["customer_id"], DOMAIN);

    assert_eq!(
        sb.get(ORDERS, &[]).await.body["order_infos"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    let pending = sb.get(ORDERS, &[("status", "6")]).await;
    assert_eq!(pending.body["total_count"], 1);
    let renewals = sb
        .get(ORDERS, &[("order_type", "2"), ("limit", "100")])
        .await;
    assert!(renewals.body["order_infos"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["order_type"] == 2));
    let rds = sb
        .get(ORDERS, &[("service_type_code", "HWS.SERVICE.TYPE.RDS")])
        .await;
    assert!(rds.body["total_count"].as_u64().unwrap() >= 3);
    let window = sb
        .get(
            ORDERS,
            &[
                ("create_time_begin", "2026-11-01T00:00:00Z"),
                ("create_time_end", "2026-11-30T00:00:00Z"),
            ],
        )
        .await;
    assert_eq!(window.body["total_count"], 1);
    let paid = sb
        .get(
            ORDERS,
            &[
                ("payment_time_begin", "2026-10-01T00:00:00Z"),
                ("payment_time_end", "2026-10-31T00:00:00Z"),
            ],
        )
        .await;
    assert_eq!(paid.body["total_count"], 2);
    let by_id = sb
        .get(
            ORDERS,
            &[("order_id", &pending_seed_order().to_lowercase())],
        )
        .await;
    assert_eq!(by_id.body["total_count"], 1);

    assert_invalid(
        &sb.get(
            ORDERS,
            &[
                ("create_time_begin", "2025-01-01T00:00:00Z"),
                ("create_time_end", "2026-06-01T00:00:00Z"),
            ],
        )
        .await,
        "1 year",
    );
    assert_invalid(
        &sb.get(
            ORDERS,
            &[
                ("payment_time_begin", "2025-01-01T00:00:00Z"),
                ("payment_time_end", "2026-06-01T00:00:00Z"),
            ],
        )
        .await,
        "1 year",
    );
    assert_invalid(&sb.get(ORDERS, &[("order_by", "amount")]).await, "order_by");
    assert_invalid(
        &sb.get(ORDERS, &[("order_type", "renewal")]).await,
        "order_type",
    );
    assert_invalid(&sb.get(ORDERS, &[("status", "x")]).await, "status");
    assert_invalid(&sb.get(ORDERS, &[("limit", "0")]).await, "limit");
    assert_invalid(&sb.get(ORDERS, &[("offset", "-1")]).await, "offset");
    assert_invalid(
        &sb.get(ORDERS, &[("create_time_begin", "yesterday")]).await,
        "create_time_begin",
    );
    assert_invalid(&sb.get(ORDERS, &[("colour", "red")]).await, "colour");

    assert_error(
        &sb.get(&format!("{ORDER_DETAILS}CS0000000000NOPE"), &[])
            .await,
        400,
        "CBC.30000010",
    );
    let d = sb
        .get(&format!("{ORDER_DETAILS}{}", pending_seed_order()), &[])
        .await;
    assert_eq!(
        d.body["order_info"]["pending_payment_end_time"],
        "2026-11-29T09:30:00Z"
    );
    assert_invalid(
        &sb.get(
            &format!("{ORDER_DETAILS}{}", pending_seed_order()),
            &[("limit", "1001")],
        )
        .await,
        "limit",
    );
}

#[tokio::test]
async fn balances_and_iam_domains() {
    let sb = Sb::start().await;
    let b = sb.get(BALANCES, &[]).await;
    assert_eq!(b.status, 200, "{}", b.body);
    assert_eq!(b.body["currency"], "CNY");
    assert_eq!(b.body["measure_id"], 1);
    assert_eq!(dec(&b.body["debt_amount"]), Decimal::ZERO);
    let accounts = b.body["account_balances"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0]["account_type"], 1);
    assert_eq!(dec(&accounts[0]["amount"]), Decimal::from(50000));
    assert!(accounts[0].get("credit_amount").is_none());
    assert_eq!(dec(&accounts[1]["credit_amount"]), Decimal::from(20000));
    assert!(accounts[1]["amount"].is_number());

    // IAM: signed, no X-Domain-Id needed.
    let auth = Auth {
        domain: None,
        ..Auth::default()
    };
    let d = sb
        .send("GET", "/v3/auth/domains", &[], b"", &auth)
        .await
        .unwrap();
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(
        d.body,
        json!({"domains": [{"id": DOMAIN, "name": "acme-corp", "enabled": true}]})
    );
    let unsigned = Auth {
        unsigned: true,
        ..auth
    };
    assert_eq!(
        sb.send("GET", "/v3/auth/domains", &[], b"", &unsigned)
            .await
            .unwrap()
            .status,
        401
    );
}

// ---------------------------------------------------------------------------
// Authentication

#[tokio::test]
async fn signature_failures_are_401_and_change_nothing() {
    let sb = Sb::start().await;
    let body =
        json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 1})
            .to_string();
    let send = |auth: Auth, body: Vec<u8>| {
        let sb = &sb;
        async move { sb.send("POST", RENEW, &[], &body, &auth).await.unwrap() }
    };

    let wrong_sk = send(
        Auth {
            sk: "not-the-secret".into(),
            ..Auth::default()
        },
        body.clone().into_bytes(),
    )
    .await;
    assert_error(&wrong_sk, 401, "APIGW.0301");
    assert!(wrong_sk.body["error_msg"]
        .as_str()
        .unwrap()
        .contains("verify aksk signature fail"));
    assert!(
        !wrong_sk.body.to_string().contains(SK),
        "no secret in the body"
    );

    let unknown_ak = send(
        Auth {
            ak: "UNKNOWNAK".into(),
            ..Auth::default()
        },
        body.clone().into_bytes(),
    )
    .await;
    assert_error(&unknown_ak, 401, "APIGW.0301");
    assert!(unknown_ak.body["error_msg"]
        .as_str()
        .unwrap()
        .contains("access key"));

    let stale_date = (Utc::now() - chrono::Duration::minutes(16))
        .format(signer::DATE_FORMAT)
        .to_string();
    let stale = send(
        Auth {
            date: Some(stale_date),
            ..Auth::default()
        },
        body.clone().into_bytes(),
    )
    .await;
    assert_error(&stale, 401, "APIGW.0301");
    assert!(stale.body["error_msg"]
        .as_str()
        .unwrap()
        .contains("X-Sdk-Date"));
    let bad_date = send(
        Auth {
            date: Some("2026-11-24 00:00".into()),
            ..Auth::default()
        },
        body.clone().into_bytes(),
    )
    .await;
    assert_error(&bad_date, 401, "APIGW.0301");

    let missing = send(
        Auth {
            unsigned: true,
            ..Auth::default()
        },
        body.clone().into_bytes(),
    )
    .await;
    assert_error(&missing, 401, "APIGW.0301");

    // A body changed after signing: sign one body, send another.
    let host = sb.handle().addr().to_string();
    let date = Utc::now().format(signer::DATE_FORMAT).to_string();
    let headers = vec![
        ("Host".to_string(), host),
        ("X-Sdk-Date".to_string(), date.clone()),
    ];
    let sig = signer::sign(
        &SignInput {
            method: "POST",
            path: RENEW,
            query: &[],
            headers: &headers,
            body: body.as_bytes(),
        },
        SK.as_bytes(),
    );
    let tampered = body.replace("\"period_num\":1", "\"period_num\":9");
    let r = sb
        .client
        .post(format!("{}{RENEW}", sb.handle().url()))
        .header("X-Sdk-Date", date)
        .header("Authorization", sig.authorization(AK))
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("x-request-id"));

    // SignedHeaders must cover host and x-sdk-date.
    let r = sb
        .client
        .post(format!("{}{RENEW}", sb.handle().url()))
        .header(
            "X-Sdk-Date",
            Utc::now().format(signer::DATE_FORMAT).to_string(),
        )
        .header(
            "Authorization",
            format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=x-sdk-date, Signature=00"),
        )
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Signed query strings are verified too.
    let ok = sb
        .send(
            "GET",
            ORDERS,
            &[("limit", "2"), ("order_by", "-createTime")],
            b"",
            &Auth::default(),
        )
        .await
        .unwrap();
    assert_eq!(ok.status, 200, "{}", ok.body);

    assert_eq!(
        sb.state(),
        sandbox::seed_state(),
        "no failed request changed the state"
    );
}

#[tokio::test]
async fn tokens_security_tokens_and_domain_header() {
    let sb = Sb::start_with(
        |c| {
            c.auth_token = Some(Secret::new("good-token"));
            c.security_token = Some(Secret::new("sts-token"));
        },
        None,
    )
    .await;
    let token = |t: &str| Auth {
        token: Some(t.into()),
        ..Auth::default()
    };
    assert_eq!(
        sb.send("GET", BALANCES, &[], b"", &token("good-token"))
            .await
            .unwrap()
            .status,
        200
    );
    assert_error(
        &sb.send("GET", BALANCES, &[], b"", &token("expired-token"))
            .await
            .unwrap(),
        401,
        "APIGW.0307",
    );
    // AK/SK now needs the STS security token, signed like any header.
    assert_error(
        &sb.send("GET", BALANCES, &[], b"", &Auth::default())
            .await
            .unwrap(),
        401,
        "APIGW.0301",
    );
    let sts = Auth {
        security_token: Some("sts-token".into()),
        ..Auth::default()
    };
    assert_eq!(
        sb.send("GET", BALANCES, &[], b"", &sts)
            .await
            .unwrap()
            .status,
        200
    );
    let wrong_sts = Auth {
        security_token: Some("other".into()),
        ..Auth::default()
    };
    assert_eq!(
        sb.send("GET", BALANCES, &[], b"", &wrong_sts)
            .await
            .unwrap()
            .status,
        401
    );

    let other_domain = Auth {
        domain: Some("ffffffffffffffffffffffffffffffff".into()),
        ..sts.clone()
    };
    assert_error(
        &sb.send("GET", BALANCES, &[], b"", &other_domain)
            .await
            .unwrap(),
        403,
        "CBC.0151",
    );
    let no_domain = Auth {
        domain: None,
        ..sts
    };
    assert_eq!(
        sb.send("GET", BALANCES, &[], b"", &no_domain)
            .await
            .unwrap()
            .status,
        200
    );

    // Without auth tokens configured, any token is refused.
    let plain = Sb::start().await;
    assert_error(
        &plain
            .send("GET", BALANCES, &[], b"", &token("good-token"))
            .await
            .unwrap(),
        401,
        "APIGW.0307",
    );
}

#[tokio::test]
async fn unknown_paths_are_404_and_every_response_has_a_request_id() {
    let sb = Sb::start().await;
    let r = sb
        .send("GET", "/v2/orders/nope", &[], b"", &Auth::default())
        .await
        .unwrap();
    assert_error(&r, 404, "APIGW.0101");
    let wrong_method = sb
        .send("GET", RENEW, &[], b"", &Auth::default())
        .await
        .unwrap();
    assert_eq!(wrong_method.status, 404);
    let ok = sb.get(BALANCES, &[]).await;
    for resp in [&r, &ok] {
        let id = resp.headers.get("x-request-id").unwrap().to_str().unwrap();
        assert!(
            id.len() >= 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
        assert_eq!(
            resp.headers.get("content-type").unwrap(),
            "application/json"
        );
    }
    assert_ne!(
        r.headers.get("x-request-id"),
        ok.headers.get("x-request-id")
    );
}

/// The official `renew_post_json` vector's exact bytes and Authorization are
/// accepted; one changed body byte is not.
#[tokio::test]
async fn official_signing_vector_is_accepted_byte_for_byte() {
    let doc: Value = serde_json::from_str(include_str!("fixtures/signing-vectors.json")).unwrap();
    let v = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "renew_post_json")
        .unwrap()
        .clone();
    let ak = doc["ak"].as_str().unwrap().to_string();
    let sk = doc["sk"].as_str().unwrap().to_string();
    assert_eq!(ak, "HPUAXMPLEAKID0000001");
    let sb = Sb::start_with(
        move |c| {
            c.ak = ak;
            c.sk = Secret::new(sk);
            // The vector's date is fixed; the sandbox's date check is off for it.
            c.max_clock_skew = None;
        },
        None,
    )
    .await;
    let send = |body: Vec<u8>| {
        let mut req = sb
            .client
            .request(
                reqwest::Method::POST,
                format!(
                    "{}{}",
                    sb.handle().url(),
                    v["request_uri"].as_str().unwrap()
                ),
            )
            .header("Host", doc["host"].as_str().unwrap())
            .header("Authorization", v["authorization"].as_str().unwrap());
        for (k, val) in v["headers_in"].as_object().unwrap() {
            req = req.header(k.as_str(), val.as_str().unwrap());
        }
        req.body(body).send()
    };
    let body = v["body"].as_str().unwrap().as_bytes().to_vec();
    let mut changed = body.clone();
    let pos = changed.iter().rposition(|b| *b == b'3').unwrap(); // period_type 3 -> 2
    changed[pos] = b'2';
    let r = send(changed).await.unwrap();
    assert_eq!(r.status(), 401);

    let r = send(body).await.unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["order_ids"].as_array().unwrap().len(), 1, "{b}");
    assert_eq!(b["fail_resource_infos"], json!([]));
    assert_eq!(
        sb.state().resource(WEB01).unwrap().expire_time.to_rfc3339(),
        "2027-12-01T00:00:00+00:00"
    );
}

// ---------------------------------------------------------------------------
// Persistence and faults

#[tokio::test]
async fn changes_survive_a_restart() {
    let sb = Sb::start().await;
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 3, "is_auto_pay": 1}),
        )
        .await;
    assert_eq!(r.status, 200);
    let sb = sb.stop().await;
    let handle = sandbox::start(config(sb.path.clone())).await.unwrap();
    let again = Sb {
        handle: Some(handle),
        _dir: sb._dir,
        path: sb.path,
        log: sb.log,
        client: reqwest::Client::new(),
    };
    assert_eq!(
        again.resource(WEB01).await["expire_time"],
        "2027-03-01T00:00:00Z"
    );
    assert_eq!(
        again.balances().await.0,
        Decimal::from_str("48822.80").unwrap()
    );
    let orders = again
        .get(
            ORDERS,
            &[
                ("order_type", "2"),
                ("status", "5"),
                ("create_time_begin", "2026-11-24T00:00:00Z"),
                ("create_time_end", "2026-11-24T00:00:00Z"),
            ],
        )
        .await;
    assert_eq!(orders.body["total_count"], 1);
    again.stop().await;
}

#[tokio::test]
async fn throttle_every_fifth_request_is_not_applied() {
    let sb = Sb::start_with(|c| c.faults.throttle_every = Some(5), None).await;
    for _ in 0..4 {
        assert_eq!(sb.get(BALANCES, &[]).await.status, 200);
    }
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert_error(&r, 429, "APIG.0308");
    assert!(r.body["error_msg"]
        .as_str()
        .unwrap()
        .contains("throttling threshold"));
    assert_eq!(
        sb.resource(WEB01).await["expire_time"],
        "2026-12-01T00:00:00Z"
    );
    assert_eq!(sb.state(), sandbox::seed_state());
    // Auth failures do not count: the 10th eligible request is throttled.
    let unsigned = Auth {
        unsigned: true,
        ..Auth::default()
    };
    for _ in 0..3 {
        assert_eq!(
            sb.send("GET", BALANCES, &[], b"", &unsigned)
                .await
                .unwrap()
                .status,
            401
        );
    }
    let statuses = balance_statuses(&sb, 4).await;
    assert_eq!(statuses, vec![200, 200, 200, 429]);
    let log = std::fs::read_to_string(&sb.log).unwrap();
    let faults: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["fault"] == "throttle")
        .collect();
    assert_eq!(faults.len(), 2);
    assert_eq!(faults[0]["api"], "RenewalResources");
    assert_eq!(faults[0]["resource_ids"], json!([WEB01]));
    assert_eq!(faults[0]["status"], 429);
}

/// Sequential requests (the server serializes anyway); statuses in order.
async fn balance_statuses(sb: &Sb, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(sb.get(BALANCES, &[]).await.status);
    }
    out
}

#[tokio::test]
async fn injected_5xx_is_not_applied_and_faults_can_target_apis() {
    let sb = Sb::start_with(
        |c| {
            c.faults.error_every = Some(1);
            c.faults.apis = Some(vec![bssctl::bss::Api::Renew]);
        },
        None,
    )
    .await;
    assert_eq!(sb.get(BALANCES, &[]).await.status, 200, "not a faulted API");
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert_error(&r, 500, "CBC.0999");
    assert_eq!(sb.state(), sandbox::seed_state());
}

#[tokio::test]
async fn dropped_connection_after_the_renewal_was_applied() {
    let sb = Sb::start_with(
        |c| {
            c.faults.drop_every = Some(2);
            c.faults.apis = Some(vec![bssctl::bss::Api::Renew, bssctl::bss::Api::Balances]);
        },
        None,
    )
    .await;
    let body =
        json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 1})
            .to_string();
    // Reads are never dropped, and do not count for the drop counter.
    assert_eq!(sb.get(BALANCES, &[]).await.status, 200);
    let first = sb
        .send("POST", RENEW, &[], body.as_bytes(), &Auth::default())
        .await
        .unwrap();
    assert_eq!(first.status, 200);
    let second = sb
        .send("POST", RENEW, &[], body.as_bytes(), &Auth::default())
        .await;
    let err = match second {
        Ok(r) => panic!("expected a connection error, got HTTP {}", r.status),
        Err(e) => e,
    };
    // hyper closed the connection before any response byte.
    assert!(
        err.is_request() && format!("{err:?}").contains("IncompleteMessage"),
        "{err:?}"
    );
    // Both renewals are in the state file: the dropped one took effect.
    let state = State::load(&sb.path).unwrap();
    assert_eq!(state.resource(WEB01).unwrap().renewals.len(), 2);
    assert_eq!(
        sb.resource(WEB01).await["expire_time"],
        "2027-02-01T00:00:00Z"
    );
    let log = std::fs::read_to_string(&sb.log).unwrap();
    let dropped: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["fault"] == "drop")
        .collect();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0]["order_ids"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn latency_and_rate_limit() {
    let sb = Sb::start_with(|c| c.faults.latency = Duration::from_millis(150), None).await;
    let t = Instant::now();
    assert_eq!(sb.get(BALANCES, &[]).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    let t = Instant::now();
    let unsigned = Auth {
        unsigned: true,
        ..Auth::default()
    };
    assert_eq!(
        sb.send("GET", BALANCES, &[], b"", &unsigned)
            .await
            .unwrap()
            .status,
        401
    );
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "latency applies to every response"
    );

    let sb = Sb::start_with(|c| c.rate_limit_per_api = Some(3), None).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(sb.get(BALANCES, &[]).await.status);
    }
    // A burst of 3 passes; the bucket refills one token per 333 ms, so a
    // quick run of 8 meets the limit even on a slow machine.
    assert_eq!(statuses[..3], [200, 200, 200]);
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(
        sb.post(QUERY, json!({})).await.status,
        200,
        "limits are per API"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        sb.get(BALANCES, &[]).await.status,
        200,
        "the bucket refills"
    );
}
