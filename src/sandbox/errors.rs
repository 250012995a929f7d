//! Errors: `SandboxError` for starting/stopping the server and its state
//! file, `ApiError` for a Huawei-shaped error response to one request.

use serde_json::{json, Value};
use std::path::PathBuf;

/// Failure to start the sandbox, or to read or write its state file.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("sandbox state file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox state file {path} is not valid state JSON: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("the embedded sandbox seed is invalid: {0}")]
    Seed(#[source] serde_json::Error),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox clock: {0}")]
    Clock(String),
    #[error("waiting for Ctrl-C/SIGTERM: {0}")]
    Signal(#[source] std::io::Error),
}

/// An error answer: HTTP status plus the `{"error_code","error_msg"}` body the
/// SDK's error parser reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HTTP {status} {code}: {msg}")]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub msg: String,
}

pub const CODE_INVALID: &str = "CBC.0100";
pub const CODE_INTERNAL: &str = "CBC.0999";
pub const CODE_THROTTLED: &str = "APIG.0308";
pub const CODE_INSUFFICIENT_BALANCE: &str = "CBC.99005003";
pub const CODE_INVALID_ORDER: &str = "CBC.30000010";
pub const CODE_ORDER_STATUS: &str = "CBC.99003106";
pub const CODE_NOT_MAIN_RENEW: &str = "CBC.30010036";
pub const CODE_NOT_MAIN_RATE: &str = "CBC.30050007";
pub const CODE_NO_RESOURCE: &str = "CBC.30050009";
/// Renew-rate's code for a resource in an unpaid order (HTTP 200 per id);
/// the sandbox answers auto-renew changes with it too (400), for which the
/// reference documents none.
pub const CODE_UNPAID_ORDER: &str = "CBC.30050010";
/// Renew and unsubscribe: a resource is in an unpaid order (HTTP 400, the
/// whole call refused; reference §10).
pub const CODE_IN_UNPAID_ORDER: &str = "CBC.99003100";
/// Unsubscribe: the resource is frozen (HTTP 400).
pub const CODE_UNSUBSCRIBE_FROZEN: &str = "CBC.99003656";
/// To-on-demand: another transaction is in progress, e.g. an unpaid order
/// (HTTP 400).
pub const CODE_ON_DEMAND_TRANSACTION: &str = "CBC.99003623";
pub const CODE_NOT_RENEWABLE: &str = "CBC.30050013";
pub const CODE_AUTORENEW_NO_RESOURCE: &str = "CBC.99003012";
pub const CODE_AUTORENEW_EXPIRED: &str = "CBC.99003602";
pub const CODE_ON_DEMAND_REFUSED: &str = "CBC.99003608";
pub const CODE_AUTORENEW_ALREADY_CANCELLED: &str = "CBC.99003605";
pub const CODE_ON_DEMAND_GRACE: &str = "CBC.99003610";

impl ApiError {
    pub fn new(status: u16, code: &str, msg: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_string(),
            msg: msg.into(),
        }
    }

    /// 400 CBC.0100: the request failed validation; `msg` names the field.
    pub fn invalid(msg: impl Into<String>) -> ApiError {
        ApiError::new(400, CODE_INVALID, msg)
    }

    pub fn internal(msg: impl Into<String>) -> ApiError {
        ApiError::new(500, CODE_INTERNAL, msg)
    }

    pub fn unauthorized(code: &str, msg: impl Into<String>) -> ApiError {
        ApiError::new(401, code, msg)
    }

    pub fn throttled(limit: u32) -> ApiError {
        ApiError::new(
            429,
            CODE_THROTTLED,
            format!(
                "The throttling threshold has been reached: policy user over ratelimit,limit:{limit},time:1 second"
            ),
        )
    }

    pub fn not_found() -> ApiError {
        ApiError::new(
            404,
            "APIGW.0101",
            "The API does not exist or has not been published in the environment",
        )
    }

    pub fn body(&self) -> Value {
        json!({ "error_code": self.code, "error_msg": self.msg })
    }
}
