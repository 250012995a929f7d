//! The HTTP side: accept loop, per-request pipeline (route → authenticate →
//! domain check → faults → handler → persist → latency → log → respond).

use super::audit::{Actor, ConsoleChange};
use super::auth::{self, Received, Verifier};
use super::errors::ApiError;
use super::faults::{Fault, Faults};
use super::handlers::{self, Ctx};
use super::state::State;
use super::sts::{Issuer, StsAnswer};
use super::SandboxConfig;
use crate::bss::Api;
use chrono::{DateTime, SecondsFormat, Utc};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Mutex};
use tokio::task::JoinSet;

/// The route tests use to change something "in the console" as another user.
pub const CONSOLE_PATH: &str = "/sandbox/console";
/// Bodies larger than this are refused (the real API's are a few KB).
const MAX_BODY: usize = 1 << 20;
/// How long shutdown waits for open connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Returned by the service to make hyper close the connection without
/// writing any response (the "drop after apply" fault).
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

pub struct App {
    cfg: SandboxConfig,
    /// One lock serializes every request: simple and obviously consistent.
    state: Mutex<State>,
    faults: Faults,
    /// Fixed "now" (`SandboxConfig::now` or `BSSCTL_NOW`), else the system clock.
    fixed_now: Option<DateTime<Utc>>,
    log_lock: std::sync::Mutex<()>,
    /// The metadata service and IAM's ID-token exchange, and the temporary
    /// keys they issued.
    issuer: Issuer,
}

/// What happened to one request, for the response and the request log.
struct Outcome {
    api: Option<Api>,
    result: Result<Value, ApiError>,
    fault: Option<Fault>,
    resource_ids: Vec<String>,
    order_ids: Vec<String>,
    /// The account (domain id) whose credentials signed the request.
    account: Option<String>,
}

/// Whose credentials signed a request: the master (the configured account)
/// or an enterprise sub-account, with the keys to verify against.
struct Principal {
    /// `None`: the master account.
    sub: Option<String>,
    ak: String,
    sk: crate::bss::Secret,
    security_token: Option<crate::bss::Secret>,
    expires_at: Option<DateTime<Utc>>,
}

impl Outcome {
    fn early(api: Option<Api>, err: ApiError) -> Outcome {
        Outcome {
            account: None,
            api,
            result: Err(err),
            fault: None,
            resource_ids: Vec::new(),
            order_ids: Vec::new(),
        }
    }

    fn status(&self) -> u16 {
        match &self.result {
            Ok(_) => 200,
            Err(e) => e.status,
        }
    }
}

