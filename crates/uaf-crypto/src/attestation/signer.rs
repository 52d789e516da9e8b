//! The certificate chain of a document signer (the FIDO Metadata Service BLOB's `x5c`),
//! validated to a trust anchor the caller gives, with revocation checked by CRLs.

use alloc::vec::Vec;
use core::time::Duration;

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, ExpirationPolicy,
    RevocationCheckDepth, RevocationOptionsBuilder, UnknownStatusPolicy,
};

use super::algorithms::{self, STRICT_ALGORITHMS};
use super::cert::ParsedCert;
use super::error::{AttestationError, CertPosition};
use super::strict::{AnyExtendedKeyUsage, map_error};
use super::{ChainOptions, PublicKeyKind};

/// How [`verify_signer_chain`] checks that no certificate of the chain is revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Revocation<'a> {
    /// Check every certificate on the path below the trust anchor (the signer and each
    /// intermediate) against these CRLs (DER `CertificateList`, RFC 5280 §5). Each of those
    /// certificates needs a CRL from its issuer that is valid at the validation time
    /// (`nextUpdate` not passed) and correctly signed; a certificate listed in it is
    /// [`AttestationError::CertificateRevoked`], a certificate without such a CRL is
    /// [`AttestationError::RevocationStatusUnknown`]. No CRL at all is the latter too.
    Crls(&'a [&'a [u8]]),
    /// **Dangerous.** Revocation is not checked. A signing key that leaked, and whose
    /// certificate the CA has therefore revoked, is still accepted. For tests, and for callers
    /// that check revocation by other means (OCSP outside this crate).
    DangerNotChecked,
}

/// A validated signer chain: the signer's public key and the trust anchor the path ends at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSigner {
    leaf_spki: Vec<u8>,
    leaf_key_kind: PublicKeyKind,
    anchor_index: usize,
    path_len: usize,
    revocation_checked: bool,
}

impl VerifiedSigner {
    /// The signer certificate's SubjectPublicKeyInfo (DER), to verify the document signature.
    #[must_use]
    pub fn leaf_spki_der(&self) -> &[u8] {
        &self.leaf_spki
    }

    /// The type of the signer's public key.
    #[must_use]
    pub const fn leaf_key_kind(&self) -> PublicKeyKind {
        self.leaf_key_kind
    }

    /// Index into the `anchors` argument of the trust anchor the path ends at.
    #[must_use]
    pub const fn anchor_index(&self) -> usize {
        self.anchor_index
    }

    /// Number of received certificates on the validated path, the signer included.
    #[must_use]
    pub const fn path_len(&self) -> usize {
        self.path_len
    }

    /// Whether revocation was checked by CRLs (false under [`Revocation::DangerNotChecked`]).
    #[must_use]
    pub const fn revocation_checked(&self) -> bool {
        self.revocation_checked
    }
}

/// Validates the certificate chain of a document signer: `chain[0]` is the signer, each next
/// certificate its issuer (the trust anchor itself may be included or not), `anchors` the
/// trust anchors (DER certificates; only their subject and public key count, RFC 5280 §6.1),
/// at `time_unix_secs`.
///
/// The rules are those of the strict attestation path ([module docs](super)): RFC 5280 path
/// validation by rustls-webpki, X.509 v3, ECDSA P-256/SHA-256 (P-384 and RSA PKCS#1 v1.5
/// SHA-256 under their features), validity periods, basicConstraints, nameConstraints, any
/// extended key usage; no exact-DER pinning and no legacy path. Revocation as `revocation`
/// says. At most `options.chain_len_limit()` received certificates; the other options of
/// [`ChainOptions`] do not apply here.
///
/// # Errors
///
/// An [`AttestationError`]: in particular [`AttestationError::UnknownIssuer`] when no path
/// leads to an anchor, [`AttestationError::CertificateExpired`],
/// [`AttestationError::CertificateRevoked`], [`AttestationError::RevocationStatusUnknown`],
/// [`AttestationError::CrlExpired`] and [`AttestationError::MalformedCrl`].
/// [`CertPosition::Root`] indexes `anchors`.
pub fn verify_signer_chain(
    chain: &[&[u8]],
    anchors: &[&[u8]],
    revocation: Revocation<'_>,
    time_unix_secs: u64,
    options: &ChainOptions,
) -> Result<VerifiedSigner, AttestationError> {
    if chain.is_empty() {
        return Err(AttestationError::NoCertificates);
    }
    if chain.len() > options.chain_len_limit() {
        return Err(AttestationError::ChainTooLong {
            len: chain.len(),
            max: options.chain_len_limit(),
        });
    }
    if anchors.is_empty() {
        return Err(AttestationError::NoTrustAnchors);
    }
    let parsed = chain
        .iter()
        .enumerate()
        .map(|(i, der)| ParsedCert::parse(der, CertPosition::Chain(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = parsed.first().ok_or(AttestationError::NoCertificates)?;

    let ders: Vec<CertificateDer<'_>> = chain.iter().map(|c| CertificateDer::from(*c)).collect();
    let (leaf_der, intermediates) = ders.split_first().ok_or(AttestationError::NoCertificates)?;
    let end_entity = EndEntityCert::try_from(leaf_der)
        .map_err(|e| map_error(e, Some(CertPosition::Chain(0))))?;
    let anchor_ders: Vec<CertificateDer<'_>> =
        anchors.iter().map(|r| CertificateDer::from(*r)).collect();
    let trust_anchors = anchor_ders
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

    let crls = match revocation {
        Revocation::Crls(crls) => Some(
            crls.iter()
                .enumerate()
                .map(|(index, der)| {
                    BorrowedCertRevocationList::from_der(der)
                        .map(CertRevocationList::from)
                        .map_err(|_| AttestationError::MalformedCrl { index })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Revocation::DangerNotChecked => None,
    };
    let crl_refs: Option<Vec<&CertRevocationList<'_>>> =
        crls.as_ref().map(|crls| crls.iter().collect());
    let revocation_options = match &crl_refs {
        Some(refs) => Some(
            RevocationOptionsBuilder::new(refs)
                .map_err(|_| AttestationError::RevocationStatusUnknown)?
                .with_depth(RevocationCheckDepth::Chain)
                .with_status_policy(UnknownStatusPolicy::Deny)
                .with_expiration_policy(ExpirationPolicy::Enforce)
                .build(),
        ),
        None => None,
    };

    let verified = end_entity
        .verify_for_usage(
            STRICT_ALGORITHMS,
            &trust_anchors,
            intermediates,
            UnixTime::since_unix_epoch(Duration::from_secs(time_unix_secs)),
            AnyExtendedKeyUsage,
            revocation_options,
            None,
        )
        .map_err(|e| map_error(e, None))?;
    let anchor_index = trust_anchors
        .iter()
        .position(|a| core::ptr::eq(a, verified.anchor()))
        .ok_or(AttestationError::PathRejected {
            reason: "the validated path ends at an unknown trust anchor",
        })?;
    let path_len = verified
        .intermediate_certificates()
        .count()
        .saturating_add(1);
    Ok(VerifiedSigner {
        leaf_spki: leaf.spki_der()?,
        leaf_key_kind: algorithms::public_key_kind(leaf.tbs.subject_public_key_info()),
        anchor_index,
        path_len,
        revocation_checked: crl_refs.is_some(),
    })
}
