//! Authenticator profiles: what model the simulated authenticator is.

use alloc::string::String;
use alloc::vec::Vec;

use uaf_crypto::KeyType;
use uaf_proto::id::Aaid;
use uaf_proto::png::DisplayPngCharacteristicsDescriptor;
use uaf_proto::registry::{
    AlgKey, AlgSign, AttestationType, AuthenticatorType, KeyProtection, MatcherProtection,
    TcDisplay, UserVerify,
};

use crate::Error;
use crate::cert::AttestationCredentials;

/// How the authenticator attests new keys.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AttestationConfig {
    /// Basic full attestation with credentials generated when the authenticator is made: a
    /// fresh [`TestCa`](crate::TestCa) issues an attestation key of the profile's curve, from
    /// the authenticator's RNG. The default.
    GenerateBasicFull,
    /// Basic full attestation with the given credentials (for example one batch shared by
    /// several authenticators, or a caller's own chain).
    BasicFull(AttestationCredentials),
    /// Basic surrogate attestation: the new UAuth key signs its own KRD; the metadata lists no
    /// root certificate.
    BasicSurrogate,
}

impl AttestationConfig {
    /// The attestation type (`TAG_ATTESTATION_BASIC_FULL` or `TAG_ATTESTATION_BASIC_SURROGATE`).
    #[must_use]
    pub const fn attestation_type(&self) -> AttestationType {
        match self {
            AttestationConfig::GenerateBasicFull | AttestationConfig::BasicFull(_) => {
                AttestationType::BasicFull
            }
            AttestationConfig::BasicSurrogate => AttestationType::BasicSurrogate,
        }
    }
}

/// The sign counter the authenticator keeps (digest §1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counters {
    /// One SignCounter per key, +1 per signature, 0 in the KRD; a global RegCounter. The
    /// default.
    PerKey,
    /// One global SignCounter that grows by a random amount (1 to 16) per signature, so that
    /// relying parties cannot correlate users; the KRD reports its current value. A global
    /// RegCounter.
    Global,
    /// No counters: SignCounter and RegCounter are always 0.
    None,
}

/// Where key handles live (digest §5.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyStorage {
    /// Key handles leave the authenticator wrapped (AES-256-GCM under an authenticator secret,
    /// versioned): the Register response carries `TAG_KEYHANDLE` and the ASM passes it back in
    /// Sign. For second-factor profiles the wrapped key handle is the KeyID itself (the server
    /// stores it), and the Register response carries no `TAG_KEYHANDLE`. Deregister answers
    /// `UAF_CMD_STATUS_CMD_NOT_SUPPORTED` (the ASM deletes its copy). The default.
    Wrapped,
    /// Key handles stay inside (`UAF_TYPE_KEYHANDLE_STORAGE`): Sign gets KeyIDs in
    /// `TAG_KEYHANDLE`, or nothing (first-factor: every key of the AppID), and Deregister
    /// deletes the key.
    Internal,
}

/// What the authenticator can show for transaction confirmation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransactionDisplay {
    /// No transaction confirmation (`tcDisplay` 0): a Sign command with transaction content
    /// is answered `UAF_CMD_STATUS_ACCESS_DENIED`. The default.
    None,
    /// `text/plain` transactions.
    Text,
    /// `image/png` transactions in one of these formats (at least one).
    Png(Vec<DisplayPngCharacteristicsDescriptor>),
}

impl TransactionDisplay {
    /// The MIME type (`tcDisplayContentType`), or `None` without a display.
    #[must_use]
    pub const fn content_type(&self) -> Option<&'static str> {
        match self {
            TransactionDisplay::None => None,
            TransactionDisplay::Text => Some(uaf_proto::registry::CONTENT_TYPE_TEXT_PLAIN),
            TransactionDisplay::Png(_) => Some(uaf_proto::registry::CONTENT_TYPE_IMAGE_PNG),
        }
    }

    /// The PNG formats (empty unless [`TransactionDisplay::Png`]).
    #[must_use]
    pub fn png_characteristics(&self) -> &[DisplayPngCharacteristicsDescriptor] {
        match self {
            TransactionDisplay::Png(list) => list,
            _ => &[],
        }
    }
}