impl App {
    pub fn new(cfg: SandboxConfig, state: State, fixed_now: Option<DateTime<Utc>>) -> App {
        let faults = Faults::new(cfg.faults.clone(), cfg.rate_limit_per_api);
        let cfg_ttl = cfg.temporary_key_ttl;
        App {
            cfg,
            state: Mutex::new(state),
            faults,
            fixed_now,
            log_lock: std::sync::Mutex::new(()),
            issuer: Issuer::new(cfg_ttl),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }

    async fn process(
        self: &Arc<Self>,
        parts: &hyper::http::request::Parts,
        body: &[u8],
    ) -> Outcome {
        let Some((api, raw_param)) = Api::route(parts.method.as_str(), parts.uri.path()) else {
            return Outcome::early(None, ApiError::not_found());
        };
        let param = raw_param.map(|p| {
            percent_encoding::percent_decode_str(&p)
                .decode_utf8_lossy()
                .into_owned()
        });
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let principal = self.principal(access_key(&headers).as_deref()).await;
        // A temporary key issued here signs with its own SK and must carry
        // its security token, until it expires.
        if principal.expires_at.is_some_and(|t| t <= Utc::now()) {
            return Outcome::early(
                Some(api),
                ApiError::unauthorized(
                    "APIGW.0301",
                    "Incorrect IAM authentication information: the security token has expired",
                ),
            );
        }
        let permanent_master = principal.sub.is_none() && principal.expires_at.is_none();
        let verifier = Verifier {
            ak: &principal.ak,
            sk: &principal.sk,
            security_token: principal.security_token.as_ref(),
            auth_token: if permanent_master {
                self.cfg.auth_token.as_ref()
            } else {
                None
            },
            max_clock_skew: self.cfg.max_clock_skew,
        };
        let received = Received {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            raw_query: parts.uri.query(),
            headers: &headers,
            body,
        };
        // The signature date is always checked against the real clock.
        if let Err(e) = verifier.verify(&received, Utc::now()) {
            return Outcome::early(Some(api), e);
        }
        let (account_id, account_name) = match &principal.sub {
            None => (self.cfg.domain_id.clone(), self.cfg.domain_name.clone()),
            Some(id) => {
                let state = self.state.lock().await;
                let name = state
                    .sub_account(id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                (id.clone(), name)
            }
        };
        if api == Api::ListTraces && self.faults.cts_forbidden() {
            return Outcome::early(
                Some(api),
                ApiError::new(
                    403,
                    "CTS.0003",
                    "Forbidden: the credentials lack the permission cts:trace:list (sandbox fault).",
                ),
            );
        }
        if api != Api::IamDomains {
            let sent = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("x-domain-id"))
                .map(|(_, v)| v.trim());
            if sent.is_some_and(|d| d != account_id) {
                return Outcome::early(
                    Some(api),
                    ApiError::new(
                        403,
                        "CBC.0151",
                        "Access denied: X-Domain-Id does not match the account of the credentials.",
                    ),
                );
            }
        }
        if principal.sub.is_some() && api.is_enterprise() {
            return Outcome::early(
                Some(api),
                ApiError::new(
                    403,
                    "CBC.0151",
                    "Access denied: only the enterprise master account may call this API.",
                ),
            );
        }

        let query = auth::query_pairs(parts.uri.query());
        let actor = Actor::api(access_key(&headers));
        let mut out = Outcome {
            api: Some(api),
            result: Ok(Value::Null),
            fault: self.faults.decide(api),
            resource_ids: Vec::new(),
            order_ids: Vec::new(),
            account: Some(account_id.clone()),
        };
        collect_request_ids(api, param.as_deref(), &query, body, &mut out);
        out.result = match out.fault {
            Some(Fault::RateLimited) => Err(ApiError::throttled(self.faults.limit())),
            Some(Fault::Throttle) => Err(ApiError::throttled(self.faults.limit().max(10))),
            Some(Fault::Error) => Err(ApiError::internal(self.faults.error_message())),
            Some(Fault::LateApply) => {
                self.apply_late(
                    api,
                    param.clone(),
                    query.clone(),
                    body.to_vec(),
                    actor,
                    principal.sub.clone(),
                );
                Err(ApiError::new(
                    504,
                    "APIG.0201",
                    "Backend timeout (sandbox injected fault).",
                ))
            }
            Some(Fault::UnmatchedFailure) => {
                self.unmatched_failure(api, param.as_deref(), &query, body, &actor, &principal.sub)
                    .await
            }
            None | Some(Fault::Drop) => {
                let ctx = Ctx {
                    api,
                    param: param.as_deref(),
                    query: &query,
                    body,
                    now: self.now(),
                    domain_id: &account_id,
                    domain_name: &account_name,
                };
                self.run_handler(&ctx, &actor, principal.sub.as_deref())
                    .await
            }
        };
        if api == Api::QueryResources && principal.sub.is_none() {
            if let Ok(v) = &mut out.result {
                self.lie_about_listing(body, v).await;
            }
        }
        if let Ok(v) = &out.result {
            if let Some(ids) = v.get("order_ids").and_then(Value::as_array) {
                out.order_ids
                    .extend(ids.iter().filter_map(Value::as_str).map(str::to_string));
            }
        }
        out
    }

    /// The listing faults (`ListingLies`), for full listings only.
    async fn lie_about_listing(&self, body: &[u8], v: &mut Value) {
        let lies = self.faults.listing();
        let req: crate::bss::model::QueryResourcesReq =
            serde_json::from_slice(body).unwrap_or_default();
        if req.resource_ids.as_ref().is_some_and(|ids| !ids.is_empty()) {
            return;
        }
        let first_page = req.offset.unwrap_or(0) == 0;
        if let Some(total) = lies.total_count {
            v["total_count"] = Value::from(total);
        }
        if first_page && lies.unreadable_rows {
            if let Some(rows) = v.get_mut("data").and_then(Value::as_array_mut) {
                rows.push(serde_json::json!({
                    "id": "sandbox-row-without-id",
                    "resource_name": "row-without-id",
                    "service_type_code": "hws.service.type.ec2",
                    "is_main_resource": 1,
                    "status": 2,
                    "expire_time": "2027-01-01T00:00:00Z",
                    "expire_policy": 0
                }));
                rows.push(serde_json::json!({
                    "id": "sandbox-row-bad-time",
                    "resource_id": "sandbox-bad-expire-time",
                    "resource_name": "row-with-bad-time",
                    "service_type_code": "hws.service.type.ec2",
                    "is_main_resource": 1,
                    "status": 2,
                    "expire_time": "next tuesday",
                    "expire_policy": 0
                }));
            }
        }
        if first_page && self.faults.close_mid_listing_now() {
            let first = v
                .get("data")
                .and_then(Value::as_array)
                .and_then(|rows| rows.first())
                .and_then(|r| r.get("resource_id"))
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(id) = first {
                let mut state = self.state.lock().await;
                for r in state.resources.iter_mut() {
                    if r.resource_id == id || r.parent_resource_id.as_deref() == Some(&id) {
                        r.status = crate::bss::model::STATUS_CLOSED;
                    }
                }
                if let Err(e) = state.save_atomic(&self.cfg.state_path) {
                    tracing::error!("sandbox: {e}");
                }
                tracing::info!("sandbox: closed {id} in the middle of a listing (fault)");
            }
        }
    }

    /// The late-apply fault: the write is carried out after the delay, as
    /// if the backend finished after the gateway gave up.
    fn apply_late(
        self: &Arc<Self>,
        api: Api,
        param: Option<String>,
        query: Vec<(String, String)>,
        body: Vec<u8>,
        actor: Actor,
        sub: Option<String>,
    ) {
        let app = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(app.faults.late_apply_delay()).await;
            let (domain_id, domain_name) = app.account_names(sub.as_deref()).await;
            let ctx = Ctx {
                api,
                param: param.as_deref(),
                query: &query,
                body: &body,
                now: app.now(),
                domain_id: &domain_id,
                domain_name: &domain_name,
            };
            if let Err(e) = app.run_handler(&ctx, &actor, sub.as_deref()).await {
                tracing::info!("sandbox: late-applied {} failed: {e}", api.sdk_name());
            }
        });
    }

    /// The unmatched-failure fault: the last resource id is left out (not
    /// applied) and the answer reports a failure without any resource id.
    async fn unmatched_failure(
        &self,
        api: Api,
        param: Option<&str>,
        query: &[(String, String)],
        body: &[u8],
        actor: &Actor,
        sub: &Option<String>,
    ) -> Result<Value, ApiError> {
        let mut req: Value =
            serde_json::from_slice(body).map_err(|e| ApiError::invalid(e.to_string()))?;
        let ids = req
            .get_mut("resource_ids")
            .and_then(Value::as_array_mut)
            .ok_or_else(|| ApiError::invalid("resource_ids is required"))?;
        ids.pop();
        let rest = !ids.is_empty();
        let mut value = if rest {
            let body = serde_json::to_vec(&req).unwrap_or_default();
            let (domain_id, domain_name) = self.account_names(sub.as_deref()).await;
            let ctx = Ctx {
                api,
                param,
                query,
                body: &body,
                now: self.now(),
                domain_id: &domain_id,
                domain_name: &domain_name,
            };
            self.run_handler(&ctx, actor, sub.as_deref()).await?
        } else if api == Api::ToOnDemand {
            json!({})
        } else {
            json!({ "order_ids": [] })
        };
        let entry = json!({
            "error_code": "CBC.0999",
            "error_msg": "Internal error for one resource (sandbox injected fault).",
        });
        let key = if api == Api::ToOnDemand {
            "error_details"
        } else {
            "fail_resource_infos"
        };
        if let Some(obj) = value.as_object_mut() {
            match obj.get_mut(key).and_then(Value::as_array_mut) {
                Some(list) => list.push(entry),
                None => {
                    obj.insert(key.to_string(), json!([entry]));
                }
            }
        }
        Ok(value)
    }

    /// Reads run on the state itself; writes run on a copy that replaces the
    /// state only once it is saved, so a failed request changes nothing and
    /// an acknowledged one is on disk. `sub` selects a sub-account's state
    /// (`None`: the master's, which also holds the sub-accounts); `actor`
    /// is who the change's trace names.
    async fn run_handler(
        &self,
        ctx: &Ctx<'_>,
        actor: &Actor,
        sub: Option<&str>,
    ) -> Result<Value, ApiError> {
        let mut state = self.state.lock().await;
        if !ctx.api.is_write() {
            return handlers::dispatch(ctx, account_of(&mut state, sub)?);
        }
        let mut work = state.clone();
        let account = account_of(&mut work, sub)?;
        let value = handlers::dispatch(ctx, account)?;
        super::audit::record(account, ctx, actor, &value);
        if let Err(e) = work.save_atomic(&self.cfg.state_path) {
            tracing::error!("sandbox: {e}");
            return Err(ApiError::internal(
                "Internal system error: the sandbox could not save its state; nothing was applied.",
            ));
        }
        *state = work;
        Ok(value)
    }

    /// `POST /sandbox/console`: a change made in the console by another
    /// user (docs/sandbox.md). Not signed: the sandbox is on loopback only.
    async fn console(&self, method: &str, body: &[u8]) -> Outcome {
        if method != "POST" {
            return Outcome::early(None, ApiError::not_found());
        }
        let change: ConsoleChange = match serde_json::from_slice(body) {
            Ok(c) => c,
            Err(e) => {
                return Outcome::early(None, ApiError::invalid(format!("console change: {e}")))
            }
        };
        let (api, param, call_body) = match change.call() {
            Ok(c) => c,
            Err(e) => return Outcome::early(None, e),
        };
        let ctx = Ctx {
            api,
            param: param.as_deref(),
            query: &[],
            body: &call_body,
            now: change.time.unwrap_or_else(|| self.now()),
            domain_id: &self.cfg.domain_id,
            domain_name: &self.cfg.domain_name,
        };
        let result = self.run_handler(&ctx, &change.actor(), None).await;
        Outcome {
            api: Some(api),
            result,
            fault: None,
            resource_ids: vec![change.resource_id.clone()],
            order_ids: Vec::new(),
            account: Some(self.cfg.domain_id.clone()),
        }
    }

    /// The account id and name a request runs as.
    async fn account_names(&self, sub: Option<&str>) -> (String, String) {
        match sub {
            None => (self.cfg.domain_id.clone(), self.cfg.domain_name.clone()),
            Some(id) => {
                let state = self.state.lock().await;
                let name = state
                    .sub_account(id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                (id.to_string(), name)
            }
        }
    }

    /// Who signed with `ak`: a temporary key issued here (for the master or,
    /// through an agency, a sub-account), a sub-account's own key, or else
    /// the master's configured key (an unknown AK then fails verification).
    async fn principal(&self, ak: Option<&str>) -> Principal {
        if let Some(k) = ak.and_then(|ak| self.issuer.key(ak)) {
            return Principal {
                sub: k.domain_id.clone(),
                ak: k.ak,
                sk: k.sk,
                security_token: Some(k.security_token),
                expires_at: Some(k.expires_at),
            };
        }
        if let Some(ak) = ak.filter(|ak| *ak != self.cfg.ak) {
            let state = self.state.lock().await;
            if let Some(s) = state.sub_accounts.iter().find(|s| s.access_key == ak) {
                return Principal {
                    sub: Some(s.id.clone()),
                    ak: s.access_key.clone(),
                    sk: crate::bss::Secret::new(s.secret_key.clone()),
                    security_token: None,
                    expires_at: None,
                };
            }
        }
        Principal {
            sub: None,
            ak: self.cfg.ak.clone(),
            sk: self.cfg.sk.clone(),
            security_token: self.cfg.security_token.clone(),
            expires_at: None,
        }
    }

    /// IAM CreateTemporaryAccessKeyByAgency (§13i): signed by a permanent
    /// key of the trusted account; the agency must exist in the delegating
    /// sub-account and trust that account. The keys act as the sub-account.
    async fn assume_agency(
        &self,
        parts: &hyper::http::request::Parts,
        headers: &[(String, String)],
        body: &[u8],
    ) -> StsAnswer {
        const NAME: &str = "iam:assume_role";
        let fail = |status: u16, code: &str, msg: &str| StsAnswer {
            name: NAME,
            status,
            headers: Vec::new(),
            body: json!({"error_code": code, "error_msg": msg}),
        };
        let principal = self.principal(access_key(headers).as_deref()).await;
        if principal.expires_at.is_some() {
            return fail(
                403,
                "IAM.0003",
                "Temporary credentials cannot assume an agency here.",
            );
        }
        let verifier = Verifier {
            ak: &principal.ak,
            sk: &principal.sk,
            security_token: principal.security_token.as_ref(),
            auth_token: None,
            max_clock_skew: self.cfg.max_clock_skew,
        };
        let received = Received {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            raw_query: parts.uri.query(),
            headers,
            body,
        };
        if let Err(e) = verifier.verify(&received, Utc::now()) {
            return fail(401, "IAM.0001", &e.msg);
        }
        let caller = principal
            .sub
            .clone()
            .unwrap_or_else(|| self.cfg.domain_id.clone());
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let role = &v["auth"]["identity"]["assume_role"];
        let Some(agency) = role["agency_name"].as_str().filter(|a| !a.is_empty()) else {
            return fail(
                400,
                "IAM.0001",
                "auth.identity.assume_role.agency_name is required",
            );
        };
        let duration = match role.get("duration_seconds") {
            None | Some(Value::Null) => 900,
            Some(d) => match d.as_u64().filter(|d| (900..=86400).contains(d)) {
                Some(d) => d,
                None => return fail(400, "IAM.0001", "duration_seconds must be 900..86400"),
            },
        };
        let state = self.state.lock().await;
        let target = state.sub_accounts.iter().find(|s| {
            role["domain_id"].as_str() == Some(s.id.as_str())
                || role["domain_name"].as_str() == Some(s.name.as_str())
        });
        let Some(target) = target else {
            return fail(404, "IAM.0004", "The delegating account does not exist.");
        };
        let trusted = target
            .account
            .agencies
            .iter()
            .any(|a| a.name == agency && a.trusted_domain_id == caller);
        if !trusted {
            return fail(
                403,
                "IAM.0003",
                "The agency does not exist or does not trust the calling account.",
            );
        }
        let ttl = Duration::from_secs(duration).min(self.cfg.temporary_key_ttl);
        StsAnswer {
            name: NAME,
            status: 201,
            headers: Vec::new(),
            body: self.issuer.issue_for(ttl, Some(target.id.clone())),
        }
    }

    fn log(&self, out: &Outcome, access_key: Option<String>) {
        let line = json!({
            "ts": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            "api": out.api.map(|a| a.sdk_name()),
            "status": out.status(),
            "resource_ids": out.resource_ids,
            "order_ids": out.order_ids,
            "fault": out.fault.map(Fault::name),
            "access_key": access_key,
            "account": out.account,
        });
        self.log_line(line);
    }

    /// Logs a call to the credential endpoints (no secrets: name and status).
    fn log_sts(&self, answer: &StsAnswer) {
        self.log_line(json!({
            "ts": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            "api": answer.name,
            "status": answer.status,
        }));
    }

    fn log_line(&self, line: Value) {
        let Some(path) = &self.cfg.request_log else {
            return;
        };
        let _guard = self.log_lock.lock();
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            tracing::warn!(
                "sandbox: cannot append to request log {}: {e}",
                path.display()
            );
        }
    }
}

