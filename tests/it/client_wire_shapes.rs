//! Answers the sandbox never gives but the real API (or a gateway in front of
//! it) can: empty 200 bodies, a 200 carrying an error code, an HTML 502,
//! an unreadable 200, nulls and unknown fields, an IAM policy denial. A
//! scripted HTTP server on 127.0.0.1 replies with canned responses and
//! counts what it received.

use crate::common::*;
use bssctl::bss::model::*;
use bssctl::bss::{Api, ApiError, BssClient};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A canned answer (always with `X-Request-Id: req-STATUS`).
#[derive(Clone)]
struct Canned {
    status: u16,
    body: &'static str,
    content_type: &'static str,
}

fn json(status: u16, body: &'static str) -> Canned {
    Canned {
        status,
        body,
        content_type: "application/json",
    }
}

/// Serves `answer(method, path)` to every request, one per connection,
/// until the test ends; returns the URL and the request counter.
async fn scripted(answer: fn(&str, &str) -> Canned) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Headers, then the body by Content-Length.
                let head_end = loop {
                    let Ok(n) = stream.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                while buf.len() < head_end + length {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let mut parts = head.split_whitespace();
                let method = parts.next().unwrap_or("").to_string();
                let target = parts.next().unwrap_or("");
                let path = target.split('?').next().unwrap_or("").to_string();
                seen.fetch_add(1, Ordering::SeqCst);
                let c = answer(&method, &path);
                let reply = format!(
                    "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nX-Request-Id: req-{}\r\nConnection: close\r\n\r\n{}",
                    c.status,
                    c.content_type,
                    c.body.len(),
                    c.status,
                    c.body
                );
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, count)
}

fn client_for(url: &str, attempts: u32) -> BssClient {
    let mut cfg = client_config(url);
    cfg.retry = fast_retry(attempts);
    BssClient::new(cfg, aksk(Some(DOMAIN))).unwrap()
}

