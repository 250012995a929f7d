//! The best-offer choice, table-driven, and every refusal of a named offer.

use super::*;
use crate::bss::model::{
    CouponInfoV2, CouponMaxUseQuantity, DiscountInfoV3, OrderLineItemV3, OrderV3,
};
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn coupon(id: &str, pay_type: i32, value: &str) -> CouponOffer {
    CouponOffer {
        id: id.into(),
        pay_type,
        group: Some(0),
        value: d(value),
        name: String::new(),
    }
}

/// Cash voucher (301).
fn cv(id: &str, value: &str) -> CouponOffer {
    coupon(id, 301, value)
}

/// Discount coupon (300) saving at most `cap`.
fn dc(id: &str, cap: &str) -> CouponOffer {
    coupon(id, 300, cap)
}

fn disc(id: &str, pay_type: i32, saving: Option<&str>) -> DiscountOffer {
    DiscountOffer {
        id: id.into(),
        pay_type,
        saving: saving.map(d),
    }
}

fn limit(pay_type: i32, max: usize) -> UseLimit {
    UseLimit {
        pay_type,
        group: Some(0),
        max,
    }
}

fn offers(
    coupons: Vec<CouponOffer>,
    discounts: Vec<DiscountOffer>,
    limits: Vec<UseLimit>,
) -> Offers {
    Offers {
        coupons,
        discounts,
        limits,
        skipped: Vec::new(),
    }
}

fn ids(c: &Choice) -> (Vec<String>, Option<String>) {
    let mut coupons: Vec<String> = c.coupons.iter().map(|c| c.id.clone()).collect();
    coupons.sort();
    (coupons, c.discount.as_ref().map(|d| d.id.clone()))
}

struct Case {
    name: &'static str,
    official: &'static str,
    offers: Offers,
    coupons: &'static [&'static str],
    discount: Option<&'static str>,
    to_pay: &'static str,
    to_pay_at_least: &'static str,
}

