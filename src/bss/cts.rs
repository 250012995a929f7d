//! Cloud Trace Service (CTS) wire types for `ListTraces` (bss-api §14b):
//! the query by its wire names and the answer as the SDK's models
//! (`ListTracesResponse`, `Traces`, `UserInfo`, `MetaData`). Every answer
//! field is optional and unknown keys are ignored.

use serde::{Deserialize, Deserializer, Serialize};

/// The most traces per page the service returns (`limit` ≤ 200).
pub const MAX_TRACES_PER_PAGE: u32 = 200;
/// How long CTS keeps traces queryable through ListTraces.
pub const RETENTION_DAYS: i64 = 7;

/// `ListTraces` query; times are epoch milliseconds, both bounds exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListTracesQuery {
    /// `system` (management traces) or `data`; always sent.
    pub trace_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
    /// The previous page's `meta_data.marker`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
}

impl ListTracesQuery {
    /// The query pairs by wire name (the signer sorts them).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = vec![("trace_type".to_string(), self.trace_type.clone())];
        let mut push = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k.to_string(), v));
            }
        };
        push("limit", self.limit.map(|v| v.to_string()));
        push("from", self.from.map(|v| v.to_string()));
        push("to", self.to.map(|v| v.to_string()));
        push("next", self.next.clone());
        push("resource_id", self.resource_id.clone());
        push("trace_name", self.trace_name.clone());
        push("service_type", self.service_type.clone());
        out
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListTracesResp {
    #[serde(default)]
    pub traces: Option<Vec<Trace>>,
    #[serde(default)]
    pub meta_data: Option<MetaData>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaData {
    #[serde(default)]
    pub count: Option<i64>,
    /// The last trace's id, to send as `next`; null or absent = last page.
    #[serde(default)]
    pub marker: Option<String>,
}

/// One trace (`Traces`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub trace_name: Option<String>,
    #[serde(default)]
    pub trace_rating: Option<String>,
    /// `ApiCall`, `ConsoleAction`, `SystemAction`.
    #[serde(default)]
    pub trace_type: Option<String>,
    /// When it happened, epoch ms.
    #[serde(default)]
    pub time: Option<i64>,
    #[serde(default)]
    pub record_time: Option<i64>,
    #[serde(default)]
    pub user: Option<TraceUser>,
    #[serde(default)]
    pub service_type: Option<String>,
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub resource_name: Option<String>,
    /// The operation's request body: a JSON string, or (older pages) an object.
    #[serde(default, deserialize_with = "string_or_json")]
    pub request: Option<String>,
    #[serde(default, deserialize_with = "string_or_json")]
    pub response: Option<String>,
    /// HTTP status as a string; a number is accepted too.
    #[serde(default, deserialize_with = "string_or_json")]
    pub code: Option<String>,
    #[serde(default)]
    pub source_ip: Option<String>,
    #[serde(default)]
    pub request_id: Option<String>,
}

/// `UserInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceUser {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub domain: Option<TraceDomain>,
    #[serde(default)]
    pub access_key_id: Option<String>,
    #[serde(default)]
    pub principal_urn: Option<String>,
    /// A string, `"true"` / `"false"`.
    #[serde(default, deserialize_with = "string_or_json")]
    pub principal_is_root_user: Option<String>,
    /// `User`, `AssumedAgency`, `ExternalUser`.
    #[serde(default, rename = "type")]
    pub user_type: Option<String>,
    #[serde(default)]
    pub invoked_by: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceDomain {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// A string as it is; any other JSON value as its JSON text; null as None.
fn string_or_json<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_examples_parse() {
        let resp: ListTracesResp = serde_json::from_str(include_str!(
            "../../tests/fixtures/api-examples/cts_list_traces.response.json"
        ))
        .unwrap();
        let traces = resp.traces.unwrap();
        assert_eq!(traces.len(), 2);
        assert_eq!(
            traces[0].trace_name.as_deref(),
            Some("cancelResourcesAutoRenew")
        );
        assert_eq!(traces[0].time, Some(1795673649512));
        let user = traces[0].user.as_ref().unwrap();
        assert_eq!(user.name.as_deref(), Some("alice"));
        assert_eq!(user.principal_is_root_user.as_deref(), Some("false"));
        assert_eq!(resp.meta_data.unwrap().marker, None);
        let q: ListTracesQuery = serde_json::from_str(include_str!(
            "../../tests/fixtures/api-examples/cts_list_traces.request.json"
        ))
        .unwrap();
        let mut pairs = q.to_pairs();
        pairs.sort();
        let wire: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            wire.join("&"),
            "from=1795140000000&limit=200&resource_id=3f6c2a1e-8b4d-4f0a-9c7e-2d5b1a0e9f44&to=1795744800000&trace_type=system"
        );
    }

    #[test]
    fn objects_and_numbers_are_accepted_where_strings_are_documented() {
        let t: Trace =
            serde_json::from_str(r#"{"request": {"operation": "SET_UP"}, "code": 200}"#).unwrap();
        assert_eq!(t.request.as_deref(), Some(r#"{"operation":"SET_UP"}"#));
        assert_eq!(t.code.as_deref(), Some("200"));
    }
}
