//! Public keys by `ALG_KEY_*` (digest §6.2): decoding, curve checks and encoding.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;
use core::fmt;

#[cfg(feature = "rsa")]
use der::asn1::AnyRef;
use der::{Decode, Encode, asn1::BitStringRef};
use spki::{AlgorithmIdentifier, ObjectIdentifier, SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};
use uaf_proto::registry::{AlgKey, AlgSign};

use crate::CryptoError;

/// `id-ecPublicKey` (RFC 5480).
static OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `secp256r1` / P-256 (RFC 5480).
static OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `secp256k1` (SEC 2).
static OID_SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
/// `secp384r1` / P-384 (RFC 5480).
static OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// `id-Ed25519` (RFC 8410).
static OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// `rsaEncryption` (RFC 3279).
static OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The type of a public key: the curve of an EC key, or RSA.
///
/// Every value exists in every build; [`KeyType::is_supported`] says whether this build can use
/// it (its cargo feature is on).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// NIST P-256 (secp256r1): `ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW/DER`.
    P256,
    /// secp256k1: `ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW/DER` (feature `secp256k1`).
    Secp256k1,
    /// NIST P-384: `ALG_SIGN_SECP384R1_ECDSA_SHA384_RAW` (feature `p384`).
    P384,
    /// Ed25519: `ALG_SIGN_ED25519_EDDSA_SHA512_RAW` (feature `ed25519`).
    Ed25519,
    /// RSA, 2048 to 4096 bits: the RSASSA-PSS and PKCS#1 v1.5 algorithms (feature `rsa`).
    Rsa,
}

impl KeyType {
    /// The key type an `ALG_SIGN_*` algorithm needs, or `None` for algorithms whose key type
    /// this crate does not know (SM2, P-521, Ed448, unknown values).
    #[must_use]
    pub const fn for_alg(alg: AlgSign) -> Option<KeyType> {
        use AlgSign::*;
        match alg {
            Secp256r1EcdsaSha256Raw | Secp256r1EcdsaSha256Der => Some(KeyType::P256),
            Secp256k1EcdsaSha256Raw | Secp256k1EcdsaSha256Der => Some(KeyType::Secp256k1),
            Secp384r1EcdsaSha384Raw => Some(KeyType::P384),
            Ed25519EddsaSha512Raw => Some(KeyType::Ed25519),
            RsassaPssSha256Raw
            | RsassaPssSha256Der
            | RsaEmsaPkcs1Sha256Raw
            | RsaEmsaPkcs1Sha256Der
            | RsassaPssSha384Raw
            | RsassaPssSha512Raw
            | RsassaPkcsv15Sha256Raw
            | RsassaPkcsv15Sha384Raw
            | RsassaPkcsv15Sha512Raw
            | RsassaPkcsv15Sha1Raw => Some(KeyType::Rsa),
            _ => None,
        }
    }

