//! The error type of the algorithm layer.

use core::fmt;

use uaf_proto::registry::{AlgKey, AlgSign, HashAlg};

use crate::key::KeyType;

/// Why a signature, key or hash operation failed.
///
/// Grouped by cause: *unsupported* (this build cannot do it), *bad encoding* (the bytes are not
/// what the registry says), *mismatch* (key and algorithm do not belong together), and
/// *verification failed* (well-formed, but the signature is not valid).
///
/// The variants carry only `Copy` data, so the type never allocates and compares cheaply in tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// The `ALG_SIGN_*` value is unknown, or this build does not support it (its cargo feature
    /// is off, or the operation is not offered for it, such as signing with RSA).
    UnsupportedAlgorithm(AlgSign),
    /// The `ALG_KEY_*` value is unknown, or this build cannot decode it (COSE keys need the
    /// `alloc` feature).
    UnsupportedKeyEncoding(AlgKey),
    /// The key is of a known type whose support is not compiled in (its cargo feature is off).
    UnsupportedKeyType(KeyType),
    /// The hash function is not offered by [`hash`](crate::hash).
    UnsupportedHash(HashAlg),
    /// The signature bytes are not in the encoding the algorithm prescribes (digest §6.1):
    /// wrong length for a RAW signature, non-minimal or malformed DER, trailing bytes, …
    BadSignatureEncoding {
        /// The algorithm the signature was checked against.
        alg: AlgSign,
        /// What is wrong with the bytes.
        reason: &'static str,
    },
    /// The public key bytes are not a valid key in the named encoding (digest §6.2).
    BadKeyEncoding {
        /// The encoding the bytes were read as.
        encoding: AlgKey,
        /// What is wrong with the bytes.
        reason: &'static str,
    },
    /// The key's type does not fit the signature algorithm (for example a secp256k1 key used
    /// with `ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW`).
    KeyAlgorithmMismatch {
        /// The signature algorithm requested.
        alg: AlgSign,
        /// The type of the key offered.
        key: KeyType,
    },
    /// The key's type does not belong in the encoding: an RSA key read from or written as
    /// `ALG_KEY_ECC_X962_DER`, an EC key as `ALG_KEY_RSA_2048_DER`, a 3072-bit key as
    /// `ALG_KEY_RSA_2048_RAW`, …
    KeyEncodingMismatch {
        /// The encoding requested.
        encoding: AlgKey,
        /// The type of the key.
        key: KeyType,
    },
    /// The signature is well formed but does not verify with this key over this message.
    VerificationFailed,
    /// A private scalar is not valid for the curve: wrong length, zero, or not below the
    /// group order.
    BadPrivateKey(KeyType),
    /// The output buffer is too small; `needed` bytes are required.
    BufferTooSmall {
        /// The number of bytes the output needs.
        needed: usize,
    },
    /// The signer failed (the random number generator failed, or the primitive refused).
    SigningFailed,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CryptoError::UnsupportedAlgorithm(alg) => write!(
                f,
                "signature algorithm {alg} is not supported by this build; use an algorithm the \
                 authenticator metadata and this server share, or enable its cargo feature"
            ),
            CryptoError::UnsupportedKeyEncoding(enc) => write!(
                f,
                "public key encoding {enc} is not supported by this build; send the key in a \
                 registry encoding (0x0100-0x0104), or enable the `alloc` feature for COSE keys"
            ),
            CryptoError::UnsupportedKeyType(kt) => write!(
                f,
                "{kt} keys are not supported by this build; enable the `{}` cargo feature",
                kt.feature()
            ),
            CryptoError::UnsupportedHash(h) => write!(
                f,
                "hash function {h:?} is not offered; the UAF hashes are SHA-256, SHA-384 and SHA-512"
            ),
            CryptoError::BadSignatureEncoding { alg, reason } => write!(
                f,
                "signature is not in the encoding {alg} prescribes: {reason}"
            ),
            CryptoError::BadKeyEncoding { encoding, reason } => {
                write!(f, "public key is not a valid {encoding} key: {reason}")
            }
            CryptoError::KeyAlgorithmMismatch { alg, key } => write!(
                f,
                "a {key} key cannot verify {alg}; the registered key and the signature algorithm \
                 must use the same curve or key type"
            ),
            CryptoError::KeyEncodingMismatch { encoding, key } => write!(
                f,
                "a {key} key does not belong in {encoding}; use the key encoding of its type"
            ),
            CryptoError::VerificationFailed => f.write_str(
                "signature verification failed: the signature does not match this key and message",
            ),
            CryptoError::BadPrivateKey(kt) => write!(
                f,
                "private key is not a valid {kt} scalar (wrong length, zero, or not below the \
                 group order)"
            ),
            CryptoError::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes are needed")
            }
            CryptoError::SigningFailed => {
                f.write_str("signing failed: the random number generator or the signer failed")
            }
        }
    }
}

/// `core::error::Error` is `std::error::Error`: available with and without `std`.
impl core::error::Error for CryptoError {}