/// The resource and order ids a request names, for the request log.
fn collect_request_ids(
    api: Api,
    param: Option<&str>,
    query: &[(String, String)],
    body: &[u8],
    out: &mut Outcome,
) {
    match (api, param) {
        (Api::EnableAutoRenew | Api::CancelAutoRenew, Some(p)) => {
            out.resource_ids.push(p.to_string())
        }
        (Api::OrderDetails, Some(p)) => out.order_ids.push(p.to_string()),
        _ => {}
    }
    out.order_ids.extend(
        query
            .iter()
            .filter(|(k, _)| k == "order_id")
            .map(|(_, v)| v.clone()),
    );
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    if let Some(ids) = v.get("resource_ids").and_then(Value::as_array) {
        out.resource_ids
            .extend(ids.iter().filter_map(Value::as_str).map(str::to_string));
    }
    if let Some(id) = v.get("order_id").and_then(Value::as_str) {
        out.order_ids.push(id.to_string());
    }
}

/// The sub-account state a request runs on (`None`: the master's).
fn account_of<'s>(state: &'s mut State, sub: Option<&str>) -> Result<&'s mut State, ApiError> {
    match sub {
        None => Ok(state),
        Some(id) => state
            .sub_accounts
            .iter_mut()
            .find(|s| s.id == id)
            .map(|s| &mut s.account)
            .ok_or_else(|| ApiError::new(403, "CBC.0151", "Access denied: unknown account.")),
    }
}

