//! The typed client under injected faults: throttling and 5xx on reads are
//! retried to success; a purchase whose outcome is unknown (5xx, or the
//! connection cut after the sandbox applied it) is reported as ambiguous
//! after exactly one request; a refused connection is retried; a client at
//! the gateway's rate gets no 429.
//!
//! Assertions are on counts (client stats, the sandbox's request log and
//! state file), never on durations.

use crate::common::*;
use bssctl::bss::client::ApiStats;
use bssctl::bss::model::*;
use bssctl::bss::{Api, ApiError, BssClient};
use bssctl::sandbox::FaultConfig;
use chrono::Months;
use serde_json::Value;
use std::path::Path;

fn stats_of(c: &BssClient, api: Api) -> ApiStats {
    c.stats().get(&api).cloned().unwrap_or_default()
}

fn total(c: &BssClient, f: impl Fn(&ApiStats) -> u64) -> u64 {
    c.stats().values().map(f).sum()
}

/// The sandbox's request log: (api, status, fault) per request received.
fn request_log(path: &Path) -> Vec<(String, u16, Option<String>)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("log line is JSON");
            (
                v["api"].as_str().unwrap_or("").to_string(),
                v["status"].as_u64().unwrap() as u16,
                v["fault"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn renew_web01() -> RenewalResourcesReq {
    RenewalResourcesReq {
        resource_ids: vec![WEB01.to_string()],
        period_type: PERIOD_TYPE_MONTH,
        period_num: 1,
        is_auto_pay: Some(1),
    }
}

#[tokio::test]
async fn throttled_reads_are_retried_until_they_all_complete() {
    let sb = Sandbox::start_with(
        |cfg| {
            cfg.faults = FaultConfig {
                throttle_every: Some(5),
                ..Default::default()
            }
        },
        None,
    )
    .await;
    let mut cfg = client_config(&sb.url());
    cfg.retry = fast_retry(4);
    let c = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();

    for i in 0..30 {
        let page = c
            .query_resources(&QueryResourcesReq {
                offset: Some(i),
                limit: Some(3),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("query {i}: {e}"));
        assert_eq!(page.body.data.unwrap().len(), 3);
    }
    for n in 1..=10 {
        c.renew_rate(&RenewRateReq {
            resource_ids: vec![WEB01.to_string(), API01.to_string()],
            period_type: PERIOD_TYPE_MONTH,
            period_num: n,
            include_relative_resources: Some(true),
        })
        .await
        .unwrap_or_else(|e| panic!("rate {n}: {e}"));
    }
    // Concurrent pages under throttling: all rows, each once.
    let mut cfg = client_config(&sb.url());
    cfg.page_size = 5;
    cfg.retry = fast_retry(6);
    let pager = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    let rows = pager
        .query_resources_all(&QueryResourcesReq::default())
        .await
        .unwrap();
    assert_eq!(rows.len(), bssctl::sandbox::seed_state().resources.len());

    for (api, successes) in [(Api::QueryResources, 30u64), (Api::RenewRate, 10)] {
        let s = stats_of(&c, api);
        assert!(s.throttled > 0, "{api}: {s:?}");
        assert_eq!(s.retries, s.throttled, "{api}: every 429 retried once");
        assert_eq!(s.requests, successes + s.retries, "{api}: {s:?}");
        assert_eq!((s.server_errors, s.transport_errors), (0, 0));
    }
    let s = stats_of(&pager, Api::QueryResources);
    assert_eq!(s.requests, 10 + s.retries, "{s:?}");
    assert_eq!(s.retries, s.throttled);
    // Every 5th request the sandbox received was throttled: 20 %.
    let sent = total(&c, |s| s.requests) + total(&pager, |s| s.requests);
    let throttled = total(&c, |s| s.throttled) + total(&pager, |s| s.throttled);
    assert_eq!(throttled, sent / 5, "sent {sent}");
    sb.stop().await;
}

#[tokio::test]
async fn injected_5xx_on_reads_are_retried_and_succeed() {
    let sb = Sandbox::start_with(
        |cfg| {
            cfg.faults = FaultConfig {
                error_every: Some(3),
                ..Default::default()
            }
        },
        None,
    )
    .await;
    let c = sb.client();
    for _ in 0..12 {
        c.balances().await.unwrap();
    }
    for _ in 0..6 {
        c.list_orders(&ListCustomerOrdersQuery::default())
            .await
            .unwrap();
        c.order_details(PENDING_ORDER, None, None).await.unwrap();
    }
    for (api, successes) in [
        (Api::Balances, 12),
        (Api::ListOrders, 6),
        (Api::OrderDetails, 6),
    ] {
        let s = stats_of(&c, api);
        assert_eq!(s.retries, s.server_errors, "{api}: {s:?}");
        assert_eq!(s.requests, successes + s.retries, "{api}: {s:?}");
    }
    let sent = c.total_requests();
    assert_eq!(total(&c, |s| s.server_errors), sent / 3);
    assert!(sent / 3 > 0);

    // With a single attempt the 500 surfaces as a service error.
    let mut cfg = client_config(&sb.url());
    cfg.retry = fast_retry(1);
    let one = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    let mut errors = Vec::new();
    for _ in 0..3 {
        if let Err(e) = one.balances().await {
            errors.push(e);
        }
    }
    assert_eq!(errors.len(), 1, "one in three fails: {errors:?}");
    match &errors[0] {
        ApiError::Service {
            status: 500,
            error_code,
            request_id,
            ..
        } => {
            assert_eq!(error_code, "CBC.0999");
            assert!(request_id.is_some());
        }
        other => panic!("{other:?}"),
    }
    sb.stop().await;
}

#[tokio::test]
async fn a_5xx_on_renew_is_ambiguous_after_exactly_one_request() {
    let sb = Sandbox::start_with(
        |cfg| {
            cfg.request_log = Some(cfg.state_path.with_file_name("requests.jsonl"));
            cfg.faults = FaultConfig {
                error_every: Some(1),
                apis: Some(vec![Api::Renew]),
                ..Default::default()
            }
        },
        None,
    )
    .await;
    let before = sb.state();
    let c = sb.client();
    let err = c.renew(&renew_web01()).await.unwrap_err();
    match &err {
        ApiError::Ambiguous {
            api,
            cause,
            request_id,
        } => {
            assert_eq!(*api, Api::Renew);
            assert!(cause.contains("CBC.0999"), "{cause}");
            assert!(request_id.is_some());
        }
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    assert!(err.is_ambiguous());
    let s = stats_of(&c, Api::Renew);
    assert_eq!(
        (s.requests, s.retries, s.server_errors),
        (1, 0, 1),
        "a purchase is never resent after a 5xx"
    );
    let log = request_log(&sb.dir.path().join("requests.jsonl"));
    let renews: Vec<_> = log
        .iter()
        .filter(|(a, _, _)| a == "RenewalResources")
        .collect();
    assert_eq!(renews.len(), 1, "{log:?}");
    assert_eq!(renews[0].1, 500);
    // The sandbox did not apply it (the client could not know that).
    assert_eq!(sb.state(), before);

    // Reads on the same sandbox are not faulted (faults target Renew only).
    c.balances().await.unwrap();
    assert_eq!(stats_of(&c, Api::Balances).retries, 0);
    sb.stop().await;
}

#[tokio::test]
async fn a_renewal_cut_off_after_it_was_applied_is_ambiguous_and_not_resent() {
    let sb = Sandbox::start_with(
        |cfg| {
            cfg.request_log = Some(cfg.state_path.with_file_name("requests.jsonl"));
            cfg.faults = FaultConfig {
                drop_every: Some(1),
                apis: Some(vec![Api::Renew]),
                ..Default::default()
            }
        },
        None,
    )
    .await;
    let before = sb.state();
    let c = sb.client();
    let err = c.renew(&renew_web01()).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Ambiguous {
                api: Api::Renew,
                ..
            }
        ),
        "{err:?}"
    );
    let s = stats_of(&c, Api::Renew);
    assert_eq!(
        (s.requests, s.retries, s.transport_errors),
        (1, 0, 1),
        "{s:?}"
    );
    let log = request_log(&sb.dir.path().join("requests.jsonl"));
    let renews: Vec<_> = log
        .iter()
        .filter(|(a, _, _)| a == "RenewalResources")
        .collect();
    assert_eq!(
        renews.len(),
        1,
        "exactly one request reached the sandbox: {log:?}"
    );
    assert_eq!(renews[0].2.as_deref(), Some("drop"));

    // The renewal was applied: one more completed renewal order, expiry +1 month.
    let after = sb.state();
    let web = |s: &bssctl::sandbox::state::State| s.resource(WEB01).unwrap().expire_time;
    assert_eq!(
        web(&after),
        web(&before).checked_add_months(Months::new(1)).unwrap()
    );
    assert_eq!(after.orders.len(), before.orders.len() + 1);
    let order = after.orders.last().unwrap();
    assert_eq!(
        (order.order_type, order.status),
        (ORDER_TYPE_RENEWAL, ORDER_STATUS_COMPLETED)
    );
    // ...and a query through the client (not faulted) shows it.
    let row = c
        .query_resources_by_ids(&[WEB01.to_string()], true)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        row.expire_time.as_deref(),
        Some(bssctl::clock::format_api_time(web(&after)).as_str())
    );
    sb.stop().await;
}

#[tokio::test]
async fn a_timed_out_purchase_is_ambiguous_and_a_timed_out_read_is_retried() {
    // The sandbox applies, then waits 2 s before answering; the client
    // gives up after 200 ms.
    let sb = Sandbox::start_with(
        |cfg| {
            cfg.request_log = Some(cfg.state_path.with_file_name("requests.jsonl"));
            cfg.faults = FaultConfig {
                latency: std::time::Duration::from_secs(2),
                ..Default::default()
            }
        },
        None,
    )
    .await;
    let before = sb.state();
    let mut cfg = client_config(&sb.url());
    cfg.timeout = std::time::Duration::from_millis(200);
    cfg.retry = fast_retry(2);
    let c = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();

    let err = c.renew(&renew_web01()).await.unwrap_err();
    match &err {
        ApiError::Ambiguous { api, cause, .. } => {
            assert_eq!(*api, Api::Renew);
            assert!(cause.contains("timed out"), "{cause}");
        }
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    let s = stats_of(&c, Api::Renew);
    assert_eq!((s.requests, s.retries, s.transport_errors), (1, 0, 1));
    // It was applied all the same.
    let web = |s: &bssctl::sandbox::state::State| s.resource(WEB01).unwrap().expire_time;
    assert_eq!(
        web(&sb.state()),
        web(&before).checked_add_months(Months::new(1)).unwrap()
    );

    let err = c.balances().await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Transport {
                api: Api::Balances,
                sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    let s = stats_of(&c, Api::Balances);
    assert_eq!((s.requests, s.retries, s.transport_errors), (2, 1, 2));
    sb.stop().await;
}

/// A loopback address where nothing listens.
async fn dead_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

#[tokio::test]
async fn a_refused_connection_is_not_sent_and_is_retried_even_for_purchases() {
    let url = dead_url().await;
    let mut cfg = client_config(&url);
    cfg.retry = fast_retry(3);
    let c = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();

    let err = c
        .query_resources(&QueryResourcesReq::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Transport {
                api: Api::QueryResources,
                sent: false,
                ..
            }
        ),
        "{err:?}"
    );
    let s = stats_of(&c, Api::QueryResources);
    assert_eq!((s.requests, s.retries, s.transport_errors), (3, 2, 3));

    // Nothing was sent, so resending a purchase is safe: retried, and the
    // final error is a transport error, not an ambiguous one.
    let err = c.renew(&renew_web01()).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Transport {
                api: Api::Renew,
                sent: false,
                ..
            }
        ),
        "{err:?}"
    );
    let s = stats_of(&c, Api::Renew);
    assert_eq!((s.requests, s.retries, s.transport_errors), (3, 2, 3));
    // The message names neither the URL's secret parts nor anything else:
    // it says it could not connect.
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

#[tokio::test]
async fn a_client_at_the_gateways_rate_is_never_throttled() {
    let sb = Sandbox::start_with(|cfg| cfg.rate_limit_per_api = Some(10), None).await;
    let mut cfg = client_config(&sb.url());
    cfg.rate_per_api = 10;
    cfg.retry = fast_retry(1); // a 429 would be an error
    let c = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    for i in 0..25 {
        c.query_resources(&QueryResourcesReq {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("query {i}: {e}"));
    }
    let s = stats_of(&c, Api::QueryResources);
    assert_eq!((s.requests, s.throttled, s.retries), (25, 0, 0));

    // Control: the same sandbox does throttle a client that does not pace
    // itself (60 requests at once against a bucket of 10).
    let mut cfg = client_config(&sb.url());
    cfg.retry = fast_retry(1);
    cfg.max_in_flight = 16;
    let fast = BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap();
    let results = futures::future::join_all((0..60).map(|_| fast.balances())).await;
    let throttled: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter(|e| e.is_throttled())
        .collect();
    assert!(!throttled.is_empty());
    assert_eq!(
        stats_of(&fast, Api::Balances).throttled,
        throttled.len() as u64
    );
    sb.stop().await;
}
