//! Attestation chains on the strict path (rustls-webpki), with rcgen-made X.509 v3 chains:
//! every rule with a positive and a negative case (UAF-PROTO R5.11, Basic Full 1-4).

mod attestation_support;

use attestation_support::{
    Chain, Key, NOW, aaid_extension, ca_params, corrupt_signature, issue, leaf_params, params,
    replace_bytes, self_signed,
};
use rcgen::{BasicConstraints, CustomExtension, ExtendedKeyUsagePurpose, IsCa};
use uaf_crypto::attestation::{
    AttestationError, CertPosition, ChainOptions, PublicKeyKind, TrustAnchorMatch,
    verify_attestation_chain,
};
use uaf_proto::id::Aaid;

fn strict() -> ChainOptions {
    ChainOptions::new()
}

#[test]
fn valid_chain_without_root_validates_to_the_root() {
    let c = Chain::new();
    let verified =
        verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &strict()).unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::IssuedByRoot { root_index: 0 }
    );
    assert_eq!(verified.path_len(), 2);
    assert!(!verified.used_legacy_path());
    assert!(!verified.expiry_ignored());
    assert_eq!(verified.leaf_key_kind(), PublicKeyKind::EcP256);
    assert_eq!(verified.leaf_public_key(), c.leaf_key.point());
    assert_eq!(verified.leaf_spki_der(), c.leaf_key.spki().as_slice());
    assert_eq!(verified.leaf_aaid(), None);
}

#[test]
fn valid_chain_including_the_root_validates_as_pinned_root() {
    let c = Chain::new();
    let verified = verify_attestation_chain(
        &[&c.leaf, &c.inter, &c.root],
        &[&c.root],
        None,
        NOW,
        &strict(),
    )
    .unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::Pinned {
            chain_index: 2,
            root_index: 0
        }
    );
    assert_eq!(verified.path_len(), 3);
}

#[test]
fn the_matching_root_is_found_among_several() {
    let c = Chain::new();
    let other_root = self_signed(&ca_params("Other Root", 9, None), &Key::new(9));
    let verified = verify_attestation_chain(
        &[&c.leaf, &c.inter],
        &[&other_root, &c.root],
        None,
        NOW,
        &strict(),
    )
    .unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::IssuedByRoot { root_index: 1 }
    );
}

#[test]
fn leaf_directly_under_the_root_validates() {
    let c = Chain::new();
    let leaf = issue(
        &leaf_params("Direct Leaf", 4),
        &c.leaf_key,
        &c.root_params,
        &c.root_key,
    );
    let verified = verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &strict()).unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::IssuedByRoot { root_index: 0 }
    );
    assert_eq!(verified.path_len(), 1);
}

#[test]
fn expired_leaf_is_rejected() {
    let c = Chain::with_leaf(params("Old Leaf", 3, (2022, 1, 1), (2024, 1, 1)));
    let err = verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &strict())
        .unwrap_err();
    assert_eq!(err, AttestationError::CertificateExpired);
}

#[test]
fn expired_intermediate_is_rejected() {
    let c = Chain::new();
    let mut old = params("Test Intermediate", 2, (2021, 1, 1), (2025, 1, 1));
    old.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let inter = issue(&old, &c.inter_key, &c.root_params, &c.root_key);
    let err =
        verify_attestation_chain(&[&c.leaf, &inter], &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::CertificateExpired);
}

#[test]
fn not_yet_valid_leaf_is_rejected() {
    let c = Chain::with_leaf(params("Future Leaf", 3, (2030, 1, 1), (2035, 1, 1)));
    let err = verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &strict())
        .unwrap_err();
    assert_eq!(err, AttestationError::CertificateNotYetValid);
}

