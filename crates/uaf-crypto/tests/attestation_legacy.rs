//! The legacy path (X.509 v1 certificates, SHA-1 signatures): accepted only with
//! `ChainOptions::allow_legacy`, and then still checked rule by rule. Also the UAF
//! specification's Example 8 attestation certificate (a v1, ecdsa-with-SHA1 certificate).

// Helper functions outside #[test] fail the test by unwrapping, as the tests do.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod attestation_support;

use attestation_support::{
    CertSpec, Chain, Key, NOW, SigAlg, basic_constraints, corrupt_signature, extension, name,
    subject_of, tlv, unknown_critical_extension,
};
use p256::ecdsa::signature::Verifier as _;
use uaf_crypto::attestation::{
    AttestationError, CertPosition, ChainOptions, PublicKeyKind, TrustAnchorMatch,
    verify_attestation_chain,
};
use uaf_proto::b64::Base64Policy;
use uaf_proto::id::Aaid;

fn strict() -> ChainOptions {
    ChainOptions::new()
}

fn legacy() -> ChainOptions {
    ChainOptions::new().allow_legacy(true)
}

/// A v1 leaf (`CN=V1 Leaf`, key 3) issued by the standard root with `alg`.
fn v1_leaf_under_root(c: &Chain, alg: SigAlg) -> Vec<u8> {
    let mut spec = CertSpec::new(
        alg,
        subject_of(&c.root),
        name("V1 Leaf"),
        Key::new(3).spki(),
    );
    spec.v1 = true;
    spec.sign(&c.root_key)
}

/// A v1 intermediate (`CN=V1 Intermediate`, key 2, SHA-1) under the standard root and a v1
/// leaf (`CN=V1 Leaf`, key 3, SHA-1) under it.
fn v1_chain(c: &Chain) -> (Vec<u8>, Vec<u8>) {
    let mut inter = CertSpec::new(
        SigAlg::EcdsaSha1,
        subject_of(&c.root),
        name("V1 Intermediate"),
        c.inter_key.spki(),
    );
    inter.v1 = true;
    let inter = inter.sign(&c.root_key);
    let mut leaf = CertSpec::new(
        SigAlg::EcdsaSha1,
        name("V1 Intermediate"),
        name("V1 Leaf"),
        Key::new(3).spki(),
    );
    leaf.v1 = true;
    (leaf.sign(&c.inter_key), inter)
}

#[test]
fn v1_leaf_is_accepted_only_on_the_legacy_path() {
    let c = Chain::new();
    let leaf = v1_leaf_under_root(&c, SigAlg::EcdsaSha256);
    let err = verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::LegacyCertificateVersion {
            position: CertPosition::Chain(0)
        }
    );
    let verified = verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &legacy()).unwrap();
    assert!(verified.used_legacy_path());
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::IssuedByRoot { root_index: 0 }
    );
    assert_eq!(verified.path_len(), 1);
    assert_eq!(verified.leaf_key_kind(), PublicKeyKind::EcP256);
    assert_eq!(verified.leaf_public_key(), Key::new(3).point());
}

#[test]
fn sha1_signature_is_accepted_only_on_the_legacy_path() {
    let c = Chain::new();
    let leaf = CertSpec::new(
        SigAlg::EcdsaSha1,
        subject_of(&c.root),
        name("SHA1 Leaf"),
        Key::new(3).spki(),
    )
    .sign(&c.root_key);
    let err = verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::LegacySignatureAlgorithm {
            position: CertPosition::Chain(0)
        }
    );
    let verified = verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &legacy()).unwrap();
    assert!(verified.used_legacy_path());
}

