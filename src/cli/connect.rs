//! The global flags as connection options (`crate::connect` does the rest).

use super::error::CliError;
use crate::arguments::GlobalArgs;
pub use crate::connect::{credentials_from_env, ConnectOptions, Connection};

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
    g.connect_options()
}
