//! Which of the plan's batches may start now: the pure core of the apply's
//! scheduling, with no I/O (the executor sends, the client paces).
//!
//! A batch is ready once every batch it depends on is done (the plan's
//! `depends_on`: each resource's own order, attached resources after their
//! main), and renewals also wait for the account's renewal settings. Ready
//! batches run by API: each API has its own lane of at most `parallelism`
//! calls in flight, paced at its own rate by the client, so a slow or busy
//! API never holds up another and independent resources run at once.
//! Within an API, ready batches start in plan order (the plan lists the
//! renewals that others wait for first).

use crate::bss::Api;
use crate::plan::{Batch, Operation, OperationKind};
use std::collections::{BTreeMap, BTreeSet};

/// The API a batch's operation calls.
pub fn api_of(op: &Operation) -> Api {
    match op {
        Operation::Renew { .. } => Api::Renew,
        Operation::EnableAutoRenew { .. } => Api::EnableAutoRenew,
        Operation::CancelAutoRenew => Api::CancelAutoRenew,
        Operation::SetOnDemand | Operation::CancelOnDemand => Api::ToOnDemand,
        Operation::Unsubscribe => Api::Unsubscribe,
        Operation::SetRenewConfig { .. } => Api::SetRenewConfig,
    }
}

/// Every batch a batch waits for: its own `depends_on`, plus (for renewals)
/// the account's renewal settings, which the renewals of this apply follow.
pub fn dependencies(batches: &[Batch]) -> Vec<Vec<usize>> {
    let settings: Vec<usize> = batches
        .iter()
        .filter(|b| b.kind == OperationKind::SetRenewConfig)
        .map(|b| b.index)
        .collect();
    let position: BTreeMap<usize, usize> = batches
        .iter()
        .enumerate()
        .map(|(i, b)| (b.index, i))
        .collect();
    batches
        .iter()
        .map(|b| {
            let mut deps: BTreeSet<usize> = b
                .depends_on
                .iter()
                .filter_map(|d| position.get(d).copied())
                .collect();
            if matches!(b.kind, OperationKind::Renew | OperationKind::RenewFirst) {
                deps.extend(settings.iter().filter_map(|d| position.get(d).copied()));
            }
            deps.into_iter().collect()
        })
        .collect()
}

/// The state of a run: what is waiting, ready, running and done. Batches
/// are named by their position in the plan's list.
#[derive(Debug, Clone)]
pub struct Schedule {
    api: Vec<Api>,
    /// Unfinished dependencies per batch.
    waiting: Vec<usize>,
    dependents: Vec<Vec<usize>>,
    ready: BTreeMap<Api, BTreeSet<usize>>,
    running: BTreeMap<Api, usize>,
    lanes: usize,
    done: usize,
}

impl Schedule {
    /// `lanes`: calls in flight at once per API (at least one).
    pub fn new(batches: &[Batch], lanes: usize) -> Schedule {
        let deps = dependencies(batches);
        let mut dependents = vec![Vec::new(); batches.len()];
        for (i, ds) in deps.iter().enumerate() {
            for d in ds {
                dependents[*d].push(i);
            }
        }
        let api: Vec<Api> = batches.iter().map(|b| api_of(&b.operation)).collect();
        let mut ready: BTreeMap<Api, BTreeSet<usize>> = BTreeMap::new();
        for (i, ds) in deps.iter().enumerate() {
            if ds.is_empty() {
                ready.entry(api[i]).or_default().insert(i);
            }
        }
        Schedule {
            api,
            waiting: deps.iter().map(Vec::len).collect(),
            dependents,
            ready,
            running: BTreeMap::new(),
            lanes: lanes.max(1),
            done: 0,
        }
    }

    /// The next batch to start, if one is ready and its API has a free
    /// lane; it counts as running from now on.
    pub fn start_next(&mut self) -> Option<usize> {
        let lanes = self.lanes;
        let running = &self.running;
        let (api, queue) = self
            .ready
            .iter_mut()
            .filter(|(api, q)| !q.is_empty() && running.get(*api).copied().unwrap_or(0) < lanes)
            // The API whose first ready batch comes first in the plan.
            .min_by_key(|(_, q)| q.first().copied())?;
        let i = queue.pop_first()?;
        let api = *api;
        *self.running.entry(api).or_default() += 1;
        Some(i)
    }

    /// Batch `i` is done (whatever its outcome: the executor skips the ids
    /// that depend on a failure); what waited only for it becomes ready.
    pub fn finish(&mut self, i: usize) {
        let api = self.api[i];
        if let Some(n) = self.running.get_mut(&api) {
            *n = n.saturating_sub(1);
        }
        self.done += 1;
        for &d in &self.dependents[i] {
            self.waiting[d] -= 1;
            if self.waiting[d] == 0 {
                self.ready.entry(self.api[d]).or_default().insert(d);
            }
        }
    }

    /// Calls in flight now.
    pub fn running(&self) -> usize {
        self.running.values().sum()
    }

