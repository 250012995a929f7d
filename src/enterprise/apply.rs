//! Applying one plan across accounts: in declaration order, each account's
//! funding transfer first, then that account's apply session with its own
//! credentials. Stops at the first account that fails. What is shown goes
//! through [`AccountsUi`].

use super::{transfer, AccountConnection, AccountError, AccountPlan, TransferDone};
use crate::apply::session::{ApplyError, Options, Outcome, Session, Source, Ui};
use crate::manifest::ManifestSet;
use crate::state::StatePaths;
use chrono::{DateTime, Utc};

/// What an apply across accounts shows, beside each account's own apply.
pub trait AccountsUi: Ui {
    fn account_started(&mut self, alias: &str, domain_id: &str);
    fn transferred(&mut self, from: &str, to: &str, done: &TransferDone);
    /// One account's apply ended (done, refused or failed): its output.
    fn account_finished(
        &mut self,
        alias: &str,
        domain_id: &str,
        out: &Outcome,
    ) -> Result<(), ApplyError>;
}

/// Why an apply across accounts stopped.
#[derive(Debug, thiserror::Error)]
pub enum AccountsApplyError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error("account {account}: funding account {from} is not connected")]
    FunderNotConnected { account: String, from: String },
}

/// The accounts' plans (`super::plan_accounts`, already checked for
/// funding), applied.
#[allow(clippy::too_many_arguments)]
pub async fn apply_all(
    conns: &[AccountConnection],
    set: &ManifestSet,
    planned: &[AccountPlan],
    options: &Options,
    paths: &StatePaths,
    settle: chrono::Duration,
    now: DateTime<Utc>,
    ui: &mut impl AccountsUi,
) -> Result<(), AccountsApplyError> {
    let run_id = crate::state::journal::new_run_id();
    for c in conns {
        let funding = planned
            .iter()
            .find(|p| p.alias == c.alias)
            .and_then(|p| p.transfer.as_ref());
        // Transfer before this account's purchases.
        if let Some(t) = funding {
            let master = conns
                .iter()
                .find(|m| m.alias == t.from)
                .map(|m| &m.connection)
                .ok_or_else(|| AccountsApplyError::FunderNotConnected {
                    account: c.alias.clone(),
                    from: t.from.clone(),
                })?;
            let done = transfer(master, &c.connection, t, &paths.journal, &run_id).await?;
            ui.transferred(&t.from, &c.alias, &done);
        }
        let session = Session {
            client: &c.connection.client,
            domain_id: &c.connection.domain_id,
            account: c.connection.account_key(),
            paths,
            settle,
            now,
        };
        ui.account_started(&c.alias, &c.connection.domain_id);
        let mine = set.for_account(&c.alias);
        let mut out = Outcome::default();
        let applied = session
            .apply(Source::Manifests(&mine), options, ui, &mut out)
            .await;
        let shown = ui.account_finished(&c.alias, &c.connection.domain_id, &out);
        applied?;
        shown?;
    }
    Ok(())
}
