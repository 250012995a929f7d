//! Renew, balance, pending orders.

use super::*;

#[tokio::test]
async fn renew_with_auto_pay_debits_and_extends_main_and_attached() {
    let sb = Sb::start().await;
    let closed = seed_id("dev-box-01");
    let not_renewable = seed_id("data-obs-pkg-02");
    let r = sb
        .post(RENEW, json!({"resource_ids": [WEB01, WEB01_DISK, "no-such-id", closed, not_renewable], "period_type": 2, "period_num": 1, "is_auto_pay": 1}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let order_ids = r.body["order_ids"].as_array().unwrap();
    assert_eq!(order_ids.len(), 1);
    let order_id = order_ids[0].as_str().unwrap();
    assert_eq!(
        fail_infos(&r.body),
        vec![
            (WEB01_DISK.to_string(), "CBC.30010036".to_string()),
            ("no-such-id".to_string(), "CBC.30050009".to_string()),
            (closed, "CBC.30050009".to_string()),
            (not_renewable, "CBC.30050013".to_string()),
        ]
    );
    // 336 + 100 per month, 90 % commercial discount.
    assert_eq!(
        sb.balances().await,
        (Decimal::from_str("49607.60").unwrap(), Decimal::from(20000))
    );
    for id in [WEB01, WEB01_DISK] {
        let q = sb.post(QUERY, json!({"resource_ids": [id]})).await;
        assert_eq!(
            q.body["data"][0]["expire_time"], "2027-01-01T00:00:00Z",
            "{id}"
        );
    }
    let d = sb.get(&format!("{ORDER_DETAILS}{order_id}"), &[]).await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["order_info"]["status"], 5);
    assert_eq!(d.body["order_info"]["order_type"], 2);
    assert_eq!(d.body["order_info"]["payment_time"], "2026-11-24T00:00:00Z");
    assert_eq!(
        dec(&d.body["order_info"]["official_amount"]),
        Decimal::from(436)
    );
    assert_eq!(
        dec(&d.body["order_info"]["amount_after_discount"]),
        Decimal::from_str("392.40").unwrap()
    );
    assert_eq!(d.body["total_count"], 2);
    assert_eq!(d.body["order_line_items"][0]["period_type"], 2);
    assert_eq!(
        d.body["order_line_items"][0]["effective_time"],
        "2026-12-01T00:00:00Z"
    );
    assert_eq!(
        d.body["order_line_items"][0]["expire_time"],
        "2027-01-01T00:00:00Z"
    );
    // Order lines page by limit/offset.
    let p = sb
        .get(
            &format!("{ORDER_DETAILS}{order_id}"),
            &[("limit", "1"), ("offset", "1")],
        )
        .await;
    assert_eq!(p.body["order_line_items"].as_array().unwrap().len(), 1);
    assert_eq!(p.body["total_count"], 2);

    // An expired resource is in use again once renewed past now; a frozen one too.
    let expired = seed_id("staging-web-01");
    let frozen = seed_id("staging-app-01");
    let r = sb.post(RENEW, json!({"resource_ids": [expired, frozen], "period_type": 3, "period_num": 1, "is_auto_pay": 1})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(fail_infos(&r.body).is_empty());
    assert_eq!(sb.resource(&expired).await["status"], 2);
    assert_eq!(
        sb.resource(&expired).await["expire_time"],
        "2027-11-18T00:00:00Z"
    );
    assert_eq!(sb.resource(&frozen).await["status"], 2);
    // Only failures: no order.
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01_DISK], "period_type": 2, "period_num": 1}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["order_ids"], json!([]));
}

#[tokio::test]
async fn renew_validation_limits() {
    let sb = Sb::start().await;
    let ids: Vec<String> = (0..11).map(|i| format!("id-{i}")).collect();
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": ids, "period_type": 2, "period_num": 1}),
        )
        .await,
        "at most 10",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [], "period_type": 2, "period_num": 1}),
        )
        .await,
        "resource_ids",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 12}),
        )
        .await,
        "period_num",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 0}),
        )
        .await,
        "period_num",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 3, "period_num": 4}),
        )
        .await,
        "period_num",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 1, "period_num": 1}),
        )
        .await,
        "period_type",
    );
    assert_invalid(
        &sb.post(RENEW, json!({"resource_ids": [WEB01], "period_num": 1}))
            .await,
        "period_type",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_autopay": 1}),
        )
        .await,
        "is_autopay",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 2}),
        )
        .await,
        "is_auto_pay",
    );
    assert_invalid(
        &sb.post(
            RENEW,
            json!({"resource_ids": WEB01, "period_type": 2, "period_num": 1}),
        )
        .await,
        "resource_ids",
    );
    // Nothing was created by any of them.
    assert_eq!(sb.state().orders.len(), sandbox::seed_state().orders.len());
}