    /// A short human name: `P-256`, `secp256k1`, `P-384`, `Ed25519`, `RSA`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            KeyType::P256 => "P-256",
            KeyType::Secp256k1 => "secp256k1",
            KeyType::P384 => "P-384",
            KeyType::Ed25519 => "Ed25519",
            KeyType::Rsa => "RSA",
        }
    }

    /// Whether this build can decode and verify with keys of this type.
    #[must_use]
    pub const fn is_supported(self) -> bool {
        match self {
            KeyType::P256 => true,
            KeyType::Secp256k1 => cfg!(feature = "secp256k1"),
            KeyType::P384 => cfg!(feature = "p384"),
            KeyType::Ed25519 => cfg!(feature = "ed25519"),
            KeyType::Rsa => cfg!(feature = "rsa"),
        }
    }

    /// The cargo feature that brings this key type in.
    pub(crate) const fn feature(self) -> &'static str {
        match self {
            KeyType::P256 => "default",
            KeyType::Secp256k1 => "secp256k1",
            KeyType::P384 => "p384",
            KeyType::Ed25519 => "ed25519",
            KeyType::Rsa => "rsa",
        }
    }

    /// The field (and scalar) size of an EC curve in bytes.
    const fn field_len(self) -> Option<usize> {
        match self {
            KeyType::P256 | KeyType::Secp256k1 => Some(32),
            KeyType::P384 => Some(48),
            KeyType::Ed25519 | KeyType::Rsa => None,
        }
    }

    /// The named-curve OID of an EC key type.
    fn curve_oid(self) -> Option<&'static ObjectIdentifier> {
        match self {
            KeyType::P256 => Some(&OID_P256),
            KeyType::Secp256k1 => Some(&OID_SECP256K1),
            KeyType::P384 => Some(&OID_P384),
            KeyType::Ed25519 | KeyType::Rsa => None,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The decoded, validated key. Backend types stay inside this crate.
#[derive(Clone)]
pub(crate) enum Inner {
    /// P-256 point, parsed and as its uncompressed SEC1 encoding.
    P256 {
        key: p256::ecdsa::VerifyingKey,
        point: [u8; 65],
    },
    /// secp256k1 point.
    #[cfg(feature = "secp256k1")]
    Secp256k1 {
        key: k256::ecdsa::VerifyingKey,
        point: [u8; 65],
    },
    /// P-384 point.
    #[cfg(feature = "p384")]
    P384 {
        key: p384::ecdsa::VerifyingKey,
        point: [u8; 97],
    },
    /// Ed25519 point (not of small order).
    #[cfg(feature = "ed25519")]
    Ed25519(ed25519_dalek::VerifyingKey),
    /// RSA key.
    #[cfg(feature = "rsa")]
    Rsa(alloc::boxed::Box<RsaKey>),
}

/// An RSA public key with its minimal big-endian components.
#[cfg(feature = "rsa")]
#[derive(Clone)]
pub(crate) struct RsaKey {
    pub(crate) key: rsa::PublicKey,
    /// Modulus, big-endian, no leading zero.
    pub(crate) n: Vec<u8>,
    /// Public exponent, big-endian, no leading zero.
    pub(crate) e: Vec<u8>,
}

/// A validated public key of a UAF authenticator, decoded from any `ALG_KEY_*` encoding.
///
/// Decoding checks everything that can be checked without a signature: the encoding is strict,
/// EC points are uncompressed and on their curve, Ed25519 points are not of small order, RSA
/// moduli have 2048 to 4096 bits and exponents are odd, at least 3 and below 2³³.
///
/// `ALG_KEY_ECC_X962_RAW` does not name its curve: [`PublicKey::decode`] reads a 65-byte point
/// as P-256 and a 97-byte point as P-384; [`PublicKey::decode_for`] takes the curve from the
/// signature algorithm instead (needed for raw secp256k1 keys) and also checks that the key fits
/// the algorithm.
///
/// ```
/// use uaf_crypto::{KeyType, PublicKey};
/// use uaf_proto::registry::{AlgKey, AlgSign};
/// # let raw = hex::decode("049b2f12d52c54a87bb66607849d85066de41d4f8e09d5a25185628e061af3531f923435cfa5221db28ff7f9d1cc837d6a7a6b1ea0c6711eaaecedb4abfc9cb590").unwrap();
/// let key = PublicKey::decode_for(AlgSign::Secp256r1EcdsaSha256Raw, AlgKey::EccX962Raw, &raw)?;
/// assert_eq!(key.key_type(), KeyType::P256);
/// // The stored form of a key is a COSE_Key; it reads back to the same key.
/// let stored = key.to_cose_key()?;
/// assert_eq!(PublicKey::from_cose_key(&stored)?, key);
/// # Ok::<(), uaf_crypto::CryptoError>(())
/// ```
#[derive(Clone)]
pub struct PublicKey {
    pub(crate) inner: Inner,
    /// The key as AWS-LC parsed it, made on the first AWS-LC verification and kept, so a
    /// key that is kept (a server's key cache) is parsed once (`None`: AWS-LC refused it).
    #[cfg(feature = "aws-lc-rs")]
    pub(crate) aws_lc: std::sync::OnceLock<Option<aws_lc_rs::signature::ParsedPublicKey>>,
}

fn bad_key(encoding: AlgKey, reason: &'static str) -> CryptoError {
    CryptoError::BadKeyEncoding { encoding, reason }
}

/// Copies an uncompressed SEC1 point of exactly `N` bytes.
fn uncompressed<const N: usize>(point: &[u8], encoding: AlgKey) -> Result<[u8; N], CryptoError> {
    let arr: [u8; N] = point.try_into().map_err(|_| {
        bad_key(
            encoding,
            "the EC point has the wrong length for its curve (uncompressed 04 || X || Y expected)",
        )
    })?;
    match arr.first() {
        Some(4) => Ok(arr),
        _ => Err(bad_key(
            encoding,
            "the EC point is not uncompressed (it must start with 0x04; compressed points are \
             not accepted in UAF)",
        )),
    }
}

const NOT_ON_CURVE: &str = "the EC point is not on the curve";

/// Decodes an uncompressed point of the EC key type `kt`.
pub(crate) fn ec_key(kt: KeyType, point: &[u8], encoding: AlgKey) -> Result<Inner, CryptoError> {
    match kt {
        KeyType::P256 => {
            let point = uncompressed::<65>(point, encoding)?;
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                .map_err(|_| bad_key(encoding, NOT_ON_CURVE))?;
            Ok(Inner::P256 { key, point })
        }
        #[cfg(feature = "secp256k1")]
        KeyType::Secp256k1 => {
            let point = uncompressed::<65>(point, encoding)?;
            let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                .map_err(|_| bad_key(encoding, NOT_ON_CURVE))?;
            Ok(Inner::Secp256k1 { key, point })
        }
        #[cfg(feature = "p384")]
        KeyType::P384 => {
            let point = uncompressed::<97>(point, encoding)?;
            let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                .map_err(|_| bad_key(encoding, NOT_ON_CURVE))?;
            Ok(Inner::P384 { key, point })
        }
        other => Err(CryptoError::UnsupportedKeyType(other)),
    }
}

/// Decodes a 32-byte Ed25519 public key.
#[cfg(feature = "ed25519")]
pub(crate) fn ed25519_key(bytes: &[u8], encoding: AlgKey) -> Result<Inner, CryptoError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| bad_key(encoding, "an Ed25519 public key is exactly 32 bytes"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&arr)
        .map_err(|_| bad_key(encoding, "not a valid Ed25519 point"))?;
    if key.is_weak() {
        return Err(bad_key(encoding, "the Ed25519 point has small order"));
    }
    Ok(Inner::Ed25519(key))
}

