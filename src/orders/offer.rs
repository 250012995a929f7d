//! What pays an order: the coupons and discounts the API offers it, the
//! PayOrders combination rules, and the cheapest valid combination.
//!
//! Rules (`../shared/bss-api/README.md` §8 and the pay rows of §10), each a
//! [`Rule`]:
//! - at most 3 coupons and at most one discount (`discount_infos` holds 1);
//! - a cash voucher (301) never goes with a discount coupon (300)
//!   (`CBC.99003147`);
//! - coupons of group 1 (marketplace) and group 2 (special voucher) are never
//!   mixed;
//! - `coupon_max_use_quantity` caps the coupons of one type **and** group; a
//!   coupon without a group counts as group 0;
//! - a coupon's `use_limits` decide whether it may go with a promotion (0),
//!   commercial (2) or partner (3) discount
//!   (`simultaneousUseWithPromotionDiscount` / `…CommercialDiscount` /
//!   `…EmpowerDiscount`, `value1` `"0"` = not with it), and
//!   `minConsumeDiscount` is the lowest discount ratio it goes with (a
//!   discount whose order lines all have a `discount_ratio` below it cannot be
//!   combined with the coupon, as the public ListOrderDiscounts page says);
//! - a 609 order price adjustment, when offered, is mandatory.
//!
//! Types. `CouponInfoV2.coupon_type` (SDK: 1 cash voucher, 2 discount coupon,
//! 3 product coupon, 4 cash coupon) → pay `type` 301, 300, —, 302; the public
//! docs list the pay codes 300–303 for that field, so those pass unchanged:
//! a stored-value card (303) is paid as 303. `DiscountInfoV3.discount_type`
//! 0, 2, 3 and 609 are sent as they are; 1 (contract) has no pay type.
//!
//! Cheapest: every valid set (at most 3 coupons, with no discount or one) is
//! priced and the one leaving the least to pay from the balance wins. A
//! discount's saving is the API's `discount_amount`; when it is not stated it
//! is estimated from `discount_ratio` (or `discount_value` as a rate or a
//! reduction), never taken as zero. A discount coupon's rate is not in the
//! API's answer: it saves up to its cap (`face_value`), so the ranking is by
//! the amount surely paid, then the best case, then the least coupon value
//! used up, then the fewest coupons.

use crate::bss::model::{
    CouponSimpleInfoOrderPayV3, DiscountSimpleInfoV3, OrderCouponsResp, OrderDiscountsResp,
    PayCustomerOrderV3Req, NO, YES,
};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeSet;
use std::str::FromStr;

pub const MAX_COUPONS: usize = 3;
pub const PAY_DISCOUNT_COUPON: i32 = 300;
pub const PAY_CASH_VOUCHER: i32 = 301;
pub const DISCOUNT_PRICE_ADJUSTMENT: i32 = 609;
/// How many rejected alternatives a choice explains.
const MAX_REJECTED: usize = 5;
/// How many valid sets a choice keeps, best first (the fallback uses the second).
const MAX_RUNNERS_UP: usize = 3;

/// The `use_limits` of a coupon that bear on combining it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CouponLimits {
    /// May go with a promotion discount (type 0).
    pub with_promotion: bool,
    /// May go with a commercial discount (type 2).
    pub with_commercial: bool,
    /// May go with a partner-granted discount (type 3).
    pub with_partner: bool,
    /// `minConsumeDiscount`: the lowest discount ratio it may go with.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub min_discount_ratio: Option<Decimal>,
}

impl Default for CouponLimits {
    fn default() -> Self {
        CouponLimits {
            with_promotion: true,
            with_commercial: true,
            with_partner: true,
            min_discount_ratio: None,
        }
    }
}

