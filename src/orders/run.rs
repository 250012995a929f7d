//! The `orders` flows: list pending orders, pay them (best offer by
//! default) or cancel them. The choices are pure (`list`, `offer`,
//! `outcome`); this module makes the calls, journals and settles, and hands
//! what there is to show to a [`Ui`] (the command's view and confirmation).
//! A pay is never resent: when its answer is lost its outcome is unknown
//! (unless the order at once reads paid), and a later `orders pay` of that
//! order waits for the settle time, re-reads the order, and pays only when it
//! is still pending. No journal, no pay.

use super::list::{self, OrderResource, PendingOrderRow};
use super::offer::{self, Choice, PayRequest, Rejected};
use super::outcome::{after_lost_answer, amount_text, Action, OrderOutcome, Status};
use crate::bss::model::{
    BalancesResp, CustomerOrder, ListCustomerOrdersQuery, QueryResourcesReq,
    ORDER_STATUS_COMPLETED, ORDER_STATUS_PENDING_PAYMENT,
};
use crate::bss::{ApiError, BssClient};
use crate::clock::format_api_time;
use crate::state::journal::{self, Journal, Record};
use chrono::Utc;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What one payment will use and cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayProposal {
    pub row: PendingOrderRow,
    pub choice: Choice,
    pub notes: Vec<String>,
    /// Alternatives not chosen, and why (cheaper ones that break a rule,
    /// and the next valid one).
    pub rejected: Vec<Rejected>,
    /// The next valid sets, best first: the fallback after an offer refusal.
    pub runners_up: Vec<Choice>,
    /// The user named the offers (`--coupon`/`--discount`/`--no-offers`): no fallback.
    pub named: bool,
    /// A chosen coupon expiring before the payment deadline: (coupon id, expiry).
    pub pay_by_coupon: Option<(String, String)>,
}

/// The PayOrders error codes that refuse the offers sent (§10's pay rows).
pub const OFFER_CODES: [&str; 6] = [
    "CBC.99003108",
    "CBC.99003112",
    "CBC.99003116",
    "CBC.99003117",
    "CBC.99003147",
    "CBC.99003156",
];

fn is_offer_refusal(o: &OrderOutcome) -> bool {
    o.status == Status::Failed
        && o.error_code
            .as_deref()
            .is_some_and(|c| OFFER_CODES.contains(&c))
}

/// Why the orders flows stopped or failed (besides what the [`Ui`] refuses).
#[derive(Debug)]
pub enum RunError {
    /// The journal cannot be opened or written before anything is sent.
    Journal {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An outcome could not be recorded after its request was sent.
    NotRecorded(String),
    /// Some orders did not go through.
    Failed { failed: usize },
}

/// `pay` flags that cannot go together; refused before any call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlagRefusal {
    #[error("--no-offers pays the list price: it cannot be combined with --coupon or --discount")]
    NoOffersWithOffers,
    #[error("at most {max} coupons can pay one order; --coupon was given {given} times", max = offer::MAX_COUPONS)]
    TooManyCoupons { given: usize },
    #[error("--coupon names coupons for one order (a coupon pays only one); pay the orders one at a time")]
    CouponsForSeveralOrders,
}

/// Refusals of `orders pay` flags that need no call.
pub fn check_pay_flags(order_ids: &[String], req: &PayRequest<'_>) -> Result<(), FlagRefusal> {
    if req.no_offers && (!req.coupons.is_empty() || req.discount.is_some()) {
        return Err(FlagRefusal::NoOffersWithOffers);
    }
    if req.coupons.len() > offer::MAX_COUPONS {
        return Err(FlagRefusal::TooManyCoupons {
            given: req.coupons.len(),
        });
    }
    if !req.coupons.is_empty() && dedup(order_ids).len() > 1 {
        return Err(FlagRefusal::CouponsForSeveralOrders);
    }
    Ok(())
}

/// The order ids, trimmed, without blanks and repeats (case-insensitive).
pub fn dedup(ids: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && seen.insert(s.to_ascii_uppercase()))
        .collect()
}

