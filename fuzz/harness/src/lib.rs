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
pub mod device;
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

impl Target {
    const fn new(name: &'static str, run: fn(&[u8])) -> Self {
        Target { name, run }
    }
}

impl core::fmt::Debug for Target {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every target, in the order `fuzz/run.sh` runs them.
pub const TARGETS: &[Target] = &[
    Target::new("tlv", proto::tlv),
    Target::new("reg_assertion", proto::reg_assertion),
    Target::new("auth_assertion", proto::auth_assertion),
    Target::new("command", proto::command),
    Target::new("reg_request", proto::reg_request),
    Target::new("reg_response", proto::reg_response),
    Target::new("auth_request", proto::auth_request),
    Target::new("auth_response", proto::auth_response),
    Target::new("dereg_request", proto::dereg_request),
    Target::new("json", proto::json),
    Target::new("fc_params", proto::fc_params),
    Target::new("trusted_facets", proto::trusted_facets),
    Target::new("ids", proto::ids),
    Target::new("base64", proto::base64),
    Target::new("metadata", metadata::metadata),
    Target::new("metadata_blob", metadata::metadata_blob),
    Target::new("public_key", crypto::public_key),
    Target::new("cose_key", crypto::cose_key),
    Target::new("attestation_chain", crypto::attestation_chain),
    Target::new("rp_registration", rp::registration),
    Target::new("rp_authentication", rp::authentication),
    Target::new("rp_server_data", rp::server_data),
    Target::new("rp_registration_mutation", rp::registration_mutation),
    Target::new("rp_authentication_mutation", rp::authentication_mutation),
    Target::new("authenticator", device::authenticator),
    Target::new("client", device::client),
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
