//! Errors of the verifier: what failed ([`ErrorKind`]), at which step ([`StepId`]), and the
//! one total function that maps any error to its UAF status code ([`Error::status`]).
//!
//! The mapping follows the status table of the conformance vector format
//! (`shared/spec/conformance-vectors.md`, "Status codes in specific mode"); in
//! [`StatusCodeMode::Conformance`] every rejected response answers 1498, as the FIDO
//! conformance tool expects (digest §3.1).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

use uaf_crypto::CryptoError;
use uaf_crypto::attestation::AttestationError;
use uaf_metadata::Unacceptable;
use uaf_proto::assertion::{AssertionError, AssertionKind};
use uaf_proto::b64::Base64Error;
use uaf_proto::message::{MessageError, Version};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_proto::status::UafStatusCode;

use crate::policy::{AuthenticatorRejection, PolicyDecision};
use crate::step::StepId;

/// How rejections are reported as UAF status codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StatusCodeMode {
    /// The code that says what went wrong (1491 stale challenge, 1481 unknown KeyID, …).
    #[default]
    Specific,
    /// 1498 for every rejected registration or authentication response: what the FIDO UAF
    /// conformance tool expects. Internal errors stay 1500.
    Conformance,
}

/// The cause group of an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorGroup {
    /// The input does not decode (JSON, base64, TLV).
    Decode,
    /// The response is not bound to what was issued (version, op, AppID, challenge, facet,
    /// channel).
    Binding,
    /// A signature or key problem.
    Crypto,
    /// The attestation is not accepted.
    Attestation,
    /// The authenticator or its use is not allowed (metadata, policy, algorithms).
    Policy,
    /// The sign counter did not advance.
    Counter,
    /// A store failed.
    Storage,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    // ----- decode -----
    /// The response message does not decode (JSON, member types, sizes, base64).
    Message(MessageError),
    /// `fcParams` does not decode to a `FinalChallengeParams`.
    FcParams(MessageError),
    /// An `assertion` value is not valid base64url under the RP's policy.
    AssertionBase64(Base64Error),
    /// The assertion TLV is malformed.
    Assertion(AssertionError),
    /// An unknown critical extension (TLV 0x3E11 or `fail_if_unknown`), by id.
    UnknownCriticalExtension {
        /// The extension id.
        id: String,
    },
    // ----- binding -----
    /// `header.upv` is not a version the RP supports.
    UnsupportedVersion {
        /// The version received.
        found: Version,
    },
    /// `header.upv` differs from the version of the request.
    VersionMismatch {
        /// The request's version.
        expected: Version,
        /// The version received.
        found: Version,
    },
    /// `header.op` is not the operation of the request.
    WrongOperation,
    /// `header.appID` differs from the request's AppID.
    HeaderAppIdMismatch,
    /// `header.serverData` is missing or differs from what was issued.
    ServerDataMismatch,
    /// `fcParams.appID` is not the AppID of the operation.
    FcAppIdMismatch,
    /// `fcParams.challenge` is not the challenge of this request.
    ChallengeMismatch,
    /// The challenge has expired.
    ChallengeExpired {
        /// When it was issued (unix seconds).
        issued_at: u64,
        /// The time of verification.
        now: u64,
    },
    /// The pending request was already used (replay) or never issued.
    ChallengeUnknown,
    /// `fcParams.facetID` is not in the trusted facet list.
    UntrustedFacet {
        /// The facet ID received.
        facet_id: String,
    },
    /// A channel binding member differs from what the RP observed.
    ChannelBindingMismatch {
        /// The member (`serverEndPoint`, `tlsServerCertificate`, `tlsUnique`, `cid_pubkey`).
        member: &'static str,
    },
    // ----- per assertion: metadata and policy -----
    /// `assertionScheme` is not `UAFV1TLV`.
    UnsupportedAssertionScheme {
        /// The scheme received.
        scheme: String,
    },
    /// No metadata for the AAID.
    UnknownAaid,
    /// The policy, or the RP's user-verification / attestation requirement, rejects the
    /// authenticator.
    Policy(AuthenticatorRejection),
    /// The verified assertions of the response, together, satisfy no `accepted` entry of the
    /// request policy: an AND-set needs each of its criteria matched by a different
    /// authenticator of the response (digest §2.12). The decision says which criterion each
    /// assertion matched and which stayed unmatched.
    PolicyNotSatisfied(Box<PolicyDecision>),
    /// A metadata status report makes the authenticator unacceptable.
    Revoked(Unacceptable),
    /// `AuthenticationMode` is not allowed here.
    WrongAuthenticationMode {
        /// The mode received.
        mode: u8,
    },
    /// The RP does not accept this signature algorithm.
    AlgorithmNotAccepted {
        /// The algorithm.
        alg: AlgSign,
    },
    /// The metadata does not list this signature algorithm.
    AlgorithmNotInMetadata {
        /// The algorithm.
        alg: AlgSign,
    },
    /// The metadata does not list this public key encoding.
    KeyEncodingNotInMetadata {
        /// The encoding.
        encoding: AlgKey,
    },
    /// The authentication uses another algorithm than the one registered.
    AlgorithmNotAsRegistered {
        /// Registered.
        registered: AlgSign,
        /// Received.
        found: AlgSign,
    },
    // ----- per assertion: content -----
    /// `TAG_FINAL_CHALLENGE_HASH` differs from `H(fcParams)`.
    FinalChallengeHashMismatch,
    /// The KeyID length is outside 32..=2048 bytes.
    KeyIdLength {
        /// The length received.
        len: usize,
    },
    /// The (AAID, KeyID) is registered already.
    AlreadyRegistered,
    /// `TAG_PUB_KEY` does not decode or does not fit the algorithm.
    UnacceptableKey(CryptoError),
    /// The (AAID, KeyID) is not registered (for the user of the request).
    UnknownKeyId,
    /// The (AAID, KeyID) is not one of the keys the pending authentication allows
    /// ([`crate::AuthenticationRequirements::allowed_keys`]).
    KeyNotAllowed,
    /// The authenticator nonce is shorter than 8 bytes.
    NonceTooShort {
        /// Its length.
        len: usize,
    },
    /// The transaction mode or content hash does not agree with the request.
    Transaction(TransactionProblem),
    /// The signature does not verify (or does not decode) with the stored key.
    SignatureInvalid(CryptoError),
    // ----- attestation -----
    /// The attestation type is not allowed (metadata, RP requirement or not implemented).
    AttestationTypeNotAllowed {
        /// The type received.
        found: AttestationType,
    },
    /// Basic surrogate attestation for a model whose metadata lists attestation roots.
    SurrogateWithRoots,
    /// ECDAA attestation is parsed but not verified by this implementation.
    EcdaaUnsupported,
    /// The attestation certificate chain is not trusted.
    AttestationChain(AttestationError),
    /// The attestation signature over the KRD does not verify.
    AttestationSignature(CryptoError),
    // ----- counter -----
    /// The sign counter did not advance: the key may have been cloned.
    CounterRegressed {
        /// The stored counter.
        stored: u32,
        /// The received counter.
        received: u32,
    },
    // ----- storage / internal -----
    /// A store failed; the store's own error is kept as the source.
    Storage(StorageError),
    /// Every assertion was skipped; the first failure is kept (its step and kind decide the
    /// status), the count says how many assertions failed.
    NoAssertionVerified {
        /// The first assertion's failure.
        first: Box<Error>,
        /// How many assertions the response held.
        count: usize,
    },
}

