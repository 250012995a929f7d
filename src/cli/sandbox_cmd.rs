//! `bssctl sandbox`: the BSS test double as a foreground server.

use super::error::{CliError, EXIT_OK};
use crate::arguments::{GlobalArgs, SandboxArgs};
use crate::bss::credentials::Auth;
use crate::bss::{Api, Secret};
use crate::sandbox::{self, FaultConfig, ListingLies, SandboxConfig};
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
    let apis = if args.fault_apis.is_empty() {
        None
    } else {
        let mut list = Vec::new();
        for name in &args.fault_apis {
            let api = Api::ALL
                .into_iter()
                .find(|a| {
                    a.sdk_name().eq_ignore_ascii_case(name)
                        || format!("{a:?}").eq_ignore_ascii_case(name)
                })
                .ok_or_else(|| {
                    let known: Vec<&str> = Api::ALL.iter().map(|a| a.sdk_name()).collect();
                    CliError::Config(format!(
                        "--fault-api {name}: unknown API; known: {}",
                        known.join(", ")
                    ))
                })?;
            list.push(api);
        }
        Some(list)
    };
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
        faults: FaultConfig {
            throttle_every: args.throttle_every,
            error_every: args.error_every,
            drop_every: args.drop_every,
            late_apply_every: args.late_apply_every,
            late_apply_delay: Duration::from_millis(args.late_apply_ms),
            unmatched_failure_every: args.unmatched_failure_every,
            latency: Duration::from_millis(args.latency_ms),
            apis,
            listing: ListingLies {
                total_count: args.lie_total_count,
                close_one_mid_listing: args.close_one_mid_listing,
                unreadable_rows: args.unreadable_rows,
            },
            error_message: args.error_message.clone(),
            cts_forbidden: args.cts_forbidden,
        },
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