#[test]
fn modern_chain_does_not_use_the_legacy_path_even_when_allowed() {
    let c = Chain::new();
    let verified =
        verify_attestation_chain(&[&c.leaf, &c.inter], &[&c.root], None, NOW, &legacy()).unwrap();
    assert!(!verified.used_legacy_path());
    // A modern chain that fails keeps its strict error: the legacy path is not a second try.
    let err = verify_attestation_chain(&[&c.leaf], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(err, AttestationError::UnknownIssuer);
}

/// The FIDO conformance test root is self-signed with ECDSA-SHA1 (digest, "Interoperability
/// facts"); here a v3 root shaped like it.
fn sha1_root() -> (Key, Vec<u8>) {
    let key = Key::new(40);
    let mut spec = CertSpec::new(
        SigAlg::EcdsaSha1,
        name("SHA1 Root"),
        name("SHA1 Root"),
        key.spki(),
    );
    spec.not_before = "150101000000Z";
    spec.not_after = "450101000000Z";
    spec.extensions.push(basic_constraints(true, None));
    let root = spec.sign(&key);
    (key, root)
}

#[test]
fn sha1_self_signed_root_is_a_fine_trust_anchor_on_the_strict_path() {
    // The anchor's own signature is not checked (RFC 5280 trust anchor), so a root that
    // signed itself with SHA-1 but its leaves with SHA-256 validates strictly.
    let (key, root) = sha1_root();
    let leaf = CertSpec::new(
        SigAlg::EcdsaSha256,
        name("SHA1 Root"),
        name("Leaf"),
        Key::new(3).spki(),
    )
    .sign(&key);
    let verified = verify_attestation_chain(&[&leaf], &[&root], None, NOW, &strict()).unwrap();
    assert!(!verified.used_legacy_path());
}

#[test]
fn sha1_root_signing_with_sha1_is_accepted_only_on_the_legacy_path() {
    let (key, root) = sha1_root();
    let leaf = CertSpec::new(
        SigAlg::EcdsaSha1,
        name("SHA1 Root"),
        name("Leaf"),
        Key::new(3).spki(),
    )
    .sign(&key);
    let err = verify_attestation_chain(&[&leaf], &[&root], None, NOW, &strict()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::LegacySignatureAlgorithm {
            position: CertPosition::Chain(0)
        }
    );
    let verified = verify_attestation_chain(&[&leaf], &[&root], None, NOW, &legacy()).unwrap();
    assert!(verified.used_legacy_path());
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::IssuedByRoot { root_index: 0 }
    );
}

#[test]
fn chain_of_v1_certificates_validates_in_order() {
    let c = Chain::new();
    let (leaf, inter) = v1_chain(&c);
    let err =
        verify_attestation_chain(&[&leaf, &inter], &[&c.root], None, NOW, &strict()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::LegacyCertificateVersion {
            position: CertPosition::Chain(0)
        }
    );
    let verified =
        verify_attestation_chain(&[&leaf, &inter], &[&c.root], None, NOW, &legacy()).unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::IssuedByRoot { root_index: 0 }
    );
    assert_eq!(verified.path_len(), 2);
    // The root may be included in the chain.
    let verified =
        verify_attestation_chain(&[&leaf, &inter, &c.root], &[&c.root], None, NOW, &legacy())
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
fn legacy_pinned_intermediate_is_the_anchor() {
    let c = Chain::new();
    let (leaf, inter) = v1_chain(&c);
    let verified =
        verify_attestation_chain(&[&leaf, &inter], &[&inter], None, NOW, &legacy()).unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::Pinned {
            chain_index: 1,
            root_index: 0
        }
    );
    let bad_leaf = corrupt_signature(&leaf);
    let err = verify_attestation_chain(&[&bad_leaf, &inter], &[&inter], None, NOW, &legacy())
        .unwrap_err();
    assert_eq!(
        err,
        AttestationError::BadSignature {
            position: Some(CertPosition::Chain(0))
        }
    );
}

