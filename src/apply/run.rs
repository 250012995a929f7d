//! The bookkeeping of one apply run: the journal's run records (no journal,
//! no purchase: it must be writable before anything is sent), the outcomes
//! a plan learned about earlier purchases, and the last-applied record
//! updated from what the run set.

use super::{ApplyReport, Status};
use crate::clock::format_api_time;
use crate::state::journal::{self, AccountKey, Journal, Record};
use crate::state::last_applied::LastApplied;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Appends what a plan learned about earlier in-flight purchases.
pub fn append_verified(journal_path: &Path, verified: &[Record]) -> std::io::Result<()> {
    if verified.is_empty() {
        return Ok(());
    }
    let mut j = Journal::open(journal_path)?;
    for r in verified {
        j.append(r)?;
    }
    Ok(())
}

/// A started run: its id and the journal it writes to.
pub struct Run {
    pub run_id: String,
    pub journal: Arc<Mutex<Journal>>,
}

/// Opens the journal and records the start of a run.
pub fn start(journal_path: &Path, account: &AccountKey) -> std::io::Result<Run> {
    let run_id = journal::new_run_id();
    tracing::info!("run {run_id}: journal {}", journal_path.display());
    let mut journal = Journal::open(journal_path)?;
    journal.append(&Record::RunStarted {
        ts: format_api_time(chrono::Utc::now()),
        run_id: run_id.clone(),
        endpoint: account.endpoint.clone(),
        domain_id: account.domain_id.clone(),
    })?;
    Ok(Run {
        run_id,
        journal: Arc::new(Mutex::new(journal)),
    })
}

impl Run {
    /// Records the end of the run; a journal that cannot be written is
    /// reported in `report.journal_error` (unless one is there already).
    pub fn finish(self, report: &mut ApplyReport, journal_path: &Path) {
        let finished = self
            .journal
            .lock()
            .expect("journal lock")
            .append(&Record::RunFinished {
                ts: format_api_time(chrono::Utc::now()),
                run_id: self.run_id,
                done: report.count(Status::Done),
                failed: report.count(Status::Failed) + report.count(Status::Unknown),
                skipped: report.count(Status::Skipped),
            });
        if let (Err(e), None) = (finished, &report.journal_error) {
            report.journal_error = Some(format!(
                "cannot write the journal {}: {e}",
                journal_path.display()
            ));
        }
    }
}

/// Updates the last-applied record from what the run set: auto-renew
/// settings and account renewal settings.
///
/// `now` is the planning clock: the expiry records date a setting by it, so
/// that the drift window (DESIGN §13) and the sandbox's trail share a clock.
pub fn save_last_applied(
    path: &Path,
    domain_id: &str,
    report: &ApplyReport,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    let on_expiry = on_expiry_set(report);
    if report.auto_renew_set.is_empty()
        && report.auto_renew_cancelled.is_empty()
        && report.renew_config_set.is_empty()
        && on_expiry.is_empty()
    {
        return Ok(());
    }
    let mut la = LastApplied::load(path)?;
    let account = la.account_mut(domain_id);
    let applied_at = format_api_time(now);
    for (id, setting) in on_expiry {
        match setting {
            Some(value) => {
                account.on_expiry.insert(
                    id,
                    crate::state::last_applied::OnExpiryRecord {
                        on_expiry: value.to_string(),
                        applied_at: applied_at.clone(),
                    },
                );
            }
            None => {
                account.on_expiry.remove(&id);
            }
        }
    }
    for id in &report.auto_renew_cancelled {
        account.auto_renew.remove(id);
    }
    for (id, rec) in &report.auto_renew_set {
        account.auto_renew.insert(id.clone(), rec.clone());
    }
    if !report.renew_config_set.is_empty() {
        let rec = account
            .renewal_settings
            .get_or_insert_with(Default::default);
        for (name, value) in &report.renew_config_set {
            match name.as_str() {
                crate::bss::model::RENEW_CONFIG_DEDUCTION_DATE => {
                    rec.deduction_date = Some(value.clone())
                }
                _ => rec.expire_date = Some(value.clone()),
            }
        }
        rec.applied_at = format_api_time(chrono::Utc::now());
    }
    la.save(path)
}

/// Records the resources a plan found already at their manifest expiry
/// setting (`Planned::converged`), dated `now`.
pub fn record_converged(
    path: &Path,
    domain_id: &str,
    converged: &BTreeMap<String, &'static str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    if converged.is_empty() {
        return Ok(());
    }
    let mut la = LastApplied::load(path)?;
    let account = la.account_mut(domain_id);
    let applied_at = format_api_time(now);
    for (id, value) in converged {
        account.on_expiry.insert(
            id.clone(),
            crate::state::last_applied::OnExpiryRecord {
                on_expiry: value.to_string(),
                applied_at: applied_at.clone(),
            },
        );
    }
    la.save(path)
}

/// The expiry setting each resource ended with, from the operations that
/// succeeded, in the order they ran (`None`: released, forget it).
fn on_expiry_set(report: &ApplyReport) -> BTreeMap<String, Option<&'static str>> {
    use crate::plan::Operation;
    let mut out = BTreeMap::new();
    for r in report.results.iter().filter(|r| r.status == Status::Done) {
        let value = match &r.operation {
            Operation::EnableAutoRenew { .. } => Some("auto_renew"),
            Operation::SetOnDemand => Some("on_demand"),
            Operation::CancelAutoRenew | Operation::CancelOnDemand => Some("none"),
            Operation::Unsubscribe => None,
            _ => continue,
        };
        out.insert(r.resource_id.clone(), value);
    }
    out
}

/// Operations that did not succeed: failed, skipped or of unknown outcome.
pub fn not_done(report: &ApplyReport) -> usize {
    report.count(Status::Failed) + report.count(Status::Skipped) + report.count(Status::Unknown)
}

/// A fake clock (`BSSCTL_NOW`) decides renewals for another day: refused
/// unless the run talks only to this machine (`is_local`).
pub fn fake_clock_refusal(
    is_local: bool,
    endpoint: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    (crate::clock::is_overridden() && !is_local).then(|| {
        format!(
            "refusing to apply against {}: {} is set, so every renewal decision is for {} rather than today; unset \
             it to apply to a real account (a fake clock is for tests and the sandbox on 127.0.0.1)",
            endpoint,
            crate::clock::ENV_NOW,
            crate::clock::format_api_time(now)
        )
    })
}
