//! Certificate signature algorithms: the rustls-webpki `SignatureVerificationAlgorithm`s of the
//! strict path and the OID-driven verification of the legacy path, both over RustCrypto.

use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use rustls_pki_types::{
    AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, alg_id,
};
use sha1::Digest as _;
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};

use super::PublicKeyKind;

/// `id-ecPublicKey` (RFC 5480).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `secp256r1` / `prime256v1` (RFC 5480).
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `secp384r1` (RFC 5480).
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// `secp256k1` (SEC 2).
const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
/// `rsaEncryption` (RFC 8017).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-Ed25519` (RFC 8410).
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// `ecdsa-with-SHA1` (RFC 3279).
const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
/// `ecdsa-with-SHA256` (RFC 5758).
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// `ecdsa-with-SHA384` (RFC 5758).
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
/// `sha1WithRSAEncryption` (RFC 3279).
const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
/// `sha256WithRSAEncryption` (RFC 4055).
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// Smallest RSA modulus accepted in a certificate chain, in bits (as rustls-webpki's
/// `RSA_PKCS1_2048_8192_*` algorithms).
#[cfg(feature = "rsa")]
const RSA_MIN_MODULUS_BITS: usize = 2048;
/// Largest RSA modulus accepted in a certificate chain, in bits.
#[cfg(feature = "rsa")]
const RSA_MAX_MODULUS_BITS: usize = 8192;

/// The signature algorithms of the strict path. SHA-1 is deliberately absent.
pub(crate) static STRICT_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[
    &EcdsaP256Sha256,
    #[cfg(feature = "p384")]
    &EcdsaP384Sha384,
    #[cfg(feature = "rsa")]
    &RsaPkcs1Sha256,
];

/// ECDSA over P-256 with SHA-256 (`ecdsa-with-SHA256`, key `id-ecPublicKey` + `secp256r1`).
#[derive(Debug)]
struct EcdsaP256Sha256;

impl SignatureVerificationAlgorithm for EcdsaP256Sha256 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        verify_p256(public_key, message, signature, Hash::Sha256)
            .map_err(|BadSignature| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P256
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA256
    }
}

/// ECDSA over P-384 with SHA-384 (`ecdsa-with-SHA384`, key `id-ecPublicKey` + `secp384r1`).
#[cfg(feature = "p384")]
#[derive(Debug)]
struct EcdsaP384Sha384;

#[cfg(feature = "p384")]
impl SignatureVerificationAlgorithm for EcdsaP384Sha384 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        verify_p384(public_key, message, signature).map_err(|BadSignature| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P384
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA384
    }
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (`sha256WithRSAEncryption`), moduli of 2048..=8192 bits.
#[cfg(feature = "rsa")]
#[derive(Debug)]
struct RsaPkcs1Sha256;

#[cfg(feature = "rsa")]
impl SignatureVerificationAlgorithm for RsaPkcs1Sha256 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        verify_rsa(public_key, message, signature, Hash::Sha256)
            .map_err(|BadSignature| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_PKCS1_SHA256
    }
}

/// A signature that does not verify (or a key that cannot be decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadSignature;

/// The digest of a certificate signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
}

/// A certificate `signatureAlgorithm` that the legacy path knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CertSignatureAlgorithm {
    /// `ecdsa-with-SHA1` (legacy only).
    EcdsaSha1,
    /// `ecdsa-with-SHA256`.
    EcdsaSha256,
    /// `ecdsa-with-SHA384`.
    EcdsaSha384,
    /// `sha1WithRSAEncryption` (legacy only).
    RsaPkcs1Sha1,
    /// `sha256WithRSAEncryption`.
    RsaPkcs1Sha256,
}

impl CertSignatureAlgorithm {
    /// Identifies the algorithm. Parameters must be absent or NULL (old encoders wrote NULL
    /// even for ECDSA; RFC 5758 says absent).
    pub(crate) fn from_identifier(id: &AlgorithmIdentifierOwned) -> Option<Self> {
        if id.parameters.as_ref().is_some_and(|p| !p.is_null()) {
            return None;
        }
        match id.oid {
            ECDSA_WITH_SHA1 => Some(Self::EcdsaSha1),
            ECDSA_WITH_SHA256 => Some(Self::EcdsaSha256),
            ECDSA_WITH_SHA384 => Some(Self::EcdsaSha384),
            SHA1_WITH_RSA => Some(Self::RsaPkcs1Sha1),
            SHA256_WITH_RSA => Some(Self::RsaPkcs1Sha256),
            _ => None,
        }
    }
}

/// Whether `id` names a SHA-1 certificate signature algorithm (whatever its parameters).
pub(crate) fn is_sha1_identifier(id: &AlgorithmIdentifierOwned) -> bool {
    id.oid == ECDSA_WITH_SHA1 || id.oid == SHA1_WITH_RSA
}

/// Why the legacy path could not verify a certificate signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LegacyVerifyError {
    /// The algorithm, or the issuer key's type for that algorithm, is not supported.
    Unsupported,
    /// The signature does not verify.
    Bad,
}

