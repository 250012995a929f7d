//! Runs the plan's batches by readiness (`schedule`): each batch as soon as
//! the batches it depends on are done, each API in its own lane of
//! `parallelism` calls paced by the client at that API's rate, so different
//! APIs and independent resources run at once. Records every operation in
//! the journal before sending it (no journal, no request), never sends a
//! purchase again whose answer was lost (its outcome is unknown until a
//! later run checks it after the settle time), and skips a resource's later
//! operations (and its attached resources') after one did not succeed.

use super::recheck;
use super::schedule::Schedule;
use crate::bss::model::*;
use crate::bss::{ApiError, BssClient};
use crate::clock::format_api_time;
use crate::plan::{Batch, Operation, OperationKind, Plan};
use crate::state::journal::{self, AccountKey, FailedId, Journal, Record};
use crate::state::last_applied::AutoRenewRecord;
use chrono::{DateTime, Utc};
use futures::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Done,
    Failed,
    Skipped,
    /// Sent, but whether it took effect is unknown (the answer was lost or
    /// did not match the request); held until a later run checks it.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpResult {
    pub resource_id: String,
    pub operation: Operation,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// What to do about `error_code` (`crate::hints`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub order_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub results: Vec<OpResult>,
    /// Auto-renew settings sent successfully (for the last-applied record).
    #[serde(skip)]
    pub auto_renew_set: BTreeMap<String, AutoRenewRecord>,
    #[serde(skip)]
    pub auto_renew_cancelled: BTreeSet<String>,
    /// Renewal orders left unpaid (auto_pay false).
    pub unpaid_orders: Vec<String>,
    /// Account renewal settings set (config name → value).
    #[serde(skip)]
    pub renew_config_set: BTreeMap<String, String>,
    /// Set when a journal record could not be written (nothing more was
    /// sent after a failed intent).
    #[serde(skip)]
    pub journal_error: Option<String>,
}

/// The `resource_id` of results for account-wide settings.
pub const ACCOUNT: &str = "account";

impl ApplyReport {
    pub fn count(&self, s: Status) -> usize {
        self.results.iter().filter(|r| r.status == s).count()
    }
}

/// What the executor reports while it runs; `progress::Progress` draws it
/// on the terminal. The executor knows only this trait (no rendering here).
pub trait Observer: Sync {
    /// Before the first batch, with the number of operations.
    fn start(&self, total: usize);
    /// After each batch, with its results.
    fn batch_done(&self, batch: &Batch, results: &[OpResult]);
    /// After the last batch.
    fn finish(&self);
}

pub struct Executor<'a> {
    pub client: &'a BssClient,
    pub journal: Arc<Mutex<Journal>>,
    pub run_id: String,
    /// Calls in flight at once per API.
    pub parallelism: usize,
    pub progress: &'a dyn Observer,
    /// The planning clock (the service's clock in tests): orders created
    /// from then on may be this run's.
    pub now: DateTime<Utc>,
    /// The account and endpoint every intent is recorded for.
    pub account: AccountKey,
    /// How long after sending a later run may check an unknown outcome.
    pub settle: chrono::Duration,
    /// The first journal write that failed; once set nothing more is sent.
    pub journal_error: Mutex<Option<String>>,
}

struct BatchCtx<'a> {
    exec: &'a Executor<'a>,
    expire_before: &'a BTreeMap<String, String>,
    /// What the plan saw, to re-check before buying (DESIGN §9).
    seen: &'a BTreeMap<String, recheck::Seen>,
    /// Resources held by unpaid renewal orders created since the plan, or
    /// why that could not be learned.
    held: &'a Result<BTreeMap<String, String>, ApiError>,
    /// The planned `expire_policy` after the apply, by resource id.
    policy_after: &'a BTreeMap<String, i32>,
}