impl CouponLimits {
    /// From `CouponInfoV2.use_limits[]` (`limit_key`, `value1`).
    pub fn from_api(limits: &[serde_json::Value]) -> CouponLimits {
        let mut out = CouponLimits::default();
        for l in limits {
            let Some(key) = l.get("limit_key").and_then(|k| k.as_str()) else {
                continue;
            };
            let value = match l.get("value1") {
                Some(serde_json::Value::String(s)) => s.trim().to_string(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => continue,
            };
            let allowed = value != "0";
            match key {
                "simultaneousUseWithPromotionDiscount" => out.with_promotion = allowed,
                "simultaneousUseWithCommercialDiscount" => out.with_commercial = allowed,
                "simultaneousUseWithEmpowerDiscount" => out.with_partner = allowed,
                "minConsumeDiscount" => out.min_discount_ratio = Decimal::from_str(&value).ok(),
                _ => {}
            }
        }
        out
    }

    /// May the coupon go with a discount of this pay type?
    pub fn allows(&self, discount_pay_type: i32) -> bool {
        match discount_pay_type {
            0 => self.with_promotion,
            2 => self.with_commercial,
            3 => self.with_partner,
            _ => true,
        }
    }
}

/// A coupon the order may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CouponOffer {
    pub id: String,
    /// The PayOrders type: 300 discount coupon, 301 cash voucher, 302 cash
    /// coupon, 303 stored-value card.
    pub pay_type: i32,
    /// `coupon_group` (1 marketplace, 2 special voucher, 3 hardware, 0 other).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<i32>,
    /// Cash value (301–303), or the largest saving allowed (300).
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// When the coupon expires (`expire_time`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
    #[serde(skip_serializing_if = "is_default_limits")]
    pub limits: CouponLimits,
}

fn is_default_limits(l: &CouponLimits) -> bool {
    *l == CouponLimits::default()
}

impl CouponOffer {
    pub fn is_discount_coupon(&self) -> bool {
        self.pay_type == PAY_DISCOUNT_COUPON
    }

    /// The group `coupon_max_use_quantity` counts it in (none → 0).
    pub fn group_or_zero(&self) -> i32 {
        self.group.unwrap_or(0)
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
    /// What it saves on this order: the API's amount, or the estimate.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub saving: Option<Decimal>,
    /// The saving is estimated from the ratio or value, not stated.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
    /// The highest `discount_ratio` of its order lines (for `minConsumeDiscount`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub ratio: Option<Decimal>,
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

/// `coupon_max_use_quantity`: at most `max` coupons of a pay type and group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseLimit {
    pub pay_type: i32,
    /// The group counted (absent in the answer → 0).
    pub group: i32,
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

/// What a discount saves on `official` when the API states no amount:
/// from the line ratios, else from `discount_value` (a rate below 1, or a
/// reduction).
fn estimated_saving(
    official: Decimal,
    ratio: Option<Decimal>,
    value: Option<&str>,
    mode: Option<i32>,
) -> Option<Decimal> {
    let one = Decimal::ONE;
    if let Some(r) = ratio.filter(|r| *r >= Decimal::ZERO && *r <= one) {
        return Some(super::cents(official * (one - r)));
    }
    let v = value.and_then(|v| Decimal::from_str(v.trim()).ok())?;
    match mode {
        Some(0) if v <= one => Some(super::cents(official * (one - v))),
        Some(2) => Some(super::cents(v.min(official))),
        None if v < one && v > Decimal::ZERO => Some(super::cents(official * (one - v))),
        _ => None,
    }
}

/// The usable offers from the two list calls' answers, for an order of list
/// price `official`.
pub fn offers_from(
    order_id: &str,
    official: Decimal,
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
            expire_time: c.expire_time.clone().filter(|t| !t.is_empty()),
            limits: CouponLimits::from_api(c.use_limits.as_deref().unwrap_or_default()),
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
            group: q.coupon_group.unwrap_or(0),
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
        let lines: Vec<_> = d
            .orders
            .iter()
            .flatten()
            .filter(|o| {
                o.order_id
                    .as_deref()
                    .is_none_or(|o| o.eq_ignore_ascii_case(order_id))
            })
            .flat_map(|o| o.order_line_items.iter().flatten())
            .collect();
        let amounts: Vec<Decimal> = lines.iter().filter_map(|l| l.discount_amount).collect();
        let ratio = lines.iter().filter_map(|l| l.discount_ratio).max();
        let mode = lines.iter().find_map(|l| l.discount_mode);
        let (saving, estimated) = if amounts.is_empty() {
            let s = estimated_saving(official, ratio, d.discount_value.as_deref(), mode);
            (s, s.is_some())
        } else {
            (Some(super::cents(amounts.iter().sum())), false)
        };
        offers.discounts.push(DiscountOffer {
            id,
            pay_type,
            saving,
            estimated,
            ratio,
        });
    }
    offers
}

/// A combination rule a set of offers breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// More than 3 coupons.
    TooManyCoupons { count: usize },
    /// A cash voucher (301) with a discount coupon (300).
    VoucherWithDiscountCoupon {
        voucher: String,
        discount_coupon: String,
    },
    /// Group 1 (marketplace) and group 2 (special voucher) coupons together.
    GroupsMixed {
        marketplace: String,
        special: String,
    },
    /// More coupons of one type and group than `coupon_max_use_quantity`.
    MaxUseQuantity {
        pay_type: i32,
        group: i32,
        max: usize,
        ids: Vec<String>,
    },
    /// A coupon whose `use_limits` exclude this kind of discount.
    NotWithDiscount {
        coupon: String,
        discount: String,
        kind: &'static str,
    },
    /// A discount deeper than the coupon's `minConsumeDiscount`.
    DiscountTooDeep {
        coupon: String,
        discount: String,
        ratio: Decimal,
        min: Decimal,
    },
    /// The order's 609 price adjustment is not the discount used.
    AdjustmentRequired { adjustment: String },
}

