//! The apply journal: JSON lines, one record before each operation is sent
//! (fsynced, so a kill -9 right after sending still leaves it) and one for
//! each outcome, with request ids and order ids. A later `plan`/`apply`
//! reads it to learn which purchases are still in flight.

use crate::plan::Operation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "journal.jsonl";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    RunStarted {
        ts: String,
        run_id: String,
        endpoint: String,
        domain_id: String,
    },
    /// Written and fsynced before the request is sent.
    Intent {
        ts: String,
        run_id: String,
        intent_id: String,
        operation: Operation,
        resource_ids: Vec<String>,
        /// Expiry of each resource before the operation (to verify renewals).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        expire_before: BTreeMap<String, String>,
    },
    /// What came back. `outcome`: `done`, `failed`, `ambiguous`.
    Result {
        ts: String,
        run_id: String,
        intent_id: String,
        outcome: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        order_ids: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        succeeded: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        failed: Vec<FailedId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// An ambiguous or unfinished operation, checked against the account.
    Verified {
        ts: String,
        run_id: String,
        intent_id: String,
        took_effect: Vec<String>,
        not_applied: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        unknown: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        order_ids: Vec<String>,
    },
    RunFinished {
        ts: String,
        run_id: String,
        done: usize,
        failed: usize,
        skipped: usize,
    },
    /// `bssctl orders pay|cancel`: written and fsynced before the request
    /// is sent. `action`: `pay` or `cancel`.
    OrderIntent {
        ts: String,
        run_id: String,
        order_id: String,
        action: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        coupon_ids: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        discount_id: Option<String>,
        /// The most the payment is expected to take from the balance.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected_amount: Option<String>,
    },
    /// What came back for an `OrderIntent`. `outcome`: `done`, `failed`,
    /// `unknown`; `verified` when a lost answer was settled by re-reading
    /// the order.
    OrderResult {
        ts: String,
        run_id: String,
        order_id: String,
        action: String,
        outcome: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        verified: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedId {
    pub resource_id: String,
    pub error_code: String,
    pub error_msg: String,
}

/// An intent whose outcome was never learned: sent (maybe) but no result
/// or a result of `ambiguous`, and no verification since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    pub ts: String,
    pub run_id: String,
    pub intent_id: String,
    pub operation: Operation,
    pub resource_ids: Vec<String>,
    pub expire_before: BTreeMap<String, String>,
    /// Ids already known to have taken effect (from a partial answer).
    pub known_done: Vec<String>,
}

pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    pub fn open(path: &Path) -> std::io::Result<Journal> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record and syncs it to disk.
    pub fn append(&mut self, record: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()
    }
}

/// Reads every record; a torn last line (killed mid-write) is skipped.
pub fn read(path: &Path) -> std::io::Result<Vec<Record>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        if let Ok(r) = serde_json::from_str::<Record>(&line) {
            out.push(r);
        }
    }
    Ok(out)
}

/// Purchases and releases whose outcome is still unknown.
pub fn in_flight(records: &[Record]) -> Vec<InFlight> {
    let mut open: BTreeMap<String, InFlight> = BTreeMap::new();
    for r in records {
        match r {
            Record::Intent {
                ts,
                run_id,
                intent_id,
                operation,
                resource_ids,
                expire_before,
            } if operation.is_purchase_or_release() => {
                open.insert(
                    intent_id.clone(),
                    InFlight {
                        ts: ts.clone(),
                        run_id: run_id.clone(),
                        intent_id: intent_id.clone(),
                        operation: operation.clone(),
                        resource_ids: resource_ids.clone(),
                        expire_before: expire_before.clone(),
                        known_done: Vec::new(),
                    },
                );
            }
            Record::Result {
                intent_id,
                outcome,
                succeeded,
                ..
            } => {
                if outcome == "ambiguous" {
                    if let Some(f) = open.get_mut(intent_id) {
                        f.known_done.extend(succeeded.iter().cloned());
                    }
                } else {
                    open.remove(intent_id);
                }
            }
            Record::Verified {
                intent_id, unknown, ..
            } if unknown.is_empty() => {
                open.remove(intent_id);
            }
            _ => {}
        }
    }
    open.into_values().collect()
}

/// Order ids the journal recorded for renewals, newest last, by resource.
pub fn renewal_orders(records: &[Record]) -> BTreeMap<String, Vec<String>> {
    let mut intents: BTreeMap<&str, (&Operation, &Vec<String>)> = BTreeMap::new();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in records {
        match r {
            Record::Intent {
                intent_id,
                operation,
                resource_ids,
                ..
            } => {
                intents.insert(intent_id, (operation, resource_ids));
            }
            Record::Result {
                intent_id,
                order_ids,
                succeeded,
                ..
            } => {
                if let Some((Operation::Renew { .. }, ids)) = intents.get(intent_id.as_str()) {
                    let ids = if succeeded.is_empty() {
                        *ids
                    } else {
                        succeeded
                    };
                    for id in ids {
                        out.entry(id.clone())
                            .or_default()
                            .extend(order_ids.iter().cloned());
                    }
                }
            }
            Record::Verified {
                intent_id,
                order_ids,
                took_effect,
                ..
            } => {
                if let Some((Operation::Renew { .. }, _)) = intents.get(intent_id.as_str()) {
                    for id in took_effect {
                        out.entry(id.clone())
                            .or_default()
                            .extend(order_ids.iter().cloned());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub fn new_run_id() -> String {
    format!(
        "{}-{:06x}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        fastrand::u32(..0x100_0000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renew() -> Operation {
        Operation::Renew {
            period_type: 3,
            period_num: 1,
            is_auto_pay: 1,
        }
    }

    fn intent(id: &str, ids: &[&str]) -> Record {
        Record::Intent {
            ts: "t".into(),
            run_id: "run".into(),
            intent_id: id.into(),
            operation: renew(),
            resource_ids: ids.iter().map(|s| s.to_string()).collect(),
            expire_before: BTreeMap::new(),
        }
    }

    fn result(id: &str, outcome: &str) -> Record {
        Record::Result {
            ts: "t".into(),
            run_id: "run".into(),
            intent_id: id.into(),
            outcome: outcome.into(),
            request_id: None,
            order_ids: vec!["O1".into()],
            succeeded: vec![],
            failed: vec![],
            message: None,
        }
    }

    #[test]
    fn intents_without_a_final_outcome_are_in_flight() {
        let records = vec![
            intent("a", &["r1"]),
            result("a", "done"),
            intent("b", &["r2"]),
            intent("c", &["r3"]),
            result("c", "ambiguous"),
        ];
        let open: Vec<String> = in_flight(&records)
            .into_iter()
            .map(|f| f.intent_id)
            .collect();
        assert_eq!(open, vec!["b", "c"]);
        let orders = renewal_orders(&records);
        assert_eq!(orders["r1"], vec!["O1"]);
    }

    #[test]
    fn append_and_read_survive_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j").join(FILE_NAME);
        let mut j = Journal::open(&path).unwrap();
        j.append(&intent("a", &["r1"])).unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"event\":\"res").unwrap();
        let records = read(&path).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(in_flight(&records).len(), 1);
    }
}
