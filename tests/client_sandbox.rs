//! The typed `BssClient` against the in-process sandbox: every endpoint, the
//! documented limits (refused before anything is sent), server-side errors
//! decoded into `ApiError::Service`, domain-id discovery, token and
//! temporary-credential authentication.
//!
//! Each test starts its own sandbox on port 0 with a temp copy of the seed;
//! state changes are checked in the state file the sandbox saved.

mod common;

use bssctl::bss::client::{ApiStats, MAX_QUERY_IDS};
use bssctl::bss::credentials::{Auth, Credentials};
use bssctl::bss::model::*;
use bssctl::bss::{Api, ApiError, BssClient, Secret};
use bssctl::sandbox::state::State;
use bssctl::sandbox::{self, SandboxConfig};
use chrono::{DateTime, Months, Utc};
use common::*;
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

// ---------------------------------------------------------------------------
// Query

#[tokio::test]
async fn query_one_page_all_pages_and_only_main() {
    let sb = Sandbox::start().await;
    let seed = sandbox::seed_state();
    let all = seed.resources.len() as i64;
    let mains = seed.resources.iter().filter(|r| r.is_main()).count();

    let c = sb.client();
    let page = c
        .query_resources(&QueryResourcesReq {
            limit: Some(5),
            offset: Some(10),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    assert_request_id(page.request_id.as_deref());
    assert_eq!(page.body.total_count, Some(all));
    let rows = page.body.data.unwrap();
    let want: Vec<&str> = seed.resources[10..15]
        .iter()
        .map(|r| r.resource_id.as_str())
        .collect();
    let got: Vec<&str> = rows
        .iter()
        .map(|r| r.resource_id.as_deref().unwrap())
        .collect();
    assert_eq!(got, want);
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 1);

    // All pages with a page size of 7: ceil(49 / 7) = 7 requests, rows in
    // state order, none twice.
    let mut cfg = client_config(&sb.url());
    cfg.page_size = 7;
    let c = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    assert_eq!(c.page_size(), 7);
    let rows = c
        .query_resources_all(&QueryResourcesReq::default())
        .await
        .unwrap();
    let got: Vec<String> = rows
        .iter()
        .map(|r| r.resource_id.clone().unwrap())
        .collect();
    let want: Vec<String> = seed
        .resources
        .iter()
        .map(|r| r.resource_id.clone())
        .collect();
    assert_eq!(got, want);
    let pages = (all as u64).div_ceil(7);
    assert_eq!(stats_of(&c, Api::QueryResources).requests, pages);

    // only_main_resource on: main resources only; off: every resource.
    let main_rows = c
        .query_resources_all(&QueryResourcesReq {
            only_main_resource: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(main_rows.len(), mains);
    assert!(main_rows.iter().all(|r| r.is_main_resource == Some(1)));
    let every = c
        .query_resources_all(&QueryResourcesReq {
            only_main_resource: Some(0),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(every.len() as i64, all);
    assert!(every.iter().any(|r| r.is_main_resource == Some(0)));

    // Rows carry the API's fields (attached rows name their parent).
    let disk = every
        .iter()
        .find(|r| r.resource_id.as_deref() == Some(WEB01_DISK))
        .unwrap();
    assert_eq!(disk.parent_resource_id.as_deref(), Some(WEB01));
    assert_eq!(disk.expire_time.as_deref(), Some("2026-12-01T00:00:00Z"));
    assert!(disk.enterprise_project.is_some());
    sb.stop().await;
}

/// A state with `n` extra standalone main resources (`extra-0000`...).
fn state_with_extra_resources(n: usize) -> (State, Vec<String>) {
    let mut state = sandbox::seed_state();
    let template = state
        .resources
        .iter()
        .find(|r| r.is_main() && r.status == 2 && state.family(&r.resource_id).len() == 1)
        .expect("a standalone main resource in the seed")
        .clone();
    let mut extra = Vec::new();
    for i in 0..n {
        let mut r = template.clone();
        r.id = format!("extra-item-{i:04}");
        r.resource_id = format!("extra-{i:04}");
        r.resource_name = format!("extra-{i:04}");
        extra.push(r.resource_id.clone());
        state.resources.push(r);
    }
    (state, extra)
}

#[tokio::test]
async fn query_by_ids_chunks_at_fifty() {
    let (state, extra) = state_with_extra_resources(110);
    let sb = Sandbox::start_with(|_| {}, Some(state)).await;

    // 110 standalone ids plus WEB01 (which has an attached disk): 111 ids,
    // so three requests of 50, 50 and 11 ids.
    let mut wanted = extra.clone();
    wanted.push(WEB01.to_string());
    let c = sb.client();
    let rows = c.query_resources_by_ids(&wanted, true).await.unwrap();
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 3);
    let mut got: Vec<String> = rows
        .iter()
        .map(|r| r.resource_id.clone().unwrap())
        .collect();
    got.sort();
    let mut want = wanted.clone();
    want.sort();
    assert_eq!(got, want, "only main: exactly the ids asked for");

    // only_main off: the disk of WEB01 comes along.
    let c = sb.client();
    let rows = c.query_resources_by_ids(&wanted, false).await.unwrap();
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 3);
    assert_eq!(rows.len(), wanted.len() + 1);
    assert!(rows
        .iter()
        .any(|r| r.resource_id.as_deref() == Some(WEB01_DISK)));

    // Exactly 50 ids is one request; none is none.
    let c = sb.client();
    let rows = c
        .query_resources_by_ids(&extra[..MAX_QUERY_IDS], true)
        .await
        .unwrap();
    assert_eq!(rows.len(), 50);
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 1);
    assert!(c
        .query_resources_by_ids(&[], true)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 1);
    sb.stop().await;
}

#[tokio::test]
async fn query_by_ids_pages_within_a_chunk_when_attached_rows_overflow_it() {
    // 60 main resources, each with one attached disk.
    let (mut state, extra) = state_with_extra_resources(60);
    for main in &extra {
        let mut disk = state.resource(main).unwrap().clone();
        disk.id = format!("{main}-disk-item");
        disk.resource_id = format!("{main}-disk");
        disk.resource_name = format!("{main}-disk");
        disk.is_main_resource = 0;
        disk.parent_resource_id = Some(main.clone());
        state.resources.push(disk);
    }
    let sb = Sandbox::start_with(|_| {}, Some(state)).await;
    let mut cfg = client_config(&sb.url());
    cfg.page_size = 40;
    let c = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    // Chunk 1: 50 ids, 100 rows, pages of 40: 3 requests. Chunk 2: 10 ids,
    // 20 rows: 1 request.
    let rows = c.query_resources_by_ids(&extra, false).await.unwrap();
    assert_eq!(stats_of(&c, Api::QueryResources).requests, 4);
    let mut got: Vec<String> = rows
        .iter()
        .map(|r| r.resource_id.clone().unwrap())
        .collect();
    got.sort();
    let mut want: Vec<String> = extra
        .iter()
        .flat_map(|m| [m.clone(), format!("{m}-disk")])
        .collect();
    want.sort();
    assert_eq!(got, want);
    sb.stop().await;
}

// ---------------------------------------------------------------------------
// Renew

#[tokio::test]
async fn renew_with_auto_pay_debits_the_quoted_price_and_extends_main_and_attached() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let before = sb.state();

    let rate = c
        .renew_rate(&RenewRateReq {
            resource_ids: ids(&[WEB01]),
            period_type: PERIOD_TYPE_MONTH,
            period_num: 1,
            include_relative_resources: Some(true),
        })
        .await
        .unwrap()
        .body;
    let best = rate
        .optional_discount_rating_results
        .unwrap()
        .into_iter()
        .find(|d| d.best_offer == Some(1))
        .expect("a best offer");
    let quoted = dec(best.amount.as_deref().unwrap());

    let resp = c
        .renew(&RenewalResourcesReq {
            resource_ids: ids(&[WEB01]),
            period_type: PERIOD_TYPE_MONTH,
            period_num: 1,
            is_auto_pay: Some(1),
        })
        .await
        .unwrap();
    assert_request_id(resp.request_id.as_deref());
    let order_ids = resp.body.order_ids.unwrap();
    assert_eq!(order_ids.len(), 1);
    assert!(resp.body.fail_resource_infos.unwrap_or_default().is_empty());

    let after = sb.state();
    for id in family_ids(&before, WEB01) {
        assert_eq!(
            expire(&after, &id),
            plus_months(expire(&before, &id), 1),
            "{id}"
        );
    }
    assert_eq!(family_ids(&before, WEB01).len(), 2);
    assert_eq!(cash(&after), cash(&before) - quoted);

    // The order is a completed renewal with a line per resource.
    let listed = c
        .list_orders(&ListCustomerOrdersQuery {
            order_id: Some(order_ids[0].clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .body;
    assert_eq!(listed.total_count, Some(1));
    let order = &listed.order_infos.unwrap()[0];
    assert_eq!(order.status, Some(ORDER_STATUS_COMPLETED));
    assert_eq!(order.order_type, Some(ORDER_TYPE_RENEWAL));
    let details = c
        .order_details(&order_ids[0], None, None)
        .await
        .unwrap()
        .body;
    assert_eq!(details.total_count, Some(2));
    assert_eq!(details.order_line_items.unwrap().len(), 2);
    assert_eq!(stats_of(&c, Api::Renew).requests, 1);
    sb.stop().await;
}

#[tokio::test]
async fn renew_without_auto_pay_leaves_an_unpaid_order_and_changes_nothing_else() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let before = sb.state();
    for auto_pay in [Some(0), None] {
        let id = if auto_pay.is_some() {
            API01
        } else {
            STAGING_DB01
        };
        let resp = c
            .renew(&RenewalResourcesReq {
                resource_ids: ids(&[id]),
                period_type: PERIOD_TYPE_YEAR,
                period_num: 1,
                is_auto_pay: auto_pay,
            })
            .await
            .unwrap()
            .body;
        let order_id = resp.order_ids.unwrap().remove(0);
        let details = c.order_details(&order_id, None, None).await.unwrap().body;
        let info = details.order_info.unwrap();
        assert_eq!(
            info.status,
            Some(ORDER_STATUS_PENDING_PAYMENT),
            "{auto_pay:?}"
        );
        assert!(info.pending_payment_end_time.is_some());
        assert_eq!(expire(&sb.state(), id), expire(&before, id));
    }
    assert_eq!(cash(&sb.state()), cash(&before));
    sb.stop().await;
}

#[tokio::test]
async fn renew_partial_failure_lists_the_attached_and_unrenewable_ids() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let before = sb.state();
    let resp = c
        .renew(&RenewalResourcesReq {
            resource_ids: ids(&[WEB01, WEB01_DISK, OBS_NOT_RENEWABLE, "no-such-resource"]),
            period_type: PERIOD_TYPE_MONTH,
            period_num: 2,
            is_auto_pay: Some(1),
        })
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body.order_ids.unwrap().len(), 1);
    let fails: Vec<(String, String)> = resp
        .body
        .fail_resource_infos
        .unwrap()
        .into_iter()
        .map(|f| {
            assert!(f.error_msg.is_some_and(|m| !m.is_empty()));
            (f.resource_id.unwrap(), f.error_code.unwrap())
        })
        .collect();
    assert_eq!(
        fails,
        vec![
            (WEB01_DISK.to_string(), "CBC.30010036".to_string()),
            (OBS_NOT_RENEWABLE.to_string(), "CBC.30050013".to_string()),
            ("no-such-resource".to_string(), "CBC.30050009".to_string()),
        ]
    );
    // The main resource was renewed (its disk with it).
    let after = sb.state();
    assert_eq!(
        expire(&after, WEB01),
        plus_months(expire(&before, WEB01), 2)
    );
    assert_eq!(
        expire(&after, WEB01_DISK),
        plus_months(expire(&before, WEB01_DISK), 2)
    );
    assert_eq!(
        expire(&after, OBS_NOT_RENEWABLE),
        expire(&before, OBS_NOT_RENEWABLE)
    );
    sb.stop().await;
}

#[tokio::test]
async fn insufficient_balance_is_a_service_error_and_nothing_changes() {
    let mut poor = sandbox::seed_state();
    for b in &mut poor.balances {
        b.amount = Decimal::new(100, 2); // 1.00
    }
    let sb = Sandbox::start_with(|_| {}, Some(poor)).await;
    let before = sb.state();
    let c = sb.client();
    let err = c
        .renew(&RenewalResourcesReq {
            resource_ids: ids(&[WEB01]),
            period_type: PERIOD_TYPE_YEAR,
            period_num: 1,
            is_auto_pay: Some(1),
        })
        .await
        .unwrap_err();
    let msg = service(err, Api::Renew, 400, "CBC.99005003");
    assert!(msg.to_lowercase().contains("insufficient"), "{msg}");
    let s = stats_of(&c, Api::Renew);
    assert_eq!((s.requests, s.retries), (1, 0), "a refusal is not retried");
    assert_eq!(sb.state(), before, "nothing changed");

    // Paying an order with too little balance: the same code, the order stays unpaid.
    let order_id = c
        .renew(&RenewalResourcesReq {
            resource_ids: ids(&[WEB01]),
            period_type: PERIOD_TYPE_YEAR,
            period_num: 1,
            is_auto_pay: Some(0),
        })
        .await
        .unwrap()
        .body
        .order_ids
        .unwrap()
        .remove(0);
    let before_pay = sb.state();
    let err = c
        .pay_order(&PayCustomerOrderV3Req {
            order_id: order_id.clone(),
            use_coupon: NO.into(),
            use_discount: NO.into(),
            coupon_infos: None,
            discount_infos: None,
        })
        .await
        .unwrap_err();
    service(err, Api::PayOrder, 400, "CBC.99005003");
    assert_eq!(sb.state(), before_pay);
    sb.stop().await;
}

// ---------------------------------------------------------------------------
// Auto-renew, to-on-demand, unsubscribe

#[tokio::test]
async fn auto_renew_on_and_off_for_main_and_attached() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let family = family_ids(&sb.state(), API01);
    assert_eq!(family.len(), 3, "prod-api-01 has two disks");

    let policies = |c: BssClient| async move {
        c.query_resources_by_ids(&[API01.to_string()], false)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.resource_id.unwrap(), r.expire_policy.unwrap()))
            .collect::<Vec<_>>()
    };
    assert!(policies(sb.client()).await.iter().all(|(_, p)| *p == 0));

    let resp = c
        .enable_auto_renew(
            API01,
            &AutoRenewalResourcesReq {
                auto_renew_times: Some(3),
                period_type: Some("YEAR".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, EmptyResp {});
    let got = policies(sb.client()).await;
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|(_, p)| *p == EXPIRE_POLICY_AUTO_RENEW),
        "{got:?}"
    );
    let r = sb.state().resource(API01).unwrap().clone();
    assert_eq!(r.auto_renew_times, Some(3));
    assert_eq!(r.auto_renew_period_type.as_deref(), Some("YEAR"));

    // Changing the times while on; then off restores the grace policy.
    c.enable_auto_renew(
        API01,
        &AutoRenewalResourcesReq {
            auto_renew_times: Some(0),
            period_type: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        sb.state().resource(API01).unwrap().auto_renew_times,
        Some(0)
    );
    c.cancel_auto_renew(API01).await.unwrap();
    assert!(policies(sb.client()).await.iter().all(|(_, p)| *p == 0));
    // Off again is refused, as the reference says (§10, CBC.99003605);
    // the sandbox used to accept it silently.
    let err = c.cancel_auto_renew(API01).await.unwrap_err();
    service(err, Api::CancelAutoRenew, 400, "CBC.99003605");

    // Errors from the service: unknown id, attached id, expired resource.
    let err = c
        .enable_auto_renew("no-such-resource", &AutoRenewalResourcesReq::default())
        .await
        .unwrap_err();
    service(err, Api::EnableAutoRenew, 400, "CBC.99003012");
    let err = c
        .enable_auto_renew(WEB01_DISK, &AutoRenewalResourcesReq::default())
        .await
        .unwrap_err();
    let msg = service(err, Api::EnableAutoRenew, 400, "CBC.0100");
    assert!(msg.contains(WEB01), "names the main resource: {msg}");
    let expired = sb
        .state()
        .resources
        .iter()
        .find(|r| r.status == STATUS_EXPIRED && r.is_main())
        .unwrap()
        .resource_id
        .clone();
    let err = c
        .enable_auto_renew(&expired, &AutoRenewalResourcesReq::default())
        .await
        .unwrap_err();
    service(err, Api::EnableAutoRenew, 400, "CBC.99003602");
    let err = c.cancel_auto_renew("no-such-resource").await.unwrap_err();
    service(err, Api::CancelAutoRenew, 400, "CBC.99003012");
    sb.stop().await;
}

