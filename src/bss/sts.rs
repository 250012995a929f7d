//! Temporary (STS) credentials, as the official SDK gets them when no key is
//! stored: from the ECS/CCE metadata service of a server with an agency
//! (`MetadataAccessor`: a session token, then `securitykey`), or by
//! exchanging an OIDC ID token at IAM (`FederalAccessor`: an unscoped token
//! for the ID token, then a temporary AK/SK for that token). Both give an
//! AK, SK, security token and expiry; the client refreshes them before they
//! expire. Messages never carry the SK, the security token or the ID token.

use super::secret::Secret;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Overrides the metadata service's base URL (tests point it at loopback);
/// `off` turns the metadata provider off.
pub const ENV_METADATA_ENDPOINT: &str = "BSSCTL_METADATA_ENDPOINT";
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";
pub const METADATA_TOKEN_PATH: &str = "/meta-data/latest/api/token";
pub const METADATA_SECURITY_KEY_PATH: &str = "/openstack/latest/securitykey";
pub const HEADER_METADATA_TOKEN: &str = "X-Metadata-Token";
pub const HEADER_METADATA_TOKEN_TTL: &str = "X-Metadata-Token-Ttl-Seconds";
/// The SDK asks for 6-hour metadata session tokens.
const METADATA_TOKEN_TTL_SECONDS: u64 = 6 * 60 * 60;
/// What the metadata service says when the server has no agency.
pub const CONFIG_AGENCY_ERROR: &str = "Please configure Cloud Service Agency first";
pub const ID_TOKEN_PATH: &str = "/v3.0/OS-AUTH/id-token/tokens";
pub const SECURITY_TOKENS_PATH: &str = "/v3.0/OS-CREDENTIAL/securitytokens";
/// The SDK's `FederalAccessor` asks for 6-hour temporary keys.
pub const TEMPORARY_KEY_SECONDS: u64 = 6 * 60 * 60;
/// The SDK refreshes temporary credentials 40 minutes before they expire.
pub const REFRESH_AHEAD: Duration = Duration::from_secs(40 * 60);
/// The metadata service is local: the SDK gives it 3 s.
const METADATA_TIMEOUT: Duration = Duration::from_secs(3);

/// Where temporary credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemporarySource {
    /// The metadata service at this base URL.
    Metadata { endpoint: String },
    /// An OIDC ID token (read afresh from the file at every refresh, since CI
    /// systems rotate it) exchanged at IAM for the identity provider `idp_id`.
    IdToken {
        idp_id: String,
        id_token_file: PathBuf,
    },
    /// IAM CreateTemporaryAccessKeyByAgency (bss-api §13i): a permanent
    /// AK/SK of the trusted account (`caller_domain_id`) assumes the agency
    /// `agency_name` that account `domain_id` created; the keys act as
    /// `domain_id`.
    Agency {
        agency_name: String,
        domain_id: String,
        ak: String,
        sk: Secret,
        caller_domain_id: Option<String>,
    },
}

impl std::fmt::Display for TemporarySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemporarySource::Metadata { endpoint } => write!(f, "the metadata service {endpoint}"),
            TemporarySource::IdToken {
                idp_id,
                id_token_file,
            } => write!(
                f,
                "the ID token in {} (identity provider {idp_id})",
                id_token_file.display()
            ),
            TemporarySource::Agency {
                agency_name,
                domain_id,
                ..
            } => write!(f, "the agency {agency_name} of account {domain_id}"),
        }
    }
}

/// A temporary AK/SK with its security token.
#[derive(Debug, Clone)]
pub struct TemporaryKey {
    pub ak: String,
    pub sk: Secret,
    pub security_token: Secret,
    pub expires_at: DateTime<Utc>,
    /// When to fetch new ones: `REFRESH_AHEAD` before expiry, or half-way
    /// through the lifetime of credentials that live shorter than twice that.
    pub refresh_at: DateTime<Utc>,
}

pub fn refresh_at(fetched: DateTime<Utc>, expires_at: DateTime<Utc>) -> DateTime<Utc> {
    let life = (expires_at - fetched).max(chrono::Duration::zero());
    let ahead = chrono::Duration::from_std(REFRESH_AHEAD)
        .expect("40 minutes fit")
        .min(life / 2);
    expires_at - ahead
}

