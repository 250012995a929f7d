//! The reference's example payloads decode into our wire types, and our
//! request types re-encode the request examples to the same JSON.

use bssctl::bss::model::*;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

fn example(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/api-examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn request_round_trips<T: Serialize + DeserializeOwned>(name: &str) {
    let raw = example(name);
    let typed: T = serde_json::from_value(raw.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(serde_json::to_value(&typed).unwrap(), raw, "{name}");
}

fn response_decodes<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(example(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn request_examples_round_trip() {
    request_round_trips::<QueryResourcesReq>("query_resources.request.json");
    request_round_trips::<RenewalResourcesReq>("renew.request.json");
    request_round_trips::<AutoRenewalResourcesReq>("autorenew.request.json");
    request_round_trips::<PeriodToOnDemandReq>("to_on_demand.request.json");
    request_round_trips::<UnsubscribeResourcesReq>("unsubscribe.request.json");
    request_round_trips::<RenewRateReq>("renew_rate.request.json");
}

#[test]
fn response_examples_decode() {
    let q: QueryResourcesResp = response_decodes("query_resources.response.json");
    let data = q.data.unwrap();
    assert_eq!(q.total_count, Some(3));
    assert_eq!(
        data[1].parent_resource_id.as_deref(),
        Some("0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978")
    );
    assert_eq!(data[1].is_main_resource, Some(0));
    assert_eq!(
        data[1].spec_size.map(|d| d.to_string()).as_deref(),
        Some("100")
    );
    let r: OrdersResp = response_decodes("renew.response.json");
    assert_eq!(r.order_ids.unwrap(), vec!["CS2611250931RX7QW"]);
    let p: OrdersResp = response_decodes("error.partial_renew.response.json");
    assert_eq!(
        p.fail_resource_infos.unwrap()[0].error_code.as_deref(),
        Some("CBC.30010036")
    );
    let _: EmptyResp = response_decodes("autorenew.response.json");
    let t: PeriodToOnDemandResp = response_decodes("to_on_demand.response.json");
    assert_eq!(
        t.error_details.unwrap()[0].error_code.as_deref(),
        Some("CBC.99003608")
    );
    let u: OrdersResp = response_decodes("unsubscribe.response.json");
    assert_eq!(u.order_ids.unwrap().len(), 1);
    let rr: RenewRateResp = response_decodes("renew_rate.response.json");
    assert_eq!(
        rr.optional_discount_rating_results.unwrap()[0].best_offer,
        Some(1)
    );
}

#[test]
fn unknown_request_fields_are_rejected() {
    let err = serde_json::from_str::<RenewalResourcesReq>(
        r#"{"resource_ids":["a"],"period_type":2,"period_num":1,"is_autopay":1}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("is_autopay"));
}
