#![no_main]
//! cargo-fuzz target `reg_response` (docs/fuzzing.md): `uaf_fuzz_harness::proto::reg_response`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::reg_response(data));
