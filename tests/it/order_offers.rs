//! Paying orders with the offers the API accepts, end to end through the CLI
//! against the sandbox (which enforces the API's combination rules): one seed
//! order per rule paid in one accepted call with its cheapest valid set, a
//! named set breaking a rule refused before sending with the rule named,
//! `--dry-run` in text and JSON, and the single fallback after an offer
//! refusal, journalled first.

use crate::common::*;
use crate::orders_cli::{cash, coupons_used, order, pay_requests, Env};
use serde_json::Value;

const SEED_ORDER: &str = "CS2611220930RJPYC";
const VOUCHER: &str = "CP26110109350001VC";
const DISCOUNT_COUPON: &str = "CP26111514200002DC";
const DISCOUNT_605: &str = "dsc-605-8f1c2a";

/// A sandbox from the seed (as `tweak` changes it) logging its requests.
fn logged(tweak: impl FnOnce(&mut Value)) -> (Env, std::path::PathBuf) {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let mut json = state_json(&state);
    tweak(&mut json);
    std::fs::write(&state, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let log = ws.path("requests.jsonl");
    let sandbox = SandboxProc::start(&state, &["--request-log", log.to_str().unwrap()]);
    (Env { ws, sandbox }, log)
}

struct RuleCase {
    order: &'static str,
    coupons: &'static [&'static str],
    discount: Option<&'static str>,
    paid: &'static str,
    /// Words of the rule that rejects a cheaper set ("" when none is cheaper).
    rejected: &'static str,
}

#[test]
fn each_rule_order_is_paid_with_its_cheapest_valid_set_in_one_accepted_call() {
    let (env, log) = logged(|_| {});
    let cases = [
        // Voucher 100 + discount coupon (cap 50) on 364.00: the voucher alone.
        RuleCase {
            order: SEED_ORDER,
            coupons: &[VOUCHER],
            discount: None,
            paid: "264.00",
            rejected: "never goes with a discount coupon",
        },
        // Marketplace (group 1) and special (group 2) vouchers never mix.
        RuleCase {
            order: "CS2611200900GRPMX",
            coupons: &["CP26110109350010G1", "CP26110109350012G0"],
            discount: None,
            paid: "600.00",
            rejected: "are never mixed",
        },
        // One voucher of group 0, where a coupon without a group counts as 0.
        RuleCase {
            order: "CS2611200905QTYGR",
            coupons: &["CP26110109350020Q1", "CP26110109350022Q3"],
            discount: None,
            paid: "700.00",
            rejected: "coupon_max_use_quantity allows at most 1",
        },
        // use_limits: L2 goes with no promotion and no commercial discount.
        RuleCase {
            order: "CS2611200910LIMIT",
            coupons: &["CP26110109350030L1", "CP26110109350031L2"],
            discount: None,
            paid: "600.00",
            rejected: "use_limits exclude a promotion",
        },
        // minConsumeDiscount 0.80 excludes the 0.60 promotion, whose saving
        // is estimated from its ratio (the API states no amount).
        RuleCase {
            order: "CS2611200915MINCD",
            coupons: &[],
            discount: Some("dsc-0-min-promo"),
            paid: "600.00",
            rejected: "minConsumeDiscount",
        },
        // The 609 adjustment is mandatory; a stored-value card pays as 303.
        RuleCase {
            order: "CS2611200920ADJST",
            coupons: &["CP26110109350050A1", "CP26110109350051A2"],
            discount: Some("dsc-609-adj-150"),
            paid: "700.00",
            rejected: "",
        },
    ];
    for (i, c) in cases.iter().enumerate() {
        let (code, out, err) = env.bssctl(&["orders", "pay", c.order, "--auto-approve"]);
        assert_eq!(code, 0, "{}\n{out}\n{err}", c.order);
        assert_eq!(pay_requests(&log), i + 1, "one accepted call: {out}");
        assert!(out.contains(&format!("Paid {}", c.order)), "{out}");
        assert!(
            out.contains(&format!(
                "CNY {} paid from the balance (the order re-read after paying)",
                c.paid
            )),
            "{out}"
        );
        if !c.rejected.is_empty() {
            assert!(
                out.lines()
                    .any(|l| l.starts_with("  rejected   ") && l.contains(c.rejected)),
                "{}: want a rejected set naming {:?}\n{out}",
                c.order,
                c.rejected
            );
        }
        let state = env.state();
        let o = order(&state, c.order);
        assert_eq!(o["status"], 5, "{o}");
        assert_eq!(
            o["paid_amount"], c.paid,
            "the amount reported is what was charged"
        );
        let mut used = coupons_used(o);
        used.sort();
        let mut want: Vec<String> = c.coupons.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(used, want, "{}", c.order);
        assert_eq!(o["discount_used"].as_str(), c.discount, "{}", c.order);
    }
    let state = env.state();
    let adj = order(&state, "CS2611200920ADJST");
    assert_eq!(adj["stored_card_amount"], "50.00", "{adj}");
    let min = crate::orders_cli::order(&state, "CS2611200915MINCD");
    assert_eq!(min["amount_after_discount"], "600.00");
}

