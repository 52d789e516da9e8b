//! The client driving the simulated authenticator of `uaf-authenticator` through command
//! TLVs only: registration, sign-in, transaction confirmation, wrong PIN, deregistration,
//! determinism, and authenticator faults passed through unchanged.

// Test helpers outside #[test] functions unwrap and index too.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::Digest as _;
use uaf_authenticator::{
    AttestationConfig, Authenticator, Fault, KeyStorage, Profile, ScriptedUser, TransactionDisplay,
    UserAction,
};
use uaf_client::{
    AuthenticatorOptions, AuthenticatorTransport, Client, ClientConfig, ClientError, ClientOutcome,
    ClientRequest, ClientResponse, CommandKind,
};
use uaf_crypto::PublicKey;
use uaf_proto::assertion::{Attestation, AuthAssertion, RegAssertion};
use uaf_proto::b64::Base64Policy;
use uaf_proto::id::{Aaid, AppId};
use uaf_proto::message::{
    AuthenticationRequest, AuthenticationResponse, DecodeOptions, DeregisterAuthenticator,
    DeregistrationRequest, DisplayPngCharacteristicsDescriptor, MatchCriteria, Operation,
    OperationHeader, Policy, RegistrationRequest, RegistrationResponse, ServerChallenge,
    Transaction, Version,
};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType, UserVerify};
use uaf_proto::status::{ClientErrorCode, CmdStatus};

const APP_ID: &str = "https://login.example.com/uaf/facets";
const FACET: &str = "https://login.example.com";
const PIN: &str = "1234";

type Phone = Authenticator<ChaCha20Rng, ScriptedUser>;

/// Records every response the authenticator gives.
struct Recording {
    phone: Phone,
    responses: Vec<Vec<u8>>,
}

impl AuthenticatorTransport for Recording {
    fn send(&mut self, command: &[u8]) -> Vec<u8> {
        let response = self.phone.send(command);
        self.responses.push(response.clone());
        response
    }
}

fn aaid() -> Aaid {
    Aaid::parse("FFFF#FC01").unwrap()
}

fn phone_with(
    seed: u64,
    build: impl FnOnce(uaf_authenticator::ProfileBuilder) -> uaf_authenticator::ProfileBuilder,
) -> Phone {
    let profile = build(Profile::builder(aaid())).build().unwrap();
    Authenticator::new(
        profile,
        ChaCha20Rng::seed_from_u64(seed),
        ScriptedUser::approving(PIN),
    )
    .unwrap()
}

fn client_for(phone: Phone, seed: u64) -> Client<Recording> {
    let mut client = Client::new(
        ClientConfig::default(),
        &mut ChaCha20Rng::seed_from_u64(seed),
    );
    client.add_authenticator(
        Recording {
            phone,
            responses: Vec::new(),
        },
        AuthenticatorOptions::with_version(1),
    );
    client
}

fn header(op: Operation) -> OperationHeader {
    let mut h = OperationHeader::new(Version::V1_1, op);
    h.app_id = Some(AppId::new(APP_ID).unwrap());
    h.server_data = Some("sd".into());
    h
}

fn policy() -> Policy {
    Policy {
        accepted: vec![vec![MatchCriteria {
            aaid: Some(vec![aaid()]),
            ..MatchCriteria::default()
        }]],
        disallowed: vec![],
    }
}

fn reg_text() -> String {
    RegistrationRequest {
        header: header(Operation::Reg),
        challenge: ServerChallenge::new(vec![1; 32]).unwrap(),
        username: "alice".into(),
        policy: policy(),
    }
    .to_json()
}

fn auth_text(transaction: Vec<Transaction>) -> String {
    AuthenticationRequest {
        header: header(Operation::Auth),
        challenge: ServerChallenge::new(vec![2; 32]).unwrap(),
        transaction,
        policy: policy(),
    }
    .to_json()
}

fn dereg_text() -> String {
    DeregistrationRequest {
        header: header(Operation::Dereg),
        authenticators: vec![DeregisterAuthenticator::AllOfAaid(aaid())],
    }
    .to_json()
}

fn process(client: &mut Client<Recording>, text: &str) -> Result<ClientOutcome, ClientError> {
    client.process(&ClientRequest::new(text, FACET))
}

fn respond(client: &mut Client<Recording>, text: &str) -> ClientResponse {
    process(client, text).unwrap().response().cloned().unwrap()
}

fn sha256(data: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(data).to_vec()
}

/// Registers, then signs in, and checks both signatures.
fn round_trip(client: &mut Client<Recording>, alg: AlgSign, encoding: AlgKey) {
    let reg = respond(client, &reg_text());
    let parsed =
        RegistrationResponse::parse_array(&reg.message, &DecodeOptions::default()).unwrap();
    let tlv = parsed.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    let krd = RegAssertion::parse(&tlv).unwrap().krd;
    assert_eq!(
        krd.final_challenge_hash,
        sha256(parsed.fc_params.as_bytes())
    );
    assert_eq!(krd.assertion_info.sign_alg, alg);
    assert_eq!(krd.assertion_info.pub_key_alg, encoding);
    let key = PublicKey::decode_for(alg, encoding, krd.pub_key).unwrap();

    let auth = respond(client, &auth_text(vec![]));
    let parsed =
        AuthenticationResponse::parse_array(&auth.message, &DecodeOptions::default()).unwrap();
    let tlv = parsed.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    let a = AuthAssertion::parse(&tlv).unwrap();
    assert_eq!(
        a.signed_data.final_challenge_hash,
        sha256(parsed.fc_params.as_bytes())
    );
    assert_eq!(a.signed_data.key_id, krd.key_id);
    uaf_crypto::verify(alg, &key, a.signed_data.raw, a.signature).unwrap();
}

