//! `bssctl sandbox`: the BSS test double as a foreground server.

use super::error::{CliError, EXIT_OK};
use crate::arguments::{GlobalArgs, SandboxArgs};
use crate::bss::credentials::Auth;
use crate::bss::Secret;
use crate::sandbox::{self, SandboxConfig};
use std::time::Duration;

pub async fn run(_g: &GlobalArgs, args: &SandboxArgs) -> Result<i32, CliError> {
    let (ak, sk, token) = match (&args.ak, &args.sk) {
        (Some(ak), Some(sk)) => (ak.clone(), Secret::new(sk.clone()), None),
        (None, None) => {
            let creds = super::connect::credentials_from_env().map_err(|_| {
                CliError::Config(
                    "the sandbox needs the AK/SK to accept: pass --ak and --sk, or set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK".into(),
                )
            })?;
            match creds.auth {
                Auth::AkSk {
                    ak,
                    sk,
                    security_token,
                } => (ak, sk, security_token),
                Auth::Token(_) | Auth::Temporary(_) => {
                    return Err(CliError::Config(
                        "the sandbox verifies AK/SK signatures: pass --ak and --sk".into(),
                    ))
                }
            }
        }
        _ => {
            return Err(CliError::Config(
                "give both --ak and --sk, or neither".into(),
            ))
        }
    };
    sandbox::ensure_state_file(&args.state, args.reset)
        .map_err(|e| CliError::Config(format!("sandbox state {}: {e}", args.state.display())))?;
    let state = sandbox::state::State::load(&args.state)
        .map_err(|e| CliError::Config(format!("sandbox state {}: {e}", args.state.display())))?;
    let cfg = SandboxConfig {
        state_path: args.state.clone(),
        port: args.port,
        ak,
        sk,
        security_token: token,
        auth_token: std::env::var(crate::bss::credentials::ENV_AUTH_TOKEN)
            .ok()
            .map(Secret::new),
        domain_id: args
            .domain_id
            .clone()
            .or_else(|| std::env::var(crate::bss::credentials::ENV_DOMAIN_ID).ok())
            .unwrap_or(state.domain_id.clone()),
        domain_name: state.domain_name.clone(),
        faults: args.faults().map_err(CliError::Config)?,
        rate_limit_per_api: args.rate_limit,
        request_log: args.request_log.clone(),
        max_clock_skew: Some(Duration::from_secs(15 * 60)),
        now: None,
        temporary_key_ttl: Duration::from_secs(args.temporary_key_ttl.max(1)),
    };
    sandbox::run_foreground(cfg)
        .await
        .map_err(|e| CliError::Config(format!("sandbox: {e}")))?;
    Ok(EXIT_OK)
}
