//! What pays an order: the coupons and discounts the API offers it, the
//! PayOrders rules for combining them, and the best combination.
//!
//! Rules (PayOrders): at most 3 coupons; at most one discount coupon (type
//! 300), never together with a discount; at most one discount; a 609 (order
//! price adjustment) discount, when offered, must be the discount used; per
//! coupon type (and group) no more than `coupon_max_use_quantity` allows.
//!
//! Type mapping. `CouponInfoV2.coupon_type` (SDK: 1 cash voucher, 2 discount
//! coupon, 3 product coupon, 4 cash coupon) → pay `type` 301, 300, —, 302; the
//! public docs list the pay codes 300–303 themselves for that field, so those
//! pass through unchanged (303 stored-value card). Product coupons have no pay
//! type and are not used. `DiscountInfoV3.discount_type` 0 promotion, 2
//! commercial, 3 partner → pay `type` 0, 2, 3; 609 is sent as 609 (the SDK's
//! `DiscountSimpleInfoV3` says a 609 discount must be used and its type not
//! changed); 1 (contract) has no pay type and is not used.
//!
//! Best offer: the smallest amount left to pay from the balance. The API
//! states a discount's saving (`discount_amount` per order) and a voucher's
//! value, but not a discount coupon's rate: only its cap (`face_value`). So a
//! discount coupon counts as saving nothing for sure and up to its cap at
//! best; bssctl ranks by the amount surely paid, then by the best case, then
//! by the least coupon value used up, then by the fewest coupons. It never
//! bets money on an unknown rate: a known discount beats a discount coupon
//! unless the user names the coupon (`--coupon`).

use crate::bss::model::{
    CouponSimpleInfoOrderPayV3, DiscountSimpleInfoV3, OrderCouponsResp, OrderDiscountsResp,
    PayCustomerOrderV3Req, NO, YES,
};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeSet;

pub const MAX_COUPONS: usize = 3;
pub const PAY_DISCOUNT_COUPON: i32 = 300;
pub const DISCOUNT_PRICE_ADJUSTMENT: i32 = 609;
/// Cash coupons considered when searching (the largest first).
const MAX_CASH_CANDIDATES: usize = 40;

/// A coupon the order may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CouponOffer {
    pub id: String,
    /// The PayOrders type: 300 discount coupon, 301 cash voucher, 302 cash
    /// coupon, 303 stored-value card.
    pub pay_type: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<i32>,
    /// Cash value (301–303), or the largest saving allowed (300).
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
}

impl CouponOffer {
    pub fn is_discount_coupon(&self) -> bool {
        self.pay_type == PAY_DISCOUNT_COUPON
    }

    pub fn kind_name(&self) -> &'static str {
        match self.pay_type {
            300 => "discount coupon",
            301 => "cash voucher",
            302 => "cash coupon",
            303 => "stored-value card",
            _ => "coupon",
        }
    }
}

/// A discount the order may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscountOffer {
    pub id: String,
    /// The PayOrders type: 0 promotion, 2 commercial, 3 partner, 609 order
    /// price adjustment.
    pub pay_type: i32,
    /// What it saves on this order, when the API says.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub saving: Option<Decimal>,
}

impl DiscountOffer {
    pub fn kind_name(&self) -> &'static str {
        match self.pay_type {
            0 => "promotion",
            2 => "commercial discount",
            3 => "partner discount",
            DISCOUNT_PRICE_ADJUSTMENT => "order price adjustment",
            _ => "discount",
        }
    }
}

/// `coupon_max_use_quantity`: at most `max` coupons of a pay type (and group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseLimit {
    pub pay_type: i32,
    pub group: Option<i32>,
    pub max: usize,
}

/// An offer the API listed that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub id: String,
    pub reason: String,
}

/// Everything an order is offered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offers {
    pub coupons: Vec<CouponOffer>,
    pub discounts: Vec<DiscountOffer>,
    pub limits: Vec<UseLimit>,
    pub skipped: Vec<Skipped>,
}

impl Offers {
    /// The 609 discount the payment must use, if offered.
    pub fn forced_discount(&self) -> Option<&DiscountOffer> {
        self.discounts
            .iter()
            .find(|d| d.pay_type == DISCOUNT_PRICE_ADJUSTMENT)
    }

    /// Without these coupons (already chosen for another order).
    pub fn without_coupons(mut self, taken: &BTreeSet<String>) -> Offers {
        self.coupons.retain(|c| !taken.contains(&c.id));
        self
    }
}

