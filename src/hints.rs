//! What to do about an error: one hint per BSS error code (every code in the
//! reference's §10 table), the gateway's auth and throttling codes, and HTTP
//! 401/403 in general. Pure: a code in, advice out. `hint_for_error` adds
//! what only the error itself knows (the API called, IAM's denial detail).

use crate::bss::{Api, ApiError};

/// Every code in the BSS reference's error table (§10), in its order.
pub const REFERENCE_CODES: [&str; 69] = [
    "CBC.0000",
    "CBC.0100",
    "CBC.0101",
    "CBC.0151",
    "CBC.0154",
    "CBC.0155",
    "CBC.0156",
    "CBC.0999",
    "CBC.3002",
    "CBC.3006",
    "CBC.3016",
    "CBC.30050007",
    "CBC.30050008",
    "CBC.30050009",
    "CBC.30050010",
    "CBC.30050011",
    "CBC.30050013",
    "CBC.30050012",
    "CBC.99006006",
    "CBC.99006055",
    "CBC.30010036",
    "CBC.30010069",
    "CBC.30050006",
    "CBC.99000092",
    "CBC.99003100",
    "CBC.99003016",
    "CBC.99003144",
    "CBC.99003154",
    "CBC.99003634",
    "CBC.99003012",
    "CBC.99003602",
    "CBC.99003605",
    "CBC.99003608",
    "CBC.99003609",
    "CBC.99003611",
    "CBC.99003622",
    "CBC.99003610",
    "CBC.99003623",
    "CBC.99003624",
    "CBC.99003625",
    "CBC.99003626",
    "CBC.30000053",
    "CBC.30000067",
    "CBC.99003128",
    "CBC.99003185",
    "CBC.99003643",
    "CBC.99003647",
    "CBC.99003649",
    "CBC.99003650",
    "CBC.99003652",
    "CBC.99003651",
    "CBC.99003654",
    "CBC.99003656",
    "CBC.99006066",
    "CBC.30000010",
    "CBC.99003106",
    "CBC.99003110",
    "CBC.99003108",
    "CBC.99003112",
    "CBC.99003116",
    "CBC.99003117",
    "CBC.99003147",
    "CBC.99003156",
    "CBC.99005003",
    "CBC.99008040",
    "CBC.99008056",
    "CBC.99005010",
    "CBC.99000089",
    "APIG.0308",
];

/// Codes with a hint beyond the reference's table: the gateway's own
/// (authentication, unknown API), HTTP statuses used as codes when a body has
/// none, and the kinds apply reports for errors without a service code.
pub const EXTRA_CODES: [&str; 9] = [
    "APIGW.0301",
    "APIGW.0307",
    "APIGW.0101",
    "401",
    "403",
    "TRANSPORT",
    "AMBIGUOUS",
    "CERTIFICATE",
    "REDIRECT",
];