/// Cash and credit available to pay orders, in cents: the plan's balance
/// sum ([`BalancesResp::cash_and_credit`]), never below zero.
pub fn available_balance(b: &BalancesResp) -> Decimal {
    super::cents(b.cash_and_credit().max(Decimal::ZERO))
}

/// What the pay and cancel flows show and ask, in the order they happen.
pub trait Ui {
    type Error: From<RunError>;
    /// A note on one order before anything else (an earlier pay that failed).
    fn note(&mut self, action: Action, order_id: &str, note: &str);
    /// The payments proposed, the earlier pays settled now, and those not sent.
    fn pay_proposals(
        &mut self,
        proposals: &[PayProposal],
        settled_before: &[OrderOutcome],
        not_sent: &[OrderOutcome],
    );
    /// `--dry-run`: the payments that would be made (nothing is sent).
    fn dry_run(
        &mut self,
        proposals: &[PayProposal],
        settled_before: &[OrderOutcome],
        not_sent: &[OrderOutcome],
    );
    /// What the balance can cover (`available` is read from the account).
    fn balance(&mut self, total: Decimal, currency: &str, available: Result<Decimal, ApiError>);
    fn confirm_pay(
        &mut self,
        count: usize,
        total: Decimal,
        currency: &str,
    ) -> Result<(), Self::Error>;
    /// The orders to cancel and those that will not be.
    fn cancel_rows(&mut self, rows: &[PendingOrderRow], not_sent: &[OrderOutcome]);
    fn confirm_cancel(&mut self, count: usize) -> Result<(), Self::Error>;
    /// What came back for the requests sent.
    fn outcomes(&mut self, done: &[OrderOutcome]);
    /// The closing count over every order.
    fn count(&mut self, action: Action, all: &[OrderOutcome]);
}

fn journal_error(path: &Path, source: std::io::Error) -> RunError {
    RunError::Journal {
        path: path.to_path_buf(),
        source,
    }
}

pub struct Session<'a> {
    client: &'a BssClient,
    /// Orders bssctl created → their main resources (from the journal).
    known: BTreeMap<String, Vec<String>>,
    journal: &'a Path,
    /// The account and endpoint order intents are recorded for.
    account: journal::AccountKey,
    settle: chrono::Duration,
    /// Earlier pays of this account whose outcome is unknown, by order id.
    unknown_pays: BTreeMap<String, journal::UnknownPay>,
}

/// An order read for paying or cancelling.
struct Loaded {
    order: CustomerOrder,
    resources: Vec<OrderResource>,
}

impl<'a> Session<'a> {
    /// A session over the journal's `records` (read from `journal`).
    pub fn new(
        client: &'a BssClient,
        journal: &'a Path,
        records: &[Record],
        account: journal::AccountKey,
        settle: chrono::Duration,
    ) -> Self {
        Session {
            client,
            known: list::orders_from_journal(records),
            journal,
            unknown_pays: journal::unknown_pays(records, &account),
            account,
            settle,
        }
    }

    // -- list ----------------------------------------------------------------

