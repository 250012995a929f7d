//! Wire types of the BSS v2 API, named exactly as the API names its fields.
//!
//! Requests carry `deny_unknown_fields` so the sandbox rejects what the real
//! API would reject; responses accept anything and make every field optional,
//! because the SDK marks (almost) no response field as required.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `period_type` in renew and renew-rate calls.
/// `unsubscribe_type` 1: the resource and the resources attached to it.
pub const UNSUBSCRIBE_WITH_ATTACHED: i32 = 1;
pub const PERIOD_TYPE_MONTH: i32 = 2;
pub const PERIOD_TYPE_YEAR: i32 = 3;

/// `status` of a subscription resource.
pub const STATUS_IN_USE: i32 = 2;
pub const STATUS_CLOSED: i32 = 3;
pub const STATUS_FROZEN: i32 = 4;
pub const STATUS_EXPIRED: i32 = 5;

/// `expire_policy` values.
pub const EXPIRE_POLICY_GRACE: i32 = 0;
pub const EXPIRE_POLICY_TO_ON_DEMAND: i32 = 1;
pub const EXPIRE_POLICY_AUTO_RENEW: i32 = 3;

/// Order `status` and `order_type` values used by bssctl.
pub const ORDER_STATUS_CANCELLED: i32 = 4;
pub const ORDER_STATUS_COMPLETED: i32 = 5;
pub const ORDER_STATUS_PENDING_PAYMENT: i32 = 6;
pub const ORDER_TYPE_NEW: i32 = 1;
pub const ORDER_TYPE_RENEWAL: i32 = 2;
pub const ORDER_TYPE_UNSUBSCRIBE: i32 = 4;

// ---------------------------------------------------------------------------
// 1. ListPayPerUseCustomerResources

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryResourcesReq {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_main_resource: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_list: Option<Vec<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire_time_begin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire_time_end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_type_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryResourcesResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<OrderInstanceV2>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseProject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One yearly/monthly resource as the query returns it (`OrderInstanceV2`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderInstanceV2 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_spec_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default)]
    pub parent_resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_main_resource: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_policy: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_spec_desc: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub spec_size: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_size_measure_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_project: Option<EnterpriseProject>,
}

// ---------------------------------------------------------------------------
// 2. RenewalResources

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewalResourcesReq {
    pub resource_ids: Vec<String>,
    pub period_type: i32,
    pub period_num: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_auto_pay: Option<i32>,
}

/// Response of renew and unsubscribe: created orders plus per-resource failures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrdersResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_resource_infos: Option<Vec<FailResourceInfo>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FailResourceInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

// ---------------------------------------------------------------------------
// 3. AutoRenewalResources (POST body; DELETE has none)

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoRenewalResourcesReq {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_renew_times: Option<i32>,
    /// `MONTH` or `YEAR`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_type: Option<String>,
}

/// Responses without documented fields (auto-renew, pay, cancel order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmptyResp {}

// ---------------------------------------------------------------------------
// 4. UpdatePeriodToOnDemand

