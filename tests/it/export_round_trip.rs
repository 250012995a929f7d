//! `bssctl export` against the embedded sandbox: what it writes plans with no
//! changes (the whole seed, and again after applying examples/manifests),
//! `--out` never overwrites without `--force`, filters select like a
//! selector's `match`, and standard output is one manifest.

use crate::common::{Run, Workspace};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A temporary working directory with its own state dir (and so its own
/// sandbox state, created from the seed on first use).
struct Env {
    ws: Workspace,
}

impl Env {
    fn new() -> Env {
        Env {
            ws: Workspace::new(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.ws.dir.path().join(rel)
    }

    fn bssctl(&self, args: &[&str]) -> Run {
        self.ws.sandbox_run(args)
    }

    /// `plan --detailed-exitcode --format json` of `manifests`; asserts exit 0.
    fn assert_no_changes(&self, manifests: &str) {
        let run = self.bssctl(&[
            "plan",
            "-f",
            manifests,
            "--detailed-exitcode",
            "--format",
            "json",
        ]);
        assert_eq!(
            run.code, 0,
            "plan -f {manifests}:\n{}\n{}",
            run.stdout, run.stderr
        );
        let plan: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(plan["changes"], Value::Array(vec![]), "{}", run.stdout);
    }
}

fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

/// The seed's main, non-closed resources, and its attached and closed ids.
struct Seed {
    exportable: BTreeSet<String>,
    attached: BTreeSet<String>,
    closed: BTreeSet<String>,
}

fn seed() -> Seed {
    let text = std::fs::read_to_string(repo("examples/sandbox/seed.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut s = Seed {
        exportable: BTreeSet::new(),
        attached: BTreeSet::new(),
        closed: BTreeSet::new(),
    };
    for r in v["resources"].as_array().unwrap() {
        let id = r["resource_id"].as_str().unwrap().to_string();
        if r["status"] == 3 {
            s.closed.insert(id);
        } else if r["is_main_resource"] == 0 {
            s.attached.insert(id);
        } else {
            s.exportable.insert(id);
        }
    }
    s
}

/// Ids of every `resources` entry in the YAML files of `dir` (or one file).
fn exported_ids(path: &Path) -> Vec<String> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut f: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        f.sort();
        f
    } else {
        vec![path.to_path_buf()]
    };
    let mut ids = Vec::new();
    for f in files {
        let doc: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        assert_eq!(
            doc["version"],
            serde_yaml::Value::from(1),
            "{}",
            f.display()
        );
        if let Some(list) = doc["resources"].as_sequence() {
            for r in list {
                ids.push(r["id"].as_str().unwrap().to_string());
            }
        }
    }
    ids
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_whole_seed_round_trips() {
    let env = Env::new();
    let out = env.path("exported");
    let run = env.bssctl(&["export", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "--out writes nothing to stdout");
    assert!(
        run.stderr.contains("Exported 26 resource(s) to 7 file(s)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        file_names(&out),
        ["cce.yaml", "dcs.yaml", "ebs.yaml", "ec2.yaml", "obs.yaml", "rds.yaml", "vpc.yaml"]
    );

    let seed = seed();
    let ids = exported_ids(&out);
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), unique.len(), "no id twice");
    assert_eq!(unique, seed.exportable, "every main, non-closed resource");
    assert!(unique.is_disjoint(&seed.attached));
    assert!(unique.is_disjoint(&seed.closed));

    // Every file is a complete manifest with the schema comment.
    for name in file_names(&out) {
        let text = std::fs::read_to_string(out.join(&name)).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=../schema/bssctl.schema.json\n"),
            "{name}"
        );
        assert!(text.contains("\nversion: 1\n"), "{name}");
    }
    // Expired and frozen resources keep their live policy and get a hint.
    let ec2 = std::fs::read_to_string(out.join("ec2.yaml")).unwrap();
    assert!(ec2.contains("# staging-app-01 · hws.service.type.ec2 · cn-east-3 · expired 2026-10-20 (status: frozen)"), "{ec2}");
    assert!(ec2.contains("add renew_ahead first"));

    env.assert_no_changes(out.to_str().unwrap());

    // Grouped by region, the same resources, and still no changes.
    let by_region = env.path("by-region");
    let run = env.bssctl(&[
        "export",
        "--group-by",
        "region",
        "--out",
        by_region.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        file_names(&by_region),
        [
            "ap-southeast-1.yaml",
            "cn-east-3.yaml",
            "cn-north-4.yaml",
            "cn-south-1.yaml"
        ]
    );
    let region_ids: BTreeSet<String> = exported_ids(&by_region).into_iter().collect();
    assert_eq!(region_ids, seed.exportable);
    env.assert_no_changes(by_region.to_str().unwrap());
}

#[test]
fn still_round_trips_after_an_apply_with_last_applied_records() {
    let env = Env::new();
    let run = env.bssctl(&["apply", "-f", &repo("examples/manifests"), "--auto-approve"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let record: Value = serde_json::from_str(
        // The embedded sandbox keeps its own record beside its state.
        &std::fs::read_to_string(env.path("state/sandbox-last-applied.json")).unwrap(),
    )
    .unwrap();
    assert!(record["accounts"]
        .as_object()
        .is_some_and(|a| !a.is_empty()));

    let out = env.path("after-apply");
    let run = env.bssctl(&["export", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // What the record knows is exported; the rest of auto-renew is not guessed.
    let vpc = std::fs::read_to_string(out.join("vpc.yaml")).unwrap();
    assert!(
        vpc.contains(
            "  - id: 002a04a9-af96-6458-dc08-efaf653e7238\n    name: shared-bw-east-01\n    on_expiry: auto_renew\n    auto_renew: { period: month, times: 12 }\n"
        ),
        "{vpc}"
    );
    let ec2 = std::fs::read_to_string(out.join("ec2.yaml")).unwrap();
    assert!(
        ec2.contains("    name: prod-api-01\n    on_expiry: auto_renew\n    auto_renew: { period: month, times: 0 }\n"),
        "{ec2}"
    );
    assert!(
        ec2.contains(
            "    name: prod-web-01\n    on_expiry: auto_renew\n    auto_renew: { period: year }\n"
        ),
        "{ec2}"
    );
    // staging-app-01 was renewed out of its frozen state and set to on-demand.
    assert!(
        ec2.contains("    name: staging-app-01\n    on_expiry: on_demand\n"),
        "{ec2}"
    );
    env.assert_no_changes(out.to_str().unwrap());

    // And the examples themselves still plan no changes next to the export.
    env.assert_no_changes(&repo("examples/manifests"));
}

#[test]
fn out_refuses_to_overwrite_without_force() {
    let env = Env::new();
    let out = env.path("m");
    let dir = out.to_str().unwrap();
    assert_eq!(env.bssctl(&["export", "--out", dir]).code, 0);
    let pristine = std::fs::read_to_string(out.join("ec2.yaml")).unwrap();
    let edited = format!("{pristine}# edited by hand\n");
    std::fs::write(out.join("ec2.yaml"), &edited).unwrap();
    std::fs::remove_file(out.join("rds.yaml")).unwrap();

    let run = env.bssctl(&["export", "--out", dir]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("refusing to overwrite 6 existing file(s)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    // Nothing written: the edit survives, the removed file is not recreated.
    assert_eq!(
        std::fs::read_to_string(out.join("ec2.yaml")).unwrap(),
        edited
    );
    assert!(!out.join("rds.yaml").exists());

    // A stray manifest is reported, not deleted.
    std::fs::write(out.join("old.yaml"), "version: 1\n").unwrap();
    let run = env.bssctl(&["export", "--out", dir, "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("ec2.yaml")).unwrap(),
        pristine
    );
    assert!(out.join("rds.yaml").exists());
    assert!(
        run.stderr
            .contains("old.yaml was not written by this export"),
        "{}",
        run.stderr
    );
    assert!(out.join("old.yaml").exists());

    // --out naming a file is an error before anything else.
    std::fs::write(env.path("a-file"), "x").unwrap();
    let run = env.bssctl(&["export", "--out", env.path("a-file").to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("is not a directory"), "{}", run.stderr);
}

#[test]
fn filters_select_like_a_selector_match() {
    let env = Env::new();
    let ids_of = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["export"];
        all.extend_from_slice(args);
        let run = env.bssctl(&all);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let file = env.path("filtered.yaml");
        std::fs::write(&file, &run.stdout).unwrap();
        exported_ids(&file)
    };
    let rds = ids_of(&["--service-type", "hws.service.type.rds"]);
    assert_eq!(
        rds,
        [
            "8b1e7d3c5a9f4e2db6c0a1f8e3d5b7c2in01", // prod-db-02, cn-east-3
            "4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01", // prod-db-01, cn-north-4
            "c3d9f1a2b8e74c5d9f0a6b1e2d3c4f5ain01", // staging-db-01, cn-south-1
        ]
    );
    let prod_web_north = ids_of(&["--region", "cn-north-4", "--name", "prod-web-*"]);
    assert_eq!(
        prod_web_north,
        [
            "0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978",
            "1470292c-dacf-c358-7a11-5be62fa9a061"
        ]
    );
    // Expired resources count as expiring within any window.
    let soon: BTreeSet<String> = ids_of(&["--expires-within", "7d"]).into_iter().collect();
    for id in [
        "0b5f7d2e-9a41-4c6b-8f0e-2d3c4b5a6978", // prod-web-01, in 7 days
        "c62697d1-8e77-8686-3cba-12b6ff3b0f57", // prod-api-01, in 4 days
        "693e3d80-5e8e-d63f-5bdc-1f322deadfda", // staging-web-01, expired
        "8190d640-b6bf-1bef-5636-0c3f88a67497", // staging-app-01, frozen
    ] {
        assert!(soon.contains(id), "{id} in {soon:?}");
    }
    assert!(
        !soon.contains("a0d055ea-95a5-8166-8c77-74ed8b5e7bbd"),
        "prod-web-03 is months away"
    );
    // An enterprise project by name or by id.
    let data_rds = [
        "8b1e7d3c5a9f4e2db6c0a1f8e3d5b7c2in01",
        "4f2c8a1de0b34c7e9a51f6d3b2c1e0a9in01",
    ];
    assert_eq!(
        ids_of(&[
            "--enterprise-project",
            "data",
            "--resource-type",
            "hws.resource.type.rds.vm"
        ]),
        data_rds
    );
    assert_eq!(
        ids_of(&[
            "--enterprise-project",
            "7d9e2b14-3c5a-4f68-8b1e-0a2c4d6e8f10",
            "--service-type",
            "hws.service.type.rds"
        ]),
        data_rds
    );
    // A filtered export round-trips too.
    let out = env.path("filtered-dir");
    let run = env.bssctl(&[
        "export",
        "--region",
        "cn-east-3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    env.assert_no_changes(out.to_str().unwrap());

    // Nothing matched: a valid, empty manifest on stdout; no files with --out.
    let run = env.bssctl(&["export", "--region", "mars-1"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("resources: []"), "{}", run.stdout);
    let empty = env.path("empty");
    let run = env.bssctl(&[
        "export",
        "--region",
        "mars-1",
        "--out",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert!(!empty.exists());

    // Bad filters are errors that say what to write.
    let run = env.bssctl(&["export", "--expires-within", "30"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("--expires-within") && run.stderr.contains("30d"),
        "{}",
        run.stderr
    );
    let run = env.bssctl(&["export", "--name", "prod-[*"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("--name") && run.stderr.contains("glob"),
        "{}",
        run.stderr
    );
}

#[test]
fn stdout_is_one_manifest_with_deterministic_bytes() {
    let env = Env::new();
    let first = env.bssctl(&["export"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = env.bssctl(&["export"]);
    assert_eq!(first.stdout, again.stdout, "same account, same bytes");
    assert!(
        !first.stdout.lines().any(|l| l.starts_with("---")),
        "the loader refuses multi-document files"
    );
    let doc: serde_yaml::Value = serde_yaml::from_str(&first.stdout).unwrap();
    assert_eq!(doc["version"], serde_yaml::Value::from(1));
    let ids: BTreeSet<String> = doc["resources"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, seed().exportable);
    assert!(first
        .stdout
        .contains("# == Service: hws.service.type.ec2 (ec2.yaml with --out) =="));

    let file = env.path("all.yaml");
    std::fs::write(&file, &first.stdout).unwrap();
    env.assert_no_changes(file.to_str().unwrap());

    // A custom schema reference.
    let run = env.bssctl(&[
        "export",
        "--schema",
        "https://example.com/bssctl.schema.json",
    ]);
    assert!(run
        .stdout
        .starts_with("# yaml-language-server: $schema=https://example.com/bssctl.schema.json\n"));
}
