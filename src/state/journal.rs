//! The apply journal: JSON lines, one record before each operation is sent
//! (fsynced, so a kill -9 right after sending still leaves it) and one for
//! each outcome, with request ids and order ids. A later `plan`/`apply`
//! reads it to learn which purchases are still in flight.
//!
//! Every intent names the account (domain id) and endpoint it was sent to;
//! only a run against the same account and endpoint verifies or closes it.
//! An intent that cannot be written and fsynced is never sent.

use crate::plan::model::Operation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "journal.jsonl";

/// Test hook: `BSSCTL_TEST_JOURNAL_FAIL_AFTER=N` makes every journal append
/// after the first N of the process fail, as a full disk would.
pub const ENV_FAIL_AFTER: &str = "BSSCTL_TEST_JOURNAL_FAIL_AFTER";

/// `Result.outcome` of a purchase whose answer was lost or did not match
/// what was sent: it may or may not have taken effect.
pub const OUTCOME_UNKNOWN: &str = "unknown";
/// The same, as journals before the `unknown` outcome wrote it.
const OUTCOME_AMBIGUOUS_OLD: &str = "ambiguous";

/// Appends made by this process (for `ENV_FAIL_AFTER`).
static APPENDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Which account and endpoint a record is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountKey {
    pub domain_id: String,
    pub endpoint: String,
}

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
        /// The account the request goes to (older journals: see `RunStarted`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        domain_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        endpoint: Option<String>,
        /// On the service's clock (the planning clock): orders created from
        /// then on may be this intent's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        orders_since: Option<String>,
    },
    /// What came back. `outcome`: `done`, `failed`, `partial`, `unknown`
    /// (older journals: `ambiguous`).
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
        #[serde(default, skip_serializing_if = "Option::is_none")]
        domain_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        endpoint: Option<String>,
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
    /// A transfer master → sub-account (UpdateSubEnterpriseAmount),
    /// written and fsynced before the first send; every resend of this
    /// movement reuses `trans_id`. `domain_id`/`endpoint`: the master's.
    TransferIntent {
        ts: String,
        run_id: String,
        trans_id: String,
        customer_id: String,
        amount: String,
        balance_type: String,
        /// The sub-account's balance read before sending.
        balance_before: String,
        domain_id: String,
        endpoint: String,
    },
    /// What became of a `TransferIntent`: `done`, `failed` or `unknown`;
    /// `verified` when a lost answer was settled by reading the balance or
    /// by the id being refused as already used.
    TransferResult {
        ts: String,
        run_id: String,
        trans_id: String,
        outcome: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        verified: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

/// Transfers to `customer_id` sent by the master `key` whose outcome is
/// still unknown (no `done`/`failed` result): they are settled by resending
/// with the same `trans_id` before any new transfer.
pub fn unsettled_transfers<'a>(
    records: &'a [Record],
    key: &AccountKey,
    customer_id: &str,
) -> Vec<&'a Record> {
    records
        .iter()
        .filter(|r| {
            matches!(r, Record::TransferIntent { customer_id: c, domain_id, endpoint, .. }
                if c == customer_id && *domain_id == key.domain_id && *endpoint == key.endpoint)
        })
        .filter(|r| {
            let Record::TransferIntent { trans_id, .. } = r else {
                return false;
            };
            !records.iter().any(|x| {
                matches!(x, Record::TransferResult { trans_id: t, outcome, .. }
                    if t == trans_id && (outcome == "done" || outcome == "failed"))
            })
        })
        .collect()
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
    /// Orders created from then on (service clock) may be this intent's.
    pub orders_since: Option<String>,
}

pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (or creates) the journal. A new file's directory entry is
    /// fsynced; a torn last line (killed mid-write) is completed with a
    /// newline so the next record starts on a line of its own.
    pub fn open(path: &Path) -> std::io::Result<Journal> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)?;
        if !existed {
            file.sync_all()?;
            sync_dir(dir)?;
        } else if ends_torn(&mut file)? {
            file.write_all(b"\n")?;
            file.sync_data()?;
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record and syncs it to disk; only `Ok` means it is there.
    pub fn append(&mut self, record: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        line.push('\n');
        injected_failure()?;
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()
    }
}

