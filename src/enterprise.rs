//! Enterprise accounts (bss-api §13, DESIGN §12): what `bssctl accounts`
//! shows. The master's credentials list the sub-accounts (§13a) and read
//! each one's balance as the master sees it (§13d, cash); a declared
//! manifest account covers a sub-account when its `domain_id` is the
//! sub-account's id.

pub mod apply;

use crate::bss::model::{
    TransferEnterpriseMultiAccountReq, BALANCE_TYPE_DEBIT, SUB_CUSTOMER_STATUS_NORMAL,
};
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
    /// Funding refused or failed; the message names the numbers.
    #[error("account {alias}: funding: {message}")]
    Funding { alias: String, message: String },
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
    // One pace for the whole enterprise unless asked otherwise.
    let shared = (!o.pace_per_account)
        .then(|| crate::bss::client::SharedPacers::per_second(o.rate_limit.max(1)));
    for (alias, _) in &set.accounts {
        let spec = account_spec(set, alias).map_err(|message| AccountError::Config {
            alias: alias.clone(),
            message,
        })?;
        let connection = crate::connect::connect_account(o, &spec, shared.as_ref())
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
    /// The transfer from the funding account that covers the shortfall.
    pub transfer: Option<PlannedTransfer>,
}

/// A transfer master → sub-account of exactly the shortfall: renewals paid
/// now plus `keep_min_balance`, minus the balance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedTransfer {
    /// Alias and id of the account that transfers.
    pub from: String,
    pub from_domain_id: String,
    /// The sub-account funded.
    pub to_domain_id: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub balance: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub renewals_now: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub keep_min_balance: Decimal,
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
                transfer: None,
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
    fund(conns, set, &mut out, max_cost).await?;
    Ok(out)
}

fn conn_of<'a>(conns: &'a [AccountConnection], alias: &str) -> Option<&'a Connection> {
    conns
        .iter()
        .find(|c| c.alias == alias)
        .map(|c| &c.connection)
}

/// Plans the transfers `funding:` asks for: exactly the shortfall, within
/// `max_per_apply`, the funding account's transferable balance (§13c) and
/// the cost guardrail; otherwise an error that names the numbers.
async fn fund(
    conns: &[AccountConnection],
    set: &ManifestSet,
    plans: &mut [AccountPlan],
    max_cost: Option<Decimal>,
) -> Result<(), AccountError> {
    let money = |d: Decimal| crate::display::money::money("CNY", d);
    let limit = max_cost.or(set.policy.as_ref().and_then(|p| p.max_renewal_cost));
    for p in plans.iter_mut() {
        let Some(f) = set.account(&p.alias).and_then(|a| a.value.funding.as_ref()) else {
            continue;
        };
        let fail = |message: String| AccountError::Funding {
            alias: p.alias.clone(),
            message,
        };
        let (Some(mine), Some(from)) = (conn_of(conns, &p.alias), conn_of(conns, &f.from)) else {
            return Err(fail(format!("funding.from {:?} is not connected", f.from)));
        };
        let api = |source: ApiError| AccountError::Plan {
            alias: p.alias.clone(),
            source: PlanError::Api(source),
        };
        let balance = fen(mine
            .client
            .balances()
            .await
            .map_err(api)?
            .body
            .cash_and_credit());
        let keep = f.keep_min_balance.unwrap_or_default();
        let renewals = p.paid_now.0;
        let needed = renewals + keep;
        if needed <= balance {
            continue;
        }
        let amount = fen_up(needed - balance);
        let max = f.max_per_apply.unwrap_or_default();
        let numbers = format!(
            "renewals paid now {} plus keep_min_balance {} exceed the balance {} by {}",
            money(renewals),
            money(keep),
            money(balance),
            money(amount)
        );
        if amount > max {
            return Err(fail(format!(
                "{numbers}, more than funding.max_per_apply {}; nothing is transferred or bought",
                money(max)
            )));
        }
        let transferable = fen(from
            .client
            .transfer_amount(BALANCE_TYPE_DEBIT)
            .await
            .map_err(api)?
            .body
            .avail_transfer());
        if amount > transferable {
            return Err(fail(format!(
                "{numbers}, more than {}'s transferable balance {}; nothing is transferred or bought",
                f.from,
                money(transferable)
            )));
        }
        if let Some(l) = limit.filter(|l| amount > *l) {
            return Err(fail(format!(
                "{numbers}; the transfer exceeds the cost guardrail {}; nothing is transferred or bought",
                money(l)
            )));
        }
        // The balance the purchases will meet is the one after the transfer.
        if let Some(b) = p.planned.plan.summary.balance.as_mut() {
            let before = crate::plan::decide::balance_warning(b);
            p.planned.plan.warnings.retain(|w| *w != before);
            b.available += amount;
            b.sufficient = b.available >= b.required;
        }
        p.transfer = Some(PlannedTransfer {
            from: f.from.clone(),
            from_domain_id: from.domain_id.clone(),
            to_domain_id: p.domain_id.clone(),
            amount,
            balance,
            renewals_now: renewals,
            keep_min_balance: keep,
        });
    }
    Ok(())
}

