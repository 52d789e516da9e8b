//! # uaf — FIDO UAF 1.1 for Rust
//!
//! A facade over the `uaf-*` crates, so an application can depend on one crate. Each
//! re-exported crate documents itself; start with [`proto`].
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`proto`] | `uaf-proto` | wire formats: TLV assertions, JSON messages, registry values, status codes |
//! | [`inspect`] | `uaf` (this crate) | a readable decoded view of any UAF message or TLV, for debugging |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use uaf_proto as proto;

pub mod inspect;

/// The README's usage example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
