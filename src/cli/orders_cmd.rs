//! `bssctl orders`: parses the flags, holds the lock, runs the flows of
//! `crate::orders::run`, and shows and asks what they hand back.

use super::common::{now, settle_time, state_paths};
use super::connect::connect;
use super::error::{CliError, EXIT_OK};
use crate::arguments::{FlagError, GlobalArgs, OrdersArgs, OrdersCommand, OrdersMethod};
use crate::orders::offer::PayRequest;
use crate::orders::run::{self, RunError, Session};
use crate::render::orders as render;
use crate::render::Format;
use crate::state::journal;
use crate::state::{Holder, StateLock};
use crate::terminal::orders::{OrdersTerminal, OrdersUiError};
use crate::terminal::prompt::PromptError;
use chrono::{DateTime, Utc};

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
            let mut ui = OrdersTerminal {
                auto_approve: *auto_approve,
                now,
                format: Format::from(args.format),
            };
            session
                .pay(&run::dedup(order_ids), &req, *dry_run, &mut ui)
                .await
                .map(|()| EXIT_OK)
                .map_err(CliError::from)
        }
        Some(OrdersCommand::Cancel {
            order_ids,
            auto_approve,
        }) => {
            let mut ui = OrdersTerminal {
                auto_approve: *auto_approve,
                now,
                format: Format::Text,
            };
            session
                .cancel(&run::dedup(order_ids), &mut ui)
                .await
                .map(|()| EXIT_OK)
                .map_err(CliError::from)
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

impl From<OrdersUiError> for CliError {
    fn from(e: OrdersUiError) -> CliError {
        match e {
            OrdersUiError::Run(e) => e.into(),
            OrdersUiError::Prompt(PromptError::Refused(m)) => CliError::Refused(m),
            OrdersUiError::Prompt(PromptError::Io(e)) => {
                CliError::io("reading the answer from", std::path::Path::new("stdin"), e)
            }
        }
    }
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
