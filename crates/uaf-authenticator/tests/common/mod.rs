//! Helpers shared by the integration tests: an ASM's side of the command exchange, and the
//! checks a relying party makes (built on uaf-proto and uaf-crypto only).
#![allow(dead_code, unreachable_pub)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_authenticator::{Authenticator, KeyStorage, Profile, ScriptedUser};
use uaf_crypto::attestation::{ChainOptions, VerifiedChain, verify_attestation_chain};
use uaf_crypto::{PublicKey, verify};
use uaf_proto::assertion::{Attestation, AuthAssertion, RegAssertion};
use uaf_proto::command::{
    DeregisterCommand, DeregisterResponse, RegisterCommand, RegisterResponse, SignCommand,
    SignResponse, SignResponseContent,
};
use uaf_proto::id::Aaid;
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType, HashAlg};
use uaf_proto::status::CmdStatus;
use uaf_proto::tlv::TlvList;

pub const APP_ID: &str = "https://uaf.example.com/facets.json";
pub const TOKEN: &[u8] = b"KHAccessToken of the ASM";
pub const PIN: &str = "1234";
/// 2026-01-01T00:00:00Z: the relying party's clock in these tests.
pub const NOW: u64 = 1_767_225_600;

pub type Phone = Authenticator<ChaCha20Rng, ScriptedUser>;

pub fn aaid(s: &str) -> Aaid {
    Aaid::parse(s).unwrap()
}

/// The final challenge hash of an fcParams string (what the client computes).
pub fn fch(fc_params: &str) -> Vec<u8> {
    uaf_crypto::hash(HashAlg::Sha256, fc_params.as_bytes())
        .unwrap()
        .as_bytes()
        .to_vec()
}

pub fn default_fch() -> Vec<u8> {
    fch("eyJhcHBJRCI6Imh0dHBzOi8vdWFmLmV4YW1wbGUuY29tL2ZhY2V0cy5qc29uIn0")
}

pub fn phone(profile: Profile, seed: u64) -> Phone {
    Authenticator::new(
        profile,
        ChaCha20Rng::seed_from_u64(seed),
        ScriptedUser::approving(PIN),
    )
    .unwrap()
}

pub fn phone_with(profile: Profile, seed: u64, user: ScriptedUser) -> Phone {
    Authenticator::new(profile, ChaCha20Rng::seed_from_u64(seed), user).unwrap()
}

pub fn register_cmd(username: &str, attestation: AttestationType, fch: &[u8]) -> Vec<u8> {
    RegisterCommand {
        authenticator_index: 0,
        app_id: Some(APP_ID),
        final_challenge_hash: fch,
        username,
        attestation_type: attestation,
        kh_access_token: TOKEN,
        user_verify_token: None,
        extensions: TlvList::empty(),
    }
    .encode()
    .unwrap()
}

pub fn sign_cmd(handles: &[Vec<u8>], transaction: Option<&[u8]>, fch: &[u8]) -> Vec<u8> {
    sign_cmd_with(handles, transaction, fch, TOKEN, Some(APP_ID))
}

pub fn sign_cmd_with(
    handles: &[Vec<u8>],
    transaction: Option<&[u8]>,
    fch: &[u8],
    token: &[u8],
    app_id: Option<&str>,
) -> Vec<u8> {
    let refs: Vec<&[u8]> = handles.iter().map(Vec::as_slice).collect();
    SignCommand {
        authenticator_index: 0,
        app_id,
        final_challenge_hash: fch,
        transaction_content: transaction,
        kh_access_token: token,
        user_verify_token: None,
        key_handles: TlvList::from_slice(&refs),
        extensions: TlvList::empty(),
    }
    .encode()
    .unwrap()
}

pub fn dereg_cmd(key_id: &[u8], token: &[u8]) -> Vec<u8> {
    DeregisterCommand {
        authenticator_index: 0,
        app_id: Some(APP_ID),
        key_id,
        kh_access_token: token,
        extensions: TlvList::empty(),
    }
    .encode()
    .unwrap()
}