#[tokio::test]
async fn to_on_demand_set_up_and_cancel_with_error_details() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let resp = c
        .to_on_demand(&PeriodToOnDemandReq {
            operation: TO_ON_DEMAND_SET_UP.into(),
            resource_ids: ids(&[API01, OBS_NO_ON_DEMAND, WEB01_DISK]),
        })
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    let details: Vec<(String, String)> = resp
        .body
        .error_details
        .unwrap()
        .into_iter()
        .map(|d| (d.id.unwrap(), d.error_code.unwrap()))
        .collect();
    assert_eq!(
        details,
        vec![
            (OBS_NO_ON_DEMAND.to_string(), "CBC.99003608".to_string()),
            (WEB01_DISK.to_string(), "CBC.0100".to_string()),
        ]
    );
    let state = sb.state();
    for id in family_ids(&state, API01) {
        assert_eq!(
            state.resource(&id).unwrap().expire_policy,
            EXPIRE_POLICY_TO_ON_DEMAND,
            "{id}"
        );
    }
    assert_ne!(
        state.resource(OBS_NO_ON_DEMAND).unwrap().expire_policy,
        EXPIRE_POLICY_TO_ON_DEMAND
    );

    let resp = c
        .to_on_demand(&PeriodToOnDemandReq {
            operation: TO_ON_DEMAND_CANCEL.into(),
            resource_ids: ids(&[API01]),
        })
        .await
        .unwrap();
    assert!(resp.body.error_details.unwrap_or_default().is_empty());
    let state = sb.state();
    for id in family_ids(&state, API01) {
        assert_eq!(state.resource(&id).unwrap().expire_policy, 0, "{id}");
    }
    sb.stop().await;
}

