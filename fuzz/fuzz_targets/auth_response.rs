#![no_main]
//! cargo-fuzz target `auth_response` (docs/fuzzing.md): `uaf_fuzz_harness::proto::auth_response`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::auth_response(data));
