//! The *ring* backend (feature `ring`): P-256, P-384, Ed25519 and RSA.

use ring::signature::{self as rs, UnparsedPublicKey, VerificationAlgorithm};

use super::Prepared;
use crate::{CryptoError, PublicKey, key::Inner};

/// Verifies a prepared signature, or returns `None` for what *ring* does not implement
/// (secp256k1); the caller then uses RustCrypto.
pub(super) fn verify(
    key: &PublicKey,
    message: &[u8],
    prepared: &Prepared<'_>,
) -> Option<Result<(), CryptoError>> {
    let (alg, public, sig): (&dyn VerificationAlgorithm, &[u8], &[u8]) =
        match (&key.inner, prepared) {
            (Inner::P256 { point, .. }, Prepared::Ecdsa(sig)) => {
                (&rs::ECDSA_P256_SHA256_FIXED, point, sig.as_bytes())
            }
            #[cfg(feature = "p384")]
            (Inner::P384 { point, .. }, Prepared::Ecdsa(sig)) => {
                (&rs::ECDSA_P384_SHA384_FIXED, point, sig.as_bytes())
            }
            #[cfg(feature = "ed25519")]
            (Inner::Ed25519(k), Prepared::Ed25519(sig)) => (&rs::ED25519, k.as_bytes(), *sig),
            #[cfg(feature = "rsa")]
            (Inner::Rsa(k), Prepared::RsaPssSha256(s)) => {
                let components = rs::RsaPublicKeyComponents { n: &k.n, e: &k.e };
                return Some(
                    components
                        .verify(&rs::RSA_PSS_2048_8192_SHA256, message, s)
                        .map_err(|_| CryptoError::VerificationFailed),
                );
            }
            #[cfg(feature = "rsa")]
            (Inner::Rsa(k), Prepared::RsaPkcs1Sha256(s)) => {
                let components = rs::RsaPublicKeyComponents { n: &k.n, e: &k.e };
                return Some(
                    components
                        .verify(&rs::RSA_PKCS1_2048_8192_SHA256, message, s)
                        .map_err(|_| CryptoError::VerificationFailed),
                );
            }
            _ => return None,
        };
    Some(
        UnparsedPublicKey::new(alg, public)
            .verify(message, sig)
            .map_err(|_| CryptoError::VerificationFailed),
    )
}
