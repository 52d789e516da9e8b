#![no_main]
//! cargo-fuzz target `json` (docs/fuzzing.md): `uaf_fuzz_harness::proto::json`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::json(data));
