//! CancelResourcesSubscription: type 1 closes main + attached resources;
//! type 2 removes renewal periods that have not started yet. One unsubscribe
//! order (type 4, completed) per call. No refund is modelled.

use super::validate::{self, json_body};
use super::{fail, locking_order, new_order, open_main, reply, unique, unpaid_order_msg, Ctx};
use crate::bss::model::{self, OrdersResp, UnsubscribeResourcesReq};
use crate::sandbox::errors::*;
use crate::sandbox::state::State;
use serde_json::Value;

pub fn unsubscribe(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let req: UnsubscribeResourcesReq = json_body(ctx.body, &["resource_ids", "unsubscribe_type"])?;
    validate::api_ids(ctx.api, &req.resource_ids, 1)?;
    if req.unsubscribe_type != 1 && req.unsubscribe_type != 2 {
        return Err(ApiError::invalid(format!(
            "unsubscribe_type {} is invalid; use 1 (resource and renewals) or 2 (renewals only).",
            req.unsubscribe_type
        )));
    }
    if let Some(t) = req.unsubscribe_reason_type {
        validate::int_range("unsubscribe_reason_type", t.into(), 1, 5)?;
    }
    let renewals_only = req.unsubscribe_type == 2;

    // Reference §10: a resource in an unpaid order (CBC.99003100) or a
    // frozen one (CBC.99003656) refuses the whole call with HTTP 400.
    for id in unique(&req.resource_ids) {
        if let Some(order_id) = locking_order(state, id) {
            return Err(ApiError::new(
                400,
                CODE_IN_UNPAID_ORDER,
                format!("{id}: {}", unpaid_order_msg(&order_id)),
            ));
        }
        if state
            .resource(id)
            .is_some_and(|r| r.is_main() && r.status == model::STATUS_FROZEN)
        {
            return Err(ApiError::new(
                400,
                CODE_UNSUBSCRIBE_FROZEN,
                format!("{id}: frozen resources cannot be unsubscribed."),
            ));
        }
    }
    let mut fails = Vec::new();
    let mut touched: Vec<usize> = Vec::new();
    for id in unique(&req.resource_ids) {
        if let Err(f) = open_main(state, id, CODE_NOT_MAIN_RENEW, |main| {
            format!("The resource is not a primary resource; unsubscribe its main resource {main}.")
        }) {
            fails.push(f);
            continue;
        }
        let family: Vec<usize> = state
            .family(id)
            .into_iter()
            .filter(|&i| state.resources.get(i).is_some_and(|r| !r.is_closed()))
            .collect();
        if renewals_only {
            let mut removed_any = false;
            for &i in &family {
                let Some(r) = state.resources.get_mut(i) else {
                    continue;
                };
                // Renewals are appended in time order, so those not yet
                // started are a suffix; the expiry goes back to the first one's start.
                let keep = r.renewals.iter().take_while(|n| n.from <= ctx.now).count();
                if keep < r.renewals.len() {
                    if let Some(first_removed) = r.renewals.get(keep) {
                        r.expire_time = first_removed.from;
                    }
                    r.renewals.truncate(keep);
                    r.update_time = ctx.now;
                    removed_any = true;
                }
            }
            if !removed_any {
                fails.push(fail(
                    id,
                    CODE_INVALID,
                    "The resource has no renewal period that has not started yet.",
                ));
                continue;
            }
        } else {
            for &i in &family {
                if let Some(r) = state.resources.get_mut(i) {
                    r.status = model::STATUS_CLOSED;
                    r.update_time = ctx.now;
                }
            }
        }
        touched.extend(family);
    }

    let mut order_ids = Vec::new();
    if !touched.is_empty() {
        let mut order = new_order(ctx, state, model::ORDER_TYPE_UNSUBSCRIBE, &touched, None);
        order.payment_time = Some(ctx.now);
        order_ids.push(order.order_id.clone());
        state.orders.push(order);
    }
    reply(&OrdersResp {
        order_ids: Some(order_ids),
        fail_resource_infos: (!fails.is_empty()).then_some(fails),
    })
}
