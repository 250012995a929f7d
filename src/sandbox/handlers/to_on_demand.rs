//! UpdatePeriodToOnDemand: SET_UP switches main + attached to pay-per-use at
//! expiry (policy 1), CANCEL restores the previous policy. Per-id problems
//! are reported in `error_details` with HTTP 200.

use super::validate::{self, json_body};
use super::{locking_order, reply, unique, unpaid_order_msg, Ctx};
use crate::bss::model::{self, ErrorDetail, PeriodToOnDemandReq, PeriodToOnDemandResp};
use crate::sandbox::errors::*;
use crate::sandbox::state::State;
use serde_json::Value;

fn detail(id: &str, code: &str, msg: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        error_code: Some(code.to_string()),
        error_msg: Some(msg.into()),
        id: Some(id.to_string()),
    }
}

pub fn update(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let req: PeriodToOnDemandReq = json_body(ctx.body, &["operation", "resource_ids"])?;
    let set_up = match req.operation.as_str() {
        model::TO_ON_DEMAND_SET_UP => true,
        model::TO_ON_DEMAND_CANCEL => false,
        other => {
            return Err(ApiError::invalid(format!(
                "operation {other:?} is invalid; use SET_UP or CANCEL."
            )))
        }
    };
    validate::api_ids(ctx.api, &req.resource_ids, 1)?;

    // Reference §10: another transaction in progress (here: an unpaid
    // order) refuses the whole call with HTTP 400 CBC.99003623.
    if let Some((id, order_id)) = unique(&req.resource_ids)
        .into_iter()
        .find_map(|id| locking_order(state, id).map(|o| (id, o)))
    {
        return Err(ApiError::new(
            400,
            CODE_ON_DEMAND_TRANSACTION,
            format!(
                "{id}: another transaction is in progress ({}).",
                unpaid_order_msg(&order_id)
            ),
        ));
    }
    let mut details = Vec::new();
    for id in unique(&req.resource_ids) {
        let Some(r) = state.resource(id).filter(|r| !r.is_closed()) else {
            details.push(detail(
                id,
                CODE_NO_RESOURCE,
                "The resource does not exist or has been deleted.",
            ));
            continue;
        };
        if !r.is_main() {
            details.push(detail(
                id,
                CODE_INVALID,
                format!(
                    "{id} is not a main resource; use its main resource {}.",
                    r.parent_resource_id.as_deref().unwrap_or("(unknown)")
                ),
            ));
            continue;
        }
        if set_up && (r.status == model::STATUS_EXPIRED || r.status == model::STATUS_FROZEN) {
            // Reference §10: grace/retention-period resources cannot convert.
            details.push(detail(
                id,
                CODE_ON_DEMAND_GRACE,
                "Resources in the grace or retention period cannot be converted to pay-per-use; renew it first.",
            ));
            continue;
        }
        if !r.to_on_demand_allowed {
            details.push(detail(
                id,
                CODE_ON_DEMAND_REFUSED,
                "This product cannot be set to switch to pay-per-use.",
            ));
            continue;
        }
        for i in state.family(id) {
            let Some(r) = state.resources.get_mut(i) else {
                continue;
            };
            if r.is_closed() {
                continue;
            }
            if set_up && r.expire_policy != model::EXPIRE_POLICY_TO_ON_DEMAND {
                r.previous_expire_policy = Some(r.expire_policy);
                r.expire_policy = model::EXPIRE_POLICY_TO_ON_DEMAND;
                r.update_time = ctx.now;
            } else if !set_up && r.expire_policy == model::EXPIRE_POLICY_TO_ON_DEMAND {
                r.expire_policy = r
                    .previous_expire_policy
                    .take()
                    .unwrap_or(model::EXPIRE_POLICY_GRACE);
                r.update_time = ctx.now;
            }
        }
    }
    reply(&PeriodToOnDemandResp {
        error_details: Some(details),
    })
}
