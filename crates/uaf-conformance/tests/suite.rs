//! The committed suite passes, mutations fail, invalid files are errors, and generation is
//! deterministic and current.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use uaf_conformance::coverage::{self, Coverage};
use uaf_conformance::generate;
use uaf_conformance::run;
use uaf_conformance::suite::{self, Entry, Summary};
use uaf_conformance::vector::{ExpectedStatus, Vector};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance-vectors")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "uaf-conformance-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn committed(id: &str) -> Vector {
    let path = root().join("generated").join(format!("{id}.json"));
    Vector::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_committed_vector_passes_and_covers_every_step() {
    let files = suite::find(&[root()]);
    let entries = suite::run_files(&files, |_| {});
    for e in &entries {
        assert!(e.passed(), "{}", e.line());
    }
    let summary = Summary::of(&entries);
    assert!(summary.passed > 250, "{summary}");
    assert!(summary.all_passed());
    assert_eq!(
        summary.to_string(),
        format!("{} passed, 0 failed", summary.passed)
    );
    // Both folders are there.
    assert!(
        entries
            .iter()
            .any(|e| e.file().starts_with(root().join("spec")))
    );
    let cov = Coverage::of(&entries);
    assert!(cov.complete(), "{}", cov.table());
}

#[test]
fn the_readme_table_is_current() {
    let entries = suite::run_files(&suite::find(&[root()]), |_| {});
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let fresh = coverage::splice(&readme, &Coverage::of(&entries).markdown()).unwrap();
    assert!(
        fresh == readme,
        "conformance-vectors/README.md is stale: run `uaf-conformance coverage --update-readme`"
    );
}

#[test]
fn mutated_vectors_fail() {
    // Expecting another status.
    let mut v = committed("auth-basic");
    assert!(run::run(&v).unwrap().passed());
    v.expect.status = ExpectedStatus::One(1498);
    let judged = run::run(&v).unwrap();
    assert!(!judged.passed());
    assert_eq!(judged.mismatches[0], "expected 1498, got 1200 (accepted)");

    // A flipped bit in the signed assertion.
    let mut v = committed("auth-basic");
    let mut response: Value = serde_json::from_str(v.response.as_deref().unwrap()).unwrap();
    let a = response[0]["assertions"][0]["assertion"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut bytes = uaf_proto::b64::Base64Policy::Strict.decode(&a).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    response[0]["assertions"][0]["assertion"] = Value::from(uaf_proto::b64::encode(&bytes));
    v.response = Some(response.to_string());
    let judged = run::run(&v).unwrap();
    assert!(!judged.passed());
    assert!(
        judged.mismatches[0].starts_with("expected 1200, got 1498 (AUTH-21"),
        "{judged:?}"
    );
    assert_eq!(
        judged.outcome.failure.unwrap().code,
        "crypto.signature-invalid"
    );

    // Another stored counter afterwards, another error kind, another registered key.
    let mut v = committed("auth-basic");
    v.expect.sign_counter = Some(7);
    assert_eq!(
        run::run(&v).unwrap().mismatches,
        ["expected stored sign counter 7, got 1"]
    );
    let mut v = committed("fault-counter-rollback");
    v.expect.error = Some("decode.message".into());
    assert_eq!(
        run::run(&v).unwrap().mismatches,
        ["expected error decode.message, got counter.regressed"]
    );
    let mut v = committed("reg-basic");
    v.expect.registered.as_mut().unwrap()[0].sign_counter = 9;
    assert_eq!(
        run::run(&v).unwrap().mismatches,
        ["registered[0].sign_counter: expected 9, got 0"]
    );
    // A replay that is expected to succeed.
    let mut v = committed("reg-basic");
    v.expect.replay_status = Some(ExpectedStatus::One(1200));
    assert_eq!(
        run::run(&v).unwrap().mismatches,
        ["expected replay status 1200, got 1491"]
    );
}

#[test]
fn invalid_files_are_errors_never_passes() {
    let dir = temp("invalid");
    let good = std::fs::read_to_string(root().join("generated/reg-basic.json")).unwrap();
    let mut v: Value = serde_json::from_str(&good).unwrap();
    v["rp"].as_object_mut().unwrap().remove("now");
    std::fs::write(dir.join("missing-now.json"), v.to_string()).unwrap();
    let mut v: Value = serde_json::from_str(&good).unwrap();
    v["format"] = "uaf-conformance-vector/9".into();
    std::fs::write(dir.join("future-format.json"), v.to_string()).unwrap();
    let mut v: Value = serde_json::from_str(&good).unwrap();
    v["expect"]["status"] = "1200".into();
    std::fs::write(dir.join("status-string.json"), v.to_string()).unwrap();
    let mut v: Value = serde_json::from_str(&good).unwrap();
    v["id"] = "unknown-compat".into();
    v["rp"]["compat"] = serde_json::json!(["be-nice"]);
    std::fs::write(dir.join("unknown-compat.json"), v.to_string()).unwrap();
    std::fs::write(dir.join("not-json.json"), "{").unwrap();
    // The same id twice: the second file is an error.
    std::fs::write(dir.join("z-duplicate-1.json"), &good).unwrap();
    std::fs::write(dir.join("z-duplicate-2.json"), &good).unwrap();

    let entries = suite::run_files(&suite::find(core::slice::from_ref(&dir)), |_| {});
    let field = |name: &str| -> String {
        match entries.iter().find(|e| e.file().ends_with(name)).unwrap() {
            Entry::Invalid { error, .. } => error.field.clone(),
            other => panic!("{name} ran: {}", other.line()),
        }
    };
    assert_eq!(field("missing-now.json"), "rp.now");
    assert_eq!(field("future-format.json"), "format");
    assert_eq!(field("status-string.json"), "expect.status");
    assert_eq!(field("unknown-compat.json"), "rp.compat[0]");
    assert_eq!(field("not-json.json"), "");
    assert_eq!(field("z-duplicate-2.json"), "id");
    let line = entries
        .iter()
        .find(|e| e.file().ends_with("missing-now.json"))
        .unwrap()
        .line();
    assert!(line.starts_with("ERROR "), "{line}");
    assert!(
        line.contains("missing-now.json") && line.contains("`rp.now`"),
        "{line}"
    );
    let summary = Summary::of(&entries);
    assert_eq!((summary.passed, summary.failed, summary.errors), (1, 0, 6));
    assert!(!summary.all_passed());
    assert_eq!(summary.to_string(), "1 passed, 0 failed, 6 errors");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn generation_is_deterministic_and_the_committed_files_are_current() {
    let a = temp("gen-a");
    let b = temp("gen-b");
    let files_a = generate::write(&a).unwrap().files;
    let files_b = generate::write(&b).unwrap().files;
    assert_eq!(files_a.len(), files_b.len());
    for fa in &files_a {
        let rel = fa.strip_prefix(&a).unwrap();
        let bytes = std::fs::read(fa).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(b.join(rel)).unwrap(),
            "{}",
            rel.display()
        );
        let committed = root().join("generated").join(rel);
        assert!(
            std::fs::read(&committed).ok().as_deref() == Some(bytes.as_slice()),
            "{} is stale or missing: run `uaf-conformance generate conformance-vectors/generated`",
            committed.display()
        );
    }
    // No committed file without a generated counterpart.
    let committed = suite::find(&[root().join("generated")]);
    assert_eq!(
        committed.len(),
        files_a.len(),
        "stale files in conformance-vectors/generated"
    );
    // A stale generated vector is removed on the next run; other files are kept.
    let stale = a.join("renamed-case.json");
    std::fs::copy(&files_a[0], &stale).unwrap();
    let foreign = a.join("hand-written.json");
    std::fs::copy(root().join("spec/spec-ex8-registration.json"), &foreign).unwrap();
    let again = generate::write(&a).unwrap();
    assert_eq!(again.removed, core::slice::from_ref(&stale));
    assert!(!stale.exists() && foreign.exists());
    let _ = std::fs::remove_dir_all(a);
    let _ = std::fs::remove_dir_all(b);
}

#[test]
fn generated_vectors_cover_the_required_families() {
    let vectors = generate::vectors().unwrap();
    let ids: Vec<&str> = vectors.iter().map(|v| v.id.as_str()).collect();
    // Every fault of the simulated authenticator and client.
    for f in uaf_authenticator::Fault::ALL {
        assert!(ids.contains(&format!("fault-{}", f.id()).as_str()), "{f}");
    }
    for f in uaf_client::ClientFault::ALL {
        for op in ["reg", "auth"] {
            assert!(
                ids.contains(&format!("{op}-client-{}", f.name()).as_str()),
                "{f}"
            );
        }
    }
    // 4 algorithms × 3 key encodings × 2 attestation types, registration and authentication.
    assert_eq!(ids.iter().filter(|i| i.starts_with("alg-")).count(), 48);
    // Options both ways.
    for id in [
        "reg-lenient-android-base64-fcparams",
        "reg-client-android-base64-fcparams",
        "reg-legacy-v1-certificate-accepted",
        "reg-legacy-v1-certificate-refused",
        "auth-counter-regression-rejected",
        "auth-counter-regression-flag-only",
        "conformance-mode-reg-basic",
        "conformance-mode-fault-auth-keyid-unknown",
        "auth-transaction-text",
        "auth-transaction-png",
        "reg-multi-second-faulty",
        "auth-multi-two-keys",
        "reg-duplicate-already-registered",
        "reg-duplicate-disallowed-by-policy",
        "auth-challenge-expired",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    // Every vector names its steps and source, and round-trips through the file format.
    for v in &vectors {
        assert!(!v.steps.is_empty() && v.source.is_some(), "{}", v.id);
        let text = v.to_pretty_json().unwrap();
        assert_eq!(&Vector::from_json(&text).unwrap(), v, "{}", v.id);
    }
}
