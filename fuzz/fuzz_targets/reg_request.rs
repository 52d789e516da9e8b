#![no_main]
//! cargo-fuzz target `reg_request` (docs/fuzzing.md): `uaf_fuzz_harness::proto::reg_request`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::reg_request(data));
