//! The command line's grammar: every command, flag and value bssctl
//! accepts (clap), and the defaults a config file puts under the flags. The
//! commands that run them are in `cli` (as Terraform keeps
//! `command/arguments` apart from `command`).
//!
//! The command line, as clap types. Flag names are a contract (DESIGN.md).

mod convert;
pub use convert::FlagError;
pub mod defaults;
pub mod duration;
pub mod help;

use crate::bss::endpoint::Site;
use crate::render::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "bssctl",
    version,
    about = "Declarative reconciler for Huawei Cloud yearly/monthly subscriptions",
    long_about = "bssctl keeps Huawei Cloud yearly/monthly (prepaid) resources as YAML manifests say: \
auto-renew, renew ahead of expiry, switch to pay-per-use at expiry, or unsubscribe.\n\n\
  bssctl plan -f manifests/          show what would change and what it costs\n\
  bssctl apply -f manifests/         make the account match (asks first)\n\
  bssctl plan --sandbox -f examples/manifests/   try it against the embedded sandbox, no account needed\n\n\
Exit codes: 0 success (no changes with --detailed-exitcode), 1 error, \
2 changes present (--detailed-exitcode), 3 a cost guardrail was exceeded, \
4 risks found (forecast --fail-on-risk).",
    after_help = "Credentials: HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK (+HUAWEICLOUD_SDK_SECURITY_TOKEN), \
HW_ACCESS_KEY/HW_SECRET_KEY, HUAWEICLOUD_SDK_AUTH_TOKEN, HUAWEICLOUD_SDK_IDP_ID/HUAWEICLOUD_SDK_ID_TOKEN_FILE (OIDC), \
~/.huaweicloud/credentials, else the metadata service of a Huawei Cloud server with an agency. \
Account id: HUAWEICLOUD_SDK_DOMAIN_ID (else discovered through IAM). \
BSSCTL_NOW=2026-11-24T00:00:00Z fixes the planning clock. \
Defaults for --state-dir, --site, --endpoint, --iam-endpoint and -f can live in bssctl.yaml or \
.bssctl/config.yaml (found from the working directory upwards; flags, then environment, then the file)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// BSS endpoint URL (http:// only for loopback).
    #[arg(long, env = "BSSCTL_ENDPOINT", global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// IAM endpoint for discovering the account's domain id.
    #[arg(long, env = "BSSCTL_IAM_ENDPOINT", global = true, value_name = "URL")]
    pub iam_endpoint: Option<String>,
    /// Huawei Cloud site of the account (sets the default endpoints).
    #[arg(long, value_enum, default_value_t = Site::China, global = true)]
    pub site: Site,
    /// PEM file of CA certificates to trust besides the OS store (e.g. a
    /// TLS-inspecting proxy's CA); SSL_CERT_FILE / SSL_CERT_DIR also work.
    #[arg(long, env = "BSSCTL_CA_BUNDLE", global = true, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,
    /// Run against the embedded sandbox (a local BSS test double) instead of an account.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// State file of the embedded sandbox [default: <state-dir>/sandbox-state.json].
    #[arg(long, global = true, value_name = "FILE")]
    pub sandbox_state: Option<PathBuf>,
    /// Restore the embedded sandbox's state from the seed before running.
    #[arg(long, global = true)]
    pub sandbox_reset: bool,
    /// Where bssctl keeps its journal and last-applied record.
    #[arg(
        long,
        env = "BSSCTL_STATE_DIR",
        default_value = ".bssctl",
        global = true,
        value_name = "DIR"
    )]
    pub state_dir: PathBuf,
    /// Requests per second per API (the gateway allows about 10).
    #[arg(
        long,
        env = "BSSCTL_RATE_LIMIT",
        default_value_t = 10,
        global = true,
        value_name = "N"
    )]
    pub rate_limit: u32,
    /// With several accounts in the manifests: --rate-limit per account instead of one pace shared by the enterprise (the gateway counts per enterprise master).
    #[arg(long, global = true)]
    pub pace_per_account: bool,
    /// Rows per page when listing resources.
    #[arg(
        long,
        env = "BSSCTL_PAGE_SIZE",
        default_value_t = 100,
        global = true,
        value_name = "N"
    )]
    pub page_size: i64,
    /// Seconds before a request times out.
    #[arg(long, default_value_t = 60, global = true, value_name = "SECS")]
    pub timeout: u64,
    /// How long after a purchase whose answer was lost (timeout, 5xx,
    /// dropped connection) a later plan/apply/orders may check the account
    /// for it; until then the resource or order is held. E.g. 30s, 10m, 2h.
    #[arg(
        long,
        env = "BSSCTL_SETTLE_TIME",
        default_value = "10m",
        global = true,
        value_name = "DURATION",
        value_parser = parse_settle_time
    )]
    pub settle_time: std::time::Duration,
    /// Attempts per read call on throttling, 5xx and transport errors.
    #[arg(
        long,
        env = "BSSCTL_MAX_ATTEMPTS",
        default_value_t = 6,
        global = true,
        value_name = "N"
    )]
    pub max_attempts: u32,
    /// First backoff delay in milliseconds (throttling waits at least 4x this).
    #[arg(
        long,
        env = "BSSCTL_RETRY_BASE_MS",
        default_value_t = 500,
        global = true,
        value_name = "MS"
    )]
    pub retry_base_ms: u64,
    /// More logging on stderr (-v info, -vv debug); RUST_LOG also works.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Never use colour (NO_COLOR is honoured too).
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// `--settle-time`: a duration flag of at most 30 days.
pub fn parse_settle_time(v: &str) -> Result<std::time::Duration, String> {
    let d = duration::parse(v)?;
    if d > std::time::Duration::from_secs(30 * 86_400) {
        return Err(format!("{v:?} is longer than 30 days"));
    }
    Ok(d)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what would change, and what it costs.
    #[command(after_help = "Examples:\n  \
bssctl plan -f manifests/                              what apply would do, and its cost\n  \
bssctl plan --sandbox -f examples/manifests/           against the embedded sandbox\n  \
bssctl plan -f manifests/ --target prod-web-01         only this resource (id, name or glob)\n  \
bssctl plan -f manifests/ --out plan.json              save it for `bssctl apply plan.json`\n  \
bssctl plan -f manifests/ --format json | jq .summary  the JSON contract (docs/plan-json.md)\n  \
bssctl plan -f manifests/ --detailed-exitcode          exit 2 when there are changes\n\n\
Exit codes: 0 ok (no changes with --detailed-exitcode), 1 error, 2 changes (--detailed-exitcode), \
3 a cost guardrail was exceeded.")]
    Plan(PlanArgs),
    /// Make the account match the manifests (or a saved plan).
    #[command(after_help = "Examples:\n  \
bssctl apply -f manifests/                      plan, show, ask, then apply\n  \
bssctl apply plan.json                          apply a saved plan as it was shown (no second question)\n  \
bssctl apply -f manifests/ --target 'prod-*'    only the resources whose name matches\n  \
bssctl apply --sandbox -f examples/manifests/ --auto-approve   try it on the embedded sandbox\n\n\
Exit codes: 0 ok, 1 error or a failed operation, 3 a cost guardrail was exceeded.")]
    Apply(ApplyArgs),
    /// Check manifests (offline; with credentials or --sandbox also against the account).
    Validate(ValidateArgs),
    /// Print the JSON Schema of the manifest format.
    Schema,
    /// Run the sandbox BSS server (a local test double of the BSS API).
    Sandbox(SandboxArgs),
    /// Write manifests describing the live account.
    #[command(
        long_about = "Write manifests describing the live account: every main, non-closed \
resource (or those the filters select, as a selector's match would) with its live on_expiry, \
and auto_renew where the last-applied record knows it. `bssctl plan -f` on the result shows \
no changes. Attached resources follow their main and are not listed.",
        after_help = "Examples:\n  \
bssctl export > account.yaml                       one manifest on standard output\n  \
bssctl export --out manifests                      one file per service (ec2.yaml, ...)\n  \
bssctl export --out manifests --group-by region    one file per region\n  \
bssctl export --region cn-north-4 --name 'prod-*'  only matching resources\n  \
bssctl export --out manifests --force              overwrite an earlier export"
    )]
    Export(ExportArgs),
    /// List, pay or cancel pending (unpaid) orders.
    Orders(OrdersArgs),
    /// List the enterprise's sub-accounts with their balances, and which the manifests cover (master credentials).
    Accounts(AccountsArgs),
    /// Post a markdown plan (`plan --format markdown`) to a pull or merge request.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
