//! Orders: list, details and cancel (paying lives in `payment`).

use super::validate::{self, json_body, Query};
use super::{reply, Ctx};
use crate::bss::model::{
    self, AmountInfomationV2, CancelCustomerOrderReq, CustomerOrder, DiscountItemV2,
    ListCustomerOrdersResp, OrderDetailsResp, OrderLineItemEntityV2, ProductObject,
};
use crate::clock::format_api_time;
use crate::sandbox::billing::to_f64;
use crate::sandbox::errors::*;
use crate::sandbox::state::{Order, State};
use chrono::{DateTime, Utc};
use serde_json::Value;

pub(super) fn unknown_order(id: &str) -> ApiError {
    ApiError::new(
        400,
        CODE_INVALID_ORDER,
        format!("The order {id} is invalid or does not exist."),
    )
}

pub(super) fn order_status_error(order: &Order) -> ApiError {
    ApiError::new(
        400,
        CODE_ORDER_STATUS,
        format!(
            "The order {} is not pending payment (status {}); it cannot be paid or cancelled.",
            order.order_id, order.status
        ),
    )
}

fn amount_info(order: &Order) -> AmountInfomationV2 {
    AmountInfomationV2 {
        discounts: Some(
            order
                .deductions
                .iter()
                .map(|d| DiscountItemV2 {
                    discount_type: Some(d.discount_type.clone()),
                    discount_amount: Some(to_f64(d.discount_amount)),
                })
                .collect(),
        ),
        flexipurchase_coupon_amount: order.flexipurchase_coupon_amount.map(to_f64),
        coupon_amount: order.coupon_amount.map(to_f64),
        stored_card_amount: order.stored_card_amount.map(to_f64),
        commission_amount: None,
        consumed_amount: None,
    }
}

/// The order as `ListCustomerOrders` shows it (`CustomerOrderV2`).
fn order_v2(order: &Order) -> CustomerOrder {
    CustomerOrder {
        order_id: Some(order.order_id.clone()),
        customer_id: Some(order.customer_id.clone()),
        service_type_code: Some(order.service_type_code.clone()),
        service_type_name: Some(order.service_type_name.clone()),
        source_type: Some(order.source_type),
        status: Some(order.status),
        order_type: Some(order.order_type),
        amount_after_discount: Some(to_f64(order.amount_after_discount)),
        official_amount: Some(to_f64(order.official_amount)),
        measure_id: Some(1),
        create_time: Some(format_api_time(order.create_time)),
        payment_time: order.payment_time.map(format_api_time),
        currency: Some(order.currency.clone()),
        amount_info: Some(amount_info(order)),
        enterprise_projects: Some(order.enterprise_projects.clone()),
        ..Default::default()
    }
}

/// The order as `ShowCustomerOrderDetails` shows it (`CustomerOrderV3`).
fn order_v3(order: &Order) -> CustomerOrder {
    CustomerOrder {
        enterprise_projects: None,
        user_name: Some(order.user_name.clone()),
        pending_payment_end_time: order.pending_payment_end_time.map(format_api_time),
        ..order_v2(order)
    }
}

