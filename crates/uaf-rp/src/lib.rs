//! # uaf-rp — the FIDO UAF 1.1 relying-party verifier
//!
//! Issues registration, authentication (and transaction confirmation) and deregistration
//! requests, and verifies the responses with every server processing rule of UAF 1.1
//! (digest §3): header, `serverData`, `fcParams` (AppID, single-use expiring challenge,
//! trusted facet, channel binding), then per assertion the TLV structure, metadata and status
//! reports, policy, algorithms, final challenge hash, KeyID, public key, attestation chain and
//! signature, transaction confirmation and sign counter. Each check has a step ID
//! ([`step::StepId`]) that also appears in its error and in `docs/spec-steps.md`.
//!
//! ## Shape
//! - **Sans-I/O core**: [`RelyingParty`] owns no clock, no randomness and no storage. Callers
//!   pass `now` (unix seconds), a `rand_core` RNG, and the stored registrations (through
//!   [`RegistrationLookup`]); they get back a decision plus the state change to persist
//!   (registrations to insert, a compare-and-swap counter update).
//! - **One-shot typed state**: `start_*` returns the request and a pending state;
//!   `finish_*` consumes the pending state by value. [`Service`] names its steps the same.
//! - **One parse per response**: [`RelyingParty::parse_response`] decodes a response once,
//!   strictly, into a [`ParsedResponse`] ([`ParsedResponse::op`],
//!   [`ParsedResponse::server_data`]); verify the typed message with
//!   [`RelyingParty::finish_registration_message`] /
//!   [`RelyingParty::finish_authentication_message`].
//! - **Reject before commit**: an authentication can be limited to allowed keys and require
//!   user verification ([`AuthenticationOptions`], [`AuthenticationRequirements`]); the
//!   verifier checks both (AUTH-15, AUTH-16). [`Service`] verifies a response completely
//!   against a pending state it only peeked at, and takes the state and writes only then: a
//!   rejection leaves the challenge pending and the counters untouched.
//! - **Pluggable**: metadata ([`uaf_metadata::MetadataSource`]), crypto
//!   ([`uaf_crypto::SignatureVerifier`]), storage ([`store`]), security events
//!   ([`SecurityEventSink`]).
//! - **Errors** say the step and the cause; [`Error::status`] is the one total mapping to a UAF
//!   status code, in [`StatusCodeMode::Specific`] or [`StatusCodeMode::Conformance`] mode.
//!
//! ## Not for
//! HTTP, sessions, or fetching metadata: see the reference server for those.
//!
//! ## Features
//! - `alloc`: the verifier (everything but the step table needs a heap).
//! - `std` (default): thread-safe in-memory stores.
//!
//! ## Example
//! ```
//! use uaf_rp::{RelyingParty, RelyingPartyBuilder};
//! use uaf_metadata::MetadataIndex;
//!
//! let config = RelyingPartyBuilder::new("https://uaf.example.com/facets.json")
//!     .trusted_facets(["https://uaf.example.com", "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM"])
//!     .build()?;
//! let rp = RelyingParty::new(config, MetadataIndex::new());
//! let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
//! # use rand_core::SeedableRng;
//! let (request, pending) = rp.start_registration("alice", &[], 1_700_000_000, &mut rng)?;
//! assert_eq!(request.username, "alice");
//! assert_eq!(pending.username(), "alice");
//! let json = request.to_json(); // send this to the phone
//! assert!(json.starts_with('['));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// `Error` carries the failing step and a typed cause with context (up to ~150 bytes); it is
// only built on the rejection path, and keeping it unboxed keeps its fields matchable.
#![allow(clippy::result_large_err)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod counter;
pub mod step;

#[cfg(feature = "alloc")]
mod authentication;
#[cfg(feature = "alloc")]
mod binding;
#[cfg(feature = "alloc")]
pub mod config;
#[cfg(feature = "alloc")]
pub mod error;
#[cfg(feature = "alloc")]
mod events;
#[cfg(feature = "std")]
mod key_cache;
#[cfg(feature = "alloc")]
pub mod pending;
#[cfg(feature = "alloc")]
pub mod policy;
#[cfg(feature = "alloc")]
mod registration;
#[cfg(feature = "alloc")]
mod request;
#[cfg(feature = "alloc")]
mod response;
#[cfg(feature = "alloc")]
mod service;
#[cfg(feature = "alloc")]
pub mod stateless;
#[cfg(feature = "alloc")]
pub mod store;

