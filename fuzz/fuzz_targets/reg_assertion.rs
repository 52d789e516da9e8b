#![no_main]
//! cargo-fuzz target `reg_assertion` (docs/fuzzing.md): `uaf_fuzz_harness::proto::reg_assertion`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::reg_assertion(data));
