//! `plan --base PATHS` / `--base-ref REF`: loading the base manifests. A
//! base that does not load is the base's error (its diagnostics carry the
//! file and line, `REF:path` for a ref) and ends the run with exit 1.

use super::error::CliError;
use crate::arguments::PlanArgs;
use crate::manifest::{Diagnostic, ManifestSet, Severity};

/// The base manifest set, when one is asked for.
pub fn load(args: &PlanArgs) -> Result<Option<ManifestSet>, CliError> {
    let loaded = match (&args.base_ref, args.base.is_empty()) {
        (Some(reference), _) => {
            let texts = crate::manifest::base_ref::read(reference, &args.manifests.files)
                .map_err(|e| CliError::Config(e.to_string()))?;
            crate::manifest::load::load_texts(texts, Vec::new())
        }
        (None, false) => crate::manifest::load(&args.base),
        (None, true) => return Ok(None),
    };
    let errors = count_errors(&loaded.diagnostics);
    for d in &loaded.diagnostics {
        eprintln!("base: {d}");
    }
    match loaded.set {
        Some(set) if errors == 0 => Ok(Some(set)),
        _ => Err(CliError::Config(format!(
            "the base manifests have {} error(s) (shown above, prefixed with \"base:\"); the change cannot be compared with them",
            errors.max(1)
        ))),
    }
}

/// The base's resolve errors (against the live account), printed.
pub fn resolve_errors(diags: &[Diagnostic]) -> CliError {
    for d in diags {
        eprintln!("base: {d}");
    }
    CliError::Config(format!(
        "the base manifests have {} error(s) (shown above, prefixed with \"base:\"); the change cannot be compared with them",
        count_errors(diags).max(1)
    ))
}

fn count_errors(diags: &[Diagnostic]) -> usize {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}
