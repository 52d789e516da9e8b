//! Targets of `uaf-rp`: the verifier entry points on raw input (starting from the UAF
//! specification's example pair), the sealed `serverData` reader, and the structured targets
//! that start from a valid registration or authentication and mutate it.
//!
//! # The acceptance oracle
//! Whatever the input, when the verifier **accepts** a response the harness checks, from the
//! response text alone, that the acceptance is deserved:
//! - the header repeats the request's `upv`, `serverData` and (if present) `appID`;
//! - `fcParams` decodes (strictly) to the request's challenge and AppID, and its facet ID is
//!   one the relying party trusts (web facets compared as origins);
//! - every accepted key's KRD / SignedData is, byte for byte, one that the legitimate
//!   authenticator signed (the harness records every byte string it signs), and its final
//!   challenge hash is SHA-256 of the received `fcParams`;
//! - an authentication's sign counter is above the stored one (or both are 0), its algorithm
//!   is the registered one, and it confirms no transaction (none was requested).
//!
//! So a mutation that changes any signed byte, the challenge, the AppID, the facet, or lowers
//! the counter can never be accepted without the oracle failing.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use hmac::{Hmac, KeyInit, Mac};
use rand_core::SeedableRng;
use sha2::{Digest as _, Sha256};

use uaf_crypto::{KeyType, SigningKey};
use uaf_metadata::{MetadataEntry, MetadataIndex};
use uaf_proto::assertion::{
    self, Attestation, AuthAssertion, AuthAssertionInfo, KrdBuilder, RegAssertion,
    RegAssertionInfo, SignedDataBuilder,
};
use uaf_proto::b64::{self, Base64Policy};
use uaf_proto::id::{Aaid, AppId, FacetId};
use uaf_proto::message::{
    AuthenticationRequest, AuthenticationResponse, AuthenticatorRegistrationAssertion,
    AuthenticatorSignAssertion, DecodeOptions, FinalChallengeParams, Operation, OperationHeader,
    RegistrationRequest, RegistrationResponse, ServerChallenge, Version,
};
use uaf_proto::registry::{AlgKey, AlgSign};
use uaf_proto::tlv::TlvList;
use uaf_rp::stateless::{SealError, ServerDataKey};
use uaf_rp::{
    AuthenticationOutcome, PendingAuthentication, PendingRegistration, Registration,
    RegistrationOutcome, RelyingParty, RelyingPartyBuilder,
};

use crate::data;

// ---------------------------------------------------------------------------------------------
// Worlds: a relying party, an issued request, and the valid response to it
// ---------------------------------------------------------------------------------------------

/// A relying party with one issued registration request and one issued authentication
/// request, the valid responses to them, and what the legitimate authenticator signed.
pub(crate) struct World {
    rp: RelyingParty<MetadataIndex>,
    now: u64,
    issued_at: u64,
    /// The trusted facets as configured.
    trusted: Vec<String>,
    reg_request: RegistrationRequest,
    auth_request: AuthenticationRequest,
    auth_username: Option<String>,
    /// The registration the authentication is checked against.
    registration: Registration,
    /// Valid registration responses (one per attestation kind the world has).
    reg: Vec<RegModel>,
    /// The valid authentication response.
    auth: AuthModel,
    /// The KRDs the legitimate authenticators signed (before any mutation).
    signed_krds: BTreeSet<Vec<u8>>,
    /// The SignedData the legitimate authenticator signed.
    signed_data: BTreeSet<Vec<u8>>,
    /// Keys that re-sign after a mutation (`None` in the specification world: its keys are
    /// not known).
    uauth: Option<SigningKey>,
    attestation_key: Option<SigningKey>,
}

/// The UAF specification example world: Examples 7–10, legacy certificates allowed, at a
/// time inside the example certificate's validity.
pub(crate) fn spec_world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(build_spec_world)
}

/// The simulated world: a software authenticator made of uaf-crypto `SigningKey`s and
/// uaf-proto builders, with a basic full (the harness test chain) and a basic surrogate
/// model, both P-256 RAW.
pub(crate) fn sim_world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(build_sim_world)
}

/// A UAF 1.1 numeric-form metadata statement for a P-256 RAW, passcode-verifying model.
fn statement(aaid: &str, attestation_type: u16, roots: &[&[u8]]) -> MetadataEntry {
    MetadataEntry::from_json(&statement_json(aaid, attestation_type, roots))
        .expect("the harness metadata statement parses")
}

/// The JSON text of [`statement`].
fn statement_json(aaid: &str, attestation_type: u16, roots: &[&[u8]]) -> String {
    let roots: Vec<String> = roots
        .iter()
        .map(|r| format!("\"{}\"", b64::encode_standard(r)))
        .collect();
    format!(
        r#"{{"aaid":"{aaid}","description":"uaf-rs fuzz harness authenticator",
        "authenticatorVersion":256,"upv":[{{"major":1,"minor":0}},{{"major":1,"minor":1}}],
        "assertionScheme":"UAFV1TLV","authenticationAlgorithm":1,"publicKeyAlgAndEncoding":256,
        "attestationTypes":[{attestation_type}],"userVerificationDetails":[[{{"userVerification":4}}]],
        "keyProtection":1,"matcherProtection":1,"attachmentHint":1,"isSecondFactorOnly":false,
        "tcDisplay":1,"tcDisplayContentType":"text/plain","attestationRootCertificates":[{}]}}"#,
        roots.join(",")
    )
}

fn build_spec_world() -> World {
    let decode = DecodeOptions::new();
    let reg_request = RegistrationRequest::parse_array(data::SPEC_REG_REQUEST, &decode)
        .expect("Example 7 parses")
        .into_iter()
        .next()
        .expect("Example 7 holds a request");
    let auth_request = AuthenticationRequest::parse_array(data::SPEC_AUTH_REQUEST, &decode)
        .expect("Example 9 parses")
        .into_iter()
        .next()
        .expect("Example 9 holds a request");
    let mut index = MetadataIndex::new();
    index
        .insert(statement("ABCD#ABCD", 15879, &[data::spec_certificate()]))
        .expect("one entry");
    let trusted = vec![String::from("com.noknok.android.sampleapp")];
    let config =
        RelyingPartyBuilder::new("https://uaf-test-1.noknoktest.com:8443/SampleApp/uaf/facets")
            .trusted_facets(trusted.clone())
            .danger_legacy_certificates(true)
            .build()
            .expect("the specification world's configuration is valid");
    let rp = RelyingParty::new(config, index);
    let now = data::SPEC_NOW;
    let issued_at = now - 10;
    let reg =
        RegModel::parse(data::SPEC_REG_RESPONSE).expect("Example 8 is a registration response");
    let auth = AuthModel::parse(data::SPEC_AUTH_RESPONSE)
        .expect("Example 10 is an authentication response");
    let outcome = rp
        .finish_registration(
            data::SPEC_REG_RESPONSE,
            PendingRegistration::from_issued(reg_request.clone(), issued_at),
            &[][..],
            now,
        )
        .expect("Example 8 verifies");
    let registration = outcome
        .registered
        .first()
        .expect("one key")
        .registration
        .clone();
    let world = World {
        rp,
        now,
        issued_at,
        trusted,
        signed_krds: [reg.krd_bytes.clone()].into_iter().collect(),
        signed_data: [auth.sd_bytes.clone()].into_iter().collect(),
        reg_request,
        auth_request,
        auth_username: None,
        registration,
        reg: vec![reg],
        auth,
        uauth: None,
        attestation_key: None,
    };
    world.self_test();
    world
}