impl Executor<'_> {
    pub async fn run(&self, plan: &Plan) -> ApplyReport {
        let mut report = ApplyReport::default();
        let expire_before: BTreeMap<String, String> = plan
            .changes
            .iter()
            .filter_map(|c| {
                c.before
                    .expire_time
                    .clone()
                    .map(|e| (c.resource_id.clone(), e))
            })
            .collect();
        let seen = recheck::seen_by(plan);
        let renews = plan
            .batches
            .iter()
            .any(|b| matches!(b.operation, Operation::Renew { .. }));
        let held = match renews {
            true => recheck::held_by_new_orders(self.client, plan).await,
            false => Ok(BTreeMap::new()),
        };
        let policy_after: BTreeMap<String, i32> = plan
            .changes
            .iter()
            .map(|c| (c.resource_id.clone(), c.after.expire_policy))
            .collect();
        let ctx = BatchCtx {
            exec: self,
            expire_before: &expire_before,
            seen: &seen,
            held: &held,
            policy_after: &policy_after,
        };
        let total: usize = plan
            .batches
            .iter()
            .map(|b| b.resource_ids.len().max(1))
            .sum();
        self.progress.start(total);
        // Attached resources with changes of their own, by main: a failure
        // of the main skips them too.
        let mut attached_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for c in &plan.changes {
            if let Some(m) = c.main_resource_id.as_deref() {
                attached_of
                    .entry(m)
                    .or_default()
                    .push(c.resource_id.as_str());
            }
        }
        let mut blocked: BTreeSet<String> = BTreeSet::new();
        let mut by_batch: Vec<Vec<OpResult>> = vec![Vec::new(); plan.batches.len()];
        let mut schedule = Schedule::new(&plan.batches, self.parallelism);
        let mut running = FuturesUnordered::new();
        loop {
            // Start everything that is ready and has a free lane for its API
            // (the client paces each API at its own rate).
            while let Some(i) = schedule.start_next() {
                let batch = &plan.batches[i];
                let (ready, skipped): (Vec<String>, Vec<String>) = batch
                    .resource_ids
                    .iter()
                    .cloned()
                    .partition(|id| !blocked.contains(id));
                let ctx = &ctx;
                running.push(async move {
                    let mut results: Vec<OpResult> = skipped
                        .into_iter()
                        .map(|id| skipped_result(id, &batch.operation))
                        .collect();
                    let account_setting = batch.kind == OperationKind::SetRenewConfig;
                    if !ready.is_empty() || account_setting {
                        if let Some(e) = ctx.exec.journal_failed() {
                            let ids = if account_setting {
                                vec![ACCOUNT.to_string()]
                            } else {
                                ready
                            };
                            results.extend(ids.into_iter().map(|id| {
                                let mut r = skipped_result(id, &batch.operation);
                                r.note = Some(format!("not sent: {e}"));
                                r
                            }));
                        } else {
                            results.extend(ctx.run_batch(batch, ready).await);
                        }
                    }
                    ctx.exec.progress.batch_done(batch, &results);
                    (i, results)
                });
            }
            let Some((i, results)) = running.next().await else {
                break;
            };
            for r in &results {
                if r.status != Status::Done {
                    let mut stack = vec![r.resource_id.as_str()];
                    while let Some(id) = stack.pop() {
                        if blocked.insert(id.to_string()) {
                            stack.extend(attached_of.get(id).into_iter().flatten().copied());
                        }
                    }
                }
            }
            by_batch[i] = results;
            schedule.finish(i);
        }
        debug_assert!(schedule.is_done(), "every batch ran");
        // Reported in plan order, whatever order the calls finished in.
        for r in by_batch.into_iter().flatten() {
            record_side_effects(&mut report, &r);
            report.results.push(r);
        }
        self.progress.finish();
        report.journal_error = self.journal_failed();
        report
    }

    fn journal_failed(&self) -> Option<String> {
        self.journal_error.lock().expect("lock").clone()
    }
}

