//! PayOrders and what an order may be paid with: the coupons and discounts
//! it is offered, and the API's rules for combining them (§8 PayOrders notes,
//! `use_limits`, `coupon_max_use_quantity`; the pay codes of §10). Which pay
//! code answers which rule is the sandbox's choice (the public table only
//! says "discount/coupon not usable or not combinable"): `CBC.99003147` a
//! voucher with a discount coupon; `CBC.99003112` groups 1 and 2 mixed, or a
//! coupon whose `use_limits` exclude the discount; `CBC.99003156` over
//! `coupon_max_use_quantity`; `CBC.99003117` a discount not offered or the
//! 609 left out; `CBC.99003108` a coupon not offered (or `refused_with`).

use super::orders::{order_status_error, unknown_order};
use super::validate::{json_body, Query};
use super::{reply, Ctx};
use crate::bss::client::MAX_PAY_COUPONS;
use crate::bss::model::{
    self, CouponInfoV2, CouponMaxUseQuantity, DiscountInfoV3, OrderCouponsResp, OrderDiscountsResp,
    OrderLineItemV3, OrderV3, PayCustomerOrderV3Req,
};
use crate::clock::format_api_time;
use crate::sandbox::billing::{self, to_f64};
use crate::sandbox::errors::ApiError;
use crate::sandbox::state::{Coupon, Order, OrderDeduction, State, DEFAULT_MAX_USE};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

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
        .filter(|c| c.order_ids.is_empty() || c.order_ids.contains(&order.order_id))
        .collect()
}

/// The order's `coupon_max_use_quantity`: (coupon_type, coupon_group, max).
fn max_use(order: &Order) -> Vec<(i32, i32, i32)> {
    match &order.coupon_max_use_quantity {
        Some(list) => list
            .iter()
            .map(|m| (m.coupon_type, m.coupon_group, m.use_quantity_value))
            .collect(),
        None => DEFAULT_MAX_USE.to_vec(),
    }
}

fn offer_error(code: &str, msg: String) -> ApiError {
    ApiError::new(400, code, msg)
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
    /// Listed without `discount_amount` (a rate the client must apply).
    amount_stated: bool,
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
        amount_stated: true,
    });
    let bound = state
        .order_discounts
        .iter()
        .filter(|d| d.order_id == order.order_id)
        .map(|d| match d.ratio {
            Some(r) => Available {
                id: d.discount_id.clone(),
                api_type: d.discount_type,
                deduction_type: d.discount_type,
                value: r.to_string(),
                ratio: Some(r),
                saving: billing::saving(official, r),
                amount_stated: false,
            },
            None => Available {
                id: d.discount_id.clone(),
                api_type: d.discount_type,
                deduction_type: d.discount_type,
                value: billing::money_str(d.discount_amount),
                ratio: None,
                saving: billing::money(d.discount_amount.min(official)),
                amount_stated: true,
            },
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
        (true, Some(c)) if (1..=MAX_PAY_COUPONS).contains(&c.len()) => c.clone(),
        (true, _) => {
            return Err(ApiError::invalid(format!(
                "coupon_infos must hold 1-{MAX_PAY_COUPONS} coupons when use_coupon is YES."
            )))
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

    // Discount: offered, of its type; a 609 adjustment must be the one used.
    let offered = available_discounts(state, &order);
    if let Some(adj) = offered.iter().find(|d| d.api_type == 609) {
        if discount.as_ref().is_none_or(|d| d.id != adj.id) {
            return Err(offer_error(
                "CBC.99003117",
                format!(
                    "The order has an order price adjustment discount ({}, type 609) that must be used.",
                    adj.id
                ),
            ));
        }
    }
    let chosen = match &discount {
        None => None,
        Some(d) => {
            let a = offered.iter().find(|a| a.id == d.id).ok_or_else(|| {
                offer_error(
                    "CBC.99003117",
                    format!(
                        "The discount {} is not available for order {}.",
                        d.id, order.order_id
                    ),
                )
            })?;
            if a.api_type != d.r#type {
                return Err(offer_error(
                    "CBC.99003117",
                    format!(
                        "The discount {} has type {}, not {}.",
                        d.id, a.api_type, d.r#type
                    ),
                ));
            }
            Some(a)
        }
    };

    // Coupons: offered to this order, of their type.
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
            offer_error(
                "CBC.99003108",
                format!(
                    "The coupon {} is not available for order {}.",
                    c.id, order.order_id
                ),
            )
        })?;
        if found.pay_type != c.r#type {
            return Err(offer_error(
                "CBC.99003108",
                format!(
                    "The coupon {} has type {}, not {}.",
                    c.id, found.pay_type, c.r#type
                ),
            ));
        }
        if let Some(code) = &found.refused_with {
            return Err(offer_error(
                code,
                format!("The coupon {} cannot be used for this order.", c.id),
            ));
        }
        picked.push((*found).clone());
    }
    check_combination(&order, &picked, chosen)?;

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

