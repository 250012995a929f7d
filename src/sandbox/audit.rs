//! The sandbox's audit trail: a CTS trace (bss-api §14b `Traces`) for every
//! change it performs, with the user who made it, and `ListTraces` over
//! them. Changes come from signed API calls (user [`API_USER`], `ApiCall`)
//! or from the console route (`POST /sandbox/console`, any user,
//! `ConsoleAction`), which tests use to change something "in the console".

use super::errors::ApiError;
use super::handlers::Ctx;
use super::state::State;
use crate::bss::Api;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

/// The IAM user the sandbox's AK/SK belongs to.
pub const API_USER: &str = "bssctl-api";
/// The console's source address when a console change names none.
pub const CONSOLE_IP: &str = "203.0.113.24";
/// The address recorded for signed API calls (they come over loopback).
pub const API_IP: &str = "127.0.0.1";
/// CTS keeps traces queryable this long.
const RETENTION_DAYS: i64 = crate::bss::cts::RETENTION_DAYS;

/// Who made a change and how.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: String,
    /// `ApiCall` or `ConsoleAction`.
    pub trace_type: &'static str,
    pub access_key_id: Option<String>,
    pub source_ip: String,
}

impl Actor {
    pub fn api(access_key_id: Option<String>) -> Actor {
        Actor {
            user: API_USER.to_string(),
            trace_type: "ApiCall",
            access_key_id,
            source_ip: API_IP.to_string(),
        }
    }
}

/// The CTS trace name of a write (bss-api §14a), `None` for reads.
pub fn trace_name(api: Api) -> Option<&'static str> {
    Some(match api {
        Api::Renew => "renewResources",
        Api::EnableAutoRenew => "setResourcesAutorenew",
        Api::CancelAutoRenew => "cancelResourcesAutoRenew",
        Api::ToOnDemand => "updatePeriodToOnDemand",
        Api::Unsubscribe => "unsubscribeResources",
        Api::SetRenewConfig => "setResourcesRenewConfig",
        Api::PayOrder => "payCustomerOrderV3",
        Api::CancelOrder => "cancelCustomerOrder",
        _ => return None,
    })
}

/// Records the traces of a successful write: one per resource it names
/// (the batch calls name several), or one without a resource.
pub fn record(state: &mut State, ctx: &Ctx<'_>, actor: &Actor, response: &Value) {
    let Some(name) = trace_name(ctx.api) else {
        return;
    };
    let body: Value = serde_json::from_slice(ctx.body).unwrap_or(Value::Null);
    let mut ids: Vec<String> = match (ctx.api, ctx.param) {
        (Api::EnableAutoRenew | Api::CancelAutoRenew, Some(p)) => vec![p.to_string()],
        _ => body
            .get("resource_ids")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    };
    ids.dedup();
    let request = match (ctx.api, ctx.param) {
        (Api::EnableAutoRenew | Api::CancelAutoRenew, Some(p)) if body.is_null() => {
            json!({ "resource_id": p }).to_string()
        }
        _ if body.is_null() => String::new(),
        _ => body.to_string(),
    };
    let targets: Vec<Option<String>> = if ids.is_empty() {
        vec![None]
    } else {
        ids.into_iter().map(Some).collect()
    };
    for rid in targets {
        let seq = state.traces.len() + 1;
        let resource_name = rid
            .as_deref()
            .and_then(|id| state.resource(id))
            .map(|r| r.resource_name.clone());
        let resource_type = match ctx.api {
            Api::PayOrder | Api::CancelOrder => "order",
            _ => "subscription",
        };
        let time = ctx.now.timestamp_millis();
        let trace = json!({
            "trace_id": format!("sandbox-trace-{seq:08}"),
            "trace_name": name,
            "trace_rating": "normal",
            "trace_type": actor.trace_type,
            "service_type": "BSS",
            "resource_type": resource_type,
            "resource_id": rid,
            "resource_name": resource_name,
            "request": if request.is_empty() { Value::Null } else { Value::String(request.clone()) },
            "response": response.to_string(),
            "code": "200",
            "api_version": "v2",
            "time": time,
            "record_time": time,
            "source_ip": actor.source_ip,
            "read_only": false,
            "user": {
                "name": actor.user,
                "user_name": actor.user,
                "domain": { "id": ctx.domain_id, "name": ctx.domain_name },
                "account_id": ctx.domain_id,
                "access_key_id": actor.access_key_id,
                "principal_urn": format!("iam::{}:user:{}", ctx.domain_id, actor.user),
                "principal_is_root_user": "false",
                "type": "User",
                "invoked_by": if actor.trace_type == "ConsoleAction" { json!(["service.console"]) } else { Value::Null },
            },
        });
        state.traces.push(trace);
    }
}

