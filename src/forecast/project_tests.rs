use super::*;
use crate::bss::model::{EXPIRE_POLICY_GRACE, PERIOD_TYPE_MONTH, PERIOD_TYPE_YEAR, STATUS_FROZEN};
use chrono::TimeZone;
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn behaviour(policy: i32, auto: Option<(Period, Option<u32>, bool)>) -> Behaviour {
    Behaviour {
        expire_policy: policy,
        auto_renew: auto.map(|(period, times, estimated)| AutoRenew {
            period,
            times,
            estimated,
        }),
        renew_ahead: None,
        renew_now: None,
        unsubscribed: false,
    }
}

fn subject(id: &str, status: i32, expire: DateTime<Utc>, b: Behaviour) -> Subject {
    Subject {
        resource_id: id.into(),
        name: format!("{id}-name"),
        managed: false,
        status,
        expire_time: Some(expire),
        as_is: b.clone(),
        planned: b,
    }
}

fn flat(_: &str, p: Period) -> Option<Decimal> {
    Some(match p.0 {
        PERIOD_TYPE_YEAR => Decimal::from(1000 * p.1),
        _ => Decimal::from(100 * p.1),
    })
}

fn kinds(events: &[Event]) -> Vec<(NaiveDate, &'static str)> {
    events.iter().map(|e| (e.date, e.kind.name())).collect()
}

const MONTH: Period = (PERIOD_TYPE_MONTH, 1);
const YEAR: Period = (PERIOD_TYPE_YEAR, 1);

#[test]
fn projections_by_policy() {
    let end = month_start(now(), 12);
    let s = Settings::default();
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, Subject, Vec<(NaiveDate, &str)>)> = vec![
        (
            "yearly auto-renew charges 7 days before expiry, once in 12 months",
            subject(
                "a",
                STATUS_IN_USE,
                at(2027, 3, 1),
                behaviour(3, Some((YEAR, None, false))),
            ),
            vec![(day(2027, 2, 22), "auto_renew")],
        ),
        (
            "auto-renew due inside the deduction window is charged today",
            subject(
                "b",
                STATUS_IN_USE,
                at(2026, 11, 28),
                behaviour(3, Some((YEAR, None, false))),
            ),
            vec![(day(2026, 11, 24), "auto_renew")],
        ),
        (
            "auto_renew_times runs out: frozen at expiry, released after retention",
            subject(
                "c",
                STATUS_IN_USE,
                at(2026, 12, 20),
                behaviour(3, Some((MONTH, Some(1), false))),
            ),
            vec![
                (day(2026, 12, 13), "auto_renew"),
                (day(2027, 1, 20), "frozen"),
                (day(2027, 2, 4), "released"),
            ],
        ),
        (
            "to pay-per-use at expiry",
            subject("d", STATUS_IN_USE, at(2026, 12, 20), behaviour(1, None)),
            vec![(day(2026, 12, 20), "to_on_demand")],
        ),
        (
            "grace: frozen at expiry, released 15 days later",
            subject(
                "e",
                STATUS_IN_USE,
                at(2026, 12, 4),
                behaviour(EXPIRE_POLICY_GRACE, None),
            ),
            vec![
                (day(2026, 12, 4), "frozen"),
                (day(2026, 12, 19), "released"),
            ],
        ),
        (
            "delete at expiry: released that day",
            subject("f", STATUS_IN_USE, at(2027, 1, 9), behaviour(2, None)),
            vec![(day(2027, 1, 9), "released")],
        ),
        (
            "already frozen past retention: released today",
            subject("g", STATUS_FROZEN, at(2026, 10, 20), behaviour(0, None)),
            vec![(day(2026, 11, 24), "released")],
        ),
        (
            "expiry beyond the horizon: nothing",
            subject("h", STATUS_IN_USE, at(2028, 1, 1), behaviour(0, None)),
            vec![],
        ),
    ];
    for (what, subj, want) in cases {
        let got = project(&subj, Scenario::AsIs, &s, now(), end, &flat);
        assert_eq!(kinds(&got), want, "{what}");
    }
}

