//! Operations → a petgraph DAG (per-resource order, attached resources after
//! their main) → batches of one kind and parameters within the API's
//! per-call limits, each naming the batches it must wait for.
//!
//! Kinds are numbered so that every per-resource edge goes from a lower kind
//! to a higher one (a renewal that must come first is its own kind), so one
//! group per (kind, parameters) never depends on itself and needs only
//! ceil(n / limit) calls — the floor. The apply runs each batch as soon as
//! the ones it depends on are done (`apply::schedule`), not phase by phase.

use super::model::*;
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;

/// One operation of one change, as a graph node: indexes into the plan's
/// changes (no copied ids, so 100k resources stay cheap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpNode {
    pub change: usize,
    pub op: usize,
    pub kind: OperationKind,
}

/// The kind of each of a change's operations: a renewal that precedes other
/// operations of its resource runs in the early phase.
pub fn kinds_of(ops: &[Operation]) -> Vec<OperationKind> {
    ops.iter()
        .enumerate()
        .map(|(i, op)| match op {
            Operation::Renew { .. } if i + 1 < ops.len() => OperationKind::RenewFirst,
            Operation::Renew { .. } => OperationKind::Renew,
            Operation::EnableAutoRenew { .. } => OperationKind::EnableAutoRenew,
            Operation::CancelAutoRenew => OperationKind::CancelAutoRenew,
            Operation::SetOnDemand => OperationKind::SetOnDemand,
            Operation::CancelOnDemand => OperationKind::CancelOnDemand,
            Operation::Unsubscribe => OperationKind::Unsubscribe,
            Operation::SetRenewConfig { .. } => OperationKind::SetRenewConfig,
        })
        .collect()
}

/// The dependency graph: an edge a → b when b must wait for a. A
/// resource's operations form a chain; a change of an attached resource
/// (`main_resource_id`) waits for the last operation of its main's change.
pub fn operation_graph(changes: &[Change]) -> DiGraph<OpNode, ()> {
    let ops: usize = changes.iter().map(|c| c.operations.len()).sum();
    let mut g = DiGraph::with_capacity(ops, ops);
    let mut ends: BTreeMap<&str, (NodeIndex, NodeIndex)> = BTreeMap::new();
    for (ci, change) in changes.iter().enumerate() {
        let mut first: Option<NodeIndex> = None;
        let mut prev: Option<NodeIndex> = None;
        for (oi, kind) in kinds_of(&change.operations).into_iter().enumerate() {
            let n = g.add_node(OpNode {
                change: ci,
                op: oi,
                kind,
            });
            if let Some(p) = prev {
                g.add_edge(p, n, ());
            }
            first.get_or_insert(n);
            prev = Some(n);
        }
        if let (Some(f), Some(l)) = (first, prev) {
            ends.insert(change.resource_id.as_str(), (f, l));
        }
    }
    for change in changes {
        let Some(main) = change.main_resource_id.as_deref() else {
            continue;
        };
        if main == change.resource_id {
            continue;
        }
        if let (Some((first, _)), Some((_, main_last))) =
            (ends.get(change.resource_id.as_str()), ends.get(main))
        {
            g.add_edge(*main_last, *first, ());
        }
    }
    g
}

/// How many main resources a change hangs under (0 for a main resource):
/// attached changes batch apart from their mains, so that no batch waits
/// for itself.
fn attachment_depth(changes: &[Change]) -> Vec<usize> {
    let index: BTreeMap<&str, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.resource_id.as_str(), i))
        .collect();
    changes
        .iter()
        .map(|c| {
            let mut depth = 0;
            let mut at = c;
            while let Some(m) = at.main_resource_id.as_deref().and_then(|m| index.get(m)) {
                if depth >= changes.len() || changes[*m].resource_id == at.resource_id {
                    break;
                }
                depth += 1;
                at = &changes[*m];
            }
            depth
        })
        .collect()
}

/// All the plan's API calls: account settings first (one call each, no
/// resource ids), then the resources' batches.
pub fn plan_batches(account: &[AccountChange], changes: &[Change]) -> Vec<Batch> {
    let mut out: Vec<Batch> = account
        .iter()
        .enumerate()
        .map(|(index, a)| Batch {
            index,
            kind: OperationKind::SetRenewConfig,
            operation: a.operation.clone(),
            resource_ids: Vec::new(),
            depends_on: Vec::new(),
        })
        .collect();
    let offset = out.len();
    for mut b in batches(changes) {
        b.index += offset;
        for d in &mut b.depends_on {
            *d += offset;
        }
        out.push(b);
    }
    out
}

