//! The price stage of the plan (pure): which prices the changes need and the
//! renew-rate requests for them (grouped by period, 10 main ids a call, with
//! attached resources), per-resource prices from the answers, and the plan
//! priced: every renewal bought now and every auto-renew commitment added or
//! removed. A failed price marks that price unknown and warns; it never
//! sinks the plan. The calls themselves are made by `pricing::Prefetch`.

use super::model::*;
use crate::bss::client::MAX_RATE_IDS;
use crate::bss::model::{RenewRateReq, RenewRateResp, PERIOD_TYPE_MONTH, PERIOD_TYPE_YEAR};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// A resource id and why it has no price.
pub type IdFailure = (String, String);

/// (resource id, period_type, period_num).
pub type PriceKey = (String, i32, i32);

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceBook {
    pub quotes: BTreeMap<PriceKey, Price>,
    pub failures: BTreeMap<PriceKey, String>,
    pub currency: Option<String>,
    pub calls: usize,
}

/// What needs a price: renewals, and one period of each auto-renew whose
/// commitment changes.
pub fn price_keys(changes: &[Change]) -> BTreeSet<PriceKey> {
    let mut keys = BTreeSet::new();
    for c in changes {
        for op in &c.operations {
            if let Operation::Renew { period, .. } = op {
                let (period_type, period_num) = period.api_period();
                keys.insert((c.resource_id.clone(), period_type, period_num));
            }
        }
        for (_, per, _) in commitment_changes(c) {
            keys.insert((c.resource_id.clone(), per_period_type(&per), 1));
        }
    }
    keys
}

/// The commitment changes a change implies: (direction, per, estimated).
pub fn commitment_changes(c: &Change) -> Vec<(&'static str, String, bool)> {
    let mut out = Vec::new();
    let was_auto = c.before.expire_policy == crate::bss::model::EXPIRE_POLICY_AUTO_RENEW;
    for op in &c.operations {
        match op {
            Operation::EnableAutoRenew { period, .. } => {
                let new = period.map(|p| p.api_name().to_ascii_lowercase());
                if !was_auto {
                    out.push((
                        "added",
                        new.clone().unwrap_or_else(|| "month".into()),
                        new.is_none(),
                    ));
                } else if let (Some(old), Some(new)) = (&c.before.auto_renew_period, &new) {
                    if old != new {
                        out.push(("removed", old.clone(), false));
                        out.push(("added", new.clone(), false));
                    }
                }
            }
            Operation::CancelAutoRenew if was_auto => {
                let old = c.before.auto_renew_period.clone();
                out.push((
                    "removed",
                    old.clone().unwrap_or_else(|| "month".into()),
                    old.is_none(),
                ));
            }
            _ => {}
        }
    }
    out
}

fn per_period_type(per: &str) -> i32 {
    if per == "year" {
        PERIOD_TYPE_YEAR
    } else {
        PERIOD_TYPE_MONTH
    }
}

pub fn period_label(period_type: i32, period_num: i32) -> String {
    match period_type {
        PERIOD_TYPE_YEAR => format!("{period_num}y"),
        _ => format!("{period_num}m"),
    }
}

/// The renew-rate calls for a set of keys: grouped by period, sorted ids,
/// chunks of 10.
pub fn rate_requests(keys: &BTreeSet<PriceKey>) -> Vec<RenewRateReq> {
    let mut by_period: BTreeMap<(i32, i32), Vec<String>> = BTreeMap::new();
    for (id, pt, pn) in keys {
        by_period.entry((*pt, *pn)).or_default().push(id.clone());
    }
    let mut reqs = Vec::new();
    for ((pt, pn), ids) in by_period {
        for chunk in ids.chunks(MAX_RATE_IDS) {
            reqs.push(RenewRateReq {
                resource_ids: chunk.to_vec(),
                period_type: pt,
                period_num: pn,
                include_relative_resources: Some(true),
            });
        }
    }
    reqs
}

