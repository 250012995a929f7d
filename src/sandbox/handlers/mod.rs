//! One handler per endpoint group. Each takes the request context and the
//! state and returns the response body or an `ApiError`. The server runs a
//! write handler on a copy of the state and keeps the copy only when the
//! handler succeeded and the copy was saved, so an error changes nothing.

mod autorenew;
mod balances;
pub mod enterprise;
mod iam;
mod orders;
mod payment;
mod rating;
mod renew;
mod renew_config;
mod resources;
mod to_on_demand;
mod unsubscribe;
pub mod validate;

use super::errors::{ApiError, CODE_NO_RESOURCE};
use super::state::State;
use crate::bss::Api;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// Everything a handler may read about the request.
pub struct Ctx<'a> {
    pub api: Api,
    /// The `{resource_id}` / `{order_id}` path parameter.
    pub param: Option<&'a str>,
    /// Decoded query pairs, one per occurrence.
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
    /// The sandbox clock (`BSSCTL_NOW` or the system clock).
    pub now: DateTime<Utc>,
    /// The account served (from the config): orders' `customer_id`, IAM's domain.
    pub domain_id: &'a str,
    pub domain_name: &'a str,
}

pub fn dispatch(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    match ctx.api {
        Api::QueryResources => resources::query(ctx, state),
        Api::Renew => renew::renew(ctx, state),
        Api::EnableAutoRenew => autorenew::enable(ctx, state),
        Api::CancelAutoRenew => autorenew::cancel(ctx, state),
        Api::ToOnDemand => to_on_demand::update(ctx, state),
        Api::Unsubscribe => unsubscribe::unsubscribe(ctx, state),
        Api::RenewRate => rating::renew_rate(ctx, state),
        Api::SetRenewConfig => renew_config::set(ctx, state),
        Api::ListOrders => orders::list(ctx, state),
        Api::OrderDetails => orders::details(ctx, state),
        Api::PayOrder => payment::pay(ctx, state),
        Api::CancelOrder => orders::cancel(ctx, state),
        Api::OrderCoupons => payment::coupons(ctx, state),
        Api::OrderDiscounts => payment::discounts(ctx, state),
        Api::Balances => balances::show(state),
        Api::IamDomains => iam::domains(ctx),
        Api::ListTraces => super::audit::list(ctx, state),
        Api::SubCustomers => enterprise::sub_customers(ctx, state),
        Api::TransferAmount => enterprise::transfer_amount(ctx, state),
        Api::RetrieveAmount => enterprise::retrieve_amount(ctx, state),
        Api::Transfer => enterprise::transfer(ctx, state),
        // Answered by the server before any handler (IAM, not BSS).
        Api::AssumeAgency => Err(ApiError::not_found()),
    }
}

/// Serializes a model response; failing here is a sandbox bug, not the
/// client's fault.
fn reply<T: Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value)
        .map_err(|e| ApiError::internal(format!("encoding the response: {e}")))
}

/// Ids in request order with duplicates dropped (a repeated id is handled once).
fn unique(ids: &[String]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .map(String::as_str)
        .filter(|id| seen.insert(*id))
        .collect()
}

fn fail(
    resource_id: &str,
    code: &str,
    msg: impl Into<String>,
) -> crate::bss::model::FailResourceInfo {
    crate::bss::model::FailResourceInfo {
        resource_id: Some(resource_id.to_string()),
        error_code: Some(code.to_string()),
        error_msg: Some(msg.into()),
    }
}

/// The open main resource `id` of a batch call, or that id's failure:
/// unknown or closed → CBC.30050009; attached → `not_main_code` with
/// `not_main_msg(main id)`.
fn open_main<'s>(
    state: &'s State,
    id: &str,
    not_main_code: &str,
    not_main_msg: impl FnOnce(&str) -> String,
) -> Result<&'s super::state::Resource, crate::bss::model::FailResourceInfo> {
    let Some(r) = state.resource(id).filter(|r| !r.is_closed()) else {
        return Err(fail(
            id,
            CODE_NO_RESOURCE,
            "The resource does not exist or has been deleted.",
        ));
    };
    if !r.is_main() {
        let main = r.parent_resource_id.as_deref().unwrap_or("(unknown)");
        return Err(fail(id, not_main_code, not_main_msg(main)));
    }
    Ok(r)
}