/// Rounded up to the fen: a transfer never falls short by rounding.
fn fen_up(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::AwayFromZero);
    r.rescale(2);
    r
}

/// What a transfer came to.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferDone {
    pub trans_id: String,
    pub amount: Decimal,
    /// Settled by reading the balance or a refused reused id, not by an answer.
    pub verified: bool,
    /// Earlier runs' unsettled transfers settled first.
    pub settled_earlier: usize,
}

fn ts() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Carries out a planned transfer before the sub-account's purchases: the
/// `trans_id` is journalled (fsynced) before the first send and reused on
/// every resend; a lost answer is settled by reading the sub-account's
/// balance, never by sending a new id. Transfers an earlier run left
/// unsettled are resent first with their own id (a refusal as already
/// used, `CBC.99007009`, means they landed).
pub async fn transfer(
    master: &Connection,
    sub: &Connection,
    t: &PlannedTransfer,
    journal_path: &std::path::Path,
    run_id: &str,
) -> Result<TransferDone, AccountError> {
    use crate::state::journal::{self, Journal, Record};
    let fail = |message: String| AccountError::Funding {
        alias: t.to_domain_id.clone(),
        message,
    };
    let io = |e: std::io::Error| fail(format!("journal {}: {e}", journal_path.display()));
    let key = master.account_key();
    let records = journal::read(journal_path).map_err(io)?;
    let mut jr = Journal::open(journal_path).map_err(io)?;
    let result =
        |trans_id: &str, outcome: &str, verified: bool, code: Option<&str>, msg: Option<String>| {
            Record::TransferResult {
                ts: ts(),
                run_id: run_id.to_string(),
                trans_id: trans_id.to_string(),
                outcome: outcome.to_string(),
                verified,
                error_code: code.map(str::to_string),
                message: msg,
            }
        };
    let balance = || async {
        sub.client
            .balances()
            .await
            .map(|b| fen(b.body.cash_and_credit()))
            .map_err(|e| fail(format!("cannot read the balance: {e}")))
    };
    // Earlier unsettled movements first, each with its own id.
    let mut settled_earlier = 0;
    for r in journal::unsettled_transfers(&records, &key, &t.to_domain_id) {
        let Record::TransferIntent {
            trans_id,
            customer_id,
            amount,
            balance_type,
            ..
        } = r
        else {
            continue;
        };
        let req = TransferEnterpriseMultiAccountReq {
            customer_id: customer_id.clone(),
            amount: amount.clone(),
            trans_id: Some(trans_id.clone()),
            balance_type: Some(balance_type.clone()),
            expire_time: None,
        };
        let rec = match master.client.transfer(&req).await {
            Ok(_) => result(trans_id, "done", false, None, None),
            Err(e) if e.error_code() == Some(CODE_TRANS_ID_USED) => {
                result(trans_id, "done", true, e.error_code(), None)
            }
            Err(e) if e.is_ambiguous() || e.status().is_none() => {
                return Err(fail(format!(
                    "the transfer {trans_id} of an earlier run is still unsettled: {e}"
                )))
            }
            Err(e) => result(
                trans_id,
                "failed",
                false,
                e.error_code(),
                Some(e.to_string()),
            ),
        };
        jr.append(&rec).map_err(io)?;
        settled_earlier += 1;
    }
    let before = balance().await?;
    let needed = t.renewals_now + t.keep_min_balance;
    if settled_earlier > 0 && before >= needed {
        return Ok(TransferDone {
            trans_id: String::new(),
            amount: Decimal::ZERO,
            verified: true,
            settled_earlier,
        });
    }
    let amount = if settled_earlier > 0 {
        fen_up(needed - before)
    } else {
        t.amount
    };
    let trans_id = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    jr.append(&Record::TransferIntent {
        ts: ts(),
        run_id: run_id.to_string(),
        trans_id: trans_id.clone(),
        customer_id: t.to_domain_id.clone(),
        amount: amount.to_string(),
        balance_type: BALANCE_TYPE_DEBIT.to_string(),
        balance_before: before.to_string(),
        domain_id: key.domain_id.clone(),
        endpoint: key.endpoint.clone(),
    })
    .map_err(io)?;
    let req = TransferEnterpriseMultiAccountReq {
        customer_id: t.to_domain_id.clone(),
        amount: amount.to_string(),
        trans_id: Some(trans_id.clone()),
        balance_type: Some(BALANCE_TYPE_DEBIT.to_string()),
        expire_time: None,
    };
    let done = |verified: bool| TransferDone {
        trans_id: trans_id.clone(),
        amount,
        verified,
        settled_earlier,
    };
    match master.client.transfer(&req).await {
        Ok(_) => {
            jr.append(&result(&trans_id, "done", false, None, None))
                .map_err(io)?;
            Ok(done(false))
        }
        Err(e)
            if e.is_ambiguous() || e.status().is_none() || e.status().is_some_and(|s| s >= 500) =>
        {
            // The answer was lost: the balance says whether it landed.
            if balance().await? >= before + amount {
                jr.append(&result(&trans_id, "done", true, None, None))
                    .map_err(io)?;
                return Ok(done(true));
            }
            // Not (yet) booked: the same id once more.
            match master.client.transfer(&req).await {
                Ok(_) => {
                    jr.append(&result(&trans_id, "done", false, None, None))
                        .map_err(io)?;
                    Ok(done(false))
                }
                Err(e2) if e2.error_code() == Some(CODE_TRANS_ID_USED) => {
                    jr.append(&result(&trans_id, "done", true, e2.error_code(), None))
                        .map_err(io)?;
                    Ok(done(true))
                }
                Err(e2) => {
                    jr.append(&result(
                        &trans_id,
                        "unknown",
                        false,
                        e2.error_code(),
                        Some(e2.to_string()),
                    ))
                    .map_err(io)?;
                    Err(fail(format!(
                        "the transfer {trans_id} of {} may or may not have been booked ({e}; then {e2}); the next apply settles it with the same id",
                        crate::display::money::money("CNY", amount)
                    )))
                }
            }
        }
        Err(e) => {
            jr.append(&result(
                &trans_id,
                "failed",
                false,
                e.error_code(),
                Some(e.to_string()),
            ))
            .map_err(io)?;
            Err(fail(format!("the transfer was refused: {e}")))
        }
    }
}