pub const TO_ON_DEMAND_SET_UP: &str = "SET_UP";
pub const TO_ON_DEMAND_CANCEL: &str = "CANCEL";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodToOnDemandReq {
    pub operation: String,
    pub resource_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodToOnDemandResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_details: Option<Vec<ErrorDetail>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

// ---------------------------------------------------------------------------
// 5. CancelResourcesSubscription

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnsubscribeResourcesReq {
    pub resource_ids: Vec<String>,
    pub unsubscribe_type: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribe_reason_type: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribe_reason: Option<String>,
}

// ---------------------------------------------------------------------------
// 6. ListRenewRateOnPeriod

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewRateReq {
    pub resource_ids: Vec<String>,
    pub period_type: i32,
    pub period_num: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_relative_resources: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RenewRateResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_inquiry_results: Option<Vec<RenewInquiryResultInfo>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_website_rating_result: Option<OfficialWebsiteRatingResultV2>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional_discount_rating_results: Option<Vec<OptionalDiscountRatingResultV2>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_resource_infos: Option<Vec<FailResourceInfo>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RenewInquiryResultInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OfficialWebsiteRatingResultV2 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_website_amount: Option<String>,
    #[serde(default)]
    pub installment_official_website_amount: Option<String>,
    #[serde(default)]
    pub installment_period_type: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OptionalDiscountRatingResultV2 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_website_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_type: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_offer: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installment_official_website_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installment_official_discount_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installment_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installment_period_type: Option<i32>,
}

// ---------------------------------------------------------------------------
// 7. SetResourcesRenewConfig

pub const RENEW_CONFIG_DEDUCTION_DATE: &str = "DEDUCTION_DATE";
pub const RENEW_CONFIG_EXPIRE_DATE: &str = "EXPIRE_DATE";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewResourceConfigReq {
    pub config_name: String,
    pub config_value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RenewResourceConfigResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

// ---------------------------------------------------------------------------
// 8. Orders

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AmountInfomationV2 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discounts: Option<Vec<DiscountItemV2>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flexipurchase_coupon_amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_card_amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commission_amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed_amount: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DiscountItemV2 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<f64>,
}

/// An order as `ListCustomerOrders` (`CustomerOrderV2`) and
/// `ShowCustomerOrderDetails` (`CustomerOrderV3`) return it; the union of both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerOrder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_type: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_after_discount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_info: Option<AmountInfomationV2>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_payment_end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_projects: Option<Vec<EnterpriseProject>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_order_infos: Option<Vec<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_pay_info: Option<AgentPayInfoV2>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentPayInfoV2 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paying_agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_agent_pay: Option<bool>,
}

/// Query parameters of `ListCustomerOrders`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListCustomerOrdersQuery {
    pub order_id: Option<String>,
    pub create_time_begin: Option<String>,
    pub create_time_end: Option<String>,
    pub service_type_code: Option<String>,
    pub status: Option<i32>,
    pub order_type: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub order_by: Option<String>,
    pub payment_time_begin: Option<String>,
    pub payment_time_end: Option<String>,
    /// `oneself` (default) or `sub_customer` (orders of enterprise sub-accounts).
    pub method: Option<String>,
}

impl ListCustomerOrdersQuery {
    /// The query pairs in the order the SDK would list them; the signer sorts.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut push = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                pairs.push((k.to_string(), v));
            }
        };
        push("order_id", self.order_id.clone());
        push("create_time_begin", self.create_time_begin.clone());
        push("create_time_end", self.create_time_end.clone());
        push("service_type_code", self.service_type_code.clone());
        push("status", self.status.map(|s| s.to_string()));
        push("order_type", self.order_type.clone());
        push("limit", self.limit.map(|s| s.to_string()));
        push("offset", self.offset.map(|s| s.to_string()));
        push("order_by", self.order_by.clone());
        push("payment_time_begin", self.payment_time_begin.clone());
        push("payment_time_end", self.payment_time_end.clone());
        push("method", self.method.clone());
        pairs
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListCustomerOrdersResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_infos: Option<Vec<CustomerOrder>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderDetailsResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_info: Option<CustomerOrder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line_items: Option<Vec<OrderLineItemEntityV2>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderLineItemEntityV2 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line_item_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_spec_desc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_type: Option<i32>,
    #[serde(default)]
    pub period_num: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_num: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_after_discount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_info: Option<AmountInfomationV2>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_owner_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commercial_resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_product_info: Option<ProductObject>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductObject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_spec_desc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_owner_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commercial_resource: Option<String>,
}

pub const YES: &str = "YES";
pub const NO: &str = "NO";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayCustomerOrderV3Req {
    pub order_id: String,
    pub use_coupon: String,
    pub use_discount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_infos: Option<Vec<CouponSimpleInfoOrderPayV3>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_infos: Option<Vec<DiscountSimpleInfoV3>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CouponSimpleInfoOrderPayV3 {
    pub id: String,
    /// 300 discount coupon, 301 cash voucher, 302 cash coupon, 303 stored-value card.
    pub r#type: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscountSimpleInfoV3 {
    pub id: String,
    /// 0 promotion, 2 commercial, 3 partner-granted.
    pub r#type: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelCustomerOrderReq {
    pub order_id: String,
}

/// `ListOrderCouponsByOrderId` response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderCouponsResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_coupons: Option<Vec<CouponInfoV2>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_max_use_quantity: Option<Vec<CouponMaxUseQuantity>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CouponInfoV2 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// 1 cash voucher, 2 discount coupon, 3 product coupon, 4 cash coupon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_type: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_desc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_limits: Option<Vec<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_version: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_by_order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_usage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_group: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CouponMaxUseQuantity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_type: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_group: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_quantity_value: Option<i32>,
}

