//! Temporary credentials, as a Huawei Cloud server with an agency and IAM's
//! OIDC federation hand them out: the metadata service (`PUT
//! /meta-data/latest/api/token`, `GET /openstack/latest/securitykey`) and
//! IAM's ID-token exchange (`POST /v3.0/OS-AUTH/id-token/tokens`, then `POST
//! /v3.0/OS-CREDENTIAL/securitytokens`). Every key issued here is accepted
//! for BSS calls with its security token until it expires.

use crate::bss::sts::{
    HEADER_METADATA_TOKEN, HEADER_METADATA_TOKEN_TTL, ID_TOKEN_PATH, METADATA_SECURITY_KEY_PATH,
    METADATA_TOKEN_PATH, SECURITY_TOKENS_PATH,
};
use crate::bss::Secret;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;

/// The SDK asks IAM for 6-hour keys; the metadata service gives about a day.
pub const DEFAULT_TEMPORARY_KEY_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// One temporary key handed out.
#[derive(Clone)]
pub struct Issued {
    pub ak: String,
    pub sk: Secret,
    pub security_token: Secret,
    pub expires_at: DateTime<Utc>,
    /// The enterprise sub-account the key acts as (assumed agency);
    /// `None`: the configured (master) account.
    pub domain_id: Option<String>,
}

/// An answer to one of the credential endpoints.
pub struct StsAnswer {
    /// For the request log: which endpoint was called.
    pub name: &'static str,
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
}

pub struct Issuer {
    ttl: Duration,
    keys: Mutex<Vec<Issued>>,
    metadata_tokens: Mutex<Vec<String>>,
    subject_tokens: Mutex<Vec<String>>,
}

fn random_hex() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

fn error(name: &'static str, status: u16, code: &str, msg: &str) -> StsAnswer {
    StsAnswer {
        name,
        status,
        headers: Vec::new(),
        body: json!({"error_code": code, "error_msg": msg}),
    }
}

impl Issuer {
    pub fn new(ttl: Duration) -> Issuer {
        Issuer {
            ttl,
            keys: Mutex::new(Vec::new()),
            metadata_tokens: Mutex::new(Vec::new()),
            subject_tokens: Mutex::new(Vec::new()),
        }
    }

    /// An issued key by its AK (expired ones included: the caller says so).
    pub fn key(&self, ak: &str) -> Option<Issued> {
        self.keys
            .lock()
            .expect("keys lock")
            .iter()
            .find(|k| k.ak == ak)
            .cloned()
    }

    fn issue(&self, ttl: Duration) -> Value {
        self.issue_for(ttl, None)
    }

    /// Issues a key acting as `domain_id` (`None`: the master account).
    pub fn issue_for(&self, ttl: Duration, domain_id: Option<String>) -> Value {
        let key = Issued {
            domain_id,
            ak: format!("TMPAK{}", &random_hex()[..15].to_ascii_uppercase()),
            sk: Secret::new(format!("tmpsk-{}", random_hex())),
            security_token: Secret::new(format!("sts-{}{}", random_hex(), random_hex())),
            expires_at: Utc::now() + chrono::Duration::from_std(ttl).expect("ttl fits"),
        };
        let body = json!({"credential": {
            "access": key.ak,
            "secret": key.sk.expose(),
            "securitytoken": key.security_token.expose(),
            "expires_at": key.expires_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        }});
        self.keys.lock().expect("keys lock").push(key);
        body
    }

    /// Answers a credential endpoint, or `None` for any other path.
    pub fn route(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Option<StsAnswer> {
        match (method, path) {
            ("PUT", METADATA_TOKEN_PATH) => Some(self.metadata_token(headers)),
            ("GET", METADATA_SECURITY_KEY_PATH) => Some(self.security_key(headers)),
            ("POST", ID_TOKEN_PATH) => Some(self.id_token(headers, body)),
            ("POST", SECURITY_TOKENS_PATH) => Some(self.security_tokens(body)),
            _ => None,
        }
    }

    fn metadata_token(&self, headers: &[(String, String)]) -> StsAnswer {
        const NAME: &str = "metadata:token";
        let ttl = header(headers, HEADER_METADATA_TOKEN_TTL).and_then(|v| v.parse::<u64>().ok());
        if !ttl.is_some_and(|t| (1..=21600).contains(&t)) {
            return error(
                NAME,
                400,
                "400",
                "X-Metadata-Token-Ttl-Seconds must be 1..21600",
            );
        }
        let token = random_hex();
        self.metadata_tokens
            .lock()
            .expect("tokens lock")
            .push(token.clone());
        StsAnswer {
            name: NAME,
            status: 200,
            headers: Vec::new(),
            body: Value::String(token),
        }
    }

    fn security_key(&self, headers: &[(String, String)]) -> StsAnswer {
        const NAME: &str = "metadata:securitykey";
        let known = header(headers, HEADER_METADATA_TOKEN).is_some_and(|t| {
            self.metadata_tokens
                .lock()
                .expect("tokens lock")
                .iter()
                .any(|k| k == t)
        });
        if !known {
            return error(NAME, 401, "401", "Unauthorized: X-Metadata-Token");
        }
        StsAnswer {
            name: NAME,
            status: 200,
            headers: Vec::new(),
            body: self.issue(self.ttl),
        }
    }

    fn id_token(&self, headers: &[(String, String)], body: &[u8]) -> StsAnswer {
        const NAME: &str = "iam:id-token";
        if header(headers, "X-Idp-Id").is_none_or(str::is_empty) {
            return error(NAME, 400, "IAM.0001", "X-Idp-Id is required");
        }
        let id_token = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v["auth"]["id_token"]["id"].as_str().map(str::to_string))
            .unwrap_or_default();
        // An ID token is a JWT: three dot-separated parts.
        if id_token.split('.').filter(|p| !p.is_empty()).count() != 3 {
            return error(NAME, 400, "IAM.0001", "The id_token is not a JWT.");
        }
        let subject = format!("MIIsubject{}", random_hex());
        self.subject_tokens
            .lock()
            .expect("subject lock")
            .push(subject.clone());
        StsAnswer {
            name: NAME,
            status: 201,
            headers: vec![("X-Subject-Token", subject)],
            body: json!({"token": {"methods": ["mapped"], "expires_at":
                (Utc::now() + chrono::Duration::hours(24)).to_rfc3339()}}),
        }
    }

    fn security_tokens(&self, body: &[u8]) -> StsAnswer {
        const NAME: &str = "iam:securitytokens";
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let identity = &v["auth"]["identity"];
        let token = identity["token"]["id"].as_str().unwrap_or_default();
        if identity["methods"] != json!(["token"]) {
            return error(
                NAME,
                400,
                "IAM.0001",
                "auth.identity.methods must be [\"token\"]",
            );
        }
        let known = self
            .subject_tokens
            .lock()
            .expect("subject lock")
            .iter()
            .any(|t| t == token);
        if !known {
            return error(NAME, 401, "IAM.0002", "The token is invalid.");
        }
        let asked = identity["token"]["duration_seconds"]
            .as_u64()
            .map(Duration::from_secs)
            .unwrap_or(self.ttl);
        StsAnswer {
            name: NAME,
            status: 201,
            headers: Vec::new(),
            body: self.issue(asked.min(self.ttl)),
        }
    }
}
