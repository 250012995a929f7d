//! Property tests of the planner on generated accounts and manifests:
//! one renewal per resource at most, attached ids never in main-only calls,
//! batches within the API's limits, dependencies respected, determinism.

use bssctl::bss::model::OrderInstanceV2;
use bssctl::live::Inventory;
use bssctl::manifest::{
    AutoRenewPeriod, AutoRenewSpec, Desired, DesiredState, Duration, OnExpiry, RenewAhead,
    RenewPeriod,
};
use bssctl::plan::price;
use bssctl::plan::{self, Operation, OperationKind, Plan};
use bssctl::state::last_applied::AutoRenewRecord;
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn now() -> DateTime<Utc> {
    bssctl::clock::parse_api_time("2026-11-24T00:00:00Z").unwrap()
}

#[derive(Debug, Clone)]
struct Main {
    policy: i32,
    status: i32,
    expire_days: i64,
    attached: usize,
    desired: Option<DesiredGen>,
}

#[derive(Debug, Clone)]
struct DesiredGen {
    on_expiry: Option<u8>,
    auto_renew: Option<(Option<bool>, Option<u8>)>,
    renew_ahead: Option<(u32, u8)>,
    unsubscribe: bool,
    protect: bool,
    auto_pay: bool,
}

fn desired_gen() -> impl Strategy<Value = DesiredGen> {
    (
        proptest::option::of(0u8..3),
        proptest::option::of((
            proptest::option::of(any::<bool>()),
            proptest::option::of(0u8..100),
        )),
        proptest::option::of((1u32..60, 0u8..14)),
        proptest::bool::weighted(0.1),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(on_expiry, auto_renew, renew_ahead, unsubscribe, protect, auto_pay)| DesiredGen {
                on_expiry,
                auto_renew,
                renew_ahead,
                unsubscribe,
                protect,
                auto_pay,
            },
        )
}

fn main_gen() -> impl Strategy<Value = Main> {
    (
        prop_oneof![Just(0), Just(1), Just(2), Just(3), Just(4), Just(5)],
        prop_oneof![Just(2), Just(2), Just(3), Just(4), Just(5)],
        -60i64..400,
        0usize..4,
        proptest::option::weighted(0.8, desired_gen()),
    )
        .prop_map(|(policy, status, expire_days, attached, desired)| Main {
            policy,
            status,
            expire_days,
            attached,
            desired,
        })
}

fn period(code: u8) -> RenewPeriod {
    // 0..11 months 1..=11, 11..14 years 1..=3
    if code < 11 {
        RenewPeriod::Months(code + 1)
    } else {
        RenewPeriod::Years(code - 10)
    }
}

fn build_inputs(mains: &[Main], attached_desired: bool) -> (Inventory, BTreeMap<String, Desired>) {
    let mut rows = Vec::new();
    let mut desired = BTreeMap::new();
    for (i, m) in mains.iter().enumerate() {
        let id = format!("main-{i:04}");
        let expire = bssctl::clock::format_api_time(now() + chrono::Duration::days(m.expire_days));
        let row = |rid: String, parent: Option<String>| OrderInstanceV2 {
            resource_id: Some(rid),
            resource_name: Some(format!("name-{i}")),
            is_main_resource: Some(if parent.is_some() { 0 } else { 1 }),
            parent_resource_id: parent,
            status: Some(m.status),
            expire_policy: Some(m.policy),
            expire_time: Some(expire.clone()),
            ..Default::default()
        };
        rows.push(row(id.clone(), None));
        for a in 0..m.attached {
            rows.push(row(format!("{id}-att-{a}"), Some(id.clone())));
        }
        if let Some(d) = &m.desired {
            let (min, p) = d.renew_ahead.unwrap_or((1, 0));
            // Keep renew_ahead valid: the period must outlast min_remaining.
            let p = period(p);
            let min = min.min((p.shortest_hours() / 24) as u32 - 1).max(1);
            let make = |rid: String| Desired {
                resource_id: rid,
                name: None,
                on_expiry: d.on_expiry.map(|o| match o {
                    0 => OnExpiry::AutoRenew,
                    1 => OnExpiry::OnDemand,
                    _ => OnExpiry::None,
                }),
                auto_renew: d.auto_renew.map(|(p, t)| AutoRenewSpec {
                    period: p.map(|y| {
                        if y {
                            AutoRenewPeriod::Year
                        } else {
                            AutoRenewPeriod::Month
                        }
                    }),
                    times: t,
                }),
                renew_ahead: d.renew_ahead.map(|_| RenewAhead {
                    min_remaining: Duration::days(min).unwrap(),
                    period: p,
                }),
                protect: d.protect,
                state: if d.unsubscribe {
                    DesiredState::Unsubscribed
                } else {
                    DesiredState::Active
                },
                auto_pay: d.auto_pay,
                sources: vec![],
            };
            desired.insert(id.clone(), make(id.clone()));
            if attached_desired && m.attached > 0 {
                // Resolve never passes attached ids on; the planner must not
                // act on them even if it did.
                desired.insert(format!("{id}-att-0"), make(format!("{id}-att-0")));
            }
        }
    }
    (Inventory::from_rows(rows), desired)
}

