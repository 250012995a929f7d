//! Resolve rules against hand-built inventories.

use super::*;
use crate::bss::model::{EnterpriseProject, OrderInstanceV2};
use crate::manifest::load::load_str;
use crate::manifest::types::AutoRenewPeriod;

fn now() -> DateTime<Utc> {
    crate::clock::parse_api_time("2026-11-01T00:00:00Z").unwrap()
}

/// A main resource in use, expiring 2026-12-01 (30 days after `now`).
fn main_row(id: &str, name: &str) -> OrderInstanceV2 {
    OrderInstanceV2 {
        resource_id: Some(id.into()),
        resource_name: Some(name.into()),
        region_code: Some("cn-north-4".into()),
        service_type_code: Some("hws.service.type.ec2".into()),
        resource_type_code: Some("hws.resource.type.vm".into()),
        project_id: Some("p1".into()),
        is_main_resource: Some(1),
        status: Some(2),
        expire_time: Some("2026-12-01T00:00:00Z".into()),
        expire_policy: Some(0),
        enterprise_project: Some(EnterpriseProject {
            id: Some("ep-1".into()),
            name: Some("prod".into()),
        }),
        ..Default::default()
    }
}

fn attached_row(id: &str, main: &str) -> OrderInstanceV2 {
    OrderInstanceV2 {
        is_main_resource: Some(0),
        parent_resource_id: Some(main.into()),
        service_type_code: Some("hws.service.type.ebs".into()),
        ..main_row(id, &format!("{id}-disk"))
    }
}

fn closed(mut row: OrderInstanceV2) -> OrderInstanceV2 {
    row.status = Some(3);
    row
}

fn inventory() -> Inventory {
    Inventory::from_rows(vec![
        main_row("vm-1", "prod-web-01"),
        main_row("vm-2", "prod-web-02"),
        main_row("vm-3", "dev-web-01"),
        attached_row("disk-1", "vm-1"),
        closed(main_row("vm-old", "prod-web-00")),
    ])
}

fn run(text: &str, inv: &Inventory) -> Resolution {
    let loaded = load_str("m.yaml", text);
    let set = loaded
        .set
        .unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics));
    resolve(&set, inv, now())
}

fn messages(res: &Resolution) -> Vec<String> {
    res.diagnostics.iter().map(ToString::to_string).collect()
}

#[test]
fn resources_win_over_selectors_which_win_over_defaults() {
    let res = run(
        "version: 1
defaults: {auto_pay: false}
resources:
  - id: vm-1
    name: prod-web-01
    auto_renew: {period: month, times: 3}
    protect: false
selectors:
  - match: {name: \"prod-*\"}
    on_expiry: auto_renew
    auto_renew: {period: year}
    renew_ahead: {min_remaining: 30d, period: 1y}
    protect: true
",
        &inventory(),
    );
    assert_eq!(messages(&res), Vec::<String>::new());
    assert_eq!(res.desired.keys().collect::<Vec<_>>(), ["vm-1", "vm-2"]);
    let d1 = &res.desired["vm-1"];
    assert_eq!(d1.name.as_deref(), Some("prod-web-01"));
    assert_eq!(d1.on_expiry, Some(OnExpiry::AutoRenew), "from the selector");
    assert_eq!(
        d1.auto_renew,
        Some(AutoRenewSpec {
            period: Some(AutoRenewPeriod::Month),
            times: Some(3)
        }),
        "the entry's block replaces the selector's as a whole"
    );
    assert!(d1.renew_ahead.is_some());
    assert!(!d1.protect, "the entry's explicit false wins");
    assert!(!d1.auto_pay, "from defaults");
    assert_eq!(d1.state, DesiredState::Active);
    let keys: Vec<_> = d1.sources.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["resources[0]", "selectors[0]"]);
    let d2 = &res.desired["vm-2"];
    assert_eq!(d2.name, None);
    assert_eq!(
        d2.auto_renew,
        Some(AutoRenewSpec {
            period: Some(AutoRenewPeriod::Year),
            times: None
        })
    );
    assert!(d2.protect);
}