fn record_side_effects(report: &mut ApplyReport, r: &OpResult) {
    if r.status != Status::Done {
        return;
    }
    match &r.operation {
        Operation::SetRenewConfig {
            config_name,
            config_value,
        } => {
            report
                .renew_config_set
                .insert(config_name.clone(), config_value.clone());
        }
        Operation::EnableAutoRenew { period, times } => {
            report.auto_renew_set.insert(
                r.resource_id.clone(),
                AutoRenewRecord {
                    period_type: period.map(|p| p.api_name().to_string()),
                    auto_renew_times: times.map(|t| t as i32),
                    applied_at: format_api_time(Utc::now()),
                },
            );
        }
        Operation::CancelAutoRenew | Operation::SetOnDemand | Operation::Unsubscribe => {
            report.auto_renew_cancelled.insert(r.resource_id.clone());
        }
        Operation::Renew { pay_now: false, .. } => {
            for o in &r.order_ids {
                if !report.unpaid_orders.contains(o) {
                    report.unpaid_orders.push(o.clone());
                }
            }
        }
        _ => {}
    }
}

/// Per-id failures of a 200 answer (`fail_resource_infos` or
/// `error_details`): id → (error_code, error_msg). `Err` names an entry
/// without an id or with an id that was not sent: then nobody can tell
/// which resources the answer is about.
fn match_failures<'a>(
    sent: &[String],
    items: impl Iterator<Item = (&'a Option<String>, &'a Option<String>, &'a Option<String>)>,
) -> Result<BTreeMap<String, (String, String)>, String> {
    let mut out = BTreeMap::new();
    for (id, code, msg) in items {
        let entry = (
            code.clone().unwrap_or_default(),
            msg.clone().unwrap_or_default(),
        );
        match id {
            Some(id) if sent.contains(id) => {
                out.insert(id.clone(), entry);
            }
            Some(id) => {
                return Err(format!(
                    "the answer reports a failure for {id}, which was not sent ({} {})",
                    entry.0, entry.1
                ))
            }
            None => {
                return Err(format!(
                    "the answer reports a failure without a resource id ({} {})",
                    entry.0, entry.1
                ))
            }
        }
    }
    Ok(out)
}

fn skipped_result(id: String, op: &Operation) -> OpResult {
    OpResult {
        resource_id: id,
        operation: op.clone(),
        status: Status::Skipped,
        error_code: None,
        hint: None,
        error_msg: None,
        request_id: None,
        order_ids: Vec::new(),
        note: Some("an earlier operation on this resource did not succeed".into()),
    }
}

fn result(id: &str, op: &Operation, status: Status) -> OpResult {
    OpResult {
        resource_id: id.to_string(),
        operation: op.clone(),
        status,
        error_code: None,
        hint: None,
        error_msg: None,
        request_id: None,
        order_ids: Vec::new(),
        note: None,
    }
}

fn failed_from(id: &str, op: &Operation, e: &ApiError) -> OpResult {
    let mut r = result(id, op, Status::Failed);
    r.error_code = Some(e.error_code().unwrap_or(error_kind(e)).to_string());
    r.error_msg = Some(match e {
        ApiError::Service { error_msg, .. } => error_msg.clone(),
        other => other.to_string(),
    });
    r.request_id = e.request_id().map(str::to_string);
    r.hint =
        crate::hints::hint_for_error(e).or_else(|| r.error_code.as_deref().and_then(code_hint));
    r
}

fn code_hint(code: &str) -> Option<String> {
    crate::hints::hint(code).map(str::to_string)
}

fn error_kind(e: &ApiError) -> &'static str {
    match e {
        ApiError::Transport { .. } => "TRANSPORT",
        ApiError::Ambiguous { .. } => "AMBIGUOUS",
        ApiError::Decode { .. } => "DECODE",
        ApiError::InvalidRequest { .. } => "INVALID_REQUEST",
        ApiError::Config(_) => "CONFIG",
        ApiError::Service { .. } => "SERVICE",
    }
}