    /// The pending orders to list: bssctl's and those holding one of the
    /// account's yearly/monthly resources (or every one with `all`; every
    /// sub-account order with `method` `sub_customer`), with their
    /// deadlines, main resources, offers and the cheapest valid set.
    pub async fn list(
        &self,
        all: bool,
        method: Option<&str>,
    ) -> Result<Vec<PendingOrderRow>, ApiError> {
        let orders = self
            .client
            .list_orders_all(&ListCustomerOrdersQuery {
                status: Some(ORDER_STATUS_PENDING_PAYMENT),
                method: method.map(str::to_string),
                ..Default::default()
            })
            .await?;
        let pending = list::select(orders, &self.known, true);
        let resources = self.resources_of(&pending).await?;
        let every = all || method == Some("sub_customer");
        let selected: Vec<CustomerOrder> = pending
            .into_iter()
            .filter(|o| {
                let id = o.order_id.as_deref().unwrap_or_default();
                every
                    || self.known.contains_key(id)
                    || resources.get(id).is_some_and(|r| !r.is_empty())
            })
            .collect();
        // Details only where the list lacks the payment deadline.
        let details = futures::future::try_join_all(selected.iter().map(|o| async move {
            match (&o.order_id, &o.pending_payment_end_time) {
                (Some(id), None) => self
                    .client
                    .order_details(id, Some(1), None)
                    .await
                    .map(|r| r.body.order_info),
                _ => Ok(None),
            }
        }))
        .await?;
        let mut rows: Vec<PendingOrderRow> = selected
            .iter()
            .zip(details.iter())
            .map(|(o, d)| {
                let id = o.order_id.clone().unwrap_or_default();
                list::row(
                    o,
                    d.as_ref(),
                    self.known.contains_key(&id),
                    resources.get(&id).cloned().unwrap_or_default(),
                )
            })
            .collect();
        let offers = futures::future::join_all(rows.iter().map(|r| self.offers_for_row(r))).await;
        for (r, o) in rows.iter_mut().zip(offers) {
            r.offers = o;
        }
        Ok(rows)
    }

    /// The order's offers and their cheapest valid set; `None` when they
    /// cannot be read (the list still shows the order).
    async fn offers_for_row(&self, r: &PendingOrderRow) -> Option<list::OrderOffers> {
        let id = r.order_id.as_str();
        let (c, d) = futures::future::join(
            self.client.order_coupons(id),
            self.client.order_discounts(id),
        )
        .await;
        let (c, d) = (c.ok()?.body, d.ok()?.body);
        let official = r.official_amount.or(r.amount).unwrap_or(Decimal::ZERO);
        let offers = offer::offers_from(id, official, &c, &d);
        let best = offer::choose(id, official, &offers, &PayRequest::default()).ok()?;
        let pay_by_coupon = offer::coupon_deadline(&best, r.pending_payment_end_time.as_deref())
            .map(|(coupon_id, expire_time)| list::CouponDeadline {
                coupon_id,
                expire_time,
            });
        Some(list::OrderOffers {
            coupons: offers.coupons,
            discounts: offers.discounts,
            best,
            pay_by_coupon,
        })
    }

    /// Main resources of each order: the journal's for bssctl's orders (one
    /// query by id for their names), the resource query's order filter for
    /// the others.
    async fn resources_of(
        &self,
        orders: &[CustomerOrder],
    ) -> Result<BTreeMap<String, Vec<OrderResource>>, ApiError> {
        let ids: Vec<String> = orders.iter().filter_map(|o| o.order_id.clone()).collect();
        let journal_ids: Vec<String> = ids
            .iter()
            .filter_map(|id| self.known.get(id))
            .flatten()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let names = async {
            if journal_ids.is_empty() {
                return Ok(BTreeMap::new());
            }
            let rows = self
                .client
                .query_resources_by_ids(&journal_ids, true)
                .await?;
            Ok::<_, ApiError>(
                rows.into_iter()
                    .filter_map(|r| Some((r.resource_id?, r.resource_name)))
                    .collect::<BTreeMap<String, Option<String>>>(),
            )
        };
        let others = futures::future::try_join_all(
            ids.iter()
                .filter(|id| !self.known.contains_key(*id))
                .map(|id| async move {
                    let rows = self
                        .client
                        .query_resources_all(&QueryResourcesReq {
                            order_id: Some(id.clone()),
                            only_main_resource: Some(1),
                            ..Default::default()
                        })
                        .await?;
                    let found: Vec<OrderResource> = rows
                        .into_iter()
                        .filter_map(|r| {
                            Some(OrderResource {
                                resource_id: r.resource_id?,
                                resource_name: r.resource_name,
                            })
                        })
                        .collect();
                    Ok::<_, ApiError>((id.clone(), found))
                }),
        );
        let (names, others) = futures::future::try_join(names, others).await?;
        let mut out: BTreeMap<String, Vec<OrderResource>> = others.into_iter().collect();
        for id in &ids {
            if let Some(rids) = self.known.get(id) {
                out.insert(
                    id.clone(),
                    rids.iter()
                        .map(|r| OrderResource {
                            resource_id: r.clone(),
                            resource_name: names.get(r).cloned().flatten(),
                        })
                        .collect(),
                );
            }
        }
        Ok(out)
    }

