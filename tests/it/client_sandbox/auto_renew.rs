//! Auto-renew, to-on-demand, unsubscribe.

use super::*;

#[tokio::test]
async fn auto_renew_on_and_off_for_main_and_attached() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let family = family_ids(&sb.state(), API01);
    assert_eq!(family.len(), 3, "prod-api-01 has two disks");

    let policies = |c: BssClient| async move {
        c.query_resources_by_ids(&[API01.to_string()], false)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.resource_id.unwrap(), r.expire_policy.unwrap()))
            .collect::<Vec<_>>()
    };
    assert!(policies(sb.client()).await.iter().all(|(_, p)| *p == 0));

    let resp = c
        .enable_auto_renew(
            API01,
            &AutoRenewalResourcesReq {
                auto_renew_times: Some(3),
                period_type: Some("YEAR".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, EmptyResp {});
    let got = policies(sb.client()).await;
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|(_, p)| *p == EXPIRE_POLICY_AUTO_RENEW),
        "{got:?}"
    );
    let r = sb.state().resource(API01).unwrap().clone();
    assert_eq!(r.auto_renew_times, Some(3));
    assert_eq!(r.auto_renew_period_type.as_deref(), Some("YEAR"));

    // Changing the times while on; then off restores the grace policy.
    c.enable_auto_renew(
        API01,
        &AutoRenewalResourcesReq {
            auto_renew_times: Some(0),
            period_type: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        sb.state().resource(API01).unwrap().auto_renew_times,
        Some(0)
    );
    c.cancel_auto_renew(API01).await.unwrap();
    assert!(policies(sb.client()).await.iter().all(|(_, p)| *p == 0));
    // Off again is refused, as the reference says (§10, CBC.99003605);
    // the sandbox used to accept it silently.
    let err = c.cancel_auto_renew(API01).await.unwrap_err();
    service(err, Api::CancelAutoRenew, 400, "CBC.99003605");

    // Errors from the service: unknown id, attached id, expired resource.
    let err = c
        .enable_auto_renew("no-such-resource", &AutoRenewalResourcesReq::default())
        .await
        .unwrap_err();
    service(err, Api::EnableAutoRenew, 400, "CBC.99003012");
    let err = c
        .enable_auto_renew(WEB01_DISK, &AutoRenewalResourcesReq::default())
        .await
        .unwrap_err();
    let msg = service(err, Api::EnableAutoRenew, 400, "CBC.0100");
    assert!(msg.contains(WEB01), "names the main resource: {msg}");
    let expired = sb
        .state()
        .resources
        .iter()
        .find(|r| r.status == STATUS_EXPIRED && r.is_main())
        .unwrap()
        .resource_id
        .clone();
    let err = c
        .enable_auto_renew(&expired, &AutoRenewalResourcesReq::default())
        .await
        .unwrap_err();
    service(err, Api::EnableAutoRenew, 400, "CBC.99003602");
    let err = c.cancel_auto_renew("no-such-resource").await.unwrap_err();
    service(err, Api::CancelAutoRenew, 400, "CBC.99003012");
    sb.stop().await;
}

#[tokio::test]
async fn to_on_demand_set_up_and_cancel_with_error_details() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let resp = c
        .to_on_demand(&PeriodToOnDemandReq {
            operation: TO_ON_DEMAND_SET_UP.into(),
            resource_ids: ids(&[API01, OBS_NO_ON_DEMAND, WEB01_DISK]),
        })
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    let details: Vec<(String, String)> = resp
        .body
        .error_details
        .unwrap()
        .into_iter()
        .map(|d| (d.id.unwrap(), d.error_code.unwrap()))
        .collect();
    assert_eq!(
        details,
        vec![
            (OBS_NO_ON_DEMAND.to_string(), "CBC.99003608".to_string()),
            (WEB01_DISK.to_string(), "CBC.0100".to_string()),
        ]
    );
    let state = sb.state();
    for id in family_ids(&state, API01) {
        assert_eq!(
            state.resource(&id).unwrap().expire_policy,
            EXPIRE_POLICY_TO_ON_DEMAND,
            "{id}"
        );
    }
    assert_ne!(
        state.resource(OBS_NO_ON_DEMAND).unwrap().expire_policy,
        EXPIRE_POLICY_TO_ON_DEMAND
    );

    let resp = c
        .to_on_demand(&PeriodToOnDemandReq {
            operation: TO_ON_DEMAND_CANCEL.into(),
            resource_ids: ids(&[API01]),
        })
        .await
        .unwrap();
    assert!(resp.body.error_details.unwrap_or_default().is_empty());
    let state = sb.state();
    for id in family_ids(&state, API01) {
        assert_eq!(state.resource(&id).unwrap().expire_policy, 0, "{id}");
    }
    sb.stop().await;
}

#[tokio::test]
async fn unsubscribe_renewals_only_and_whole_resource() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let before = sb.state();
    let renewal = before
        .resource(PROD_DB_02)
        .unwrap()
        .renewals
        .last()
        .unwrap()
        .clone();
    assert!(
        renewal.from > seed_now(),
        "the seed renewal has not started"
    );

    let resp = c
        .unsubscribe(&UnsubscribeResourcesReq {
            resource_ids: ids(&[PROD_DB_02]),
            unsubscribe_type: 2,
            unsubscribe_reason_type: Some(5),
            unsubscribe_reason: Some("renewed by mistake".into()),
        })
        .await
        .unwrap()
        .body;
    assert_eq!(resp.order_ids.unwrap().len(), 1);
    assert!(resp.fail_resource_infos.unwrap_or_default().is_empty());
    let after = sb.state();
    assert_eq!(expire(&after, PROD_DB_02), renewal.from);
    assert_eq!(after.resource(PROD_DB_02).unwrap().status, STATUS_IN_USE);

    // Type 1: main and attached are closed; an attached id fails alone.
    let resp = c
        .unsubscribe(&UnsubscribeResourcesReq {
            resource_ids: ids(&[DEV_BOX_02, WEB01_DISK]),
            unsubscribe_type: 1,
            unsubscribe_reason_type: None,
            unsubscribe_reason: None,
        })
        .await
        .unwrap()
        .body;
    let order_id = resp.order_ids.unwrap().remove(0);
    let fails = resp.fail_resource_infos.unwrap();
    assert_eq!(fails.len(), 1);
    assert_eq!(fails[0].resource_id.as_deref(), Some(WEB01_DISK));
    assert_eq!(fails[0].error_code.as_deref(), Some("CBC.30010036"));
    let after = sb.state();
    let family = family_ids(&after, DEV_BOX_02);
    assert_eq!(family.len(), 2);
    for id in &family {
        assert_eq!(after.resource(id).unwrap().status, STATUS_CLOSED, "{id}");
    }
    assert_eq!(after.resource(WEB01).unwrap().status, STATUS_IN_USE);
    let order = c.order_details(&order_id, None, None).await.unwrap().body;
    assert_eq!(
        order.order_info.unwrap().order_type,
        Some(ORDER_TYPE_UNSUBSCRIBE)
    );
    // Unsubscribe lines have no period number.
    assert!(order
        .order_line_items
        .unwrap()
        .iter()
        .all(|l| l.period_num.is_none()));
    sb.stop().await;
}
