//! One `apply`: take the plan (a saved one, checked for staleness, or a
//! fresh one from the manifests), show it, refuse what is unsafe, confirm,
//! execute and record. What is shown and asked goes through [`Ui`], so this
//! holds every rule and the command only wires flags and terminal.

use super::progress::Progress;
use super::{run, ApplyReport, Executor};
use crate::bss::{ApiError, BssClient};
use crate::live::in_flight::{check_in_flight, InFlightPolicy};
use crate::manifest::{Diagnostic, ManifestSet};
use crate::plan::decide::{self, Refusal};
use crate::plan::Plan;
use crate::planner::{self, PlanError, PlanSets, Scope};
use crate::state::journal::{self, AccountKey};
use crate::state::saved_plan::{self, SavedPlan, SavedPlanError};
use crate::state::StatePaths;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What apply acts on.
pub enum Source<'a> {
    /// A saved plan (already checked for its age) and its file.
    Saved { file: PathBuf, plan: Box<SavedPlan> },
    /// Manifests to plan now.
    Manifests(&'a ManifestSet),
}

/// The account and the files one apply works with.
pub struct Session<'a> {
    pub client: &'a BssClient,
    pub domain_id: &'a str,
    pub account: AccountKey,
    pub paths: &'a StatePaths,
    /// How long an unanswered purchase may take to show before it is judged.
    pub settle: chrono::Duration,
    pub now: DateTime<Utc>,
}

/// The choices the user made on the command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub scope: Scope,
    pub max_cost: Option<rust_decimal::Decimal>,
    pub allow_unsubscribe: bool,
    pub ignore_balance: bool,
    pub parallelism: usize,
}

/// What apply shows and asks; the command implements it for a terminal.
pub trait Ui {
    /// The plan, before any refusal or question.
    fn show_plan(&mut self, plan: &Plan) -> Result<(), ApplyError>;
    /// Whether `show_plan` listed the plan's errors and guardrails already.
    fn plan_listed(&self) -> bool;
    fn warn(&mut self, message: &str);
    /// Asks before anything in the plan is bought or released; an error
    /// refuses.
    fn confirm(&mut self, plan: &Plan) -> Result<(), ApplyError>;
    fn progress(&self, plan: &Plan) -> Progress;
}

/// What apply leaves to show at the end: the plan it acted on and, once
/// executed, the report.
#[derive(Default)]
pub struct Outcome {
    pub plan: Option<Plan>,
    pub report: Option<ApplyReport>,
}

