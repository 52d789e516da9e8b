//! The legacy path (explicit option): X.509 v1 certificates and SHA-1 signatures, as shipped by
//! real UAF authenticators and the FIDO conformance test root.
//!
//! The received certificates are taken in order (`chain[k + 1]` issued `chain[k]`, as
//! UAF-PROTO R5.11 prescribes), there is no path building. At each step a metadata root that
//! issued the current certificate ends the path. Checked for every received certificate on the
//! path: DER structure, validity at the validation time, no critical extension outside a small
//! known set. For each issuer: its subject equals the issued certificate's issuer
//! (byte-for-byte, as rustls-webpki compares names), the signature verifies with its key, and,
//! for a received issuer, basicConstraints `cA` is true and keyUsage allows `keyCertSign`
//! where those extensions are present (a v1 CA has neither), and `pathLenConstraint` holds.
//! Trust anchors (metadata roots, or the pinned certificate) are trusted as they are: their
//! own signature, validity and constraints are not checked, as RFC 5280 §6.1 does for trust
//! anchors.

use alloc::vec::Vec;

use super::algorithms::{CertSignatureAlgorithm, LegacyVerifyError, verify_legacy};
use super::cert::ParsedCert;
use super::error::{AttestationError, CertPosition};
use super::{Pinned, TrustAnchorMatch};

/// What the legacy path established.
pub(crate) struct LegacyOutcome {
    pub(crate) anchor: TrustAnchorMatch,
    /// Number of received certificates on the validated path (the leaf included).
    pub(crate) path_len: usize,
}

/// Validates `path` (the received certificates that can take part: all of them, or those up
/// to and including the pinned one) at `time`.
pub(crate) fn verify(
    path: &[ParsedCert<'_>],
    roots: &[&[u8]],
    pinned: Option<Pinned>,
    time: u64,
) -> Result<LegacyOutcome, AttestationError> {
    for cert in path {
        cert.check_validity(time)?;
        cert.check_critical_extensions_legacy()?;
    }
    match pinned {
        Some(pin) => {
            // Every certificate below the pinned one must be issued by the next one.
            for (k, pair) in path.windows(2).enumerate() {
                let [cert, issuer] = pair else { continue };
                check_issued_by(cert, issuer)?;
                let issuer_is_anchor = k.saturating_add(2) == path.len();
                if !issuer_is_anchor {
                    check_ca(issuer, k)?;
                }
            }
            Ok(LegacyOutcome {
                anchor: TrustAnchorMatch::Pinned {
                    chain_index: pin.chain_index,
                    root_index: pin.root_index,
                },
                path_len: path.len(),
            })
        }
        None => {
            let roots = roots
                .iter()
                .enumerate()
                .map(|(j, der)| ParsedCert::parse(der, CertPosition::Root(j)))
                .collect::<Result<Vec<_>, _>>()?;
            walk_to_root(path, &roots)
        }
    }
}

/// Follows the received order until a metadata root issued the current certificate.
fn walk_to_root(
    path: &[ParsedCert<'_>],
    roots: &[ParsedCert<'_>],
) -> Result<LegacyOutcome, AttestationError> {
    for (k, cert) in path.iter().enumerate() {
        // A root whose name matches but whose key did not sign is remembered: if no other
        // issuer is found, that is the more useful error.
        let mut root_error = None;
        for (root_index, root) in roots.iter().enumerate() {
            if root.tbs.subject() != cert.tbs.issuer() {
                continue;
            }
            match check_signature(cert, root) {
                Ok(()) => {
                    return Ok(LegacyOutcome {
                        anchor: TrustAnchorMatch::IssuedByRoot { root_index },
                        path_len: k.saturating_add(1),
                    });
                }
                Err(error) => root_error = Some(error),
            }
        }
        let Some(issuer) = path.get(k.saturating_add(1)) else {
            return Err(root_error.unwrap_or(AttestationError::UnknownIssuer));
        };
        if issuer.tbs.subject() != cert.tbs.issuer() {
            return Err(root_error.unwrap_or(AttestationError::UnknownIssuer));
        }
        check_signature(cert, issuer)?;
        check_ca(issuer, k)?;
    }
    Err(AttestationError::UnknownIssuer)
}

/// `issuer` issued `cert`: names chain and the signature verifies.
fn check_issued_by(cert: &ParsedCert<'_>, issuer: &ParsedCert<'_>) -> Result<(), AttestationError> {
    if issuer.tbs.subject() != cert.tbs.issuer() {
        return Err(AttestationError::UnknownIssuer);
    }
    check_signature(cert, issuer)
}

/// The signature of `cert` verifies with the key of `issuer`.
fn check_signature(cert: &ParsedCert<'_>, issuer: &ParsedCert<'_>) -> Result<(), AttestationError> {
    let algorithm = CertSignatureAlgorithm::from_identifier(&cert.signature_algorithm).ok_or(
        AttestationError::UnsupportedSignatureAlgorithm {
            position: Some(cert.position),
        },
    )?;
    verify_legacy(
        algorithm,
        issuer.tbs.subject_public_key_info(),
        cert.tbs_der,
        cert.signature,
    )
    .map_err(|error| match error {
        LegacyVerifyError::Unsupported => AttestationError::UnsupportedSignatureAlgorithm {
            position: Some(cert.position),
        },
        LegacyVerifyError::Bad => AttestationError::BadSignature {
            position: Some(cert.position),
        },
    })
}

/// A received certificate that issued another one is allowed to: basicConstraints `cA` and
/// keyUsage `keyCertSign` where present, and `pathLenConstraint` (counting the
/// `intermediates_below` received CA certificates between it and the leaf).
fn check_ca(issuer: &ParsedCert<'_>, intermediates_below: usize) -> Result<(), AttestationError> {
    let not_a_ca = AttestationError::NotACa {
        position: Some(issuer.position),
    };
    if let Some(constraints) = issuer.basic_constraints()? {
        if !constraints.ca {
            return Err(not_a_ca);
        }
        let limit = constraints.path_len_constraint.map(usize::from);
        if limit.is_some_and(|limit| intermediates_below > limit) {
            return Err(AttestationError::PathLenConstraintViolated);
        }
    }
    if issuer
        .key_usage()?
        .is_some_and(|usage| !usage.key_cert_sign())
    {
        return Err(not_a_ca);
    }
    Ok(())
}
