//! SDK-HMAC-SHA256 request signing, as the official SDK core (3.1.219) does it.
//!
//! The same functions build the canonical request on both sides: the client
//! signs with them and the sandbox verifies with them. The test vectors in
//! `tests/fixtures/signing-vectors.json` (produced by the official signer) and a
//! hand-signed request in the sandbox tests keep the two honest.

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
pub const HEADER_DATE: &str = "X-Sdk-Date";
pub const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
pub const DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
pub const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Python's `urllib.parse.quote(s, safe='~')`: everything but `A-Z a-z 0-9 - _ . ~`.
const UNRESERVED_COMPLEMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn url_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED_COMPLEMENT).to_string()
}

/// What the signature covers. `path` is the resource path as sent (it may hold
/// raw or percent-encoded characters); `query` holds one pair per value, so a
/// list parameter appears once per element.
#[derive(Debug, Clone, Copy)]
pub struct SignInput<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// Every intermediate of a signature, so tests can compare each byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signed_headers: String,
    pub signature: String,
}

impl Signature {
    pub fn authorization(&self, ak: &str) -> String {
        format!(
            "{ALGORITHM} Access={ak}, SignedHeaders={}, Signature={}",
            self.signed_headers, self.signature
        )
    }
}

/// Percent-decode the path, encode each segment, and end with `/`.
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut uri = decoded
        .split('/')
        .map(url_encode)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Pairs sorted by name, then value; names and values encoded like path segments.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Lower-cased names of the headers that get signed: all without `_`, sorted.
pub fn signed_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .filter(|(k, _)| !k.contains('_'))
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn header_value<'h>(headers: &'h [(String, String)], lower_name: &str) -> Option<&'h str> {
    headers
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(lower_name))
        .map(|(_, v)| v.as_str())
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn payload_hash(input: &SignInput<'_>) -> String {
    if input.body.is_empty() {
        return EMPTY_BODY_SHA256.to_string();
    }
    if let Some(v) = header_value(input.headers, HEADER_CONTENT_SHA256) {
        return v.to_string();
    }
    sha256_hex(input.body)
}

/// Builds the canonical request over the given signed header names.
pub fn canonical_request(input: &SignInput<'_>, signed: &[String]) -> String {
    let mut canonical_headers = String::new();
    for name in signed {
        let value = header_value(input.headers, name).unwrap_or("").trim();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(value);
        canonical_headers.push('\n');
    }
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        input.method.to_ascii_uppercase(),
        canonical_uri(input.path),
        canonical_query(input.query),
        canonical_headers,
        signed.join(";"),
        payload_hash(input)
    )
}

pub fn string_to_sign(canonical_request: &str, sdk_date: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

pub fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

/// Signs with the headers present in `input` (which must already hold `Host`
/// and `X-Sdk-Date`).
pub fn sign(input: &SignInput<'_>, sk: &[u8]) -> Signature {
    let signed = signed_header_names(input.headers);
    sign_with_headers(input, &signed, sk)
}

/// Signs over an explicit list of signed header names (what a verifier reads
/// from the `Authorization` header).
pub fn sign_with_headers(input: &SignInput<'_>, signed: &[String], sk: &[u8]) -> Signature {
    let sdk_date = header_value(input.headers, HEADER_DATE)
        .unwrap_or("")
        .to_string();
    let canonical_request = canonical_request(input, signed);
    let string_to_sign = string_to_sign(&canonical_request, &sdk_date);
    let signature = hmac_hex(sk, string_to_sign.as_bytes());
    Signature {
        canonical_request,
        string_to_sign,
        signed_headers: signed.join(";"),
        signature,
    }
}

/// The parts of an `Authorization: SDK-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    pub access: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization> {
    let rest = value.strip_prefix(ALGORITHM)?.trim_start();
    let mut access = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Access" => access = Some(v.to_string()),
            "SignedHeaders" => signed = Some(v.split(';').map(str::to_string).collect()),
            "Signature" => signature = Some(v.to_string()),
            _ => return None,
        }
    }
    Some(ParsedAuthorization {
        access: access?,
        signed_headers: signed?,
        signature: signature?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_python_quote_with_tilde_safe() {
        assert_eq!(
            url_encode("a b+c/d%e&f=g~h*i"),
            "a%20b%2Bc%2Fd%25e%26f%3Dg~h%2Ai"
        );
        assert_eq!(
            url_encode("2026-11-01T00:00:00Z"),
            "2026-11-01T00%3A00%3A00Z"
        );
    }

    #[test]
    fn canonical_uri_always_ends_with_slash() {
        assert_eq!(canonical_uri("/v2/x"), "/v2/x/");
        assert_eq!(canonical_uri("/v2/x/"), "/v2/x/");
        assert_eq!(canonical_uri("/v2/a%20b"), "/v2/a%20b/");
    }

    #[test]
    fn headers_with_underscore_are_not_signed() {
        let h = vec![
            ("X_Custom".to_string(), "1".to_string()),
            ("Host".to_string(), "h".to_string()),
        ];
        assert_eq!(signed_header_names(&h), vec!["host".to_string()]);
    }

    #[test]
    fn parses_authorization_header() {
        let p = parse_authorization(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(p.access, "AK");
        assert_eq!(p.signed_headers, vec!["host", "x-sdk-date"]);
        assert_eq!(p.signature, "abc");
        assert!(parse_authorization("Bearer x").is_none());
    }
}