impl Rule {
    /// The coupons (and discount) in conflict, for hints.
    pub fn conflicting(&self) -> Vec<String> {
        match self {
            Rule::TooManyCoupons { .. } => Vec::new(),
            Rule::VoucherWithDiscountCoupon {
                voucher,
                discount_coupon,
            } => vec![voucher.clone(), discount_coupon.clone()],
            Rule::GroupsMixed {
                marketplace,
                special,
            } => vec![marketplace.clone(), special.clone()],
            Rule::MaxUseQuantity { ids, .. } => ids.clone(),
            Rule::NotWithDiscount {
                coupon, discount, ..
            }
            | Rule::DiscountTooDeep {
                coupon, discount, ..
            } => vec![coupon.clone(), discount.clone()],
            Rule::AdjustmentRequired { adjustment } => vec![adjustment.clone()],
        }
    }

    /// The pay error code the API answers when the rule is broken (§10).
    pub fn code(&self) -> &'static str {
        match self {
            Rule::VoucherWithDiscountCoupon { .. } => "CBC.99003147",
            Rule::MaxUseQuantity { .. } | Rule::TooManyCoupons { .. } => "CBC.99003156",
            Rule::GroupsMixed { .. }
            | Rule::NotWithDiscount { .. }
            | Rule::DiscountTooDeep { .. } => "CBC.99003112",
            Rule::AdjustmentRequired { .. } => "CBC.99003117",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rule::TooManyCoupons { count } => write!(
                f,
                "at most {MAX_COUPONS} coupons pay one order ({count} given)"
            ),
            Rule::VoucherWithDiscountCoupon {
                voucher,
                discount_coupon,
            } => write!(
                f,
                "a cash voucher (301) never goes with a discount coupon (300): {voucher} and {discount_coupon}"
            ),
            Rule::GroupsMixed {
                marketplace,
                special,
            } => write!(
                f,
                "marketplace coupons (group 1) and special vouchers (group 2) are never mixed: {marketplace} and {special}"
            ),
            Rule::MaxUseQuantity {
                pay_type,
                group,
                max,
                ids,
            } => write!(
                f,
                "coupon_max_use_quantity allows at most {max} coupon(s) of type {pay_type} in group {group} (a coupon without a group counts as group 0): {}",
                ids.join(", ")
            ),
            Rule::NotWithDiscount {
                coupon,
                discount,
                kind,
            } => write!(
                f,
                "coupon {coupon}'s use_limits exclude a {kind} ({discount})"
            ),
            Rule::DiscountTooDeep {
                coupon,
                discount,
                ratio,
                min,
            } => write!(
                f,
                "coupon {coupon} goes only with a discount ratio of at least {min} (minConsumeDiscount); {discount} has {ratio}"
            ),
            Rule::AdjustmentRequired { adjustment } => write!(
                f,
                "the order's price adjustment {adjustment} (type 609) is mandatory"
            ),
        }
    }
}