#[test]
fn selectors_that_disagree_are_an_error_naming_both() {
    let text = "version: 1
selectors:
  - match: {region: cn-north-4}
    on_expiry: auto_renew
    protect: true
  - match: {name: \"prod-*\"}
    on_expiry: on_demand
    protect: true
";
    let res = run(text, &inventory());
    assert_eq!(
        messages(&res),
        ["m.yaml:7:16: error: selectors[1].on_expiry: selectors disagree on on_expiry for resources \"vm-1\", \"vm-2\": \
          on_demand here, auto_renew from the selector at m.yaml:3 (selectors[0]); make them agree, or set on_expiry in a \
          resources entry, which wins"]
    );
    // Only vm-3 (dev) is matched by one selector alone.
    assert_eq!(res.desired.keys().collect::<Vec<_>>(), ["vm-3"]);

    // Blocks are shown the way a manifest writes them.
    let res = run(
        "version: 1
selectors:
  - match: {region: cn-north-4}
    on_expiry: auto_renew
    auto_renew: {period: month}
  - match: {name: \"prod-*\"}
    auto_renew: {period: year, times: 2}
",
        &inventory(),
    );
    assert!(
        res.diagnostics[0].message.contains(
            "auto_renew for resources \"vm-1\", \"vm-2\": { period: year, times: 2 } here, { period: month } from"
        ),
        "{}",
        res.diagnostics[0]
    );

    // A resources entry that sets the field settles it for its resource.
    let settled = format!("{text}resources:\n  - id: vm-1\n    on_expiry: none\n");
    let res = run(&settled, &inventory());
    assert_eq!(
        messages(&res),
        ["m.yaml:7:16: error: selectors[1].on_expiry: selectors disagree on on_expiry for resource \"vm-2\": \
          on_demand here, auto_renew from the selector at m.yaml:3 (selectors[0]); make them agree, or set on_expiry in a \
          resources entry, which wins"]
    );
    assert_eq!(res.desired["vm-1"].on_expiry, Some(OnExpiry::None));
    assert!(
        res.desired["vm-1"].protect,
        "agreeing selectors still apply"
    );
}

#[test]
fn many_conflicting_resources_are_summarised() {
    let rows: Vec<_> = (0..8).map(|i| main_row(&format!("vm-{i}"), "x")).collect();
    let res = run(
        "version: 1\nselectors:\n  - match: {name: x}\n    protect: true\n  - match: {region: cn-north-4}\n    protect: false\n",
        &Inventory::from_rows(rows),
    );
    assert_eq!(res.diagnostics.len(), 1);
    assert!(
        res.diagnostics[0]
            .message
            .contains("for resources \"vm-0\", \"vm-1\", \"vm-2\", \"vm-3\", \"vm-4\" and 3 more: false here, true from"),
        "{}",
        res.diagnostics[0]
    );
    assert!(res.desired.is_empty());
}

#[test]
fn a_selector_matching_nothing_is_a_warning() {
    let res = run(
        "version: 1\nselectors:\n  - match: {region: eu-west-0}\n    protect: true\n",
        &inventory(),
    );
    assert_eq!(
        messages(&res),
        ["m.yaml:3:12: warning: selectors[0].match: this selector matches no resource in the account (closed and \
          attached resources are never matched)"]
    );
    assert!(!res.has_errors());
}

#[test]
fn selectors_skip_closed_and_attached_resources() {
    // "*-00" is only the closed vm-old; "*-disk" only the attached disk.
    let res = run(
        "version: 1\nselectors:\n  - match: {name: \"*-00\"}\n    protect: true\n  - match: {name: \"*-disk\"}\n    protect: true\n",
        &inventory(),
    );
    assert_eq!(res.diagnostics.len(), 2);
    assert!(res
        .diagnostics
        .iter()
        .all(|d| d.message.contains("matches no resource")));
    assert!(res.desired.is_empty());
}

#[test]
fn expires_within_is_measured_from_now() {
    let inv = Inventory::from_rows(vec![
        main_row("at-30d", "a"),
        OrderInstanceV2 {
            expire_time: Some("2026-12-01T00:00:01Z".into()),
            ..main_row("after-30d", "b")
        },
        OrderInstanceV2 {
            expire_time: Some("2026-10-30T00:00:00Z".into()),
            ..main_row("expired", "c")
        },
    ]);
    let res = run(
        "version: 1\nselectors:\n  - match: {expires_within: 30d}\n    protect: true\n",
        &inv,
    );
    assert_eq!(
        res.desired.keys().collect::<Vec<_>>(),
        ["at-30d", "expired"]
    );
    let res = run(
        "version: 1\nselectors:\n  - match: {expires_within: 719h}\n    protect: true\n",
        &inv,
    );
    assert_eq!(res.desired.keys().collect::<Vec<_>>(), ["expired"]);
}

#[test]
fn ids_that_are_not_in_the_account() {
    let res = run(
        "version: 1\nresources:\n  - id: ghost\n    protect: true\n  - id: released\n    state: unsubscribed\n",
        &inventory(),
    );
    assert_eq!(
        messages(&res),
        ["m.yaml:3:9: error: resources[0].id: resource \"ghost\" does not exist in the account; check the id, or \
          remove the entry if the resource was released"]
    );
    assert!(
        res.desired.is_empty(),
        "an unsubscribed resource that is gone has converged"
    );
}

#[test]
fn closed_resources() {
    let res = run(
        "version: 1\nresources:\n  - id: vm-old\n    on_expiry: none\n",
        &inventory(),
    );
    assert_eq!(
        messages(&res),
        ["m.yaml:3:9: warning: resources[0].id: resource \"vm-old\" is closed (released); this entry is ignored, remove it"]
    );
    assert!(res.desired.is_empty());
    let res = run(
        "version: 1\nresources:\n  - id: vm-old\n    state: unsubscribed\n",
        &inventory(),
    );
    assert_eq!(messages(&res), Vec::<String>::new());
    assert!(
        res.desired.is_empty(),
        "closed + unsubscribed has converged"
    );
}

#[test]
fn unsubscribing() {
    let res = run(
        "version: 1\nresources:\n  - id: vm-3\n    state: unsubscribed\n",
        &inventory(),
    );
    assert_eq!(messages(&res), Vec::<String>::new());
    let d = &res.desired["vm-3"];
    assert_eq!(
        (d.state, d.protect, d.on_expiry),
        (DesiredState::Unsubscribed, false, None)
    );

    // A selector's protect: true guards the resource...
    let guarded = "version: 1
resources:
  - id: vm-1
    state: unsubscribed
selectors:
  - match: {name: \"prod-*\"}
    on_expiry: auto_renew
    protect: true
";
    let res = run(guarded, &inventory());
    assert_eq!(
        messages(&res),
        ["m.yaml:4:12: error: resources[0].state: resource \"vm-1\" is declared state: unsubscribed, but the selector \
          at m.yaml:6 (selectors[0]) sets protect: true for it; set protect: false in this entry to release it anyway, \
          or keep it"]
    );
    assert_eq!(res.desired.keys().collect::<Vec<_>>(), ["vm-2"]);

    // ...until the entry lifts it explicitly; selector settings then do not apply.
    let res = run(
        &guarded.replace(
            "state: unsubscribed",
            "state: unsubscribed\n    protect: false",
        ),
        &inventory(),
    );
    assert_eq!(messages(&res), Vec::<String>::new());
    let d = &res.desired["vm-1"];
    assert_eq!(
        (d.state, d.protect, d.on_expiry),
        (DesiredState::Unsubscribed, false, None)
    );
}

#[test]
fn attached_resources_follow_their_main() {
    let base = "version: 1
resources:
  - id: vm-1
    on_expiry: auto_renew
    protect: true
";
    // Restating the main's settings adds nothing.
    let res = run(
        &format!("{base}  - id: disk-1\n    on_expiry: auto_renew\n    name: disk-1-disk\n"),
        &inventory(),
    );
    assert_eq!(messages(&res), Vec::<String>::new());
    assert_eq!(res.desired.keys().collect::<Vec<_>>(), ["vm-1"]);

    // Differing settings are an error naming the main.
    let res = run(
        &format!("{base}  - id: disk-1\n    on_expiry: none\n    protect: false\n"),
        &inventory(),
    );
    assert_eq!(
        messages(&res),
        ["m.yaml:7:16: error: resources[1].on_expiry: resource \"disk-1\" is attached to main resource \"vm-1\" \
          (\"prod-web-01\"), and attached resources follow their main: on_expiry is none here but auto_renew for the \
          main (and protect); declare the settings on the main resource \"vm-1\" instead"]
    );
    assert_eq!(res.desired.keys().collect::<Vec<_>>(), ["vm-1"]);

    // The main unmanaged: any setting differs.
    let res = run(
        "version: 1\nresources:\n  - id: disk-1\n    protect: true\n",
        &inventory(),
    );
    assert!(
        res.diagnostics[0]
            .message
            .contains("protect is true here but false for the main"),
        "{:?}",
        res.diagnostics
    );
    assert!(res.desired.is_empty());

    // Unsubscribing an attached resource alone is not possible either.
    let res = run(
        "version: 1\nresources:\n  - id: disk-1\n    state: unsubscribed\n",
        &inventory(),
    );
    assert!(res.diagnostics[0]
        .message
        .contains("state is unsubscribed here but active for the main"));

    // An attached resource whose main is not listed.
    let inv = Inventory::from_rows(vec![attached_row("orphan", "vm-gone")]);
    let res = run("version: 1\nresources:\n  - id: orphan\n", &inv);
    assert_eq!(
        messages(&res),
        ["m.yaml:3:9: error: resources[0].id: resource \"orphan\" is an attached resource and its main resource \
          \"vm-gone\" is not in the account; bssctl manages main resources only"]
    );
}

#[test]
fn auto_renew_needs_on_expiry_auto_renew_after_merging() {
    // The entry brings the parameters, a selector the on_expiry: fine.
    let res = run(
        "version: 1
resources:
  - id: vm-1
    auto_renew: {period: year}
selectors:
  - match: {name: \"prod-web-01\"}
    on_expiry: auto_renew
",
        &inventory(),
    );
    assert_eq!(messages(&res), Vec::<String>::new());
    assert_eq!(res.desired["vm-1"].on_expiry, Some(OnExpiry::AutoRenew));

    // Nobody sets on_expiry.
    let res = run(
        "version: 1\nresources:\n  - id: vm-1\n    auto_renew: {period: year}\n",
        &inventory(),
    );
    assert_eq!(
        messages(&res),
        ["m.yaml:4:17: error: resources[0].auto_renew: auto_renew needs on_expiry: auto_renew, but for resource \
          \"vm-1\" on_expiry is not set; set on_expiry: auto_renew or remove auto_renew"]
    );
    assert!(res.desired.is_empty());

    // Two selectors at the same level contradict each other.
    let res = run(
        "version: 1
selectors:
  - match: {name: \"prod-web-01\"}
    on_expiry: on_demand
  - match: {name: \"prod-*\"}
    auto_renew: {period: year}
",
        &inventory(),
    );
    assert_eq!(
        messages(&res),
        [
            "m.yaml:6:17: error: selectors[1].auto_renew: auto_renew needs on_expiry: auto_renew, but for resource \
             \"vm-2\" on_expiry is not set; set on_expiry: auto_renew or remove auto_renew",
            "m.yaml:6:17: error: selectors[1].auto_renew: auto_renew needs on_expiry: auto_renew, but for resource \
             \"vm-1\" on_expiry is on_demand (on_expiry from m.yaml:3 (selectors[0])); set on_expiry: auto_renew or \
             remove auto_renew",
        ]
    );

    // One error per selector, however many resources it matches.
    let res = run(
        "version: 1\nselectors:\n  - match: {region: cn-north-4}\n    auto_renew: {period: year}\n",
        &inventory(),
    );
    assert_eq!(
        messages(&res),
        ["m.yaml:4:17: error: selectors[0].auto_renew: auto_renew needs on_expiry: auto_renew, but for resources \
          \"vm-1\", \"vm-2\", \"vm-3\" on_expiry is not set; set on_expiry: auto_renew or remove auto_renew"]
    );

    // An entry that explicitly chooses another on_expiry overrides a
    // selector's auto-renew parameters.
    let res = run(
        "version: 1
resources:
  - id: vm-1
    on_expiry: on_demand
selectors:
  - match: {name: \"prod-*\"}
    on_expiry: auto_renew
    auto_renew: {period: year}
",
        &inventory(),
    );
    assert_eq!(messages(&res), Vec::<String>::new());
    let d = &res.desired["vm-1"];
    assert_eq!(
        (d.on_expiry, d.auto_renew),
        (Some(OnExpiry::OnDemand), None)
    );
}

#[test]
fn a_live_name_that_differs_is_left_to_the_plan_for_main_resources() {
    // The plan refuses the renewals and unsubscribe of such an entry
    // (plan::diff); resolve only carries the name along.
    let res = run(
        "version: 1\nresources:\n  - id: vm-1\n    name: web-01\n    protect: true\n",
        &inventory(),
    );
    assert!(messages(&res).is_empty(), "{:?}", messages(&res));
    assert_eq!(res.desired["vm-1"].name.as_deref(), Some("web-01"));
    // An attached entry gets no plan of its own: resolve warns.
    let res = run(
        "version: 1\nresources:\n  - id: disk-1\n    name: web-01-disk\n",
        &inventory(),
    );
    assert_eq!(
        messages(&res),
        ["m.yaml:4:11: warning: resources[0].name: the live name of \"disk-1\" is \"disk-1-disk\", not \"web-01-disk\""]
    );
}

#[test]
fn enterprise_project_matches_id_or_name() {
    for ep in ["ep-1", "prod"] {
        let res = run(
            &format!("version: 1\nselectors:\n  - match: {{enterprise_project: {ep}}}\n    protect: true\n"),
            &inventory(),
        );
        assert_eq!(
            res.desired.keys().collect::<Vec<_>>(),
            ["vm-1", "vm-2", "vm-3"],
            "{ep}"
        );
    }
}

#[test]
fn resolution_is_deterministic() {
    let text = "version: 1
resources:
  - id: vm-3
    protect: true
  - id: ghost
selectors:
  - match: {name: \"prod-*\"}
    on_expiry: auto_renew
  - match: {region: nowhere}
    protect: true
";
    let a = run(text, &inventory());
    let b = run(text, &inventory());
    assert_eq!(a, b);
    assert_eq!(
        a.desired.keys().collect::<Vec<_>>(),
        ["vm-1", "vm-2", "vm-3"]
    );
    let lines: Vec<_> = a.diagnostics.iter().map(|d| d.line.unwrap()).collect();
    assert_eq!(lines, [5, 9]);
}

#[test]
fn renew_ahead_false_in_an_entry_turns_a_selectors_window_off() {
    let text = "version: 1
resources:
  - id: vm-1
    renew_ahead: false
  - id: vm-2
    renew_ahead: ~
selectors:
  - match: {name: \"prod-*\"}
    renew_ahead: {min_remaining: 30d, period: 1y}
";
    let res = run(text, &inventory());
    assert!(messages(&res).is_empty(), "{:?}", messages(&res));
    assert_eq!(res.desired["vm-1"].renew_ahead, None);
    // null still inherits.
    assert!(res.desired["vm-2"].renew_ahead.is_some());
    // `true` is not a setting.
    let loaded = load_str(
        "m.yaml",
        "version: 1\nresources:\n  - id: vm-1\n    renew_ahead: true\n",
    );
    let msgs: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs,
        ["m.yaml:4:18: error: resources[0].renew_ahead: renew_ahead must be a mapping like { min_remaining: 30d, period: 1y }, or false to turn it off, not the boolean true"]
    );
}

#[test]
fn selectors_that_write_one_window_differently_agree() {
    let text = "version: 1
selectors:
  - match: {name: \"prod-*\"}
    renew_ahead: {min_remaining: 4w, period: 1y}
  - match: {name: \"prod-web-01\"}
    renew_ahead: {min_remaining: 28d, period: 1y}
";
    let res = run(text, &inventory());
    assert!(messages(&res).is_empty(), "{:?}", messages(&res));
    assert!(res.desired["vm-1"].renew_ahead.is_some());
}