#[test]
fn phone_sign_in_with_basic_full_attestation() {
    let mut client = client_for(phone_with(1, |b| b), 1);
    let reg = respond(&mut client, &reg_text());
    let parsed =
        RegistrationResponse::parse_array(&reg.message, &DecodeOptions::default()).unwrap();
    let tlv = parsed.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    let assertion = RegAssertion::parse(&tlv).unwrap();
    assert!(matches!(
        assertion.attestation,
        Attestation::BasicFull { .. }
    ));
    // The wrapped key handle is kept by the client (ASM).
    assert_eq!(client.registrations().len(), 1);
    let stored = client.registrations()[0].clone();
    assert_eq!(stored.key_id().as_bytes(), assertion.krd.key_id);
    assert!(stored.key_handle().is_some());
    assert_eq!(client.authenticator(0).unwrap().phone.stored_key_count(), 0);
    // The user was asked once, for the PIN.
    assert_eq!(
        client
            .authenticator(0)
            .unwrap()
            .phone
            .user()
            .verifications()
            .len(),
        1
    );

    let auth = respond(&mut client, &auth_text(vec![]));
    assert_eq!(
        auth.authenticators[0].key_id.as_ref(),
        Some(stored.key_id())
    );
}

#[test]
fn every_signing_algorithm_and_key_encoding() {
    let mut combos = vec![
        (AlgSign::Secp256r1EcdsaSha256Raw, AlgKey::EccX962Raw),
        (AlgSign::Secp256r1EcdsaSha256Der, AlgKey::EccX962Der),
        (AlgSign::Secp256r1EcdsaSha256Raw, AlgKey::Cose),
        (AlgSign::Secp256k1EcdsaSha256Raw, AlgKey::EccX962Raw),
        (AlgSign::Secp256k1EcdsaSha256Der, AlgKey::EccX962Der),
    ];
    combos.push((AlgSign::Secp256k1EcdsaSha256Der, AlgKey::Cose));
    for (seed, (alg, encoding)) in (10..).zip(combos) {
        for attestation in [
            AttestationConfig::GenerateBasicFull,
            AttestationConfig::BasicSurrogate,
        ] {
            let phone = phone_with(seed, |b| {
                b.algorithm(alg, encoding).attestation(attestation)
            });
            let mut client = client_for(phone, seed);
            round_trip(&mut client, alg, encoding);
        }
    }
}

#[test]
fn transaction_text_is_shown_and_signed() {
    let mut client = client_for(
        phone_with(2, |b| b.transaction_display(TransactionDisplay::Text)),
        2,
    );
    respond(&mut client, &reg_text());
    let text = "Sign in on https://login.example.com? Code 4711";
    let variants = vec![png_transaction(64, 64), Transaction::text(text).unwrap()];
    let auth = respond(&mut client, &auth_text(variants));
    assert_eq!(auth.authenticators[0].transaction, Some(1));
    let shown = client
        .authenticator(0)
        .unwrap()
        .phone
        .user()
        .shown_transactions();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].content, text.as_bytes());
    let parsed =
        AuthenticationResponse::parse_array(&auth.message, &DecodeOptions::default()).unwrap();
    let tlv = parsed.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    let a = AuthAssertion::parse(&tlv).unwrap();
    assert_eq!(a.signed_data.assertion_info.authentication_mode, 2);
    assert_eq!(
        a.signed_data.transaction_content_hash,
        sha256(text.as_bytes())
    );
}

fn png_transaction(width: u32, height: u32) -> Transaction {
    Transaction {
        content_type: "image/png".into(),
        content: vec![0x89, b'P', b'N', b'G', 1, 2, 3],
        tc_display_png_characteristics: Some(DisplayPngCharacteristicsDescriptor {
            width,
            height,
            bit_depth: 8,
            color_type: 6,
            compression: 0,
            filter: 0,
            interlace: 0,
            plte: vec![],
        }),
    }
}

#[test]
fn transaction_png_matching_the_display() {
    let display =
        TransactionDisplay::Png(vec![DisplayPngCharacteristicsDescriptor::rgba(320, 240)]);
    let mut client = client_for(phone_with(3, |b| b.transaction_display(display)), 3);
    let reg = respond(&mut client, &reg_text());
    let parsed =
        RegistrationResponse::parse_array(&reg.message, &DecodeOptions::default()).unwrap();
    assert_eq!(
        parsed.assertions[0].tc_display_png_characteristics[0].width,
        320
    );
    let variants = vec![
        Transaction::text("code 1").unwrap(),
        png_transaction(100, 100),
        png_transaction(320, 240),
    ];
    let auth = respond(&mut client, &auth_text(variants));
    assert_eq!(auth.authenticators[0].transaction, Some(2));
    // No rendering it can show.
    let err = process(&mut client, &auth_text(vec![png_transaction(100, 100)])).unwrap_err();
    assert_eq!(err.code(), ClientErrorCode::NoSuitableAuthenticator);
}

