//! The BSS (and IAM) operations bssctl calls, with what the client needs to
//! know about each: method, path, and whether resending it is safe.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    QueryResources,
    Renew,
    EnableAutoRenew,
    CancelAutoRenew,
    ToOnDemand,
    Unsubscribe,
    RenewRate,
    SetRenewConfig,
    ListOrders,
    OrderDetails,
    PayOrder,
    CancelOrder,
    OrderCoupons,
    OrderDiscounts,
    Balances,
    IamDomains,
}

/// How a failed call may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// Reads: resend on throttling, 5xx and transport errors.
    ReadOnly,
    /// Writes that set a state (auto-renew on/off, to-on-demand, renew config):
    /// sending twice leaves the same state, so they retry like reads.
    IdempotentWrite,
    /// Purchases and releases (renew, unsubscribe, pay, cancel order): resent
    /// only when the failure proves the request was not accepted.
    NotIdempotent,
}

impl Api {
    pub const ALL: [Api; 16] = [
        Api::QueryResources,
        Api::Renew,
        Api::EnableAutoRenew,
        Api::CancelAutoRenew,
        Api::ToOnDemand,
        Api::Unsubscribe,
        Api::RenewRate,
        Api::SetRenewConfig,
        Api::ListOrders,
        Api::OrderDetails,
        Api::PayOrder,
        Api::CancelOrder,
        Api::OrderCoupons,
        Api::OrderDiscounts,
        Api::Balances,
        Api::IamDomains,
    ];

    /// The operation's name in the official SDK.
    pub fn sdk_name(self) -> &'static str {
        match self {
            Api::QueryResources => "ListPayPerUseCustomerResources",
            Api::Renew => "RenewalResources",
            Api::EnableAutoRenew => "AutoRenewalResources",
            Api::CancelAutoRenew => "CancelAutoRenewalResources",
            Api::ToOnDemand => "UpdatePeriodToOnDemand",
            Api::Unsubscribe => "CancelResourcesSubscription",
            Api::RenewRate => "ListRenewRateOnPeriod",
            Api::SetRenewConfig => "SetResourcesRenewConfig",
            Api::ListOrders => "ListCustomerOrders",
            Api::OrderDetails => "ShowCustomerOrderDetails",
            Api::PayOrder => "PayOrders",
            Api::CancelOrder => "CancelCustomerOrder",
            Api::OrderCoupons => "ListOrderCouponsByOrderId",
            Api::OrderDiscounts => "ListOrderDiscounts",
            Api::Balances => "ShowCustomerAccountBalances",
            Api::IamDomains => "KeystoneListAuthDomains",
        }
    }

    pub fn method(self) -> &'static str {
        match self {
            Api::CancelAutoRenew => "DELETE",
            Api::CancelOrder => "PUT",
            Api::ListOrders
            | Api::OrderDetails
            | Api::OrderCoupons
            | Api::OrderDiscounts
            | Api::Balances
            | Api::IamDomains => "GET",
            _ => "POST",
        }
    }

    /// Path template; `{resource_id}` / `{order_id}` are path parameters.
    pub fn path(self) -> &'static str {
        match self {
            // The API really spells it "suscriptions".
            Api::QueryResources => "/v2/orders/suscriptions/resources/query",
            Api::Renew => "/v2/orders/subscriptions/resources/renew",
            Api::EnableAutoRenew | Api::CancelAutoRenew => {
                "/v2/orders/subscriptions/resources/autorenew/{resource_id}"
            }
            Api::ToOnDemand => "/v2/orders/subscriptions/resources/to-on-demand",
            Api::Unsubscribe => "/v2/orders/subscriptions/resources/unsubscribe",
            Api::RenewRate => "/v2/bills/ratings/period-resources/renew-rate",
            Api::SetRenewConfig => "/v2/orders/subscriptions/resources/renew/config",
            Api::ListOrders => "/v2/orders/customer-orders",
            Api::OrderDetails => "/v2/orders/customer-orders/details/{order_id}",
            Api::PayOrder => "/v3/orders/customer-orders/pay",
            Api::CancelOrder => "/v2/orders/customer-orders/cancel",
            Api::OrderCoupons => "/v2/orders/customer-orders/order-coupons",
            Api::OrderDiscounts => "/v2/orders/customer-orders/order-discounts",
            Api::Balances => "/v2/accounts/customer-accounts/balances",
            Api::IamDomains => "/v3/auth/domains",
        }
    }

    pub fn safety(self) -> Safety {
        match self {
            Api::Renew | Api::Unsubscribe | Api::PayOrder | Api::CancelOrder => {
                Safety::NotIdempotent
            }
            Api::EnableAutoRenew | Api::CancelAutoRenew | Api::ToOnDemand | Api::SetRenewConfig => {
                Safety::IdempotentWrite
            }
            _ => Safety::ReadOnly,
        }
    }

    /// Whether the call changes the account (the sandbox persists after these).
    pub fn is_write(self) -> bool {
        self.safety() != Safety::ReadOnly
    }

    /// Finds the operation for a method and a concrete path (path parameters filled in).
    pub fn route(method: &str, path: &str) -> Option<(Api, Option<String>)> {
        let path = path.trim_end_matches('/');
        for api in Api::ALL {
            if !api.method().eq_ignore_ascii_case(method) {
                continue;
            }
            let template = api.path();
            match template.find('{') {
                None if template == path => return Some((api, None)),
                Some(brace) => {
                    let prefix = &template[..brace];
                    if let Some(param) = path.strip_prefix(prefix) {
                        if !param.is_empty() && !param.contains('/') {
                            return Some((api, Some(param.to_string())));
                        }
                    }
                }
                None => {}
            }
        }
        None
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sdk_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_every_api_from_its_own_path() {
        for api in Api::ALL {
            let path = api
                .path()
                .replace("{resource_id}", "r-1")
                .replace("{order_id}", "o-1");
            let (found, _) = Api::route(api.method(), &path).expect("routes");
            assert_eq!(found, api, "{path}");
        }
    }

    #[test]
    fn path_parameter_is_returned() {
        assert_eq!(
            Api::route("DELETE", "/v2/orders/subscriptions/resources/autorenew/abc"),
            Some((Api::CancelAutoRenew, Some("abc".into())))
        );
        assert_eq!(
            Api::route("GET", "/v2/orders/subscriptions/resources/renew"),
            None
        );
    }
}
