//! The forecast's I/O: one full listing and the balance at once, then the
//! renew-rate calls (grouped by period, 10 ids a call) for every period the
//! projection prices. Everything else is pure (`inputs`, `project`).

use super::model::*;
use super::{inputs, outlook, project};
use crate::bss::{ApiError, BssClient};
use crate::manifest::{Diagnostic, ManifestSet, Severity};
use crate::plan::price::{PriceBook, PriceKey};
use crate::state::last_applied::AccountRecord;
use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub struct Request<'a> {
    /// With `-f`: the manifests (the planned column).
    pub set: Option<&'a ManifestSet>,
    pub record: &'a AccountRecord,
    pub now: DateTime<Utc>,
    pub months: u32,
    pub risk_within: TimeDelta,
    pub retention_days: u32,
}

/// The forecast, or the manifests' errors.
pub async fn forecast(
    client: &BssClient,
    req: &Request<'_>,
) -> Result<Result<Forecast, Vec<Diagnostic>>, ApiError> {
    let no_ids = BTreeSet::new();
    let (inventory, balances) = tokio::join!(
        crate::live::fetch::fetch(client, &no_ids, true),
        client.balances()
    );
    let inventory = inventory?;
    let mut warnings: Vec<String> = inventory.warnings().to_vec();
    let (desired, changes) = match req.set {
        Some(set) => {
            let resolution = crate::manifest::resolve(set, &inventory, req.now);
            if resolution
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
            {
                return Ok(Err(resolution.diagnostics));
            }
            let plan = crate::plan::build(&crate::plan::PlanInput {
                desired: &resolution.desired,
                inventory: &inventory,
                auto_renew_records: &req.record.auto_renew,
                renew_holds: &BTreeMap::new(),
                renewal_settings: set.renewal_settings.as_ref(),
                settings_record: req.record.renewal_settings.as_ref(),
                now: req.now,
            });
            (resolution.desired, plan.changes)
        }
        None => (BTreeMap::new(), Vec::new()),
    };
    let subjects = inputs::subjects(&inventory, req.record, &desired, &changes);
    drop(inventory);

    let keys: BTreeSet<PriceKey> = subjects
        .iter()
        .flat_map(|s| {
            s.as_is
                .periods()
                .chain(s.planned.periods())
                .map(|(pt, pn)| (s.resource_id.clone(), pt, pn))
        })
        .collect();
    let book = crate::pricing::fetch(client, &keys).await;
    for ((id, pt, pn), why) in &book.failures {
        warnings.push(format!(
            "{id}: no renewal price for {} ({why}); its charges count as zero",
            crate::plan::price::period_label(*pt, *pn)
        ));
    }
    let (balance, balance_currency) = match balances {
        Ok(b) => {
            let b = b.body;
            let cash_and_credit = b.cash_and_credit();
            (Some(cash_and_credit), b.currency.filter(|c| !c.is_empty()))
        }
        Err(e) => {
            warnings.push(format!(
                "the balance could not be read ({e}); no runway and no unfunded-charge risks"
            ));
            (None, None)
        }
    };
    let settings = settings(req.record, req.set, req.retention_days);
    let index = price_index(&book);
    let price = |id: &str, p: Period| index.get(&(id, p)).copied();
    let mut f = project::forecast(
        &subjects,
        &project::Options {
            now: req.now,
            months: req.months,
            risk_within: req.risk_within,
            settings,
            balance,
            currency: book
                .currency
                .clone()
                .or(balance_currency)
                .unwrap_or_else(|| "CNY".to_string()),
            with_plan: req.set.is_some(),
            price: &price,
        },
    );
    warnings.extend(client.take_warnings());
    f.warnings = warnings;
    Ok(Ok(f))
}

/// The book's amounts keyed by borrowed ids: a lookup per event allocates
/// nothing (at 100,000 resources and 36 months, about a million lookups).
pub fn price_index(book: &PriceBook) -> HashMap<(&str, Period), Decimal> {
    book.quotes
        .iter()
        .map(|((id, pt, pn), p)| ((id.as_str(), (*pt, *pn)), p.amount))
        .collect()
}

/// The deduction day as it is (last-applied record, else the API default)
/// and as planned (the manifests' `renewal_settings`, else as it is).
pub fn settings(
    record: &AccountRecord,
    set: Option<&ManifestSet>,
    retention_days: u32,
) -> Settings {
    let as_is = inputs::deduction_days(
        record
            .renewal_settings
            .as_ref()
            .and_then(|s| s.deduction_date.as_deref()),
    )
    .unwrap_or(DEFAULT_DEDUCTION_DAYS);
    let planned = set
        .and_then(|s| s.renewal_settings.as_ref())
        .and_then(|s| s.deduction_day)
        .map(u32::from);
    Settings {
        deduction_days_as_is: as_is,
        deduction_days_planned: planned.unwrap_or(as_is),
        retention_days,
    }
}

/// Why the plan shows no forecast risks (the plan stands without them).
#[derive(Debug, thiserror::Error)]
pub enum OutlookError {
    #[error(transparent)]
    Api(#[from] crate::bss::ApiError),
    #[error("{0}")]
    Record(String),
}

/// What `plan` shows of the forecast: what expires within the risk window
/// (managed or not; from the plan's own full listing, else one listing),
/// the rest from the plan itself.
pub async fn plan_outlook(
    client: &BssClient,
    domain_id: &str,
    set: &crate::manifest::ManifestSet,
    planned: &crate::planner::Planned,
    paths: &crate::state::StatePaths,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<outlook::PlanOutlook, OutlookError> {
    let records = crate::state::last_applied::LastApplied::load(&paths.last_applied)
        .map_err(OutlookError::Record)?;
    let record = records.account(domain_id);
    // Released within the window: expired up to the retention period ago;
    // charged within it: expiring up to the deduction day after it.
    let until =
        now + chrono::TimeDelta::days(outlook::PLAN_RISK_DAYS + outlook::MAX_DEDUCTION_DAYS);
    // With selectors the plan listed every open main resource already.
    let expiring = match set.selectors.is_empty() {
        true => outlook::expiring(client, until).await?,
        false => outlook::expiring_within(&planned.inventory, until),
    };
    let desired = crate::manifest::resolve(set, &planned.inventory, now).desired;
    // Unfunded auto-renew charges need the balance and their renew rates:
    // the renew-rate calls of 10 ids per period, and one balance read
    // unless the plan's balance check read it already.
    let keys = outlook::charge_keys(
        &planned.plan,
        &planned.inventory,
        &desired,
        &expiring,
        &record,
        now,
    );
    let known_balance = planned.plan.summary.balance.as_ref().map(|b| b.available);
    let (book, balance) = tokio::join!(crate::pricing::fetch(client, &keys), async {
        match known_balance {
            Some(available) => Some(available),
            None => client
                .balances()
                .await
                .ok()
                .map(|b| b.body.cash_and_credit()),
        }
    });
    let funding = outlook::Funding {
        balance,
        prices: price_index(&book)
            .into_iter()
            .map(|((id, p), a)| ((id.to_string(), p), a))
            .collect(),
        currency: planned.plan.summary.renewal_cost_now.currency.clone(),
    };
    Ok(outlook::outlook(
        &planned.plan,
        &planned.inventory,
        &desired,
        &expiring,
        &record,
        settings(&record, Some(set), super::DEFAULT_RETENTION_DAYS),
        &funding,
        now,
    ))
}
