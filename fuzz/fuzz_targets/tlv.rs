#![no_main]
//! cargo-fuzz target `tlv` (docs/fuzzing.md): `uaf_fuzz_harness::proto::tlv`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::tlv(data));
