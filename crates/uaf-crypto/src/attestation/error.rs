//! Why an attestation certificate chain was rejected.

use core::fmt;

use uaf_proto::id::Aaid;

/// Where a certificate named in an error came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertPosition {
    /// Index into the chain received from the authenticator (`0` = the attestation
    /// certificate, as in the order of the `TAG_ATTESTATION_CERT` tags).
    Chain(usize),
    /// Index into the metadata `attestationRootCertificates`.
    Root(usize),
}

impl fmt::Display for CertPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertPosition::Chain(0) => f.write_str("the attestation certificate (chain[0])"),
            CertPosition::Chain(i) => write!(f, "chain[{i}]"),
            CertPosition::Root(i) => write!(f, "attestationRootCertificates[{i}]"),
        }
    }
}

/// Why [`verify_attestation_chain`](super::verify_attestation_chain) rejected a chain
/// (UAF-PROTO registration step R5.11, Basic Full attestation).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttestationError {
    /// The assertion carried no `TAG_ATTESTATION_CERT`.
    NoCertificates,
    /// The metadata statement lists no `attestationRootCertificates`, so Basic Full
    /// attestation cannot be verified.
    NoTrustAnchors,
    /// More certificates were received than [`ChainOptions::max_chain_len`] allows.
    ///
    /// [`ChainOptions::max_chain_len`]: super::ChainOptions::max_chain_len
    ChainTooLong {
        /// Number of certificates received.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// A certificate is not a well-formed DER X.509 certificate (or has a field that RFC 5280
    /// forbids, such as extensions in a v1 certificate or an extension present twice).
    MalformedCertificate {
        /// Which certificate, when known.
        position: Option<CertPosition>,
    },
    /// An X.509 v1 (or v2) certificate whose processing needs the legacy path.
    LegacyCertificateVersion {
        /// Which certificate.
        position: CertPosition,
    },
    /// A certificate signed with SHA-1 (ecdsa-with-SHA1 or sha1WithRSAEncryption), which only
    /// the legacy path accepts.
    LegacySignatureAlgorithm {
        /// Which certificate carries the SHA-1 signature.
        position: CertPosition,
    },
    /// A certificate is signed with an algorithm (or by a key type) that is not supported.
    UnsupportedSignatureAlgorithm {
        /// Which certificate, when known.
        position: Option<CertPosition>,
    },
    /// A certificate's `notAfter` is before the validation time.
    CertificateExpired,
    /// A certificate's `notBefore` is after the validation time.
    CertificateNotYetValid,
    /// No chain from the attestation certificate to a metadata root could be built: the
    /// issuer is not among the roots or the received certificates (wrong metadata, or an
    /// intermediate certificate is missing).
    UnknownIssuer,
    /// A certificate's signature does not verify with its issuer's public key.
    BadSignature {
        /// Which certificate, when known.
        position: Option<CertPosition>,
    },
    /// A certificate used as an issuer is not a CA (basicConstraints `cA` is false, or
    /// keyUsage lacks `keyCertSign`).
    NotACa {
        /// Which certificate, when known.
        position: Option<CertPosition>,
    },
    /// The attestation certificate is a CA certificate (basicConstraints `cA` is true).
    CaUsedAsLeaf,
    /// A CA's basicConstraints `pathLenConstraint` is exceeded.
    PathLenConstraintViolated,
    /// A name in the chain violates an issuer's nameConstraints.
    NameConstraintViolation,
    /// A certificate has a critical extension that the validator does not process.
    UnknownCriticalExtension {
        /// Which certificate, when known.
        position: Option<CertPosition>,
    },
    /// The attestation certificate's FIDO AAID extension (`1.3.6.1.4.1.45724.1.1.1`) is not an
    /// OCTET STRING holding a `VVVV#MMMM` AAID.
    MalformedAaidExtension,
    /// The attestation certificate's FIDO AAID extension names another authenticator model
    /// than the assertion's `TAG_AAID`.
    AaidMismatch {
        /// The AAID of the assertion.
        expected: Aaid,
        /// The AAID in the certificate extension.
        found: Aaid,
    },
    /// A certificate on the path is listed in its issuer's CRL
    /// ([`verify_signer_chain`](super::verify_signer_chain) with CRLs).
    CertificateRevoked,
    /// No CRL given covers a certificate on the path (none from its issuer), or no CRL was
    /// given at all; its revocation status is unknown, which is refused.
    RevocationStatusUnknown,
    /// The CRL that covers a certificate on the path has passed its `nextUpdate`: fetch a
    /// current one.
    CrlExpired,
    /// A CRL given is not a well-formed DER `CertificateList`.
    MalformedCrl {
        /// Index into the CRLs given.
        index: usize,
    },
    /// A CRL could not be used (the text names why: bad signature, issuer not a CRL signer,
    /// unsupported CRL feature).
    CrlRejected {
        /// Why.
        reason: &'static str,
    },
    /// Path validation failed for another reason (the text names it).
    PathRejected {
        /// What path validation reported.
        reason: &'static str,
    },
}

