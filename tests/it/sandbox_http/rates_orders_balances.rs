//! Renew-rate, renew config, orders, balances, IAM.

use super::*;

#[tokio::test]
async fn renew_rate_prices_main_and_attached_with_discounts() {
    let sb = Sb::start().await;
    let r = sb
        .post(RENEW_RATE, json!({"resource_ids": [WEB01, WEB01_DISK, "no-such-id", seed_id("data-obs-pkg-02")], "period_type": 3, "period_num": 1, "include_relative_resources": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["currency"], "CNY");
    assert_eq!(
        r.body["renew_inquiry_results"],
        json!([{"resource_id": WEB01, "amount": "4360.00"}])
    );
    assert_eq!(
        r.body["official_website_rating_result"]["official_website_amount"],
        "4360.00"
    );
    let d = &r.body["optional_discount_rating_results"][0];
    assert_eq!(d["discount_id"], DISCOUNT_605);
    assert_eq!(d["amount"], "3924.00");
    assert_eq!(d["discount_amount"], "436.00");
    assert_eq!(d["official_website_amount"], "4360.00");
    assert_eq!(d["discount_type"], 605);
    assert_eq!(d["best_offer"], 1);
    let codes: Vec<String> = fail_infos(&r.body).into_iter().map(|f| f.1).collect();
    assert_eq!(codes, vec!["CBC.30050007", "CBC.30050009", "CBC.30050013"]);

    let m = sb
        .post(
            RENEW_RATE,
            json!({"resource_ids": [WEB01, PROD_DB_02], "period_type": 2, "period_num": 3}),
        )
        .await;
    assert_eq!(m.body["renew_inquiry_results"][0]["amount"], "1008.00");
    assert_eq!(m.body["renew_inquiry_results"][1]["amount"], "3840.00");
    assert_eq!(
        m.body["official_website_rating_result"]["official_website_amount"],
        "4848.00"
    );
    // Rating created nothing.
    assert_eq!(sb.state(), sandbox::seed_state());

    assert_invalid(
        &sb.post(
            RENEW_RATE,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 12}),
        )
        .await,
        "period_num",
    );
    assert_invalid(
        &sb.post(
            RENEW_RATE,
            json!({"resource_ids": [WEB01], "period_type": 3, "period_num": 4}),
        )
        .await,
        "period_num",
    );
    let many: Vec<String> = (0..11).map(|i| format!("id-{i}")).collect();
    assert_invalid(
        &sb.post(
            RENEW_RATE,
            json!({"resource_ids": many, "period_type": 2, "period_num": 1}),
        )
        .await,
        "at most 10",
    );
    assert_invalid(&sb.post(RENEW_RATE, json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "include_relative_resources": "yes"})).await, "include_relative_resources");
}

#[tokio::test]
async fn renew_rate_without_account_discounts_omits_them() {
    let mut seed = sandbox::seed_state();
    seed.account_discounts.clear();
    let sb = Sb::start_with(|_| {}, Some(seed)).await;
    let r = sb
        .post(
            RENEW_RATE,
            json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.get("optional_discount_rating_results").is_none(),
        "{}",
        r.body
    );
    // Auto-pay then charges the list price.
    sb.post(
        RENEW,
        json!({"resource_ids": [WEB01], "period_type": 2, "period_num": 1, "is_auto_pay": 1}),
    )
    .await;
    assert_eq!(sb.balances().await.0, Decimal::from(50000 - 436));
}

#[tokio::test]
async fn renew_config_is_validated_and_stored() {
    let sb = Sb::start().await;
    for (name, value) in [
        ("DEDUCTION_DATE", "2"),
        ("DEDUCTION_DATE", "7"),
        ("EXPIRE_DATE", "1"),
        ("EXPIRE_DATE", "28"),
        ("EXPIRE_DATE", "-1"),
    ] {
        let r = sb
            .post(
                RENEW_CONFIG,
                json!({"config_name": name, "config_value": value}),
            )
            .await;
        assert_eq!(r.status, 200, "{name}={value}: {}", r.body);
        assert_eq!(
            r.body,
            json!({"error_code": "CBC.0000", "error_msg": "success"})
        );
    }
    let cfg = sb.state().renew_config;
    assert_eq!(cfg.get("EXPIRE_DATE").map(String::as_str), Some("-1"));
    assert_eq!(cfg.get("DEDUCTION_DATE").map(String::as_str), Some("7"));
    for (name, value) in [
        ("DEDUCTION_DATE", "1"),
        ("DEDUCTION_DATE", "8"),
        ("EXPIRE_DATE", "0"),
        ("EXPIRE_DATE", "29"),
        ("EXPIRE_DATE", "x"),
    ] {
        assert_invalid(
            &sb.post(
                RENEW_CONFIG,
                json!({"config_name": name, "config_value": value}),
            )
            .await,
            "config_value",
        );
    }
    assert_invalid(
        &sb.post(
            RENEW_CONFIG,
            json!({"config_name": "EXPIRY", "config_value": "1"}),
        )
        .await,
        "config_name",
    );
    assert_invalid(
        &sb.post(
            RENEW_CONFIG,
            json!({"config_name": "EXPIRE_DATE", "config_value": 1}),
        )
        .await,
        "config_value",
    );
}

