//! The sandbox's whole world, as one JSON document: the account, its
//! subscription resources, orders, coupons and discounts. The state file is
//! the single source of truth: the server loads it at start and rewrites it
//! (atomically) after every write request, before answering.
//!
//! Times are RFC 3339 UTC strings; money is a decimal string (`"300.00"`).
//! Fields marked "sandbox-only" exist to drive the simulation and never
//! appear in an API response.

use super::errors::SandboxError;
use crate::bss::model::{self, EnterpriseProject, OrderInstanceV2};
use crate::clock::format_api_time;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The sandbox account. `deny_unknown_fields` everywhere: a typo in a
/// hand-edited state file is an error, not a silently ignored key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Account (domain) id the seed was written for; `bssctl sandbox` uses it
    /// as the default `--domain-id`. The running server answers with the id
    /// in its `SandboxConfig`.
    pub domain_id: String,
    /// Account name, the default for IAM's `domains[].name`.
    pub domain_name: String,
    /// Currency of every amount, `CNY`.
    pub currency: String,
    /// Cash (type 1) and credit (type 2) accounts; renewals debit cash first.
    pub balances: Vec<Balance>,
    /// Discounts the account may apply to any purchase (e.g. a 605 commercial
    /// contract discount): renew-rate prices them, auto-pay uses the best one.
    #[serde(default)]
    pub account_discounts: Vec<AccountDiscount>,
    /// Yearly/monthly resources, main and attached, in query order.
    pub resources: Vec<Resource>,
    /// Every order: opening, renewal and unsubscribe orders.
    #[serde(default)]
    pub orders: Vec<Order>,
    /// Coupons the account holds (cash vouchers, discount coupons).
    #[serde(default)]
    pub coupons: Vec<Coupon>,
    /// Discounts bound to one order (e.g. a 609 order price adjustment).
    #[serde(default)]
    pub order_discounts: Vec<OrderDiscount>,
    /// Account renewal settings from SetResourcesRenewConfig (name → value).
    #[serde(default)]
    pub renew_config: BTreeMap<String, String>,
    /// Sequence for new order ids; incremented on every new order.
    #[serde(default)]
    pub next_seq: u64,
    /// The audit trail: one CTS trace (bss-api §14b `Traces`, wire shape)
    /// per change, oldest first (`sandbox::audit`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traces: Vec<serde_json::Value>,
    /// Enterprise sub-accounts of this (master) account (§13), each a
    /// separate account with its own keys, resources and balances.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_accounts: Vec<SubAccount>,
    /// Every transfer booked by UpdateSubEnterpriseAmount, by `trans_id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transfers: Vec<Transfer>,
    /// IAM agencies this account created (§13h): an agency named `name`
    /// lets `trusted_domain_id` assume this account's identity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agencies: Vec<Agency>,
}

/// An enterprise sub-account: the §13a row plus its own permanent AK/SK
/// (sandbox-only) and its whole account state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubAccount {
    pub id: String,
    pub name: String,
    pub display_name: String,
    /// 1 normal, 2 being created, 3 being closed, 4 closed, 101, 102.
    pub status: i32,
    pub org_id: String,
    #[serde(default)]
    pub org_name: Option<String>,
    /// Sandbox-only: the sub-account's own IAM user's AK/SK.
    pub access_key: String,
    pub secret_key: String,
    /// The sub-account's own world (its `domain_id` equals `id`).
    pub account: State,
}

/// One booked transfer master → sub-account (sandbox-only record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub trans_id: String,
    pub customer_id: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub balance_type: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    pub name: String,
    pub trusted_domain_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Balance {
    pub account_id: String,
    /// 1 cash balance, 2 credit (others are listed but never debited).
    pub account_type: i32,
    /// Available amount; for a credit account, the credit still unused.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    #[serde(default, with = "rust_decimal::serde::str")]
    pub designated_amount: Decimal,
    /// Total credit line (credit accounts only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub credit_amount: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountDiscount {
    pub discount_id: String,
    /// 605 commercial contract, 606 partner-granted, 607 partner-set rate.
    pub discount_type: i32,
    pub discount_name: String,
    /// Price multiplier: 0.90 means pay 90 % of the list price.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
}

/// One renewal period added to a resource (sandbox-only): unsubscribe type 2
/// removes those that have not started yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Renewal {
    pub order_id: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

fn default_true() -> bool {
    true
}