impl BatchCtx<'_> {
    async fn run_batch(&self, batch: &Batch, ids: Vec<String>) -> Vec<OpResult> {
        tracing::info!(
            "batch {}: {:?} of {} resource(s): {}",
            batch.index,
            batch.kind,
            ids.len(),
            ids.join(", ")
        );
        let op = &batch.operation;
        match op {
            Operation::Renew { .. } | Operation::Unsubscribe => {
                let (ids, mut out) = self.recheck(batch, ids).await;
                if !ids.is_empty() {
                    out.extend(self.purchase(batch, ids).await);
                }
                out
            }
            Operation::SetOnDemand => self.to_on_demand(batch, ids).await,
            Operation::CancelOnDemand => {
                let mut results = self.to_on_demand(batch, ids).await;
                self.settle_cancelled_on_demand(&mut results).await;
                results
            }
            Operation::EnableAutoRenew { .. } | Operation::CancelAutoRenew => {
                let mut out = Vec::new();
                for id in ids {
                    out.push(self.auto_renew(batch, &id).await);
                }
                out
            }
            Operation::SetRenewConfig {
                config_name,
                config_value,
            } => vec![self.renew_config(batch, config_name, config_value).await],
        }
    }

    /// Right before buying: the ids still as the plan saw them, and a
    /// `skipped` result for each one that changed since (or a failure for
    /// all when they could not be re-read: nothing is bought blind).
    async fn recheck(&self, batch: &Batch, ids: Vec<String>) -> (Vec<String>, Vec<OpResult>) {
        let op = &batch.operation;
        let held = match (op, self.held) {
            (Operation::Renew { .. }, Ok(held)) => held.clone(),
            (Operation::Renew { .. }, Err(e)) => {
                let out = ids
                    .iter()
                    .map(|id| {
                        let mut r = failed_from(id, op, e);
                        r.note = Some("could not check for unpaid renewal orders before buying; nothing was bought".into());
                        r
                    })
                    .collect();
                return (Vec::new(), out);
            }
            _ => BTreeMap::new(),
        };
        let mut changed = match recheck::changed_since_plan(self.exec.client, &ids, self.seen).await
        {
            Ok(c) => c,
            Err(e) => {
                let out = ids
                    .iter()
                    .map(|id| {
                        let mut r = failed_from(id, op, &e);
                        r.note = Some(
                            "could not re-read it right before buying; nothing was bought".into(),
                        );
                        r
                    })
                    .collect();
                return (Vec::new(), out);
            }
        };
        for (id, why) in held {
            if ids.contains(&id) {
                changed.entry(id).or_insert(why);
            }
        }
        let mut out = Vec::new();
        let mut still = Vec::new();
        for id in ids {
            match changed.remove(&id) {
                Some(why) => {
                    let mut r = result(&id, op, Status::Skipped);
                    r.error_code = Some(recheck::CHANGED_SINCE_PLAN.into());
                    r.note = Some(why);
                    out.push(r);
                }
                None => still.push(id),
            }
        }
        (still, out)
    }

    /// An account-wide setting: idempotent, so the client retries it.
    async fn renew_config(&self, batch: &Batch, name: &str, value: &str) -> OpResult {
        let op = &batch.operation;
        let intent_id = match self.intent(batch, &[]) {
            Ok(id) => id,
            Err(e) => return not_sent(ACCOUNT, op, &e),
        };
        let resp = self
            .exec
            .client
            .set_renew_config(&RenewResourceConfigReq {
                config_name: name.to_string(),
                config_value: value.to_string(),
            })
            .await;
        self.single_result(&intent_id, ACCOUNT, op, resp.map(|r| r.request_id), vec![])
    }

    /// Appends a record; a failure is remembered (the run sends nothing
    /// more and exits 1 naming the journal) and returned.
    fn journal(&self, record: &Record) -> Result<(), String> {
        let mut j = self.exec.journal.lock().expect("journal lock");
        j.append(record).map_err(|e| {
            let msg = format!("cannot write the journal {}: {e}", j.path().display());
            tracing::error!("{msg}");
            self.exec
                .journal_error
                .lock()
                .expect("lock")
                .get_or_insert_with(|| msg.clone());
            msg
        })
    }

    /// Writes and fsyncs the intent; `Err` means it must not be sent.
    fn intent(&self, batch: &Batch, ids: &[String]) -> Result<String, String> {
        if let Some(e) = self.exec.journal_failed() {
            return Err(e);
        }
        let intent_id = format!("{}-b{}", self.exec.run_id, batch.index);
        let expire_before = ids
            .iter()
            .filter_map(|id| self.expire_before.get(id).map(|e| (id.clone(), e.clone())))
            .collect();
        self.journal(&Record::Intent {
            ts: format_api_time(Utc::now()),
            run_id: self.exec.run_id.clone(),
            intent_id: intent_id.clone(),
            operation: batch.operation.clone(),
            resource_ids: ids.to_vec(),
            expire_before,
            domain_id: Some(self.exec.account.domain_id.clone()),
            endpoint: Some(self.exec.account.endpoint.clone()),
            orders_since: Some(format_api_time(self.exec.now.min(Utc::now()))),
        })?;
        Ok(intent_id)
    }

    #[allow(clippy::too_many_arguments)]
    fn outcome(
        &self,
        intent_id: &str,
        outcome: &str,
        request_id: Option<String>,
        order_ids: Vec<String>,
        succeeded: Vec<String>,
        failed: Vec<FailedId>,
        message: Option<String>,
    ) {
        // A failure here is remembered by `journal` and ends the run with
        // exit 1; what was sent is still reported.
        let _ = self.journal(&Record::Result {
            ts: format_api_time(Utc::now()),
            run_id: self.exec.run_id.clone(),
            intent_id: intent_id.to_string(),
            outcome: outcome.to_string(),
            request_id,
            order_ids,
            succeeded,
            failed,
            message,
        });
    }

    /// The note of a purchase whose outcome is unknown: one sentence on
    /// what happened and when a later run can tell.
    fn unknown_note(&self, op: &Operation, why: &str) -> String {
        let when = format_api_time(Utc::now() + self.exec.settle);
        format!(
            "{why}, so whether the {} took effect is unknown; it was NOT sent again, and bssctl holds this resource until a plan or apply after {when} (the settle time) checks the account",
            op.kind_name()
        )
    }

    /// Renew or unsubscribe: sent exactly once. Only an answer that proves
    /// the request was not accepted (a 4xx; throttling and refused
    /// connections are retried by the client) is a failure; a lost or
    /// unmatched answer leaves the outcome unknown for a later run.
    async fn purchase(&self, batch: &Batch, ids: Vec<String>) -> Vec<OpResult> {
        let op = &batch.operation;
        let intent_id = match self.intent(batch, &ids) {
            Ok(id) => id,
            Err(e) => return ids.iter().map(|id| not_sent(id, op, &e)).collect(),
        };
        let sent = match op {
            Operation::Renew { period, pay_now } => {
                let (period_type, period_num) = period.api_period();
                self.exec
                    .client
                    .renew(&RenewalResourcesReq {
                        resource_ids: ids.clone(),
                        period_type,
                        period_num,
                        is_auto_pay: Some(i32::from(*pay_now)),
                    })
                    .await
            }
            Operation::Unsubscribe => {
                self.exec
                    .client
                    .unsubscribe(&UnsubscribeResourcesReq {
                        resource_ids: ids.clone(),
                        unsubscribe_type: UNSUBSCRIBE_WITH_ATTACHED,
                        unsubscribe_reason_type: Some(5),
                        unsubscribe_reason: Some(
                            "bssctl: state unsubscribed in the manifests".into(),
                        ),
                    })
                    .await
            }
            _ => unreachable!("purchase() is only called for renew and unsubscribe"),
        };
        match sent {
            Ok(resp) => {
                let order_ids = resp.body.order_ids.clone().unwrap_or_default();
                let fails = match match_failures(
                    &ids,
                    resp.body
                        .fail_resource_infos
                        .iter()
                        .flatten()
                        .map(|f| (&f.resource_id, &f.error_code, &f.error_msg)),
                ) {
                    Ok(f) => f,
                    Err(why) => {
                        return self.unknown_batch(
                            &intent_id,
                            op,
                            &ids,
                            resp.request_id.clone(),
                            order_ids,
                            &why,
                        )
                    }
                };
                let succeeded: Vec<String> = ids
                    .iter()
                    .filter(|id| !fails.contains_key(*id))
                    .cloned()
                    .collect();
                let failed: Vec<FailedId> = fails
                    .iter()
                    .map(|(id, (c, m))| FailedId {
                        resource_id: id.clone(),
                        error_code: c.clone(),
                        error_msg: m.clone(),
                    })
                    .collect();
                let outcome = if failed.is_empty() {
                    "done"
                } else if succeeded.is_empty() {
                    "failed"
                } else {
                    "partial"
                };
                self.outcome(
                    &intent_id,
                    outcome,
                    resp.request_id.clone(),
                    order_ids.clone(),
                    succeeded.clone(),
                    failed,
                    None,
                );
                ids.iter()
                    .map(|id| {
                        let mut r = result(id, op, Status::Done);
                        r.request_id = resp.request_id.clone();
                        if let Some((code, msg)) = fails.get(id) {
                            r.status = Status::Failed;
                            r.error_code = Some(code.clone());
                            r.error_msg = Some(msg.clone());
                            r.hint = code_hint(code);
                        } else {
                            r.order_ids = order_ids.clone();
                        }
                        r
                    })
                    .collect()
            }
            Err(e) if e.is_ambiguous() => {
                let cause = match &e {
                    ApiError::Ambiguous { cause, .. } => cause.clone(),
                    other => other.to_string(),
                };
                self.outcome(
                    &intent_id,
                    journal::OUTCOME_UNKNOWN,
                    e.request_id().map(str::to_string),
                    vec![],
                    vec![],
                    vec![],
                    Some(e.to_string()),
                );
                let note = self.unknown_note(op, &format!("the answer was lost ({cause})"));
                ids.iter()
                    .map(|id| {
                        let mut r = result(id, op, Status::Unknown);
                        r.error_code = Some(error_kind(&e).to_string());
                        r.request_id = e.request_id().map(str::to_string);
                        r.note = Some(note.clone());
                        r
                    })
                    .collect()
            }
            Err(e) => {
                self.failed_outcome(&intent_id, &e);
                ids.iter().map(|id| failed_from(id, op, &e)).collect()
            }
        }
    }

    /// A 200 whose failure entries do not match what was sent: every id of
    /// the batch is unknown.
    fn unknown_batch(
        &self,
        intent_id: &str,
        op: &Operation,
        ids: &[String],
        request_id: Option<String>,
        order_ids: Vec<String>,
        why: &str,
    ) -> Vec<OpResult> {
        self.outcome(
            intent_id,
            journal::OUTCOME_UNKNOWN,
            request_id.clone(),
            order_ids.clone(),
            vec![],
            vec![],
            Some(why.to_string()),
        );
        let note = self.unknown_note(op, why);
        ids.iter()
            .map(|id| {
                let mut r = result(id, op, Status::Unknown);
                r.error_code = Some("UNMATCHED_ANSWER".into());
                r.request_id = request_id.clone();
                r.order_ids = order_ids.clone();
                r.note = Some(note.clone());
                r
            })
            .collect()
    }

    async fn to_on_demand(&self, batch: &Batch, ids: Vec<String>) -> Vec<OpResult> {
        let op = &batch.operation;
        let operation = match op {
            Operation::SetOnDemand => TO_ON_DEMAND_SET_UP,
            _ => TO_ON_DEMAND_CANCEL,
        };
        let intent_id = match self.intent(batch, &ids) {
            Ok(id) => id,
            Err(e) => return ids.iter().map(|id| not_sent(id, op, &e)).collect(),
        };
        let resp = self
            .exec
            .client
            .to_on_demand(&PeriodToOnDemandReq {
                operation: operation.to_string(),
                resource_ids: ids.clone(),
            })
            .await;
        match resp {
            Ok(resp) => {
                let errors = match match_failures(
                    &ids,
                    resp.body
                        .error_details
                        .iter()
                        .flatten()
                        .map(|d| (&d.id, &d.error_code, &d.error_msg)),
                ) {
                    Ok(e) => e,
                    Err(why) => {
                        return self.unknown_batch(
                            &intent_id,
                            op,
                            &ids,
                            resp.request_id.clone(),
                            vec![],
                            &why,
                        )
                    }
                };
                let failed = errors
                    .iter()
                    .map(|(id, (c, m))| FailedId {
                        resource_id: id.clone(),
                        error_code: c.clone(),
                        error_msg: m.clone(),
                    })
                    .collect();
                let succeeded = ids
                    .iter()
                    .filter(|id| !errors.contains_key(*id))
                    .cloned()
                    .collect();
                self.outcome(
                    &intent_id,
                    "done",
                    resp.request_id.clone(),
                    vec![],
                    succeeded,
                    failed,
                    None,
                );
                ids.iter()
                    .map(|id| {
                        let mut r = result(id, op, Status::Done);
                        r.request_id = resp.request_id.clone();
                        if let Some((c, m)) = errors.get(id) {
                            r.status = Status::Failed;
                            r.error_code = Some(c.clone());
                            r.error_msg = Some(m.clone());
                            r.hint = code_hint(c);
                        }
                        r
                    })
                    .collect()
            }
            Err(e) => {
                self.failed_outcome(&intent_id, &e);
                ids.iter().map(|id| failed_from(id, op, &e)).collect()
            }
        }
    }

    async fn auto_renew(&self, batch: &Batch, id: &str) -> OpResult {
        let op = &batch.operation;
        let ids = [id.to_string()];
        let intent_id = match self.intent(batch, &ids) {
            Ok(i) => i,
            Err(e) => return not_sent(id, op, &e),
        };
        let resp = match op {
            Operation::EnableAutoRenew { period, times } => {
                self.exec
                    .client
                    .enable_auto_renew(
                        id,
                        &AutoRenewalResourcesReq {
                            auto_renew_times: times.map(|t| t as i32),
                            period_type: period.map(|p| p.api_name().to_string()),
                        },
                    )
                    .await
            }
            _ => self.exec.client.cancel_auto_renew(id).await,
        };
        self.single_result(&intent_id, id, op, resp.map(|r| r.request_id), ids.to_vec())
    }

    /// Journals and reports a call about one target (a resource or the
    /// account); `Ok` carries the answer's request id.
    fn single_result(
        &self,
        intent_id: &str,
        id: &str,
        op: &Operation,
        answer: Result<Option<String>, ApiError>,
        succeeded: Vec<String>,
    ) -> OpResult {
        match answer {
            Ok(request_id) => {
                self.outcome(
                    intent_id,
                    "done",
                    request_id.clone(),
                    vec![],
                    succeeded,
                    vec![],
                    None,
                );
                let mut r = result(id, op, Status::Done);
                r.request_id = request_id;
                r
            }
            Err(e) => {
                self.failed_outcome(intent_id, &e);
                failed_from(id, op, &e)
            }
        }
    }

    fn failed_outcome(&self, intent_id: &str, e: &ApiError) {
        self.outcome(
            intent_id,
            "failed",
            e.request_id().map(str::to_string),
            vec![],
            vec![],
            vec![],
            Some(e.to_string()),
        );
    }
}

