//! `bssctl notify`: a plan's summary to a webhook (the work is in `notify`).

use super::error::{CliError, EXIT_OK};
use crate::arguments::{GlobalArgs, NotifyArgs, NotifyFormatArg};
use crate::notify::{self, Format, Retry, Webhook};
use std::io::Read;
use std::time::Duration;

pub async fn run(g: &GlobalArgs, args: &NotifyArgs) -> Result<i32, CliError> {
    let hook = Webhook::parse(&args.webhook).map_err(|e| CliError::Config(e.to_string()))?;
    let format = match args.format {
        NotifyFormatArg::Json => Format::Json,
        NotifyFormatArg::Slack => Format::Slack,
        NotifyFormatArg::Dingtalk => Format::DingTalk,
        NotifyFormatArg::Wecom => Format::WeCom,
        NotifyFormatArg::Feishu => Format::Feishu,
    };
    let (name, text) = if args.plan.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            CliError::io(
                "cannot read the plan from",
                std::path::Path::new("stdin"),
                e,
            )
        })?;
        ("standard input".to_string(), s)
    } else {
        let s = std::fs::read_to_string(&args.plan)
            .map_err(|e| CliError::io("cannot read the plan", &args.plan, e))?;
        (args.plan.display().to_string(), s)
    };
    // `plan --format json`, or a plan saved with `plan --out`.
    let plan: crate::plan::Plan = match serde_json::from_str(&text) {
        Ok(p) => p,
        Err(e) => serde_json::from_str::<crate::state::saved_plan::SavedPlan>(&text)
            .map(|s| s.plan)
            .map_err(|_| {
                CliError::Config(format!(
                    "{name}: not a plan written by `bssctl plan --format json` or `--out` ({e})"
                ))
            })?,
    };
    let body = notify::body(&notify::digest(&plan), format);
    let retry = Retry {
        attempts: args.attempts.max(1),
        base_delay: Duration::from_millis(g.retry_base_ms.max(1)),
        timeout: Duration::from_secs(g.timeout.max(1)),
        ..Retry::default()
    };
    let sent = notify::post(&hook, format, &body, retry)
        .await
        .map_err(|e| CliError::Config(e.to_string()))?;
    eprintln!(
        "Posted the plan summary to the webhook ({}, HTTP {}, {} attempt(s)).",
        format.name(),
        sent.status,
        sent.attempts
    );
    Ok(EXIT_OK)
}