/// The metadata endpoint from `BSSCTL_METADATA_ENDPOINT` (empty = unset,
/// `off` = none). Plain http only to loopback or link-local addresses.
pub fn metadata_endpoint(var: Option<&str>) -> Result<Option<String>, String> {
    let raw = match var.map(str::trim).filter(|v| !v.is_empty()) {
        None => return Ok(Some(DEFAULT_METADATA_ENDPOINT.to_string())),
        Some(v) if v.eq_ignore_ascii_case("off") => return Ok(None),
        Some(v) => v,
    };
    let url = reqwest::Url::parse(raw)
        .map_err(|e| format!("{ENV_METADATA_ENDPOINT} {raw:?} is not a URL ({e})"))?;
    let host = url.host_str().unwrap_or_default();
    let local = super::endpoint::is_loopback(host)
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .map(|ip| match ip {
                IpAddr::V4(v4) => v4.is_link_local(),
                IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
            })
            .unwrap_or(false);
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        _ => {
            return Err(format!(
                "{ENV_METADATA_ENDPOINT} {raw:?}: plain http only to the metadata address (169.254.169.254) or loopback"
            ))
        }
    }
    Ok(Some(raw.trim_end_matches('/').to_string()))
}

/// The client for the metadata service: no proxy (it is link-local), no
/// redirects, short timeouts.
pub fn metadata_http() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(METADATA_TIMEOUT)
        .connect_timeout(METADATA_TIMEOUT)
        .build()
        .map_err(|e| format!("cannot build the metadata HTTP client: {e}"))
}

/// Fetches temporary credentials. `http` is the client for IAM (proxy and
/// trust settings apply); `metadata_http` the one for the metadata service;
/// `metadata_token` keeps the metadata session token between refreshes.
pub async fn fetch(
    source: &TemporarySource,
    http: &reqwest::Client,
    metadata_http: &reqwest::Client,
    iam_base: &str,
    metadata_token: &mut Option<String>,
) -> Result<TemporaryKey, String> {
    let body = match source {
        TemporarySource::Metadata { endpoint } => {
            from_metadata(metadata_http, endpoint, metadata_token).await?
        }
        TemporarySource::IdToken {
            idp_id,
            id_token_file,
        } => from_id_token(http, iam_base, idp_id, id_token_file).await?,
        TemporarySource::Agency {
            agency_name,
            domain_id,
            ak,
            sk,
            caller_domain_id,
        } => {
            from_agency(
                http,
                iam_base,
                agency_name,
                domain_id,
                ak,
                sk,
                caller_domain_id.as_deref(),
            )
            .await?
        }
    };
    let fetched = Utc::now();
    let key = parse_credential(&body)?;
    Ok(TemporaryKey {
        refresh_at: refresh_at(fetched, key.expires_at),
        ..key
    })
}

async fn metadata_session_token(
    http: &reqwest::Client,
    endpoint: &str,
    must: bool,
) -> Result<Option<String>, String> {
    let resp = http
        .put(format!("{endpoint}{METADATA_TOKEN_PATH}"))
        .header(
            HEADER_METADATA_TOKEN_TTL,
            METADATA_TOKEN_TTL_SECONDS.to_string(),
        )
        .send()
        .await
        .map_err(|e| {
            format!(
                "no answer from the metadata service {endpoint}: {}",
                chain(&e)
            )
        })?;
    let status = resp.status().as_u16();
    match status {
        200 => Ok(Some(resp.text().await.map_err(|e| e.to_string())?)),
        // Older metadata services have no session tokens.
        404 | 405 | 503 if !must => Ok(None),
        _ => Err(format!(
            "the metadata service {endpoint} refused a session token (HTTP {status})"
        )),
    }
}

async fn from_metadata(
    http: &reqwest::Client,
    endpoint: &str,
    token: &mut Option<String>,
) -> Result<Vec<u8>, String> {
    if token.is_none() {
        *token = metadata_session_token(http, endpoint, false).await?;
    }
    let url = format!("{endpoint}{METADATA_SECURITY_KEY_PATH}");
    let get = |token: Option<String>| {
        let mut req = http.get(&url);
        if let Some(t) = token {
            req = req.header(HEADER_METADATA_TOKEN, t);
        }
        req.send()
    };
    let no_answer = |e: reqwest::Error| {
        format!(
            "no answer from the metadata service {endpoint}: {}",
            chain(&e)
        )
    };
    let mut resp = get(token.clone()).await.map_err(no_answer)?;
    let mut status = resp.status().as_u16();
    let mut text = resp.bytes().await.map_err(|e| e.to_string())?;
    if status == 401 && !String::from_utf8_lossy(&text).contains(CONFIG_AGENCY_ERROR) {
        // The session token expired: get a new one and ask once more.
        *token = metadata_session_token(http, endpoint, true).await?;
        resp = get(token.clone()).await.map_err(no_answer)?;
        status = resp.status().as_u16();
        text = resp.bytes().await.map_err(|e| e.to_string())?;
    }
    if String::from_utf8_lossy(&text).contains(CONFIG_AGENCY_ERROR) {
        return Err(format!(
            "the metadata service {endpoint} has no credentials for this server: give the ECS server (or CCE node) an agency with BSS permissions in the console"
        ));
    }
    if status >= 300 {
        return Err(format!(
            "the metadata service {endpoint} answered HTTP {status} to {METADATA_SECURITY_KEY_PATH}"
        ));
    }
    Ok(text.to_vec())
}

