//! Re-verification of in-flight purchases: journal intents without an
//! outcome are checked against the account once their settle time has
//! passed (`verify`), or held until then.

use super::verify::{self, Outcome};
use crate::bss::BssClient;
use crate::clock::parse_api_time;
use crate::plan::model::Operation;
use crate::state::journal;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Which journal intents a plan may verify or close (those of its account
/// and endpoint), and how long after sending (`--settle-time`).
#[derive(Debug, Clone)]
pub struct InFlightPolicy {
    pub account: journal::AccountKey,
    pub settle: chrono::Duration,
}

/// What checking the journal's unfinished purchases found.
#[derive(Default)]
pub struct InFlightCheck {
    /// Resources whose earlier purchase or release is still unknown: no new
    /// renewal or unsubscribe is planned for them (id → why).
    pub holds: BTreeMap<String, String>,
    pub warnings: Vec<String>,
    /// What was learned, as journal records.
    pub verified: Vec<journal::Record>,
}

/// Journal intents of this account and endpoint without an outcome. Before
/// the settle time has passed since sending, they are held unchecked (a
/// late purchase may still be on its way); after it, the account is
/// checked: expiry or status moved, or a renewal order created since the
/// intent that is not cancelled, means it took effect; not seen means it
/// did not. A check that fails holds them.
pub async fn check_in_flight(
    client: &BssClient,
    records: &[journal::Record],
    policy: &InFlightPolicy,
    real_now: DateTime<Utc>,
) -> InFlightCheck {
    let mut learned = Vec::new();
    let mut holds = BTreeMap::new();
    let mut warnings = Vec::new();
    for f in journal::in_flight(records, &policy.account) {
        let ids: Vec<String> = f
            .resource_ids
            .iter()
            .filter(|id| !f.known_done.contains(id))
            .cloned()
            .collect();
        if ids.is_empty() {
            continue;
        }
        let what = f.operation.kind_name();
        let sent_at = parse_api_time(&f.ts);
        let settled_at = sent_at.map(|t| t + policy.settle);
        if settled_at.is_none_or(|t| real_now < t) {
            let when = settled_at
                .map(crate::clock::format_api_time)
                .unwrap_or_else(|| "the settle time".into());
            let why = format!(
                "its {what} sent at {} (run {}) has an unknown outcome; bssctl checks it after {when} (--settle-time)",
                f.ts, f.run_id
            );
            warnings.push(format!(
                "journal: {what} of {} sent at {} (run {}) has an unknown outcome; held until bssctl checks it after {when} (--settle-time)",
                ids.join(", "),
                f.ts,
                f.run_id
            ));
            for id in &ids {
                holds.insert(id.clone(), why.clone());
            }
            continue;
        }
        let since = f
            .orders_since
            .as_deref()
            .and_then(parse_api_time)
            .or(sent_at)
            .unwrap_or(real_now);
        let checked = match &f.operation {
            Operation::Renew { .. } => verify::renewal(client, &ids, &f.expire_before, since).await,
            _ => verify::unsubscribe(client, &ids).await,
        };
        match checked {
            Ok(outcomes) => {
                let mut took_effect = Vec::new();
                let mut not_applied = Vec::new();
                let mut order_ids = Vec::new();
                for (id, o) in outcomes {
                    let verdict = match o {
                        Outcome::TookEffect { order_ids: o } => {
                            took_effect.push(id.clone());
                            order_ids.extend(o);
                            "it took effect"
                        }
                        Outcome::NotApplied => {
                            not_applied.push(id.clone());
                            "it did not take effect"
                        }
                    };
                    warnings.push(format!(
                        "journal: {what} of {id} sent at {} (run {}) had an unknown outcome; checked the account after the settle time: {verdict}",
                        f.ts, f.run_id
                    ));
                }
                order_ids.sort();
                order_ids.dedup();
                learned.push(journal::Record::Verified {
                    ts: crate::clock::format_api_time(Utc::now()),
                    run_id: f.run_id.clone(),
                    intent_id: f.intent_id.clone(),
                    took_effect,
                    not_applied,
                    unknown: Vec::new(),
                    order_ids,
                });
            }
            Err(e) => {
                for id in &ids {
                    holds.insert(
                        id.clone(),
                        format!("an earlier {what} (run {}) has an unknown outcome and could not be checked: {e}", f.run_id),
                    );
                }
            }
        }
    }
    InFlightCheck {
        holds,
        warnings,
        verified: learned,
    }
}

impl InFlightCheck {
    /// The holds for applying a saved plan: those of unknown purchases, and
    /// what was found bought since the plan was made (an unpaid order
    /// leaves the fingerprint as it was): the plan must not buy it again.
    pub fn holds_for_saved_plan(&self) -> BTreeMap<String, String> {
        let mut holds = self.holds.clone();
        for r in &self.verified {
            if let journal::Record::Verified {
                run_id,
                took_effect,
                ..
            } = r
            {
                for id in took_effect {
                    holds.entry(id.clone()).or_insert_with(|| {
                        format!("an earlier purchase of it (run {run_id}) took effect after this plan was made")
                    });
                }
            }
        }
        holds
    }
}
