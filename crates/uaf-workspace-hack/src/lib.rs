//! Features only, no code. Every documented cargo command of the uaf-rs workspace (the demo,
//! the tests, "Try it", `uaf-conformance`) resolves the same features through this crate, so
//! they share one build; `Cargo.toml` says how and how to keep it in step.
#![no_std]
#![forbid(unsafe_code)]
