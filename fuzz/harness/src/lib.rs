//! # uaf-fuzz-harness — the fuzz harness of uaf-rs
//!
//! One function per parser and verifier entry point, each taking the raw fuzz input. The
//! cargo-fuzz targets in `fuzz/fuzz_targets/` are one-line wrappers around these functions,
//! and `tests/replay.rs` runs every file of `fuzz/corpus/<target>/` and
//! `fuzz/artifacts/<target>/` through the same functions on stable Rust, so a crash found once
//! stays fixed.
//!
//! A target fails by panicking: on a panic inside the library (the bug fuzzing looks for), or
//! on a broken invariant the harness checks (decode → encode → decode identity, and the
//! acceptance oracle of [`rp`]). The list is [`TARGETS`]; `docs/fuzzing.md` describes each.
//!
//! **Not for** production use: it holds test keys, and it panics on purpose.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A harness reports a broken invariant, or broken test material, by panicking: that is how
// libFuzzer and `cargo test` see it.
#![allow(clippy::expect_used, clippy::panic)]
// A std-only tool crate (the library crates are the no_std ones).
#![allow(clippy::std_instead_of_alloc, clippy::std_instead_of_core)]

pub mod crypto;
pub mod data;
pub mod metadata;
pub mod proto;
pub mod rp;
pub mod seeds;

/// One fuzz target: its name (the cargo-fuzz target and corpus directory) and its function.
#[derive(Clone, Copy)]
pub struct Target {
    /// The name of the target, of its `fuzz/fuzz_targets/<name>.rs` and of its corpus directory.
    pub name: &'static str,
    /// Runs one input; panics on a bug.
    pub run: fn(&[u8]),
}

impl core::fmt::Debug for Target {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every target, in the order `fuzz/run.sh` runs them.
pub const TARGETS: &[Target] = &[
    Target { name: "tlv", run: proto::tlv },
    Target { name: "reg_assertion", run: proto::reg_assertion },
    Target { name: "auth_assertion", run: proto::auth_assertion },
    Target { name: "command", run: proto::command },
    Target { name: "reg_request", run: proto::reg_request },
    Target { name: "reg_response", run: proto::reg_response },
    Target { name: "auth_request", run: proto::auth_request },
    Target { name: "auth_response", run: proto::auth_response },
    Target { name: "dereg_request", run: proto::dereg_request },
    Target { name: "json", run: proto::json },
    Target { name: "fc_params", run: proto::fc_params },
    Target { name: "trusted_facets", run: proto::trusted_facets },
    Target { name: "ids", run: proto::ids },
    Target { name: "base64", run: proto::base64 },
    Target { name: "metadata", run: metadata::metadata },
    Target { name: "public_key", run: crypto::public_key },
    Target { name: "cose_key", run: crypto::cose_key },
    Target { name: "attestation_chain", run: crypto::attestation_chain },
    Target { name: "rp_registration", run: rp::registration },
    Target { name: "rp_authentication", run: rp::authentication },
    Target { name: "rp_server_data", run: rp::server_data },
    Target { name: "rp_registration_mutation", run: rp::registration_mutation },
    Target { name: "rp_authentication_mutation", run: rp::authentication_mutation },
];

/// The target called `name`.
#[must_use]
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// The input as UTF-8 text, if it is (the JSON targets skip other inputs: their entry points
/// take `&str`).
#[must_use]
pub fn text(data: &[u8]) -> Option<&str> {
    core::str::from_utf8(data).ok()
}
