//! Flags into the typed options of the layers they configure.

use super::{ExportArgs, GlobalArgs, OrdersArgs, OrdersCommand, SandboxArgs};
use crate::bss::Api;
use crate::connect::ConnectOptions;
use crate::manifest::selector::Matcher;
use crate::manifest::{Duration, Match};
use crate::sandbox::{FaultConfig, ListingLies};
use std::path::Path;
use std::time::Duration as StdDuration;

impl GlobalArgs {
    /// Where and how to connect.
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            endpoint: self.endpoint.clone(),
            iam_endpoint: self.iam_endpoint.clone(),
            site: self.site,
            ca_bundle: self.ca_bundle.clone(),
            sandbox: self.sandbox,
            sandbox_state: self.sandbox_state.clone(),
            sandbox_reset: self.sandbox_reset,
            state_dir: self.state_dir.clone(),
            rate_limit: self.rate_limit,
            page_size: self.page_size,
            timeout: std::time::Duration::from_secs(self.timeout),
            max_attempts: self.max_attempts,
            retry_base: std::time::Duration::from_millis(self.retry_base_ms),
            pace_per_account: self.pace_per_account,
        }
    }

    /// `--settle-time` as a chrono duration.
    pub fn settle(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settle_time).unwrap_or(chrono::Duration::MAX)
    }

    /// `bssctl [--sandbox …] [--state-dir …] apply FILE`: the flags that pick
    /// the account and the state dir, repeated, so the saved plan applies where
    /// it was made.
    pub fn apply_command_line(&self, out: &Path) -> String {
        let mut cmd = String::from("bssctl");
        let quoted = |p: &Path| {
            let s = p.display().to_string();
            match s.contains([' ', '\'', '"', '$']) {
                true => format!("'{}'", s.replace('\'', "'\\''")),
                false => s,
            }
        };
        if self.sandbox {
            cmd.push_str(" --sandbox");
            if let Some(s) = &self.sandbox_state {
                cmd.push_str(&format!(" --sandbox-state {}", quoted(s)));
            }
        } else if let Some(e) = &self.endpoint {
            cmd.push_str(&format!(" --endpoint {e}"));
        }
        if self.state_dir != Path::new(".bssctl") {
            cmd.push_str(&format!(" --state-dir {}", quoted(&self.state_dir)));
        }
        cmd.push_str(&format!(" apply {}", quoted(out)));
        cmd
    }
}

impl ExportArgs {
    /// The selector-key flags as a `match` block, checked like one.
    pub fn matcher(&self) -> Result<Matcher, String> {
        let expires_within = self
            .expires_within
            .as_deref()
            .map(|s| s.parse::<Duration>())
            .transpose()
            .map_err(|e| format!("--expires-within: {e}"))?;
        let criteria = Match {
            service_type: self.service_type.clone(),
            resource_type: self.resource_type.clone(),
            region: self.region.clone(),
            name: self.name.clone(),
            project_id: self.project_id.clone(),
            enterprise_project: self.enterprise_project.clone(),
            expires_within,
        };
        Matcher::new(&criteria).map_err(|e| {
            format!(
                "--name {:?}: not a valid glob ({e}); use *, ? and [abc], e.g. 'prod-*'",
                self.name.as_deref().unwrap_or_default()
            )
        })
    }
}

impl SandboxArgs {
    /// The faults the sandbox injects (`--throttle-every`, `--fault-api`, ...).
    pub fn faults(&self) -> Result<FaultConfig, String> {
        let apis = if self.fault_apis.is_empty() {
            None
        } else {
            let mut list = Vec::new();
            for name in &self.fault_apis {
                let api = Api::ALL
                    .into_iter()
                    .find(|a| {
                        a.sdk_name().eq_ignore_ascii_case(name)
                            || format!("{a:?}").eq_ignore_ascii_case(name)
                    })
                    .ok_or_else(|| {
                        let known: Vec<&str> = Api::ALL.iter().map(|a| a.sdk_name()).collect();
                        format!(
                            "--fault-api {name}: unknown API; known: {}",
                            known.join(", ")
                        )
                    })?;
                list.push(api);
            }
            Some(list)
        };
        Ok(FaultConfig {
            throttle_every: self.throttle_every,
            error_every: self.error_every,
            drop_every: self.drop_every,
            late_apply_every: self.late_apply_every,
            late_apply_delay: StdDuration::from_millis(self.late_apply_ms),
            unmatched_failure_every: self.unmatched_failure_every,
            latency: StdDuration::from_millis(self.latency_ms),
            apis,
            listing: ListingLies {
                total_count: self.lie_total_count,
                close_one_mid_listing: self.close_one_mid_listing,
                unreadable_rows: self.unreadable_rows,
            },
            error_message: self.error_message.clone(),
            cts_forbidden: self.cts_forbidden,
        })
    }
}

/// Flags that cannot go together, found before any call.
#[derive(Debug, thiserror::Error)]
pub enum FlagError {
    /// A `--format` the command does not print.
    #[error("{0}")]
    Format(String),
    /// A coupon or discount set that `orders pay` refuses to send.
    #[error("{0}")]
    Pay(String),
}

impl OrdersArgs {
    /// Refusals that need no call.
    pub fn check(&self) -> Result<(), FlagError> {
        let dry_run = matches!(self.command, Some(OrdersCommand::Pay { dry_run: true, .. }));
        if self.command.is_some()
            && !dry_run
            && crate::render::Format::from(self.format) != crate::render::Format::Text
        {
            return Err(FlagError::Format(
                "--format applies to the list (bssctl orders --format json) and to orders pay --dry-run; pay and cancel print text"
                    .into(),
            ));
        }
        if dry_run && crate::render::Format::from(self.format) == crate::render::Format::Markdown {
            return Err(FlagError::Format(
                "orders pay --dry-run prints text or json (--format json)".into(),
            ));
        }
        if let Some(OrdersCommand::Pay {
            order_ids,
            coupons,
            discount,
            no_offers,
            ..
        }) = &self.command
        {
            let req = crate::orders::offer::PayRequest {
                coupons,
                discount: discount.as_deref(),
                no_offers: *no_offers,
            };
            crate::orders::run::check_pay_flags(order_ids, &req)
                .map_err(|r| FlagError::Pay(r.to_string()))?;
        }
        Ok(())
    }
}
