//! Saved plans (`plan --out FILE`, `apply FILE`): writing them, reading
//! them back with their format and age checked, and the staleness rule
//! (every resource the plan used must still have its fingerprint). No call
//! is made here: the live fingerprints are fetched by `live::fingerprints`.

use crate::plan::model::{Plan, FORMAT_VERSION};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// A saved plan: the plan plus what `apply PLANFILE` checks before acting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format_version: String,
    pub endpoint: String,
    pub domain_id: String,
    /// The planning clock (`BSSCTL_NOW` or the system clock) when the plan
    /// was made; apply refuses a plan from the future or older than
    /// `--max-plan-age`. Absent in files from older bssctl versions: then
    /// `plan.planned_at` stands in.
    #[serde(default)]
    pub planned_at: String,
    /// SHA-256 of every live row the plan used, by resource id.
    pub fingerprints: BTreeMap<String, String>,
    pub plan: Plan,
}

/// Why a saved plan's date makes it unsafe to apply now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanAgeProblem {
    /// `planned_at` is not a time.
    Unreadable(String),
    /// Made after "now" (e.g. with `BSSCTL_NOW` set to a later date).
    FromTheFuture { planned_at: String },
    /// Older than the allowed age.
    TooOld { planned_at: String, age_hours: i64 },
}

/// Clocks of two machines differ a little; more than this is "the future".
pub const PLAN_CLOCK_SKEW_SECONDS: i64 = 300;

impl SavedPlan {
    pub fn planned_at(&self) -> &str {
        if self.planned_at.is_empty() {
            &self.plan.planned_at
        } else {
            &self.planned_at
        }
    }

    /// Whether the plan may be applied at `now`, given `max_age`.
    pub fn check_age(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        max_age: chrono::TimeDelta,
    ) -> Result<(), PlanAgeProblem> {
        let at = self.planned_at();
        let Some(t) = crate::clock::parse_api_time(at) else {
            return Err(PlanAgeProblem::Unreadable(at.to_string()));
        };
        if t > now + chrono::TimeDelta::seconds(PLAN_CLOCK_SKEW_SECONDS) {
            return Err(PlanAgeProblem::FromTheFuture {
                planned_at: at.to_string(),
            });
        }
        if now - t > max_age {
            return Err(PlanAgeProblem::TooOld {
                planned_at: at.to_string(),
                age_hours: (now - t).num_hours(),
            });
        }
        Ok(())
    }
}

/// Why a saved plan cannot be applied. The messages are the ones `apply`
/// prints; `file` is the plan file as given.
#[derive(Debug)]
pub enum SavedPlanError {
    /// The file cannot be read.
    Read(std::io::Error),
    /// Not JSON of a saved plan.
    NotAPlan { file: String, error: String },
    /// A `format_version` this bssctl does not read.
    Version { file: String, found: String },
    /// Its date makes it unsafe (`PlanAgeProblem`); `max_age` as given.
    Age {
        file: String,
        problem: PlanAgeProblem,
        now: String,
        max_age: String,
    },
    /// Made for another account.
    OtherAccount {
        file: String,
        planned_for: String,
        connected: String,
    },
    /// Resources changed since the plan was made.
    Changed { file: String, changed: Vec<String> },
}

impl SavedPlanError {
    /// A format problem (not a plan file at all) rather than a refusal.
    pub fn is_not_a_plan(&self) -> bool {
        matches!(self, SavedPlanError::NotAPlan { .. })
    }
}

impl std::fmt::Display for SavedPlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SavedPlanError::Read(e) => write!(f, "{e}"),
            SavedPlanError::NotAPlan { file, error } => {
                write!(f, "{file}: not a bssctl plan file ({error})")?;
                if file.ends_with(".yaml") || file.ends_with(".yml") {
                    // `bssctl apply compute.yaml`: a manifest given as a plan.
                    write!(
                        f,
                        "; it looks like a manifest: pass manifests with -f: bssctl apply -f {file}"
                    )?;
                }
                Ok(())
            }
            SavedPlanError::Version { file, found } => write!(
                f,
                "{file}: plan format_version {found} is not supported (expected {FORMAT_VERSION})"
            ),
            SavedPlanError::Age {
                file,
                problem,
                now,
                max_age,
            } => {
                write!(f, "{file}: ")?;
                match problem {
                    PlanAgeProblem::Unreadable(at) => write!(f, "planned_at {at:?} is not a time")?,
                    PlanAgeProblem::FromTheFuture { planned_at } => write!(
                        f,
                        "the plan was made for {planned_at}, after now ({now}), e.g. with {} set; its renewal decisions are not \
                         today's",
                        crate::clock::ENV_NOW
                    )?,
                    PlanAgeProblem::TooOld {
                        planned_at,
                        age_hours,
                    } => write!(
                        f,
                        "the plan was made at {planned_at}, {age_hours} hours ago, more than --max-plan-age {max_age}"
                    )?,
                }
                write!(f, "; nothing was applied: run bssctl plan again")
            }
            SavedPlanError::OtherAccount {
                file,
                planned_for,
                connected,
            } => write!(
                f,
                "stale plan: {file} was made for account {planned_for}, not {connected}"
            ),
            SavedPlanError::Changed { file, changed } => {
                let shown: Vec<&str> = changed.iter().take(5).map(|s| s.as_str()).collect();
                write!(
                    f,
                    "stale plan: {} resource(s) changed since {file} was made ({}{}); run bssctl plan again",
                    changed.len(),
                    shown.join(", "),
                    if changed.len() > 5 { ", …" } else { "" }
                )
            }
        }
    }
}

