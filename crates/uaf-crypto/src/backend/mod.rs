//! Signature verification by `ALG_SIGN_*` (digest §5.5, §6.1), behind one trait.
//!
//! The work is split in two: this module checks the algorithm, the key type and the signature
//! encoding once, the same way for every backend, and then hands a normalised signature to the
//! backend's primitive. So the backends can only differ in the primitive itself, and the
//! differential tests check that they do not.

mod rustcrypto;

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;
#[cfg(feature = "ring")]
mod ring;

use uaf_proto::registry::AlgSign;

use crate::{
    CryptoError, KeyType, PublicKey,
    sig::{self, FixedRs},
};

/// Verifies UAF signatures.
///
/// Implemented by [`Backend`]; implement it yourself to verify elsewhere (an HSM, a remote
/// service). Implementations must verify `signature` over the `message` bytes as received (the
/// signature primitive hashes them; digest §5.5), and fail closed.
pub trait SignatureVerifier {
    /// Verifies `signature`, encoded as `alg` prescribes, over `message` with `key`.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`], [`CryptoError::KeyAlgorithmMismatch`],
    /// [`CryptoError::BadSignatureEncoding`] or [`CryptoError::VerificationFailed`].
    fn verify(
        &self,
        alg: AlgSign,
        key: &PublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;
}

impl<T: SignatureVerifier + ?Sized> SignatureVerifier for &T {
    fn verify(
        &self,
        alg: AlgSign,
        key: &PublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        (**self).verify(alg, key, message, signature)
    }
}

/// The signature verification backends compiled into this build.
///
/// All backends accept and reject exactly the same inputs (the encoding rules are applied
/// before the backend is called, and the differential tests compare the primitives); they
/// differ in speed and in what they are built from. Algorithms a fast backend lacks
/// (secp256k1 in *ring*) are verified by RustCrypto.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// RustCrypto (`p256`, `k256`, `p384`, `ed25519-dalek`, `rsa`): pure Rust, `no_std`.
    RustCrypto,
    /// *ring* (feature `ring`): P-256, P-384, Ed25519 and RSA in assembly-optimised code.
    #[cfg(feature = "ring")]
    Ring,
    /// AWS-LC through `aws-lc-rs` (feature `aws-lc-rs`): every algorithm here, secp256k1
    /// included, in assembly-optimised code. The fastest P-256 verification measured
    /// (see the crate README).
    #[cfg(feature = "aws-lc-rs")]
    AwsLc,
}

impl Backend {
    /// Every backend compiled into this build.
    pub const ALL: &'static [Backend] = &[
        Backend::RustCrypto,
        #[cfg(feature = "ring")]
        Backend::Ring,
        #[cfg(feature = "aws-lc-rs")]
        Backend::AwsLc,
    ];

    /// The fastest backend compiled into this build, by this crate's P-256 benchmark:
    /// AWS-LC, then *ring*, then RustCrypto.
    #[must_use]
    pub const fn fastest() -> Backend {
        #[cfg(feature = "aws-lc-rs")]
        {
            Backend::AwsLc
        }
        #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
        {
            Backend::Ring
        }
        #[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
        {
            Backend::RustCrypto
        }
    }

    /// A short name: `rustcrypto`, `ring`, `aws-lc-rs`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Backend::RustCrypto => "rustcrypto",
            #[cfg(feature = "ring")]
            Backend::Ring => "ring",
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLc => "aws-lc-rs",
        }
    }
}

impl Default for Backend {
    /// [`Backend::fastest`].
    fn default() -> Self {
        Backend::fastest()
    }
}

impl SignatureVerifier for Backend {
    fn verify(
        &self,
        alg: AlgSign,
        key: &PublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let prepared = prepare(alg, key, signature)?;
        match self {
            Backend::RustCrypto => rustcrypto::verify(key, message, &prepared),
            #[cfg(feature = "ring")]
            Backend::Ring => ring::verify(key, message, &prepared)
                .unwrap_or_else(|| rustcrypto::verify(key, message, &prepared)),
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLc => aws_lc::verify(key, message, &prepared)
                .unwrap_or_else(|| rustcrypto::verify(key, message, &prepared)),
        }
    }
}