/// The `ENV_FAIL_AFTER` test hook (see there).
fn injected_failure() -> std::io::Result<()> {
    let Some(limit) = std::env::var(ENV_FAIL_AFTER)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    else {
        return Ok(());
    };
    if APPENDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= limit {
        return Err(std::io::Error::other(format!(
            "write refused ({ENV_FAIL_AFTER}={limit}, a test hook)"
        )));
    }
    Ok(())
}

/// Whether the file is non-empty and its last byte is not a newline.
fn ends_torn(file: &mut File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// Makes a new directory entry durable (a no-op where directories cannot
/// be opened).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
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

/// Purchases and releases whose outcome is still unknown, sent to the
/// account and endpoint `key` (intents of other accounts are left alone).
pub fn in_flight(records: &[Record], key: &AccountKey) -> Vec<InFlight> {
    let runs = run_accounts(records);
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
                domain_id,
                endpoint,
                orders_since,
            } if operation.is_purchase_or_release() => {
                let account = match (domain_id, endpoint) {
                    (Some(d), Some(e)) => Some((d.as_str(), e.as_str())),
                    _ => runs.get(run_id.as_str()).copied(),
                };
                if account != Some((key.domain_id.as_str(), key.endpoint.as_str())) {
                    continue;
                }
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
                        orders_since: orders_since.clone(),
                    },
                );
            }
            Record::Result {
                intent_id,
                outcome,
                succeeded,
                ..
            } => {
                if outcome == OUTCOME_UNKNOWN || outcome == OUTCOME_AMBIGUOUS_OLD {
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

/// Run id → (domain id, endpoint), from `RunStarted` (for intents written
/// before intents named their account).
fn run_accounts(records: &[Record]) -> BTreeMap<&str, (&str, &str)> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::RunStarted {
                run_id,
                endpoint,
                domain_id,
                ..
            } => Some((run_id.as_str(), (domain_id.as_str(), endpoint.as_str()))),
            _ => None,
        })
        .collect()
}

/// A pay whose answer was lost and whose outcome no later record settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPay {
    pub ts: String,
    pub run_id: String,
    pub order_id: String,
}

