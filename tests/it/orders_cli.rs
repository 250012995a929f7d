//! `bssctl orders` end to end through the CLI against a `bssctl sandbox`
//! process: listing (the journal's orders, or --all), paying with the best
//! offer or named ones, refusals before anything is sent, --no-offers,
//! cancelling, no confirmation without a terminal, an unknown order, and a
//! pay whose answer is lost (settled by re-reading the order, never resent).

use crate::common::*;
use serde_json::Value;

const SEED_ORDER: &str = "CS2611220930RJPYC";
const VOUCHER: &str = "CP26110109350001VC";
const DISCOUNT_COUPON: &str = "CP26111514200002DC";
const DISCOUNT_605: &str = "dsc-605-8f1c2a";
const STAGING_APP_02: &str = "bb1c2eb0-0c48-2a03-7382-153c52a4309d";
const PROD_API_01: &str = "c62697d1-8e77-8686-3cba-12b6ff3b0f57";
/// The seed's order exercising the coupon-group rule, one of its coupons
/// (expiring before the order's deadline), and a sub-account's order.
const GROUPS_ORDER: &str = "CS2611200900GRPMX";
const G1: &str = "CP26110109350010G1";
const SUB_ORDER: &str = "CS2611200925SUBAC";

/// Renews prod-api-01 (expires in 4 days) for a month, leaving the order unpaid.
const UNPAID_RENEWAL: &str = "version: 1
defaults:
  auto_pay: false
resources:
  - id: c62697d1-8e77-8686-3cba-12b6ff3b0f57
    renew_ahead: { min_remaining: 14d, period: 1m }
";

pub(crate) struct Env {
    pub(crate) ws: Workspace,
    pub(crate) sandbox: SandboxProc,
}

impl Env {
    pub(crate) fn start(flags: &[&str]) -> Env {
        Env::start_with(flags, |_| {})
    }

    /// Starts from the seed as `tweak` changes it.
    pub(crate) fn start_with(flags: &[&str], tweak: impl FnOnce(&mut Value)) -> Env {
        let ws = Workspace::new();
        let state = ws.path("sandbox.json");
        seed_into(&state);
        let mut json = state_json(&state);
        tweak(&mut json);
        std::fs::write(&state, serde_json::to_string_pretty(&json).unwrap()).unwrap();
        let sandbox = SandboxProc::start(&state, flags);
        Env { ws, sandbox }
    }

    pub(crate) fn bssctl(&self, args: &[&str]) -> (i32, String, String) {
        let mut c = self.ws.bssctl_at(&self.sandbox);
        c.args(args);
        let o = run(c);
        let (out, err) = text(&o);
        (o.status.code().unwrap_or(-1), out, err)
    }

    pub(crate) fn state(&self) -> Value {
        state_json(&self.sandbox.state)
    }

    /// Creates an unpaid renewal order through `apply` (journalled); returns its id.
    fn unpaid_order_by_apply(&self) -> String {
        let before = order_ids(&self.state());
        let m = self.ws.write("unpaid.yaml", UNPAID_RENEWAL);
        let (code, out, err) = self.bssctl(&["apply", "--auto-approve", "-f", m.to_str().unwrap()]);
        assert_eq!(code, 0, "{out}\n{err}");
        assert!(out.contains("Unpaid renewal orders"), "{out}");
        let after = order_ids(&self.state());
        let new: Vec<String> = after.into_iter().filter(|o| !before.contains(o)).collect();
        assert_eq!(new.len(), 1, "{new:?}");
        assert!(
            out.contains(&new[0]),
            "the summary lists the unpaid order id: {out}"
        );
        // The next plan shows that order instead of planning a second renewal.
        let (code, plan, _) =
            self.bssctl(&["plan", "--detailed-exitcode", "-f", m.to_str().unwrap()]);
        assert_eq!(code, 0, "{plan}");
        assert!(
            plan.contains(&format!("unpaid renewal order {}", new[0])),
            "{plan}"
        );
        new[0].clone()
    }
}

