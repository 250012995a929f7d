//! Credentials and connectivity as Huawei Cloud users have them, end to end
//! through the binary on loopback: a private CA (fails with the certificate
//! hint, works with SSL_CERT_FILE and --ca-bundle), redirects never followed
//! (nothing reaches the Location, a renew is not resent), temporary keys from
//! the metadata service and from an OIDC ID token (signed with the temporary
//! AK/SK and security token, refreshed during a long run), endpoint lists
//! with failover, and the Europe site's own variable.

use crate::common::*;
use bssctl::bss::model::RenewalResourcesReq;
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn manifests() -> PathBuf {
    repo("examples/manifests")
}

/// Runs a prepared command off the async workers.
async fn run_async(c: Command) -> Run {
    tokio::task::spawn_blocking(move || {
        let o = run(c);
        let (stdout, stderr) = text(&o);
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout,
            stderr,
        }
    })
    .await
    .expect("bssctl run joins")
}

// ---------------------------------------------------------------------------
// Redirects

/// A loopback HTTP server that records each request line and answers every
/// request with `status` and `Location: location`, then closes.
async fn redirecting_server(location: String) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let log = log.clone();
            let location = location.clone();
            tokio::spawn(async move {
                let request = read_request(&mut s).await;
                if let Some(line) = request.lines().next() {
                    log.lock().unwrap().push(line.to_string());
                }
                let resp = format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    (addr, seen)
}

/// Reads one request (headers and a Content-Length body) as text.
async fn read_request(s: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A loopback server that only counts the connections it gets.
async fn counting_server() -> (SocketAddr, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(Mutex::new(0usize));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((_s, _)) = listener.accept().await {
            *c.lock().unwrap() += 1;
        }
    });
    (addr, count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_an_error_naming_the_location_and_nothing_reaches_it() {
    let (second, second_hits) = counting_server().await;
    let location = format!("http://{second}/v2/elsewhere");
    let (first, first_seen) = redirecting_server(location.clone()).await;

    // Through the binary: the listing is answered with a 307.
    let ws = Workspace::new();
    let mut c = ws.bssctl();
    c.env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_DOMAIN_ID", DOMAIN)
        .args(["--endpoint", &format!("http://{first}"), "plan", "-f"])
        .arg(manifests());
    let r = run_async(c).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("307"), "{}", r.stderr);
    assert!(r.stderr.contains(&location), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was sent to"), "{}", r.stderr);
    assert!(r.stderr.contains("never follows"), "the hint: {}", r.stderr);
    // Each call of the plan reached the endpoint once: a 307 is not retried.
    let seen = first_seen.lock().unwrap().clone();
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert!(!seen.is_empty());
    assert_eq!(distinct.len(), seen.len(), "{seen:?}");

    // A renew: one request to the endpoint, none anywhere else, and the
    // error is final (not "outcome unknown", not retried).
    let client = client(&format!("http://{first}"), aksk(Some(DOMAIN)));
    let err = client
        .renew(&RenewalResourcesReq {
            resource_ids: vec![WEB01.to_string()],
            period_type: 2,
            period_num: 1,
            is_auto_pay: Some(1),
        })
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some("REDIRECT"), "{err}");
    assert!(!err.is_ambiguous());
    assert!(err.to_string().contains(&location), "{err}");
    let after = first_seen.lock().unwrap().clone();
    let renews: Vec<&String> = after[seen.len()..].iter().collect();
    assert_eq!(renews.len(), 1, "{after:?}");
    assert!(renews[0].starts_with("POST /v2/orders/subscriptions/resources/renew"));
    assert_eq!(
        *second_hits.lock().unwrap(),
        0,
        "nothing reached the Location"
    );
}

// ---------------------------------------------------------------------------
// A private CA

struct Pki {
    ca_pem: String,
    server: tokio_rustls::TlsAcceptor,
}

fn private_ca() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    use tokio_rustls::rustls;
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "bssctl test corporate CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let cert = leaf.signed_by(&key, &ca_cert, &ca_key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        server: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    }
}