#[cfg(not(feature = "ed25519"))]
pub(crate) fn ed25519_key(_bytes: &[u8], _encoding: AlgKey) -> Result<Inner, CryptoError> {
    Err(CryptoError::UnsupportedKeyType(KeyType::Ed25519))
}

/// The smallest and largest RSA modulus accepted, in bits.
#[cfg(feature = "rsa")]
const RSA_BITS: core::ops::RangeInclusive<usize> = 2048..=4096;

/// Builds an RSA key from big-endian `n` and `e` without leading zeros.
#[cfg(feature = "rsa")]
pub(crate) fn rsa_key(n: &[u8], e: &[u8], encoding: AlgKey) -> Result<Inner, CryptoError> {
    use rsa::BoxedUint;

    let (Some(n_first), Some(n_last)) = (n.first(), n.last()) else {
        return Err(bad_key(encoding, "the RSA modulus is empty"));
    };
    if *n_first == 0 {
        return Err(bad_key(encoding, "the RSA modulus has a leading zero byte"));
    }
    let n_bits = n.len().saturating_sub(1).saturating_mul(8).saturating_add(
        usize::try_from(8_u32.saturating_sub(n_first.leading_zeros())).unwrap_or(0),
    );
    if !RSA_BITS.contains(&n_bits) {
        return Err(bad_key(
            encoding,
            "the RSA modulus must have 2048 to 4096 bits",
        ));
    }
    if n_last & 1 == 0 {
        return Err(bad_key(encoding, "the RSA modulus is even"));
    }
    match e.first() {
        None => return Err(bad_key(encoding, "the RSA public exponent is empty")),
        Some(0) => {
            return Err(bad_key(
                encoding,
                "the RSA public exponent has a leading zero byte",
            ));
        }
        Some(_) => {}
    }
    if e.len() > 5 {
        return Err(bad_key(
            encoding,
            "the RSA public exponent is 2^33 or larger",
        ));
    }
    let e_value = e.iter().fold(0_u64, |acc, b| (acc << 8) | u64::from(*b));
    if e_value < 3 || e_value & 1 == 0 || e_value >= (1 << 33) {
        return Err(bad_key(
            encoding,
            "the RSA public exponent must be odd, at least 3 and below 2^33",
        ));
    }
    let key = rsa::PublicKey::new_with_size_limits(
        BoxedUint::from_be_slice_vartime(n),
        BoxedUint::from_be_slice_vartime(e),
        RSA_BITS,
    )
    .map_err(|_| bad_key(encoding, "not a valid RSA public key"))?;
    Ok(Inner::Rsa(alloc::boxed::Box::new(RsaKey {
        key,
        n: n.to_vec(),
        e: e.to_vec(),
    })))
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017).
#[cfg(feature = "rsa")]
struct RsaPublicKeyDer<'a> {
    n: der::asn1::UintRef<'a>,
    e: der::asn1::UintRef<'a>,
}