/// Advice for an error code, or `None` for a code bssctl knows nothing about
/// (its `error_msg` is then all there is).
pub fn hint(code: &str) -> Option<&'static str> {
    let h = match code.trim() {
        "CBC.0000" => "success (the API's code for OK): nothing to do",
        "CBC.0100" => {
            "a request parameter was rejected and the message names it: check the manifest \
             values (main resource ids only; periods 1-11 months or 1-3 years) and run \
             bssctl validate -f FILES"
        }
        "CBC.0151" => {
            "access denied by IAM: the user lacks a BSS permission. Grant the BSS Administrator \
             role, or a custom policy with the call's action (bss:renewal:update to renew, set \
             auto-renew or pay-per-use; bss:unsubscribe:update to unsubscribe; bss:order:pay to \
             pay orders; bss:order:update to cancel them; bss:renewal:view / bss:order:view to \
             read; identity policies: billing:subscription:renew, billing:order:view). A \
             billing:cloudServiceType condition in the policy also causes it, and so does a \
             wrong account id in HUAWEICLOUD_SDK_DOMAIN_ID"
        }
        "CBC.0156" => {
            "the account does not belong to this site: an international-site account needs \
             --site international (or --endpoint https://bss-intl.myhuaweicloud.com); a \
             China-site account the default endpoint"
        }
        "CBC.0999" => {
            "an internal error of the BSS service: try again later. For a renewal or payment, \
             first check whether it took effect (bssctl plan, bssctl orders --all): bssctl \
             never resends those blindly. If it persists, give Huawei Cloud support the \
             request id"
        }
        "CBC.3002" => {
            "the resource is locked by an order or an operation in progress: pay or cancel the \
             unpaid order (bssctl orders --all lists them) or wait for the operation to end, \
             then try again"
        }
        "CBC.3006" => {
            "this cloud service type does not support the operation: manage the resource in \
             the console, or leave it out of this apply (--exclude ID)"
        }
        "CBC.3016" => {
            "the resource has expired: renew it first (renew_ahead in the manifest renews an \
             expired resource before other changes), or let it be released"
        }
        "CBC.30050007" => {
            "not a main resource: renewal prices are quoted for main resources only; declare \
             the main resource (the ECS server, the bandwidth, ...); its attached resources \
             are priced and renewed with it"
        }
        "CBC.30050008" => {
            "the resource cannot be renewed for that period: choose another renew_ahead.period \
             or auto_renew.period (some products sell only some periods)"
        }
        "CBC.30050009" => {
            "the resource does not exist or was deleted after it expired: remove it from the \
             manifests (bssctl plan lists what is still live)"
        }
        "CBC.30050010" => {
            "the resource is in an unpaid order: pay it (bssctl orders pay ORDER_ID) or cancel \
             it (bssctl orders cancel ORDER_ID) — bssctl orders --all lists unpaid orders — \
             then apply again"
        }
        "CBC.30050011" => {
            "the resource is being unsubscribed or changed (e.g. a spec change in progress): \
             try again later, once that operation has finished"
        }
        "CBC.30050013" => {
            "this product cannot be renewed: drop renew_ahead/auto_renew for it (on_expiry: \
             none or on_demand), or buy a new subscription in the console"
        }
        "CBC.30010036" => {
            "renewals take main resources only: declare the main resource's id; its attached \
             resources are renewed with it"
        }
        "CBC.99003634" => {
            "resources bought in a discount package must be renewed together and with nothing \
             else: give them the same renew_ahead period and apply them on their own \
             (--target ID for each)"
        }
        "CBC.99003012" => {
            "auto-renew: the resource id does not exist: check the id in the manifests \
             (bssctl plan lists live resources)"
        }
        "CBC.99003602" => {
            "auto-renew cannot be set on an expired or frozen resource: renew it first \
             (renew_ahead), then enable auto-renew"
        }
        "CBC.99003608" => {
            "this product (e.g. one bought in the marketplace) cannot switch to pay-per-use: \
             use on_expiry: auto_renew or none for it"
        }
        "CBC.99003626" => {
            "the account is frozen: settle what is owed or contact Huawei Cloud support; \
             nothing can switch to pay-per-use until it is unfrozen"
        }
        "CBC.30000010" => {
            "the order id is invalid or not an order of this account: check it with \
             bssctl orders --all (an order of another account or site is not found)"
        }
        "CBC.99003106" => {
            "the order is no longer pending payment (already paid, cancelled or timed out): \
             check it with bssctl orders --all; there is nothing to pay"
        }
        "CBC.99005003" => {
            "insufficient balance: top up the account (cash or credit), or pay later: with \
             auto_pay: false renewals leave unpaid orders, paid with bssctl orders pay (coupons \
             and discounts apply)"
        }
        "CBC.0101" => {
            "an order parameter was rejected as invalid (the message names it): check the order \
             id with bssctl orders --all and the --coupon/--discount ids offered for that order"
        }
        "CBC.0154" => {
            "the token was refused as invalid or expired by the rating service: get a new IAM \
             token (HUAWEICLOUD_SDK_AUTH_TOKEN) or use an AK/SK, then plan again"
        }
        "CBC.0155" => {
            "the request was not allowed: the credentials are wrong for this call or the user has \
             no permission for the order API; check HUAWEICLOUD_SDK_AK/SK and grant the BSS order \
             permissions (bss:order:view, bss:order:pay, bss:order:update)"
        }
        "CBC.30050012" => {
            "the price request named a resource twice: this is a bssctl bug; run bssctl plan -v \
             and report it with the request id"
        }
        "CBC.99006006" => {
            "the price of this product was not found: it may be a product the rating API cannot \
             quote; exclude it (--exclude ID) or check its price in the console"
        }
        "CBC.99006055" => {
            "the price exceeds the rating service's maximum: choose a shorter renew_ahead.period \
             for it, or renew it in the console"
        }
        "CBC.30010069" => {
            "the renewal period does not exist for this resource: choose another \
             renew_ahead.period (some products sell only some periods)"
        }
        "CBC.30050006" => {
            "the renewal order was created but paying it from the balance failed: the order is \
             unpaid; top up and pay it (bssctl orders pay ORDER_ID), or cancel it (bssctl orders \
             cancel ORDER_ID); do not renew again"
        }
        "CBC.99000092" => {
            "the renewal period check failed: use 1-11 months or 1-3 years in renew_ahead.period, \
             within what the product sells"
        }
        "CBC.99003100" => {
            "the resource is in an unpaid order: pay it (bssctl orders pay ORDER_ID) or cancel it \
             (bssctl orders cancel ORDER_ID); bssctl orders --all lists unpaid orders; then apply \
             again"
        }
        "CBC.99003016" => {
            "the resource does not exist or was deleted after it expired: remove it from the \
             manifests (bssctl plan lists what is still live)"
        }
        "CBC.99003144" => {
            "the resource has an order in progress: wait for it to finish, or pay or cancel it \
             (bssctl orders --all lists them), then apply again"
        }
        "CBC.99003154" => {
            "the bought duration plus this renewal would exceed the maximum the product allows: \
             choose a shorter renew_ahead.period, or renew later"
        }
        "CBC.99003605" => {
            "auto-renew is already cancelled for this resource: nothing to do; run bssctl plan to \
             see the account as it is"
        }
        "CBC.99003609" => {
            "this product type cannot switch to pay-per-use: use on_expiry: auto_renew or none \
             for it"
        }
        "CBC.99003611" => {
            "a pay-per-use package cannot switch to pay-per-use: use on_expiry: auto_renew or \
             none for it"
        }
        "CBC.99003622" => {
            "a solution product cannot switch to pay-per-use: use on_expiry: auto_renew or none \
             for it"
        }
        "CBC.99003610" => {
            "the resource is in its grace or retention period (expired or frozen), where it \
             cannot switch to pay-per-use: renew it first (renew_ahead), or let it be released"
        }
        "CBC.99003623" => {
            "another transaction on this resource is in progress: wait for it to finish (or pay \
             or cancel its order: bssctl orders --all), then apply again"
        }
        "CBC.99003624" => {
            "the resource is frozen for a violation: contact Huawei Cloud support; nothing can be \
             changed until it is unfrozen"
        }
        "CBC.99003625" => {
            "the resource is frozen by a public-security request: contact Huawei Cloud support; \
             nothing can be changed until it is unfrozen"
        }
        "CBC.30000053" => {
            "the resource is billed through a savings plan and cannot be unsubscribed here: \
             remove state: unsubscribed for it and manage it in the console"
        }
        "CBC.30000067" => {
            "the resource was deleted or is not managed by this account: remove it from the \
             manifests (bssctl plan lists what is still live)"
        }
        "CBC.99003128" => {
            "there is no renewed period to unsubscribe, or it has already started: nothing to \
             unsubscribe of the renewed periods; remove the entry or unsubscribe the whole \
             resource"
        }
        "CBC.99003185" => {
            "this service must be unsubscribed as a whole: unsubscribe its main resource together \
             with the rest in the console"
        }
        "CBC.99003643" => {
            "the resource's order has been invoiced and cannot be unsubscribed here: remove \
             state: unsubscribed for it and contact Huawei Cloud support"
        }
        "CBC.99003647" => {
            "a pay-per-use package cannot be unsubscribed here: remove state: unsubscribed for it \
             and manage it in the console"
        }
        "CBC.99003649" => {
            "a trial resource cannot be unsubscribed: remove state: unsubscribed for it; it ends \
             with its trial"
        }
        "CBC.99003650" => {
            "a marketplace product cannot be unsubscribed here: remove state: unsubscribed for it \
             and unsubscribe it through the marketplace"
        }
        "CBC.99003652" => {
            "a DevCloud package cannot be unsubscribed here: remove state: unsubscribed for it \
             and manage it in the console"
        }
        "CBC.99003651" => {
            "another transaction on this resource is in progress (an order being paid, renewed or \
             changed), so it cannot be unsubscribed now: pay or cancel the open order (bssctl \
             orders --all), wait for it to finish, then run bssctl plan and apply again"
        }
        "CBC.99003654" => {
            "a bandwidth add-on package is attached: unsubscribe the add-on package in the \
             console first, then apply again"
        }
        "CBC.99003656" => {
            "the resource is frozen and cannot be unsubscribed: settle what is owed or contact \
             Huawei Cloud support first"
        }
        "CBC.99006066" => {
            "the refund fee query failed: try again later; run bssctl plan first to check whether \
             the unsubscribe already took effect"
        }
        "CBC.99003110" => {
            "the order's payment deadline has passed: it cannot be paid; run bssctl plan, which \
             plans the renewal again"
        }
        "CBC.99003108" => {
            "a coupon or discount given is not usable for this order: pay with the best valid \
             offer (bssctl orders pay ORDER_ID without --coupon), name another with --coupon ID, \
             or pay without offers (--no-offers)"
        }
        "CBC.99003112" => {
            "a coupon or discount given cannot be combined with the others: drop one (--coupon ID \
             for the one to keep) or pay without offers (--no-offers)"
        }
        "CBC.99003116" => {
            "a coupon given is not usable for this order (expired, used, or not for this \
             product): name another with --coupon ID or pay with --no-offers"
        }
        "CBC.99003117" => {
            "a discount given is not usable for this order (an order price adjustment, 609, \
             must be used): name another with --discount ID, other coupons with --coupon ID, or \
             pay with --no-offers"
        }
        "CBC.99003147" => {
            "a voucher and a discount coupon cannot be used together: keep one (--coupon ID) or \
             pay with --no-offers"
        }
        "CBC.99003156" => {
            "too many coupons of one kind for this order: name fewer with --coupon ID (the \
             order's coupon_max_use_quantity), or pay with --no-offers"
        }
        "CBC.99008040" => {
            "payments are too frequent: wait a minute and run bssctl orders pay ORDER_ID again \
             (the order stays unpaid until then)"
        }
        "CBC.99008056" => {
            "the account's daily transaction limit is reached: pay the order tomorrow (bssctl \
             orders pay ORDER_ID) or in the console"
        }
        "CBC.99005010" => {
            "the order's status does not allow cancelling (it is paid, cancelled or being \
             processed): check it with bssctl orders --all"
        }
        "CBC.99000089" => {
            "this order is part of a combined order: pay or cancel the combined order's id (shown \
             in the console and by bssctl orders --all)"
        }
        "APIG.0308" => {
            "throttled by the API gateway (bssctl already retried with backoff): lower \
             --rate-limit (requests/s per API) and --parallelism, raise --max-attempts, or run \
             again later"
        }
        "APIGW.0301" => {
            "the request signature was refused, check the keys: the AK/SK pair is wrong or revoked \
             (HUAWEICLOUD_SDK_AK/SK, HW_ACCESS_KEY/HW_SECRET_KEY or ~/.huaweicloud/credentials; \
             bssctl -v shows which source is used), temporary credentials need their \
             HUAWEICLOUD_SDK_SECURITY_TOKEN, or this machine's clock is more than 15 minutes off"
        }
        "APIGW.0307" => {
            "the IAM token is expired or invalid: get a new one from IAM (POST /v3/auth/tokens; \
             tokens last 24 hours) and set HUAWEICLOUD_SDK_AUTH_TOKEN, or use an AK/SK \
             (HUAWEICLOUD_SDK_AK/SK), which does not expire"
        }
        "APIGW.0101" => {
            "this API does not exist at the endpoint: check --endpoint / BSSCTL_ENDPOINT (China \
             site https://bss.myhuaweicloud.com, international https://bss-intl.myhuaweicloud.com)"
        }
        "401" => {
            "authentication failed: check the credentials bssctl uses (bssctl -v names the \
             source): a wrong AK/SK, an expired token or STS security token, or a clock more \
             than 15 minutes off"
        }
        "403" => {
            "forbidden: the IAM user lacks a BSS permission (grant BSS Administrator or the \
             call's action), the account is on the other site (--site), or \
             HUAWEICLOUD_SDK_DOMAIN_ID is not this account's id"
        }
        "TRANSPORT" => {
            "no answer from the endpoint: check --endpoint, the network or proxy, and \
             --timeout; reads are retried, purchases only when nothing was sent"
        }
        "CERTIFICATE" => {
            "the endpoint's TLS certificate is not trusted (nothing was sent). Behind a \
             TLS-inspecting proxy, trust its CA: --ca-bundle FILE (or BSSCTL_CA_BUNDLE), or \
             SSL_CERT_FILE / SSL_CERT_DIR, or add it to the OS trust store; otherwise check \
             --endpoint names the real host"
        }
        "REDIRECT" => {
            "the endpoint answered with a redirect, which bssctl never follows (a renewal must \
             not be resent to another host, nor the signature and security token): check \
             --endpoint / BSSCTL_ENDPOINT and --site; if the Location named is the right \
             host, point --endpoint at it"
        }
        "AMBIGUOUS" => {
            "the answer was lost after the request was sent, so it may have taken effect: run \
             bssctl plan (or bssctl orders --all) to see the account before trying again"
        }
        _ => return None,
    };
    Some(h)
}