/// What the ASM and the relying party keep of one registration.
#[derive(Clone, Debug)]
pub struct Registered {
    pub assertion: Vec<u8>,
    pub key_handle: Option<Vec<u8>>,
    pub key_id: Vec<u8>,
    pub public_key: Vec<u8>,
    pub sign_counter: u32,
}

impl Registered {
    /// The `TAG_KEYHANDLE`s the ASM sends in Sign for this key.
    pub fn handles(&self, profile: &Profile) -> Vec<Vec<u8>> {
        match (profile.key_storage(), &self.key_handle) {
            (KeyStorage::Wrapped, Some(kh)) => vec![kh.clone()],
            // Second-factor wrapped (KeyID = key handle) and internal storage: the KeyID.
            _ => vec![self.key_id.clone()],
        }
    }
}

/// Sends Register and returns the response's pieces (status must be OK). The KeyID and key
/// are read from the assertion without validating it (faults may be armed).
pub fn register_raw(phone: &mut Phone, username: &str) -> (Vec<u8>, Option<Vec<u8>>) {
    let cmd = register_cmd(username, phone.profile().attestation_type(), &default_fch());
    let response = phone.process(&cmd);
    let r = RegisterResponse::parse(&response).unwrap();
    assert_eq!(r.status, CmdStatus::Ok);
    (
        r.assertion.unwrap().to_vec(),
        r.key_handle.map(<[u8]>::to_vec),
    )
}

/// Registers and checks the assertion parses.
pub fn register(phone: &mut Phone, username: &str) -> Registered {
    let (assertion, key_handle) = register_raw(phone, username);
    let parsed = RegAssertion::parse(&assertion).unwrap();
    Registered {
        key_id: parsed.krd.key_id.to_vec(),
        public_key: parsed.krd.pub_key.to_vec(),
        sign_counter: parsed.krd.sign_counter,
        assertion,
        key_handle,
    }
}

/// Sends a Sign command; returns the status and the assertion, if any.
pub fn sign_raw(phone: &mut Phone, cmd: &[u8]) -> (CmdStatus, Option<Vec<u8>>) {
    let response = phone.process(cmd);
    let r = SignResponse::parse(&response).unwrap();
    match r.content {
        SignResponseContent::Assertion(a) => (r.status, Some(a.to_vec())),
        _ => (r.status, None),
    }
}

/// Authenticates with `reg` and returns the assertion bytes (status must be OK).
pub fn authenticate(phone: &mut Phone, reg: &Registered, transaction: Option<&[u8]>) -> Vec<u8> {
    let cmd = sign_cmd(&reg.handles(phone.profile()), transaction, &default_fch());
    let (status, assertion) = sign_raw(phone, &cmd);
    assert_eq!(status, CmdStatus::Ok);
    assertion.expect("an assertion")
}

pub fn sign_status(phone: &mut Phone, cmd: &[u8]) -> CmdStatus {
    sign_raw(phone, cmd).0
}

pub fn dereg_status(phone: &mut Phone, key_id: &[u8], token: &[u8]) -> CmdStatus {
    DeregisterResponse::parse(&phone.process(&dereg_cmd(key_id, token)))
        .unwrap()
        .status
}

/// Validates the chain of a basic full assertion against `roots`.
pub fn verify_chain(
    reg: &RegAssertion<'_>,
    roots: &[Vec<u8>],
) -> Result<VerifiedChain, uaf_crypto::attestation::AttestationError> {
    let chain: Vec<&[u8]> = reg.attestation.certificates().iter().collect();
    let roots: Vec<&[u8]> = roots.iter().map(Vec::as_slice).collect();
    verify_attestation_chain(
        &chain,
        &roots,
        Some(&reg.krd.aaid),
        NOW,
        &ChainOptions::new(),
    )
}

/// The attestation key (from the leaf certificate) of a basic full assertion, without chain
/// validation.
pub fn leaf_key(reg: &RegAssertion<'_>, roots: &[Vec<u8>]) -> PublicKey {
    let chain = verify_chain(reg, roots).unwrap();
    PublicKey::decode(AlgKey::EccX962Der, chain.leaf_spki_der()).unwrap()
}

