//! `bssctl completions SHELL` prints a completion script that knows the
//! subcommands (and works without credentials or network).

use assert_cmd::Command;

const SUBCOMMANDS: [&str; 6] = [
    "plan",
    "apply",
    "validate",
    "export",
    "sandbox",
    "completions",
];

fn completions(shell: &str) -> String {
    let out = Command::cargo_bin("bssctl")
        .unwrap()
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .args(["completions", shell])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{shell}: {:?}", out);
    assert!(
        out.stderr.is_empty(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn bash_zsh_and_fish_scripts_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let script = completions(shell);
        assert!(script.len() > 500, "{shell}: {script}");
        assert!(script.contains("bssctl"), "{shell}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
        // Flags of the GitOps commands are completed too.
        for flag in ["detailed-exitcode", "group-by", "max-cost"] {
            assert!(script.contains(flag), "{shell} completion lacks --{flag}");
        }
    }
    assert!(completions("bash").contains("complete -F"));
    assert!(completions("zsh").starts_with("#compdef bssctl"));
    assert!(completions("fish").contains("complete -c bssctl"));
}

#[test]
fn an_unknown_shell_is_an_error() {
    Command::cargo_bin("bssctl")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .failure()
        .code(1);
}