/// An authenticator model: everything its metadata statement and GetInfo response say, and
/// how it behaves. Made with [`Profile::builder`].
///
/// ```
/// use uaf_authenticator::{Counters, Profile, TransactionDisplay};
/// use uaf_proto::id::Aaid;
/// use uaf_proto::registry::{AlgKey, AlgSign, UserVerify};
///
/// let profile = Profile::builder(Aaid::parse("FFFF#FC03")?)
///     .algorithm(AlgSign::Secp256r1EcdsaSha256Der, AlgKey::EccX962Raw)
///     .user_verification(UserVerify::PASSCODE | UserVerify::FINGERPRINT)
///     .transaction_display(TransactionDisplay::Text)
///     .counters(Counters::Global)
///     .build()?;
/// assert_eq!(profile.sign_alg(), AlgSign::Secp256r1EcdsaSha256Der);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Profile {
    aaid: Aaid,
    description: String,
    authenticator_index: u8,
    authenticator_version: u16,
    sign_alg: AlgSign,
    key_encoding: AlgKey,
    attestation: AttestationConfig,
    user_verification: UserVerify,
    key_protection: KeyProtection,
    matcher_protection: MatcherProtection,
    transaction_display: TransactionDisplay,
    tc_display: TcDisplay,
    counters: Counters,
    second_factor: bool,
    roaming: bool,
    key_storage: KeyStorage,
    verification_attempts: u8,
}

/// How many failed user verifications in a row lock an authenticator out by default
/// ([`ProfileBuilder::verification_attempts`]).
pub const DEFAULT_VERIFICATION_ATTEMPTS: u8 = 5;

impl Profile {
    /// A builder for the model `aaid`, with these defaults: index 0, version 1,
    /// `ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW` with `ALG_KEY_ECC_X962_RAW` keys, generated basic
    /// full attestation, user verification by passcode, software key and matcher protection,
    /// no transaction display, per-key counters, first factor, bound (not roaming), wrapped
    /// key handles, locked out after [`DEFAULT_VERIFICATION_ATTEMPTS`] failed verifications in
    /// a row.
    pub fn builder(aaid: Aaid) -> ProfileBuilder {
        let mut description = String::from("uaf-authenticator simulated authenticator ");
        description.push_str(aaid.as_str());
        ProfileBuilder {
            profile: Profile {
                aaid,
                description,
                authenticator_index: 0,
                authenticator_version: 1,
                sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
                key_encoding: AlgKey::EccX962Raw,
                attestation: AttestationConfig::GenerateBasicFull,
                user_verification: UserVerify::PASSCODE,
                key_protection: KeyProtection::SOFTWARE,
                matcher_protection: MatcherProtection::Software,
                transaction_display: TransactionDisplay::None,
                tc_display: TcDisplay::ANY,
                counters: Counters::PerKey,
                second_factor: false,
                roaming: false,
                key_storage: KeyStorage::Wrapped,
                verification_attempts: DEFAULT_VERIFICATION_ATTEMPTS,
            },
        }
    }

    /// The AAID.
    #[must_use]
    pub const fn aaid(&self) -> Aaid {
        self.aaid
    }

