//! Where the AK/SK (or token) and the account's domain id come from.
//!
//! Order (first complete source wins): `HUAWEICLOUD_SDK_AK`/`_SK` (+
//! `_SECURITY_TOKEN`), `HW_ACCESS_KEY`/`HW_SECRET_KEY` (+ `HW_SECURITY_TOKEN`),
//! `HUAWEICLOUD_SDK_AUTH_TOKEN`, then the SDK credentials file
//! (`HUAWEICLOUD_SDK_CREDENTIALS_FILE` or `~/.huaweicloud/credentials`, section
//! `[global]`, else `[basic]`).

use super::secret::Secret;
use std::path::{Path, PathBuf};

pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
pub const ENV_HW_AK: &str = "HW_ACCESS_KEY";
pub const ENV_HW_SK: &str = "HW_SECRET_KEY";
pub const ENV_HW_SECURITY_TOKEN: &str = "HW_SECURITY_TOKEN";
pub const ENV_AUTH_TOKEN: &str = "HUAWEICLOUD_SDK_AUTH_TOKEN";
pub const ENV_DOMAIN_ID: &str = "HUAWEICLOUD_SDK_DOMAIN_ID";
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// How requests are authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// SDK-HMAC-SHA256 signature; `security_token` for temporary (STS) keys.
    AkSk {
        ak: String,
        sk: Secret,
        security_token: Option<Secret>,
    },
    /// An IAM user token sent as `X-Auth-Token`.
    Token(Secret),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub auth: Auth,
    /// The account id sent as `X-Domain-Id`; discovered through IAM when absent.
    pub domain_id: Option<String>,
    /// An IAM endpoint named by the credentials file.
    pub iam_endpoint: Option<String>,
    /// Where the credentials were found, for messages ("from HW_ACCESS_KEY").
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or HW_ACCESS_KEY and HW_SECRET_KEY, or HUAWEICLOUD_SDK_AUTH_TOKEN), or write ~/.huaweicloud/credentials; use --sandbox to try bssctl without an account")]
    Missing,
    #[error("{set} is set but {missing} is not: set both")]
    Incomplete {
        set: &'static str,
        missing: &'static str,
    },
    #[error("credentials file {path}: {message}")]
    File { path: String, message: String },
}

/// Reads the environment through `env` so tests need not touch the process's.
pub fn resolve(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
    warn: &mut dyn FnMut(String),
) -> Result<Credentials, CredentialError> {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let domain_from_env = get(ENV_DOMAIN_ID);

    for (ak_var, sk_var, token_var) in [
        (ENV_AK, ENV_SK, ENV_SECURITY_TOKEN),
        (ENV_HW_AK, ENV_HW_SK, ENV_HW_SECURITY_TOKEN),
    ] {
        match (get(ak_var), get(sk_var)) {
            (Some(ak), Some(sk)) => {
                return Ok(Credentials {
                    auth: Auth::AkSk {
                        ak,
                        sk: Secret::new(sk),
                        security_token: get(token_var).map(Secret::new),
                    },
                    domain_id: domain_from_env,
                    iam_endpoint: None,
                    source: format!("{ak_var}/{sk_var}"),
                })
            }
            (Some(_), None) => {
                return Err(CredentialError::Incomplete {
                    set: ak_var,
                    missing: sk_var,
                })
            }
            (None, Some(_)) => {
                return Err(CredentialError::Incomplete {
                    set: sk_var,
                    missing: ak_var,
                })
            }
            (None, None) => {}
        }
    }

    if let Some(token) = get(ENV_AUTH_TOKEN) {
        return Ok(Credentials {
            auth: Auth::Token(Secret::new(token)),
            domain_id: domain_from_env,
            iam_endpoint: None,
            source: ENV_AUTH_TOKEN.to_string(),
        });
    }

    let file = match get(ENV_CREDENTIALS_FILE) {
        Some(p) => Some(PathBuf::from(p)),
        None => home.map(|h| h.join(".huaweicloud").join("credentials")),
    };
    if let Some(path) = file.filter(|p| p.exists()) {
        let mut creds = from_file(&path, warn)?;
        if domain_from_env.is_some() {
            creds.domain_id = domain_from_env;
        }
        return Ok(creds);
    }
    Err(CredentialError::Missing)
}

