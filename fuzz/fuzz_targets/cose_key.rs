#![no_main]
//! cargo-fuzz target `cose_key` (docs/fuzzing.md): `uaf_fuzz_harness::crypto::cose_key`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::crypto::cose_key(data));
