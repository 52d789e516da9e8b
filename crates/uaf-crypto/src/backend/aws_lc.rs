//! The AWS-LC backend (feature `aws-lc-rs`): every algorithm of this crate.

use aws_lc_rs::signature::{self as rs, ParsedPublicKey, VerificationAlgorithm};

use super::Prepared;
use crate::{CryptoError, PublicKey, key::Inner};

const FAILED: CryptoError = CryptoError::VerificationFailed;

/// Verifies a prepared signature, or returns `None` for what AWS-LC does not implement
/// (nothing today); the caller then uses RustCrypto.
pub(super) fn verify(
    key: &PublicKey,
    message: &[u8],
    prepared: &Prepared<'_>,
) -> Option<Result<(), CryptoError>> {
    // EC and Ed25519 keys: one verification algorithm per key type (the signature is already
    // in fixed form), so the parsed key is kept in the `PublicKey` and reused.
    let (alg, public, sig): (&'static dyn VerificationAlgorithm, &[u8], &[u8]) =
        match (&key.inner, prepared) {
            (Inner::P256 { point, .. }, Prepared::Ecdsa(sig)) => {
                (&rs::ECDSA_P256_SHA256_FIXED, point, sig.as_bytes())
            }
            #[cfg(feature = "secp256k1")]
            (Inner::Secp256k1 { point, .. }, Prepared::Ecdsa(sig)) => {
                (&rs::ECDSA_P256K1_SHA256_FIXED, point, sig.as_bytes())
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
                        .map_err(|_| FAILED),
                );
            }
            #[cfg(feature = "rsa")]
            (Inner::Rsa(k), Prepared::RsaPkcs1Sha256(s)) => {
                let components = rs::RsaPublicKeyComponents { n: &k.n, e: &k.e };
                return Some(
                    components
                        .verify(&rs::RSA_PKCS1_2048_8192_SHA256, message, s)
                        .map_err(|_| FAILED),
                );
            }
            #[allow(
                unreachable_patterns,
                reason = "reachable when more than one key type is enabled"
            )]
            _ => return None,
        };
    let parsed = key
        .aws_lc
        .get_or_init(|| ParsedPublicKey::new(alg, public).ok());
    Some(match parsed {
        Some(parsed) => parsed.verify_sig(message, sig).map_err(|_| FAILED),
        None => Err(FAILED),
    })
}