#[tokio::test]
async fn unsubscribe_renewals_only_and_whole_resource() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let before = sb.state();
    let renewal = before
        .resource(PROD_DB_02)
        .unwrap()
        .renewals
        .last()
        .unwrap()
        .clone();
    assert!(
        renewal.from > seed_now(),
        "the seed renewal has not started"
    );

    let resp = c
        .unsubscribe(&UnsubscribeResourcesReq {
            resource_ids: ids(&[PROD_DB_02]),
            unsubscribe_type: 2,
            unsubscribe_reason_type: Some(5),
            unsubscribe_reason: Some("renewed by mistake".into()),
        })
        .await
        .unwrap()
        .body;
    assert_eq!(resp.order_ids.unwrap().len(), 1);
    assert!(resp.fail_resource_infos.unwrap_or_default().is_empty());
    let after = sb.state();
    assert_eq!(expire(&after, PROD_DB_02), renewal.from);
    assert_eq!(after.resource(PROD_DB_02).unwrap().status, STATUS_IN_USE);

    // Type 1: main and attached are closed; an attached id fails alone.
    let resp = c
        .unsubscribe(&UnsubscribeResourcesReq {
            resource_ids: ids(&[DEV_BOX_02, WEB01_DISK]),
            unsubscribe_type: 1,
            unsubscribe_reason_type: None,
            unsubscribe_reason: None,
        })
        .await
        .unwrap()
        .body;
    let order_id = resp.order_ids.unwrap().remove(0);
    let fails = resp.fail_resource_infos.unwrap();
    assert_eq!(fails.len(), 1);
    assert_eq!(fails[0].resource_id.as_deref(), Some(WEB01_DISK));
    assert_eq!(fails[0].error_code.as_deref(), Some("CBC.30010036"));
    let after = sb.state();
    let family = family_ids(&after, DEV_BOX_02);
    assert_eq!(family.len(), 2);
    for id in &family {
        assert_eq!(after.resource(id).unwrap().status, STATUS_CLOSED, "{id}");
    }
    assert_eq!(after.resource(WEB01).unwrap().status, STATUS_IN_USE);
    let order = c.order_details(&order_id, None, None).await.unwrap().body;
    assert_eq!(
        order.order_info.unwrap().order_type,
        Some(ORDER_TYPE_UNSUBSCRIBE)
    );
    // Unsubscribe lines have no period number.
    assert!(order
        .order_line_items
        .unwrap()
        .iter()
        .all(|l| l.period_num.is_none()));
    sb.stop().await;
}

