//! The manifest format as Rust types. They are the single source of the JSON
//! schema (`json_schema()`), so every field's doc comment is user-facing.
//!
//! No `#[serde(flatten)]`: it silently disables `deny_unknown_fields`, so the
//! settings fields are written out in both entry kinds and gathered by
//! `settings()`.

use super::duration::Duration;
use super::money;
use crate::plan::model::RenewPeriod;
use rust_decimal::Decimal;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// The only manifest format version this bssctl reads.
pub const MANIFEST_VERSION: u64 = 1;

/// A bssctl manifest: the desired state of yearly/monthly subscriptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "bssctl manifest")]
pub struct ManifestFile {
    /// Manifest format version; must be 1.
    #[schemars(schema_with = "version_schema")]
    pub version: u64,
    /// Defaults for every managed resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<Defaults>,
    /// Cost guardrails: apply refuses a plan that exceeds them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    /// Enterprise accounts (master and sub-accounts) this manifest set covers, by alias. Without it, the one account of the credentials.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub accounts: std::collections::BTreeMap<String, AccountEntry>,
    /// Account-wide renewal settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_settings: Option<RenewalSettings>,
    /// Where `plan` reads who changed a drifted resource: the Cloud Trace Service (CTS) region
    /// and its project id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<Audit>,
    /// Resources named by id. An entry here wins over any selector.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceEntry>,
    /// Bulk policy: settings for every live main resource that matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selectors: Vec<SelectorEntry>,
}

fn version_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "const": MANIFEST_VERSION })
}

/// One enterprise account: its id and how bssctl gets its credentials
/// (exactly one of credentials, profile, agency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    /// The account (domain) id; for a sub-account, its id in the enterprise's sub-account list.
    #[schemars(length(min = 1))]
    pub domain_id: String,
    /// "default": the credentials bssctl finds as for a single account (environment, config, metadata).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<DefaultCredentials>,
    /// A profile of the SDK credentials file (~/.huaweicloud/credentials, or HUAWEICLOUD_SDK_CREDENTIALS_FILE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Temporary credentials by assuming an IAM agency the account created, with another account's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencySpec>,
    /// Fund this sub-account's renewals by transfers from another account (its enterprise master).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<Funding>,
}

/// The only value of `credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DefaultCredentials {
    /// The default credential chain.
    Default,
}

/// An IAM agency to assume (IAM CreateTemporaryAccessKeyByAgency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencySpec {
    /// The agency's name, as created in the delegating account.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Alias of the account whose credentials assume it (the account the agency trusts).
    #[schemars(length(min = 1))]
    pub from: String,
}

/// Transfers from the enterprise master before this account's purchases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Funding {
    /// Alias of the account that transfers (the enterprise master).
    #[schemars(length(min = 1))]
    pub from: String,
    /// The most one apply may transfer, e.g. "2000.00" (required).
    #[serde(default, with = "money", skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "money::schema")]
    pub max_per_apply: Option<Decimal>,
    /// Balance to leave in the account after its renewals, e.g. "100.00" (default 0).
    #[serde(default, with = "money", skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "money::schema")]
    pub keep_min_balance: Option<Decimal>,
}

/// Defaults for every managed resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Pay renewal orders from the account balance at once (default true).
    #[serde(default = "yes")]
    pub auto_pay: bool,
}

fn yes() -> bool {
    true
}

impl Default for Defaults {
    fn default() -> Defaults {
        Defaults { auto_pay: true }
    }
}

/// Cost guardrails. Amounts are in the account's currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The most money one apply may spend now (renewals), e.g. "5000.00".
    #[serde(default, with = "money", skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "money::schema")]
    pub max_renewal_cost: Option<Decimal>,
    /// The most auto-renew commitment one apply may add, normalised per month, e.g. "800.00".
    #[serde(default, with = "money", skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "money::schema")]
    pub max_commitment_increase: Option<Decimal>,
}

