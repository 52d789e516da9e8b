//! # uaf-server — the reference FIDO UAF 1.1 relying party
//!
//! An HTTP server over [`uaf_rp::Service`] with SQLite storage. This first slice serves the
//! FIDO conformance server API and the trusted facet list:
//!
//! | endpoint | what |
//! |---|---|
//! | `POST {prefix}get` | `{"op":"Reg"\|"Auth"\|"Dereg","context":"{\"username\":…}"}` → `{"statusCode":1200,"uafRequest":"[…]"}` (digest §2.13, §10.1) |
//! | `POST {prefix}respond` | `{"uafResponse":"[…]"}` → `{"statusCode":1200\|14xx}`; accepted registrations are stored, counters compare-and-swapped |
//! | `GET {prefix}facets.json` | the trusted facet list, `application/fido.trusted-apps+json` (digest §7.2) |
//! | `GET {prefix}healthz` | `{"status":"ok"}` when the database answers |
//!
//! UAF outcomes travel inside HTTP 200 (`statusCode`); HTTP 400 means the body was not the
//! endpoint's envelope at all.
//!
//! Storage ([`store`]): [`SqliteDatabase`] with [`SqliteCredentialStore`] (insert-unique,
//! compare-and-swap counters) and [`SqlitePendingStore`] (single-use, expiring challenges),
//! a versioned schema with forward migrations. Verification and SQLite calls run on tokio's
//! blocking pool.
//!
//! ## Not for (yet)
//! The phone sign-in web page and push flow, PostgreSQL for several nodes, the `uaf-phone`
//! command line: see `docs/server.md`.
//!
//! ## Features
//! - `ring`, `aws-lc-rs`: the fast signature backends of `uaf-rp` (both build C code). The
//!   default is the pure-Rust backend.
//!
//! ## Example
//! A server on a free loopback port with an in-memory database:
//! ```
//! use uaf_server::{Server, ServerConfig};
//!
//! let mut config = ServerConfig::default();
//! config.listen = "127.0.0.1:0".parse()?;
//! config.database = ":memory:".into();
//! let server = Server::spawn(config)?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! assert!(server.app_id().ends_with("/facets.json"));
//! server.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// `uaf_rp::Error` is returned unboxed by the relying party (see its crate docs).
#![allow(clippy::result_large_err)]
// A std-only server crate: `std::` paths are the natural ones here.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod api;
mod server;
pub mod store;

pub use server::{Server, ServerConfig, ServerError, ServerHandle};
pub use store::{
    PersistedPending, SqliteCredentialStore, SqliteDatabase, SqlitePendingStore, StoreError,
};
pub use uaf_rp::StatusCodeMode;