/// Verifies `signature` over `message` with `key` under `alg`, using [`Backend::fastest`].
///
/// `message` is the exact received byte string that was signed — for UAF the whole
/// `TAG_UAFV1_KRD` or `TAG_UAFV1_SIGNED_DATA` TLV, header included (digest §5.5); the signature
/// primitive hashes it. The signature is in the encoding `alg` names: RAW ECDSA is exactly
/// `r ‖ s` of twice the field size, DER ECDSA is strict DER, RSA `_DER` is an OCTET STRING.
///
/// | `ALG_SIGN_*` | feature |
/// |---|---|
/// | `SECP256R1_ECDSA_SHA256_RAW`/`_DER` (0x0001/0x0002) | always |
/// | `SECP256K1_ECDSA_SHA256_RAW`/`_DER` (0x0005/0x0006) | `secp256k1` |
/// | `RSASSA_PSS_SHA256_RAW`/`_DER` (0x0003/0x0004; salt 32) | `rsa` |
/// | `RSA_EMSA_PKCS1_SHA256_RAW`/`_DER`, `RSASSA_PKCSV15_SHA256_RAW` (0x0008/0x0009/0x000C) | `rsa` |
/// | `SECP384R1_ECDSA_SHA384_RAW` (0x0010) | `p384` |
/// | `ED25519_EDDSA_SHA512_RAW` (0x0012) | `ed25519` |
///
/// # Errors
/// [`CryptoError::UnsupportedAlgorithm`] for any other algorithm or a disabled feature,
/// [`CryptoError::KeyAlgorithmMismatch`] if the key's type does not fit `alg`,
/// [`CryptoError::BadSignatureEncoding`] if the signature is not in `alg`'s encoding,
/// [`CryptoError::VerificationFailed`] if it does not verify.
///
/// # Example
/// ```
/// use rand_chacha::ChaCha20Rng;
/// use rand_core::SeedableRng;
/// use uaf_crypto::{KeyType, SigningKey, verify};
/// use uaf_proto::registry::AlgSign;
///
/// let mut rng = ChaCha20Rng::seed_from_u64(7);
/// let key = SigningKey::generate(KeyType::P256, &mut rng)?;
/// let sig = key.sign(AlgSign::Secp256r1EcdsaSha256Der, b"signed data", &mut rng)?;
/// verify(AlgSign::Secp256r1EcdsaSha256Der, &key.public_key(), b"signed data", sig.as_bytes())?;
/// # Ok::<(), uaf_crypto::CryptoError>(())
/// ```
pub fn verify(
    alg: AlgSign,
    key: &PublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    Backend::fastest().verify(alg, key, message, signature)
}