/// Groups the graph's operations into batches, in execution order. Changes
/// come sorted by resource id, so each batch's ids are sorted too.
pub fn batches(changes: &[Change]) -> Vec<Batch> {
    let g = operation_graph(changes);
    // The graph is built from chains and main → attached edges, so it is
    // acyclic; a cycle would be a bug, and toposort says so loudly in tests.
    debug_assert!(toposort(&g, None).is_ok(), "operation graph has a cycle");
    let depth = attachment_depth(changes);

    let mut groups: BTreeMap<(usize, OperationKind, &Operation), Vec<NodeIndex>> = BTreeMap::new();
    for n in g.node_indices() {
        let node = g[n];
        let op = &changes[node.change].operations[node.op];
        groups
            .entry((depth[node.change], node.kind, op))
            .or_default()
            .push(n);
    }
    let mut out: Vec<Batch> = Vec::new();
    let mut batch_of: Vec<usize> = vec![0; g.node_count()];
    for ((_, kind, operation), nodes) in groups {
        for chunk in nodes.chunks(kind.batch_limit()) {
            let index = out.len();
            for n in chunk {
                batch_of[n.index()] = index;
            }
            out.push(Batch {
                index,
                kind,
                operation: operation.clone(),
                resource_ids: chunk
                    .iter()
                    .map(|n| changes[g[*n].change].resource_id.clone())
                    .collect(),
                depends_on: Vec::new(),
            });
        }
    }
    for e in g.edge_indices() {
        let (a, b) = g.edge_endpoints(e).expect("edge has endpoints");
        let (from, to) = (batch_of[a.index()], batch_of[b.index()]);
        debug_assert!(from != to, "a batch would wait for itself");
        if !out[to].depends_on.contains(&from) {
            out[to].depends_on.push(from);
        }
    }
    for b in &mut out {
        b.depends_on.sort_unstable();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: &str, ops: Vec<Operation>) -> Change {
        Change::sketch(id, ops)
    }

    fn renew(pt: i32, pn: i32) -> Operation {
        Operation::Renew {
            period: RenewPeriod::from_api(pt, pn).unwrap(),
            pay_now: true,
        }
    }

    fn enable() -> Operation {
        Operation::EnableAutoRenew {
            period: None,
            times: None,
        }
    }

    #[test]
    fn renewals_batch_by_ten_and_by_period() {
        let mut changes: Vec<Change> = (0..23)
            .map(|i| change(&format!("r{i:02}"), vec![renew(3, 1)]))
            .collect();
        changes.push(change("m1", vec![renew(2, 1)]));
        let b = batches(&changes);
        let sizes: Vec<usize> = b.iter().map(|b| b.resource_ids.len()).collect();
        assert_eq!(sizes, vec![1, 10, 10, 3]);
        assert!(b.iter().all(|b| b.depends_on.is_empty()));
    }

    #[test]
    fn to_on_demand_batches_by_hundred() {
        let changes: Vec<Change> = (0..250)
            .map(|i| change(&format!("r{i:03}"), vec![Operation::SetOnDemand]))
            .collect();
        let sizes: Vec<usize> = batches(&changes)
            .iter()
            .map(|b| b.resource_ids.len())
            .collect();
        assert_eq!(sizes, vec![100, 100, 50]);
    }

    #[test]
    fn an_attached_change_waits_for_its_main_in_a_batch_of_its_own() {
        let mut changes = vec![
            change("a", vec![Operation::SetOnDemand]),
            change("b", vec![Operation::SetOnDemand]),
            change("m", vec![renew(2, 1), Operation::SetOnDemand]),
        ];
        changes[0].main_resource_id = Some("m".into());
        let b = batches(&changes);
        let ids: Vec<Vec<String>> = b.iter().map(|x| x.resource_ids.clone()).collect();
        assert_eq!(ids, vec![vec!["m"], vec!["b", "m"], vec!["a"]]);
        // a after m's last operation (the set_on_demand batch), which
        // follows m's renewal.
        assert_eq!(b[2].depends_on, vec![1]);
        assert_eq!(b[1].depends_on, vec![0]);
        for x in &b {
            assert!(x.depends_on.iter().all(|d| *d < x.index));
        }
    }

    #[test]
    fn per_resource_order_becomes_batch_dependencies() {
        let changes = vec![
            change("a", vec![Operation::CancelOnDemand, enable()]),
            change("b", vec![enable()]),
            change("c", vec![renew(3, 1), enable()]),
        ];
        let b = batches(&changes);
        let kinds: Vec<OperationKind> = b.iter().map(|b| b.kind).collect();
        assert_eq!(
            kinds,
            vec![
                OperationKind::RenewFirst,
                OperationKind::CancelOnDemand,
                OperationKind::EnableAutoRenew,
                OperationKind::EnableAutoRenew,
                OperationKind::EnableAutoRenew
            ]
        );
        let enable_a = b
            .iter()
            .find(|x| x.kind == OperationKind::EnableAutoRenew && x.resource_ids == ["a"])
            .unwrap();
        assert_eq!(enable_a.depends_on, vec![1]);
        let enable_c = b
            .iter()
            .find(|x| x.kind == OperationKind::EnableAutoRenew && x.resource_ids == ["c"])
            .unwrap();
        assert_eq!(enable_c.depends_on, vec![0]);
    }
}