#[cfg(feature = "rsa")]
impl<'a> der::DecodeValue<'a> for RsaPublicKeyDer<'a> {
    type Error = der::Error;

    fn decode_value<R: der::Reader<'a>>(reader: &mut R, _header: der::Header) -> der::Result<Self> {
        Ok(Self {
            n: reader.decode()?,
            e: reader.decode()?,
        })
    }
}

#[cfg(feature = "rsa")]
impl der::EncodeValue for RsaPublicKeyDer<'_> {
    fn value_len(&self) -> der::Result<der::Length> {
        self.n.encoded_len()? + self.e.encoded_len()?
    }

    fn encode_value(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        self.n.encode(writer)?;
        self.e.encode(writer)
    }
}

#[cfg(feature = "rsa")]
impl<'a> der::Sequence<'a> for RsaPublicKeyDer<'a> {}

/// Decodes a PKCS#1 `RSAPublicKey`.
#[cfg(feature = "rsa")]
fn rsa_from_pkcs1(bytes: &[u8], encoding: AlgKey) -> Result<Inner, CryptoError> {
    let der = RsaPublicKeyDer::from_der(bytes)
        .map_err(|_| bad_key(encoding, "not a strict DER PKCS#1 RSAPublicKey"))?;
    rsa_key(der.n.as_bytes(), der.e.as_bytes(), encoding)
}

#[cfg(not(feature = "rsa"))]
fn rsa_from_pkcs1(_bytes: &[u8], _encoding: AlgKey) -> Result<Inner, CryptoError> {
    Err(CryptoError::UnsupportedKeyType(KeyType::Rsa))
}

/// Decodes a DER `SubjectPublicKeyInfo` (RFC 5280) of an EC, Ed25519 or RSA key.
fn decode_spki(bytes: &[u8], encoding: AlgKey) -> Result<Inner, CryptoError> {
    let spki = SubjectPublicKeyInfoRef::from_der(bytes)
        .map_err(|_| bad_key(encoding, "not a strict DER SubjectPublicKeyInfo"))?;
    let key_bytes = spki.subject_public_key.as_bytes().ok_or(bad_key(
        encoding,
        "the subjectPublicKey BIT STRING has unused bits",
    ))?;
    let alg = &spki.algorithm;
    if alg.oid == OID_EC_PUBLIC_KEY {
        let curve = alg.parameters_oid().map_err(|_| {
            bad_key(
                encoding,
                "the EC key parameters are not a namedCurve OID (RFC 5480)",
            )
        })?;
        let kt = if curve == OID_P256 {
            KeyType::P256
        } else if curve == OID_SECP256K1 {
            KeyType::Secp256k1
        } else if curve == OID_P384 {
            KeyType::P384
        } else {
            return Err(bad_key(
                encoding,
                "unknown named curve (P-256, secp256k1 and P-384 are known)",
            ));
        };
        ec_key(kt, key_bytes, encoding)
    } else if alg.oid == OID_ED25519 {
        if alg.parameters.is_some() {
            return Err(bad_key(
                encoding,
                "Ed25519 key parameters must be absent (RFC 8410)",
            ));
        }
        ed25519_key(key_bytes, encoding)
    } else if alg.oid == OID_RSA_ENCRYPTION {
        match alg.parameters {
            Some(p) if p.is_null() => rsa_from_pkcs1(key_bytes, encoding),
            _ => Err(bad_key(
                encoding,
                "rsaEncryption parameters must be NULL (RFC 3279)",
            )),
        }
    } else {
        Err(bad_key(
            encoding,
            "unknown key algorithm OID (id-ecPublicKey, id-Ed25519 and rsaEncryption are known)",
        ))
    }
}

impl PublicKey {
    /// Wraps a validated key.
    pub(crate) fn from_inner(inner: Inner) -> Self {
        PublicKey {
            inner,
            #[cfg(feature = "aws-lc-rs")]
            aws_lc: std::sync::OnceLock::new(),
        }
    }

