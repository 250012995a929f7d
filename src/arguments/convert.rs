//! Flags into the typed options of the layers they configure.

use super::{ExportArgs, GlobalArgs};
use crate::connect::ConnectOptions;
use crate::manifest::selector::Matcher;
use crate::manifest::{Duration, Match};
use std::path::Path;

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