    /// The metadata statement's `description`.
    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }

    /// `TAG_AUTHENTICATOR_INDEX`.
    #[must_use]
    pub const fn authenticator_index(&self) -> u8 {
        self.authenticator_index
    }

    /// `AuthenticatorVersion` (assertion info, metadata `authenticatorVersion`).
    #[must_use]
    pub const fn authenticator_version(&self) -> u16 {
        self.authenticator_version
    }

    /// `SignatureAlgAndEncoding`.
    #[must_use]
    pub const fn sign_alg(&self) -> AlgSign {
        self.sign_alg
    }

    /// `PublicKeyAlgAndEncoding`.
    #[must_use]
    pub const fn key_encoding(&self) -> AlgKey {
        self.key_encoding
    }

    /// The key type of the algorithm (UAuth and attestation keys).
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        KeyType::for_alg(self.sign_alg).unwrap_or(KeyType::P256)
    }

    /// How new keys are attested.
    #[must_use]
    pub const fn attestation(&self) -> &AttestationConfig {
        &self.attestation
    }

    /// The attestation type.
    #[must_use]
    pub const fn attestation_type(&self) -> AttestationType {
        self.attestation.attestation_type()
    }

    /// `USER_VERIFY_*` methods (one bit each; [`UserVerify::NONE`] for a silent authenticator).
    #[must_use]
    pub const fn user_verification(&self) -> UserVerify {
        self.user_verification
    }

    /// `KEY_PROTECTION_*`.
    #[must_use]
    pub const fn key_protection(&self) -> KeyProtection {
        self.key_protection
    }

    /// `MATCHER_PROTECTION_*`.
    #[must_use]
    pub const fn matcher_protection(&self) -> MatcherProtection {
        self.matcher_protection
    }

    /// The transaction display.
    #[must_use]
    pub const fn transaction_display(&self) -> &TransactionDisplay {
        &self.transaction_display
    }

    /// `TRANSACTION_CONFIRMATION_DISPLAY_*` bits (empty without a display).
    #[must_use]
    pub const fn tc_display(&self) -> TcDisplay {
        match self.transaction_display {
            TransactionDisplay::None => TcDisplay::EMPTY,
            _ => self.tc_display,
        }
    }

    /// The counters.
    #[must_use]
    pub const fn counters(&self) -> Counters {
        self.counters
    }

    /// Whether the authenticator is second-factor only.
    #[must_use]
    pub const fn is_second_factor(&self) -> bool {
        self.second_factor
    }

    /// Whether the authenticator is roaming (external) rather than bound to the device.
    #[must_use]
    pub const fn is_roaming(&self) -> bool {
        self.roaming
    }

    /// Where key handles live.
    #[must_use]
    pub const fn key_storage(&self) -> KeyStorage {
        self.key_storage
    }

    /// How many failed user verifications in a row lock the authenticator out
    /// ([`ProfileBuilder::verification_attempts`]).
    #[must_use]
    pub const fn verification_attempts(&self) -> u8 {
        self.verification_attempts
    }

    /// Whether the user is verified by the [`UserVerifier`](crate::UserVerifier) (anything but
    /// a silent authenticator).
    #[must_use]
    pub const fn verifies_user(&self) -> bool {
        !self.user_verification.contains(UserVerify::NONE)
    }

    /// `AuthenticatorType` bits of GetInfo, given whether a user is enrolled.
    #[must_use]
    pub fn authenticator_type(&self, user_enrolled: bool) -> AuthenticatorType {
        let mut t = AuthenticatorType::BUILTIN_UI;
        if self.second_factor {
            t |= AuthenticatorType::SECOND_FACTOR;
        }
        if self.roaming {
            t |= AuthenticatorType::ROAMING;
        }
        if self.key_storage == KeyStorage::Internal {
            t |= AuthenticatorType::KEY_HANDLE_STORAGE;
        }
        // Authenticators without enrolment (presence, silent) always set USER_ENROLLED.
        if user_enrolled || !self.needs_enrolment() {
            t |= AuthenticatorType::USER_ENROLLED;
        }
        t
    }

    /// Whether verification needs an enrolled user (a method other than presence or none).
    pub(crate) const fn needs_enrolment(&self) -> bool {
        self.user_verification.0 & !(UserVerify::PRESENCE.0 | UserVerify::NONE.0) != 0
    }
}

