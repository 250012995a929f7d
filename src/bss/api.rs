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
    /// CTS (the audit trail), not BSS: regional and project-scoped.
    ListTraces,
    SubCustomers,
    TransferAmount,
    RetrieveAmount,
    Transfer,
    AssumeAgency,
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

/// What bssctl knows about one operation. The client (method, path, id
/// limits, retry safety), the sandbox (routing, id limits), the hints (IAM
/// action) and the batching limits all read this row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiMeta {
    pub api: Api,
    /// The operation's name in the official SDK.
    pub sdk_name: &'static str,
    pub method: &'static str,
    /// Path template; `{resource_id}` / `{order_id}` are path parameters.
    pub path: &'static str,
    /// The documented most resource ids per call (README §0), for calls that
    /// take a list of ids.
    pub max_ids: Option<usize>,
    pub safety: Safety,
    /// The IAM action the call needs (role and policy authorization).
    pub iam_action: &'static str,
}

const fn row(
    api: Api,
    sdk_name: &'static str,
    method: &'static str,
    path: &'static str,
    max_ids: Option<usize>,
    safety: Safety,
    iam_action: &'static str,
) -> ApiMeta {
    ApiMeta {
        api,
        sdk_name,
        method,
        path,
        max_ids,
        safety,
        iam_action,
    }
}

use Safety::{IdempotentWrite, NotIdempotent, ReadOnly};

/// One row per operation, in the order of the `Api` variants (checked at
/// compile time below).
#[rustfmt::skip]
pub const API_TABLE: [ApiMeta; 22] = [
    // The API really spells it "suscriptions".
    row(Api::QueryResources, "ListPayPerUseCustomerResources", "POST",
        "/v2/orders/suscriptions/resources/query", Some(50), ReadOnly, "bss:renewal:view"),
    row(Api::Renew, "RenewalResources", "POST",
        "/v2/orders/subscriptions/resources/renew", Some(10), NotIdempotent, "bss:renewal:update"),
    row(Api::EnableAutoRenew, "AutoRenewalResources", "POST",
        "/v2/orders/subscriptions/resources/autorenew/{resource_id}", None, IdempotentWrite, "bss:renewal:update"),
    row(Api::CancelAutoRenew, "CancelAutoRenewalResources", "DELETE",
        "/v2/orders/subscriptions/resources/autorenew/{resource_id}", None, IdempotentWrite, "bss:renewal:update"),
    row(Api::ToOnDemand, "UpdatePeriodToOnDemand", "POST",
        "/v2/orders/subscriptions/resources/to-on-demand", Some(100), IdempotentWrite, "bss:renewal:update"),
    row(Api::Unsubscribe, "CancelResourcesSubscription", "POST",
        "/v2/orders/subscriptions/resources/unsubscribe", Some(10), NotIdempotent, "bss:unsubscribe:update"),
    row(Api::RenewRate, "ListRenewRateOnPeriod", "POST",
        "/v2/bills/ratings/period-resources/renew-rate", Some(10), ReadOnly, "bss:discount:view"),
    row(Api::SetRenewConfig, "SetResourcesRenewConfig", "POST",
        "/v2/orders/subscriptions/resources/renew/config", None, IdempotentWrite, "bss:renewal:update"),
    row(Api::ListOrders, "ListCustomerOrders", "GET",
        "/v2/orders/customer-orders", None, ReadOnly, "bss:order:view"),
    row(Api::OrderDetails, "ShowCustomerOrderDetails", "GET",
        "/v2/orders/customer-orders/details/{order_id}", None, ReadOnly, "bss:order:view"),
    row(Api::PayOrder, "PayOrders", "POST",
        "/v3/orders/customer-orders/pay", None, NotIdempotent, "bss:order:pay"),
    row(Api::CancelOrder, "CancelCustomerOrder", "PUT",
        "/v2/orders/customer-orders/cancel", None, NotIdempotent, "bss:order:update"),
    row(Api::OrderCoupons, "ListOrderCouponsByOrderId", "GET",
        "/v2/orders/customer-orders/order-coupons", None, ReadOnly, "bss:order:view"),
    row(Api::OrderDiscounts, "ListOrderDiscounts", "GET",
        "/v2/orders/customer-orders/order-discounts", None, ReadOnly, "bss:order:view"),
    row(Api::Balances, "ShowCustomerAccountBalances", "GET",
        "/v2/accounts/customer-accounts/balances", None, ReadOnly, "bss:balance:view"),
    row(Api::IamDomains, "KeystoneListAuthDomains", "GET",
        "/v3/auth/domains", None, ReadOnly, "iam:users:getUser"),
    // Cloud Trace Service (bss-api §14b), on the CTS endpoint of a region.
    row(Api::ListTraces, "ListTraces", "GET",
        "/v3/{project_id}/traces", None, ReadOnly, "cts:trace:list"),
    // §13: enterprise multi-accounts, master account only. A balance query
    // and a money movement share `transfer-amount`: method and path are
    // bound per row, never derived from each other.
    row(Api::SubCustomers, "ListEnterpriseSubCustomers", "GET",
        "/v2/enterprises/multi-accounts/sub-customers", None, ReadOnly, "businessUnitCenter:businessUnit:view"),
    row(Api::TransferAmount, "ShowMultiAccountTransferAmount", "GET",
        "/v2/enterprises/multi-accounts/transfer-amount", None, ReadOnly, "businessUnitCenter:businessUnitFinance:view"),
    row(Api::RetrieveAmount, "ListEnterpriseMultiAccount", "GET",
        "/v2/enterprises/multi-accounts/retrieve-amount", None, ReadOnly, "businessUnitCenter:businessUnitFinance:view"),
    row(Api::Transfer, "UpdateSubEnterpriseAmount", "POST",
        "/v2/enterprises/multi-accounts/transfer-amount", None, NotIdempotent, "businessUnitCenter:businessUnitFinance:update"),
    // §13i, on IAM: mints new temporary credentials each call, safe to resend.
    row(Api::AssumeAgency, "CreateTemporaryAccessKeyByAgency", "POST",
        "/v3.0/OS-CREDENTIAL/securitytokens", None, ReadOnly, "iam:agencies:assume"),
];

