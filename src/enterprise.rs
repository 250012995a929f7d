//! Enterprise accounts (bss-api §13, DESIGN §12): what `bssctl accounts`
//! shows. The master's credentials list the sub-accounts (§13a) and read
//! each one's balance as the master sees it (§13d, cash); a declared
//! manifest account covers a sub-account when its `domain_id` is the
//! sub-account's id.

use crate::bss::model::{BALANCE_TYPE_DEBIT, SUB_CUSTOMER_STATUS_NORMAL};
use crate::bss::{ApiError, BssClient};
use crate::manifest::ManifestSet;
use futures::future::join_all;
use rust_decimal::Decimal;
use serde::Serialize;

/// One account of the enterprise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountRow {
    /// `master` or `sub`.
    pub role: &'static str,
    pub domain_id: String,
    pub name: String,
    pub display_name: String,
    /// §13a status (1 normal); `None` for the master.
    pub status: Option<i32>,
    /// Cash balance: the master's own (cash and credit), a sub-account's
    /// retrievable cash (§13d); `None` when not readable (not normal status).
    #[serde(with = "rust_decimal::serde::str_option")]
    pub balance: Option<Decimal>,
    /// The manifest alias that covers it, when manifests were given.
    pub alias: Option<String>,
    /// Whether a manifest covers it (`None`: no manifests given).
    pub covered: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountsReport {
    /// Currency of every balance (the master's balance answer's, else CNY).
    pub currency: String,
    pub master: AccountRow,
    pub sub_accounts: Vec<AccountRow>,
    /// Declared accounts that are neither the master nor a sub-account.
    pub unknown_aliases: Vec<String>,
}

/// Two decimals, as money is shown in JSON (`"100.00"`).
fn fen(d: Decimal) -> Decimal {
    let mut r = d.round_dp(2);
    r.rescale(2);
    r
}

fn alias_of(set: Option<&ManifestSet>, domain_id: &str) -> (Option<String>, Option<bool>) {
    match set {
        None => (None, None),
        Some(set) => {
            let alias = set
                .accounts
                .iter()
                .find(|(_, a)| a.value.domain_id == domain_id)
                .map(|(alias, _)| alias.clone());
            let covered = alias.is_some();
            (alias, Some(covered))
        }
    }
}

/// Lists the master and its sub-accounts with their balances; sub-account
/// balances are read concurrently.
pub async fn accounts_report(
    master: &BssClient,
    master_domain_id: &str,
    set: Option<&ManifestSet>,
) -> Result<AccountsReport, ApiError> {
    let (subs, balances) =
        futures::future::try_join(master.sub_customers_all(), master.balances()).await?;
    let reads = subs.iter().map(|s| async move {
        let id = s.id.clone().unwrap_or_default();
        if s.status != Some(SUB_CUSTOMER_STATUS_NORMAL) || id.is_empty() {
            return Ok::<Option<Decimal>, ApiError>(None);
        }
        let r = master.retrieve_amount(&id, BALANCE_TYPE_DEBIT).await?;
        Ok(Some(
            r.body
                .amount_infos
                .iter()
                .flatten()
                .filter_map(|a| a.avail_retrieve_amount)
                .sum(),
        ))
    });
    let amounts = join_all(reads).await;
    let mut sub_accounts = Vec::new();
    for (s, amount) in subs.iter().zip(amounts) {
        let domain_id = s.id.clone().unwrap_or_default();
        let (alias, covered) = alias_of(set, &domain_id);
        sub_accounts.push(AccountRow {
            role: "sub",
            name: s.name.clone().unwrap_or_default(),
            display_name: s.display_name.clone().unwrap_or_default(),
            status: s.status,
            balance: amount?.map(fen),
            alias,
            covered,
            domain_id,
        });
    }
    let (alias, covered) = alias_of(set, master_domain_id);
    let master_row = AccountRow {
        role: "master",
        domain_id: master_domain_id.to_string(),
        name: String::new(),
        display_name: String::new(),
        status: None,
        balance: Some(fen(balances.body.cash_and_credit())),
        alias,
        covered,
    };
    let unknown_aliases = set
        .map(|set| {
            set.accounts
                .iter()
                .filter(|(_, a)| {
                    a.value.domain_id != master_domain_id
                        && !sub_accounts
                            .iter()
                            .any(|s| s.domain_id == a.value.domain_id)
                })
                .map(|(alias, _)| alias.clone())
                .collect()
        })
        .unwrap_or_default();
    Ok(AccountsReport {
        currency: balances
            .body
            .currency
            .clone()
            .unwrap_or_else(|| "CNY".to_string()),
        master: master_row,
        sub_accounts,
        unknown_aliases,
    })
}

/// `1 normal`, `102 pending activation`, ... (§13a).
pub fn status_text(status: Option<i32>) -> &'static str {
    match status {
        None => "",
        Some(1) => "normal",
        Some(2) => "being created",
        Some(3) => "being closed",
        Some(4) => "closed",
        Some(101) => "registering",
        Some(102) => "pending activation",
        Some(_) => "other",
    }
}