/// A subscription resource: every `OrderInstanceV2` field plus the
/// sandbox-only fields that drive pricing and policy changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub id: String,
    pub resource_id: String,
    pub resource_name: String,
    pub region_code: String,
    pub service_type_code: String,
    pub service_type_name: String,
    pub resource_type_code: String,
    pub resource_type_name: String,
    pub resource_spec_code: String,
    pub project_id: String,
    pub product_id: String,
    #[serde(default)]
    pub parent_resource_id: Option<String>,
    /// 1 main, 0 attached.
    pub is_main_resource: i32,
    /// 2 in use, 3 closed, 4 frozen, 5 expired.
    pub status: i32,
    pub effective_time: DateTime<Utc>,
    pub expire_time: DateTime<Utc>,
    /// 0 grace, 1 to pay-per-use, 3 auto-renew (others as the API defines).
    pub expire_policy: i32,
    pub product_spec_desc: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub spec_size: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_size_measure_id: Option<i32>,
    pub update_time: DateTime<Utc>,
    pub enterprise_project: EnterpriseProject,

    /// Sandbox-only: the order that opened the resource.
    pub order_id: String,
    /// Sandbox-only: list price of one month.
    #[serde(with = "rust_decimal::serde::str")]
    pub price_month: Decimal,
    /// Sandbox-only: list price of one year.
    #[serde(with = "rust_decimal::serde::str")]
    pub price_year: Decimal,
    /// Sandbox-only: the policy to restore when auto-renew or to-on-demand is
    /// cancelled (absent = 0, grace period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_expire_policy: Option<i32>,
    /// Sandbox-only: `MONTH`/`YEAR` as last set by AutoRenewalResources
    /// (write-only in the real API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew_period_type: Option<String>,
    /// Sandbox-only: renewal count as last set (0 = unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew_times: Option<i32>,
    /// Sandbox-only: false makes to-on-demand fail with CBC.99003608.
    #[serde(default = "default_true")]
    pub to_on_demand_allowed: bool,
    /// Sandbox-only: false makes renew and renew-rate fail with CBC.30050013.
    #[serde(default = "default_true")]
    pub renewable: bool,
    /// Sandbox-only: renewal periods added, oldest first.
    #[serde(default)]
    pub renewals: Vec<Renewal>,
}

impl Resource {
    pub fn is_main(&self) -> bool {
        self.is_main_resource == 1
    }

    pub fn is_closed(&self) -> bool {
        self.status == model::STATUS_CLOSED
    }

    /// The list price of `num` periods of `period_type` (2 month, 3 year).
    pub fn price(&self, period_type: i32, num: i32) -> Decimal {
        let unit = if period_type == model::PERIOD_TYPE_YEAR {
            self.price_year
        } else {
            self.price_month
        };
        unit * Decimal::from(num)
    }

    /// The row the query returns: API fields only.
    pub fn to_row(&self) -> OrderInstanceV2 {
        OrderInstanceV2 {
            id: Some(self.id.clone()),
            resource_id: Some(self.resource_id.clone()),
            resource_name: Some(self.resource_name.clone()),
            region_code: Some(self.region_code.clone()),
            service_type_code: Some(self.service_type_code.clone()),
            resource_type_code: Some(self.resource_type_code.clone()),
            resource_type_name: Some(self.resource_type_name.clone()),
            service_type_name: Some(self.service_type_name.clone()),
            resource_spec_code: Some(self.resource_spec_code.clone()),
            project_id: Some(self.project_id.clone()),
            product_id: Some(self.product_id.clone()),
            parent_resource_id: self.parent_resource_id.clone(),
            is_main_resource: Some(self.is_main_resource),
            status: Some(self.status),
            effective_time: Some(format_api_time(self.effective_time)),
            expire_time: Some(format_api_time(self.expire_time)),
            expire_policy: Some(self.expire_policy),
            product_spec_desc: Some(self.product_spec_desc.clone()),
            spec_size: self.spec_size,
            spec_size_measure_id: self.spec_size_measure_id,
            update_time: Some(format_api_time(self.update_time)),
            enterprise_project: Some(self.enterprise_project.clone()),
        }
    }
}

/// One line of an order: one resource for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    pub order_line_item_id: String,
    /// Sandbox-only: the resource the line is for.
    pub resource_id: String,
    pub service_type_code: String,
    pub service_type_name: String,
    pub resource_type_code: String,
    pub product_id: String,
    pub product_spec_desc: String,
    /// 2 month, 3 year; absent for unsubscribe lines.
    #[serde(default)]
    pub period_type: Option<i32>,
    #[serde(default)]
    pub period_num: Option<i32>,
    pub effective_time: DateTime<Utc>,
    pub expire_time: DateTime<Utc>,
    #[serde(with = "rust_decimal::serde::str")]
    pub official_amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount_after_discount: Decimal,
}

