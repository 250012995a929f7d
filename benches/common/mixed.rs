//! The mixed apply of issue 14, shared by `benches/apply_speed.rs` and the
//! `apply_speed` integration test: an account of `mains` main resources
//! (one in six ECS without auto-renew, one in six DCS with auto-renew, the
//! rest RDS due for renewal) and a manifest of three selectors: ECS
//! auto-renew on, RDS renew-ahead one month, DCS to pay-per-use (which
//! cancels auto-renew first). A few ECS are frozen and a few DCS expired:
//! the API refuses their setting changes, so the plan must leave them out
//! with a warning.
//!
//! The calls: ECS one enable_auto_renew each; DCS one cancel_auto_renew each,
//! then set_on_demand in 100s; RDS renewals in 10s. Auto-renew on and off
//! are the busiest APIs, with the same number of calls: run one after the
//! other they take twice the bound, run side by side about the bound.

use bssctl::sandbox::{self, State};
use chrono::{DateTime, Utc};

pub const MIXED_MANIFEST: &str = r#"version: 1
selectors:
  - match: { service_type: hws.service.type.ec2 }
    on_expiry: auto_renew
  - match: { service_type: hws.service.type.rds }
    renew_ahead: { min_remaining: 20d, period: 1m }
  - match: { service_type: hws.service.type.dcs }
    on_expiry: on_demand
"#;

/// How the generated account splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    pub ecs: usize,
    pub dcs: usize,
    pub rds: usize,
    /// ECS that are frozen (not changed; a plan warning each).
    pub frozen_ecs: usize,
    /// DCS that are expired (not changed; a plan warning each).
    pub expired_dcs: usize,
}

impl Mix {
    pub fn of(mains: usize) -> Mix {
        let ecs = mains / 6;
        let dcs = mains / 6;
        Mix {
            ecs,
            dcs,
            rds: mains - ecs - dcs,
            frozen_ecs: 3.min(ecs),
            expired_dcs: 2.min(dcs),
        }
    }

    /// (enable_auto_renew, cancel_auto_renew, set_on_demand, renew) calls.
    pub fn calls(&self) -> (usize, usize, usize, usize) {
        let dcs = self.dcs - self.expired_dcs;
        (
            self.ecs - self.frozen_ecs,
            dcs,
            dcs.div_ceil(100),
            self.rds.div_ceil(10),
        )
    }
}

fn at(s: &str) -> DateTime<Utc> {
    bssctl::clock::parse_api_time(s).expect("valid time")
}

/// Writes the account to `path`: the seed's balances and settings, its
/// resources replaced by the generated mains (no attached resources).
pub fn write_mixed_state(path: &std::path::Path, mix: Mix) {
    let seed = sandbox::seed_state();
    let template = |service: &str| {
        seed.resources
            .iter()
            .find(|r| r.service_type_code == service && r.is_main_resource == 1 && r.status == 2)
            .cloned()
            .expect("the seed has one")
    };
    let (ecs, rds, dcs) = (
        template("hws.service.type.ec2"),
        template("hws.service.type.rds"),
        template("hws.service.type.dcs"),
    );
    let mut state: State = seed.clone();
    state.resources.clear();
    state.orders.clear();
    state.coupons.clear();
    state.order_discounts.clear();
    for b in &mut state.balances {
        b.amount = rust_decimal::Decimal::from(100_000_000);
    }
    let mut add = |t: &sandbox::state::Resource,
                   name: &str,
                   i: usize,
                   f: &dyn Fn(&mut sandbox::state::Resource)| {
        let mut r = t.clone();
        r.resource_id = format!("{name}-{i:05}");
        r.id = format!("ORD-{name}-{i:05}");
        r.resource_name = format!("{name}-{i:05}");
        r.parent_resource_id = None;
        r.previous_expire_policy = None;
        r.renewals.clear();
        r.renewable = true;
        r.to_on_demand_allowed = true;
        f(&mut r);
        state.resources.push(r);
    };
    for i in 0..mix.ecs {
        add(&ecs, "ecs", i, &|r| {
            r.expire_policy = 0;
            r.auto_renew_period_type = None;
            r.auto_renew_times = None;
            r.expire_time = at("2027-06-01T00:00:00Z");
            if i < mix.frozen_ecs {
                r.status = 4;
                r.expire_time = at("2026-11-01T00:00:00Z");
            }
        });
    }
    for i in 0..mix.dcs {
        add(&dcs, "dcs", i, &|r| {
            r.expire_policy = 3;
            r.auto_renew_period_type = Some("MONTH".into());
            r.auto_renew_times = Some(0);
            r.expire_time = at("2027-03-01T00:00:00Z");
            if i < mix.expired_dcs {
                r.status = 5;
                r.expire_time = at("2026-11-20T00:00:00Z");
            }
        });
    }
    for i in 0..mix.rds {
        add(&rds, "rds", i, &|r| {
            r.expire_policy = 0;
            r.auto_renew_period_type = None;
            r.auto_renew_times = None;
            r.expire_time = at("2026-12-10T00:00:00Z");
        });
    }
    state.save_atomic(path).expect("state written");
}
