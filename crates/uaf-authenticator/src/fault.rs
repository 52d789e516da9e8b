//! The enumerated faults: deliberately defective registration and authentication assertions.
//!
//! Each [`Fault`] names one defect that a FIDO UAF server must reject: every TLV mutation of
//! the FIDO conformance tool's `Server-Reg-Resp-6` and `Server-Auth-Resp-6` tests (digest
//! §10.3), plus counter, transaction, user-verification and attestation faults of digest §3.2
//! and §3.3. A fault is armed on an [`Authenticator`](crate::Authenticator) and applied to the
//! next Register (for [`Operation::Reg`]) or Sign (for [`Operation::Auth`]) command whose
//! situation it fits ([`Fault::requirements`]).
//!
//! **One defect only.** A faulty assertion differs from the valid one the authenticator would
//! have produced in exactly the way the fault says. When the defect lies inside the signed
//! block (the KRD or the SignedData), the signature is made over the faulty bytes, so that the
//! server's own check of that defect is exercised, not its signature check.
//!
//! **Expectations.** [`Fault::expected_step`] is the label in the spec digest §3 of the server
//! step that must reject the assertion (`R5.7`, `A5.10`, …: the vocabulary of the
//! conformance vectors' `expect.step`; `uaf-rp`'s `StepId::digest_label`), and
//! [`Fault::expected_status`] the UAF status code in "specific" mode (the table "Status codes in
//! specific mode" of the conformance-vector format). In "conformance" mode every one of them is
//! 1498. The rule for structure faults, the one `uaf-rp` applies (the conformance-vector
//! format's "Step" rule: the first failing check in digest order): what `uaf-proto`'s strict
//! assertion parser rejects is malformed (status 1498), reported at the step that
//! `uaf-proto`'s one table of that rule names
//! ([`Malformation::digest_step`](uaf_proto::assertion::Malformation::digest_step)): the
//! framing of the assertion (top-level item, trailing bytes, the SignedData / KRD, signature
//! and attestation blocks, misplaced or unknown critical tags) and a KRD member that is
//! missing, repeated or empty break the TLV step (R5.2, A5.2); a SignedData member that is
//! missing, repeated or empty breaks A5.3; a member that is present and non-empty but of the
//! wrong length is reported at the step that fixes that length (`TAG_ASSERTION_INFO` R5.6 /
//! A5.6, `TAG_AUTHENTICATOR_NONCE` A5.7, `TAG_COUNTERS` R5.9 / A5.10).
//!
//! The expectations assume the metadata statement that
//! [`Profile::metadata_statement`](crate::Profile::metadata_statement) writes for the profile
//! (one signature algorithm, one key encoding, the profile's attestation type) and a relying
//! party with default options (strict base64url, counter regressions rejected, no
//! compatibility relaxations).

use core::fmt;

use uaf_proto::assertion::{AssertionKind, Malformation};
use uaf_proto::registry::AttestationType;
use uaf_proto::status::UafStatusCode;
use uaf_proto::tlv::{
    TAG_AAID, TAG_ASSERTION_INFO, TAG_AUTHENTICATOR_NONCE, TAG_COUNTERS, TAG_FINAL_CHALLENGE_HASH,
    TAG_KEYID, TAG_PUB_KEY, TAG_TRANSACTION_CONTENT_HASH,
};

/// The operation whose response a fault corrupts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// Registration: the fault applies to the next Register command (`TAG_UAFV1_REG_ASSERTION`).
    Reg,
    /// Authentication: the fault applies to the next Sign command that produces an assertion
    /// (`TAG_UAFV1_AUTH_ASSERTION`).
    Auth,
}

impl Operation {
    /// The protocol's operation string: `"Reg"` or `"Auth"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Operation::Reg => "Reg",
            Operation::Auth => "Auth",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member of the Key Registration Data, `TAG_UAFV1_KRD` (digest §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum KrdMember {
    /// `TAG_AAID`.
    Aaid,
    /// `TAG_ASSERTION_INFO`.
    AssertionInfo,
    /// `TAG_FINAL_CHALLENGE_HASH`.
    FinalChallengeHash,
    /// `TAG_KEYID`.
    KeyId,
    /// `TAG_COUNTERS`.
    Counters,
    /// `TAG_PUB_KEY`.
    PubKey,
}

impl KrdMember {
    /// Every KRD member, in spec order.
    pub const ALL: &'static [KrdMember] = &[
        KrdMember::Aaid,
        KrdMember::AssertionInfo,
        KrdMember::FinalChallengeHash,
        KrdMember::KeyId,
        KrdMember::Counters,
        KrdMember::PubKey,
    ];

    /// The member's tag.
    #[must_use]
    pub const fn tag(self) -> u16 {
        match self {
            KrdMember::Aaid => TAG_AAID,
            KrdMember::AssertionInfo => TAG_ASSERTION_INFO,
            KrdMember::FinalChallengeHash => TAG_FINAL_CHALLENGE_HASH,
            KrdMember::KeyId => TAG_KEYID,
            KrdMember::Counters => TAG_COUNTERS,
            KrdMember::PubKey => TAG_PUB_KEY,
        }
    }
}

/// A member of the signed data of an authentication, `TAG_UAFV1_SIGNED_DATA` (digest §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SignedDataMember {
    /// `TAG_AAID`.
    Aaid,
    /// `TAG_ASSERTION_INFO`.
    AssertionInfo,
    /// `TAG_AUTHENTICATOR_NONCE`.
    AuthenticatorNonce,
    /// `TAG_FINAL_CHALLENGE_HASH`.
    FinalChallengeHash,
    /// `TAG_TRANSACTION_CONTENT_HASH`.
    TransactionContentHash,
    /// `TAG_KEYID`.
    KeyId,
    /// `TAG_COUNTERS`.
    Counters,
}

