//! SetResourcesRenewConfig: account-wide renewal settings, stored as given.

use super::validate::json_body;
use super::{reply, Ctx};
use crate::bss::model::{self, RenewResourceConfigReq, RenewResourceConfigResp};
use crate::sandbox::errors::ApiError;
use crate::sandbox::state::State;
use serde_json::Value;

pub fn set(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    let req: RenewResourceConfigReq = json_body(ctx.body, &["config_name", "config_value"])?;
    let value: Option<i64> = req.config_value.trim().parse().ok();
    let ok = match req.config_name.as_str() {
        model::RENEW_CONFIG_DEDUCTION_DATE => value.is_some_and(|v| (2..=7).contains(&v)),
        model::RENEW_CONFIG_EXPIRE_DATE => value.is_some_and(|v| (1..=28).contains(&v) || v == -1),
        other => {
            return Err(ApiError::invalid(format!(
                "config_name {other:?} is invalid; use DEDUCTION_DATE or EXPIRE_DATE."
            )))
        }
    };
    if !ok {
        let range = if req.config_name == model::RENEW_CONFIG_DEDUCTION_DATE {
            "2-7 (days before expiry)"
        } else {
            "1-28 (day of month) or -1 (last day of the month)"
        };
        return Err(ApiError::invalid(format!(
            "config_value {:?} is invalid for {}: use {range}.",
            req.config_value, req.config_name
        )));
    }
    state
        .renew_config
        .insert(req.config_name.clone(), req.config_value.trim().to_string());
    reply(&RenewResourceConfigResp {
        error_code: Some("CBC.0000".to_string()),
        error_msg: Some("success".to_string()),
    })
}