/// `ListTraces`: the traces of the last 7 days (sandbox clock) in the
/// exclusive `from`/`to` window (default: the last hour), newest first,
/// filtered, paged by `next` (the last trace id of the previous page).
pub fn list(ctx: &Ctx<'_>, state: &State) -> Result<Value, ApiError> {
    let get = |k: &str| {
        ctx.query
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
    };
    const KNOWN: [&str; 16] = [
        "trace_type",
        "limit",
        "from",
        "to",
        "next",
        "tracker_name",
        "service_type",
        "user",
        "resource_id",
        "resource_name",
        "resource_type",
        "trace_id",
        "trace_name",
        "trace_rating",
        "access_key_id",
        "enterprise_project_id",
    ];
    if let Some((k, _)) = ctx.query.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::invalid(format!("unknown query parameter {k}")));
    }
    match get("trace_type") {
        Some("system") => {}
        Some("data") => {
            return Ok(json!({ "traces": [], "meta_data": { "count": 0, "marker": null } }))
        }
        _ => return Err(ApiError::invalid("trace_type must be system or data")),
    }
    let number = |k: &str| -> Result<Option<i64>, ApiError> {
        get(k)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| ApiError::invalid(format!("{k} must be an integer")))
            })
            .transpose()
    };
    let limit = number("limit")?.unwrap_or(10);
    if !(1..=i64::from(crate::bss::cts::MAX_TRACES_PER_PAGE)).contains(&limit) {
        return Err(ApiError::invalid("limit must be 1 to 200"));
    }
    let now = ctx.now.timestamp_millis();
    let to = number("to")?.unwrap_or(now + 1);
    let from = number("from")?.unwrap_or(now - 3_600_000);
    let kept_from = now - RETENTION_DAYS * 86_400_000;
    let text = |t: &Value, k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
    let mut matched: Vec<&Value> = state
        .traces
        .iter()
        .filter(|t| {
            let time = t.get("time").and_then(Value::as_i64).unwrap_or(0);
            time > from && time < to && time >= kept_from
        })
        .filter(|t| {
            [
                "resource_id",
                "resource_name",
                "resource_type",
                "trace_name",
                "trace_id",
                "service_type",
                "trace_rating",
            ]
            .iter()
            .all(|k| get(k).is_none_or(|want| text(t, k).as_deref() == Some(want)))
        })
        .filter(|t| get("user").is_none_or(|u| t["user"]["name"].as_str() == Some(u)))
        .collect();
    // Newest first; the same time keeps the later record first.
    matched.reverse();
    matched.sort_by_key(|t| std::cmp::Reverse(t.get("time").and_then(Value::as_i64)));
    if let Some(marker) = get("next") {
        let Some(pos) = matched
            .iter()
            .position(|t| text(t, "trace_id").as_deref() == Some(marker))
        else {
            return Err(ApiError::invalid("next is not a marker of this query"));
        };
        matched.drain(..=pos);
    }
    let more = matched.len() > limit as usize;
    matched.truncate(limit as usize);
    let marker = if more {
        matched.last().and_then(|t| text(t, "trace_id"))
    } else {
        None
    };
    Ok(json!({
        "traces": matched,
        "meta_data": { "count": matched.len(), "marker": marker },
    }))
}

/// The body of `POST /sandbox/console`: a change made "in the console".
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleChange {
    pub user: String,
    /// `cancel_auto_renew`, `enable_auto_renew`, `set_on_demand`,
    /// `cancel_on_demand`, `renew` (one month, paid) or `unsubscribe`.
    pub action: String,
    pub resource_id: String,
    #[serde(default)]
    pub source_ip: Option<String>,
    /// When it happened (RFC 3339); default the sandbox clock.
    #[serde(default)]
    pub time: Option<DateTime<Utc>>,
}