    /// Reads an order (details) and its resources; refuses one that is not
    /// pending payment.
    async fn load(&self, id: &str, action: Action) -> Result<Loaded, OrderOutcome> {
        let order = match self.client.order_details(id, Some(1), None).await {
            Ok(r) => r.body.order_info.unwrap_or_default(),
            Err(e) => return Err(OrderOutcome::from_error(id, action, Status::Failed, &e)),
        };
        if action == Action::Pay && order.status == Some(ORDER_STATUS_COMPLETED) {
            let mut o = OrderOutcome::new(id, action, Status::Done);
            o.note = Some(format!(
                "already paid{}: nothing sent (re-running orders pay on a paid order is harmless)",
                order
                    .payment_time
                    .as_deref()
                    .map(|t| format!(" at {t}"))
                    .unwrap_or_default()
            ));
            return Err(o);
        }
        if order.status != Some(ORDER_STATUS_PENDING_PAYMENT) {
            return Err(OrderOutcome::refused(
                id,
                action,
                format!(
                    "the order is {} (status {}), not pending payment: there is nothing to {}",
                    crate::orders::order_status_name(order.status),
                    order.status.map_or("unknown".into(), |s| s.to_string()),
                    action.verb()
                ),
            ));
        }
        let mut order = order;
        order.order_id.get_or_insert_with(|| id.to_string());
        let resources = self
            .resources_of(std::slice::from_ref(&order))
            .await
            .map(|mut m| m.remove(id).unwrap_or_default())
            .unwrap_or_default();
        Ok(Loaded { order, resources })
    }

    fn row(&self, l: &Loaded) -> PendingOrderRow {
        let id = l.order.order_id.clone().unwrap_or_default();
        list::row(
            &l.order,
            None,
            self.known.contains_key(&id),
            l.resources.clone(),
        )
    }

    // -- pay -----------------------------------------------------------------

