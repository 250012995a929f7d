//! The optional config file: defaults for the flags a checkout always
//! passes. `bssctl.yaml`, or `.bssctl/config.yaml`, in the working directory
//! or the nearest directory above it that has one. Precedence: a flag, then
//! its environment variable, then this file, then the built-in default.
//!
//! ```yaml
//! state_dir: .bssctl          # --state-dir / BSSCTL_STATE_DIR
//! site: china                 # --site (china, international, europe)
//! endpoint: https://bss.myhuaweicloud.com   # --endpoint / BSSCTL_ENDPOINT
//! iam_endpoint: https://iam.myhuaweicloud.com # --iam-endpoint / BSSCTL_IAM_ENDPOINT
//! files: [manifests/]         # plan, apply and validate without -f
//! ```
//!
//! Relative paths are relative to the directory the file is in (the
//! checkout's root for `bssctl.yaml`, its parent for `.bssctl/config.yaml`).

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The names looked for in each directory, in this order.
pub const FILE_NAMES: [&str; 2] = ["bssctl.yaml", ".bssctl/config.yaml"];

/// The file's settings, paths already resolved against its directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The file they come from.
    pub file: PathBuf,
    pub state_dir: Option<PathBuf>,
    pub site: Option<String>,
    pub endpoint: Option<String>,
    pub iam_endpoint: Option<String>,
    /// Default `-f` paths of plan, apply and validate.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    state_dir: Option<PathBuf>,
    site: Option<String>,
    endpoint: Option<String>,
    iam_endpoint: Option<String>,
    #[serde(default)]
    files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {}: {message} (allowed keys: state_dir, site, endpoint, iam_endpoint, files)", file.display())]
    Invalid { file: PathBuf, message: String },
}

/// The config file that applies in `dir`: the first of [`FILE_NAMES`] in
/// `dir` or the nearest ancestor that has one.
pub fn find(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .flat_map(|d| FILE_NAMES.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
}

/// Finds and reads the config file for `dir`; `None` when there is none.
pub fn discover(dir: &Path) -> Result<Option<Config>, ConfigError> {
    find(dir).map(|f| read(&f)).transpose()
}

/// Reads one config file.
pub fn read(file: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    parse(file, &text)
}

/// Parses a config file's text; `file` names it and anchors relative paths.
pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        file: file.to_path_buf(),
        message,
    };
    let raw: Raw = if text.trim().is_empty() {
        Raw {
            state_dir: None,
            site: None,
            endpoint: None,
            iam_endpoint: None,
            files: Vec::new(),
        }
    } else {
        serde_yaml::from_str(text).map_err(|e| invalid(e.to_string()))?
    };
    let base = base_dir(file);
    let resolve = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
    if let Some(site) = &raw.site {
        if !["china", "international", "europe"].contains(&site.as_str()) {
            return Err(invalid(format!(
                "site: {site:?} is not one of china, international, europe"
            )));
        }
    }
    Ok(Config {
        file: file.to_path_buf(),
        state_dir: raw.state_dir.map(resolve),
        site: raw.site,
        endpoint: raw.endpoint.filter(|e| !e.is_empty()),
        iam_endpoint: raw.iam_endpoint.filter(|e| !e.is_empty()),
        files: raw.files.into_iter().map(resolve).collect(),
    })
}

/// The directory relative paths start from: the file's own, or for
/// `.bssctl/config.yaml` the checkout root above it.
fn base_dir(file: &Path) -> PathBuf {
    let dir = file.parent().unwrap_or(Path::new("."));
    let dir = if dir.file_name().is_some_and(|n| n == ".bssctl")
        && file.file_name().is_some_and(|n| n == "config.yaml")
    {
        dir.parent().unwrap_or(Path::new("."))
    } else {
        dir
    };
    dir.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_from_the_directory_upwards_bssctl_yaml_first() {
        let d = tempfile::tempdir().unwrap();
        let deep = d.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find(&deep), None);
        std::fs::create_dir_all(d.path().join(".bssctl")).unwrap();
        std::fs::write(d.path().join(".bssctl/config.yaml"), "site: europe\n").unwrap();
        assert_eq!(find(&deep), Some(d.path().join(".bssctl/config.yaml")));
        let c = discover(&deep).unwrap().unwrap();
        assert_eq!(c.site.as_deref(), Some("europe"));
        std::fs::write(d.path().join("bssctl.yaml"), "files: [m]\n").unwrap();
        assert_eq!(find(&deep), Some(d.path().join("bssctl.yaml")));
        // A nearer file wins over one further up.
        std::fs::write(deep.join("bssctl.yaml"), "state_dir: s\n").unwrap();
        let c = discover(&deep).unwrap().unwrap();
        assert_eq!(c.state_dir, Some(deep.join("s")));
        assert!(c.files.is_empty());
    }

    #[test]
    fn paths_are_relative_to_the_checkout_and_bad_keys_are_errors() {
        let c = parse(
            Path::new("/repo/.bssctl/config.yaml"),
            "state_dir: state\nfiles: [manifests, /abs/m.yaml]\nendpoint: http://127.0.0.1:1\n",
        )
        .unwrap();
        assert_eq!(c.state_dir, Some(PathBuf::from("/repo/state")));
        assert_eq!(
            c.files,
            [
                PathBuf::from("/repo/manifests"),
                PathBuf::from("/abs/m.yaml")
            ]
        );
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:1"));
        let e = parse(Path::new("/repo/bssctl.yaml"), "statedir: x\n").unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("/repo/bssctl.yaml") && m.contains("statedir"),
            "{m}"
        );
        let e = parse(Path::new("/repo/bssctl.yaml"), "site: mars\n").unwrap_err();
        assert!(e.to_string().contains("mars"), "{e}");
        assert_eq!(
            parse(Path::new("/r/bssctl.yaml"), "").unwrap().files,
            Vec::<PathBuf>::new()
        );
    }
}
