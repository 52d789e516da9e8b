//! A test Metadata Service: a root CA, a signing CA and a BLOB signer certificate made with
//! rcgen from fixed keys (no rcgen crypto backend), their CRLs, and BLOBs signed as compact
//! JWS (RFC 7515 §7.1).
#![allow(dead_code, unreachable_pub)]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // test helpers

use p256::ecdsa::signature::{SignatureEncoding as _, Signer as _};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, IsCa, Issuer, KeyIdMethod, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use rsa::pkcs1::EncodeRsaPublicKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use uaf_proto::b64;

/// 2026-01-01T00:00:00Z, the validation time of the tests.
pub const NOW: u64 = 1_767_225_600;

/// A fixed P-256 key.
pub struct EcKey {
    signing: p256::ecdsa::SigningKey,
    point: Vec<u8>,
}

impl EcKey {
    /// The key with private scalar `[seed; 32]`.
    pub fn new(seed: u8) -> Self {
        let signing = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        let point = signing
            .verifying_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec();
        EcKey { signing, point }
    }

    /// ES256 signature: `r ‖ s` (RFC 7518 §3.4).
    pub fn es256(&self, message: &[u8]) -> Vec<u8> {
        let signature: p256::ecdsa::Signature = self.signing.sign(message);
        signature.to_bytes().to_vec()
    }
}

impl rcgen::PublicKeyData for EcKey {
    fn der_bytes(&self) -> &[u8] {
        &self.point
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for EcKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let signature: p256::ecdsa::Signature = self.signing.sign(msg);
        Ok(signature.to_der().to_vec())
    }
}

/// The 2048-bit RSA test key of uaf-crypto's attestation tests (its README says how it was
/// made).
pub struct RsaKey {
    private: rsa::PrivateKey,
    public_pkcs1: Vec<u8>,
}

