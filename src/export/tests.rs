use super::*;
use crate::bss::model::OrderInstanceV2;
use crate::manifest::{load_str, Match};
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    crate::clock::parse_api_time("2026-11-24T00:00:00Z").unwrap()
}

fn row(
    id: &str,
    name: &str,
    service: &str,
    region: &str,
    policy: i32,
    status: i32,
) -> OrderInstanceV2 {
    OrderInstanceV2 {
        resource_id: Some(id.into()),
        resource_name: Some(name.into()),
        service_type_code: Some(service.into()),
        region_code: Some(region.into()),
        is_main_resource: Some(1),
        status: Some(status),
        expire_policy: Some(policy),
        expire_time: Some("2026-12-01T00:00:00Z".into()),
        ..Default::default()
    }
}

fn attached(id: &str, main: &str) -> OrderInstanceV2 {
    OrderInstanceV2 {
        is_main_resource: Some(0),
        parent_resource_id: Some(main.into()),
        ..row(id, "disk", "hws.service.type.ebs", "cn-north-4", 3, 2)
    }
}

const EC2: &str = "hws.service.type.ec2";
const RDS: &str = "hws.service.type.rds";

fn inventory() -> Inventory {
    Inventory::from_rows(vec![
        row("vm-b", "web-b", EC2, "cn-north-4", 3, 2),
        row("vm-a", "web-a", EC2, "cn-east-3", 1, 2),
        attached("disk-1", "vm-b"),
        row("db-1", "db: \"main\" #1", RDS, "cn-north-4", 0, 5),
        row("gone", "old", RDS, "cn-north-4", 0, 3),
        row("odd", "odd", RDS, "cn-north-4", 2, 4),
    ])
}

fn record(period: Option<&str>, times: Option<i32>) -> AutoRenewRecord {
    AutoRenewRecord {
        period_type: period.map(str::to_string),
        auto_renew_times: times,
        applied_at: "2026-11-20T00:00:00Z".into(),
    }
}

fn everything() -> Matcher {
    Matcher::new(&Match::default()).unwrap()
}

fn load_ok(text: &str) -> crate::manifest::ManifestSet {
    let loaded = load_str("exported.yaml", text);
    assert!(!loaded.has_errors(), "{:?}\n{text}", loaded.diagnostics);
    loaded.set.unwrap()
}

#[test]
fn on_expiry_follows_the_live_policy() {
    assert_eq!(on_expiry_of(3), Some(OnExpiry::AutoRenew));
    assert_eq!(on_expiry_of(1), Some(OnExpiry::OnDemand));
    assert_eq!(on_expiry_of(0), Some(OnExpiry::None));
    // What on_expiry cannot name is left out, not written as none.
    for p in [2, 4, 5, -1, 99] {
        assert_eq!(on_expiry_of(p), None, "{p}");
    }
}

#[test]
fn auto_renew_only_from_what_the_record_knows() {
    assert_eq!(
        auto_renew_of(&record(Some("YEAR"), Some(0))),
        Some(AutoRenewSpec {
            period: Some(AutoRenewPeriod::Year),
            times: Some(0)
        })
    );
    assert_eq!(
        auto_renew_of(&record(Some("MONTH"), None)),
        Some(AutoRenewSpec {
            period: Some(AutoRenewPeriod::Month),
            times: None
        })
    );
    // Not as bssctl writes it: the planner would not read it back as equal.
    assert_eq!(auto_renew_of(&record(Some("month"), None)), None);
    assert_eq!(auto_renew_of(&record(None, None)), None);
    assert_eq!(auto_renew_of(&record(Some("WEEK"), Some(120))), None);
    assert_eq!(
        auto_renew_of(&record(None, Some(3))).unwrap().times,
        Some(3)
    );
}

#[test]
fn groups_by_service_with_stable_order_and_valid_files() {
    let mut records = BTreeMap::new();
    records.insert("vm-b".to_string(), record(Some("YEAR"), Some(2)));
    // A record for a resource that no longer auto-renews is not exported.
    records.insert("vm-a".to_string(), record(Some("MONTH"), None));
    let ex = Export::new(
        &inventory(),
        &records,
        &everything(),
        Grouping::Service,
        now(),
    );
    let files = ex.files(DEFAULT_SCHEMA);
    let names: Vec<&str> = files.iter().map(|f| f.file_name.as_str()).collect();
    assert_eq!(names, ["ec2.yaml", "rds.yaml"]);
    assert_eq!(ex.resource_count(), 4, "attached and closed are left out");

    let ec2 = &files[0].text;
    assert!(ec2.starts_with("# yaml-language-server: $schema=../schema/bssctl.schema.json\n"));
    let set = load_ok(ec2);
    let ids: Vec<&str> = set.resources.iter().map(|r| r.value.id.as_str()).collect();
    assert_eq!(ids, ["vm-a", "vm-b"], "cn-east-3 before cn-north-4");
    let b = &set.resources[1].value;
    assert_eq!(b.on_expiry, Some(OnExpiry::AutoRenew));
    assert_eq!(
        b.auto_renew,
        Some(AutoRenewSpec {
            period: Some(AutoRenewPeriod::Year),
            times: Some(2)
        })
    );
    let a = &set.resources[0].value;
    assert_eq!(a.on_expiry, Some(OnExpiry::OnDemand));
    assert_eq!(a.auto_renew, None);
    assert!(!ec2.contains("disk-1"));

    let rds = load_ok(&files[1].text);
    let db = &rds
        .resources
        .iter()
        .find(|r| r.value.id == "db-1")
        .unwrap()
        .value;
    assert_eq!(db.name.as_deref(), Some("db: \"main\" #1"));
    assert_eq!(db.on_expiry, Some(OnExpiry::None));
    assert!(files[1]
        .text
        .contains("expired 2026-12-01 (status: expired)"));
    assert!(files[1].text.contains("add renew_ahead first"));
    assert!(!files[1].text.contains("gone"));

    // Deterministic: the same input gives the same bytes.
    let again = Export::new(
        &inventory(),
        &records,
        &everything(),
        Grouping::Service,
        now(),
    );
    assert_eq!(again.files(DEFAULT_SCHEMA), files);
}