/// PayOrders type of a `CouponInfoV2.coupon_type`.
pub fn coupon_pay_type(coupon_type: i32) -> Option<i32> {
    match coupon_type {
        1 => Some(301),
        2 => Some(300),
        4 => Some(302),
        300..=303 => Some(coupon_type),
        _ => None,
    }
}

/// PayOrders type of a `DiscountInfoV3.discount_type`.
pub fn discount_pay_type(discount_type: i32) -> Option<i32> {
    match discount_type {
        0 | 2 | 3 | DISCOUNT_PRICE_ADJUSTMENT => Some(discount_type),
        _ => None,
    }
}

fn decimal(f: f64) -> Option<Decimal> {
    super::money(f)
}

/// The usable offers from the two list calls' answers.
pub fn offers_from(
    order_id: &str,
    coupons: &OrderCouponsResp,
    discounts: &OrderDiscountsResp,
) -> Offers {
    let mut offers = Offers::default();
    let mut seen = BTreeSet::new();
    for c in coupons.user_coupons.iter().flatten() {
        let Some(id) = c.coupon_id.clone().filter(|i| !i.is_empty()) else {
            continue;
        };
        if !seen.insert(id.clone()) {
            continue;
        }
        let skip = |reason: String| Skipped {
            id: id.clone(),
            reason,
        };
        if c.status == Some(1) {
            offers.skipped.push(skip("not activated".into()));
            continue;
        }
        if let Some(other) = c
            .used_by_order_id
            .as_deref()
            .filter(|o| !o.is_empty() && !o.eq_ignore_ascii_case(order_id))
        {
            offers
                .skipped
                .push(skip(format!("locked by order {other}")));
            continue;
        }
        let Some(pay_type) = c.coupon_type.and_then(coupon_pay_type) else {
            offers.skipped.push(skip(format!(
                "coupon type {} cannot be used to pay an order",
                c.coupon_type.map_or("unknown".into(), |t| t.to_string())
            )));
            continue;
        };
        let value = c
            .balance
            .filter(|b| *b > 0.0)
            .or(c.face_value)
            .and_then(decimal)
            .unwrap_or(Decimal::ZERO);
        offers.coupons.push(CouponOffer {
            id,
            pay_type,
            group: c.coupon_group,
            value,
            name: c.plan_name.clone().unwrap_or_default(),
        });
    }
    for q in coupons.coupon_max_use_quantity.iter().flatten() {
        let (Some(t), Some(n)) = (
            q.coupon_type.and_then(coupon_pay_type),
            q.use_quantity_value,
        ) else {
            continue;
        };
        offers.limits.push(UseLimit {
            pay_type: t,
            group: q.coupon_group,
            max: usize::try_from(n).unwrap_or(0),
        });
    }
    let mut seen = BTreeSet::new();
    for d in discounts.discounts.iter().flatten() {
        let Some(id) = d.discount_id.clone().filter(|i| !i.is_empty()) else {
            continue;
        };
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some(pay_type) = d.discount_type.and_then(discount_pay_type) else {
            offers.skipped.push(Skipped {
                id,
                reason: format!(
                    "discount type {} cannot be used to pay an order",
                    d.discount_type.map_or("unknown".into(), |t| t.to_string())
                ),
            });
            continue;
        };
        let amounts: Vec<Decimal> = d
            .orders
            .iter()
            .flatten()
            .filter(|o| {
                o.order_id
                    .as_deref()
                    .is_none_or(|o| o.eq_ignore_ascii_case(order_id))
            })
            .flat_map(|o| o.order_line_items.iter().flatten())
            .filter_map(|l| l.discount_amount)
            .collect();
        let saving = (!amounts.is_empty()).then(|| super::cents(amounts.iter().sum()));
        offers.discounts.push(DiscountOffer {
            id,
            pay_type,
            saving,
        });
    }
    offers
}

/// What the payment is expected to cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Estimate {
    #[serde(with = "rust_decimal::serde::str")]
    pub official_amount: Decimal,
    /// The discount's known saving (0 when none or unknown).
    #[serde(with = "rust_decimal::serde::str")]
    pub discount_saving: Decimal,
    /// The most a discount coupon can save (0 when none is used).
    #[serde(with = "rust_decimal::serde::str")]
    pub discount_coupon_up_to: Decimal,
    /// Cash coupons' value put towards the order.
    #[serde(with = "rust_decimal::serde::str")]
    pub coupon_cash: Decimal,
    /// Paid from the balance, for sure no more than this.
    #[serde(with = "rust_decimal::serde::str")]
    pub to_pay: Decimal,
    /// ... and no less than this (equal unless a discount coupon is used).
    #[serde(with = "rust_decimal::serde::str")]
    pub to_pay_at_least: Decimal,
}