#[test]
fn legacy_bad_signatures_are_rejected_with_their_position() {
    let c = Chain::new();
    let (leaf, inter) = v1_chain(&c);
    let err = verify_attestation_chain(
        &[&corrupt_signature(&leaf), &inter],
        &[&c.root],
        None,
        NOW,
        &legacy(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        AttestationError::BadSignature {
            position: Some(CertPosition::Chain(0))
        }
    );
    let err = verify_attestation_chain(
        &[&leaf, &corrupt_signature(&inter)],
        &[&c.root],
        None,
        NOW,
        &legacy(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        AttestationError::BadSignature {
            position: Some(CertPosition::Chain(1))
        }
    );
}

#[test]
fn legacy_expiry_and_not_yet_valid() {
    let c = Chain::new();
    let mut spec = CertSpec::new(
        SigAlg::EcdsaSha1,
        subject_of(&c.root),
        name("Old Leaf"),
        Key::new(3).spki(),
    );
    spec.not_before = "210101000000Z";
    spec.not_after = "240101000000Z";
    let old = spec.sign(&c.root_key);
    let err = verify_attestation_chain(&[&old], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(err, AttestationError::CertificateExpired);
    let options = legacy().danger_ignore_expiry(true);
    let verified = verify_attestation_chain(&[&old], &[&c.root], None, NOW, &options).unwrap();
    assert!(verified.expiry_ignored() && verified.used_legacy_path());

    spec.not_before = "300101000000Z";
    spec.not_after = "350101000000Z";
    let future = spec.sign(&c.root_key);
    let err = verify_attestation_chain(&[&future], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(err, AttestationError::CertificateNotYetValid);
    // Outside the validity period at either end is what the option relaxes.
    let verified = verify_attestation_chain(&[&future], &[&c.root], None, NOW, &options).unwrap();
    assert!(verified.expiry_ignored());
}

#[test]
fn legacy_wrong_anchor_and_missing_intermediate() {
    let c = Chain::new();
    let (leaf, inter) = v1_chain(&c);
    let other_root = attestation_support::self_signed(
        &attestation_support::ca_params("Other Root", 9, None),
        &Key::new(9),
    );
    let err = verify_attestation_chain(&[&leaf, &inter], &[&other_root], None, NOW, &legacy())
        .unwrap_err();
    assert_eq!(err, AttestationError::UnknownIssuer);
    let err = verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(err, AttestationError::UnknownIssuer);
}

/// A v3 intermediate (`CN=V3 Intermediate`, key 2, SHA-1) under the standard root with
/// `extensions`, and a v1 leaf (key 3, SHA-1) under it.
fn chain_with_intermediate_extensions(c: &Chain, extensions: Vec<Vec<u8>>) -> (Vec<u8>, Vec<u8>) {
    let mut inter = CertSpec::new(
        SigAlg::EcdsaSha1,
        subject_of(&c.root),
        name("V3 Intermediate"),
        c.inter_key.spki(),
    );
    inter.extensions = extensions;
    let inter = inter.sign(&c.root_key);
    let mut leaf = CertSpec::new(
        SigAlg::EcdsaSha1,
        name("V3 Intermediate"),
        name("V1 Leaf"),
        Key::new(3).spki(),
    );
    leaf.v1 = true;
    (leaf.sign(&c.inter_key), inter)
}

#[test]
fn legacy_issuer_must_be_a_ca_where_it_says() {
    let c = Chain::new();
    let (leaf, inter) =
        chain_with_intermediate_extensions(&c, vec![basic_constraints(false, None)]);
    let err =
        verify_attestation_chain(&[&leaf, &inter], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::NotACa {
            position: Some(CertPosition::Chain(1))
        }
    );
    let (leaf, inter) = chain_with_intermediate_extensions(&c, vec![basic_constraints(true, None)]);
    assert!(verify_attestation_chain(&[&leaf, &inter], &[&c.root], None, NOW, &legacy()).is_ok());
}

#[test]
fn legacy_issuer_key_usage_must_allow_cert_signing() {
    let c = Chain::new();
    // keyUsage digitalSignature only (bit 0).
    let digital_signature = extension(&[0x55, 0x1d, 0x0f], true, &[0x03, 0x02, 0x07, 0x80]);
    let (leaf, inter) = chain_with_intermediate_extensions(
        &c,
        vec![basic_constraints(true, None), digital_signature],
    );
    let err =
        verify_attestation_chain(&[&leaf, &inter], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::NotACa {
            position: Some(CertPosition::Chain(1))
        }
    );
    // keyUsage keyCertSign (bit 5).
    let key_cert_sign = extension(&[0x55, 0x1d, 0x0f], true, &[0x03, 0x02, 0x02, 0x04]);
    let (leaf, inter) =
        chain_with_intermediate_extensions(&c, vec![basic_constraints(true, None), key_cert_sign]);
    assert!(verify_attestation_chain(&[&leaf, &inter], &[&c.root], None, NOW, &legacy()).is_ok());
}

#[test]
fn legacy_path_len_constraint_is_enforced() {
    // root → A (pathLen 0) → B → v1 leaf.
    let c = Chain::new();
    let a_key = Key::new(20);
    let b_key = Key::new(21);
    let make = |path_len: u8| {
        let mut a = CertSpec::new(
            SigAlg::EcdsaSha1,
            subject_of(&c.root),
            name("CA A"),
            a_key.spki(),
        );
        a.extensions.push(basic_constraints(true, Some(path_len)));
        let a = a.sign(&c.root_key);
        let mut b = CertSpec::new(SigAlg::EcdsaSha1, name("CA A"), name("CA B"), b_key.spki());
        b.extensions.push(basic_constraints(true, None));
        let b = b.sign(&a_key);
        let mut leaf = CertSpec::new(
            SigAlg::EcdsaSha1,
            name("CA B"),
            name("V1 Leaf"),
            Key::new(3).spki(),
        );
        leaf.v1 = true;
        (leaf.sign(&b_key), b, a)
    };
    let (leaf, b, a) = make(0);
    let err =
        verify_attestation_chain(&[&leaf, &b, &a], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(err, AttestationError::PathLenConstraintViolated);
    let (leaf, b, a) = make(1);
    assert!(verify_attestation_chain(&[&leaf, &b, &a], &[&c.root], None, NOW, &legacy()).is_ok());
}

#[test]
fn legacy_rejects_unknown_critical_extensions() {
    let c = Chain::new();
    let mut spec = CertSpec::new(
        SigAlg::EcdsaSha1,
        subject_of(&c.root),
        name("SHA1 Leaf"),
        Key::new(3).spki(),
    );
    spec.extensions.push(unknown_critical_extension());
    let leaf = spec.sign(&c.root_key);
    let err = verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::UnknownCriticalExtension {
            position: Some(CertPosition::Chain(0))
        }
    );
    // A critical extension the legacy path understands is fine.
    let mut spec = CertSpec::new(
        SigAlg::EcdsaSha1,
        subject_of(&c.root),
        name("SHA1 Leaf"),
        Key::new(3).spki(),
    );
    spec.extensions.push(basic_constraints(false, None));
    let leaf = spec.sign(&c.root_key);
    assert!(verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &legacy()).is_ok());
}

#[test]
fn legacy_checks_the_aaid_extension() {
    let c = Chain::new();
    let mut spec = CertSpec::new(
        SigAlg::EcdsaSha1,
        subject_of(&c.root),
        name("SHA1 Leaf"),
        Key::new(3).spki(),
    );
    let aaid_oid = [
        0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xe5, 0x1c, 0x01, 0x01, 0x01,
    ];
    spec.extensions
        .push(extension(&aaid_oid, false, &tlv(0x04, b"ABCD#ABCD")));
    let leaf = spec.sign(&c.root_key);
    let expected = Aaid::parse("ABCD#ABCD").unwrap();
    let verified =
        verify_attestation_chain(&[&leaf], &[&c.root], Some(&expected), NOW, &legacy()).unwrap();
    assert_eq!(verified.leaf_aaid(), Some(expected));
    let other = Aaid::parse("FFFF#FC01").unwrap();
    let err =
        verify_attestation_chain(&[&leaf], &[&c.root], Some(&other), NOW, &legacy()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::AaidMismatch {
            expected: other,
            found: expected
        }
    );
}

#[test]
fn unsupported_signature_algorithms_are_rejected_on_both_paths() {
    let c = Chain::new();
    let leaf = CertSpec::new(
        SigAlg::EcdsaSha512,
        subject_of(&c.root),
        name("Leaf"),
        Key::new(3).spki(),
    )
    .sign(&c.root_key);
    let err = verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::UnsupportedSignatureAlgorithm { position: None }
    );
    let v1 = v1_leaf_under_root(&c, SigAlg::EcdsaSha512);
    let err = verify_attestation_chain(&[&v1], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::UnsupportedSignatureAlgorithm {
            position: Some(CertPosition::Chain(0))
        }
    );
}

#[test]
fn structural_rules_reject_malformed_certificates() {
    let c = Chain::new();
    // A v1 certificate cannot carry extensions.
    let mut spec = CertSpec::new(
        SigAlg::EcdsaSha1,
        subject_of(&c.root),
        name("Leaf"),
        Key::new(3).spki(),
    );
    spec.v1 = true;
    spec.extensions.push(basic_constraints(false, None));
    let leaf = spec.sign(&c.root_key);
    let err = verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &legacy()).unwrap_err();
    let malformed_leaf = AttestationError::MalformedCertificate {
        position: Some(CertPosition::Chain(0)),
    };
    assert_eq!(err, malformed_leaf);
    // The signed algorithm must equal the outer one (RFC 5280 4.1.1.2).
    let spec = CertSpec::new(
        SigAlg::EcdsaSha256,
        subject_of(&c.root),
        name("Leaf"),
        Key::new(3).spki(),
    );
    let tbs = spec.tbs();
    let signature = c.root_key.sign(SigAlg::EcdsaSha1, &tbs);
    let bits = tlv(0x03, &[&[0u8][..], &signature].concat());
    let mismatched = tlv(0x30, &[tbs, SigAlg::EcdsaSha1.identifier(), bits].concat());
    let err =
        verify_attestation_chain(&[&mismatched], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(err, malformed_leaf);
    // An extension may appear only once.
    let mut spec = CertSpec::new(
        SigAlg::EcdsaSha1,
        subject_of(&c.root),
        name("Leaf"),
        Key::new(3).spki(),
    );
    spec.extensions.push(basic_constraints(false, None));
    spec.extensions.push(basic_constraints(false, None));
    let leaf = spec.sign(&c.root_key);
    let err = verify_attestation_chain(&[&leaf], &[&c.root], None, NOW, &legacy()).unwrap_err();
    assert_eq!(err, malformed_leaf);
}

// ---------------------------------------------------------------------------------------
// The UAF specification's Example 8 (digest §9.1): RegistrationResponse assertion.

const EXAMPLE_8_ASSERTION: &str = "AT7uAgM-sQALLgkAQUJDRCNBQkNEDi4HAAABAQEAAAEKLiAA9tBzZC64ecgVQBGSQb5QtEIPC8-Vav4HsHLZDflLaugJLiAAZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNgNLggAAQAAAAEAAAAMLkEABJsvEtUsVKh7tmYHhJ2FBm3kHU-OCdWiUYVijgYa81MfkjQ1z6UiHbKP9_nRzIN9anprHqDGcR6q7O20q_yctZAHPjUCBi5AACv8L7YlRMx10gPnszGO6rLFqZFmmRkhtV0TIWuWqYxd1jO0wxam7i5qdEa19u4sfpHFZ9RGI_WHxINkH8FfvAwFLu0BMIIB6TCCAY8CAQEwCQYHKoZIzj0EATB7MQswCQYDVQQGEwJVUzELMAkGA1UECAwCQ0ExCzAJBgNVBAcMAlBBMRAwDgYDVQQKDAdOTkwsSW5jMQ0wCwYDVQQLDAREQU4xMRMwEQYDVQQDDApOTkwsSW5jIENBMRwwGgYJKoZIhvcNAQkBFg1ubmxAZ21haWwuY29tMB4XDTE0MDgyODIxMzU0MFoXDTE3MDUyNDIxMzU0MFowgYYxCzAJBgNVBAYTAlVTMQswCQYDVQQIDAJDQTEWMBQGA1UEBwwNU2FuIEZyYW5jaXNjbzEQMA4GA1UECgwHTk5MLEluYzENMAsGA1UECwwEREFOMTETMBEGA1UEAwwKTk5MLEluYyBDQTEcMBoGCSqGSIb3DQEJARYNbm5sQGdtYWlsLmNvbTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCGBt3CIjnDowzSiF68C2aErYXnDUsWXOYxqIPim0OWg9FFdUYCa6AgKjn1R99Ek2d803sGKROivnavmdVH-SnEwCQYHKoZIzj0EAQNJADBGAiEAzAQujXnSS9AIAh6lGz6ydypLVTsTnBzqGJ4ypIqy_qUCIQCFsuOEGcRV-o4GHPBph_VMrG3NpYh2GKPjsAim_cSNmQ";

/// 2015-06-01T00:00:00Z: inside the certificate's validity (2014-08-28 .. 2017-05-24).
const IN_2015: u64 = 1_433_116_800;

/// Finds the first TLV with `wanted` tag, descending into composite tags (bit 0x1000), and
/// returns it whole (4-byte header included). UAF TLV: tag u16 LE, length u16 LE, value.
fn find_tlv(mut buf: &[u8], wanted: u16) -> Option<&[u8]> {
    while let [t0, t1, l0, l1, ..] = *buf {
        let tag = u16::from_le_bytes([t0, t1]);
        let len = usize::from(u16::from_le_bytes([l0, l1]));
        let (item, rest) = buf.split_at(4 + len);
        if tag == wanted {
            return Some(item);
        }
        if tag & 0x1000 != 0 {
            if let Some(found) = find_tlv(&item[4..], wanted) {
                return Some(found);
            }
        }
        buf = rest;
    }
    None
}

struct Example8 {
    krd: Vec<u8>,
    signature: Vec<u8>,
    cert: Vec<u8>,
}

fn example_8() -> Example8 {
    let assertion = Base64Policy::Strict.decode(EXAMPLE_8_ASSERTION).unwrap();
    let krd = find_tlv(&assertion, 0x3E03).unwrap().to_vec();
    let signature = find_tlv(&assertion, 0x2E06).unwrap()[4..].to_vec();
    let cert = find_tlv(&assertion, 0x2E05).unwrap()[4..].to_vec();
    assert_eq!(cert.len(), 493);
    Example8 {
        krd,
        signature,
        cert,
    }
}

#[test]
fn spec_example_8_certificate_validates_on_the_legacy_path_as_its_own_root() {
    let ex = example_8();
    let verified =
        verify_attestation_chain(&[&ex.cert], &[&ex.cert], None, IN_2015, &legacy()).unwrap();
    assert!(verified.used_legacy_path());
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::Pinned {
            chain_index: 0,
            root_index: 0
        }
    );
    assert_eq!(verified.leaf_key_kind(), PublicKeyKind::EcP256);
    assert_eq!(verified.leaf_aaid(), None);
    // The attestation key from the chain verifies the KRD signature (ALG_SIGN 0x0001, RAW
    // r‖s over the whole TAG_UAFV1_KRD TLV).
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(verified.leaf_public_key()).unwrap();
    let signature = p256::ecdsa::Signature::from_slice(&ex.signature).unwrap();
    key.verify(&ex.krd, &signature).unwrap();
    // The SPKI is the certificate's own.
    let spki = verified.leaf_spki_der();
    assert!(ex.cert.windows(spki.len()).any(|w| w == spki));
}

#[test]
fn spec_example_8_certificate_is_rejected_on_the_strict_path() {
    let ex = example_8();
    let err =
        verify_attestation_chain(&[&ex.cert], &[&ex.cert], None, IN_2015, &strict()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::LegacyCertificateVersion {
            position: CertPosition::Chain(0)
        }
    );
}

#[test]
fn spec_example_8_certificate_has_expired() {
    let ex = example_8();
    let err = verify_attestation_chain(&[&ex.cert], &[&ex.cert], None, NOW, &legacy()).unwrap_err();
    assert_eq!(err, AttestationError::CertificateExpired);
    // 2014-01-01: before notBefore.
    let err = verify_attestation_chain(&[&ex.cert], &[&ex.cert], None, 1_388_534_400, &legacy())
        .unwrap_err();
    assert_eq!(err, AttestationError::CertificateNotYetValid);
    // The named compatibility option for published test chains.
    let options = legacy().danger_ignore_expiry(true);
    let verified = verify_attestation_chain(&[&ex.cert], &[&ex.cert], None, NOW, &options).unwrap();
    assert!(verified.expiry_ignored());
}

#[test]
fn spec_example_8_certificate_is_not_trusted_without_being_listed() {
    let ex = example_8();
    let c = Chain::new();
    let err =
        verify_attestation_chain(&[&ex.cert], &[&c.root], None, IN_2015, &legacy()).unwrap_err();
    assert_eq!(err, AttestationError::UnknownIssuer);
}
