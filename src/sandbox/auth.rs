//! Request authentication: an SDK-HMAC-SHA256 signature recomputed from
//! what was received (method, path, raw query, headers, exact body bytes),
//! or an `X-Auth-Token`. Messages never echo a secret or the signature.

use super::errors::ApiError;
use crate::bss::signer::{self, ParsedAuthorization, SignInput};
use crate::bss::Secret;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::time::Duration;

const CODE_AKSK: &str = "APIGW.0301";
const CODE_TOKEN: &str = "APIGW.0307";

/// What the server checks credentials against.
pub struct Verifier<'a> {
    pub ak: &'a str,
    pub sk: &'a Secret,
    pub security_token: Option<&'a Secret>,
    pub auth_token: Option<&'a Secret>,
    /// `None` disables the date check (tests replaying a fixed vector).
    pub max_clock_skew: Option<Duration>,
}

/// The parts of a received request the signature covers.
pub struct Received<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub raw_query: Option<&'a str>,
    /// Header names as received (any case) with their values.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

fn aksk_error(detail: &str) -> ApiError {
    ApiError::unauthorized(
        CODE_AKSK,
        format!("Incorrect IAM authentication information: {detail}"),
    )
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Compares without an early exit, so timing does not reveal how much of a
/// guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The received query string as decoded pairs, one per occurrence (`a=1&a=2`
/// gives two), exactly what the client signed before encoding.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    raw.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

impl Verifier<'_> {
    /// Accepts the request or says why not (HTTP 401).
    pub fn verify(&self, req: &Received<'_>, now: DateTime<Utc>) -> Result<(), ApiError> {
        if let Some(auth) = header(req.headers, "authorization") {
            return self.verify_signature(auth, req, now);
        }
        if let Some(token) = header(req.headers, "x-auth-token") {
            return match self.auth_token {
                Some(expected)
                    if constant_time_eq(token.as_bytes(), expected.expose().as_bytes()) =>
                {
                    Ok(())
                }
                _ => Err(ApiError::unauthorized(
                    CODE_TOKEN,
                    "The token must be updated.",
                )),
            };
        }
        Err(aksk_error(
            "the request is not signed (no Authorization or X-Auth-Token header)",
        ))
    }

    fn verify_signature(
        &self,
        auth: &str,
        req: &Received<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let ParsedAuthorization {
            access,
            signed_headers,
            signature,
        } = signer::parse_authorization(auth).ok_or_else(|| {
            aksk_error("the Authorization header is not 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'")
        })?;
        if !constant_time_eq(access.as_bytes(), self.ak.as_bytes()) {
            return Err(aksk_error("the access key is unknown"));
        }
        for required in ["host", "x-sdk-date"] {
            if !signed_headers.iter().any(|h| h == required) {
                return Err(aksk_error(&format!(
                    "SignedHeaders must include {required}"
                )));
            }
        }
        // A signed header that was not sent cannot have been signed as sent.
        if let Some(missing) = signed_headers
            .iter()
            .find(|h| header(req.headers, h).is_none())
        {
            return Err(aksk_error(&format!(
                "the signed header {missing} is missing"
            )));
        }
        let date = header(req.headers, signer::HEADER_DATE).unwrap_or_default();
        let signed_at = NaiveDateTime::parse_from_str(date, signer::DATE_FORMAT)
            .map_err(|_| aksk_error("X-Sdk-Date is not in the format YYYYMMDDTHHMMSSZ"))?
            .and_utc();
        if let Some(max) = self.max_clock_skew {
            let skew = (now - signed_at).abs().to_std().unwrap_or(Duration::MAX);
            if skew > max {
                return Err(aksk_error(
                    "the request date (X-Sdk-Date) is too far from the server time",
                ));
            }
        }
        if let Some(claimed) = header(req.headers, signer::HEADER_CONTENT_SHA256) {
            // The signer trusts this header instead of hashing the body, so
            // it must match the body actually received.
            if !req.body.is_empty() && !claimed.eq_ignore_ascii_case(&signer::sha256_hex(req.body))
            {
                return Err(aksk_error("X-Sdk-Content-Sha256 does not match the body"));
            }
        }
        if let Some(expected) = self.security_token {
            let sent = header(req.headers, "x-security-token").unwrap_or_default();
            if !constant_time_eq(sent.as_bytes(), expected.expose().as_bytes()) {
                return Err(aksk_error("the security token is missing or invalid"));
            }
        }
        let query = query_pairs(req.raw_query);
        let input = SignInput {
            method: req.method,
            path: req.path,
            query: &query,
            headers: req.headers,
            body: req.body,
        };
        let expected =
            signer::sign_with_headers(&input, &signed_headers, self.sk.expose().as_bytes());
        if constant_time_eq(expected.signature.as_bytes(), signature.as_bytes()) {
            Ok(())
        } else {
            Err(aksk_error("verify aksk signature fail"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn query_pairs_keep_every_occurrence_decoded() {
        assert_eq!(
            query_pairs(Some("a=1&b=x%3Ay&a=2&flag")),
            h(&[("a", "1"), ("b", "x:y"), ("a", "2"), ("flag", "")])
        );
        assert!(query_pairs(None).is_empty());
    }

    #[test]
    fn signed_request_is_accepted_and_tampering_is_not() {
        let sk = Secret::new("sk-value");
        let v = Verifier {
            ak: "AK1",
            sk: &sk,
            security_token: None,
            auth_token: None,
            max_clock_skew: Some(Duration::from_secs(900)),
        };
        let now = Utc::now();
        let date = now.format(signer::DATE_FORMAT).to_string();
        let headers = h(&[("host", "127.0.0.1:1"), ("x-sdk-date", &date)]);
        let body = br#"{"a":1}"#;
        let query = query_pairs(Some("limit=5"));
        let sig = signer::sign(
            &SignInput {
                method: "POST",
                path: "/v2/x",
                query: &query,
                headers: &headers,
                body,
            },
            sk.expose().as_bytes(),
        );
        let mut with_auth = headers.clone();
        with_auth.push(("authorization".into(), sig.authorization("AK1")));
        let rx = |body: &'static [u8], q: &'static str| Received {
            method: "POST",
            path: "/v2/x",
            raw_query: Some(q),
            headers: &with_auth,
            body,
        };
        assert!(v.verify(&rx(body, "limit=5"), now).is_ok());
        assert_eq!(
            v.verify(&rx(br#"{"a":2}"#, "limit=5"), now)
                .unwrap_err()
                .status,
            401
        );
        assert!(v.verify(&rx(body, "limit=6"), now).is_err());
        let later = now + chrono::Duration::minutes(16);
        assert!(v
            .verify(&rx(body, "limit=5"), later)
            .unwrap_err()
            .msg
            .contains("too far"));
    }
}