/// A discount or coupon deduction recorded on a paid order
/// (`amount_info.discounts[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderDeduction {
    /// The API's code as a string: "605", "609", "300", ...
    pub discount_type: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub discount_amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub order_id: String,
    pub customer_id: String,
    pub service_type_code: String,
    pub service_type_name: String,
    /// 1 customer, 8 created by the system.
    pub source_type: i32,
    /// 4 cancelled, 5 completed, 6 pending payment.
    pub status: i32,
    /// 1 new, 2 renewal, 4 unsubscribe.
    pub order_type: i32,
    #[serde(with = "rust_decimal::serde::str")]
    pub official_amount: Decimal,
    /// After discounts (excluding vouchers and cards, as the API defines it).
    #[serde(with = "rust_decimal::serde::str")]
    pub amount_after_discount: Decimal,
    pub create_time: DateTime<Utc>,
    #[serde(default)]
    pub payment_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub pending_payment_end_time: Option<DateTime<Utc>>,
    pub currency: String,
    pub user_name: String,
    #[serde(default)]
    pub enterprise_projects: Vec<EnterpriseProject>,
    pub lines: Vec<OrderLine>,
    /// Discounts applied when paid.
    #[serde(default)]
    pub deductions: Vec<OrderDeduction>,
    /// Cash voucher (301) amount used.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub coupon_amount: Option<Decimal>,
    /// Cash coupon (302) amount used.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub flexipurchase_coupon_amount: Option<Decimal>,
    /// Stored-value card (303) amount used.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub stored_card_amount: Option<Decimal>,
    /// Sandbox-only: what was debited from the balance.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub paid_amount: Option<Decimal>,
    /// Sandbox-only: coupons and the discount used to pay.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coupons_used: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_used: Option<String>,
    /// Sandbox-only: the order's `coupon_max_use_quantity` (absent: the
    /// account's usual limits, [`DEFAULT_MAX_USE`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_max_use_quantity: Option<Vec<MaxUse>>,
    /// Sandbox-only: an order of an enterprise sub-account (listed with
    /// `method=sub_customer`, not with `oneself`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sub_customer: bool,
}

/// One `coupon_max_use_quantity` entry (`coupon_type` in ListOrderCoupons'
/// codes: 1 voucher, 2 discount coupon, 4 cash coupon, 303 stored-value card).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaxUse {
    pub coupon_type: i32,
    pub coupon_group: i32,
    pub use_quantity_value: i32,
}

/// The usual `coupon_max_use_quantity`: (coupon_type, coupon_group, max).
pub const DEFAULT_MAX_USE: [(i32, i32, i32); 3] = [(1, 0, 3), (2, 0, 1), (4, 0, 3)];

/// A coupon's `use_limits[]` entry (`limit_key`, `value1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseLimit {
    pub limit_key: String,
    pub value1: String,
}