#[test]
fn validity_bounds_are_inclusive() {
    // notAfter 2024-01-01T00:00:00Z = 1_704_067_200.
    let c = Chain::with_leaf(params("Old Leaf", 3, (2022, 1, 1), (2024, 1, 1)));
    let chain: [&[u8]; 2] = [&c.leaf, &c.inter];
    assert!(verify_attestation_chain(&chain, &[&c.root], None, 1_704_067_200, &strict()).is_ok());
    let err =
        verify_attestation_chain(&chain, &[&c.root], None, 1_704_067_201, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::CertificateExpired);
}

#[test]
fn ignore_expiry_accepts_an_expired_chain_and_says_so() {
    let c = Chain::with_leaf(params("Old Leaf", 3, (2022, 1, 1), (2024, 1, 1)));
    let options = ChainOptions::new().danger_ignore_expiry(true);
    let verified =
        verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &options).unwrap();
    assert!(verified.expiry_ignored());
    // A chain that is valid anyway does not report the option as used.
    let fresh = Chain::new();
    let verified = verify_attestation_chain(
        &[&fresh.leaf, &fresh.inter],
        &[&fresh.root],
        None,
        NOW,
        &options,
    )
    .unwrap();
    assert!(!verified.expiry_ignored());
}

#[test]
fn ignore_expiry_accepts_not_yet_valid_and_says_so() {
    // "Outside the validity period" covers both ends (a device with a clock in the future).
    let c = Chain::with_leaf(params("Future Leaf", 3, (2030, 1, 1), (2035, 1, 1)));
    let options = ChainOptions::new().danger_ignore_expiry(true);
    let verified =
        verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &options).unwrap();
    assert!(verified.expiry_ignored());
}

#[test]
fn ignore_expiry_still_needs_an_instant_when_the_whole_path_was_valid() {
    // Leaf valid from 2030, intermediate expired in 2025: never valid together.
    let mut c = Chain::with_leaf(params("Future Leaf", 3, (2030, 1, 1), (2035, 1, 1)));
    let mut old = params("Test Intermediate", 2, (2021, 1, 1), (2025, 1, 1));
    old.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    c.inter = issue(&old, &c.inter_key, &c.root_params, &c.root_key);
    let options = ChainOptions::new().danger_ignore_expiry(true);
    assert!(
        verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &options).is_err()
    );
}

#[test]
fn wrong_anchor_is_an_unknown_issuer() {
    let c = Chain::new();
    let other_root = self_signed(&ca_params("Other Root", 9, None), &Key::new(9));
    let err = verify_attestation_chain(&[&c.leaf, &c.inter], &[&other_root], None, NOW, &strict())
        .unwrap_err();
    assert_eq!(err, AttestationError::UnknownIssuer);
}

#[test]
fn anchor_with_the_right_name_and_another_key_is_a_bad_signature() {
    let c = Chain::new();
    let impostor = self_signed(&ca_params("Test Root", 1, None), &Key::new(9));
    let err = verify_attestation_chain(&[&c.leaf, &c.inter], &[&impostor], None, NOW, &strict())
        .unwrap_err();
    assert_eq!(err, AttestationError::BadSignature { position: None });
}

#[test]
fn corrupted_leaf_signature_is_rejected() {
    let c = Chain::new();
    let leaf = corrupt_signature(&c.leaf);
    let err =
        verify_attestation_chain(&[&leaf, &c.inter], &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::BadSignature { position: None });
}

#[test]
fn tampered_leaf_content_is_rejected() {
    let c = Chain::new();
    let leaf = replace_bytes(&c.leaf, b"Test Leaf", b"Evil Leaf");
    let err =
        verify_attestation_chain(&[&leaf, &c.inter], &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::BadSignature { position: None });
}

#[test]
fn missing_intermediate_is_an_unknown_issuer() {
    let c = Chain::new();
    let err = verify_attestation_chain(&[&c.leaf], &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::UnknownIssuer);
}

