#![no_main]
//! cargo-fuzz target `metadata_blob` (docs/fuzzing.md): `uaf_fuzz_harness::metadata::metadata_blob`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::metadata::metadata_blob(data));
