//! `verify_signer_chain`: a document signer's chain (the Metadata Service BLOB's `x5c`) to the
//! caller's trust anchors, with revocation by CRLs or the named skip.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod attestation_support;

use attestation_support::{Chain, Key, NOW};
use rcgen::{
    CertificateParams, CertificateRevocationListParams, Issuer, KeyIdMethod, RevokedCertParams,
    SerialNumber,
};
use uaf_crypto::attestation::{
    AttestationError, ChainOptions, PublicKeyKind, Revocation, verify_signer_chain,
};

/// A CRL by (`params`, `key`) listing `revoked`, valid 2025-12-01 .. `next`.
fn crl(params: &CertificateParams, key: &Key, revoked: &[u64], next: (i32, u8, u8)) -> Vec<u8> {
    CertificateRevocationListParams {
        this_update: rcgen::date_time_ymd(2025, 12, 1),
        next_update: rcgen::date_time_ymd(next.0, next.1, next.2),
        crl_number: SerialNumber::from(1_u64),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|s| RevokedCertParams {
                serial_number: SerialNumber::from(*s),
                revocation_time: rcgen::date_time_ymd(2025, 11, 1),
                reason_code: None,
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::PreSpecified(vec![0x55; 20]),
    }
    .signed_by(&Issuer::new(params.clone(), key))
    .unwrap()
    .der()
    .to_vec()
}

fn crls(c: &Chain, revoked: &[u64], next: (i32, u8, u8)) -> Vec<Vec<u8>> {
    vec![
        crl(&c.root_params, &c.root_key, revoked, next),
        crl(&c.inter_params, &c.inter_key, revoked, next),
    ]
}

fn run(
    c: &Chain,
    crls: &[Vec<u8>],
) -> Result<uaf_crypto::attestation::VerifiedSigner, AttestationError> {
    let refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    verify_signer_chain(
        &[&c.leaf, &c.inter],
        &[&c.root],
        Revocation::Crls(&refs),
        NOW,
        &ChainOptions::new(),
    )
}

#[test]
fn valid_chain_with_current_crls() {
    let c = Chain::new();
    let v = run(&c, &crls(&c, &[99], (2026, 2, 1))).unwrap();
    assert_eq!(v.anchor_index(), 0);
    assert_eq!(v.path_len(), 2);
    assert_eq!(v.leaf_key_kind(), PublicKeyKind::EcP256);
    assert!(v.revocation_checked());
    assert_eq!(v.leaf_spki_der(), c.leaf_key.spki());
}

#[test]
fn revoked_leaf_and_revoked_intermediate() {
    let c = Chain::new();
    // The leaf is serial 3, the intermediate serial 2 (attestation_support).
    assert_eq!(
        run(&c, &crls(&c, &[3], (2026, 2, 1))).unwrap_err(),
        AttestationError::CertificateRevoked
    );
    assert_eq!(
        run(&c, &crls(&c, &[2], (2026, 2, 1))).unwrap_err(),
        AttestationError::CertificateRevoked
    );
}

#[test]
fn unknown_or_stale_revocation_status_is_refused() {
    let c = Chain::new();
    let current = crls(&c, &[], (2026, 2, 1));
    assert_eq!(
        run(&c, &[]).unwrap_err(),
        AttestationError::RevocationStatusUnknown
    );
    assert_eq!(
        run(&c, &current[..1]).unwrap_err(),
        AttestationError::RevocationStatusUnknown
    );
    assert_eq!(
        run(&c, &crls(&c, &[], (2025, 12, 20))).unwrap_err(),
        AttestationError::CrlExpired
    );
    assert_eq!(
        run(&c, &[current[0].clone(), vec![0x30, 0x00]]).unwrap_err(),
        AttestationError::MalformedCrl { index: 1 }
    );
    // The intermediate's CRL signed by another key.
    let forged = crl(&c.inter_params, &Key::new(9), &[], (2026, 2, 1));
    assert!(matches!(
        run(&c, &[current[0].clone(), forged]).unwrap_err(),
        AttestationError::CrlRejected { .. }
    ));
}

#[test]
fn danger_not_checked_skips_revocation_only() {
    let c = Chain::new();
    let v = verify_signer_chain(
        &[&c.leaf, &c.inter],
        &[&c.root],
        Revocation::DangerNotChecked,
        NOW,
        &ChainOptions::new(),
    )
    .unwrap();
    assert!(!v.revocation_checked());
    // Still a chain: another root is refused.
    let other = Chain::new();
    let wrong_root = attestation_support::self_signed(
        &attestation_support::ca_params("Other Root", 40, None),
        &Key::new(40),
    );
    assert_eq!(
        verify_signer_chain(
            &[&other.leaf, &other.inter],
            &[&wrong_root],
            Revocation::DangerNotChecked,
            NOW,
            &ChainOptions::new(),
        )
        .unwrap_err(),
        AttestationError::UnknownIssuer
    );
}

#[test]
fn bounds_and_empty_inputs() {
    let c = Chain::new();
    let skip = Revocation::DangerNotChecked;
    assert_eq!(
        verify_signer_chain(&[], &[&c.root], skip, NOW, &ChainOptions::new()).unwrap_err(),
        AttestationError::NoCertificates
    );
    assert_eq!(
        verify_signer_chain(&[&c.leaf], &[], skip, NOW, &ChainOptions::new()).unwrap_err(),
        AttestationError::NoTrustAnchors
    );
    assert_eq!(
        verify_signer_chain(
            &[&c.leaf, &c.inter],
            &[&c.root],
            skip,
            NOW,
            &ChainOptions::new().max_chain_len(1)
        )
        .unwrap_err(),
        AttestationError::ChainTooLong { len: 2, max: 1 }
    );
    // Expired at a later time.
    assert_eq!(
        verify_signer_chain(
            &[&c.leaf, &c.inter],
            &[&c.root],
            skip,
            2_300_000_000,
            &ChainOptions::new()
        )
        .unwrap_err(),
        AttestationError::CertificateExpired
    );
}
