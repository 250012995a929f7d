//! ListRenewRateOnPeriod: list price per main resource (plus attached ones
//! when asked), the total, and one priced result per account discount.

use super::validate::{self, json_body};
use super::{fail, open_main, reply, unique, Ctx};
use crate::bss::model::{
    OfficialWebsiteRatingResultV2, OptionalDiscountRatingResultV2, RenewInquiryResultInfo,
    RenewRateReq, RenewRateResp,
};
use crate::sandbox::billing::{self, money_str};
use crate::sandbox::errors::*;
use crate::sandbox::state::State;
use rust_decimal::Decimal;
use serde_json::Value;

pub fn renew_rate(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let req: RenewRateReq = json_body(ctx.body, &["resource_ids", "period_type", "period_num"])?;
    validate::api_ids(ctx.api, &req.resource_ids, 1)?;
    validate::period(req.period_type, req.period_num)?;
    let with_attached = req.include_relative_resources.unwrap_or(false);

    let mut fails = Vec::new();
    let mut results = Vec::new();
    let mut total = Decimal::ZERO;
    for id in unique(&req.resource_ids) {
        let r = match open_main(state, id, CODE_NOT_MAIN_RATE, |main| {
            format!("The resource is not a main resource; price its main resource {main}.")
        }) {
            Ok(r) => r,
            Err(f) => {
                fails.push(f);
                continue;
            }
        };
        if !r.renewable {
            fails.push(fail(
                id,
                CODE_NOT_RENEWABLE,
                "The product cannot be renewed.",
            ));
            continue;
        }
        let mut amount = billing::money(r.price(req.period_type, req.period_num));
        if with_attached {
            amount += state
                .resources
                .iter()
                .filter(|a| !a.is_closed() && a.parent_resource_id.as_deref() == Some(id))
                .map(|a| billing::money(a.price(req.period_type, req.period_num)))
                .sum::<Decimal>();
        }
        total += amount;
        results.push(RenewInquiryResultInfo {
            resource_id: Some(id.to_string()),
            amount: Some(money_str(amount)),
        });
    }

    let best =
        billing::best_discount(&state.account_discounts, total).map(|(d, _)| d.discount_id.clone());
    let optional: Vec<OptionalDiscountRatingResultV2> = state
        .account_discounts
        .iter()
        .map(|d| {
            let saving = billing::saving(total, d.rate);
            OptionalDiscountRatingResultV2 {
                discount_id: Some(d.discount_id.clone()),
                amount: Some(money_str(total - saving)),
                official_website_amount: Some(money_str(total)),
                discount_amount: Some(money_str(saving)),
                discount_type: Some(d.discount_type),
                discount_name: Some(d.discount_name.clone()),
                best_offer: Some(i32::from(best.as_deref() == Some(d.discount_id.as_str()))),
                ..Default::default()
            }
        })
        .collect();
    reply(&RenewRateResp {
        currency: Some(state.currency.clone()),
        renew_inquiry_results: Some(results),
        official_website_rating_result: Some(OfficialWebsiteRatingResultV2 {
            official_website_amount: Some(money_str(total)),
            installment_official_website_amount: None,
            installment_period_type: None,
        }),
        optional_discount_rating_results: (!optional.is_empty()).then_some(optional),
        fail_resource_infos: Some(fails),
    })
}