/// The audit trail (CTS) `plan` reads to name who changed a drifted resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    /// CTS region whose traces record the billing center's operations, e.g. cn-north-4 (the
    /// international site keeps global services' traces in ap-southeast-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub region: Option<String>,
    /// The project id of that region (CTS is project-scoped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub project_id: Option<String>,
}

/// Account-wide renewal settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewalSettings {
    /// Days before expiry on which auto-renew charges: 2 to 7.
    #[serde(
        default,
        deserialize_with = "deduction_day",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(min = 2, max = 7))]
    pub deduction_day: Option<u8>,
    /// Unified expiry day of the month: 1 to 28, or "month_end".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_day: Option<ExpireDay>,
}

/// What happens when a subscription expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnExpiry {
    /// Renew automatically (see `auto_renew` for period and times).
    AutoRenew,
    /// Convert to pay-per-use at expiry.
    OnDemand,
    /// Neither: the platform's grace period, then release.
    None,
}

impl OnExpiry {
    pub fn as_str(&self) -> &'static str {
        match self {
            OnExpiry::AutoRenew => "auto_renew",
            OnExpiry::OnDemand => "on_demand",
            OnExpiry::None => "none",
        }
    }
}

impl fmt::Display for OnExpiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the resource should exist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DesiredState {
    /// Keep the subscription (default).
    #[default]
    Active,
    /// Release it (irreversible; apply needs --allow-unsubscribe).
    Unsubscribed,
}

impl DesiredState {
    pub fn as_str(&self) -> &'static str {
        match self {
            DesiredState::Active => "active",
            DesiredState::Unsubscribed => "unsubscribed",
        }
    }
}

impl fmt::Display for DesiredState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The length of each automatic renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AutoRenewPeriod {
    Month,
    Year,
}

impl AutoRenewPeriod {
    pub fn as_str(&self) -> &'static str {
        match self {
            AutoRenewPeriod::Month => "month",
            AutoRenewPeriod::Year => "year",
        }
    }
}

impl From<AutoRenewPeriod> for crate::plan::model::PeriodUnit {
    fn from(p: AutoRenewPeriod) -> Self {
        match p {
            AutoRenewPeriod::Month => crate::plan::model::PeriodUnit::Month,
            AutoRenewPeriod::Year => crate::plan::model::PeriodUnit::Year,
        }
    }
}

impl fmt::Display for AutoRenewPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A keyword enum of the manifest: its YAML spellings and how messages name it.
trait Keyword: Sized + Copy + 'static {
    const WHAT: &'static str;
    const ALL: &'static [Self];
    fn keyword(&self) -> &'static str;
}

impl Keyword for OnExpiry {
    const WHAT: &'static str = "on_expiry";
    const ALL: &'static [Self] = &[OnExpiry::AutoRenew, OnExpiry::OnDemand, OnExpiry::None];
    fn keyword(&self) -> &'static str {
        self.as_str()
    }
}

impl Keyword for DesiredState {
    const WHAT: &'static str = "state";
    const ALL: &'static [Self] = &[DesiredState::Active, DesiredState::Unsubscribed];
    fn keyword(&self) -> &'static str {
        self.as_str()
    }
}

impl Keyword for AutoRenewPeriod {
    const WHAT: &'static str = "auto_renew.period";
    const ALL: &'static [Self] = &[AutoRenewPeriod::Month, AutoRenewPeriod::Year];
    fn keyword(&self) -> &'static str {
        self.as_str()
    }
}

/// Hand-written so that every wrong value, of any type, is answered with
/// the list of allowed keywords (serde's derive says "expected string or map").
fn keyword<'de, D: Deserializer<'de>, T: Keyword>(deserializer: D) -> Result<T, D::Error> {
    struct Visitor<T>(std::marker::PhantomData<T>);
    impl<T: Keyword> de::Visitor<'_> for Visitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let all: Vec<&str> = T::ALL.iter().map(Keyword::keyword).collect();
            write!(f, "one of {}", all.join(", "))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            T::ALL
                .iter()
                .find(|k| k.keyword() == v)
                .copied()
                .ok_or_else(|| {
                    let all: Vec<&str> = T::ALL.iter().map(Keyword::keyword).collect();
                    E::custom(format!(
                        "invalid {} {v:?}: expected one of {}",
                        T::WHAT,
                        all.join(", ")
                    ))
                })
        }
    }
    deserializer.deserialize_any(Visitor(std::marker::PhantomData))
}

