//! Walks the plan's batches in phase order with bounded concurrency, records
//! every operation in the journal before sending it, verifies ambiguous
//! purchases instead of resending them, and skips what depends on a failure.

use super::journal::{FailedId, Journal, Record};
use super::progress::Progress;
use super::verify::{self, Outcome};
use crate::bss::model::*;
use crate::bss::{ApiError, BssClient};
use crate::clock::format_api_time;
use crate::last_applied::AutoRenewRecord;
use crate::plan::{Batch, Operation, OperationKind, Plan};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Attempts of a purchase whose earlier attempt was verified not applied.
const MAX_PURCHASE_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Done,
    Failed,
    Skipped,
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
}

/// The `resource_id` of results for account-wide settings.
pub const ACCOUNT: &str = "account";

impl ApplyReport {
    pub fn count(&self, s: Status) -> usize {
        self.results.iter().filter(|r| r.status == s).count()
    }
}

pub struct Executor<'a> {
    pub client: &'a BssClient,
    pub journal: Arc<Mutex<Journal>>,
    pub run_id: String,
    pub parallelism: usize,
    pub progress: &'a Progress,
    /// The planning clock, for "since" windows when verifying.
    pub now: DateTime<Utc>,
}

struct BatchCtx<'a> {
    exec: &'a Executor<'a>,
    expire_before: &'a BTreeMap<String, String>,
    /// The planned `expire_policy` after the apply, by resource id.
    policy_after: &'a BTreeMap<String, i32>,
}

