//! Attestation credentials (the batch attestation key and its certificate chain) and a test
//! certificate authority that makes them (see [`TestCa`] for what the certificates hold).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use uaf_crypto::{KeyType, PublicKey, SigningKey};
use uaf_proto::id::Aaid;
use uaf_proto::registry::{AlgKey, AlgSign};
use zeroize::Zeroizing;

use crate::Error;

/// The subject (and issuer) common name of [`TestCa`] roots.
pub const TEST_CA_NAME: &str = "uaf-authenticator test CA";

/// DER of the OID `ecdsa-with-SHA256` (1.2.840.10045.4.3.2).
const OID_ECDSA_WITH_SHA256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
/// DER of `id-at-commonName` (2.5.4.3).
const OID_CN: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
/// DER of `id-at-countryName` (2.5.4.6).
const OID_C: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x06];
/// DER of `id-at-organizationName` (2.5.4.10).
const OID_O: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0A];
/// DER of `id-at-organizationalUnitName` (2.5.4.11).
const OID_OU: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0B];
/// DER of `id-ce-basicConstraints` (2.5.29.19).
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x13];
/// DER of `id-ce-keyUsage` (2.5.29.15).
const OID_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x0F];
/// DER of `id-fido-gen-ce-aaid` (1.3.6.1.4.1.45724.1.1.1).
const OID_FIDO_AAID: &[u8] = &[
    0x06, 0x0B, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0xE5, 0x1C, 0x01, 0x01, 0x01,
];

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const UTF8_STRING: u8 = 0x0C;
const PRINTABLE_STRING: u8 = 0x13;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// Start of validity: 2020-01-01T00:00:00Z.
const NOT_BEFORE: &[u8] = b"200101000000Z";
/// End of validity: 9999-12-31T23:59:59Z (RFC 5280 §4.1.2.5, no well-defined expiration).
const NOT_AFTER: &[u8] = b"99991231235959Z";

/// One DER item: `tag ‖ length ‖ content` (definite length, short or long form).
fn der(tag: u8, content: &[u8]) -> Result<Vec<u8>, Error> {
    let len = content.len();
    let mut out = Vec::with_capacity(len.saturating_add(4));
    out.push(tag);
    if let Ok(short) = u8::try_from(len) {
        if short < 0x80 {
            out.push(short);
        } else {
            out.extend_from_slice(&[0x81, short]);
        }
    } else {
        let long =
            u16::try_from(len).map_err(|_| Error::Certificate("an item exceeds 65535 bytes"))?;
        out.push(0x82);
        out.extend_from_slice(&long.to_be_bytes());
    }
    out.extend_from_slice(content);
    Ok(out)
}

/// A SEQUENCE of already encoded items.
fn sequence(items: &[&[u8]]) -> Result<Vec<u8>, Error> {
    der(SEQUENCE, &items.concat())
}

/// An X.501 `Name` of `(attribute OID, string tag, value)`, one RDN per attribute.
fn name(attributes: &[(&[u8], u8, &str)]) -> Result<Vec<u8>, Error> {
    let mut rdns = Vec::new();
    for (oid, string_tag, value) in attributes {
        let value = der(*string_tag, value.as_bytes())?;
        let atv = sequence(&[oid, &value])?;
        rdns.extend_from_slice(&der(SET, &atv)?);
    }
    der(SEQUENCE, &rdns)
}

/// One `Extension`: `SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }`.
fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Result<Vec<u8>, Error> {
    let value = der(OCTET_STRING, value)?;
    if critical {
        sequence(&[oid, &[0x01, 0x01, 0xFF], &value])
    } else {
        sequence(&[oid, &value])
    }
}

/// A positive 16-byte serial number from `rng` (RFC 5280 §4.1.2.2: at most 20 octets).
fn serial<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Vec<u8>, Error> {
    let mut bytes = [0_u8; 16];
    rng.fill_bytes(&mut bytes);
    if let Some(first) = bytes.first_mut() {
        // Positive and minimally encoded: the high bit clear, the next one set.
        *first = (*first & 0x7F) | 0x40;
    }
    der(INTEGER, &bytes)
}

/// What a certificate says about its subject.
struct CertSpec<'a> {
    issuer: &'a [u8],
    subject: &'a [u8],
    spki: &'a [u8],
    extensions: &'a [u8],
}

