//! The offer rules one by one, the named-set refusals, the API mapping, and
//! a proptest against a brute-force oracle: the chosen set satisfies every
//! rule, and no valid set is cheaper.

use super::*;
use crate::bss::model::{
    CouponInfoV2, CouponMaxUseQuantity, DiscountInfoV3, OrderLineItemV3, OrderV3,
};
use proptest::prelude::*;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn coupon(id: &str, pay_type: i32, value: &str) -> CouponOffer {
    CouponOffer {
        id: id.into(),
        pay_type,
        group: None,
        value: d(value),
        name: String::new(),
        expire_time: None,
        limits: CouponLimits::default(),
    }
}

fn disc(id: &str, pay_type: i32, saving: &str, ratio: Option<&str>) -> DiscountOffer {
    DiscountOffer {
        id: id.into(),
        pay_type,
        saving: Some(d(saving)),
        estimated: false,
        ratio: ratio.map(d),
    }
}

fn offers(coupons: Vec<CouponOffer>, discounts: Vec<DiscountOffer>) -> Offers {
    Offers {
        coupons,
        discounts,
        limits: vec![
            UseLimit {
                pay_type: 301,
                group: 0,
                max: 3,
            },
            UseLimit {
                pay_type: 300,
                group: 0,
                max: 1,
            },
        ],
        skipped: Vec::new(),
    }
}

fn ids(c: &Choice) -> (Vec<String>, Option<String>) {
    let mut coupons: Vec<String> = c.coupons.iter().map(|c| c.id.clone()).collect();
    coupons.sort();
    (coupons, c.discount.as_ref().map(|d| d.id.clone()))
}

fn best(official: &str, o: &Offers) -> Selection {
    select("CS1", d(official), o, &PayRequest::default()).unwrap()
}

fn no_commercial() -> CouponLimits {
    CouponLimits {
        with_commercial: false,
        ..Default::default()
    }
}

/// The order: a 100 voucher and a discount coupon capped at 50 on
/// 364.00, the voucher not with the commercial discount: the voucher alone.
#[test]
fn a_voucher_never_goes_with_a_discount_coupon() {
    let mut vc = coupon("VC", 301, "100.00");
    vc.limits = no_commercial();
    let o = offers(
        vec![vc, coupon("DC", 300, "50.00")],
        vec![disc("605", 2, "36.40", Some("0.90"))],
    );
    let s = best("364.00", &o);
    assert_eq!(ids(&s.choice), (vec!["VC".into()], None));
    assert_eq!(s.choice.estimate.to_pay, d("264.00"));
    let reasons: Vec<String> = s.rejected.iter().map(|r| r.reason.clone()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("never goes with a discount coupon")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("use_limits exclude a commercial discount")),
        "{reasons:?}"
    );
    // Named, the pair is refused before sending, with the rule.
    let named = ["VC".to_string(), "DC".to_string()];
    let e = select(
        "CS1",
        d("364.00"),
        &o,
        &PayRequest {
            coupons: &named,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.0.contains("never goes with a discount coupon"), "{e}");
    assert!(e.0.contains("CBC.99003147"), "{e}");
    assert!(e.0.contains("--no-offers"), "{e}");
}

#[test]
fn marketplace_and_special_vouchers_are_never_mixed() {
    let mut g1 = coupon("G1", 301, "300.00");
    g1.group = Some(1);
    let mut g2 = coupon("G2", 301, "250.00");
    g2.group = Some(2);
    let o = offers(vec![g1, g2, coupon("G0", 301, "100.00")], vec![]);
    let s = best("1000.00", &o);
    assert_eq!(ids(&s.choice).0, vec!["G0", "G1"]);
    assert_eq!(s.choice.estimate.to_pay, d("600.00"));
    assert!(
        s.rejected[0].reason.contains("never mixed"),
        "{:?}",
        s.rejected
    );
}