/// Why an apply stopped, one variant per situation.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A refusal with its message (a stale saved plan, no confirmation).
    #[error("{0}")]
    RefusedWith(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The manifests do not resolve; the diagnostics say why.
    #[error("the manifests have errors")]
    Manifests(Vec<Diagnostic>),
    /// The base manifests of a cost diff do not resolve.
    #[error("the base manifests have errors")]
    Base(Vec<Diagnostic>),
    /// Not a plan file, unreadable state and the like.
    #[error("{0}")]
    Config(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    /// The journal cannot be written: nothing more is sent.
    #[error("{0}")]
    Journal(String),
    #[error("{failed} operation(s) did not complete")]
    Failed { failed: usize },
}

impl ApplyError {
    fn journal(path: &Path, source: std::io::Error) -> ApplyError {
        ApplyError::Journal(format!(
            "cannot write the journal {}: {source}",
            path.display()
        ))
    }
}

impl From<PlanError> for ApplyError {
    fn from(e: PlanError) -> ApplyError {
        match e {
            PlanError::Api(e) => ApplyError::Api(e),
            PlanError::State(s) => ApplyError::Config(s),
            PlanError::Base(d) => ApplyError::Base(d),
        }
    }
}

/// Maps a saved-plan problem: unreadable (I/O), not a plan (config) or
/// refused.
pub fn saved_plan_error(file: &Path, e: SavedPlanError) -> ApplyError {
    match e {
        SavedPlanError::Read(source) => ApplyError::Io {
            what: "cannot read the plan file",
            path: file.display().to_string(),
            source,
        },
        e if e.is_not_a_plan() => ApplyError::Config(e.to_string()),
        e => ApplyError::RefusedWith(e.to_string()),
    }
}

impl Session<'_> {
    /// The whole apply; `out` keeps the plan and the report for the
    /// command's final output even when it stops early.
    pub async fn apply(
        &self,
        source: Source<'_>,
        options: &Options,
        ui: &mut impl Ui,
        out: &mut Outcome,
    ) -> Result<(), ApplyError> {
        let from_saved_plan = matches!(source, Source::Saved { .. });
        let mut converged = Default::default();
        let (plan, verified, holds) = match source {
            Source::Saved { file, plan } => self.saved(&file, *plan, ui).await?,
            Source::Manifests(set) => {
                let planned = self.plan(set, options).await?;
                converged = planned.converged;
                (planned.plan, planned.verified, Default::default())
            }
        };
        // What the plan learned about earlier in-flight purchases.
        run::append_verified(&self.paths.journal, &verified)
            .map_err(|e| ApplyError::journal(&self.paths.journal, e))?;
        decide::held(&plan, &holds)?;
        let Outcome {
            plan: plan_slot,
            report: report_slot,
        } = out;
        let plan: &Plan = plan_slot.insert(plan);
        ui.show_plan(plan)?;
        let listed = ui.plan_listed();
        decide::plan_errors(plan, listed)?;
        decide::guardrail(plan, listed, "; nothing was applied")?;
        // What already matches is recorded too (DESIGN §13: drift from it).
        run::record_converged(
            &self.paths.last_applied,
            self.domain_id,
            &converged,
            self.now,
        )
        .map_err(ApplyError::Config)?;
        if plan.batches.is_empty() {
            return Ok(());
        }
        decide::releases(plan, options.allow_unsubscribe)?;
        // A saved plan's balance may be old: read it again before buying.
        let balance = if from_saved_plan {
            planner::check_balance(self.client, plan).await?
        } else {
            plan.summary.balance.clone()
        };
        if let Some(w) = decide::balance(balance, options.ignore_balance)? {
            ui.warn(&w);
        }
        // A saved plan was shown and reviewed when it was made (as Terraform's).
        if !from_saved_plan {
            ui.confirm(plan)?;
        }
        self.execute(plan, options, ui, report_slot).await
    }

    async fn plan(
        &self,
        set: &ManifestSet,
        options: &Options,
    ) -> Result<planner::Planned, ApplyError> {
        let sets = PlanSets {
            head: set,
            base: None,
        };
        let policy = self.in_flight_policy();
        planner::plan_with_guardrails(
            self.client,
            self.domain_id,
            sets,
            &options.scope,
            options.max_cost,
            self.paths,
            &policy,
            self.now,
        )
        .await?
        .map_err(ApplyError::Manifests)
    }

    /// A saved plan, refused when the account moved on since it was made,
    /// with the in-flight check a fresh plan makes.
    async fn saved(
        &self,
        file: &Path,
        saved: SavedPlan,
        ui: &mut impl Ui,
    ) -> Result<
        (
            Plan,
            Vec<journal::Record>,
            std::collections::BTreeMap<String, String>,
        ),
        ApplyError,
    > {
        let live = if saved.domain_id != self.domain_id {
            Default::default()
        } else {
            let ids: Vec<String> = saved.fingerprints.keys().cloned().collect();
            crate::live::fetch::fingerprints(self.client, &ids).await?
        };
        let plan = saved_plan::check_fresh(file, saved, self.domain_id, &live)
            .map_err(|e| saved_plan_error(file, e))?;
        let records = journal::read(&self.paths.journal).map_err(|source| ApplyError::Io {
            what: "cannot read the journal",
            path: self.paths.journal.display().to_string(),
            source,
        })?;
        let check =
            check_in_flight(self.client, &records, &self.in_flight_policy(), Utc::now()).await;
        for w in &check.warnings {
            ui.warn(w);
        }
        let holds = check.holds_for_saved_plan();
        Ok((plan, check.verified, holds))
    }

    fn in_flight_policy(&self) -> InFlightPolicy {
        InFlightPolicy {
            account: self.account.clone(),
            settle: self.settle,
        }
    }

    /// Runs the batches. No journal, no purchase: the journal must be
    /// writable before anything is sent.
    async fn execute(
        &self,
        plan: &Plan,
        options: &Options,
        ui: &mut impl Ui,
        report_slot: &mut Option<ApplyReport>,
    ) -> Result<(), ApplyError> {
        let journal_path = &self.paths.journal;
        let started = run::start(journal_path, &self.account)
            .map_err(|e| ApplyError::journal(journal_path, e))?;
        let progress = ui.progress(plan);
        let exec = Executor {
            client: self.client,
            journal: started.journal.clone(),
            run_id: started.run_id.clone(),
            parallelism: options.parallelism.max(1),
            progress: &progress,
            now: self.now,
            account: self.account.clone(),
            settle: self.settle,
            journal_error: Mutex::new(None),
        };
        let mut report = exec.run(plan).await;
        started.finish(&mut report, journal_path);
        run::save_last_applied(&self.paths.last_applied, self.domain_id, &report, self.now)
            .map_err(ApplyError::Config)?;
        let failed = run::not_done(&report);
        let journal_error = report.journal_error.clone();
        *report_slot = Some(report);
        if let Some(e) = journal_error {
            return Err(ApplyError::Journal(e));
        }
        if failed > 0 {
            return Err(ApplyError::Failed { failed });
        }
        Ok(())
    }
}
