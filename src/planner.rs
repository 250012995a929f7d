//! The plan pipeline at the edge: manifests → live inventory → resolve →
//! journal and pending orders → diff/graph → prices. The pure steps live in
//! `manifest`, `plan` and `pricing`; this file only sequences them and does
//! the I/O.

use crate::bss::model::{
    ListCustomerOrdersQuery, ORDER_STATUS_PENDING_PAYMENT, ORDER_TYPE_RENEWAL,
};
use crate::bss::{ApiError, BssClient};
use crate::live::in_flight::{check_in_flight, InFlightCheck, InFlightPolicy};
use crate::live::verify;
use crate::live::Inventory;
use crate::manifest::{Desired, ManifestSet};
use crate::plan::{self, BalanceCheck, Operation, PendingOrder, Plan};
use crate::state::journal;
use crate::state::last_applied::LastApplied;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

use crate::state::saved_plan::SavedPlan;
pub use crate::state::StatePaths;

/// What narrows a plan (`--target`, `--exclude`).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub targets: Vec<String>,
    pub excludes: Vec<String>,
    /// `--only CAUSE`: the causes kept (all when empty; DESIGN §13).
    pub only: Vec<crate::plan::Cause>,
}

pub struct Planned {
    pub plan: Plan,
    pub inventory: Inventory,
    /// Resolve's diagnostics (errors mean no plan was built).
    pub diagnostics: Vec<crate::manifest::Diagnostic>,
    pub fingerprints: BTreeMap<String, String>,
    /// Outcomes learned for journal intents that had none, for `apply` to
    /// append to the journal (plan itself writes nothing).
    pub verified: Vec<journal::Record>,
    /// Managed resources already at their manifest expiry setting, for
    /// `apply` to record (DESIGN §13: a later change elsewhere is drift).
    pub converged: BTreeMap<String, &'static str>,
}

/// Runs the pipeline; manifest errors come back as diagnostics, not a plan.
///
/// Round trips overlap: the listing, the pending-order lookup, the journal
/// check and the balance read run at once, and prices for each page of the
/// listing are requested while later pages are still arriving.
pub async fn make_plan(
    client: &BssClient,
    domain_id: &str,
    set: &ManifestSet,
    scope: &Scope,
    paths: &StatePaths,
    policy: &InFlightPolicy,
    now: DateTime<Utc>,
) -> Result<Result<Planned, Vec<crate::manifest::Diagnostic>>, PlanError> {
    let sets = PlanSets {
        head: set,
        base: None,
    };
    make_plan_with_base(client, domain_id, sets, scope, paths, policy, now).await
}

/// The pipeline a command runs: [`make_plan_with_base`], then decide's
/// guardrails from the head's `policy:` and `--max-cost`.
#[allow(clippy::too_many_arguments)]
pub async fn plan_with_guardrails(
    client: &BssClient,
    domain_id: &str,
    sets: PlanSets<'_>,
    scope: &Scope,
    max_cost: Option<rust_decimal::Decimal>,
    paths: &StatePaths,
    policy: &InFlightPolicy,
    now: DateTime<Utc>,
) -> Result<Result<Planned, Vec<crate::manifest::Diagnostic>>, PlanError> {
    let mut planned =
        match make_plan_with_base(client, domain_id, sets, scope, paths, policy, now).await? {
            Ok(p) => p,
            Err(diags) => return Ok(Err(diags)),
        };
    let limits = plan::guardrails::Limits::from_policy(sets.head.policy.as_ref(), max_cost);
    plan::decide::with_guardrails(&mut planned.plan, &limits);
    Ok(Ok(planned))
}

/// What `plan --out` writes: the plan with the account it was made for and
/// the fingerprints `apply` checks it against.
pub fn saved_plan(planned: &Planned, endpoint: &str, domain_id: &str) -> SavedPlan {
    SavedPlan {
        format_version: plan::FORMAT_VERSION.to_string(),
        endpoint: endpoint.to_string(),
        domain_id: domain_id.to_string(),
        planned_at: planned.plan.planned_at.clone(),
        fingerprints: planned.fingerprints.clone(),
        plan: planned.plan.clone(),
    }
}

/// The head manifests and, for a cost diff (DESIGN §10), the base's.
#[derive(Clone, Copy)]
pub struct PlanSets<'a> {
    pub head: &'a ManifestSet,
    pub base: Option<&'a ManifestSet>,
}