/// What is wrong with a transaction confirmation (digest §3.3 A5.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransactionProblem {
    /// No transaction was sent, but the mode is 0x02 or the content hash is not empty.
    NotRequested,
    /// A transaction was sent, but the mode is 0x01 (not confirmed).
    NotConfirmed,
    /// The content hash matches none of the transaction variants sent.
    HashMismatch,
    /// The metadata says the authenticator cannot display transactions.
    NoDisplay,
}

impl fmt::Display for TransactionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransactionProblem::NotRequested => {
                "no transaction was sent, but the assertion claims one (mode 0x02 or a content hash)"
            }
            TransactionProblem::NotConfirmed => {
                "a transaction was sent, but the assertion does not confirm it (mode 0x01)"
            }
            TransactionProblem::HashMismatch => {
                "the transaction content hash matches none of the transactions sent"
            }
            TransactionProblem::NoDisplay => {
                "the metadata says this authenticator has no transaction confirmation display"
            }
        })
    }
}

impl ErrorKind {
    /// The cause group.
    #[must_use]
    pub fn group(&self) -> ErrorGroup {
        use ErrorKind::*;
        match self {
            Message(_)
            | FcParams(_)
            | AssertionBase64(_)
            | Assertion(_)
            | UnknownCriticalExtension { .. }
            | NonceTooShort { .. }
            | KeyIdLength { .. } => ErrorGroup::Decode,
            UnsupportedVersion { .. }
            | VersionMismatch { .. }
            | WrongOperation
            | HeaderAppIdMismatch
            | ServerDataMismatch
            | FcAppIdMismatch
            | ChallengeMismatch
            | ChallengeExpired { .. }
            | ChallengeUnknown
            | UntrustedFacet { .. }
            | ChannelBindingMismatch { .. }
            | FinalChallengeHashMismatch
            | Transaction(_) => ErrorGroup::Binding,
            UnsupportedAssertionScheme { .. }
            | UnknownAaid
            | Policy(_)
            | PolicyNotSatisfied(_)
            | Revoked(_)
            | WrongAuthenticationMode { .. }
            | AlgorithmNotAccepted { .. }
            | AlgorithmNotInMetadata { .. }
            | KeyEncodingNotInMetadata { .. }
            | AlgorithmNotAsRegistered { .. }
            | AlreadyRegistered
            | UnknownKeyId
            | KeyNotAllowed => ErrorGroup::Policy,
            UnacceptableKey(_) | SignatureInvalid(_) => ErrorGroup::Crypto,
            AttestationTypeNotAllowed { .. }
            | SurrogateWithRoots
            | EcdaaUnsupported
            | AttestationChain(_)
            | AttestationSignature(_) => ErrorGroup::Attestation,
            CounterRegressed { .. } => ErrorGroup::Counter,
            Storage(_) => ErrorGroup::Storage,
            NoAssertionVerified { first, .. } => first.kind.group(),
        }
    }