/// IAM's securitytokens path with `methods: ["assume_role"]` (§13i).
fn is_assume_role(method: &str, path: &str, body: &[u8]) -> bool {
    method == Api::AssumeAgency.method()
        && path == Api::AssumeAgency.path()
        && serde_json::from_slice::<Value>(body)
            .is_ok_and(|v| v["auth"]["identity"]["methods"] == json!(["assume_role"]))
}

fn request_id() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// The `Access=` of a signed request's Authorization header.
fn access_key(headers: &[(String, String)]) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| crate::bss::signer::parse_authorization(v))
        .map(|p| p.access.to_string())
}

/// A credential endpoint's answer: a bare string (the metadata session
/// token) is sent as text, anything else as JSON.
fn respond_sts(answer: StsAnswer) -> Response<Full<Bytes>> {
    let mut resp = match &answer.body {
        Value::String(text) => {
            let mut r = Response::new(Full::new(Bytes::from(text.clone())));
            *r.status_mut() = hyper::StatusCode::from_u16(answer.status)
                .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
            r
        }
        body => respond(answer.status, body),
    };
    for (name, value) in answer.headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&value) {
            resp.headers_mut().insert(name, v);
        }
    }
    resp
}

fn respond(status: u16, body: &Value) -> Response<Full<Bytes>> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Full::new(Bytes::from(bytes)));
    *resp.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = hyper::header::HeaderValue::from_str(&request_id()) {
        headers.insert("x-request-id", v);
    }
    resp
}