/// The sim world's models.
const SIM_FULL_AAID: &str = "ABCD#ABCD";
const SIM_SURROGATE_AAID: &str = "F1D0#0001";
const SIM_USER: &str = "alice";
/// The stored sign counter the authentication is checked against.
const SIM_STORED_COUNTER: u32 = 5;

fn build_sim_world() -> World {
    let uauth =
        SigningKey::from_private_scalar(KeyType::P256, &[0x11; 32]).expect("a valid scalar");
    let attestation_key =
        SigningKey::from_private_scalar(KeyType::P256, &data::unhex(data::CHAIN_LEAF_SCALAR_HEX))
            .expect("the test chain's leaf scalar");
    let mut index = MetadataIndex::new();
    index
        .insert(statement(SIM_FULL_AAID, 15879, &[data::CHAIN_ROOT]))
        .expect("one entry");
    index
        .insert(statement(SIM_SURROGATE_AAID, 15880, &[]))
        .expect("another entry");
    let trusted = vec![
        String::from("https://uaf.example.com"),
        String::from("android:apk-key-hash:Lir5oIjf552K/XN4bTul0VS3GfM"),
    ];
    let config = RelyingPartyBuilder::new("https://uaf.example.com/facets.json")
        .trusted_facets(trusted.clone())
        .build()
        .expect("the sim world's configuration is valid");
    let rp = RelyingParty::new(config, index);
    let now = data::SIM_NOW;
    let issued_at = now - 10;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    let (reg_request, _) = rp
        .start_registration(SIM_USER, &[], issued_at, &mut rng)
        .expect("a registration request");

    let fcp = |challenge: &ServerChallenge| FinalChallengeParams {
        app_id: AppId::new("https://uaf.example.com/facets.json").expect("an AppID"),
        challenge: challenge.clone(),
        facet_id: String::from("https://uaf.example.com"),
        channel_binding: Default::default(),
    };
    let pub_key = uauth
        .public_key()
        .encode(AlgKey::EccX962Raw)
        .expect("a raw point");
    let mut reg = Vec::new();
    let mut signed_krds = BTreeSet::new();
    for (aaid, full, key_id) in [
        (SIM_FULL_AAID, true, [0x4b; 32]),
        (SIM_SURROGATE_AAID, false, [0x53; 32]),
    ] {
        let mut m = RegModel {
            header: response_header(&reg_request.header),
            fcp: fcp(&reg_request.challenge),
            fc_text: String::new(),
            krd: KrdModel {
                aaid: Aaid::parse(aaid).expect("an AAID"),
                info: RegAssertionInfo {
                    authenticator_version: 256,
                    authentication_mode: 1,
                    sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
                    pub_key_alg: AlgKey::EccX962Raw,
                },
                fch: Vec::new(),
                key_id: key_id.to_vec(),
                sign_counter: 0,
                reg_counter: 1,
                pub_key: pub_key.clone(),
            },
            krd_bytes: Vec::new(),
            signature: Vec::new(),
            certificates: if full {
                Some(vec![
                    data::CHAIN_LEAF.to_vec(),
                    data::CHAIN_INTERMEDIATE.to_vec(),
                ])
            } else {
                None
            },
        };
        m.fc_text = m.fcp.to_fc_params();
        m.krd.fch = Sha256::digest(m.fc_text.as_bytes()).to_vec();
        m.krd_bytes = m.krd.encode().expect("the KRD encodes");
        let signer = if full { &attestation_key } else { &uauth };
        m.signature = sign(signer, AlgSign::Secp256r1EcdsaSha256Raw, &m.krd_bytes);
        signed_krds.insert(m.krd_bytes.clone());
        reg.push(m);
    }

    // The surrogate registration, stored with a counter of SIM_STORED_COUNTER.
    let outcome = rp
        .finish_registration(
            &reg.get(1).expect("two models").to_json().expect("encodes"),
            PendingRegistration::from_issued(reg_request.clone(), issued_at),
            &[][..],
            now,
        )
        .expect("the sim surrogate registration verifies");
    let mut registration = outcome
        .registered
        .first()
        .expect("one key")
        .registration
        .clone();
    registration.sign_counter = SIM_STORED_COUNTER;
    let (auth_request, _) = rp
        .start_authentication(
            Some((SIM_USER, &[registration.clone()])),
            Vec::new(),
            issued_at,
            &mut rng,
        )
        .expect("an authentication request");
    let mut auth = AuthModel {
        header: response_header(&auth_request.header),
        fcp: fcp(&auth_request.challenge),
        fc_text: String::new(),
        sd: SignedDataModel {
            aaid: registration.aaid,
            info: AuthAssertionInfo {
                authenticator_version: 256,
                authentication_mode: 1,
                sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
            },
            nonce: vec![0x4e; 16],
            fch: Vec::new(),
            tch: Vec::new(),
            key_id: registration.key_id.as_bytes().to_vec(),
            sign_counter: SIM_STORED_COUNTER + 1,
        },
        sd_bytes: Vec::new(),
        signature: Vec::new(),
    };
    auth.fc_text = auth.fcp.to_fc_params();
    auth.sd.fch = Sha256::digest(auth.fc_text.as_bytes()).to_vec();
    auth.sd_bytes = auth.sd.encode().expect("the SignedData encodes");
    auth.signature = sign(&uauth, AlgSign::Secp256r1EcdsaSha256Raw, &auth.sd_bytes);
    let world = World {
        rp,
        now,
        issued_at,
        trusted,
        signed_data: [auth.sd_bytes.clone()].into_iter().collect(),
        signed_krds,
        reg_request,
        auth_request,
        auth_username: Some(String::from(SIM_USER)),
        registration,
        reg,
        auth,
        uauth: Some(uauth),
        attestation_key: Some(attestation_key),
    };
    world.self_test();
    world
}

fn response_header(request: &OperationHeader) -> OperationHeader {
    let mut h = OperationHeader::new(request.upv, request.op);
    h.app_id = request.app_id.clone();
    h.server_data = request.server_data.clone();
    h
}

fn sign(key: &SigningKey, alg: AlgSign, message: &[u8]) -> Vec<u8> {
    key.sign_deterministic(alg, message)
        .expect("the harness key signs")
        .as_bytes()
        .to_vec()
}

impl World {
    fn pending_reg(&self) -> PendingRegistration {
        PendingRegistration::from_issued(self.reg_request.clone(), self.issued_at)
    }

    fn pending_auth(&self) -> PendingAuthentication {
        PendingAuthentication::from_issued(
            self.auth_request.clone(),
            self.auth_username.clone(),
            self.issued_at,
        )
    }

    /// The unmutated responses verify, and pass the oracle (else the harness is wrong).
    fn self_test(&self) {
        for m in &self.reg {
            let text = m.to_json().expect("the valid registration encodes");
            let outcome = self
                .rp
                .finish_registration(&text, self.pending_reg(), &[][..], self.now)
                .unwrap_or_else(|e| panic!("the valid registration does not verify: {e}"));
            self.check_registration(&text, &outcome, None);
        }
        let text = self
            .auth
            .to_json()
            .expect("the valid authentication encodes");
        let regs = [self.registration.clone()];
        let outcome = self
            .rp
            .finish_authentication(&text, self.pending_auth(), &regs[..], self.now)
            .unwrap_or_else(|e| panic!("the valid authentication does not verify: {e}"));
        self.check_authentication(&text, &outcome, &self.registration, None);
    }

