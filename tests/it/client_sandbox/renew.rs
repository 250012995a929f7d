//! Renew.

use super::*;

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
