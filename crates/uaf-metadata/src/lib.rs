//! # uaf-metadata — FIDO metadata for a UAF relying party
//!
//! What a FIDO UAF 1.1 verifier needs to know about an authenticator model, read from its
//! metadata statement: which signature algorithms and key encodings it uses, which
//! attestation it does and with which trust anchors, how it verifies users, whether it can
//! confirm transactions — plus the FIDO Metadata Service (MDS3) status reports that say
//! whether the model may still be trusted (digest §8).
//!
//! | item | what |
//! |---|---|
//! | [`MetadataStatement`] | one typed statement, read from the UAF 1.0/1.1 numeric form **and** the MDS3 string form |
//! | [`MetadataEntry`] | a statement with its [`StatusReport`]s: a bare statement or an MDS3 BLOB entry |
//! | [`acceptability`] | the one verdict on the status reports: acceptable, or [`Unacceptable`] and why |
//! | [`MetadataSource`] | look-up by AAID (case-insensitive), the seam the verifier uses |
//! | [`MetadataIndex`] | in-memory source; [`MetadataIndex::load_dir`] loads a directory (`std`) |
//! | [`BlobVerifier`] → [`MetadataBlob`] | the FIDO Metadata Service (MDS3) BLOB: JWS, `x5c` chain with CRLs, `no`, `nextUpdate`, UAF entries into a [`MetadataIndex`] ([`blob`]) |
//!
//! Reading is strict: a missing required member, a wrong JSON type or a registry string the
//! FIDO registry does not define is a [`MetadataError`] that names the field path
//! (`metadataStatement.userVerificationDetails[0][1].userVerificationMethod`). Unknown
//! members are ignored; registry *numbers* the registry does not define are kept as
//! `Unknown(n)` (or unknown bits). The one relaxation, whitespace inside base64 certificates,
//! is an explicit [`ParseOptions`] switch.
//!
//! ## The Metadata Service BLOB
//! [`BlobVerifier::verify`] takes the BLOB as downloaded from `https://mds3.fidoalliance.org/`
//! (a compact JWS, MDS v3.0 §3.1.6) and checks it as MDS v3.0 §3.2 says: the `x5c` chain to a
//! trust anchor ([`FIDO_MDS_ROOT_DER`] by default, replaceable) at the time you pass, each
//! certificate not revoked by the CRLs you pass (skipping that is the named
//! [`BlobVerifier::danger_skip_revocation`]), the signature (ES256, RS256, PS256, EdDSA) over
//! the bytes received, and `no` greater than the last one you accepted. `x5u` is refused: the
//! library fetches nothing. The UAF entries (with `aaid`) become a [`MetadataIndex`] with their
//! status reports; FIDO2/U2F entries are counted and skipped. Each failure is a [`BlobError`]
//! that names what failed, down to the payload field path (`entries[3].statusReports[0].status`).
//!
//! ```
//! use uaf_metadata::{BlobError, BlobVerifier, MetadataIndex};
//!
//! /// Accepts a newly downloaded BLOB, or keeps the old index (the caller logs the error).
//! fn refresh(
//!     text: &str,
//!     crls: &[&[u8]],   // DER CRLs, downloaded with the BLOB
//!     last_no: u64,     // `no` of the BLOB in force
//!     now: u64,         // seconds since the Unix epoch
//! ) -> Result<(u64, MetadataIndex), BlobError> {
//!     let blob = BlobVerifier::new(now, crls) // trusts the FIDO MDS root
//!         .last_accepted_no(last_no)
//!         .verify(text)?;
//!     // `blob.next_update()` says when to download again; `blob.skipped_non_uaf()` counts
//!     // the FIDO2/U2F entries.
//!     Ok((blob.no(), blob.into_index()))
//! }
//!
//! let err = refresh("not a BLOB", &[], 41, 1_767_225_600).unwrap_err();
//! assert!(matches!(err, BlobError::NotCompactJws { .. }));
//! ```
//!
//! ## Not for
//! Downloading the BLOB or its CRLs: the caller fetches them (the library does no I/O beyond
//! reading files under `std`). Not for checking attestation certificates or signatures of UAF
//! messages (`uaf-crypto`), nor for deciding a registration (`uaf-rp`). FIDO2/U2F statements
//! (no `aaid`) are out of scope.
//!
//! ## Features
//! - `alloc`: everything above except files and the clock, BLOB verification included;
//!   `#![no_std]`. Every error type implements `core::error::Error` (the same trait as
//!   `std::error::Error`).
//! - `std` (default): implies `alloc`; adds [`MetadataIndex::load_dir`] and [`LoadError`],
//!   [`BlobVerifier::verify_file`], [`read_der_or_pem`] and [`system_time_unix_secs`].
//! - `rsa` (default): RS256/PS256 BLOB signatures and RSA certificate chains, which the FIDO
//!   Metadata Service uses (RS256 under an RSA root). Without it such BLOBs fail with
//!   [`BlobError::Chain`] or [`BlobError::Signature`].
//! - Without `alloc` the crate is empty (statements need a heap).
//!
//! ## Example
//! ```
//! use uaf_metadata::{MetadataEntry, MetadataIndex, MetadataSource, acceptability};
//! use uaf_proto::id::Aaid;
//! use uaf_proto::registry::{AlgKey, AlgSign, AttestationType, UserVerify};
//!
//! // An MDS3 BLOB entry (MDS v3.0 §3.1.1) around an MDS3 statement (metadata statement v3.0 §4).
//! let json = r#"{
//!   "aaid": "4e4e#4005",
//!   "metadataStatement": {
//!     "aaid": "4e4e#4005", "description": "Phone PIN or fingerprint",
//!     "authenticatorVersion": 256, "protocolFamily": "uaf", "schema": 3,
//!     "upv": [{"major": 1, "minor": 1}],
//!     "authenticationAlgorithms": ["secp256r1_ecdsa_sha256_raw"],
//!     "publicKeyAlgAndEncodings": ["ecc_x962_raw"],
//!     "attestationTypes": ["basic_surrogate"],
//!     "userVerificationDetails": [[{"userVerificationMethod": "passcode_internal"}],
//!                                 [{"userVerificationMethod": "fingerprint_internal"}]],
//!     "keyProtection": ["hardware", "tee"], "matcherProtection": ["tee"],
//!     "attachmentHint": ["internal"], "tcDisplay": [],
//!     "attestationRootCertificates": []
//!   },
//!   "statusReports": [{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2021-05-18"}],
//!   "timeOfLastStatusChange": "2021-05-18"
//! }"#;
//! let mut index = MetadataIndex::new();
//! index.insert(MetadataEntry::from_json(json)?)?;
//!
//! // The verifier looks the KRD's AAID up (hex digits compare case-insensitively) ...
//! let entry = index.lookup(&Aaid::parse("4E4E#4005")?).ok_or("unknown authenticator")?;
//! // ... checks the status reports with the assertion's AuthenticatorVersion ...
//! acceptability(entry, Some(256))?;
//! // ... and the assertion's algorithms against the statement.
//! let statement = entry.statement();
//! assert!(statement.supports_sign_alg(AlgSign::Secp256r1EcdsaSha256Raw));
//! assert!(!statement.supports_sign_alg(AlgSign::Secp256r1EcdsaSha256Der));
//! assert!(statement.supports_key_encoding(AlgKey::EccX962Raw));
//! assert!(statement.supports_attestation(AttestationType::BasicSurrogate));
//! assert!(statement.supports_assertion_scheme("UAFV1TLV"));
//! assert_eq!(statement.user_verification_methods(), UserVerify::PASSCODE | UserVerify::FINGERPRINT);
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
pub mod blob;
#[cfg(feature = "std")]
mod blob_file;
#[cfg(feature = "alloc")]
mod entry;
#[cfg(feature = "alloc")]
mod error;
#[cfg(feature = "alloc")]
mod index;
#[cfg(feature = "alloc")]
mod json;
#[cfg(feature = "std")]
mod load;
#[cfg(feature = "alloc")]
mod options;
#[cfg(feature = "alloc")]
mod statement;
#[cfg(feature = "alloc")]
mod status;

#[cfg(feature = "alloc")]
pub use blob::{BlobError, BlobVerifier, FIDO_MDS_ROOT_DER, MetadataBlob};
#[cfg(feature = "std")]
pub use blob_file::{BlobFileError, read_der_or_pem, system_time_unix_secs};
#[cfg(feature = "alloc")]
pub use entry::MetadataEntry;
#[cfg(feature = "alloc")]
pub use error::MetadataError;
#[cfg(feature = "alloc")]
pub use index::{IndexError, MetadataIndex, MetadataSource};
#[cfg(feature = "std")]
pub use load::LoadError;
#[cfg(feature = "alloc")]
pub use options::ParseOptions;
#[cfg(feature = "alloc")]
pub use statement::{
    BiometricAccuracyDescriptor, CodeAccuracyDescriptor, DisplayPngCharacteristicsDescriptor,
    EcdaaTrustAnchor, ExtensionDescriptor, MetadataStatement, PatternAccuracyDescriptor,
    ProtocolFamily, RgbPaletteEntry, StatementForm, VerificationMethodDescriptor, Version,
};
#[cfg(feature = "alloc")]
pub use status::{
    AuthenticatorStatus, IsoDate, IsoDateError, StatusReport, Unacceptable, acceptability,
};
