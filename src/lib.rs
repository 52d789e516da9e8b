//! # uaf — FIDO UAF 1.1 for Rust
//!
//! A facade over the `uaf-*` crates, so an application can depend on one crate. Each
//! re-exported crate documents itself; start with [`proto`].
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`proto`] | `uaf-proto` | wire formats: TLV assertions, JSON messages, registry values, status codes |
//! | [`crypto`] | `uaf-crypto` | signature algorithms, public keys, attestation chains |
//! | [`metadata`] | `uaf-metadata` | metadata statements, status reports, metadata sources |
//! | [`rp`] | `uaf-rp` | the relying-party verifier |
//! | [`authenticator`] | `uaf-authenticator` | a simulated authenticator with faults, for tests |
//! | [`client`] | `uaf-client` | the FIDO client / ASM role, for tests and phone apps |
//! | [`inspect`] | `uaf-inspect` | a readable decoded view of any UAF message or TLV, for debugging |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use uaf_authenticator as authenticator;
pub use uaf_client as client;
pub use uaf_crypto as crypto;
pub use uaf_inspect as inspect;
pub use uaf_metadata as metadata;
pub use uaf_proto as proto;
pub use uaf_rp as rp;

/// The README's usage example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