async fn handle(app: Arc<App>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let out = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => {
            let bytes = collected.to_bytes();
            if is_assume_role(parts.method.as_str(), parts.uri.path(), &bytes) {
                let answer = app.assume_agency(&parts, &headers, &bytes).await;
                app.log_sts(&answer);
                return Ok(respond_sts(answer));
            }
            let sts = app
                .issuer
                .route(parts.method.as_str(), parts.uri.path(), &headers, &bytes);
            if let Some(answer) = sts {
                app.log_sts(&answer);
                return Ok(respond_sts(answer));
            }
            if parts.uri.path() == CONSOLE_PATH {
                let out = app.console(parts.method.as_str(), &bytes).await;
                app.log(&out, None);
                return Ok(match &out.result {
                    Ok(v) => respond(200, v),
                    Err(e) => respond(e.status, &e.body()),
                });
            }
            app.process(&parts, &bytes).await
        }
        Err(_) => Outcome::early(
            None,
            ApiError::invalid(format!(
                "The request body could not be read or exceeds {MAX_BODY} bytes."
            )),
        ),
    };
    let latency = app.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    app.log(&out, access_key(&headers));
    if out.fault == Some(Fault::Drop) {
        // Applied and persisted above; now hang up without answering.
        return Err(Dropped);
    }
    Ok(match &out.result {
        Ok(v) => respond(200, v),
        Err(e) => respond(e.status, &e.body()),
    })
}

/// Accepts connections until `shutdown` flips, then lets open connections
/// finish their current request (up to `SHUTDOWN_GRACE`).
pub async fn accept_loop(
    listener: TcpListener,
    app: Arc<App>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let app = app.clone();
                    let mut stop = shutdown.clone();
                    conns.spawn(async move {
                        let svc = service_fn(move |req| handle(app.clone(), req));
                        let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
                        tokio::pin!(conn);
                        tokio::select! {
                            _ = conn.as_mut() => {}
                            _ = stop.changed() => {
                                conn.as_mut().graceful_shutdown();
                                let _ = conn.await;
                            }
                        }
                    });
                }
                Err(e) => {
                    // E.g. too many open files: back off instead of spinning.
                    tracing::warn!("sandbox: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
        while conns.try_join_next().is_some() {}
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        conns.abort_all();
    }
}
