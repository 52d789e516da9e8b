#![no_main]
//! cargo-fuzz target `client` (docs/fuzzing.md): `uaf_fuzz_harness::device::client`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::device::client(data));
