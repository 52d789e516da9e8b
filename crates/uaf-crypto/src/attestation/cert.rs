//! One parsed X.509 certificate: the typed fields (RustCrypto `x509-cert`) plus the exact
//! received bytes of the signed part.

use alloc::vec::Vec;

use uaf_proto::id::Aaid;
use x509_cert::der::asn1::{BitStringRef, OctetStringRef};
use x509_cert::der::{Decode as _, Encode as _, Reader as _, SliceReader};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier};
use x509_cert::{TbsCertificate, Version};

use super::error::{AttestationError, CertPosition};

/// `id-fido-gen-ce-aaid` (FIDO metadata statement, "attestationRootCertificates"): the AAID of
/// the authenticator model, an OCTET STRING holding the 9 ASCII bytes `VVVV#MMMM`.
pub(crate) const ID_FIDO_GEN_CE_AAID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.45724.1.1.1");

/// `id-ce-subjectKeyIdentifier`.
const ID_CE_SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
/// `id-ce-keyUsage`.
const ID_CE_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
/// `id-ce-subjectAltName`.
const ID_CE_SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
/// `id-ce-basicConstraints`.
const ID_CE_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
/// `id-ce-cRLDistributionPoints`.
const ID_CE_CRL_DISTRIBUTION_POINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");
/// `id-ce-authorityKeyIdentifier`.
const ID_CE_AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
/// `id-ce-extKeyUsage`.
const ID_CE_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");

/// Extensions the legacy path may accept when marked critical: the ones it processes
/// (basicConstraints, keyUsage) and the ones whose content cannot change the outcome of
/// attestation validation (key identifiers, names, CRL locations; any extended key usage is
/// accepted, as on the strict path). Anything else that is critical is rejected (RFC 5280
/// §4.2), including nameConstraints and policy extensions, which the legacy path does not
/// process.
const LEGACY_UNDERSTOOD_EXTENSIONS: [ObjectIdentifier; 7] = [
    ID_CE_SUBJECT_KEY_IDENTIFIER,
    ID_CE_KEY_USAGE,
    ID_CE_SUBJECT_ALT_NAME,
    ID_CE_BASIC_CONSTRAINTS,
    ID_CE_CRL_DISTRIBUTION_POINTS,
    ID_CE_AUTHORITY_KEY_IDENTIFIER,
    ID_CE_EXT_KEY_USAGE,
];

/// A certificate as received, parsed.
#[derive(Debug)]
pub(crate) struct ParsedCert<'a> {
    /// The whole certificate as received.
    pub(crate) der: &'a [u8],
    /// The received bytes of `tbsCertificate` (what the issuer signed).
    pub(crate) tbs_der: &'a [u8],
    /// The decoded `tbsCertificate`.
    pub(crate) tbs: TbsCertificate,
    /// The outer `signatureAlgorithm`.
    pub(crate) signature_algorithm: AlgorithmIdentifierOwned,
    /// The `signatureValue` bytes.
    pub(crate) signature: &'a [u8],
    /// Where the certificate came from, for errors.
    pub(crate) position: CertPosition,
}

impl<'a> ParsedCert<'a> {
    /// Parses a DER certificate. Rejects trailing data, a signature BIT STRING with unused
    /// bits, a `signature` field that differs from `signatureAlgorithm` (RFC 5280 §4.1.1.2),
    /// unique IDs or extensions in a version that does not allow them (RFC 5280 §4.1.2.8-9),
    /// a repeated extension (RFC 5280 §4.2) and a `notBefore` after `notAfter`.
    pub(crate) fn parse(der: &'a [u8], position: CertPosition) -> Result<Self, AttestationError> {
        let malformed = AttestationError::MalformedCertificate {
            position: Some(position),
        };
        let (tbs_der, signature_algorithm, signature) =
            split_certificate(der).map_err(|_| malformed.clone())?;
        let tbs = TbsCertificate::from_der(tbs_der).map_err(|_| malformed.clone())?;
        let cert = ParsedCert {
            der,
            tbs_der,
            tbs,
            signature_algorithm,
            signature,
            position,
        };
        cert.check_structure().map_err(|()| malformed)?;
        Ok(cert)
    }

    /// Structural rules that the decoder does not enforce.
    fn check_structure(&self) -> Result<(), ()> {
        if *self.tbs.signature() != self.signature_algorithm {
            return Err(());
        }
        let version = self.tbs.version();
        let has_unique_ids =
            self.tbs.issuer_unique_id().is_some() || self.tbs.subject_unique_id().is_some();
        if version == Version::V1 && has_unique_ids {
            return Err(());
        }
        if let Some(extensions) = self.tbs.extensions() {
            if version != Version::V3 || extensions.is_empty() {
                return Err(());
            }
            for (i, extension) in extensions.iter().enumerate() {
                let repeated = extensions
                    .iter()
                    .skip(i.saturating_add(1))
                    .any(|other| other.extn_id == extension.extn_id);
                if repeated {
                    return Err(());
                }
            }
        }
        if self.not_before() > self.not_after() {
            return Err(());
        }
        Ok(())
    }

