//! Fixed material the targets start from: the UAF specification's example messages
//! (`examples/data/`), the uaf-metadata test root, and the harness's own test chain
//! (`fuzz/harness/data/`, made by `make-chain.sh`).

use std::sync::OnceLock;

use uaf_proto::assertion::{Attestation, RegAssertion};
use uaf_proto::b64::Base64Policy;

/// UAF protocol Example 7: a registration request (AppID, challenge, username `apa`).
pub const SPEC_REG_REQUEST: &str =
    include_str!("../../../examples/data/spec-ex7-registration-request.json");
/// Example 8: the registration response to it (basic full attestation, X.509 v1 / SHA-1).
pub const SPEC_REG_RESPONSE: &str =
    include_str!("../../../examples/data/spec-ex8-registration-response.json");
/// Example 9: an authentication request.
pub const SPEC_AUTH_REQUEST: &str =
    include_str!("../../../examples/data/spec-ex9-authentication-request.json");
/// Example 10: the authentication response, signed with the key registered in Example 8.
pub const SPEC_AUTH_RESPONSE: &str =
    include_str!("../../../examples/data/spec-ex10-authentication-response.json");
/// The UAF 1.1 deregistration example.
pub const SPEC_DEREG_REQUEST: &str =
    include_str!("../../../examples/data/spec-deregistration-request.json");
/// The FIDO conformance server API document's authentication response.
pub const CONFORMANCE_AUTH_RESPONSE: &str =
    include_str!("../../../examples/data/conformance-api-authentication-response.json");
/// Example 8's assertion alone (base64url TLV).
pub const SPEC_REG_ASSERTION_B64: &str =
    include_str!("../../../examples/data/spec-ex8-reg-assertion.b64");

/// 2016-01-01T00:00:00Z: inside the validity of Example 8's attestation certificate.
pub const SPEC_NOW: u64 = 1_451_606_400;
/// 2030-01-01T00:00:00Z: inside the validity of the harness test chain.
pub const SIM_NOW: u64 = 1_893_456_000;

/// The uaf-metadata test root (a self-signed P-256 certificate).
pub const METADATA_TEST_ROOT: &[u8] =
    include_bytes!("../../../crates/uaf-metadata/tests/data/test-root.der");
/// The harness test chain: root, intermediate, leaf (AAID extension `ABCD#ABCD`).
pub const CHAIN_ROOT: &[u8] = include_bytes!("../data/root.der");
/// The intermediate of the harness test chain.
pub const CHAIN_INTERMEDIATE: &[u8] = include_bytes!("../data/int.der");
/// The leaf (attestation certificate) of the harness test chain.
pub const CHAIN_LEAF: &[u8] = include_bytes!("../data/leaf.der");
/// The leaf's private scalar, hex (test material).
pub const CHAIN_LEAF_SCALAR_HEX: &str = include_str!("../data/leaf-scalar.hex");

/// Example 8's attestation certificate (DER).
pub fn spec_certificate() -> &'static [u8] {
    static CERT: OnceLock<Vec<u8>> = OnceLock::new();
    CERT.get_or_init(|| {
        let tlv = Base64Policy::Strict
            .decode(SPEC_REG_ASSERTION_B64.trim())
            .expect("the example assertion is base64url");
        let a = RegAssertion::parse(&tlv).expect("the example assertion parses");
        let Attestation::BasicFull { certificates, .. } = a.attestation else {
            panic!("Example 8 has basic full attestation")
        };
        certificates
            .first()
            .expect("Example 8 has a certificate")
            .to_vec()
    })
}

/// The fixed trust anchors of the chain target.
pub fn trust_anchors() -> &'static [Vec<u8>] {
    static ROOTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        vec![
            spec_certificate().to_vec(),
            METADATA_TEST_ROOT.to_vec(),
            CHAIN_ROOT.to_vec(),
        ]
    })
}

/// Decodes lower-case hex (test material only).
pub fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim().as_bytes();
    s.chunks(2)
        .map(|pair| {
            let digit = |c: u8| char::from(c).to_digit(16).expect("hex digit");
            let (hi, lo) = match pair {
                [h, l] => (digit(*h), digit(*l)),
                _ => panic!("odd hex length"),
            };
            u8::try_from(hi * 16 + lo).expect("a byte")
        })
        .collect()
}

/// An RSA 2048 public key (SubjectPublicKeyInfo DER; `make-keys.sh`).
pub const RSA2048_PUB: &[u8] = include_bytes!("../data/rsa2048-pub.der");
/// A P-384 public key (SubjectPublicKeyInfo DER).
pub const P384_PUB: &[u8] = include_bytes!("../data/p384-pub.der");
/// An Ed25519 public key (SubjectPublicKeyInfo DER).
pub const ED25519_PUB: &[u8] = include_bytes!("../data/ed25519-pub.der");
/// A secp256k1 public key (SubjectPublicKeyInfo DER).
pub const SECP256K1_PUB: &[u8] = include_bytes!("../data/secp256k1-pub.der");
