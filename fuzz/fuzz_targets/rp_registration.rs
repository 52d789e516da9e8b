#![no_main]
//! cargo-fuzz target `rp_registration` (docs/fuzzing.md): `uaf_fuzz_harness::rp::registration`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::rp::registration(data));