/// `trans_id` already used (§13j).
pub const CODE_TRANS_ID_USED: &str = "CBC.99007009";

/// Warnings for active sub-accounts no declared account covers: their
/// prepaid resources (which only their own credentials can list, §13h) are
/// not managed. Asked with the credentials of an account others name in
/// `agency.from` or `funding.from` (the master); nothing when none can list.
pub async fn uncovered_sub_accounts(conns: &[AccountConnection], set: &ManifestSet) -> Vec<String> {
    let named: Vec<&str> = set
        .accounts
        .iter()
        .flat_map(|(_, a)| {
            a.value
                .agency
                .as_ref()
                .map(|x| x.from.as_str())
                .into_iter()
                .chain(a.value.funding.as_ref().map(|f| f.from.as_str()))
        })
        .collect();
    let Some(master) = conns.iter().find(|c| named.contains(&c.alias.as_str())) else {
        return Vec::new();
    };
    let Ok(subs) = master.connection.client.sub_customers_all().await else {
        return Vec::new();
    };
    subs.iter()
        .filter(|s| s.status == Some(SUB_CUSTOMER_STATUS_NORMAL))
        .filter(|s| {
            !set
                .accounts
                .iter()
                .any(|(_, a)| Some(&a.value.domain_id) == s.id.as_ref())
        })
        .map(|s| {
            format!(
                "sub-account {} ({}) of {} is covered by no manifest account: its prepaid resources are not managed; add it under accounts:",
                s.name.as_deref().unwrap_or("?"),
                s.id.as_deref().unwrap_or("?"),
                master.alias
            )
        })
        .collect()
}
