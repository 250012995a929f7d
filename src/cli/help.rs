//! `bssctl version` and `bssctl man`.

use super::error::{CliError, EXIT_OK};
use crate::arguments::FormatArg;
use std::path::Path;

/// `bssctl version`: one line, or a JSON object with `--format json`.
pub fn version(format: FormatArg) -> Result<i32, CliError> {
    use std::io::Write;
    let v = crate::version::CURRENT;
    let text = match format {
        FormatArg::Json => serde_json::to_string_pretty(&v).expect("the version serializes") + "\n",
        FormatArg::Text | FormatArg::Markdown => v.line() + "\n",
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::io("cannot write the version to", Path::new("stdout"), e))?;
    Ok(EXIT_OK)
}

/// `bssctl man`: the main page on stdout, or with `--out-dir DIR` one page
/// per command (`bssctl.1`, `bssctl-plan.1`, ...) written into DIR.
pub fn man(cmd: clap::Command, out_dir: Option<&Path>) -> Result<i32, CliError> {
    let Some(dir) = out_dir else {
        clap_mangen::Man::new(cmd)
            .render(&mut std::io::stdout())
            .map_err(|e| CliError::io("cannot write the man page to", Path::new("stdout"), e))?;
        return Ok(EXIT_OK);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::io("cannot create the directory", dir, e))?;
    clap_mangen::generate_to(cmd, dir)
        .map_err(|e| CliError::io("cannot write the man pages to", dir, e))?;
    eprintln!("Wrote the man pages to {}", dir.display());
    Ok(EXIT_OK)
}