    /// Pays the orders `ids` (deduplicated) after `ui` confirms.
    pub async fn pay<U: Ui>(
        &self,
        ids: &[String],
        req: &PayRequest<'_>,
        dry_run: bool,
        ui: &mut U,
    ) -> Result<(), U::Error> {
        let mut journal =
            Journal::open(self.journal).map_err(|e| journal_error(self.journal, e))?;
        // Earlier pays whose answer was lost come first: held before the
        // settle time, settled by a re-read after it.
        let mut not_sent: Vec<OrderOutcome> = Vec::new();
        let mut settled_before: Vec<OrderOutcome> = Vec::new();
        let mut to_read: Vec<String> = Vec::new();
        for id in ids {
            match self.earlier_unknown_pay(&mut journal, id).await? {
                None => to_read.push(id.clone()),
                Some(o) if o.status == Status::Done => settled_before.push(o),
                Some(o) if o.status == Status::Failed => {
                    ui.note(Action::Pay, id, o.note.as_deref().unwrap_or_default());
                    to_read.push(id.clone())
                }
                Some(o) => not_sent.push(o),
            }
        }
        let ids = &to_read[..];
        // Read every order and what it is offered, concurrently.
        let reads = futures::future::join_all(ids.iter().map(|id| async move {
            let loaded = self.load(id, Action::Pay).await?;
            let (coupons, discounts) = if req.no_offers {
                // Only to learn whether a 609 discount makes the list price impossible.
                (
                    Ok(Default::default()),
                    self.client.order_discounts(id).await,
                )
            } else {
                let (c, d) = futures::future::join(
                    self.client.order_coupons(id),
                    self.client.order_discounts(id),
                )
                .await;
                (c.map(|r| r.body), d)
            };
            let coupons = coupons
                .map_err(|e| OrderOutcome::from_error(id, Action::Pay, Status::Failed, &e))?;
            let discounts = discounts
                .map(|r| r.body)
                .map_err(|e| OrderOutcome::from_error(id, Action::Pay, Status::Failed, &e))?;
            let official = official_of(&loaded.order);
            Ok::<_, OrderOutcome>((
                loaded,
                offer::offers_from(id, official, &coupons, &discounts),
            ))
        }))
        .await;

        // Choose in order, so a coupon pays at most one of them.
        let mut proposals: Vec<PayProposal> = Vec::new();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        for (id, read) in ids.iter().zip(reads) {
            let (loaded, offers) = match read {
                Ok(x) => x,
                Err(o) => {
                    not_sent.push(o);
                    continue;
                }
            };
            let row = self.row(&loaded);
            let official = row.official_amount.or(row.amount).unwrap_or(Decimal::ZERO);
            let offers = offers.without_coupons(&taken);
            match offer::select(id, official, &offers, req) {
                Ok(sel) => {
                    taken.extend(sel.choice.coupons.iter().map(|c| c.id.clone()));
                    let notes = offer::left_out(&offers);
                    let pay_by_coupon = offer::coupon_deadline(
                        &sel.choice,
                        row.pending_payment_end_time.as_deref(),
                    );
                    proposals.push(PayProposal {
                        row,
                        choice: sel.choice,
                        notes,
                        rejected: sel.rejected,
                        runners_up: sel.runners_up,
                        named: !req.coupons.is_empty() || req.discount.is_some() || req.no_offers,
                        pay_by_coupon,
                    });
                }
                Err(e) => not_sent.push(OrderOutcome::refused(id, Action::Pay, e.0)),
            }
        }

        if dry_run {
            ui.dry_run(&proposals, &settled_before, &not_sent);
            let all: Vec<OrderOutcome> = settled_before.into_iter().chain(not_sent).collect();
            return Ok(finish(&all)?);
        }
        ui.pay_proposals(&proposals, &settled_before, &not_sent);
        if proposals.is_empty() {
            let all: Vec<OrderOutcome> = settled_before.into_iter().chain(not_sent).collect();
            ui.count(Action::Pay, &all);
            return Ok(finish(&all)?);
        }
        let currency = proposals[0].row.currency.clone();
        let total: Decimal = proposals.iter().map(|p| p.choice.estimate.to_pay).sum();
        let available = self
            .client
            .balances()
            .await
            .map(|r| available_balance(&r.body));
        ui.balance(total, &currency, available);
        ui.confirm_pay(proposals.len(), total, &currency)?;

        let run_id = journal::new_run_id();
        let mut done = Vec::new();
        let mut journal_failed = None;
        for p in &proposals {
            match self.pay_one(&mut journal, &run_id, p).await {
                Ok(o) => done.push(o),
                Err(e) => {
                    // No journal, no pay: this and the rest are not sent.
                    journal_failed = Some(e);
                    break;
                }
            }
        }
        ui.outcomes(&done);
        let all: Vec<OrderOutcome> = settled_before
            .into_iter()
            .chain(not_sent)
            .chain(done)
            .collect();
        ui.count(Action::Pay, &all);
        if let Some(e) = journal_failed {
            return Err(e.into());
        }
        Ok(finish(&all)?)
    }