impl SignedDataMember {
    /// Every SignedData member, in spec order.
    pub const ALL: &'static [SignedDataMember] = &[
        SignedDataMember::Aaid,
        SignedDataMember::AssertionInfo,
        SignedDataMember::AuthenticatorNonce,
        SignedDataMember::FinalChallengeHash,
        SignedDataMember::TransactionContentHash,
        SignedDataMember::KeyId,
        SignedDataMember::Counters,
    ];

    /// The member's tag.
    #[must_use]
    pub const fn tag(self) -> u16 {
        match self {
            SignedDataMember::Aaid => TAG_AAID,
            SignedDataMember::AssertionInfo => TAG_ASSERTION_INFO,
            SignedDataMember::AuthenticatorNonce => TAG_AUTHENTICATOR_NONCE,
            SignedDataMember::FinalChallengeHash => TAG_FINAL_CHALLENGE_HASH,
            SignedDataMember::TransactionContentHash => TAG_TRANSACTION_CONTENT_HASH,
            SignedDataMember::KeyId => TAG_KEYID,
            SignedDataMember::Counters => TAG_COUNTERS,
        }
    }
}

/// What a fault needs to be applied: the authenticator's profile, the command it corrupts,
/// and the history of the key. [`Authenticator::arm`](crate::Authenticator::arm) checks the
/// profile part; the command part decides which command an armed fault is applied to (a fault
/// whose command requirement is not met stays armed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Requirements {
    /// The profile's attestation type must be this one.
    pub attestation: Option<AttestationType>,
    /// `Some(true)`: the Sign command must carry `TAG_TRANSACTION_CONTENT` (so the profile
    /// must be able to display transactions); `Some(false)`: it must not.
    pub transaction: Option<bool>,
    /// The profile must keep sign counters (not [`Counters::None`](crate::Counters::None)).
    pub counters: bool,
    /// The key must already have reported a non-zero sign counter, that is, have been used
    /// for one authentication before (a regression or a frozen counter is only detectable
    /// against a stored value above zero, digest §3.3 A5.10).
    pub prior_authentication: bool,
}

impl Requirements {
    /// No requirement.
    pub const NONE: Requirements = Requirements {
        attestation: None,
        transaction: None,
        counters: false,
        prior_authentication: false,
    };

    const fn attestation(t: AttestationType) -> Requirements {
        Requirements {
            attestation: Some(t),
            ..Requirements::NONE
        }
    }

    const fn transaction(present: bool) -> Requirements {
        Requirements {
            transaction: Some(present),
            ..Requirements::NONE
        }
    }

    const COUNTER_HISTORY: Requirements = Requirements {
        attestation: None,
        transaction: None,
        counters: true,
        prior_authentication: true,
    };
}

