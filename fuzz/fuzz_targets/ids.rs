#![no_main]
//! cargo-fuzz target `ids` (docs/fuzzing.md): `uaf_fuzz_harness::proto::ids`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::ids(data));
