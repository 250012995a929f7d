//! TEMPORARY stand-in for the manifest module (being built on branch
//! `manifest`); only the types the planner consumes.
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExpiry { AutoRenew, OnDemand, None }
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DesiredState { #[default] Active, Unsubscribed }
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoRenewPeriod { Month, Year }
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewPeriod { Months(u8), Years(u8) }
impl fmt::Display for RenewPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self { RenewPeriod::Months(n) => write!(f, "{n}m"), RenewPeriod::Years(n) => write!(f, "{n}y") }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration { pub hours: u32 }
impl Duration { pub fn to_chrono(&self) -> chrono::Duration { chrono::Duration::hours(self.hours as i64) } }
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "{}d", self.hours / 24) }
}
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoRenewSpec { pub period: Option<AutoRenewPeriod>, pub times: Option<u8> }
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewAhead { pub min_remaining: Duration, pub period: RenewPeriod }
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub resource_id: String,
    pub name: Option<String>,
    pub on_expiry: Option<OnExpiry>,
    pub auto_renew: Option<AutoRenewSpec>,
    pub renew_ahead: Option<RenewAhead>,
    pub protect: bool,
    pub state: DesiredState,
    pub auto_pay: bool,
}
pub type DesiredMap = BTreeMap<String, Desired>;
#[cfg(test)]
pub mod tests_support {
    use super::*;
    pub fn desired(id: &str) -> Desired {
        Desired { resource_id: id.into(), name: None, on_expiry: None, auto_renew: None, renew_ahead: None, protect: false, state: DesiredState::Active, auto_pay: true }
    }
    pub fn renew_ahead(days: u32, period: RenewPeriod) -> RenewAhead {
        RenewAhead { min_remaining: Duration { hours: days * 24 }, period }
    }
}
