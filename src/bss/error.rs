//! What can go wrong on a call, decoded the way the SDK core does it.

use super::api::Api;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The service answered with an error status and (usually) a code.
    #[error(
        "{api}: HTTP {status} {error_code}: {error_msg}{}",
        request_id_suffix(request_id)
    )]
    Service {
        api: Api,
        status: u16,
        error_code: String,
        error_msg: String,
        request_id: Option<String>,
        /// IAM policy-denial detail, when present.
        encoded_authorization_message: Option<String>,
    },
    /// No answer; `sent` says whether the request may have reached the server.
    #[error("{api}: {message}")]
    Transport {
        api: Api,
        message: String,
        sent: bool,
    },
    /// A purchase or release failed in a way that leaves unknown whether it
    /// took effect; the caller must verify before trying again.
    #[error("{api}: outcome unknown, the request may have taken effect: {cause}")]
    Ambiguous {
        api: Api,
        cause: String,
        request_id: Option<String>,
    },
    /// A 2xx whose body does not decode.
    #[error(
        "{api}: cannot decode the response (HTTP {status}): {message}{}",
        request_id_suffix(request_id)
    )]
    Decode {
        api: Api,
        status: u16,
        message: String,
        request_id: Option<String>,
    },
    /// Refused before sending: the request breaks a documented limit.
    #[error("{api}: {message}")]
    InvalidRequest { api: Api, message: String },
    /// Credentials or endpoint configuration problem found while calling.
    #[error("{0}")]
    Config(String),
}

fn request_id_suffix(id: &Option<String>) -> String {
    id.as_ref()
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

impl ApiError {
    pub fn error_code(&self) -> Option<&str> {
        match self {
            ApiError::Service { error_code, .. } => Some(error_code),
            _ => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Service { request_id, .. }
            | ApiError::Ambiguous { request_id, .. }
            | ApiError::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    pub fn is_ambiguous(&self) -> bool {
        matches!(self, ApiError::Ambiguous { .. })
    }

    /// HTTP 429 / APIG.0308.
    pub fn is_throttled(&self) -> bool {
        matches!(self, ApiError::Service { status: 429, .. })
            || self.error_code() == Some(THROTTLED)
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Service { status, .. } | ApiError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub const THROTTLED: &str = "APIG.0308";

/// Decodes an error body like the SDK's `DefaultExceptionHandler`:
/// `error_code`/`error_msg`, then `errorCode`/`errorMsg`, then `code`/`message`,
/// then the same pairs one level down; otherwise the status is the code and
/// the raw text the message.
pub fn decode_error_body(
    api: Api,
    status: u16,
    body: &[u8],
    request_id: Option<String>,
) -> ApiError {
    let text = String::from_utf8_lossy(body).trim().to_string();
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let pair = parsed
        .as_ref()
        .and_then(|v| find_pair(v).or_else(|| nested_pair(v)));
    let encoded_authorization_message = parsed
        .as_ref()
        .and_then(|v| v.get("encoded_authorization_message"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let (error_code, error_msg) =
        pair.unwrap_or_else(|| (status.to_string(), truncate(&text, 300)));
    ApiError::Service {
        api,
        status,
        error_code,
        error_msg,
        request_id,
        encoded_authorization_message,
    }
}

const PAIRS: [(&str, &str); 3] = [
    ("error_code", "error_msg"),
    ("errorCode", "errorMsg"),
    ("code", "message"),
];

fn find_pair(v: &Value) -> Option<(String, String)> {
    let obj = v.as_object()?;
    PAIRS.iter().find_map(|(c, m)| {
        let code = scalar_text(obj.get(*c)?)?;
        let msg = obj.get(*m).and_then(scalar_text).unwrap_or_default();
        Some((code, msg))
    })
}

fn nested_pair(v: &Value) -> Option<(String, String)> {
    v.as_object()?.values().find_map(find_pair)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(status: u16, body: &str) -> (String, String) {
        match decode_error_body(Api::Renew, status, body.as_bytes(), Some("rid".into())) {
            ApiError::Service {
                error_code,
                error_msg,
                ..
            } => (error_code, error_msg),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decodes_the_sdk_shapes_in_order() {
        let cases = [
            (
                r#"{"error_code":"CBC.0100","error_msg":"Invalid parameter."}"#,
                ("CBC.0100", "Invalid parameter."),
            ),
            (
                r#"{"errorCode":"CBC.0151","errorMsg":"denied"}"#,
                ("CBC.0151", "denied"),
            ),
            (
                r#"{"code":"APIGW.0301","message":"bad sig"}"#,
                ("APIGW.0301", "bad sig"),
            ),
            (
                r#"{"error":{"code":"IAM.0001","message":"nested"}}"#,
                ("IAM.0001", "nested"),
            ),
            ("gateway exploded", ("502", "gateway exploded")),
        ];
        for (body, (code, msg)) in cases {
            let status = if code == "502" { 502 } else { 400 };
            assert_eq!(
                decode(status, body),
                (code.to_string(), msg.to_string()),
                "{body}"
            );
        }
    }

    #[test]
    fn throttling_is_recognised() {
        let e = decode_error_body(
            Api::QueryResources,
            429,
            br#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached"}"#,
            None,
        );
        assert!(e.is_throttled());
        assert_eq!(e.error_code(), Some("APIG.0308"));
    }

    #[test]
    fn display_carries_the_request_id() {
        let e = decode_error_body(
            Api::Renew,
            400,
            br#"{"error_code":"CBC.0100","error_msg":"x"}"#,
            Some("abc".into()),
        );
        assert_eq!(
            e.to_string(),
            "RenewalResources: HTTP 400 CBC.0100: x (request id abc)"
        );
    }
}