    /// Decodes a public key from its `ALG_KEY_*` encoding (digest §6.2).
    ///
    /// - `ALG_KEY_ECC_X962_RAW` (0x0100): uncompressed point `04 ‖ X ‖ Y`; 65 bytes read as P-256,
    ///   97 bytes as P-384 (see [`PublicKey::decode_for`] for secp256k1);
    /// - `ALG_KEY_ECC_X962_DER` (0x0101): DER `SubjectPublicKeyInfo`, `id-ecPublicKey` with a
    ///   named curve (or `id-Ed25519`, RFC 8410);
    /// - `ALG_KEY_RSA_2048_RAW` (0x0102): modulus `n` (256 bytes) followed by the exponent `e`;
    /// - `ALG_KEY_RSA_2048_DER` (0x0103): DER PKCS#1 `RSAPublicKey` or `SubjectPublicKeyInfo`
    ///   (both are seen in the field);
    /// - `ALG_KEY_COSE` (0x0104): a COSE_Key map (RFC 8152 §13) of type EC2 (P-256, secp256k1,
    ///   P-384), OKP (Ed25519) or RSA (needs `alloc`).
    ///
    /// # Errors
    /// [`CryptoError::BadKeyEncoding`] if the bytes are not a valid key in that encoding,
    /// [`CryptoError::KeyEncodingMismatch`] if they hold a key of a type the encoding is not for
    /// (an RSA key in `ALG_KEY_ECC_X962_DER`), [`CryptoError::UnsupportedKeyType`] if the key's
    /// feature is off, [`CryptoError::UnsupportedKeyEncoding`] for unknown encodings.
    pub fn decode(encoding: AlgKey, bytes: &[u8]) -> Result<Self, CryptoError> {
        let inner = match encoding {
            AlgKey::EccX962Raw => {
                let kt = if bytes.len() == 97 {
                    KeyType::P384
                } else {
                    KeyType::P256
                };
                ec_key(kt, bytes, encoding)?
            }
            AlgKey::EccX962Der => decode_spki(bytes, encoding)?,
            AlgKey::Rsa2048Raw => decode_rsa_raw(bytes)?,
            AlgKey::Rsa2048Der => decode_rsa_der(bytes)?,
            #[cfg(feature = "alloc")]
            AlgKey::Cose => crate::cose::decode(bytes)?,
            other => return Err(CryptoError::UnsupportedKeyEncoding(other)),
        };
        let key = PublicKey::from_inner(inner);
        let fits = match encoding {
            AlgKey::EccX962Der => matches!(
                key.key_type(),
                KeyType::P256 | KeyType::Secp256k1 | KeyType::P384 | KeyType::Ed25519
            ),
            AlgKey::Rsa2048Der => key.key_type() == KeyType::Rsa,
            _ => true,
        };
        if fits {
            Ok(key)
        } else {
            Err(CryptoError::KeyEncodingMismatch {
                encoding,
                key: key.key_type(),
            })
        }
    }

    /// Decodes a public key for use with the signature algorithm `alg`, and checks that it fits.
    ///
    /// The same as [`PublicKey::decode`], except that an `ALG_KEY_ECC_X962_RAW` point is read on
    /// the curve of `alg` (the raw form does not name its curve).
    ///
    /// # Errors
    /// As [`PublicKey::decode`], plus [`CryptoError::KeyAlgorithmMismatch`] if the key does not
    /// fit `alg` and [`CryptoError::UnsupportedAlgorithm`] if `alg` has no known key type.
    pub fn decode_for(alg: AlgSign, encoding: AlgKey, bytes: &[u8]) -> Result<Self, CryptoError> {
        let kt = KeyType::for_alg(alg).ok_or(CryptoError::UnsupportedAlgorithm(alg))?;
        let key = match (encoding, kt.field_len()) {
            (AlgKey::EccX962Raw, Some(_)) => PublicKey::from_inner(ec_key(kt, bytes, encoding)?),
            _ => PublicKey::decode(encoding, bytes)?,
        };
        key.check_alg(alg)?;
        Ok(key)
    }