async fn from_id_token(
    http: &reqwest::Client,
    iam_base: &str,
    idp_id: &str,
    file: &std::path::Path,
) -> Result<Vec<u8>, String> {
    let id_token = std::fs::read_to_string(file)
        .map_err(|e| format!("ID token file {}: {e}", file.display()))?;
    let id_token = Secret::new(id_token.trim());
    if id_token.expose().is_empty() {
        return Err(format!("ID token file {} is empty", file.display()));
    }
    let scrub = |s: String| s.replace(id_token.expose(), "***");
    let body = serde_json::json!({"auth": {"id_token": {"id": id_token.expose()}}});
    let resp = http
        .post(format!("{iam_base}{ID_TOKEN_PATH}"))
        .header("X-Idp-Id", idp_id)
        .header("Content-Type", "application/json;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| scrub(format!("no answer from IAM at {iam_base}: {}", chain(&e))))?;
    let status = resp.status().as_u16();
    let subject = resp
        .headers()
        .get("X-Subject-Token")
        .and_then(|v| v.to_str().ok())
        .map(|v| Secret::new(v.to_string()));
    let text = resp.bytes().await.map_err(|e| e.to_string())?;
    let Some(unscoped) = subject.filter(|_| status < 300) else {
        return Err(scrub(format!(
            "IAM at {iam_base} did not exchange the ID token for a token (HTTP {status}{}): check the identity provider {idp_id} and its OIDC settings",
            iam_message(&text)
        )));
    };
    let body = serde_json::json!({"auth": {"identity": {"methods": ["token"], "token": {
        "id": unscoped.expose(), "duration_seconds": TEMPORARY_KEY_SECONDS}}}});
    let resp = http
        .post(format!("{iam_base}{SECURITY_TOKENS_PATH}"))
        .header("Content-Type", "application/json;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("no answer from IAM at {iam_base}: {}", chain(&e)))?;
    let status = resp.status().as_u16();
    let text = resp.bytes().await.map_err(|e| e.to_string())?;
    if status >= 300 {
        let msg = iam_message(&text).replace(unscoped.expose(), "***");
        return Err(scrub(format!(
            "IAM at {iam_base} gave no temporary AK/SK for the federated token (HTTP {status}{msg})"
        )));
    }
    Ok(text.to_vec())
}

/// Lifetime asked for agency credentials (IAM allows 900..86400 s).
pub const AGENCY_KEY_SECONDS: u64 = 60 * 60;

/// IAM CreateTemporaryAccessKeyByAgency, signed with the trusted account's
/// AK/SK (`Content-Type: application/json;charset=utf-8`, as the SDK sends).
async fn from_agency(
    http: &reqwest::Client,
    iam_base: &str,
    agency_name: &str,
    domain_id: &str,
    ak: &str,
    sk: &Secret,
    caller_domain_id: Option<&str>,
) -> Result<Vec<u8>, String> {
    let body = serde_json::json!({"auth": {"identity": {
        "methods": ["assume_role"],
        "assume_role": {
            "agency_name": agency_name,
            "domain_id": domain_id,
            "duration_seconds": AGENCY_KEY_SECONDS,
        }
    }}})
    .to_string();
    let url = reqwest::Url::parse(&format!("{iam_base}{SECURITY_TOKENS_PATH}"))
        .map_err(|e| format!("IAM endpoint {iam_base}: {e}"))?;
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => return Err(format!("IAM endpoint {iam_base} has no host")),
    };
    let mut headers = vec![
        (
            "Content-Type".to_string(),
            "application/json;charset=utf-8".to_string(),
        ),
        ("Host".to_string(), host),
        (
            super::signer::HEADER_DATE.to_string(),
            Utc::now().format(super::signer::DATE_FORMAT).to_string(),
        ),
    ];
    if let Some(d) = caller_domain_id {
        headers.push(("X-Domain-Id".to_string(), d.to_string()));
    }
    let sig = super::signer::sign(
        &super::signer::SignInput {
            method: "POST",
            path: url.path(),
            query: &[],
            headers: &headers,
            body: body.as_bytes(),
        },
        sk.expose().as_bytes(),
    );
    headers.push(("Authorization".to_string(), sig.authorization(ak)));
    let mut req = http.post(url.clone());
    for (k, v) in headers.iter().filter(|(k, _)| k != "Host") {
        req = req.header(k.as_str(), v.as_str());
    }
    let resp = req
        .body(body)
        .send()
        .await
        .map_err(|e| format!("no answer from IAM at {iam_base}: {}", chain(&e)))?;
    let status = resp.status().as_u16();
    let text = resp.bytes().await.map_err(|e| e.to_string())?;
    if status >= 300 {
        return Err(format!(
            "IAM at {iam_base} refused to assume the agency {agency_name} of account {domain_id} (HTTP {status}{})",
            iam_message(&text)
        ));
    }
    Ok(text.to_vec())
}

/// `: code message` from an IAM error body, or nothing.
fn iam_message(body: &[u8]) -> String {
    let e = super::error::decode_error_body(super::Api::IamDomains, 0, body, None);
    match e {
        super::ApiError::Service {
            error_code,
            error_msg,
            ..
        } if error_code != "0" => format!(": {error_code} {error_msg}"),
        _ => String::new(),
    }
}

/// Reads a credential the way the SDK's `_process_credential` does: under
/// `credential` or `credentials`, names in any of the spellings it accepts.
pub fn parse_credential(body: &[u8]) -> Result<TemporaryKey, String> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the temporary credentials are not JSON ({e})"))?;
    let c = v
        .get("credential")
        .or_else(|| v.get("credentials"))
        .unwrap_or(&v);
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| c.get(n).and_then(Value::as_str))
            .map(str::to_string)
            .filter(|s| !s.is_empty())
    };
    let ak = field(&["access", "accessKeyId", "access_key_id"]);
    let sk = field(&["secret", "secretAccessKey", "secret_access_key"]);
    let token = field(&["securitytoken", "securityToken", "security_token"]);
    let expires = field(&["expires_at", "expiration"]);
    let (Some(ak), Some(sk), Some(token), Some(expires)) = (ak, sk, token, expires) else {
        return Err(
            "the temporary credentials lack access, secret, securitytoken or expires_at"
                .to_string(),
        );
    };
    let expires_at = parse_expiry(&expires).ok_or_else(|| {
        format!("the temporary credentials' expires_at {expires:?} is not a time")
    })?;
    Ok(TemporaryKey {
        ak,
        sk: Secret::new(sk),
        security_token: Secret::new(token),
        expires_at,
        refresh_at: expires_at,
    })
}