fn plan_of(inv: &Inventory, desired: &BTreeMap<String, Desired>) -> Plan {
    plan::build(&plan::PlanInput {
        desired,
        inventory: inv,
        auto_renew_records: &BTreeMap::<String, AutoRenewRecord>::new(),
        renew_holds: &BTreeMap::new(),
        renewal_settings: None,
        settings_record: None,
        now: now(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn plan_invariants(mains in proptest::collection::vec(main_gen(), 0..80), attached_desired in any::<bool>()) {
        let (inv, desired) = build_inputs(&mains, attached_desired);
        let plan = plan_of(&inv, &desired);

        // No resource gets two renewals, in changes or in batches.
        let mut renewals: BTreeMap<&str, usize> = BTreeMap::new();
        for b in &plan.batches {
            if matches!(b.operation, Operation::Renew { .. }) {
                for id in &b.resource_ids {
                    *renewals.entry(id).or_default() += 1;
                }
            }
        }
        prop_assert!(renewals.values().all(|n| *n == 1), "{renewals:?}");

        // Attached ids never appear in main-only calls (renew, unsubscribe,
        // to-on-demand, auto-renew) nor in rating calls.
        let attached: BTreeSet<String> = inv.iter().filter(|r| !r.is_main).map(|r| r.resource_id.clone()).collect();
        for b in &plan.batches {
            for id in &b.resource_ids {
                prop_assert!(!attached.contains(id), "attached {id} in a {:?} batch", b.kind);
            }
        }
        for req in price::rate_requests(&price::price_keys(&plan.changes)) {
            prop_assert!(req.resource_ids.len() <= 10);
            for id in &req.resource_ids {
                prop_assert!(!attached.contains(id), "attached {id} in a rating call");
            }
        }

        // Batches respect the per-call limits and cover every operation once.
        let mut covered = 0;
        for b in &plan.batches {
            prop_assert!(!b.resource_ids.is_empty());
            prop_assert!(b.resource_ids.len() <= b.kind.batch_limit(), "{:?} of {}", b.kind, b.resource_ids.len());
            covered += b.resource_ids.len();
            for d in &b.depends_on {
                prop_assert!(*d < b.index, "dependency {d} of batch {} runs later", b.index);
                prop_assert!(plan.batches[*d].kind < b.kind);
            }
        }
        let ops: usize = plan.changes.iter().map(|c| c.operations.len()).sum();
        prop_assert_eq!(covered, ops);

        // Nothing else happens to a resource being unsubscribed; protected
        // resources are never unsubscribed.
        for c in &plan.changes {
            if c.unsubscribes() {
                prop_assert_eq!(c.operations.len(), 1);
                prop_assert!(!c.protected);
            }
        }
        // Batches of the minimal count: one partial batch per (kind, params).
        let mut groups: BTreeMap<(OperationKind, String), usize> = BTreeMap::new();
        for b in &plan.batches {
            *groups.entry((b.kind, format!("{:?}", b.operation))).or_default() += b.resource_ids.len();
        }
        let floor: usize = groups.iter().map(|((k, _), n)| n.div_ceil(k.batch_limit())).sum();
        prop_assert_eq!(plan.batches.len(), floor);

        // Deterministic: same input, same bytes; input order does not matter.
        let again = plan_of(&inv, &desired);
        prop_assert_eq!(serde_json::to_string(&plan).unwrap(), serde_json::to_string(&again).unwrap());
        let mut reversed = Inventory::default();
        for r in inv.iter().collect::<Vec<_>>().into_iter().rev() {
            reversed.insert(r.clone());
        }
        let shuffled = plan_of(&reversed, &desired);
        prop_assert_eq!(serde_json::to_string(&plan).unwrap(), serde_json::to_string(&shuffled).unwrap());
    }
}
