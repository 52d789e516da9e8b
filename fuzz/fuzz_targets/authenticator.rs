#![no_main]
//! cargo-fuzz target `authenticator` (docs/fuzzing.md): `uaf_fuzz_harness::device::authenticator`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::device::authenticator(data));