impl Order {
    pub fn resource_ids(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(|l| l.resource_id.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coupon {
    pub coupon_id: String,
    pub coupon_code: String,
    /// The pay API's type: 300 discount coupon, 301 cash voucher, 302 cash
    /// coupon, 303 stored-value card.
    pub pay_type: i32,
    /// Cash value (301/302/303) or the largest saving allowed (300).
    #[serde(with = "rust_decimal::serde::str")]
    pub face_value: Decimal,
    /// Price multiplier of a discount coupon (300), e.g. 0.85.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub discount_ratio: Option<Decimal>,
    pub effective_time: DateTime<Utc>,
    pub expire_time: DateTime<Utc>,
    pub create_time: DateTime<Utc>,
    pub plan_name: String,
    pub plan_desc: String,
    /// Service types the coupon applies to; empty = any.
    #[serde(default)]
    pub service_type_codes: Vec<String>,
    /// Set once an order was paid with it; a used coupon is no longer offered.
    #[serde(default)]
    pub used_by_order_id: Option<String>,
    #[serde(default)]
    pub last_used_time: Option<DateTime<Utc>>,
    /// `coupon_group`: 1 marketplace, 2 special voucher, 3 hardware, 0
    /// other; absent in the answer when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_group: Option<i32>,
    /// `use_limits[]`: `simultaneousUseWith{Promotion,Commercial,Empower}Discount`
    /// (`"0"`: not with that kind of discount), `minConsumeDiscount` (the
    /// lowest discount ratio it goes with).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub use_limits: Vec<UseLimit>,
    /// Sandbox-only: offered only to these orders (empty: any order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_ids: Vec<String>,
    /// Sandbox-only: PayOrders refuses the coupon with this code although
    /// the listing offers it (a rule the listing does not show).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_with: Option<String>,
}

impl Coupon {
    /// `CouponInfoV2.coupon_type`: 1 cash voucher, 2 discount coupon, 4 cash
    /// coupon; a stored-value card shows the public docs' pay code 303.
    pub fn info_type(&self) -> i32 {
        match self.pay_type {
            300 => 2,
            302 => 4,
            303 => 303,
            _ => 1,
        }
    }

    /// `value1` of a `use_limits` key, if set.
    pub fn limit(&self, key: &str) -> Option<&str> {
        self.use_limits
            .iter()
            .find(|l| l.limit_key == key)
            .map(|l| l.value1.as_str())
    }
}

/// A discount bound to one order, e.g. a 609 order price adjustment that the
/// payment must use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderDiscount {
    pub discount_id: String,
    pub order_id: String,
    /// 609 order price adjustment (or 0 promotion).
    pub discount_type: i32,
    /// Fixed reduction of the order's price (when no `ratio`).
    #[serde(default, with = "rust_decimal::serde::str")]
    pub discount_amount: Decimal,
    /// A rate discount instead (0.80 = pay 80 %): listed with its
    /// `discount_ratio` and no `discount_amount`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub ratio: Option<Decimal>,
}

impl State {
    pub fn load(path: &Path) -> Result<State, SandboxError> {
        let text = std::fs::read_to_string(path).map_err(|source| SandboxError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| SandboxError::Json {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Writes a temp file in the same directory, fsyncs it, renames it over
    /// `path` and fsyncs the directory: a crash leaves the old or the new
    /// state, never a torn file, and an acknowledged write survives.
    pub fn save_atomic(&self, path: &Path) -> Result<(), SandboxError> {
        let io = |source| SandboxError::Io {
            path: path.to_path_buf(),
            source,
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut text = serde_json::to_vec_pretty(self).map_err(|source| SandboxError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        text.push(b'\n');
        let mut tmp = tempfile::Builder::new()
            .prefix(".sandbox-state-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(io)?;
        tmp.write_all(&text).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        // The rename is durable only once the directory entry is.
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        Ok(())
    }

    /// A sub-account by id.
    pub fn sub_account(&self, id: &str) -> Option<&SubAccount> {
        self.sub_accounts.iter().find(|s| s.id == id)
    }

    /// The state of the account `domain_id`: this one or a sub-account's.
    pub fn account_mut(&mut self, domain_id: &str) -> Option<&mut State> {
        if self.domain_id == domain_id {
            return Some(self);
        }
        self.sub_accounts
            .iter_mut()
            .find(|s| s.id == domain_id)
            .map(|s| &mut s.account)
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.resource_id == id)
    }

    pub fn order(&self, id: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.order_id == id)
    }

    pub fn order_mut(&mut self, id: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.order_id == id)
    }

    /// Indexes of `main_id` and of its attached resources.
    pub fn family(&self, main_id: &str) -> Vec<usize> {
        self.resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.resource_id == main_id || r.parent_resource_id.as_deref() == Some(main_id)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The unpaid order that holds the resource, if any (such a resource is
    /// locked until the order is paid or cancelled).
    pub fn pending_order_for(&self, resource_id: &str) -> Option<&Order> {
        self.orders.iter().find(|o| {
            o.status == model::ORDER_STATUS_PENDING_PAYMENT
                && o.resource_ids().any(|r| r == resource_id)
        })
    }

    /// A new order id in the API's style: `CS` + yyMMddHHmm + 5 characters.
    pub fn new_order_id(&mut self, now: DateTime<Utc>) -> String {
        self.next_seq += 1;
        format!("CS{}{}", now.format("%y%m%d%H%M"), base36(self.next_seq, 5))
    }
}

/// `n` in upper-case base 36, left-padded with zeros to `width`.
fn base36(mut n: u64, width: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base36_pads_and_counts() {
        assert_eq!(base36(1, 5), "00001");
        assert_eq!(base36(36, 5), "00010");
        assert_eq!(base36(35, 2), "0Z");
    }

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let state = super::super::seed_state();
        state.save_atomic(&path).unwrap();
        assert_eq!(State::load(&path).unwrap(), state);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
    }

    #[test]
    fn unknown_state_keys_are_rejected() {
        let mut v = serde_json::to_value(super::super::seed_state()).unwrap();
        v["resources"][0]["colour"] = serde_json::json!("red");
        let err = serde_json::from_value::<State>(v).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