bssctl plan -f manifests --base-ref origin/main --format markdown > plan.md\n  \
bssctl comment github --repo acme/infra --pull 42 plan.md     (GITHUB_TOKEN)\n  \
bssctl comment gitlab --project 7 --merge-request 3 plan.md   (GITLAB_TOKEN, else CI_JOB_TOKEN)"
    )]
    Comment(CommentTarget),
    /// Project the next months of renewals, the balance runway and the risks.
    #[command(
        long_about = "Project every main resource of the account, managed or not, month by month: \
auto-renew charges (on the deduction day before expiry, at the renew rate), renew_ahead purchases \
the manifests trigger (with -f), conversions to pay-per-use, and expiries nothing renews \
(frozen, then released after the retention period). With -f it shows the account as it is and \
as planned. Risks: resources frozen or released within --risk-within, and auto-renew charges the \
balance will not cover; --fail-on-risk exits 4 when there are any.",
        after_help = "Examples:\n  \
bssctl forecast --sandbox                          the next 12 months of the account\n  \
bssctl forecast -f manifests --months 36           as is and as planned, three years\n  \
bssctl forecast --risk-within 14d --fail-on-risk   exit 4 when something expires unnoticed\n\n\
Exit codes: 0 ok, 1 error, 4 risks found (--fail-on-risk)."
    )]
    Forecast(ForecastArgs),
    /// Post a short summary of a plan (drift and its authors, risks, due renewals, totals) to a
    /// webhook.
    #[command(after_help = "Examples:\n  \