    /// An earlier pay of `id` whose answer was lost: `None` when there is
    /// none; `Refused` (not sent) while the settle time runs; `Unknown` when
    /// the order cannot be re-read; `Done` when it reads paid; `Failed`
    /// (journaled as settled, so the order may be paid now) when it does not.
    async fn earlier_unknown_pay(
        &self,
        journal: &mut Journal,
        id: &str,
    ) -> Result<Option<OrderOutcome>, RunError> {
        let Some(p) = self.unknown_pays.get(id) else {
            return Ok(None);
        };
        let sent = crate::clock::parse_api_time(&p.ts);
        let after = sent.map(|t| t + self.settle);
        if after.is_none_or(|t| Utc::now() < t) {
            let when = after.map(format_api_time).unwrap_or_else(|| p.ts.clone());
            return Ok(Some(OrderOutcome::refused(
                id,
                Action::Pay,
                format!(
                    "an earlier pay of this order (sent at {}, run {}) has an unknown outcome; bssctl re-reads the order after {when} (the settle time); not sent",
                    p.ts, p.run_id
                ),
            )));
        }
        let status = match self.client.order_details(id, Some(1), None).await {
            Ok(r) => r.body.order_info.and_then(|o| o.status),
            Err(e) => {
                let mut o = OrderOutcome::from_error(id, Action::Pay, Status::Unknown, &e);
                o.note = Some(format!(
                    "an earlier pay of this order (sent at {}) has an unknown outcome and the order could not be re-read; not sent",
                    p.ts
                ));
                return Ok(Some(o));
            }
        };
        let paid = status == Some(crate::bss::model::ORDER_STATUS_COMPLETED);
        let mut o = OrderOutcome::new(
            id,
            Action::Pay,
            if paid { Status::Done } else { Status::Failed },
        );
        o.note = Some(if paid {
            format!(
                "the earlier pay sent at {} (run {}) took effect: re-reading the order after the settle time shows it paid; not sent again",
                p.ts, p.run_id
            )
        } else {
            format!(
                "the earlier pay sent at {} (run {}) did not take effect: re-reading the order after the settle time shows it {}",
                p.ts,
                p.run_id,
                crate::orders::order_status_name(status)
            )
        });
        journal
            .append(&Record::OrderResult {
                ts: format_api_time(Utc::now()),
                run_id: p.run_id.clone(),
                order_id: id.to_string(),
                action: "pay".into(),
                outcome: if paid { "done" } else { "failed" }.into(),
                verified: true,
                request_id: None,
                error_code: None,
                message: o.note.clone(),
            })
            .map_err(|e| journal_error(self.journal, e))?;
        Ok(Some(o))
    }

    /// Pays one order; `Err` when its intent could not be journaled (then
    /// it was not sent). An offer refusal (one of [`OFFER_CODES`]) of the
    /// chosen set is journaled, then the next-best valid set is sent once
    /// (the same order: no new purchase). After a pay the order is re-read
    /// and the amount it says was paid is reported.
    async fn pay_one(
        &self,
        journal: &mut Journal,
        run_id: &str,
        p: &PayProposal,
    ) -> Result<OrderOutcome, RunError> {
        let id = &p.row.order_id;
        let mut used = &p.choice;
        let mut outcome = self.send_pay(journal, run_id, id, used).await?;
        let mut fallback = None;
        if is_offer_refusal(&outcome) && !p.named {
            if let Some(next) = p.runners_up.first() {
                // The refusal is on record before anything else is sent.
                record_result(journal, run_id, &outcome);
                fallback = Some(format!(
                    "the API refused {} with {}{}; fell back once to the next-best valid set, {}",
                    used.describe(),
                    outcome.error_code.as_deref().unwrap_or_default(),
                    outcome
                        .error_msg
                        .as_deref()
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default(),
                    next.describe()
                ));
                used = next;
                outcome = self.send_pay(journal, run_id, id, used).await?;
            }
        }
        if outcome.status == Status::Done && outcome.note.is_none() {
            let paid = self.paid_amount(id).await;
            let how = match paid {
                Some(a) => format!(
                    "{} paid from the balance (the order re-read after paying)",
                    amount_text(Some(a), &p.row.currency)
                ),
                None => format!(
                    "about {} from the balance (estimate: the order could not be re-read)",
                    amount_text(Some(used.estimate.to_pay), &p.row.currency)
                ),
            };
            let with = if used.coupons.is_empty() && used.discount.is_none() {
                String::new()
            } else {
                format!(", using {}", used.describe())
            };
            outcome.note = Some(match &fallback {
                Some(f) => format!("{f}; {how}{with}"),
                None => format!("{how}{with}"),
            });
        } else if let Some(f) = fallback {
            outcome.note = Some(match outcome.note.take() {
                Some(n) => format!("{f}; {n}"),
                None => f,
            });
        }
        if is_offer_refusal(&outcome) {
            let ids: Vec<String> = used
                .discount
                .iter()
                .map(|d| d.id.clone())
                .chain(used.coupons.iter().map(|c| c.id.clone()))
                .collect();
            outcome.hint =
                crate::hints::offer_hint(outcome.error_code.as_deref().unwrap_or_default(), &ids);
        }
        record_result(journal, run_id, &outcome);
        Ok(outcome)
    }