#[test]
fn groups_by_region_and_filters_like_a_selector() {
    let by_region = Export::new(
        &inventory(),
        &BTreeMap::new(),
        &everything(),
        Grouping::Region,
        now(),
    );
    let names: Vec<String> = by_region
        .files("s.json")
        .into_iter()
        .map(|f| f.file_name)
        .collect();
    assert_eq!(names, ["cn-east-3.yaml", "cn-north-4.yaml"]);

    let prod = Matcher::new(&Match {
        service_type: Some(EC2.into()),
        name: Some("web-*".into()),
        region: Some("cn-north-4".into()),
        ..Default::default()
    })
    .unwrap();
    let ex = Export::new(
        &inventory(),
        &BTreeMap::new(),
        &prod,
        Grouping::Service,
        now(),
    );
    assert_eq!(ex.resource_count(), 1);
    assert_eq!(ex.groups[0].entries[0].id, "vm-b");
}

#[test]
fn merged_output_is_one_valid_manifest() {
    let ex = Export::new(
        &inventory(),
        &BTreeMap::new(),
        &everything(),
        Grouping::Service,
        now(),
    );
    let text = ex.merged(DEFAULT_SCHEMA);
    assert!(!text.lines().any(|l| l.starts_with("---")), "{text}");
    let set = load_ok(&text);
    assert_eq!(set.resources.len(), 4);
    assert!(text.contains("# == Service: hws.service.type.ec2 (ec2.yaml with --out) =="));

    let none = Matcher::new(&Match {
        region: Some("nowhere".into()),
        ..Default::default()
    })
    .unwrap();
    let empty = Export::new(
        &inventory(),
        &BTreeMap::new(),
        &none,
        Grouping::Service,
        now(),
    );
    assert!(empty.files(DEFAULT_SCHEMA).is_empty());
    let set = load_ok(&empty.merged(DEFAULT_SCHEMA));
    assert!(set.resources.is_empty());
}

#[test]
fn file_stems_are_safe_names() {
    assert_eq!(file_stem("hws.service.type.ec2", Grouping::Service), "ec2");
    assert_eq!(file_stem("cn-north-4", Grouping::Region), "cn-north-4");
    assert_eq!(file_stem("", Grouping::Region), "unknown");
    assert_eq!(file_stem("../etc/passwd", Grouping::Region), "_etc_passwd");
    assert_eq!(file_stem(".hidden", Grouping::Service), "hidden");
    assert_eq!(file_stem("A B/C", Grouping::Service), "a_b_c");
}

#[test]
fn comments_stay_on_one_line() {
    let inv = Inventory::from_rows(vec![row(
        "x1",
        "evil\n- id: injected\u{2028}",
        EC2,
        "r\u{0}",
        0,
        2,
    )]);
    let ex = Export::new(
        &inv,
        &BTreeMap::new(),
        &everything(),
        Grouping::Service,
        now(),
    );
    let text = ex.merged(DEFAULT_SCHEMA);
    let set = load_ok(&text);
    assert_eq!(set.resources.len(), 1);
    assert_eq!(
        set.resources[0].value.name.as_deref(),
        Some("evil\n- id: injected\u{2028}")
    );
    assert!(!text.contains("\n- id: injected"), "{text}");
}

/// The scalar reads back as the same string, through the real loader.
fn reads_back(s: &str) {
    let text = format!(
        "version: 1\nresources:\n  - id: x\n    name: {}\n",
        scalar(s)
    );
    let loaded = load_str("t.yaml", &text);
    assert!(
        !loaded.has_errors(),
        "{s:?} as {}: {:?}",
        scalar(s),
        loaded.diagnostics
    );
    let set = loaded.set.unwrap();
    assert_eq!(
        set.resources[0].value.name.as_deref(),
        Some(s),
        "{}",
        scalar(s)
    );
}