    /// Whether `facet` is one the relying party trusts: web facets compared as origins,
    /// application facets exactly.
    fn facet_trusted(&self, facet: &str) -> bool {
        let norm = |f: &str| {
            if f.get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
            {
                FacetId::origin_of_url(f)
                    .map(|o| o.to_string())
                    .unwrap_or_else(|_| f.to_owned())
            } else {
                f.to_owned()
            }
        };
        let facet = norm(facet);
        self.trusted.iter().any(|t| norm(t) == facet)
    }

    /// The message-level half of the oracle; returns the fcParams text.
    fn check_binding<'t>(
        &self,
        header: &OperationHeader,
        fc_text: &'t str,
        request_header: &OperationHeader,
        challenge: &ServerChallenge,
        what: &str,
    ) -> &'t str {
        assert_eq!(
            header.upv, request_header.upv,
            "{what} accepted with another upv"
        );
        assert_eq!(
            header.op, request_header.op,
            "{what} accepted with another op"
        );
        assert_eq!(
            header.server_data, request_header.server_data,
            "{what} accepted with other serverData"
        );
        let app_id = request_header
            .app_id
            .as_ref()
            .map(AppId::as_str)
            .unwrap_or("");
        if let Some(a) = &header.app_id {
            assert_eq!(
                a.as_str(),
                app_id,
                "{what} accepted with another header appID"
            );
        }
        let fcp = FinalChallengeParams::from_fc_params(fc_text, Base64Policy::Strict)
            .unwrap_or_else(|e| {
                panic!("{what} accepted with fcParams that do not decode strictly: {e}")
            });
        assert_eq!(
            fcp.challenge.as_bytes(),
            challenge.as_bytes(),
            "{what} accepted with another challenge"
        );
        assert_eq!(
            fcp.app_id.as_str(),
            app_id,
            "{what} accepted with another fcParams.appID"
        );
        assert!(
            self.facet_trusted(&fcp.facet_id),
            "{what} accepted from untrusted facet {:?}",
            fcp.facet_id
        );
        fc_text
    }

    /// The oracle for an accepted registration (see the module documentation).
    /// `resigned`: a KRD the authenticator signed for this case, besides the world's own.
    fn check_registration(
        &self,
        text: &str,
        outcome: &RegistrationOutcome,
        resigned: Option<&[u8]>,
    ) {
        let r =
            RegistrationResponse::parse_array(text, &DecodeOptions::new()).unwrap_or_else(|e| {
                panic!("a registration was accepted from text that does not parse: {e}")
            });
        let fc = self.check_binding(
            &r.header,
            &r.fc_params,
            &self.reg_request.header,
            &self.reg_request.challenge,
            "registration",
        );
        let fch = Sha256::digest(fc.as_bytes());
        assert!(
            !outcome.registered.is_empty(),
            "an accepted registration registers a key"
        );
        for key in &outcome.registered {
            let reg = &key.registration;
            let found = r.assertions.iter().any(|a| {
                let Ok(bytes) = a.decode_assertion(Base64Policy::Strict) else {
                    return false;
                };
                let Ok(parsed) = RegAssertion::parse(&bytes) else {
                    return false;
                };
                let k = &parsed.krd;
                if k.aaid != reg.aaid || k.key_id != reg.key_id.as_bytes() {
                    return false;
                }
                assert!(
                    self.signed_krds.contains(k.raw) || resigned == Some(k.raw),
                    "registration accepted a KRD nobody signed: {:02x?}",
                    k.raw
                );
                assert_eq!(
                    k.final_challenge_hash,
                    fch.as_slice(),
                    "registration accepted a KRD for other fcParams"
                );
                assert_eq!(
                    k.pub_key,
                    reg.public_key.as_slice(),
                    "the stored key is the KRD's"
                );
                assert_eq!(
                    k.sign_counter, reg.sign_counter,
                    "the stored counter is the KRD's"
                );
                true
            });
            assert!(found, "an accepted key is in no assertion of the response");
            assert_eq!(
                reg.username, self.reg_request.username,
                "registered to the requested user"
            );
        }
    }

    /// The oracle for an accepted authentication (see the module documentation).
    /// `resigned`: a SignedData the authenticator signed for this case, besides the world's own.
    fn check_authentication(
        &self,
        text: &str,
        outcome: &AuthenticationOutcome,
        stored: &Registration,
        resigned: Option<&[u8]>,
    ) {
        let r =
            AuthenticationResponse::parse_array(text, &DecodeOptions::new()).unwrap_or_else(|e| {
                panic!("an authentication was accepted from text that does not parse: {e}")
            });
        let fc = self.check_binding(
            &r.header,
            &r.fc_params,
            &self.auth_request.header,
            &self.auth_request.challenge,
            "authentication",
        );
        let fch = Sha256::digest(fc.as_bytes());
        assert!(
            !outcome.keys.is_empty(),
            "an accepted authentication names a key"
        );
        for key in &outcome.keys {
            assert_eq!(
                &key.registration, stored,
                "authenticated with the stored registration"
            );
            let found = r.assertions.iter().any(|a| {
                let Ok(bytes) = a.decode_assertion(Base64Policy::Strict) else {
                    return false;
                };
                let Ok(parsed) = AuthAssertion::parse(&bytes) else {
                    return false;
                };
                let sd = &parsed.signed_data;
                if sd.aaid != stored.aaid || sd.key_id != stored.key_id.as_bytes() {
                    return false;
                }
                assert!(
                    self.signed_data.contains(sd.raw) || resigned == Some(sd.raw),
                    "authentication accepted SignedData nobody signed: {:02x?}",
                    sd.raw
                );
                assert_eq!(
                    sd.final_challenge_hash,
                    fch.as_slice(),
                    "authentication accepted SignedData for other fcParams"
                );
                assert!(
                    sd.sign_counter > stored.sign_counter
                        || (sd.sign_counter == 0 && stored.sign_counter == 0),
                    "authentication accepted counter {} against stored {}",
                    sd.sign_counter,
                    stored.sign_counter
                );
                assert_eq!(
                    sd.assertion_info.sign_alg, stored.sign_alg,
                    "authentication accepted another algorithm"
                );
                assert_eq!(
                    sd.assertion_info.authentication_mode, 1,
                    "a transaction was confirmed but none was requested"
                );
                assert!(
                    sd.transaction_content_hash.is_empty(),
                    "a transaction hash but no transaction requested"
                );
                true
            });
            assert!(found, "an accepted key is in no assertion of the response");
        }
        if let (Some(u), Some(name)) = (outcome.username(), &self.auth_username) {
            assert_eq!(u, name, "signed in as the requested user");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Response models
// ---------------------------------------------------------------------------------------------

/// The fields of a KRD.
#[derive(Clone, Debug)]
struct KrdModel {
    aaid: Aaid,
    info: RegAssertionInfo,
    fch: Vec<u8>,
    key_id: Vec<u8>,
    sign_counter: u32,
    reg_counter: u32,
    pub_key: Vec<u8>,
}

impl KrdModel {
    fn encode(&self) -> Option<Vec<u8>> {
        KrdBuilder {
            aaid: self.aaid,
            assertion_info: self.info,
            final_challenge_hash: &self.fch,
            key_id: &self.key_id,
            sign_counter: self.sign_counter,
            reg_counter: self.reg_counter,
            pub_key: &self.pub_key,
            extensions: TlvList::empty(),
        }
        .encode()
        .ok()
    }
}

/// A registration response, as fields.
#[derive(Clone, Debug)]
struct RegModel {
    header: OperationHeader,
    fcp: FinalChallengeParams,
    /// The `fcParams` text sent (normally `fcp.to_fc_params()`).
    fc_text: String,
    krd: KrdModel,
    /// The KRD bytes sent (normally `krd.encode()`).
    krd_bytes: Vec<u8>,
    signature: Vec<u8>,
    /// `Some`: basic full with these certificates; `None`: surrogate.
    certificates: Option<Vec<Vec<u8>>>,
}

impl RegModel {
    fn parse(text: &str) -> Option<Self> {
        let r = RegistrationResponse::parse_array(text, &DecodeOptions::new()).ok()?;
        let bytes = r
            .assertions
            .first()?
            .decode_assertion(Base64Policy::Strict)
            .ok()?;
        let a = RegAssertion::parse(&bytes).ok()?;
        let k = a.krd;
        Some(RegModel {
            fcp: r.fc_params(Base64Policy::Strict).ok()?,
            header: r.header,
            fc_text: r.fc_params,
            krd: KrdModel {
                aaid: k.aaid,
                info: k.assertion_info,
                fch: k.final_challenge_hash.to_vec(),
                key_id: k.key_id.to_vec(),
                sign_counter: k.sign_counter,
                reg_counter: k.reg_counter,
                pub_key: k.pub_key.to_vec(),
            },
            krd_bytes: k.raw.to_vec(),
            signature: a.attestation.signature()?.to_vec(),
            certificates: match a.attestation {
                Attestation::BasicFull { certificates, .. } => {
                    Some(certificates.iter().map(<[u8]>::to_vec).collect())
                }
                _ => None,
            },
        })
    }

    fn assertion(&self) -> Option<Vec<u8>> {
        let certs: Vec<&[u8]> = self
            .certificates
            .iter()
            .flatten()
            .map(Vec::as_slice)
            .collect();
        let attestation = match &self.certificates {
            Some(_) => Attestation::BasicFull {
                signature: &self.signature,
                certificates: TlvList::from_slice(&certs),
            },
            None => Attestation::BasicSurrogate {
                signature: &self.signature,
            },
        };
        assertion::encode_reg_assertion(&self.krd_bytes, &attestation, TlvList::empty()).ok()
    }

    fn to_json_with(&self, assertion: &[u8]) -> Option<String> {
        Some(
            RegistrationResponse {
                header: self.header.clone(),
                fc_params: self.fc_text.clone(),
                assertions: vec![AuthenticatorRegistrationAssertion::from_tlv(assertion).ok()?],
            }
            .to_json(),
        )
    }

    fn to_json(&self) -> Option<String> {
        self.to_json_with(&self.assertion()?)
    }
}

/// The fields of a SignedData.
#[derive(Clone, Debug)]
struct SignedDataModel {
    aaid: Aaid,
    info: AuthAssertionInfo,
    nonce: Vec<u8>,
    fch: Vec<u8>,
    tch: Vec<u8>,
    key_id: Vec<u8>,
    sign_counter: u32,
}

impl SignedDataModel {
    fn encode(&self) -> Option<Vec<u8>> {
        SignedDataBuilder {
            aaid: self.aaid,
            assertion_info: self.info,
            authenticator_nonce: &self.nonce,
            final_challenge_hash: &self.fch,
            transaction_content_hash: &self.tch,
            key_id: &self.key_id,
            sign_counter: self.sign_counter,
            extensions: TlvList::empty(),
        }
        .encode()
        .ok()
    }
}

/// An authentication response, as fields.
#[derive(Clone, Debug)]
struct AuthModel {
    header: OperationHeader,
    fcp: FinalChallengeParams,
    fc_text: String,
    sd: SignedDataModel,
    sd_bytes: Vec<u8>,
    signature: Vec<u8>,
}

impl AuthModel {
    fn parse(text: &str) -> Option<Self> {
        let r = AuthenticationResponse::parse_array(text, &DecodeOptions::new()).ok()?;
        let bytes = r
            .assertions
            .first()?
            .decode_assertion(Base64Policy::Strict)
            .ok()?;
        let a = AuthAssertion::parse(&bytes).ok()?;
        let sd = a.signed_data;
        Some(AuthModel {
            fcp: r.fc_params(Base64Policy::Strict).ok()?,
            header: r.header,
            fc_text: r.fc_params,
            sd: SignedDataModel {
                aaid: sd.aaid,
                info: sd.assertion_info,
                nonce: sd.authenticator_nonce.to_vec(),
                fch: sd.final_challenge_hash.to_vec(),
                tch: sd.transaction_content_hash.to_vec(),
                key_id: sd.key_id.to_vec(),
                sign_counter: sd.sign_counter,
            },
            sd_bytes: sd.raw.to_vec(),
            signature: a.signature.to_vec(),
        })
    }

    fn assertion(&self) -> Option<Vec<u8>> {
        assertion::encode_auth_assertion(&self.sd_bytes, &self.signature, TlvList::empty()).ok()
    }

    fn to_json_with(&self, assertion: &[u8]) -> Option<String> {
        Some(
            AuthenticationResponse {
                header: self.header.clone(),
                fc_params: self.fc_text.clone(),
                assertions: vec![AuthenticatorSignAssertion::from_tlv(assertion).ok()?],
            }
            .to_json(),
        )
    }

    fn to_json(&self) -> Option<String> {
        self.to_json_with(&self.assertion()?)
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

/// A byte-level edit at a position (taken modulo the length + 1).
#[derive(Arbitrary, Debug, Clone)]
pub struct ByteEdit {
    at: u16,
    op: EditOp,
}

/// What a [`ByteEdit`] does.
#[derive(Arbitrary, Debug, Clone)]
pub enum EditOp {
    /// XOR the byte with a non-zero value (0 is read as 1).
    Xor(u8),
    /// Insert up to 64 bytes.
    Insert(Vec<u8>),
    /// Delete up to 255 bytes.
    Delete(u8),
    /// Cut everything from here.
    Truncate,
    /// Repeat up to 255 bytes from here.
    Duplicate(u8),
}

fn apply_edits(bytes: &mut Vec<u8>, edits: &[ByteEdit]) {
    for e in edits {
        let at = usize::from(e.at) % (bytes.len() + 1);
        match &e.op {
            EditOp::Xor(x) => {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= (*x).max(1);
                }
            }
            EditOp::Insert(v) => {
                let _ = bytes.splice(at..at, v.iter().copied().take(64));
            }
            EditOp::Delete(n) => {
                let end = (at + usize::from(*n)).min(bytes.len());
                bytes.drain(at..end);
            }
            EditOp::Truncate => bytes.truncate(at),
            EditOp::Duplicate(n) => {
                let end = (at + usize::from(*n)).min(bytes.len());
                let copy: Vec<u8> = bytes.get(at..end).map(<[u8]>::to_vec).unwrap_or_default();
                let _ = bytes.splice(at..at, copy);
            }
        }
    }
}

/// A field-level change: message-level members, and KRD / SignedData members (a KRD-only
/// field applied to an authentication, or the reverse, changes nothing).
#[derive(Arbitrary, Debug, Clone)]
pub enum Field {
    /// `fcParams.challenge` (8..=64 bytes, else ignored).
    Challenge(Vec<u8>),
    /// `fcParams.appID`.
    AppId(String),
    /// `fcParams.facetID`.
    Facet(String),
    /// `fcParams.facetID`, chosen among near misses of the trusted facets.
    FacetNearMiss(u8),
    /// `fcParams.channelBinding.tlsUnique`.
    TlsUnique(Option<String>),
    /// `header.appID` (`None`: absent).
    HeaderAppId(Option<String>),
    /// `header.serverData` (`None`: absent).
    ServerData(Option<String>),
    /// `header.upv`.
    Version(u16, u16),
    /// The `fcParams` text itself, replaced (then re-signed over, when re-signing).
    FcText(String),
    /// AAID bytes.
    Aaid([u8; 9]),
    /// KeyID.
    KeyId(Vec<u8>),
    /// SignCounter.
    SignCounter(u32),
    /// SignCounter lowered by this much (saturating).
    LowerCounter(u32),
    /// RegCounter (registration).
    RegCounter(u32),
    /// AuthenticatorVersion.
    AuthenticatorVersion(u16),
    /// AuthenticationMode.
    Mode(u8),
    /// SignatureAlgAndEncoding.
    SignAlg(u16),
    /// PublicKeyAlgAndEncoding (registration).
    PubKeyAlg(u16),
    /// The public key (registration).
    PubKey(Vec<u8>),
    /// The final challenge hash, explicitly (not recomputed when re-signing).
    Fch(Vec<u8>),
    /// The authenticator nonce (authentication).
    Nonce(Vec<u8>),
    /// The transaction content hash (authentication).
    Tch(Vec<u8>),
    /// Drop the last attestation certificate (basic full).
    DropCertificate,
    /// Swap the attestation certificates' order (basic full).
    SwapCertificates,
}

/// Near misses of the trusted facets.
const FACET_NEAR_MISSES: &[&str] = &[
    "https://uaf.example.com.evil.example",
    "https://evil.example/uaf.example.com",
    "http://uaf.example.com",
    "https://uaf.example.co",
    "https://uaf.example.com:8443",
    "https://uaf.example.com@evil.example",
    "https://UAF.EXAMPLE.COM",
    "https://uaf.example.com/",
    "https://uaf.example.com:443",
    "android:apk-key-hash:Lir5oIjf552K/XN4bTul0VS3GfN",
    "android:apk-key-hash:Lir5oIjf552K/XN4bTul0VS3GfM=",
    "com.noknok.android.sampleapp ",
    "com.noknok.android.sampleapP",
    "",
];

/// Which valid registration the structured target starts from.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum RegStart {
    /// Sim world, basic full attestation (harness test chain, strict path).
    SimBasicFull,
    /// Sim world, basic surrogate attestation.
    SimSurrogate,
    /// The UAF specification's Example 8 (legacy certificate; its keys are unknown, so
    /// nothing is re-signed).
    Spec,
}

/// Which valid authentication the structured target starts from.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum AuthStart {
    /// Sim world (stored counter 5, signed counter 6).
    Sim,
    /// The UAF specification's Example 10 (stored counter 1, signed counter 2).
    Spec,
}

/// A structured mutation of a valid response.
#[derive(Arbitrary, Debug, Clone)]
pub struct Case<S> {
    /// The valid response to start from.
    pub start: S,
    /// Field changes, in order.
    pub fields: Vec<Field>,
    /// After the field changes, let the legitimate authenticator recompute the final
    /// challenge hash over the (possibly changed) `fcParams` and sign again: the model of a
    /// tricked client. Ignored in the specification world.
    pub resign: bool,
    /// Edits of the signed bytes (KRD / SignedData) after signing.
    pub signed_edits: Vec<ByteEdit>,
    /// Edits of the signature.
    pub signature_edits: Vec<ByteEdit>,
    /// Edits of the whole assertion TLV.
    pub assertion_edits: Vec<ByteEdit>,
    /// Edits of the final JSON text.
    pub json_edits: Vec<ByteEdit>,
    /// Authentication only: the stored sign counter, instead of the world's.
    pub stored_counter: Option<u32>,
}

/// Applies the message-level fields; returns whether `fc_text` must be recomputed from `fcp`.
fn apply_message_field(
    f: &Field,
    header: &mut OperationHeader,
    fcp: &mut FinalChallengeParams,
    fc_text: &mut Option<String>,
) {
    match f {
        Field::Challenge(c) => {
            if let Ok(c) = ServerChallenge::new(c.clone()) {
                fcp.challenge = c;
            }
        }
        Field::AppId(a) => {
            if let Ok(a) = AppId::new(a.clone()) {
                fcp.app_id = a;
            }
        }
        Field::Facet(s) => fcp.facet_id = s.clone(),
        Field::FacetNearMiss(i) => {
            let n = FACET_NEAR_MISSES.len();
            if let Some(s) = FACET_NEAR_MISSES.get(usize::from(*i) % n) {
                fcp.facet_id = (*s).to_owned();
            }
        }
        Field::TlsUnique(t) => fcp.channel_binding.tls_unique = t.clone(),
        Field::HeaderAppId(a) => {
            header.app_id = a.as_ref().and_then(|a| AppId::new(a.clone()).ok())
        }
        Field::ServerData(s) => header.server_data = s.clone(),
        Field::Version(major, minor) => header.upv = Version::new(*major, *minor),
        Field::FcText(t) => *fc_text = Some(t.clone()),
        _ => return,
    }
    if !matches!(
        f,
        Field::FcText(_) | Field::HeaderAppId(_) | Field::ServerData(_) | Field::Version(..)
    ) {
        *fc_text = None;
    }
}

/// The signing algorithm the sim authenticator uses for `alg` (it signs P-256 only).
fn signing_alg(alg: AlgSign) -> AlgSign {
    match alg {
        AlgSign::Secp256r1EcdsaSha256Der => AlgSign::Secp256r1EcdsaSha256Der,
        _ => AlgSign::Secp256r1EcdsaSha256Raw,
    }
}

/// Applies a KRD or attestation field; returns whether the KRD changed.
fn apply_krd_field(f: &Field, m: &mut RegModel) -> bool {
    let k = &mut m.krd;
    match f {
        Field::Aaid(b) => {
            if let Ok(a) = Aaid::from_bytes(b) {
                k.aaid = a;
            }
        }
        Field::KeyId(v) => k.key_id.clone_from(v),
        Field::SignCounter(c) => k.sign_counter = *c,
        Field::LowerCounter(d) => k.sign_counter = k.sign_counter.saturating_sub(*d),
        Field::RegCounter(c) => k.reg_counter = *c,
        Field::AuthenticatorVersion(v) => k.info.authenticator_version = *v,
        Field::Mode(v) => k.info.authentication_mode = *v,
        Field::SignAlg(v) => k.info.sign_alg = AlgSign::from_value(*v),
        Field::PubKeyAlg(v) => k.info.pub_key_alg = AlgKey::from_value(*v),
        Field::PubKey(v) => k.pub_key.clone_from(v),
        Field::Fch(v) => k.fch.clone_from(v),
        Field::DropCertificate => {
            if let Some(c) = &mut m.certificates {
                c.pop();
            }
            return false;
        }
        Field::SwapCertificates => {
            if let Some(c) = &mut m.certificates {
                c.reverse();
            }
            return false;
        }
        _ => return false,
    }
    true
}

/// Applies a SignedData field; returns whether the SignedData changed.
fn apply_sd_field(f: &Field, s: &mut SignedDataModel) -> bool {
    match f {
        Field::Aaid(b) => {
            if let Ok(a) = Aaid::from_bytes(b) {
                s.aaid = a;
            }
        }
        Field::KeyId(v) => s.key_id.clone_from(v),
        Field::SignCounter(c) => s.sign_counter = *c,
        Field::LowerCounter(d) => s.sign_counter = s.sign_counter.saturating_sub(*d),
        Field::AuthenticatorVersion(v) => s.info.authenticator_version = *v,
        Field::Mode(v) => s.info.authentication_mode = *v,
        Field::SignAlg(v) => s.info.sign_alg = AlgSign::from_value(*v),
        Field::Fch(v) => s.fch.clone_from(v),
        Field::Nonce(v) => s.nonce.clone_from(v),
        Field::Tch(v) => s.tch.clone_from(v),
        _ => return false,
    }
    true
}

fn reg_case_text(world: &World, case: &Case<RegStart>) -> Option<(String, Option<Vec<u8>>)> {
    let index = match case.start {
        RegStart::SimBasicFull | RegStart::Spec => 0,
        RegStart::SimSurrogate => 1,
    };
    let mut m = world.reg.get(index)?.clone();
    let mut fc_text = Some(m.fc_text.clone());
    let mut fch_set = false;
    let mut krd_changed = false;
    let mut resigned = None;
    for f in &case.fields {
        apply_message_field(f, &mut m.header, &mut m.fcp, &mut fc_text);
        fch_set |= matches!(f, Field::Fch(_));
        krd_changed |= apply_krd_field(f, &mut m);
    }
    m.fc_text = fc_text.unwrap_or_else(|| m.fcp.to_fc_params());
    let signer = match (case.start, case.resign) {
        (RegStart::SimBasicFull, true) => world.attestation_key.as_ref(),
        (RegStart::SimSurrogate, true) => world.uauth.as_ref(),
        _ => None,
    };
    if let Some(key) = signer {
        if !fch_set {
            m.krd.fch = Sha256::digest(m.fc_text.as_bytes()).to_vec();
        }
        m.krd_bytes = m.krd.encode()?;
        m.signature = sign(key, signing_alg(m.krd.info.sign_alg), &m.krd_bytes);
        resigned = Some(m.krd_bytes.clone());
    } else if krd_changed {
        m.krd_bytes = m.krd.encode()?;
    }
    apply_edits(&mut m.krd_bytes, &case.signed_edits);
    apply_edits(&mut m.signature, &case.signature_edits);
    let mut assertion = m.assertion()?;
    apply_edits(&mut assertion, &case.assertion_edits);
    let mut text = m.to_json_with(&assertion)?.into_bytes();
    apply_edits(&mut text, &case.json_edits);
    Some((String::from_utf8_lossy(&text).into_owned(), resigned))
}

fn auth_case_text(world: &World, case: &Case<AuthStart>) -> Option<(String, Option<Vec<u8>>)> {
    let mut m = world.auth.clone();
    let mut fc_text = Some(m.fc_text.clone());
    let mut fch_set = false;
    let mut sd_changed = false;
    let mut resigned = None;
    for f in &case.fields {
        apply_message_field(f, &mut m.header, &mut m.fcp, &mut fc_text);
        fch_set |= matches!(f, Field::Fch(_));
        sd_changed |= apply_sd_field(f, &mut m.sd);
    }
    m.fc_text = fc_text.unwrap_or_else(|| m.fcp.to_fc_params());
    let signer = match (case.start, case.resign) {
        (AuthStart::Sim, true) => world.uauth.as_ref(),
        _ => None,
    };
    if let Some(key) = signer {
        if !fch_set {
            m.sd.fch = Sha256::digest(m.fc_text.as_bytes()).to_vec();
        }
        m.sd_bytes = m.sd.encode()?;
        m.signature = sign(key, signing_alg(m.sd.info.sign_alg), &m.sd_bytes);
        resigned = Some(m.sd_bytes.clone());
    } else if sd_changed {
        m.sd_bytes = m.sd.encode()?;
    }
    apply_edits(&mut m.sd_bytes, &case.signed_edits);
    apply_edits(&mut m.signature, &case.signature_edits);
    let mut assertion = m.assertion()?;
    apply_edits(&mut assertion, &case.assertion_edits);
    let mut text = m.to_json_with(&assertion)?.into_bytes();
    apply_edits(&mut text, &case.json_edits);
    Some((String::from_utf8_lossy(&text).into_owned(), resigned))
}

/// Structured registration target: starts from a valid registration response (sim basic
/// full, sim surrogate, or the specification's Example 8), applies an arbitrary [`Case`], and
/// calls `finish_registration`.
///
/// Invariant: the acceptance oracle (module documentation) holds whenever the response is
/// accepted. The signed set holds only what the legitimate authenticator signed, including
/// what it re-signed for a tricked client (`resign`), so edits of signed bytes, and re-signed
/// changes of the challenge, AppID or facet, must all be rejected.
pub fn registration_mutation(data: &[u8]) {
    let Ok(case) = Case::<RegStart>::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let world = match case.start {
        RegStart::Spec => spec_world(),
        _ => sim_world(),
    };
    let Some((text, resigned)) = reg_case_text(world, &case) else {
        return;
    };
    if let Ok(outcome) =
        world
            .rp
            .finish_registration(&text, world.pending_reg(), &[][..], world.now)
    {
        world.check_registration(&text, &outcome, resigned.as_deref());
    }
}

/// Structured authentication target: starts from a valid authentication response (sim, or the
/// specification's Example 10), applies an arbitrary [`Case`] (including the stored counter),
/// and calls `finish_authentication`.
///
/// Invariant: the acceptance oracle holds whenever the response is accepted; in particular a
/// sign counter at or below the stored one is never accepted.
pub fn authentication_mutation(data: &[u8]) {
    let Ok(case) = Case::<AuthStart>::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let world = match case.start {
        AuthStart::Spec => spec_world(),
        AuthStart::Sim => sim_world(),
    };
    let Some((text, resigned)) = auth_case_text(world, &case) else {
        return;
    };
    let mut stored = world.registration.clone();
    if let Some(c) = case.stored_counter {
        stored.sign_counter = c;
    }
    let regs = [stored.clone()];
    if let Ok(outcome) =
        world
            .rp
            .finish_authentication(&text, world.pending_auth(), &regs[..], world.now)
    {
        world.check_authentication(&text, &outcome, &stored, resigned.as_deref());
    }
}

// ---------------------------------------------------------------------------------------------
// Raw-input verifier targets
// ---------------------------------------------------------------------------------------------

/// `RelyingParty::finish_registration` on arbitrary text against Example 7's pending state,
/// and `verify_registration_assertion_unbound` on the raw bytes, in the specification world.
///
/// Invariant: the acceptance oracle; an unbound acceptance is of Example 8's signed KRD.
pub fn registration(data: &[u8]) {
    let w = spec_world();
    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(outcome) =
            w.rp.finish_registration(text, w.pending_reg(), &[][..], w.now)
        {
            w.check_registration(text, &outcome, None);
        }
    }
    if let Ok(key) =
        w.rp.verify_registration_assertion_unbound(data, "apa", &[][..], w.now)
    {
        let a = RegAssertion::parse(data).expect("an accepted assertion parses");
        assert!(
            w.signed_krds.contains(a.krd.raw),
            "unbound registration accepted an unsigned KRD"
        );
        assert_eq!(key.registration.key_id.as_bytes(), a.krd.key_id);
    }
}

