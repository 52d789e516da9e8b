//! A set of vector files: found (files or folders, recursively), read, checked for unique ids,
//! run, and reported one line (or one JSON object) per vector.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::run::{self, Judged};
use crate::vector::{Vector, VectorError};

/// What became of one vector file.
#[derive(Clone, Debug)]
pub enum Entry {
    /// The file could not be read as a vector: never a pass or a fail.
    Invalid {
        /// The file.
        file: PathBuf,
        /// Why.
        error: VectorError,
    },
    /// The vector ran.
    Ran {
        /// The file.
        file: PathBuf,
        /// The vector.
        vector: Box<Vector>,
        /// The judgement.
        judged: Judged,
    },
}

impl Entry {
    /// The file of this entry.
    #[must_use]
    pub fn file(&self) -> &Path {
        match self {
            Entry::Invalid { file, .. } | Entry::Ran { file, .. } => file,
        }
    }

    /// Whether the vector ran and passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        matches!(self, Entry::Ran { judged, .. } if judged.passed())
    }

    /// One line for people: `ok   id` (with `(status at LABEL)` for a rejection: the first
    /// failing step's digest label), `FAIL id: …` or `ERROR file: …`.
    #[must_use]
    pub fn line(&self) -> String {
        match self {
            Entry::Invalid { file, error } => {
                alloc::format!("ERROR {}: invalid vector: {error}", file.display())
            }
            Entry::Ran { vector, judged, .. } if judged.passed() => match &judged.outcome.failure {
                Some(f) => alloc::format!(
                    "ok   {} ({} at {})",
                    vector.id,
                    judged.outcome.status,
                    f.label
                ),
                None => alloc::format!("ok   {}", vector.id),
            },
            Entry::Ran { vector, judged, .. } => {
                alloc::format!("FAIL {}: {}", vector.id, judged.mismatches.join("; "))
            }
        }
    }

    /// One JSON object for machines.
    #[must_use]
    pub fn json(&self) -> serde_json::Value {
        match self {
            Entry::Invalid { file, error } => json!({
                "file": file.display().to_string(),
                "result": "error",
                "field": error.field,
                "problem": error.problem,
            }),
            Entry::Ran {
                file,
                vector,
                judged,
            } => {
                let o = &judged.outcome;
                json!({
                    "id": vector.id,
                    "file": file.display().to_string(),
                    "op": vector.op.as_str(),
                    "result": if judged.passed() { "pass" } else { "fail" },
                    "expected": vector.expect.status,
                    "status": o.status,
                    "step": o.failure.as_ref().map(|f| f.step.id()),
                    "digest": o.failure.as_ref().map(|f| f.label.clone()),
                    "error": o.failure.as_ref().map(|f| f.code),
                    "message": o.failure.as_ref().map(|f| f.message.clone()),
                    "replay_status": o.replay_status,
                    "mismatches": judged.mismatches,
                })
            }
        }
    }
}

/// The counts of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Vectors that passed.
    pub passed: usize,
    /// Vectors that failed.
    pub failed: usize,
    /// Files that are not valid vectors.
    pub errors: usize,
}

impl Summary {
    /// The counts of `entries`.
    #[must_use]
    pub fn of(entries: &[Entry]) -> Summary {
        let mut s = Summary::default();
        for e in entries {
            match e {
                Entry::Invalid { .. } => s.errors += 1,
                Entry::Ran { .. } if e.passed() => s.passed += 1,
                Entry::Ran { .. } => s.failed += 1,
            }
        }
        s
    }

    /// Whether every vector passed and every file was valid (and there was at least one).
    #[must_use]
    pub fn all_passed(&self) -> bool {
        self.failed == 0 && self.errors == 0 && self.passed > 0
    }
}

impl core::fmt::Display for Summary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)?;
        if self.errors > 0 {
            write!(f, ", {} errors", self.errors)?;
        }
        Ok(())
    }
}

/// The vector files under `paths` (each a file, or a folder searched recursively for
/// `*.json`), sorted, without repeats. A path that does not exist is returned as is, so
/// that reading it reports the error.
#[must_use]
pub fn find(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            collect(p, &mut out);
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        out.push(dir.to_path_buf());
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Reads one file as a vector.
///
/// # Errors
/// [`VectorError`] (field empty) when the file cannot be read, or the format error.
pub fn load(file: &Path) -> Result<Vector, VectorError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| VectorError::new("", alloc::format!("cannot read the file: {e}")))?;
    Vector::from_json(&text)
}

/// Runs the vectors of `files`, calling `each` after every one (for progress and output).
/// A second file with an id seen before is invalid (ids are unique across a suite).
pub fn run_files(files: &[PathBuf], mut each: impl FnMut(&Entry)) -> Vec<Entry> {
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut out = Vec::with_capacity(files.len());
    for file in files {
        let entry = match load(file) {
            Err(error) => Entry::Invalid {
                file: file.clone(),
                error,
            },
            Ok(vector) => match seen.get(&vector.id) {
                Some(first) => Entry::Invalid {
                    file: file.clone(),
                    error: VectorError::new(
                        "id",
                        alloc::format!(
                            "{:?} is also the id of {} (ids are unique across the suite)",
                            vector.id,
                            first.display()
                        ),
                    ),
                },
                None => {
                    seen.insert(vector.id.clone(), file.clone());
                    match run::run(&vector) {
                        Ok(judged) => Entry::Ran {
                            file: file.clone(),
                            vector: Box::new(vector),
                            judged,
                        },
                        Err(error) => Entry::Invalid {
                            file: file.clone(),
                            error,
                        },
                    }
                }
            },
        };
        each(&entry);
        out.push(entry);
    }
    out
}