/// Builds a [`Profile`]; every setter has a default (see [`Profile::builder`]).
#[derive(Clone, Debug)]
#[must_use]
pub struct ProfileBuilder {
    profile: Profile,
}

impl ProfileBuilder {
    /// The metadata statement's `description`.
    pub fn description(mut self, description: &str) -> Self {
        self.profile.description = String::from(description);
        self
    }

    /// `TAG_AUTHENTICATOR_INDEX` the authenticator answers to.
    pub const fn authenticator_index(mut self, index: u8) -> Self {
        self.profile.authenticator_index = index;
        self
    }

    /// `AuthenticatorVersion`.
    pub const fn authenticator_version(mut self, version: u16) -> Self {
        self.profile.authenticator_version = version;
        self
    }

    /// `SignatureAlgAndEncoding` and `PublicKeyAlgAndEncoding`.
    pub const fn algorithm(mut self, sign_alg: AlgSign, key_encoding: AlgKey) -> Self {
        self.profile.sign_alg = sign_alg;
        self.profile.key_encoding = key_encoding;
        self
    }

    /// The attestation.
    pub fn attestation(mut self, attestation: AttestationConfig) -> Self {
        self.profile.attestation = attestation;
        self
    }

    /// `USER_VERIFY_*` methods the authenticator offers.
    pub const fn user_verification(mut self, methods: UserVerify) -> Self {
        self.profile.user_verification = methods;
        self
    }

    /// `KEY_PROTECTION_*`.
    pub const fn key_protection(mut self, protection: KeyProtection) -> Self {
        self.profile.key_protection = protection;
        self
    }

    /// `MATCHER_PROTECTION_*`.
    pub const fn matcher_protection(mut self, protection: MatcherProtection) -> Self {
        self.profile.matcher_protection = protection;
        self
    }

    /// The transaction display.
    pub fn transaction_display(mut self, display: TransactionDisplay) -> Self {
        self.profile.transaction_display = display;
        self
    }

    /// `TRANSACTION_CONFIRMATION_DISPLAY_*` bits reported when there is a display (default
    /// `TRANSACTION_CONFIRMATION_DISPLAY_ANY`).
    pub const fn tc_display(mut self, bits: TcDisplay) -> Self {
        self.profile.tc_display = bits;
        self
    }

    /// The counters.
    pub const fn counters(mut self, counters: Counters) -> Self {
        self.profile.counters = counters;
        self
    }

    /// Second-factor only.
    pub const fn second_factor(mut self, second_factor: bool) -> Self {
        self.profile.second_factor = second_factor;
        self
    }

    /// Roaming (external) rather than bound.
    pub const fn roaming(mut self, roaming: bool) -> Self {
        self.profile.roaming = roaming;
        self
    }

    /// Where key handles live.
    pub const fn key_storage(mut self, storage: KeyStorage) -> Self {
        self.profile.key_storage = storage;
        self
    }

    /// How many failed user verifications in a row (wrong PINs, fingerprints that do not
    /// match) lock the authenticator out, as real authenticators do (default
    /// [`DEFAULT_VERIFICATION_ATTEMPTS`]). The attempt that uses up the last one answers
    /// `UAF_CMD_STATUS_USER_LOCKOUT`, and so does every Register and Sign after it, without
    /// asking the user; a successful verification before that starts the count again. See
    /// [`Authenticator::failed_verifications`](crate::Authenticator::failed_verifications).
    pub const fn verification_attempts(mut self, attempts: u8) -> Self {
        self.profile.verification_attempts = attempts;
        self
    }