impl PriceBook {
    /// Splits one call's answer per resource (see `allocate`).
    pub fn add_response(&mut self, req: &RenewRateReq, resp: &RenewRateResp) {
        let currency = resp
            .currency
            .clone()
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "CNY".to_string());
        self.currency.get_or_insert(currency.clone());
        let label = period_label(req.period_type, req.period_num);
        let (quotes, failures) = allocate(req, resp, &currency, &label);
        for (id, p) in quotes {
            self.quotes.insert((id, req.period_type, req.period_num), p);
        }
        for (id, why) in failures {
            self.failures
                .insert((id, req.period_type, req.period_num), why);
        }
    }
}

/// Per-resource prices from one renew-rate answer. The API gives each main
/// resource's amount (with attached ones) and the call's list price and
/// optional discounts; the best discount (best_offer = 1, else the largest
/// saving) becomes a rate that each resource's amount gets on its own,
/// rounded to cents (so parts may differ from the call's total by a cent
/// each, and never depend on how resources were grouped into calls).
pub fn allocate(
    req: &RenewRateReq,
    resp: &RenewRateResp,
    currency: &str,
    period: &str,
) -> (Vec<(String, Price)>, Vec<IdFailure>) {
    let mut failures: Vec<(String, String)> = resp
        .fail_resource_infos
        .iter()
        .flatten()
        .filter_map(|f| {
            let id = f.resource_id.clone()?;
            let code = f.error_code.clone().unwrap_or_default();
            let why = format!("{code}: {}", f.error_msg.clone().unwrap_or_default());
            Some((
                id,
                with_hint(why, crate::hints::hint(&code).map(str::to_string)),
            ))
        })
        .collect();
    let failed: BTreeSet<String> = failures.iter().map(|(id, _)| id.clone()).collect();
    let mut amounts: Vec<(String, Decimal)> = Vec::new();
    for r in resp.renew_inquiry_results.iter().flatten() {
        let (Some(id), Some(a)) = (&r.resource_id, &r.amount) else {
            continue;
        };
        if failed.contains(id) || !req.resource_ids.contains(id) {
            continue;
        }
        match a.trim().parse::<Decimal>() {
            Ok(d) => amounts.push((id.clone(), d)),
            Err(_) => failures.push((id.clone(), format!("unreadable amount {a:?}"))),
        }
    }
    let answered: BTreeSet<String> = amounts
        .iter()
        .map(|(id, _)| id.clone())
        .chain(failures.iter().map(|(id, _)| id.clone()))
        .collect();
    let missing: Vec<String> = req
        .resource_ids
        .iter()
        .filter(|id| !answered.contains(*id))
        .cloned()
        .collect();
    for id in missing {
        failures.push((id, "no price returned".to_string()));
    }

    let sum: Decimal = amounts.iter().map(|(_, a)| *a).sum();
    let official_total = resp
        .official_website_rating_result
        .as_ref()
        .and_then(|o| o.official_website_amount.as_deref())
        .and_then(|s| s.trim().parse::<Decimal>().ok())
        .unwrap_or(sum);
    let discount_total = best_discount(resp).unwrap_or(Decimal::ZERO);
    // Only share the discount when the list price covers just these amounts
    // (no failed resources mixed in).
    let discount_total = if official_total == sum {
        discount_total
    } else {
        Decimal::ZERO
    };

    // The call's discount as a rate (4 places), applied to each resource on
    // its own: a resource's price then does not depend on which others
    // shared its call, so concurrent fetching keeps plans byte-identical.
    let rate = if sum.is_zero() {
        Decimal::ZERO
    } else {
        (discount_total / sum).round_dp(4)
    };
    let mut quotes = Vec::new();
    for (id, official) in amounts {
        let discount = (official * rate).round_dp(2);
        quotes.push((
            id,
            Price {
                currency: currency.to_string(),
                official_amount: official.round_dp(2),
                discount_amount: discount.round_dp(2),
                amount: (official - discount).round_dp(2),
                period: period.to_string(),
            },
        ));
    }
    (quotes, failures)
}

