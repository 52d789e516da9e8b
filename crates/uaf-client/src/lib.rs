//! # uaf-client — the FIDO UAF client and ASM
//!
//! The part of a phone between an app and its authenticators: it takes a UAF request message
//! (JSON text) from an app, checks that the app may use the request's AppID, picks the
//! authenticators the server's policy accepts, has them register or sign, and returns the
//! response message for the server (digest §1.1). It also plays the ASM: it computes the
//! final challenge hash and the `KHAccessToken`, and keeps the key handles and KeyIDs of
//! bound authenticators.
//!
//! **For**: a simulated phone in tests, demos and conformance tools, driving
//! `uaf-authenticator` or any authenticator that speaks the UAF command TLVs. **Not for**:
//! fetching trusted facet lists (the caller fetches and passes them: no I/O here), platform
//! facet discovery, or user interface.
//!
//! ## What it does with a request ([`Client::process`])
//!
//! 1. Decodes the request array strictly and answers the message with the highest protocol
//!    version it speaks (1.1, then 1.0), else [`ClientError::UnsupportedVersion`].
//! 2. Checks the caller's facet ID against the AppID ([`resolve_app_id`], digest §7.3):
//!    empty AppID → the facet ID; non-`https` AppID must equal it; same host; otherwise the
//!    trusted facet list (a `{1,0}` entry serves 1.x; `http:` entries dropped; entries of
//!    other sites dropped by registrable domain, see [`BuiltinSuffixRules`]).
//! 3. Learns its authenticators with GetInfo, evaluates the policy
//!    ([`Policy::evaluate`](uaf_proto::message::Policy::evaluate): `accepted` as OR of
//!    AND-sets, each criteria by a different authenticator, `disallowed` first) and, for a
//!    transaction, picks the rendering each authenticator can display (`text/plain`, or
//!    `image/png` with matching PNG characteristics).
//! 4. Builds `FinalChallengeParams` (with the channel binding the caller supplies), its
//!    `fcParams` text, and the final challenge hash with the authenticator's hash.
//! 5. Sends Register / Sign / Deregister commands ([`AuthenticatorTransport`]), with the
//!    `KHAccessToken` (SHA-256 of AppID ‖ ASMToken ‖ PersonaID ‖ CallerID; roaming: AppID),
//!    and keeps the key handles returned.
//! 6. Returns the response text ([`ClientOutcome`]); a deregistration deletes the keys.
//!
//! Errors carry their client error code ([`ClientError::code`], digest §4.2).
//!
//! ## Faults, for testing servers
//! [`ClientFault`] lists message-level defects (wrong challenge, wrong AppID, untrusted
//! facet, channel binding mismatch, replay, Android-style base64), each documented with the
//! server step that must reject it.
//!
//! ## Features
//! - `alloc`: the client. Without it only [`PublicSuffixRules`] and [`BuiltinSuffixRules`]
//!   are built.
//! - `std` (default): implies `alloc`; `std::error::Error` for the error types.
//!
//! ## Example
//! A phone (the simulated authenticator of `uaf-authenticator`, unlocked with a PIN) answers
//! a registration request for an app on the AppID's own host, then a sign-in request.
//! ```
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//! use uaf_authenticator::{Authenticator, Profile, ScriptedUser};
//! use uaf_client::{AuthenticatorOptions, Client, ClientConfig, ClientRequest};
//! use uaf_proto::id::Aaid;
//! use uaf_proto::message::{AuthenticationResponse, DecodeOptions, RegistrationResponse};
//!
//! let profile = Profile::builder(Aaid::parse("FFFF#FC01")?).build()?;
//! let user = ScriptedUser::approving("1234");
//! let phone = Authenticator::new(profile, ChaCha20Rng::seed_from_u64(1), user)?;
//! let mut client = Client::new(ClientConfig::default(), &mut ChaCha20Rng::seed_from_u64(2));
//! client.add_authenticator(phone, AuthenticatorOptions::with_version(1));
//!
//! let header = r#"{"upv":{"major":1,"minor":1},"appID":"https://example.com/facets","serverData":"s1","op":"#;
//! let policy = r#"{"accepted":[[{"aaid":["FFFF#FC01"]}]]}"#;
//! let registration = format!(
//!     r#"[{{"header":{header}"Reg"}},"challenge":"AAECAwQFBgcICQoLDA0ODw","username":"alice","policy":{policy}}}]"#
//! );
//! let outcome = client.process(&ClientRequest::new(&registration, "https://example.com"))?;
//! let response = outcome.response().ok_or("registration has a response")?;
//! let parsed = RegistrationResponse::parse_array(&response.message, &DecodeOptions::default())?;
//! assert_eq!(parsed.header.server_data.as_deref(), Some("s1"));
//! assert_eq!(client.registrations().len(), 1); // the ASM keeps the wrapped key handle
//!
//! let sign_in = format!(
//!     r#"[{{"header":{header}"Auth"}},"challenge":"EBESExQVFhcYGRobHB0eHw","policy":{policy}}}]"#
//! );
//! let outcome = client.process(&ClientRequest::new(&sign_in, "https://example.com"))?;
//! let response = outcome.response().ok_or("sign-in has a response")?;
//! let parsed = AuthenticationResponse::parse_array(&response.message, &DecodeOptions::default())?;
//! assert_eq!(parsed.assertions.len(), 1);
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

#[cfg(feature = "alloc")]
mod client;
#[cfg(feature = "alloc")]
mod error;
#[cfg(feature = "alloc")]
mod facet;
#[cfg(feature = "alloc")]
mod fault;
mod suffix;
#[cfg(feature = "alloc")]
mod transport;

#[cfg(feature = "alloc")]
pub use client::{
    AuthenticatorOptions, Client, ClientConfig, ClientOutcome, ClientRequest, ClientResponse,
    DeregistrationFailure, DeregistrationReport, Registration, UsedAuthenticator,
};
#[cfg(feature = "alloc")]
pub use error::{
    ClientError, CommandKind, Excluded, ExclusionReason, NoSuitableAuthenticator, code_of_status,
};
#[cfg(feature = "alloc")]
pub use facet::{DropReason, DroppedFacet, FacetError, FacetRule, ResolvedAppId, resolve_app_id};
#[cfg(feature = "alloc")]
pub use fault::ClientFault;
pub use suffix::{BuiltinSuffixRules, PublicSuffixRules};
#[cfg(feature = "alloc")]
pub use transport::{AuthenticatorTransport, FnTransport};