    /// Journals the intent to pay `id` with `choice`, sends it and settles it.
    async fn send_pay(
        &self,
        journal: &mut Journal,
        run_id: &str,
        id: &str,
        choice: &Choice,
    ) -> Result<OrderOutcome, RunError> {
        let request = offer::pay_request(id, choice);
        journal
            .append(&Record::OrderIntent {
                ts: format_api_time(Utc::now()),
                run_id: run_id.to_string(),
                order_id: id.to_string(),
                action: "pay".into(),
                coupon_ids: choice.coupons.iter().map(|c| c.id.clone()).collect(),
                discount_id: choice.discount.as_ref().map(|d| d.id.clone()),
                expected_amount: Some(choice.estimate.to_pay.to_string()),
                domain_id: Some(self.account.domain_id.clone()),
                endpoint: Some(self.account.endpoint.clone()),
            })
            .map_err(|e| journal_error(self.journal, e))?;
        let sent = self.client.pay_order(&request).await.map(|r| r.request_id);
        Ok(self.settle(id, Action::Pay, sent).await)
    }

    /// What a paid order says left the balance: `amount_after_discount` less
    /// the vouchers, cash coupons and stored-value cards of `amount_info`.
    async fn paid_amount(&self, id: &str) -> Option<Decimal> {
        let o = self
            .client
            .order_details(id, Some(1), None)
            .await
            .ok()?
            .body
            .order_info?;
        if o.status != Some(ORDER_STATUS_COMPLETED) {
            return None;
        }
        let after = o.amount_after_discount.and_then(super::money)?;
        let info = o.amount_info.unwrap_or_default();
        let cards: Decimal = [
            info.coupon_amount,
            info.flexipurchase_coupon_amount,
            info.stored_card_amount,
        ]
        .into_iter()
        .flatten()
        .filter_map(super::money)
        .sum();
        Some(super::cents((after - cards).max(Decimal::ZERO)))
    }

    /// The outcome of a sent pay/cancel; a lost answer is settled by
    /// re-reading the order, never by sending again.
    async fn settle(
        &self,
        id: &str,
        action: Action,
        sent: Result<Option<String>, ApiError>,
    ) -> OrderOutcome {
        match sent {
            Ok(request_id) => {
                let mut o = OrderOutcome::new(id, action, Status::Done);
                o.request_id = request_id;
                o
            }
            Err(e) if e.is_ambiguous() => {
                let status = self
                    .client
                    .order_details(id, Some(1), None)
                    .await
                    .ok()
                    .and_then(|r| r.body.order_info)
                    .and_then(|o| o.status);
                let check_after = format_api_time(Utc::now() + self.settle);
                let (verdict, note) = after_lost_answer(action, status, &check_after);
                let mut o = OrderOutcome::from_error(id, action, verdict, &e);
                match verdict {
                    // Settled: the note says what happened; no "may have" advice.
                    Status::Done => {
                        o.error_code = None;
                        o.error_msg = None;
                        o.hint = None;
                    }
                    // One sentence says it all: no "may have taken effect" hint.
                    _ => {
                        if let ApiError::Ambiguous { cause, .. } = &e {
                            o.error_msg = Some(cause.clone());
                        }
                        o.hint = None;
                    }
                }
                o.note = Some(note);
                o
            }
            Err(e) => OrderOutcome::from_error(id, action, Status::Failed, &e),
        }
    }

    // -- cancel --------------------------------------------------------------

