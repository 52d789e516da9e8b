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

fn run_with_stdin(args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_uaf-phone"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
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
    for command in [
        "metadata", "enroll", "accounts", "remove", "wait", "kdf-cost",
    ] {
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

#[test]
fn enroll_reads_the_enrolment_link_from_the_argument_or_standard_input() {
    let state =
        std::env::temp_dir().join(format!("uaf-phone-cli-link-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&state);
    let state_arg = state.to_str().unwrap();
    let fast = ["--kdf-memory-kib", "64", "--kdf-iterations", "1"];
    // A link to a closed port: read, then refused by the network (not by the parser).
    let link = "uafphone://enroll?server=http%3A%2F%2F127.0.0.1%3A9&user=alice&code=ABCDEFGHIJ";
    let mut args = vec![
        "enroll", "--link", link, "--pin", "1234", "--state", state_arg,
    ];
    args.extend(fast);
    let (code, _, err) = run(&args);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("unreachable") && err.contains("http://127.0.0.1:9/"),
        "{err}"
    );
    let mut args = vec![
        "enroll", "--link", "-", "--pin", "1234", "--state", state_arg,
    ];
    args.extend(fast);
    let (code, _, err) = run_with_stdin(&args, &format!("  {link}\n"));
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("unreachable") && err.contains("http://127.0.0.1:9/"),
        "{err}"
    );
    // Nothing was written.
    assert!(!state.exists());
    // Not a link, from either place.
    let (code, _, err) = run(&["enroll", "--link", "https://x/?code=1", "--pin", "1234"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("not a uafphone://enroll? link"), "{err}");
    let (code, _, err) = run_with_stdin(
        &["enroll", "--link", "-", "--pin", "1234"],
        "uafphone://enroll?server=http%3A%2F%2Fx&user=alice",
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the enrolment link has no `code`"), "{err}");
    // A link and the parts it replaces, or neither: a usage error.
    let (code, _, err) = run(&[
        "enroll", "--link", link, "--server", "http://x", "--pin", "1",
    ]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = run(&["enroll", "--pin", "1234"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--server") && err.contains("--user"), "{err}");
}

#[test]
fn account_commands_need_the_state_file() {
    let missing =
        std::env::temp_dir().join(format!("uaf-phone-cli-none-{}.json", std::process::id()));
    for args in [
        vec![
            "accounts",
            "--state",
            missing.to_str().unwrap(),
            "--pin",
            "1234",
        ],
        vec![
            "remove",
            "alice",
            "--state",
            missing.to_str().unwrap(),
            "--pin",
            "1234",
        ],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(err.contains(missing.to_str().unwrap()), "{err}");
    }
}
