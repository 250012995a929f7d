//! What `plan` shows of the forecast (DESIGN §11, §10): the short risk
//! section, unmanaged resources included, and the plan's effect on the next
//! 12 months of charges. One extra listing (main resources expiring within
//! the window) for the risks; the 12-month effect uses only the prices the
//! plan already has.

use super::model::*;
use super::{inputs, project};
use crate::bss::model::{QueryResourcesReq, STATUS_EXPIRED, STATUS_FROZEN, STATUS_IN_USE};
use crate::bss::{ApiError, BssClient};
use crate::last_applied::AccountRecord;
use crate::live::Inventory;
use crate::manifest::Desired;
use crate::plan::{Operation, Plan};
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

/// The prices a plan knows: renewals bought now, and one period of each
/// auto-renew whose commitment changes.
fn plan_prices(plan: &Plan) -> HashMap<(String, Period), Decimal> {
    let mut out = HashMap::new();
    for c in &plan.changes {
        for op in &c.operations {
            if let (
                Operation::Renew {
                    period_type,
                    period_num,
                    ..
                },
                Some(p),
            ) = (op, &c.price)
            {
                out.insert(
                    (c.resource_id.clone(), (*period_type, *period_num)),
                    p.amount,
                );
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
pub fn outlook(
    plan: &Plan,
    managed: &Inventory,
    desired: &BTreeMap<String, Desired>,
    expiring: &Inventory,
    record: &AccountRecord,
    settings: Settings,
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
    let f = project::forecast(
        &subjects,
        &project::Options {
            now,
            months: PLAN_MONTHS,
            risk_within: TimeDelta::days(PLAN_RISK_DAYS),
            settings,
            // Charges are not priced here: frozen and released only.
            balance: None,
            currency: String::new(),
            with_plan: true,
            price: &|_, _| None,
        },
    );
    PlanOutlook {
        risks: f.risks,
        risk_within_days: PLAN_RISK_DAYS,
        next_12_months: delta,
        unpriced: unpriced.len(),
    }
}