/// `2026-11-30T12:00:00.000000Z` (the SDK's format), or any RFC 3339 time.
fn parse_expiry(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.fZ")
                .ok()
                .map(|t| t.and_utc())
        })
}

fn chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(&format!(": {s}"));
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_spelling_the_sdk_accepts() {
        let k = parse_credential(
            br#"{"credential":{"access":"TMPAK","secret":"s","securitytoken":"t","expires_at":"2026-11-30T12:00:00.000000Z"}}"#,
        )
        .unwrap();
        assert_eq!(k.ak, "TMPAK");
        assert_eq!(k.expires_at.to_rfc3339(), "2026-11-30T12:00:00+00:00");
        let k = parse_credential(
            br#"{"credentials":{"accessKeyId":"A2","secretAccessKey":"s","securityToken":"t","expiration":"2026-11-30T12:00:00Z"}}"#,
        )
        .unwrap();
        assert_eq!(k.ak, "A2");
        let e =
            parse_credential(br#"{"credential":{"access":"A","secret":"TOPSECRET"}}"#).unwrap_err();
        assert!(!e.contains("TOPSECRET"));
    }

    #[test]
    fn refreshes_forty_minutes_ahead_or_half_way_for_short_lives() {
        let t0 = Utc::now();
        let six_hours = t0 + chrono::Duration::hours(6);
        assert_eq!(
            refresh_at(t0, six_hours),
            six_hours - chrono::Duration::minutes(40)
        );
        let short = t0 + chrono::Duration::seconds(10);
        assert_eq!(refresh_at(t0, short), t0 + chrono::Duration::seconds(5));
        let past = t0 - chrono::Duration::seconds(1);
        assert_eq!(refresh_at(t0, past), past);
    }

    #[test]
    fn metadata_endpoint_defaults_and_refuses_remote_http() {
        assert_eq!(
            metadata_endpoint(None).unwrap().as_deref(),
            Some(DEFAULT_METADATA_ENDPOINT)
        );
        assert_eq!(
            metadata_endpoint(Some(" ")).unwrap().as_deref(),
            Some(DEFAULT_METADATA_ENDPOINT)
        );
        assert_eq!(metadata_endpoint(Some("off")).unwrap(), None);
        assert_eq!(
            metadata_endpoint(Some("http://127.0.0.1:9/"))
                .unwrap()
                .as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert!(metadata_endpoint(Some("http://example.com")).is_err());
    }
}