/// One deliberate defect in a registration or authentication assertion (see the [module
/// documentation](self) for the rules every fault follows).
///
/// Each variant's documentation says what is changed, the server step that must reject it
/// ([`Fault::expected_step`]) and the status in specific mode ([`Fault::expected_status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Fault {
    // ----- Registration: TLV structure (1498; R5.2, or the step fixing a length) -----
    /// The top-level tag is `TAG_UAFV1_AUTH_ASSERTION` (0x3E02) instead of
    /// `TAG_UAFV1_REG_ASSERTION`. `R5.2`, 1498.
    RegAssertionTagWrong,
    /// The KRD and the attestation block are sent without the `TAG_UAFV1_REG_ASSERTION`
    /// wrapper. `R5.2`, 1498.
    RegAssertionUnwrapped,
    /// Four bytes `FF FF FF FF` follow the registration assertion. `R5.2`, 1498.
    RegTrailingBytes,
    /// The registration assertion holds the attestation block only (the attestation signature
    /// is over the KRD that would have been sent). `R5.2`, 1498.
    KrdMissing,
    /// One KRD member is left out (the attestation signature covers the KRD without it).
    /// `R5.2` (each KRD member exactly once), 1498.
    KrdMemberMissing(KrdMember),
    /// One KRD member has length 0 (signed). `R5.2` (KRD members carry values),
    /// 1498.
    KrdMemberEmpty(KrdMember),
    /// `TAG_ASSERTION_INFO` in the KRD is 8 bytes: the 7 valid bytes and a zero (signed).
    /// `R5.6`, 1498.
    KrdAssertionInfoLength,
    /// `TAG_COUNTERS` in the KRD is 4 bytes: the SignCounter only (signed). `R5.9`, 1498.
    KrdCountersLength,
    /// `TAG_AAID` appears twice in the KRD, with the same value (signed). `R5.2`, 1498.
    KrdDuplicateTag,
    /// The KRD ends with an unknown tag that has the critical bit set, 0x2EEE (signed).
    /// `R5.2`, 1498.
    KrdUnknownCriticalTag,
    /// The KRD ends with a critical extension (`TAG_EXTENSION`, 0x3E11) whose id no server
    /// knows, `uaf-authenticator.test.critical` (signed). `R5.2`, 1498.
    KrdUnknownCriticalExtension,
    /// The registration assertion holds the KRD only: no attestation block. `R5.2`, 1498.
    AttestationMissing,
    /// The attestation block's `TAG_SIGNATURE` is empty. `R5.2`, 1498.
    AttestationSignatureEmpty,
    /// The basic full attestation block has its signature but no `TAG_ATTESTATION_CERT`.
    /// Needs a basic full profile. `R5.2`, 1498.
    AttestationCertificateMissing,

    // ----- Registration: metadata lookup (R5.3) -----
    /// `TAG_AAID` in the KRD names a model without metadata: the model hex digits are
    /// inverted (`FFFF#FC01` becomes `FFFF#03FE`) (signed). `R5.3`, 1480.
    RegAaidUnknown,

    // ----- Registration: assertion info (R5.6) -----
    /// `AuthenticationMode` in the KRD is 0x02 instead of 0x01 (signed). `R5.6`, 1498.
    RegAuthenticationModeWrong,
    /// The user is not verified (the [`UserVerifier`](crate::UserVerifier) is not asked) and
    /// `AuthenticationMode` in the KRD is 0x00, "not verified" (signed). `R5.6`, 1498.
    RegUserVerificationSkipped,
    /// `SignatureAlgAndEncoding` is the other encoding of the profile's curve (RAW ↔ DER), and
    /// the attestation signature is made in that encoding, so the assertion is consistent but
    /// its algorithm is not the one in the metadata. `R5.6`, 1495.
    RegSignAlgNotInMetadata,
    /// `TAG_PUB_KEY` is written in another encoding, declared in `PublicKeyAlgAndEncoding`
    /// (X9.62 RAW ↔ DER; COSE → RAW), which the metadata does not list (signed). `R5.6`,
    /// 1494 (`uaf-rp` counts an unlisted key encoding as an unacceptable key, not algorithm).
    RegPublicKeyEncodingNotInMetadata,

    // ----- Registration: final challenge hash (R5.7) -----
    /// `TAG_FINAL_CHALLENGE_HASH` in the KRD has its last bit flipped (signed). `R5.7`, 1498.
    RegFinalChallengeHashWrong,
    /// `TAG_FINAL_CHALLENGE_HASH` in the KRD has the length of a SHA-1 hash: its first 20
    /// bytes (signed). `R5.7`, 1498.
    RegFinalChallengeHashSha1Length,

    // ----- Registration: KeyID (R5.8) -----
    /// `TAG_KEYID` in the KRD is 31 random bytes, one short of the minimum (signed). `R5.8`,
    /// 1498.
    RegKeyIdTooShort,

    // ----- Registration: public key (R5.10) -----
    /// `TAG_PUB_KEY` has the right length and form but its point is not on the curve (the
    /// last byte of the Y coordinate is changed) (signed). `R5.10`, 1494.
    RegPublicKeyInvalid,

    // ----- Registration: attestation (R5.11, 1496) -----
    /// The attestation signature has its last byte changed. `R5.11`, 1496.
    AttestationSignatureCorrupt,
    /// Basic full: the KRD is signed by a fresh key, not the attestation key of the
    /// certificate. Needs a basic full profile. `R5.11`, 1496.
    AttestationSignatureWrongKey,
    /// Basic full: the attestation certificate lacks its last byte, so it is not DER. Needs a
    /// basic full profile. `R5.11`, 1496.
    AttestationCertificateCorrupt,
    /// Basic full: the certificate (and the key that signs the KRD) come from another CA that
    /// has the same name as the metadata root but a different key, so the chain does not
    /// reach the root. Needs a basic full profile. `R5.11`, 1496.
    AttestationCertificateUnchained,
    /// Basic surrogate: the KRD is signed by a fresh key instead of the new UAuth key. Needs a
    /// basic surrogate profile. `R5.11`, 1496.
    SurrogateSignatureWrongKey,
    /// A model whose metadata has attestation root certificates answers with a valid basic
    /// surrogate attestation (signed by the new UAuth key): the metadata mismatch of digest
    /// §3.2 R5.11 ("a model with roots cannot fall back to surrogate"). Needs a basic full
    /// profile; whether or not the metadata also lists 0x3E08, the roots forbid it.
    /// `R5.11`, 1496.
    SurrogateForModelWithRoots,

    // ----- Authentication: TLV structure (1498; A5.2–A5.3, or the step fixing a length) -----
    /// The top-level tag is `TAG_UAFV1_REG_ASSERTION` (0x3E01) instead of
    /// `TAG_UAFV1_AUTH_ASSERTION`. `A5.2`, 1498.
    AuthAssertionTagWrong,
    /// The SignedData and the signature are sent without the `TAG_UAFV1_AUTH_ASSERTION`
    /// wrapper. `A5.2`, 1498.
    AuthAssertionUnwrapped,
    /// Four bytes `FF FF FF FF` follow the authentication assertion. `A5.2`, 1498.
    AuthTrailingBytes,
    /// The authentication assertion holds the signature only. `A5.2`, 1498.
    SignedDataMissing,
    /// The authentication assertion holds the SignedData only. `A5.2` (exactly one
    /// `TAG_SIGNATURE`), 1498.
    SignatureMissing,
    /// `TAG_SIGNATURE` is empty. `A5.2`, 1498.
    SignatureEmpty,
    /// One SignedData member is left out (signed without it). `A5.3` (each
    /// SignedData member exactly once), 1498.
    SignedDataMemberMissing(SignedDataMember),
    /// One SignedData member has length 0 (signed): malformed, `A5.3`, 1498. An
    /// empty transaction content hash is the
    /// normal value without a transaction, so `SignedDataMemberEmpty(TransactionContentHash)`
    /// needs a Sign command with transaction content: the mode is 0x02 and the hash is empty,
    /// `A5.9`, 1498.
    SignedDataMemberEmpty(SignedDataMember),
    /// `TAG_ASSERTION_INFO` in the SignedData is 6 bytes: the 5 valid bytes and a zero
    /// (signed). `A5.6`, 1498.
    AuthAssertionInfoLength,
    /// `TAG_COUNTERS` in the SignedData is 8 bytes: the SignCounter and four zero bytes
    /// (signed). `A5.10`, 1498.
    AuthCountersLength,
    /// `TAG_AUTHENTICATOR_NONCE` is 7 random bytes, one short of the minimum (signed).
    /// `A5.7`, 1498.
    AuthenticatorNonceShort,
    /// `TAG_AAID` appears twice in the SignedData, with the same value (signed). `A5.3`,
    /// 1498.
    SignedDataDuplicateTag,
    /// The SignedData ends with an unknown tag that has the critical bit set, 0x2EEE (signed).
    /// `A5.2`, 1498.
    SignedDataUnknownCriticalTag,
    /// The SignedData ends with a critical extension whose id no server knows,
    /// `uaf-authenticator.test.critical` (signed). `A5.2`, 1498.
    SignedDataUnknownCriticalExtension,

    // ----- Authentication: registration lookup (A5.4, 1481) -----
    /// `TAG_AAID` in the SignedData names another model (model hex digits inverted), so
    /// `(AAID, KeyID)` is not registered (signed). `A5.4`, 1481.
    AuthAaidUnknown,
    /// `TAG_KEYID` is 32 random bytes that were never registered (signed). `A5.4`, 1481.
    AuthKeyIdUnknown,
    /// `TAG_KEYID` is the registered KeyID without its last byte (signed). `A5.4`, 1481.
    AuthKeyIdTruncated,

    // ----- Authentication: assertion info (A5.6, 1498) -----
    /// `AuthenticationMode` is 0x03, a value UAF does not define (signed). `A5.6`, 1498.
    AuthAuthenticationModeWrong,
    /// The user is not verified (the [`UserVerifier`](crate::UserVerifier) is not asked) and
    /// `AuthenticationMode` is 0x00, "not verified" (signed). `A5.6`, 1498.
    AuthUserVerificationSkipped,
    /// `SignatureAlgAndEncoding` is the other encoding of the registered curve (RAW ↔ DER)
    /// and the signature is made in it: valid, but not the registered algorithm. `A5.6`,
    /// 1498 (a relying party with the `signature-encoding-switch` relaxation accepts it).
    AuthSignAlgMismatch,

    // ----- Authentication: final challenge hash (A5.8, 1498) -----
    /// `TAG_FINAL_CHALLENGE_HASH` has its last bit flipped (signed). `A5.8`, 1498.
    AuthFinalChallengeHashWrong,
    /// `TAG_FINAL_CHALLENGE_HASH` has the length of a SHA-1 hash: its first 20 bytes
    /// (signed). `A5.8`, 1498.
    AuthFinalChallengeHashSha1Length,

    // ----- Authentication: transaction (A5.9, 1498) -----
    /// Without transaction content in the command, `TAG_TRANSACTION_CONTENT_HASH` is not
    /// empty: it holds the hash of the text `no transaction` (mode 0x01, signed). Needs a Sign
    /// command without transaction content. `A5.9`, 1498.
    TransactionHashWithoutTransaction,
    /// Without transaction content in the command, `AuthenticationMode` is 0x02 (the hash stays
    /// empty, signed). Needs a Sign command without transaction content. `A5.9`, 1498.
    TransactionModeWithoutTransaction,
    /// The transaction is shown and confirmed, mode 0x02, but `TAG_TRANSACTION_CONTENT_HASH`
    /// has its last bit flipped (signed). Needs transaction content. `A5.9`, 1498.
    TransactionHashMismatch,
    /// The transaction is shown and confirmed and its hash is correct, but
    /// `AuthenticationMode` is 0x01 (signed). Needs transaction content. `A5.9`, 1498.
    TransactionShownModeOne,

    // ----- Authentication: signature (A5.11, 1498) -----
    /// The signature has its last byte changed. `A5.11`, 1498.
    AuthSignatureCorrupt,
    /// The SignedData is signed by a fresh key of the same curve, not the registered one.
    /// `A5.11`, 1498.
    AuthSignatureWrongKey,

    // ----- Authentication: counter (A5.10, 1498) -----
    /// A cloned key: the SignCounter is one less than the value this key reported last (the
    /// authenticator's own counter does not move). Needs a profile with counters and a key
    /// that already authenticated once. `A5.10`, 1498.
    CounterRollback,
    /// A frozen counter: the SignCounter equals the value this key reported last (the
    /// authenticator's own counter does not move). Needs a profile with counters and a key
    /// that already authenticated once. `A5.10`, 1498.
    CounterFrozen,
}

