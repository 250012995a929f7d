//! Every vector produced by the official SDK signer must be reproduced byte
//! for byte: canonical request, string to sign, signed headers, Authorization.

use bssctl::bss::signer::{self, SignInput};
use serde_json::Value;

fn query_pairs(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for pair in v.as_array().unwrap() {
        let name = pair[0].as_str().unwrap().to_string();
        let value = &pair[1];
        let as_text = |x: &Value| match x {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            other => other.to_string(),
        };
        match value {
            Value::Array(items) => {
                for item in items {
                    out.push((name.clone(), as_text(item)));
                }
            }
            other => out.push((name.clone(), as_text(other))),
        }
    }
    out
}

#[test]
fn all_official_signing_vectors_match_byte_for_byte() {
    let doc: Value =
        serde_json::from_str(include_str!("../fixtures/signing-vectors.json")).unwrap();
    let ak = doc["ak"].as_str().unwrap();
    let sk = doc["sk"].as_str().unwrap();
    let host = doc["host"].as_str().unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 10);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let mut headers: Vec<(String, String)> = v["headers_in"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        headers.push(("Host".to_string(), host.to_string()));
        let query = query_pairs(&v["query"]);
        let input = SignInput {
            method: v["method"].as_str().unwrap(),
            path: v["path"].as_str().unwrap(),
            query: &query,
            headers: &headers,
            body: v["body"].as_str().unwrap().as_bytes(),
        };
        let sig = signer::sign(&input, sk.as_bytes());
        assert_eq!(
            sig.canonical_request,
            v["canonical_request"].as_str().unwrap(),
            "{name}: canonical request"
        );
        assert_eq!(
            sig.string_to_sign,
            v["string_to_sign"].as_str().unwrap(),
            "{name}: string to sign"
        );
        assert_eq!(
            sig.signed_headers,
            v["signed_headers"].as_str().unwrap(),
            "{name}: signed headers"
        );
        assert_eq!(
            sig.authorization(ak),
            v["authorization"].as_str().unwrap(),
            "{name}: authorization"
        );
        // The URI actually sent: path plus the canonical query string.
        let q = signer::canonical_query(&query);
        let uri = if q.is_empty() {
            input.path.to_string()
        } else {
            format!("{}?{}", input.path, q)
        };
        assert_eq!(
            uri,
            v["request_uri"].as_str().unwrap(),
            "{name}: request uri"
        );
    }
}
