//! A tiny hand-driven phone for the step tests: it builds registration and authentication
//! responses from `uaf-proto` builders and `uaf-crypto` signing, with every field exposed so a
//! test can change exactly one thing. (The simulated authenticator and client crates test the
//! same rules end to end through real command TLVs.)
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_crypto::{KeyType, SigningKey};
use uaf_metadata::{MetadataEntry, MetadataIndex};
use uaf_proto::assertion::{
    Attestation, AuthAssertionInfo, Extensions, KrdBuilder, RegAssertionInfo, SignedDataBuilder,
    encode_auth_assertion, encode_reg_assertion,
};
use uaf_proto::b64;
use uaf_proto::id::Aaid;
use uaf_proto::message::{AuthenticationRequest, RegistrationRequest, Transaction};
use uaf_proto::registry::{AlgKey, AlgSign};
use uaf_rp::{
    Config, PendingAuthentication, PendingRegistration, Registration, RelyingParty,
    RelyingPartyBuilder,
};

pub const APP_ID: &str = "https://uaf.example.com/facets.json";
pub const FACET: &str = "https://uaf.example.com";
pub const AAID: &str = "F1D0#0001";
pub const NOW: u64 = 1_700_000_000;

/// Metadata: surrogate attestation, P-256 RAW, X9.62 raw keys, PIN, TC display.
pub fn metadata_json(aaid: &str, uv: u32, tc_display: u16) -> String {
    format!(
        r#"{{"aaid":"{aaid}","description":"uaf-rp step-test authenticator",
        "authenticatorVersion":2,"upv":[{{"major":1,"minor":1}},{{"major":1,"minor":0}}],
        "assertionScheme":"UAFV1TLV","authenticationAlgorithm":1,"publicKeyAlgAndEncoding":256,
        "attestationTypes":[15880],"userVerificationDetails":[[{{"userVerification":{uv}}}]],
        "keyProtection":1,"matcherProtection":1,"attachmentHint":1,"isSecondFactorOnly":false,
        "tcDisplay":{tc_display}{tc},"attestationRootCertificates":[]}}"#,
        tc = if tc_display == 0 {
            ""
        } else {
            r#","tcDisplayContentType":"text/plain""#
        }
    )
}

pub fn metadata() -> MetadataIndex {
    let mut index = MetadataIndex::new();
    index
        .insert(MetadataEntry::from_json(&metadata_json(AAID, 4, 1)).unwrap())
        .unwrap();
    index
        .insert(MetadataEntry::from_json(&metadata_json("F1D0#0002", 1, 0)).unwrap())
        .unwrap();
    index
}

pub fn builder() -> RelyingPartyBuilder {
    RelyingPartyBuilder::new(APP_ID)
        .trusted_facets([FACET, "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM"])
}

pub fn rp_with(config: Config) -> RelyingParty<MetadataIndex> {
    RelyingParty::new(config, metadata())
}

pub fn rp() -> RelyingParty<MetadataIndex> {
    rp_with(builder().build().unwrap())
}

pub fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

/// Everything that goes into a registration response; tests change one field.
#[derive(Clone, Debug)]
pub struct RegParts {
    pub upv: (u16, u16),
    pub op: String,
    pub app_id: Option<String>,
    pub server_data: Option<String>,
    pub fc_app_id: String,
    pub fc_challenge: String,
    pub fc_facet: String,
    pub fc_channel_binding: String,
    /// Replaces the whole fcParams string.
    pub fc_params: Option<String>,
    pub scheme: String,
    pub aaid: String,
    pub version: u16,
    pub mode: u8,
    pub sign_alg: AlgSign,
    pub key_alg: AlgKey,
    /// Replaces the computed final challenge hash.
    pub fch: Option<Vec<u8>>,
    pub key_id: Vec<u8>,
    pub sign_counter: u32,
    pub reg_counter: u32,
    /// Replaces the public key bytes.
    pub pub_key: Option<Vec<u8>>,
    /// Sign the KRD with this key instead of the new one.
    pub attest_with: Option<u8>,
    /// Replaces the base64url assertion text.
    pub assertion: Option<String>,
    /// JSON `exts` of the header (raw JSON array text).
    pub header_exts: Option<String>,
    /// Replaces the encoded KRD TLV (still signed by the attestation key).
    pub krd: Option<Vec<u8>>,
}

