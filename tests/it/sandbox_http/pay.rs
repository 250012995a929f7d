//! Pay with coupons and discounts.

use super::*;

#[tokio::test]
async fn order_coupons_and_discounts_are_listed() {
    let sb = Sb::start().await;
    let order = pending_seed_order();
    let c = sb.get(COUPONS, &[("order_id", &order)]).await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(c.body["count"], 2);
    let ids: Vec<&str> = c.body["user_coupons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["coupon_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![VOUCHER, DISCOUNT_COUPON]);
    assert_eq!(c.body["user_coupons"][0]["coupon_type"], 1);
    assert_eq!(c.body["user_coupons"][1]["coupon_type"], 2);
    assert!(c.body["coupon_max_use_quantity"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    let d = sb.get(DISCOUNTS, &[("order_id", &order)]).await;
    assert_eq!(d.status, 200, "{}", d.body);
    let disc = &d.body["discounts"][0];
    assert_eq!(disc["discount_id"], DISCOUNT_605);
    assert_eq!(disc["discount_type"], 2);
    assert_eq!(disc["orders"][0]["order_id"], order.as_str());
    assert_eq!(
        disc["orders"][0]["order_line_items"][0]["order_line_item_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The ECS-only discount coupon is not offered for a non-ECS order.
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [PROD_DB_02], "period_type": 2, "period_num": 1}),
        )
        .await;
    let db_order = r.body["order_ids"][0].as_str().unwrap().to_string();
    let c = sb.get(COUPONS, &[("order_id", &db_order)]).await;
    assert_eq!(c.body["count"], 1);
    assert_eq!(c.body["user_coupons"][0]["coupon_id"], VOUCHER);

    assert_error(
        &sb.get(COUPONS, &[("order_id", "CS000")]).await,
        400,
        "CBC.30000010",
    );
    assert_invalid(&sb.get(COUPONS, &[]).await, "order_id");
    assert_invalid(
        &sb.get(DISCOUNTS, &[("order_id", &order), ("x", "1")]).await,
        "x",
    );
}

#[tokio::test]
async fn pay_validation_and_coupon_rules() {
    let mut seed = sandbox::seed_state();
    let mut second = seed
        .coupons
        .iter()
        .find(|c| c.pay_type == 300)
        .unwrap()
        .clone();
    second.coupon_id = "CP-SECOND-DISCOUNT".into();
    seed.coupons.push(second);
    let sb = Sb::start_with(|_| {}, Some(seed)).await;
    let order = pending_seed_order();
    let pay = |body: Value| async { sb.post(PAY, body).await };
    let v = |c: &str, d: &str| json!({"order_id": order, "use_coupon": c, "use_discount": d});

    assert_invalid(&pay(v("MAYBE", "NO")).await, "use_coupon");
    assert_invalid(&pay(v("NO", "yes")).await, "use_discount");
    assert_invalid(
        &pay(json!({"order_id": order, "use_coupon": "NO"})).await,
        "use_discount",
    );
    assert_invalid(&pay(v("YES", "NO")).await, "coupon_infos");
    let mut b = v("NO", "NO");
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 301}]);
    assert_invalid(&pay(b).await, "coupon_infos");
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([{"id": "a", "type": 301}, {"id": "b", "type": 301}, {"id": "c", "type": 301}, {"id": "d", "type": 301}]);
    assert_invalid(&pay(b).await, "coupon_infos");
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([]);
    assert_invalid(&pay(b).await, "coupon_infos");
    assert_invalid(&pay(v("NO", "YES")).await, "discount_infos");
    let mut b = v("NO", "YES");
    b["discount_infos"] = json!([{"id": DISCOUNT_605, "type": 2}, {"id": DISCOUNT_605, "type": 2}]);
    assert_invalid(&pay(b).await, "discount_infos");
    let mut b = v("NO", "NO");
    b["discount_infos"] = json!([{"id": DISCOUNT_605, "type": 2}]);
    assert_invalid(&pay(b).await, "discount_infos");
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 301, "extra": 1}]);
    assert_invalid(&pay(b).await, "extra");
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([{"id": "CP-NOPE", "type": 301}]);
    assert_offer_refused(&pay(b).await, "CBC.99003108", "CP-NOPE");
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 300}]);
    assert_offer_refused(&pay(b).await, "CBC.99003108", "type");
    // The API's combination rules, not bssctl's: a voucher never goes with a
    // discount coupon; each coupon's use_limits decide about discounts.
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([{"id": DISCOUNT_COUPON, "type": 300}, {"id": VOUCHER, "type": 301}]);
    assert_offer_refused(&pay(b).await, "CBC.99003147", "cannot be used together");
    let mut b = v("YES", "YES");
    b["coupon_infos"] = json!([{"id": DISCOUNT_COUPON, "type": 300}]);
    b["discount_infos"] = json!([{"id": DISCOUNT_605, "type": 2}]);
    assert_offer_refused(&pay(b).await, "CBC.99003112", "cannot be used together");
    let mut b = v("YES", "YES");
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 301}]);
    b["discount_infos"] = json!([{"id": DISCOUNT_605, "type": 2}]);
    assert_offer_refused(&pay(b).await, "CBC.99003112", DISCOUNT_605);
    let mut b = v("NO", "YES");
    b["discount_infos"] = json!([{"id": "dsc-nope", "type": 2}]);
    assert_offer_refused(&pay(b).await, "CBC.99003117", "dsc-nope");
    assert_error(
        &pay(json!({"order_id": "CS000", "use_coupon": "NO", "use_discount": "NO"})).await,
        400,
        "CBC.30000010",
    );
    // Nothing above changed the order.
    assert_eq!(sb.state().order(&order).unwrap().status, 6);

    // The 100 voucher alone: 336 + 28 - 100 = 264.00.
    let mut b = v("YES", "NO");
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 301}]);
    let r = pay(b.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        sb.balances().await.0,
        Decimal::from_str("49736.00").unwrap()
    );
    let d = sb.get(&format!("{ORDER_DETAILS}{order}"), &[]).await;
    assert_eq!(d.body["order_info"]["status"], 5);
    assert_eq!(
        dec(&d.body["order_info"]["amount_after_discount"]),
        Decimal::from_str("364.00").unwrap()
    );
    assert_eq!(
        dec(&d.body["order_info"]["amount_info"]["coupon_amount"]),
        Decimal::from(100)
    );
    // The renewal took effect; the voucher is used up.
    assert_eq!(
        sb.resource(&seed_id("staging-app-02")).await["expire_time"],
        "2027-02-10T00:00:00Z"
    );
    let r = sb
        .post(
            RENEW,
            json!({"resource_ids": [seed_id("prod-web-04")], "period_type": 2, "period_num": 1}),
        )
        .await;
    let next = r.body["order_ids"][0].as_str().unwrap().to_string();
    let c = sb.get(COUPONS, &[("order_id", &next)]).await;
    assert!(!c.body.to_string().contains(VOUCHER));
    // Paying twice is refused.
    assert_error(&pay(b).await, 400, "CBC.99003106");

    // A discount coupon alone: 15 % off 612 + 28 = 96, capped at 50.
    let mut b = json!({"order_id": next, "use_coupon": "YES", "use_discount": "NO"});
    b["coupon_infos"] = json!([{"id": DISCOUNT_COUPON, "type": 300}]);
    let r = sb.post(PAY, b).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        sb.balances().await.0,
        Decimal::from_str("49146.00").unwrap()
    );
}