/// The first rule the set `coupons` with `discount` breaks, if any.
pub fn rule_broken(
    offers: &Offers,
    coupons: &[&CouponOffer],
    discount: Option<&DiscountOffer>,
) -> Option<Rule> {
    if coupons.len() > MAX_COUPONS {
        return Some(Rule::TooManyCoupons {
            count: coupons.len(),
        });
    }
    if let Some(adj) = offers.forced_discount() {
        if discount.is_none_or(|d| d.id != adj.id) {
            return Some(Rule::AdjustmentRequired {
                adjustment: adj.id.clone(),
            });
        }
    }
    let voucher = coupons.iter().find(|c| c.pay_type == PAY_CASH_VOUCHER);
    let dc = coupons.iter().find(|c| c.is_discount_coupon());
    if let (Some(v), Some(dc)) = (voucher, dc) {
        return Some(Rule::VoucherWithDiscountCoupon {
            voucher: v.id.clone(),
            discount_coupon: dc.id.clone(),
        });
    }
    let g1 = coupons.iter().find(|c| c.group == Some(1));
    let g2 = coupons.iter().find(|c| c.group == Some(2));
    if let (Some(a), Some(b)) = (g1, g2) {
        return Some(Rule::GroupsMixed {
            marketplace: a.id.clone(),
            special: b.id.clone(),
        });
    }
    for l in &offers.limits {
        let ids: Vec<String> = coupons
            .iter()
            .filter(|c| c.pay_type == l.pay_type && c.group_or_zero() == l.group)
            .map(|c| c.id.clone())
            .collect();
        if ids.len() > l.max {
            return Some(Rule::MaxUseQuantity {
                pay_type: l.pay_type,
                group: l.group,
                max: l.max,
                ids,
            });
        }
    }
    if let Some(d) = discount {
        for c in coupons {
            if !c.limits.allows(d.pay_type) {
                return Some(Rule::NotWithDiscount {
                    coupon: c.id.clone(),
                    discount: d.id.clone(),
                    kind: d.kind_name(),
                });
            }
            if let (Some(min), Some(ratio)) = (c.limits.min_discount_ratio, d.ratio) {
                if ratio < min {
                    return Some(Rule::DiscountTooDeep {
                        coupon: c.id.clone(),
                        discount: d.id.clone(),
                        ratio,
                        min,
                    });
                }
            }
        }
    }
    None
}

/// What the payment is expected to cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Estimate {
    #[serde(with = "rust_decimal::serde::str")]
    pub official_amount: Decimal,
    /// The discount's saving (stated or estimated; 0 when none or unknown).
    #[serde(with = "rust_decimal::serde::str")]
    pub discount_saving: Decimal,
    /// The most the discount coupons can save (0 when none is used).
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

impl Choice {
    /// "voucher A + discount D", or "no offers".
    pub fn describe(&self) -> String {
        let parts: Vec<&str> = self
            .discount
            .iter()
            .map(|d| d.id.as_str())
            .chain(self.coupons.iter().map(|c| c.id.as_str()))
            .collect();
        if parts.is_empty() {
            "no offers".into()
        } else {
            parts.join(" + ")
        }
    }
}

/// A combination bssctl did not choose, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub coupons: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<String>,
    /// What it would leave to pay (at most).
    #[serde(with = "rust_decimal::serde::str")]
    pub to_pay: Decimal,
    pub reason: String,
}

impl Rejected {
    pub fn describe(&self) -> String {
        let parts: Vec<&str> = self
            .discount
            .iter()
            .map(String::as_str)
            .chain(self.coupons.iter().map(String::as_str))
            .collect();
        if parts.is_empty() {
            "no offers".into()
        } else {
            parts.join(" + ")
        }
    }
}

