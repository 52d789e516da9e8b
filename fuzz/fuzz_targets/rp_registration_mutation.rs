#![no_main]
//! cargo-fuzz target `rp_registration_mutation` (docs/fuzzing.md): `uaf_fuzz_harness::rp::registration_mutation`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::rp::registration_mutation(data));