#[test]
fn leaf_listed_as_root_is_trusted_as_pinned() {
    let c = Chain::new();
    // The metadata lists the attestation certificate itself: no path to a CA is needed.
    let verified =
        verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.leaf], None, NOW, &strict()).unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::Pinned {
            chain_index: 0,
            root_index: 0
        }
    );
    assert_eq!(verified.path_len(), 1);
    assert_eq!(verified.leaf_public_key(), c.leaf_key.point());
    // The chain may also be the leaf alone.
    let verified =
        verify_attestation_chain(&[&c.leaf], &[&c.root, &c.leaf], None, NOW, &strict()).unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::Pinned {
            chain_index: 0,
            root_index: 1
        }
    );
}

#[test]
fn pinned_leaf_must_still_be_within_its_validity() {
    let c = Chain::with_leaf(params("Old Leaf", 3, (2022, 1, 1), (2024, 1, 1)));
    let err = verify_attestation_chain(&[&c.leaf], &[&c.leaf], None, NOW, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::CertificateExpired);
}

#[test]
fn a_similar_but_different_leaf_is_not_pinned() {
    let c = Chain::new();
    let other_leaf = issue(
        &leaf_params("Test Leaf", 33),
        &Key::new(33),
        &c.inter_params,
        &c.inter_key,
    );
    let err = verify_attestation_chain(&[&c.leaf, &c.inter], &[&other_leaf], None, NOW, &strict())
        .unwrap_err();
    assert_eq!(err, AttestationError::UnknownIssuer);
}

#[test]
fn intermediate_listed_as_root_is_the_anchor() {
    let c = Chain::new();
    let verified =
        verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.inter], None, NOW, &strict()).unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::Pinned {
            chain_index: 1,
            root_index: 0
        }
    );
    assert_eq!(verified.path_len(), 2);
    // The leaf below the pinned intermediate is still checked.
    let leaf = corrupt_signature(&c.leaf);
    let err = verify_attestation_chain(&[&leaf, &c.inter], &[&c.inter], None, NOW, &strict())
        .unwrap_err();
    assert_eq!(err, AttestationError::BadSignature { position: None });
}

#[test]
fn unknown_critical_extension_in_leaf_is_rejected() {
    let mut leaf = leaf_params("Test Leaf", 3);
    let mut ext =
        CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 1], vec![0x05, 0x00]);
    ext.set_criticality(true);
    leaf.custom_extensions.push(ext);
    let c = Chain::with_leaf(leaf);
    let err = verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &strict())
        .unwrap_err();
    assert_eq!(
        err,
        AttestationError::UnknownCriticalExtension {
            position: Some(CertPosition::Chain(0))
        }
    );
}

#[test]
fn unknown_non_critical_extension_is_ignored() {
    let mut leaf = leaf_params("Test Leaf", 3);
    leaf.custom_extensions
        .push(CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, 99999, 1],
            vec![0x05, 0x00],
        ));
    let c = Chain::with_leaf(leaf);
    assert!(
        verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &strict()).is_ok()
    );
}

#[test]
fn any_extended_key_usage_is_accepted() {
    let mut leaf = leaf_params("Test Leaf", 3);
    leaf.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::CodeSigning,
    ];
    let c = Chain::with_leaf(leaf);
    assert!(
        verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &strict()).is_ok()
    );
}

#[test]
fn issuer_without_ca_flag_is_rejected() {
    let c = Chain::new();
    let mut not_ca = ca_params("Test Intermediate", 2, None);
    not_ca.is_ca = IsCa::ExplicitNoCa;
    let inter = issue(&not_ca, &c.inter_key, &c.root_params, &c.root_key);
    let err =
        verify_attestation_chain(&[&c.leaf, &inter], &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::NotACa { position: None });
}

#[test]
fn ca_certificate_as_leaf_is_rejected() {
    let mut leaf = leaf_params("Test Leaf", 3);
    leaf.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let c = Chain::with_leaf(leaf);
    let err = verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &strict())
        .unwrap_err();
    assert_eq!(err, AttestationError::CaUsedAsLeaf);
}

