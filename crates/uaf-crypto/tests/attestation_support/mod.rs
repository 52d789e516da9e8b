//! Shared helpers of the `attestation_*` tests: fixed P-256 keys usable by rcgen (pure Rust,
//! no rcgen crypto backend), rcgen certificate parameters, and a small DER writer for the
//! certificates rcgen cannot make (X.509 v1, SHA-1 signatures).
// Test helpers: each file uses a subset; a failed unwrap or slice here is a test failure.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::signature::hazmat::PrehashSigner as _;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, IsCa, Issuer,
    KeyIdMethod, SerialNumber,
};
use sha1::Digest as _;
use x509_cert::der::{Decode as _, Encode as _};

/// 2026-01-01T00:00:00Z, the validation time of most tests.
pub const NOW: u64 = 1_767_225_600;

/// OID arcs of the FIDO AAID extension.
pub const AAID_OID: &[u64] = &[1, 3, 6, 1, 4, 1, 45724, 1, 1, 1];

/// A fixed P-256 key.
pub struct Key {
    signing: p256::ecdsa::SigningKey,
    point: Vec<u8>,
}

impl Key {
    /// The key with private scalar `[seed; 32]` (valid for `seed` in 1..=0xFE).
    pub fn new(seed: u8) -> Self {
        let signing = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        let point = signing
            .verifying_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec();
        Key { signing, point }
    }

    /// The uncompressed SEC1 point.
    pub fn point(&self) -> &[u8] {
        &self.point
    }

    /// SubjectPublicKeyInfo DER.
    pub fn spki(&self) -> Vec<u8> {
        let algorithm = tlv(
            0x30,
            &[
                oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]),
                oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]),
            ]
            .concat(),
        );
        let bits = tlv(0x03, &[&[0u8][..], &self.point].concat());
        tlv(0x30, &[algorithm, bits].concat())
    }

    /// DER ECDSA signature of `message` with `alg`.
    pub fn sign(&self, alg: SigAlg, message: &[u8]) -> Vec<u8> {
        let signature: p256::ecdsa::Signature = match alg {
            SigAlg::EcdsaSha256 | SigAlg::EcdsaSha512 => self.signing.sign(message),
            SigAlg::EcdsaSha1 => self
                .signing
                .sign_prehash(&sha1::Sha1::digest(message))
                .unwrap(),
            SigAlg::RsaSha1 | SigAlg::RsaSha256 => {
                panic!("a P-256 key cannot make an RSA signature")
            }
        };
        signature.to_der().as_bytes().to_vec()
    }
}

impl rcgen::PublicKeyData for Key {
    fn der_bytes(&self) -> &[u8] {
        &self.point
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for Key {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(Key::sign(self, SigAlg::EcdsaSha256, msg))
    }
}

/// rcgen parameters: subject `CN=<cn>`, serial, validity from `from` to `to` (year, month,
/// day at 00:00Z).
pub fn params(cn: &str, serial: u64, from: (i32, u8, u8), to: (i32, u8, u8)) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, cn);
    params.distinguished_name = name;
    params.serial_number = Some(SerialNumber::from(serial));
    params.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
    params.not_after = rcgen::date_time_ymd(to.0, to.1, to.2);
    params.key_identifier_method =
        KeyIdMethod::PreSpecified(vec![u8::try_from(serial % 256).unwrap(); 20]);
    params
}

/// rcgen parameters of a CA (basicConstraints cA=true, optional pathLenConstraint).
pub fn ca_params(cn: &str, serial: u64, path_len: Option<u8>) -> CertificateParams {
    let mut params = params(cn, serial, (2020, 1, 1), (2040, 1, 1));
    params.is_ca = IsCa::Ca(path_len.map_or(
        BasicConstraints::Unconstrained,
        BasicConstraints::Constrained,
    ));
    params
}

/// rcgen parameters of an attestation (leaf) certificate valid 2022..2038.
pub fn leaf_params(cn: &str, serial: u64) -> CertificateParams {
    params(cn, serial, (2022, 1, 1), (2038, 1, 1))
}

/// Self-signs `params` with `key`.
pub fn self_signed(params: &CertificateParams, key: &Key) -> Vec<u8> {
    params.self_signed(key).unwrap().der().to_vec()
}