impl Estimate {
    pub fn exact(&self) -> bool {
        self.to_pay == self.to_pay_at_least
    }
}

/// The offers a payment uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub coupons: Vec<CouponOffer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<DiscountOffer>,
    pub estimate: Estimate,
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PayRequest<'a> {
    /// `--coupon` ids (exactly these coupons), if any.
    pub coupons: &'a [String],
    /// `--discount` id (exactly this discount), if any.
    pub discount: Option<&'a str>,
    /// `--no-offers`: pay the list price.
    pub no_offers: bool,
}

/// Why the requested payment cannot be made; the message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OfferError(pub String);

fn estimate(
    official: Decimal,
    discount: Option<&DiscountOffer>,
    coupons: &[&CouponOffer],
) -> Estimate {
    let zero = Decimal::ZERO;
    let discount_saving = discount
        .and_then(|d| d.saving)
        .unwrap_or(zero)
        .clamp(zero, official.max(zero));
    let after = (official - discount_saving).max(zero);
    let dc_up_to = coupons
        .iter()
        .filter(|c| c.is_discount_coupon())
        .map(|c| c.value.min(after))
        .sum::<Decimal>()
        .max(zero);
    let cash: Decimal = coupons
        .iter()
        .filter(|c| !c.is_discount_coupon())
        .map(|c| c.value.max(zero))
        .sum();
    let to_pay = (after - cash).max(zero);
    Estimate {
        official_amount: super::cents(official),
        discount_saving: super::cents(discount_saving),
        discount_coupon_up_to: super::cents(dc_up_to),
        coupon_cash: super::cents(cash.min(after)),
        to_pay: super::cents(to_pay),
        to_pay_at_least: super::cents((after - dc_up_to - cash).max(zero)),
    }
}

fn within_limits(set: &[&CouponOffer], limits: &[UseLimit]) -> bool {
    if set.len() > MAX_COUPONS || set.iter().filter(|c| c.is_discount_coupon()).count() > 1 {
        return false;
    }
    limits.iter().all(|l| {
        let n = set
            .iter()
            .filter(|c| c.pay_type == l.pay_type && (l.group.is_none() || l.group == c.group))
            .count();
        n <= l.max
    })
}

/// Ranking key: surely paid, best case, coupon cash used up, coupons, ids.
fn rank(est: &Estimate, set: &[&CouponOffer], discount: Option<&DiscountOffer>) -> impl Ord {
    let mut ids: Vec<&str> = set.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    let used_up: Decimal = set
        .iter()
        .filter(|c| !c.is_discount_coupon())
        .map(|c| c.value)
        .sum();
    (
        est.to_pay,
        est.to_pay_at_least,
        used_up,
        set.len(),
        discount.map(|d| d.id.clone()),
        ids.join(","),
    )
}

fn describe_coupons(offers: &Offers) -> String {
    if offers.coupons.is_empty() {
        "none".into()
    } else {
        offers
            .coupons
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn describe_discounts(offers: &Offers) -> String {
    if offers.discounts.is_empty() {
        "none".into()
    } else {
        offers
            .discounts
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn not_usable(offers: &Offers, id: &str) -> Option<String> {
    offers
        .skipped
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(id))
        .map(|s| s.reason.clone())
}

/// The named coupons, validated against what the order is offered.
fn explicit_coupons<'o>(
    order_id: &str,
    offers: &'o Offers,
    ids: &[String],
) -> Result<Vec<&'o CouponOffer>, OfferError> {
    if ids.len() > MAX_COUPONS {
        return Err(OfferError(format!(
            "at most {MAX_COUPONS} coupons can pay one order; --coupon was given {} times",
            ids.len()
        )));
    }
    let mut set: Vec<&CouponOffer> = Vec::new();
    for id in ids {
        if set.iter().any(|c| c.id.eq_ignore_ascii_case(id)) {
            return Err(OfferError(format!("--coupon {id} is given twice")));
        }
        let found = offers
            .coupons
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| {
                OfferError(match not_usable(offers, id) {
                    Some(why) => format!("coupon {id} cannot pay order {order_id}: {why}"),
                    None => format!(
                        "coupon {id} is not offered for order {order_id} (offered: {}); it may be used up, expired, or for another service",
                        describe_coupons(offers)
                    ),
                })
            })?;
        set.push(found);
    }
    if set.iter().filter(|c| c.is_discount_coupon()).count() > 1 {
        return Err(OfferError(
            "at most one discount coupon (type 300) can pay an order; name only one".into(),
        ));
    }
    if let Some(l) = offers
        .limits
        .iter()
        .find(|l| !within_limits(&set, std::slice::from_ref(l)))
    {
        return Err(OfferError(format!(
            "order {order_id} accepts at most {} coupon(s) of type {}{}; name fewer",
            l.max,
            l.pay_type,
            l.group.map(|g| format!(" (group {g})")).unwrap_or_default()
        )));
    }
    Ok(set)
}