// ---------------------------------------------------------------------------
// One plan across the declared accounts

use crate::connect::{AccountAuth, AccountSpec, ConnectError, ConnectOptions, Connection};
use crate::manifest::types::AccountEntry;
use crate::planner::{PlanError, Planned, Scope, StatePaths};

/// How to reach a declared account: its credential source, following
/// `agency.from` (the loader refuses cycles; the depth bound is a guard).
pub fn account_spec(set: &ManifestSet, alias: &str) -> Result<AccountSpec, String> {
    fn spec(set: &ManifestSet, alias: &str, depth: usize) -> Result<AccountSpec, String> {
        let entry: &AccountEntry = &set
            .account(alias)
            .ok_or_else(|| format!("unknown account alias {alias:?}"))?
            .value;
        let auth = match (&entry.credentials, &entry.profile, &entry.agency) {
            (Some(_), None, None) => AccountAuth::Default,
            (None, Some(p), None) => AccountAuth::Profile(p.clone()),
            (None, None, Some(a)) if depth < 8 => AccountAuth::Agency {
                name: a.name.clone(),
                from: Box::new(spec(set, &a.from, depth + 1)?),
            },
            _ => return Err(format!("account {alias}: no usable credential source")),
        };
        Ok(AccountSpec {
            alias: alias.to_string(),
            domain_id: entry.domain_id.clone(),
            auth,
        })
    }
    spec(set, alias, 0)
}

/// Why an account could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("account {alias}: {source}")]
    Connect {
        alias: String,
        #[source]
        source: ConnectError,
    },
    #[error("account {alias}: {source}")]
    Plan {
        alias: String,
        #[source]
        source: PlanError,
    },
    #[error("account {alias}: {message}")]
    Config { alias: String, message: String },
    /// Resolve's diagnostics (the manifests do not fit the live accounts).
    #[error("the manifests have errors")]
    Manifests(Vec<crate::manifest::Diagnostic>),
}

/// One declared account, connected.
pub struct AccountConnection {
    pub alias: String,
    pub connection: Connection,
}

/// Connects to every declared account (in declaration order), each with
/// its own credentials.
pub async fn connect_all(
    o: &ConnectOptions,
    set: &ManifestSet,
) -> Result<Vec<AccountConnection>, AccountError> {
    let mut out = Vec::new();
    for (alias, _) in &set.accounts {
        let spec = account_spec(set, alias).map_err(|message| AccountError::Config {
            alias: alias.clone(),
            message,
        })?;
        let connection = crate::connect::connect_account(o, &spec)
            .await
            .map_err(|source| AccountError::Connect {
                alias: alias.clone(),
                source,
            })?;
        out.push(AccountConnection {
            alias: alias.clone(),
            connection,
        });
    }
    Ok(out)
}

/// One account's plan.
pub struct AccountPlan {
    pub alias: String,
    pub domain_id: String,
    pub planned: Planned,
    /// What the plan pays at once, and whether a price was unknown.
    pub paid_now: (Decimal, bool),
}

/// Plans every declared account concurrently, each with its own client
/// and only its own entries (`ManifestSet::for_account`); the journal and
/// the last-applied record are shared files keyed by account.
pub async fn plan_accounts(
    conns: &[AccountConnection],
    set: &ManifestSet,
    scope: &Scope,
    max_cost: Option<Decimal>,
    paths: &StatePaths,
    settle: chrono::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<AccountPlan>, AccountError> {
    let sets: Vec<ManifestSet> = conns.iter().map(|c| set.for_account(&c.alias)).collect();
    let runs = conns.iter().zip(&sets).map(|(c, mine)| async move {
        let policy = crate::live::in_flight::InFlightPolicy {
            account: c.connection.account_key(),
            settle,
        };
        let planned = crate::planner::plan_with_guardrails(
            &c.connection.client,
            &c.connection.domain_id,
            crate::planner::PlanSets {
                head: mine,
                base: None,
            },
            scope,
            max_cost,
            paths,
            &policy,
            now,
        )
        .await;
        (c, planned)
    });
    let mut out = Vec::new();
    let mut diagnostics = Vec::new();
    for (c, planned) in join_all(runs).await {
        match planned {
            Ok(Ok(planned)) => out.push(AccountPlan {
                alias: c.alias.clone(),
                domain_id: c.connection.domain_id.clone(),
                paid_now: crate::planner::paid_now(&planned.plan),
                planned,
            }),
            Ok(Err(diags)) => diagnostics.extend(diags),
            Err(source) => {
                return Err(AccountError::Plan {
                    alias: c.alias.clone(),
                    source,
                })
            }
        }
    }
    if !diagnostics.is_empty() {
        return Err(AccountError::Manifests(diagnostics));
    }
    Ok(out)
}