impl RegParts {
    pub fn for_request(req: &RegistrationRequest) -> Self {
        RegParts {
            upv: (req.header.upv.major, req.header.upv.minor),
            op: "Reg".into(),
            app_id: req.header.app_id.as_ref().map(|a| a.as_str().to_string()),
            server_data: req.header.server_data.clone(),
            fc_app_id: req
                .header
                .app_id
                .as_ref()
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
            fc_challenge: req.challenge.to_base64url(),
            fc_facet: FACET.into(),
            fc_channel_binding: "{}".into(),
            fc_params: None,
            scheme: "UAFV1TLV".into(),
            aaid: AAID.into(),
            version: 2,
            mode: 1,
            sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
            key_alg: AlgKey::EccX962Raw,
            fch: None,
            key_id: vec![0x42; 32],
            sign_counter: 0,
            reg_counter: 1,
            pub_key: None,
            attest_with: None,
            assertion: None,
            header_exts: None,
            krd: None,
        }
    }

    pub fn fc_params(&self) -> String {
        self.fc_params.clone().unwrap_or_else(|| {
            let json = format!(
                r#"{{"appID":"{}","challenge":"{}","facetID":"{}","channelBinding":{}}}"#,
                self.fc_app_id, self.fc_challenge, self.fc_facet, self.fc_channel_binding
            );
            b64::encode(json.as_bytes())
        })
    }

