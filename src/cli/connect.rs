//! From global flags to a ready client: real account (credentials chain,
//! endpoints, domain id) or the embedded sandbox started in-process.

use super::args::GlobalArgs;
use super::error::CliError;
use crate::bss::client::ClientConfig;
use crate::bss::credentials::{self, Auth, CredentialError, Credentials, TemporarySource};
use crate::bss::retry::RetryPolicy;
use crate::bss::sts;
use crate::bss::ApiError;
use crate::bss::{BssClient, Secret};
use crate::sandbox::{self, SandboxConfig, SandboxHandle};
use std::path::PathBuf;
use std::time::Duration;

pub struct Connection {
    pub client: BssClient,
    pub domain_id: String,
    /// The endpoint journal records are keyed by: the BSS URL, or
    /// `sandbox:<state file>` for the embedded sandbox (whose port changes).
    pub journal_endpoint: String,
    sandbox: Option<SandboxHandle>,
}

impl Connection {
    /// The account and endpoint journal records of this connection name.
    pub fn account_key(&self) -> crate::state::journal::AccountKey {
        crate::state::journal::AccountKey {
            domain_id: self.domain_id.clone(),
            endpoint: self.journal_endpoint.clone(),
        }
    }

    pub fn is_sandbox(&self) -> bool {
        self.sandbox.is_some()
    }

    pub async fn close(self) {
        if let Some(s) = self.sandbox {
            s.shutdown().await;
        }
    }
}

pub fn sandbox_state_path(g: &GlobalArgs) -> PathBuf {
    g.sandbox_state
        .clone()
        .unwrap_or_else(|| g.state_dir.join("sandbox-state.json"))
}

fn client_config(g: &GlobalArgs, endpoint: String, iam_endpoint: String) -> ClientConfig {
    let ca_bundles = g
        .ca_bundle
        .iter()
        .filter(|p| !p.as_os_str().is_empty())
        .cloned()
        .collect();
    let base = Duration::from_millis(g.retry_base_ms.max(1));
    ClientConfig {
        endpoint,
        iam_endpoint,
        rate_per_api: g.rate_limit.max(1),
        max_in_flight: 16,
        retry: RetryPolicy {
            max_attempts: g.max_attempts.max(1),
            base_delay: base,
            throttle_delay: base * 4,
            // DESIGN §9: at least a second after a 429, always.
            throttle_floor: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        },
        timeout: Duration::from_secs(g.timeout.max(1)),
        page_size: g.page_size.max(1),
        fallback_endpoints: Vec::new(),
        ca_bundles,
    }
}

/// A variable's value; empty counts as unset, as in the SDK.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn flag(v: &Option<String>) -> Option<String> {
    v.clone().filter(|v| !v.trim().is_empty())
}

/// When no other source is set, the metadata service (the last provider of
/// the SDK's chain): its endpoint, unless `BSSCTL_METADATA_ENDPOINT=off`.
fn metadata_credentials(missing: CredentialError) -> Result<Credentials, CliError> {
    let var = std::env::var(sts::ENV_METADATA_ENDPOINT).ok();
    let endpoint = sts::metadata_endpoint(var.as_deref()).map_err(CliError::Config)?;
    let Some(endpoint) = endpoint else {
        return Err(missing.into());
    };
    Ok(Credentials {
        auth: Auth::Temporary(TemporarySource::Metadata {
            endpoint: endpoint.clone(),
        }),
        domain_id: env_var(credentials::ENV_DOMAIN_ID),
        iam_endpoint: None,
        source: format!("the metadata service {endpoint}"),
    })
}

/// Credentials from the environment; warnings (e.g. a world-readable
/// credentials file) go to stderr.
pub fn credentials_from_env() -> Result<Credentials, CliError> {
    let home = std::env::home_dir();
    let creds = credentials::resolve(&|k| std::env::var(k).ok(), home.as_deref(), &mut |w| {
        eprintln!("Warning: {w}")
    })?;
    Ok(creds)
}

/// The BSS endpoint a real (not embedded-sandbox) connection uses.
pub fn bss_endpoint(g: &GlobalArgs) -> String {
    bss_endpoints(g).remove(0)
}

/// The BSS endpoints in the order they are tried: `--endpoint` /
/// `BSSCTL_ENDPOINT`, else the SDK's region variable of the site (a
/// comma-separated list), else the site's host. Never empty.
pub fn bss_endpoints(g: &GlobalArgs) -> Vec<String> {
    let mut endpoints: Vec<String> = match flag(&g.endpoint) {
        Some(e) => vec![e],
        None => env_var(g.site.bss_endpoint_env())
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    };
    if endpoints.is_empty() {
        endpoints.push(g.site.bss_endpoint().to_string());
    }
    endpoints
}

