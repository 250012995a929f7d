//! Pricing and account settings.

use super::*;

#[tokio::test]
async fn renew_rate_with_attached_resources_and_discounts() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    let state = sb.state();
    let month = |id: &str| state.resource(id).unwrap().price_month;
    let family_price =
        |main: &str| -> Decimal { family_ids(&state, main).iter().map(|i| month(i)).sum() };

    let resp = c
        .renew_rate(&RenewRateReq {
            resource_ids: ids(&[WEB01, API01, WEB01_DISK]),
            period_type: PERIOD_TYPE_MONTH,
            period_num: 3,
            include_relative_resources: Some(true),
        })
        .await
        .unwrap()
        .body;
    assert_eq!(resp.currency.as_deref(), Some("CNY"));
    let results: Vec<(String, Decimal)> = resp
        .renew_inquiry_results
        .unwrap()
        .into_iter()
        .map(|r| (r.resource_id.unwrap(), dec(&r.amount.unwrap())))
        .collect();
    let web = family_price(WEB01) * Decimal::from(3);
    let api = family_price(API01) * Decimal::from(3);
    assert_eq!(
        results,
        vec![(WEB01.to_string(), web), (API01.to_string(), api)]
    );
    let official = resp.official_website_rating_result.unwrap();
    let total = dec(official.official_website_amount.as_deref().unwrap());
    assert_eq!(total, web + api);
    let fails = resp.fail_resource_infos.unwrap();
    assert_eq!(fails.len(), 1);
    assert_eq!(fails[0].resource_id.as_deref(), Some(WEB01_DISK));
    assert_eq!(fails[0].error_code.as_deref(), Some("CBC.30050007"));

    let discounts = resp.optional_discount_rating_results.unwrap();
    assert_eq!(discounts.len(), 1);
    let d = &discounts[0];
    assert_eq!(d.discount_id.as_deref(), Some(DISCOUNT_605));
    assert_eq!(d.discount_type, Some(605));
    assert_eq!(d.best_offer, Some(1));
    let saving = dec(d.discount_amount.as_deref().unwrap());
    let amount = dec(d.amount.as_deref().unwrap());
    assert_eq!(amount + saving, total);
    assert_eq!(amount, ninety_percent(total));

    // Without attached resources: the main resources' own prices.
    let resp = c
        .renew_rate(&RenewRateReq {
            resource_ids: ids(&[WEB01]),
            period_type: PERIOD_TYPE_YEAR,
            period_num: 1,
            include_relative_resources: None,
        })
        .await
        .unwrap()
        .body;
    let only = resp.renew_inquiry_results.unwrap().remove(0);
    assert_eq!(
        dec(&only.amount.unwrap()),
        state.resource(WEB01).unwrap().price_year
    );
    sb.stop().await;
}

#[tokio::test]
async fn set_renew_config_stores_in_range_values_and_refuses_the_rest() {
    let sb = Sandbox::start().await;
    let c = sb.client();
    for (name, value) in [
        (RENEW_CONFIG_DEDUCTION_DATE, "2"),
        (RENEW_CONFIG_DEDUCTION_DATE, "7"),
        (RENEW_CONFIG_EXPIRE_DATE, "28"),
        (RENEW_CONFIG_EXPIRE_DATE, "-1"),
    ] {
        let resp = c
            .set_renew_config(&RenewResourceConfigReq {
                config_name: name.into(),
                config_value: value.into(),
            })
            .await
            .unwrap();
        assert_eq!(resp.body.error_code.as_deref(), Some("CBC.0000"));
        assert_eq!(
            sb.state().renew_config.get(name).map(String::as_str),
            Some(value)
        );
    }
    let sent = stats_of(&c, Api::SetRenewConfig).requests;
    assert_eq!(sent, 4);
    for (name, value) in [
        (RENEW_CONFIG_DEDUCTION_DATE, "1"),
        (RENEW_CONFIG_DEDUCTION_DATE, "8"),
        (RENEW_CONFIG_EXPIRE_DATE, "0"),
        (RENEW_CONFIG_EXPIRE_DATE, "29"),
        (RENEW_CONFIG_EXPIRE_DATE, "-2"),
        (RENEW_CONFIG_EXPIRE_DATE, "last"),
        ("RENEW_DATE", "3"),
    ] {
        let err = c
            .set_renew_config(&RenewResourceConfigReq {
                config_name: name.into(),
                config_value: value.into(),
            })
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ApiError::InvalidRequest {
                    api: Api::SetRenewConfig,
                    ..
                }
            ),
            "{name}={value}: {err:?}"
        );
    }
    assert_eq!(
        stats_of(&c, Api::SetRenewConfig).requests,
        sent,
        "nothing sent"
    );
    sb.stop().await;
}
