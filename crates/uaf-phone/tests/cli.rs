//! The `uaf-phone` binary's command line: version, help, refusals.
#![allow(clippy::unwrap_used, clippy::std_instead_of_core)]

use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_uaf-phone"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

#[test]
fn it_prints_its_version() {
    for flag in ["--version", "-V"] {
        let (code, out, _) = run(&[flag]);
        assert_eq!(code, Some(0), "{flag}");
        assert_eq!(out, format!("uaf-phone {}\n", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn it_prints_help_and_refuses_unknown_commands() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    for command in ["metadata", "enroll", "wait", "kdf-cost"] {
        assert!(out.contains(command), "{command}: {out}");
    }
    let (code, _, err) = run(&["fly"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("fly"), "{err}");
    // A server URL that is neither https nor http is refused before anything is sent.
    let (code, _, err) = run(&[
        "enroll",
        "--server",
        "ftp://example.invalid",
        "--username",
        "alice",
        "--code",
        "ABCDEFGHIJ",
        "--pin",
        "1234",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("must start with https://"), "{err}");
    // A --ca-file that holds no certificate is refused before anything is sent.
    let not_pem = std::env::temp_dir().join(format!("uaf-phone-cli-{}.pem", std::process::id()));
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let (code, _, err) = run(&[
        "enroll",
        "--server",
        "https://127.0.0.1:9",
        "--ca-file",
        not_pem.to_str().unwrap(),
        "--username",
        "alice",
        "--code",
        "ABCDEFGHIJ",
        "--pin",
        "1234",
    ]);
    let _ = std::fs::remove_file(&not_pem);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no PEM certificate"), "{err}");
}

#[test]
fn kdf_cost_reports_the_time_per_guess() {
    let (code, out, err) = run(&[
        "kdf-cost",
        "--rounds",
        "2",
        "--kdf-memory-kib",
        "256",
        "--kdf-iterations",
        "1",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("argon2id m=256 KiB t=1 p=1: "), "{out}");
    assert!(out.contains("ms per PIN guess"), "{out}");
    // Parameters argon2 refuses are refused before anything else.
    let (code, _, err) = run(&["kdf-cost", "--kdf-memory-kib", "1"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("argon2id parameters"), "{err}");
}

#[test]
fn enroll_refuses_bad_kdf_parameters_before_contacting_the_server() {
    let (code, _, err) = run(&[
        "enroll",
        "--server",
        "http://127.0.0.1:9",
        "--username",
        "alice",
        "--code",
        "ABCDEFGHIJ",
        "--pin",
        "1234",
        "--kdf-iterations",
        "0",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("argon2id parameters"), "{err}");
    assert!(!err.contains("unreachable"), "{err}");
}

#[test]
fn an_old_state_file_is_refused_with_what_to_do() {
    let path = std::env::temp_dir().join(format!("uaf-phone-cli-old-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"version":1,"server":"http://127.0.0.1:9","username":"alice","pinSalt":"AA","pinHash":"AA"}"#,
    )
    .unwrap();
    let (code, _, err) = run(&["wait", "--state", path.to_str().unwrap(), "--pin", "1234"]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("old-format state file"), "{err}");
    assert!(err.contains("re-enrol"), "{err}");
}