#[test]
fn best_offer_table() {
    let seed = || {
        offers(
            vec![cv("VC", "100.00"), dc("DC", "500.00")],
            vec![disc("D605", 2, Some("36.40"))],
            vec![limit(301, 3), limit(300, 1), limit(302, 3)],
        )
    };
    let cases = vec![
        Case {
            name: "vouchers only: the three largest when they cannot cover the order",
            official: "1000.00",
            offers: offers(
                vec![cv("A", "100"), cv("B", "60"), cv("C", "30"), cv("E", "20")],
                vec![],
                vec![],
            ),
            coupons: &["A", "B", "C"],
            discount: None,
            to_pay: "810.00",
            to_pay_at_least: "810.00",
        },
        Case {
            name: "vouchers only: the least value used up when the order is covered",
            official: "150.00",
            offers: offers(
                vec![
                    cv("A", "100"),
                    cv("B", "60"),
                    cv("C", "30"),
                    cv("BIG", "500"),
                ],
                vec![],
                vec![],
            ),
            coupons: &["A", "B"],
            discount: None,
            to_pay: "0.00",
            to_pay_at_least: "0.00",
        },
        Case {
            name: "a known discount beats a discount coupon of unknown rate",
            official: "364.00",
            offers: seed(),
            coupons: &["VC"],
            discount: Some("D605"),
            to_pay: "227.60",
            to_pay_at_least: "227.60",
        },
        Case {
            name: "without a discount the discount coupon is used, with the voucher",
            official: "364.00",
            offers: offers(vec![cv("VC", "100.00"), dc("DC", "500.00")], vec![], vec![]),
            coupons: &["DC", "VC"],
            discount: None,
            to_pay: "264.00",
            to_pay_at_least: "0.00",
        },
        Case {
            name: "the larger of two discounts",
            official: "364.00",
            offers: offers(
                vec![],
                vec![disc("D2", 2, Some("36.40")), disc("D3", 3, Some("50.00"))],
                vec![],
            ),
            coupons: &[],
            discount: Some("D3"),
            to_pay: "314.00",
            to_pay_at_least: "314.00",
        },
        Case {
            name: "a 609 discount is forced even when another saves more",
            official: "364.00",
            offers: offers(
                vec![cv("VC", "100.00"), dc("DC", "500.00")],
                vec![
                    disc("D2", 2, Some("100.00")),
                    disc("ADJ", 609, Some("10.00")),
                ],
                vec![],
            ),
            coupons: &["VC"],
            discount: Some("ADJ"),
            to_pay: "254.00",
            to_pay_at_least: "254.00",
        },
        Case {
            name: "coupon_max_use_quantity: one voucher allowed",
            official: "364.00",
            offers: offers(
                vec![cv("A", "100"), cv("B", "60")],
                vec![],
                vec![limit(301, 1)],
            ),
            coupons: &["A"],
            discount: None,
            to_pay: "264.00",
            to_pay_at_least: "264.00",
        },
        Case {
            name: "coupon_max_use_quantity: no discount coupon allowed",
            official: "364.00",
            offers: offers(vec![dc("DC", "500")], vec![], vec![limit(300, 0)]),
            coupons: &[],
            discount: None,
            to_pay: "364.00",
            to_pay_at_least: "364.00",
        },
        Case {
            name: "at most three coupons, a discount coupon counting as one",
            official: "1000.00",
            offers: offers(
                vec![cv("A", "100"), cv("B", "60"), cv("C", "30"), dc("DC", "50")],
                vec![],
                vec![],
            ),
            coupons: &["A", "B", "C"],
            discount: None,
            to_pay: "810.00",
            to_pay_at_least: "810.00",
        },
        Case {
            name: "a cash coupon (302) and a stored-value card (303) count as cash",
            official: "100.00",
            offers: offers(
                vec![coupon("CC", 302, "40"), coupon("SV", 303, "70")],
                vec![],
                vec![],
            ),
            coupons: &["CC", "SV"],
            discount: None,
            to_pay: "0.00",
            to_pay_at_least: "0.00",
        },
        Case {
            name: "nothing offered: the list price",
            official: "364.00",
            offers: Offers::default(),
            coupons: &[],
            discount: None,
            to_pay: "364.00",
            to_pay_at_least: "364.00",
        },
    ];
    for c in cases {
        let choice = choose("O1", d(c.official), &c.offers, &PayRequest::default())
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let mut want: Vec<String> = c.coupons.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(
            ids(&choice),
            (want, c.discount.map(str::to_string)),
            "{}",
            c.name
        );
        assert_eq!(choice.estimate.to_pay.to_string(), c.to_pay, "{}", c.name);
        assert_eq!(
            choice.estimate.to_pay_at_least.to_string(),
            c.to_pay_at_least,
            "{}",
            c.name
        );
    }
}

fn seed_offers() -> Offers {
    offers(
        vec![cv("VC", "100.00"), dc("DC", "500.00"), dc("DC2", "50.00")],
        vec![disc("D605", 2, Some("36.40"))],
        vec![limit(301, 3), limit(300, 1)],
    )
}

fn named(
    offers: &Offers,
    coupons: &[&str],
    discount: Option<&str>,
    no_offers: bool,
) -> Result<Choice, OfferError> {
    let coupons: Vec<String> = coupons.iter().map(|s| s.to_string()).collect();
    choose(
        "O1",
        d("364.00"),
        offers,
        &PayRequest {
            coupons: &coupons,
            discount,
            no_offers,
        },
    )
}