    /// The key's type (curve, or RSA).
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        match &self.inner {
            Inner::P256 { .. } => KeyType::P256,
            #[cfg(feature = "secp256k1")]
            Inner::Secp256k1 { .. } => KeyType::Secp256k1,
            #[cfg(feature = "p384")]
            Inner::P384 { .. } => KeyType::P384,
            #[cfg(feature = "ed25519")]
            Inner::Ed25519(_) => KeyType::Ed25519,
            #[cfg(feature = "rsa")]
            Inner::Rsa(_) => KeyType::Rsa,
        }
    }

    /// Checks that this key can verify signatures of `alg`: a P-256 key fits both
    /// `…SECP256R1…_RAW` and `…_DER`, an RSA key every RSA algorithm, and so on.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] if `alg` has no known key type,
    /// [`CryptoError::KeyAlgorithmMismatch`] if the key is of another type.
    pub fn check_alg(&self, alg: AlgSign) -> Result<(), CryptoError> {
        let want = KeyType::for_alg(alg).ok_or(CryptoError::UnsupportedAlgorithm(alg))?;
        let have = self.key_type();
        if want == have {
            Ok(())
        } else {
            Err(CryptoError::KeyAlgorithmMismatch { alg, key: have })
        }
    }

    /// The uncompressed point `04 ‖ X ‖ Y` of an EC key (the `ALG_KEY_ECC_X962_RAW` form), or
    /// `None` for Ed25519 and RSA keys.
    #[must_use]
    pub fn x962_point(&self) -> Option<&[u8]> {
        match &self.inner {
            Inner::P256 { point, .. } => Some(point),
            #[cfg(feature = "secp256k1")]
            Inner::Secp256k1 { point, .. } => Some(point),
            #[cfg(feature = "p384")]
            Inner::P384 { point, .. } => Some(point),
            #[cfg(feature = "ed25519")]
            Inner::Ed25519(_) => None,
            #[cfg(feature = "rsa")]
            Inner::Rsa(_) => None,
        }
    }

    /// The `SubjectPublicKeyInfo` of an EC or Ed25519 key (`ALG_KEY_ECC_X962_DER`).
    fn ec_spki(
        &self,
    ) -> Result<SubjectPublicKeyInfo<der::asn1::AnyRef<'static>, BitStringRef<'_>>, CryptoError>
    {
        let mismatch = CryptoError::KeyEncodingMismatch {
            encoding: AlgKey::EccX962Der,
            key: self.key_type(),
        };
        let bad = |_| bad_key(AlgKey::EccX962Der, "the key is too long for a BIT STRING");
        if let Some(point) = self.x962_point() {
            let curve = self.key_type().curve_oid().ok_or(mismatch)?;
            return Ok(SubjectPublicKeyInfo {
                algorithm: AlgorithmIdentifier {
                    oid: OID_EC_PUBLIC_KEY,
                    parameters: Some(der::asn1::AnyRef::from(curve)),
                },
                subject_public_key: BitStringRef::from_bytes(point).map_err(bad)?,
            });
        }
        #[cfg(feature = "ed25519")]
        if let Inner::Ed25519(key) = &self.inner {
            return Ok(SubjectPublicKeyInfo {
                algorithm: AlgorithmIdentifier {
                    oid: OID_ED25519,
                    parameters: None,
                },
                subject_public_key: BitStringRef::from_bytes(key.as_bytes()).map_err(bad)?,
            });
        }
        Err(mismatch)
    }

    /// Writes the key in `encoding` into `buf` and returns the written bytes. Without `alloc`,
    /// only the EC encodings (`ALG_KEY_ECC_X962_RAW`, `ALG_KEY_ECC_X962_DER`) are available.
    ///
    /// # Errors
    /// [`CryptoError::BufferTooSmall`] if `buf` is too short, otherwise as
    /// [`PublicKey::encode`].
    pub fn encode_to_slice<'b>(
        &self,
        encoding: AlgKey,
        buf: &'b mut [u8],
    ) -> Result<&'b [u8], CryptoError> {
        match encoding {
            AlgKey::EccX962Raw => {
                let point = self.x962_point().ok_or(CryptoError::KeyEncodingMismatch {
                    encoding,
                    key: self.key_type(),
                })?;
                copy_out(point, buf)
            }
            AlgKey::EccX962Der => {
                let spki = self.ec_spki()?;
                let needed = spki
                    .encoded_len()
                    .ok()
                    .and_then(|l| usize::try_from(l).ok())
                    .ok_or(bad_key(encoding, "the key is too long to encode"))?;
                if buf.len() < needed {
                    return Err(CryptoError::BufferTooSmall { needed });
                }
                let written = spki
                    .encode_to_slice(buf)
                    .map_err(|_| CryptoError::BufferTooSmall { needed })?;
                Ok(written)
            }
            #[cfg(feature = "alloc")]
            AlgKey::Rsa2048Raw | AlgKey::Rsa2048Der | AlgKey::Cose => {
                let bytes = self.encode(encoding)?;
                copy_out(&bytes, buf)
            }
            #[cfg(not(feature = "alloc"))]
            AlgKey::Rsa2048Raw | AlgKey::Rsa2048Der => Err(CryptoError::KeyEncodingMismatch {
                encoding,
                key: self.key_type(),
            }),
            other => Err(CryptoError::UnsupportedKeyEncoding(other)),
        }
    }

    /// Encodes the key in `encoding` (the inverse of [`PublicKey::decode`]):
    ///
    /// - `ALG_KEY_ECC_X962_RAW`: the uncompressed point (EC keys);
    /// - `ALG_KEY_ECC_X962_DER`: `SubjectPublicKeyInfo` (EC and Ed25519 keys);
    /// - `ALG_KEY_RSA_2048_RAW`: `n ‖ e` (2048-bit RSA keys only);
    /// - `ALG_KEY_RSA_2048_DER`: `SubjectPublicKeyInfo` with `rsaEncryption` (RSA keys);
    /// - `ALG_KEY_COSE`: a COSE_Key, as [`PublicKey::to_cose_key`].
    ///
    /// # Errors
    /// [`CryptoError::KeyEncodingMismatch`] if the key cannot be written in `encoding`,
    /// [`CryptoError::UnsupportedKeyEncoding`] for unknown encodings.
    #[cfg(feature = "alloc")]
    pub fn encode(&self, encoding: AlgKey) -> Result<Vec<u8>, CryptoError> {
        let mismatch = CryptoError::KeyEncodingMismatch {
            encoding,
            key: self.key_type(),
        };
        match encoding {
            AlgKey::EccX962Raw => self.x962_point().map(<[u8]>::to_vec).ok_or(mismatch),
            AlgKey::EccX962Der => self
                .ec_spki()?
                .to_der()
                .map_err(|_| bad_key(encoding, "the key is too long to encode")),
            #[cfg(feature = "rsa")]
            AlgKey::Rsa2048Raw => match &self.inner {
                Inner::Rsa(rsa) if rsa.n.len() == 256 => {
                    let mut out = Vec::with_capacity(rsa.n.len().saturating_add(rsa.e.len()));
                    out.extend_from_slice(&rsa.n);
                    out.extend_from_slice(&rsa.e);
                    Ok(out)
                }
                _ => Err(mismatch),
            },
            #[cfg(feature = "rsa")]
            AlgKey::Rsa2048Der => match &self.inner {
                Inner::Rsa(rsa) => rsa_spki(rsa),
                _ => Err(mismatch),
            },
            #[cfg(not(feature = "rsa"))]
            AlgKey::Rsa2048Raw | AlgKey::Rsa2048Der => Err(mismatch),
            AlgKey::Cose => crate::cose::encode(&self.inner),
            other => Err(CryptoError::UnsupportedKeyEncoding(other)),
        }
    }

    /// Encodes the key as a COSE_Key (RFC 8152 §13): the form in which a relying party stores
    /// a registered key. EC keys carry `alg` (ES256, ES256K, ES384), Ed25519 keys `EdDSA`; RSA
    /// keys carry no `alg`, since one RSA key may serve PSS and PKCS#1 v1.5 algorithms.
    ///
    /// # Errors
    /// Only if CBOR encoding fails ([`CryptoError::BadKeyEncoding`]); never for a valid key.
    #[cfg(feature = "alloc")]
    pub fn to_cose_key(&self) -> Result<Vec<u8>, CryptoError> {
        crate::cose::encode(&self.inner)
    }

    /// Decodes a COSE_Key, as `PublicKey::decode(AlgKey::Cose, bytes)`.
    ///
    /// # Errors
    /// As [`PublicKey::decode`].
    #[cfg(feature = "alloc")]
    pub fn from_cose_key(bytes: &[u8]) -> Result<Self, CryptoError> {
        PublicKey::decode(AlgKey::Cose, bytes)
    }
}

