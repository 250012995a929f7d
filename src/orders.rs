//! Pending (unpaid) orders: which ones to show, how to pay them (the best
//! offer under the API's rules) and what became of them. `list`, `offer` and
//! `outcome` are pure; `run` makes the calls, journals and settles.

pub mod list;
pub mod offer;
pub mod outcome;
pub mod run;

pub use list::{OrderResource, PendingOrderRow};
pub use offer::{choose, offers_from, Choice, OfferError, Offers, PayRequest};
pub use outcome::{Action, OrderOutcome, Status};

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// An order-API amount (a JSON number) as money: 2 decimals, half away from zero.
pub fn money(f: f64) -> Option<Decimal> {
    let d = Decimal::from_f64(f)?;
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    Some(r)
}

/// Rounds a computed amount to cents, always showing 2 decimals.
pub fn cents(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// `order_type` in words (ListCustomerOrders' codes).
pub fn order_type_name(t: Option<i32>) -> &'static str {
    match t {
        Some(1) => "new",
        Some(2) => "renewal",
        Some(3) => "change",
        Some(4) => "unsubscribe",
        Some(10) => "to pay-per-use",
        Some(11) => "to yearly/monthly",
        Some(13) => "trial",
        Some(14) => "trial to commercial",
        Some(15) => "fee adjustment",
        _ => "other",
    }
}

/// Order `status` in words.
pub fn order_status_name(s: Option<i32>) -> &'static str {
    match s {
        Some(1) => "pending review",
        Some(2) => "pending refund",
        Some(3) => "processing",
        Some(4) => "cancelled",
        Some(5) => "completed",
        Some(6) => "pending payment",
        Some(9) => "to be confirmed",
        Some(10..=13) => "in delivery",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_two_decimals() {
        assert_eq!(money(364.0).unwrap().to_string(), "364.00");
        assert_eq!(money(227.6).unwrap().to_string(), "227.60");
        assert_eq!(money(0.125).unwrap().to_string(), "0.13");
        assert_eq!(money(f64::NAN), None);
    }
}