/// HTTPS on 127.0.0.1 in front of `upstream` (plain HTTP): TLS ends here,
/// the bytes go on unchanged (the signed Host stays the one the client used).
async fn tls_front(acceptor: tokio_rustls::TlsAcceptor, upstream: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that does not trust the certificate ends here.
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                let Ok(mut up) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_fails_with_the_certificate_hint_and_works_once_trusted() {
    let sandbox = Sandbox::start().await;
    let upstream: SocketAddr = sandbox.url().trim_start_matches("http://").parse().unwrap();
    let pki = private_ca();
    let front = tls_front(pki.server.clone(), upstream).await;
    let ws = Workspace::new();
    let ca = ws.write("corp-ca.pem", &pki.ca_pem);
    let endpoint = format!("https://127.0.0.1:{}", front.port());
    let plan = |extra: &dyn Fn(&mut Command)| {
        let mut c = ws.bssctl();
        c.env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_DOMAIN_ID", DOMAIN)
            .args(["--endpoint", &endpoint, "--max-attempts", "2"]);
        extra(&mut c);
        c.args(["plan", "-f"]).arg(manifests());
        c
    };

    let untrusted = run_async(plan(&|_| {})).await;
    assert_eq!(untrusted.code, 1, "{}", untrusted.stderr);
    assert!(
        untrusted
            .stderr
            .contains("TLS certificate of https://127.0.0.1"),
        "{}",
        untrusted.stderr
    );
    assert!(
        untrusted.stderr.contains("--ca-bundle"),
        "the certificate hint: {}",
        untrusted.stderr
    );
    assert!(
        !untrusted.stderr.contains("no answer from the endpoint"),
        "{}",
        untrusted.stderr
    );

    let via_env = run_async(plan(&|c| {
        c.env("SSL_CERT_FILE", &ca);
    }))
    .await;
    assert_eq!(via_env.code, 0, "SSL_CERT_FILE: {}", via_env.stderr);
    assert!(via_env.stdout.contains("Plan:"), "{}", via_env.stdout);

    let dir = ca.parent().unwrap().join("certs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&ca, dir.join("corp-ca.pem")).unwrap();
    let via_dir = run_async(plan(&|c| {
        c.env("SSL_CERT_DIR", &dir);
    }))
    .await;
    assert_eq!(via_dir.code, 0, "SSL_CERT_DIR: {}", via_dir.stderr);

    let via_flag = run_async(plan(&|c| {
        c.arg("--ca-bundle").arg(&ca);
    }))
    .await;
    assert_eq!(via_flag.code, 0, "--ca-bundle: {}", via_flag.stderr);

    let via_var = run_async(plan(&|c| {
        c.env("BSSCTL_CA_BUNDLE", &ca);
    }))
    .await;
    assert_eq!(via_var.code, 0, "BSSCTL_CA_BUNDLE: {}", via_var.stderr);
    sandbox.stop().await;
}

// ---------------------------------------------------------------------------
// Temporary credentials

fn log_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Checks a long run signed everything with temporary keys, refreshed on
/// the way: every BSS/IAM call accepted (the sandbox refuses a wrong
/// signature, a missing security token and an expired key), several keys
/// used in turn, each fetched from `fetch_api`.
fn assert_refreshed_temporary_keys(log: &Path, fetch_api: &str, r: &Run) {
    let lines = log_lines(log);
    let fetches = lines.iter().filter(|l| l["api"] == fetch_api).count();
    let calls: Vec<&Value> = lines
        .iter()
        .filter(|l| !l["api"].as_str().unwrap_or("").contains(':'))
        .collect();
    assert!(calls.len() >= 8, "a long run: {} calls", calls.len());
    for c in &calls {
        assert_eq!(c["status"], 200, "{c}\n{}", r.stderr);
        let ak = c["access_key"].as_str().unwrap_or_default();
        assert!(ak.starts_with("TMPAK"), "signed with a temporary key: {c}");
    }
    let keys: BTreeSet<&str> = calls
        .iter()
        .filter_map(|c| c["access_key"].as_str())
        .collect();
    assert!(
        keys.len() >= 2 && fetches >= 2,
        "refreshed during the run: {} keys, {fetches} fetches",
        keys.len()
    );
    assert!(
        r.stderr.contains("temporary credentials from"),
        "{}",
        r.stderr
    );
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains("sts-"), "a security token leaked: {out}");
        assert!(!out.contains("tmpsk-"), "a temporary SK leaked: {out}");
    }
}

/// The sandbox as a process, with short-lived temporary keys and a log.
fn sts_sandbox(ws: &Workspace, ttl_secs: &str) -> (SandboxProc, PathBuf) {
    let log = ws.path("requests.jsonl");
    let state = ws.path("sandbox.json");
    let sandbox = SandboxProc::start(
        &state,
        &[
            "--temporary-key-ttl",
            ttl_secs,
            "--request-log",
            log.to_str().unwrap(),
        ],
    );
    (sandbox, log)
}

/// A plan paced to last a few seconds: small pages at 4 requests a second.
fn long_plan(ws: &Workspace, sandbox: &SandboxProc) -> Command {
    let mut c = ws.bssctl();
    c.env("BSSCTL_IAM_ENDPOINT", &sandbox.url)
        .args([
            "-v",
            "--endpoint",
            &sandbox.url,
            "--rate-limit",
            "4",
            "--page-size",
            "5",
            "plan",
            "-f",
        ])
        .arg(manifests());
    c
}