#[test]
fn path_len_constraint_is_enforced() {
    // root → A (pathLen 0) → B → leaf: A may not have a CA below it.
    let c = Chain::new();
    let a_key = Key::new(20);
    let a_params = ca_params("CA A", 20, Some(0));
    let a = issue(&a_params, &a_key, &c.root_params, &c.root_key);
    let b_key = Key::new(21);
    let b_params = ca_params("CA B", 21, None);
    let b = issue(&b_params, &b_key, &a_params, &a_key);
    let leaf = issue(
        &leaf_params("Deep Leaf", 22),
        &Key::new(22),
        &b_params,
        &b_key,
    );
    let err =
        verify_attestation_chain(&[&leaf, &b, &a], &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::PathLenConstraintViolated);
    // With pathLen 1 the same shape validates.
    let a_params = ca_params("CA A", 20, Some(1));
    let a = issue(&a_params, &a_key, &c.root_params, &c.root_key);
    let b = issue(&b_params, &b_key, &a_params, &a_key);
    assert!(verify_attestation_chain(&[&leaf, &b, &a], &[&c.root], None, NOW, &strict()).is_ok());
}

#[test]
fn aaid_extension_matching_the_assertion_is_accepted() {
    let mut leaf = leaf_params("Test Leaf", 3);
    leaf.custom_extensions.push(aaid_extension("ABCD#ABCD"));
    let c = Chain::with_leaf(leaf);
    let chain: [&[u8]; 2] = [&c.leaf, &c.inter];
    let expected = Aaid::parse("ABCD#ABCD").unwrap();
    let verified =
        verify_attestation_chain(&chain, &[&c.root], Some(&expected), NOW, &strict()).unwrap();
    assert_eq!(verified.leaf_aaid(), Some(expected));
    // Hex digits compare case-insensitively, as AAIDs do.
    let lower = Aaid::parse("abcd#abcd").unwrap();
    assert!(verify_attestation_chain(&chain, &[&c.root], Some(&lower), NOW, &strict()).is_ok());
    // Without an expected AAID the extension is reported, not compared.
    let verified = verify_attestation_chain(&chain, &[&c.root], None, NOW, &strict()).unwrap();
    assert_eq!(verified.leaf_aaid(), Some(expected));
}

#[test]
fn aaid_extension_naming_another_model_is_rejected() {
    let mut leaf = leaf_params("Test Leaf", 3);
    leaf.custom_extensions.push(aaid_extension("ABCD#ABCD"));
    let c = Chain::with_leaf(leaf);
    let expected = Aaid::parse("FFFF#FC01").unwrap();
    let err = verify_attestation_chain(
        &[&c.leaf, &c.inter],
        &[&c.root],
        Some(&expected),
        NOW,
        &strict(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        AttestationError::AaidMismatch {
            expected,
            found: Aaid::parse("ABCD#ABCD").unwrap()
        }
    );
}

#[test]
fn leaf_without_aaid_extension_needs_no_match() {
    let c = Chain::new();
    let expected = Aaid::parse("FFFF#FC01").unwrap();
    let verified = verify_attestation_chain(
        &[&c.leaf, &c.inter],
        &[&c.root],
        Some(&expected),
        NOW,
        &strict(),
    )
    .unwrap();
    assert_eq!(verified.leaf_aaid(), None);
}

#[test]
fn malformed_aaid_extension_is_rejected() {
    for content in [
        // The AAID bytes without the inner OCTET STRING.
        b"ABCD#ABCD".to_vec(),
        // An OCTET STRING, but not an AAID.
        attestation_support::tlv(0x04, b"ABCD-ABCD"),
        attestation_support::tlv(0x04, b"ABCD#ABCD0"),
        // A UTF8String instead of an OCTET STRING.
        attestation_support::tlv(0x0c, b"ABCD#ABCD"),
    ] {
        let mut leaf = leaf_params("Test Leaf", 3);
        leaf.custom_extensions
            .push(CustomExtension::from_oid_content(
                attestation_support::AAID_OID,
                content,
            ));
        let c = Chain::with_leaf(leaf);
        let err = verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &strict())
            .unwrap_err();
        assert_eq!(err, AttestationError::MalformedAaidExtension);
    }
}

