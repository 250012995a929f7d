//! `bssctl orders`: parses the flags, holds the lock, runs the flows of
//! `crate::orders::run`, and shows and asks what they hand back.

use super::common::{confirm_to, now, settle_time, state_paths};
use super::connect::connect;
use super::error::{CliError, EXIT_OK};
use crate::arguments::{FlagError, GlobalArgs, OrdersArgs, OrdersCommand, OrdersMethod};
use crate::bss::ApiError;
use crate::orders::list::PendingOrderRow;
use crate::orders::offer::PayRequest;
use crate::orders::outcome::{Action, OrderOutcome};
use crate::orders::run::{self, PayProposal, RunError, Session};
use crate::render::orders as render;
use crate::render::untrusted::text;
use crate::render::Format;
use crate::state::journal;
use crate::state::{Holder, StateLock};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

pub async fn run(g: &GlobalArgs, args: &OrdersArgs) -> Result<i32, CliError> {
    args.check().map_err(|e| match e {
        FlagError::Format(m) => CliError::Config(m),
        FlagError::Pay(m) => CliError::Refused(m),
    })?;
    let now = now()?;
    // Paying and cancelling hold the state dir's lock, as apply does.
    let _lock = match &args.command {
        Some(OrdersCommand::Pay { dry_run: true, .. }) => None,
        Some(c) => Some(StateLock::acquire(
            &g.state_dir,
            &Holder::this_process(match c {
                OrdersCommand::Pay { .. } => "orders pay",
                OrdersCommand::Cancel { .. } => "orders cancel",
            }),
            args.lock_timeout,
        )?),
        None => None,
    };
    let conn = connect(g).await?;
    let paths = state_paths(g, args.journal.as_deref());
    let records = journal::read(&paths.journal)
        .map_err(|e| CliError::io("cannot read the journal", &paths.journal, e))?;
    let session = Session::new(
        &conn.client,
        &paths.journal,
        &records,
        conn.account_key(),
        settle_time(g),
    );
    let result = match &args.command {
        None => {
            let method = match args.method {
                OrdersMethod::Oneself => None,
                OrdersMethod::SubCustomer => Some("sub_customer"),
            };
            list(&session, args.all, method, Format::from(args.format), now).await
        }
        Some(OrdersCommand::Pay {
            order_ids,
            coupons,
            discount,
            no_offers,
            dry_run,
            auto_approve,
        }) => {
            let req = PayRequest {
                coupons,
                discount: discount.as_deref(),
                no_offers: *no_offers,
            };
            let mut ui = Terminal {
                auto_approve: *auto_approve,
                now,
                format: Format::from(args.format),
            };
            session
                .pay(&run::dedup(order_ids), &req, *dry_run, &mut ui)
                .await
                .map(|()| EXIT_OK)
        }
        Some(OrdersCommand::Cancel {
            order_ids,
            auto_approve,
        }) => {
            let mut ui = Terminal {
                auto_approve: *auto_approve,
                now,
                format: Format::Text,
            };
            session
                .cancel(&run::dedup(order_ids), &mut ui)
                .await
                .map(|()| EXIT_OK)
        }
    };
    conn.close().await;
    result
}

async fn list(
    s: &Session<'_>,
    all: bool,
    method: Option<&str>,
    format: Format,
    now: DateTime<Utc>,
) -> Result<i32, CliError> {
    let rows = s.list(all, method).await?;
    let whose = render::Whose::of(all, method.is_some());
    let text = match format {
        Format::Text => render::list_text(&rows, whose, now),
        Format::Markdown => render::list_markdown(&rows, whose),
        Format::Json => render::list_json(&rows),
    };
    print!("{text}");
    Ok(EXIT_OK)
}

impl From<RunError> for CliError {
    fn from(e: RunError) -> CliError {
        match e {
            RunError::Journal { path, source } => CliError::journal(&path, source),
            RunError::NotRecorded(m) => CliError::JournalFailed(m),
            RunError::Failed { failed } => CliError::OrdersFailed { failed },
        }
    }
}

/// Standard output for the report, standard error for the questions.
struct Terminal {
    auto_approve: bool,
    now: DateTime<Utc>,
    format: Format,
}

impl run::Ui for Terminal {
    type Error = CliError;

    fn note(&mut self, action: Action, order_id: &str, note: &str) {
        println!("Note: {} {order_id}: {note}", action.verb());
    }

    fn pay_proposals(
        &mut self,
        proposals: &[PayProposal],
        settled_before: &[OrderOutcome],
        not_sent: &[OrderOutcome],
    ) {
        print!(
            "{}",
            render::pay_block(proposals, settled_before, not_sent, self.now)
        );
    }

    fn dry_run(
        &mut self,
        proposals: &[PayProposal],
        settled_before: &[OrderOutcome],
        not_sent: &[OrderOutcome],
    ) {
        if self.format == Format::Json {
            print!(
                "{}",
                render::dry_run_json(proposals, settled_before, not_sent)
            );
        } else {
            print!(
                "{}",
                render::pay_block(proposals, settled_before, not_sent, self.now)
            );
            println!("Dry run: nothing was paid.");
        }
    }

    /// Shows what the balance can cover; never refuses (the API decides).
    fn balance(&mut self, total: Decimal, currency: &str, available: Result<Decimal, ApiError>) {
        match available {
            Ok(available) => println!("{}", render::balance_lines(available, total, currency)),
            Err(e) => eprintln!(
                "Warning: cannot read the account balance: {}\n",
                text(&e.to_string())
            ),
        }
    }

    fn confirm_pay(
        &mut self,
        count: usize,
        total: Decimal,
        currency: &str,
    ) -> Result<(), CliError> {
        confirm_to(
            &format!(
                "Pay {count} order(s) for up to {} from the account balance?",
                render::money(Some(total), currency)
            ),
            self.auto_approve,
            "pay",
            "review the orders above",
        )
    }

    fn cancel_rows(&mut self, rows: &[PendingOrderRow], not_sent: &[OrderOutcome]) {
        print!("{}", render::cancel_rows(rows));
        print!("{}", render::outcome_lines(not_sent));
    }

    fn confirm_cancel(&mut self, count: usize) -> Result<(), CliError> {
        println!();
        confirm_to(
            &format!("Cancel {count} order(s)? Their resources are not renewed by them."),
            self.auto_approve,
            "cancel",
            "review the orders above",
        )
    }

    fn outcomes(&mut self, done: &[OrderOutcome]) {
        print!("{}", render::outcome_lines(done));
    }

    fn count(&mut self, action: Action, all: &[OrderOutcome]) {
        print!("{}", render::count_line(action, all));
    }
}