fn from_file(path: &Path, warn: &mut dyn FnMut(String)) -> Result<Credentials, CredentialError> {
    let shown = path.display().to_string();
    let file_err = |message: String| CredentialError::File {
        path: shown.clone(),
        message,
    };
    warn_if_readable_by_others(path, warn);
    let ini = ini::Ini::load_from_file(path).map_err(|e| file_err(e.to_string()))?;
    let section = ["global", "basic"]
        .into_iter()
        .find_map(|name| ini.section(Some(name)))
        .ok_or_else(|| file_err("has no [global] or [basic] section".to_string()))?;
    let value = |k: &str| section.get(k).map(str::trim).filter(|v| !v.is_empty());
    let (Some(ak), Some(sk)) = (value("ak"), value("sk")) else {
        return Err(file_err("needs both ak and sk".to_string()));
    };
    Ok(Credentials {
        auth: Auth::AkSk {
            ak: ak.to_string(),
            sk: Secret::new(sk),
            security_token: value("security_token").map(Secret::new),
        },
        domain_id: value("domain_id").map(str::to_string),
        iam_endpoint: value("iam_endpoint").map(str::to_string),
        source: shown.clone(),
    })
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path, warn: &mut dyn FnMut(String)) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            warn(format!(
                "credentials file {} is readable by other users (mode {:o}); run: chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path, _warn: &mut dyn FnMut(String)) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn resolve_with(
        pairs: &[(&str, &str)],
        home: Option<&Path>,
    ) -> Result<Credentials, CredentialError> {
        resolve(&env_of(pairs), home, &mut |_| {})
    }

    #[test]
    fn sdk_variables_win_over_hw_variables() {
        let c = resolve_with(
            &[
                (ENV_AK, "AK1"),
                (ENV_SK, "SK1"),
                (ENV_HW_AK, "AK2"),
                (ENV_HW_SK, "SK2"),
                (ENV_SECURITY_TOKEN, "tok"),
                (ENV_DOMAIN_ID, "dom"),
            ],
            None,
        )
        .unwrap();
        match c.auth {
            Auth::AkSk {
                ak, security_token, ..
            } => {
                assert_eq!(ak, "AK1");
                assert_eq!(security_token.unwrap().expose(), "tok");
            }
            _ => panic!("expected AK/SK"),
        }
        assert_eq!(c.domain_id.as_deref(), Some("dom"));
    }

    #[test]
    fn hw_variables_are_second() {
        let c = resolve_with(&[(ENV_HW_AK, "AK2"), (ENV_HW_SK, "SK2")], None).unwrap();
        assert!(matches!(c.auth, Auth::AkSk { ref ak, .. } if ak == "AK2"));
    }

    #[test]
    fn half_a_key_pair_is_named() {
        let e = resolve_with(&[(ENV_AK, "AK1")], None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not: set both"
        );
    }

    #[test]
    fn token_is_accepted() {
        let c = resolve_with(&[(ENV_AUTH_TOKEN, "MIIE...")], None).unwrap();
        assert!(matches!(c.auth, Auth::Token(_)));
    }

    #[test]
    fn missing_everything_says_which_variables_to_set() {
        let dir = tempfile::tempdir().unwrap();
        let e = resolve_with(&[], Some(dir.path())).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("HUAWEICLOUD_SDK_AK") && msg.contains("HW_ACCESS_KEY"));
        assert!(!msg.contains('\n'));
    }

    #[test]
    fn reads_the_sdk_credentials_file_and_warns_on_loose_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".huaweicloud");
        std::fs::create_dir_all(&path).unwrap();
        let file = path.join("credentials");
        std::fs::write(
            &file,
            "[global]\nak = FILEAK\nsk = FILESK\ndomain_id = d-1\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let mut warnings = Vec::new();
        let c = resolve(&env_of(&[]), Some(dir.path()), &mut |w| warnings.push(w)).unwrap();
        assert!(matches!(c.auth, Auth::AkSk { ref ak, .. } if ak == "FILEAK"));
        assert_eq!(c.domain_id.as_deref(), Some("d-1"));
        #[cfg(unix)]
        assert!(warnings[0].contains("readable by other users"));
        assert!(!warnings.iter().any(|w| w.contains("FILESK")));
    }
}