    /// A short stable name of the error kind (`counter.regressed`, `binding.challenge-expired`),
    /// as used in the `expect.error` field of conformance vectors.
    #[must_use]
    pub fn code(&self) -> &'static str {
        use ErrorKind::*;
        match self {
            Message(_) => "decode.message",
            FcParams(_) => "decode.fc-params",
            AssertionBase64(_) => "decode.assertion-base64",
            Assertion(_) => "decode.assertion-tlv",
            UnknownCriticalExtension { .. } => "decode.unknown-critical-extension",
            NonceTooShort { .. } => "decode.nonce-too-short",
            KeyIdLength { .. } => "decode.key-id-length",
            UnsupportedVersion { .. } => "binding.unsupported-version",
            VersionMismatch { .. } => "binding.version-mismatch",
            WrongOperation => "binding.wrong-operation",
            HeaderAppIdMismatch => "binding.header-app-id",
            ServerDataMismatch => "binding.server-data",
            FcAppIdMismatch => "binding.fc-app-id",
            ChallengeMismatch => "binding.challenge-mismatch",
            ChallengeExpired { .. } => "binding.challenge-expired",
            ChallengeUnknown => "binding.challenge-unknown",
            UntrustedFacet { .. } => "binding.untrusted-facet",
            ChannelBindingMismatch { .. } => "binding.channel-binding",
            FinalChallengeHashMismatch => "binding.final-challenge-hash",
            Transaction(_) => "binding.transaction",
            UnsupportedAssertionScheme { .. } => "policy.assertion-scheme",
            UnknownAaid => "policy.unknown-aaid",
            Policy(_) => "policy.rejected",
            PolicyNotSatisfied(_) => "policy.not-satisfied",
            Revoked(_) => "policy.revoked",
            WrongAuthenticationMode { .. } => "policy.authentication-mode",
            AlgorithmNotAccepted { .. } => "policy.algorithm-not-accepted",
            AlgorithmNotInMetadata { .. } => "policy.algorithm-not-in-metadata",
            KeyEncodingNotInMetadata { .. } => "policy.key-encoding-not-in-metadata",
            AlgorithmNotAsRegistered { .. } => "policy.algorithm-not-as-registered",
            AlreadyRegistered => "policy.already-registered",
            UnknownKeyId => "policy.unknown-key-id",
            KeyNotAllowed => "policy.key-not-allowed",
            UnacceptableKey(_) => "crypto.unacceptable-key",
            SignatureInvalid(_) => "crypto.signature-invalid",
            AttestationTypeNotAllowed { .. } => "attestation.type-not-allowed",
            SurrogateWithRoots => "attestation.surrogate-with-roots",
            EcdaaUnsupported => "attestation.ecdaa-unsupported",
            AttestationChain(_) => "attestation.chain",
            AttestationSignature(_) => "attestation.signature",
            CounterRegressed { .. } => "counter.regressed",
            Storage(_) => "storage.failed",
            NoAssertionVerified { first, .. } => first.kind.code(),
        }
    }

    /// The UAF status code in [`StatusCodeMode::Specific`] (the conformance vector table).
    #[must_use]
    pub fn specific_status(&self) -> UafStatusCode {
        use ErrorKind::*;
        match self {
            ChallengeExpired { .. } | ChallengeUnknown | ChallengeMismatch | ServerDataMismatch => {
                UafStatusCode::RequestInvalid
            }
            ChannelBindingMismatch { .. } => UafStatusCode::ChannelBindingRefused,
            UnknownAaid => UafStatusCode::UnknownAaid,
            UnknownKeyId => UafStatusCode::UnknownKeyId,
            Policy(_) | PolicyNotSatisfied(_) | KeyNotAllowed => {
                UafStatusCode::UnacceptableAuthenticator
            }
            Revoked(_) => UafStatusCode::RevokedAuthenticator,
            UnacceptableKey(_) | KeyEncodingNotInMetadata { .. } => UafStatusCode::UnacceptableKey,
            AlgorithmNotAccepted { .. } | AlgorithmNotInMetadata { .. } => {
                UafStatusCode::UnacceptableAlgorithm
            }
            AttestationTypeNotAllowed { .. }
            | SurrogateWithRoots
            | EcdaaUnsupported
            | AttestationChain(_)
            | AttestationSignature(_) => UafStatusCode::UnacceptableAttestation,
            Storage(_) => UafStatusCode::InternalServerError,
            NoAssertionVerified { first, .. } => first.kind.specific_status(),
            Message(_)
            | FcParams(_)
            | AssertionBase64(_)
            | Assertion(_)
            | UnknownCriticalExtension { .. }
            | NonceTooShort { .. }
            | KeyIdLength { .. }
            | UnsupportedVersion { .. }
            | VersionMismatch { .. }
            | WrongOperation
            | HeaderAppIdMismatch
            | FcAppIdMismatch
            | UntrustedFacet { .. }
            | FinalChallengeHashMismatch
            | Transaction(_)
            | UnsupportedAssertionScheme { .. }
            | WrongAuthenticationMode { .. }
            | AlgorithmNotAsRegistered { .. }
            | AlreadyRegistered
            | SignatureInvalid(_)
            | CounterRegressed { .. } => UafStatusCode::UnacceptableContent,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            Message(e) => write!(f, "the response message is malformed: {e}"),
            FcParams(e) => write!(f, "fcParams is malformed: {e}"),
            AssertionBase64(e) => write!(f, "the assertion is not valid base64url: {e}"),
            Assertion(e) => write!(f, "the assertion TLV is malformed: {e}"),
            UnknownCriticalExtension { id } => {
                write!(
                    f,
                    "unknown critical extension {id:?}: the operation must fail"
                )
            }
            UnsupportedVersion { found } => {
                write!(
                    f,
                    "protocol version {}.{} is not supported",
                    found.major, found.minor
                )
            }
            VersionMismatch { expected, found } => write!(
                f,
                "the response is version {}.{} but the request was {}.{}",
                found.major, found.minor, expected.major, expected.minor
            ),
            WrongOperation => f.write_str("header.op is not the operation of the request"),
            HeaderAppIdMismatch => f.write_str("header.appID is not the AppID of the request"),
            ServerDataMismatch => f.write_str("header.serverData is not the value issued"),
            FcAppIdMismatch => f.write_str("fcParams.appID is not the AppID of this operation"),
            ChallengeMismatch => f.write_str("fcParams.challenge is not the challenge issued"),
            ChallengeExpired { issued_at, now } => write!(
                f,
                "the challenge issued at {issued_at} has expired (now {now}); start again"
            ),
            ChallengeUnknown => {
                f.write_str("no pending request for this response: never issued, or already used")
            }
            UntrustedFacet { facet_id } => {
                write!(f, "facet {facet_id:?} is not in the trusted facet list")
            }
            ChannelBindingMismatch { member } => {
                write!(
                    f,
                    "channel binding {member} differs from the TLS channel the server saw"
                )
            }
            UnsupportedAssertionScheme { scheme } => {
                write!(
                    f,
                    "assertion scheme {scheme:?} is not supported (expected \"UAFV1TLV\")"
                )
            }
            UnknownAaid => f.write_str("no metadata statement for this AAID"),
            Policy(r) => write!(f, "the authenticator is not acceptable: {r}"),
            PolicyNotSatisfied(d) => {
                write!(f, "the response does not satisfy the request policy: {d}")
            }
            Revoked(u) => write!(f, "the authenticator is not acceptable: {u}"),
            WrongAuthenticationMode { mode } => {
                write!(f, "authentication mode 0x{mode:02X} is not allowed here")
            }
            AlgorithmNotAccepted { alg } => write!(f, "the RP does not accept {alg}"),
            AlgorithmNotInMetadata { alg } => {
                write!(f, "the metadata statement does not list {alg}")
            }
            KeyEncodingNotInMetadata { encoding } => {
                write!(
                    f,
                    "the metadata statement does not list key encoding {encoding}"
                )
            }
            AlgorithmNotAsRegistered { registered, found } => {
                write!(
                    f,
                    "signed with {found}, but the key was registered for {registered}"
                )
            }
            FinalChallengeHashMismatch => {
                f.write_str("the final challenge hash is not the hash of fcParams as received")
            }
            KeyIdLength { len } => write!(f, "KeyID is {len} bytes; 32..=2048 are allowed"),
            AlreadyRegistered => f.write_str("this (AAID, KeyID) is registered already"),
            UnacceptableKey(e) => write!(f, "the public key is not acceptable: {e}"),
            UnknownKeyId => f.write_str("no registration for this (AAID, KeyID) and user"),
            KeyNotAllowed => {
                f.write_str("this (AAID, KeyID) is not one of the keys allowed for this request")
            }
            NonceTooShort { len } => {
                write!(
                    f,
                    "the authenticator nonce is {len} bytes; at least 8 are required"
                )
            }
            Transaction(p) => write!(f, "transaction confirmation: {p}"),
            SignatureInvalid(e) => write!(f, "the signature does not verify: {e}"),
            AttestationTypeNotAllowed { found } => write!(f, "attestation {found} is not allowed"),
            SurrogateWithRoots => f.write_str(
                "surrogate attestation, but the metadata lists attestation roots for this model",
            ),
            EcdaaUnsupported => f.write_str("ECDAA attestation is not supported"),
            AttestationChain(e) => write!(f, "the attestation chain is not trusted: {e}"),
            AttestationSignature(e) => {
                write!(
                    f,
                    "the attestation signature over the KRD does not verify: {e}"
                )
            }
            CounterRegressed { stored, received } => write!(
                f,
                "sign counter {received} did not advance past {stored}: the key may have been cloned"
            ),
            Storage(e) => write!(f, "storage failed: {e}"),
            NoAssertionVerified { first, count } => {
                write!(f, "none of {count} assertion(s) verified; first: {first}")
            }
        }
    }
}