/// Writes a saved plan (pretty JSON, one trailing newline), atomically.
pub fn write(path: &Path, saved: &SavedPlan) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(saved).expect("a plan always serializes");
    crate::fsutil::write_atomic(path, format!("{text}\n").as_bytes())
}

/// Reads a saved plan and refuses it when its format or date is wrong:
/// renewal decisions depend on the date, so a plan from the future (a fake
/// clock) or older than `max_age` is refused. `max_age_shown` is how the
/// limit was given (for the message).
pub fn read(
    file: &Path,
    now: chrono::DateTime<chrono::Utc>,
    max_age: chrono::TimeDelta,
    max_age_shown: &str,
) -> Result<SavedPlan, SavedPlanError> {
    let text = std::fs::read_to_string(file).map_err(SavedPlanError::Read)?;
    let shown = || file.display().to_string();
    let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| SavedPlanError::NotAPlan {
        file: shown(),
        error: e.to_string(),
    })?;
    if saved.format_version != FORMAT_VERSION {
        return Err(SavedPlanError::Version {
            file: shown(),
            found: saved.format_version,
        });
    }
    match saved.check_age(now, max_age) {
        Ok(()) => Ok(saved),
        Err(problem) => Err(SavedPlanError::Age {
            file: shown(),
            problem,
            now: crate::clock::format_api_time(now),
            max_age: max_age_shown.to_string(),
        }),
    }
}

/// The staleness rule: the plan must be for the connected account, and
/// every resource it used must still have the fingerprint it had (`live`:
/// id → fingerprint now). Returns the plan to apply.
pub fn check_fresh(
    file: &Path,
    saved: SavedPlan,
    connected_domain: &str,
    live: &BTreeMap<String, String>,
) -> Result<Plan, SavedPlanError> {
    if saved.domain_id != connected_domain {
        return Err(SavedPlanError::OtherAccount {
            file: file.display().to_string(),
            planned_for: saved.domain_id,
            connected: connected_domain.to_string(),
        });
    }
    let changed: Vec<String> = saved
        .fingerprints
        .iter()
        .filter(|(id, fp)| live.get(*id) != Some(*fp))
        .map(|(id, _)| id.clone())
        .collect();
    if !changed.is_empty() {
        return Err(SavedPlanError::Changed {
            file: file.display().to_string(),
            changed,
        });
    }
    Ok(saved.plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{Plan, Summary, FORMAT_VERSION};
    use std::collections::BTreeMap;

    fn saved(planned_at: &str, inner: &str) -> SavedPlan {
        SavedPlan {
            format_version: FORMAT_VERSION.into(),
            endpoint: "http://127.0.0.1:1".into(),
            domain_id: "d".into(),
            planned_at: planned_at.into(),
            fingerprints: BTreeMap::new(),
            plan: Plan {
                format_version: FORMAT_VERSION.into(),
                planned_at: inner.into(),
                changes: Vec::new(),
                account_changes: Vec::new(),
                batches: Vec::new(),
                summary: Summary::default(),
                warnings: Vec::new(),
                errors: Vec::new(),
                pending_orders: Vec::new(),
                guardrail_violations: Vec::new(),
                diff: None,
            },
        }
    }

    #[test]
    fn plan_age_is_checked_both_ways() {
        let t = |s: &str| crate::clock::parse_api_time(s).unwrap();
        let day = chrono::TimeDelta::hours(24);
        let now = t("2026-11-24T12:00:00Z");
        let p = saved("2026-11-24T00:00:00Z", "");
        assert_eq!(p.check_age(now, day), Ok(()));
        // Exactly the allowed age is still fine; a minute more is not.
        assert_eq!(p.check_age(t("2026-11-25T00:00:00Z"), day), Ok(()));
        assert_eq!(
            p.check_age(t("2026-11-25T00:01:00Z"), day),
            Err(PlanAgeProblem::TooOld {
                planned_at: "2026-11-24T00:00:00Z".into(),
                age_hours: 24
            })
        );
        // From the future beyond clock skew.
        let future = saved("2027-07-15T00:00:00Z", "");
        assert!(matches!(
            future.check_age(now, day),
            Err(PlanAgeProblem::FromTheFuture { .. })
        ));
        assert_eq!(
            saved("2026-11-24T12:04:00Z", "").check_age(now, day),
            Ok(())
        );
        // Older files: the inner plan's planned_at stands in.
        assert_eq!(
            saved("", "2026-11-24T00:00:00Z").check_age(now, day),
            Ok(())
        );
        assert!(matches!(
            saved("", "").check_age(now, day),
            Err(PlanAgeProblem::Unreadable(_))
        ));
    }
}
