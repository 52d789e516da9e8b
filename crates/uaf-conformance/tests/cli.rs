//! The command-line front: output lines, exit codes, JSON mode, coverage and inspect.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uaf-conformance"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("uaf-conformance-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn vectors_prints_a_line_per_vector_and_the_summary() {
    let o = bin(&["vectors", "conformance-vectors/spec"]);
    assert!(o.status.success());
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"9 passed, 0 failed"));
    assert_eq!(lines.len(), 10);
    assert!(
        lines.iter().take(9).all(|l| l.starts_with("ok   spec-ex")),
        "{text}"
    );
}

#[test]
fn json_mode_prints_one_object_per_vector() {
    let o = bin(&[
        "vectors",
        "--json",
        "conformance-vectors/spec/spec-ex8-registration.json",
    ]);
    assert!(o.status.success());
    let text = stdout(&o);
    let objects: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["id"], "spec-ex8-registration");
    assert_eq!(objects[0]["result"], "pass");
    assert_eq!(objects[0]["status"], 1200);
    assert_eq!(objects[0]["replay_status"], 1491);
    assert_eq!(
        String::from_utf8(o.stderr).unwrap().trim(),
        "1 passed, 0 failed"
    );
}

#[test]
fn failures_and_invalid_files_exit_non_zero() {
    let dir = temp("fail");
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../conformance-vectors/spec/spec-ex10-authentication.json"),
    )
    .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["expect"]["status"] = 1498.into();
    std::fs::write(dir.join("a.json"), v.to_string()).unwrap();
    let o = bin(&["vectors", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert_eq!(
        text.lines().next(),
        Some("FAIL spec-ex10-authentication: expected 1498, got 1200 (accepted)")
    );
    assert_eq!(text.lines().last(), Some("0 passed, 1 failed"));

    v.as_object_mut().unwrap().remove("description");
    std::fs::write(dir.join("a.json"), v.to_string()).unwrap();
    let o = bin(&["vectors", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.starts_with("ERROR "), "{text}");
    assert!(
        text.contains("field `description`: missing (required)"),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("0 passed, 0 failed, 1 errors"));

    // A path that does not exist is an error too, and no vector at all is no success.
    let o = bin(&["vectors", "no/such/folder"]);
    assert_eq!(o.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn coverage_fails_on_gaps_and_passes_on_the_suite() {
    let o = bin(&["coverage", "conformance-vectors/spec"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr).unwrap().contains("incomplete"));
    let o = bin(&[
        "coverage",
        "--check-readme",
        "conformance-vectors/README.md",
        "conformance-vectors",
    ]);
    assert!(
        o.status.success(),
        "{}",
        String::from_utf8(o.stderr).unwrap()
    );
    assert!(stdout(&o).ends_with("49 steps: 49 covered both ways\n"));
    let o = bin(&["coverage", "--markdown", "conformance-vectors"]);
    assert!(stdout(&o).starts_with("| step | digest |"));
}

#[test]
fn inspect_reuses_the_inspect_tool() {
    let o = bin(&["inspect", "examples/data/spec-ex8-reg-assertion.b64"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("TAG_UAFV1_REG_ASSERTION"), "{text}");
    assert!(text.contains("\"ABCD#ABCD\""), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(bin(&[]).status.code(), Some(2));
    assert_eq!(bin(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(bin(&["vectors"]).status.code(), Some(2));
    assert_eq!(bin(&["vectors", "--yaml", "x"]).status.code(), Some(2));
    assert_eq!(bin(&["generate"]).status.code(), Some(2));
    assert_eq!(bin(&["server", "--timeout", "0"]).status.code(), Some(2));
    assert_eq!(
        bin(&["server", "--list", "--timeout", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(bin(&["coverage", "--check-readme"]).status.code(), Some(2));
    assert_eq!(
        bin(&[
            "coverage",
            "--check-readme",
            "a",
            "--update-readme",
            "b",
            "x"
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(bin(&["inspect", "a", "b"]).status.code(), Some(2));
    // `server` without --url (and without --list) names the missing flag.
    let o = bin(&["server"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("--url <BASE>")
    );
    assert!(bin(&["help"]).status.success());
    assert!(bin(&["--help"]).status.success());
}

#[test]
fn version_and_subcommand_help_print_and_exit_0() {
    let o = bin(&["--version"]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        format!("uaf-conformance {}\n", env!("CARGO_PKG_VERSION"))
    );
    for sub in [
        "vectors",
        "generate",
        "coverage",
        "inspect",
        "server-metadata",
        "server",
    ] {
        let o = bin(&[sub, "--help"]);
        assert!(o.status.success(), "{sub} --help");
        assert!(
            stdout(&o).contains(&format!("Usage: uaf-conformance {sub}")),
            "{sub} --help: {}",
            stdout(&o)
        );
    }
}

#[test]
fn inspect_reads_standard_input_without_a_file_or_with_dash() {
    use std::io::Write as _;
    use std::process::Stdio;
    let text = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/data/spec-ex8-reg-assertion.b64"),
    )
    .unwrap();
    for args in [&["inspect"][..], &["inspect", "-"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_uaf-conformance"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&text).unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("TAG_UAFV1_REG_ASSERTION"), "{args:?}");
    }
    // Empty standard input is an empty input (an `ERROR:` line), not a usage error.
    let o = Command::new(env!("CARGO_BIN_EXE_uaf-conformance"))
        .arg("inspect")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("ERROR: empty input"));
    // An unreadable file: exit 2.
    let o = bin(&["inspect", "no/such/file"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .starts_with("uaf-conformance inspect: cannot read no/such/file: ")
    );
}

/// With no FILE and a terminal on standard input, `inspect` prints its usage and exits 2
/// instead of waiting for input. The terminal is a pseudo-terminal made by util-linux
/// `script`; its timeout turns a wait into a failure.
#[cfg(target_os = "linux")]
#[test]
fn inspect_with_a_terminal_and_no_file_prints_usage() {
    let program = env!("CARGO_BIN_EXE_uaf-conformance");
    let o = Command::new("timeout")
        .args([
            "20",
            "script",
            "-qec",
            &format!("{program} inspect"),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` and coreutils `timeout` run this test");
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(
        text.contains("Usage: uaf-conformance inspect [FILE]"),
        "{text}"
    );
}
