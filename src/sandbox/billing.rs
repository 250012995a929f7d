//! Money and periods: list prices, the best account discount, debiting the
//! balance, renewal arithmetic. Shared by renew, renew-rate and pay so the
//! price quoted is the price charged.

use super::errors::{ApiError, CODE_INSUFFICIENT_BALANCE};
use super::state::{AccountDiscount, Balance, Renewal, State};
use crate::bss::model;
use chrono::{DateTime, Months, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to fen (2 decimals), half away from zero, and always shows 2
/// decimals (`4040` → `4040.00`).
pub fn money(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

pub fn money_str(d: Decimal) -> String {
    money(d).to_string()
}

/// Order APIs carry amounts as JSON numbers (`float` in the SDK).
pub fn to_f64(d: Decimal) -> f64 {
    money(d).to_f64().unwrap_or(0.0)
}

/// What a discount with multiplier `rate` saves on `amount`.
pub fn saving(amount: Decimal, rate: Decimal) -> Decimal {
    money(amount - amount * rate)
}

/// The account discount that saves most on `amount` (first listed wins a
/// tie), with its saving.
pub fn best_discount(
    discounts: &[AccountDiscount],
    amount: Decimal,
) -> Option<(&AccountDiscount, Decimal)> {
    let mut best: Option<(&AccountDiscount, Decimal)> = None;
    for d in discounts {
        let s = saving(amount, d.rate);
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((d, s));
        }
    }
    best
}

/// The end of `n` periods (2 month, 3 year) starting at `from`, by calendar.
pub fn add_period(from: DateTime<Utc>, period_type: i32, n: i32) -> Option<DateTime<Utc>> {
    let months = if period_type == model::PERIOD_TYPE_YEAR {
        n.checked_mul(12)?
    } else {
        n
    };
    from.checked_add_months(Months::new(u32::try_from(months).ok()?))
}

/// Debits `amount` from cash (type 1) first, then credit (type 2). When the
/// two together cannot cover it, nothing is debited: CBC.99005003.
pub fn debit(balances: &mut [Balance], amount: Decimal) -> Result<(), ApiError> {
    let usable = |b: &Balance| {
        b.account_type == model::ACCOUNT_TYPE_BALANCE
            || b.account_type == model::ACCOUNT_TYPE_CREDIT
    };
    let available: Decimal = balances
        .iter()
        .filter(|b| usable(b))
        .map(|b| b.amount.max(Decimal::ZERO))
        .sum();
    if available < amount {
        return Err(ApiError::new(
            400,
            CODE_INSUFFICIENT_BALANCE,
            format!(
                "Insufficient balance: the order costs {} but the account has {} available.",
                money_str(amount),
                money_str(available)
            ),
        ));
    }
    let mut left = amount;
    for kind in [model::ACCOUNT_TYPE_BALANCE, model::ACCOUNT_TYPE_CREDIT] {
        for b in balances.iter_mut().filter(|b| b.account_type == kind) {
            let take = left.min(b.amount.max(Decimal::ZERO));
            b.amount -= take;
            left -= take;
        }
    }
    Ok(())
}

/// Makes a paid renewal order take effect: each line's resource gets its
/// period appended to its current expiry (recorded in `renewals`), and an
/// expired or frozen resource whose new expiry is in the future is in use
/// again. The order's lines are updated to the periods actually added.
pub fn apply_renewal(
    state: &mut State,
    order_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(order) = state.order(order_id).cloned() else {
        return Err(ApiError::internal(format!("order {order_id} vanished")));
    };
    let mut lines = order.lines.clone();
    for line in &mut lines {
        let (Some(pt), Some(pn)) = (line.period_type, line.period_num) else {
            continue;
        };
        let Some(r) = state
            .resources
            .iter_mut()
            .find(|r| r.resource_id == line.resource_id)
        else {
            continue;
        };
        let from = r.expire_time;
        let to = add_period(from, pt, pn)
            .ok_or_else(|| ApiError::internal(format!("period overflow for {}", r.resource_id)))?;
        r.expire_time = to;
        r.update_time = now;
        if (r.status == model::STATUS_EXPIRED || r.status == model::STATUS_FROZEN) && to > now {
            r.status = model::STATUS_IN_USE;
        }
        r.renewals.push(Renewal {
            order_id: order_id.to_string(),
            from,
            to,
        });
        line.effective_time = from;
        line.expire_time = to;
    }
    if let Some(o) = state.order_mut(order_id) {
        o.lines = lines;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn bal(t: i32, amount: &str) -> Balance {
        Balance {
            account_id: format!("a{t}"),
            account_type: t,
            amount: d(amount),
            designated_amount: Decimal::ZERO,
            credit_amount: None,
        }
    }

    #[test]
    fn money_always_has_two_decimals() {
        assert_eq!(money_str(d("4040")), "4040.00");
        assert_eq!(money_str(d("0.125")), "0.13");
        assert_eq!(saving(d("4280.00"), d("0.90")), d("428.00"));
    }

    #[test]
    fn months_are_calendar_months() {
        let t = Utc.with_ymd_and_hms(2026, 1, 31, 0, 0, 0).unwrap();
        assert_eq!(
            add_period(t, model::PERIOD_TYPE_MONTH, 1).unwrap(),
            Utc.with_ymd_and_hms(2026, 2, 28, 0, 0, 0).unwrap()
        );
        assert_eq!(
            add_period(t, model::PERIOD_TYPE_YEAR, 2).unwrap(),
            Utc.with_ymd_and_hms(2028, 1, 31, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn debit_uses_cash_then_credit_and_is_all_or_nothing() {
        let mut b = vec![bal(2, "100"), bal(1, "50")];
        debit(&mut b, d("120")).unwrap();
        assert_eq!((b[0].amount, b[1].amount), (d("30"), d("0")));
        let before = b.clone();
        let err = debit(&mut b, d("30.01")).unwrap_err();
        assert_eq!(err.code, CODE_INSUFFICIENT_BALANCE);
        assert_eq!(b, before);
    }

    #[test]
    fn best_discount_is_the_largest_saving() {
        let mk = |id: &str, rate: &str| AccountDiscount {
            discount_id: id.into(),
            discount_type: 605,
            discount_name: id.into(),
            rate: d(rate),
        };
        let list = vec![mk("a", "0.95"), mk("b", "0.90"), mk("c", "0.90")];
        let (best, s) = best_discount(&list, d("100")).unwrap();
        assert_eq!((best.discount_id.as_str(), s), ("b", d("10.00")));
        assert!(best_discount(&[], d("1")).is_none());
    }
}