/// With `accounts:` this one-account pipeline plans the declared account
/// of the credentials (`domain_id`) and only its entries; `None` without
/// `accounts:` (the set as it is).
fn scope_to_account(set: &ManifestSet, domain_id: &str) -> Result<Option<ManifestSet>, PlanError> {
    if set.accounts.is_empty() {
        return Ok(None);
    }
    let aliases: Vec<&str> = set.accounts.iter().map(|(a, _)| a.as_str()).collect();
    if set.accounts.len() > 1 {
        return Err(PlanError::State(format!(
            "the manifests declare {} accounts ({}); this command plans one account: give it the manifests of one account",
            aliases.len(),
            aliases.join(", ")
        )));
    }
    let (alias, entry) = &set.accounts[0];
    if entry.value.domain_id != domain_id {
        return Err(PlanError::State(format!(
            "the manifests declare account {alias} ({}, at {}), but the credentials are for account {domain_id}",
            entry.value.domain_id,
            entry.origin.place()
        )));
    }
    Ok(Some(set.for_account(alias)))
}

/// [`make_plan`] that also plans `sets.base` on the same live inventory and
/// price book, and puts the comparison in `plan.diff`.
pub async fn make_plan_with_base(
    client: &BssClient,
    domain_id: &str,
    sets: PlanSets<'_>,
    scope: &Scope,
    paths: &StatePaths,
    policy: &InFlightPolicy,
    now: DateTime<Utc>,
) -> Result<Result<Planned, Vec<crate::manifest::Diagnostic>>, PlanError> {
    let PlanSets { head: set, base } = sets;
    let scoped = scope_to_account(set, domain_id)?;
    let set = scoped.as_ref().unwrap_or(set);
    let records = LastApplied::load(&paths.last_applied).map_err(PlanError::State)?;
    let account_record = records.account(domain_id);
    let journal_records = journal::read(&paths.journal)
        .map_err(|e| PlanError::State(format!("{}: {e}", paths.journal.display())))?;
    // With a base (DESIGN §10) one listing serves both plans.
    let sets: Vec<&ManifestSet> = std::iter::once(set).chain(base).collect();
    let ids: BTreeSet<String> = sets
        .iter()
        .flat_map(|s| s.resources.iter().map(|r| r.value.id.clone()))
        .collect();
    let any_selectors = sets.iter().any(|s| !s.selectors.is_empty());
    let no_holds = BTreeMap::new();

    let mut prefetch = crate::pricing::Prefetch::new(client.clone());
    let mut on_rows = |rows: &[crate::bss::model::OrderInstanceV2]| {
        // Plan this page alone to learn which prices it needs.
        let page = Inventory::from_rows(rows.iter().cloned());
        for s in &sets {
            let mut page_desired = crate::manifest::resolve(s, &page, now).desired;
            apply_scope(
                &mut page_desired,
                &page,
                scope,
                &mut Vec::new(),
                &mut Vec::new(),
            );
            let page_plan = plan::build(&plan::PlanInput {
                desired: &page_desired,
                inventory: &page,
                auto_renew_records: &account_record.auto_renew,
                renew_holds: &no_holds,
                renewal_settings: None,
                settings_record: None,
                now,
            });
            prefetch.add(crate::plan::price::price_keys(&page_plan.changes));
        }
    };
    let wants_balance = manifests_renew(set);
    let (inventory, pending, in_flight, balances) = tokio::join!(
        crate::live::fetch::fetch_with(client, &ids, any_selectors, &mut on_rows),
        pending_renewals(client, &journal_records),
        check_in_flight(client, &journal_records, policy, Utc::now()),
        async {
            match wants_balance {
                true => Some(client.balances().await),
                false => None,
            }
        }
    );
    let inventory = inventory?;
    tracing::info!(
        "read {} live resources ({} main) for {} manifest file(s)",
        inventory.len(),
        inventory.mains().count(),
        set.files.len()
    );
    let resolution = crate::manifest::resolve(set, &inventory, now);
    if resolution
        .diagnostics
        .iter()
        .any(|d| d.severity == crate::manifest::Severity::Error)
    {
        return Ok(Err(resolution.diagnostics));
    }
    let mut desired = resolution.desired;
    let mut warnings: Vec<String> = resolution
        .diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect();
    warnings.extend(inventory.warnings().iter().cloned());
    let mut scope_errors = Vec::new();
    apply_scope(
        &mut desired,
        &inventory,
        scope,
        &mut warnings,
        &mut scope_errors,
    );
    let renewal_settings = scope_settings(set.renewal_settings.as_ref(), scope);
    scope_errors.extend(unknown_setting_targets(
        set.renewal_settings.as_ref(),
        scope,
    ));

    let InFlightCheck {
        mut holds,
        warnings: in_flight_warnings,
        verified,
    } = in_flight;
    warnings.extend(in_flight_warnings);
    let pending: Vec<PendingOrder> = pending?
        .into_iter()
        .filter_map(|mut p| {
            p.resource_ids.retain(|id| desired.contains_key(id));
            (!p.resource_ids.is_empty()).then_some(p)
        })
        .collect();
    for p in &pending {
        for id in &p.resource_ids {
            holds.entry(id.clone()).or_insert_with(|| {
                format!(
                    "{}{} exists{}; pay it (bssctl orders pay {}) or cancel it (bssctl orders cancel {})",
                    crate::plan::diff::UNPAID_ORDER_HOLD,
                    p.order_id,
                    p.pending_payment_end_time
                        .as_deref()
                        .map(|t| format!(" (pay by {t})"))
                        .unwrap_or_default(),
                    p.order_id,
                    p.order_id
                )
            });
        }
    }

    let mut plan = plan::build(&plan::PlanInput {
        desired: &desired,
        inventory: &inventory,
        auto_renew_records: &account_record.auto_renew,
        renew_holds: &holds,
        renewal_settings: renewal_settings.as_ref(),
        settings_record: account_record.renewal_settings.as_ref(),
        now,
    });
    crate::plan::cause::assign(&mut plan, &desired, &account_record);
    let converged = crate::plan::cause::converged(&desired, &inventory, &plan);
    crate::plan::cause::retain(&mut plan, &scope.only);
    plan.errors.extend(scope_errors);
    plan.pending_orders = pending;
    let mut base_plan = match base {
        Some(b) => Some(
            crate::plan::compare::base_plan(
                b,
                &crate::plan::compare::BaseInput {
                    inventory: &inventory,
                    holds: &holds,
                    record: &account_record,
                    renewal_settings: scope_settings(b.renewal_settings.as_ref(), scope).as_ref(),
                    now,
                },
                |d| apply_scope(d, &inventory, scope, &mut Vec::new(), &mut Vec::new()),
            )
            .map_err(PlanError::Base)?,
        ),
        None => None,
    };
    let mut keys = crate::plan::price::price_keys(&plan.changes);
    keys.extend(
        base_plan
            .iter()
            .flat_map(|b| crate::plan::price::price_keys(&b.changes)),
    );
    tracing::info!("pricing {} renewal(s)", keys.len());
    let book = prefetch.finish(&keys).await;
    let price_warnings = crate::plan::price::apply_prices(&mut plan, &book);
    if let Some(b) = base_plan.as_mut() {
        crate::plan::price::apply_prices(b, &book);
        plan.diff = Some(crate::plan::compare::compare(b, &plan));
    }
    warnings.append(&mut plan.warnings);
    warnings.extend(price_warnings);
    plan.summary.balance = match balances {
        Some(b) => balance_check(&plan, &b?.body),
        None => check_balance(client, &plan).await?,
    };
    if let Some(b) = plan.summary.balance.as_ref().filter(|b| !b.sufficient) {
        warnings.push(crate::plan::decide::balance_warning(b));
    }
    // Listings whose counts disagreed (DESIGN §9: never silently).
    warnings.extend(client.take_warnings());
    plan.warnings = warnings;
    plan.summary.api_calls = client.total_requests() as usize;
    let fingerprints = fingerprints(&inventory, desired.keys());
    Ok(Ok(Planned {
        plan,
        inventory,
        diagnostics: resolution.diagnostics,
        fingerprints,
        verified,
        converged,
    }))
}

