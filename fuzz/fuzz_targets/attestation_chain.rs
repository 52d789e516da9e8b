#![no_main]
//! cargo-fuzz target `attestation_chain` (docs/fuzzing.md): `uaf_fuzz_harness::crypto::attestation_chain`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::crypto::attestation_chain(data));