/// Issues `params` for `subject_key`, signed by the CA (`issuer_params`, `issuer_key`).
pub fn issue(
    params: &CertificateParams,
    subject_key: &impl rcgen::PublicKeyData,
    issuer_params: &CertificateParams,
    issuer_key: &Key,
) -> Vec<u8> {
    let issuer = Issuer::new(issuer_params.clone(), issuer_key);
    params
        .signed_by(subject_key, &issuer)
        .unwrap()
        .der()
        .to_vec()
}

/// The AAID extension with `value` as the AAID bytes (wrapped in an OCTET STRING).
pub fn aaid_extension(aaid: &str) -> CustomExtension {
    CustomExtension::from_oid_content(AAID_OID, tlv(0x04, aaid.as_bytes()))
}

/// A standard chain: root (`CN=Test Root`, key 1) → intermediate (`CN=Test Intermediate`,
/// key 2) → leaf (`CN=Test Leaf`, key 3), all X.509 v3, ECDSA P-256 SHA-256.
pub struct Chain {
    pub root_params: CertificateParams,
    pub root_key: Key,
    pub root: Vec<u8>,
    pub inter_params: CertificateParams,
    pub inter_key: Key,
    pub inter: Vec<u8>,
    pub leaf_key: Key,
    pub leaf: Vec<u8>,
}

impl Chain {
    pub fn new() -> Self {
        Self::with_leaf(leaf_params("Test Leaf", 3))
    }

    /// The standard root and intermediate, with the leaf made from `leaf_params`.
    pub fn with_leaf(leaf_params: CertificateParams) -> Self {
        let root_key = Key::new(1);
        let root_params = ca_params("Test Root", 1, None);
        let root = self_signed(&root_params, &root_key);
        let inter_key = Key::new(2);
        let inter_params = ca_params("Test Intermediate", 2, None);
        let inter = issue(&inter_params, &inter_key, &root_params, &root_key);
        let leaf_key = Key::new(3);
        let leaf = issue(&leaf_params, &leaf_key, &inter_params, &inter_key);
        Chain {
            root_params,
            root_key,
            root,
            inter_params,
            inter_key,
            inter,
            leaf_key,
            leaf,
        }
    }
}

// ---------------------------------------------------------------------------------------
// A small DER writer for certificates rcgen does not make.

/// One DER TLV (definite length, up to 65535 bytes).
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else if len < 0x100 {
        out.extend([0x81, u8::try_from(len).unwrap()]);
    } else {
        out.extend([0x82]);
        out.extend(u16::try_from(len).unwrap().to_be_bytes());
    }
    out.extend_from_slice(content);
    out
}

/// An OBJECT IDENTIFIER from its encoded arcs.
pub fn oid(encoded: &[u8]) -> Vec<u8> {
    tlv(0x06, encoded)
}

/// `Name` with one `CN` (UTF8String), as rcgen writes it.
pub fn name(cn: &str) -> Vec<u8> {
    let attribute = tlv(
        0x30,
        &[oid(&[0x55, 0x04, 0x03]), tlv(0x0c, cn.as_bytes())].concat(),
    );
    tlv(0x30, &tlv(0x31, &attribute))
}

/// The subject `Name` DER of a certificate.
pub fn subject_of(cert: &[u8]) -> Vec<u8> {
    let cert = x509_cert::Certificate::from_der(cert).unwrap();
    cert.tbs_certificate().subject().to_der().unwrap()
}

/// Certificate signature algorithms of the DER writer.
#[derive(Clone, Copy, Debug)]
pub enum SigAlg {
    EcdsaSha1,
    EcdsaSha256,
    /// `ecdsa-with-SHA512`, which the validator does not support (signed with SHA-256 here:
    /// the signature is never checked).
    EcdsaSha512,
    RsaSha1,
    RsaSha256,
}

impl SigAlg {
    /// The `AlgorithmIdentifier` DER.
    pub fn identifier(self) -> Vec<u8> {
        match self {
            SigAlg::EcdsaSha1 => tlv(0x30, &oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01])),
            SigAlg::EcdsaSha256 => tlv(
                0x30,
                &oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
            ),
            SigAlg::EcdsaSha512 => tlv(
                0x30,
                &oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04]),
            ),
            SigAlg::RsaSha1 => tlv(
                0x30,
                &[
                    oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05]),
                    vec![0x05, 0x00],
                ]
                .concat(),
            ),
            SigAlg::RsaSha256 => tlv(
                0x30,
                &[
                    oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
                    vec![0x05, 0x00],
                ]
                .concat(),
            ),
        }
    }
}

