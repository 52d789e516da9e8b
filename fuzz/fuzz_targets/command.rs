#![no_main]
//! cargo-fuzz target `command` (docs/fuzzing.md): `uaf_fuzz_harness::proto::command`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| uaf_fuzz_harness::proto::command(data));
