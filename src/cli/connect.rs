//! The global flags as connection options (`crate::connect` does the rest).

use super::args::GlobalArgs;
use super::error::CliError;
pub use crate::connect::{credentials_from_env, ConnectOptions, Connection};
use std::time::Duration;

pub async fn connect(g: &GlobalArgs) -> Result<Connection, CliError> {
    Ok(crate::connect::connect(&options(g)).await?)
}

/// Whether this run talks only to this machine (see `crate::connect::is_local`).
pub fn is_local(g: &GlobalArgs) -> bool {
    crate::connect::is_local(&options(g))
}

pub fn bss_endpoint(g: &GlobalArgs) -> String {
    crate::connect::bss_endpoint(&options(g))
}

pub fn options(g: &GlobalArgs) -> ConnectOptions {
    ConnectOptions {
        endpoint: g.endpoint.clone(),
        iam_endpoint: g.iam_endpoint.clone(),
        site: g.site,
        ca_bundle: g.ca_bundle.clone(),
        sandbox: g.sandbox,
        sandbox_state: g.sandbox_state.clone(),
        sandbox_reset: g.sandbox_reset,
        state_dir: g.state_dir.clone(),
        rate_limit: g.rate_limit,
        page_size: g.page_size,
        timeout: Duration::from_secs(g.timeout),
        max_attempts: g.max_attempts,
        retry_base: Duration::from_millis(g.retry_base_ms),
        pace_per_account: g.pace_per_account,
    }
}