    pub fn is_done(&self) -> bool {
        self.done == self.api.len()
    }
}

/// One call of a simulated run (`simulate`), times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimCall {
    pub batch: usize,
    pub api: Api,
    pub start: f64,
    pub end: f64,
}

/// Runs a schedule against a model of the client: each API's calls start at
/// least `period_ms` apart (the pacer) and take `latency_ms`. For tests and
/// the benchmark's expected figure; the executor runs the same `Schedule`.
pub fn simulate(batches: &[Batch], lanes: usize, period_ms: f64, latency_ms: f64) -> Vec<SimCall> {
    let mut s = Schedule::new(batches, lanes);
    let mut next_slot: BTreeMap<Api, f64> = BTreeMap::new();
    let mut now = 0.0f64;
    let mut in_flight: Vec<SimCall> = Vec::new();
    let mut out = Vec::new();
    loop {
        while let Some(i) = s.start_next() {
            let api = api_of(&batches[i].operation);
            let slot = next_slot.entry(api).or_insert(0.0);
            let start = now.max(*slot);
            *slot = start + period_ms;
            in_flight.push(SimCall {
                batch: i,
                api,
                start,
                end: start + latency_ms,
            });
        }
        let Some(k) = (0..in_flight.len()).min_by(|a, b| {
            in_flight[*a]
                .end
                .total_cmp(&in_flight[*b].end)
                .then(in_flight[*a].batch.cmp(&in_flight[*b].batch))
        }) else {
            break;
        };
        let call = in_flight.swap_remove(k);
        now = call.end;
        s.finish(call.batch);
        out.push(call);
    }
    out
}

