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
    assert!(bin(&["help"]).status.success());
}