/// `ListOrderDiscounts` response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderDiscountsResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discounts: Option<Vec<DiscountInfoV3>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DiscountInfoV3 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_value: Option<String>,
    /// 0 promotion, 1 contract, 2 commercial, 3 partner-granted, 609 order price adjustment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_type: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders: Option<Vec<OrderV3>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderV3 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line_items: Option<Vec<OrderLineItemV3>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderLineItemV3 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line_item_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_mode: Option<i32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub discount_amount: Option<Decimal>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub discount_ratio: Option<Decimal>,
}

// ---------------------------------------------------------------------------
// 9. ShowCustomerAccountBalances

pub const ACCOUNT_TYPE_BALANCE: i32 = 1;
pub const ACCOUNT_TYPE_CREDIT: i32 = 2;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BalancesResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_balances: Option<Vec<AccountBalanceV3>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub debt_amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

impl BalancesResp {
    /// What can pay for renewals and orders: cash (1) and credit (2); bonus
    /// and deposit cannot. A negative cash account (arrears) counts against
    /// the credit, as the platform settles arrears first: the conservative
    /// figure for a check before buying. The one place bssctl sums a balance.
    pub fn cash_and_credit(&self) -> Decimal {
        self.account_balances
            .iter()
            .flatten()
            .filter(|a| {
                matches!(
                    a.account_type,
                    Some(ACCOUNT_TYPE_BALANCE) | Some(ACCOUNT_TYPE_CREDIT)
                )
            })
            .map(|a| a.amount.unwrap_or_default())
            .sum()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountBalanceV3 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<i32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub designated_amount: Option<Decimal>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub credit_amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_id: Option<i32>,
}

// ---------------------------------------------------------------------------
// IAM: GET /v3/auth/domains

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthDomainsResp {
    #[serde(default)]
    pub domains: Vec<AuthDomain>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthDomain {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

// ---- §13 Enterprise multi-accounts (master account only) ----

/// `balance_type` of the enterprise transfer calls (§13c, §13e).
pub const BALANCE_TYPE_DEBIT: &str = "BALANCE_TYPE_DEBIT";
pub const BALANCE_TYPE_CREDIT: &str = "BALANCE_TYPE_CREDIT";
/// `status` of a sub-account (§13a): 1 normal.
pub const SUB_CUSTOMER_STATUS_NORMAL: i32 = 1;

/// `SubCustomerInfoV2` (ListEnterpriseSubCustomers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubCustomerInfoV2 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default)]
    pub org_name: Option<String>,
}

/// `ListEnterpriseSubCustomersResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListEnterpriseSubCustomersResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_customer_infos: Option<Vec<SubCustomerInfoV2>>,
}

/// `TransferAmountInfoV2` (ShowMultiAccountTransferAmount) and
/// `RetrieveAmountInfoV2` (ListEnterpriseMultiAccount): one shape with the
/// available amount under its operation's name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MultiAccountAmountInfo {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub avail_transfer_amount: Option<Decimal>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub avail_retrieve_amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub amount: Option<Decimal>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    pub credit_amount: Option<Decimal>,
    /// Credit only; absent = the ledger never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
}

/// `ShowMultiAccountTransferAmountResponse` / `ListEnterpriseMultiAccountResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MultiAccountAmountResp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_infos: Option<Vec<MultiAccountAmountInfo>>,
}

impl MultiAccountAmountResp {
    /// The sum of `avail_transfer_amount` over the ledgers.
    pub fn avail_transfer(&self) -> Decimal {
        self.amount_infos
            .iter()
            .flatten()
            .filter_map(|a| a.avail_transfer_amount)
            .sum()
    }
}

/// `TransferEnterpriseMultiAccountReq` (UpdateSubEnterpriseAmount body).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferEnterpriseMultiAccountReq {
    pub customer_id: String,
    /// Yuan, a decimal string with 2 decimals: `"500.00"`.
    pub amount: String,
    /// 32 hex digits; the same for every resend of one movement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trans_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
}