    /// Cancels the orders `ids` (deduplicated) after `ui` confirms.
    pub async fn cancel<U: Ui>(&self, ids: &[String], ui: &mut U) -> Result<(), U::Error> {
        let reads =
            futures::future::join_all(ids.iter().map(|id| self.load(id, Action::Cancel))).await;
        let mut to_cancel = Vec::new();
        let mut not_sent = Vec::new();
        for r in reads {
            match r {
                Ok(l) => to_cancel.push(self.row(&l)),
                Err(o) => not_sent.push(o),
            }
        }
        ui.cancel_rows(&to_cancel, &not_sent);
        if to_cancel.is_empty() {
            ui.count(Action::Cancel, &not_sent);
            return Err(RunError::Failed {
                failed: not_sent.len(),
            }
            .into());
        }
        ui.confirm_cancel(to_cancel.len())?;
        let mut journal =
            Journal::open(self.journal).map_err(|e| journal_error(self.journal, e))?;
        let run_id = journal::new_run_id();
        let mut done = Vec::new();
        let mut journal_failed = None;
        for r in &to_cancel {
            let intent = journal.append(&Record::OrderIntent {
                ts: format_api_time(Utc::now()),
                run_id: run_id.clone(),
                order_id: r.order_id.clone(),
                action: "cancel".into(),
                coupon_ids: Vec::new(),
                discount_id: None,
                expected_amount: None,
                domain_id: Some(self.account.domain_id.clone()),
                endpoint: Some(self.account.endpoint.clone()),
            });
            if let Err(e) = intent {
                // No journal, no request: this and the rest are not sent.
                journal_failed = Some(journal_error(self.journal, e));
                break;
            }
            let sent = self
                .client
                .cancel_order(&r.order_id)
                .await
                .map(|x| x.request_id);
            let o = self.settle(&r.order_id, Action::Cancel, sent).await;
            record_result(&mut journal, &run_id, &o);
            done.push(o);
        }
        ui.outcomes(&done);
        let all: Vec<OrderOutcome> = not_sent.into_iter().chain(done).collect();
        ui.count(Action::Cancel, &all);
        if let Some(e) = journal_failed {
            return Err(e.into());
        }
        Ok(finish(&all)?)
    }
}

/// The list price of an order (else its amount after discounts).
pub fn official_of(o: &CustomerOrder) -> Decimal {
    o.official_amount
        .or(o.amount_after_discount)
        .and_then(super::money)
        .unwrap_or(Decimal::ZERO)
}

/// Records what came back; a failure is reported as an error (the request
/// was sent already) and makes the command exit 1.
fn record_result(journal: &mut Journal, run_id: &str, o: &OrderOutcome) {
    let written = journal.append(&Record::OrderResult {
        ts: format_api_time(Utc::now()),
        run_id: run_id.to_string(),
        order_id: o.order_id.clone(),
        action: o.action.verb().to_string(),
        outcome: match o.status {
            Status::Done => "done",
            Status::Failed | Status::Refused => "failed",
            Status::Unknown => "unknown",
        }
        .to_string(),
        verified: o.note.as_deref().is_some_and(|n| n.contains("re-reading")),
        request_id: o.request_id.clone(),
        error_code: o.error_code.clone(),
        message: o.error_msg.clone().or_else(|| o.note.clone()),
    });
    if let Err(e) = written {
        let msg = format!(
            "cannot write the journal {}: {e} (the {} of order {} is not recorded)",
            journal.path().display(),
            o.action.verb(),
            o.order_id
        );
        eprintln!("Error: {msg}");
        let mut first = RESULT_NOT_RECORDED
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        first.get_or_insert(msg);
    }
}

/// The first outcome the journal refused (the command then exits 1).
static RESULT_NOT_RECORDED: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Exit 0 only when every order went through.
fn finish(all: &[OrderOutcome]) -> Result<(), RunError> {
    let not_recorded = RESULT_NOT_RECORDED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some(e) = not_recorded {
        return Err(RunError::NotRecorded(e));
    }
    let failed = all.iter().filter(|o| o.status != Status::Done).count();
    if failed > 0 {
        Err(RunError::Failed { failed })
    } else {
        Ok(())
    }
}