#[test]
fn yearly_auto_renew_charges_again_within_36_months() {
    let subj = subject(
        "y",
        STATUS_IN_USE,
        at(2026, 12, 10),
        behaviour(3, Some((YEAR, None, true))),
    );
    let got = project(
        &subj,
        Scenario::AsIs,
        &Settings::default(),
        now(),
        month_start(now(), 36),
        &flat,
    );
    assert_eq!(
        kinds(&got),
        vec![
            (day(2026, 12, 3), "auto_renew"),
            (day(2027, 12, 3), "auto_renew"),
            (day(2028, 12, 3), "auto_renew")
        ]
    );
    assert!(got
        .iter()
        .all(|e| e.estimated && e.amount == Some(Decimal::from(1000))));
}

#[test]
fn renew_ahead_renews_before_the_platform_charges_and_deduction_day_moves_charges() {
    let mut subj = subject(
        "r",
        STATUS_IN_USE,
        at(2027, 2, 1),
        behaviour(3, Some((MONTH, None, false))),
    );
    subj.planned.renew_ahead = Some((TimeDelta::days(30), (PERIOD_TYPE_MONTH, 6)));
    let settings = Settings {
        deduction_days_planned: 3,
        ..Settings::default()
    };
    let end = month_start(now(), 12);
    let planned = project(&subj, Scenario::Planned, &settings, now(), end, &flat);
    assert_eq!(
        kinds(&planned),
        vec![
            (day(2027, 1, 2), "renew_ahead"),
            (day(2027, 7, 2), "renew_ahead")
        ]
    );
    let as_is = project(&subj, Scenario::AsIs, &settings, now(), end, &flat);
    assert_eq!(as_is[0].date, day(2027, 1, 25));
    assert_eq!(as_is.len(), 10);
}

#[test]
fn renew_now_and_unsubscribe_in_the_plan() {
    let mut subj = subject("n", STATUS_IN_USE, at(2026, 12, 4), behaviour(0, None));
    subj.planned.renew_now = Some(YEAR);
    let end = month_start(now(), 12);
    let got = project(
        &subj,
        Scenario::Planned,
        &Settings::default(),
        now(),
        end,
        &flat,
    );
    assert_eq!(kinds(&got), vec![(day(2026, 11, 24), "renew_ahead")]);
    subj.planned.unsubscribed = true;
    assert!(project(
        &subj,
        Scenario::Planned,
        &Settings::default(),
        now(),
        end,
        &flat
    )
    .is_empty());
}

fn options(balance: Option<Decimal>) -> Options<'static> {
    Options {
        now: now(),
        months: 12,
        risk_within: TimeDelta::days(30),
        settings: Settings::default(),
        balance,
        currency: "CNY".into(),
        with_plan: false,
        price: &flat,
    }
}

#[test]
fn risks_runway_and_unfunded_charges() {
    let subjects = vec![
        subject("grace", STATUS_IN_USE, at(2026, 12, 4), behaviour(0, None)),
        subject(
            "auto1",
            STATUS_IN_USE,
            at(2026, 12, 10),
            behaviour(3, Some((YEAR, None, false))),
        ),
        subject(
            "auto2",
            STATUS_IN_USE,
            at(2026, 12, 12),
            behaviour(3, Some((YEAR, None, false))),
        ),
    ];
    let f = forecast(&subjects, &options(Some(Decimal::from(1500))));
    let risks: Vec<_> = f
        .risks
        .iter()
        .map(|r| (r.resource_id.as_str(), r.kind.name()))
        .collect();
    assert_eq!(
        risks,
        vec![
            ("grace", "frozen"),
            ("auto2", "unfunded_charge"),
            ("grace", "released")
        ]
    );
    assert_eq!(f.runway_month.as_deref(), Some("2026-12"));
    let rich = forecast(&subjects, &options(Some(Decimal::from(100_000))));
    assert_eq!(rich.runway_month, None);
    assert_eq!(rich.risks.len(), 2);
}

