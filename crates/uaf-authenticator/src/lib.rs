//! # uaf-authenticator — a software FIDO UAF authenticator, with faults
//!
//! A simulated UAF authenticator (the "phone" of a passwordless sign-in) that speaks the real
//! authenticator command TLVs of digest §5.7–§5.10: it answers GetInfo, Register, Sign,
//! Deregister and OpenSettings command bytes with response bytes, makes and protects its keys,
//! verifies its user through a trait, shows transactions, keeps counters, attests new keys
//! (basic full with a certificate chain, or basic surrogate), and, for conformance testing, can
//! produce every defective assertion of an enumerated [`Fault`] list.
//!
//! **For**: tests of UAF relying parties and clients (`uaf-rp`, `uaf-client`, the conformance
//! vector generator), demos, and as a reference of what authenticators send. **Not for**:
//! protecting real keys. Keys live in ordinary memory (zeroized when dropped); the "secure
//! display" is a trait.
//!
//! ## What is here
//!
//! | item | what |
//! |---|---|
//! | [`Authenticator`] | the authenticator: [`Authenticator::process`] takes a command TLV, returns the response TLV; faults are [armed](Authenticator::arm) on it |
//! | [`Profile`] | the model: AAID, version, algorithm × key encoding, attestation, user verification methods, transaction display, counters, first/second factor, key storage |
//! | [`UserVerifier`], [`ScriptedUser`] | the user interface: verification (PIN, fingerprint, presence) and the transaction screen, and a scripted user for tests |
//! | [`TestCa`], [`AttestationCredentials`] | a test CA and the attestation key + chain it issues |
//! | [`Profile::metadata_statement`] | the matching metadata statement (UAF 1.1 JSON), for the relying party |
//! | [`Fault`] | the defects, each with the server step it targets and the status it should get |
//!
//! ## Behaviour (digest §5.10)
//!
//! - **Keys.** A fresh key pair per Register. KeyIDs are 32 random bytes (the wrapped key
//!   handle itself for second-factor authenticators with wrapped handles). Key handles are kept
//!   inside ([`KeyStorage::Internal`]) or leave the authenticator wrapped with AES-256-GCM
//!   under a secret of the authenticator, in a versioned format ([`KeyStorage::Wrapped`]).
//!   Each key is bound to the `KHAccessToken` (and AppID, when sent) of its Register command;
//!   Sign and Deregister with another token see no key (`UAF_CMD_STATUS_ACCESS_DENIED`).
//! - **User verification** before every Register and Sign: failure is `ACCESS_DENIED`,
//!   cancel `USER_CANCELLED`, no answer `USER_NOT_RESPONSIVE`, lockout `USER_LOCKOUT`, nobody
//!   enrolled `USER_NOT_ENROLLED`. A silent profile (`USER_VERIFY_NONE`) asks nobody.
//!   After [`Profile::verification_attempts`] failures in a row (default
//!   [`DEFAULT_VERIFICATION_ATTEMPTS`], 5) the authenticator locks itself: that failure and
//!   every later Register and Sign answer `USER_LOCKOUT` without asking the user
//!   ([`Authenticator::is_locked_out`]); a success before then starts the count again.
//! - **Transactions** are shown through [`UserVerifier::confirm_transaction`] before signing:
//!   refused is `USER_CANCELLED`, unrenderable `CANNOT_RENDER_TRANSACTION_CONTENT`; a profile
//!   without a display answers `ACCESS_DENIED`. A confirmed transaction is signed with
//!   `AuthenticationMode` 0x02 and `TAG_TRANSACTION_CONTENT_HASH` = H(content).
//! - **Counters** per key (+1), global (random +1..=16, so relying parties cannot correlate
//!   users), or none (always 0); a global RegCounter.
//! - **Determinism.** Every random value (keys, KeyIDs, nonces, wrapping, certificate serials,
//!   hedged signature nonces) comes from the injected `rand_core::CryptoRng`; no clock is
//!   used. The same seed and the same commands give byte-identical responses.
//!
//! ## Features
//!
//! | feature | adds |
//! |---|---|
//! | `alloc` | the authenticator (everything but the fault catalogue needs a heap) |
//! | `std` (default) | `std::error::Error` for [`Error`] |
//! | `secp256k1` (default) | profiles with `ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW/DER` |
//!
//! Without `alloc` the crate is `#![no_std]` and holds the [`Fault`] catalogue only.
//!
//! ## Example
//!
//! Register and sign with a phone that is unlocked by PIN; then a wrong PIN.
//!
//! ```
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//! use uaf_authenticator::{Authenticator, Fault, Profile, ScriptedUser, UserAction};
//! use uaf_proto::assertion::{AuthAssertion, RegAssertion};
//! use uaf_proto::command::{
//!     RegisterCommand, RegisterResponse, SignCommand, SignResponse, SignResponseContent,
//! };
//! use uaf_proto::id::Aaid;
//! use uaf_proto::registry::AttestationType;
//! use uaf_proto::status::CmdStatus;
//! use uaf_proto::tlv::TlvList;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let profile = Profile::builder(Aaid::parse("FFFF#FC01")?).build()?;
//! let user = ScriptedUser::approving("1234");
//! let mut phone = Authenticator::new(profile, ChaCha20Rng::seed_from_u64(7), user)?;
//!
//! // The metadata statement the relying party loads for this model.
//! assert!(phone.metadata_statement().contains("\"FFFF#FC01\""));
//!
//! // Register: the ASM sends the final challenge hash and its KHAccessToken.
//! let fch = [0x11; 32];
//! let register = RegisterCommand {
//!     authenticator_index: 0,
//!     app_id: Some("https://example.com/facets.json"),
//!     final_challenge_hash: &fch,
//!     username: "alice",
//!     attestation_type: AttestationType::BasicFull,
//!     kh_access_token: b"asm token",
//!     user_verify_token: None,
//!     extensions: TlvList::empty(),
//! }
//! .encode()?;
//! let response = phone.process(&register);
//! let response = RegisterResponse::parse(&response)?;
//! assert_eq!(response.status, CmdStatus::Ok);
//! let reg = RegAssertion::parse(response.assertion.unwrap_or_default())?;
//! assert_eq!(reg.krd.aaid.as_str(), "FFFF#FC01");
//! let key_handle = response.key_handle.unwrap_or_default().to_vec();
//!
//! // Sign with the key handle the ASM kept.
//! let handles = [key_handle.as_slice()];
//! let sign = SignCommand {
//!     authenticator_index: 0,
//!     app_id: Some("https://example.com/facets.json"),
//!     final_challenge_hash: &fch,
//!     transaction_content: None,
//!     kh_access_token: b"asm token",
//!     user_verify_token: None,
//!     key_handles: TlvList::from_slice(&handles),
//!     extensions: TlvList::empty(),
//! }
//! .encode()?;
//! let response = phone.process(&sign);
//! let SignResponseContent::Assertion(bytes) = SignResponse::parse(&response)?.content else {
//!     panic!("expected an assertion");
//! };
//! let auth = AuthAssertion::parse(bytes)?;
//! assert_eq!(auth.signed_data.key_id, reg.krd.key_id);
//! assert_eq!(auth.signed_data.sign_counter, 1);
//!
//! // A wrong PIN is refused on the phone.
//! phone.user_mut().push(UserAction::EnterPin("0000".into()));
//! let refused = phone.process(&sign);
//! assert_eq!(SignResponse::parse(&refused)?.status, CmdStatus::AccessDenied);
//!
//! // A cloned key: the counter goes back. The relying party must reject it at A5.10.
//! phone.arm(Fault::CounterRollback)?;
//! let response = phone.process(&sign);
//! let SignResponseContent::Assertion(bytes) = SignResponse::parse(&response)?.content else {
//!     panic!("expected an assertion");
//! };
//! assert_eq!(AuthAssertion::parse(bytes)?.signed_data.sign_counter, 0);
//! assert_eq!(Fault::CounterRollback.expected_step(), "A5.10");
//! # Ok(())
//! # }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod fault;