fn in_window(
    t: Option<DateTime<Utc>>,
    begin: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> bool {
    if begin.is_none() && end.is_none() {
        return true;
    }
    t.is_some_and(|t| begin.is_none_or(|b| t >= b) && end.is_none_or(|e| t <= e))
}

pub fn list(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let q = Query::new(
        ctx.query,
        &[
            "order_id",
            "customer_id",
            "create_time_begin",
            "create_time_end",
            "service_type_code",
            "status",
            "order_type",
            "limit",
            "offset",
            "order_by",
            "payment_time_begin",
            "payment_time_end",
            "indirect_partner_id",
            "method",
        ],
    )?;
    let create_begin = validate::api_time("create_time_begin", q.str("create_time_begin"))?;
    let create_end = validate::api_time("create_time_end", q.str("create_time_end"))?;
    validate::one_year_window("create", create_begin, create_end)?;
    let pay_begin = validate::api_time("payment_time_begin", q.str("payment_time_begin"))?;
    let pay_end = validate::api_time("payment_time_end", q.str("payment_time_end"))?;
    validate::one_year_window("payment", pay_begin, pay_end)?;
    let status = q.int("status")?;
    let order_type = q.int("order_type")?;
    let (offset, limit) = validate::paging(q.int("offset")?, q.int("limit")?)?;
    // Newest first unless asked otherwise.
    let ascending = match q.str("order_by") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("createTime") => true,
        Some(v) if v.eq_ignore_ascii_case("-createTime") => false,
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "order_by {v:?} is invalid; use createTime or -createTime."
            )))
        }
    };
    let sub_customer = match q.str("method") {
        None | Some("oneself") => false,
        Some("sub_customer") => true,
        Some(m) => {
            return Err(ApiError::invalid(format!(
                "method {m:?} is invalid; use oneself or sub_customer."
            )))
        }
    };
    let order_id = q.str("order_id");
    let service = q.str("service_type_code");

    let mut matches: Vec<&Order> = state
        .orders
        .iter()
        .filter(|o| o.sub_customer == sub_customer)
        .filter(|o| order_id.is_none_or(|id| o.order_id.eq_ignore_ascii_case(id)))
        .filter(|o| service.is_none_or(|s| o.service_type_code.eq_ignore_ascii_case(s)))
        .filter(|o| status.is_none_or(|s| i64::from(o.status) == s))
        .filter(|o| order_type.is_none_or(|t| i64::from(o.order_type) == t))
        .filter(|o| in_window(Some(o.create_time), create_begin, create_end))
        .filter(|o| in_window(o.payment_time, pay_begin, pay_end))
        .collect();
    // Stable sort: orders created in the same second keep state order.
    matches.sort_by_key(|o| o.create_time);
    if !ascending {
        matches.reverse();
    }
    reply(&ListCustomerOrdersResp {
        total_count: Some(matches.len() as i64),
        order_infos: Some(
            matches
                .iter()
                .skip(offset)
                .take(limit)
                .map(|o| order_v2(o))
                .collect(),
        ),
    })
}

pub fn details(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let q = Query::new(ctx.query, &["limit", "offset", "indirect_partner_id"])?;
    let (offset, limit) = validate::paging(q.int("offset")?, q.int("limit")?)?;
    let id = ctx.param.unwrap_or_default();
    let order = state.order(id).ok_or_else(|| unknown_order(id))?;
    let lines = order
        .lines
        .iter()
        .skip(offset)
        .take(limit)
        .map(|l| OrderLineItemEntityV2 {
            order_line_item_id: Some(l.order_line_item_id.clone()),
            order_id: Some(order.order_id.clone()),
            service_type_code: Some(l.service_type_code.clone()),
            service_type_name: Some(l.service_type_name.clone()),
            product_id: Some(l.product_id.clone()),
            product_spec_desc: Some(l.product_spec_desc.clone()),
            period_type: Some(l.period_type.unwrap_or(5)),
            period_num: l.period_num,
            effective_time: Some(format_api_time(l.effective_time)),
            expire_time: Some(format_api_time(l.expire_time)),
            subscription_num: Some(1),
            amount_after_discount: Some(to_f64(l.amount_after_discount)),
            official_amount: Some(to_f64(l.official_amount)),
            amount_info: None,
            currency: Some(order.currency.clone()),
            category_code: None,
            product_owner_service: Some(l.service_type_code.clone()),
            commercial_resource: Some(l.resource_type_code.clone()),
            base_product_info: Some(ProductObject {
                product_id: Some(l.product_id.clone()),
                product_spec_desc: Some(l.product_spec_desc.clone()),
                category_code: None,
                product_owner_service: Some(l.service_type_code.clone()),
                commercial_resource: Some(l.resource_type_code.clone()),
            }),
        })
        .collect();
    reply(&OrderDetailsResp {
        total_count: Some(order.lines.len() as i64),
        order_info: Some(order_v3(order)),
        order_line_items: Some(lines),
    })
}

pub fn cancel(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let req: CancelCustomerOrderReq = json_body(ctx.body, &["order_id"])?;
    let order = state
        .order_mut(&req.order_id)
        .ok_or_else(|| unknown_order(&req.order_id))?;
    if order.status != model::ORDER_STATUS_PENDING_PAYMENT {
        return Err(order_status_error(order));
    }
    order.status = model::ORDER_STATUS_CANCELLED;
    reply(&model::EmptyResp {})
}