/// The chosen offers, the next valid ones (best first) and the alternatives
/// rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub choice: Choice,
    pub runners_up: Vec<Choice>,
    pub rejected: Vec<Rejected>,
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

/// The price of a set (which must be valid for it to be paid).
pub fn estimate(
    official: Decimal,
    discount: Option<&DiscountOffer>,
    coupons: &[&CouponOffer],
) -> Estimate {
    let zero = Decimal::ZERO;
    let official = official.max(zero);
    let discount_saving = discount
        .and_then(|d| d.saving)
        .unwrap_or(zero)
        .clamp(zero, official);
    let after = official - discount_saving;
    let dc_up_to = coupons
        .iter()
        .filter(|c| c.is_discount_coupon())
        .map(|c| c.value.max(zero))
        .sum::<Decimal>()
        .min(after);
    let cash: Decimal = coupons
        .iter()
        .filter(|c| !c.is_discount_coupon())
        .map(|c| c.value.max(zero))
        .sum();
    Estimate {
        official_amount: super::cents(official),
        discount_saving: super::cents(discount_saving),
        discount_coupon_up_to: super::cents(dc_up_to),
        coupon_cash: super::cents(cash.min(after)),
        to_pay: super::cents((after - cash).max(zero)),
        to_pay_at_least: super::cents((after - dc_up_to - cash).max(zero)),
    }
}

/// Ranking key: surely paid, best case, coupon cash used up, coupons, ids.
type RankKey = (Decimal, Decimal, Decimal, usize, Option<String>, String);

fn rank(est: &Estimate, set: &[&CouponOffer], discount: Option<&DiscountOffer>) -> RankKey {
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

fn describe_ids<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = ids.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn not_usable(offers: &Offers, id: &str) -> Option<String> {
    offers
        .skipped
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(id))
        .map(|s| s.reason.clone())
}

/// The named coupons, as offered to the order.
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
                        describe_ids(offers.coupons.iter().map(|c| c.id.as_str()))
                    ),
                })
            })?;
        set.push(found);
    }
    Ok(set)
}

/// The named discount, as offered to the order.
fn explicit_discount<'o>(
    order_id: &str,
    offers: &'o Offers,
    id: &str,
) -> Result<&'o DiscountOffer, OfferError> {
    offers
        .discounts
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| {
            OfferError(match not_usable(offers, id) {
                Some(why) => format!("discount {id} cannot pay order {order_id}: {why}"),
                None => format!(
                    "discount {id} is not offered for order {order_id} (offered: {})",
                    describe_ids(offers.discounts.iter().map(|d| d.id.as_str()))
                ),
            })
        })
}

/// Subsets of `pool` with at most `k` (≤ 3) members, the empty one first.
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

fn refused_named(rule: &Rule) -> OfferError {
    OfferError(format!(
        "the named offers break a PayOrders rule, so nothing was sent: {rule} (the API refuses this with {}); name another set with --coupon/--discount, leave them out for the cheapest valid set, or pay the list price with --no-offers",
        rule.code()
    ))
}