/// Verifies a certificate signature for the legacy path: `alg` over `message` with the
/// issuer's `issuer_spki`.
pub(crate) fn verify_legacy(
    alg: CertSignatureAlgorithm,
    issuer_spki: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), LegacyVerifyError> {
    let key_kind = public_key_kind(issuer_spki);
    let public_key = issuer_spki
        .subject_public_key
        .as_bytes()
        .ok_or(LegacyVerifyError::Bad)?;
    let bad = |BadSignature| LegacyVerifyError::Bad;
    match (alg, key_kind) {
        (CertSignatureAlgorithm::EcdsaSha1, PublicKeyKind::EcP256) => {
            verify_p256(public_key, message, signature, Hash::Sha1).map_err(bad)
        }
        (CertSignatureAlgorithm::EcdsaSha256, PublicKeyKind::EcP256) => {
            verify_p256(public_key, message, signature, Hash::Sha256).map_err(bad)
        }
        #[cfg(feature = "p384")]
        (CertSignatureAlgorithm::EcdsaSha384, PublicKeyKind::EcP384) => {
            verify_p384(public_key, message, signature).map_err(bad)
        }
        #[cfg(feature = "rsa")]
        (CertSignatureAlgorithm::RsaPkcs1Sha1, PublicKeyKind::Rsa) => {
            verify_rsa(public_key, message, signature, Hash::Sha1).map_err(bad)
        }
        #[cfg(feature = "rsa")]
        (CertSignatureAlgorithm::RsaPkcs1Sha256, PublicKeyKind::Rsa) => {
            verify_rsa(public_key, message, signature, Hash::Sha256).map_err(bad)
        }
        _ => Err(LegacyVerifyError::Unsupported),
    }
}

/// The kind of key in a SubjectPublicKeyInfo, from its algorithm identifier.
pub(crate) fn public_key_kind(spki: &SubjectPublicKeyInfoOwned) -> PublicKeyKind {
    let algorithm = &spki.algorithm;
    if algorithm.oid == ID_EC_PUBLIC_KEY {
        let curve = algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        return match curve {
            Some(SECP256R1) => PublicKeyKind::EcP256,
            Some(SECP384R1) => PublicKeyKind::EcP384,
            Some(SECP256K1) => PublicKeyKind::EcSecp256k1,
            _ => PublicKeyKind::Other,
        };
    }
    if algorithm.oid == RSA_ENCRYPTION && algorithm.parameters.as_ref().is_none_or(|p| p.is_null())
    {
        return PublicKeyKind::Rsa;
    }
    if algorithm.oid == ID_ED25519 && algorithm.parameters.is_none() {
        return PublicKeyKind::Ed25519;
    }
    PublicKeyKind::Other
}

/// Length of an uncompressed SEC1 P-256 point.
const P256_UNCOMPRESSED_LEN: usize = 65;

/// ECDSA P-256 verification of a DER signature over `message` hashed with `hash`. The key
/// must be an uncompressed point (RFC 5480 requires support only for that form).
fn verify_p256(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
    hash: Hash,
) -> Result<(), BadSignature> {
    if public_key.len() != P256_UNCOMPRESSED_LEN || public_key.first() != Some(&0x04) {
        return Err(BadSignature);
    }
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| BadSignature)?;
    let signature = p256::ecdsa::Signature::from_der(signature).map_err(|_| BadSignature)?;
    match hash {
        Hash::Sha256 => key.verify(message, &signature).map_err(|_| BadSignature),
        Hash::Sha1 => {
            let digest = sha1::Sha1::digest(message);
            key.verify_prehash(&digest, &signature)
                .map_err(|_| BadSignature)
        }
    }
}

/// Length of an uncompressed SEC1 P-384 point.
#[cfg(feature = "p384")]
const P384_UNCOMPRESSED_LEN: usize = 97;

/// ECDSA P-384 / SHA-384 verification of a DER signature.
#[cfg(feature = "p384")]
fn verify_p384(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), BadSignature> {
    if public_key.len() != P384_UNCOMPRESSED_LEN || public_key.first() != Some(&0x04) {
        return Err(BadSignature);
    }
    let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| BadSignature)?;
    let signature = p384::ecdsa::Signature::from_der(signature).map_err(|_| BadSignature)?;
    key.verify(message, &signature).map_err(|_| BadSignature)
}

/// RSASSA-PKCS1-v1_5 verification; `public_key` is a PKCS#1 `RSAPublicKey` (the contents of
/// the SubjectPublicKeyInfo BIT STRING).
#[cfg(feature = "rsa")]
fn verify_rsa(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
    hash: Hash,
) -> Result<(), BadSignature> {
    use rsa::pkcs1::DecodeRsaPublicKey as _;
    use rsa::traits::PublicKeyParts as _;

    let key = rsa::PublicKey::from_pkcs1_der(public_key).map_err(|_| BadSignature)?;
    let bits = key.size().saturating_mul(8);
    if !(RSA_MIN_MODULUS_BITS..=RSA_MAX_MODULUS_BITS).contains(&bits) {
        return Err(BadSignature);
    }
    let signature = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| BadSignature)?;
    match hash {
        Hash::Sha256 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key)
            .verify(message, &signature)
            .map_err(|_| BadSignature),
        Hash::Sha1 => rsa::pkcs1v15::VerifyingKey::<sha1::Sha1>::new(key)
            .verify(message, &signature)
            .map_err(|_| BadSignature),
    }
}