#[test]
fn scalars_quote_what_yaml_would_misread() {
    for plain in [
        "web-01",
        "0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978",
        "4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01",
        "prod.db/1",
    ] {
        assert_eq!(scalar(plain), plain);
        reads_back(plain);
    }
    for tricky in [
        "",
        " lead",
        "trail ",
        "yes",
        "No",
        "null",
        "~",
        "true",
        "123",
        "1e5",
        "0x1F",
        "0o17",
        "1_000",
        "2026-12-01",
        "12:30",
        ".inf",
        "nan",
        "inf",
        "-1",
        "a: b",
        "a #b",
        "#c",
        "- x",
        "[x]",
        "{x}",
        "*ref",
        "&anchor",
        "!tag",
        "%x",
        "@x",
        "`x",
        "'q'",
        "\"dq\"",
        "back\\slash",
        "tab\there",
        "new\nline",
        "cr\rx",
        "nul\u{0}x",
        "del\u{7f}",
        "nel\u{85}",
        "ls\u{2028}",
        "bom\u{feff}",
        "名前",
        "emoji 🚀",
        "|",
        ">",
        "?",
        ",",
        "x\u{fffe}",
    ] {
        reads_back(tricky);
    }
}

proptest! {
    #[test]
    fn any_string_reads_back(s in any::<String>()) {
        reads_back(&s);
    }

    #[test]
    fn ascii_punctuation_reads_back(s in "[ -~]{0,12}") {
        reads_back(&s);
    }
}

/// The contract, through the pure pipeline: export → load → resolve → plan
/// has no changes, for any mix of policies, statuses, records and names.
fn round_trip(inv: &Inventory, records: &BTreeMap<String, AutoRenewRecord>) {
    let ex = Export::new(inv, records, &everything(), Grouping::Service, now());
    let text = ex.merged(DEFAULT_SCHEMA);
    let set = load_ok(&text);
    let resolution = crate::manifest::resolve(&set, inv, now());
    assert!(
        !resolution.has_errors(),
        "{:?}\n{text}",
        resolution.diagnostics
    );
    let plan = plan_of(&resolution.desired, inv, records);
    assert!(plan.changes.is_empty(), "{:?}\n{text}", plan.changes);
    // Every file on its own round-trips too.
    for f in ex.files(DEFAULT_SCHEMA) {
        let set = load_ok(&f.text);
        let r = crate::manifest::resolve(&set, inv, now());
        let plan = plan_of(&r.desired, inv, records);
        assert!(
            plan.changes.is_empty(),
            "{}: {:?}",
            f.file_name,
            plan.changes
        );
    }
}

#[test]
fn expired_and_frozen_resources_round_trip_whatever_their_policy() {
    let mut rows = Vec::new();
    let mut records = BTreeMap::new();
    for (i, (policy, status)) in [(3, 5), (3, 4), (0, 5), (1, 4), (3, 2), (2, 2), (5, 5)]
        .into_iter()
        .enumerate()
    {
        let id = format!("r{i}");
        rows.push(row(
            &id,
            &format!("n{i}"),
            EC2,
            "cn-north-4",
            policy,
            status,
        ));
        rows.push(attached(&format!("d{i}"), &id));
        records.insert(id, record(Some("YEAR"), Some(3)));
    }
    round_trip(&Inventory::from_rows(rows), &records);
}

fn arb_record() -> impl Strategy<Value = Option<AutoRenewRecord>> {
    let period = prop_oneof![
        Just(None),
        Just(Some("MONTH")),
        Just(Some("YEAR")),
        Just(Some("year")),
        Just(Some("WEEK")),
    ];
    let times = prop_oneof![
        Just(None),
        Just(Some(0)),
        Just(Some(7)),
        Just(Some(99)),
        Just(Some(100)),
        Just(Some(-1)),
    ];
    proptest::option::of((period, times).prop_map(|(p, t)| record(p, t)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_account_round_trips(
        resources in proptest::collection::vec(
            (
                any::<String>(),
                prop_oneof![Just(EC2), Just(RDS), Just("weird type/!"), Just("")],
                prop_oneof![Just("cn-north-4"), Just("ap-southeast-1"), Just("")],
                -1i32..7,
                prop_oneof![Just(2), Just(3), Just(4), Just(5)],
                any::<bool>(),
                arb_record(),
            ),
            0..12,
        )
    ) {
        let mut rows = Vec::new();
        let mut records = BTreeMap::new();
        for (i, (name, service, region, policy, status, with_disk, rec)) in
            resources.into_iter().enumerate()
        {
            let id = format!("res-{i}");
            rows.push(row(&id, &name, service, region, policy, status));
            if with_disk {
                rows.push(attached(&format!("disk-{i}"), &id));
            }
            if let Some(r) = rec {
                records.insert(id, r);
            }
        }
        round_trip(&Inventory::from_rows(rows), &records);
    }
}

fn plan_of(
    desired: &BTreeMap<String, crate::manifest::Desired>,
    inv: &Inventory,
    records: &BTreeMap<String, AutoRenewRecord>,
) -> crate::plan::Plan {
    crate::plan::build(&crate::plan::PlanInput {
        desired,
        inventory: inv,
        auto_renew_records: records,
        renew_holds: &BTreeMap::new(),
        renewal_settings: None,
        settings_record: None,
        now: now(),
    })
}
