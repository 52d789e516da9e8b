#![no_main]
//! cargo-fuzz target `fc_params` (docs/fuzzing.md): `uaf_fuzz_harness::proto::fc_params`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::fc_params(data));