/// Writes and signs a certificate with the P-256 key `issuer_key`.
fn certificate<R: CryptoRng + ?Sized>(
    spec: &CertSpec<'_>,
    issuer_key: &SigningKey,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    let signature_alg = sequence(&[OID_ECDSA_WITH_SHA256])?;
    let validity = sequence(&[
        &der(UTC_TIME, NOT_BEFORE)?,
        &der(GENERALIZED_TIME, NOT_AFTER)?,
    ])?;
    let extensions = der(0xA3, &der(SEQUENCE, spec.extensions)?)?;
    let tbs = sequence(&[
        &[0xA0, 0x03, 0x02, 0x01, 0x02], // version [0] EXPLICIT v3
        &serial(rng)?,
        &signature_alg,
        spec.issuer,
        &validity,
        spec.subject,
        spec.spki,
        &extensions,
    ])?;
    // X.509 ECDSA signatures are the DER `Ecdsa-Sig-Value`, which is UAF's DER encoding.
    let signature = issuer_key.sign(AlgSign::Secp256r1EcdsaSha256Der, &tbs, rng)?;
    let mut bits = Vec::with_capacity(signature.len().saturating_add(1));
    bits.push(0x00); // no unused bits
    bits.extend_from_slice(signature.as_bytes());
    sequence(&[&tbs, &signature_alg, &der(BIT_STRING, &bits)?])
}

fn ca_name() -> Result<Vec<u8>, Error> {
    name(&[
        (OID_C, PRINTABLE_STRING, "ZZ"),
        (OID_O, UTF8_STRING, "uaf-rs"),
        (OID_CN, UTF8_STRING, TEST_CA_NAME),
    ])
}

fn spki_of(key: &PublicKey) -> Result<Vec<u8>, Error> {
    Ok(key.encode(AlgKey::EccX962Der)?)
}

/// A self-issued X.509 **v1** certificate (no version field, no extensions) for `key`, signed
/// by `key` with ECDSA P-256 / SHA-256 (RFC 6979, deterministic), subject and issuer
/// `CN=common_name`, serial 0x012A, valid from 2020-01-01 to `not_after`, a UTCTime
/// `YYMMDDhhmmssZ` (13 bytes).
///
/// This is the shape of many deployed UAF attestation certificates (and of the UAF
/// specification's example), which strict path validation refuses and `uaf-crypto`'s legacy
/// path accepts: for tests of that path, never as a real attestation certificate.
///
/// # Errors
/// [`Error::Certificate`] if `not_after` is not `YYMMDDhhmmssZ`; [`Error::Crypto`] if `key` is
/// not a P-256 key.
///
/// # Example
/// ```
/// use rand_chacha::ChaCha20Rng;
/// use rand_core::SeedableRng as _;
/// use uaf_crypto::{KeyType, SigningKey};
///
/// let key = SigningKey::generate(KeyType::P256, &mut ChaCha20Rng::seed_from_u64(1))?;
/// let cert = uaf_authenticator::legacy_v1_certificate(&key, "legacy", b"491231235959Z")?;
/// assert_eq!(cert.first(), Some(&0x30)); // a DER SEQUENCE
/// assert!(uaf_authenticator::legacy_v1_certificate(&key, "legacy", b"2049").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn legacy_v1_certificate(
    key: &SigningKey,
    common_name: &str,
    not_after: &[u8],
) -> Result<Vec<u8>, Error> {
    let utc_time = matches!(not_after, [digits @ .., b'Z']
        if digits.len() == 12 && digits.iter().all(u8::is_ascii_digit));
    if !utc_time {
        return Err(Error::Certificate(
            "not_after must be a UTCTime YYMMDDhhmmssZ (12 digits and Z)",
        ));
    }
    let spki = spki_of(&key.public_key())?;
    let signature_alg = sequence(&[OID_ECDSA_WITH_SHA256])?;
    let subject = name(&[(OID_CN, UTF8_STRING, common_name)])?;
    let validity = sequence(&[
        &der(UTC_TIME, b"200101000000Z")?,
        &der(UTC_TIME, not_after)?,
    ])?;
    let tbs = sequence(&[
        &der(INTEGER, &[0x01, 0x2A])?, // serial; no version field: v1
        &signature_alg,
        &subject,
        &validity,
        &subject,
        &spki,
    ])?;
    let signature = key.sign_deterministic(AlgSign::Secp256r1EcdsaSha256Der, &tbs)?;
    let mut bits = Vec::with_capacity(signature.len().saturating_add(1));
    bits.push(0x00); // no unused bits
    bits.extend_from_slice(signature.as_bytes());
    sequence(&[&tbs, &signature_alg, &der(BIT_STRING, &bits)?])
}