#[test]
fn named_offers_fix_their_part_and_the_rest_is_best() {
    let o = seed_offers();
    // --coupon DC: exactly that coupon, and no discount (they exclude each other).
    let c = named(&o, &["DC"], None, false).unwrap();
    assert_eq!(ids(&c), (vec!["DC".into()], None));
    assert_eq!(c.estimate.to_pay.to_string(), "364.00");
    assert_eq!(c.estimate.to_pay_at_least.to_string(), "0.00");
    // --coupon VC: the best discount is still added.
    let c = named(&o, &["VC"], None, false).unwrap();
    assert_eq!(ids(&c), (vec!["VC".into()], Some("D605".into())));
    // --discount D605: the best coupons that go with a discount.
    let c = named(&o, &[], Some("D605"), false).unwrap();
    assert_eq!(ids(&c), (vec!["VC".into()], Some("D605".into())));
    assert_eq!(c.estimate.to_pay.to_string(), "227.60");
    // Ids are matched case-insensitively, as the API does.
    let c = named(&o, &["vc"], Some("d605"), false).unwrap();
    assert_eq!(ids(&c), (vec!["VC".into()], Some("D605".into())));
    // --no-offers: the list price.
    let c = named(&o, &[], None, true).unwrap();
    assert_eq!(ids(&c), (vec![], None));
    assert_eq!(c.estimate.to_pay.to_string(), "364.00");
}

#[test]
fn invalid_combinations_are_refused_with_what_to_do() {
    let o = seed_offers();
    let mut forced = seed_offers();
    forced.discounts.push(disc("ADJ", 609, Some("5.00")));
    let mut skipped = seed_offers();
    skipped.skipped.push(Skipped {
        id: "OLD".into(),
        reason: "not activated".into(),
    });
    let cases: Vec<(&str, Result<Choice, OfferError>, &str)> = vec![
        (
            "discount coupon with a discount",
            named(&o, &["DC"], Some("D605"), false),
            "cannot be combined with a discount",
        ),
        (
            "discount coupon when a 609 is offered",
            named(&forced, &["DC"], None, false),
            "type 609",
        ),
        (
            "another discount when a 609 is offered",
            named(&forced, &[], Some("D605"), false),
            "pass --discount ADJ",
        ),
        (
            "--no-offers when a 609 is offered",
            named(&forced, &[], None, true),
            "drop --no-offers",
        ),
        (
            "--no-offers with --coupon",
            named(&o, &["VC"], None, true),
            "cannot be combined",
        ),
        (
            "unknown coupon",
            named(&o, &["NOPE"], None, false),
            "not offered for order O1 (offered: VC, DC, DC2)",
        ),
        (
            "unusable coupon says why",
            named(&skipped, &["OLD"], None, false),
            "not activated",
        ),
        (
            "unknown discount",
            named(&o, &[], Some("NOPE"), false),
            "not offered for order O1 (offered: D605)",
        ),
        (
            "four coupons",
            named(&o, &["VC", "DC", "DC2", "X"], None, false),
            "at most 3 coupons",
        ),
        (
            "a coupon twice",
            named(&o, &["VC", "vc"], None, false),
            "given twice",
        ),
        (
            "two discount coupons",
            named(&o, &["DC", "DC2"], None, false),
            "at most one discount coupon",
        ),
    ];
    for (name, got, want) in cases {
        let err = got.expect_err(name);
        assert!(err.0.contains(want), "{name}: {err}");
    }
    // A use limit the named coupons exceed.
    let mut limited = seed_offers();
    limited.coupons.push(cv("VC2", "10"));
    limited.limits = vec![limit(301, 1)];
    let err = named(&limited, &["VC", "VC2"], None, false).unwrap_err();
    assert!(err.0.contains("at most 1 coupon(s) of type 301"), "{err}");
}

#[test]
fn coupons_taken_by_an_earlier_order_are_not_offered_again() {
    let taken: BTreeSet<String> = ["VC".to_string()].into();
    let o = seed_offers().without_coupons(&taken);
    let c = choose("O2", d("364.00"), &o, &PayRequest::default()).unwrap();
    assert_eq!(ids(&c), (vec![], Some("D605".into())));
}

