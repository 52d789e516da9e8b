//! The error type: what can go wrong while setting an authenticator up.
//!
//! Commands never fail with an [`Error`]: [`Authenticator::process`](crate::Authenticator::process)
//! answers every input with a response TLV, errors included as `UAF_CMD_STATUS_*` codes.

use core::fmt;

use uaf_crypto::{CryptoError, KeyType};
use uaf_proto::registry::{AlgKey, AlgSign};
use uaf_proto::tlv::TlvError;

use crate::fault::Fault;

/// Why a profile, attestation credentials or an authenticator could not be made, or a fault
/// could not be armed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The profile's signature algorithm cannot be signed by this build. Signing covers ECDSA
    /// on P-256 (`0x0001`, `0x0002`) and, with feature `secp256k1`, on secp256k1 (`0x0005`,
    /// `0x0006`).
    UnsupportedAlgorithm(AlgSign),
    /// The profile's public key encoding is not one an EC key can be written in: use
    /// `ALG_KEY_ECC_X962_RAW`, `ALG_KEY_ECC_X962_DER` or `ALG_KEY_COSE`.
    UnsupportedKeyEncoding(AlgKey),
    /// The profile contradicts itself; the text says how.
    InvalidProfile(&'static str),
    /// The attestation key is of another curve than the profile's algorithm: UAF signs the KRD
    /// with `SignatureAlgAndEncoding`, so both keys must be of that curve.
    AttestationKeyMismatch {
        /// The profile's signature algorithm.
        alg: AlgSign,
        /// The attestation key's type.
        key: KeyType,
    },
    /// Attestation credentials are unusable; the text says how.
    InvalidCredentials(&'static str),
    /// A certificate could not be built (a name or value too long for this DER writer).
    Certificate(&'static str),
    /// A cryptographic operation failed.
    Crypto(CryptoError),
    /// A TLV could not be encoded (a value longer than 65535 bytes).
    Encoding(TlvError),
    /// The fault cannot be applied to this authenticator's profile.
    FaultNotApplicable {
        /// The fault.
        fault: Fault,
        /// What the profile lacks.
        reason: &'static str,
    },
}

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        Error::Crypto(e)
    }
}

impl From<TlvError> for Error {
    fn from(e: TlvError) -> Self {
        Error::Encoding(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnsupportedAlgorithm(alg) => write!(
                f,
                "this build cannot sign with {alg}; choose ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW/DER, \
                 or ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW/DER with feature \"secp256k1\""
            ),
            Error::UnsupportedKeyEncoding(enc) => write!(
                f,
                "an EC public key cannot be written as {enc}; choose ALG_KEY_ECC_X962_RAW, \
                 ALG_KEY_ECC_X962_DER or ALG_KEY_COSE"
            ),
            Error::InvalidProfile(reason) => write!(f, "invalid authenticator profile: {reason}"),
            Error::AttestationKeyMismatch { alg, key } => write!(
                f,
                "the attestation key is a {} key but the profile signs with {alg}; issue the \
                 attestation credentials for the profile's curve",
                key.name()
            ),
            Error::InvalidCredentials(reason) => {
                write!(f, "invalid attestation credentials: {reason}")
            }
            Error::Certificate(reason) => write!(f, "cannot build the certificate: {reason}"),
            Error::Crypto(e) => write!(f, "cryptographic operation failed: {e}"),
            Error::Encoding(e) => write!(f, "cannot encode the TLV: {e}"),
            Error::FaultNotApplicable { fault, reason } => write!(
                f,
                "fault {} cannot be armed on this authenticator: {reason}",
                fault.id()
            ),
        }
    }
}

/// Also `std::error::Error` (the same trait) when `std` is enabled.
impl core::error::Error for Error {}