bssctl plan -f manifests --format json > plan.json\n  \
bssctl notify --webhook \"$SLACK_WEBHOOK\" --format slack plan.json\n  \
bssctl plan -f manifests --format json | bssctl notify --format feishu -   (BSSCTL_WEBHOOK_URL)")]
    Notify(NotifyArgs),
    /// Print shell completions (see README, "Shell completions").
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write bssctl.1, bssctl-plan.1, ... into this directory.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Print the version, the git commit and the target it was built for.
    Version {
        /// Output format (text or json).
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
    },
}

impl Command {
    /// The subcommand's name and its `--format`, if it has one (errors are
    /// also written to stdout in that format).
    pub fn name_and_format(&self) -> (&'static str, Option<FormatArg>) {
        match self {
            Command::Plan(a) => ("plan", Some(a.options.format)),
            Command::Apply(a) => ("apply", Some(a.options.format)),
            Command::Forecast(a) => ("forecast", Some(a.format)),
            Command::Orders(a) => ("orders", Some(a.format)),
            Command::Validate(_) => ("validate", None),
            Command::Schema => ("schema", None),
            Command::Sandbox(_) => ("sandbox", None),
            Command::Export(_) => ("export", None),
            Command::Comment(_) => ("comment", None),
            Command::Notify(_) => ("notify", None),
            Command::Accounts(a) => ("accounts", Some(a.format)),
            Command::Completions { .. } => ("completions", None),
            Command::Man { .. } => ("man", None),
            Command::Version { .. } => ("version", None),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ManifestArgs {
    /// Manifest file or directory; repeatable. A directory means every *.yaml/*.yml below it with a
    /// manifest's top-level key (version, resources, ...); other YAML, e.g. CI workflows, is skipped
    /// with a note. Default: `files:` of the config file.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct PlanOptions {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Plan only these (repeatable): managed resources by id (an attached id means its main, with
    /// a note), by name (live or the manifest's) or by a glob over ids and names ('prod-*'), or
    /// renewal_settings[.deduction_day|.expire_day]; with targets, account settings change only
    /// when named. A target that matches nothing is an error (exit 1).
    #[arg(long = "target", value_name = "ID|NAME|GLOB")]
    pub targets: Vec<String>,
    /// Leave these out (repeatable): resources by id (an attached id means its main), name or
    /// glob, or renewal_settings[.deduction_day|.expire_day].
    #[arg(long = "exclude", value_name = "ID|NAME|GLOB")]
    pub excludes: Vec<String>,
    /// Refuse (exit 3) when the renewals bought now would cost more than this.
    #[arg(long, value_name = "AMOUNT")]
    pub max_cost: Option<rust_decimal::Decimal>,
    /// Keep only changes of this cause (repeatable): manifest (the manifests changed), drift
    /// (changed elsewhere since bssctl applied it), due (a renew_ahead window opened).
    #[arg(long = "only", value_enum, value_name = "CAUSE")]
    pub only: Vec<CauseArg>,
}

impl PlanOptions {
    /// What narrows the plan: `--target`, `--exclude`, `--only`.
    pub fn scope(&self) -> crate::planner::Scope {
        crate::planner::Scope {
            targets: self.targets.clone(),
            excludes: self.excludes.clone(),
            only: self.only.iter().map(|c| (*c).into()).collect(),
        }
    }
}

/// Why a change is in the plan (DESIGN §13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CauseArg {
    Manifest,
    Drift,
    Due,
}

impl From<CauseArg> for crate::plan::Cause {
    fn from(c: CauseArg) -> Self {
        match c {
            CauseArg::Manifest => crate::plan::Cause::Manifest,
            CauseArg::Drift => crate::plan::Cause::Drift,
            CauseArg::Due => crate::plan::Cause::Due,
        }
    }
}

/// Where to read who changed a drifted resource (CTS, DESIGN §13).
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// CTS region to read traces from (overrides the manifests' audit.region).
    #[arg(long, value_name = "REGION")]
    pub cts_region: Option<String>,
    /// Project id of that region (overrides audit.project_id).
    #[arg(long, value_name = "ID")]
    pub cts_project_id: Option<String>,
    /// CTS endpoint URL instead of https://cts.<region>.myhuaweicloud.com (http:// only for
    /// loopback).
    #[arg(long, env = "BSSCTL_CTS_ENDPOINT", value_name = "URL")]
    pub cts_endpoint: Option<String>,
}

/// `bssctl notify`.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// Webhook URL to post to (a secret: never printed).
    #[arg(
        long,
        env = "BSSCTL_WEBHOOK_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub webhook: String,
    /// Message format of the receiving service.
    #[arg(long, value_enum, default_value_t = NotifyFormatArg::Json)]
    pub format: NotifyFormatArg,
    /// Attempts in all on 5xx, 429 and connection errors.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub attempts: u32,
    /// A plan written by `plan --format json` (or saved with `plan --out`), or - for standard
    /// input.
    #[arg(value_name = "PLAN_JSON", default_value = "-")]
    pub plan: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NotifyFormatArg {
    Json,
    Slack,
    Dingtalk,
    Wecom,
    Feishu,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,
    #[command(flatten)]
    pub options: PlanOptions,
    /// Save the plan (with a fingerprint of the live state) for `bssctl apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error, 3 when a cost guardrail is
    /// exceeded.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Print nothing when there are no changes (for PR bots).
    #[arg(long)]
    pub quiet_if_no_changes: bool,
    #[command(flatten)]
    pub audit: AuditArgs,
    /// Compare with these base manifests (file or directory; repeatable): the output adds what
    /// this change does on its own, apart from what is due anyway.
    #[arg(long = "base", value_name = "PATH", conflicts_with = "base_ref")]
    pub base: Vec<PathBuf>,
    /// Compare with the same -f paths as they are at this git ref (e.g. the PR's target branch).
    #[arg(long, value_name = "REF")]
    pub base_ref: Option<String>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out`; refused when the account changed since.
    #[arg(value_name = "PLANFILE", conflicts_with = "files")]
    pub plan_file: Option<PathBuf>,
    /// Manifest file or directory; repeatable (as for plan; default: `files:` of the config file).
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub options: PlanOptions,
    /// Do not ask for confirmation (a saved plan is never asked about again).
    #[arg(long)]
    pub auto_approve: bool,
    /// Allow unsubscribing (releasing) resources; never for protect: true.
    #[arg(long)]
    pub allow_unsubscribe: bool,
    /// Calls in flight at once per API (each API is paced at its own rate).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub parallelism: usize,
    /// Journal file [default: <state-dir>/journal.jsonl].
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Go ahead even when the balance does not cover the renewals paid now.
    #[arg(long)]
    pub ignore_balance: bool,
    /// Wait this long for another run's lock on the state dir (e.g. 30s, 5m).
    #[arg(long, default_value = "0s", value_name = "DURATION", value_parser = duration::parse)]
    pub lock_timeout: std::time::Duration,
    /// Refuse a saved plan older than this (<n>h, <n>d or <n>w): renewal
    /// decisions depend on the date. A plan from the future is always refused.
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub max_plan_age: crate::manifest::Duration,
}

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Manifest file or directory; repeatable. Adds the planned column.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// Months to project (1 to 36), from the current month.
    #[arg(long, default_value_t = crate::forecast::DEFAULT_MONTHS, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=crate::forecast::MAX_MONTHS as i64))]
    pub months: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// The risk window (<n>h, <n>d or <n>w).
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    pub risk_within: crate::manifest::Duration,
    /// Exit 4 when there is any risk within the window.
    #[arg(long)]
    pub fail_on_risk: bool,
    /// Days a resource stays frozen after expiry before it is released.
    #[arg(long, value_name = "DAYS", default_value_t = crate::forecast::DEFAULT_RETENTION_DAYS)]
    pub retention_days: u32,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,
    /// Only check the files, never the account.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// State file (created from the seed when missing).
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Access key to accept [default: the credential variables bssctl reads].
    #[arg(long)]
    pub ak: Option<String>,
    /// Secret key to accept [default: the credential variables bssctl reads].
    #[arg(long, hide_env_values = true)]
    pub sk: Option<String>,
    /// Domain (account) id served by the IAM call [default: the state's].
    #[arg(long)]
    pub domain_id: Option<String>,
    /// Restore the state file from the seed first.
    #[arg(long)]
    pub reset: bool,
    /// Throttle every Nth request (HTTP 429, APIG.0308).
    #[arg(long, value_name = "N")]
    pub throttle_every: Option<u32>,
    /// Answer every Nth request with HTTP 500 (not applied).
    #[arg(long, value_name = "N")]
    pub error_every: Option<u32>,
    /// Apply every Nth write, then drop the connection without answering.
    #[arg(long, value_name = "N")]
    pub drop_every: Option<u32>,
    /// Answer every Nth write 504 at once and apply it --late-apply-ms later
    /// (a backend slower than its gateway).
    #[arg(long, value_name = "N")]
    pub late_apply_every: Option<u32>,
    /// Delay before a late-applied write is carried out, in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub late_apply_ms: u64,
    /// Every Nth renew/unsubscribe/to-on-demand leaves its last resource
    /// unapplied and answers 200 with a failure entry naming no resource id.
    #[arg(long, value_name = "N")]
    pub unmatched_failure_every: Option<u32>,
    /// Added latency per response, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// The error_msg of the injected HTTP 500s (--error-every).
    #[arg(long, value_name = "TEXT")]
    pub error_message: Option<String>,
    /// Restrict faults to these APIs (SDK names, e.g. RenewalResources); repeatable.
    #[arg(long = "fault-api", value_name = "NAME")]
    pub fault_apis: Vec<String>,
    /// Enforce a real per-API rate limit (requests/s), answering 429 beyond it,
    /// as the API gateway does. (Not `--rate-limit`: that global flag paces bssctl's own client.)
    #[arg(
        long = "gateway-rate-limit",
        id = "gateway_rate_limit",
        value_name = "N"
    )]
    pub rate_limit: Option<u32>,
    /// Append a JSON line per request to this file.
    #[arg(long, value_name = "FILE")]
    pub request_log: Option<PathBuf>,
    /// Seconds the temporary keys from the sandbox's metadata service and
    /// ID-token exchange stay valid.
    #[arg(long, value_name = "SECS", default_value_t = 6 * 60 * 60)]
    pub temporary_key_ttl: u64,
    /// Full resource listings claim this total_count (pages past the data come back empty).
    #[arg(long, value_name = "N")]
    pub lie_total_count: Option<i64>,
    /// Once, close the first resource of a listing's first page right after answering it.
    #[arg(long)]
    pub close_one_mid_listing: bool,
    /// A listing's first page also carries a row without resource_id and one with an unreadable expire_time.
    #[arg(long)]
    pub unreadable_rows: bool,
    /// CTS ListTraces answers 403 (no `cts:trace:list` permission).
    #[arg(long)]
    pub cts_forbidden: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Directory to write manifests into [default: standard output].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Overwrite files of an earlier export (without it, nothing is written when any exists).
    #[arg(long)]
    pub force: bool,
    /// Group files by service or region.
    #[arg(long, value_enum, default_value = "service")]
    pub group_by: ExportGrouping,
    /// Only resources of this service type (e.g. hws.service.type.ec2).
    #[arg(long, value_name = "CODE")]
    pub service_type: Option<String>,
    /// Only resources of this resource type.
    #[arg(long, value_name = "CODE")]
    pub resource_type: Option<String>,
    /// Only resources in this region.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Only resources whose name matches this glob.
    #[arg(long, value_name = "GLOB")]
    pub name: Option<String>,
    /// Only resources of this project id.
    #[arg(long, value_name = "ID")]
    pub project_id: Option<String>,
    /// Only resources of this enterprise project (id or name).
    #[arg(long, value_name = "EP")]
    pub enterprise_project: Option<String>,
    /// Only resources expiring within this duration (e.g. 30d).
    #[arg(long, value_name = "DURATION")]
    pub expires_within: Option<String>,
    /// The `$schema` written in each file's yaml-language-server comment.
    #[arg(long, value_name = "PATH_OR_URL", default_value = crate::export::DEFAULT_SCHEMA)]
    pub schema: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportGrouping {
    Service,
    Region,
}

#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// Manifest file or directory whose accounts: to compare with; repeatable.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct OrdersArgs {
    #[command(subcommand)]
    pub command: Option<OrdersCommand>,
    /// List every pending order of the account, not only bssctl's.
    #[arg(long)]
    pub all: bool,
    /// Output format of the list (and of `orders pay --dry-run`: text or json).
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Journal file [default: <state-dir>/journal.jsonl].
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// pay and cancel: wait this long for another run's lock on the state dir.
    #[arg(long, default_value = "0s", value_name = "DURATION", value_parser = duration::parse)]
    pub lock_timeout: std::time::Duration,
    /// Whose orders to list: the account's own, or those of its enterprise sub-accounts.
    #[arg(long, value_enum, default_value_t = OrdersMethod::Oneself)]
    pub method: OrdersMethod,
}

/// ListCustomerOrders' `method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrdersMethod {
    /// The account's own orders.
    Oneself,
    /// Orders of enterprise sub-accounts.
    #[value(name = "sub_customer")]
    SubCustomer,
}

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Pay pending orders (best offer by default).
    Pay {
        #[arg(required = true, value_name = "ORDER_ID")]
        order_ids: Vec<String>,
        /// Use these coupons (at most 3); default: the best available.
        #[arg(long = "coupon", value_name = "COUPON_ID")]
        coupons: Vec<String>,
        /// Use this discount; default: the best available.
        #[arg(long, value_name = "DISCOUNT_ID")]
        discount: Option<String>,
        /// Pay the list price: no coupons, no discounts.
        #[arg(long)]
        no_offers: bool,
        /// Show the offers that would be used and the estimate; pay nothing
        /// (with --format json, as a JSON document).
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
    },
    /// Cancel pending orders.
    Cancel {
        #[arg(required = true, value_name = "ORDER_ID")]
        order_ids: Vec<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settle_times() {
        assert_eq!(parse_settle_time("0").unwrap().as_secs(), 0);
        assert_eq!(parse_settle_time("45s").unwrap().as_secs(), 45);
        assert_eq!(parse_settle_time("10m").unwrap().as_secs(), 600);
        assert_eq!(parse_settle_time("2h").unwrap().as_secs(), 7200);
        assert!(parse_settle_time("10").unwrap_err().contains("unit"));
        assert!(parse_settle_time("ten").is_err());
        assert!(parse_settle_time("90d").is_err());
    }
}

/// `--format`, as clap parses it; the views get `render::Format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CommentTarget {
    /// A GitHub pull request (token: GITHUB_TOKEN).
    Github {
        /// The repository, OWNER/NAME.
        #[arg(long, value_name = "OWNER/NAME")]
        repo: String,
        /// The pull request number.
        #[arg(long, value_name = "N")]
        pull: u64,
        #[command(flatten)]
        options: CommentOptions,
    },
    /// A GitLab merge request (token: GITLAB_TOKEN, else CI_JOB_TOKEN).
    Gitlab {
        /// The project id or path (group/name).
        #[arg(long, value_name = "ID")]
        project: String,
        /// The merge request IID.
        #[arg(long, value_name = "N")]
        merge_request: u64,
        #[command(flatten)]
        options: CommentOptions,
    },
}

#[derive(Debug, Args)]
pub struct CommentOptions {
    /// The markdown plan: a file, or - for standard input.
    #[arg(value_name = "FILE")]
    pub markdown: PathBuf,
    /// The API's base URL, for self-hosted servers (default https://api.github.com, or
    /// CI_API_V4_URL / https://gitlab.com/api/v4).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// update: edit bssctl's earlier comment (found by its marker), else add one; new: always
    /// add one; delete-and-new: delete the earlier ones, then add one.
    #[arg(long, value_enum, default_value_t = crate::comment::Behavior::Update)]
    pub behavior: crate::comment::Behavior,
    /// Post nothing (and delete an earlier comment) when the change has no cost or operation
    /// effect compared with the base.
    #[arg(long)]
    pub skip_no_diff: bool,
}