macro_rules! keyword_deserialize {
    ($($t:ty),*) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$t, D::Error> {
                keyword(deserializer)
            }
        }
    )*};
}

keyword_deserialize!(OnExpiry, DesiredState, AutoRenewPeriod);

/// Auto-renew parameters. Needs `on_expiry: auto_renew` (after merging with selectors).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoRenewSpec {
    /// Length of each automatic renewal: month or year (the platform's default when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<AutoRenewPeriod>,
    /// How many times to renew automatically: 0 to 99, 0 = unlimited.
    #[serde(
        default,
        deserialize_with = "times",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(min = 0, max = 99))]
    pub times: Option<u8>,
}

/// Flow-YAML form, as a manifest would write it: `{ period: year, times: 3 }`.
impl fmt::Display for AutoRenewSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(p) = self.period {
            parts.push(format!("period: {p}"));
        }
        if let Some(t) = self.times {
            parts.push(format!("times: {t}"));
        }
        if parts.is_empty() {
            f.write_str("{}")
        } else {
            write!(f, "{{ {} }}", parts.join(", "))
        }
    }
}

/// Renew now when the subscription expires within `min_remaining`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewAhead {
    /// Renew when less than this remains: <n>d, <n>w or <n>h, e.g. 30d.
    pub min_remaining: Duration,
    /// How much to renew: 1m to 11m or 1y to 3y; must be longer than min_remaining.
    pub period: RenewPeriod,
}

/// Flow-YAML form: `{ min_remaining: 30d, period: 1y }`.
impl fmt::Display for RenewAhead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{ min_remaining: {}, period: {} }}",
            self.min_remaining, self.period
        )
    }
}

/// `renew_ahead` as written in an entry: a window, or `false`, which turns
/// off a selector's renew_ahead for that resource (absent or null inherits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RenewAheadSetting {
    Off,
    On(RenewAhead),
}

impl RenewAheadSetting {
    /// The window in effect, if any.
    pub fn on(self) -> Option<RenewAhead> {
        match self {
            RenewAheadSetting::Off => None,
            RenewAheadSetting::On(r) => Some(r),
        }
    }
}

/// Flow-YAML form: `false` or `{ min_remaining: 30d, period: 1y }`.
impl fmt::Display for RenewAheadSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenewAheadSetting::Off => f.write_str("false"),
            RenewAheadSetting::On(r) => r.fmt(f),
        }
    }
}

impl From<RenewAhead> for RenewAheadSetting {
    fn from(r: RenewAhead) -> RenewAheadSetting {
        RenewAheadSetting::On(r)
    }
}

impl Serialize for RenewAheadSetting {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RenewAheadSetting::Off => serializer.serialize_bool(false),
            RenewAheadSetting::On(r) => r.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for RenewAheadSetting {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RenewAheadSetting, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = RenewAheadSetting;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a mapping like { min_remaining: 30d, period: 1y }, or false to turn it off",
                )
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RenewAheadSetting, E> {
                if v {
                    Err(E::custom(
                        "renew_ahead: true says neither when nor how much to renew; give { min_remaining: 30d, \
                         period: 1y }, or false to turn off a selector's renew_ahead",
                    ))
                } else {
                    Ok(RenewAheadSetting::Off)
                }
            }
            fn visit_map<A: de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RenewAheadSetting, A::Error> {
                RenewAhead::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RenewAheadSetting::On)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for RenewAheadSetting {
    fn schema_name() -> Cow<'static, str> {
        "RenewAheadSetting".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let window = generator.subschema_for::<RenewAhead>();
        json_schema!({
            "description": "Renew now when the subscription expires within min_remaining; false turns off a selector's renew_ahead for this resource (absent or null inherits it).",
            "anyOf": [
                window,
                { "type": "boolean", "const": false, "description": "No renew_ahead for this resource, whatever a selector says." }
            ]
        })
    }
}