#[test]
fn max_use_quantity_counts_per_type_and_group_with_no_group_as_zero() {
    let mut q2 = coupon("Q2", 301, "150.00");
    q2.group = Some(0);
    let mut q3 = coupon("Q3", 301, "100.00");
    q3.group = Some(1);
    let mut o = offers(vec![coupon("Q1", 301, "200.00"), q2, q3], vec![]);
    o.limits = vec![
        UseLimit {
            pay_type: 301,
            group: 0,
            max: 1,
        },
        UseLimit {
            pay_type: 301,
            group: 1,
            max: 3,
        },
    ];
    let s = best("1000.00", &o);
    assert_eq!(ids(&s.choice).0, vec!["Q1", "Q3"]);
    assert_eq!(s.choice.estimate.to_pay, d("700.00"));
    assert!(
        s.rejected[0].reason.contains("coupon_max_use_quantity"),
        "{:?}",
        s.rejected
    );
}

#[test]
fn use_limits_decide_which_discount_a_coupon_goes_with() {
    let mut l2 = coupon("L2", 301, "300.00");
    l2.limits = CouponLimits {
        with_commercial: false,
        with_promotion: false,
        ..Default::default()
    };
    let o = offers(
        vec![coupon("L1", 301, "100.00"), l2],
        vec![
            disc("605", 2, "100.00", Some("0.90")),
            disc("P", 0, "200.00", Some("0.80")),
        ],
    );
    let s = best("1000.00", &o);
    assert_eq!(ids(&s.choice), (vec!["L1".into(), "L2".into()], None));
    assert_eq!(s.choice.estimate.to_pay, d("600.00"));
}

#[test]
fn min_consume_discount_excludes_deeper_discounts() {
    let mut m1 = coupon("M1", 301, "250.00");
    m1.limits.min_discount_ratio = Some(d("0.80"));
    let o = offers(
        vec![m1],
        vec![
            disc("605", 2, "100.00", Some("0.90")),
            disc("P", 0, "400.00", Some("0.60")),
        ],
    );
    let s = best("1000.00", &o);
    assert_eq!(ids(&s.choice), (vec![], Some("P".into())));
    assert!(
        s.rejected[0].reason.contains("minConsumeDiscount"),
        "{:?}",
        s.rejected
    );
    // 605 (0.90) goes with it.
    assert!(rule_broken(&o, &[&o.coupons[0]], Some(&o.discounts[0])).is_none());
}

