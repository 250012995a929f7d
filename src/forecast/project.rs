//! The projection: each resource's behaviour walked forward to the horizon,
//! then month totals, the balance runway and the risks. Pure: prices come
//! in as a lookup, the clock as `now`.

use super::model::*;
use crate::bss::model::{EXPIRE_POLICY_AUTO_RENEW, EXPIRE_POLICY_TO_ON_DEMAND, STATUS_IN_USE};
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;

/// `expire_policy` 2: deleted at expiry, straight from in use.
const EXPIRE_POLICY_DELETE: i32 = 2;
/// More charges than this for one resource means a bug, not a forecast
/// (36 months of monthly renewals is 37 at most).
const MAX_STEPS: usize = 64;

/// A price for one resource and period; None when unknown.
pub type PriceLookup<'a> = &'a dyn Fn(&str, Period) -> Option<Decimal>;

/// The first day of the month `n` months after `now`'s month.
pub fn month_start(now: DateTime<Utc>, n: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).expect("day 1 exists");
    first + Months::new(n)
}

/// The expiry after renewing `period` from `expire` (end-of-month clamps).
pub fn extend(expire: DateTime<Utc>, (period_type, num): Period) -> DateTime<Utc> {
    let months = match period_type {
        crate::bss::model::PERIOD_TYPE_YEAR => 12 * num.max(0) as u32,
        _ => num.max(0) as u32,
    };
    expire
        .checked_add_months(Months::new(months.max(1)))
        .unwrap_or(expire)
}

/// Events of one resource in one scenario, dated from `now` to before `end`.
pub fn project(
    s: &Subject,
    scenario: Scenario,
    settings: &Settings,
    now: DateTime<Utc>,
    end: NaiveDate,
    price: PriceLookup<'_>,
) -> Vec<Event> {
    let (b, deduction_days) = match scenario {
        Scenario::AsIs => (&s.as_is, settings.deduction_days_as_is),
        Scenario::Planned => (&s.planned, settings.deduction_days_planned),
    };
    let mut out = Vec::new();
    let Some(mut expire) = s.expire_time else {
        return out;
    };
    if b.unsubscribed {
        return out;
    }
    let today = now.date_naive();
    let id: std::sync::Arc<str> = s.resource_id.as_str().into();
    let event =
        |date: NaiveDate, kind: EventKind, amount: Option<Decimal>, estimated: bool| Event {
            date: date.max(today),
            resource_id: id.clone(),
            kind,
            amount,
            estimated,
        };
    if let Some(p) = b.renew_now {
        out.push(event(
            today,
            EventKind::RenewAhead,
            price(&s.resource_id, p),
            false,
        ));
        expire = extend(expire, p);
    }
    let mut times_left = b.auto_renew.and_then(|a| a.times);
    let auto = b
        .auto_renew
        .filter(|_| b.expire_policy == EXPIRE_POLICY_AUTO_RENEW);
    for _ in 0..MAX_STEPS {
        let ahead_at = b
            .renew_ahead
            .map(|(window, p)| ((expire - window).max(now), p));
        let auto_at = auto.filter(|_| times_left != Some(0)).map(|a| {
            (
                (expire - TimeDelta::days(deduction_days.into())).max(now),
                a,
            )
        });
        // renew_ahead wins a tie: it renews before the platform charges.
        let next = match (ahead_at, auto_at) {
            (Some((t, p)), Some((u, _))) if t <= u => Some((t, EventKind::RenewAhead, p, false)),
            (_, Some((u, a))) => Some((u, EventKind::AutoRenew, a.period, a.estimated)),
            (Some((t, p)), None) => Some((t, EventKind::RenewAhead, p, false)),
            (None, None) => None,
        };
        match next {
            Some((t, kind, p, estimated)) => {
                if t.date_naive() >= end {
                    return out;
                }
                out.push(event(
                    t.date_naive(),
                    kind,
                    price(&s.resource_id, p),
                    estimated,
                ));
                if kind == EventKind::AutoRenew {
                    times_left = times_left.map(|n| n - 1);
                }
                expire = extend(expire, p);
            }
            None => {
                expiry_events(s, b, expire, settings, now, end, &mut out, &event);
                return out;
            }
        }
    }
    out
}

/// What follows an expiry nothing renews, from `expire_policy`.
#[allow(clippy::too_many_arguments)]
fn expiry_events(
    s: &Subject,
    b: &Behaviour,
    expire: DateTime<Utc>,
    settings: &Settings,
    now: DateTime<Utc>,
    end: NaiveDate,
    out: &mut Vec<Event>,
    event: &dyn Fn(NaiveDate, EventKind, Option<Decimal>, bool) -> Event,
) {
    let past = expire <= now;
    let mut push = |date: NaiveDate, kind: EventKind| {
        if date.max(now.date_naive()) < end {
            out.push(event(date, kind, None, false));
        }
    };
    let day = expire.date_naive();
    match b.expire_policy {
        EXPIRE_POLICY_TO_ON_DEMAND if !past => push(day, EventKind::ToOnDemand),
        EXPIRE_POLICY_DELETE if !past => push(day, EventKind::Released),
        _ => {
            // Already frozen or expired: only the release is still to come.
            if !past || s.status == STATUS_IN_USE {
                push(day, EventKind::Frozen);
            }
            push(
                day + TimeDelta::days(settings.retention_days.into()),
                EventKind::Released,
            );
        }
    }
}

