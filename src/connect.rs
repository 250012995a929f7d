//! From connection options to a ready client: a real account (credentials
//! chain, endpoints, domain id) or the embedded sandbox started in-process.
//! The commands fill `ConnectOptions` from their flags; nothing here knows
//! about flags.

use crate::bss::client::ClientConfig;
use crate::bss::credentials::{self, Auth, CredentialError, Credentials, TemporarySource};
use crate::bss::endpoint::Site;
use crate::bss::retry::RetryPolicy;
use crate::bss::sts;
use crate::bss::ApiError;
use crate::bss::{BssClient, Secret};
use crate::sandbox::{self, SandboxConfig, SandboxHandle};
use crate::state::StatePaths;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub endpoint: Option<String>,
    pub iam_endpoint: Option<String>,
    pub site: Site,
    pub ca_bundle: Option<PathBuf>,
    /// Start the embedded sandbox instead of talking to an account.
    pub sandbox: bool,
    pub sandbox_state: Option<PathBuf>,
    pub sandbox_reset: bool,
    pub state_dir: PathBuf,
    pub rate_limit: u32,
    pub page_size: i64,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub retry_base: Duration,
    /// Several accounts of one enterprise: each its own `rate_limit`
    /// instead of one shared pace (the gateway counts per `ParentUid`).
    pub pace_per_account: bool,
}

/// Why no connection was made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("{0}")]
    Config(String),
}

impl ConnectOptions {
    /// The journal and last-applied record. The embedded sandbox keeps its
    /// own beside its state file (`sandbox-journal.jsonl`,
    /// `sandbox-last-applied.json`), never the real account's.
    pub fn state_paths(&self, journal: Option<&Path>) -> StatePaths {
        let (default_journal, last_applied) = if self.sandbox {
            crate::state::sandbox_records(&sandbox_state_path(self))
        } else {
            (
                self.state_dir.join(crate::state::journal::FILE_NAME),
                self.state_dir.join(crate::state::last_applied::FILE_NAME),
            )
        };
        StatePaths {
            journal: journal.map(Path::to_path_buf).unwrap_or(default_journal),
            last_applied,
        }
    }
}

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

/// The embedded sandbox's state file: `--sandbox-state`, else beside the
/// state dir's other files.
pub fn sandbox_state_path(o: &ConnectOptions) -> PathBuf {
    o.sandbox_state
        .clone()
        .unwrap_or_else(|| o.state_dir.join("sandbox-state.json"))
}

