//! What `plan` shows of the forecast (DESIGN §11, §10): the short risk
//! section, unmanaged resources included, and the plan's effect on the next
//! 12 months of charges. One extra listing (main resources expiring within
//! the window) for the risks; the 12-month effect uses only the prices the
//! plan already has.

use super::model::*;
use super::{inputs, project};
use crate::bss::model::{QueryResourcesReq, STATUS_EXPIRED, STATUS_FROZEN, STATUS_IN_USE};
use crate::bss::{ApiError, BssClient};
use crate::live::Inventory;
use crate::manifest::Desired;
use crate::plan::{Operation, Plan};
use crate::state::last_applied::AccountRecord;
use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// The plan's risk window and horizon for its 12-month line.
pub const PLAN_RISK_DAYS: i64 = 30;
pub const PLAN_MONTHS: u32 = 12;

/// The forecast lines a plan view shows (not part of the plan's JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOutlook {
    pub risks: Vec<Risk>,
    pub risk_within_days: i64,
    /// Planned minus as-is charges over the next 12 months.
    pub next_12_months: Decimal,
    /// Resources whose 12-month charges lack a price the plan has.
    pub unpriced: usize,
}

/// Main resources expiring before `until` (and frozen or expired ones),
/// managed or not: one listing.
pub async fn expiring(client: &BssClient, until: DateTime<Utc>) -> Result<Inventory, ApiError> {
    let rows = client
        .query_resources_all(&QueryResourcesReq {
            only_main_resource: Some(1),
            status_list: Some(vec![STATUS_IN_USE, STATUS_FROZEN, STATUS_EXPIRED]),
            expire_time_end: Some(crate::clock::format_api_time(until)),
            ..Default::default()
        })
        .await?;
    Ok(Inventory::from_rows(rows))
}

/// What the plan's risk section needs beyond the plan: the balance, and the
/// renew rate of each auto-renew charge in the window the plan does not
/// price already (`charge_keys`).
#[derive(Debug, Clone, Default)]
pub struct Funding {
    /// Cash and credit, as the plan's balance check counts them; None when
    /// it could not be read (then no unfunded-charge risk is shown).
    pub balance: Option<Decimal>,
    pub prices: HashMap<(String, Period), Decimal>,
    pub currency: String,
}

/// The (resource, period) keys of auto-renew charges within the risk window
/// (they are dated the deduction day before expiry) that `plan` does not
/// price: the renew-rate calls the plan's unfunded-charge risks need.
pub fn charge_keys(
    plan: &Plan,
    managed: &Inventory,
    desired: &BTreeMap<String, Desired>,
    expiring: &Inventory,
    record: &AccountRecord,
    now: DateTime<Utc>,
) -> std::collections::BTreeSet<crate::plan::price::PriceKey> {
    let known = plan_prices(plan);
    let until = now + TimeDelta::days(PLAN_RISK_DAYS + MAX_DEDUCTION_DAYS);
    inputs::subjects(managed, record, desired, &plan.changes)
        .into_iter()
        .chain(inputs::subjects(expiring, record, &BTreeMap::new(), &[]))
        .filter(|s| s.expire_time.is_some_and(|t| t <= until))
        .flat_map(|s| {
            [&s.as_is, &s.planned]
                .into_iter()
                .filter_map(|b| b.auto_renew.as_ref().map(|a| a.period))
                .map(|p| (s.resource_id.clone(), p))
                .collect::<Vec<_>>()
        })
        .filter(|k| !known.contains_key(k))
        .map(|(id, (pt, pn))| (id, pt, pn))
        .collect()
}

/// The earliest an auto-renew charge comes before expiry (bss-api §7).
pub const MAX_DEDUCTION_DAYS: i64 = 7;

/// `expiring` from an inventory the plan already listed in full (selectors
/// list every open main resource): no second listing.
pub fn expiring_within(inv: &Inventory, until: DateTime<Utc>) -> Inventory {
    let mut out = Inventory::default();
    for r in inv.mains() {
        if !r.is_closed() && r.expire_time.is_some_and(|t| t <= until) {
            out.insert(r.clone());
        }
    }
    out
}

/// The prices a plan knows: renewals bought now, and one period of each
/// auto-renew whose commitment changes.
fn plan_prices(plan: &Plan) -> HashMap<(String, Period), Decimal> {
    let mut out = HashMap::new();
    for c in &plan.changes {
        for op in &c.operations {
            if let (Operation::Renew { period, .. }, Some(p)) = (op, &c.price) {
                out.insert((c.resource_id.clone(), period.api_period()), p.amount);
            }
        }
        for m in &c.commitments {
            if let (Some(period), Some(p)) = (inputs::auto_renew_period(Some(&m.per)), &m.price) {
                out.insert((c.resource_id.clone(), period), p.amount);
            }
        }
    }
    out
}

/// The outlook from the plan, its inventory and desired state (managed
/// resources), and `expiring` (every resource expiring in the window).
#[allow(clippy::too_many_arguments)] // each is a separate input of the projection
pub fn outlook(
    plan: &Plan,
    managed: &Inventory,
    desired: &BTreeMap<String, Desired>,
    expiring: &Inventory,
    record: &AccountRecord,
    settings: Settings,
    funding: &Funding,
    now: DateTime<Utc>,
) -> PlanOutlook {
    let mut subjects = inputs::subjects(managed, record, desired, &plan.changes);
    let known: std::collections::HashSet<String> =
        subjects.iter().map(|s| s.resource_id.clone()).collect();
    let mut unmanaged: Vec<Subject> = inputs::subjects(expiring, record, &BTreeMap::new(), &[])
        .into_iter()
        .filter(|s| !known.contains(&s.resource_id))
        .collect();
    let prices = plan_prices(plan);
    let mut unpriced = std::collections::BTreeSet::new();
    let price = |id: &str, p: Period| prices.get(&(id.to_string(), p)).copied();
    let end = project::month_start(now, PLAN_MONTHS);
    let mut delta = Decimal::ZERO;
    for s in subjects.iter().filter(|s| s.as_is != s.planned) {
        for (scenario, sign) in [
            (Scenario::Planned, Decimal::ONE),
            (Scenario::AsIs, -Decimal::ONE),
        ] {
            for e in project::project(s, scenario, &settings, now, end, &price) {
                match e.amount {
                    Some(a) => delta += sign * a,
                    None if e.kind.is_charge() => {
                        unpriced.insert(s.resource_id.clone());
                    }
                    None => {}
                }
            }
        }
    }
    subjects.append(&mut unmanaged);
    // Charges in the window are priced (the plan's prices, then the renew
    // rates fetched for the risk section), so the balance can be checked.
    let risk_price = |id: &str, p: Period| {
        price(id, p).or_else(|| funding.prices.get(&(id.to_string(), p)).copied())
    };
    let f = project::forecast(
        &subjects,
        &project::Options {
            now,
            months: PLAN_MONTHS,
            risk_within: TimeDelta::days(PLAN_RISK_DAYS),
            settings,
            balance: funding.balance,
            currency: funding.currency.clone(),
            with_plan: true,
            price: &risk_price,
        },
    );
    PlanOutlook {
        risks: f.risks,
        risk_within_days: PLAN_RISK_DAYS,
        next_12_months: delta,
        unpriced: unpriced.len(),
    }
}