#[tokio::test]
async fn orders_list_filters_sorts_and_validates() {
    let sb = Sb::start().await;
    let seed = sandbox::seed_state();
    let all = sb.get(ORDERS, &[("limit", "1000")]).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        all.body["total_count"],
        seed.orders.iter().filter(|o| !o.sub_customer).count() as u64,
        "sub-account orders are listed with method=sub_customer only"
    );
    let times: Vec<&str> = all.body["order_infos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["create_time"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(times, sorted, "newest first by default");
    let asc = sb
        .get(ORDERS, &[("order_by", "createTime"), ("limit", "1")])
        .await;
    assert_eq!(
        asc.body["order_infos"][0]["create_time"],
        *times.last().unwrap()
    );
    let first = &all.body["order_infos"][0];
    for f in [
        "order_id",
        "customer_id",
        "service_type_code",
        "status",
        "order_type",
        "amount_after_discount",
        "official_amount",
        "measure_id",
        "create_time",
        "currency",
    ] {
        assert!(!first[f].is_null(), "{f}");
    }
    assert!(first.get("lines").is_none() && first.get("paid_amount").is_none());
    assert_eq!(first["customer_id"], DOMAIN);

    assert_eq!(
        sb.get(ORDERS, &[]).await.body["order_infos"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    let pending = sb.get(ORDERS, &[("status", "6")]).await;
    assert_eq!(
        pending.body["total_count"],
        seed.orders
            .iter()
            .filter(|o| o.status == 6 && !o.sub_customer)
            .count() as u64
    );
    let sub = sb
        .get(ORDERS, &[("status", "6"), ("method", "sub_customer")])
        .await;
    assert_eq!(sub.body["total_count"], 1, "{}", sub.body);
    let renewals = sb
        .get(ORDERS, &[("order_type", "2"), ("limit", "100")])
        .await;
    assert!(renewals.body["order_infos"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["order_type"] == 2));
    let rds = sb
        .get(ORDERS, &[("service_type_code", "HWS.SERVICE.TYPE.RDS")])
        .await;
    assert!(rds.body["total_count"].as_u64().unwrap() >= 3);
    let window = sb
        .get(
            ORDERS,
            &[
                ("create_time_begin", "2026-11-01T00:00:00Z"),
                ("create_time_end", "2026-11-30T00:00:00Z"),
            ],
        )
        .await;
    // The seed's pending renewal and its five orders exercising the offer rules.
    assert_eq!(window.body["total_count"], 6);
    let paid = sb
        .get(
            ORDERS,
            &[
                ("payment_time_begin", "2026-10-01T00:00:00Z"),
                ("payment_time_end", "2026-10-31T00:00:00Z"),
            ],
        )
        .await;
    assert_eq!(paid.body["total_count"], 2);
    let by_id = sb
        .get(
            ORDERS,
            &[("order_id", &pending_seed_order().to_lowercase())],
        )
        .await;
    assert_eq!(by_id.body["total_count"], 1);

    assert_invalid(
        &sb.get(
            ORDERS,
            &[
                ("create_time_begin", "2025-01-01T00:00:00Z"),
                ("create_time_end", "2026-06-01T00:00:00Z"),
            ],
        )
        .await,
        "1 year",
    );
    assert_invalid(
        &sb.get(
            ORDERS,
            &[
                ("payment_time_begin", "2025-01-01T00:00:00Z"),
                ("payment_time_end", "2026-06-01T00:00:00Z"),
            ],
        )
        .await,
        "1 year",
    );
    assert_invalid(&sb.get(ORDERS, &[("order_by", "amount")]).await, "order_by");
    assert_invalid(
        &sb.get(ORDERS, &[("order_type", "renewal")]).await,
        "order_type",
    );
    assert_invalid(&sb.get(ORDERS, &[("status", "x")]).await, "status");
    assert_invalid(&sb.get(ORDERS, &[("limit", "0")]).await, "limit");
    assert_invalid(&sb.get(ORDERS, &[("offset", "-1")]).await, "offset");
    assert_invalid(
        &sb.get(ORDERS, &[("create_time_begin", "yesterday")]).await,
        "create_time_begin",
    );
    assert_invalid(&sb.get(ORDERS, &[("colour", "red")]).await, "colour");

    assert_error(
        &sb.get(&format!("{ORDER_DETAILS}CS0000000000NOPE"), &[])
            .await,
        400,
        "CBC.30000010",
    );
    let d = sb
        .get(&format!("{ORDER_DETAILS}{}", pending_seed_order()), &[])
        .await;
    assert_eq!(
        d.body["order_info"]["pending_payment_end_time"],
        "2026-11-29T09:30:00Z"
    );
    assert_invalid(
        &sb.get(
            &format!("{ORDER_DETAILS}{}", pending_seed_order()),
            &[("limit", "1001")],
        )
        .await,
        "limit",
    );
}

#[tokio::test]
async fn balances_and_iam_domains() {
    let sb = Sb::start().await;
    let b = sb.get(BALANCES, &[]).await;
    assert_eq!(b.status, 200, "{}", b.body);
    assert_eq!(b.body["currency"], "CNY");
    assert_eq!(b.body["measure_id"], 1);
    assert_eq!(dec(&b.body["debt_amount"]), Decimal::ZERO);
    let accounts = b.body["account_balances"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0]["account_type"], 1);
    assert_eq!(dec(&accounts[0]["amount"]), Decimal::from(50000));
    assert!(accounts[0].get("credit_amount").is_none());
    assert_eq!(dec(&accounts[1]["credit_amount"]), Decimal::from(20000));
    assert!(accounts[1]["amount"].is_number());

    // IAM: signed, no X-Domain-Id needed.
    let auth = Auth {
        domain: None,
        ..Auth::default()
    };
    let d = sb
        .send("GET", "/v3/auth/domains", &[], b"", &auth)
        .await
        .unwrap();
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(
        d.body,
        json!({"domains": [{"id": DOMAIN, "name": "acme-corp", "enabled": true}]})
    );
    let unsigned = Auth {
        unsigned: true,
        ..auth
    };
    assert_eq!(
        sb.send("GET", "/v3/auth/domains", &[], b"", &unsigned)
            .await
            .unwrap()
            .status,
        401
    );
}
