//! Orders: list, details, pay (with coupons and discounts), cancel, and the
//! coupons/discounts an order may use.

use super::validate::{self, json_body, Query};
use super::{reply, Ctx};
use crate::bss::model::{
    self, AmountInfomationV2, CancelCustomerOrderReq, CouponInfoV2, CouponMaxUseQuantity,
    CustomerOrder, DiscountInfoV3, DiscountItemV2, ListCustomerOrdersResp, OrderCouponsResp,
    OrderDetailsResp, OrderDiscountsResp, OrderLineItemEntityV2, OrderLineItemV3, OrderV3,
    PayCustomerOrderV3Req, ProductObject,
};
use crate::clock::format_api_time;
use crate::sandbox::billing::{self, to_f64};
use crate::sandbox::errors::*;
use crate::sandbox::state::{Coupon, Order, OrderDeduction, State};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

fn unknown_order(id: &str) -> ApiError {
    ApiError::new(
        400,
        CODE_INVALID_ORDER,
        format!("The order {id} is invalid or does not exist."),
    )
}

fn order_status_error(order: &Order) -> ApiError {
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
    if let Some(m) = q.str("method") {
        if m != "oneself" && m != "sub_customer" {
            return Err(ApiError::invalid(format!(
                "method {m:?} is invalid; use oneself or sub_customer."
            )));
        }
    }
    let order_id = q.str("order_id");
    let service = q.str("service_type_code");

    let mut matches: Vec<&Order> = state
        .orders
        .iter()
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

/// Coupons the order may use: unused, valid now, and for its service type.
fn available_coupons<'s>(state: &'s State, order: &Order, now: DateTime<Utc>) -> Vec<&'s Coupon> {
    state
        .coupons
        .iter()
        .filter(|c| c.used_by_order_id.is_none())
        .filter(|c| c.effective_time <= now && now < c.expire_time)
        .filter(|c| {
            c.service_type_codes.is_empty()
                || c.service_type_codes.contains(&order.service_type_code)
        })
        .collect()
}

/// A discount an order may use, priced on the order's list price.
struct Available {
    id: String,
    /// The type `ListOrderDiscounts` shows and `PayOrders` must be sent:
    /// 2 commercial (605), 3 partner (606/607), 609 order price adjustment.
    api_type: i32,
    /// The code recorded on the paid order ("605", "609", ...).
    deduction_type: i32,
    value: String,
    ratio: Option<Decimal>,
    saving: Decimal,
}

fn available_discounts(state: &State, order: &Order) -> Vec<Available> {
    let official = order.official_amount;
    let account = state.account_discounts.iter().map(|d| Available {
        id: d.discount_id.clone(),
        api_type: match d.discount_type {
            605 => 2,
            606 | 607 => 3,
            _ => 0,
        },
        deduction_type: d.discount_type,
        value: d.rate.to_string(),
        ratio: Some(d.rate),
        saving: billing::saving(official, d.rate),
    });
    let bound = state
        .order_discounts
        .iter()
        .filter(|d| d.order_id == order.order_id)
        .map(|d| Available {
            id: d.discount_id.clone(),
            api_type: d.discount_type,
            deduction_type: d.discount_type,
            value: billing::money_str(d.discount_amount),
            ratio: None,
            saving: billing::money(d.discount_amount.min(official)),
        });
    account.chain(bound).collect()
}

fn yes_no(field: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        model::YES => Ok(true),
        model::NO => Ok(false),
        other => Err(ApiError::invalid(format!(
            "{field} {other:?} is invalid; use YES or NO."
        ))),
    }
}

