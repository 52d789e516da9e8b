#![no_main]
//! cargo-fuzz target `metadata` (docs/fuzzing.md): `uaf_fuzz_harness::metadata::metadata`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::metadata::metadata(data));