fn assert_offer_refused(r: &Resp, code: &str, mentions: &str) {
    assert_error(r, 400, code);
    let msg = r.body["error_msg"].as_str().unwrap();
    assert!(
        msg.contains(mentions),
        "message {msg:?} should mention {mentions:?}"
    );
}

#[tokio::test]
async fn an_order_price_adjustment_must_be_used() {
    let mut seed = sandbox::seed_state();
    let order = pending_seed_order();
    seed.order_discounts.push(OrderDiscount {
        discount_id: "adj-609-0001".into(),
        order_id: order.clone(),
        discount_type: 609,
        discount_amount: Decimal::from(64),
        ratio: None,
    });
    let sb = Sb::start_with(|_| {}, Some(seed)).await;
    let d = sb.get(DISCOUNTS, &[("order_id", &order)]).await;
    assert!(d.body["discounts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["discount_type"] == 609));
    let base = json!({"order_id": order, "use_coupon": "NO", "use_discount": "NO"});
    assert_offer_refused(&sb.post(PAY, base.clone()).await, "CBC.99003117", "609");
    let mut b = base.clone();
    b["use_discount"] = json!("YES");
    b["discount_infos"] = json!([{"id": DISCOUNT_605, "type": 2}]);
    assert_offer_refused(&sb.post(PAY, b.clone()).await, "CBC.99003117", "609");
    b["discount_infos"] = json!([{"id": "adj-609-0001", "type": 609}]);
    let r = sb.post(PAY, b).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(sb.balances().await.0, Decimal::from(50000 - 300));
}

#[tokio::test]
async fn pay_insufficient_balance_changes_nothing() {
    let mut seed = sandbox::seed_state();
    for b in &mut seed.balances {
        b.amount = Decimal::from(10);
    }
    // A voucher the test can see stay unused.
    seed.coupons.retain(|c: &Coupon| c.pay_type == 301);
    let sb = Sb::start_with(|_| {}, Some(seed)).await;
    let before = std::fs::read(&sb.path).unwrap();
    let order = pending_seed_order();
    let mut b = json!({"order_id": order, "use_coupon": "YES", "use_discount": "NO"});
    b["coupon_infos"] = json!([{"id": VOUCHER, "type": 301}]);
    assert_error(&sb.post(PAY, b).await, 400, "CBC.99005003");
    assert_eq!(std::fs::read(&sb.path).unwrap(), before);
}