fn write_position(f: &mut fmt::Formatter<'_>, position: Option<&CertPosition>) -> fmt::Result {
    match position {
        Some(p) => write!(f, " ({p})"),
        None => Ok(()),
    }
}

impl fmt::Display for AttestationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttestationError::NoCertificates => f.write_str(
                "Basic Full attestation without any TAG_ATTESTATION_CERT: the authenticator must send its attestation certificate",
            ),
            AttestationError::NoTrustAnchors => f.write_str(
                "the metadata statement has no attestationRootCertificates: add the vendor's root certificate(s) to the metadata",
            ),
            AttestationError::ChainTooLong { len, max } => write!(
                f,
                "the attestation chain has {len} certificates; at most {max} are accepted (ChainOptions::max_chain_len)"
            ),
            AttestationError::MalformedCertificate { position } => {
                f.write_str("a certificate is not well-formed DER X.509")?;
                write_position(f, position.as_ref())
            }
            AttestationError::LegacyCertificateVersion { position } => write!(
                f,
                "{position} is an X.509 v1/v2 certificate; accept such chains only with the explicit legacy option (ChainOptions::allow_legacy)"
            ),
            AttestationError::LegacySignatureAlgorithm { position } => write!(
                f,
                "{position} is signed with SHA-1; accept such chains only with the explicit legacy option (ChainOptions::allow_legacy)"
            ),
            AttestationError::UnsupportedSignatureAlgorithm { position } => {
                f.write_str(
                    "a certificate is signed with an unsupported algorithm or key type (supported: ECDSA P-256 with SHA-256, P-384 with SHA-384 under `p384`, RSA PKCS#1 v1.5 SHA-256 under `rsa`)",
                )?;
                write_position(f, position.as_ref())
            }
            AttestationError::CertificateExpired => f.write_str(
                "a certificate in the attestation chain has expired at the validation time: check the clock, or the vendor must issue a new certificate",
            ),
            AttestationError::CertificateNotYetValid => f.write_str(
                "a certificate in the attestation chain is not yet valid at the validation time: check the clock",
            ),
            AttestationError::UnknownIssuer => f.write_str(
                "no chain leads from the attestation certificate to a metadata root: check the metadata's attestationRootCertificates, or the authenticator omitted an intermediate certificate",
            ),
            AttestationError::BadSignature { position } => {
                f.write_str("a certificate signature does not verify with its issuer's key")?;
                write_position(f, position.as_ref())
            }
            AttestationError::NotACa { position } => {
                f.write_str(
                    "a certificate that issues another is not a CA (basicConstraints cA=false or keyUsage without keyCertSign)",
                )?;
                write_position(f, position.as_ref())
            }
            AttestationError::CaUsedAsLeaf => f.write_str(
                "the attestation certificate is a CA certificate (basicConstraints cA=true); attestation certificates must have cA=false",
            ),
            AttestationError::PathLenConstraintViolated => {
                f.write_str("the chain is longer than a CA's pathLenConstraint allows")
            }
            AttestationError::NameConstraintViolation => {
                f.write_str("a name in the chain violates an issuer's nameConstraints")
            }
            AttestationError::UnknownCriticalExtension { position } => {
                f.write_str("a certificate has a critical extension that is not understood")?;
                write_position(f, position.as_ref())
            }
            AttestationError::MalformedAaidExtension => f.write_str(
                "the attestation certificate's AAID extension (1.3.6.1.4.1.45724.1.1.1) is not an OCTET STRING holding a \"VVVV#MMMM\" AAID",
            ),
            AttestationError::AaidMismatch { expected, found } => write!(
                f,
                "the attestation certificate is for AAID {} but the assertion is for AAID {}",
                found.as_str(),
                expected.as_str()
            ),
            AttestationError::CertificateRevoked => f.write_str(
                "a certificate on the path is revoked: its issuer's CRL lists it",
            ),
            AttestationError::RevocationStatusUnknown => f.write_str(
                "the revocation status of a certificate on the path is unknown: give a current CRL from each issuer on the path",
            ),
            AttestationError::CrlExpired => f.write_str(
                "a CRL is past its nextUpdate at the validation time: download a current CRL",
            ),
            AttestationError::MalformedCrl { index } => {
                write!(f, "CRL {index} is not a well-formed DER CertificateList")
            }
            AttestationError::CrlRejected { reason } => write!(f, "a CRL was rejected: {reason}"),
            AttestationError::PathRejected { reason } => {
                write!(f, "certificate path validation failed: {reason}")
            }
        }
    }
}

/// Also `std::error::Error` (the same trait) when `std` is enabled.
impl core::error::Error for AttestationError {}