/// A failure's text, with what to do about it on an indented line (the
/// plan's warnings carry it to every output format). The API's message and
/// the hint are escaped here (`render::untrusted::text`): then the only line
/// break is the hint's, which renderers split at (`render::split_hint`).
pub fn with_hint(why: String, hint: Option<String>) -> String {
    let why = crate::display::untrusted::text(&why);
    match hint {
        Some(h) => format!(
            "{why}{}{}",
            crate::display::HINT_LINE,
            crate::display::untrusted::text(&h)
        ),
        None => why.into_owned(),
    }
}

fn best_discount(resp: &RenewRateResp) -> Option<Decimal> {
    let options = resp.optional_discount_rating_results.as_ref()?;
    let parsed: Vec<(bool, Decimal)> = options
        .iter()
        .filter_map(|o| {
            let d = o
                .discount_amount
                .as_deref()?
                .trim()
                .parse::<Decimal>()
                .ok()?;
            Some((o.best_offer == Some(1), d))
        })
        .collect();
    parsed
        .iter()
        .find(|(best, _)| *best)
        .map(|(_, d)| *d)
        .or_else(|| parsed.iter().map(|(_, d)| *d).max())
}

/// Puts prices on the changes and totals them into the summary; returns
/// warnings for prices that could not be learned.
pub fn apply_prices(plan: &mut Plan, book: &PriceBook) -> Vec<String> {
    let currency = book.currency.clone().unwrap_or_else(|| "CNY".to_string());
    let mut warnings = Vec::new();
    let mut unknown = 0;
    let mut s = std::mem::take(&mut plan.summary);
    s.renewal_cost_now = MoneyTotal {
        currency: currency.clone(),
        amount: Decimal::ZERO,
    };
    s.renewal_official_amount = Decimal::ZERO;
    s.commitment = CommitmentTotals::default();
    for c in &mut plan.changes {
        let label = if c.resource_name.is_empty() {
            c.resource_id.clone()
        } else {
            format!("{} ({})", c.resource_name, c.resource_id)
        };
        for op in &c.operations {
            if let Operation::Renew { period, .. } = op {
                let (period_type, period_num) = period.api_period();
                let key = (c.resource_id.clone(), period_type, period_num);
                match book.quotes.get(&key) {
                    Some(p) => {
                        s.renewal_cost_now.amount += p.amount;
                        s.renewal_official_amount += p.official_amount;
                        c.price = Some(p.clone());
                    }
                    None => {
                        unknown += 1;
                        let why = book
                            .failures
                            .get(&key)
                            .cloned()
                            .unwrap_or_else(|| "not priced".into());
                        // The name cannot forge a hint line (see with_hint).
                        let label = crate::display::untrusted::text(&label);
                        warnings.push(format!("price of renewing {label} is unknown: {why}"));
                    }
                }
            }
        }
        c.commitments.clear();
        for (direction, per, estimated) in commitment_changes(c) {
            let key = (c.resource_id.clone(), per_period_type(&per), 1);
            let price = book.quotes.get(&key).cloned();
            match &price {
                Some(p) => {
                    let slot = match (direction, per.as_str()) {
                        ("added", "year") => &mut s.commitment.added_per_year,
                        ("added", _) => &mut s.commitment.added_per_month,
                        (_, "year") => &mut s.commitment.removed_per_year,
                        _ => &mut s.commitment.removed_per_month,
                    };
                    *slot += p.amount;
                }
                None => {
                    unknown += 1;
                    let why = book
                        .failures
                        .get(&key)
                        .cloned()
                        .unwrap_or_else(|| "not priced".into());
                    let label = crate::display::untrusted::text(&label);
                    warnings.push(format!(
                        "auto-renew price of {label} per {per} is unknown: {why}"
                    ));
                }
            }
            c.commitments.push(Commitment {
                direction: direction.to_string(),
                per,
                price,
                estimated,
            });
        }
    }
    s.unknown_prices = unknown;
    plan.summary = s;
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bss::model::*;

    fn resp(amounts: &[(&str, &str)], official: &str, discount: Option<&str>) -> RenewRateResp {
        RenewRateResp {
            currency: Some("CNY".into()),
            renew_inquiry_results: Some(
                amounts
                    .iter()
                    .map(|(id, a)| RenewInquiryResultInfo {
                        resource_id: Some(id.to_string()),
                        amount: Some(a.to_string()),
                    })
                    .collect(),
            ),
            official_website_rating_result: Some(OfficialWebsiteRatingResultV2 {
                official_website_amount: Some(official.into()),
                ..Default::default()
            }),
            optional_discount_rating_results: discount.map(|d| {
                vec![OptionalDiscountRatingResultV2 {
                    discount_amount: Some(d.into()),
                    best_offer: Some(1),
                    ..Default::default()
                }]
            }),
            fail_resource_infos: None,
        }
    }

    fn req(ids: &[&str]) -> RenewRateReq {
        RenewRateReq {
            resource_ids: ids.iter().map(|s| s.to_string()).collect(),
            period_type: 3,
            period_num: 1,
            include_relative_resources: Some(true),
        }
    }

    #[test]
    fn the_reference_example_splits_the_discount_and_sums_exactly() {
        let (quotes, failures) = allocate(
            &req(&["a", "b"]),
            &resp(
                &[("a", "4040.00"), ("b", "240.00")],
                "4280.00",
                Some("428.00"),
            ),
            "CNY",
            "1y",
        );
        assert!(failures.is_empty());
        assert_eq!(quotes[0].1.discount_amount.to_string(), "404.00");
        assert_eq!(quotes[1].1.discount_amount.to_string(), "24.00");
        let total: Decimal = quotes.iter().map(|(_, p)| p.amount).sum();
        assert_eq!(total.to_string(), "3852.00");
    }

    #[test]
    fn each_resource_gets_the_rate_on_its_own() {
        let (quotes, _) = allocate(
            &req(&["a", "b", "c"]),
            &resp(
                &[("a", "1.00"), ("b", "1.00"), ("c", "1.00")],
                "3.00",
                Some("1.00"),
            ),
            "CNY",
            "1y",
        );
        let discounts: Vec<String> = quotes
            .iter()
            .map(|(_, p)| p.discount_amount.to_string())
            .collect();
        assert_eq!(discounts, vec!["0.33", "0.33", "0.33"]);
        // The same resource priced alone or in company costs the same.
        let (alone, _) = allocate(
            &req(&["a"]),
            &resp(&[("a", "4040.00")], "4040.00", Some("404.00")),
            "CNY",
            "1y",
        );
        let (together, _) = allocate(
            &req(&["a", "b"]),
            &resp(
                &[("a", "4040.00"), ("b", "240.00")],
                "4280.00",
                Some("428.00"),
            ),
            "CNY",
            "1y",
        );
        assert_eq!(alone[0].1, together[0].1);
    }

    #[test]
    fn failed_and_missing_resources_are_reported_not_priced() {
        let mut r = resp(&[("a", "10.00")], "10.00", None);
        r.fail_resource_infos = Some(vec![FailResourceInfo {
            resource_id: Some("b".into()),
            error_code: Some("CBC.30050007".into()),
            error_msg: Some("not main".into()),
        }]);
        let (quotes, failures) = allocate(&req(&["a", "b", "c"]), &r, "CNY", "1y");
        assert_eq!(quotes.len(), 1);
        assert_eq!(quotes[0].1.amount.to_string(), "10.00");
        let ids: Vec<&str> = failures.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, vec!["b", "c"]);
        assert!(failures[0].1.contains("CBC.30050007"));
        assert!(
            failures[0].1.contains("\n  hint: not a main resource"),
            "{}",
            failures[0].1
        );
    }

    #[test]
    fn requests_group_by_period_in_chunks_of_ten() {
        let mut keys = BTreeSet::new();
        for i in 0..25 {
            keys.insert((format!("r{i:02}"), 3, 1));
        }
        keys.insert(("m".into(), 2, 1));
        let reqs = rate_requests(&keys);
        let sizes: Vec<usize> = reqs.iter().map(|r| r.resource_ids.len()).collect();
        assert_eq!(sizes, vec![1, 10, 10, 5]);
        assert!(reqs
            .iter()
            .all(|r| r.include_relative_resources == Some(true)));
    }
}