// `Api::meta` indexes the table by variant: row i must describe variant i.
const _: () = {
    let mut i = 0;
    while i < API_TABLE.len() {
        assert!(
            API_TABLE[i].api as usize == i,
            "API_TABLE out of variant order"
        );
        assert!(Api::ALL[i] as usize == i, "Api::ALL out of variant order");
        i += 1;
    }
};

/// The documented id limit of a list-taking call, for `const` limits.
pub const fn id_limit(api: Api) -> usize {
    match api.meta().max_ids {
        Some(n) => n,
        None => panic!("this API takes no list of ids"),
    }
}

impl Api {
    pub const ALL: [Api; 22] = [
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
        Api::ListTraces,
        Api::SubCustomers,
        Api::TransferAmount,
        Api::RetrieveAmount,
        Api::Transfer,
        Api::AssumeAgency,
    ];

    /// The operation's row in [`API_TABLE`].
    pub const fn meta(self) -> &'static ApiMeta {
        &API_TABLE[self as usize]
    }

    /// The operation's name in the official SDK.
    pub const fn sdk_name(self) -> &'static str {
        self.meta().sdk_name
    }

    pub const fn method(self) -> &'static str {
        self.meta().method
    }

    /// Path template; `{resource_id}` / `{order_id}` / `{project_id}` are
    /// path parameters.
    pub const fn path(self) -> &'static str {
        self.meta().path
    }

    pub const fn safety(self) -> Safety {
        self.meta().safety
    }

    /// The documented most resource ids per call, for calls that take a list.
    pub const fn max_ids(self) -> Option<usize> {
        self.meta().max_ids
    }

    /// The IAM action the call needs, as the public docs name them (role and
    /// policy authorization).
    pub const fn iam_action(self) -> &'static str {
        self.meta().iam_action
    }

    /// The §13 enterprise multi-account calls (master account only).
    pub const fn is_enterprise(self) -> bool {
        matches!(
            self,
            Api::SubCustomers | Api::TransferAmount | Api::RetrieveAmount | Api::Transfer
        )
    }

    /// Whether the call changes the account (the sandbox persists after these).
    pub const fn is_write(self) -> bool {
        !matches!(self.safety(), Safety::ReadOnly)
    }

    /// Finds the operation for a method and a concrete path (path parameters filled in).
    pub fn route(method: &str, path: &str) -> Option<(Api, Option<String>)> {
        let path = path.trim_end_matches('/');
        for row in &API_TABLE {
            let api = row.api;
            if !row.method.eq_ignore_ascii_case(method) {
                continue;
            }
            let template = row.path;
            match template.find('{') {
                None if template == path => return Some((api, None)),
                Some(brace) => {
                    let prefix = &template[..brace];
                    let suffix = template[brace..]
                        .find('}')
                        .map_or("", |end| &template[brace + end + 1..]);
                    if let Some(param) = path
                        .strip_prefix(prefix)
                        .and_then(|p| p.strip_suffix(suffix))
                    {
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
                .replace("{order_id}", "o-1")
                .replace("{project_id}", "p-1");
            let (found, _) = Api::route(api.method(), &path).expect("routes");
            assert_eq!(found, api, "{path}");
        }
    }

    #[test]
    fn every_row_is_complete_and_routes_to_its_api() {
        assert_eq!(API_TABLE.len(), Api::ALL.len());
        for api in Api::ALL {
            let m = api.meta();
            assert_eq!(m.api, api);
            assert!(!m.sdk_name.is_empty(), "{api:?}: sdk name");
            assert!(
                ["GET", "POST", "PUT", "DELETE"].contains(&m.method),
                "{api:?}: method {}",
                m.method
            );
            assert!(m.path.starts_with("/v"), "{api:?}: path {}", m.path);
            assert!(m.iam_action.contains(':'), "{api:?}: iam action");
            assert!(m.max_ids.is_none_or(|n| n > 0), "{api:?}: id limit");
            let path = m
                .path
                .replace("{resource_id}", "r-1")
                .replace("{order_id}", "o-1")
                .replace("{project_id}", "p-1");
            let (found, _) = Api::route(m.method, &path).expect("routes");
            assert_eq!(found, api, "{} {path}", m.method);
        }
        // The documented per-call limits (bss-api README §0).
        assert_eq!(id_limit(Api::QueryResources), 50);
        assert_eq!(id_limit(Api::Renew), 10);
        assert_eq!(id_limit(Api::RenewRate), 10);
        assert_eq!(id_limit(Api::Unsubscribe), 10);
        assert_eq!(id_limit(Api::ToOnDemand), 100);
        // §13: the same path, two operations told apart by the method.
        assert_eq!(
            Api::route("GET", "/v2/enterprises/multi-accounts/transfer-amount"),
            Some((Api::TransferAmount, None))
        );
        assert_eq!(
            Api::route("POST", "/v2/enterprises/multi-accounts/transfer-amount"),
            Some((Api::Transfer, None))
        );
        assert_eq!(
            Api::route("POST", "/v2/enterprises/multi-accounts/sub-customers"),
            None
        );
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
        assert_eq!(
            Api::route("GET", "/v3/0d4a1c2b/traces"),
            Some((Api::ListTraces, Some("0d4a1c2b".into())))
        );
        assert_eq!(Api::route("GET", "/v3/a/b/traces"), None);
    }
}
