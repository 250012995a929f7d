//! IAM `GET /v3/auth/domains`: the one account the credentials belong to.

use super::{reply, Ctx};
use crate::bss::model::{AuthDomain, AuthDomainsResp};
use crate::sandbox::errors::ApiError;
use serde_json::Value;

pub fn domains(ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    reply(&AuthDomainsResp {
        domains: vec![AuthDomain {
            id: ctx.domain_id.to_string(),
            name: Some(ctx.domain_name.to_string()),
            enabled: Some(true),
        }],
    })
}