/// The `SubjectPublicKeyInfo` DER of an RSA key.
#[cfg(feature = "rsa")]
fn rsa_spki(rsa: &RsaKey) -> Result<Vec<u8>, CryptoError> {
    let too_long = |_| bad_key(AlgKey::Rsa2048Der, "the key is too long to encode");
    let pkcs1 = RsaPublicKeyDer {
        n: der::asn1::UintRef::new(&rsa.n).map_err(too_long)?,
        e: der::asn1::UintRef::new(&rsa.e).map_err(too_long)?,
    }
    .to_der()
    .map_err(too_long)?;
    SubjectPublicKeyInfo {
        algorithm: AlgorithmIdentifier {
            oid: OID_RSA_ENCRYPTION,
            parameters: Some(AnyRef::NULL),
        },
        subject_public_key: BitStringRef::from_bytes(&pkcs1).map_err(too_long)?,
    }
    .to_der()
    .map_err(too_long)
}

fn copy_out<'b>(src: &[u8], buf: &'b mut [u8]) -> Result<&'b [u8], CryptoError> {
    let needed = src.len();
    let dst = buf
        .get_mut(..needed)
        .ok_or(CryptoError::BufferTooSmall { needed })?;
    dst.copy_from_slice(src);
    Ok(dst)
}

