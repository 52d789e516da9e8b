#![no_main]
//! cargo-fuzz target `rp_authentication_mutation` (docs/fuzzing.md): `uaf_fuzz_harness::rp::authentication_mutation`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::rp::authentication_mutation(data));
