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
