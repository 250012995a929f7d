//! The forecast as plain data: what each main resource will do over the
//! horizon (its behaviour, in two scenarios), the events that follow, and
//! the month totals and risks built from them. No I/O, no printing.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// `(period_type, period_num)` as the renew-rate API takes them.
pub type Period = (i32, i32);

/// The platform's retention period after expiry, before release, when
/// nothing renews a resource (`--retention-days`).
pub const DEFAULT_RETENTION_DAYS: u32 = 15;
/// Days before expiry on which auto-renew charges when the account's
/// `DEDUCTION_DATE` is unknown (bss-api §3).
pub const DEFAULT_DEDUCTION_DAYS: u32 = 7;
/// Months to project by default, and the bounds of `--months`.
pub const DEFAULT_MONTHS: u32 = 12;
pub const MAX_MONTHS: u32 = 36;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// An auto-renew charge on the deduction day before expiry.
    AutoRenew,
    /// A renewal the manifests' `renew_ahead` (or the plan now) buys.
    RenewAhead,
    /// Conversion to pay-per-use at expiry (priced by usage, not here).
    ToOnDemand,
    /// Expired with nothing to renew it: frozen, the retention period starts.
    Frozen,
    /// Released: the resource and its data are gone.
    Released,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::AutoRenew => "auto_renew",
            EventKind::RenewAhead => "renew_ahead",
            EventKind::ToOnDemand => "to_on_demand",
            EventKind::Frozen => "frozen",
            EventKind::Released => "released",
        }
    }

    /// A charge to the balance.
    pub fn is_charge(self) -> bool {
        matches!(self, EventKind::AutoRenew | EventKind::RenewAhead)
    }

    /// The resource stops (counted as `expiries` in a month).
    pub fn is_expiry(self) -> bool {
        matches!(self, EventKind::Frozen | EventKind::Released)
    }
}

/// One dated thing that happens to one main resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub date: NaiveDate,
    /// Shared by a resource's events (a million events at 36 months).
    pub resource_id: std::sync::Arc<str>,
    pub kind: EventKind,
    /// Charges only; None when the price is unknown.
    pub amount: Option<Decimal>,
    /// The auto-renew period was assumed (no last-applied record).
    pub estimated: bool,
}

/// Auto-renew as the projection needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoRenew {
    pub period: Period,
    /// Renewals left; None = unlimited.
    pub times: Option<u32>,
    /// The period was not known and is assumed.
    pub estimated: bool,
}

/// What a resource does over the horizon in one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behaviour {
    /// `expire_policy` (bss-api §1) in effect.
    pub expire_policy: i32,
    /// Set when `expire_policy` is auto-renew.
    pub auto_renew: Option<AutoRenew>,
    /// `renew_ahead`: renew `period` when less than `min_remaining` remains.
    pub renew_ahead: Option<(chrono::TimeDelta, Period)>,
    /// A renewal the plan buys now.
    pub renew_now: Option<Period>,
    /// The plan releases it now: nothing follows.
    pub unsubscribed: bool,
}

impl Behaviour {
    /// Periods this behaviour needs a price for.
    pub fn periods(&self) -> impl Iterator<Item = Period> + '_ {
        self.renew_now
            .into_iter()
            .chain(self.renew_ahead.map(|(_, p)| p))
            .chain(self.auto_renew.map(|a| a.period))
    }
}

/// One main resource, as it is and as the plan leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub resource_id: String,
    pub name: String,
    /// A manifest manages it (only with `-f`).
    pub managed: bool,
    /// `status` (bss-api §1).
    pub status: i32,
    pub expire_time: Option<DateTime<Utc>>,
    pub as_is: Behaviour,
    pub planned: Behaviour,
}

/// Account-wide assumptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// `DEDUCTION_DATE` as it is (last-applied record, else the default).
    pub deduction_days_as_is: u32,
    /// `DEDUCTION_DATE` once the plan is applied.
    pub deduction_days_planned: u32,
    pub retention_days: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            deduction_days_as_is: DEFAULT_DEDUCTION_DAYS,
            deduction_days_planned: DEFAULT_DEDUCTION_DAYS,
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

/// Which column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    AsIs,
    Planned,
}

/// One month's totals in one scenario.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthTotals {
    pub charges: Decimal,
    pub auto_renew: u32,
    pub renew_ahead: u32,
    pub expiries: u32,
    pub to_on_demand: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    /// First day of the month.
    pub start: NaiveDate,
    pub as_is: MonthTotals,
    pub planned: MonthTotals,
}

impl Month {
    /// `YYYY-MM`.
    pub fn label(&self) -> String {
        self.start.format("%Y-%m").to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskKind {
    Frozen,
    Released,
    UnfundedCharge,
}

impl RiskKind {
    pub fn name(self) -> &'static str {
        match self {
            RiskKind::Frozen => "frozen",
            RiskKind::Released => "released",
            RiskKind::UnfundedCharge => "unfunded_charge",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Risk {
    pub resource_id: String,
    pub resource_name: String,
    pub date: NaiveDate,
    pub kind: RiskKind,
    pub managed: bool,
    /// The charge not covered (unfunded_charge only).
    pub amount: Option<Decimal>,
}

/// The whole forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub generated_at: DateTime<Utc>,
    pub currency: String,
    /// With `-f`: the planned column differs from the account as it is.
    pub with_plan: bool,
    pub months: Vec<Month>,
    /// Planned scenario's events (the same as as-is without `-f`), by date.
    pub events: Vec<Event>,
    pub as_is_events: Vec<Event>,
    pub risks: Vec<Risk>,
    pub risk_within_days: i64,
    /// Cash and credit; None when it could not be read.
    pub balance: Option<Decimal>,
    pub runway_month: Option<String>,
    pub warnings: Vec<String>,
    /// Resource names by id (for the views).
    pub names: std::collections::HashMap<String, String>,
}

impl Forecast {
    pub fn total(&self, scenario: Scenario) -> Decimal {
        self.months
            .iter()
            .map(|m| match scenario {
                Scenario::AsIs => m.as_is.charges,
                Scenario::Planned => m.planned.charges,
            })
            .sum()
    }
}
