#![no_main]
//! cargo-fuzz target `dereg_request` (docs/fuzzing.md): `uaf_fuzz_harness::proto::dereg_request`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::dereg_request(data));