#[test]
fn a_named_set_breaking_a_rule_is_refused_before_sending_with_the_rule() {
    let (env, log) = logged(|_| {});
    let cases: [(&str, Vec<&str>, &str); 6] = [
        (
            SEED_ORDER,
            vec!["--coupon", VOUCHER, "--coupon", DISCOUNT_COUPON],
            "a cash voucher (301) never goes with a discount coupon (300)",
        ),
        (
            "CS2611200900GRPMX",
            vec![
                "--coupon",
                "CP26110109350010G1",
                "--coupon",
                "CP26110109350011G2",
            ],
            "marketplace coupons (group 1) and special vouchers (group 2) are never mixed",
        ),
        (
            "CS2611200905QTYGR",
            vec![
                "--coupon",
                "CP26110109350020Q1",
                "--coupon",
                "CP26110109350021Q2",
            ],
            "coupon_max_use_quantity allows at most 1 coupon(s) of type 301 in group 0",
        ),
        (
            "CS2611200910LIMIT",
            vec![
                "--coupon",
                "CP26110109350031L2",
                "--discount",
                "dsc-0-lim-promo",
            ],
            "use_limits exclude a promotion",
        ),
        (
            "CS2611200915MINCD",
            vec![
                "--coupon",
                "CP26110109350040M1",
                "--discount",
                "dsc-0-min-promo",
            ],
            "goes only with a discount ratio of at least 0.80 (minConsumeDiscount)",
        ),
        (
            "CS2611200920ADJST",
            vec!["--discount", DISCOUNT_605],
            "price adjustment dsc-609-adj-150 (type 609) is mandatory",
        ),
    ];
    for (id, extra, rule) in cases {
        let mut args = vec!["orders", "pay", id];
        args.extend(extra.iter().copied());
        args.push("--auto-approve");
        let (code, out, err) = env.bssctl(&args);
        assert_eq!(code, 1, "{args:?}\n{out}\n{err}");
        assert!(out.contains(&format!("Refused: pay {id}")), "{out}");
        assert!(out.contains(rule), "{args:?}: want {rule:?}\n{out}");
        assert!(out.contains("nothing was sent"), "{out}");
        assert_eq!(order(&env.state(), id)["status"], 6);
    }
    assert_eq!(pay_requests(&log), 0, "nothing was sent");
}