/// The unpaid order holding `main_id` or one of its attached resources.
fn locking_order(state: &State, main_id: &str) -> Option<String> {
    state
        .family(main_id)
        .into_iter()
        .filter_map(|i| state.resources.get(i))
        .find_map(|r| state.pending_order_for(&r.resource_id))
        .map(|o| o.order_id.clone())
}

fn unpaid_order_msg(order_id: &str) -> String {
    format!("The resource is in an unpaid order ({order_id}); pay or cancel that order first.")
}

/// A new order for the given resources (main and attached, in state order);
/// `period` is `(period_type, period_num)` for renewals, `None` for
/// unsubscribe orders. Amounts are list prices; the caller applies
/// discounts, status and payment.
fn new_order(
    ctx: &Ctx<'_>,
    state: &mut State,
    order_type: i32,
    resource_idx: &[usize],
    period: Option<(i32, i32)>,
) -> super::state::Order {
    use super::state::{Order, OrderLine};
    let order_id = state.new_order_id(ctx.now);
    let mut lines = Vec::new();
    let mut eps: Vec<crate::bss::model::EnterpriseProject> = Vec::new();
    for (n, r) in resource_idx
        .iter()
        .filter_map(|&i| state.resources.get(i))
        .enumerate()
    {
        let official = period
            .map(|(pt, pn)| super::billing::money(r.price(pt, pn)))
            .unwrap_or_default();
        let (effective_time, expire_time) = match period {
            Some((pt, pn)) => (
                r.expire_time,
                super::billing::add_period(r.expire_time, pt, pn).unwrap_or(r.expire_time),
            ),
            None => (ctx.now, r.expire_time),
        };
        lines.push(OrderLine {
            order_line_item_id: format!("{order_id}-{:06}", n + 1),
            resource_id: r.resource_id.clone(),
            service_type_code: r.service_type_code.clone(),
            service_type_name: r.service_type_name.clone(),
            resource_type_code: r.resource_type_code.clone(),
            product_id: r.product_id.clone(),
            product_spec_desc: r.product_spec_desc.clone(),
            period_type: period.map(|p| p.0),
            period_num: period.map(|p| p.1),
            effective_time,
            expire_time,
            official_amount: official,
            amount_after_discount: official,
        });
        if !eps.contains(&r.enterprise_project) {
            eps.push(r.enterprise_project.clone());
        }
    }
    let first = resource_idx.first().and_then(|&i| state.resources.get(i));
    let official = lines.iter().map(|l| l.official_amount).sum();
    Order {
        order_id,
        customer_id: ctx.domain_id.to_string(),
        service_type_code: first
            .map(|r| r.service_type_code.clone())
            .unwrap_or_default(),
        service_type_name: first
            .map(|r| r.service_type_name.clone())
            .unwrap_or_default(),
        source_type: 1,
        status: crate::bss::model::ORDER_STATUS_COMPLETED,
        order_type,
        official_amount: official,
        amount_after_discount: official,
        create_time: ctx.now,
        payment_time: None,
        pending_payment_end_time: None,
        currency: state.currency.clone(),
        user_name: ctx.domain_name.to_string(),
        enterprise_projects: eps,
        lines,
        deductions: Vec::new(),
        coupon_amount: None,
        flexipurchase_coupon_amount: None,
        stored_card_amount: None,
        paid_amount: None,
        coupons_used: Vec::new(),
        discount_used: None,
        coupon_max_use_quantity: None,
        sub_customer: false,
    }
}