impl BatchCtx<'_> {
    /// Cancelling a to-on-demand conversion restores the policy from before
    /// it, which may be auto-renew. Re-read the policy, and cancel auto-renew
    /// where the plan wants it off, so that one apply reaches the desired
    /// state (the next plan would otherwise find auto-renew on).
    async fn settle_cancelled_on_demand(&self, results: &mut [OpResult]) {
        use crate::bss::model::EXPIRE_POLICY_AUTO_RENEW;
        let ids: Vec<String> = results
            .iter()
            .filter(|r| r.status == Status::Done)
            .filter(|r| {
                self.policy_after
                    .get(&r.resource_id)
                    .is_some_and(|p| *p != EXPIRE_POLICY_AUTO_RENEW)
            })
            .map(|r| r.resource_id.clone())
            .collect();
        if ids.is_empty() {
            return;
        }
        let restored: Vec<String> = match self.exec.client.query_resources_by_ids(&ids, true).await
        {
            Ok(rows) => rows
                .into_iter()
                .filter(|row| row.expire_policy == Some(EXPIRE_POLICY_AUTO_RENEW))
                .filter_map(|row| row.resource_id)
                .filter(|id| ids.contains(id))
                .collect(),
            Err(e) => {
                for r in results.iter_mut().filter(|r| ids.contains(&r.resource_id)) {
                    r.note = Some(format!(
                        "could not re-read the expiry policy after cancelling the conversion ({e}); the platform may \
                         have restored auto-renew: run bssctl plan again"
                    ));
                }
                return;
            }
        };
        for r in results
            .iter_mut()
            .filter(|r| restored.contains(&r.resource_id))
        {
            match self.exec.client.cancel_auto_renew(&r.resource_id).await {
                Ok(_) => {
                    r.note = Some(
                        "cancelling the conversion restored the earlier auto-renew policy; auto-renew was \
                         cancelled too"
                            .to_string(),
                    );
                }
                Err(e) => {
                    let failed = failed_from(&r.resource_id, &r.operation, &e);
                    r.status = Status::Failed;
                    r.error_code = failed.error_code;
                    r.error_msg = failed.error_msg;
                    r.hint = failed.hint;
                    r.note = Some(
                        "cancelling the conversion restored the earlier auto-renew policy, and cancelling \
                         auto-renew failed"
                            .to_string(),
                    );
                }
            }
        }
    }
}

