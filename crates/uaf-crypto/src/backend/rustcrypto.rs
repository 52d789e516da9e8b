//! The RustCrypto backend: pure Rust, `no_std`, every algorithm of this crate.

use signature::Verifier as _;

use super::Prepared;
use crate::{CryptoError, PublicKey, key::Inner};

const FAILED: CryptoError = CryptoError::VerificationFailed;

/// Verifies a prepared signature. Any disagreement between key and signature form (which
/// `prepare` rules out) fails closed.
pub(super) fn verify(
    key: &PublicKey,
    message: &[u8],
    prepared: &Prepared<'_>,
) -> Result<(), CryptoError> {
    match (&key.inner, prepared) {
        (Inner::P256 { key, .. }, Prepared::Ecdsa(rs)) => {
            let sig = p256::ecdsa::Signature::from_slice(rs.as_bytes()).map_err(|_| FAILED)?;
            key.verify(message, &sig).map_err(|_| FAILED)
        }
        #[cfg(feature = "secp256k1")]
        (Inner::Secp256k1 { key, .. }, Prepared::Ecdsa(rs)) => {
            let sig = k256::ecdsa::Signature::from_slice(rs.as_bytes()).map_err(|_| FAILED)?;
            // k256 accepts only low-S signatures (a Bitcoin rule against malleability). ECDSA
            // itself, and UAF, accept either S, and authenticators emit both: normalise first.
            key.verify(message, &sig.normalize_s()).map_err(|_| FAILED)
        }
        #[cfg(feature = "p384")]
        (Inner::P384 { key, .. }, Prepared::Ecdsa(rs)) => {
            let sig = p384::ecdsa::Signature::from_slice(rs.as_bytes()).map_err(|_| FAILED)?;
            key.verify(message, &sig).map_err(|_| FAILED)
        }
        #[cfg(feature = "ed25519")]
        (Inner::Ed25519(key), Prepared::Ed25519(sig)) => {
            // Strict verification: rejects non-canonical S and R, as ring and AWS-LC do.
            let sig = ed25519_dalek::Signature::from_bytes(sig);
            key.verify_strict(message, &sig).map_err(|_| FAILED)
        }
        #[cfg(feature = "rsa")]
        (Inner::Rsa(rsa), Prepared::RsaPssSha256(s)) => {
            use sha2::Digest as _;
            let hashed = sha2::Sha256::digest(message);
            // Salt length = hash length (32), as the FIDO registry and ring require.
            rsa.key
                .verify(rsa::Pss::<sha2::Sha256>::new(), &hashed, s)
                .map_err(|_| FAILED)
        }
        #[cfg(feature = "rsa")]
        (Inner::Rsa(rsa), Prepared::RsaPkcs1Sha256(s)) => {
            use sha2::Digest as _;
            let hashed = sha2::Sha256::digest(message);
            rsa.key
                .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &hashed, s)
                .map_err(|_| FAILED)
        }
        #[allow(
            unreachable_patterns,
            reason = "reachable when more than one key type is enabled"
        )]
        _ => Err(FAILED),
    }
}
