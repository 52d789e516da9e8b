//! The strict path: RFC 5280 path validation by rustls-webpki (v3 certificates only, no
//! SHA-1), with our RustCrypto signature algorithms and an EKU policy that accepts any EKU.

use alloc::vec::Vec;
use core::time::Duration;

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, ExtendedKeyUsageValidator, KeyPurposeIdIter};

use super::algorithms::STRICT_ALGORITHMS;
use super::cert::ParsedCert;
use super::error::{AttestationError, CertPosition};
use super::{Pinned, TrustAnchorMatch};

/// What the strict path established.
pub(crate) struct StrictOutcome {
    pub(crate) anchor: TrustAnchorMatch,
    /// Number of received certificates on the validated path (the leaf included).
    pub(crate) path_len: usize,
}

/// EKU policy for attestation certificates: FIDO attestation leaves usually have no EKU, and
/// no EKU value is defined for them, so any EKU (or none) is accepted. A malformed EKU
/// extension is still rejected.
pub(crate) struct AnyExtendedKeyUsage;

impl ExtendedKeyUsageValidator for AnyExtendedKeyUsage {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        for purpose in iter {
            purpose?;
        }
        Ok(())
    }
}

/// Validates `path` (the received certificates that can take part: all of them, or those up
/// to and including the pinned one) at `time`.
pub(crate) fn verify(
    path: &[ParsedCert<'_>],
    roots: &[&[u8]],
    pinned: Option<Pinned>,
    time: u64,
) -> Result<StrictOutcome, AttestationError> {
    let ders: Vec<CertificateDer<'_>> = path.iter().map(|c| CertificateDer::from(c.der)).collect();
    let (leaf_der, rest) = ders.split_first().ok_or(AttestationError::NoCertificates)?;
    let leaf = EndEntityCert::try_from(leaf_der)
        .map_err(|e| map_error(e, Some(CertPosition::Chain(0))))?;
    let unix_time = UnixTime::since_unix_epoch(Duration::from_secs(time));

    match pinned {
        // The attestation certificate itself is listed in the metadata: it is the trust
        // anchor. It was parsed as an end-entity certificate above (v3, no unknown critical
        // extension); its validity period is checked like any received certificate's.
        Some(pin) if pin.chain_index == 0 => {
            let only = path.first().ok_or(AttestationError::NoCertificates)?;
            only.check_validity(time)?;
            Ok(StrictOutcome {
                anchor: TrustAnchorMatch::Pinned {
                    chain_index: 0,
                    root_index: pin.root_index,
                },
                path_len: 1,
            })
        }
        // A received intermediate is listed in the metadata: it is the only trust anchor and
        // the certificates below it are validated against it.
        Some(pin) => {
            let (anchor_der, intermediates) =
                rest.split_last().ok_or(AttestationError::NoCertificates)?;
            let anchor_cert = path.last().ok_or(AttestationError::NoCertificates)?;
            anchor_cert.check_validity(time)?;
            let anchors = [webpki::anchor_from_trusted_cert(anchor_der).map_err(|_| {
                AttestationError::MalformedCertificate {
                    position: Some(anchor_cert.position),
                }
            })?];
            let verified = leaf
                .verify_for_usage(
                    STRICT_ALGORITHMS,
                    &anchors,
                    intermediates,
                    unix_time,
                    AnyExtendedKeyUsage,
                    None,
                    None,
                )
                .map_err(|e| map_error(e, None))?;
            let used = verified.intermediate_certificates().count();
            Ok(StrictOutcome {
                anchor: TrustAnchorMatch::Pinned {
                    chain_index: pin.chain_index,
                    root_index: pin.root_index,
                },
                path_len: used.saturating_add(2),
            })
        }
        None => {
            let root_ders: Vec<CertificateDer<'_>> =
                roots.iter().map(|r| CertificateDer::from(*r)).collect();
            let anchors = root_ders
                .iter()
                .enumerate()
                .map(|(j, der)| {
                    webpki::anchor_from_trusted_cert(der).map_err(|_| {
                        AttestationError::MalformedCertificate {
                            position: Some(CertPosition::Root(j)),
                        }
                    })
                })
                .collect::<Result<Vec<TrustAnchor<'_>>, _>>()?;
            let verified = leaf
                .verify_for_usage(
                    STRICT_ALGORITHMS,
                    &anchors,
                    rest,
                    unix_time,
                    AnyExtendedKeyUsage,
                    None,
                    None,
                )
                .map_err(|e| map_error(e, None))?;
            let used = verified.intermediate_certificates().count();
            let root_index = anchors
                .iter()
                .position(|a| core::ptr::eq(a, verified.anchor()))
                .ok_or(AttestationError::PathRejected {
                    reason: "the validated path ends at an unknown trust anchor",
                })?;
            Ok(StrictOutcome {
                anchor: TrustAnchorMatch::IssuedByRoot { root_index },
                path_len: used.saturating_add(1),
            })
        }
    }
}

/// Maps a rustls-webpki error to ours. `position` is the certificate being parsed, when the
/// error comes from parsing a single certificate.
pub(crate) fn map_error(error: webpki::Error, position: Option<CertPosition>) -> AttestationError {
    use webpki::Error as E;
    match error {
        E::BadDer
        | E::BadDerTime
        | E::TrailingData(_)
        | E::MalformedExtensions
        | E::ExtensionValueInvalid
        | E::EmptyEkuExtension
        | E::InvalidSerialNumber
        | E::InvalidCertValidity
        | E::MalformedNameConstraint
        | E::MalformedDnsIdentifier
        | E::SignatureAlgorithmMismatch => AttestationError::MalformedCertificate { position },
        E::UnsupportedCertVersion => match position {
            Some(position) => AttestationError::LegacyCertificateVersion { position },
            None => AttestationError::MalformedCertificate { position },
        },
        E::UnsupportedCriticalExtension => AttestationError::UnknownCriticalExtension { position },
        E::CertExpired { .. } => AttestationError::CertificateExpired,
        E::CertNotValidYet { .. } => AttestationError::CertificateNotYetValid,
        E::UnknownIssuer => AttestationError::UnknownIssuer,
        E::InvalidSignatureForPublicKey => AttestationError::BadSignature { position },
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            AttestationError::UnsupportedSignatureAlgorithm { position }
        }
        E::CaUsedAsEndEntity => AttestationError::CaUsedAsLeaf,
        E::EndEntityUsedAsCa => AttestationError::NotACa { position },
        E::PathLenConstraintViolated => AttestationError::PathLenConstraintViolated,
        E::NameConstraintViolation | E::MaximumNameConstraintComparisonsExceeded => {
            AttestationError::NameConstraintViolation
        }
        E::MaximumPathDepthExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumPathBuildCallsExceeded => AttestationError::PathRejected {
            reason: "path building exceeded its depth or work budget",
        },
        E::CertDistrusted => AttestationError::PathRejected {
            reason: "a certificate's key is on rustls-webpki's distrust list",
        },
        E::RequiredEkuNotFoundContext(_) => AttestationError::PathRejected {
            reason: "extended key usage not accepted",
        },
        // Revocation (only when CRLs were given: `verify_signer_chain`).
        E::CertRevoked => AttestationError::CertificateRevoked,
        E::UnknownRevocationStatus => AttestationError::RevocationStatusUnknown,
        E::CrlExpired { .. } => AttestationError::CrlExpired,
        E::InvalidCrlSignatureForPublicKey => AttestationError::CrlRejected {
            reason: "a CRL's signature does not verify with its issuer's key",
        },
        E::IssuerNotCrlSigner => AttestationError::CrlRejected {
            reason: "a CRL's issuer lacks the cRLSign key usage",
        },
        E::InvalidCrlNumber
        | E::UnsupportedCrlVersion
        | E::UnsupportedDeltaCrl
        | E::UnsupportedIndirectCrl
        | E::UnsupportedCrlIssuingDistributionPoint
        | E::UnsupportedRevocationReason
        | E::UnsupportedRevocationReasonsPartitioning => AttestationError::CrlRejected {
            reason: "a CRL uses a feature that is not supported (delta, indirect, partitioned or v1 CRL, or a bad CRL number)",
        },
        E::UnsupportedCrlSignatureAlgorithmContext(_)
        | E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
            AttestationError::CrlRejected {
                reason: "a CRL is signed with an unsupported algorithm",
            }
        }
        _ => AttestationError::PathRejected {
            reason: "unexpected rustls-webpki error",
        },
    }
}
