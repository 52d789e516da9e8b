//! # uaf-conformance — FIDO UAF conformance vectors and their runner
//!
//! Language-neutral conformance vectors (`uaf-conformance-vector/1`, one JSON file each:
//! relying-party configuration, metadata, stored registrations, the request as issued, the
//! response as received, and the status the server must answer) and the tools around them:
//!
//! | module | what |
//! |---|---|
//! | [`vector`] | the file format, read strictly and written deterministically |
//! | [`run`] | runs one vector through `uaf-rp` and judges it |
//! | [`suite`] | finds vector files, runs them, prints the report |
//! | [`generate`] | makes the simulator vectors (`uaf-authenticator` + `uaf-client`) |
//! | [`coverage`] | which vectors cover each step of `docs/spec-steps.md`, both ways |
//! | [`http`] | tests any UAF server over HTTP (the FIDO conformance server API) with the simulated client and every fault |
//!
//! The binary `uaf-conformance` is the command-line front: `vectors`, `generate`,
//! `coverage`, `inspect`, `server-metadata`, `server`. See `docs/conformance.md`.
//!
//! **Not for** production use: the vector runner deliberately rebuilds pending state from
//! recorded requests, and the server suite registers throw-away users on the server it tests.
//!
//! **Features**: none. The runner enables every algorithm of `uaf-crypto` (secp256k1, P-384,
//! Ed25519, RSA), as the format asks. The HTTP client (`ureq`) speaks plain `http://` only.
//!
//! ## Example
//! Run the UAF specification's example registration:
//! ```
//! use uaf_conformance::{run, vector::Vector};
//!
//! let text = std::fs::read_to_string(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/../../conformance-vectors/spec/spec-ex8-registration.json"
//! ))?;
//! let vector = Vector::from_json(&text)?;
//! let judged = run::run(&vector)?;
//! assert!(judged.passed(), "{:?}", judged.mismatches);
//! assert_eq!(judged.outcome.status, 1200);
//! assert_eq!(judged.outcome.replay_status, Some(1491));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![allow(clippy::result_large_err)]

extern crate alloc;

pub mod coverage;
pub mod generate;
pub mod http;
pub mod run;
pub mod suite;
pub mod vector;