/// `ALG_KEY_RSA_2048_RAW`: 256-byte modulus, then the exponent.
#[cfg(feature = "rsa")]
fn decode_rsa_raw(bytes: &[u8]) -> Result<Inner, CryptoError> {
    let encoding = AlgKey::Rsa2048Raw;
    let (n, e) = bytes.split_at_checked(256).ok_or(bad_key(
        encoding,
        "shorter than a 256-byte modulus followed by an exponent",
    ))?;
    if n.first().is_none_or(|b| *b < 0x80) {
        return Err(bad_key(encoding, "the modulus is not exactly 2048 bits"));
    }
    rsa_key(n, e, encoding)
}

#[cfg(not(feature = "rsa"))]
fn decode_rsa_raw(_bytes: &[u8]) -> Result<Inner, CryptoError> {
    Err(CryptoError::UnsupportedKeyType(KeyType::Rsa))
}

/// `ALG_KEY_RSA_2048_DER`: PKCS#1 `RSAPublicKey` or `SubjectPublicKeyInfo`.
#[cfg(feature = "rsa")]
fn decode_rsa_der(bytes: &[u8]) -> Result<Inner, CryptoError> {
    let encoding = AlgKey::Rsa2048Der;
    // Both start with a SEQUENCE; PKCS#1 holds an INTEGER first, SPKI a SEQUENCE.
    match first_inner_tag(bytes) {
        Some(0x02) => rsa_from_pkcs1(bytes, encoding),
        Some(0x30) => decode_spki(bytes, encoding),
        _ => Err(bad_key(
            encoding,
            "neither a DER PKCS#1 RSAPublicKey nor a SubjectPublicKeyInfo",
        )),
    }
}

/// The tag of the first element inside an outer DER SEQUENCE.
#[cfg(feature = "rsa")]
fn first_inner_tag(bytes: &[u8]) -> Option<u8> {
    let (outer, rest) = bytes.split_first()?;
    if *outer != 0x30 {
        return None;
    }
    let (len0, rest) = rest.split_first()?;
    let skip = match *len0 {
        l if l < 0x80 => 0,
        0x81 => 1,
        0x82 => 2,
        _ => return None,
    };
    rest.get(skip).copied()
}

#[cfg(not(feature = "rsa"))]
fn decode_rsa_der(_bytes: &[u8]) -> Result<Inner, CryptoError> {
    Err(CryptoError::UnsupportedKeyType(KeyType::Rsa))
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        match (&self.inner, &other.inner) {
            (Inner::P256 { point: a, .. }, Inner::P256 { point: b, .. }) => a == b,
            #[cfg(feature = "secp256k1")]
            (Inner::Secp256k1 { point: a, .. }, Inner::Secp256k1 { point: b, .. }) => a == b,
            #[cfg(feature = "p384")]
            (Inner::P384 { point: a, .. }, Inner::P384 { point: b, .. }) => a == b,
            #[cfg(feature = "ed25519")]
            (Inner::Ed25519(a), Inner::Ed25519(b)) => a.as_bytes() == b.as_bytes(),
            #[cfg(feature = "rsa")]
            (Inner::Rsa(a), Inner::Rsa(b)) => a.n == b.n && a.e == b.e,
            #[allow(
                unreachable_patterns,
                reason = "reachable when more than one key type is enabled"
            )]
            _ => false,
        }
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Hex<'a>(&'a [u8]);
        impl fmt::Debug for Hex<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
        let mut s = f.debug_struct("PublicKey");
        s.field("type", &self.key_type());
        match &self.inner {
            Inner::P256 { point, .. } => s.field("point", &Hex(point)),
            #[cfg(feature = "secp256k1")]
            Inner::Secp256k1 { point, .. } => s.field("point", &Hex(point)),
            #[cfg(feature = "p384")]
            Inner::P384 { point, .. } => s.field("point", &Hex(point)),
            #[cfg(feature = "ed25519")]
            Inner::Ed25519(key) => s.field("key", &Hex(key.as_bytes())),
            #[cfg(feature = "rsa")]
            Inner::Rsa(rsa) => s.field("n", &Hex(&rsa.n)).field("e", &Hex(&rsa.e)),
        };
        s.finish()
    }
}