fn client_config(o: &ConnectOptions, endpoint: String, iam_endpoint: String) -> ClientConfig {
    let ca_bundles = o
        .ca_bundle
        .iter()
        .filter(|p| !p.as_os_str().is_empty())
        .cloned()
        .collect();
    let base = o.retry_base.max(Duration::from_millis(1));
    ClientConfig {
        endpoint,
        iam_endpoint,
        rate_per_api: o.rate_limit.max(1),
        max_in_flight: 16,
        retry: RetryPolicy {
            max_attempts: o.max_attempts.max(1),
            base_delay: base,
            throttle_delay: base * 4,
            // DESIGN §9: at least a second after a 429, always.
            throttle_floor: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        },
        timeout: o.timeout.max(Duration::from_secs(1)),
        page_size: o.page_size.max(1),
        fallback_endpoints: Vec::new(),
        ca_bundles,
        shared_pacers: None,
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
fn metadata_credentials(missing: CredentialError) -> Result<Credentials, ConnectError> {
    let var = std::env::var(sts::ENV_METADATA_ENDPOINT).ok();
    let endpoint = sts::metadata_endpoint(var.as_deref()).map_err(ConnectError::Config)?;
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

/// Credentials from the environment; warnings (e.o. a world-readable
/// credentials file) go to stderr.
pub fn credentials_from_env() -> Result<Credentials, ConnectError> {
    let home = std::env::home_dir();
    let creds = credentials::resolve(&|k| std::env::var(k).ok(), home.as_deref(), &mut |w| {
        eprintln!("Warning: {w}")
    })?;
    Ok(creds)
}

/// The BSS endpoint a real (not embedded-sandbox) connection uses.
pub fn bss_endpoint(o: &ConnectOptions) -> String {
    bss_endpoints(o).remove(0)
}

/// The BSS endpoints in the order they are tried: `--endpoint` /
/// `BSSCTL_ENDPOINT`, else the SDK's region variable of the site (a
/// comma-separated list), else the site's host. Never empty.
pub fn bss_endpoints(o: &ConnectOptions) -> Vec<String> {
    let mut endpoints: Vec<String> = match flag(&o.endpoint) {
        Some(e) => vec![e],
        None => env_var(o.site.bss_endpoint_env())
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
        endpoints.push(o.site.bss_endpoint().to_string());
    }
    endpoints
}

/// Whether this run talks only to this machine: the embedded sandbox, or
/// endpoints that are all on a loopback host.
pub fn is_local(o: &ConnectOptions) -> bool {
    o.sandbox
        || bss_endpoints(o).iter().all(|e| {
            reqwest::Url::parse(e.trim())
                .ok()
                .and_then(|u| u.host_str().map(crate::bss::endpoint::is_loopback))
                .unwrap_or(false)
        })
}

pub async fn connect(o: &ConnectOptions) -> Result<Connection, ConnectError> {
    if o.sandbox {
        return connect_sandbox(o).await;
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
    let mut endpoints = bss_endpoints(o);
    let endpoint = endpoints.remove(0);
    // IAM: --iam-endpoint / BSSCTL_IAM_ENDPOINT, else the credentials file's
    // iam_endpoint, else HUAWEICLOUD_SDK_IAM_ENDPOINT, else the site's host.
    if let Some(explicit) = flag(&o.iam_endpoint) {
        creds.iam_endpoint = Some(explicit);
    }
    let iam =
        env_var(credentials::ENV_IAM_ENDPOINT).unwrap_or_else(|| o.site.iam_endpoint().to_string());
    let mut cfg = client_config(o, endpoint, iam);
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

/// How one enterprise account's credentials are obtained (a manifest's
/// `accounts:` entry, converted by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountAuth {
    /// The default chain, as for a single account.
    Default,
    /// A named profile of the SDK credentials file.
    Profile(String),
    /// IAM agency `name`, assumed with the permanent keys of `from`.
    Agency {
        name: String,
        from: Box<AccountSpec>,
    },
}

/// One declared account: alias, id and credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSpec {
    pub alias: String,
    pub domain_id: String,
    pub auth: AccountAuth,
}

/// The credentials of a declared account, its id always sent as
/// `X-Domain-Id`. Agency credentials are temporary: the client caches them
/// for the run and fetches new ones before they expire.
pub fn account_credentials(spec: &AccountSpec) -> Result<Credentials, ConnectError> {
    let home = std::env::home_dir();
    let env = |k: &str| std::env::var(k).ok();
    let mut warn = |w: String| eprintln!("Warning: {w}");
    let mut creds = match &spec.auth {
        AccountAuth::Default => match credentials::resolve(&env, home.as_deref(), &mut warn) {
            Ok(c) => c,
            Err(CredentialError::Missing) => metadata_credentials(CredentialError::Missing)?,
            Err(e) => return Err(e.into()),
        },
        AccountAuth::Profile(name) => {
            credentials::from_profile(&env, home.as_deref(), name, &mut warn)?
        }
        AccountAuth::Agency { name, from } => {
            let caller = account_credentials(from)?;
            let Auth::AkSk {
                ak,
                sk,
                security_token: None,
            } = caller.auth
            else {
                return Err(ConnectError::Config(format!(
                    "account {}: agency {name} is assumed with the permanent AK/SK of account {}, but its credentials ({}) are temporary or a token",
                    spec.alias, from.alias, caller.source
                )));
            };
            Credentials {
                auth: Auth::Temporary(TemporarySource::Agency {
                    agency_name: name.clone(),
                    domain_id: spec.domain_id.clone(),
                    ak,
                    sk,
                    caller_domain_id: Some(from.domain_id.clone()),
                }),
                domain_id: None,
                iam_endpoint: caller.iam_endpoint,
                source: format!("agency {name} assumed by account {}", from.alias),
            }
        }
    };
    creds.domain_id = Some(spec.domain_id.clone());
    Ok(creds)
}

/// A connection to one declared account (never the embedded sandbox: an
/// enterprise needs `bssctl sandbox` and `--endpoint`).
pub async fn connect_account(
    o: &ConnectOptions,
    spec: &AccountSpec,
    shared_pacers: Option<&crate::bss::client::SharedPacers>,
) -> Result<Connection, ConnectError> {
    if o.sandbox {
        return Err(ConnectError::Config(
            "manifests with accounts: need a real endpoint; for a local enterprise run `bssctl sandbox --state FILE` on examples/sandbox/enterprise.json and pass --endpoint".into(),
        ));
    }
    let mut creds = account_credentials(spec)?;
    tracing::info!("account {}: credentials from {}", spec.alias, creds.source);
    let mut endpoints = bss_endpoints(o);
    let endpoint = endpoints.remove(0);
    if let Some(explicit) = flag(&o.iam_endpoint) {
        creds.iam_endpoint = Some(explicit);
    }
    let iam =
        env_var(credentials::ENV_IAM_ENDPOINT).unwrap_or_else(|| o.site.iam_endpoint().to_string());
    let mut cfg = client_config(o, endpoint, iam);
    cfg.fallback_endpoints = endpoints;
    cfg.shared_pacers = shared_pacers.cloned();
    let client = BssClient::new(cfg, creds)?;
    Ok(Connection {
        journal_endpoint: client.endpoint().to_string(),
        client,
        domain_id: spec.domain_id.clone(),
        sandbox: None,
    })
}

async fn connect_sandbox(o: &ConnectOptions) -> Result<Connection, ConnectError> {
    let path = sandbox_state_path(o);
    sandbox::ensure_state_file(&path, o.sandbox_reset)
        .map_err(|e| ConnectError::Config(format!("sandbox state {}: {e}", path.display())))?;
    if o.sandbox_reset {
        // The sandbox's own journal and last-applied record go with its state.
        let (journal, last_applied) = crate::state::sandbox_records(&path);
        crate::state::remove_records(&[&journal, &last_applied])
            .map_err(|(p, e)| ConnectError::Config(format!("cannot reset {}: {e}", p.display())))?;
    }
    let state = sandbox::state::State::load(&path)
        .map_err(|e| ConnectError::Config(format!("sandbox state {}: {e}", path.display())))?;
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
    .map_err(|e| ConnectError::Config(format!("cannot start the sandbox: {e}")))?;
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
    let client = BssClient::new(client_config(o, url.clone(), url), creds)?;
    Ok(Connection {
        client,
        domain_id,
        journal_endpoint,
        sandbox: Some(handle),
    })
}