/// Not sent because its intent could not be journaled.
fn not_sent(id: &str, op: &Operation, why: &str) -> OpResult {
    let mut r = result(id, op, Status::Failed);
    r.error_code = Some("JOURNAL".into());
    r.error_msg = Some(why.to_string());
    r.note = Some("nothing was sent: no journal, no purchase".into());
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: Option<&str>) -> (Option<String>, Option<String>, Option<String>) {
        (
            id.map(str::to_string),
            Some("CBC.30000052".into()),
            Some("failed".into()),
        )
    }

    fn check(
        sent: &[&str],
        entries: &[(Option<String>, Option<String>, Option<String>)],
    ) -> Result<BTreeMap<String, (String, String)>, String> {
        let sent: Vec<String> = sent.iter().map(|s| s.to_string()).collect();
        match_failures(&sent, entries.iter().map(|(a, b, c)| (a, b, c)))
    }

    #[test]
    fn failures_must_name_an_id_that_was_sent() {
        let ok = check(&["r1", "r2"], &[entry(Some("r2"))]).unwrap();
        assert_eq!(ok.keys().collect::<Vec<_>>(), vec!["r2"]);
        assert!(check(&["r1"], &[]).unwrap().is_empty());
        let no_id = check(&["r1", "r2"], &[entry(Some("r2")), entry(None)]).unwrap_err();
        assert!(no_id.contains("without a resource id"), "{no_id}");
        let other = check(&["r1"], &[entry(Some("ORDER-9"))]).unwrap_err();
        assert!(other.contains("ORDER-9"), "{other}");
    }
}