#[tokio::test]
async fn insufficient_balance_changes_nothing() {
    let mut seed = sandbox::seed_state();
    for b in &mut seed.balances {
        b.amount = Decimal::from(100);
    }
    let sb = Sb::start_with(|_| {}, Some(seed)).await;
    let before = std::fs::read(&sb.path).unwrap();
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 3, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert_error(&r, 400, "CBC.99005003");
    assert_eq!(
        std::fs::read(&sb.path).unwrap(),
        before,
        "state file untouched"
    );
    assert_eq!(
        sb.balances().await,
        (Decimal::from(100), Decimal::from(100))
    );
    assert_eq!(
        sb.resource(WEB01).await["expire_time"],
        "2026-12-01T00:00:00Z"
    );
    // Cash first, then credit: (20 + 125) * 0.9 = 130.50 against 100 + 100.
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [EIP_WEB], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (cash, credit) = sb.balances().await;
    assert_eq!(cash, Decimal::ZERO);
    assert_eq!(credit, Decimal::from_str("69.50").unwrap());
    // Debt is the credit used: the 20000 line less what is left.
    let b = sb.get(BALANCES, &[]).await.body;
    assert_eq!(
        dec(&b["debt_amount"]),
        Decimal::from_str("19930.50").unwrap()
    );
}

#[tokio::test]
async fn unpaid_renewal_locks_until_paid() {
    let sb = Sb::start().await;
    let api01_policy = sb.resource(API01).await["expire_policy"].clone();
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let order_id = r.body["order_ids"][0].as_str().unwrap().to_string();
    // Nothing extended, nothing debited yet.
    assert_eq!(
        sb.resource(WEB01).await["expire_time"],
        "2026-12-01T00:00:00Z"
    );
    assert_eq!(sb.balances().await.0, Decimal::from(50000));
    let d = sb.get(&format!("{ORDER_DETAILS}{order_id}"), &[]).await;
    assert_eq!(d.body["order_info"]["status"], 6);
    assert_eq!(
        d.body["order_info"]["pending_payment_end_time"],
        "2026-12-01T00:00:00Z"
    );

    // Locked: renew and unsubscribe refuse the whole call (reference §10:
    // 400 CBC.99003100, also for an unlocked id beside it), auto-renew on
    // and off refuse it, to-on-demand too (another transaction, 400
    // CBC.99003623).
    let again = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01, API01], "period_type": 2, "period_num": 1}),
        )
        .await;
    assert_error(&again, 400, "CBC.99003100");
    assert!(again.body["error_msg"]
        .as_str()
        .unwrap()
        .contains(&order_id));
    assert_error(
        &sb.call("POST", &format!("{AUTORENEW}{WEB01}"), None).await,
        400,
        "CBC.30050010",
    );
    assert_error(
        &sb.call("DELETE", &format!("{AUTORENEW}{WEB01}"), None)
            .await,
        400,
        "CBC.30050010",
    );
    let u = sb
        .post(
            UNSUBSCRIBE,
            json!({"resource_ids": [WEB01], "unsubscribe_type": 1}),
        )
        .await;
    assert_error(&u, 400, "CBC.99003100");
    let d = sb
        .post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": [API01, WEB01]}),
        )
        .await;
    assert_error(&d, 400, "CBC.99003623");
    // Nothing changed for the unlocked id either.
    assert_eq!(sb.resource(API01).await["expire_policy"], api01_policy);

    // Paying makes it take effect and releases the lock.
    let p = sb
        .post(
            PAY,
            json!({"order_id": order_id, "use_coupon": "NO", "use_discount": "NO"}),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(
        sb.resource(WEB01).await["expire_time"],
        "2027-02-01T00:00:00Z"
    );
    assert_eq!(sb.balances().await.0, Decimal::from(50000 - 872));
    let again = sb
        .post(
            RENEW,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1}),
        )
        .await;
    assert!(fail_infos(&again.body).is_empty(), "{}", again.body);
}

#[tokio::test]
async fn seed_pending_order_locks_until_cancelled() {
    let sb = Sb::start().await;
    let app02 = seed_id("staging-app-02");
    let order = pending_seed_order();
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [app02], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert_error(&r, 400, "CBC.99003100");

    assert_error(
        &sb.call(
            "PUT",
            CANCEL,
            Some(json!({"order_id": "CS000000000000000"})),
        )
        .await,
        400,
        "CBC.30000010",
    );
    assert_invalid(&sb.call("PUT", CANCEL, Some(json!({}))).await, "order_id");
    let c = sb
        .call("PUT", CANCEL, Some(json!({"order_id": order})))
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    let listed = sb.get(ORDERS, &[("order_id", &order)]).await;
    assert_eq!(listed.body["order_infos"][0]["status"], 4);
    // Cancelled orders can be neither cancelled nor paid again.
    assert_error(
        &sb.call("PUT", CANCEL, Some(json!({"order_id": order})))
            .await,
        400,
        "CBC.99003106",
    );
    assert_error(
        &sb.post(
            PAY,
            json!({"order_id": order, "use_coupon": "NO", "use_discount": "NO"}),
        )
        .await,
        400,
        "CBC.99003106",
    );
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [app02], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
        )
        .await;
    assert!(fail_infos(&r.body).is_empty(), "{}", r.body);
    assert_eq!(
        sb.resource(&app02).await["expire_time"],
        "2027-02-10T00:00:00Z"
    );
}