/// Verifies a registration assertion as a relying party does (digest §3.2 R5.6–R5.11):
/// algorithms, final challenge hash, KeyID length, counters, public key, attestation.
pub fn check_registration(profile: &Profile, roots: &[Vec<u8>], bytes: &[u8], fch: &[u8]) {
    let reg = RegAssertion::parse(bytes).unwrap();
    let info = reg.krd.assertion_info;
    assert_eq!(reg.krd.aaid, profile.aaid());
    assert_eq!(info.authentication_mode, 0x01);
    assert_eq!(info.sign_alg, profile.sign_alg());
    assert_eq!(info.pub_key_alg, profile.key_encoding());
    assert_eq!(info.authenticator_version, profile.authenticator_version());
    assert_eq!(reg.krd.final_challenge_hash, fch);
    assert!((32..=2048).contains(&reg.krd.key_id.len()));
    let uauth = PublicKey::decode_for(info.sign_alg, info.pub_key_alg, reg.krd.pub_key).unwrap();
    match reg.attestation {
        Attestation::BasicFull { signature, .. } => {
            assert_eq!(profile.attestation_type(), AttestationType::BasicFull);
            let chain = verify_chain(&reg, roots).unwrap();
            assert_eq!(chain.leaf_aaid(), Some(profile.aaid()));
            let att_key = PublicKey::decode(AlgKey::EccX962Der, chain.leaf_spki_der()).unwrap();
            verify(info.sign_alg, &att_key, reg.krd.raw, signature).unwrap();
        }
        Attestation::BasicSurrogate { signature } => {
            assert_eq!(profile.attestation_type(), AttestationType::BasicSurrogate);
            assert!(roots.is_empty());
            verify(info.sign_alg, &uauth, reg.krd.raw, signature).unwrap();
        }
        Attestation::Ecdaa { .. } => panic!("no ECDAA"),
    }
}

/// Verifies an authentication assertion against the registration (digest §3.3 A5).
pub fn check_authentication(
    profile: &Profile,
    reg: &Registered,
    bytes: &[u8],
    fch: &[u8],
    transaction: Option<&[u8]>,
) -> u32 {
    let auth = AuthAssertion::parse(bytes).unwrap();
    let sd = auth.signed_data;
    assert_eq!(sd.aaid, profile.aaid());
    assert_eq!(sd.assertion_info.sign_alg, profile.sign_alg());
    assert_eq!(sd.key_id, reg.key_id.as_slice());
    assert_eq!(sd.final_challenge_hash, fch);
    assert!(sd.authenticator_nonce.len() >= 8);
    match transaction {
        Some(content) => {
            assert_eq!(sd.assertion_info.authentication_mode, 0x02);
            assert_eq!(sd.transaction_content_hash, fch_of_bytes(content));
        }
        None => {
            assert_eq!(sd.assertion_info.authentication_mode, 0x01);
            assert!(sd.transaction_content_hash.is_empty());
        }
    }
    let key =
        PublicKey::decode_for(profile.sign_alg(), profile.key_encoding(), &reg.public_key).unwrap();
    verify(profile.sign_alg(), &key, sd.raw, auth.signature).unwrap();
    sd.sign_counter
}

pub fn fch_of_bytes(data: &[u8]) -> Vec<u8> {
    uaf_crypto::hash(HashAlg::Sha256, data)
        .unwrap()
        .as_bytes()
        .to_vec()
}

/// Every algorithm × key encoding this crate signs.
pub fn algorithms() -> Vec<(AlgSign, AlgKey)> {
    let algs = [
        AlgSign::Secp256r1EcdsaSha256Raw,
        AlgSign::Secp256r1EcdsaSha256Der,
        AlgSign::Secp256k1EcdsaSha256Raw,
        AlgSign::Secp256k1EcdsaSha256Der,
    ];
    let encodings = [AlgKey::EccX962Raw, AlgKey::EccX962Der, AlgKey::Cose];
    algs.iter()
        .flat_map(|a| encodings.iter().map(move |e| (*a, *e)))
        .collect()
}
