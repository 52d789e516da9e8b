//! Signing for the authenticator: ECDSA on P-256 (and secp256k1), RAW and DER encodings.

use core::fmt;

use rand_core::CryptoRng;
use signature::{RandomizedSigner, Signer};
use uaf_proto::registry::AlgSign;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{
    CryptoError, KeyType, PublicKey,
    key::Inner,
    sig::{self, MAX_DER_256_LEN},
};

/// A UAF authentication or attestation private key (`UAuth.priv`), for the authenticator side.
///
/// ECDSA on P-256 (`ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW/DER`) and, with feature `secp256k1`,
/// on secp256k1 (`ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW/DER`). One key signs in both encodings of
/// its curve. The secret scalar is zeroized when the key is dropped; it is never printed.
///
/// Two signing modes:
/// - [`SigningKey::sign`]: RFC 6979 nonces hedged with fresh randomness from the caller's
///   RNG (the default: safe even if the RNG is weak, and resistant to fault attacks);
/// - [`SigningKey::sign_deterministic`]: plain RFC 6979, so the same key and message always
///   give the same signature (for reproducible test vectors).
///
/// ```
/// use rand_chacha::ChaCha20Rng;
/// use rand_core::SeedableRng;
/// use uaf_crypto::{KeyType, SigningKey};
/// use uaf_proto::registry::{AlgKey, AlgSign};
///
/// let mut rng = ChaCha20Rng::seed_from_u64(1);
/// let key = SigningKey::generate(KeyType::P256, &mut rng)?;
/// let pub_key = key.public_key().encode(AlgKey::EccX962Raw)?; // for TAG_PUB_KEY
/// assert_eq!(pub_key.len(), 65);
/// let a = key.sign_deterministic(AlgSign::Secp256r1EcdsaSha256Raw, b"KRD")?;
/// let b = key.sign_deterministic(AlgSign::Secp256r1EcdsaSha256Raw, b"KRD")?;
/// assert_eq!(a, b);
/// // Key wrapping: export the scalar, import it later.
/// let wrapped = key.private_scalar();
/// let again = SigningKey::from_private_scalar(KeyType::P256, &wrapped[..])?;
/// assert_eq!(again.public_key(), key.public_key());
/// # Ok::<(), uaf_crypto::CryptoError>(())
/// ```
pub struct SigningKey {
    inner: SigningInner,
}

enum SigningInner {
    P256(p256::ecdsa::SigningKey),
    #[cfg(feature = "secp256k1")]
    Secp256k1(k256::ecdsa::SigningKey),
}

/// A signature made by [`SigningKey`], in the encoding of its algorithm (at most 72 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    alg: AlgSign,
    bytes: [u8; MAX_DER_256_LEN],
    len: usize,
}

impl Signature {
    /// The encoded signature, ready for `TAG_SIGNATURE`.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }

    /// The algorithm (and so the encoding) of the signature.
    #[must_use]
    pub const fn alg(&self) -> AlgSign {
        self.alg
    }

    /// The length of the encoded signature in bytes.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: a signature is never empty. Present for API symmetry with `len`.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Encodes the fixed `r ‖ s` form in the encoding `alg` names.
    fn encode(alg: AlgSign, rs: &[u8], der: bool) -> Result<Self, CryptoError> {
        let mut out = Signature {
            alg,
            bytes: [0; MAX_DER_256_LEN],
            len: 0,
        };
        if der {
            out.len =
                sig::ecdsa_fixed_to_der(rs, &mut out.bytes).ok_or(CryptoError::SigningFailed)?;
        } else {
            let dst = out
                .bytes
                .get_mut(..rs.len())
                .ok_or(CryptoError::SigningFailed)?;
            dst.copy_from_slice(rs);
            out.len = rs.len();
        }
        Ok(out)
    }
}

impl AsRef<[u8]> for Signature {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}, ", self.alg)?;
        self.as_bytes()
            .iter()
            .try_for_each(|b| write!(f, "{b:02x}"))?;
        f.write_str(")")
    }
}

/// How a signature algorithm is produced by a signing key.
#[derive(Clone, Copy)]
struct Plan {
    key: KeyType,
    der: bool,
}

fn plan(alg: AlgSign) -> Result<Plan, CryptoError> {
    match alg {
        AlgSign::Secp256r1EcdsaSha256Raw => Ok(Plan {
            key: KeyType::P256,
            der: false,
        }),
        AlgSign::Secp256r1EcdsaSha256Der => Ok(Plan {
            key: KeyType::P256,
            der: true,
        }),
        #[cfg(feature = "secp256k1")]
        AlgSign::Secp256k1EcdsaSha256Raw => Ok(Plan {
            key: KeyType::Secp256k1,
            der: false,
        }),
        #[cfg(feature = "secp256k1")]
        AlgSign::Secp256k1EcdsaSha256Der => Ok(Plan {
            key: KeyType::Secp256k1,
            der: true,
        }),
        other => Err(CryptoError::UnsupportedAlgorithm(other)),
    }
}

impl SigningKey {
    /// Generates a new key of type `key_type` from `rng`.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedKeyType`] unless `key_type` is P-256, or secp256k1 with the
    /// `secp256k1` feature.
    pub fn generate<R: CryptoRng + ?Sized>(
        key_type: KeyType,
        rng: &mut R,
    ) -> Result<Self, CryptoError> {
        use p256::elliptic_curve::Generate as _;
        let inner = match key_type {
            KeyType::P256 => SigningInner::P256(p256::ecdsa::SigningKey::generate_from_rng(rng)),
            #[cfg(feature = "secp256k1")]
            KeyType::Secp256k1 => {
                SigningInner::Secp256k1(k256::ecdsa::SigningKey::generate_from_rng(rng))
            }
            other => return Err(CryptoError::UnsupportedKeyType(other)),
        };
        Ok(SigningKey { inner })
    }