impl Executor<'_> {
    pub async fn run(&self, plan: &Plan) -> ApplyReport {
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
        let policy_after: BTreeMap<String, i32> = plan
            .changes
            .iter()
            .map(|c| (c.resource_id.clone(), c.after.expire_policy))
            .collect();
        let ctx = BatchCtx {
            exec: self,
            expire_before: &expire_before,
            policy_after: &policy_after,
        };
        let total: usize = plan
            .batches
            .iter()
            .map(|b| b.resource_ids.len().max(1))
            .sum();
        self.progress.start(total);
        let mut report = ApplyReport::default();
        let mut blocked: BTreeSet<String> = BTreeSet::new();
        let mut phases: BTreeMap<_, Vec<&Batch>> = BTreeMap::new();
        for b in &plan.batches {
            phases.entry(b.kind).or_default().push(b);
        }
        let permits = Semaphore::new(self.parallelism.max(1));
        for (_, batches) in phases {
            let runs = batches.into_iter().map(|batch| {
                let (ready, skipped): (Vec<String>, Vec<String>) = batch
                    .resource_ids
                    .iter()
                    .cloned()
                    .partition(|id| !blocked.contains(id));
                let ctx = &ctx;
                let permits = &permits;
                async move {
                    let mut results: Vec<OpResult> = skipped
                        .into_iter()
                        .map(|id| skipped_result(id, &batch.operation))
                        .collect();
                    let account_setting = batch.kind == OperationKind::SetRenewConfig;
                    if !ready.is_empty() || account_setting {
                        let _permit = permits.acquire().await.expect("semaphore never closed");
                        results.extend(ctx.run_batch(batch, ready).await);
                    }
                    ctx.exec.progress.batch_done(batch, &results);
                    results
                }
            });
            for results in futures::future::join_all(runs).await {
                for r in results {
                    if r.status != Status::Done {
                        blocked.insert(r.resource_id.clone());
                    }
                    record_side_effects(&mut report, &r);
                    report.results.push(r);
                }
            }
        }
        self.progress.finish();
        report
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
        Operation::EnableAutoRenew {
            period_type,
            auto_renew_times,
        } => {
            report.auto_renew_set.insert(
                r.resource_id.clone(),
                AutoRenewRecord {
                    period_type: period_type.clone(),
                    auto_renew_times: *auto_renew_times,
                    applied_at: format_api_time(Utc::now()),
                },
            );
        }
        Operation::CancelAutoRenew {}
        | Operation::SetOnDemand {}
        | Operation::Unsubscribe { .. } => {
            report.auto_renew_cancelled.insert(r.resource_id.clone());
        }
        Operation::Renew { is_auto_pay: 0, .. } => {
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
/// `error_details`): id → (error_code, error_msg).
fn failures_by_id<'a>(
    items: impl Iterator<Item = (&'a Option<String>, &'a Option<String>, &'a Option<String>)>,
) -> BTreeMap<String, (String, String)> {
    items
        .filter_map(|(id, code, msg)| {
            Some((
                id.clone()?,
                (
                    code.clone().unwrap_or_default(),
                    msg.clone().unwrap_or_default(),
                ),
            ))
        })
        .collect()
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
        let op = &batch.operation;
        match op {
            Operation::Renew { .. } | Operation::Unsubscribe { .. } => {
                self.purchase(batch, ids).await
            }
            Operation::SetOnDemand {} => self.to_on_demand(batch, ids).await,
            Operation::CancelOnDemand {} => {
                let mut results = self.to_on_demand(batch, ids).await;
                self.settle_cancelled_on_demand(&mut results).await;
                results
            }
            Operation::EnableAutoRenew { .. } | Operation::CancelAutoRenew {} => {
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

    /// An account-wide setting: idempotent, so the client retries it.
    async fn renew_config(&self, batch: &Batch, name: &str, value: &str) -> OpResult {
        let op = &batch.operation;
        let intent_id = self.intent(batch, &[], 1);
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

    fn journal(&self, record: &Record) {
        let mut j = self.exec.journal.lock().expect("journal lock");
        if let Err(e) = j.append(record) {
            tracing::error!("cannot write the journal {}: {e}", j.path().display());
        }
    }

    fn intent(&self, batch: &Batch, ids: &[String], attempt: u32) -> String {
        let intent_id = format!("{}-b{}-a{}", self.exec.run_id, batch.index, attempt);
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
        });
        intent_id
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
        self.journal(&Record::Result {
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

    /// Renew or unsubscribe: sent once; an ambiguous failure is verified
    /// against the account, and only ids proven not applied are sent again.
    async fn purchase(&self, batch: &Batch, mut ids: Vec<String>) -> Vec<OpResult> {
        let op = &batch.operation;
        let mut out = Vec::new();
        for attempt in 1..=MAX_PURCHASE_ATTEMPTS {
            let started = self.exec.now.min(Utc::now());
            let intent_id = self.intent(batch, &ids, attempt);
            let sent = match op {
                Operation::Renew {
                    period_type,
                    period_num,
                    is_auto_pay,
                } => {
                    self.exec
                        .client
                        .renew(&RenewalResourcesReq {
                            resource_ids: ids.clone(),
                            period_type: *period_type,
                            period_num: *period_num,
                            is_auto_pay: Some(*is_auto_pay),
                        })
                        .await
                }
                Operation::Unsubscribe { unsubscribe_type } => {
                    self.exec
                        .client
                        .unsubscribe(&UnsubscribeResourcesReq {
                            resource_ids: ids.clone(),
                            unsubscribe_type: *unsubscribe_type,
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
                    let fails = failures_by_id(
                        resp.body
                            .fail_resource_infos
                            .iter()
                            .flatten()
                            .map(|f| (&f.resource_id, &f.error_code, &f.error_msg)),
                    );
                    let order_ids = resp.body.order_ids.clone().unwrap_or_default();
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
                    for id in &ids {
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
                        out.push(r);
                    }
                    return out;
                }
                Err(e) if e.is_ambiguous() => {
                    self.outcome(
                        &intent_id,
                        "ambiguous",
                        e.request_id().map(str::to_string),
                        vec![],
                        vec![],
                        vec![],
                        Some(e.to_string()),
                    );
                    self.exec.progress.note(&format!(
                        "{}: outcome unknown ({e}); checking the account",
                        op.kind_name()
                    ));
                    let checked = match op {
                        Operation::Renew { .. } => {
                            verify::renewal(self.exec.client, &ids, self.expire_before, started)
                                .await
                        }
                        _ => verify::unsubscribe(self.exec.client, &ids).await,
                    };
                    let checked = match checked {
                        Ok(c) => c,
                        Err(ve) => {
                            self.journal(&Record::Verified {
                                ts: format_api_time(Utc::now()),
                                run_id: self.exec.run_id.clone(),
                                intent_id: intent_id.clone(),
                                took_effect: vec![],
                                not_applied: vec![],
                                unknown: ids.clone(),
                                order_ids: vec![],
                            });
                            for id in &ids {
                                let mut r = failed_from(id, op, &e);
                                r.note = Some(format!(
                                    "could not verify whether it took effect ({ve}); NOT resent. Run `bssctl plan` to check before applying again"
                                ));
                                out.push(r);
                            }
                            return out;
                        }
                    };
                    let mut took = Vec::new();
                    let mut not_applied = Vec::new();
                    let mut orders = Vec::new();
                    for (id, o) in &checked {
                        match o {
                            Outcome::TookEffect { order_ids } => {
                                took.push(id.clone());
                                orders.extend(order_ids.iter().cloned());
                                let mut r = result(id, op, Status::Done);
                                r.order_ids = order_ids.clone();
                                r.note = Some("the first attempt's answer was lost; verified it took effect (not resent)".into());
                                out.push(r);
                            }
                            Outcome::NotApplied => not_applied.push(id.clone()),
                        }
                    }
                    orders.sort();
                    orders.dedup();
                    self.journal(&Record::Verified {
                        ts: format_api_time(Utc::now()),
                        run_id: self.exec.run_id.clone(),
                        intent_id: intent_id.clone(),
                        took_effect: took,
                        not_applied: not_applied.clone(),
                        unknown: vec![],
                        order_ids: orders,
                    });
                    if not_applied.is_empty() {
                        return out;
                    }
                    if attempt == MAX_PURCHASE_ATTEMPTS {
                        for id in &not_applied {
                            let mut r = failed_from(id, op, &e);
                            r.note = Some(format!("verified not applied after {attempt} attempts"));
                            out.push(r);
                        }
                        return out;
                    }
                    // Proven not applied: safe to send again.
                    ids = not_applied;
                }
                Err(e) => {
                    self.failed_outcome(&intent_id, &e);
                    out.extend(ids.iter().map(|id| failed_from(id, op, &e)));
                    return out;
                }
            }
        }
        out
    }

    async fn to_on_demand(&self, batch: &Batch, ids: Vec<String>) -> Vec<OpResult> {
        let op = &batch.operation;
        let operation = match op {
            Operation::SetOnDemand {} => TO_ON_DEMAND_SET_UP,
            _ => TO_ON_DEMAND_CANCEL,
        };
        let intent_id = self.intent(batch, &ids, 1);
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
                let errors = failures_by_id(
                    resp.body
                        .error_details
                        .iter()
                        .flatten()
                        .map(|d| (&d.id, &d.error_code, &d.error_msg)),
                );
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
        let intent_id = self.intent(batch, &ids, 1);
        let resp = match op {
            Operation::EnableAutoRenew {
                period_type,
                auto_renew_times,
            } => {
                self.exec
                    .client
                    .enable_auto_renew(
                        id,
                        &AutoRenewalResourcesReq {
                            auto_renew_times: *auto_renew_times,
                            period_type: period_type.clone(),
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