// ---------------------------------------------------------------------------
// Pricing and account settings

#[tokio::test]
async fn renew_rate_with_attached_resources_and_discounts() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let state = sb.state();
    let month = |id: &str| state.resource(id).unwrap().price_month;
    let family_price =
        |main: &str| -> Decimal { family_ids(&state, main).iter().map(|i| month(i)).sum() };

    let resp = c
        .renew_rate(&RenewRateReq {
            resource_ids: ids(&[WEB01, API01, WEB01_DISK]),
            period_type: PERIOD_TYPE_MONTH,
            period_num: 3,
            include_relative_resources: Some(true),
        })
        .await
        .unwrap()
        .body;
    assert_eq!(resp.currency.as_deref(), Some("CNY"));
    let results: Vec<(String, Decimal)> = resp
        .renew_inquiry_results
        .unwrap()
        .into_iter()
        .map(|r| (r.resource_id.unwrap(), dec(&r.amount.unwrap())))
        .collect();
    let web = family_price(WEB01) * Decimal::from(3);
    let api = family_price(API01) * Decimal::from(3);
    assert_eq!(
        results,
        vec![(WEB01.to_string(), web), (API01.to_string(), api)]
    );
    let official = resp.official_website_rating_result.unwrap();
    let total = dec(official.official_website_amount.as_deref().unwrap());
    assert_eq!(total, web + api);
    let fails = resp.fail_resource_infos.unwrap();
    assert_eq!(fails.len(), 1);
    assert_eq!(fails[0].resource_id.as_deref(), Some(WEB01_DISK));
    assert_eq!(fails[0].error_code.as_deref(), Some("CBC.30050007"));

    let discounts = resp.optional_discount_rating_results.unwrap();
    assert_eq!(discounts.len(), 1);
    let d = &discounts[0];
    assert_eq!(d.discount_id.as_deref(), Some(DISCOUNT_605));
    assert_eq!(d.discount_type, Some(605));
    assert_eq!(d.best_offer, Some(1));
    let saving = dec(d.discount_amount.as_deref().unwrap());
    let amount = dec(d.amount.as_deref().unwrap());
    assert_eq!(amount + saving, total);
    assert_eq!(amount, ninety_percent(total));

    // Without attached resources: the main resources' own prices.
    let resp = c
        .renew_rate(&RenewRateReq {
            resource_ids: ids(&[WEB01]),
            period_type: PERIOD_TYPE_YEAR,
            period_num: 1,
            include_relative_resources: None,
        })
        .await
        .unwrap()
        .body;
    let only = resp.renew_inquiry_results.unwrap().remove(0);
    assert_eq!(
        dec(&only.amount.unwrap()),
        state.resource(WEB01).unwrap().price_year
    );
    sb.stop().await;
}

#[tokio::test]
async fn set_renew_config_stores_in_range_values_and_refuses_the_rest() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    for (name, value) in [
        (RENEW_CONFIG_DEDUCTION_DATE, "2"),
        (RENEW_CONFIG_DEDUCTION_DATE, "7"),
        (RENEW_CONFIG_EXPIRE_DATE, "28"),
        (RENEW_CONFIG_EXPIRE_DATE, "-1"),
    ] {
        let resp = c
            .set_renew_config(&RenewResourceConfigReq {
                config_name: name.into(),
                config_value: value.into(),
            })
            .await
            .unwrap();
        assert_eq!(resp.body.error_code.as_deref(), Some("CBC.0000"));
        assert_eq!(
            sb.state().renew_config.get(name).map(String::as_str),
            Some(value)
        );
    }
    let sent = stats_of(&c, Api::SetRenewConfig).requests;
    assert_eq!(sent, 4);
    for (name, value) in [
        (RENEW_CONFIG_DEDUCTION_DATE, "1"),
        (RENEW_CONFIG_DEDUCTION_DATE, "8"),
        (RENEW_CONFIG_EXPIRE_DATE, "0"),
        (RENEW_CONFIG_EXPIRE_DATE, "29"),
        (RENEW_CONFIG_EXPIRE_DATE, "-2"),
        (RENEW_CONFIG_EXPIRE_DATE, "last"),
        ("RENEW_DATE", "3"),
    ] {
        let err = c
            .set_renew_config(&RenewResourceConfigReq {
                config_name: name.into(),
                config_value: value.into(),
            })
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ApiError::InvalidRequest {
                    api: Api::SetRenewConfig,
                    ..
                }
            ),
            "{name}={value}: {err:?}"
        );
    }
    assert_eq!(
        stats_of(&c, Api::SetRenewConfig).requests,
        sent,
        "nothing sent"
    );
    sb.stop().await;
}

// ---------------------------------------------------------------------------
// Orders, payment, balances