#[cfg(feature = "alloc")]
pub use authentication::{AuthenticatedKey, AuthenticationOutcome};
#[cfg(feature = "alloc")]
pub use config::{
    AttestationRequirement, Compat, Config, ConfigError, RelyingPartyBuilder,
    UserVerificationRequirement,
};
#[cfg(feature = "alloc")]
pub use error::{Error, ErrorGroup, ErrorKind, StatusCodeMode, StorageError, TransactionProblem};
#[cfg(feature = "alloc")]
pub use events::{SecurityEvent, SecurityEventSink};
#[cfg(feature = "alloc")]
pub use pending::{AuthenticationRequirements, PendingAuthentication, PendingRegistration};
#[cfg(feature = "alloc")]
pub use registration::{RegisteredKey, RegistrationOutcome};
#[cfg(feature = "alloc")]
pub use request::{AuthenticationOptions, Deregistration, DeregistrationTarget};
#[cfg(feature = "alloc")]
pub use response::ParsedResponse;
#[cfg(feature = "alloc")]
pub use service::Service;
#[cfg(feature = "alloc")]
pub use store::Registration;

#[cfg(feature = "alloc")]
use alloc::boxed::Box;
#[cfg(feature = "alloc")]
use uaf_proto::id::Aaid;
use uaf_proto::registry::AlgSign;

/// Whether this build verifies `alg` (uaf-crypto's enabled features decide).
#[must_use]
pub const fn is_supported_algorithm(alg: AlgSign) -> bool {
    uaf_crypto::is_supported(alg)
}

/// The signature algorithms this build verifies, in registry order.
#[cfg(feature = "alloc")]
#[must_use]
pub fn supported_algorithms() -> alloc::vec::Vec<AlgSign> {
    AlgSign::KNOWN
        .iter()
        .copied()
        .filter(|a| is_supported_algorithm(*a))
        .collect()
}

/// Read access to stored registrations during verification: the core asks, the caller's
/// store answers. Implemented for slices of [`Registration`] and for every
/// [`store::CredentialStore`] through [`store::StoreLookup`].
#[cfg(feature = "alloc")]
pub trait RegistrationLookup {
    /// The registration of (AAID, KeyID), if any (AAID case-insensitive, KeyID bytewise).
    ///
    /// # Errors
    /// The storage failure, with the store's error as its source
    /// ([`StorageError::new`]); the verifier reports it as [`ErrorKind::Storage`] (1500).
    fn find(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, StorageError>;
}

#[cfg(feature = "alloc")]
impl RegistrationLookup for [Registration] {
    fn find(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, StorageError> {
        Ok(self
            .iter()
            .find(|r| r.aaid == *aaid && r.key_id.as_bytes() == key_id)
            .cloned())
    }
}

#[cfg(feature = "alloc")]
impl RegistrationLookup for alloc::vec::Vec<Registration> {
    fn find(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, StorageError> {
        self.as_slice().find(aaid, key_id)
    }
}

/// The relying party: a configuration, a metadata source and a signature verifier.
///
/// `M` is the metadata source; `V` the signature verifier (default: the fastest
/// [`uaf_crypto::Backend`] compiled in).
#[cfg(feature = "alloc")]
pub struct RelyingParty<M, V = uaf_crypto::Backend> {
    pub(crate) config: Config,
    pub(crate) metadata: M,
    pub(crate) verifier: V,
    pub(crate) events: Option<Box<dyn SecurityEventSink + Send + Sync>>,
    /// Decoded stored keys ([`RelyingPartyBuilder::key_cache_capacity`]).
    #[cfg(feature = "std")]
    pub(crate) keys: key_cache::KeyCache,
}

#[cfg(feature = "alloc")]
impl<M> RelyingParty<M, uaf_crypto::Backend> {
    /// A relying party with the fastest signature backend compiled in.
    #[must_use]
    pub fn new(config: Config, metadata: M) -> Self {
        RelyingParty::with_verifier(config, metadata, uaf_crypto::Backend::fastest())
    }
}

#[cfg(feature = "alloc")]
impl<M, V> RelyingParty<M, V> {
    /// A relying party with a signature verifier of your choice (an HSM, another backend).
    #[must_use]
    pub fn with_verifier(config: Config, metadata: M, verifier: V) -> Self {
        RelyingParty {
            #[cfg(feature = "std")]
            keys: key_cache::KeyCache::new(config.key_cache_capacity),
            config,
            metadata,
            verifier,
            events: None,
        }
    }

    /// Sends security events (counter regressions, revoked authenticators, attestation
    /// failures) to `sink`.
    #[must_use]
    pub fn with_event_sink(mut self, sink: Box<dyn SecurityEventSink + Send + Sync>) -> Self {
        self.events = Some(sink);
        self
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The metadata source.
    #[must_use]
    pub fn metadata(&self) -> &M {
        &self.metadata
    }

    pub(crate) fn emit(&self, event: &SecurityEvent) {
        if let Some(sink) = &self.events {
            sink.event(event);
        }
    }
}

#[cfg(feature = "alloc")]
impl<M, V> core::fmt::Debug for RelyingParty<M, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RelyingParty")
            .field("config", &self.config)
            .field("events", &self.events.is_some())
            .finish_non_exhaustive()
    }
}