/// Pays of `key`'s account whose outcome is still unknown, by order id.
pub fn unknown_pays(records: &[Record], key: &AccountKey) -> BTreeMap<String, UnknownPay> {
    let mut sent: BTreeMap<(String, String), UnknownPay> = BTreeMap::new();
    let mut open: BTreeMap<String, UnknownPay> = BTreeMap::new();
    for r in records {
        match r {
            Record::OrderIntent {
                ts,
                run_id,
                order_id,
                action,
                domain_id,
                endpoint,
                ..
            } if action == "pay"
                && domain_id.as_deref() == Some(key.domain_id.as_str())
                && endpoint.as_deref() == Some(key.endpoint.as_str()) =>
            {
                sent.insert(
                    (run_id.clone(), order_id.clone()),
                    UnknownPay {
                        ts: ts.clone(),
                        run_id: run_id.clone(),
                        order_id: order_id.clone(),
                    },
                );
            }
            Record::OrderResult {
                run_id,
                order_id,
                action,
                outcome,
                ..
            } if action == "pay" => {
                if let Some(p) = sent.get(&(run_id.clone(), order_id.clone())) {
                    if outcome == OUTCOME_UNKNOWN {
                        open.insert(order_id.clone(), p.clone());
                    } else {
                        open.remove(order_id);
                    }
                }
            }
            _ => {}
        }
    }
    open
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
            period: crate::plan::model::RenewPeriod::Years(1),
            pay_now: true,
        }
    }

    fn key(domain: &str) -> AccountKey {
        AccountKey {
            domain_id: domain.into(),
            endpoint: "https://bss.example".into(),
        }
    }

    fn intent_for(id: &str, ids: &[&str], domain: Option<&str>) -> Record {
        Record::Intent {
            ts: "t".into(),
            run_id: "run".into(),
            intent_id: id.into(),
            operation: renew(),
            resource_ids: ids.iter().map(|s| s.to_string()).collect(),
            expire_before: BTreeMap::new(),
            domain_id: domain.map(str::to_string),
            endpoint: domain.map(|_| "https://bss.example".to_string()),
            orders_since: None,
        }
    }

    fn intent(id: &str, ids: &[&str]) -> Record {
        intent_for(id, ids, Some("A"))
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
            intent("d", &["r4"]),
            result("d", OUTCOME_UNKNOWN),
        ];
        let open: Vec<String> = in_flight(&records, &key("A"))
            .into_iter()
            .map(|f| f.intent_id)
            .collect();
        assert_eq!(open, vec!["b", "c", "d"]);
        let orders = renewal_orders(&records);
        assert_eq!(orders["r1"], vec!["O1"]);
    }

    #[test]
    fn only_the_intents_account_and_endpoint_see_it() {
        let records = vec![
            intent("a", &["r1"]),
            // An older intent without its account: the run says whose it is.
            Record::RunStarted {
                ts: "t".into(),
                run_id: "old".into(),
                endpoint: "https://bss.example".into(),
                domain_id: "B".into(),
            },
            Record::Intent {
                ts: "t".into(),
                run_id: "old".into(),
                intent_id: "b".into(),
                operation: renew(),
                resource_ids: vec!["r2".into()],
                expire_before: BTreeMap::new(),
                domain_id: None,
                endpoint: None,
                orders_since: None,
            },
            // No account at all: nobody may close it.
            intent_for("c", &["r3"], None),
        ];
        let ids = |k: &AccountKey| -> Vec<String> {
            in_flight(&records, k)
                .into_iter()
                .map(|f| f.intent_id)
                .collect()
        };
        assert_eq!(ids(&key("A")), vec!["a"]);
        assert_eq!(ids(&key("B")), vec!["b"]);
        let other_endpoint = AccountKey {
            domain_id: "A".into(),
            endpoint: "sandbox:x".into(),
        };
        assert!(ids(&other_endpoint).is_empty());
    }

    #[test]
    fn a_torn_last_line_is_completed_and_loses_no_later_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j").join(FILE_NAME);
        let mut j = Journal::open(&path).unwrap();
        j.append(&intent("a", &["r1"])).unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"event\":\"res").unwrap();
        drop(f);
        let records = read(&path).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(in_flight(&records, &key("A")).len(), 1);
        let mut j = Journal::open(&path).unwrap();
        j.append(&result("a", "done")).unwrap();
        let records = read(&path).unwrap();
        assert_eq!(records.len(), 2, "the record after the torn line is kept");
        assert!(in_flight(&records, &key("A")).is_empty());
    }

    #[test]
    fn an_unknown_pay_stays_open_until_settled() {
        let pay = |run: &str| Record::OrderIntent {
            ts: "t".into(),
            run_id: run.into(),
            order_id: "O1".into(),
            action: "pay".into(),
            coupon_ids: vec![],
            discount_id: None,
            expected_amount: None,
            domain_id: Some("A".into()),
            endpoint: Some("https://bss.example".into()),
        };
        let res = |run: &str, outcome: &str| Record::OrderResult {
            ts: "t".into(),
            run_id: run.into(),
            order_id: "O1".into(),
            action: "pay".into(),
            outcome: outcome.into(),
            verified: false,
            request_id: None,
            error_code: None,
            message: None,
        };
        let mut records = vec![pay("r1"), res("r1", OUTCOME_UNKNOWN)];
        assert!(unknown_pays(&records, &key("A")).contains_key("O1"));
        assert!(unknown_pays(&records, &key("B")).is_empty());
        records.push(res("r1", "failed"));
        assert!(unknown_pays(&records, &key("A")).is_empty());
    }
}
