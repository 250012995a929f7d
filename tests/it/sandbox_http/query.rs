//! Resource query.

use super::*;

#[tokio::test]
async fn query_filters_pages_and_hides_sandbox_fields() {
    let sb = Sb::start().await;
    let seed = sandbox::seed_state();
    let all = sb.post(QUERY, json!({"limit": 1000})).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["total_count"], seed.resources.len() as u64);
    let rows = all.body["data"].as_array().unwrap();
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = seed
        .resources
        .iter()
        .map(|r| r.resource_id.as_str())
        .collect();
    assert_eq!(ids, expected, "state order");
    for row in rows {
        for hidden in [
            "price_month",
            "price_year",
            "renewals",
            "auto_renew_times",
            "order_id",
            "renewable",
        ] {
            assert!(row.get(hidden).is_none(), "{hidden} leaked");
        }
    }

    // Default page is 10; paging walks every row once.
    let first = sb.post(QUERY, json!({})).await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 10);
    let page = sb.post(QUERY, json!({"offset": 40, "limit": 20})).await;
    assert_eq!(
        page.body["data"].as_array().unwrap().len(),
        seed.resources.len() - 40
    );
    assert_eq!(page.body["data"][0]["resource_id"], expected[40]);

    // A main id brings its attached ones, unless only main resources are asked.
    let fam = sb.post(QUERY, json!({"resource_ids": [WEB01]})).await;
    let got: Vec<&str> = fam.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![WEB01, WEB01_DISK]);
    let main_only = sb
        .post(
            QUERY,
            json!({"resource_ids": [WEB01], "only_main_resource": 1}),
        )
        .await;
    assert_eq!(main_only.body["total_count"], 1);
    // An attached id returns only itself, even with only_main_resource=1.
    let att = sb
        .post(
            QUERY,
            json!({"resource_ids": [WEB01_DISK], "only_main_resource": 1}),
        )
        .await;
    assert_eq!(att.body["total_count"], 1);
    assert_eq!(att.body["data"][0]["parent_resource_id"], WEB01);
    assert_eq!(att.body["data"][0]["is_main_resource"], 0);

    let mains = sb
        .post(QUERY, json!({"only_main_resource": 1, "limit": 1000}))
        .await;
    assert_eq!(
        mains.body["total_count"],
        seed.resources.iter().filter(|r| r.is_main()).count() as u64
    );

    let expired = sb
        .post(QUERY, json!({"status_list": [5], "limit": 1000}))
        .await;
    assert!(expired.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == 5));
    assert!(expired.body["total_count"].as_u64().unwrap() >= 2);

    let window = sb
        .post(QUERY, json!({"expire_time_begin": "2026-11-24T00:00:00Z", "expire_time_end": "2026-12-01T00:00:00Z", "only_main_resource": 1, "limit": 100}))
        .await;
    for r in window.body["data"].as_array().unwrap() {
        let t = r["expire_time"].as_str().unwrap();
        assert!(
            ("2026-11-24T00:00:00Z"..="2026-12-01T00:00:00Z").contains(&t),
            "{t}"
        );
    }
    assert!(window.body["total_count"].as_u64().unwrap() >= 2);

    let obs = sb
        .post(QUERY, json!({"service_type_code": "hws.service.type.obs"}))
        .await;
    assert!(obs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["service_type_code"] == "hws.service.type.obs"));
    assert_eq!(obs.body["total_count"], 2);

    // By order: the opening order, and a renewal order, both find the resource.
    let web01 = seed.resource(WEB01).unwrap();
    let by_order = sb.post(QUERY, json!({"order_id": web01.order_id})).await;
    assert_eq!(by_order.body["total_count"], 2);
    let renewal = seed
        .orders
        .iter()
        .find(|o| o.order_type == 2 && o.resource_ids().any(|r| r == PROD_DB_02))
        .unwrap();
    let by_renewal = sb.post(QUERY, json!({"order_id": renewal.order_id})).await;
    assert_eq!(by_renewal.body["data"][0]["resource_id"], PROD_DB_02);
    // An empty order_id is no filter.
    let empty = sb.post(QUERY, json!({"order_id": ""})).await;
    assert_eq!(empty.body["total_count"], seed.resources.len() as u64);
}

#[tokio::test]
async fn query_validation_errors_name_the_field() {
    let sb = Sb::start().await;
    assert_invalid(
        &sb.post(QUERY, json!({"resource_ids": null})).await,
        "resource_ids",
    );
    let many: Vec<String> = (0..51).map(|i| format!("id-{i}")).collect();
    assert_invalid(
        &sb.post(QUERY, json!({"resource_ids": many})).await,
        "at most 50",
    );
    assert_invalid(
        &sb.post(QUERY, json!({"service_type_code": ""})).await,
        "service_type_code",
    );
    assert_invalid(&sb.post(QUERY, json!({"limits": 5})).await, "limits");
    assert_invalid(&sb.post(QUERY, json!({"limit": "5"})).await, "limit");
    assert_invalid(&sb.post(QUERY, json!({"limit": 0})).await, "limit");
    assert_invalid(&sb.post(QUERY, json!({"limit": 1001})).await, "limit");
    assert_invalid(&sb.post(QUERY, json!({"offset": -1})).await, "offset");
    assert_invalid(
        &sb.post(QUERY, json!({"only_main_resource": 2})).await,
        "only_main_resource",
    );
    assert_invalid(
        &sb.post(QUERY, json!({"status_list": [1]})).await,
        "status_list",
    );
    assert_invalid(
        &sb.post(QUERY, json!({"expire_time_begin": "2026-11-24"}))
            .await,
        "expire_time_begin",
    );
    let r = sb
        .send("POST", QUERY, &[], b"{\"limit\":", &Auth::default())
        .await
        .unwrap();
    assert_invalid(&r, "JSON");
    // 50 ids are fine; an empty list is no filter.
    let fifty: Vec<String> = (0..50).map(|i| format!("id-{i}")).collect();
    assert_eq!(
        sb.post(QUERY, json!({"resource_ids": fifty})).await.body["total_count"],
        0
    );
    assert_eq!(
        sb.post(QUERY, json!({"resource_ids": []})).await.status,
        200
    );
}
