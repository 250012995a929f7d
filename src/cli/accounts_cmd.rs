//! `bssctl accounts`: the enterprise's accounts (`crate::enterprise`) with
//! the master's credentials, shown by `render::accounts`.

use super::common::load_manifests;
use super::connect::connect;
use super::error::{CliError, EXIT_OK};
use crate::arguments::{AccountsArgs, FormatArg, GlobalArgs};
use crate::render::accounts;

pub async fn run(g: &GlobalArgs, args: &AccountsArgs) -> Result<i32, CliError> {
    let set = if args.files.is_empty() {
        None
    } else {
        Some(load_manifests(&args.files)?)
    };
    let conn = connect(g).await?;
    let report =
        crate::enterprise::accounts_report(&conn.client, &conn.domain_id, set.as_ref()).await;
    conn.close().await;
    let report = report.map_err(CliError::Api)?;
    let out = match args.format {
        FormatArg::Json => {
            accounts::accounts_json(&report)
                .map_err(|e| CliError::Config(format!("cannot encode the accounts: {e}")))?
                + "\n"
        }
        FormatArg::Text | FormatArg::Markdown => accounts::accounts_text(&report),
    };
    print!("{out}");
    Ok(EXIT_OK)
}
