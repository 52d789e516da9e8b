#![no_main]
//! cargo-fuzz target `auth_assertion` (docs/fuzzing.md): `uaf_fuzz_harness::proto::auth_assertion`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::auth_assertion(data));
