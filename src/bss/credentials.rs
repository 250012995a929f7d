//! Where the AK/SK (or token) and the account's domain id come from.
//!
//! Order (first complete source wins), the SDK's `EnvCredentialProvider`
//! then `ProfileCredentialProvider`: `HUAWEICLOUD_SDK_IDP_ID` +
//! `HUAWEICLOUD_SDK_ID_TOKEN_FILE` (OIDC, exchanged at IAM), then
//! `HUAWEICLOUD_SDK_AK`/`_SK` (+ `_SECURITY_TOKEN`), `HW_ACCESS_KEY`/
//! `HW_SECRET_KEY` (+ `HW_SECURITY_TOKEN`), `HUAWEICLOUD_SDK_AUTH_TOKEN`, then
//! the SDK credentials file (`HUAWEICLOUD_SDK_CREDENTIALS_FILE` or
//! `~/.huaweicloud/credentials`, section `[global]`, else `[basic]`; keys in
//! any case; `idp_id` + `id_token_file` before `ak` + `sk`). When none is
//! set, the caller asks the metadata service (`MetadataCredentialProvider`,
//! last in the SDK's chain). Empty variables count as unset.

use super::secret::Secret;
pub use super::sts::TemporarySource;
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
pub const ENV_IDP_ID: &str = "HUAWEICLOUD_SDK_IDP_ID";
pub const ENV_ID_TOKEN_FILE: &str = "HUAWEICLOUD_SDK_ID_TOKEN_FILE";

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
    /// Temporary AK/SK + security token fetched (and refreshed before they
    /// expire) from the metadata service or an OIDC exchange at IAM.
    Temporary(TemporarySource),
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
    #[error("no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or HW_ACCESS_KEY and HW_SECRET_KEY, or HUAWEICLOUD_SDK_AUTH_TOKEN, or HUAWEICLOUD_SDK_IDP_ID and HUAWEICLOUD_SDK_ID_TOKEN_FILE), write ~/.huaweicloud/credentials, or run on Huawei Cloud with an agency (metadata service); use --sandbox to try bssctl without an account")]
    Missing,
    #[error("no credentials: nothing is set and the metadata service gave none ({0}); set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or use --sandbox to try bssctl without an account")]
    NoMetadata(String),
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

    match (get(ENV_IDP_ID), get(ENV_ID_TOKEN_FILE)) {
        (Some(idp_id), Some(file)) => {
            return Ok(Credentials {
                auth: Auth::Temporary(TemporarySource::IdToken {
                    idp_id,
                    id_token_file: PathBuf::from(file),
                }),
                domain_id: domain_from_env,
                iam_endpoint: None,
                source: format!("{ENV_IDP_ID}/{ENV_ID_TOKEN_FILE}"),
            })
        }
        (Some(_), None) => {
            return Err(CredentialError::Incomplete {
                set: ENV_IDP_ID,
                missing: ENV_ID_TOKEN_FILE,
            })
        }
        (None, Some(_)) => {
            return Err(CredentialError::Incomplete {
                set: ENV_ID_TOKEN_FILE,
                missing: ENV_IDP_ID,
            })
        }
        (None, None) => {}
    }

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
        Some(p) => {
            let path = PathBuf::from(p);
            if !path.exists() {
                return Err(CredentialError::File {
                    path: path.display().to_string(),
                    message: format!("does not exist (named by {ENV_CREDENTIALS_FILE})"),
                });
            }
            Some(path)
        }
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
    from_file_sections(path, &["global", "basic"], warn)
}

/// The credentials file bssctl reads: `HUAWEICLOUD_SDK_CREDENTIALS_FILE`,
/// else `~/.huaweicloud/credentials`.
pub fn credentials_file(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Option<PathBuf> {
    env(ENV_CREDENTIALS_FILE)
        .filter(|v| !v.trim().is_empty())
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".huaweicloud").join("credentials")))
}

/// A named profile (section `[NAME]`) of the SDK credentials file, for an
/// enterprise account declared with `profile: NAME`.
pub fn from_profile(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
    profile: &str,
    warn: &mut dyn FnMut(String),
) -> Result<Credentials, CredentialError> {
    let Some(path) = credentials_file(env, home) else {
        return Err(CredentialError::File {
            path: "~/.huaweicloud/credentials".into(),
            message: format!("no home directory to find profile [{profile}] in"),
        });
    };
    if !path.exists() {
        return Err(CredentialError::File {
            path: path.display().to_string(),
            message: format!("does not exist (profile [{profile}] is read from it)"),
        });
    }
    let mut c = from_file_sections(&path, &[profile], warn)?;
    c.source = format!("profile [{profile}] of {}", path.display());
    Ok(c)
}