#[cfg(feature = "alloc")]
mod assemble;
#[cfg(feature = "alloc")]
mod authenticator;
#[cfg(feature = "alloc")]
mod cert;
#[cfg(feature = "alloc")]
mod error;
#[cfg(feature = "alloc")]
mod keys;
#[cfg(feature = "alloc")]
mod metadata;
#[cfg(feature = "alloc")]
mod profile;
#[cfg(feature = "alloc")]
mod user;

pub use fault::{Fault, KrdMember, Operation, Requirements, SignedDataMember};

#[cfg(feature = "alloc")]
pub use authenticator::{Authenticator, MAX_GLOBAL_COUNTER_STEP, MAX_KEY_HANDLES};
#[cfg(feature = "alloc")]
pub use cert::{AttestationCredentials, TEST_CA_NAME, TestCa, legacy_v1_certificate};
#[cfg(feature = "alloc")]
pub use error::Error;
#[cfg(feature = "alloc")]
pub use profile::{
    AttestationConfig, Counters, DEFAULT_VERIFICATION_ATTEMPTS, KeyStorage, Profile,
    ProfileBuilder, TransactionDisplay,
};
/// The PNG display descriptor of [`TransactionDisplay::Png`] (`uaf-proto`'s, re-exported).
#[cfg(feature = "alloc")]
pub use uaf_proto::png::DisplayPngCharacteristicsDescriptor;
#[cfg(feature = "alloc")]
pub use user::{
    RecordedVerification, ScriptedUser, ShownTransaction, TransactionDecision, TransactionPrompt,
    UserAction, UserVerifier, Verification, VerificationRequest,
};
