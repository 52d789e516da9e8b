//! Replays the fuzz corpus (`fuzz/corpus/<target>/*`) and every saved crash
//! (`fuzz/artifacts/<target>/*`) through the harness functions the cargo-fuzz targets call, on
//! stable Rust: a crash found once stays fixed, and CI catches regressions without nightly.
// Test helpers: an unreadable corpus file is a test failure.
#![allow(clippy::unwrap_used, clippy::std_instead_of_core)]

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use uaf_fuzz_harness::{TARGETS, target};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The files of `dir/<target>/`, sorted (none if the directory does not exist).
fn inputs(dir: &Path, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir.join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

/// Runs every input of `kind` (corpus or artifacts); returns the failures.
fn replay(kind: &str) -> (usize, Vec<String>) {
    let dir = fuzz_dir().join(kind);
    let mut failures = Vec::new();
    let mut count = 0;
    // Keep the output readable: report each failing file once, below.
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    for t in TARGETS {
        for file in inputs(&dir, t.name) {
            let data = fs::read(&file).unwrap();
            count += 1;
            if let Err(e) = panic::catch_unwind(AssertUnwindSafe(|| (t.run)(&data))) {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!("{}: {msg}", file.display()));
            }
        }
    }
    panic::set_hook(hook);
    (count, failures)
}

#[test]
fn corpus_replays_without_failure() {
    let (count, failures) = replay("corpus");
    assert!(
        count > 0,
        "the seed corpus is missing: run scripts/fuzz-corpus.sh"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} corpus inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn saved_crashes_stay_fixed() {
    let (count, failures) = replay("artifacts");
    assert!(
        failures.is_empty(),
        "{} of {count} saved crashes fail again:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_target_has_seeds() {
    let dir = fuzz_dir().join("corpus");
    let empty: Vec<&str> = TARGETS
        .iter()
        .map(|t| t.name)
        .filter(|n| inputs(&dir, n).is_empty())
        .collect();
    assert!(
        empty.is_empty(),
        "targets without seed corpus: {empty:?} (run scripts/fuzz-corpus.sh)"
    );
}

#[test]
fn corpus_and_fuzz_target_names_match_the_harness() {
    let root = fuzz_dir();
    for kind in ["corpus", "artifacts"] {
        let Ok(entries) = fs::read_dir(root.join(kind)) else {
            continue;
        };
        for e in entries {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                assert!(
                    target(&name).is_some(),
                    "fuzz/{kind}/{name} names no harness target"
                );
            }
        }
    }
    let mut files: Vec<String> = fs::read_dir(root.join("fuzz_targets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".rs").map(str::to_owned))
        .collect();
    files.sort();
    let mut names: Vec<String> = TARGETS.iter().map(|t| t.name.to_owned()).collect();
    names.sort();
    assert_eq!(files, names, "fuzz/fuzz_targets/*.rs and TARGETS differ");
    // fuzz/Cargo.toml declares one [[bin]] per target.
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for n in &names {
        assert!(
            manifest.contains(&format!("name = \"{n}\"")),
            "fuzz/Cargo.toml lacks [[bin]] {n}"
        );
    }
}

#[test]
fn the_worlds_verify_their_valid_responses() {
    // Building a world verifies its unmutated responses and runs the oracle on them; the
    // structured targets on an empty input build nothing, so call one that does.
    (target("rp_registration").unwrap().run)(b"[]");
    (target("rp_server_data").unwrap().run)(b"\x00");
    let zeros = [0u8; 64];
    (target("rp_registration_mutation").unwrap().run)(&zeros);
    (target("rp_authentication_mutation").unwrap().run)(&zeros);
}