#[tokio::test]
async fn list_orders_one_page_and_all_pages_and_details() {
    let sb = Sandbox::start().await;
    let seed = sandbox::seed_state();
    let total = seed.orders.len() as i64;
    let c = sb.client();
    let page = c
        .list_orders(&ListCustomerOrdersQuery {
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap()
        .body;
    assert_eq!(page.total_count, Some(total));
    let first_two = page.order_infos.unwrap();
    assert_eq!(first_two.len(), 2);
    // Newest first by default.
    assert!(first_two[0].create_time >= first_two[1].create_time);

    let all = c
        .list_orders_all(&ListCustomerOrdersQuery {
            limit: Some(4),
            order_by: Some("createTime".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len() as i64, total);
    let mut got: Vec<String> = all.iter().map(|o| o.order_id.clone().unwrap()).collect();
    got.sort();
    got.dedup();
    assert_eq!(got.len() as i64, total, "no order twice");
    assert_eq!(
        stats_of(&c, Api::ListOrders).requests,
        1 + (total as u64).div_ceil(4)
    );

    // Filters travel as query parameters.
    let pending = c
        .list_orders(&ListCustomerOrdersQuery {
            status: Some(ORDER_STATUS_PENDING_PAYMENT),
            create_time_begin: Some("2026-01-01T00:00:00Z".into()),
            create_time_end: Some("2026-12-31T00:00:00Z".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .body;
    let pending = pending.order_infos.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].order_id.as_deref(), Some(PENDING_ORDER));

    // Details, paged over the order lines.
    let d = c
        .order_details(PENDING_ORDER, Some(1), Some(1))
        .await
        .unwrap()
        .body;
    assert_eq!(d.total_count, Some(2));
    let lines = d.order_line_items.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].order_id.as_deref(), Some(PENDING_ORDER));
    assert_eq!(lines[0].period_type, Some(PERIOD_TYPE_MONTH));
    assert_eq!(lines[0].period_num, Some(1));
    let info = d.order_info.unwrap();
    assert_eq!(info.status, Some(ORDER_STATUS_PENDING_PAYMENT));
    assert_eq!(
        info.pending_payment_end_time.as_deref(),
        Some("2026-11-29T09:30:00Z")
    );

    // A window over a year is refused by the service.
    let err = c
        .list_orders(&ListCustomerOrdersQuery {
            create_time_begin: Some("2025-01-01T00:00:00Z".into()),
            create_time_end: Some("2026-06-01T00:00:00Z".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    service(err, Api::ListOrders, 400, "CBC.0100");
    let err = c
        .order_details("CS0000000000NOPE", None, None)
        .await
        .unwrap_err();
    service(err, Api::OrderDetails, 400, "CBC.30000010");
    sb.stop().await;
}

async fn unpaid_renewal(c: &BssClient, id: &str) -> String {
    c.renew(&RenewalResourcesReq {
        resource_ids: ids(&[id]),
        period_type: PERIOD_TYPE_MONTH,
        period_num: 1,
        is_auto_pay: Some(0),
    })
    .await
    .unwrap()
    .body
    .order_ids
    .unwrap()
    .remove(0)
}

#[tokio::test]
async fn pay_with_a_coupon_and_with_a_discount() {
    let sb = Sandbox::start().await;
    let c = sb.client();

    // An ECS renewal: both seed coupons and the account discount are offered.
    let before = sb.state();
    let order_id = unpaid_renewal(&c, API01).await;
    let coupons = c.order_coupons(&order_id).await.unwrap().body;
    let offered: Vec<String> = coupons
        .user_coupons
        .unwrap()
        .into_iter()
        .map(|c| c.coupon_id.unwrap())
        .collect();
    assert!(offered.contains(&VOUCHER.to_string()), "{offered:?}");
    assert!(
        offered.contains(&DISCOUNT_COUPON.to_string()),
        "{offered:?}"
    );
    assert_eq!(coupons.count, Some(offered.len() as i64));
    let discounts = c
        .order_discounts(&order_id)
        .await
        .unwrap()
        .body
        .discounts
        .unwrap();
    assert_eq!(discounts.len(), 1);
    assert_eq!(discounts[0].discount_id.as_deref(), Some(DISCOUNT_605));
    assert_eq!(discounts[0].discount_type, Some(2), "605 is paid as type 2");

    let official = sb.state().order(&order_id).unwrap().official_amount;
    c.pay_order(&PayCustomerOrderV3Req {
        order_id: order_id.clone(),
        use_coupon: YES.into(),
        use_discount: NO.into(),
        coupon_infos: Some(vec![CouponSimpleInfoOrderPayV3 {
            id: VOUCHER.into(),
            r#type: 301,
        }]),
        discount_infos: None,
    })
    .await
    .unwrap();
    let after = sb.state();
    assert_eq!(cash(&after), cash(&before) - (official - dec("100.00")));
    assert_eq!(
        expire(&after, API01),
        plus_months(expire(&before, API01), 1)
    );
    let info = c
        .order_details(&order_id, None, None)
        .await
        .unwrap()
        .body
        .order_info
        .unwrap();
    assert_eq!(info.status, Some(ORDER_STATUS_COMPLETED));
    assert_eq!(info.amount_info.unwrap().coupon_amount, Some(100.0));
    // The voucher is used up: paying another order with it is refused.
    let second = unpaid_renewal(&c, WEB01).await;
    let err = c
        .pay_order(&PayCustomerOrderV3Req {
            order_id: second.clone(),
            use_coupon: YES.into(),
            use_discount: NO.into(),
            coupon_infos: Some(vec![CouponSimpleInfoOrderPayV3 {
                id: VOUCHER.into(),
                r#type: 301,
            }]),
            discount_infos: None,
        })
        .await
        .unwrap_err();
    service(err, Api::PayOrder, 400, "CBC.0100");
    // A discount coupon together with a discount is refused by the service.
    let err = c
        .pay_order(&PayCustomerOrderV3Req {
            order_id: second.clone(),
            use_coupon: YES.into(),
            use_discount: YES.into(),
            coupon_infos: Some(vec![CouponSimpleInfoOrderPayV3 {
                id: DISCOUNT_COUPON.into(),
                r#type: 300,
            }]),
            discount_infos: Some(vec![DiscountSimpleInfoV3 {
                id: DISCOUNT_605.into(),
                r#type: 2,
            }]),
        })
        .await
        .unwrap_err();
    service(err, Api::PayOrder, 400, "CBC.0100");

    // Paying with the account discount: 90 % of the list price.
    let before = sb.state();
    let official = before.order(&second).unwrap().official_amount;
    c.pay_order(&PayCustomerOrderV3Req {
        order_id: second.clone(),
        use_coupon: NO.into(),
        use_discount: YES.into(),
        coupon_infos: None,
        discount_infos: Some(vec![DiscountSimpleInfoV3 {
            id: DISCOUNT_605.into(),
            r#type: 2,
        }]),
    })
    .await
    .unwrap();
    let expected = ninety_percent(official);
    let after = sb.state();
    assert_eq!(cash(&after), cash(&before) - expected);
    let info = c
        .order_details(&second, None, None)
        .await
        .unwrap()
        .body
        .order_info
        .unwrap();
    assert_eq!(info.status, Some(ORDER_STATUS_COMPLETED));
    assert_eq!(
        Decimal::from_str(&info.amount_after_discount.unwrap().to_string()).unwrap(),
        expected
    );
    // A paid order cannot be paid again.
    let err = c
        .pay_order(&PayCustomerOrderV3Req {
            order_id: second,
            use_coupon: NO.into(),
            use_discount: NO.into(),
            coupon_infos: None,
            discount_infos: None,
        })
        .await
        .unwrap_err();
    service(err, Api::PayOrder, 400, "CBC.99003106");
    sb.stop().await;
}

#[tokio::test]
async fn cancel_order_and_the_errors_around_it() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    c.cancel_order(PENDING_ORDER).await.unwrap();
    let info = c
        .order_details(PENDING_ORDER, None, None)
        .await
        .unwrap()
        .body
        .order_info
        .unwrap();
    assert_eq!(info.status, Some(ORDER_STATUS_CANCELLED));
    let err = c.cancel_order(PENDING_ORDER).await.unwrap_err();
    service(err, Api::CancelOrder, 400, "CBC.99003106");
    let err = c.cancel_order("CS0000000000NOPE").await.unwrap_err();
    service(err, Api::CancelOrder, 400, "CBC.30000010");
    let err = c.order_coupons("CS0000000000NOPE").await.unwrap_err();
    service(err, Api::OrderCoupons, 400, "CBC.30000010");
    let err = c.order_discounts("CS0000000000NOPE").await.unwrap_err();
    service(err, Api::OrderDiscounts, 400, "CBC.30000010");
    // Refusals are final: none of these was retried.
    assert!(c.stats().values().all(|s| s.retries == 0));
    sb.stop().await;
}

#[tokio::test]
async fn balances_show_cash_and_credit() {
    let sb = Sandbox::start().await;
    let resp = sb.client().balances().await.unwrap();
    assert_request_id(resp.request_id.as_deref());
    let b = resp.body;
    assert_eq!(b.currency.as_deref(), Some("CNY"));
    assert_eq!(b.debt_amount, Some(dec("0.00")));
    let accounts = b.account_balances.unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0].account_type, Some(1));
    assert_eq!(accounts[0].amount, Some(dec("50000.00")));
    assert_eq!(accounts[1].account_type, Some(2));
    assert_eq!(accounts[1].credit_amount, Some(dec("20000.00")));
    sb.stop().await;
}

// ---------------------------------------------------------------------------
// Authentication and the account's domain id

#[tokio::test]
async fn domain_id_is_discovered_once_through_iam_and_then_sent() {
    let sb = Sandbox::start().await;
    let c = client(&sb.url(), aksk(None));
    c.balances().await.unwrap();
    c.query_resources(&QueryResourcesReq::default())
        .await
        .unwrap();
    assert_eq!(c.domain_id().await.unwrap(), DOMAIN);
    assert_eq!(stats_of(&c, Api::IamDomains).requests, 1, "looked up once");
    assert_eq!(stats_of(&c, Api::Balances).requests, 1);

    // The discovered id is what goes out as X-Domain-Id: an IAM that names
    // another account makes every BSS call a 403 from this sandbox.
    let other = Sandbox::start_with(
        |cfg| cfg.domain_id = "ffffffffffffffffffffffffffffffff".into(),
        None,
    )
    .await;
    let mut cfg = client_config(&sb.url());
    cfg.iam_endpoint = other.url();
    let c = BssClient::new(cfg, aksk(None)).unwrap();
    let err = c.balances().await.unwrap_err();
    service(err, Api::Balances, 403, "CBC.0151");
    assert_eq!(
        c.domain_id().await.unwrap(),
        "ffffffffffffffffffffffffffffffff"
    );
    // A configured id is sent as is, without asking IAM.
    let c = client(&sb.url(), aksk(Some("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee")));
    let err = c.balances().await.unwrap_err();
    service(err, Api::Balances, 403, "CBC.0151");
    assert_eq!(stats_of(&c, Api::IamDomains).requests, 0);

    // No IAM to ask: a configuration error that says what to set.
    let dead = dead_port_url().await;
    let mut cfg = client_config(&sb.url());
    cfg.iam_endpoint = dead;
    let c = BssClient::new(cfg, aksk(None)).unwrap();
    match c.balances().await.unwrap_err() {
        ApiError::Config(msg) => assert!(msg.contains("HUAWEICLOUD_SDK_DOMAIN_ID"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(stats_of(&c, Api::Balances).requests, 0);
    other.stop().await;
    sb.stop().await;
}

/// A loopback URL where nothing listens.
async fn dead_port_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

fn token_creds(token: &str, domain: Option<&str>) -> Credentials {
    Credentials {
        auth: Auth::Token(Secret::new(token)),
        domain_id: domain.map(str::to_string),
        iam_endpoint: None,
        source: "test".into(),
    }
}

#[tokio::test]
async fn x_auth_token_authenticates_reads_writes_and_discovery() {
    let token = "MIIT-test-user-token-0123456789";
    let sb = Sandbox::start_with(|cfg| cfg.auth_token = Some(Secret::new(token)), None).await;
    let c = client(&sb.url(), token_creds(token, None));
    c.balances().await.unwrap();
    assert_eq!(stats_of(&c, Api::IamDomains).requests, 1);
    c.enable_auto_renew(API01, &AutoRenewalResourcesReq::default())
        .await
        .unwrap();
    assert_eq!(
        sb.state().resource(API01).unwrap().expire_policy,
        EXPIRE_POLICY_AUTO_RENEW
    );
    let c = client(&sb.url(), token_creds("MIIT-expired", Some(DOMAIN)));
    let err = c.balances().await.unwrap_err();
    service(err, Api::Balances, 401, "APIGW.0307");
    assert_eq!(stats_of(&c, Api::Balances).retries, 0);
    sb.stop().await;
}

fn sts_creds(token: Option<&str>) -> Credentials {
    Credentials {
        auth: Auth::AkSk {
            ak: AK.into(),
            sk: Secret::new(SK),
            security_token: token.map(Secret::new),
        },
        domain_id: Some(DOMAIN.into()),
        iam_endpoint: None,
        source: "test".into(),
    }
}

#[tokio::test]
async fn temporary_credentials_send_their_security_token() {
    let sts = "sts-security-token-abcdef0123456789";
    let sb = Sandbox::start_with(|cfg| cfg.security_token = Some(Secret::new(sts)), None).await;
    let c = client(&sb.url(), sts_creds(Some(sts)));
    c.balances().await.unwrap();
    c.renew(&RenewalResourcesReq {
        resource_ids: ids(&[WEB01]),
        period_type: PERIOD_TYPE_MONTH,
        period_num: 1,
        is_auto_pay: Some(1),
    })
    .await
    .unwrap();
    for wrong in [None, Some("sts-some-other-token")] {
        let c = client(&sb.url(), sts_creds(wrong));
        let err = c.balances().await.unwrap_err();
        service(err, Api::Balances, 401, "APIGW.0301");
    }
    sb.stop().await;
}

#[tokio::test]
async fn a_wrong_secret_key_is_a_401_and_leaks_nothing() {
    let sb = Sandbox::start().await;
    let mut creds = aksk(Some(DOMAIN));
    creds.auth = Auth::AkSk {
        ak: AK.into(),
        sk: Secret::new("WRONG-secret-key-must-not-show"),
        security_token: None,
    };
    let c = client(&sb.url(), creds);
    let err = c.balances().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    let msg = service(err, Api::Balances, 401, "APIGW.0301");
    assert!(
        msg.contains("Incorrect IAM authentication information"),
        "{msg}"
    );
    assert!(
        !shown.contains("WRONG-secret") && !shown.contains(SK),
        "{shown}"
    );
    let s = stats_of(&c, Api::Balances);
    assert_eq!((s.requests, s.retries), (1, 0));
    sb.stop().await;
}

// ---------------------------------------------------------------------------
// Limits: refused before anything is sent

#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, ApiError>, want: Api, what: &str) {
    match r {
        Err(ApiError::InvalidRequest { api, message }) => {
            assert_eq!(api, want, "{what}: {message}");
            assert!(!message.is_empty());
        }
        other => panic!("{what}: expected InvalidRequest, got {other:?}"),
    }
}

fn many(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("id-{i:03}")).collect()
}

#[tokio::test]
async fn documented_limits_are_refused_before_sending() {
    let sb = Sandbox::start().await;
    // No domain id: not even the IAM lookup may happen for a refused call.
    let c = client(&sb.url(), aksk(None));
    let renew = |ids: Vec<String>, pt: i32, pn: i32| RenewalResourcesReq {
        resource_ids: ids,
        period_type: pt,
        period_num: pn,
        is_auto_pay: Some(1),
    };
    let rate = |ids: Vec<String>, pt: i32, pn: i32| RenewRateReq {
        resource_ids: ids,
        period_type: pt,
        period_num: pn,
        include_relative_resources: None,
    };

    // Resource query.
    let q = |f: fn(&mut QueryResourcesReq)| {
        let mut r = QueryResourcesReq::default();
        f(&mut r);
        r
    };
    refused(
        c.query_resources(&q(|r| r.resource_ids = Some(many(51))))
            .await,
        Api::QueryResources,
        "51 ids",
    );
    refused(
        c.query_resources(&q(|r| r.resource_ids = Some(Vec::new())))
            .await,
        Api::QueryResources,
        "empty ids",
    );
    refused(
        c.query_resources(&q(|r| r.resource_ids = Some(vec![" ".into()])))
            .await,
        Api::QueryResources,
        "blank id",
    );
    refused(
        c.query_resources(&q(|r| r.service_type_code = Some(String::new())))
            .await,
        Api::QueryResources,
        "empty service type",
    );
    refused(
        c.query_resources(&q(|r| r.limit = Some(0))).await,
        Api::QueryResources,
        "limit 0",
    );
    refused(
        c.query_resources_all(&q(|r| r.limit = Some(0))).await,
        Api::QueryResources,
        "all pages, limit 0",
    );

    // Renew and renew-rate: ids 1..=10, months 1..=11, years 1..=3.
    for (ids, pt, pn, what) in [
        (many(11), PERIOD_TYPE_MONTH, 1, "11 ids"),
        (Vec::new(), PERIOD_TYPE_MONTH, 1, "no ids"),
        (many(1), PERIOD_TYPE_MONTH, 0, "0 months"),
        (many(1), PERIOD_TYPE_MONTH, 12, "12 months"),
        (many(1), PERIOD_TYPE_YEAR, 0, "0 years"),
        (many(1), PERIOD_TYPE_YEAR, 4, "4 years"),
        (many(1), 1, 1, "period type 1 (week)"),
        (many(1), 4, 1, "period type 4"),
    ] {
        refused(c.renew(&renew(ids.clone(), pt, pn)).await, Api::Renew, what);
        refused(c.renew_rate(&rate(ids, pt, pn)).await, Api::RenewRate, what);
    }
    let mut bad_pay = renew(many(1), PERIOD_TYPE_MONTH, 1);
    bad_pay.is_auto_pay = Some(2);
    refused(c.renew(&bad_pay).await, Api::Renew, "is_auto_pay 2");

    // Auto-renew.
    for times in [-1, 100] {
        refused(
            c.enable_auto_renew(
                WEB01,
                &AutoRenewalResourcesReq {
                    auto_renew_times: Some(times),
                    period_type: None,
                },
            )
            .await,
            Api::EnableAutoRenew,
            "auto_renew_times",
        );
    }
    refused(
        c.enable_auto_renew(
            WEB01,
            &AutoRenewalResourcesReq {
                auto_renew_times: None,
                period_type: Some("WEEK".into()),
            },
        )
        .await,
        Api::EnableAutoRenew,
        "period WEEK",
    );
    refused(
        c.enable_auto_renew("", &AutoRenewalResourcesReq::default())
            .await,
        Api::EnableAutoRenew,
        "empty path id",
    );
    refused(
        c.cancel_auto_renew(" ").await,
        Api::CancelAutoRenew,
        "blank path id",
    );

    // To-on-demand: 1..=100 ids, SET_UP/CANCEL.
    for (op, ids, what) in [
        ("SET_UP", many(101), "101 ids"),
        ("CANCEL", Vec::new(), "no ids"),
        ("set_up", many(1), "lower-case operation"),
        ("DELETE", many(1), "unknown operation"),
    ] {
        refused(
            c.to_on_demand(&PeriodToOnDemandReq {
                operation: op.into(),
                resource_ids: ids,
            })
            .await,
            Api::ToOnDemand,
            what,
        );
    }

    // Unsubscribe: 1..=10 ids, type 1/2, reason type 1..=5.
    for (ids, t, reason, what) in [
        (many(11), 1, None, "11 ids"),
        (Vec::new(), 1, None, "no ids"),
        (many(1), 0, None, "type 0"),
        (many(1), 3, None, "type 3"),
        (many(1), 1, Some(0), "reason 0"),
        (many(1), 1, Some(6), "reason 6"),
    ] {
        refused(
            c.unsubscribe(&UnsubscribeResourcesReq {
                resource_ids: ids,
                unsubscribe_type: t,
                unsubscribe_reason_type: reason,
                unsubscribe_reason: None,
            })
            .await,
            Api::Unsubscribe,
            what,
        );
    }

    // Paying: YES/NO, 1..=3 coupons with YES, exactly one discount with YES,
    // nothing with NO.
    let coupon = |i: usize| CouponSimpleInfoOrderPayV3 {
        id: format!("CP{i}"),
        r#type: 301,
    };
    let discount = |i: usize| DiscountSimpleInfoV3 {
        id: format!("D{i}"),
        r#type: 2,
    };
    let pay = |uc: &str, ud: &str, cs: Option<usize>, ds: Option<usize>| PayCustomerOrderV3Req {
        order_id: PENDING_ORDER.into(),
        use_coupon: uc.into(),
        use_discount: ud.into(),
        coupon_infos: cs.map(|n| (0..n).map(coupon).collect()),
        discount_infos: ds.map(|n| (0..n).map(discount).collect()),
    };
    for (req, what) in [
        (pay("yes", NO, None, None), "lower-case yes"),
        (pay(NO, "Y", None, None), "Y"),
        (pay(YES, NO, None, None), "coupon YES without coupons"),
        (pay(YES, NO, Some(0), None), "coupon YES with an empty list"),
        (pay(YES, NO, Some(4), None), "4 coupons"),
        (pay(NO, NO, Some(1), None), "coupons with NO"),
        (pay(NO, YES, None, None), "discount YES without a discount"),
        (pay(NO, YES, None, Some(2)), "2 discounts"),
        (pay(NO, NO, None, Some(1)), "a discount with NO"),
    ] {
        refused(c.pay_order(&req).await, Api::PayOrder, what);
    }
    refused(
        c.order_details("", None, None).await,
        Api::OrderDetails,
        "empty order id",
    );

    assert_eq!(c.total_requests(), 0, "{:?}", c.stats());
    assert!(c.stats().is_empty(), "{:?}", c.stats());

    // The same calls at the limit are sent.
    c.query_resources(&q(|r| r.resource_ids = Some(many(50))))
        .await
        .unwrap();
    c.renew_rate(&rate(many(10), PERIOD_TYPE_YEAR, 3))
        .await
        .unwrap();
    c.renew_rate(&rate(many(10), PERIOD_TYPE_MONTH, 11))
        .await
        .unwrap();
    let r = c
        .to_on_demand(&PeriodToOnDemandReq {
            operation: "CANCEL".into(),
            resource_ids: many(100),
        })
        .await
        .unwrap();
    assert_eq!(
        r.body.error_details.unwrap().len(),
        100,
        "unknown ids fail one by one"
    );
    assert_eq!(stats_of(&c, Api::IamDomains).requests, 1);
    assert_eq!(c.total_requests(), 5);
    sb.stop().await;
}

#[tokio::test]
async fn server_side_validation_errors_decode_with_status_code_message_and_request_id() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    // Checks the client leaves to the service.
    let err = c
        .query_resources(&QueryResourcesReq {
            status_list: Some(vec![9]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let msg = service(err, Api::QueryResources, 400, "CBC.0100");
    assert!(msg.contains("status_list"), "{msg}");
    let err = c
        .query_resources(&QueryResourcesReq {
            expire_time_begin: Some("2026-11-24".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let msg = service(err, Api::QueryResources, 400, "CBC.0100");
    assert!(msg.contains("expire_time_begin"), "{msg}");
    let err = c
        .list_orders(&ListCustomerOrdersQuery {
            order_by: Some("amount".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    service(err, Api::ListOrders, 400, "CBC.0100");
    // A pay coupon type the client does not check: the service refuses it.
    let err = c
        .pay_order(&PayCustomerOrderV3Req {
            order_id: PENDING_ORDER.into(),
            use_coupon: YES.into(),
            use_discount: NO.into(),
            coupon_infos: Some(vec![CouponSimpleInfoOrderPayV3 {
                id: VOUCHER.into(),
                r#type: 299,
            }]),
            discount_infos: None,
        })
        .await
        .unwrap_err();
    service(err, Api::PayOrder, 400, "CBC.0100");
    // The seed's pending order locks its resources.
    let locked = sb.state().order(PENDING_ORDER).unwrap().lines[0]
        .resource_id
        .clone();
    let err = c
        .enable_auto_renew(&locked, &AutoRenewalResourcesReq::default())
        .await
        .unwrap_err();
    service(err, Api::EnableAutoRenew, 400, "CBC.30050010");
    assert!(c.stats().values().all(|s| s.retries == 0));
    sb.stop().await;
}

#[tokio::test]
async fn the_sandbox_config_helper_matches_the_seed_account() {
    // Guards the constants above against a seed change.
    let seed = sandbox::seed_state();
    assert_eq!(seed.domain_id, DOMAIN);
    assert_eq!(seed.domain_name, DOMAIN_NAME);
    assert!(seed.order(PENDING_ORDER).is_some());
    for id in [
        WEB01,
        WEB01_DISK,
        API01,
        STAGING_DB01,
        PROD_DB_02,
        OBS_NO_ON_DEMAND,
        OBS_NOT_RENEWABLE,
        DEV_BOX_02,
    ] {
        assert!(seed.resource(id).is_some(), "{id}");
    }
    let cfg: SandboxConfig = sandbox_config(std::path::Path::new("x.json"));
    assert_eq!(cfg.port, 0);
}