pub fn pay(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let req: PayCustomerOrderV3Req =
        json_body(ctx.body, &["order_id", "use_coupon", "use_discount"])?;
    let use_coupon = yes_no("use_coupon", &req.use_coupon)?;
    let use_discount = yes_no("use_discount", &req.use_discount)?;
    let coupons = match (use_coupon, &req.coupon_infos) {
        (true, Some(c)) if (1..=3).contains(&c.len()) => c.clone(),
        (true, _) => {
            return Err(ApiError::invalid(
                "coupon_infos must hold 1-3 coupons when use_coupon is YES.",
            ))
        }
        (false, None) => Vec::new(),
        (false, Some(_)) => {
            return Err(ApiError::invalid(
                "coupon_infos must not be sent when use_coupon is NO.",
            ))
        }
    };
    let discount = match (use_discount, &req.discount_infos) {
        (true, Some(d)) if d.len() == 1 => d.first().cloned(),
        (true, _) => {
            return Err(ApiError::invalid(
                "discount_infos must hold exactly 1 discount when use_discount is YES.",
            ))
        }
        (false, None) => None,
        (false, Some(_)) => {
            return Err(ApiError::invalid(
                "discount_infos must not be sent when use_discount is NO.",
            ))
        }
    };
    if let Some(c) = coupons.iter().find(|c| !(300..=303).contains(&c.r#type)) {
        return Err(ApiError::invalid(format!(
            "coupon_infos type {} is invalid; use 300, 301, 302 or 303.",
            c.r#type
        )));
    }
    if let Some(d) = discount
        .as_ref()
        .filter(|d| ![0, 2, 3, 609].contains(&d.r#type))
    {
        return Err(ApiError::invalid(format!(
            "discount_infos type {} is invalid; use 0, 2, 3 (or 609 for an order price adjustment).",
            d.r#type
        )));
    }

    let order = state
        .order(&req.order_id)
        .ok_or_else(|| unknown_order(&req.order_id))?
        .clone();
    if order.status != model::ORDER_STATUS_PENDING_PAYMENT {
        return Err(order_status_error(&order));
    }

    // Discount rules: a 609 adjustment must be the discount used.
    let offered = available_discounts(state, &order);
    if let Some(adj) = offered.iter().find(|d| d.api_type == 609) {
        if discount.as_ref().is_none_or(|d| d.id != adj.id) {
            return Err(ApiError::invalid(format!(
                "The order has an order price adjustment discount ({}, type 609) that must be used.",
                adj.id
            )));
        }
    }
    let chosen = match &discount {
        None => None,
        Some(d) => {
            let a = offered.iter().find(|a| a.id == d.id).ok_or_else(|| {
                ApiError::invalid(format!(
                    "The discount {} is not available for order {}.",
                    d.id, order.order_id
                ))
            })?;
            if a.api_type != d.r#type {
                return Err(ApiError::invalid(format!(
                    "The discount {} has type {}, not {}.",
                    d.id, a.api_type, d.r#type
                )));
            }
            Some(a)
        }
    };

    // Coupon rules: offered to this order, types match, at most one
    // discount coupon, and a discount coupon excludes use_discount=YES.
    let usable = available_coupons(state, &order, ctx.now);
    let mut picked: Vec<Coupon> = Vec::new();
    for c in &coupons {
        if picked.iter().any(|p| p.coupon_id == c.id) {
            return Err(ApiError::invalid(format!(
                "The coupon {} is listed twice.",
                c.id
            )));
        }
        let found = usable.iter().find(|u| u.coupon_id == c.id).ok_or_else(|| {
            ApiError::invalid(format!(
                "The coupon {} is not available for order {}.",
                c.id, order.order_id
            ))
        })?;
        if found.pay_type != c.r#type {
            return Err(ApiError::invalid(format!(
                "The coupon {} has type {}, not {}.",
                c.id, found.pay_type, c.r#type
            )));
        }
        picked.push((*found).clone());
    }
    let discount_coupons = picked.iter().filter(|c| c.pay_type == 300).count();
    if discount_coupons > 1 {
        return Err(ApiError::invalid(
            "At most one discount coupon (type 300) can be used per order.",
        ));
    }
    if discount_coupons == 1 && use_discount {
        return Err(ApiError::invalid(
            "A discount coupon (type 300) cannot be combined with a discount (use_discount YES).",
        ));
    }

    // Price: discount, then discount coupon, then cash coupons; the rest is debited.
    let official = order.official_amount;
    let mut after = official;
    let mut deductions = Vec::new();
    if let Some(a) = chosen {
        after -= a.saving;
        deductions.push(OrderDeduction {
            discount_type: a.deduction_type.to_string(),
            discount_amount: a.saving,
        });
    }
    for c in picked.iter().filter(|c| c.pay_type == 300) {
        let ratio = c.discount_ratio.unwrap_or(Decimal::ONE);
        let s = billing::saving(after, ratio).min(c.face_value);
        after -= s;
        deductions.push(OrderDeduction {
            discount_type: "300".to_string(),
            discount_amount: s,
        });
    }
    let mut to_pay = after;
    let mut cash = [Decimal::ZERO; 3]; // 301, 302, 303
    for c in picked.iter().filter(|c| c.pay_type != 300) {
        let used = c.face_value.min(to_pay);
        to_pay -= used;
        if let Some(slot) = usize::try_from(c.pay_type - 301)
            .ok()
            .and_then(|i| cash.get_mut(i))
        {
            *slot += used;
        }
    }
    billing::debit(&mut state.balances, to_pay)?;

    let nonzero = |d: Decimal| (!d.is_zero()).then_some(d);
    if let Some(o) = state.order_mut(&order.order_id) {
        o.status = model::ORDER_STATUS_COMPLETED;
        o.payment_time = Some(ctx.now);
        o.amount_after_discount = after;
        o.deductions = deductions;
        o.coupon_amount = nonzero(cash[0]);
        o.flexipurchase_coupon_amount = nonzero(cash[1]);
        o.stored_card_amount = nonzero(cash[2]);
        o.paid_amount = Some(to_pay);
        o.coupons_used = picked.iter().map(|c| c.coupon_id.clone()).collect();
        o.discount_used = chosen.map(|a| a.id.clone());
        if !official.is_zero() {
            for l in &mut o.lines {
                l.amount_after_discount = billing::money(l.official_amount * after / official);
            }
        }
    }
    for c in state
        .coupons
        .iter_mut()
        .filter(|c| picked.iter().any(|p| p.coupon_id == c.coupon_id))
    {
        c.used_by_order_id = Some(order.order_id.clone());
        c.last_used_time = Some(ctx.now);
    }
    if order.order_type == model::ORDER_TYPE_RENEWAL {
        billing::apply_renewal(state, &order.order_id, ctx.now)?;
    }
    reply(&model::EmptyResp {})
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

/// The order named by the required `order_id` query parameter.
fn queried_order<'s>(ctx: &Ctx<'_>, state: &'s State) -> Result<&'s Order, ApiError> {
    let q = Query::new(ctx.query, &["order_id"])?;
    let id = q.required("order_id")?;
    state.order(id).ok_or_else(|| unknown_order(id))
}

pub fn coupons(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let order = queried_order(ctx, state)?;
    let list: Vec<CouponInfoV2> = available_coupons(state, order, ctx.now)
        .into_iter()
        .map(|c| CouponInfoV2 {
            coupon_id: Some(c.coupon_id.clone()),
            coupon_code: Some(c.coupon_code.clone()),
            status: Some(2),
            coupon_type: Some(c.info_type()),
            measure_id: Some(1),
            face_value: Some(to_f64(c.face_value)),
            effective_time: Some(format_api_time(c.effective_time)),
            expire_time: Some(format_api_time(c.expire_time)),
            plan_name: Some(c.plan_name.clone()),
            plan_desc: Some(c.plan_desc.clone()),
            use_limits: Some(Vec::new()),
            active_time: Some(format_api_time(c.effective_time)),
            last_used_time: c.last_used_time.map(format_api_time),
            create_time: Some(format_api_time(c.create_time)),
            coupon_version: Some(2),
            balance: Some(to_f64(c.face_value)),
            used_by_order_id: None,
            coupon_usage: None,
            coupon_group: Some(0),
        })
        .collect();
    let max = |coupon_type, n| CouponMaxUseQuantity {
        coupon_type: Some(coupon_type),
        coupon_group: Some(0),
        use_quantity_value: Some(n),
    };
    reply(&OrderCouponsResp {
        count: Some(list.len() as i64),
        user_coupons: Some(list),
        coupon_max_use_quantity: Some(vec![max(1, 3), max(2, 1), max(4, 3)]),
    })
}

pub fn discounts(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let order = queried_order(ctx, state)?;
    let line_ids: Vec<String> = order
        .lines
        .iter()
        .map(|l| l.order_line_item_id.clone())
        .collect();
    let list = available_discounts(state, order)
        .into_iter()
        .map(|a| DiscountInfoV3 {
            discount_id: Some(a.id),
            discount_value: Some(a.value),
            discount_type: Some(a.api_type),
            orders: Some(vec![OrderV3 {
                order_id: Some(order.order_id.clone()),
                order_line_items: Some(vec![OrderLineItemV3 {
                    order_line_item_ids: Some(line_ids.clone()),
                    // 0 ratio discount, 2 fixed reduction.
                    discount_mode: Some(if a.ratio.is_some() { 0 } else { 2 }),
                    discount_amount: Some(a.saving),
                    discount_ratio: a.ratio,
                }]),
            }]),
        })
        .collect();
    reply(&OrderDiscountsResp {
        discounts: Some(list),
    })
}
