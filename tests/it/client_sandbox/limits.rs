//! Limits: refused before anything is sent.

use super::*;

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