/// The settings an entry can give a resource; merged per field, resource
/// entries over selectors over defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Settings {
    pub on_expiry: Option<OnExpiry>,
    pub auto_renew: Option<AutoRenewSpec>,
    pub renew_ahead: Option<RenewAheadSetting>,
    pub protect: Option<bool>,
}

impl Settings {
    pub fn is_empty(&self) -> bool {
        *self == Settings::default()
    }
}

/// A resource named by its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceEntry {
    /// resource_id of a main resource (an attached one only when its settings equal its main's).
    #[schemars(length(min = 1))]
    pub id: String,
    /// The resource's name, a check against a pasted wrong id: when the live name differs, this entry's renewal and unsubscribe are an error (nothing is bought or released); setting changes go ahead with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What happens at expiry: auto_renew, on_demand or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_expiry: Option<OnExpiry>,
    /// Auto-renew period and times; needs on_expiry: auto_renew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew: Option<AutoRenewSpec>,
    /// Renew now when the subscription expires within min_remaining; false turns off a selector's renew_ahead (absent or null inherits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_ahead: Option<RenewAheadSetting>,
    /// Refuse any unsubscribe of this resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protect: Option<bool>,
    /// active (default) or unsubscribed (explicit, irreversible release).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<DesiredState>,
    /// The alias (under accounts) of the account holding the resource; required when several accounts are declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl ResourceEntry {
    pub fn settings(&self) -> Settings {
        Settings {
            on_expiry: self.on_expiry,
            auto_renew: self.auto_renew,
            renew_ahead: self.renew_ahead,
            protect: self.protect,
        }
    }

    pub fn state(&self) -> DesiredState {
        self.state.unwrap_or_default()
    }
}

/// Settings for every live main resource that matches (closed ones excluded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectorEntry {
    /// Which resources: every given key must match (at least one key).
    #[serde(rename = "match")]
    pub r#match: Match,
    /// What happens at expiry: auto_renew, on_demand or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_expiry: Option<OnExpiry>,
    /// Auto-renew period and times; needs on_expiry: auto_renew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew: Option<AutoRenewSpec>,
    /// Renew now when the subscription expires within min_remaining; false turns off a selector's renew_ahead (absent or null inherits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_ahead: Option<RenewAheadSetting>,
    /// Refuse any unsubscribe of the matched resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protect: Option<bool>,
    /// The alias (under accounts) of the account whose resources it matches; required when several accounts are declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl SelectorEntry {
    pub fn settings(&self) -> Settings {
        Settings {
            on_expiry: self.on_expiry,
            auto_renew: self.auto_renew,
            renew_ahead: self.renew_ahead,
            protect: self.protect,
        }
    }
}

/// Match criteria of a selector; all given keys must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct Match {
    /// Cloud service type code, e.g. hws.service.type.ec2 (exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
    /// Resource type code, e.g. hws.resource.type.vm (exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Region code, e.g. cn-north-4 (exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Resource name glob, e.g. "prod-*" (`*`, `?`, `[abc]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Project id (exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Enterprise project id or name (exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_project: Option<String>,
    /// Only resources that expire within this duration from now, e.g. 30d.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_within: Option<Duration>,
}

impl Match {
    pub fn is_empty(&self) -> bool {
        *self == Match::default()
    }
}

/// The unified expiry day: a day of the month or the month's last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpireDay {
    /// 1 to 28.
    Day(u8),
    MonthEnd,
}

impl Serialize for ExpireDay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ExpireDay::Day(d) => serializer.serialize_u8(*d),
            ExpireDay::MonthEnd => serializer.serialize_str("month_end"),
        }
    }
}

