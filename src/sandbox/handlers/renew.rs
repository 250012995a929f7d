//! RenewalResources: one renewal order for all renewable main resources
//! (with their attached ones). Auto-pay debits the balance and extends the
//! expiry at once; otherwise the order waits for payment and locks them.

use super::validate::{self, json_body};
use super::{fail, locking_order, new_order, open_main, reply, unique, unpaid_order_msg, Ctx};
use crate::bss::model::{self, OrdersResp, RenewalResourcesReq};
use crate::sandbox::billing;
use crate::sandbox::errors::*;
use crate::sandbox::state::{OrderDeduction, State};
use serde_json::Value;

/// How long a renewal order may stay unpaid.
const PAYMENT_WINDOW_DAYS: i64 = 7;

pub fn renew(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let req: RenewalResourcesReq =
        json_body(ctx.body, &["resource_ids", "period_type", "period_num"])?;
    validate::api_ids(ctx.api, &req.resource_ids, 1)?;
    validate::period(req.period_type, req.period_num)?;
    let auto_pay = match req.is_auto_pay {
        None | Some(0) => false,
        Some(1) => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "is_auto_pay {other} is invalid; use 0 or 1."
            )))
        }
    };

    // Reference §10: a resource in an unpaid order refuses the whole call
    // (HTTP 400 CBC.99003100), nothing is bought.
    if let Some((id, order_id)) = unique(&req.resource_ids)
        .into_iter()
        .find_map(|id| locking_order(state, id).map(|o| (id, o)))
    {
        return Err(ApiError::new(
            400,
            CODE_IN_UNPAID_ORDER,
            format!("{id}: {}", unpaid_order_msg(&order_id)),
        ));
    }
    let mut fails = Vec::new();
    let mut mains = Vec::new();
    for id in unique(&req.resource_ids) {
        let r = match open_main(state, id, CODE_NOT_MAIN_RENEW, |main| {
            format!("The resource is not a primary resource and cannot be renewed; renew its main resource {main}.")
        }) {
            Ok(r) => r,
            Err(f) => {
                fails.push(f);
                continue;
            }
        };
        if !r.renewable {
            fails.push(fail(
                id,
                CODE_NOT_RENEWABLE,
                "The product cannot be renewed.",
            ));
        } else {
            mains.push(id.to_string());
        }
    }
    if mains.is_empty() {
        return reply(&OrdersResp {
            order_ids: Some(Vec::new()),
            fail_resource_infos: Some(fails),
        });
    }

    // Main resources and their live attached ones, in state order.
    let family: Vec<usize> = state
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_closed())
        .filter(|(_, r)| {
            mains.contains(&r.resource_id)
                || r.parent_resource_id
                    .as_ref()
                    .is_some_and(|p| mains.contains(p))
        })
        .map(|(i, _)| i)
        .collect();
    let mut order = new_order(
        ctx,
        state,
        model::ORDER_TYPE_RENEWAL,
        &family,
        Some((req.period_type, req.period_num)),
    );
    let order_id = order.order_id.clone();

    if auto_pay {
        let official = order.official_amount;
        let mut to_pay = official;
        if let Some((d, saving)) = billing::best_discount(&state.account_discounts, official) {
            to_pay = official - saving;
            order.deductions.push(OrderDeduction {
                discount_type: d.discount_type.to_string(),
                discount_amount: saving,
            });
            order.discount_used = Some(d.discount_id.clone());
            for line in &mut order.lines {
                line.amount_after_discount =
                    line.official_amount - billing::saving(line.official_amount, d.rate);
            }
        }
        // Fails with CBC.99005003 before anything is changed.
        billing::debit(&mut state.balances, to_pay)?;
        order.amount_after_discount = to_pay;
        order.paid_amount = Some(to_pay);
        order.payment_time = Some(ctx.now);
        order.status = model::ORDER_STATUS_COMPLETED;
        state.orders.push(order);
        billing::apply_renewal(state, &order_id, ctx.now)?;
    } else {
        order.status = model::ORDER_STATUS_PENDING_PAYMENT;
        order.pending_payment_end_time =
            Some(ctx.now + chrono::Duration::days(PAYMENT_WINDOW_DAYS));
        state.orders.push(order);
    }
    reply(&OrdersResp {
        order_ids: Some(vec![order_id]),
        fail_resource_infos: Some(fails),
    })
}
