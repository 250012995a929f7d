//! ListPayPerUseCustomerResources: filter, stable order, offset/limit paging.

use super::validate::{self, json_body};
use super::{reply, Ctx};
use crate::bss::model::{QueryResourcesReq, QueryResourcesResp};
use crate::sandbox::errors::ApiError;
use crate::sandbox::state::{Resource, State};
use serde_json::Value;
use std::collections::HashSet;

pub fn query(ctx: &Ctx<'_>, state: &mut State) -> Result<Value, ApiError> {
    // An empty body is the same as `{}` here: every field is optional.
    let req: QueryResourcesReq = if ctx.body.iter().all(u8::is_ascii_whitespace) {
        QueryResourcesReq::default()
    } else {
        json_body(ctx.body, &["resource_ids"])?
    };
    let ids = req.resource_ids.clone().unwrap_or_default();
    validate::api_ids(ctx.api, &ids, 0)?;
    let only_main = req.only_main_resource.unwrap_or(0);
    if only_main != 0 && only_main != 1 {
        return Err(ApiError::invalid(format!(
            "only_main_resource {only_main} is invalid; use 0 or 1."
        )));
    }
    let statuses = req.status_list.clone().unwrap_or_default();
    if let Some(bad) = statuses.iter().find(|s| !(2..=5).contains(*s)) {
        return Err(ApiError::invalid(format!(
            "status_list holds {bad}; statuses are 2, 3, 4 and 5."
        )));
    }
    if req
        .service_type_code
        .as_deref()
        .is_some_and(|s| s.trim().is_empty())
    {
        return Err(ApiError::invalid(
            "service_type_code must not be an empty string.",
        ));
    }
    if req
        .customer_id
        .as_deref()
        .is_some_and(|c| c.chars().count() > 64)
    {
        return Err(ApiError::invalid(
            "customer_id may hold at most 64 characters.",
        ));
    }
    let begin = validate::api_time("expire_time_begin", req.expire_time_begin.as_deref())?;
    let end = validate::api_time("expire_time_end", req.expire_time_end.as_deref())?;
    let (offset, limit) = validate::paging(req.offset, req.limit)?;

    let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let order_id = req.order_id.as_deref().filter(|o| !o.is_empty());
    let order_resources: HashSet<&str> = order_id
        .and_then(|o| state.order(o))
        .map(|o| o.resource_ids().collect())
        .unwrap_or_default();

    let by_ids = |r: &Resource| {
        if wanted.is_empty() {
            return only_main == 0 || r.is_main();
        }
        if wanted.contains(r.resource_id.as_str()) {
            return true;
        }
        // Attached resources come with a requested main one unless only
        // main resources were asked for.
        only_main == 0
            && !r.is_main()
            && r.parent_resource_id
                .as_deref()
                .is_some_and(|p| wanted.contains(p))
    };
    let matches: Vec<&Resource> = state
        .resources
        .iter()
        .filter(|r| by_ids(r))
        .filter(|r| {
            order_id
                .is_none_or(|o| r.order_id == o || order_resources.contains(r.resource_id.as_str()))
        })
        .filter(|r| statuses.is_empty() || statuses.contains(&r.status))
        .filter(|r| begin.is_none_or(|b| r.expire_time >= b))
        .filter(|r| end.is_none_or(|e| r.expire_time <= e))
        .filter(|r| {
            req.service_type_code
                .as_deref()
                .is_none_or(|s| r.service_type_code == s)
        })
        .collect();
    let page = matches
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| r.to_row())
        .collect();
    reply(&QueryResourcesResp {
        total_count: Some(matches.len() as i64),
        data: Some(page),
    })
}