#[test]
fn wrong_pin_is_refused_on_the_phone() {
    let mut client = client_for(phone_with(4, |b| b), 4);
    respond(&mut client, &reg_text());
    let phone = &mut client.authenticator_mut(0).unwrap().phone;
    phone.user_mut().push(UserAction::EnterPin("0000".into()));
    let err = process(&mut client, &auth_text(vec![])).unwrap_err();
    assert_eq!(
        err,
        ClientError::Authenticator {
            aaid: aaid(),
            command: CommandKind::Sign,
            status: CmdStatus::AccessDenied
        }
    );
    assert_eq!(err.code(), ClientErrorCode::AuthenticatorAccessDenied);
    // The next attempt with the right PIN works.
    assert!(process(&mut client, &auth_text(vec![])).is_ok());
}

#[test]
fn deregistration_removes_the_keys() {
    for storage in [KeyStorage::Wrapped, KeyStorage::Internal] {
        let mut client = client_for(phone_with(5, |b| b.key_storage(storage)), 5);
        respond(&mut client, &reg_text());
        let inside = client.authenticator(0).unwrap().phone.stored_key_count();
        assert_eq!(inside, usize::from(storage == KeyStorage::Internal));
        respond(&mut client, &auth_text(vec![]));
        let ClientOutcome::Deregistration(report) = process(&mut client, &dereg_text()).unwrap()
        else {
            panic!()
        };
        assert_eq!(report.removed.len(), 1, "{storage:?}: {report:?}");
        assert!(report.failed.is_empty());
        assert!(client.registrations().is_empty());
        assert_eq!(client.authenticator(0).unwrap().phone.stored_key_count(), 0);
        let err = process(&mut client, &auth_text(vec![])).unwrap_err();
        assert_eq!(err.code(), ClientErrorCode::NoSuitableAuthenticator);
    }
}

#[test]
fn same_seed_same_bytes() {
    let session = |seed: u64| {
        let mut client = client_for(phone_with(seed, |b| b), seed);
        let reg = respond(&mut client, &reg_text()).message;
        let auth = respond(&mut client, &auth_text(vec![])).message;
        (reg, auth)
    };
    assert_eq!(session(21), session(21));
    assert_ne!(session(21), session(22));
}

#[test]
fn authenticator_faults_reach_the_server_unchanged() {
    for fault in [
        Fault::RegTrailingBytes,
        Fault::AttestationSignatureCorrupt,
        Fault::RegKeyIdTooShort,
    ] {
        let mut phone = phone_with(6, |b| b);
        phone.arm(fault).unwrap();
        let mut client = client_for(phone, 6);
        let reg = respond(&mut client, &reg_text());
        let parsed =
            RegistrationResponse::parse_array(&reg.message, &DecodeOptions::default()).unwrap();
        let sent = parsed.assertions[0]
            .decode_assertion(Base64Policy::Strict)
            .unwrap();
        let made = client
            .authenticator(0)
            .unwrap()
            .responses
            .last()
            .unwrap()
            .clone();
        let made = uaf_proto::command::RegisterResponse::parse(&made)
            .unwrap()
            .assertion
            .unwrap()
            .to_vec();
        assert_eq!(sent, made, "{fault:?}");
        assert_eq!(
            client.authenticator(0).unwrap().phone.last_applied(),
            [fault]
        );
    }
}

#[test]
fn the_first_listed_attestation_type_the_authenticator_makes_is_requested() {
    let mut client = client_for(
        phone_with(7, |b| b.attestation(AttestationConfig::BasicSurrogate)),
        7,
    );
    let text = RegistrationRequest {
        header: header(Operation::Reg),
        challenge: ServerChallenge::new(vec![1; 32]).unwrap(),
        username: "alice".into(),
        policy: Policy {
            accepted: vec![vec![MatchCriteria {
                authentication_algorithms: Some(vec![AlgSign::Secp256r1EcdsaSha256Raw]),
                assertion_schemes: Some(vec!["UAFV1TLV".into()]),
                attestation_types: Some(vec![
                    AttestationType::BasicFull,
                    AttestationType::BasicSurrogate,
                ]),
                user_verification: Some(UserVerify::PASSCODE),
                ..MatchCriteria::default()
            }]],
            disallowed: vec![],
        },
    }
    .to_json();
    let reg = respond(&mut client, &text);
    let parsed =
        RegistrationResponse::parse_array(&reg.message, &DecodeOptions::default()).unwrap();
    let tlv = parsed.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    assert!(matches!(
        RegAssertion::parse(&tlv).unwrap().attestation,
        Attestation::BasicSurrogate { .. }
    ));
}