/// The named discount, validated against what the order is offered.
fn explicit_discount<'o>(
    order_id: &str,
    offers: &'o Offers,
    id: &str,
) -> Result<&'o DiscountOffer, OfferError> {
    let found = offers
        .discounts
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| {
            OfferError(match not_usable(offers, id) {
                Some(why) => format!("discount {id} cannot pay order {order_id}: {why}"),
                None => format!(
                    "discount {id} is not offered for order {order_id} (offered: {})",
                    describe_discounts(offers)
                ),
            })
        })?;
    if let Some(forced) = offers.forced_discount() {
        if forced.id != found.id {
            return Err(OfferError(format!(
                "order {order_id} has an order price adjustment discount {} (type 609) that the API requires to be used: pass --discount {} or leave --discount out",
                forced.id, forced.id
            )));
        }
    }
    Ok(found)
}

/// Subsets of `pool` with at most `k` members.
fn subsets<'o>(pool: &[&'o CouponOffer], k: usize) -> Vec<Vec<&'o CouponOffer>> {
    let mut out = vec![Vec::new()];
    let n = pool.len();
    for i in 0..n {
        if k >= 1 {
            out.push(vec![pool[i]]);
        }
        for j in i + 1..n {
            if k >= 2 {
                out.push(vec![pool[i], pool[j]]);
            }
            if k >= 3 {
                for l in j + 1..n {
                    out.push(vec![pool[i], pool[j], pool[l]]);
                }
            }
        }
    }
    out
}

