//! Writes the seed corpus: `fuzz-seeds OUT_DIR [INPUT_DIR…]`.
//!
//! Every built-in seed of `uaf_fuzz_harness::seeds::builtin`, and every file under the input
//! directories routed by `seeds::classify`, goes to `OUT_DIR/<target>/<hash>`, the name being
//! the SHA-1 of the content in hex, as libFuzzer names its inputs: re-running adds only what is
//! new, never touches inputs that fuzzing added, and agrees with `cargo fuzz cmin`.
#![allow(
    clippy::expect_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};
use uaf_fuzz_harness::{TARGETS, seeds};

/// Largest file taken from an input directory.
const MAX_SEED_LEN: u64 = 64 * 1024;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.is_file() && p.metadata().is_ok_and(|m| m.len() <= MAX_SEED_LEN) {
            out.push(p);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().expect("usage: fuzz-seeds OUT_DIR [INPUT_DIR…]"));
    let mut all = seeds::builtin();
    let mut inputs = Vec::new();
    for dir in args {
        files(Path::new(&dir), &mut inputs);
    }
    for path in &inputs {
        let bytes = fs::read(path).expect("readable input file");
        all.extend(seeds::classify(&bytes));
    }
    let mut written: BTreeMap<&str, (usize, usize)> =
        TARGETS.iter().map(|t| (t.name, (0, 0))).collect();
    for (target, data) in all {
        let dir = out.join(target);
        fs::create_dir_all(&dir).expect("corpus directory");
        let name: String = Sha1::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = dir.join(name);
        let entry = written.entry(target).or_default();
        if path.exists() {
            entry.1 += 1;
        } else {
            fs::write(&path, &data).expect("corpus file written");
            entry.0 += 1;
        }
    }
    println!("{:<28} {:>6} {:>9}", "target", "new", "existing");
    for (t, (new, old)) in &written {
        println!("{t:<28} {new:>6} {old:>9}");
    }
    println!("({} files read from the input directories)", inputs.len());
}