/// A verification failure: the step that failed and why.
///
/// Built with [`Error::new`]; more fields may be added, so it is `#[non_exhaustive]`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    /// The processing step that failed.
    pub step: StepId,
    /// What went wrong.
    pub kind: ErrorKind,
    /// The index of the assertion concerned, for per-assertion steps.
    pub assertion: Option<usize>,
}

impl Error {
    /// An error at `step`.
    #[must_use]
    pub const fn new(step: StepId, kind: ErrorKind) -> Self {
        Error {
            step,
            kind,
            assertion: None,
        }
    }

    /// A malformed assertion of `kind`, at the step `uaf-proto`'s table of that rule names
    /// ([`AssertionError::digest_step`]: the first failing check in digest order).
    pub(crate) fn malformed(kind: AssertionKind, e: AssertionError) -> Self {
        let tlv = match kind {
            AssertionKind::Reg => StepId::RegTlv,
            AssertionKind::Auth => StepId::AuthTlv,
        };
        // Every label of the table names a step (tested); the TLV step is the fallback.
        let step = StepId::from_digest_label(e.digest_step(kind)).unwrap_or(tlv);
        Error::new(step, ErrorKind::Assertion(e))
    }

    /// The same error, about assertion `index`.
    #[must_use]
    pub fn at_assertion(mut self, index: usize) -> Self {
        self.assertion = Some(index);
        self
    }