/// The API's combination rules for the coupons `picked` with `discount`.
fn check_combination(
    order: &Order,
    picked: &[Coupon],
    discount: Option<&Available>,
) -> Result<(), ApiError> {
    let voucher = picked.iter().find(|c| c.pay_type == 301);
    let dc = picked.iter().find(|c| c.pay_type == 300);
    if let (Some(v), Some(d)) = (voucher, dc) {
        return Err(offer_error(
            "CBC.99003147",
            format!(
                "The voucher {} and the discount coupon {} cannot be used together.",
                v.coupon_id, d.coupon_id
            ),
        ));
    }
    let g1 = picked.iter().find(|c| c.coupon_group == Some(1));
    let g2 = picked.iter().find(|c| c.coupon_group == Some(2));
    if let (Some(a), Some(b)) = (g1, g2) {
        return Err(offer_error(
            "CBC.99003112",
            format!(
                "Marketplace coupon {} and special voucher {} cannot be used together.",
                a.coupon_id, b.coupon_id
            ),
        ));
    }
    for (coupon_type, group, max) in max_use(order) {
        let n = picked
            .iter()
            .filter(|c| c.info_type() == coupon_type && c.coupon_group.unwrap_or(0) == group)
            .count();
        if n > usize::try_from(max).unwrap_or(0) {
            return Err(offer_error(
                "CBC.99003156",
                format!(
                    "At most {max} coupon(s) of type {coupon_type} in group {group} can pay this order; {n} given."
                ),
            ));
        }
    }
    if let Some(d) = discount {
        let key = match d.api_type {
            0 => Some("simultaneousUseWithPromotionDiscount"),
            2 => Some("simultaneousUseWithCommercialDiscount"),
            3 => Some("simultaneousUseWithEmpowerDiscount"),
            _ => None,
        };
        for c in picked {
            if key.is_some_and(|k| c.limit(k) == Some("0")) {
                return Err(offer_error(
                    "CBC.99003112",
                    format!(
                        "The coupon {} cannot be used together with the discount {}.",
                        c.coupon_id, d.id
                    ),
                ));
            }
            let min = c
                .limit("minConsumeDiscount")
                .and_then(|v| v.trim().parse::<Decimal>().ok());
            if let (Some(min), Some(ratio)) = (min, d.ratio) {
                if ratio < min {
                    return Err(offer_error(
                        "CBC.99003112",
                        format!(
                            "The coupon {} cannot be used with a discount ratio below {min} ({} has {ratio}).",
                            c.coupon_id, d.id
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
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
            use_limits: Some(
                c.use_limits
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        serde_json::json!({
                            "use_limiti_info_id": format!("ULI{}{i:02}", c.coupon_id),
                            "limit_key": l.limit_key,
                            "value1": l.value1,
                            "value2": null,
                            "value_unit": null,
                            "limit_type": null,
                            "promotion_plan_id": null,
                        })
                    })
                    .collect(),
            ),
            active_time: Some(format_api_time(c.effective_time)),
            last_used_time: c.last_used_time.map(format_api_time),
            create_time: Some(format_api_time(c.create_time)),
            coupon_version: Some(2),
            balance: Some(to_f64(c.face_value)),
            used_by_order_id: None,
            coupon_usage: None,
            coupon_group: c.coupon_group,
        })
        .collect();
    let max = max_use(order)
        .into_iter()
        .map(|(coupon_type, group, n)| CouponMaxUseQuantity {
            coupon_type: Some(coupon_type),
            coupon_group: Some(group),
            use_quantity_value: Some(n),
        })
        .collect();
    reply(&OrderCouponsResp {
        count: Some(list.len() as i64),
        user_coupons: Some(list),
        coupon_max_use_quantity: Some(max),
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
                    discount_amount: a.amount_stated.then_some(a.saving),
                    discount_ratio: a.ratio,
                }]),
            }]),
        })
        .collect();
    reply(&OrderDiscountsResp {
        discounts: Some(list),
    })
}
