//! # uaf-server — the reference FIDO UAF 1.1 relying party
//!
//! An HTTP server over [`uaf_rp::Service`] with SQLite storage, or PostgreSQL for several
//! nodes on one database. It serves phone sign-in ("sign
//! in with your phone, not your password"), the trusted facet list, a health check and,
//! opt-in, the FIDO conformance server API:
//!
//! | endpoint | what |
//! |---|---|
//! | `GET {prefix}` | the sign-in page: user name, then "Use an app instead" or "Use a password instead" (the last way first; embedded HTML/CSS/JS) |
//! | `{prefix}api/password/…`, `{prefix}api/account/…` | password sign-in, its second step (phone or verification code), a password chosen with an invite, the two-step switch |
//! | `{prefix}api/signin/…`, `{prefix}api/me`, `{prefix}api/signout` | the browser side of phone sign-in (browser secret and session cookies, HttpOnly, SameSite=Strict) |
//! | `{prefix}phone/…` | the phone side: enrolment by a one-time invite ([`create_invite`]), notifications (a push stream, `phone/events`; a long poll), approve, decline (device token) |
//! | `POST {prefix}get` | `{"op":"Reg"\|"Auth"\|"Dereg","context":"{\"username\":…}"}` → `{"statusCode":1200,"uafRequest":"[…]"}` (digest §2.13, §10.1; with `conformance_api` only) |
//! | `POST {prefix}respond` | `{"uafResponse":"[…]"}` → `{"statusCode":1200\|14xx}`; accepted registrations are stored, counters compare-and-swapped (with `conformance_api` and its token only) |
//! | `GET {prefix}facets.json` | the trusted facet list, `application/fido.trusted-apps+json` (digest §7.2) |
//! | `GET {prefix}healthz` | `{"status":"ok"}` when the database accepts a write, 503 otherwise |
//!
//! UAF outcomes travel inside HTTP 200 (`statusCode`); HTTP 400 means the body was not the
//! endpoint's envelope at all. The phone sign-in bodies are the typed ones of the
//! `uaf-signin-api` crate (shared with `uaf-phone`), read with `axum::Json` (415 without a
//! JSON content type, 400 for a body that is not JSON, 422 for the wrong shape). Every UAF
//! response is parsed once, strictly, by `uaf-rp`, and the typed message is what is verified.
//!
//! ## In your own axum app
//! [`PhoneSignIn`] is phone sign-in as a library: build it over your database
//! ([`PhoneSignIn::builder`]), merge [`PhoneSignIn::router`] into your router under your
//! prefix, say which accounts may sign in with [`Accounts`], and take the signed-in identity
//! with the [`SignedIn`] extractor (or in [`Accounts::signed_in`]). See the example at
//! [`PhoneSignIn`], `examples/embed_axum.rs` and `docs/server.md` ("Embedding phone sign-in in
//! your axum app"). [`Server`] is the same routes on a listener of its own.
//!
//! Storage ([`store`]): one trait per store — `uaf-rp`'s credential and pending stores, and
//! [`SignInStore`] for the phone sign-in rows — and one module per [`Backend`]:
//! [`SqliteDatabase`] (one node: a writer connection and a pool of readers; insert-unique,
//! compare-and-swap counters, single-use expiring challenges, a versioned schema with forward
//! migrations) and [`PgDatabase`] (`--database postgres://…`: several nodes on one database,
//! the same guarantees by single statements, migrations serialised by an advisory lock; any
//! node can serve any step of a ceremony). The server holds [`Stores`], one `Arc<dyn …>` per
//! trait, and never knows the backend. Verification and store calls run on tokio's blocking
//! pool.
//!
//! Phone sign-in keeps its invites, enrolled phones, attempts and sessions in the
//! [`SignInStore`] (schema version 2); every secret is stored as its SHA-256 and compared in
//! constant time. The phone itself is the `uaf-phone` crate.
//!
//! Sign-in starts and invite checks are rate-limited ([`limits`], [`Limits`]): 429 with
//! `Retry-After`.
//!
//! Push: the phone holds one stream (`GET {prefix}phone/events`, Server-Sent Events, resumed
//! with `Last-Event-ID`; a long poll of `phone/notifications` as the fallback) and the page one
//! for its attempt (`api/signin/{id}/events`); every change of an attempt wakes them, across
//! PostgreSQL nodes too (`LISTEN/NOTIFY`, [`ChangeFeed`]).
//!
//! Passwords are the fallback ([`password`]: argon2id PHC strings; `uaf-server user …`),
//! with two-step verification by the phone or an RFC 6238 verification code (`uaf-totp`);
//! accounts and the activity record are [`store::AccountStore`] and
//! [`store::ActivityStore`] (`docs/server.md`, "Passwords and two-step verification").
//!
//! ## Not for (yet)
//! TLS to PostgreSQL: see `docs/server.md`.
//! The server serves https itself with `--tls-cert/--tls-key` ([`TlsFiles`]), or plain http
//! for loopback development and TLS-terminating proxies.
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
mod expiry;
pub mod limits;
mod mds;
mod net;
pub mod password;
mod push;
mod reply;
mod server;
mod signin;
mod state;
pub mod store;
mod web;

pub use limits::{Limits, PASSWORD_HASH_WAIT, Rate, RateError};
pub use mds::{MdsConfig, MdsError, MetadataStatus};
pub use net::{
    BASE_MEMORY, HEADER_BUFFER, PER_CONNECTION_OVERHEAD, SMALL_BODY_LIMIT, TCP_KEEPALIVE_IDLE,
    TCP_KEEPALIVE_INTERVAL, TCP_USER_TIMEOUT, TlsError, UAF_RESPONSE_BODY_LIMIT,
    memory_bound_bytes,
};
pub use password::{PasswordError, PasswordHashing};
pub use server::{Server, ServerConfig, ServerError, ServerHandle, TlsFiles};
pub use signin::{
    Accounts, AccountsError, AnyAccount, PhoneSignIn, PhoneSignInBuilder, SessionError, SignedIn,
};
pub use store::{
    AttemptChange, AttemptRow, AttemptState, Backend, ChangeFeed, DeviceRow, Durability,
    EnrollOutcome, Enrolment, InviteRow, KnownBrowser, NewSession, PendingRow, PersistedPending,
    PgDatabase, SessionRow, SignInStore, SqliteDatabase, SqliteOptions, StoreError, Stores,
    Transition, unix_now,
};
pub use uaf_rp::StatusCodeMode;
pub use web::{INVITE_TTL_SECS, Invite, InviteError, create_invite};
