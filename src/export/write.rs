//! Writing an export into a directory: all files or none, never over
//! existing ones unless forced.

use super::ExportFile;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Files exist and `--force` was not given; nothing was written.
    #[error("{0}")]
    Exists(String),
    #[error("{what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes every file, or none: existing files are refused without `force`.
/// Returns the other manifests below `dir` that `plan -f DIR` would read too.
pub fn write_files(
    dir: &Path,
    files: &[ExportFile],
    force: bool,
) -> Result<Vec<PathBuf>, WriteError> {
    let existing: Vec<&str> = files
        .iter()
        .filter(|f| dir.join(&f.file_name).symlink_metadata().is_ok())
        .map(|f| f.file_name.as_str())
        .collect();
    if !existing.is_empty() && !force {
        return Err(WriteError::Exists(format!(
            "refusing to overwrite {} existing file(s) in {}: {}; nothing was written. Pass --force to \
             overwrite them, or export into an empty directory",
            existing.len(),
            dir.display(),
            existing.join(", ")
        )));
    }
    let others = other_manifests(dir, files);
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Io {
        what: "cannot create the directory",
        path: dir.to_path_buf(),
        source,
    })?;
    for f in files {
        let path = dir.join(&f.file_name);
        crate::fsutil::write_atomic(&path, f.text.as_bytes()).map_err(|source| WriteError::Io {
            what: "cannot write",
            path: path.clone(),
            source,
        })?;
    }
    Ok(others)
}

/// `*.yaml`/`*.yml` files below `dir` (as the loader finds them) that this
/// export does not write.
fn other_manifests(dir: &Path, files: &[ExportFile]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(dir, &mut found);
    found.retain(|p| {
        p.parent() != Some(dir)
            || !files
                .iter()
                .any(|f| p.file_name().is_some_and(|n| n == f.file_name.as_str()))
    });
    found.sort();
    found
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}