#[test]
fn offers_map_the_api_types_and_skip_what_cannot_pay() {
    let coupon = |id: &str, t: i32, status: i32, used_by: Option<&str>| CouponInfoV2 {
        coupon_id: Some(id.into()),
        coupon_type: Some(t),
        status: Some(status),
        face_value: Some(100.0),
        used_by_order_id: used_by.map(str::to_string),
        coupon_group: Some(0),
        ..Default::default()
    };
    let coupons = OrderCouponsResp {
        count: Some(7),
        user_coupons: Some(vec![
            coupon("V", 1, 2, None),
            coupon("DC", 2, 2, Some("O1")),
            coupon("P", 3, 2, None),
            coupon("C", 4, 2, None),
            coupon("S", 303, 2, None),
            coupon("INACTIVE", 1, 1, None),
            coupon("LOCKED", 1, 2, Some("O9")),
        ]),
        coupon_max_use_quantity: Some(vec![CouponMaxUseQuantity {
            coupon_type: Some(2),
            coupon_group: Some(0),
            use_quantity_value: Some(1),
        }]),
    };
    let discount = |id: &str, t: i32, amounts: &[(&str, &str)]| DiscountInfoV3 {
        discount_id: Some(id.into()),
        discount_type: Some(t),
        discount_value: None,
        orders: Some(
            amounts
                .iter()
                .map(|(o, a)| OrderV3 {
                    order_id: Some(o.to_string()),
                    order_line_items: Some(vec![OrderLineItemV3 {
                        discount_amount: Some(d(a)),
                        ..Default::default()
                    }]),
                })
                .collect(),
        ),
    };
    let discounts = OrderDiscountsResp {
        discounts: Some(vec![
            discount("PROMO", 0, &[("O1", "1.50"), ("O1", "2.00"), ("O2", "9")]),
            discount("CONTRACT", 1, &[]),
            discount("ADJ", 609, &[("o1", "10")]),
            discount("NOAMOUNT", 3, &[]),
        ]),
    };
    let o = offers_from("O1", &coupons, &discounts);
    let got: Vec<(&str, i32)> = o
        .coupons
        .iter()
        .map(|c| (c.id.as_str(), c.pay_type))
        .collect();
    assert_eq!(got, vec![("V", 301), ("DC", 300), ("C", 302), ("S", 303)]);
    let got: Vec<(&str, i32, Option<String>)> = o
        .discounts
        .iter()
        .map(|d| (d.id.as_str(), d.pay_type, d.saving.map(|s| s.to_string())))
        .collect();
    assert_eq!(
        got,
        vec![
            ("PROMO", 0, Some("3.50".into())),
            ("ADJ", 609, Some("10.00".into())),
            ("NOAMOUNT", 3, None),
        ]
    );
    let skipped: Vec<&str> = o.skipped.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(skipped, vec!["P", "INACTIVE", "LOCKED", "CONTRACT"]);
    assert_eq!(
        o.limits,
        vec![UseLimit {
            pay_type: 300,
            group: Some(0),
            max: 1
        }]
    );
    assert_eq!(o.forced_discount().map(|d| d.id.as_str()), Some("ADJ"));
}

#[test]
fn the_pay_request_says_yes_only_with_offers() {
    let o = seed_offers();
    let c = named(&o, &["VC"], Some("D605"), false).unwrap();
    let req = pay_request("O1", &c);
    assert_eq!(
        (req.use_coupon.as_str(), req.use_discount.as_str()),
        ("YES", "YES")
    );
    assert_eq!(req.coupon_infos.unwrap()[0].r#type, 301);
    assert_eq!(req.discount_infos.unwrap()[0].r#type, 2);
    let c = named(&o, &[], None, true).unwrap();
    let req = pay_request("O1", &c);
    assert_eq!(
        (req.use_coupon.as_str(), req.use_discount.as_str()),
        ("NO", "NO")
    );
    assert!(req.coupon_infos.is_none() && req.discount_infos.is_none());
}

#[test]
fn left_out_explains_an_unused_discount_coupon() {
    let o = seed_offers();
    let c = choose("O1", d("364.00"), &o, &PayRequest::default()).unwrap();
    let notes = left_out(&c, &o);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("pass --coupon DC to use it instead")),
        "{notes:?}"
    );
}
