#![no_main]
//! cargo-fuzz target `trusted_facets` (docs/fuzzing.md): `uaf_fuzz_harness::proto::trusted_facets`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::trusted_facets(data));