/// Whether this run talks only to this machine: the embedded sandbox, or
/// endpoints that are all on a loopback host.
pub fn is_local(g: &GlobalArgs) -> bool {
    g.sandbox
        || bss_endpoints(g).iter().all(|e| {
            reqwest::Url::parse(e.trim())
                .ok()
                .and_then(|u| u.host_str().map(crate::bss::endpoint::is_loopback))
                .unwrap_or(false)
        })
}

pub async fn connect(g: &GlobalArgs) -> Result<Connection, CliError> {
    if g.sandbox {
        return connect_sandbox(g).await;
    }
    let home = std::env::home_dir();
    let (mut creds, from_metadata) =
        match credentials::resolve(&|k| std::env::var(k).ok(), home.as_deref(), &mut |w| {
            eprintln!("Warning: {w}")
        }) {
            Ok(c) => (c, false),
            Err(CredentialError::Missing) => {
                (metadata_credentials(CredentialError::Missing)?, true)
            }
            Err(e) => return Err(e.into()),
        };
    tracing::info!("credentials from {}", creds.source);
    let mut endpoints = bss_endpoints(g);
    let endpoint = endpoints.remove(0);
    // IAM: --iam-endpoint / BSSCTL_IAM_ENDPOINT, else the credentials file's
    // iam_endpoint, else HUAWEICLOUD_SDK_IAM_ENDPOINT, else the site's host.
    if let Some(explicit) = flag(&g.iam_endpoint) {
        creds.iam_endpoint = Some(explicit);
    }
    let iam =
        env_var(credentials::ENV_IAM_ENDPOINT).unwrap_or_else(|| g.site.iam_endpoint().to_string());
    let mut cfg = client_config(g, endpoint, iam);
    cfg.fallback_endpoints = endpoints;
    let client = BssClient::new(cfg, creds)?;
    let domain_id = match client.domain_id().await {
        Ok(d) => d,
        // Nothing configured and no metadata service: say so plainly.
        Err(ApiError::Config(m)) if from_metadata && m.contains("no answer from the metadata") => {
            return Err(CredentialError::NoMetadata(m).into())
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Connection {
        journal_endpoint: client.endpoint().to_string(),
        client,
        domain_id,
        sandbox: None,
    })
}

async fn connect_sandbox(g: &GlobalArgs) -> Result<Connection, CliError> {
    let path = sandbox_state_path(g);
    sandbox::ensure_state_file(&path, g.sandbox_reset)
        .map_err(|e| CliError::Config(format!("sandbox state {}: {e}", path.display())))?;
    if g.sandbox_reset {
        // The sandbox's own journal and last-applied record go with its state.
        let (journal, last_applied) = crate::state::sandbox_records(&path);
        crate::state::remove_records(&[&journal, &last_applied])
            .map_err(|(p, e)| CliError::io("cannot reset", &p, e))?;
    }
    let state = sandbox::state::State::load(&path)
        .map_err(|e| CliError::Config(format!("sandbox state {}: {e}", path.display())))?;
    let domain_id = state.domain_id.clone();
    // A fresh secret per run: the in-process sandbox accepts only this client.
    let sk = Secret::new(format!(
        "{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    ));
    let ak = "BSSCTLSANDBOXAK0000".to_string();
    let journal_endpoint = format!(
        "sandbox:{}",
        std::fs::canonicalize(&path)
            .unwrap_or(path.clone())
            .display()
    );
    let handle = sandbox::start(SandboxConfig {
        state_path: path,
        port: 0,
        ak: ak.clone(),
        sk: sk.clone(),
        security_token: None,
        auth_token: None,
        domain_id: domain_id.clone(),
        domain_name: state.domain_name.clone(),
        faults: Default::default(),
        rate_limit_per_api: None,
        request_log: None,
        max_clock_skew: Some(Duration::from_secs(15 * 60)),
        now: None,
        temporary_key_ttl: sandbox::sts::DEFAULT_TEMPORARY_KEY_TTL,
    })
    .await
    .map_err(|e| CliError::Config(format!("cannot start the sandbox: {e}")))?;
    let creds = Credentials {
        auth: Auth::AkSk {
            ak,
            sk,
            security_token: None,
        },
        domain_id: Some(domain_id.clone()),
        iam_endpoint: None,
        source: "embedded sandbox".to_string(),
    };
    let url = handle.url();
    let client = BssClient::new(client_config(g, url.clone(), url), creds)?;
    Ok(Connection {
        client,
        domain_id,
        journal_endpoint,
        sandbox: Some(handle),
    })
}