/// Month totals of a scenario's events, `months` long from `now`'s month.
pub fn totals(events: &[Event], now: DateTime<Utc>, months: u32) -> Vec<(NaiveDate, MonthTotals)> {
    let mut out: Vec<(NaiveDate, MonthTotals)> = (0..months)
        .map(|i| (month_start(now, i), MonthTotals::default()))
        .collect();
    let first = month_start(now, 0);
    for e in events {
        let i = (e.date.year() - first.year()) * 12 + e.date.month() as i32 - first.month() as i32;
        let Some((_, t)) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) else {
            continue;
        };
        t.charges += e.amount.unwrap_or_default();
        match e.kind {
            EventKind::AutoRenew => t.auto_renew += 1,
            EventKind::RenewAhead => t.renew_ahead += 1,
            EventKind::ToOnDemand => t.to_on_demand += 1,
            EventKind::Frozen | EventKind::Released => t.expiries += 1,
        }
    }
    out
}

/// The first month whose cumulative charges exceed `balance`.
pub fn runway(months: &[(NaiveDate, Decimal)], balance: Decimal) -> Option<NaiveDate> {
    let mut sum = Decimal::ZERO;
    months.iter().find_map(|(m, c)| {
        sum += c;
        (sum > balance).then_some(*m)
    })
}

/// Inputs to [`forecast`] besides the subjects.
pub struct Options<'a> {
    pub now: DateTime<Utc>,
    pub months: u32,
    pub risk_within: TimeDelta,
    pub settings: Settings,
    pub balance: Option<Decimal>,
    pub currency: String,
    pub with_plan: bool,
    pub price: PriceLookup<'a>,
}

/// Projects every subject in both scenarios and derives months, runway and
/// risks (from the planned scenario: what happens once the plan is applied).
pub fn forecast(subjects: &[Subject], o: &Options<'_>) -> Forecast {
    let end = month_start(o.now, o.months);
    let mut as_is = Vec::new();
    let mut planned = Vec::new();
    for s in subjects {
        as_is.extend(project(s, Scenario::AsIs, &o.settings, o.now, end, o.price));
        planned.extend(project(
            s,
            Scenario::Planned,
            &o.settings,
            o.now,
            end,
            o.price,
        ));
    }
    let order = |a: &Event, b: &Event| {
        (a.date, &a.resource_id, a.kind).cmp(&(b.date, &b.resource_id, b.kind))
    };
    as_is.sort_by(order);
    planned.sort_by(order);
    let months: Vec<Month> = totals(&as_is, o.now, o.months)
        .into_iter()
        .zip(totals(&planned, o.now, o.months))
        .map(|((start, a), (_, p))| Month {
            start,
            as_is: a,
            planned: p,
        })
        .collect();
    let runway_month = o.balance.and_then(|b| {
        let charges: Vec<_> = months
            .iter()
            .map(|m| (m.start, m.planned.charges))
            .collect();
        runway(&charges, b).map(|d| d.format("%Y-%m").to_string())
    });
    let risks = risks(subjects, &planned, o);
    Forecast {
        generated_at: o.now,
        currency: o.currency.clone(),
        with_plan: o.with_plan,
        months,
        events: planned,
        as_is_events: as_is,
        risks,
        risk_within_days: o.risk_within.num_days(),
        balance: o.balance,
        runway_month,
        warnings: Vec::new(),
        names: subjects
            .iter()
            .map(|s| (s.resource_id.clone(), s.name.clone()))
            .collect(),
    }
}

/// Frozen and released events within the window, and auto-renew charges in
/// it that the balance (less every earlier charge) does not cover.
fn risks(subjects: &[Subject], events: &[Event], o: &Options<'_>) -> Vec<Risk> {
    let until = (o.now + o.risk_within).date_naive();
    let by_id: std::collections::HashMap<&str, &Subject> = subjects
        .iter()
        .map(|s| (s.resource_id.as_str(), s))
        .collect();
    let mut spent = Decimal::ZERO;
    let mut out = Vec::new();
    for e in events.iter().filter(|e| e.date <= until) {
        spent += e.amount.unwrap_or_default();
        let kind = match e.kind {
            EventKind::Frozen => RiskKind::Frozen,
            EventKind::Released => RiskKind::Released,
            EventKind::AutoRenew if o.balance.is_some_and(|b| spent > b) => {
                RiskKind::UnfundedCharge
            }
            _ => continue,
        };
        let s = by_id.get(&*e.resource_id);
        out.push(Risk {
            resource_id: e.resource_id.to_string(),
            resource_name: s.map(|s| s.name.clone()).unwrap_or_default(),
            date: e.date,
            kind,
            managed: s.is_some_and(|s| s.managed),
            amount: e.amount.filter(|_| kind == RiskKind::UnfundedCharge),
        });
    }
    out
}

#[cfg(test)]
#[path = "project_tests.rs"]
mod tests;