#[tokio::test]
async fn empty_200_bodies_decode_as_empty_responses() {
    let (url, count) = scripted(|_, _| json(200, "")).await;
    let c = client_for(&url, 1);
    c.enable_auto_renew(WEB01, &AutoRenewalResourcesReq::default())
        .await
        .unwrap();
    c.cancel_auto_renew(WEB01).await.unwrap();
    c.cancel_order(PENDING_ORDER).await.unwrap();
    let paid = c
        .pay_order(&PayCustomerOrderV3Req {
            order_id: PENDING_ORDER.into(),
            use_coupon: NO.into(),
            use_discount: NO.into(),
            coupon_infos: None,
            discount_infos: None,
        })
        .await
        .unwrap();
    assert_eq!(paid.request_id.as_deref(), Some("req-200"));
    // Everything optional: an empty body is an empty page, not an error.
    let q = c
        .query_resources(&QueryResourcesReq::default())
        .await
        .unwrap();
    assert_eq!(q.body, QueryResourcesResp::default());
    assert_eq!(count.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn nulls_and_unknown_fields_are_accepted() {
    let (url, _) = scripted(|_, path| {
        if path.ends_with("/query") {
            json(
                200,
                r#"{"total_count":1,"data":[{"resource_id":"r-1","expire_time":null,"is_main_resource":1,"spec_size":40.5,"new_field":{"x":[1,2]}}],"extra":true}"#,
            )
        } else {
            json(
                200,
                r#"{"currency":null,"renew_inquiry_results":null,"official_website_rating_result":{"official_website_amount":"10.00","installment_period_type":null},"optional_discount_rating_results":[],"fail_resource_infos":null}"#,
            )
        }
    })
    .await;
    let c = client_for(&url, 1);
    let q = c
        .query_resources(&QueryResourcesReq::default())
        .await
        .unwrap()
        .body;
    let row = &q.data.unwrap()[0];
    assert_eq!(row.resource_id.as_deref(), Some("r-1"));
    assert_eq!(row.expire_time, None);
    assert_eq!(row.spec_size, Some(rust_decimal::Decimal::new(405, 1)));
    let r = c
        .renew_rate(&RenewRateReq {
            resource_ids: vec![WEB01.into()],
            period_type: PERIOD_TYPE_MONTH,
            period_num: 1,
            include_relative_resources: None,
        })
        .await
        .unwrap()
        .body;
    assert_eq!(
        r.official_website_rating_result
            .unwrap()
            .official_website_amount
            .as_deref(),
        Some("10.00")
    );
}

#[tokio::test]
async fn a_200_carrying_an_error_code_is_a_service_error_for_renew_config() {
    let (url, count) = scripted(|_, _| {
        json(
            200,
            r#"{"error_code":"CBC.3002","error_msg":"The resource is locked."}"#,
        )
    })
    .await;
    let c = client_for(&url, 3);
    let err = c
        .set_renew_config(&RenewResourceConfigReq {
            config_name: RENEW_CONFIG_DEDUCTION_DATE.into(),
            config_value: "3".into(),
        })
        .await
        .unwrap_err();
    match err {
        ApiError::Service {
            api: Api::SetRenewConfig,
            status: 200,
            error_code,
            error_msg,
            request_id,
            ..
        } => {
            assert_eq!(error_code, "CBC.3002");
            assert_eq!(error_msg, "The resource is locked.");
            assert_eq!(request_id.as_deref(), Some("req-200"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count.load(Ordering::SeqCst), 1, "not retried");
}

#[tokio::test]
async fn a_gateway_html_502_is_retried_then_decoded_with_the_status_as_code() {
    let (url, count) = scripted(|_, _| Canned {
        status: 502,
        body: "<html><body>502 Bad Gateway</body></html>",
        content_type: "text/html",
    })
    .await;
    let c = client_for(&url, 3);
    let err = c.balances().await.unwrap_err();
    match &err {
        ApiError::Service {
            status: 502,
            error_code,
            error_msg,
            request_id,
            ..
        } => {
            assert_eq!(error_code, "502");
            assert!(error_msg.contains("Bad Gateway"), "{error_msg}");
            assert_eq!(request_id.as_deref(), Some("req-502"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let s = c.stats()[&Api::Balances].clone();
    assert_eq!((s.requests, s.retries, s.server_errors), (3, 2, 3));
}

#[tokio::test]
async fn an_unreadable_200_fails_a_read_and_makes_a_purchase_ambiguous() {
    let (url, count) = scripted(|_, _| json(200, "{\"order_ids\": [")).await;
    let c = client_for(&url, 3);
    let err = c
        .query_resources(&QueryResourcesReq::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Decode {
                api: Api::QueryResources,
                status: 200,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 1, "a 200 is not resent");
    let err = c
        .renew(&RenewalResourcesReq {
            resource_ids: vec![WEB01.into()],
            period_type: PERIOD_TYPE_MONTH,
            period_num: 1,
            is_auto_pay: Some(1),
        })
        .await
        .unwrap_err();
    match &err {
        ApiError::Ambiguous {
            api: Api::Renew,
            request_id,
            ..
        } => assert_eq!(request_id.as_deref(), Some("req-200")),
        other => panic!("{other:?}"),
    }
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_iam_policy_denial_keeps_its_encoded_message() {
    let (url, _) = scripted(|_, _| {
        json(
            403,
            r#"{"error_code":"CBC.0151","error_msg":"Access denied.","encoded_authorization_message":"ENC-abc123"}"#,
        )
    })
    .await;
    let err = client_for(&url, 3).balances().await.unwrap_err();
    match err {
        ApiError::Service {
            status: 403,
            error_code,
            encoded_authorization_message,
            ..
        } => {
            assert_eq!(error_code, "CBC.0151");
            assert_eq!(encoded_authorization_message.as_deref(), Some("ENC-abc123"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_throttle_without_the_gateway_code_on_a_purchase_is_ambiguous() {
    // A 429 that is not the gateway's APIG.0308 does not prove the purchase
    // was refused: not resent.
    let (url, count) =
        scripted(|_, _| json(429, r#"{"error_code":"CBC.0429","error_msg":"busy"}"#)).await;
    let c = client_for(&url, 4);
    let err = c
        .renew(&RenewalResourcesReq {
            resource_ids: vec![WEB01.into()],
            period_type: PERIOD_TYPE_MONTH,
            period_num: 1,
            is_auto_pay: Some(1),
        })
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // The gateway's own code proves it: resent until the attempts run out.
    let (url, count) =
        scripted(|_, _| json(429, r#"{"error_code":"APIG.0308","error_msg":"throttled"}"#)).await;
    let c = client_for(&url, 4);
    let err = c
        .renew(&RenewalResourcesReq {
            resource_ids: vec![WEB01.into()],
            period_type: PERIOD_TYPE_MONTH,
            period_num: 1,
            is_auto_pay: Some(1),
        })
        .await
        .unwrap_err();
    assert!(err.is_throttled() && !err.is_ambiguous(), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 4);
}