#[test]
fn metadata_credentials_sign_every_call_and_are_refreshed_mid_run() {
    let ws = Workspace::new();
    let (sandbox, log) = sts_sandbox(&ws, "2");
    let mut c = long_plan(&ws, &sandbox);
    // No key anywhere: only the metadata service.
    c.env("BSSCTL_METADATA_ENDPOINT", &sandbox.url);
    let o = run(c);
    let (stdout, stderr) = text(&o);
    let r = Run {
        code: o.status.code().unwrap_or(-1),
        stdout,
        stderr,
    };
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Plan:"), "{}", r.stdout);
    assert_refreshed_temporary_keys(&log, "metadata:securitykey", &r);
    let lines = log_lines(&log);
    assert!(
        lines.iter().any(|l| l["api"] == "metadata:token"),
        "a metadata session token first"
    );
    assert!(
        lines.iter().any(|l| l["api"] == "KeystoneListAuthDomains"),
        "the domain id discovered with the temporary key"
    );
    sandbox.stop();
}

#[test]
fn oidc_id_token_is_exchanged_at_iam_and_refreshed_mid_run() {
    let ws = Workspace::new();
    let (sandbox, log) = sts_sandbox(&ws, "2");
    let id_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.SIGNATUREMUSTNOTLEAK";
    let token_file = ws.write("id_token", id_token);
    let mut c = long_plan(&ws, &sandbox);
    c.env("HUAWEICLOUD_SDK_IDP_ID", "gitlab-ci")
        .env("HUAWEICLOUD_SDK_ID_TOKEN_FILE", &token_file);
    let o = run(c);
    let (stdout, stderr) = text(&o);
    let r = Run {
        code: o.status.code().unwrap_or(-1),
        stdout,
        stderr,
    };
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_refreshed_temporary_keys(&log, "iam:securitytokens", &r);
    let lines = log_lines(&log);
    let exchanges = lines.iter().filter(|l| l["api"] == "iam:id-token").count();
    assert!(exchanges >= 2, "the ID token is exchanged at each refresh");
    assert!(!lines
        .iter()
        .any(|l| l["api"].as_str() == Some("metadata:securitykey")));
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains("SIGNATUREMUSTNOTLEAK"), "{out}");
    }

    // A token IAM refuses: a clear error, the ID token not in it.
    ws.write("id_token", "not-a-jwt-MUSTNOTLEAK");
    let mut c = long_plan(&ws, &sandbox);
    c.env("HUAWEICLOUD_SDK_IDP_ID", "gitlab-ci")
        .env("HUAWEICLOUD_SDK_ID_TOKEN_FILE", &token_file);
    let o = run(c);
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("did not exchange the ID token"), "{stderr}");
    assert!(!stderr.contains("MUSTNOTLEAK") && !stdout.contains("MUSTNOTLEAK"));
    sandbox.stop();
}

#[test]
fn no_credentials_and_no_metadata_service_says_so() {
    let ws = Workspace::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut c = ws.bssctl();
    c.env("BSSCTL_METADATA_ENDPOINT", &url)
        .env("BSSCTL_IAM_ENDPOINT", &url)
        .args(["--endpoint", &url, "plan", "-f"])
        .arg(manifests());
    let o = run(c);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no credentials"), "{stderr}");
    assert!(
        stderr.contains(&url),
        "names the metadata endpoint: {stderr}"
    );
}

// ---------------------------------------------------------------------------
// Endpoints from the SDK's variables

#[test]
fn region_variable_lists_fail_over_in_order_and_europe_reads_its_own() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    let sandbox = SandboxProc::start(&state, &[]);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let plan = |site: &str, var: &str, value: &str| {
        let mut c = ws.bssctl();
        c.env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_DOMAIN_ID", DOMAIN)
            // Empty means unset: the region variable decides.
            .env("BSSCTL_ENDPOINT", "")
            .env(var, value)
            .args(["--site", site, "plan", "-f"])
            .arg(manifests());
        let o = run(c);
        let (stdout, stderr) = text(&o);
        (o.status.code(), stdout, stderr)
    };
    let (code, stdout, stderr) = plan(
        "china",
        "HUAWEICLOUD_SDK_REGION_BSS_CN_NORTH_1",
        &format!("{dead}, {}", sandbox.url),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Plan:"));
    let (code, _, stderr) = plan(
        "europe",
        "HUAWEICLOUD_SDK_REGION_BSSINTL_EU_WEST_101",
        &sandbox.url,
    );
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = plan(
        "international",
        "HUAWEICLOUD_SDK_REGION_BSSINTL_AP_SOUTHEAST_1",
        &sandbox.url,
    );
    assert_eq!(code, Some(0), "{stderr}");
    sandbox.stop();
}

#[test]
fn a_named_credentials_file_that_does_not_exist_is_named() {
    let ws = Workspace::new();
    let missing = ws.path("nowhere/credentials");
    let mut c = ws.bssctl();
    c.env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &missing)
        .args(["plan", "-f"])
        .arg(manifests());
    let o = run(c);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(missing.to_str().unwrap()) && stderr.contains("does not exist"),
        "{stderr}"
    );
}
