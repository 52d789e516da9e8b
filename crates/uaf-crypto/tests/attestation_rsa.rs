//! RSA in attestation chains (feature `rsa`): PKCS#1 v1.5 SHA-256 on the strict path,
//! PKCS#1 v1.5 SHA-1 only on the legacy path. The RSA key is a committed fixture
//! (tests/data/attestation/README.md says how it was made).
#![cfg(feature = "rsa")]
// Helper functions outside #[test] fail the test by unwrapping, as the tests do.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod attestation_support;

use attestation_support::{
    CertSigner, CertSpec, Key, NOW, SigAlg, ca_params, corrupt_signature, issue, leaf_params, name,
    subject_of,
};
use p256::ecdsa::signature::{SignatureEncoding as _, Signer as _};
use rsa::pkcs1::EncodeRsaPublicKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use uaf_crypto::attestation::{
    AttestationError, CertPosition, ChainOptions, PublicKeyKind, TrustAnchorMatch,
    verify_attestation_chain,
};

const RSA_KEY_PKCS8: &[u8] = include_bytes!("data/attestation/rsa2048-pkcs8.der");

struct RsaKey {
    private: rsa::PrivateKey,
    public_pkcs1: Vec<u8>,
}

impl RsaKey {
    fn load() -> Self {
        let private = rsa::PrivateKey::from_pkcs8_der(RSA_KEY_PKCS8).unwrap();
        let public_pkcs1 = private
            .to_public_key()
            .to_pkcs1_der()
            .unwrap()
            .as_bytes()
            .to_vec();
        RsaKey {
            private,
            public_pkcs1,
        }
    }

    /// SubjectPublicKeyInfo DER (rsaEncryption, NULL parameters).
    fn spki(&self) -> Vec<u8> {
        use attestation_support::{oid, tlv};
        let algorithm = tlv(
            0x30,
            &[
                oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]),
                vec![0x05, 0x00],
            ]
            .concat(),
        );
        let bits = tlv(0x03, &[&[0u8][..], &self.public_pkcs1].concat());
        tlv(0x30, &[algorithm, bits].concat())
    }
}

impl CertSigner for RsaKey {
    fn sign_cert(&self, alg: SigAlg, tbs: &[u8]) -> Vec<u8> {
        match alg {
            SigAlg::RsaSha256 => {
                rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(self.private.clone())
                    .sign(tbs)
                    .to_vec()
            }
            SigAlg::RsaSha1 => rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(self.private.clone())
                .sign(tbs)
                .to_vec(),
            other => panic!("an RSA key cannot make a {other:?} signature"),
        }
    }
}

impl rcgen::PublicKeyData for RsaKey {
    fn der_bytes(&self) -> &[u8] {
        &self.public_pkcs1
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

impl rcgen::SigningKey for RsaKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.sign_cert(SigAlg::RsaSha256, msg))
    }
}

#[test]
fn rsa_sha256_root_validates_on_the_strict_path() {
    let root_key = RsaKey::load();
    let root_params = ca_params("RSA Root", 1, None);
    let root = root_params.self_signed(&root_key).unwrap().der().to_vec();
    let leaf = {
        let issuer = rcgen::Issuer::new(root_params.clone(), &root_key);
        leaf_params("Leaf", 3)
            .signed_by(&Key::new(3), &issuer)
            .unwrap()
            .der()
            .to_vec()
    };
    let verified =
        verify_attestation_chain(&[&leaf], &[&root], None, NOW, &ChainOptions::new()).unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::IssuedByRoot { root_index: 0 }
    );
    assert!(!verified.used_legacy_path());

    let err = verify_attestation_chain(
        &[&corrupt_signature(&leaf)],
        &[&root],
        None,
        NOW,
        &ChainOptions::new(),
    )
    .unwrap_err();
    assert_eq!(err, AttestationError::BadSignature { position: None });
}

#[test]
fn rsa_attestation_key_is_reported() {
    let leaf_key = RsaKey::load();
    let root_key = Key::new(1);
    let root_params = ca_params("Root", 1, None);
    let root = attestation_support::self_signed(&root_params, &root_key);
    let leaf = issue(
        &leaf_params("RSA Leaf", 3),
        &leaf_key,
        &root_params,
        &root_key,
    );
    let verified =
        verify_attestation_chain(&[&leaf], &[&root], None, NOW, &ChainOptions::new()).unwrap();
    assert_eq!(verified.leaf_key_kind(), PublicKeyKind::Rsa);
    assert_eq!(verified.leaf_public_key(), leaf_key.public_pkcs1.as_slice());
    assert_eq!(verified.leaf_spki_der(), leaf_key.spki().as_slice());
}

#[test]
fn rsa_sha1_is_accepted_only_on_the_legacy_path() {
    let root_key = RsaKey::load();
    let mut root = CertSpec::new(
        SigAlg::RsaSha1,
        name("RSA Root"),
        name("RSA Root"),
        root_key.spki(),
    );
    root.extensions
        .push(attestation_support::basic_constraints(true, None));
    let root = root.sign(&root_key);
    let leaf = CertSpec::new(
        SigAlg::RsaSha1,
        subject_of(&root),
        name("Leaf"),
        Key::new(3).spki(),
    )
    .sign(&root_key);

    let err =
        verify_attestation_chain(&[&leaf], &[&root], None, NOW, &ChainOptions::new()).unwrap_err();
    assert_eq!(
        err,
        AttestationError::LegacySignatureAlgorithm {
            position: CertPosition::Chain(0)
        }
    );
    let legacy = ChainOptions::new().allow_legacy(true);
    let verified = verify_attestation_chain(&[&leaf], &[&root], None, NOW, &legacy).unwrap();
    assert!(verified.used_legacy_path());
    let err = verify_attestation_chain(&[&corrupt_signature(&leaf)], &[&root], None, NOW, &legacy)
        .unwrap_err();
    assert_eq!(
        err,
        AttestationError::BadSignature {
            position: Some(CertPosition::Chain(0))
        }
    );
}

#[test]
fn rsa_sha256_v1_leaf_validates_on_the_legacy_path() {
    let root_key = RsaKey::load();
    let root_params = ca_params("RSA Root", 1, None);
    let root = root_params.self_signed(&root_key).unwrap().der().to_vec();
    let mut leaf = CertSpec::new(
        SigAlg::RsaSha256,
        subject_of(&root),
        name("V1 Leaf"),
        Key::new(3).spki(),
    );
    leaf.v1 = true;
    let leaf = leaf.sign(&root_key);
    let legacy = ChainOptions::new().allow_legacy(true);
    let verified = verify_attestation_chain(&[&leaf], &[&root], None, NOW, &legacy).unwrap();
    assert_eq!(
        verified.anchor(),
        TrustAnchorMatch::IssuedByRoot { root_index: 0 }
    );
    // An RSA signature under an EC issuer key is not a supported combination.
    let ec_root_params = ca_params("RSA Root", 1, None);
    let ec_root = attestation_support::self_signed(&ec_root_params, &Key::new(1));
    let err = verify_attestation_chain(&[&leaf], &[&ec_root], None, NOW, &legacy).unwrap_err();
    assert_eq!(
        err,
        AttestationError::UnsupportedSignatureAlgorithm {
            position: Some(CertPosition::Chain(0))
        }
    );
}