/// A signature in the one form every backend takes.
pub(crate) enum Prepared<'s> {
    /// ECDSA `r ‖ s`, fixed width for the key's curve.
    Ecdsa(FixedRs),
    /// RSASSA-PSS with SHA-256, salt 32: the signature `S`, as long as the modulus.
    #[cfg(feature = "rsa")]
    RsaPssSha256(&'s [u8]),
    /// RSASSA-PKCS1-v1_5 with SHA-256: the signature `S`, as long as the modulus.
    #[cfg(feature = "rsa")]
    RsaPkcs1Sha256(&'s [u8]),
    /// Ed25519: 64 bytes `R ‖ S`.
    #[cfg(feature = "ed25519")]
    Ed25519(&'s [u8; 64]),
    /// Keeps the lifetime used when no borrowing variant is compiled in.
    #[cfg(not(any(feature = "rsa", feature = "ed25519")))]
    #[allow(dead_code, reason = "only a lifetime marker")]
    Never(core::marker::PhantomData<&'s [u8]>),
}

/// Checks the key type against `alg`, then reads the signature in `alg`'s encoding.
fn need(alg: AlgSign, key: &PublicKey, kt: KeyType) -> Result<(), CryptoError> {
    let have = key.key_type();
    if have == kt {
        Ok(())
    } else {
        Err(CryptoError::KeyAlgorithmMismatch { alg, key: have })
    }
}

/// Validates `alg`, the key's fit and the signature encoding; the same for every backend.
/// Whether this build verifies `alg`: its cargo feature is on and this crate implements it
/// (the algorithms [`verify`] accepts; everything else is
/// [`CryptoError::UnsupportedAlgorithm`]).
#[must_use]
pub const fn is_supported(alg: AlgSign) -> bool {
    use AlgSign::*;
    matches!(alg, Secp256r1EcdsaSha256Raw | Secp256r1EcdsaSha256Der)
        || (cfg!(feature = "secp256k1")
            && matches!(alg, Secp256k1EcdsaSha256Raw | Secp256k1EcdsaSha256Der))
        || (cfg!(feature = "p384") && matches!(alg, Secp384r1EcdsaSha384Raw))
        || (cfg!(feature = "ed25519") && matches!(alg, Ed25519EddsaSha512Raw))
        || (cfg!(feature = "rsa")
            && matches!(
                alg,
                RsassaPssSha256Raw
                    | RsassaPssSha256Der
                    | RsaEmsaPkcs1Sha256Raw
                    | RsaEmsaPkcs1Sha256Der
                    | RsassaPkcsv15Sha256Raw
            ))
}

fn prepare<'s>(
    alg: AlgSign,
    key: &PublicKey,
    signature: &'s [u8],
) -> Result<Prepared<'s>, CryptoError> {
    use AlgSign::*;
    match alg {
        Secp256r1EcdsaSha256Raw => {
            need(alg, key, KeyType::P256)?;
            sig::ecdsa_raw(alg, signature, 32).map(Prepared::Ecdsa)
        }
        Secp256r1EcdsaSha256Der => {
            need(alg, key, KeyType::P256)?;
            sig::ecdsa_der(alg, signature, 32).map(Prepared::Ecdsa)
        }
        #[cfg(feature = "secp256k1")]
        Secp256k1EcdsaSha256Raw => {
            need(alg, key, KeyType::Secp256k1)?;
            sig::ecdsa_raw(alg, signature, 32).map(Prepared::Ecdsa)
        }
        #[cfg(feature = "secp256k1")]
        Secp256k1EcdsaSha256Der => {
            need(alg, key, KeyType::Secp256k1)?;
            sig::ecdsa_der(alg, signature, 32).map(Prepared::Ecdsa)
        }
        #[cfg(feature = "p384")]
        Secp384r1EcdsaSha384Raw => {
            need(alg, key, KeyType::P384)?;
            sig::ecdsa_raw(alg, signature, 48).map(Prepared::Ecdsa)
        }
        #[cfg(feature = "ed25519")]
        Ed25519EddsaSha512Raw => {
            need(alg, key, KeyType::Ed25519)?;
            signature.try_into().map(Prepared::Ed25519).map_err(|_| {
                CryptoError::BadSignatureEncoding {
                    alg,
                    reason: "an Ed25519 signature is exactly 64 bytes",
                }
            })
        }
        #[cfg(feature = "rsa")]
        RsassaPssSha256Raw | RsassaPssSha256Der => {
            need(alg, key, KeyType::Rsa)?;
            let s = sig::rsa_signature(alg, signature, alg == RsassaPssSha256Der)?;
            rsa_len(alg, key, s)?;
            Ok(Prepared::RsaPssSha256(s))
        }
        #[cfg(feature = "rsa")]
        RsaEmsaPkcs1Sha256Raw | RsaEmsaPkcs1Sha256Der | RsassaPkcsv15Sha256Raw => {
            need(alg, key, KeyType::Rsa)?;
            let s = sig::rsa_signature(alg, signature, alg == RsaEmsaPkcs1Sha256Der)?;
            rsa_len(alg, key, s)?;
            Ok(Prepared::RsaPkcs1Sha256(s))
        }
        other => Err(CryptoError::UnsupportedAlgorithm(other)),
    }
}

/// An RSA signature `S` is exactly as long as the modulus (RFC 8017 §8.1.2 step 1).
#[cfg(feature = "rsa")]
fn rsa_len(alg: AlgSign, key: &PublicKey, s: &[u8]) -> Result<(), CryptoError> {
    match &key.inner {
        crate::key::Inner::Rsa(rsa) if rsa.n.len() == s.len() => Ok(()),
        _ => Err(CryptoError::BadSignatureEncoding {
            alg,
            reason: "an RSA signature is exactly as long as the modulus",
        }),
    }
}
