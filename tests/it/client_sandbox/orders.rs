//! Orders, payment, balances.

use super::*;

#[tokio::test]
async fn list_orders_one_page_and_all_pages_and_details() {
    let sb = Sandbox::start().await;
    let seed = sandbox::seed_state();
    // Sub-account orders are listed with method=sub_customer only.
    let total = seed.orders.iter().filter(|o| !o.sub_customer).count() as i64;
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
    let seed_pending = seed
        .orders
        .iter()
        .filter(|o| o.status == 6 && !o.sub_customer)
        .count();
    assert_eq!(pending.len(), seed_pending);
    assert_eq!(
        pending[0].order_id.as_deref(),
        Some(PENDING_ORDER),
        "newest first"
    );

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
    service(err, Api::PayOrder, 400, "CBC.99003108");
    // The discount coupon's use_limits exclude a commercial discount.
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
    service(err, Api::PayOrder, 400, "CBC.99003112");

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
