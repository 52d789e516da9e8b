//! `MetadataSource`, `MetadataIndex` and (under `std`) loading a directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test]

mod common;

use common::{edited, text};
use serde_json::json;
use uaf_metadata::{IndexError, MetadataEntry, MetadataIndex, MetadataSource, ProtocolFamily};
use uaf_proto::id::Aaid;

const FIXTURES: [&str; 9] = [
    "uaf11-fc01-shape.json",
    "uaf11-fc02-shape.json",
    "uaf11-fc03-shape.json",
    "uaf11-full.json",
    "mds3-statement.json",
    "blob-entry-revoked.json",
    "blob-entry-compromise-then-update.json",
    "blob-entry-certified.json",
    "blob-entry-attestation-key-compromise.json",
];

fn entry(name: &str) -> MetadataEntry {
    MetadataEntry::from_json(&text(name)).unwrap()
}

fn aaid(s: &str) -> Aaid {
    Aaid::parse(s).unwrap()
}

#[test]
fn lookup_is_case_insensitive() {
    let index = MetadataIndex::try_from_entries(FIXTURES.map(entry)).unwrap();
    assert_eq!(index.len(), FIXTURES.len());
    assert!(!index.is_empty());
    // Stored lower case, looked up upper case, and the other way round.
    let e = index.lookup(&aaid("F1D0#3001")).unwrap();
    assert_eq!(e.aaid().as_str(), "f1d0#3001");
    assert_eq!(
        index.lookup(&aaid("f1d0#fc02")).unwrap().aaid().as_str(),
        "F1D0#FC02"
    );
    assert!(index.lookup(&aaid("F1D0#FFFF")).is_none());
    // Ordered by AAID.
    let order: Vec<String> = index
        .iter()
        .map(|e| e.aaid().to_uppercase().to_string())
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
}

#[test]
fn duplicate_aaids_are_refused_whatever_the_case() {
    let mut index = MetadataIndex::new();
    index.insert(entry("mds3-statement.json")).unwrap();
    let upper = MetadataEntry::from_json(&edited("mds3-statement.json", |o| {
        o.insert("aaid".into(), json!("F1D0#3001"));
        o.insert("description".into(), json!("second"));
    }))
    .unwrap();
    assert_eq!(
        index.insert(upper),
        Err(IndexError::DuplicateAaid {
            aaid: aaid("F1D0#3001")
        })
    );
    // The first entry stays.
    assert_eq!(index.len(), 1);
    assert_ne!(
        index
            .get(&aaid("F1D0#3001"))
            .unwrap()
            .statement()
            .description(),
        "second"
    );
    assert_eq!(
        IndexError::DuplicateAaid {
            aaid: aaid("F1D0#3001")
        }
        .to_string(),
        "two metadata statements for AAID F1D0#3001; keep one (AAIDs compare case-insensitively)"
    );
    // try_from_entries reports the same.
    assert_eq!(
        MetadataIndex::try_from_entries([
            entry("uaf11-fc01-shape.json"),
            entry("uaf11-fc01-shape.json")
        ])
        .unwrap_err(),
        IndexError::DuplicateAaid {
            aaid: aaid("F1D0#FC01")
        }
    );
    // Replacing is remove then insert.
    let old = index.remove(&aaid("f1d0#3001")).unwrap();
    assert!(index.is_empty());
    index.insert(old).unwrap();
}

#[test]
fn non_uaf_statements_are_refused() {
    let u2f = MetadataEntry::from_json(&edited("mds3-statement.json", |o| {
        o.insert("protocolFamily".into(), json!("fido2"));
    }))
    .unwrap();
    let mut index = MetadataIndex::new();
    assert_eq!(
        index.insert(u2f),
        Err(IndexError::NotUaf {
            aaid: aaid("F1D0#3001"),
            protocol_family: ProtocolFamily::Fido2
        })
    );
    assert!(index.is_empty());
}

#[test]
fn sources_compose() {
    fn find(source: &dyn MetadataSource, a: &str) -> bool {
        source.lookup(&aaid(a)).is_some()
    }
    let index = MetadataIndex::try_from_entries([entry("uaf11-fc01-shape.json")]).unwrap();
    assert!(find(&index, "F1D0#FC01"));
    assert!(find(&&index, "F1D0#FC01"));
    let boxed: Box<dyn MetadataSource> = Box::new(index.clone());
    assert!(find(&boxed, "f1d0#fc01"));
    assert!(!find(&boxed, "F1D0#FC02"));
}

#[cfg(feature = "std")]
mod load {
    use std::fs;
    use std::path::{Path, PathBuf};

    use super::*;
    use uaf_metadata::{LoadError, MetadataError, ParseOptions};