    /// Builds the response; `key` is the new UAuth key.
    pub fn build(&self, key: &SigningKey) -> String {
        let fc_params = self.fc_params();
        let assertion = self.assertion.clone().unwrap_or_else(|| {
            let fch = self.fch.clone().unwrap_or_else(|| {
                uaf_crypto::hash(uaf_proto::registry::HashAlg::Sha256, fc_params.as_bytes())
                    .unwrap()
                    .as_bytes()
                    .to_vec()
            });
            let pub_key = self
                .pub_key
                .clone()
                .unwrap_or_else(|| key.public_key().encode(self.key_alg).unwrap());
            let krd = self.krd.clone().unwrap_or_else(|| {
                KrdBuilder {
                    aaid: Aaid::parse(&self.aaid).unwrap(),
                    assertion_info: RegAssertionInfo {
                        authenticator_version: self.version,
                        authentication_mode: self.mode,
                        sign_alg: self.sign_alg,
                        pub_key_alg: self.key_alg,
                    },
                    final_challenge_hash: &fch,
                    key_id: &self.key_id,
                    sign_counter: self.sign_counter,
                    reg_counter: self.reg_counter,
                    pub_key: &pub_key,
                    extensions: Extensions::empty(),
                }
                .encode()
                .unwrap()
            });
            let other;
            let signer: &SigningKey = match self.attest_with {
                Some(seed) => {
                    other = SigningKey::generate(KeyType::P256, &mut rng(seed)).unwrap();
                    &other
                }
                None => key,
            };
            let sig = signer
                .sign_deterministic(AlgSign::Secp256r1EcdsaSha256Raw, &krd)
                .unwrap();
            let tlv = encode_reg_assertion(
                &krd,
                &Attestation::BasicSurrogate {
                    signature: sig.as_bytes(),
                },
                Extensions::empty(),
            )
            .unwrap();
            b64::encode(&tlv)
        });
        let mut header = format!(
            r#""upv":{{"major":{},"minor":{}}},"op":"{}""#,
            self.upv.0, self.upv.1, self.op
        );
        if let Some(a) = &self.app_id {
            header.push_str(&format!(r#","appID":"{a}""#));
        }
        if let Some(s) = &self.server_data {
            header.push_str(&format!(r#","serverData":"{s}""#));
        }
        if let Some(e) = &self.header_exts {
            header.push_str(&format!(r#","exts":{e}"#));
        }
        format!(
            r#"[{{"header":{{{header}}},"fcParams":"{fc_params}","assertions":[{{"assertionScheme":"{}","assertion":"{assertion}"}}]}}]"#,
            self.scheme
        )
    }
}

/// Everything that goes into an authentication response.
#[derive(Clone, Debug)]
pub struct AuthParts {
    pub upv: (u16, u16),
    pub op: String,
    pub app_id: Option<String>,
    pub server_data: Option<String>,
    pub fc_app_id: String,
    pub fc_challenge: String,
    pub fc_facet: String,
    pub fc_channel_binding: String,
    pub fc_params: Option<String>,
    pub scheme: String,
    pub aaid: String,
    pub version: u16,
    pub mode: u8,
    pub sign_alg: AlgSign,
    pub nonce: Vec<u8>,
    pub fch: Option<Vec<u8>>,
    pub tc_hash: Vec<u8>,
    pub key_id: Vec<u8>,
    pub counter: u32,
    /// Sign with another key.
    pub sign_with: Option<u8>,
    pub assertion: Option<String>,
    /// Replaces the encoded SignedData TLV (still signed).
    pub signed_data: Option<Vec<u8>>,
}

impl AuthParts {
    pub fn for_request(req: &AuthenticationRequest, key_id: &[u8], counter: u32) -> Self {
        AuthParts {
            upv: (req.header.upv.major, req.header.upv.minor),
            op: "Auth".into(),
            app_id: req.header.app_id.as_ref().map(|a| a.as_str().to_string()),
            server_data: req.header.server_data.clone(),
            fc_app_id: req
                .header
                .app_id
                .as_ref()
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
            fc_challenge: req.challenge.to_base64url(),
            fc_facet: FACET.into(),
            fc_channel_binding: "{}".into(),
            fc_params: None,
            scheme: "UAFV1TLV".into(),
            aaid: AAID.into(),
            version: 2,
            mode: 1,
            sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
            nonce: vec![0x11; 16],
            fch: None,
            tc_hash: Vec::new(),
            key_id: key_id.to_vec(),
            counter,
            sign_with: None,
            assertion: None,
            signed_data: None,
        }
    }

    /// Confirms `t` (mode 0x02 and its content hash).
    pub fn confirm(&mut self, t: &Transaction) {
        self.mode = 2;
        self.tc_hash = uaf_crypto::hash(uaf_proto::registry::HashAlg::Sha256, &t.content)
            .unwrap()
            .as_bytes()
            .to_vec();
    }

    pub fn fc_params(&self) -> String {
        self.fc_params.clone().unwrap_or_else(|| {
            let json = format!(
                r#"{{"appID":"{}","challenge":"{}","facetID":"{}","channelBinding":{}}}"#,
                self.fc_app_id, self.fc_challenge, self.fc_facet, self.fc_channel_binding
            );
            b64::encode(json.as_bytes())
        })
    }

    pub fn build(&self, key: &SigningKey) -> String {
        let fc_params = self.fc_params();
        let assertion = self.assertion.clone().unwrap_or_else(|| {
            let fch = self.fch.clone().unwrap_or_else(|| {
                uaf_crypto::hash(uaf_proto::registry::HashAlg::Sha256, fc_params.as_bytes())
                    .unwrap()
                    .as_bytes()
                    .to_vec()
            });
            let sd = self.signed_data.clone().unwrap_or_else(|| {
                SignedDataBuilder {
                    aaid: Aaid::parse(&self.aaid).unwrap(),
                    assertion_info: AuthAssertionInfo {
                        authenticator_version: self.version,
                        authentication_mode: self.mode,
                        sign_alg: self.sign_alg,
                    },
                    authenticator_nonce: &self.nonce,
                    final_challenge_hash: &fch,
                    transaction_content_hash: &self.tc_hash,
                    key_id: &self.key_id,
                    sign_counter: self.counter,
                    extensions: Extensions::empty(),
                }
                .encode()
                .unwrap()
            });
            let other;
            let signer: &SigningKey = match self.sign_with {
                Some(seed) => {
                    other = SigningKey::generate(KeyType::P256, &mut rng(seed)).unwrap();
                    &other
                }
                None => key,
            };
            let sig = signer.sign_deterministic(self.sign_alg, &sd).unwrap();
            b64::encode(&encode_auth_assertion(&sd, sig.as_bytes(), Extensions::empty()).unwrap())
        });
        let mut header = format!(
            r#""upv":{{"major":{},"minor":{}}},"op":"{}""#,
            self.upv.0, self.upv.1, self.op
        );
        if let Some(a) = &self.app_id {
            header.push_str(&format!(r#","appID":"{a}""#));
        }
        if let Some(s) = &self.server_data {
            header.push_str(&format!(r#","serverData":"{s}""#));
        }
        format!(
            r#"[{{"header":{{{header}}},"fcParams":"{fc_params}","assertions":[{{"assertionScheme":"{}","assertion":"{assertion}"}}]}}]"#,
            self.scheme
        )
    }
}

/// A phone key and a completed registration of it.
pub struct Enrolled {
    pub key: SigningKey,
    pub registration: Registration,
}

pub fn uauth(seed: u8) -> SigningKey {
    SigningKey::generate(KeyType::P256, &mut rng(seed)).unwrap()
}

/// Registers `alice` with a fresh key through the RP (positive path).
pub fn enroll(rp: &RelyingParty<MetadataIndex>) -> Enrolled {
    let (req, pending) = rp
        .start_registration("alice", &[], NOW, &mut rng(1))
        .unwrap();
    let key = uauth(2);
    let parts = RegParts::for_request(&req);
    let out = rp
        .finish_registration(&parts.build(&key), pending, &[][..], NOW)
        .unwrap();
    Enrolled {
        key,
        registration: out.registered[0].registration.clone(),
    }
}

/// A fresh registration request/pending pair.
pub fn reg_request(rp: &RelyingParty<MetadataIndex>) -> (RegistrationRequest, PendingRegistration) {
    rp.start_registration("alice", &[], NOW, &mut rng(3))
        .unwrap()
}

/// A fresh authentication request for alice's registrations.
pub fn auth_request(
    rp: &RelyingParty<MetadataIndex>,
    regs: &[Registration],
    transaction: Vec<Transaction>,
) -> (AuthenticationRequest, PendingAuthentication) {
    rp.start_authentication(Some(("alice", regs)), transaction, NOW, &mut rng(4))
        .unwrap()
}

/// The fixtures of the verifier benchmarks: an enrolled key, one valid authentication response
/// for it with its pending state, and a bare P-256 signature (RAW) over a SignedData-sized
/// message, for the bare-verify baseline.
pub struct AuthBench {
    pub enrolled: Enrolled,
    pub regs: Vec<Registration>,
    pub response: String,
    pub pending: PendingAuthentication,
    pub message: [u8; 146],
    pub signature: Vec<u8>,
}

impl AuthBench {
    pub fn new() -> Self {
        let rp0 = rp();
        let enrolled = enroll(&rp0);
        let regs = vec![enrolled.registration.clone()];
        let (req, pending) = auth_request(&rp0, &regs, Vec::new());
        let response = AuthParts::for_request(&req, enrolled.registration.key_id.as_bytes(), 1)
            .build(&enrolled.key);
        let message = [0x5a_u8; 146];
        let signature = enrolled
            .key
            .sign_deterministic(AlgSign::Secp256r1EcdsaSha256Raw, &message)
            .unwrap()
            .as_bytes()
            .to_vec();
        AuthBench {
            enrolled,
            regs,
            response,
            pending,
            message,
            signature,
        }
    }
}
