//! `bssctl validate`: the files always; the account too when credentials
//! (or --sandbox) are at hand and --offline is not given.

use super::common::{has_errors, load_manifests, now, print_diagnostics};
use super::connect::connect;
use super::error::{CliError, EXIT_OK};
use crate::arguments::{GlobalArgs, ValidateArgs};
use std::collections::BTreeSet;

pub async fn run(g: &GlobalArgs, args: &ValidateArgs) -> Result<i32, CliError> {
    let set = load_manifests(&args.manifests.files)?;
    let counts = format!(
        "{} file(s), {} resource entr(ies), {} selector(s)",
        set.files.len(),
        set.resources.len(),
        set.selectors.len()
    );
    let live = !args.offline && (g.sandbox || super::connect::credentials_from_env().is_ok());
    if !live {
        println!("Manifests are valid ({counts}); offline check only (use --sandbox or set credentials to check ids against the account).");
        return Ok(EXIT_OK);
    }
    let now = now()?;
    let conn = connect(g).await?;
    let ids: BTreeSet<String> = set.resources.iter().map(|r| r.value.id.clone()).collect();
    let inv = crate::live::fetch::fetch(&conn.client, &ids, !set.selectors.is_empty()).await;
    conn.close().await;
    let inv = inv?;
    let resolution = crate::manifest::resolve(&set, &inv, now);
    print_diagnostics(&resolution.diagnostics);
    if has_errors(&resolution.diagnostics) {
        return Err(CliError::manifests(&resolution.diagnostics));
    }
    println!(
        "Manifests are valid ({counts}); checked against the account: {} managed resource(s).",
        resolution.desired.len()
    );
    Ok(EXIT_OK)
}
