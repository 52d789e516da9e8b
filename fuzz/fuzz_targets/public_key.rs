#![no_main]
//! cargo-fuzz target `public_key` (docs/fuzzing.md): `uaf_fuzz_harness::crypto::public_key`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::crypto::public_key(data));