fn from_file_sections(
    path: &Path,
    sections: &[&str],
    warn: &mut dyn FnMut(String),
) -> Result<Credentials, CredentialError> {
    let shown = path.display().to_string();
    let file_err = |message: String| CredentialError::File {
        path: shown.clone(),
        message,
    };
    warn_if_readable_by_others(path, warn);
    let ini = ini::Ini::load_from_file(path).map_err(|e| file_err(e.to_string()))?;
    let section = sections
        .iter()
        .find_map(|name| ini.section(Some(*name)))
        .ok_or_else(|| {
            let names: Vec<String> = sections.iter().map(|s| format!("[{s}]")).collect();
            file_err(format!("has no {} section", names.join(" or ")))
        })?;
    // Keys in any case, as configparser reads them.
    let value = |k: &str| {
        section
            .iter()
            .filter(|(key, _)| key.trim().eq_ignore_ascii_case(k))
            .map(|(_, v)| v.trim())
            .next_back()
            .filter(|v| !v.is_empty())
    };
    let domain_id = value("domain_id").map(str::to_string);
    let iam_endpoint = value("iam_endpoint").map(str::to_string);
    if let (Some(idp_id), Some(token_file)) = (value("idp_id"), value("id_token_file")) {
        return Ok(Credentials {
            auth: Auth::Temporary(TemporarySource::IdToken {
                idp_id: idp_id.to_string(),
                id_token_file: PathBuf::from(token_file),
            }),
            domain_id,
            iam_endpoint,
            source: shown.clone(),
        });
    }
    let (Some(ak), Some(sk)) = (value("ak"), value("sk")) else {
        return Err(file_err(
            "needs both ak and sk (or idp_id and id_token_file)".to_string(),
        ));
    };
    Ok(Credentials {
        auth: Auth::AkSk {
            ak: ak.to_string(),
            sk: Secret::new(sk),
            security_token: value("security_token").map(Secret::new),
        },
        domain_id,
        iam_endpoint,
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
    fn empty_variables_count_as_unset() {
        let c = resolve_with(
            &[
                (ENV_AK, ""),
                (ENV_SK, " "),
                (ENV_HW_AK, "AK2"),
                (ENV_HW_SK, "SK2"),
            ],
            None,
        )
        .unwrap();
        assert!(matches!(c.auth, Auth::AkSk { ref ak, .. } if ak == "AK2"));
    }

    #[test]
    fn oidc_variables_come_first_like_the_sdk() {
        let c = resolve_with(
            &[
                (ENV_IDP_ID, "gitlab"),
                (ENV_ID_TOKEN_FILE, "/run/id_token"),
                (ENV_AK, "AK1"),
                (ENV_SK, "SK1"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(
            c.auth,
            Auth::Temporary(TemporarySource::IdToken {
                idp_id: "gitlab".into(),
                id_token_file: PathBuf::from("/run/id_token"),
            })
        );
        let e = resolve_with(&[(ENV_IDP_ID, "gitlab")], None).unwrap_err();
        assert!(e.to_string().contains(ENV_ID_TOKEN_FILE));
    }

    #[test]
    fn a_named_credentials_file_that_is_missing_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let e = resolve_with(
            &[(ENV_CREDENTIALS_FILE, missing.to_str().unwrap())],
            Some(dir.path()),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(missing.to_str().unwrap()) && msg.contains("does not exist"));
    }

    #[test]
    fn file_keys_are_case_insensitive_and_may_name_an_id_token() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds");
        std::fs::write(
            &file,
            "[global]\nAK = UPAK\nSk = UPSK\nDomain_Id = d-2\nIAM_ENDPOINT = https://iam.example\n",
        )
        .unwrap();
        let env = [(ENV_CREDENTIALS_FILE, file.to_str().unwrap())];
        let c = resolve_with(&env, None).unwrap();
        assert!(matches!(c.auth, Auth::AkSk { ref ak, .. } if ak == "UPAK"));
        assert_eq!(c.domain_id.as_deref(), Some("d-2"));
        assert_eq!(c.iam_endpoint.as_deref(), Some("https://iam.example"));
        std::fs::write(
            &file,
            "[global]\nidp_id = idp\nid_token_file = /t\nak = A\nsk = S\n",
        )
        .unwrap();
        let c = resolve_with(&env, None).unwrap();
        assert!(matches!(
            c.auth,
            Auth::Temporary(TemporarySource::IdToken { .. })
        ));
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