#[test]
fn chain_longer_than_the_limit_is_rejected_before_parsing() {
    let c = Chain::new();
    let garbage: &[u8] = b"not a certificate";
    let options = ChainOptions::new().max_chain_len(2);
    let err = verify_attestation_chain(
        &[&c.leaf, &c.inter, garbage],
        &[&c.root],
        None,
        NOW,
        &options,
    )
    .unwrap_err();
    assert_eq!(err, AttestationError::ChainTooLong { len: 3, max: 2 });
    // At the limit it validates.
    assert!(
        verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &options).is_ok()
    );
    // The default limit.
    let six: Vec<&[u8]> = vec![&c.leaf; 6];
    let err = verify_attestation_chain(&six, &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::ChainTooLong { len: 6, max: 5 });
}

#[test]
fn empty_chain_and_empty_roots_are_rejected() {
    let c = Chain::new();
    let err = verify_attestation_chain(&[], &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::NoCertificates);
    let err =
        verify_attestation_chain(&[&c.leaf, &c.inter], &[], None, NOW, &strict()).unwrap_err();
    assert_eq!(err, AttestationError::NoTrustAnchors);
}

#[test]
fn malformed_certificates_are_rejected_with_their_position() {
    let c = Chain::new();
    let truncated = &c.inter[..c.inter.len() - 1];
    let err = verify_attestation_chain(&[&c.leaf, truncated], &[&c.root], None, NOW, &strict())
        .unwrap_err();
    assert_eq!(
        err,
        AttestationError::MalformedCertificate {
            position: Some(CertPosition::Chain(1))
        }
    );
    let mut trailing = c.leaf.clone();
    trailing.push(0);
    let err = verify_attestation_chain(&[&trailing, &c.inter], &[&c.root], None, NOW, &strict())
        .unwrap_err();
    assert_eq!(
        err,
        AttestationError::MalformedCertificate {
            position: Some(CertPosition::Chain(0))
        }
    );
    let err = verify_attestation_chain(
        &[&c.leaf, &c.inter],
        &[&c.root, b"\x30\x00"],
        None,
        NOW,
        &strict(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        AttestationError::MalformedCertificate {
            position: Some(CertPosition::Root(1))
        }
    );
}

#[test]
fn errors_say_what_to_fix() {
    let text = AttestationError::LegacyCertificateVersion {
        position: CertPosition::Chain(0),
    }
    .to_string();
    assert!(
        text.contains("attestation certificate") && text.contains("allow_legacy"),
        "{text}"
    );
    let text = AttestationError::ChainTooLong { len: 9, max: 5 }.to_string();
    assert!(text.contains('9') && text.contains('5'), "{text}");
    let text = AttestationError::AaidMismatch {
        expected: Aaid::parse("FFFF#FC01").unwrap(),
        found: Aaid::parse("ABCD#ABCD").unwrap(),
    }
    .to_string();
    assert!(
        text.contains("FFFF#FC01") && text.contains("ABCD#ABCD"),
        "{text}"
    );
}

#[test]
fn options_default_to_strict() {
    let options = ChainOptions::default();
    assert_eq!(options, ChainOptions::new());
    assert!(!options.is_legacy_allowed());
    assert!(!options.is_expiry_ignored());
    assert_eq!(
        options.chain_len_limit(),
        ChainOptions::DEFAULT_MAX_CHAIN_LEN
    );
    let options = options
        .allow_legacy(true)
        .danger_ignore_expiry(true)
        .max_chain_len(3);
    assert!(options.is_legacy_allowed() && options.is_expiry_ignored());
    assert_eq!(options.chain_len_limit(), 3);
}