    /// A fresh directory under cargo's per-test scratch space.
    fn scratch(name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("uaf-metadata-{name}"));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn data_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
    }

    #[test]
    fn loads_every_fixture() {
        let index = MetadataIndex::load_dir(data_dir()).unwrap();
        assert_eq!(index.len(), FIXTURES.len());
        for name in FIXTURES {
            let e = entry(name);
            assert_eq!(index.lookup(&e.aaid()), Some(&e), "{name}");
        }
    }

    #[test]
    fn one_bad_file_is_named_with_its_field() {
        let dir = scratch("bad-file");
        fs::write(dir.join("good.json"), text("uaf11-fc01-shape.json")).unwrap();
        let bad = edited("uaf11-fc03-shape.json", |o| {
            o.remove("description");
        });
        fs::create_dir(dir.join("vendor")).unwrap();
        fs::write(dir.join("vendor/broken.json"), bad).unwrap();
        let err = MetadataIndex::load_dir(&dir).unwrap_err();
        match &err {
            LoadError::Parse { path, error } => {
                assert_eq!(path, &dir.join("vendor/broken.json"));
                assert_eq!(
                    error,
                    &MetadataError::MissingField {
                        path: "description".into()
                    }
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(err.path(), dir.join("vendor/broken.json"));
        let message = err.to_string();
        assert!(message.contains("vendor/broken.json"), "{message}");
        assert!(message.contains("`description`"), "{message}");
        assert!(core::error::Error::source(&err).is_some());
    }

    #[test]
    fn duplicates_across_files_name_both_files() {
        let dir = scratch("duplicates");
        fs::write(dir.join("a.json"), text("blob-entry-certified.json")).unwrap();
        let lower = edited("blob-entry-certified.json", |o| {
            o.insert("aaid".into(), json!("f1d0#3004"));
            o["metadataStatement"]["aaid"] = json!("f1d0#3004");
        });
        fs::write(dir.join("b.json"), lower).unwrap();
        match MetadataIndex::load_dir(&dir).unwrap_err() {
            LoadError::DuplicateAaid {
                aaid: a,
                first,
                second,
            } => {
                assert_eq!(a, aaid("F1D0#3004"));
                assert_eq!(first, dir.join("a.json"));
                assert_eq!(second, dir.join("b.json"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn non_uaf_file_is_named() {
        let dir = scratch("non-uaf");
        let fido2 = edited("mds3-statement.json", |o| {
            o.insert("protocolFamily".into(), json!("fido2"));
        });
        fs::write(dir.join("fido2.json"), fido2).unwrap();
        let err = MetadataIndex::load_dir(&dir).unwrap_err();
        assert!(matches!(
            &err,
            LoadError::NotUaf { path, protocol_family: ProtocolFamily::Fido2, .. } if path == &dir.join("fido2.json")
        ));
        assert!(err.to_string().contains("fido2.json"));
    }

    #[test]
    fn which_files_are_read() {
        let dir = scratch("selection");
        fs::create_dir_all(dir.join("nested/deeper")).unwrap();
        fs::create_dir_all(dir.join(".hidden")).unwrap();
        fs::write(
            dir.join("nested/deeper/one.JSON"),
            text("uaf11-fc01-shape.json"),
        )
        .unwrap();
        fs::write(dir.join("two.json"), text("uaf11-fc02-shape.json")).unwrap();
        // Not loaded: other extensions, hidden files and directories.
        fs::write(dir.join("notes.txt"), "not json").unwrap();
        fs::write(dir.join("three.json.bak"), "{").unwrap();
        fs::write(dir.join(".backup.json"), "{").unwrap();
        fs::write(dir.join(".hidden/four.json"), "{").unwrap();
        let index = MetadataIndex::load_dir(&dir).unwrap();
        assert_eq!(index.len(), 2);
        assert!(index.lookup(&aaid("F1D0#FC01")).is_some());
        assert!(index.lookup(&aaid("F1D0#FC02")).is_some());
        // An empty directory is an empty index.
        assert!(
            MetadataIndex::load_dir(scratch("empty"))
                .unwrap()
                .is_empty()
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_to_files_are_followed_and_to_directories_not() {
        let dir = scratch("symlinks");
        let real = scratch("symlinks-target");
        fs::write(real.join("target.json"), text("uaf11-fc03-shape.json")).unwrap();
        std::os::unix::fs::symlink(real.join("target.json"), dir.join("link.json")).unwrap();
        // A loop: a link to the directory itself.
        std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
        let index = MetadataIndex::load_dir(&dir).unwrap();
        assert_eq!(index.len(), 1);
        assert!(index.lookup(&aaid("F1D0#FC03")).is_some());
    }

    #[test]
    fn io_errors_name_the_path() {
        let missing = scratch("io").join("does-not-exist");
        let err = MetadataIndex::load_dir(&missing).unwrap_err();
        assert!(matches!(&err, LoadError::Io { path, .. } if path == &missing));
        assert!(err.to_string().contains("does-not-exist: cannot read"));

        let dir = scratch("not-utf8");
        fs::write(dir.join("latin1.json"), b"{\"description\": \"caf\xe9\"}").unwrap();
        let err = MetadataIndex::load_dir(&dir).unwrap_err();
        assert!(matches!(&err, LoadError::Io { path, .. } if path == &dir.join("latin1.json")));
    }

    #[test]
    fn options_reach_every_file() {
        let dir = scratch("lenient");
        let root = serde_json::from_str::<serde_json::Value>(&text("uaf11-fc01-shape.json"))
            .unwrap()["attestationRootCertificates"][0]
            .as_str()
            .unwrap()
            .to_owned();
        let wrapped = edited("uaf11-fc01-shape.json", |o| {
            o.insert(
                "attestationRootCertificates".into(),
                json!([format!("\n{root}\n")]),
            );
        });
        fs::write(dir.join("wrapped.json"), wrapped).unwrap();
        assert!(matches!(
            MetadataIndex::load_dir(&dir).unwrap_err(),
            LoadError::Parse {
                error: MetadataError::InvalidBase64 { .. },
                ..
            }
        ));
        let lenient = ParseOptions::new().allow_certificate_whitespace(true);
        assert_eq!(
            MetadataIndex::load_dir_with(&dir, &lenient).unwrap().len(),
            1
        );
    }
}