/// Whether any manifest entry can renew (so the balance will matter).
fn manifests_renew(set: &ManifestSet) -> bool {
    let on = |r: Option<crate::manifest::RenewAheadSetting>| r.and_then(|r| r.on()).is_some();
    set.resources.iter().any(|r| on(r.value.renew_ahead))
        || set.selectors.iter().any(|s| on(s.value.renew_ahead))
}

/// Money the plan pays at once: renewals with auto-pay, at their prices.
pub fn paid_now(plan: &Plan) -> (rust_decimal::Decimal, bool) {
    let mut total = rust_decimal::Decimal::ZERO;
    let mut incomplete = false;
    for c in &plan.changes {
        for op in &c.operations {
            if let Operation::Renew { pay_now: true, .. } = op {
                match &c.price {
                    Some(p) => total += p.amount,
                    None => incomplete = true,
                }
            }
        }
    }
    (total, incomplete)
}

/// Reads the balance (one call) when the plan pays anything now.
pub async fn check_balance(
    client: &BssClient,
    plan: &Plan,
) -> Result<Option<BalanceCheck>, ApiError> {
    let (required, incomplete) = paid_now(plan);
    if required.is_zero() && !incomplete {
        return Ok(None);
    }
    let b = client.balances().await?.body;
    Ok(balance_check(plan, &b))
}

