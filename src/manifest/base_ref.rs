//! `plan --base-ref REF`: the `-f` paths as they are at a git ref, read with
//! git (`ls-tree`, `cat-file`), never by checking anything out. A file the
//! head deleted or renamed is still read under its old name at the ref;
//! one the head added is simply absent from the base. Texts are named
//! `REF:path/in/repo.yaml`, so the base's diagnostics point at the ref.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the base could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaseRefError {
    #[error("--base-ref {reference}: {path} is not inside a git repository (git: {detail})")]
    NotARepository {
        reference: String,
        path: String,
        detail: String,
    },
    #[error("--base-ref {reference}: no such commit in {repo}; fetch it first (e.g. git fetch origin {reference}) or name a branch, tag or commit that exists")]
    UnknownRef { reference: String, repo: String },
    #[error("--base-ref {reference}: cannot run git: {detail}")]
    Git { reference: String, detail: String },
}

/// Reads the manifests (`*.yaml`/`*.yml` below a directory, or the file
/// itself) that the `-f` paths name at `reference`.
pub fn read(reference: &str, paths: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, BaseRefError> {
    let mut texts = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for path in paths {
        let (top, rel) = locate(reference, path)?;
        verify_ref(reference, &top)?;
        let spec = if rel.as_os_str().is_empty() {
            ".".to_string()
        } else {
            rel.to_string_lossy().replace('\\', "/")
        };
        let listing = git(
            reference,
            &top,
            &["ls-tree", "-r", "-z", "--name-only", reference, "--", &spec],
        )?;
        for name in listing.split('\0').filter(|n| !n.is_empty()) {
            let is_dir_walk = name != spec;
            if is_dir_walk && !(name.ends_with(".yaml") || name.ends_with(".yml")) {
                continue;
            }
            if !seen.insert((top.clone(), name.to_string())) {
                continue;
            }
            let text = git(
                reference,
                &top,
                &["cat-file", "blob", &format!("{reference}:{name}")],
            )?;
            texts.push((PathBuf::from(format!("{reference}:{name}")), text));
        }
    }
    Ok(texts)
}

/// The repository top level and the path inside it. A path the head no
/// longer has (it was deleted) is located through its parent directory.
fn locate(reference: &str, path: &Path) -> Result<(PathBuf, PathBuf), BaseRefError> {
    let abs = std::path::absolute(path).map_err(|e| BaseRefError::Git {
        reference: reference.into(),
        detail: e.to_string(),
    })?;
    let dir = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| abs.clone())
    };
    let out = Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .map_err(|e| BaseRefError::Git {
            reference: reference.into(),
            detail: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(BaseRefError::NotARepository {
            reference: reference.into(),
            path: path.display().to_string(),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    let top = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let top = top.canonicalize().unwrap_or(top);
    let canon_dir = dir.canonicalize().unwrap_or(dir);
    let rel_dir = canon_dir
        .strip_prefix(&top)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let rel = if abs.is_dir() {
        rel_dir
    } else {
        rel_dir.join(abs.file_name().unwrap_or_default())
    };
    Ok((top, rel))
}

fn verify_ref(reference: &str, top: &Path) -> Result<(), BaseRefError> {
    let ok = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{reference}^{{commit}}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    match ok {
        true => Ok(()),
        false => Err(BaseRefError::UnknownRef {
            reference: reference.into(),
            repo: top.display().to_string(),
        }),
    }
}

fn git(reference: &str, top: &Path, args: &[&str]) -> Result<String, BaseRefError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(args)
        .output()
        .map_err(|e| BaseRefError::Git {
            reference: reference.into(),
            detail: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(BaseRefError::Git {
            reference: reference.into(),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    String::from_utf8(out.stdout).map_err(|_| BaseRefError::Git {
        reference: reference.into(),
        detail: "a manifest at the ref is not UTF-8".into(),
    })
}