/// The hint for a PayOrders offer refusal (`CBC.99003108`, `…3112`,
/// `…3116`, `…3117`, `…3147`, `…3156`) naming the offers that were sent: the
/// code's hint, then which coupons conflict and the flags that avoid them.
pub fn offer_hint(code: &str, sent: &[String]) -> Option<String> {
    let base = hint(code)?;
    let keep = sent.first().map_or("ID", String::as_str);
    Some(if sent.is_empty() {
        format!("{base}. Pay with --coupon ID for one usable coupon, or --no-offers")
    } else {
        format!(
            "{base}. The offers sent were {}: keep one with --coupon {keep} (or another set with --coupon/--discount), or pay the list price with --no-offers",
            sent.join(", ")
        )
    })
}

/// The IAM action a BSS call needs, as the public docs name them (role and
/// policy authorization); read from the call's API row (`bss::api`).
pub fn permission_for(api: Api) -> &'static str {
    api.iam_action()
}

/// The hint for an error as bssctl met it: the code's hint, else one for its
/// HTTP status (401/403/429); an access denial also names the action the call
/// needs and IAM's encoded denial detail when the answer carried one.
pub fn hint_for_error(e: &ApiError) -> Option<String> {
    match e {
        ApiError::Service {
            api,
            status,
            error_code,
            encoded_authorization_message,
            ..
        } => {
            let base = hint(error_code).or_else(|| match status {
                401 => hint("401"),
                403 => hint("403"),
                429 => hint("APIG.0308"),
                _ => None,
            });
            let denied = error_code == "CBC.0151" || (*status == 403 && hint(error_code).is_none());
            let mut out = base?.to_string();
            if denied {
                out.push_str(&format!(
                    ". This call ({api}) needs {}",
                    permission_for(*api)
                ));
                if let Some(m) = encoded_authorization_message
                    .as_deref()
                    .filter(|m| !m.is_empty())
                {
                    out.push_str(&format!(
                        ". IAM's denial detail (encoded_authorization_message; decode it with IAM to see the denying policy): {m}"
                    ));
                }
            }
            Some(out)
        }
        ApiError::Ambiguous { .. } => hint("AMBIGUOUS").map(str::to_string),
        ApiError::Transport { .. } => hint("TRANSPORT").map(str::to_string),
        ApiError::Config(m) if m.contains(crate::bss::client::CERTIFICATE_ERROR) => {
            hint("CERTIFICATE").map(str::to_string)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_have_no_hint() {
        assert_eq!(hint("CBC.12345678"), None);
        assert_eq!(hint(""), None);
    }

    #[test]
    fn every_api_names_a_permission() {
        for api in Api::ALL {
            assert!(permission_for(api).contains(':'), "{api}");
        }
    }
}
