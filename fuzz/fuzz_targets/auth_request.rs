#![no_main]
//! cargo-fuzz target `auth_request` (docs/fuzzing.md): `uaf_fuzz_harness::proto::auth_request`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::auth_request(data));