/// The offers to pay `order_id` with: the cheapest valid set, or the one the
/// user named (checked against every rule), or none (`--no-offers`). Named
/// coupons fix the coupons and a named discount the discount; the other part
/// is still the cheapest valid one.
pub fn select(
    order_id: &str,
    official: Decimal,
    offers: &Offers,
    req: &PayRequest<'_>,
) -> Result<Selection, OfferError> {
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
        return Ok(Selection {
            choice: Choice {
                coupons: Vec::new(),
                discount: None,
                estimate: estimate(official, None, &[]),
            },
            runners_up: Vec::new(),
            rejected: Vec::new(),
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
    let discount_options: Vec<Option<&DiscountOffer>> = match fixed_discount {
        Some(d) => vec![Some(d)],
        None => std::iter::once(None)
            .chain(offers.discounts.iter().map(Some))
            .collect(),
    };
    let pool: Vec<&CouponOffer> = offers.coupons.iter().collect();
    let sets: Vec<Vec<&CouponOffer>> = match &fixed_coupons {
        Some(set) => vec![set.clone()],
        None => subsets(&pool, MAX_COUPONS),
    };

    let mut valid: Vec<(RankKey, Choice)> = Vec::new();
    let mut invalid: Vec<(RankKey, Rejected)> = Vec::new();
    let mut first_broken: Option<Rule> = None;
    for discount in &discount_options {
        for set in &sets {
            let est = estimate(official, *discount, set);
            let key = rank(&est, set, *discount);
            match rule_broken(offers, set, *discount) {
                None => valid.push((
                    key,
                    Choice {
                        coupons: set.iter().map(|c| (*c).clone()).collect(),
                        discount: discount.cloned(),
                        estimate: est,
                    },
                )),
                Some(rule) => {
                    // A named set: name the rule that is not merely the
                    // missing 609 when there is one.
                    let prefer = first_broken
                        .as_ref()
                        .is_none_or(|r| matches!(r, Rule::AdjustmentRequired { .. }));
                    if prefer {
                        first_broken = Some(rule.clone());
                    }
                    invalid.push((
                        key,
                        Rejected {
                            coupons: set.iter().map(|c| c.id.clone()).collect(),
                            discount: discount.map(|d| d.id.clone()),
                            to_pay: est.to_pay,
                            reason: rule.to_string(),
                        },
                    ))
                }
            }
        }
    }
    valid.sort_by(|a, b| a.0.cmp(&b.0));
    let best_key = valid.first().map(|(k, _)| k.clone());
    let mut valid = valid.into_iter().map(|(_, c)| c);
    let (Some(choice), Some(best_key)) = (valid.next(), best_key) else {
        // Only a named set can leave nothing valid (the empty set with the
        // 609, or with no discount, is always valid).
        let rule = first_broken.unwrap_or(Rule::TooManyCoupons { count: 0 });
        return Err(refused_named(&rule));
    };
    let runners_up: Vec<Choice> = valid.take(MAX_RUNNERS_UP).collect();
    invalid.sort_by(|a, b| a.0.cmp(&b.0));
    let mut rejected: Vec<Rejected> = invalid
        .into_iter()
        .filter(|(k, _)| (k.0, k.1) < (best_key.0, best_key.1))
        .map(|(_, r)| r)
        .take(MAX_REJECTED)
        .collect();
    if let Some(next) = runners_up.first() {
        if rejected.len() < MAX_REJECTED {
            rejected.push(Rejected {
                coupons: next.coupons.iter().map(|c| c.id.clone()).collect(),
                discount: next.discount.as_ref().map(|d| d.id.clone()),
                to_pay: next.estimate.to_pay,
                reason: if next.estimate.to_pay > choice.estimate.to_pay {
                    "valid, but leaves more to pay".into()
                } else {
                    "valid, and leaves as much to pay (or the discount coupon's rate is unknown); ranked after it".into()
                },
            });
        }
    }
    Ok(Selection {
        choice,
        runners_up,
        rejected,
    })
}

/// [`select`]'s choice alone.
pub fn choose(
    order_id: &str,
    official: Decimal,
    offers: &Offers,
    req: &PayRequest<'_>,
) -> Result<Choice, OfferError> {
    select(order_id, official, offers, req).map(|s| s.choice)
}

/// Notes on offers the choice leaves out: listed ones that cannot pay.
pub fn left_out(offers: &Offers) -> Vec<String> {
    offers
        .skipped
        .iter()
        .map(|s| format!("{} not usable: {}", s.id, s.reason))
        .collect()
}

/// The earliest expiry among the chosen coupons that falls before `deadline`
/// (the order must be paid by then to use them), if any.
pub fn coupon_deadline(choice: &Choice, deadline: Option<&str>) -> Option<(String, String)> {
    let parse = crate::clock::parse_api_time;
    let limit = deadline.and_then(parse);
    choice
        .coupons
        .iter()
        .filter_map(|c| {
            let t = c.expire_time.as_deref()?;
            Some((parse(t)?, c.id.clone(), t.to_string()))
        })
        .filter(|(t, _, _)| limit.is_none_or(|l| *t < l))
        .min()
        .map(|(_, id, t)| (id, t))
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