/// `RelyingParty::finish_authentication` on arbitrary text against Example 9's pending state
/// and the key registered by Example 8, and `verify_authentication_assertion_unbound` on the
/// raw bytes.
///
/// Invariant: the acceptance oracle; an unbound acceptance is of Example 10's SignedData with
/// a counter above the stored one.
pub fn authentication(data: &[u8]) {
    let w = spec_world();
    let regs = [w.registration.clone()];
    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(outcome) =
            w.rp.finish_authentication(text, w.pending_auth(), &regs[..], w.now)
        {
            w.check_authentication(text, &outcome, &w.registration, None);
        }
    }
    if let Ok(key) =
        w.rp.verify_authentication_assertion_unbound(data, &regs[..])
    {
        let a = AuthAssertion::parse(data).expect("an accepted assertion parses");
        assert!(
            w.signed_data.contains(a.signed_data.raw),
            "unbound authentication accepted unsigned SignedData"
        );
        assert!(
            a.signed_data.sign_counter > w.registration.sign_counter,
            "unbound authentication accepted a lowered counter"
        );
        assert_eq!(key.registration, w.registration);
    }
}

/// The key the server-data target seals with.
const SERVER_DATA_KEY: [u8; 32] = [0x5d; 32];

/// The sealed (stateless) `serverData` reader: `ServerDataKey::open_registration`,
/// `open_authentication`, `sealed_username`.
///
/// Input: first byte 0 → the rest is `serverData` text as received; otherwise the rest is a
/// sealed body, to which the harness appends the right HMAC-SHA256 (so the parser behind the
/// MAC is reached), base64url-encoded. Invariant: an opened state belongs to the operation it
/// was opened for, and a request sealed by `seal_*` opens to the same challenge, user and
/// time.
pub fn server_data(data: &[u8]) {
    let Some((mode, body)) = data.split_first() else {
        return;
    };
    let key = ServerDataKey::new(SERVER_DATA_KEY);
    let text = if *mode == 0 {
        String::from_utf8_lossy(body).into_owned()
    } else {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&SERVER_DATA_KEY).expect("any key length");
        mac.update(body);
        let mut sealed = body.to_vec();
        sealed.extend_from_slice(&mac.finalize().into_bytes());
        b64::encode(&sealed)
    };
    let w = sim_world();
    let config = w.rp.config();
    let regs = [w.registration.clone()];
    if let Ok(p) = key.open_registration(config, &text, &regs) {
        assert_eq!(p.request().header.op, Operation::Reg);
        // Round trip: sealing the opened state again and opening it gives the same state
        // (unless it no longer fits in serverData).
        match key.seal_registration(&p) {
            Ok(again) => {
                let sd = again.header.server_data.clone().expect("sealed serverData");
                let q = key
                    .open_registration(config, &sd, &regs)
                    .expect("a sealed state opens");
                assert_eq!(q.request().challenge, p.request().challenge);
                assert_eq!(q.username(), p.username());
            }
            Err(e) => assert_eq!(
                e,
                SealError::TooLarge,
                "an opened registration state does not seal again"
            ),
        }
    }
    if let Ok(p) = key.open_authentication(config, &text, &regs) {
        assert_eq!(p.request().header.op, Operation::Auth);
        match key.seal_authentication(&p) {
            Ok(again) => {
                let sd = again.header.server_data.clone().expect("sealed serverData");
                let q = key
                    .open_authentication(config, &sd, &regs)
                    .expect("a sealed state opens");
                assert_eq!(q.request().challenge, p.request().challenge);
                assert_eq!(q.request().transaction, p.request().transaction);
                assert_eq!(q.username(), p.username());
            }
            Err(e) => assert_eq!(
                e,
                SealError::TooLarge,
                "an opened authentication state does not seal again"
            ),
        }
    }
    for op in [Operation::Reg, Operation::Auth, Operation::Dereg] {
        let _ = key.sealed_username(&text, op);
    }
}

