//! AutoRenewalResources (POST) and CancelAutoRenewalResources (DELETE): set
//! or clear expire_policy 3 on a main resource and its attached ones.

use super::validate::{self, json_body};
use super::{locking_order, reply, unpaid_order_msg, Ctx};
use crate::bss::client::MAX_AUTO_RENEW_TIMES;
use crate::bss::model::{self, AutoRenewalResourcesReq, EmptyResp};
use crate::sandbox::errors::*;
use crate::sandbox::state::{Resource, State};
use serde_json::Value;

/// The main resource named by the path, or the documented error.
fn main_resource<'s>(ctx: &Ctx<'_>, state: &'s State) -> Result<&'s Resource, ApiError> {
    let id = ctx.param.unwrap_or_default();
    let r = state
        .resource(id)
        .filter(|r| !r.is_closed())
        .ok_or_else(|| {
            ApiError::new(
                400,
                CODE_AUTORENEW_NO_RESOURCE,
                format!("The resource {id} does not exist."),
            )
        })?;
    if !r.is_main() {
        return Err(ApiError::invalid(format!(
            "{id} is not a main resource; set auto-renew on its main resource {}.",
            r.parent_resource_id.as_deref().unwrap_or("(unknown)")
        )));
    }
    Ok(r)
}

pub fn enable(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    // The body is optional: absent or empty means defaults.
    let req: AutoRenewalResourcesReq = if ctx.body.iter().all(u8::is_ascii_whitespace) {
        AutoRenewalResourcesReq::default()
    } else {
        json_body(ctx.body, &[])?
    };
    if let Some(times) = req.auto_renew_times {
        validate::int_range(
            "auto_renew_times",
            times.into(),
            0,
            MAX_AUTO_RENEW_TIMES.into(),
        )?;
    }
    if let Some(pt) = req.period_type.as_deref() {
        if pt != "MONTH" && pt != "YEAR" {
            return Err(ApiError::invalid(format!(
                "period_type {pt:?} is invalid; use MONTH or YEAR."
            )));
        }
    }
    let main = main_resource(ctx, state)?;
    if main.status == model::STATUS_EXPIRED || main.status == model::STATUS_FROZEN {
        return Err(ApiError::new(
            400,
            CODE_AUTORENEW_EXPIRED,
            "The resource has expired or is frozen; renew it before enabling auto-renew.",
        ));
    }
    let main_id = main.resource_id.clone();
    if let Some(order_id) = locking_order(state, &main_id) {
        return Err(ApiError::new(
            400,
            CODE_UNPAID_ORDER,
            unpaid_order_msg(&order_id),
        ));
    }
    let first_enable = main.expire_policy != model::EXPIRE_POLICY_AUTO_RENEW;
    for i in state.family(&main_id) {
        let Some(r) = state.resources.get_mut(i) else {
            continue;
        };
        if r.is_closed() {
            continue;
        }
        if r.expire_policy != model::EXPIRE_POLICY_AUTO_RENEW {
            r.previous_expire_policy = Some(r.expire_policy);
            r.expire_policy = model::EXPIRE_POLICY_AUTO_RENEW;
            r.update_time = ctx.now;
        }
        if r.resource_id != main_id {
            continue;
        }
        // Write-only settings: on first enable absent means unlimited /
        // monthly; later, absent means unchanged.
        if first_enable {
            r.auto_renew_times = Some(req.auto_renew_times.unwrap_or(0));
            r.auto_renew_period_type = Some(
                req.period_type
                    .clone()
                    .unwrap_or_else(|| "MONTH".to_string()),
            );
        } else {
            if let Some(t) = req.auto_renew_times {
                r.auto_renew_times = Some(t);
            }
            if let Some(p) = &req.period_type {
                r.auto_renew_period_type = Some(p.clone());
            }
        }
    }
    reply(&EmptyResp {})
}

pub fn cancel(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    if !ctx.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid(
            "CancelAutoRenewalResources takes no request body.",
        ));
    }
    let main = main_resource(ctx, state)?;
    // Reference §10: CBC.99003602 (expired or frozen), CBC.99003605
    // (auto-renew already cancelled).
    if main.status == model::STATUS_EXPIRED || main.status == model::STATUS_FROZEN {
        return Err(ApiError::new(
            400,
            CODE_AUTORENEW_EXPIRED,
            "The resource has expired or is frozen; renew it before changing auto-renew.",
        ));
    }
    if main.expire_policy != model::EXPIRE_POLICY_AUTO_RENEW {
        return Err(ApiError::new(
            400,
            CODE_AUTORENEW_ALREADY_CANCELLED,
            "Auto-renew is already cancelled for this resource.",
        ));
    }
    let main_id = main.resource_id.clone();
    if let Some(order_id) = locking_order(state, &main_id) {
        return Err(ApiError::new(
            400,
            CODE_UNPAID_ORDER,
            unpaid_order_msg(&order_id),
        ));
    }
    for i in state.family(&main_id) {
        let Some(r) = state.resources.get_mut(i) else {
            continue;
        };
        if r.expire_policy == model::EXPIRE_POLICY_AUTO_RENEW {
            r.expire_policy = r
                .previous_expire_policy
                .take()
                .unwrap_or(model::EXPIRE_POLICY_GRACE);
            r.update_time = ctx.now;
        }
        r.auto_renew_times = None;
        r.auto_renew_period_type = None;
    }
    reply(&EmptyResp {})
}