impl RsaKey {
    pub fn load() -> Self {
        let der = include_bytes!("../../../uaf-crypto/tests/data/attestation/rsa2048-pkcs8.der");
        let private = rsa::PrivateKey::from_pkcs8_der(der).unwrap();
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

    /// RS256: RSASSA-PKCS1-v1_5 with SHA-256.
    pub fn rs256(&self, message: &[u8]) -> Vec<u8> {
        rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(self.private.clone())
            .sign(message)
            .to_vec()
    }

    /// PS256: RSASSA-PSS with SHA-256, 32-byte salt.
    pub fn ps256(&self, message: &[u8]) -> Vec<u8> {
        use rand_core::SeedableRng as _;
        use rsa::signature::RandomizedSigner as _;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        rsa::pss::SigningKey::<sha2::Sha256>::new(self.private.clone())
            .sign_with_rng(&mut rng, message)
            .to_vec()
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

/// Parameters: subject `CN=<cn>`, serial, validity `from`..`to` (00:00Z).
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

/// A CA valid 2020..2040 that signs certificates and CRLs.
pub fn ca_params(cn: &str, serial: u64) -> CertificateParams {
    let mut params = params(cn, serial, (2020, 1, 1), (2040, 1, 1));
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// Serial number of the signer certificate.
pub const SIGNER_SERIAL: u64 = 13;
/// Serial number of the signing CA certificate.
pub const CA_SERIAL: u64 = 12;

/// How the BLOB signer's key is made.
pub enum SignerKey {
    Ec(EcKey),
    Rsa(RsaKey),
}

/// A test Metadata Service: root (key 11) → signing CA (key 12) → BLOB signer (key 13 or RSA).
pub struct TestMds {
    pub root_params: CertificateParams,
    pub root_key: EcKey,
    pub root: Vec<u8>,
    pub ca_params: CertificateParams,
    pub ca_key: EcKey,
    pub ca: Vec<u8>,
    pub signer_key: SignerKey,
    pub signer: Vec<u8>,
}

impl TestMds {
    /// An EC signer valid 2022..2038.
    pub fn new() -> Self {
        Self::with_signer((2022, 1, 1), (2038, 1, 1), SignerKey::Ec(EcKey::new(13)))
    }

    /// An RSA signer valid 2022..2038.
    pub fn rsa() -> Self {
        Self::with_signer((2022, 1, 1), (2038, 1, 1), SignerKey::Rsa(RsaKey::load()))
    }

    pub fn with_signer(from: (i32, u8, u8), to: (i32, u8, u8), signer_key: SignerKey) -> Self {
        Self::with_root_seed(11, from, to, signer_key)
    }

    /// Another root key (a different, untrusted service with the same names).
    pub fn with_root_seed(
        seed: u8,
        from: (i32, u8, u8),
        to: (i32, u8, u8),
        signer_key: SignerKey,
    ) -> Self {
        let root_key = EcKey::new(seed);
        let root_params = ca_params("Test MDS Root", 11);
        let root = root_params.self_signed(&root_key).unwrap().der().to_vec();
        let ca_key = EcKey::new(12);
        let ca_params = ca_params("Test MDS Signing CA", CA_SERIAL);
        let ca = ca_params
            .signed_by(&ca_key, &Issuer::new(root_params.clone(), &root_key))
            .unwrap()
            .der()
            .to_vec();
        let signer_params = params("Test MDS BLOB Signer", SIGNER_SERIAL, from, to);
        let issuer = Issuer::new(ca_params.clone(), &ca_key);
        let signer = match &signer_key {
            SignerKey::Ec(key) => signer_params.signed_by(key, &issuer),
            SignerKey::Rsa(key) => signer_params.signed_by(key, &issuer),
        }
        .unwrap()
        .der()
        .to_vec();
        TestMds {
            root_params,
            root_key,
            root,
            ca_params,
            ca_key,
            ca,
            signer_key,
            signer,
        }
    }

    /// The root's CRL (covers the signing CA) and the signing CA's CRL (covers the signer),
    /// issued 2025-12-01, next update `next_update`, listing `revoked` serials.
    pub fn crls_with(&self, revoked: &[u64], next_update: (i32, u8, u8)) -> Vec<Vec<u8>> {
        let crl = |issuer_params: &CertificateParams, issuer_key: &EcKey, serials: Vec<u64>| {
            CertificateRevocationListParams {
                this_update: rcgen::date_time_ymd(2025, 12, 1),
                next_update: rcgen::date_time_ymd(next_update.0, next_update.1, next_update.2),
                crl_number: SerialNumber::from(1_u64),
                issuing_distribution_point: None,
                revoked_certs: serials
                    .into_iter()
                    .map(|serial| RevokedCertParams {
                        serial_number: SerialNumber::from(serial),
                        revocation_time: rcgen::date_time_ymd(2025, 11, 1),
                        reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                        invalidity_date: None,
                    })
                    .collect(),
                key_identifier_method: KeyIdMethod::PreSpecified(vec![0x77; 20]),
            }
            .signed_by(&Issuer::new(issuer_params.clone(), issuer_key))
            .unwrap()
            .der()
            .to_vec()
        };
        let root_revoked = revoked
            .iter()
            .copied()
            .filter(|s| *s == CA_SERIAL)
            .collect();
        let ca_revoked = revoked
            .iter()
            .copied()
            .filter(|s| *s != CA_SERIAL)
            .collect();
        vec![
            crl(&self.root_params, &self.root_key, root_revoked),
            crl(&self.ca_params, &self.ca_key, ca_revoked),
        ]
    }

    /// Current CRLs revoking nothing.
    pub fn crls(&self) -> Vec<Vec<u8>> {
        self.crls_with(&[], (2026, 2, 1))
    }

    /// The default header: `alg` for the signer key, `typ` JWT, `x5c` = [signer, CA].
    pub fn header(&self) -> serde_json::Value {
        let alg = match self.signer_key {
            SignerKey::Ec(_) => "ES256",
            SignerKey::Rsa(_) => "RS256",
        };
        serde_json::json!({
            "alg": alg,
            "typ": "JWT",
            "x5c": [b64::encode_standard(&self.signer), b64::encode_standard(&self.ca)],
        })
    }

    /// A BLOB with `header` and `payload`, signed by the signer key with the header's `alg`.
    pub fn sign(&self, header: &serde_json::Value, payload: &str) -> String {
        let alg = header["alg"].as_str().unwrap_or("ES256");
        let input = format!(
            "{}.{}",
            b64::encode(header.to_string().as_bytes()),
            b64::encode(payload.as_bytes())
        );
        let signature = match (&self.signer_key, alg) {
            (SignerKey::Ec(key), _) => key.es256(input.as_bytes()),
            (SignerKey::Rsa(key), "PS256") => key.ps256(input.as_bytes()),
            (SignerKey::Rsa(key), _) => key.rs256(input.as_bytes()),
        };
        format!("{input}.{}", b64::encode(&signature))
    }

    /// A BLOB with the default header.
    pub fn blob(&self, payload: &str) -> String {
        self.sign(&self.header(), payload)
    }
}

/// A `MetadataBLOBPayload` with `no`, `nextUpdate` and the `entries` (JSON texts).
pub fn payload(no: u64, next_update: &str, entries: &[String]) -> String {
    format!(
        r#"{{"legalHeader":"Test BLOB of uaf-rs; no legal meaning.","no":{no},"nextUpdate":"{next_update}","entries":[{}]}}"#,
        entries.join(",")
    )
}

/// A BLOB entry fixture of `tests/data/`.
pub fn entry(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A FIDO2 entry (aaguid, no aaid) as in MDS v3.0 §3.1.1, abridged: skipped by the reader.
pub const FIDO2_ENTRY: &str = r#"{"aaguid":"0132d110-bf4e-4208-a403-ab4f5f12efe5","metadataStatement":{"description":"a FIDO2 key","protocolFamily":"fido2"},"statusReports":[{"status":"FIDO_CERTIFIED","effectiveDate":"2020-01-01"}],"timeOfLastStatusChange":"2020-01-01"}"#;

/// A U2F entry (attestationCertificateKeyIdentifiers): skipped.
pub const U2F_ENTRY: &str = r#"{"attestationCertificateKeyIdentifiers":["7c0903708b87115b0b422def3138c3c864e44573"],"statusReports":[{"status":"NOT_FIDO_CERTIFIED","effectiveDate":"2019-01-01"}],"timeOfLastStatusChange":"2019-01-01"}"#;

/// A UAF entry without a metadata statement (status only): skipped.
pub const UAF_STATUS_ONLY_ENTRY: &str = r#"{"aaid":"9999#0001","statusReports":[{"status":"REVOKED","effectiveDate":"2024-01-01"}],"timeOfLastStatusChange":"2024-01-01"}"#;