    /// Imports a private scalar (32 bytes, big-endian), for example one unwrapped from a key
    /// handle.
    ///
    /// # Errors
    /// [`CryptoError::BadPrivateKey`] if `scalar` is not 32 bytes or not in `1..n`;
    /// [`CryptoError::UnsupportedKeyType`] as for [`SigningKey::generate`].
    pub fn from_private_scalar(key_type: KeyType, scalar: &[u8]) -> Result<Self, CryptoError> {
        if scalar.len() != 32 {
            return Err(match key_type {
                KeyType::P256 | KeyType::Secp256k1 if key_type.is_supported() => {
                    CryptoError::BadPrivateKey(key_type)
                }
                other => CryptoError::UnsupportedKeyType(other),
            });
        }
        let bad = |_| CryptoError::BadPrivateKey(key_type);
        let inner = match key_type {
            KeyType::P256 => {
                SigningInner::P256(p256::ecdsa::SigningKey::from_slice(scalar).map_err(bad)?)
            }
            #[cfg(feature = "secp256k1")]
            KeyType::Secp256k1 => {
                SigningInner::Secp256k1(k256::ecdsa::SigningKey::from_slice(scalar).map_err(bad)?)
            }
            other => return Err(CryptoError::UnsupportedKeyType(other)),
        };
        Ok(SigningKey { inner })
    }

    /// Exports the private scalar (32 bytes, big-endian) for key wrapping. The returned buffer
    /// is zeroized when dropped.
    #[must_use]
    pub fn private_scalar(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0_u8; 32]);
        let mut bytes = match &self.inner {
            SigningInner::P256(k) => k.to_bytes(),
            #[cfg(feature = "secp256k1")]
            SigningInner::Secp256k1(k) => k.to_bytes(),
        };
        out.iter_mut().zip(bytes.iter()).for_each(|(d, s)| *d = *s);
        bytes.as_mut_slice().zeroize();
        out
    }

    /// The key's type (curve).
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        match &self.inner {
            SigningInner::P256(_) => KeyType::P256,
            #[cfg(feature = "secp256k1")]
            SigningInner::Secp256k1(_) => KeyType::Secp256k1,
        }
    }

    /// The public key (`UAuth.pub`), to encode with [`PublicKey::encode`] for `TAG_PUB_KEY`.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        let inner = match &self.inner {
            SigningInner::P256(k) => {
                let key = *k.verifying_key();
                let mut point = [0_u8; 65];
                copy(key.to_sec1_point(false).as_bytes(), &mut point);
                Inner::P256 { key, point }
            }
            #[cfg(feature = "secp256k1")]
            SigningInner::Secp256k1(k) => {
                let key = *k.verifying_key();
                let mut point = [0_u8; 65];
                copy(key.to_sec1_point(false).as_bytes(), &mut point);
                Inner::Secp256k1 { key, point }
            }
        };
        PublicKey::from_inner(inner)
    }

    /// The fit of `alg` with this key.
    fn plan(&self, alg: AlgSign) -> Result<Plan, CryptoError> {
        let plan = plan(alg)?;
        if plan.key == self.key_type() {
            Ok(plan)
        } else {
            Err(CryptoError::KeyAlgorithmMismatch {
                alg,
                key: self.key_type(),
            })
        }
    }

    /// Signs `message` (the primitive hashes it with SHA-256) for `alg`, with RFC 6979 nonces
    /// hedged by randomness from `rng`.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] for algorithms other than the ECDSA ones above,
    /// [`CryptoError::KeyAlgorithmMismatch`] if `alg` is for another curve,
    /// [`CryptoError::SigningFailed`] if the signer fails.
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        alg: AlgSign,
        message: &[u8],
        rng: &mut R,
    ) -> Result<Signature, CryptoError> {
        let plan = self.plan(alg)?;
        let failed = |_| CryptoError::SigningFailed;
        match &self.inner {
            SigningInner::P256(k) => {
                let s: p256::ecdsa::Signature =
                    k.try_sign_with_rng(rng, message).map_err(failed)?;
                Signature::encode(alg, &s.to_bytes(), plan.der)
            }
            #[cfg(feature = "secp256k1")]
            SigningInner::Secp256k1(k) => {
                let s: k256::ecdsa::Signature =
                    k.try_sign_with_rng(rng, message).map_err(failed)?;
                Signature::encode(alg, &s.to_bytes(), plan.der)
            }
        }
    }

    /// Signs `message` for `alg` with deterministic RFC 6979 nonces: the same key and message
    /// always give the same signature.
    ///
    /// # Errors
    /// As [`SigningKey::sign`].
    pub fn sign_deterministic(
        &self,
        alg: AlgSign,
        message: &[u8],
    ) -> Result<Signature, CryptoError> {
        let plan = self.plan(alg)?;
        let failed = |_| CryptoError::SigningFailed;
        match &self.inner {
            SigningInner::P256(k) => {
                let s: p256::ecdsa::Signature = k.try_sign(message).map_err(failed)?;
                Signature::encode(alg, &s.to_bytes(), plan.der)
            }
            #[cfg(feature = "secp256k1")]
            SigningInner::Secp256k1(k) => {
                let s: k256::ecdsa::Signature = k.try_sign(message).map_err(failed)?;
                Signature::encode(alg, &s.to_bytes(), plan.der)
            }
        }
    }
}

fn copy(src: &[u8], dst: &mut [u8]) {
    dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s);
}

/// The wrapped RustCrypto keys zeroize their scalar on drop.
impl ZeroizeOnDrop for SigningKey {}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("type", &self.key_type())
            .finish_non_exhaustive()
    }
}