impl Fault {
    /// Every fault, registration faults first, each member variant for every member (except
    /// the valid `SignedDataMemberEmpty(TransactionContentHash)` without transaction, which is
    /// listed once, as the transaction fault it is).
    pub const ALL: &'static [Fault] = &[
        Fault::RegAssertionTagWrong,
        Fault::RegAssertionUnwrapped,
        Fault::RegTrailingBytes,
        Fault::KrdMissing,
        Fault::KrdMemberMissing(KrdMember::Aaid),
        Fault::KrdMemberMissing(KrdMember::AssertionInfo),
        Fault::KrdMemberMissing(KrdMember::FinalChallengeHash),
        Fault::KrdMemberMissing(KrdMember::KeyId),
        Fault::KrdMemberMissing(KrdMember::Counters),
        Fault::KrdMemberMissing(KrdMember::PubKey),
        Fault::KrdMemberEmpty(KrdMember::Aaid),
        Fault::KrdMemberEmpty(KrdMember::AssertionInfo),
        Fault::KrdMemberEmpty(KrdMember::FinalChallengeHash),
        Fault::KrdMemberEmpty(KrdMember::KeyId),
        Fault::KrdMemberEmpty(KrdMember::Counters),
        Fault::KrdMemberEmpty(KrdMember::PubKey),
        Fault::KrdAssertionInfoLength,
        Fault::KrdCountersLength,
        Fault::KrdDuplicateTag,
        Fault::KrdUnknownCriticalTag,
        Fault::KrdUnknownCriticalExtension,
        Fault::AttestationMissing,
        Fault::AttestationSignatureEmpty,
        Fault::AttestationCertificateMissing,
        Fault::RegAaidUnknown,
        Fault::RegAuthenticationModeWrong,
        Fault::RegUserVerificationSkipped,
        Fault::RegSignAlgNotInMetadata,
        Fault::RegPublicKeyEncodingNotInMetadata,
        Fault::RegFinalChallengeHashWrong,
        Fault::RegFinalChallengeHashSha1Length,
        Fault::RegKeyIdTooShort,
        Fault::RegPublicKeyInvalid,
        Fault::AttestationSignatureCorrupt,
        Fault::AttestationSignatureWrongKey,
        Fault::AttestationCertificateCorrupt,
        Fault::AttestationCertificateUnchained,
        Fault::SurrogateSignatureWrongKey,
        Fault::SurrogateForModelWithRoots,
        Fault::AuthAssertionTagWrong,
        Fault::AuthAssertionUnwrapped,
        Fault::AuthTrailingBytes,
        Fault::SignedDataMissing,
        Fault::SignatureMissing,
        Fault::SignatureEmpty,
        Fault::SignedDataMemberMissing(SignedDataMember::Aaid),
        Fault::SignedDataMemberMissing(SignedDataMember::AssertionInfo),
        Fault::SignedDataMemberMissing(SignedDataMember::AuthenticatorNonce),
        Fault::SignedDataMemberMissing(SignedDataMember::FinalChallengeHash),
        Fault::SignedDataMemberMissing(SignedDataMember::TransactionContentHash),
        Fault::SignedDataMemberMissing(SignedDataMember::KeyId),
        Fault::SignedDataMemberMissing(SignedDataMember::Counters),
        Fault::SignedDataMemberEmpty(SignedDataMember::Aaid),
        Fault::SignedDataMemberEmpty(SignedDataMember::AssertionInfo),
        Fault::SignedDataMemberEmpty(SignedDataMember::AuthenticatorNonce),
        Fault::SignedDataMemberEmpty(SignedDataMember::FinalChallengeHash),
        Fault::SignedDataMemberEmpty(SignedDataMember::TransactionContentHash),
        Fault::SignedDataMemberEmpty(SignedDataMember::KeyId),
        Fault::SignedDataMemberEmpty(SignedDataMember::Counters),
        Fault::AuthAssertionInfoLength,
        Fault::AuthCountersLength,
        Fault::AuthenticatorNonceShort,
        Fault::SignedDataDuplicateTag,
        Fault::SignedDataUnknownCriticalTag,
        Fault::SignedDataUnknownCriticalExtension,
        Fault::AuthAaidUnknown,
        Fault::AuthKeyIdUnknown,
        Fault::AuthKeyIdTruncated,
        Fault::AuthAuthenticationModeWrong,
        Fault::AuthUserVerificationSkipped,
        Fault::AuthSignAlgMismatch,
        Fault::AuthFinalChallengeHashWrong,
        Fault::AuthFinalChallengeHashSha1Length,
        Fault::TransactionHashWithoutTransaction,
        Fault::TransactionModeWithoutTransaction,
        Fault::TransactionHashMismatch,
        Fault::TransactionShownModeOne,
        Fault::AuthSignatureCorrupt,
        Fault::AuthSignatureWrongKey,
        Fault::CounterRollback,
        Fault::CounterFrozen,
    ];

    /// The operation whose response the fault corrupts.
    #[must_use]
    pub const fn operation(self) -> Operation {
        use Fault::*;
        match self {
            RegAssertionTagWrong
            | RegAssertionUnwrapped
            | RegTrailingBytes
            | KrdMissing
            | KrdMemberMissing(_)
            | KrdMemberEmpty(_)
            | KrdAssertionInfoLength
            | KrdCountersLength
            | KrdDuplicateTag
            | KrdUnknownCriticalTag
            | KrdUnknownCriticalExtension
            | AttestationMissing
            | AttestationSignatureEmpty
            | AttestationCertificateMissing
            | RegAaidUnknown
            | RegAuthenticationModeWrong
            | RegUserVerificationSkipped
            | RegSignAlgNotInMetadata
            | RegPublicKeyEncodingNotInMetadata
            | RegFinalChallengeHashWrong
            | RegFinalChallengeHashSha1Length
            | RegKeyIdTooShort
            | RegPublicKeyInvalid
            | AttestationSignatureCorrupt
            | AttestationSignatureWrongKey
            | AttestationCertificateCorrupt
            | AttestationCertificateUnchained
            | SurrogateSignatureWrongKey
            | SurrogateForModelWithRoots => Operation::Reg,
            AuthAssertionTagWrong
            | AuthAssertionUnwrapped
            | AuthTrailingBytes
            | SignedDataMissing
            | SignatureMissing
            | SignatureEmpty
            | SignedDataMemberMissing(_)
            | SignedDataMemberEmpty(_)
            | AuthAssertionInfoLength
            | AuthCountersLength
            | AuthenticatorNonceShort
            | SignedDataDuplicateTag
            | SignedDataUnknownCriticalTag
            | SignedDataUnknownCriticalExtension
            | AuthAaidUnknown
            | AuthKeyIdUnknown
            | AuthKeyIdTruncated
            | AuthAuthenticationModeWrong
            | AuthUserVerificationSkipped
            | AuthSignAlgMismatch
            | AuthFinalChallengeHashWrong
            | AuthFinalChallengeHashSha1Length
            | TransactionHashWithoutTransaction
            | TransactionModeWithoutTransaction
            | TransactionHashMismatch
            | TransactionShownModeOne
            | AuthSignatureCorrupt
            | AuthSignatureWrongKey
            | CounterRollback
            | CounterFrozen => Operation::Auth,
        }
    }

    /// The label in the spec digest §3 of the server processing step that must reject the
    /// assertion (the first failing check in digest order, e.g. `"R5.7"`): the vocabulary of
    /// the conformance vectors' `expect.step` and of `uaf-rp`'s `StepId::digest_label`.
    ///
    /// A fault that `uaf-proto`'s strict parser rejects takes its step from the one table of
    /// that rule, [`Malformation::digest_step`]; so do unknown critical extensions, which the
    /// relying party reports at the TLV step with the framing.
    #[must_use]
    pub const fn expected_step(self) -> &'static str {
        use Fault::*;
        const REG: AssertionKind = AssertionKind::Reg;
        const AUTH: AssertionKind = AssertionKind::Auth;
        match self {
            RegAssertionTagWrong
            | RegAssertionUnwrapped
            | RegTrailingBytes
            | KrdMissing
            | KrdUnknownCriticalTag
            | KrdUnknownCriticalExtension
            | AttestationMissing
            | AttestationSignatureEmpty
            | AttestationCertificateMissing => Malformation::Framing.digest_step(REG),
            KrdMemberMissing(m) | KrdMemberEmpty(m) => {
                Malformation::Member(m.tag()).digest_step(REG)
            }
            KrdDuplicateTag => Malformation::Member(TAG_AAID).digest_step(REG),
            KrdAssertionInfoLength => Malformation::Length(TAG_ASSERTION_INFO).digest_step(REG),
            KrdCountersLength => Malformation::Length(TAG_COUNTERS).digest_step(REG),
            RegAaidUnknown => "R5.3",
            RegAuthenticationModeWrong
            | RegUserVerificationSkipped
            | RegSignAlgNotInMetadata
            | RegPublicKeyEncodingNotInMetadata => "R5.6",
            RegFinalChallengeHashWrong | RegFinalChallengeHashSha1Length => "R5.7",
            RegKeyIdTooShort => "R5.8",
            RegPublicKeyInvalid => "R5.10",
            AttestationSignatureCorrupt
            | AttestationSignatureWrongKey
            | AttestationCertificateCorrupt
            | AttestationCertificateUnchained
            | SurrogateSignatureWrongKey
            | SurrogateForModelWithRoots => "R5.11",
            AuthAssertionTagWrong
            | AuthAssertionUnwrapped
            | AuthTrailingBytes
            | SignedDataMissing
            | SignatureMissing
            | SignatureEmpty
            | SignedDataUnknownCriticalTag
            | SignedDataUnknownCriticalExtension => Malformation::Framing.digest_step(AUTH),
            // An empty transaction content hash is well formed; it fails the transaction rule.
            SignedDataMemberEmpty(SignedDataMember::TransactionContentHash) => "A5.9",
            SignedDataMemberMissing(m) | SignedDataMemberEmpty(m) => {
                Malformation::Member(m.tag()).digest_step(AUTH)
            }
            SignedDataDuplicateTag => Malformation::Member(TAG_AAID).digest_step(AUTH),
            AuthAssertionInfoLength => Malformation::Length(TAG_ASSERTION_INFO).digest_step(AUTH),
            AuthCountersLength => Malformation::Length(TAG_COUNTERS).digest_step(AUTH),
            AuthenticatorNonceShort => {
                Malformation::Length(TAG_AUTHENTICATOR_NONCE).digest_step(AUTH)
            }
            AuthAaidUnknown | AuthKeyIdUnknown | AuthKeyIdTruncated => "A5.4",
            AuthAuthenticationModeWrong | AuthUserVerificationSkipped | AuthSignAlgMismatch => {
                "A5.6"
            }
            AuthFinalChallengeHashWrong | AuthFinalChallengeHashSha1Length => "A5.8",
            TransactionHashWithoutTransaction
            | TransactionModeWithoutTransaction
            | TransactionHashMismatch
            | TransactionShownModeOne => "A5.9",
            AuthSignatureCorrupt | AuthSignatureWrongKey => "A5.11",
            CounterRollback | CounterFrozen => "A5.10",
        }
    }

    /// The UAF status a relying party answers in "specific" mode (in "conformance" mode it is
    /// always [`UafStatusCode::UnacceptableContent`], 1498).
    #[must_use]
    pub const fn expected_status(self) -> UafStatusCode {
        use Fault::*;
        match self {
            RegAaidUnknown => UafStatusCode::UnknownAaid,
            RegSignAlgNotInMetadata => UafStatusCode::UnacceptableAlgorithm,
            RegPublicKeyInvalid | RegPublicKeyEncodingNotInMetadata => {
                UafStatusCode::UnacceptableKey
            }
            AttestationSignatureCorrupt
            | AttestationSignatureWrongKey
            | AttestationCertificateCorrupt
            | AttestationCertificateUnchained
            | SurrogateSignatureWrongKey
            | SurrogateForModelWithRoots => UafStatusCode::UnacceptableAttestation,
            AuthAaidUnknown | AuthKeyIdUnknown | AuthKeyIdTruncated => UafStatusCode::UnknownKeyId,
            _ => UafStatusCode::UnacceptableContent,
        }
    }

    /// What the fault needs (see [`Requirements`]).
    #[must_use]
    pub const fn requirements(self) -> Requirements {
        use Fault::*;
        match self {
            AttestationCertificateMissing
            | AttestationSignatureWrongKey
            | AttestationCertificateCorrupt
            | AttestationCertificateUnchained
            | SurrogateForModelWithRoots => Requirements::attestation(AttestationType::BasicFull),
            SurrogateSignatureWrongKey => {
                Requirements::attestation(AttestationType::BasicSurrogate)
            }
            SignedDataMemberEmpty(SignedDataMember::TransactionContentHash)
            | TransactionHashMismatch
            | TransactionShownModeOne => Requirements::transaction(true),
            TransactionHashWithoutTransaction | TransactionModeWithoutTransaction => {
                Requirements::transaction(false)
            }
            CounterRollback | CounterFrozen => Requirements::COUNTER_HISTORY,
            _ => Requirements::NONE,
        }
    }

    /// Whether the signature of the assertion covers the defect (the fault is applied before
    /// signing). `false` for defects outside the KRD / SignedData and for defects of the
    /// signature or attestation themselves.
    #[must_use]
    pub const fn is_signed(self) -> bool {
        use Fault::*;
        matches!(
            self,
            KrdMemberMissing(_)
                | KrdMemberEmpty(_)
                | KrdAssertionInfoLength
                | KrdCountersLength
                | KrdDuplicateTag
                | KrdUnknownCriticalTag
                | KrdUnknownCriticalExtension
                | RegAaidUnknown
                | RegAuthenticationModeWrong
                | RegUserVerificationSkipped
                | RegSignAlgNotInMetadata
                | RegPublicKeyEncodingNotInMetadata
                | RegFinalChallengeHashWrong
                | RegFinalChallengeHashSha1Length
                | RegKeyIdTooShort
                | RegPublicKeyInvalid
                | SignedDataMemberMissing(_)
                | SignedDataMemberEmpty(_)
                | AuthAssertionInfoLength
                | AuthCountersLength
                | AuthenticatorNonceShort
                | SignedDataDuplicateTag
                | SignedDataUnknownCriticalTag
                | SignedDataUnknownCriticalExtension
                | AuthAaidUnknown
                | AuthKeyIdUnknown
                | AuthKeyIdTruncated
                | AuthAuthenticationModeWrong
                | AuthUserVerificationSkipped
                | AuthSignAlgMismatch
                | AuthFinalChallengeHashWrong
                | AuthFinalChallengeHashSha1Length
                | TransactionHashWithoutTransaction
                | TransactionModeWithoutTransaction
                | TransactionHashMismatch
                | TransactionShownModeOne
                | CounterRollback
                | CounterFrozen
        )
    }

    /// A stable, unique, kebab-case name, e.g. `krd-member-missing-aaid` (for test names and
    /// conformance vector IDs).
    #[must_use]
    pub const fn id(self) -> &'static str {
        use Fault::*;
        match self {
            RegAssertionTagWrong => "reg-assertion-tag-wrong",
            RegAssertionUnwrapped => "reg-assertion-unwrapped",
            RegTrailingBytes => "reg-trailing-bytes",
            KrdMissing => "krd-missing",
            KrdMemberMissing(m) => match m {
                KrdMember::Aaid => "krd-member-missing-aaid",
                KrdMember::AssertionInfo => "krd-member-missing-assertion-info",
                KrdMember::FinalChallengeHash => "krd-member-missing-final-challenge-hash",
                KrdMember::KeyId => "krd-member-missing-keyid",
                KrdMember::Counters => "krd-member-missing-counters",
                KrdMember::PubKey => "krd-member-missing-pub-key",
            },
            KrdMemberEmpty(m) => match m {
                KrdMember::Aaid => "krd-member-empty-aaid",
                KrdMember::AssertionInfo => "krd-member-empty-assertion-info",
                KrdMember::FinalChallengeHash => "krd-member-empty-final-challenge-hash",
                KrdMember::KeyId => "krd-member-empty-keyid",
                KrdMember::Counters => "krd-member-empty-counters",
                KrdMember::PubKey => "krd-member-empty-pub-key",
            },
            KrdAssertionInfoLength => "krd-assertion-info-length",
            KrdCountersLength => "krd-counters-length",
            KrdDuplicateTag => "krd-duplicate-tag",
            KrdUnknownCriticalTag => "krd-unknown-critical-tag",
            KrdUnknownCriticalExtension => "krd-unknown-critical-extension",
            AttestationMissing => "attestation-missing",
            AttestationSignatureEmpty => "attestation-signature-empty",
            AttestationCertificateMissing => "attestation-certificate-missing",
            RegAaidUnknown => "reg-aaid-unknown",
            RegAuthenticationModeWrong => "reg-authentication-mode-wrong",
            RegUserVerificationSkipped => "reg-user-verification-skipped",
            RegSignAlgNotInMetadata => "reg-sign-alg-not-in-metadata",
            RegPublicKeyEncodingNotInMetadata => "reg-public-key-encoding-not-in-metadata",
            RegFinalChallengeHashWrong => "reg-final-challenge-hash-wrong",
            RegFinalChallengeHashSha1Length => "reg-final-challenge-hash-sha1-length",
            RegKeyIdTooShort => "reg-keyid-too-short",
            RegPublicKeyInvalid => "reg-public-key-invalid",
            AttestationSignatureCorrupt => "attestation-signature-corrupt",
            AttestationSignatureWrongKey => "attestation-signature-wrong-key",
            AttestationCertificateCorrupt => "attestation-certificate-corrupt",
            AttestationCertificateUnchained => "attestation-certificate-unchained",
            SurrogateSignatureWrongKey => "surrogate-signature-wrong-key",
            SurrogateForModelWithRoots => "surrogate-for-model-with-roots",
            AuthAssertionTagWrong => "auth-assertion-tag-wrong",
            AuthAssertionUnwrapped => "auth-assertion-unwrapped",
            AuthTrailingBytes => "auth-trailing-bytes",
            SignedDataMissing => "signed-data-missing",
            SignatureMissing => "signature-missing",
            SignatureEmpty => "signature-empty",
            SignedDataMemberMissing(m) => match m {
                SignedDataMember::Aaid => "signed-data-member-missing-aaid",
                SignedDataMember::AssertionInfo => "signed-data-member-missing-assertion-info",
                SignedDataMember::AuthenticatorNonce => {
                    "signed-data-member-missing-authenticator-nonce"
                }
                SignedDataMember::FinalChallengeHash => {
                    "signed-data-member-missing-final-challenge-hash"
                }
                SignedDataMember::TransactionContentHash => {
                    "signed-data-member-missing-transaction-content-hash"
                }
                SignedDataMember::KeyId => "signed-data-member-missing-keyid",
                SignedDataMember::Counters => "signed-data-member-missing-counters",
            },
            SignedDataMemberEmpty(m) => match m {
                SignedDataMember::Aaid => "signed-data-member-empty-aaid",
                SignedDataMember::AssertionInfo => "signed-data-member-empty-assertion-info",
                SignedDataMember::AuthenticatorNonce => {
                    "signed-data-member-empty-authenticator-nonce"
                }
                SignedDataMember::FinalChallengeHash => {
                    "signed-data-member-empty-final-challenge-hash"
                }
                SignedDataMember::TransactionContentHash => {
                    "signed-data-member-empty-transaction-content-hash"
                }
                SignedDataMember::KeyId => "signed-data-member-empty-keyid",
                SignedDataMember::Counters => "signed-data-member-empty-counters",
            },
            AuthAssertionInfoLength => "auth-assertion-info-length",
            AuthCountersLength => "auth-counters-length",
            AuthenticatorNonceShort => "authenticator-nonce-short",
            SignedDataDuplicateTag => "signed-data-duplicate-tag",
            SignedDataUnknownCriticalTag => "signed-data-unknown-critical-tag",
            SignedDataUnknownCriticalExtension => "signed-data-unknown-critical-extension",
            AuthAaidUnknown => "auth-aaid-unknown",
            AuthKeyIdUnknown => "auth-keyid-unknown",
            AuthKeyIdTruncated => "auth-keyid-truncated",
            AuthAuthenticationModeWrong => "auth-authentication-mode-wrong",
            AuthUserVerificationSkipped => "auth-user-verification-skipped",
            AuthSignAlgMismatch => "auth-sign-alg-mismatch",
            AuthFinalChallengeHashWrong => "auth-final-challenge-hash-wrong",
            AuthFinalChallengeHashSha1Length => "auth-final-challenge-hash-sha1-length",
            TransactionHashWithoutTransaction => "transaction-hash-without-transaction",
            TransactionModeWithoutTransaction => "transaction-mode-without-transaction",
            TransactionHashMismatch => "transaction-hash-mismatch",
            TransactionShownModeOne => "transaction-shown-mode-one",
            AuthSignatureCorrupt => "auth-signature-corrupt",
            AuthSignatureWrongKey => "auth-signature-wrong-key",
            CounterRollback => "counter-rollback",
            CounterFrozen => "counter-frozen",
        }
    }

    /// The fault with this [`Fault::id`], if any.
    #[must_use]
    pub fn from_id(id: &str) -> Option<Fault> {
        Fault::ALL.iter().copied().find(|f| f.id() == id)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} fault; rejected at {} with {})",
            self.id(),
            self.operation(),
            self.expected_step(),
            self.expected_status().value()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        for (i, a) in Fault::ALL.iter().enumerate() {
            assert_eq!(Fault::from_id(a.id()), Some(*a));
            for b in Fault::ALL.iter().skip(i + 1) {
                assert_ne!(a, b);
                assert_ne!(a.id(), b.id());
            }
        }
        assert_eq!(Fault::from_id("no-such-fault"), None);
    }

    #[test]
    fn every_member_variant_is_listed() {
        for m in KrdMember::ALL {
            assert!(Fault::ALL.contains(&Fault::KrdMemberMissing(*m)));
            assert!(Fault::ALL.contains(&Fault::KrdMemberEmpty(*m)));
        }
        for m in SignedDataMember::ALL {
            assert!(Fault::ALL.contains(&Fault::SignedDataMemberMissing(*m)));
            assert!(Fault::ALL.contains(&Fault::SignedDataMemberEmpty(*m)));
        }
    }

    #[test]
    fn steps_belong_to_the_operation() {
        for f in Fault::ALL {
            let prefix = match f.operation() {
                Operation::Reg => "R5.",
                Operation::Auth => "A5.",
            };
            assert!(f.expected_step().starts_with(prefix), "{f}");
            assert_ne!(f.expected_status(), UafStatusCode::Ok, "{f}");
        }
    }

    #[test]
    fn structure_faults_are_1498_and_attestation_faults_1496() {
        assert_eq!(Fault::KrdMissing.expected_step(), "R5.2");
        assert_eq!(
            Fault::KrdMissing.expected_status(),
            UafStatusCode::UnacceptableContent
        );
        assert_eq!(
            Fault::AttestationCertificateUnchained.expected_status(),
            UafStatusCode::UnacceptableAttestation
        );
        assert_eq!(
            Fault::SignedDataMemberEmpty(SignedDataMember::TransactionContentHash).expected_step(),
            "A5.9"
        );
        assert_eq!(
            Fault::SignedDataMemberEmpty(SignedDataMember::KeyId).expected_step(),
            "A5.3"
        );
        assert_eq!(
            Fault::KrdMemberMissing(KrdMember::Counters).expected_step(),
            "R5.2"
        );
        assert_eq!(Fault::KrdCountersLength.expected_step(), "R5.9");
        assert_eq!(
            Fault::SignedDataMemberMissing(SignedDataMember::Counters).expected_step(),
            "A5.3"
        );
        assert_eq!(
            Fault::KrdMemberEmpty(KrdMember::Aaid).expected_step(),
            "R5.2"
        );
        assert_eq!(Fault::AuthenticatorNonceShort.expected_step(), "A5.7");
        assert_eq!(Fault::SignatureMissing.expected_step(), "A5.2");
        assert_eq!(Fault::SignatureEmpty.expected_step(), "A5.2");
        assert_eq!(Fault::AuthSignatureCorrupt.expected_step(), "A5.11");
        assert_eq!(Fault::AuthCountersLength.expected_step(), "A5.10");
        assert_eq!(
            Fault::RegPublicKeyEncodingNotInMetadata
                .expected_status()
                .value(),
            1494
        );
        assert_eq!(Fault::AuthKeyIdUnknown.expected_status().value(), 1481);
        assert_eq!(Fault::RegPublicKeyInvalid.expected_status().value(), 1494);
        assert_eq!(
            Fault::RegSignAlgNotInMetadata.expected_status().value(),
            1495
        );
        assert_eq!(Fault::RegAaidUnknown.expected_status().value(), 1480);
    }

    #[test]
    fn requirements() {
        assert_eq!(Fault::KrdMissing.requirements(), Requirements::NONE);
        assert_eq!(
            Fault::SurrogateForModelWithRoots.requirements().attestation,
            Some(AttestationType::BasicFull)
        );
        assert_eq!(
            Fault::TransactionShownModeOne.requirements().transaction,
            Some(true)
        );
        assert!(Fault::CounterRollback.requirements().prior_authentication);
        assert!(Fault::KrdDuplicateTag.is_signed());
        assert!(!Fault::AttestationSignatureCorrupt.is_signed());
    }

    #[test]
    fn display_names_the_expectation() {
        extern crate alloc;
        use alloc::string::ToString;
        assert_eq!(
            Fault::CounterRollback.to_string(),
            "counter-rollback (Auth fault; rejected at A5.10 with 1498)"
        );
        assert_eq!(Operation::Reg.to_string(), "Reg");
    }
}