    /// The step that decides the status: for [`ErrorKind::NoAssertionVerified`], the first
    /// assertion's step.
    #[must_use]
    pub fn decisive_step(&self) -> StepId {
        match &self.kind {
            ErrorKind::NoAssertionVerified { first, .. } => first.decisive_step(),
            _ => self.step,
        }
    }

    /// The UAF status code to answer with. Total: every error has one, in both modes.
    #[must_use]
    pub fn status(&self, mode: StatusCodeMode) -> UafStatusCode {
        let specific = self.kind.specific_status();
        match mode {
            StatusCodeMode::Specific => specific,
            StatusCodeMode::Conformance if specific == UafStatusCode::InternalServerError => {
                specific
            }
            StatusCodeMode::Conformance => UafStatusCode::UnacceptableContent,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.assertion {
            Some(i) => write!(
                f,
                "{} {}: assertion {i}: {}",
                self.step.id(),
                self.step.digest_label(),
                self.kind
            ),
            None => write!(
                f,
                "{} {}: {}",
                self.step.id(),
                self.step.digest_label(),
                self.kind
            ),
        }
    }
}

/// The message already says everything (a storage failure's text included), so no `source`
/// is returned, which keeps error reporters from printing it twice; the typed store error is
/// in [`ErrorKind::Storage`].
impl core::error::Error for Error {}

/// A storage failure (a credential store, a pending store, a [`crate::RegistrationLookup`]),
/// with the store's own error kept as its source.
///
/// Transparent: it displays as the store's error and forwards its `source`. Cheap to clone
/// (the store's error is shared); two values are equal when they are clones of one failure.
#[derive(Clone)]
pub struct StorageError {
    source: Arc<dyn core::error::Error + Send + Sync>,
}

impl StorageError {
    /// Wraps the store's error.
    #[must_use]
    pub fn new<E: core::error::Error + Send + Sync + 'static>(source: E) -> Self {
        StorageError {
            source: Arc::new(source),
        }
    }