/// A test certificate authority: a P-256 key and its self-signed root certificate. It issues
/// attestation certificates for authenticator models. One CA can issue the credentials of
/// several models, and one set of credentials can be given to several authenticators of the
/// same model (a batch).
///
/// **How the certificates are made.** The DER is written by hand (about a hundred lines, no
/// certificate-builder dependency) because this crate must build without `std`, which the
/// `x509-cert` builder and `rcgen` need. The certificates are X.509 v3, signed with ECDSA
/// P-256 / SHA-256 by the CA key through [`uaf_crypto::SigningKey`], valid from 2020-01-01 to
/// 9999-12-31 (RFC 5280's "no well-defined expiration", so no clock is needed):
///
/// - the **root**: self-signed, subject `CN=uaf-authenticator test CA, O=uaf-rs, C=ZZ`
///   ([`TEST_CA_NAME`]), `basicConstraints` critical `cA=TRUE`, `keyUsage` critical
///   `keyCertSign, cRLSign`;
/// - the **attestation certificate**: subject `CN=uaf-authenticator attestation VVVV#MMMM,
///   OU=Authenticator Attestation, O=uaf-rs, C=ZZ` (the fields the FIDO metadata
///   specification asks of attestation certificates), `basicConstraints` critical `cA=FALSE`,
///   and the FIDO extension `id-fido-gen-ce-aaid` (1.3.6.1.4.1.45724.1.1.1) holding the AAID.
///   Its key is of the profile's curve (P-256 or secp256k1).
///
/// Serial numbers and keys come from the caller's RNG and the signatures are RFC 6979
/// signatures hedged with it, so a seeded RNG gives byte-identical certificates. They validate
/// on `uaf-crypto`'s strict (rustls-webpki) path.
#[derive(Clone)]
pub struct TestCa {
    scalar: Zeroizing<[u8; 32]>,
    root: Vec<u8>,
}

impl TestCa {
    /// Generates a CA key and its root certificate from `rng`.
    ///
    /// # Errors
    /// [`Error::Crypto`] if signing fails.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<TestCa, Error> {
        let key = SigningKey::generate(KeyType::P256, rng)?;
        let name = ca_name()?;
        let basic_constraints = extension(
            OID_BASIC_CONSTRAINTS,
            true,
            &sequence(&[&[0x01, 0x01, 0xFF]])?,
        )?;
        // keyCertSign (bit 5) and cRLSign (bit 6): 0b0000_0110, the last bit unused.
        let key_usage = extension(OID_KEY_USAGE, true, &der(BIT_STRING, &[0x01, 0x06])?)?;
        let spki = spki_of(&key.public_key())?;
        let root = certificate(
            &CertSpec {
                issuer: &name,
                subject: &name,
                spki: &spki,
                extensions: &[basic_constraints, key_usage].concat(),
            },
            &key,
            rng,
        )?;
        Ok(TestCa {
            scalar: key.private_scalar(),
            root,
        })
    }

    /// The DER root certificate: what a metadata statement lists in
    /// `attestationRootCertificates` (base64 standard).
    #[must_use]
    pub fn root_certificate(&self) -> &[u8] {
        &self.root
    }

    fn key(&self) -> Result<SigningKey, Error> {
        Ok(SigningKey::from_private_scalar(
            KeyType::P256,
            &self.scalar[..],
        )?)
    }

    /// Generates an attestation key of type `key_type` for the model `aaid` and issues its
    /// certificate. The chain of the returned credentials is the attestation certificate
    /// alone; their roots are this CA's root certificate.
    ///
    /// # Errors
    /// [`Error::Crypto`] if `key_type` cannot sign in this build (P-256; secp256k1 with
    /// feature `secp256k1`) or signing fails.
    pub fn issue<R: CryptoRng + ?Sized>(
        &self,
        aaid: &Aaid,
        key_type: KeyType,
        rng: &mut R,
    ) -> Result<AttestationCredentials, Error> {
        let attestation_key = SigningKey::generate(key_type, rng)?;
        let leaf = self.certify(aaid, &attestation_key.public_key(), rng)?;
        AttestationCredentials::new(
            &attestation_key,
            alloc::vec![leaf],
            alloc::vec![self.root.clone()],
        )
    }

    /// The attestation certificate of `aaid` for `key`.
    pub(crate) fn certify<R: CryptoRng + ?Sized>(
        &self,
        aaid: &Aaid,
        key: &PublicKey,
        rng: &mut R,
    ) -> Result<Vec<u8>, Error> {
        let mut common_name = String::from("uaf-authenticator attestation ");
        common_name.push_str(aaid.as_str());
        let subject = name(&[
            (OID_C, PRINTABLE_STRING, "ZZ"),
            (OID_O, UTF8_STRING, "uaf-rs"),
            (OID_OU, UTF8_STRING, "Authenticator Attestation"),
            (OID_CN, UTF8_STRING, &common_name),
        ])?;
        let basic_constraints = extension(OID_BASIC_CONSTRAINTS, true, &sequence(&[])?)?;
        let aaid_ext = extension(OID_FIDO_AAID, false, &der(OCTET_STRING, aaid.as_bytes())?)?;
        certificate(
            &CertSpec {
                issuer: &ca_name()?,
                subject: &subject,
                spki: &spki_of(key)?,
                extensions: &[basic_constraints, aaid_ext].concat(),
            },
            &self.key()?,
            rng,
        )
    }
}