// ---------------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------------

/// The metadata statement texts of the worlds (seeds of the `metadata` target).
pub(crate) fn statement_texts() -> Vec<String> {
    vec![
        statement_json(SIM_FULL_AAID, 15879, &[data::CHAIN_ROOT]),
        statement_json(SIM_SURROGATE_AAID, 15880, &[]),
        statement_json("ABCD#ABCD", 15879, &[data::spec_certificate()]),
    ]
}

/// Seeds of the relying-party targets, and the sim world's messages for the codec targets.
pub(crate) fn seeds(out: &mut Vec<(&'static str, Vec<u8>)>) {
    let mut push = |t: &'static str, d: &[u8]| out.push((t, d.to_vec()));
    let spec = spec_world();
    let sim = sim_world();
    // Raw-input verifier targets: the specification's messages and assertions.
    push("rp_registration", data::SPEC_REG_RESPONSE.as_bytes());
    push("rp_authentication", data::SPEC_AUTH_RESPONSE.as_bytes());
    push(
        "rp_authentication",
        data::CONFORMANCE_AUTH_RESPONSE.as_bytes(),
    );
    for w in [spec, sim] {
        for m in &w.reg {
            let json = m.to_json().expect("valid registration");
            let tlv = m.assertion().expect("valid assertion");
            for t in ["rp_registration", "reg_response", "json"] {
                push(t, json.as_bytes());
            }
            for t in ["rp_registration", "reg_assertion", "tlv"] {
                push(t, &tlv);
            }
            push("fc_params", m.fc_text.as_bytes());
            push("fc_params", m.fcp.to_json().as_bytes());
            push("base64", m.fc_text.as_bytes());
        }
        let json = w.auth.to_json().expect("valid authentication");
        let tlv = w.auth.assertion().expect("valid assertion");
        for t in ["rp_authentication", "auth_response", "json"] {
            push(t, json.as_bytes());
        }
        for t in ["rp_authentication", "auth_assertion", "tlv"] {
            push(t, &tlv);
        }
        push("fc_params", w.auth.fc_text.as_bytes());
        let reg_request = RegistrationRequest::array_to_json(core::slice::from_ref(&w.reg_request));
        let auth_request =
            AuthenticationRequest::array_to_json(core::slice::from_ref(&w.auth_request));
        for t in ["reg_request", "json"] {
            push(t, reg_request.as_bytes());
        }
        for t in ["auth_request", "json"] {
            push(t, auth_request.as_bytes());
        }
    }
    // Sealed serverData: as text, and as the body under the MAC.
    let key = ServerDataKey::new(SERVER_DATA_KEY);
    let sealed = [
        key.seal_registration(&sim.pending_reg())
            .ok()
            .and_then(|r| r.header.server_data),
        key.seal_authentication(&sim.pending_auth())
            .ok()
            .and_then(|r| r.header.server_data),
    ];
    for text in sealed.into_iter().flatten() {
        let mut seed = vec![0u8];
        seed.extend_from_slice(text.as_bytes());
        push("rp_server_data", &seed);
        if let Ok(bytes) = Base64Policy::Strict.decode(&text) {
            let body = bytes
                .get(..bytes.len().saturating_sub(32))
                .unwrap_or_default();
            let mut seed = vec![1u8];
            seed.extend_from_slice(body);
            push("rp_server_data", &seed);
        }
    }
    // Structured targets: byte strings that decode to each start, with and without
    // re-signing (found by a deterministic search).
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut reg_seen = BTreeSet::new();
    let mut auth_seen = BTreeSet::new();
    for _ in 0..20_000 {
        let len = usize::try_from(next() % 96 + 8).unwrap_or(8);
        let bytes: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
        if let Ok(c) = Case::<RegStart>::arbitrary_take_rest(Unstructured::new(&bytes)) {
            let key = (format!("{:?}", c.start), c.resign, c.fields.len().min(2));
            if reg_seen.insert(key) {
                push("rp_registration_mutation", &bytes);
            }
        }
        if let Ok(c) = Case::<AuthStart>::arbitrary_take_rest(Unstructured::new(&bytes)) {
            let key = (format!("{:?}", c.start), c.resign, c.fields.len().min(2));
            if auth_seen.insert(key) {
                push("rp_authentication_mutation", &bytes);
            }
        }
    }
    // The unmutated starts (all-zero input: first start, no fields, no edits).
    push("rp_registration_mutation", &[0u8; 16]);
    push("rp_authentication_mutation", &[0u8; 16]);
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use uaf_rp::ErrorKind;

    use super::*;

    fn reg_case(start: RegStart, fields: Vec<Field>, resign: bool) -> Case<RegStart> {
        Case {
            start,
            fields,
            resign,
            signed_edits: Vec::new(),
            signature_edits: Vec::new(),
            assertion_edits: Vec::new(),
            json_edits: Vec::new(),
            stored_counter: None,
        }
    }

    fn auth_case(fields: Vec<Field>, resign: bool, stored_counter: Option<u32>) -> Case<AuthStart> {
        Case {
            start: AuthStart::Sim,
            fields,
            resign,
            signed_edits: Vec::new(),
            signature_edits: Vec::new(),
            assertion_edits: Vec::new(),
            json_edits: Vec::new(),
            stored_counter,
        }
    }

    /// The valid registration's outcome (to present to the oracle with another text).
    fn valid_reg_outcome(w: &World, index: usize) -> RegistrationOutcome {
        let text = w.reg.get(index).unwrap().to_json().unwrap();
        w.rp.finish_registration(&text, w.pending_reg(), &[][..], w.now)
            .unwrap()
    }

    #[test]
    fn unmutated_cases_are_accepted_and_pass_the_oracle() {
        let w = sim_world();
        for start in [RegStart::SimBasicFull, RegStart::SimSurrogate] {
            // Re-signing with nothing changed gives the same bytes (deterministic signatures).
            let (text, resigned) = reg_case_text(w, &reg_case(start, Vec::new(), true)).unwrap();
            let outcome =
                w.rp.finish_registration(&text, w.pending_reg(), &[][..], w.now)
                    .unwrap();
            w.check_registration(&text, &outcome, resigned.as_deref());
        }
        let (text, _) = auth_case_text(w, &auth_case(Vec::new(), true, None)).unwrap();
        let regs = [w.registration.clone()];
        let outcome =
            w.rp.finish_authentication(&text, w.pending_auth(), &regs[..], w.now)
                .unwrap();
        w.check_authentication(&text, &outcome, &w.registration, None);
    }

    /// Each binding change, re-signed by the legitimate authenticator: the relying party
    /// rejects it at the right step, and the oracle would have flagged an acceptance.
    #[test]
    fn resigned_binding_changes_are_rejected_and_the_oracle_notices_them() {
        let w = sim_world();
        let cases = [
            (Field::Challenge(vec![0xc4; 32]), "challenge"),
            (
                Field::AppId("https://evil.example/facets.json".into()),
                "appID",
            ),
            (Field::Facet("https://evil.example".into()), "facet"),
            (Field::ServerData(Some("AAAA".into())), "serverData"),
            (
                Field::HeaderAppId(Some("https://evil.example/facets.json".into())),
                "header appID",
            ),
        ];
        let valid = valid_reg_outcome(w, 1);
        for (field, what) in cases {
            let (text, resigned) =
                reg_case_text(w, &reg_case(RegStart::SimSurrogate, vec![field], true)).unwrap();
            let err =
                w.rp.finish_registration(&text, w.pending_reg(), &[][..], w.now)
                    .unwrap_err();
            assert!(
                matches!(
                    err.kind,
                    ErrorKind::ChallengeMismatch
                        | ErrorKind::FcAppIdMismatch
                        | ErrorKind::UntrustedFacet { .. }
                        | ErrorKind::ServerDataMismatch
                        | ErrorKind::HeaderAppIdMismatch
                ),
                "{what}: {err}"
            );
            let oracle = catch_unwind(AssertUnwindSafe(|| {
                w.check_registration(&text, &valid, resigned.as_deref());
            }));
            assert!(oracle.is_err(), "the oracle accepts a changed {what}");
        }
    }

    #[test]
    fn an_edited_signed_byte_is_rejected_and_the_oracle_notices_it() {
        let w = sim_world();
        let mut case = reg_case(RegStart::SimBasicFull, Vec::new(), false);
        // A KeyID byte (inside the KRD, past the header and the AAID / info members).
        case.signed_edits = vec![ByteEdit {
            at: 40,
            op: EditOp::Xor(1),
        }];
        let (text, resigned) = reg_case_text(w, &case).unwrap();
        assert!(resigned.is_none());
        let err =
            w.rp.finish_registration(&text, w.pending_reg(), &[][..], w.now)
                .unwrap_err();
        assert!(
            !matches!(err.kind, ErrorKind::Message(_)),
            "rejected for the signature, not the syntax: {err}"
        );
        let valid = valid_reg_outcome(w, 0);
        let oracle = catch_unwind(AssertUnwindSafe(|| {
            w.check_registration(&text, &valid, None)
        }));
        assert!(oracle.is_err(), "the oracle accepts an unsigned KRD");
    }

    #[test]
    fn a_lowered_counter_is_rejected_and_the_oracle_notices_it() {
        let w = sim_world();
        let regs = [w.registration.clone()];
        let valid_text = w.auth.to_json().unwrap();
        let valid =
            w.rp.finish_authentication(&valid_text, w.pending_auth(), &regs[..], w.now)
                .unwrap();
        // Re-signed with counter 5 (= stored), and the valid response against a stored 6.
        for (fields, stored) in [(vec![Field::LowerCounter(1)], None), (Vec::new(), Some(6))] {
            let case = auth_case(fields, true, stored);
            let (text, resigned) = auth_case_text(w, &case).unwrap();
            let mut reg = w.registration.clone();
            if let Some(c) = stored {
                reg.sign_counter = c;
            }
            let err =
                w.rp.finish_authentication(&text, w.pending_auth(), &[reg.clone()][..], w.now)
                    .unwrap_err();
            let ErrorKind::NoAssertionVerified { first, .. } = &err.kind else {
                panic!("{err}")
            };
            assert!(
                matches!(first.kind, ErrorKind::CounterRegressed { .. }),
                "{first}"
            );
            let oracle = catch_unwind(AssertUnwindSafe(|| {
                w.check_authentication(&text, &valid, &reg, resigned.as_deref());
            }));
            assert!(
                oracle.is_err(),
                "the oracle accepts a counter that did not advance"
            );
        }
    }
}