/// The offers to pay `order_id` with: the best allowed combination, or the
/// one the user named (validated), or none (`--no-offers`). Named coupons fix
/// the coupons and named discounts the discount; the other part is still
/// chosen for the best price within the rules.
pub fn choose(
    order_id: &str,
    official: Decimal,
    offers: &Offers,
    req: &PayRequest<'_>,
) -> Result<Choice, OfferError> {
    let forced = offers.forced_discount();
    if req.no_offers {
        if !req.coupons.is_empty() || req.discount.is_some() {
            return Err(OfferError(
                "--no-offers cannot be combined with --coupon or --discount".into(),
            ));
        }
        if let Some(f) = forced {
            return Err(OfferError(format!(
                "order {order_id} has an order price adjustment discount {} (type 609) that the API requires to be used, so it cannot be paid at list price: drop --no-offers",
                f.id
            )));
        }
        return Ok(Choice {
            coupons: Vec::new(),
            discount: None,
            estimate: estimate(official, None, &[]),
        });
    }

    let fixed_coupons = if req.coupons.is_empty() {
        None
    } else {
        Some(explicit_coupons(order_id, offers, req.coupons)?)
    };
    let fixed_discount = match req.discount {
        Some(id) => Some(explicit_discount(order_id, offers, id)?),
        None => None,
    };
    let named_dc = fixed_coupons
        .iter()
        .flatten()
        .find(|c| c.is_discount_coupon());
    if let Some(dc) = named_dc {
        if let Some(d) = fixed_discount.or(forced) {
            let why = if d.pay_type == DISCOUNT_PRICE_ADJUSTMENT {
                format!(
                    "order {order_id} must use its order price adjustment discount {} (type 609)",
                    d.id
                )
            } else {
                format!("--discount {} is given", d.id)
            };
            return Err(OfferError(format!(
                "a discount coupon ({}) cannot be combined with a discount, and {why}: drop one of them",
                dc.id
            )));
        }
    }

    // Discount candidates.
    let discount_options: Vec<Option<&DiscountOffer>> = match (fixed_discount, forced) {
        (Some(d), _) => vec![Some(d)],
        (None, Some(f)) => vec![Some(f)],
        (None, None) if named_dc.is_some() => vec![None],
        (None, None) => std::iter::once(None)
            .chain(offers.discounts.iter().map(Some))
            .collect(),
    };
    // Coupon candidates.
    let mut cash: Vec<&CouponOffer> = offers
        .coupons
        .iter()
        .filter(|c| !c.is_discount_coupon())
        .collect();
    cash.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.id.cmp(&b.id)));
    cash.truncate(MAX_CASH_CANDIDATES);
    let discount_coupons: Vec<&CouponOffer> = offers
        .coupons
        .iter()
        .filter(|c| c.is_discount_coupon())
        .collect();

    let mut best: Option<(Choice, _)> = None;
    let mut consider = |discount: Option<&DiscountOffer>, set: Vec<&CouponOffer>| {
        if !within_limits(&set, &offers.limits) {
            return;
        }
        if discount.is_some() && set.iter().any(|c| c.is_discount_coupon()) {
            return;
        }
        let est = estimate(official, discount, &set);
        let key = rank(&est, &set, discount);
        if best.as_ref().is_none_or(|(_, k)| key < *k) {
            best = Some((
                Choice {
                    coupons: set.into_iter().cloned().collect(),
                    discount: discount.cloned(),
                    estimate: est,
                },
                key,
            ));
        }
    };
    for discount in &discount_options {
        match &fixed_coupons {
            Some(set) => consider(*discount, set.clone()),
            None => {
                let dc_options: Vec<Option<&CouponOffer>> = if discount.is_some() {
                    vec![None]
                } else {
                    std::iter::once(None)
                        .chain(discount_coupons.iter().copied().map(Some))
                        .collect()
                };
                for dc in dc_options {
                    let room = MAX_COUPONS - usize::from(dc.is_some());
                    for mut set in subsets(&cash, room) {
                        if let Some(dc) = dc {
                            set.insert(0, dc);
                        }
                        consider(*discount, set);
                    }
                }
            }
        }
    }
    best.map(|(c, _)| c).ok_or_else(|| {
        OfferError(format!(
            "no combination of the named offers is allowed for order {order_id} (coupon limits: {})",
            offers
                .limits
                .iter()
                .map(|l| format!("type {} at most {}", l.pay_type, l.max))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// Offers the choice leaves out that the user may want to know about.
pub fn left_out(choice: &Choice, offers: &Offers) -> Vec<String> {
    let mut notes = Vec::new();
    let used: BTreeSet<&str> = choice.coupons.iter().map(|c| c.id.as_str()).collect();
    for c in offers
        .coupons
        .iter()
        .filter(|c| !used.contains(c.id.as_str()))
    {
        if c.is_discount_coupon() && choice.discount.is_some() {
            notes.push(format!(
                "{} ({}, saves up to {}) not used: the API does not state its rate, and it cannot be combined with {}; pass --coupon {} to use it instead",
                c.id,
                c.kind_name(),
                c.value,
                choice.discount.as_ref().map_or("", |d| d.id.as_str()),
                c.id
            ));
        }
    }
    for s in &offers.skipped {
        notes.push(format!("{} not usable: {}", s.id, s.reason));
    }
    notes
}

/// The PayOrders request for a choice.
pub fn pay_request(order_id: &str, choice: &Choice) -> PayCustomerOrderV3Req {
    let coupons: Vec<CouponSimpleInfoOrderPayV3> = choice
        .coupons
        .iter()
        .map(|c| CouponSimpleInfoOrderPayV3 {
            id: c.id.clone(),
            r#type: c.pay_type,
        })
        .collect();
    let discount = choice.discount.as_ref().map(|d| DiscountSimpleInfoV3 {
        id: d.id.clone(),
        r#type: d.pay_type,
    });
    PayCustomerOrderV3Req {
        order_id: order_id.to_string(),
        use_coupon: if coupons.is_empty() { NO } else { YES }.to_string(),
        use_discount: if discount.is_some() { YES } else { NO }.to_string(),
        coupon_infos: (!coupons.is_empty()).then_some(coupons),
        discount_infos: discount.map(|d| vec![d]),
    }
}

#[cfg(test)]
mod tests;