impl<'de> Deserialize<'de> for ExpireDay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ExpireDay, D::Error> {
        struct Visitor;
        const ALLOWED: &str = "expected a day of the month from 1 to 28, or \"month_end\"";
        impl de::Visitor<'_> for Visitor {
            type Value = ExpireDay;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(ALLOWED)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ExpireDay, E> {
                match v {
                    1..=28 => Ok(ExpireDay::Day(v as u8)),
                    29..=31 => Err(E::custom(format!(
                        "invalid expire_day {v}: not every month has day {v}; {ALLOWED}"
                    ))),
                    _ => Err(E::custom(format!("invalid expire_day {v}: {ALLOWED}"))),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ExpireDay, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(format!("invalid expire_day {v}: {ALLOWED}"))),
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ExpireDay, E> {
                Err(E::custom(format!("invalid expire_day {v}: {ALLOWED}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ExpireDay, E> {
                if v == "month_end" {
                    Ok(ExpireDay::MonthEnd)
                } else {
                    Err(E::custom(format!("invalid expire_day {v:?}: {ALLOWED}")))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for ExpireDay {
    fn schema_name() -> Cow<'static, str> {
        "ExpireDay".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Unified expiry day: 1 to 28, or \"month_end\".",
            "oneOf": [
                { "type": "integer", "minimum": 1, "maximum": 28 },
                { "type": "string", "const": "month_end" }
            ]
        })
    }
}

/// Deserializes an optional integer in `lo..=hi`, explaining the range when
/// it is not (serde's own "expected u8" says neither what nor why).
fn ranged<'de, D: Deserializer<'de>>(
    deserializer: D,
    what: &'static str,
    lo: u8,
    hi: u8,
    note: &'static str,
) -> Result<Option<u8>, D::Error> {
    struct Visitor {
        what: &'static str,
        lo: u8,
        hi: u8,
        note: &'static str,
    }
    impl Visitor {
        fn range_error<E: de::Error>(&self, shown: impl fmt::Display) -> E {
            E::custom(format!(
                "invalid {} {shown}: expected an integer from {} to {}{}",
                self.what, self.lo, self.hi, self.note
            ))
        }
    }
    impl de::Visitor<'_> for Visitor {
        type Value = Option<u8>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an integer from {} to {}", self.lo, self.hi)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<u8>, E> {
            match u8::try_from(v) {
                Ok(n) if (self.lo..=self.hi).contains(&n) => Ok(Some(n)),
                _ => Err(self.range_error(v)),
            }
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<u8>, E> {
            match u64::try_from(v) {
                Ok(v) => self.visit_u64(v),
                Err(_) => Err(self.range_error(v)),
            }
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<u8>, E> {
            Err(self.range_error(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<u8>, E> {
            Err(self.range_error(format_args!("{v:?}")))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<u8>, E> {
            Err(self.range_error(v))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Option<u8>, E> {
            Ok(None)
        }
    }
    deserializer.deserialize_any(Visitor { what, lo, hi, note })
}

fn times<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u8>, D::Error> {
    ranged(deserializer, "times", 0, 99, " (0 = unlimited)")
}

fn deduction_day<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u8>, D::Error> {
    ranged(deserializer, "deduction_day", 2, 7, " (days before expiry)")
}

/// The manifest JSON schema (draft 2020-12), generated from these types.
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(ManifestFile).to_value()
}

/// The schema as checked in at `schema/bssctl.schema.json` (pretty, with a
/// final newline), so `bssctl schema > schema/bssctl.schema.json` is exact.
pub fn json_schema_pretty() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_has_the_top_level_keys_and_is_json() {
        let schema = json_schema();
        let text = serde_json::to_string_pretty(&schema).unwrap();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        let props = back["properties"].as_object().unwrap();
        let keys: Vec<_> = props.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "version",
                "defaults",
                "policy",
                "accounts",
                "renewal_settings",
                "audit",
                "resources",
                "selectors"
            ]
        );
        assert_eq!(back["required"], json!(["version"]));
        assert_eq!(back["additionalProperties"], json!(false));
        assert_eq!(back["properties"]["version"]["const"], json!(1));
        let defs = back["$defs"].as_object().unwrap();
        assert_eq!(
            defs["Duration"]["pattern"],
            json!(super::super::duration::DURATION_PATTERN)
        );
        assert_eq!(
            defs["RenewPeriod"]["pattern"],
            json!(crate::plan::model::PERIOD_PATTERN)
        );
        assert_eq!(defs["OnExpiry"]["oneOf"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            defs["AutoRenewSpec"]["properties"]["times"]["maximum"],
            json!(99)
        );
        // Doc comments become descriptions.
        assert!(
            defs["ResourceEntry"]["properties"]["protect"]["description"]
                .as_str()
                .unwrap()
                .contains("unsubscribe")
        );
        assert!(defs["SelectorEntry"]["properties"].get("match").is_some());
        assert_eq!(defs["Match"]["minProperties"], json!(1));
    }

    /// The checked-in schema must match the types. To refresh it:
    /// `BSSCTL_UPDATE_SCHEMA=1 cargo test --lib manifest::types`.
    #[test]
    fn checked_in_schema_is_current() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/bssctl.schema.json");
        let want = json_schema_pretty();
        if std::env::var_os("BSSCTL_UPDATE_SCHEMA").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale; regenerate it with BSSCTL_UPDATE_SCHEMA=1 cargo test --lib manifest::types",
            path.display()
        );
    }

    #[test]
    fn ranged_integers_explain_the_range() {
        let err = serde_json::from_value::<AutoRenewSpec>(json!({"times": 120})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid times 120: expected an integer from 0 to 99 (0 = unlimited)"
        );
        let err = serde_json::from_value::<AutoRenewSpec>(json!({"times": -1})).unwrap_err();
        assert!(err.to_string().contains("invalid times -1"), "{err}");
        let err =
            serde_json::from_value::<RenewalSettings>(json!({"deduction_day": 1})).unwrap_err();
        assert!(err.to_string().contains("from 2 to 7"), "{err}");
        let err = serde_json::from_value::<RenewalSettings>(json!({"expire_day": 31})).unwrap_err();
        assert!(
            err.to_string().contains("not every month has day 31"),
            "{err}"
        );
        let ok: RenewalSettings =
            serde_json::from_value(json!({"deduction_day": 7, "expire_day": "month_end"})).unwrap();
        assert_eq!(ok.expire_day, Some(ExpireDay::MonthEnd));
        assert_eq!(
            serde_json::to_value(ok).unwrap(),
            json!({"deduction_day": 7, "expire_day": "month_end"})
        );
    }

    #[test]
    fn blocks_display_as_flow_yaml() {
        let spec = AutoRenewSpec {
            period: Some(AutoRenewPeriod::Year),
            times: Some(3),
        };
        assert_eq!(spec.to_string(), "{ period: year, times: 3 }");
        assert_eq!(AutoRenewSpec::default().to_string(), "{}");
        let ra: RenewAhead =
            serde_json::from_value(json!({"min_remaining": "30d", "period": "1y"})).unwrap();
        assert_eq!(ra.to_string(), "{ min_remaining: 30d, period: 1y }");
    }

    #[test]
    fn entries_round_trip_through_serde() {
        let e: ResourceEntry = serde_json::from_value(json!({
            "id": "r1", "on_expiry": "auto_renew", "auto_renew": {"period": "year", "times": 0},
            "renew_ahead": {"min_remaining": "30d", "period": "1y"}, "protect": true
        }))
        .unwrap();
        assert_eq!(e.settings().on_expiry, Some(OnExpiry::AutoRenew));
        let back = serde_json::to_value(&e).unwrap();
        assert_eq!(
            back["renew_ahead"],
            json!({"min_remaining": "30d", "period": "1y"})
        );
        assert_eq!(serde_json::from_value::<ResourceEntry>(back).unwrap(), e);
    }
}