fn arb_subject() -> impl Strategy<Value = Subject> {
    (
        0u32..1200,
        prop_oneof![Just(0), Just(1), Just(2), Just(3), Just(4), Just(5)],
        prop_oneof![Just(MONTH), Just(YEAR), Just((PERIOD_TYPE_MONTH, 3))],
        proptest::option::of(0u32..5),
        prop_oneof![Just(STATUS_IN_USE), Just(STATUS_FROZEN), Just(5)],
        any::<bool>(),
        proptest::option::of((1i64..90, prop_oneof![Just(MONTH), Just(YEAR)])),
    )
        .prop_map(|(days, policy, period, times, status, id, ahead)| {
            let expire = at(2026, 6, 1) + TimeDelta::days(days.into());
            let b = behaviour(policy, (policy == 3).then_some((period, times, false)));
            let mut s = subject(&format!("r{days}-{id}"), status, expire, b);
            s.planned.renew_ahead = ahead.map(|(d, p)| (TimeDelta::days(d), p));
            s
        })
}

proptest! {
    /// Each month's totals are exactly the sum of its events, in both columns.
    #[test]
    fn months_and_events_add_up(subjects in proptest::collection::vec(arb_subject(), 0..20), months in 1u32..=36) {
        let mut o = options(Some(Decimal::from(5000)));
        o.months = months;
        let f = forecast(&subjects, &o);
        prop_assert_eq!(f.months.len() as u32, months);
        for (events, pick) in [(&f.as_is_events, 0), (&f.events, 1)] {
            let total: Decimal = events.iter().filter_map(|e| e.amount).sum();
            let months_total: Decimal = f.months.iter().map(|m| if pick == 0 { m.as_is.charges } else { m.planned.charges }).sum();
            prop_assert_eq!(total, months_total);
            let count = |k: fn(&MonthTotals) -> u32| f.months.iter().map(|m| k(if pick == 0 { &m.as_is } else { &m.planned })).sum::<u32>();
            prop_assert_eq!(count(|t| t.auto_renew) as usize, events.iter().filter(|e| e.kind == EventKind::AutoRenew).count());
            prop_assert_eq!(count(|t| t.renew_ahead) as usize, events.iter().filter(|e| e.kind == EventKind::RenewAhead).count());
            prop_assert_eq!(count(|t| t.expiries) as usize, events.iter().filter(|e| e.kind.is_expiry()).count());
            prop_assert_eq!(count(|t| t.to_on_demand) as usize, events.iter().filter(|e| e.kind == EventKind::ToOnDemand).count());
            let end = month_start(now(), months);
            prop_assert!(events.iter().all(|e| e.date >= now().date_naive() && e.date < end));
        }
    }

    /// A resource no manifest names has the same as_is and planned columns.
    #[test]
    fn unmanaged_as_is_equals_planned(mut s in arb_subject()) {
        s.planned = s.as_is.clone();
        let f = forecast(std::slice::from_ref(&s), &options(None));
        prop_assert_eq!(&f.as_is_events, &f.events);
        for m in &f.months {
            prop_assert_eq!(&m.as_is, &m.planned);
        }
    }

    /// Monthly auto-renew without limit: one charge in each of 12 months.
    #[test]
    fn monthly_auto_renew_charges_every_month(offset in 8i64..40, deduction in 2u32..=7) {
        let expire = now() + TimeDelta::days(offset);
        let s = subject("m", STATUS_IN_USE, expire, behaviour(3, Some((MONTH, None, false))));
        let o = Options { settings: Settings { deduction_days_as_is: deduction, deduction_days_planned: deduction, retention_days: 15 }, ..options(None) };
        // A horizon of 12 charges: from the first charge's month on.
        let first = (expire - TimeDelta::days(deduction.into())).date_naive();
        let skip = (first.year() - 2026) * 12 + first.month() as i32 - 11;
        let f = forecast(std::slice::from_ref(&s), &Options { months: 12 + skip as u32, ..o });
        let charges: Vec<_> = f.months.iter().skip(skip as usize).map(|m| m.as_is.auto_renew).collect();
        prop_assert_eq!(charges, vec![1; 12]);
        prop_assert_eq!(f.events.len(), 12);
    }
}