pub(crate) fn order<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order_id"] == id)
        .unwrap_or_else(|| panic!("order {id} in state"))
}

/// `coupons_used` of an order (absent when none).
pub(crate) fn coupons_used(o: &Value) -> Vec<String> {
    o["coupons_used"]
        .as_array()
        .map(|a| a.iter().map(|c| c.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

pub(crate) fn cash(state: &Value) -> String {
    state["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["account_type"] == 1)
        .unwrap()["amount"]
        .as_str()
        .unwrap()
        .to_string()
}

fn expiry(state: &Value, id: &str) -> String {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource_id"] == id)
        .unwrap()["expire_time"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(crate) fn pay_requests(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"PayOrders\""))
        .count()
}

#[test]
fn lists_orders_holding_the_accounts_resources_with_offers_and_with_all_every_one() {
    let env = Env::start(&[]);
    // Nothing in the journal yet, but the seed's pending renewal holds
    // staging-app-02: it is listed by default, whoever created it, with its
    // list price, deadline, usable offers and the cheapest valid set.
    let (code, out, err) = env.bssctl(&["orders"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!("{SEED_ORDER}  renewal  CNY 364.00\n")),
        "{out}"
    );
    assert!(out.contains("  list price CNY 364.00"), "{out}");
    assert!(
        out.contains("pay by     2026-11-29T09:30:00Z (in 5 days)"),
        "{out}"
    );
    assert!(
        out.contains(&format!("staging-app-02 ({STAGING_APP_02})")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  coupon     {VOUCHER} (cash voucher, type 301)  -100.00, expires 2027-05-01T00:00:00Z"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  coupon     {DISCOUNT_COUPON} (discount coupon, type 300)  up to -50.00"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  discount   {DISCOUNT_605} (commercial discount, type 2)  -36.40"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("  best       {VOUCHER}: CNY 264.00 to pay")),
        "{out}"
    );
    // The rule orders are new purchases holding no resource of the account.
    assert!(!out.contains(GROUPS_ORDER), "{out}");

    // --all: every pending order of the account, and a coupon's expiry
    // bringing the pay-by date forward.
    let (code, out, err) = env.bssctl(&["orders", "--all"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Pending orders of the account (6)"), "{out}");
    assert!(
        out.contains(&format!(
            "  pay by     2026-11-27T00:00:00Z (in 3 days) to use coupon {G1} (it expires before the order's deadline)"
        )),
        "{out}"
    );
    assert!(!out.contains(SUB_ORDER), "{out}");

    // --method sub_customer: the enterprise sub-accounts' orders.
    let (code, out, err) = env.bssctl(&["orders", "--method", "sub_customer"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("Pending orders of the enterprise sub-accounts (1)"),
        "{out}"
    );
    assert!(
        out.contains(&format!("{SUB_ORDER}  new  CNY 480.00")),
        "{out}"
    );

    // An order apply left unpaid shows up too: the journal has it.
    let created = env.unpaid_order_by_apply();
    let (code, out, err) = env.bssctl(&["orders"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(&format!("{created}  renewal")), "{out}");
    assert!(out.contains("(created by bssctl)"), "{out}");
    assert!(
        out.contains(&format!("prod-api-01 ({PROD_API_01})")),
        "{out}"
    );

    // JSON: the documented array, with the offers and the best set.
    let (code, out, err) = env.bssctl(&["orders", "--format", "json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let rows: Value = serde_json::from_str(&out).expect("stdout is JSON");
    let rows = rows.as_array().unwrap();
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![SEED_ORDER, created.as_str()], "oldest first");
    let r = &rows[1];
    assert_eq!(r["order_type"], 2);
    assert_eq!(r["order_type_name"], "renewal");
    assert_eq!(r["currency"], "CNY");
    assert_eq!(r["created_by_bssctl"], true);
    assert!(r["amount"].as_str().unwrap().contains('.'), "{r}");
    assert!(r["pending_payment_end_time"].is_string(), "{r}");
    assert_eq!(r["resources"][0]["resource_id"], PROD_API_01);
    assert_eq!(r["resources"][0]["resource_name"], "prod-api-01");
    let seed = &rows[0];
    assert_eq!(seed["created_by_bssctl"], false);
    assert_eq!(seed["official_amount"], "364.00");
    assert_eq!(seed["offers"]["best"]["coupons"][0]["id"], VOUCHER);
    assert_eq!(seed["offers"]["best"]["estimate"]["to_pay"], "264.00");
    assert_eq!(seed["offers"]["coupons"].as_array().unwrap().len(), 2);

    let (code, out, _) = env.bssctl(&["orders", "--all", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("| Order | Type | Amount | List price | Best offer | To pay | Created | Pay by | Resources |"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "| `{SEED_ORDER}` | renewal | CNY 364.00 | CNY 364.00 | {VOUCHER} | CNY 264.00 |"
        )),
        "{out}"
    );
}

#[test]
fn pays_with_the_best_offer_by_default() {
    let env = Env::start(&[]);
    let before = env.state();
    assert_eq!(cash(&before), "50000.00");
    assert_eq!(expiry(&before, STAGING_APP_02), "2027-01-10T00:00:00Z");

    let (code, out, err) = env.bssctl(&["orders", "pay", SEED_ORDER, "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    // The case: a 100.00 voucher and a discount coupon capped at
    // 50.00 never go together, and the voucher's use_limits exclude the
    // commercial discount: the voucher alone is the cheapest valid set.
    assert!(
        out.contains(&format!(
            "coupon     {VOUCHER} (cash voucher, type 301)  -100.00"
        )),
        "{out}"
    );
    assert!(!out.contains("discount   "), "{out}");
    assert!(out.contains("to pay     CNY 264.00"), "{out}");
    assert!(
        out.contains(&format!(
            "rejected   {DISCOUNT_605} + {VOUCHER} (CNY 227.60): coupon {VOUCHER}'s use_limits exclude a commercial discount"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "rejected   {VOUCHER} + {DISCOUNT_COUPON} (CNY 264.00): a cash voucher (301) never goes with a discount coupon (300)"
        )) || out.contains(&format!(
            "rejected   {DISCOUNT_COUPON} + {VOUCHER} (CNY 264.00): a cash voucher (301) never goes with a discount coupon (300)"
        )),
        "{out}"
    );
    assert!(
        out.contains("Account balance available (cash and credit): CNY 70,000.00"),
        "{out}"
    );
    assert!(out.contains(&format!("Paid {SEED_ORDER}")), "{out}");
    // The amount reported is the re-read order's, what the sandbox charged.
    assert!(
        out.contains(&format!(
            "CNY 264.00 paid from the balance (the order re-read after paying), using {VOUCHER}"
        )),
        "{out}"
    );
    assert!(
        out.contains("Orders: 1 paid, 0 failed, 0 refused, 0 unknown."),
        "{out}"
    );

    let after = env.state();
    let o = order(&after, SEED_ORDER);
    assert_eq!(o["status"], 5);
    assert_eq!(coupons_used(o), vec![VOUCHER]);
    assert_eq!(o["discount_used"], Value::Null);
    assert_eq!(o["paid_amount"], "264.00");
    assert_eq!(cash(&after), "49736.00", "debited exactly the estimate");
    // The renewal took effect: a month on top of the old expiry.
    assert_eq!(expiry(&after, STAGING_APP_02), "2027-02-10T00:00:00Z");
    let voucher = after["coupons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["coupon_id"] == VOUCHER)
        .unwrap();
    assert_eq!(voucher["used_by_order_id"], SEED_ORDER);

    // The journal records the intent (before sending) and the result.
    let journal = std::fs::read_to_string(env.ws.state_dir().join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"event\":\"order_intent\""), "{journal}");
    assert!(
        journal.contains(&format!("\"coupon_ids\":[\"{VOUCHER}\"]")),
        "{journal}"
    );
    assert!(journal.contains("\"event\":\"order_result\""), "{journal}");
    assert!(journal.contains("\"outcome\":\"done\""), "{journal}");

    // Paid: no longer pending, and paying again is a success with a note
    // (scripts may re-run it); nothing is sent.
    let (code, out, _) = env.bssctl(&["orders", "--all"]);
    assert_eq!(code, 0);
    assert!(!out.contains(SEED_ORDER), "{out}");
    let (code, out, err) = env.bssctl(&["orders", "pay", SEED_ORDER, "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(&format!("Paid {SEED_ORDER}")), "{out}");
    assert!(out.contains("already paid at "), "{out}");
    assert!(out.contains("nothing sent"), "{out}");
    assert_eq!(cash(&env.state()), "49736.00", "charged once");
}

#[test]
fn pays_with_named_coupons_and_discount() {
    let env = Env::start(&[]);
    // The discount coupon alone (15 % of 364.00 = 54.60, capped at 50.00).
    let (code, out, err) = env.bssctl(&[
        "orders",
        "pay",
        SEED_ORDER,
        "--coupon",
        DISCOUNT_COUPON,
        "--auto-approve",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("(discount coupon, type 300)  up to -50.00"),
        "{out}"
    );
    assert!(out.contains("to pay     CNY 314.00 to CNY 364.00"), "{out}");
    // After paying, the amount is the order's, not the estimate's bound.
    assert!(
        out.contains("CNY 314.00 paid from the balance (the order re-read after paying)"),
        "{out}"
    );
    let after = env.state();
    let o = order(&after, SEED_ORDER);
    assert_eq!(o["status"], 5);
    assert_eq!(coupons_used(o), vec![DISCOUNT_COUPON]);
    assert_eq!(o["discount_used"], Value::Null);
    assert_eq!(cash(&after), "49686.00", "364.00 - 50.00 = 314.00");

    // --discount on the order apply left unpaid: the best cash coupons go
    // with it (the voucher is used up, so none).
    let created = env.unpaid_order_by_apply();
    let (code, out, err) = env.bssctl(&[
        "orders",
        "pay",
        &created,
        "--discount",
        DISCOUNT_605,
        "--auto-approve",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let after = env.state();
    let o = order(&after, &created);
    assert_eq!(o["status"], 5);
    assert_eq!(o["discount_used"], DISCOUNT_605);
    assert!(coupons_used(o).is_empty(), "{o}");
}

#[test]
fn invalid_combinations_are_refused_before_sending() {
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let log = ws.path("requests.jsonl");
    let sandbox = SandboxProc::start(&state, &["--request-log", log.to_str().unwrap()]);
    let env = Env { ws, sandbox };
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--coupon", DISCOUNT_COUPON, "--discount", DISCOUNT_605],
            "use_limits exclude a commercial discount",
        ),
        (
            vec!["--coupon", DISCOUNT_COUPON, "--coupon", VOUCHER],
            "a cash voucher (301) never goes with a discount coupon (300)",
        ),
        (
            vec!["--coupon", "CPNOSUCHCOUPON"],
            "is not offered for order",
        ),
        (vec!["--discount", "dsc-nope"], "is not offered for order"),
        (
            vec!["--no-offers", "--coupon", VOUCHER],
            "cannot be combined",
        ),
        (
            vec![
                "--coupon", "A", "--coupon", "B", "--coupon", "C", "--coupon", "D",
            ],
            "at most 3 coupons",
        ),
        (
            vec!["--coupon", VOUCHER, "--coupon", VOUCHER],
            "given twice",
        ),
        (
            vec!["--coupon", VOUCHER, "CS0000000000OTHER"],
            "pay the orders one at a time",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["orders", "pay", SEED_ORDER];
        args.extend(extra.iter().copied());
        args.push("--auto-approve");
        let (code, out, err) = env.bssctl(&args);
        assert_eq!(code, 1, "{args:?}\n{out}\n{err}");
        assert!(
            out.contains(want) || err.contains(want),
            "{args:?}: want {want:?}\n{out}\n{err}"
        );
    }
    assert_eq!(pay_requests(&log), 0, "nothing was sent");
    assert_eq!(order(&env.state(), SEED_ORDER)["status"], 6);
}

#[test]
fn no_offers_pays_the_list_price() {
    let env = Env::start(&[]);
    let (code, out, err) =
        env.bssctl(&["orders", "pay", SEED_ORDER, "--no-offers", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("offers     none (list price)"), "{out}");
    assert!(out.contains("to pay     CNY 364.00"), "{out}");
    let after = env.state();
    assert_eq!(cash(&after), "49636.00");
    assert!(coupons_used(order(&after, SEED_ORDER)).is_empty());
}

#[test]
fn cancels_and_then_refuses_to_cancel_again() {
    let env = Env::start(&[]);
    let (code, out, err) = env.bssctl(&["orders", "cancel", SEED_ORDER, "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!(
            "Order {SEED_ORDER}: renewal, CNY 364.00; resources staging-app-02"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("Cancelled {SEED_ORDER}")), "{out}");
    assert_eq!(order(&env.state(), SEED_ORDER)["status"], 4);
    assert_eq!(cash(&env.state()), "50000.00");

    let (code, out, _) = env.bssctl(&["orders", "--all"]);
    assert_eq!(code, 0);
    assert!(!out.contains(SEED_ORDER), "{out}");
    let (code, out, _) = env.bssctl(&["orders", "cancel", SEED_ORDER, "--auto-approve"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("cancelled (status 4), not pending payment"),
        "{out}"
    );
}

#[test]
fn refuses_without_a_terminal_or_auto_approve() {
    let env = Env::start(&[]);
    for action in ["pay", "cancel"] {
        let (code, out, err) = env.bssctl(&["orders", action, SEED_ORDER]);
        assert_eq!(code, 1, "{out}\n{err}");
        assert!(
            err.contains(&format!(
                "refusing to {action} without confirmation: standard input is not a terminal; review the orders above and pass --auto-approve"
            )),
            "{err}"
        );
        // What would have happened was shown first.
        assert!(out.contains(&format!("Order {SEED_ORDER}")), "{out}");
    }
    assert_eq!(order(&env.state(), SEED_ORDER)["status"], 6);
    assert_eq!(cash(&env.state()), "50000.00");
}

#[test]
fn an_unknown_order_fails_with_its_code_and_hint() {
    let env = Env::start(&[]);
    let (code, out, err) = env.bssctl(&["orders", "pay", "CS9999999999NOPE0", "--auto-approve"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("Failed: pay CS9999999999NOPE0: CBC.30000010"),
        "{out}"
    );
    assert!(
        out.contains("  hint: the order id is invalid or not an order of this account"),
        "{out}"
    );
    assert!(out.contains("Orders: 0 paid, 1 failed"), "{out}");
}

#[test]
fn a_pay_whose_answer_is_lost_is_settled_by_re_reading_the_order() {
    // Every pay is applied, then its connection is cut before the answer.
    let ws = Workspace::new();
    let state = ws.path("sandbox.json");
    seed_into(&state);
    let log = ws.path("requests.jsonl");
    let sandbox = SandboxProc::start(
        &state,
        &[
            "--drop-every",
            "1",
            "--fault-api",
            "PayOrders",
            "--request-log",
            log.to_str().unwrap(),
        ],
    );
    let env = Env { ws, sandbox };
    let (code, out, err) = env.bssctl(&["orders", "pay", SEED_ORDER, "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(&format!("Paid {SEED_ORDER}")), "{out}");
    assert!(
        out.contains("the answer was lost, but re-reading the order shows it completed (status 5): the pay took effect; it was not sent again"),
        "{out}"
    );
    assert_eq!(pay_requests(&log), 1, "sent once, never resent");
    let after = env.state();
    assert_eq!(order(&after, SEED_ORDER)["status"], 5);
    assert_eq!(cash(&after), "49736.00", "charged once");
    let journal = std::fs::read_to_string(env.ws.state_dir().join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"verified\":true"), "{journal}");
}

#[test]
fn a_pay_that_failed_ambiguously_is_unknown_after_one_re_read() {
    // Every pay answers 500 without applying: ambiguous for a payment.
    let env = Env::start(&["--error-every", "1", "--fault-api", "PayOrders"]);
    let (code, out, err) = env.bssctl(&["orders", "pay", SEED_ORDER, "--auto-approve"]);
    assert_eq!(code, 1, "{out}\n{err}");
    // One immediate re-read proves nothing: a late pay may still land.
    assert!(
        out.contains(&format!("Unknown: pay {SEED_ORDER}: AMBIGUOUS")),
        "{out}"
    );
    assert!(
        out.contains("the order still reads pending payment (status 6) right after, so whether the pay took effect is unknown; it was NOT sent again"),
        "{out}"
    );
    assert!(!out.contains("safe to run"), "{out}");
    assert_eq!(order(&env.state(), SEED_ORDER)["status"], 6);
    assert_eq!(cash(&env.state()), "50000.00");
}

#[test]
fn an_order_price_adjustment_609_is_always_used() {
    let env = Env::start_with(&[], |s| {
        s["order_discounts"] = serde_json::json!([{
            "discount_id": "adj-609-0001",
            "order_id": SEED_ORDER,
            "discount_type": 609,
            "discount_amount": "14.00"
        }]);
    });
    // Named offers that leave it out, and --no-offers, are refused.
    for extra in [vec!["--discount", DISCOUNT_605], vec!["--no-offers"]] {
        let mut args = vec!["orders", "pay", SEED_ORDER];
        args.extend(extra.iter().copied());
        args.push("--auto-approve");
        let (code, out, err) = env.bssctl(&args);
        assert_eq!(code, 1, "{args:?}\n{out}\n{err}");
        assert!(out.contains("adj-609-0001 (type 609)"), "{args:?}\n{out}");
    }
    assert_eq!(order(&env.state(), SEED_ORDER)["status"], 6);
    // By default it is the discount, sent with type 609, and the voucher goes with it.
    let (code, out, err) = env.bssctl(&["orders", "pay", SEED_ORDER, "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(
            "discount   adj-609-0001 (order price adjustment, type 609, required)  -14.00"
        ),
        "{out}"
    );
    assert!(out.contains("to pay     CNY 250.00"), "{out}");
    let after = env.state();
    let o = order(&after, SEED_ORDER);
    assert_eq!(o["status"], 5);
    assert_eq!(o["discount_used"], "adj-609-0001");
    assert_eq!(coupons_used(o), vec![VOUCHER]);
    assert_eq!(cash(&after), "49750.00");
}

#[test]
fn several_orders_in_one_command_never_share_a_coupon() {
    let env = Env::start(&[]);
    let created = env.unpaid_order_by_apply();
    let (code, out, err) = env.bssctl(&["orders", "pay", SEED_ORDER, &created, "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        out.matches(&format!("coupon     {VOUCHER}")).count(),
        1,
        "{out}"
    );
    assert!(out.contains("Orders: 2 paid, 0 failed"), "{out}");
    let after = env.state();
    assert_eq!(coupons_used(order(&after, SEED_ORDER)), vec![VOUCHER]);
    let second = order(&after, &created);
    assert_eq!(second["status"], 5);
    assert!(coupons_used(second).is_empty(), "{second}");
    assert_eq!(second["discount_used"], DISCOUNT_605);
}
