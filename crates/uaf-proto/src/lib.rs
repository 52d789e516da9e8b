//! # uaf-proto — FIDO UAF 1.1 wire formats
//!
//! Everything a FIDO UAF 1.1 relying party, client or authenticator puts on the wire, as typed
//! Rust values, with strict decoders and canonical encoders. **No cryptography**: signatures and
//! hashes are checked by `uaf-crypto` and `uaf-rp`; this crate only says which bytes they cover.
//!
//! | module | what |
//! |---|---|
//! | [`tlv`] | the `UAFV1TLV` reader (zero-copy, keeps every TLV's raw bytes) and writer |
//! | [`assertion`] | typed registration ([`assertion::RegAssertion`]) and authentication ([`assertion::AuthAssertion`]) assertions, and builders |
//! | [`command`] | authenticator commands and responses (GetInfo, Register, Sign, Deregister, OpenSettings) |
//! | [`message`] | the JSON protocol messages (requests, responses, policy, `FinalChallengeParams`, trusted facets, transport envelope) |
//! | [`b64`] | the base64url policy: strict (RFC 4648 §5, no padding) and lenient |
//! | [`id`] | identifiers: [`id::Aaid`], [`id::KeyId`], [`id::FacetId`], [`id::AppId`] |
//! | [`registry`] | the FIDO registry of predefined values (`ALG_SIGN_*`, `ALG_KEY_*`, `USER_VERIFY_*`, …) |
//! | [`status`] | UAF server status codes, client error codes, ASM and authenticator status codes |
//!
//! ## Not for
//! Verifying anything (that is `uaf-rp`), I/O, or keeping state.
//!
//! ## Features
//! - no default-less features: with `--no-default-features` the crate is `#![no_std]` without
//!   `alloc`; the TLV reader, typed assertion parsing, registry values, status codes and AAIDs
//!   work on borrowed bytes alone.
//! - `alloc`: JSON messages, the TLV writer, assertion and command builders, owned identifiers.
//! - `std` (default): implies `alloc`; implements `std::error::Error` on every error type.
//!
//! ## Example
//! ```
//! use uaf_proto::assertion::AuthAssertion;
//! use uaf_proto::b64::Base64Policy;
//!
//! // The authentication assertion of the UAF 1.0 specification's Example 10.
//! let text = "Aj7WAAQ-jgALLgkAQUJDRCNBQkNEDi4FAAABAQEADy4gAHwyJAEX8t1b2wOxbaKOC5ZL7ACqbLo_TtiQfK3DzDsHCi4gAFwCUz-dOuafXKXJLbkUrIzjAU6oDbP8B9iLQRmCf58fEC4AAAkuIABkwI-f3bIe_Uin6IKIFvqLgAOrpk6_nr0oVAK9hIl82A0uBAACAAAABi5AADwDOcBvPslX2bRNy4SvFhAwhEAoBSGUitgMUNChgUSMxss3K3ukekq1paG7Fv1v5mBmDCZVPt2NCTnjUxrjTp4";
//! let bytes = Base64Policy::Strict.decode(text)?;
//! let assertion = AuthAssertion::parse(&bytes)?;
//! assert_eq!(assertion.signed_data.aaid.as_str(), "ABCD#ABCD");
//! assert_eq!(assertion.signed_data.sign_counter, 2);
//! // The signature covers exactly these received bytes (TLV header included).
//! assert_eq!(&assertion.signed_data.raw[..4], &[0x04, 0x3e, 0x8e, 0x00]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod assertion;
pub mod b64;
pub mod command;
pub mod id;
#[cfg(feature = "alloc")]
pub mod message;
pub mod png;
pub mod registry;
pub mod status;
pub mod tlv;
pub mod version;

pub use version::Version;