    /// Wraps an already boxed error.
    #[must_use]
    pub fn from_boxed(source: Box<dyn core::error::Error + Send + Sync>) -> Self {
        StorageError {
            source: Arc::from(source),
        }
    }

    /// The store's error.
    #[must_use]
    pub fn get_ref(&self) -> &(dyn core::error::Error + Send + Sync + 'static) {
        &*self.source
    }

    /// The store's error as `E`, if it is one.
    #[must_use]
    pub fn downcast_ref<E: core::error::Error + 'static>(&self) -> Option<&E> {
        let source: &(dyn core::error::Error + 'static) = &*self.source;
        source.downcast_ref::<E>()
    }
}

impl fmt::Debug for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StorageError").field(&self.source).finish()
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl PartialEq for StorageError {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::addr_eq(Arc::as_ptr(&self.source), Arc::as_ptr(&other.source))
    }
}

impl Eq for StorageError {}

impl core::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        self.source.source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn conformance_mode_collapses_to_1498_but_keeps_1500() {
        let e = Error::new(StepId::AuthChallenge, ErrorKind::ChallengeUnknown);
        assert_eq!(
            e.status(StatusCodeMode::Specific),
            UafStatusCode::RequestInvalid
        );
        assert_eq!(
            e.status(StatusCodeMode::Conformance),
            UafStatusCode::UnacceptableContent
        );
        #[derive(Debug)]
        struct Disk;
        impl fmt::Display for Disk {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("disk")
            }
        }
        impl core::error::Error for Disk {}
        let e = Error::new(
            StepId::AuthRegistration,
            ErrorKind::Storage(StorageError::new(Disk)),
        );
        let ErrorKind::Storage(s) = &e.kind else {
            unreachable!()
        };
        assert!(s.downcast_ref::<Disk>().is_some(), "the source is kept");
        assert_eq!(s.to_string(), "disk");
        assert_eq!(e.clone(), e, "clones of one failure are equal");
        assert_ne!(ErrorKind::Storage(StorageError::new(Disk)), e.kind);
        assert_eq!(
            e.status(StatusCodeMode::Conformance),
            UafStatusCode::InternalServerError
        );
    }

    #[test]
    fn no_assertion_verified_takes_the_first() {
        let first = Error::new(StepId::AuthRegistration, ErrorKind::UnknownKeyId).at_assertion(0);
        let e = Error::new(
            StepId::AuthResult,
            ErrorKind::NoAssertionVerified {
                first: Box::new(first),
                count: 2,
            },
        );
        assert_eq!(
            e.status(StatusCodeMode::Specific),
            UafStatusCode::UnknownKeyId
        );
        assert_eq!(e.decisive_step(), StepId::AuthRegistration);
        assert_eq!(e.kind.code(), "policy.unknown-key-id");
    }
}
