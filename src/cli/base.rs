//! `plan --base PATHS` / `--base-ref REF`: loading the base manifests. A
//! base that does not load is the base's error (its diagnostics carry the
//! file and line, `REF:path` for a ref) and ends the run with exit 1.

use super::error::CliError;
use crate::arguments::PlanArgs;
use crate::manifest::{ManifestSet, Severity};

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
    match loaded.set {
        Some(set)
            if !loaded
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error) =>
        {
            for d in &loaded.diagnostics {
                eprintln!("base: {d}");
            }
            Ok(Some(set))
        }
        _ => Err(CliError::base(&loaded.diagnostics)),
    }
}
