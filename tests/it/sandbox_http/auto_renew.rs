//! Auto-renew, to-on-demand, unsubscribe.

use super::*;

/// Reference §10's state rules: auto-renew changes on expired/frozen
/// resources (CBC.99003602) and conversion to pay-per-use in the grace or
/// retention period (CBC.99003610) are refused, and nothing changes.
#[tokio::test]
async fn expired_and_frozen_resources_refuse_policy_changes() {
    let sb = Sb::start().await;
    let frozen = seed_id("staging-app-01");
    let expired = seed_id("staging-web-01");
    for id in [&frozen, &expired] {
        let r = sb.call("DELETE", &format!("{AUTORENEW}{id}"), None).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.body["error_code"], "CBC.99003602");
    }
    let r = sb
        .post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": [frozen, expired]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let codes: Vec<&str> = r.body["error_details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["error_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CBC.99003610", "CBC.99003610"]);
    assert_eq!(sb.resource(&frozen).await["expire_policy"], 0);
    assert_eq!(sb.resource(&expired).await["expire_policy"], 0);
}

#[tokio::test]
async fn auto_renew_on_and_off() {
    let sb = Sb::start().await;
    let api01 = seed_id("prod-api-01");
    let api01_disk = seed_id("prod-api-01-data");
    let r = sb
        .post(
            &format!("{AUTORENEW}{api01}"),
            json!({"period_type": "YEAR", "auto_renew_times": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({}));
    assert_eq!(sb.resource(&api01).await["expire_policy"], 3);
    assert_eq!(sb.resource(&api01_disk).await["expire_policy"], 3);
    let stored = sb.state();
    let main = stored.resource(&api01).unwrap();
    assert_eq!(
        (
            main.auto_renew_period_type.as_deref(),
            main.auto_renew_times
        ),
        (Some("YEAR"), Some(2))
    );
    // Absent values leave the settings unchanged once on.
    assert_eq!(
        sb.call("POST", &format!("{AUTORENEW}{api01}"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        sb.state().resource(&api01).unwrap().auto_renew_times,
        Some(2)
    );
    // The write-only settings are never returned.
    assert!(sb.resource(&api01).await.get("auto_renew_times").is_none());

    let off = sb
        .call("DELETE", &format!("{AUTORENEW}{api01}"), None)
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(sb.resource(&api01).await["expire_policy"], 0);
    assert_eq!(sb.resource(&api01_disk).await["expire_policy"], 0);
    // Not auto-renewing: refused as the reference says (§10, CBC.99003605);
    // the sandbox used to answer a no-op success.
    let again = sb
        .call("DELETE", &format!("{AUTORENEW}{api01}"), None)
        .await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(again.body["error_code"], "CBC.99003605");

    // A resource that switches to pay-per-use gets that back when auto-renew is cancelled.
    let api02 = seed_id("prod-api-02");
    assert_eq!(
        sb.post(&format!("{AUTORENEW}{api02}"), json!({}))
            .await
            .status,
        200
    );
    let s = sb.state();
    let r2 = s.resource(&api02).unwrap();
    assert_eq!(
        (r2.auto_renew_period_type.as_deref(), r2.auto_renew_times),
        (Some("MONTH"), Some(0))
    );
    sb.call("DELETE", &format!("{AUTORENEW}{api02}"), None)
        .await;
    assert_eq!(sb.resource(&api02).await["expire_policy"], 1);

    let attached = sb
        .post(&format!("{AUTORENEW}{api01_disk}"), json!({}))
        .await;
    assert_invalid(&attached, &api01);
    assert_invalid(
        &sb.call("DELETE", &format!("{AUTORENEW}{api01_disk}"), None)
            .await,
        &api01,
    );
    assert_error(
        &sb.post(&format!("{AUTORENEW}no-such-id"), json!({})).await,
        400,
        "CBC.99003012",
    );
    assert_error(
        &sb.post(
            &format!("{AUTORENEW}{}", seed_id("staging-web-01")),
            json!({}),
        )
        .await,
        400,
        "CBC.99003602",
    );
    assert_error(
        &sb.post(
            &format!("{AUTORENEW}{}", seed_id("staging-app-01")),
            json!({}),
        )
        .await,
        400,
        "CBC.99003602",
    );
    assert_invalid(
        &sb.post(
            &format!("{AUTORENEW}{api01}"),
            json!({"auto_renew_times": 100}),
        )
        .await,
        "auto_renew_times",
    );
    assert_invalid(
        &sb.post(
            &format!("{AUTORENEW}{api01}"),
            json!({"auto_renew_times": -1}),
        )
        .await,
        "auto_renew_times",
    );
    assert_invalid(
        &sb.post(
            &format!("{AUTORENEW}{api01}"),
            json!({"period_type": "WEEK"}),
        )
        .await,
        "period_type",
    );
    assert_invalid(
        &sb.post(&format!("{AUTORENEW}{api01}"), json!({"action_id": "x"}))
            .await,
        "action_id",
    );
    assert_eq!(
        sb.post(
            &format!("{AUTORENEW}{api01}"),
            json!({"auto_renew_times": 99})
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn to_on_demand_set_up_and_cancel_with_partial_failures() {
    let sb = Sb::start().await;
    let web01_policy = sb.resource(WEB01).await["expire_policy"].clone();
    let obs = seed_id("data-obs-pkg-01");
    let r = sb
        .post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": [WEB01, WEB01_DISK, "no-such-id", obs]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let details: Vec<(String, String)> = r.body["error_details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["error_code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        details,
        vec![
            (WEB01_DISK.to_string(), "CBC.0100".to_string()),
            ("no-such-id".to_string(), "CBC.30050009".to_string()),
            (obs, "CBC.99003608".to_string()),
        ]
    );
    assert_eq!(sb.resource(WEB01).await["expire_policy"], 1);
    assert_eq!(
        sb.post(QUERY, json!({"resource_ids": [WEB01_DISK]}))
            .await
            .body["data"][0]["expire_policy"],
        1
    );
    let c = sb
        .post(
            TO_ON_DEMAND,
            json!({"operation": "CANCEL", "resource_ids": [WEB01]}),
        )
        .await;
    assert_eq!(c.body, json!({"error_details": []}));
    assert_eq!(sb.resource(WEB01).await["expire_policy"], web01_policy);

    assert_invalid(
        &sb.post(
            TO_ON_DEMAND,
            json!({"operation": "SETUP", "resource_ids": [WEB01]}),
        )
        .await,
        "operation",
    );
    assert_invalid(
        &sb.post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": []}),
        )
        .await,
        "resource_ids",
    );
    assert_invalid(
        &sb.post(TO_ON_DEMAND, json!({"operation": "SET_UP"})).await,
        "resource_ids",
    );
    let many: Vec<String> = (0..101).map(|i| format!("id-{i}")).collect();
    assert_invalid(
        &sb.post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": many}),
        )
        .await,
        "at most 100",
    );
    let hundred: Vec<String> = (0..100).map(|i| format!("id-{i}")).collect();
    assert_eq!(
        sb.post(
            TO_ON_DEMAND,
            json!({"operation": "SET_UP", "resource_ids": hundred})
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn unsubscribe_closes_or_removes_future_renewals() {
    let sb = Sb::start().await;
    let web02 = seed_id("prod-web-02");
    let web02_disk = seed_id("prod-web-02-data");
    let r = sb.post(UNSUBSCRIBE, json!({"resource_ids": [web02, WEB01_DISK], "unsubscribe_type": 1, "unsubscribe_reason_type": 5, "unsubscribe_reason": "moved"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        fail_infos(&r.body),
        vec![(WEB01_DISK.to_string(), "CBC.30010036".to_string())]
    );
    let order = r.body["order_ids"][0].as_str().unwrap().to_string();
    let q = sb.post(QUERY, json!({"resource_ids": [web02]})).await;
    assert_eq!(q.body["total_count"], 3);
    assert!(q.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["status"] == 3));
    let o = sb.get(&format!("{ORDER_DETAILS}{order}"), &[]).await;
    assert_eq!(o.body["order_info"]["order_type"], 4);
    assert_eq!(o.body["order_info"]["status"], 5);
    assert_eq!(o.body["total_count"], 3);
    assert!(o.body["order_line_items"][0]["period_num"].is_null());
    // Closed: a second unsubscribe finds nothing.
    let again = sb
        .post(
            UNSUBSCRIBE,
            json!({"resource_ids": [web02], "unsubscribe_type": 1}),
        )
        .await;
    assert_eq!(
        fail_infos(&again.body),
        vec![(web02.clone(), "CBC.30050009".to_string())]
    );
    assert_eq!(again.body["order_ids"], json!([]));
    let _ = web02_disk;

    // Type 2: prod-db-02 was renewed ahead (2026-12-01 → 2027-12-01).
    assert_eq!(
        sb.resource(PROD_DB_02).await["expire_time"],
        "2027-12-01T00:00:00Z"
    );
    let r = sb
        .post(
            UNSUBSCRIBE,
            json!({"resource_ids": [PROD_DB_02], "unsubscribe_type": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("fail_resource_infos").is_none(), "{}", r.body);
    assert_eq!(r.body["order_ids"].as_array().unwrap().len(), 1);
    assert_eq!(
        sb.resource(PROD_DB_02).await["expire_time"],
        "2026-12-01T00:00:00Z"
    );
    assert_eq!(sb.resource(PROD_DB_02).await["status"], 2);
    // eip-web's renewal already started: nothing to remove.
    let r = sb
        .post(
            UNSUBSCRIBE,
            json!({"resource_ids": [PROD_DB_02, EIP_WEB], "unsubscribe_type": 2}),
        )
        .await;
    assert_eq!(
        fail_infos(&r.body),
        vec![
            (PROD_DB_02.to_string(), "CBC.0100".to_string()),
            (EIP_WEB.to_string(), "CBC.0100".to_string())
        ]
    );

    assert_invalid(
        &sb.post(
            UNSUBSCRIBE,
            json!({"resource_ids": [WEB01], "unsubscribe_type": 3}),
        )
        .await,
        "unsubscribe_type",
    );
    assert_invalid(
        &sb.post(
            UNSUBSCRIBE,
            json!({"resource_ids": [WEB01], "unsubscribe_type": 1, "unsubscribe_reason_type": 6}),
        )
        .await,
        "unsubscribe_reason_type",
    );
    assert_invalid(
        &sb.post(UNSUBSCRIBE, json!({"resource_ids": [WEB01]})).await,
        "unsubscribe_type",
    );
    let many: Vec<String> = (0..11).map(|i| format!("id-{i}")).collect();
    assert_invalid(
        &sb.post(
            UNSUBSCRIBE,
            json!({"resource_ids": many, "unsubscribe_type": 1}),
        )
        .await,
        "at most 10",
    );
    assert_eq!(sb.resource(WEB01).await["status"], 2);
}