impl ConsoleChange {
    /// The API call the console makes for this change: api, path
    /// parameter, body.
    pub fn call(&self) -> Result<(Api, Option<String>, Vec<u8>), ApiError> {
        let id = &self.resource_id;
        Ok(match self.action.as_str() {
            "cancel_auto_renew" => (Api::CancelAutoRenew, Some(id.clone()), Vec::new()),
            "enable_auto_renew" => (Api::EnableAutoRenew, Some(id.clone()), Vec::new()),
            "set_on_demand" | "cancel_on_demand" => {
                let op = if self.action == "set_on_demand" {
                    "SET_UP"
                } else {
                    "CANCEL"
                };
                (
                    Api::ToOnDemand,
                    None,
                    json!({ "resource_ids": [id], "operation": op })
                        .to_string()
                        .into_bytes(),
                )
            }
            "renew" => (
                Api::Renew,
                None,
                json!({ "resource_ids": [id], "period_type": 2, "period_num": 1, "is_auto_pay": 1 })
                    .to_string()
                    .into_bytes(),
            ),
            "unsubscribe" => (
                Api::Unsubscribe,
                None,
                json!({ "resource_ids": [id], "unsubscribe_type": 1 })
                    .to_string()
                    .into_bytes(),
            ),
            other => {
                return Err(ApiError::invalid(format!(
                    "unknown console action {other:?}; one of cancel_auto_renew, enable_auto_renew, set_on_demand, \
                     cancel_on_demand, renew, unsubscribe"
                )))
            }
        })
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user: self.user.clone(),
            trace_type: "ConsoleAction",
            access_key_id: Some("HSTASANDBOXCONSOLE01".to_string()),
            source_ip: self
                .source_ip
                .clone()
                .unwrap_or_else(|| CONSOLE_IP.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(
        api: Api,
        param: Option<&'a str>,
        query: &'a [(String, String)],
        now: DateTime<Utc>,
    ) -> Ctx<'a> {
        Ctx {
            api,
            param,
            query,
            body: b"",
            now,
            domain_id: "d",
            domain_name: "acme",
        }
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn traces_page_newest_first_by_marker_within_the_window() {
        let mut state = crate::sandbox::seed_state();
        let t0 = crate::clock::parse_api_time("2026-11-24T00:00:00Z").unwrap();
        for (i, user) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            let actor = Actor {
                user: user.to_string(),
                ..Actor::api(None)
            };
            let at = t0 + chrono::Duration::minutes(i as i64);
            record(
                &mut state,
                &ctx(Api::CancelAutoRenew, Some("r1"), &[], at),
                &actor,
                &Value::Null,
            );
        }
        let now = t0 + chrono::Duration::hours(1);
        let from = (t0 - chrono::Duration::minutes(1))
            .timestamp_millis()
            .to_string();
        let to = (now + chrono::Duration::minutes(1))
            .timestamp_millis()
            .to_string();
        let mut users = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..5 {
            let mut pairs = vec![
                ("trace_type", "system"),
                ("limit", "2"),
                ("from", from.as_str()),
                ("to", to.as_str()),
                ("resource_id", "r1"),
            ];
            if let Some(n) = &next {
                pairs.push(("next", n.as_str()));
            }
            let query = q(&pairs);
            let v = list(&ctx(Api::ListTraces, Some("p"), &query, now), &state).unwrap();
            for t in v["traces"].as_array().unwrap() {
                assert_eq!(t["trace_name"], "cancelResourcesAutoRenew");
                users.push(t["user"]["name"].as_str().unwrap().to_string());
            }
            next = v["meta_data"]["marker"].as_str().map(str::to_string);
            if next.is_none() {
                break;
            }
        }
        assert_eq!(users, ["e", "d", "c", "b", "a"]);
        // Another resource, or beyond 7 days: nothing.
        let query = q(&[
            ("trace_type", "system"),
            ("from", &from),
            ("to", &to),
            ("resource_id", "r2"),
        ]);
        let v = list(&ctx(Api::ListTraces, Some("p"), &query, now), &state).unwrap();
        assert_eq!(v["traces"].as_array().unwrap().len(), 0);
        let later = now + chrono::Duration::days(8);
        let to = later.timestamp_millis().to_string();
        let query = q(&[("trace_type", "system"), ("from", &from), ("to", &to)]);
        let v = list(&ctx(Api::ListTraces, Some("p"), &query, later), &state).unwrap();
        assert_eq!(v["traces"].as_array().unwrap().len(), 0);
        // The documented limits.
        let query = q(&[("trace_type", "system"), ("limit", "201")]);
        assert!(list(&ctx(Api::ListTraces, Some("p"), &query, now), &state).is_err());
        let query = q(&[("limit", "10")]);
        assert!(list(&ctx(Api::ListTraces, Some("p"), &query, now), &state).is_err());
    }
}
