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
//!
//! The reference server (`uaf-server`) and the phone app (`uaf-phone`) are crates of their
//! own, beside this one.
//!
//! ## Phone sign-in in a few lines
//!
//! A relying party ([`rp::Service`] with in-memory stores) and a phone (the FIDO
//! [`client::Client`] over a simulated [`authenticator::Authenticator`] unlocked by a PIN):
//! the account turns on phone sign-in (registration), then signs in with one approval on the
//! phone. The whole story, with a declined, an expired, a replayed and a cloned sign-in, is
//! `cargo run --example phone_sign_in`.
//!
//! ```
//! # use rand_chacha::ChaCha20Rng;
//! # use rand_core::SeedableRng;
//! # use uaf::authenticator::{Authenticator, Profile, ScriptedUser};
//! # use uaf::client::{AuthenticatorOptions, Client, ClientConfig, ClientOutcome, ClientRequest};
//! # use uaf::metadata::{MetadataEntry, MetadataIndex};
//! # use uaf::proto::id::Aaid;
//! # use uaf::rp::store::{MemoryCredentialStore, MemoryPendingStore};
//! # use uaf::rp::{RelyingParty, RelyingPartyBuilder, Service};
//! # let (app_id, page, now) = ("https://login.example.com/uaf/facets.json", "https://login.example.com", 1_800_000_000);
//! # let mut rng = ChaCha20Rng::seed_from_u64(7);
//! // The phone: an authenticator that asks for the PIN 2468, behind the FIDO client.
//! let model = Profile::builder(Aaid::parse("F1D0#0A01")?).build()?;
//! let phone = Authenticator::new(model, ChaCha20Rng::seed_from_u64(1), ScriptedUser::approving("2468"))?;
//! let mut metadata = MetadataIndex::new(); // the RP trusts the phone's model
//! metadata.insert(MetadataEntry::from_json(&phone.metadata_statement())?)?;
//! let mut client = Client::new(ClientConfig::default(), &mut rng);
//! client.add_authenticator(phone, AuthenticatorOptions::with_version(1));
//! let mut on_phone = |request: String| match client.process(&ClientRequest::new(&request, page)) {
//!     Ok(ClientOutcome::Registration(r) | ClientOutcome::Authentication(r)) => Ok(r.message),
//!     other => Err(format!("the phone did not answer: {other:?}")),
//! };
//! // The relying party, with in-memory stores.
//! let rp = Service::new(
//!     RelyingParty::new(RelyingPartyBuilder::new(app_id).build()?, metadata),
//!     MemoryCredentialStore::new(), MemoryPendingStore::new(), MemoryPendingStore::new(),
//! );
//! // Alice turns on phone sign-in, then signs in: one approval, two factors.
//! let registered = rp.finish_registration(&on_phone(rp.start_registration("alice", now, &mut rng)?)?, now)?;
//! let signed_in = rp.finish_authentication(&on_phone(rp.start_authentication(Some("alice"), vec![], now, &mut rng)?)?, now)?;
//! assert_eq!(registered.registered.len(), 1);
//! assert_eq!(signed_in.username(), Some("alice"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// Inlined: the facade's pages hold the crates' pages, so its links work whether or not
// the crates are documented beside it (`cargo doc -p uaf --no-deps` left them as literal
// `[proto]` text).

#[doc(inline)]
pub use uaf_authenticator as authenticator;
#[doc(inline)]
pub use uaf_client as client;
#[doc(inline)]
pub use uaf_crypto as crypto;
#[doc(inline)]
pub use uaf_inspect as inspect;
#[doc(inline)]
pub use uaf_metadata as metadata;
#[doc(inline)]
pub use uaf_proto as proto;
#[doc(inline)]
pub use uaf_rp as rp;

/// The README's usage example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