#[test]
fn dry_run_shows_the_chosen_offer_in_text_and_json_and_pays_nothing() {
    let (env, log) = logged(|_| {});
    let (code, out, err) = env.bssctl(&["orders", "pay", SEED_ORDER, "--dry-run"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!(
            "coupon     {VOUCHER} (cash voucher, type 301)  -100.00"
        )),
        "{out}"
    );
    assert!(out.contains("to pay     CNY 264.00"), "{out}");
    assert!(out.contains("Dry run: nothing was paid."), "{out}");
    assert!(!out.contains("Paid "), "{out}");

    let (code, out, err) = env.bssctl(&[
        "orders",
        "pay",
        SEED_ORDER,
        "CS2611200915MINCD",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let doc: Value = serde_json::from_str(&out).expect("stdout is JSON");
    assert_eq!(doc["dry_run"], true);
    let first = &doc["orders"][0];
    assert_eq!(first["order_id"], SEED_ORDER);
    assert_eq!(first["official_amount"], "364.00");
    assert_eq!(first["choice"]["coupons"][0]["id"], VOUCHER);
    assert_eq!(first["choice"]["coupons"][0]["pay_type"], 301);
    assert_eq!(first["choice"]["estimate"]["to_pay"], "264.00");
    assert!(
        first["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["reason"].as_str().unwrap().contains("never goes with")),
        "{first}"
    );
    let second = &doc["orders"][1];
    assert_eq!(second["choice"]["discount"]["id"], "dsc-0-min-promo");
    assert_eq!(second["choice"]["discount"]["estimated"], true);
    assert_eq!(second["choice"]["estimate"]["to_pay"], "600.00");
    assert_eq!(doc["not_paid"].as_array().unwrap().len(), 0);

    assert_eq!(pay_requests(&log), 0, "a dry run sends no pay");
    assert_eq!(order(&env.state(), SEED_ORDER)["status"], 6);
    assert_eq!(cash(&env.state()), "50000.00");
}

/// The voucher is refused at pay time by a rule the listing does not show.
fn voucher_refused(s: &mut Value) {
    let c = s["coupons"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["coupon_id"] == VOUCHER)
        .unwrap();
    c["refused_with"] = Value::from("CBC.99003116");
}

#[test]
fn an_offer_refusal_is_journalled_then_the_next_best_set_is_paid_once() {
    let (env, log) = logged(voucher_refused);
    let orders_before = env.state()["orders"].as_array().unwrap().len();
    let (code, out, err) = env.bssctl(&["orders", "pay", SEED_ORDER, "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!("the API refused {VOUCHER} with CBC.99003116")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "fell back once to the next-best valid set, {DISCOUNT_605}"
        )),
        "{out}"
    );
    assert!(
        out.contains("CNY 327.60 paid from the balance (the order re-read after paying)"),
        "{out}"
    );
    assert_eq!(pay_requests(&log), 2, "the refused set, then the fallback");
    let state = env.state();
    let o = order(&state, SEED_ORDER);
    assert_eq!(o["status"], 5);
    assert_eq!(o["paid_amount"], "327.60");
    assert_eq!(o["discount_used"], DISCOUNT_605);
    assert_eq!(
        state["orders"].as_array().unwrap().len(),
        orders_before,
        "the same order: no new purchase"
    );
    // The journal: intent, the refusal, then the fallback's intent and result.
    let journal = std::fs::read_to_string(env.ws.state_dir().join("journal.jsonl")).unwrap();
    let events: Vec<Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &Value| e["order_id"] == SEED_ORDER)
        .collect();
    let kinds: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("order_intent".to_string(), String::new()),
            ("order_result".to_string(), "failed".to_string()),
            ("order_intent".to_string(), String::new()),
            ("order_result".to_string(), "done".to_string()),
        ],
        "{journal}"
    );
    assert_eq!(events[1]["error_code"], "CBC.99003116");
    assert_eq!(events[2]["discount_id"], DISCOUNT_605);
}

#[test]
fn an_offer_refusal_of_a_named_set_is_not_retried_and_its_hint_names_the_way_out() {
    let (env, log) = logged(voucher_refused);
    let (code, out, err) = env.bssctl(&[
        "orders",
        "pay",
        SEED_ORDER,
        "--coupon",
        VOUCHER,
        "--auto-approve",
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains(&format!("Failed: pay {SEED_ORDER}: CBC.99003116")),
        "{out}"
    );
    let hint = out
        .lines()
        .find(|l| l.starts_with("  hint: "))
        .unwrap_or_else(|| panic!("a hint line: {out}"));
    for words in ["--coupon", "--no-offers", VOUCHER] {
        assert!(hint.contains(words), "{words:?} in {hint}");
    }
    assert_eq!(pay_requests(&log), 1, "a named set is not replaced");
    assert_eq!(order(&env.state(), SEED_ORDER)["status"], 6);
}
