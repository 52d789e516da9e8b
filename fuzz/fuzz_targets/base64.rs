#![no_main]
//! cargo-fuzz target `base64` (docs/fuzzing.md): `uaf_fuzz_harness::proto::base64`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::base64(data));
