#![no_main]
//! cargo-fuzz target `base64`: see `uaf_fuzz_harness::TARGETS` and docs/fuzzing.md.

libfuzzer_sys::fuzz_target!(|data: &[u8]| (uaf_fuzz_harness::target("base64").expect("a harness target").run)(data));