/// The floor the rate limit sets: the busiest API's calls at its pace.
pub fn busiest_api_bound_ms(batches: &[Batch], period_ms: f64) -> (Option<Api>, f64) {
    let mut calls: BTreeMap<Api, usize> = BTreeMap::new();
    for b in batches {
        *calls.entry(api_of(&b.operation)).or_default() += 1;
    }
    calls
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map_or((None, 0.0), |(api, n)| (Some(api), n as f64 * period_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::graph::plan_batches;
    use crate::plan::{AccountChange, Change};
    use proptest::prelude::*;

    fn change(id: &str, main: Option<&str>, ops: Vec<Operation>) -> Change {
        let mut c = Change::sketch(id, ops);
        c.is_main_resource = main.is_none();
        c.main_resource_id = main.map(str::to_string);
        c
    }

    fn renew(pn: i32) -> Operation {
        Operation::Renew {
            period: crate::plan::RenewPeriod::from_api(2, pn).expect("1 to 11 months"),
            pay_now: true,
        }
    }

    fn enable() -> Operation {
        Operation::EnableAutoRenew {
            period: None,
            times: None,
        }
    }

    /// The operation chains the diff can produce (in its order).
    fn chain(pick: u8, pn: i32) -> Vec<Operation> {
        match pick % 9 {
            0 => vec![enable()],
            1 => vec![renew(pn)],
            2 => vec![Operation::SetOnDemand],
            3 => vec![renew(pn), enable()],
            4 => vec![enable(), renew(pn)],
            5 => vec![Operation::CancelAutoRenew, Operation::SetOnDemand],
            6 => vec![
                renew(pn),
                Operation::CancelAutoRenew,
                Operation::SetOnDemand,
            ],
            7 => vec![Operation::CancelOnDemand, enable()],
            _ => vec![Operation::Unsubscribe],
        }
    }

    /// Changes sorted by id; some attached to an earlier main.
    fn changes_from(spec: &[(u8, u8, Option<u8>)]) -> Vec<Change> {
        let mut out: Vec<Change> = Vec::new();
        for (i, (pick, pn, main)) in spec.iter().enumerate() {
            let id = format!("r{i:04}");
            let main = main
                .filter(|_| i > 0)
                .map(|m| format!("r{:04}", usize::from(m) % i));
            let main = main.filter(|m| {
                out.iter()
                    .any(|c| &c.resource_id == m && c.main_resource_id.is_none())
            });
            out.push(change(
                &id,
                main.as_deref(),
                chain(*pick, i32::from(*pn % 3) + 1),
            ));
        }
        out
    }

    fn account(n: usize) -> Vec<AccountChange> {
        (0..n)
            .map(|i| AccountChange {
                setting: format!("s{i}"),
                before: None,
                after: "1".into(),
                operation: Operation::SetRenewConfig {
                    config_name: format!("C{i}"),
                    config_value: "1".into(),
                },
                reason: String::new(),
            })
            .collect()
    }

    #[test]
    fn independent_apis_run_at_once_and_renewals_wait_for_settings() {
        let mut changes: Vec<Change> = Vec::new();
        for i in 0..30 {
            changes.push(change(&format!("e{i:02}"), None, vec![enable()]));
            changes.push(change(&format!("r{i:02}"), None, vec![renew(1)]));
        }
        changes.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
        let batches = plan_batches(&account(1), &changes);
        let calls = simulate(&batches, 1, 100.0, 20.0);
        // 30 enables at 100 ms; 3 renewals run beside them, after the setting.
        let end = calls.iter().map(|c| c.end).fold(0.0, f64::max);
        assert_eq!(end, 2920.0);
        let setting = calls.iter().find(|c| c.api == Api::SetRenewConfig).unwrap();
        for c in calls.iter().filter(|c| c.api == Api::Renew) {
            assert!(c.start >= setting.end);
        }
        assert_eq!(
            busiest_api_bound_ms(&batches, 100.0),
            (Some(Api::EnableAutoRenew), 3000.0)
        );
    }

    #[test]
    fn a_lane_limits_calls_in_flight_per_api() {
        let changes: Vec<Change> = (0..5)
            .map(|i| change(&format!("e{i}"), None, vec![enable()]))
            .collect();
        let batches = plan_batches(&[], &changes);
        let mut s = Schedule::new(&batches, 2);
        assert_eq!(
            (s.start_next(), s.start_next(), s.start_next()),
            (Some(0), Some(1), None)
        );
        s.finish(1);
        assert_eq!(s.start_next(), Some(2));
        assert_eq!(s.running(), 2);
        assert!(!s.is_done());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Per-resource order, attached after main, per-call limits and
        /// each API's pace, on generated plans; and the run ends near the
        /// busiest API's bound.
        #[test]
        fn generated_plans_keep_order_limits_and_pace(
            spec in proptest::collection::vec((any::<u8>(), any::<u8>(), proptest::option::of(any::<u8>())), 1..160),
            settings in 0usize..3,
            lanes in 1usize..5,
            latency in 1u32..150,
        ) {
            let changes = changes_from(&spec);
            let batches = plan_batches(&account(settings), &changes);
            let period = 100.0;
            let latency = f64::from(latency);
            let calls = simulate(&batches, lanes, period, latency);
            // Every batch runs exactly once.
            let mut seen: Vec<usize> = calls.iter().map(|c| c.batch).collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..batches.len()).collect::<Vec<_>>());
            let at: BTreeMap<usize, SimCall> = calls.iter().map(|c| (c.batch, *c)).collect();
            // Per-call limits: the API's documented maximum, and one
            // (kind, parameters) per batch.
            for b in &batches {
                let api = api_of(&b.operation);
                let limit = api.max_ids().unwrap_or(1);
                prop_assert!(b.resource_ids.len() <= limit, "{:?} has {} ids", api, b.resource_ids.len());
            }
            // Where each (resource, operation) ran.
            let mut runs: BTreeMap<(&str, usize), &SimCall> = BTreeMap::new();
            for b in &batches {
                for id in &b.resource_ids {
                    let c = changes.iter().find(|c| &c.resource_id == id).unwrap();
                    let op = c.operations.iter().position(|o| *o == b.operation).unwrap();
                    prop_assert!(runs.insert((id.as_str(), op), &at[&b.index]).is_none());
                }
            }
            for c in &changes {
                // Per-resource order: each operation starts after the one
                // before it ended.
                for k in 1..c.operations.len() {
                    let (a, b) = (runs[&(c.resource_id.as_str(), k - 1)], runs[&(c.resource_id.as_str(), k)]);
                    prop_assert!(b.start >= a.end, "{} op {k}", c.resource_id);
                }
                // Attached after main: the first operation after the main's last.
                if let Some(m) = c.main_resource_id.as_deref() {
                    let main = changes.iter().find(|x| x.resource_id == m).unwrap();
                    let last = runs[&(m, main.operations.len() - 1)];
                    prop_assert!(runs[&(c.resource_id.as_str(), 0)].start >= last.end);
                }
                // Renewals after the account's settings.
                for (k, op) in c.operations.iter().enumerate() {
                    if matches!(op, Operation::Renew { .. }) {
                        for s in calls.iter().filter(|s| s.api == Api::SetRenewConfig) {
                            prop_assert!(runs[&(c.resource_id.as_str(), k)].start >= s.end);
                        }
                    }
                }
            }
            // Each API's pace: starts at least a period apart.
            let mut by_api: BTreeMap<Api, Vec<f64>> = BTreeMap::new();
            for c in &calls {
                by_api.entry(c.api).or_default().push(c.start);
            }
            for starts in by_api.values_mut() {
                starts.sort_by(f64::total_cmp);
                for w in starts.windows(2) {
                    prop_assert!(w[1] - w[0] >= period - 1e-9);
                }
            }
            // Near the bound: the busiest API's calls at the pace one lane
            // set allows, plus a period and a latency per step of the longest
            // chain (settings, a resource's three operations, an attached one's).
            let per_call = period.max(latency / lanes as f64);
            let (_, bound) = busiest_api_bound_ms(&batches, per_call);
            let end = calls.iter().map(|c| c.end).fold(0.0, f64::max);
            let slack = 8.0 * (per_call + latency);
            prop_assert!(end <= bound + slack, "end {end} bound {bound} slack {slack}");
        }
    }
}
