//! Which pending orders `bssctl orders` shows, and the row it shows for each
//! (also the `--format json` array: docs/orders.md).

use crate::bss::model::{CustomerOrder, ORDER_STATUS_PENDING_PAYMENT};
use crate::state::journal::{self, Record};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// One pending order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingOrderRow {
    pub order_id: String,
    /// The API's `order_type` (2 renewal, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_type: Option<i32>,
    /// `order_type` in words: `new`, `renewal`, `change`, ...
    pub order_type_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_type_code: Option<String>,
    pub currency: String,
    /// List price.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub official_amount: Option<Decimal>,
    /// After discounts already on the order, before coupons (`amount_after_discount`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub amount: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// Pay by then, or the order is cancelled (`pending_payment_end_time`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_payment_end_time: Option<String>,
    /// The journal records bssctl creating it.
    pub created_by_bssctl: bool,
    /// Main resources in the order (attached ones follow them).
    pub resources: Vec<OrderResource>,
    /// What the order is offered and the cheapest valid set (absent when
    /// the offers could not be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offers: Option<OrderOffers>,
}

/// The usable offers of a pending order and what the best one costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderOffers {
    pub coupons: Vec<super::offer::CouponOffer>,
    pub discounts: Vec<super::offer::DiscountOffer>,
    /// The cheapest valid set and its estimate.
    pub best: super::offer::Choice,
    /// A coupon of the best set expiring before the payment deadline: pay by
    /// its expiry to use it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_by_coupon: Option<CouponDeadline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CouponDeadline {
    pub coupon_id: String,
    pub expire_time: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderResource {
    pub resource_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
}

/// Orders bssctl created (renewals the journal recorded), with their main
/// resources.
pub fn orders_from_journal(records: &[Record]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (resource, orders) in journal::renewal_orders(records) {
        for o in orders {
            let ids = out.entry(o).or_default();
            if !ids.contains(&resource) {
                ids.push(resource.clone());
            }
        }
    }
    out
}

/// The pending orders to show: bssctl's own (`all` false) or every one.
pub fn select(
    orders: Vec<CustomerOrder>,
    known: &BTreeMap<String, Vec<String>>,
    all: bool,
) -> Vec<CustomerOrder> {
    let mut out: Vec<CustomerOrder> = orders
        .into_iter()
        .filter(|o| o.status.is_none_or(|s| s == ORDER_STATUS_PENDING_PAYMENT))
        .filter(|o| {
            o.order_id
                .as_ref()
                .is_some_and(|id| all || known.contains_key(id))
        })
        .collect();
    out.sort_by(|a, b| {
        a.create_time
            .cmp(&b.create_time)
            .then_with(|| a.order_id.cmp(&b.order_id))
    });
    out.dedup_by(|a, b| a.order_id == b.order_id);
    out
}

/// The row for an order; `details` (ShowCustomerOrderDetails) fills what the
/// list lacks, such as the payment deadline.
pub fn row(
    order: &CustomerOrder,
    details: Option<&CustomerOrder>,
    created_by_bssctl: bool,
    resources: Vec<OrderResource>,
) -> PendingOrderRow {
    let pick = |f: fn(&CustomerOrder) -> Option<String>| f(order).or_else(|| details.and_then(f));
    let amount = |f: fn(&CustomerOrder) -> Option<f64>| {
        f(order)
            .or_else(|| details.and_then(f))
            .and_then(super::money)
    };
    let order_type = order.order_type.or(details.and_then(|d| d.order_type));
    PendingOrderRow {
        order_id: order.order_id.clone().unwrap_or_default(),
        order_type,
        order_type_name: super::order_type_name(order_type).to_string(),
        service_type_code: pick(|o| o.service_type_code.clone()),
        currency: pick(|o| o.currency.clone())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "CNY".into()),
        official_amount: amount(|o| o.official_amount),
        amount: amount(|o| o.amount_after_discount),
        create_time: pick(|o| o.create_time.clone()),
        pending_payment_end_time: pick(|o| o.pending_payment_end_time.clone()),
        created_by_bssctl,
        resources,
        offers: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str, status: i32, created: &str) -> CustomerOrder {
        CustomerOrder {
            order_id: Some(id.into()),
            status: Some(status),
            order_type: Some(2),
            create_time: Some(created.into()),
            amount_after_discount: Some(364.0),
            official_amount: Some(364.0),
            currency: Some("CNY".into()),
            ..Default::default()
        }
    }

    #[test]
    fn without_all_only_bssctl_orders_pending_payment() {
        let orders = vec![
            order("B", 6, "2026-11-23T00:00:00Z"),
            order("A", 6, "2026-11-22T00:00:00Z"),
            order("C", 5, "2026-11-21T00:00:00Z"),
        ];
        let known: BTreeMap<String, Vec<String>> = [
            ("B".to_string(), vec!["r1".to_string()]),
            ("C".into(), vec![]),
        ]
        .into();
        let ids = |v: Vec<CustomerOrder>| -> Vec<String> {
            v.into_iter().filter_map(|o| o.order_id).collect()
        };
        assert_eq!(ids(select(orders.clone(), &known, false)), vec!["B"]);
        assert_eq!(ids(select(orders, &known, true)), vec!["A", "B"]);
    }

    #[test]
    fn a_row_takes_the_deadline_from_the_details() {
        let o = order("A", 6, "2026-11-22T00:00:00Z");
        let mut details = o.clone();
        details.pending_payment_end_time = Some("2026-11-29T00:00:00Z".into());
        let r = row(&o, Some(&details), true, vec![]);
        assert_eq!(
            r.pending_payment_end_time.as_deref(),
            Some("2026-11-29T00:00:00Z")
        );
        assert_eq!(r.amount.unwrap().to_string(), "364.00");
        assert_eq!(r.order_type_name, "renewal");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["amount"], "364.00");
        assert_eq!(json["created_by_bssctl"], true);
    }
}