/// The balance against what the plan pays now; None when it pays nothing.
pub fn balance_check(plan: &Plan, b: &crate::bss::model::BalancesResp) -> Option<BalanceCheck> {
    let (required, incomplete) = paid_now(plan);
    if required.is_zero() && !incomplete {
        return None;
    }
    let available = b.cash_and_credit();
    let currency = b
        .currency
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| plan.summary.renewal_cost_now.currency.clone());
    Some(BalanceCheck {
        currency,
        available,
        required,
        sufficient: available >= required,
        incomplete,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("{0}")]
    State(String),
    /// The base manifests (`--base`, `--base-ref`) do not resolve.
    #[error("the base manifests have errors")]
    Base(Vec<crate::manifest::Diagnostic>),
}

/// What `--target`/`--exclude` can name besides resource ids.
pub const SETTING_TARGETS: [&str; 3] = [
    "renewal_settings",
    "renewal_settings.deduction_day",
    "renewal_settings.expire_day",
];

fn is_setting(name: &str) -> bool {
    SETTING_TARGETS.contains(&name)
}

/// Narrows the plan to `--target`s minus `--exclude`s. An attached id
/// stands for its main resource (with a note), but never for a release:
/// targeting an attached id of a main being unsubscribed is an error, as is
/// a target that names no managed resource.
fn apply_scope(
    desired: &mut BTreeMap<String, Desired>,
    inv: &Inventory,
    scope: &Scope,
    warnings: &mut Vec<String>,
    errors: &mut Vec<String>,
) {
    let mut to_main = |flag: &str, id: &String, errors: &mut Vec<String>| -> Option<String> {
        let main = inv.main_of(id).filter(|m| m != id)?.to_string();
        if flag == "--target"
            && desired
                .get(&main)
                .is_some_and(|d| d.state == crate::manifest::DesiredState::Unsubscribed)
        {
            errors.push(format!(
                "--target {id}: it is attached to {main}, which the manifests unsubscribe; releasing it would \
                 release {main} and everything attached to it: target {main} itself to do that"
            ));
            return None;
        }
        warnings.push(format!(
            "{flag} {id}: it is attached to {main}; the API manages attached resources through their main, so \
             {flag} applies to {main} (and every resource attached to it)"
        ));
        Some(main)
    };
    // A word that is no live id is a name or a glob over the managed mains.
    let by_name = |word: &str, desired: &BTreeMap<String, Desired>| {
        crate::plan::target::select(
            word,
            desired.iter().map(|(id, d)| {
                let live = inv.get(id).map(|r| r.name.as_str());
                (id.as_str(), d.name.as_deref().into_iter().chain(live))
            }),
        )
    };
    let mut targets = BTreeSet::new();
    if !scope.targets.is_empty() {
        for t in scope.targets.iter().filter(|t| !is_setting(t)) {
            if inv.get(t).is_none() && !desired.contains_key(t.as_str()) {
                let picked = by_name(t, desired);
                if picked.is_empty() {
                    errors.push(format!(
                        "--target {t}: no managed resource has this id or name{} (a wrong id or name, a closed \
                         resource, or one the manifests do not name)",
                        if crate::plan::target::is_glob(t) { " pattern" } else { "" }
                    ));
                }
                targets.extend(picked);
                continue;
            }
            let id = match to_main("--target", t, errors) {
                Some(main) => main,
                None if inv.main_of(t).is_some_and(|m| m != t) => continue,
                None => t.clone(),
            };
            if !desired.contains_key(&id) {
                // The inventory holds only what the manifests name, so a live
                // resource no manifest names looks like a wrong id here.
                errors.push(format!(
                    "--target {id}: no manifest entry or selector manages such a resource (a wrong id, a closed \
                     resource, or one the manifests do not name)"
                ));
            }
            targets.insert(id);
        }
    }
    let mut excludes: Vec<String> = Vec::new();
    for e in scope.excludes.iter().filter(|e| !is_setting(e)) {
        if inv.get(e).is_none() && !desired.contains_key(e.as_str()) {
            excludes.extend(by_name(e, desired));
        } else {
            excludes.push(to_main("--exclude", e, &mut Vec::new()).unwrap_or_else(|| e.clone()));
        }
    }
    if !scope.targets.is_empty() {
        desired.retain(|id, _| targets.contains(id));
    }
    for id in &excludes {
        desired.remove(id);
    }
}

