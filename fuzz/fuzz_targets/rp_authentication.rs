#![no_main]
//! cargo-fuzz target `rp_authentication` (docs/fuzzing.md): `uaf_fuzz_harness::rp::authentication`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::rp::authentication(data));