/// Something that signs certificates for the DER writer.
pub trait CertSigner {
    fn sign_cert(&self, alg: SigAlg, tbs: &[u8]) -> Vec<u8>;
}

impl CertSigner for Key {
    fn sign_cert(&self, alg: SigAlg, tbs: &[u8]) -> Vec<u8> {
        self.sign(alg, tbs)
    }
}

/// What the DER writer puts in a certificate.
pub struct CertSpec {
    /// X.509 v1 (no version field, no extensions) or v3.
    pub v1: bool,
    pub serial: u8,
    pub alg: SigAlg,
    /// Issuer `Name` DER.
    pub issuer: Vec<u8>,
    /// Subject `Name` DER.
    pub subject: Vec<u8>,
    /// UTCTime strings `YYMMDDHHMMSSZ`.
    pub not_before: &'static str,
    pub not_after: &'static str,
    /// SubjectPublicKeyInfo DER.
    pub spki: Vec<u8>,
    /// Each `Extension` DER (v3 only).
    pub extensions: Vec<Vec<u8>>,
}

impl CertSpec {
    /// A spec valid 2022..2038 (v3, no extensions), to adjust.
    pub fn new(alg: SigAlg, issuer: Vec<u8>, subject: Vec<u8>, spki: Vec<u8>) -> Self {
        CertSpec {
            v1: false,
            serial: 7,
            alg,
            issuer,
            subject,
            not_before: "220101000000Z",
            not_after: "380101000000Z",
            spki,
            extensions: Vec::new(),
        }
    }

    /// The `tbsCertificate` DER.
    pub fn tbs(&self) -> Vec<u8> {
        let mut fields = Vec::new();
        if !self.v1 {
            fields.extend(tlv(0xa0, &tlv(0x02, &[2])));
        }
        fields.extend(tlv(0x02, &[self.serial]));
        fields.extend(self.alg.identifier());
        fields.extend(&self.issuer);
        fields.extend(tlv(
            0x30,
            &[
                tlv(0x17, self.not_before.as_bytes()),
                tlv(0x17, self.not_after.as_bytes()),
            ]
            .concat(),
        ));
        fields.extend(&self.subject);
        fields.extend(&self.spki);
        if !self.extensions.is_empty() {
            fields.extend(tlv(0xa3, &tlv(0x30, &self.extensions.concat())));
        }
        tlv(0x30, &fields)
    }

    /// The certificate signed by `signer`.
    pub fn sign(&self, signer: &impl CertSigner) -> Vec<u8> {
        let tbs = self.tbs();
        let signature = signer.sign_cert(self.alg, &tbs);
        let bits = tlv(0x03, &[&[0u8][..], &signature].concat());
        tlv(0x30, &[tbs, self.alg.identifier(), bits].concat())
    }
}

/// An `Extension` DER.
pub fn extension(oid_encoded: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut content = oid(oid_encoded);
    if critical {
        content.extend([0x01, 0x01, 0xff]);
    }
    content.extend(tlv(0x04, value));
    tlv(0x30, &content)
}

/// basicConstraints (critical) with `cA` and an optional pathLenConstraint.
pub fn basic_constraints(ca: bool, path_len: Option<u8>) -> Vec<u8> {
    let mut value = Vec::new();
    if ca {
        value.extend([0x01, 0x01, 0xff]);
    }
    if let Some(n) = path_len {
        value.extend(tlv(0x02, &[n]));
    }
    extension(&[0x55, 0x1d, 0x13], true, &tlv(0x30, &value))
}

/// A critical extension with a private OID nobody understands.
pub fn unknown_critical_extension() -> Vec<u8> {
    // 1.3.6.1.4.1.99999.1
    extension(
        &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x86, 0x8d, 0x1f, 0x01],
        true,
        &[0x05, 0x00],
    )
}

/// Flips one bit of the last byte (inside the signature value).
pub fn corrupt_signature(cert: &[u8]) -> Vec<u8> {
    let mut out = cert.to_vec();
    let last = out.last_mut().unwrap();
    *last ^= 0x01;
    out
}

/// Replaces the first occurrence of `from` by `to` (same length) in `der`.
pub fn replace_bytes(der: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = der.windows(from.len()).position(|w| w == from).unwrap();
    let mut out = der.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}