/// The account renewal settings `--target`/`--exclude` leave in the plan:
/// with targets, only the settings they name (`renewal_settings` or one of
/// its keys); excludes remove them.
fn scope_settings(
    settings: Option<&crate::manifest::RenewalSettings>,
    scope: &Scope,
) -> Option<crate::manifest::RenewalSettings> {
    let s = settings?;
    let named =
        |list: &[String], key: &str| list.iter().any(|t| t == "renewal_settings" || t == key);
    let picked = |key: &str| {
        (scope.targets.is_empty() || named(&scope.targets, key)) && !named(&scope.excludes, key)
    };
    Some(crate::manifest::RenewalSettings {
        deduction_day: s
            .deduction_day
            .filter(|_| picked("renewal_settings.deduction_day")),
        expire_day: s
            .expire_day
            .filter(|_| picked("renewal_settings.expire_day")),
    })
}

/// `--target renewal_settings…` naming a setting the manifests do not set.
fn unknown_setting_targets(
    settings: Option<&crate::manifest::RenewalSettings>,
    scope: &Scope,
) -> Vec<String> {
    let set = |key: &str| match (settings, key) {
        (None, _) => false,
        (Some(s), "renewal_settings.deduction_day") => s.deduction_day.is_some(),
        (Some(s), "renewal_settings.expire_day") => s.expire_day.is_some(),
        (Some(s), _) => s.deduction_day.is_some() || s.expire_day.is_some(),
    };
    scope
        .targets
        .iter()
        .filter(|t| is_setting(t) && !set(t))
        .map(|t| format!("--target {t}: the manifests do not set it"))
        .collect()
}

/// SHA-256 of each live row a plan used: managed mains and their attached.
pub fn fingerprints<'a>(
    inv: &Inventory,
    ids: impl Iterator<Item = &'a String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for id in ids {
        let mut all = vec![id.clone()];
        all.extend(inv.attached_of(id).iter().cloned());
        for rid in all {
            if let Some(r) = inv.get(&rid) {
                out.insert(rid, r.fingerprint());
            }
        }
    }
    out
}

/// Unpaid renewal orders with the resources they hold. Orders bssctl created
/// are mapped to resources through the journal; others through the
/// resource query's order filter.
async fn pending_renewals(
    client: &BssClient,
    records: &[journal::Record],
) -> Result<Vec<PendingOrder>, ApiError> {
    let orders = client
        .list_orders_all(&ListCustomerOrdersQuery {
            status: Some(ORDER_STATUS_PENDING_PAYMENT),
            order_type: Some(ORDER_TYPE_RENEWAL.to_string()),
            ..Default::default()
        })
        .await?;
    let mut by_order: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (rid, oids) in journal::renewal_orders(records) {
        for o in oids {
            by_order.entry(o).or_default().push(rid.clone());
        }
    }
    let mut out = Vec::new();
    for o in orders {
        let Some(order_id) = o.order_id.clone() else {
            continue;
        };
        let ids = match by_order.get(&order_id) {
            Some(ids) => ids.clone(),
            None => verify::resources_of_order(client, &order_id).await?,
        };
        out.push(PendingOrder {
            order_id,
            resource_ids: ids,
            amount: o.amount_after_discount.map(|a| format!("{a:.2}")),
            currency: o.currency.clone(),
            create_time: o.create_time.clone(),
            pending_payment_end_time: o.pending_payment_end_time.clone(),
        });
    }
    Ok(out)
}