    /// Whether this is an X.509 v3 certificate.
    pub(crate) fn is_v3(&self) -> bool {
        self.tbs.version() == Version::V3
    }

    /// `notBefore` in seconds since the Unix epoch.
    pub(crate) fn not_before(&self) -> u64 {
        self.tbs.validity().not_before.to_unix_duration().as_secs()
    }

    /// `notAfter` in seconds since the Unix epoch.
    pub(crate) fn not_after(&self) -> u64 {
        self.tbs.validity().not_after.to_unix_duration().as_secs()
    }

    /// Checks the validity period at `time` (inclusive at both ends, as rustls-webpki).
    pub(crate) fn check_validity(&self, time: u64) -> Result<(), AttestationError> {
        if time < self.not_before() {
            return Err(AttestationError::CertificateNotYetValid);
        }
        if time > self.not_after() {
            return Err(AttestationError::CertificateExpired);
        }
        Ok(())
    }

    /// Rejects a critical extension that the legacy path does not understand.
    pub(crate) fn check_critical_extensions_legacy(&self) -> Result<(), AttestationError> {
        let unknown_critical = self
            .tbs
            .extensions()
            .into_iter()
            .flatten()
            .any(|extension| {
                extension.critical && !LEGACY_UNDERSTOOD_EXTENSIONS.contains(&extension.extn_id)
            });
        if unknown_critical {
            return Err(AttestationError::UnknownCriticalExtension {
                position: Some(self.position),
            });
        }
        Ok(())
    }

    /// The raw value (contents of `extnValue`) of the extension `oid`, if present.
    fn extension_value(&self, oid: ObjectIdentifier) -> Option<&[u8]> {
        self.tbs
            .extensions()
            .into_iter()
            .flatten()
            .find(|extension| extension.extn_id == oid)
            .map(|extension| extension.extn_value.as_bytes())
    }

    /// The basicConstraints extension, if present.
    pub(crate) fn basic_constraints(&self) -> Result<Option<BasicConstraints>, AttestationError> {
        self.extension_value(ID_CE_BASIC_CONSTRAINTS)
            .map(BasicConstraints::from_der)
            .transpose()
            .map_err(|_| self.malformed())
    }

    /// The keyUsage extension, if present.
    pub(crate) fn key_usage(&self) -> Result<Option<KeyUsage>, AttestationError> {
        self.extension_value(ID_CE_KEY_USAGE)
            .map(KeyUsage::from_der)
            .transpose()
            .map_err(|_| self.malformed())
    }

    /// The AAID in the FIDO `id-fido-gen-ce-aaid` extension, if present.
    pub(crate) fn aaid(&self) -> Result<Option<Aaid>, AttestationError> {
        let Some(value) = self.extension_value(ID_FIDO_GEN_CE_AAID) else {
            return Ok(None);
        };
        let inner = <&OctetStringRef>::from_der(value)
            .map_err(|_| AttestationError::MalformedAaidExtension)?;
        Aaid::from_bytes(inner.as_bytes())
            .map(Some)
            .map_err(|_| AttestationError::MalformedAaidExtension)
    }

    /// The SubjectPublicKeyInfo, DER-encoded. The decoder accepts DER only, so this equals the
    /// received bytes.
    pub(crate) fn spki_der(&self) -> Result<Vec<u8>, AttestationError> {
        self.tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|_| self.malformed())
    }

    /// The `subjectPublicKey` BIT STRING contents (for an EC key the SEC1 point; for RSA the
    /// PKCS#1 `RSAPublicKey`).
    pub(crate) fn subject_public_key(&self) -> Result<&[u8], AttestationError> {
        self.tbs
            .subject_public_key_info()
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| self.malformed())
    }

    fn malformed(&self) -> AttestationError {
        AttestationError::MalformedCertificate {
            position: Some(self.position),
        }
    }
}

/// Splits `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`
/// keeping the received `tbsCertificate` bytes.
fn split_certificate(
    der: &[u8],
) -> Result<(&[u8], AlgorithmIdentifierOwned, &[u8]), x509_cert::der::Error> {
    let mut reader = SliceReader::new(der)?;
    let parts = reader.sequence(|r| {
        let tbs = r.tlv_bytes()?;
        let algorithm = AlgorithmIdentifierOwned::decode(r)?;
        let signature = BitStringRef::decode(r)?;
        Ok::<_, x509_cert::der::Error>((tbs, algorithm, signature))
    })?;
    reader.finish()?;
    let (tbs, algorithm, signature) = parts;
    let signature = signature
        .as_bytes()
        .ok_or_else(|| x509_cert::der::Tag::BitString.value_error())?;
    Ok((tbs, algorithm, signature))
}