#[test]
fn a_609_adjustment_is_mandatory() {
    let o = offers(
        vec![coupon("A1", 301, "100.00"), coupon("A2", 303, "50.00")],
        vec![
            disc("605", 2, "100.00", Some("0.90")),
            disc("ADJ", 609, "150.00", None),
        ],
    );
    let s = best("1000.00", &o);
    assert_eq!(
        ids(&s.choice),
        (vec!["A1".into(), "A2".into()], Some("ADJ".into()))
    );
    assert_eq!(s.choice.estimate.to_pay, d("700.00"));
    let e = select(
        "CS1",
        d("1000.00"),
        &o,
        &PayRequest {
            discount: Some("605"),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.0.contains("(type 609) is mandatory"), "{e}");
    let e = select(
        "CS1",
        d("1000.00"),
        &o,
        &PayRequest {
            no_offers: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.0.contains("drop --no-offers"), "{e}");
}

#[test]
fn named_coupons_fix_the_coupons_and_the_discount_is_still_the_best() {
    let o = offers(
        vec![coupon("A", 301, "10.00"), coupon("B", 301, "20.00")],
        vec![disc("605", 2, "100.00", None)],
    );
    let named = ["A".to_string()];
    let c = choose(
        "CS1",
        d("1000.00"),
        &o,
        &PayRequest {
            coupons: &named,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ids(&c), (vec!["A".into()], Some("605".into())));
    let unknown = ["NOPE".to_string()];
    let e = choose(
        "CS1",
        d("1000.00"),
        &o,
        &PayRequest {
            coupons: &unknown,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.0.contains("is not offered for order CS1"), "{e}");
}

fn api_coupon(id: &str, coupon_type: i32, value: f64) -> CouponInfoV2 {
    CouponInfoV2 {
        coupon_id: Some(id.into()),
        status: Some(2),
        coupon_type: Some(coupon_type),
        face_value: Some(value),
        ..Default::default()
    }
}

#[test]
fn offers_map_types_groups_limits_and_estimate_unstated_discounts() {
    let mut vc = api_coupon("VC", 1, 100.0);
    vc.use_limits = Some(vec![
        serde_json::json!({"limit_key": "simultaneousUseWithEmpowerDiscount", "value1": "0"}),
        serde_json::json!({"limit_key": "minConsumeDiscount", "value1": "0.8"}),
    ]);
    vc.coupon_group = Some(2);
    let coupons = OrderCouponsResp {
        count: Some(4),
        user_coupons: Some(vec![
            vc,
            api_coupon("SV", 303, 50.0),
            api_coupon("PC", 3, 10.0),
            CouponInfoV2 {
                status: Some(1),
                ..api_coupon("OFF", 1, 5.0)
            },
        ]),
        coupon_max_use_quantity: Some(vec![CouponMaxUseQuantity {
            coupon_type: Some(1),
            coupon_group: None,
            use_quantity_value: Some(2),
        }]),
    };
    let line = |amount: Option<&str>, ratio: Option<&str>, mode| OrderLineItemV3 {
        order_line_item_ids: None,
        discount_mode: Some(mode),
        discount_amount: amount.map(d),
        discount_ratio: ratio.map(d),
    };
    let discount = |id: &str, t, value: Option<&str>, l| DiscountInfoV3 {
        discount_id: Some(id.into()),
        discount_value: value.map(str::to_string),
        discount_type: Some(t),
        orders: Some(vec![OrderV3 {
            order_id: Some("CS1".into()),
            order_line_items: Some(vec![l]),
        }]),
    };
    let discounts = OrderDiscountsResp {
        discounts: Some(vec![
            discount(
                "STATED",
                2,
                Some("0.9"),
                line(Some("36.40"), Some("0.9"), 0),
            ),
            discount("RATIO", 0, Some("0.8"), line(None, Some("0.8"), 0)),
            discount("VALUE", 3, Some("20"), line(None, None, 2)),
            discount("CONTRACT", 1, None, line(Some("1"), None, 0)),
        ]),
    };
    let o = offers_from("CS1", d("364.00"), &coupons, &discounts);
    let vc = &o.coupons[0];
    assert_eq!((vc.pay_type, vc.group), (301, Some(2)));
    assert!(!vc.limits.with_partner && vc.limits.with_commercial);
    assert_eq!(vc.limits.min_discount_ratio, Some(d("0.8")));
    assert_eq!(
        o.coupons[1].pay_type, 303,
        "a stored-value card pays as 303"
    );
    assert_eq!(o.coupons.len(), 2);
    assert_eq!(
        o.limits,
        vec![UseLimit {
            pay_type: 301,
            group: 0,
            max: 2
        }]
    );
    let by = |id: &str| o.discounts.iter().find(|x| x.id == id).unwrap();
    assert_eq!(
        (by("STATED").saving, by("STATED").estimated),
        (Some(d("36.40")), false)
    );
    assert_eq!(
        (by("RATIO").saving, by("RATIO").estimated),
        (Some(d("72.80")), true)
    );
    assert_eq!(by("VALUE").saving, Some(d("20.00")));
    assert!(o.skipped.iter().any(|s| s.id == "CONTRACT"));
    assert!(o.skipped.iter().any(|s| s.id == "PC"));
    assert!(o.skipped.iter().any(|s| s.id == "OFF"));
}

#[test]
fn the_pay_request_says_yes_only_with_offers() {
    let o = offers(vec![coupon("A", 301, "10.00")], vec![]);
    let c = choose("CS1", d("100.00"), &o, &PayRequest::default()).unwrap();
    let r = pay_request("CS1", &c);
    assert_eq!(
        (r.use_coupon.as_str(), r.use_discount.as_str()),
        ("YES", "NO")
    );
    assert_eq!(r.coupon_infos.unwrap()[0].r#type, 301);
    assert!(r.discount_infos.is_none());
}

// -- proptest: brute-force oracle -------------------------------------------

/// The rules, written again from the reference, independently of `rule_broken`.
fn oracle_valid(o: &Offers, set: &[&CouponOffer], disc: Option<&DiscountOffer>) -> bool {
    if set.len() > 3 {
        return false;
    }
    if let Some(adj) = o.discounts.iter().find(|d| d.pay_type == 609) {
        if disc.map(|d| &d.id) != Some(&adj.id) {
            return false;
        }
    }
    let has = |t: i32| set.iter().any(|c| c.pay_type == t);
    if has(301) && has(300) {
        return false;
    }
    let group = |g: i32| set.iter().any(|c| c.group == Some(g));
    if group(1) && group(2) {
        return false;
    }
    for l in &o.limits {
        let n = set
            .iter()
            .filter(|c| c.pay_type == l.pay_type && c.group.unwrap_or(0) == l.group)
            .count();
        if n > l.max {
            return false;
        }
    }
    if let Some(dd) = disc {
        for c in set {
            let ok = match dd.pay_type {
                0 => c.limits.with_promotion,
                2 => c.limits.with_commercial,
                3 => c.limits.with_partner,
                _ => true,
            };
            if !ok {
                return false;
            }
            if let (Some(min), Some(r)) = (c.limits.min_discount_ratio, dd.ratio) {
                if r < min {
                    return false;
                }
            }
        }
    }
    true
}

fn arb_coupon(i: usize) -> impl Strategy<Value = CouponOffer> {
    (
        prop::sample::select(vec![300, 301, 302, 303]),
        prop::option::of(0..3i32),
        1u32..400,
        any::<[bool; 3]>(),
        prop::option::of(prop::sample::select(vec!["0.7", "0.8", "0.9"])),
    )
        .prop_map(move |(t, g, v, allow, min)| CouponOffer {
            id: format!("C{i}"),
            pay_type: t,
            group: g,
            value: Decimal::from(v),
            name: String::new(),
            expire_time: None,
            limits: CouponLimits {
                with_promotion: allow[0],
                with_commercial: allow[1],
                with_partner: allow[2],
                min_discount_ratio: min.map(d),
            },
        })
}

fn arb_discount(i: usize) -> impl Strategy<Value = DiscountOffer> {
    (
        prop::sample::select(vec![0, 2, 3, 609]),
        1u32..500,
        prop::option::of(prop::sample::select(vec!["0.6", "0.75", "0.85", "0.95"])),
    )
        .prop_map(move |(t, s, r)| DiscountOffer {
            id: format!("D{i}"),
            pay_type: t,
            saving: Some(Decimal::from(s)),
            estimated: false,
            ratio: r.map(d),
        })
}

fn arb_offers() -> impl Strategy<Value = Offers> {
    let coupons = (0usize..7).prop_flat_map(|n| (0..n).map(arb_coupon).collect::<Vec<_>>());
    let discounts = (0usize..4).prop_flat_map(|n| (0..n).map(arb_discount).collect::<Vec<_>>());
    let limits = prop::collection::vec(
        (
            prop::sample::select(vec![300, 301, 302, 303]),
            0..3i32,
            0usize..3,
        ),
        0..4,
    );
    (coupons, discounts, limits).prop_map(|(coupons, mut discounts, limits)| {
        // At most one 609 (the API offers one per order).
        let mut seen = false;
        discounts.retain(|d| d.pay_type != 609 || !std::mem::replace(&mut seen, true));
        Offers {
            coupons,
            discounts,
            limits: limits
                .into_iter()
                .map(|(pay_type, group, max)| UseLimit {
                    pay_type,
                    group,
                    max,
                })
                .collect(),
            skipped: Vec::new(),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_choice_is_valid_and_no_valid_set_is_cheaper(
        o in arb_offers(),
        official in 1u32..2000,
    ) {
        let official = Decimal::from(official);
        let sel = select("CS1", official, &o, &PayRequest::default()).unwrap();
        let chosen: Vec<&CouponOffer> = sel.choice.coupons.iter().collect();
        prop_assert!(oracle_valid(&o, &chosen, sel.choice.discount.as_ref()));
        prop_assert!(chosen.len() <= MAX_COUPONS);
        // Brute force: every subset of up to 3 coupons, with no discount or one.
        let n = o.coupons.len();
        let mut cheapest: Option<(Decimal, Decimal)> = None;
        for mask in 0u32..(1 << n) {
            if mask.count_ones() > 3 {
                continue;
            }
            let set: Vec<&CouponOffer> =
                (0..n).filter(|i| mask & (1 << i) != 0).map(|i| &o.coupons[i]).collect();
            for disc in std::iter::once(None).chain(o.discounts.iter().map(Some)) {
                if oracle_valid(&o, &set, disc) {
                    let e = estimate(official, disc, &set);
                    let k = (e.to_pay, e.to_pay_at_least);
                    if cheapest.is_none_or(|c| k < c) {
                        cheapest = Some(k);
                    }
                }
            }
        }
        let got = (sel.choice.estimate.to_pay, sel.choice.estimate.to_pay_at_least);
        prop_assert_eq!(Some(got), cheapest);
        // Every rejected alternative cheaper than the choice breaks a rule.
        for r in sel.rejected.iter().filter(|r| r.to_pay < got.0) {
            prop_assert!(!r.reason.starts_with("valid"), "{:?}", r);
        }
        for r in &sel.runners_up {
            let set: Vec<&CouponOffer> = r.coupons.iter().collect();
            prop_assert!(oracle_valid(&o, &set, r.discount.as_ref()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A named set is accepted exactly when some allowed discount makes it
    /// valid, and then it is paid as named; otherwise it is refused before
    /// sending, naming a rule.
    #[test]
    fn a_named_set_is_refused_exactly_when_it_breaks_a_rule(
        o in arb_offers(),
        mask in 0u32..128,
        name_discount in any::<bool>(),
    ) {
        let named: Vec<String> = o
            .coupons
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, c)| c.id.clone())
            .take(3)
            .collect();
        prop_assume!(!named.is_empty());
        let discount = if name_discount { o.discounts.first().map(|d| d.id.clone()) } else { None };
        let req = PayRequest {
            coupons: &named,
            discount: discount.as_deref(),
            no_offers: false,
        };
        let set: Vec<&CouponOffer> = o.coupons.iter().filter(|c| named.contains(&c.id)).collect();
        let options: Vec<Option<&DiscountOffer>> = match &discount {
            Some(id) => vec![o.discounts.iter().find(|d| &d.id == id)],
            None => std::iter::once(None).chain(o.discounts.iter().map(Some)).collect(),
        };
        let any_valid = options.iter().any(|d| oracle_valid(&o, &set, *d));
        match select("CS1", Decimal::from(500), &o, &req) {
            Ok(sel) => {
                prop_assert!(any_valid);
                let mut got: Vec<String> = sel.choice.coupons.iter().map(|c| c.id.clone()).collect();
                got.sort();
                let mut want = named.clone();
                want.sort();
                prop_assert_eq!(got, want);
                if let Some(id) = &discount {
                    prop_assert_eq!(sel.choice.discount.as_ref().map(|d| &d.id), Some(id));
                }
            }
            Err(e) => {
                prop_assert!(!any_valid, "{}", e);
                prop_assert!(e.0.contains("nothing was sent"), "{}", e);
            }
        }
    }
}
