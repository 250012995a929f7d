//! The orders commands' terminal: the report on stdout, the questions on
//! stderr.

use super::prompt::{confirm_to, PromptError};
use crate::bss::ApiError;
use crate::orders::list::PendingOrderRow;
use crate::orders::outcome::{Action, OrderOutcome};
use crate::orders::run::{PayProposal, RunError, Ui};
use crate::render::orders as render;
use crate::render::untrusted::text;
use crate::render::Format;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// Why a pay or cancel run stopped: the run's own error, or no yes.
#[derive(Debug)]
pub enum OrdersUiError {
    Run(RunError),
    Prompt(PromptError),
}

impl From<RunError> for OrdersUiError {
    fn from(e: RunError) -> Self {
        OrdersUiError::Run(e)
    }
}

/// Standard output for the report, standard error for the questions.
pub struct OrdersTerminal {
    pub auto_approve: bool,
    pub now: DateTime<Utc>,
    pub format: Format,
}

impl Ui for OrdersTerminal {
    type Error = OrdersUiError;

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
    ) -> Result<(), OrdersUiError> {
        confirm_to(
            &format!(
                "Pay {count} order(s) for up to {} from the account balance?",
                render::money(Some(total), currency)
            ),
            self.auto_approve,
            "pay",
            "review the orders above",
        )
        .map_err(OrdersUiError::Prompt)
    }

    fn cancel_rows(&mut self, rows: &[PendingOrderRow], not_sent: &[OrderOutcome]) {
        print!("{}", render::cancel_rows(rows));
        print!("{}", render::outcome_lines(not_sent));
    }

    fn confirm_cancel(&mut self, count: usize) -> Result<(), OrdersUiError> {
        println!();
        confirm_to(
            &format!("Cancel {count} order(s)? Their resources are not renewed by them."),
            self.auto_approve,
            "cancel",
            "review the orders above",
        )
        .map_err(OrdersUiError::Prompt)
    }

    fn outcomes(&mut self, done: &[OrderOutcome]) {
        print!("{}", render::outcome_lines(done));
    }

    fn count(&mut self, action: Action, all: &[OrderOutcome]) {
        print!("{}", render::count_line(action, all));
    }
}