    /// Checks the profile and returns it.
    ///
    /// # Errors
    /// - [`Error::UnsupportedAlgorithm`] for an algorithm this build cannot sign;
    /// - [`Error::UnsupportedKeyEncoding`] for an encoding other than X9.62 RAW/DER or COSE;
    /// - [`Error::AttestationKeyMismatch`] for credentials of another curve;
    /// - [`Error::InvalidProfile`] for: no user verification method; `USER_VERIFY_NONE` with
    ///   another method or with a transaction display; a PNG display without formats; empty
    ///   `tcDisplay` bits with a display; zero verification attempts.
    pub fn build(self) -> Result<Profile, Error> {
        let p = self.profile;
        let key_type = KeyType::for_alg(p.sign_alg)
            .filter(|kt| signable(p.sign_alg) && kt.is_supported())
            .ok_or(Error::UnsupportedAlgorithm(p.sign_alg))?;
        if !matches!(
            p.key_encoding,
            AlgKey::EccX962Raw | AlgKey::EccX962Der | AlgKey::Cose
        ) {
            return Err(Error::UnsupportedKeyEncoding(p.key_encoding));
        }
        if let AttestationConfig::BasicFull(creds) = &p.attestation {
            if creds.key_type() != key_type {
                return Err(Error::AttestationKeyMismatch {
                    alg: p.sign_alg,
                    key: creds.key_type(),
                });
            }
        }
        if p.verification_attempts == 0 {
            return Err(Error::InvalidProfile(
                "zero verification attempts: the authenticator would be locked from the start",
            ));
        }
        if p.user_verification.is_empty() {
            return Err(Error::InvalidProfile(
                "no user verification method; use USER_VERIFY_NONE for a silent authenticator",
            ));
        }
        let silent = p.user_verification.contains(UserVerify::NONE);
        if silent && p.user_verification != UserVerify::NONE {
            return Err(Error::InvalidProfile(
                "USER_VERIFY_NONE (silent) cannot be combined with another method",
            ));
        }
        if silent && p.transaction_display != TransactionDisplay::None {
            return Err(Error::InvalidProfile(
                "a silent authenticator (USER_VERIFY_NONE) cannot confirm transactions",
            ));
        }
        if let TransactionDisplay::Png(list) = &p.transaction_display {
            if list.is_empty() {
                return Err(Error::InvalidProfile(
                    "an image/png display needs at least one PNG format",
                ));
            }
        }
        if p.transaction_display != TransactionDisplay::None && p.tc_display.is_empty() {
            return Err(Error::InvalidProfile(
                "a transaction display needs TRANSACTION_CONFIRMATION_DISPLAY_* bits",
            ));
        }
        Ok(p)
    }
}

/// Whether `uaf-crypto` signs `alg` (ECDSA on P-256 and secp256k1).
fn signable(alg: AlgSign) -> bool {
    matches!(
        alg,
        AlgSign::Secp256r1EcdsaSha256Raw
            | AlgSign::Secp256r1EcdsaSha256Der
            | AlgSign::Secp256k1EcdsaSha256Raw
            | AlgSign::Secp256k1EcdsaSha256Der
    )
}

/// The other encoding of `alg`'s curve (RAW ↔ DER).
pub(crate) const fn sibling_alg(alg: AlgSign) -> AlgSign {
    match alg {
        AlgSign::Secp256r1EcdsaSha256Raw => AlgSign::Secp256r1EcdsaSha256Der,
        AlgSign::Secp256r1EcdsaSha256Der => AlgSign::Secp256r1EcdsaSha256Raw,
        AlgSign::Secp256k1EcdsaSha256Raw => AlgSign::Secp256k1EcdsaSha256Der,
        AlgSign::Secp256k1EcdsaSha256Der => AlgSign::Secp256k1EcdsaSha256Raw,
        other => other,
    }
}

/// Another EC key encoding than `enc` (X9.62 RAW ↔ DER, COSE → RAW).
pub(crate) const fn other_encoding(enc: AlgKey) -> AlgKey {
    match enc {
        AlgKey::EccX962Raw => AlgKey::EccX962Der,
        _ => AlgKey::EccX962Raw,
    }
}
