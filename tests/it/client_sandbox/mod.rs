//! The typed `BssClient` against the in-process sandbox: every endpoint, the
//! documented limits (refused before anything is sent), server-side errors
//! decoded into `ApiError::Service`, domain-id discovery, token and
//! temporary-credential authentication.
//!
//! Each test starts its own sandbox on port 0 with a temp copy of the seed;
//! state changes are checked in the state file the sandbox saved.

use crate::common::*;
use bssctl::bss::client::{ApiStats, MAX_QUERY_IDS};
use bssctl::bss::credentials::{Auth, Credentials};
use bssctl::bss::model::*;
use bssctl::bss::{Api, ApiError, BssClient, Secret};
use bssctl::sandbox::state::State;
use bssctl::sandbox::{self, SandboxConfig};
use chrono::{DateTime, Months, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn stats_of(c: &BssClient, api: Api) -> ApiStats {
    c.stats().get(&api).cloned().unwrap_or_default()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// 90 % of `x` as the sandbox prices the 0.90 account discount: the saving
/// is rounded to fen half away from zero, then subtracted.
fn ninety_percent(x: Decimal) -> Decimal {
    x - (x - x * dec("0.90")).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn expire(state: &State, id: &str) -> DateTime<Utc> {
    state.resource(id).expect("resource in state").expire_time
}

fn plus_months(t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    t.checked_add_months(Months::new(n)).unwrap()
}

/// The resource and its attached ones, from the state file.
fn family_ids(state: &State, main: &str) -> Vec<String> {
    state
        .family(main)
        .into_iter()
        .map(|i| state.resources[i].resource_id.clone())
        .collect()
}

fn cash(state: &State) -> Decimal {
    state
        .balances
        .iter()
        .find(|b| b.account_type == 1)
        .expect("cash account")
        .amount
}

/// A 32-hex-digit request id as the sandbox sends in `X-Request-Id`.
fn assert_request_id(rid: Option<&str>) {
    let rid = rid.expect("a request id");
    assert_eq!(rid.len(), 32, "{rid}");
    assert!(rid.chars().all(|c| c.is_ascii_hexdigit()), "{rid}");
}

/// Unpacks an `ApiError::Service`, checking it carries a message and a request id.
#[track_caller]
fn service(err: ApiError, want_api: Api, want_status: u16, want_code: &str) -> String {
    match err {
        ApiError::Service {
            api,
            status,
            ref error_code,
            ref error_msg,
            ref request_id,
            ..
        } => {
            assert_eq!(api, want_api, "{err}");
            assert_eq!(status, want_status, "{err}");
            assert_eq!(error_code, want_code, "{err}");
            assert!(!error_msg.is_empty(), "{err}");
            assert_request_id(request_id.as_deref());
            let shown = err.to_string();
            assert!(
                shown.contains(want_code)
                    && shown.contains(&format!("(request id {})", request_id.as_deref().unwrap())),
                "{shown}"
            );
            error_msg.clone()
        }
        other => panic!("expected a service error {want_code}, got {other:?}"),
    }
}

mod auth;
mod auto_renew;
mod limits;
mod orders;
mod pricing_settings;
mod query;
mod renew;