impl fmt::Debug for TestCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCa")
            .field("root_len", &self.root.len())
            .finish_non_exhaustive()
    }
}

/// The attestation key of an authenticator model and its certificate chain, for basic full
/// attestation (`TAG_ATTESTATION_BASIC_FULL`).
///
/// The private key is kept as its scalar, zeroized on drop; the credentials can be cloned to
/// give several authenticators of one model the same batch key.
#[derive(Clone)]
pub struct AttestationCredentials {
    key_type: KeyType,
    scalar: Zeroizing<[u8; 32]>,
    chain: Vec<Vec<u8>>,
    roots: Vec<Vec<u8>>,
}

impl AttestationCredentials {
    /// Credentials from an attestation key, the certificates sent in each registration
    /// (`chain`: DER, attestation certificate first, each next one the issuer of the one
    /// before) and the trust anchors for the metadata statement (`roots`: DER). Nothing checks
    /// that the chain is valid: a deliberately broken chain is allowed.
    ///
    /// # Errors
    /// [`Error::InvalidCredentials`] if `chain` is empty or a certificate is empty or longer
    /// than 65535 bytes (a TLV value).
    pub fn new(
        key: &SigningKey,
        chain: Vec<Vec<u8>>,
        roots: Vec<Vec<u8>>,
    ) -> Result<AttestationCredentials, Error> {
        if chain.is_empty() {
            return Err(Error::InvalidCredentials(
                "the certificate chain is empty; basic full attestation sends at least the attestation certificate",
            ));
        }
        if chain
            .iter()
            .any(|c| c.is_empty() || c.len() > uaf_proto::tlv::MAX_VALUE_LEN)
        {
            return Err(Error::InvalidCredentials(
                "a certificate is empty or longer than 65535 bytes",
            ));
        }
        Ok(AttestationCredentials {
            key_type: key.key_type(),
            scalar: key.private_scalar(),
            chain,
            roots,
        })
    }

    /// A new test CA and credentials issued by it for the model `aaid` (see [`TestCa::issue`]).
    ///
    /// # Errors
    /// As [`TestCa::generate`] and [`TestCa::issue`].
    pub fn generate<R: CryptoRng + ?Sized>(
        aaid: &Aaid,
        key_type: KeyType,
        rng: &mut R,
    ) -> Result<AttestationCredentials, Error> {
        TestCa::generate(rng)?.issue(aaid, key_type, rng)
    }

    /// The attestation key's type (curve).
    #[must_use]
    pub const fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The attestation public key.
    ///
    /// # Errors
    /// [`Error::Crypto`] only if the stored scalar cannot be imported (never for credentials
    /// made by this crate).
    pub fn public_key(&self) -> Result<PublicKey, Error> {
        Ok(self.signing_key()?.public_key())
    }

    /// The certificates sent in `TAG_ATTESTATION_CERT`, attestation certificate first.
    #[must_use]
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// The trust anchors (DER) for the metadata statement's `attestationRootCertificates`.
    #[must_use]
    pub fn roots(&self) -> &[Vec<u8>] {
        &self.roots
    }

    pub(crate) fn signing_key(&self) -> Result<SigningKey, Error> {
        Ok(SigningKey::from_private_scalar(
            self.key_type,
            &self.scalar[..],
        )?)
    }
}

impl fmt::Debug for AttestationCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttestationCredentials")
            .field("key_type", &self.key_type)
            .field("chain_len", &self.chain.len())
            .field("roots_len", &self.roots.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_use_the_shortest_form() {
        assert_eq!(der(0x04, &[]).unwrap(), [0x04, 0x00]);
        assert_eq!(der(0x04, &[0; 0x7F]).unwrap()[..2], [0x04, 0x7F]);
        assert_eq!(der(0x04, &[0; 0x80]).unwrap()[..3], [0x04, 0x81, 0x80]);
        assert_eq!(
            der(0x04, &[0; 0x100]).unwrap()[..4],
            [0x04, 0x82, 0x01, 0x00]
        );
        assert_eq!(
            der(0x04, &alloc::vec![0; 0x10000]),
            Err(Error::Certificate("an item exceeds 65535 bytes"))
        );
    }

    #[test]
    fn aaid_oid_encodes_45724() {
        // 45724 = 2·128² + 101·128 + 28 → 0x82 0xE5 0x1C in base 128.
        assert_eq!(2 * 128 * 128 + 101 * 128 + 28, 45724);
        assert_eq!(OID_FIDO_AAID.get(7..10), Some(&[0x82, 0xE5, 0x1C][..]));
    }
}
