#![no_main]
//! cargo-fuzz target `rp_server_data` (docs/fuzzing.md): `uaf_fuzz_harness::rp::server_data`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::rp::server_data(data));
