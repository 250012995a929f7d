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
const API01: &str = "c62697d1-8e77-8686-3cba-12b6ff3b0f57";
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

mod auth;
mod auto_renew;
mod pay;
mod persistence_faults;
mod query;
mod rates_orders_balances;
mod renew;
