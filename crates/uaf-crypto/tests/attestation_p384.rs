//! ECDSA P-384 / SHA-384 in attestation chains (feature `p384`).
#![cfg(feature = "p384")]
// Helper functions outside #[test] fail the test by unwrapping, as the tests do.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod attestation_support;

use attestation_support::{Key, NOW, ca_params, corrupt_signature, leaf_params};
use p256::ecdsa::signature::Signer as _;
use uaf_crypto::attestation::{
    AttestationError, ChainOptions, PublicKeyKind, verify_attestation_chain,
};

/// A fixed P-384 key usable by rcgen.
struct P384Key {
    signing: p384::ecdsa::SigningKey,
    point: Vec<u8>,
}

impl P384Key {
    fn new(seed: u8) -> Self {
        let signing = p384::ecdsa::SigningKey::from_slice(&[seed; 48]).unwrap();
        let point = signing
            .verifying_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec();
        P384Key { signing, point }
    }
}

impl rcgen::PublicKeyData for P384Key {
    fn der_bytes(&self) -> &[u8] {
        &self.point
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P384_SHA384
    }
}

impl rcgen::SigningKey for P384Key {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let signature: p384::ecdsa::Signature = self.signing.sign(msg);
        Ok(signature.to_der().as_bytes().to_vec())
    }
}

#[test]
fn p384_root_validates_on_the_strict_path() {
    let root_key = P384Key::new(1);
    let root_params = ca_params("P-384 Root", 1, None);
    let root = root_params.self_signed(&root_key).unwrap().der().to_vec();
    let leaf_key = P384Key::new(3);
    let leaf = {
        let issuer = rcgen::Issuer::new(root_params.clone(), &root_key);
        leaf_params("P-384 Leaf", 3)
            .signed_by(&leaf_key, &issuer)
            .unwrap()
            .der()
            .to_vec()
    };
    let verified =
        verify_attestation_chain(&[&leaf], &[&root], None, NOW, &ChainOptions::new()).unwrap();
    assert_eq!(verified.leaf_key_kind(), PublicKeyKind::EcP384);
    assert_eq!(verified.leaf_public_key(), leaf_key.point.as_slice());

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
fn p256_leaf_under_p384_root_validates() {
    let root_key = P384Key::new(1);
    let root_params = ca_params("P-384 Root", 1, None);
    let root = root_params.self_signed(&root_key).unwrap().der().to_vec();
    let issuer = rcgen::Issuer::new(root_params.clone(), &root_key);
    let leaf = leaf_params("P-256 Leaf", 3)
        .signed_by(&Key::new(3), &issuer)
        .unwrap()
        .der()
        .to_vec();
    let verified =
        verify_attestation_chain(&[&leaf], &[&root], None, NOW, &ChainOptions::new()).unwrap();
    assert_eq!(verified.leaf_key_kind(), PublicKeyKind::EcP256);
}
