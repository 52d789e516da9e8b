//! The client against a small in-test authenticator (`common::Mini`): requests in, command
//! TLVs checked, responses parsed back with `uaf-proto` and verified with `uaf-crypto`.

// Test helpers outside #[test] functions unwrap and index too.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{Info, Mini, User, png};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::Digest as _;
use uaf_client::{
    AuthenticatorOptions, Client, ClientConfig, ClientError, ClientFault, ClientOutcome,
    ClientRequest, ClientResponse, ExclusionReason, FacetError, FnTransport,
};
use uaf_crypto::PublicKey;
use uaf_proto::assertion::{Attestation, AuthAssertion, RegAssertion};
use uaf_proto::b64::Base64Policy;
use uaf_proto::command::{Command, SignCommand};
use uaf_proto::id::{Aaid, AppId, KeyId};
use uaf_proto::message::{
    AcceptedSetFailure, AuthenticationRequest, AuthenticationResponse, ChannelBinding,
    CriteriaMismatch, DecodeOptions, DeregisterAuthenticator, DeregistrationRequest, Extension,
    FinalChallengeParams, MatchCriteria, Operation, OperationHeader, Policy, RegistrationRequest,
    RegistrationResponse, ServerChallenge, Transaction, TrustedFacetList, TrustedFacets, Version,
};
use uaf_proto::registry::{AlgKey, AlgSign, AuthenticatorType, TcDisplay, UserVerify};
use uaf_proto::status::{ClientErrorCode, CmdStatus};

const APP_ID: &str = "https://uaf.example.com/uaf/facets";
/// Same host as the AppID: accepted without a trusted facet list.
const FACET: &str = "https://uaf.example.com";
const ASM_TOKEN: [u8; 32] = [0x42; 32];
const SERVER_DATA: &str = "server-data-1";

fn challenge(b: u8) -> ServerChallenge {
    ServerChallenge::new(vec![b; 32]).unwrap()
}

fn header(op: Operation, upv: Version, app_id: Option<&str>) -> OperationHeader {
    let mut h = OperationHeader::new(upv, op);
    h.app_id = app_id.map(|a| AppId::new(a).unwrap());
    h.server_data = Some(SERVER_DATA.into());
    h
}

fn p256() -> MatchCriteria {
    MatchCriteria {
        authentication_algorithms: Some(vec![AlgSign::Secp256r1EcdsaSha256Raw]),
        assertion_schemes: Some(vec!["UAFV1TLV".into()]),
        ..MatchCriteria::default()
    }
}

fn aaid(s: &str) -> Aaid {
    Aaid::parse(s).unwrap()
}

fn only(criteria: MatchCriteria) -> Policy {
    Policy {
        accepted: vec![vec![criteria]],
        disallowed: vec![],
    }
}

fn reg_text(policy: Policy, username: &str) -> String {
    RegistrationRequest {
        header: header(Operation::Reg, Version::V1_1, Some(APP_ID)),
        challenge: challenge(1),
        username: username.into(),
        policy,
    }
    .to_json()
}

fn auth_request(policy: Policy, transaction: Vec<Transaction>) -> AuthenticationRequest {
    AuthenticationRequest {
        header: header(Operation::Auth, Version::V1_1, Some(APP_ID)),
        challenge: challenge(2),
        transaction,
        policy,
    }
}

fn auth_text(policy: Policy, transaction: Vec<Transaction>) -> String {
    auth_request(policy, transaction).to_json()
}

fn client_with(minis: Vec<Mini>) -> Client<Mini> {
    let mut c = Client::with_asm_token(ClientConfig::default(), ASM_TOKEN);
    for m in minis {
        c.add_authenticator(m, AuthenticatorOptions::with_version(1));
    }
    c
}

fn phone_client() -> Client<Mini> {
    client_with(vec![Mini::phone(1)])
}

fn run(client: &mut Client<Mini>, text: &str) -> Result<ClientOutcome, ClientError> {
    client.process(&ClientRequest::new(text, FACET))
}

fn response(outcome: ClientOutcome) -> ClientResponse {
    outcome.response().cloned().unwrap()
}

fn register(client: &mut Client<Mini>, username: &str) -> ClientResponse {
    response(run(client, &reg_text(only(p256()), username)).unwrap())
}

fn sha256(data: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(data).to_vec()
}

fn last_command(client: &Client<Mini>, transport: usize) -> Vec<u8> {
    client
        .authenticator(transport)
        .unwrap()
        .commands
        .last()
        .unwrap()
        .clone()
}

/// The KHAccessToken a bound authenticator must get for this test's caller.
fn bound_token(app_id: &str, facet: &str) -> Vec<u8> {
    sha256(&[app_id.as_bytes(), &ASM_TOKEN, facet.as_bytes()].concat())
}

#[test]
fn registration_response_has_the_spec_shape_and_verifies() {
    let mut client = phone_client();
    let out = run(&mut client, &reg_text(only(p256()), "alice")).unwrap();
    let ClientOutcome::Registration(r) = out else {
        panic!("{out:?}")
    };
    assert_eq!(r.upv, Version::V1_1);
    assert_eq!(r.app_id.as_str(), APP_ID);

    let parsed = RegistrationResponse::parse_array(&r.message, &DecodeOptions::default()).unwrap();
    // Header echoes the request.
    assert_eq!(parsed.header.upv, Version::V1_1);
    assert_eq!(parsed.header.op, Operation::Reg);
    assert_eq!(
        parsed.header.app_id.as_ref().map(AppId::as_str),
        Some(APP_ID)
    );
    assert_eq!(parsed.header.server_data.as_deref(), Some(SERVER_DATA));
    // fcParams.
    assert_eq!(parsed.fc_params, r.fc_params);
    let fcp = parsed.fc_params(Base64Policy::Strict).unwrap();
    assert_eq!(fcp.app_id.as_str(), APP_ID);
    assert_eq!(fcp.challenge, challenge(1));
    assert_eq!(fcp.facet_id, FACET);
    assert!(fcp.channel_binding.is_empty());
    // The assertion: FCH = SHA-256(fcParams text), surrogate signature verifies.
    assert_eq!(parsed.assertions.len(), 1);
    assert_eq!(parsed.assertions[0].assertion_scheme, "UAFV1TLV");
    let tlv = parsed.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    let reg = RegAssertion::parse(&tlv).unwrap();
    assert_eq!(
        reg.krd.final_challenge_hash,
        sha256(parsed.fc_params.as_bytes())
    );
    assert_eq!(reg.krd.aaid, aaid("ABCD#0001"));
    let Attestation::BasicSurrogate { signature } = reg.attestation else {
        panic!()
    };
    let key = PublicKey::decode(AlgKey::EccX962Raw, reg.krd.pub_key).unwrap();
    uaf_crypto::verify(
        AlgSign::Secp256r1EcdsaSha256Raw,
        &key,
        reg.krd.raw,
        signature,
    )
    .unwrap();

    // The Register command: index, AppID, FCH, username, attestation type, KHAccessToken.
    let cmd = last_command(&client, 0);
    let Ok(Command::Register(c)) = Command::parse(&cmd) else {
        panic!()
    };
    assert_eq!(c.authenticator_index, 0);
    assert_eq!(c.app_id, Some(APP_ID));
    assert_eq!(c.final_challenge_hash, reg.krd.final_challenge_hash);
    assert_eq!(c.username, "alice");
    assert_eq!(c.kh_access_token, bound_token(APP_ID, FACET));

    // The ASM keeps the key handle and the KeyID for the AppID.
    let [stored] = client.registrations() else {
        panic!()
    };
    assert_eq!(stored.key_id().as_bytes(), reg.krd.key_id);
    assert_eq!(stored.app_id().as_str(), APP_ID);
    assert_eq!(stored.username(), "alice");
    assert!(stored.key_handle().is_some());
    assert_eq!(r.authenticators[0].key_id.as_ref(), Some(stored.key_id()));
}

#[test]
fn authentication_response_has_the_spec_shape_and_verifies() {
    let mut client = phone_client();
    let reg = register(&mut client, "alice");
    let reg_tlv = RegistrationResponse::parse_array(&reg.message, &DecodeOptions::default())
        .unwrap()
        .assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    let krd = RegAssertion::parse(&reg_tlv).unwrap().krd;
    let key = PublicKey::decode(AlgKey::EccX962Raw, krd.pub_key).unwrap();

    let out = run(&mut client, &auth_text(only(p256()), vec![])).unwrap();
    let ClientOutcome::Authentication(r) = out else {
        panic!("{out:?}")
    };
    let parsed =
        AuthenticationResponse::parse_array(&r.message, &DecodeOptions::default()).unwrap();
    assert_eq!(parsed.header.op, Operation::Auth);
    assert_eq!(parsed.header.server_data.as_deref(), Some(SERVER_DATA));
    let fcp = parsed.fc_params(Base64Policy::Strict).unwrap();
    assert_eq!(fcp.challenge, challenge(2));
    let tlv = parsed.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    let a = AuthAssertion::parse(&tlv).unwrap();
    assert_eq!(
        a.signed_data.final_challenge_hash,
        sha256(parsed.fc_params.as_bytes())
    );
    assert_eq!(a.signed_data.key_id, krd.key_id);
    assert_eq!(a.signed_data.assertion_info.authentication_mode, 1);
    assert!(a.signed_data.transaction_content_hash.is_empty());
    uaf_crypto::verify(
        AlgSign::Secp256r1EcdsaSha256Raw,
        &key,
        a.signed_data.raw,
        a.signature,
    )
    .unwrap();

    // The Sign command carries the kept key handle and the same KHAccessToken.
    let cmd = last_command(&client, 0);
    let Ok(Command::Sign(c)) = Command::parse(&cmd) else {
        panic!()
    };
    assert_eq!(c.kh_access_token, bound_token(APP_ID, FACET));
    let handles: Vec<&[u8]> = c.key_handles.iter().collect();
    assert_eq!(handles, [client.registrations()[0].key_handle().unwrap()]);
    assert_eq!(c.transaction_content, None);
    assert_eq!(
        r.authenticators[0].key_id.as_ref().unwrap().as_bytes(),
        krd.key_id
    );
}

#[test]
fn highest_supported_version_is_answered() {
    let both = |upv_list: &[Version]| {
        let reqs: Vec<RegistrationRequest> = upv_list
            .iter()
            .map(|v| RegistrationRequest {
                header: header(Operation::Reg, *v, Some(APP_ID)),
                challenge: challenge(1),
                username: "alice".into(),
                policy: only(p256()),
            })
            .collect();
        RegistrationRequest::array_to_json(&reqs)
    };
    let mut client = phone_client();
    let r = response(run(&mut client, &both(&[Version::V1_0, Version::V1_1])).unwrap());
    assert_eq!(r.upv, Version::V1_1);
    let parsed = RegistrationResponse::parse_array(&r.message, &DecodeOptions::default()).unwrap();
    assert_eq!(parsed.header.upv, Version::V1_1);
    // A 1.0-only client answers the 1.0 message.
    let mut config = ClientConfig::default();
    config.versions = vec![Version::V1_0];
    let mut old = Client::with_asm_token(config, ASM_TOKEN);
    old.add_authenticator(Mini::phone(1), AuthenticatorOptions::default());
    let r = response(
        old.process(&ClientRequest::new(
            &both(&[Version::V1_1, Version::V1_0]),
            FACET,
        ))
        .unwrap(),
    );
    assert_eq!(r.upv, Version::V1_0);
    // Only unknown versions.
    let err = run(
        &mut client,
        &both(&[Version::new(1, 2), Version::new(2, 0)]),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ClientError::UnsupportedVersion {
            offered: vec![Version::new(1, 2), Version::new(2, 0)]
        }
    );
    assert_eq!(err.code(), ClientErrorCode::UnsupportedVersion);
}

#[test]
fn facet_checks_in_the_client() {
    let list = TrustedFacetList {
        trusted_facets: vec![TrustedFacets {
            version: Version::V1_0,
            ids: vec![
                "https://login.example.com".into(),
                "http://plain.example.com".into(),
            ],
        }],
    };
    let text = |app: &str| {
        RegistrationRequest {
            header: header(Operation::Reg, Version::V1_1, Some(app)),
            challenge: challenge(1),
            username: "alice".into(),
            policy: only(p256()),
        }
        .to_json()
    };
    let app = "https://www.example.com/facets";
    let mut client = phone_client();
    // Listed facet, {1,0} entry for a 1.1 request.
    let ok = client
        .process(&ClientRequest::new(&text(app), "https://login.example.com").trusted_facets(&list))
        .unwrap();
    let fcp = FinalChallengeParams::from_fc_params(&response(ok).fc_params, Base64Policy::Strict)
        .unwrap();
    assert_eq!(fcp.facet_id, "https://login.example.com");
    assert_eq!(fcp.app_id.as_str(), app);
    // http: entry dropped.
    let err = client
        .process(&ClientRequest::new(&text(app), "https://plain.example.com").trusted_facets(&list))
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::UntrustedFacet(FacetError::FacetNotListed { .. })
        ),
        "{err}"
    );
    assert_eq!(err.code(), ClientErrorCode::UntrustedFacetId);
    // No list supplied for another host.
    let err = client
        .process(&ClientRequest::new(&text(app), "https://login.example.com"))
        .unwrap_err();
    assert_eq!(
        err,
        ClientError::UntrustedFacet(FacetError::TrustedFacetsMissing)
    );
    // Empty AppID: the facet is the AppID, in fcParams too; the header stays as received.
    let no_app = RegistrationRequest {
        header: header(Operation::Reg, Version::V1_1, None),
        challenge: challenge(1),
        username: "alice".into(),
        policy: only(p256()),
    }
    .to_json();
    let r = response(
        client
            .process(&ClientRequest::new(&no_app, "ios:bundle-id:com.example"))
            .unwrap(),
    );
    let parsed = RegistrationResponse::parse_array(&r.message, &DecodeOptions::default()).unwrap();
    assert_eq!(parsed.header.app_id, None);
    let fcp = parsed.fc_params(Base64Policy::Strict).unwrap();
    assert_eq!(fcp.app_id.as_str(), "ios:bundle-id:com.example");
    assert_eq!(fcp.facet_id, "ios:bundle-id:com.example");
    // A non-https AppID that is not the caller.
    let err = client
        .process(&ClientRequest::new(
            &text("ios:bundle-id:com.other"),
            "ios:bundle-id:com.example",
        ))
        .unwrap_err();
    assert_eq!(err, ClientError::UntrustedFacet(FacetError::AppIdNotFacet));
}

#[test]
fn policy_picks_the_accepted_authenticator() {
    let minis = vec![
        Mini::new(1, vec![Info::phone("AAAA#0001")]),
        Mini::new(2, vec![Info::phone("BBBB#0002")]),
    ];
    let mut client = client_with(minis);
    let wanted = MatchCriteria {
        aaid: Some(vec![aaid("BBBB#0002")]),
        ..MatchCriteria::default()
    };
    let r = response(run(&mut client, &reg_text(only(wanted), "alice")).unwrap());
    assert_eq!(r.authenticators.len(), 1);
    assert_eq!(r.authenticators[0].aaid, aaid("BBBB#0002"));
    assert_eq!(client.registrations()[0].transport(), 1);
    // The first transport was asked for GetInfo only.
    assert_eq!(client.authenticator(0).unwrap().commands.len(), 1);
}

#[test]
fn policy_disallowed_keys_exclude_and_are_explained() {
    let mut client = phone_client();
    register(&mut client, "alice");
    let key = client.registrations()[0].key_id().clone();
    let policy = Policy {
        accepted: vec![vec![p256()]],
        disallowed: vec![MatchCriteria::registered_key(aaid("ABCD#0001"), key)],
    };
    let err = run(&mut client, &reg_text(policy, "alice")).unwrap_err();
    assert_eq!(err.code(), ClientErrorCode::NoSuitableAuthenticator);
    let ClientError::NoSuitableAuthenticator(why) = &err else {
        panic!("{err}")
    };
    assert_eq!(why.evaluated, [aaid("ABCD#0001")]);
    assert_eq!(why.policy.disallowed[0].disallowed_index, 0);
    assert!(
        err.to_string().contains("excluded by disallowed[0]"),
        "{err}"
    );
    assert!(
        err.to_string().contains("; evaluated: 0=ABCD#0001; "),
        "{err}"
    );
    // A different key in `disallowed` does not exclude it.
    let other = Policy {
        accepted: vec![vec![p256()]],
        disallowed: vec![MatchCriteria::registered_key(
            aaid("ABCD#0001"),
            KeyId::new(vec![0; 32]).unwrap(),
        )],
    };
    assert!(run(&mut client, &reg_text(other, "bob")).is_ok());
}

#[test]
fn policy_rejection_names_the_member() {
    let mut client = phone_client();
    let fingerprint = MatchCriteria {
        user_verification: Some(UserVerify::FINGERPRINT),
        ..p256()
    };
    let err = run(&mut client, &reg_text(only(fingerprint), "alice")).unwrap_err();
    let ClientError::NoSuitableAuthenticator(why) = err else {
        panic!()
    };
    let AcceptedSetFailure::Unmatched {
        criteria,
        mismatches,
    } = &why.policy.accepted[0].failure
    else {
        panic!("{why}")
    };
    assert_eq!(*criteria, 0);
    assert_eq!(mismatches[0].mismatch, CriteriaMismatch::UserVerification);
    // The attachment hint comes from the ASM's options, not GetInfo.
    let external = MatchCriteria {
        attachment_hint: Some(uaf_proto::registry::AttachmentHint::EXTERNAL),
        ..p256()
    };
    let ClientError::NoSuitableAuthenticator(why) =
        run(&mut client, &reg_text(only(external), "alice")).unwrap_err()
    else {
        panic!()
    };
    let AcceptedSetFailure::Unmatched { mismatches, .. } = &why.policy.accepted[0].failure else {
        panic!()
    };
    assert_eq!(mismatches[0].mismatch, CriteriaMismatch::AttachmentHint);
}

#[test]
fn an_and_set_uses_two_authenticators() {
    let mut fp = Info::phone("BBBB#0002");
    fp.user_verification = UserVerify::FINGERPRINT;
    let minis = vec![
        Mini::new(1, vec![Info::phone("AAAA#0001")]),
        Mini::new(2, vec![fp]),
    ];
    let mut client = client_with(minis);
    let pin = MatchCriteria {
        user_verification: Some(UserVerify::PASSCODE),
        ..p256()
    };
    let finger = MatchCriteria {
        user_verification: Some(UserVerify::FINGERPRINT),
        ..p256()
    };
    let policy = Policy {
        accepted: vec![vec![finger, pin]],
        disallowed: vec![],
    };
    let r = response(run(&mut client, &reg_text(policy, "alice")).unwrap());
    let parsed = RegistrationResponse::parse_array(&r.message, &DecodeOptions::default()).unwrap();
    assert_eq!(parsed.assertions.len(), 2);
    let aaids: Vec<Aaid> = r.authenticators.iter().map(|a| a.aaid).collect();
    assert_eq!(aaids, [aaid("BBBB#0002"), aaid("AAAA#0001")]);
    assert_eq!(client.registrations().len(), 2);
}

#[test]
fn several_authenticators_behind_one_transport() {
    let mut second = Info::phone("CCCC#0003");
    second.user_verification = UserVerify::FINGERPRINT;
    let mut client = client_with(vec![Mini::new(1, vec![Info::phone("AAAA#0001"), second])]);
    let finger = MatchCriteria {
        user_verification: Some(UserVerify::FINGERPRINT),
        ..p256()
    };
    register_with(&mut client, only(finger.clone()));
    assert_eq!(client.registrations()[0].authenticator_index(), 1);
    let r = response(run(&mut client, &auth_text(only(finger), vec![])).unwrap());
    assert_eq!(r.authenticators[0].aaid, aaid("CCCC#0003"));
    let cmd = last_command(&client, 0);
    let Ok(Command::Sign(c)) = Command::parse(&cmd) else {
        panic!()
    };
    assert_eq!(c.authenticator_index, 1);
}

fn register_with(client: &mut Client<Mini>, policy: Policy) -> ClientResponse {
    response(run(client, &reg_text(policy, "alice")).unwrap())
}

#[test]
fn authentication_needs_a_key_for_the_app_id() {
    let mut client = phone_client();
    let err = run(&mut client, &auth_text(only(p256()), vec![])).unwrap_err();
    let ClientError::NoSuitableAuthenticator(why) = &err else {
        panic!("{err}")
    };
    assert_eq!(why.excluded[0].reason, ExclusionReason::NoRegistration);
    assert!(why.evaluated.is_empty());
    // The message says none was left, not an empty list.
    let text = err.to_string();
    assert!(
        text.ends_with("; no authenticator was left to evaluate the policy against"),
        "{text}"
    );
    assert!(!text.contains("evaluated:"), "{text}");
    // A key of another AppID does not count.
    register(&mut client, "alice");
    let other = AuthenticationRequest {
        header: header(
            Operation::Auth,
            Version::V1_1,
            Some("https://uaf.example.com/other"),
        ),
        ..auth_request(only(p256()), vec![])
    }
    .to_json();
    assert!(matches!(
        run(&mut client, &other),
        Err(ClientError::NoSuitableAuthenticator(_))
    ));
    assert!(run(&mut client, &auth_text(only(p256()), vec![])).is_ok());
}

#[test]
fn second_factor_key_ids_select_the_key() {
    let mut client = phone_client();
    register(&mut client, "alice");
    register(&mut client, "bob");
    let bob = client.registrations()[1].clone();
    let policy = only(MatchCriteria::registered_key(
        aaid("ABCD#0001"),
        bob.key_id().clone(),
    ));
    let r = response(run(&mut client, &auth_text(policy, vec![])).unwrap());
    assert_eq!(r.authenticators[0].key_id.as_ref(), Some(bob.key_id()));
    let cmd = last_command(&client, 0);
    let Ok(Command::Sign(c)) = Command::parse(&cmd) else {
        panic!()
    };
    let handles: Vec<&[u8]> = c.key_handles.iter().collect();
    assert_eq!(handles, [bob.key_handle().unwrap()]);
    // An unknown KeyID matches no key.
    let none = only(MatchCriteria::registered_key(
        aaid("ABCD#0001"),
        KeyId::new(vec![1; 32]).unwrap(),
    ));
    let err = run(&mut client, &auth_text(none, vec![])).unwrap_err();
    let ClientError::NoSuitableAuthenticator(why) = err else {
        panic!()
    };
    let AcceptedSetFailure::Unmatched { mismatches, .. } = &why.policy.accepted[0].failure else {
        panic!()
    };
    assert_eq!(mismatches[0].mismatch, CriteriaMismatch::KeyIds);
}

#[test]
fn the_user_picks_the_account() {
    let mut mini = Mini::phone(1);
    mini.list_accounts = true;
    let mut client = client_with(vec![mini]);
    register(&mut client, "alice");
    register(&mut client, "bob");
    let text = auth_text(only(p256()), vec![]);
    let r = response(
        client
            .process(&ClientRequest::new(&text, FACET).account("bob"))
            .unwrap(),
    );
    assert_eq!(
        r.authenticators[0].key_id.as_ref(),
        Some(client.registrations()[1].key_id())
    );
    // Two Sign commands: all keys, then bob's.
    let commands = &client.authenticator(0).unwrap().commands;
    let signs: Vec<SignCommand<'_>> = commands
        .iter()
        .filter_map(|c| match Command::parse(c) {
            Ok(Command::Sign(s)) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(signs.len(), 2);
    assert_eq!(signs[0].key_handles.len(), 2);
    assert_eq!(
        signs[1].key_handles.first(),
        client.registrations()[1].key_handle()
    );
    // Without a choice, the first account listed.
    let r = response(run(&mut client, &text).unwrap());
    assert_eq!(
        r.authenticators[0].key_id.as_ref(),
        Some(client.registrations()[0].key_id())
    );
}

#[test]
fn authenticators_that_keep_their_keys_get_key_ids() {
    let mut info = Info::phone("ABCD#0001");
    info.kind = AuthenticatorType::USER_ENROLLED | AuthenticatorType::KEY_HANDLE_STORAGE;
    let mut client = client_with(vec![Mini::new(1, vec![info])]);
    register(&mut client, "alice");
    let stored = client.registrations()[0].clone();
    assert_eq!(stored.key_handle(), None);
    run(&mut client, &auth_text(only(p256()), vec![])).unwrap();
    let cmd = last_command(&client, 0);
    let Ok(Command::Sign(c)) = Command::parse(&cmd) else {
        panic!()
    };
    assert_eq!(c.key_handles.first(), Some(stored.key_id().as_bytes()));
}

#[test]
fn roaming_authenticators_get_an_app_id_only_token() {
    let mut info = Info::phone("ABCD#0001");
    info.kind = AuthenticatorType::USER_ENROLLED | AuthenticatorType::ROAMING;
    let mut client = client_with(vec![Mini::new(1, vec![info])]);
    register(&mut client, "alice");
    let cmd = last_command(&client, 0);
    let Ok(Command::Register(c)) = Command::parse(&cmd) else {
        panic!()
    };
    assert_eq!(c.kh_access_token, sha256(APP_ID.as_bytes()));
}

#[test]
fn kh_access_token_binds_the_caller_and_the_asm() {
    // Another caller of the same AppID (listed facet) gets another token, so the bound key
    // does not sign for it.
    let list = TrustedFacetList {
        trusted_facets: vec![TrustedFacets {
            version: Version::V1_0,
            ids: vec!["https://m.example.com".into()],
        }],
    };
    let mut client = phone_client();
    register(&mut client, "alice");
    let text = auth_text(only(p256()), vec![]);
    let err = client
        .process(&ClientRequest::new(&text, "https://m.example.com").trusted_facets(&list))
        .unwrap_err();
    assert_eq!(
        err,
        ClientError::Authenticator {
            aaid: aaid("ABCD#0001"),
            command: uaf_client::CommandKind::Sign,
            status: CmdStatus::AccessDenied
        }
    );
    // The ASM token is random per client instance.
    let a = Client::<Mini>::new(ClientConfig::default(), &mut ChaCha20Rng::seed_from_u64(1));
    let b = Client::<Mini>::new(ClientConfig::default(), &mut ChaCha20Rng::seed_from_u64(2));
    assert_ne!(format!("{:?}", tokens_of(a)), format!("{:?}", tokens_of(b)));
}

/// The KHAccessToken a fresh client sends to a fresh phone.
fn tokens_of(mut client: Client<Mini>) -> Vec<u8> {
    client.add_authenticator(Mini::phone(1), AuthenticatorOptions::default());
    run(&mut client, &reg_text(only(p256()), "alice")).unwrap();
    let cmd = last_command(&client, 0);
    let Ok(Command::Register(c)) = Command::parse(&cmd) else {
        panic!()
    };
    c.kh_access_token.to_vec()
}

fn png_transaction(width: u32, height: u32) -> Transaction {
    Transaction {
        content_type: "image/png".into(),
        content: vec![0x89, b'P', b'N', b'G', width.to_le_bytes()[0]],
        tc_display_png_characteristics: Some(png(width, height)),
    }
}

#[test]
fn transaction_rendering_the_authenticator_can_display() {
    let variants = vec![
        png_transaction(100, 50),
        Transaction::text("Sign in code 4711?").unwrap(),
        png_transaction(200, 100),
    ];
    // A text display gets the text.
    let mut client = phone_client();
    register(&mut client, "alice");
    let r = response(run(&mut client, &auth_text(only(p256()), variants.clone())).unwrap());
    assert_eq!(r.authenticators[0].transaction, Some(1));
    assert_eq!(
        client.authenticator(0).unwrap().shown,
        [b"Sign in code 4711?".to_vec()]
    );
    let parsed =
        AuthenticationResponse::parse_array(&r.message, &DecodeOptions::default()).unwrap();
    let a = AuthAssertion::parse(
        &parsed.assertions[0]
            .decode_assertion(Base64Policy::Strict)
            .unwrap(),
    )
    .unwrap()
    .signed_data
    .transaction_content_hash
    .to_vec();
    assert_eq!(a, sha256(b"Sign in code 4711?"));

    // A PNG display gets the PNG with its characteristics.
    let mut info = Info::phone("ABCD#0001");
    info.content_type = Some("image/png");
    info.pngs = vec![(200, 100)];
    let mut client = client_with(vec![Mini::new(1, vec![info])]);
    let reg = register(&mut client, "alice");
    // The registration response reports the display's PNG characteristics.
    let parsed =
        RegistrationResponse::parse_array(&reg.message, &DecodeOptions::default()).unwrap();
    assert_eq!(
        parsed.assertions[0].tc_display_png_characteristics,
        [png(200, 100)]
    );
    let r = response(run(&mut client, &auth_text(only(p256()), variants.clone())).unwrap());
    assert_eq!(r.authenticators[0].transaction, Some(2));
    assert_eq!(
        client.authenticator(0).unwrap().shown,
        [variants[2].content.clone()]
    );

    // A PNG display whose size is not offered, and a phone without a display, are left out.
    let mut small = Info::phone("ABCD#0001");
    small.content_type = Some("image/png");
    small.pngs = vec![(10, 10)];
    let mut none = Info::phone("ABCD#0002");
    none.tc_display = TcDisplay::EMPTY;
    for info in [small, none] {
        let mut client = client_with(vec![Mini::new(1, vec![info])]);
        register(&mut client, "alice");
        let err = run(&mut client, &auth_text(only(p256()), variants.clone())).unwrap_err();
        let ClientError::NoSuitableAuthenticator(why) = &err else {
            panic!("{err}")
        };
        assert_eq!(
            why.excluded[0].reason,
            ExclusionReason::CannotDisplayTransaction
        );
        // Without a transaction it signs.
        assert!(run(&mut client, &auth_text(only(p256()), vec![])).is_ok());
    }
}

#[test]
fn authenticator_refusals_map_to_client_error_codes() {
    for (user, status, code) in [
        (
            User::WrongPin,
            CmdStatus::AccessDenied,
            ClientErrorCode::AuthenticatorAccessDenied,
        ),
        (
            User::Cancels,
            CmdStatus::UserCancelled,
            ClientErrorCode::UserCancelled,
        ),
    ] {
        let mut client = phone_client();
        client.authenticator_mut(0).unwrap().user = user;
        let err = run(&mut client, &reg_text(only(p256()), "alice")).unwrap_err();
        assert_eq!(
            err,
            ClientError::Authenticator {
                aaid: aaid("ABCD#0001"),
                command: uaf_client::CommandKind::Register,
                status
            }
        );
        assert_eq!(err.code(), code);
        assert!(client.registrations().is_empty());
        // And at sign-in.
        client.authenticator_mut(0).unwrap().user = User::Verifies;
        register(&mut client, "alice");
        client.authenticator_mut(0).unwrap().user = user;
        let err = run(&mut client, &auth_text(only(p256()), vec![])).unwrap_err();
        assert_eq!(err.code(), code);
    }
}

#[test]
fn nothing_is_kept_when_one_authenticator_of_a_set_fails() {
    let mut fp = Info::phone("BBBB#0002");
    fp.user_verification = UserVerify::FINGERPRINT;
    let mut refusing = Mini::new(2, vec![fp]);
    refusing.user = User::Cancels;
    let mut client = client_with(vec![Mini::new(1, vec![Info::phone("AAAA#0001")]), refusing]);
    let pin = MatchCriteria {
        user_verification: Some(UserVerify::PASSCODE),
        ..p256()
    };
    let finger = MatchCriteria {
        user_verification: Some(UserVerify::FINGERPRINT),
        ..p256()
    };
    let policy = Policy {
        accepted: vec![vec![pin, finger]],
        disallowed: vec![],
    };
    let err = run(&mut client, &reg_text(policy, "alice")).unwrap_err();
    assert_eq!(err.code(), ClientErrorCode::UserCancelled);
    assert!(client.registrations().is_empty());
}

#[test]
fn broken_transports_are_left_out_and_reported() {
    let mut client: Client<Box<dyn uaf_client::AuthenticatorTransport>> =
        Client::with_asm_token(ClientConfig::default(), ASM_TOKEN);
    client.add_authenticator(
        Box::new(FnTransport(|_: &[u8]| vec![0xFFu8, 0x00])),
        AuthenticatorOptions::default(),
    );
    let err = client
        .process(&ClientRequest::new(&reg_text(only(p256()), "alice"), FACET))
        .unwrap_err();
    let ClientError::NoSuitableAuthenticator(why) = &err else {
        panic!("{err}")
    };
    assert_eq!(why.excluded[0].reason, ExclusionReason::GetInfoMalformed);
    assert_eq!(why.excluded[0].transport, 0);
    // A GetInfo with another API version, and a failing GetInfo.
    let mut v2 = uaf_client::AuthenticatorTransport::send(&mut Mini::phone(1), &[0x01, 0x34, 0, 0]);
    let at = v2
        .windows(5)
        .position(|w| w == [0x0E, 0x28, 0x01, 0x00, 0x01])
        .unwrap();
    v2[at + 4] = 2;
    let failing = uaf_proto::command::GetInfoResponse {
        status: CmdStatus::ErrUnknown,
        api_version: None,
        authenticators: uaf_proto::tlv::TlvList::empty(),
        extensions: uaf_proto::tlv::TlvList::empty(),
    }
    .encode()
    .unwrap();
    client.add_authenticator(
        Box::new(FnTransport(move |_: &[u8]| v2.clone())),
        AuthenticatorOptions::default(),
    );
    client.add_authenticator(
        Box::new(FnTransport(move |_: &[u8]| failing.clone())),
        AuthenticatorOptions::default(),
    );
    let err = client
        .process(&ClientRequest::new(&reg_text(only(p256()), "alice"), FACET))
        .unwrap_err();
    let ClientError::NoSuitableAuthenticator(why) = &err else {
        panic!("{err}")
    };
    let reasons: Vec<ExclusionReason> = why.excluded.iter().map(|e| e.reason).collect();
    assert_eq!(
        reasons,
        [
            ExclusionReason::GetInfoMalformed,
            ExclusionReason::UnsupportedApiVersion(Some(2)),
            ExclusionReason::GetInfoStatus(CmdStatus::ErrUnknown)
        ]
    );
    assert!(
        err.to_string()
            .contains("transport 1 left out: its GetInfo API version is 2"),
        "{err}"
    );
    // A working authenticator next to them is used.
    client.add_authenticator(Box::new(Mini::phone(1)), AuthenticatorOptions::default());
    assert!(
        client
            .process(&ClientRequest::new(&reg_text(only(p256()), "alice"), FACET))
            .is_ok()
    );
}

#[test]
fn requests_the_client_does_not_answer() {
    let mut client = phone_client();
    // A response is not a request.
    let r = register(&mut client, "alice");
    let err = run(&mut client, &r.message).unwrap_err();
    assert_eq!(err, ClientError::NotARequest { op: Operation::Reg });
    assert_eq!(err.code(), ClientErrorCode::ProtocolError);
    // Malformed JSON.
    let err = run(&mut client, "[{").unwrap_err();
    assert!(matches!(err, ClientError::Message(_)));
    assert_eq!(err.code(), ClientErrorCode::ProtocolError);
    // An unknown critical header extension; a non-critical one is ignored; a known one passes.
    let with_ext = |fail_if_unknown| {
        let mut h = header(Operation::Reg, Version::V1_1, Some(APP_ID));
        h.exts = vec![Extension {
            id: "example.ext".into(),
            data: vec![],
            fail_if_unknown,
        }];
        RegistrationRequest {
            header: h,
            challenge: challenge(1),
            username: "a".into(),
            policy: only(p256()),
        }
        .to_json()
    };
    let err = run(&mut client, &with_ext(true)).unwrap_err();
    assert_eq!(
        err,
        ClientError::UnknownCriticalExtension {
            id: "example.ext".into()
        }
    );
    assert_eq!(err.code(), ClientErrorCode::ProtocolError);
    assert!(run(&mut client, &with_ext(false)).is_ok());
    let mut config = ClientConfig::default();
    config.known_extensions = vec!["example.ext".into()];
    let mut knowing = Client::with_asm_token(config, ASM_TOKEN);
    knowing.add_authenticator(Mini::phone(1), AuthenticatorOptions::default());
    assert!(
        knowing
            .process(&ClientRequest::new(&with_ext(true), FACET))
            .is_ok()
    );
}

#[test]
fn deregistration_removes_keys() {
    let minis = vec![
        Mini::new(1, vec![Info::phone("AAAA#0001")]),
        Mini::new(2, vec![Info::phone("BBBB#0002")]),
    ];
    let mut client = client_with(minis);
    let on = |a: &str| {
        only(MatchCriteria {
            aaid: Some(vec![aaid(a)]),
            ..MatchCriteria::default()
        })
    };
    register_with(&mut client, on("AAAA#0001"));
    register_with(&mut client, on("AAAA#0001"));
    register_with(&mut client, on("BBBB#0002"));
    let keys: Vec<(Aaid, KeyId)> = client
        .registrations()
        .iter()
        .map(|r| (*r.aaid(), r.key_id().clone()))
        .collect();
    let dereg = |entries: Vec<DeregisterAuthenticator>| {
        DeregistrationRequest {
            header: header(Operation::Dereg, Version::V1_1, Some(APP_ID)),
            authenticators: entries,
        }
        .to_json()
    };
    // One key, plus one unknown key (ignored, reported).
    let text = dereg(vec![
        DeregisterAuthenticator::Key {
            aaid: keys[1].0,
            key_id: keys[1].1.clone(),
        },
        DeregisterAuthenticator::Key {
            aaid: keys[1].0,
            key_id: KeyId::new(vec![3; 32]).unwrap(),
        },
    ]);
    let ClientOutcome::Deregistration(report) = run(&mut client, &text).unwrap() else {
        panic!()
    };
    assert_eq!(report.removed.len(), 1);
    assert_eq!(report.removed[0].key_id(), &keys[1].1);
    assert_eq!(report.unmatched, [1]);
    assert!(report.failed.is_empty());
    assert_eq!(client.registrations().len(), 2);
    // The Deregister command carried the KeyID and the KHAccessToken.
    let cmd = last_command(&client, 0);
    let Ok(Command::Deregister(c)) = Command::parse(&cmd) else {
        panic!()
    };
    assert_eq!(c.key_id, keys[1].1.as_bytes());
    assert_eq!(c.kh_access_token, bound_token(APP_ID, FACET));
    // All keys of one AAID.
    let ClientOutcome::Deregistration(report) = run(
        &mut client,
        &dereg(vec![DeregisterAuthenticator::AllOfAaid(aaid("BBBB#0002"))]),
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(report.removed.len(), 1);
    assert_eq!(client.registrations().len(), 1);
    // Everything for the AppID; a later sign-in finds no key.
    let ClientOutcome::Deregistration(report) =
        run(&mut client, &dereg(vec![DeregisterAuthenticator::All])).unwrap()
    else {
        panic!()
    };
    assert_eq!(report.removed.len(), 1);
    assert!(client.registrations().is_empty());
    let err = run(&mut client, &auth_text(only(p256()), vec![])).unwrap_err();
    assert_eq!(err.code(), ClientErrorCode::NoSuitableAuthenticator);
}

#[test]
fn deregistration_deletes_keys_kept_inside_the_authenticator() {
    let mut info = Info::phone("ABCD#0001");
    info.kind = AuthenticatorType::USER_ENROLLED | AuthenticatorType::KEY_HANDLE_STORAGE;
    let mut client = client_with(vec![Mini::new(1, vec![info])]);
    register(&mut client, "alice");
    assert_eq!(client.authenticator(0).unwrap().stored.len(), 1);
    let text = DeregistrationRequest {
        header: header(Operation::Dereg, Version::V1_1, Some(APP_ID)),
        authenticators: vec![DeregisterAuthenticator::All],
    }
    .to_json();
    // A refusing authenticator keeps the key on both sides, and says so.
    let saved = client.authenticator(0).unwrap().stored.clone();
    client.authenticator_mut(0).unwrap().stored[0].handle[64] ^= 1; // token no longer matches
    let ClientOutcome::Deregistration(report) = run(&mut client, &text).unwrap() else {
        panic!()
    };
    assert_eq!(report.failed.len(), 1);
    assert_eq!(
        report.failed[0].error.code(),
        ClientErrorCode::AuthenticatorAccessDenied
    );
    assert_eq!(client.registrations().len(), 1);
    client.authenticator_mut(0).unwrap().stored = saved;
    let ClientOutcome::Deregistration(report) = run(&mut client, &text).unwrap() else {
        panic!()
    };
    assert_eq!(report.removed.len(), 1);
    assert!(client.authenticator(0).unwrap().stored.is_empty());
    assert!(client.registrations().is_empty());
}

#[test]
fn same_seed_same_bytes() {
    let session = |seed: u64| {
        let mut client = Client::new(
            ClientConfig::default(),
            &mut ChaCha20Rng::seed_from_u64(seed),
        );
        client.add_authenticator(Mini::phone(seed), AuthenticatorOptions::with_version(1));
        let reg = register(&mut client, "alice").message;
        let auth = response(run(&mut client, &auth_text(only(p256()), vec![])).unwrap()).message;
        (reg, auth)
    };
    assert_eq!(session(7), session(7));
    assert_ne!(session(7), session(8));
}

/// A fresh phone client with one registration, and the outcome of `text` under `fault`.
fn faulty(
    op: Operation,
    fault: ClientFault,
    channel_binding: ChannelBinding,
) -> (ClientResponse, ClientResponse) {
    let mut client = phone_client();
    let reg_request = reg_text(only(p256()), "alice");
    let first_reg = response(
        client
            .process(
                &ClientRequest::new(&reg_request, FACET).channel_binding(channel_binding.clone()),
            )
            .unwrap(),
    );
    let text = match op {
        Operation::Reg => reg_request,
        _ => auth_text(only(p256()), vec![]),
    };
    let clean = if op == Operation::Auth {
        response(
            client
                .process(&ClientRequest::new(&text, FACET).channel_binding(channel_binding.clone()))
                .unwrap(),
        )
    } else {
        first_reg
    };
    // The next request carries new server data: the replay must not echo the old one.
    let next = text.replace(SERVER_DATA, "server-data-2");
    let bad = response(
        client
            .process(
                &ClientRequest::new(&next, FACET)
                    .channel_binding(channel_binding)
                    .fault(fault),
            )
            .unwrap(),
    );
    (clean, bad)
}

/// `fcParams` decoded leniently, and the final challenge hash in the (leniently decoded)
/// first assertion.
fn inspect(op: Operation, r: &ClientResponse) -> (FinalChallengeParams, Vec<u8>, Option<String>) {
    let lenient = DecodeOptions::new().with_base64(Base64Policy::Lenient);
    let (fc_params, assertion, server_data) = match op {
        Operation::Reg => {
            let p = RegistrationResponse::parse_array(&r.message, &lenient).unwrap();
            (
                p.fc_params.clone(),
                p.assertions[0]
                    .decode_assertion(Base64Policy::Lenient)
                    .unwrap(),
                p.header.server_data,
            )
        }
        _ => {
            let p = AuthenticationResponse::parse_array(&r.message, &lenient).unwrap();
            (
                p.fc_params.clone(),
                p.assertions[0]
                    .decode_assertion(Base64Policy::Lenient)
                    .unwrap(),
                p.header.server_data,
            )
        }
    };
    assert_eq!(fc_params, r.fc_params);
    let fch = match op {
        Operation::Reg => RegAssertion::parse(&assertion)
            .unwrap()
            .krd
            .final_challenge_hash
            .to_vec(),
        _ => AuthAssertion::parse(&assertion)
            .unwrap()
            .signed_data
            .final_challenge_hash
            .to_vec(),
    };
    // The authenticator always hashed the fcParams text as sent.
    assert_eq!(
        fch,
        sha256(fc_params.as_bytes()),
        "FCH covers the sent fcParams"
    );
    let fcp = FinalChallengeParams::from_fc_params(&fc_params, Base64Policy::Lenient).unwrap();
    (fcp, assertion, server_data)
}

#[test]
fn every_fault_changes_what_the_response_says() {
    let supplied = ChannelBinding {
        tls_server_certificate: Some("MIIB".into()),
        ..ChannelBinding::default()
    };
    for op in [Operation::Reg, Operation::Auth] {
        for &fault in ClientFault::ALL {
            let (clean, bad) = faulty(op, fault, supplied.clone());
            let (good_fcp, good_assertion, _) = inspect(op, &clean);
            let (bad_fcp, bad_assertion, server_data) = inspect(op, &bad);
            let strict = DecodeOptions::default();
            let strict_ok = match op {
                Operation::Reg => {
                    RegistrationResponse::parse_array(&bad.message, &strict).map(|_| ())
                }
                _ => AuthenticationResponse::parse_array(&bad.message, &strict).map(|_| ()),
            };
            assert_eq!(
                server_data.as_deref(),
                Some("server-data-2"),
                "{fault}: header of the request"
            );
            match fault {
                ClientFault::WrongChallenge => {
                    assert_ne!(bad_fcp.challenge, good_fcp.challenge);
                    assert_eq!(bad_fcp.challenge.as_bytes().len(), 32);
                    assert_eq!(bad_fcp.app_id, good_fcp.app_id);
                }
                ClientFault::WrongAppId => {
                    assert_eq!(bad_fcp.app_id.as_str(), ClientFault::WRONG_APP_ID);
                    assert_eq!(bad_fcp.challenge, good_fcp.challenge);
                }
                ClientFault::UntrustedFacet => {
                    assert_eq!(bad_fcp.facet_id, ClientFault::UNTRUSTED_FACET_ID);
                    assert_eq!(good_fcp.facet_id, FACET);
                }
                ClientFault::ChannelBindingMismatch => {
                    assert_eq!(good_fcp.channel_binding, supplied);
                    assert_ne!(
                        bad_fcp.channel_binding.tls_server_certificate,
                        supplied.tls_server_certificate
                    );
                    assert!(bad_fcp.channel_binding.tls_server_certificate.is_some());
                    assert_eq!(bad_fcp.challenge, good_fcp.challenge);
                }
                ClientFault::ReplayPreviousResponse => {
                    // The earlier fcParams and assertion under the new header.
                    assert_eq!(bad.fc_params, clean.fc_params);
                    assert_eq!(bad_assertion, good_assertion);
                    assert_ne!(bad.message, clean.message);
                }
                ClientFault::AndroidBase64FcParams => {
                    assert!(bad.fc_params.ends_with('\n'), "{}", bad.fc_params);
                    assert!(bad.fc_params.len() > 77 && bad.fc_params.as_bytes()[76] == b'\n');
                    assert_eq!(bad_fcp, good_fcp);
                    // The message decodes; its fcParams does not, strictly.
                    let err =
                        FinalChallengeParams::from_fc_params(&bad.fc_params, Base64Policy::Strict)
                            .unwrap_err();
                    assert_eq!(err.path, "fcParams");
                }
                ClientFault::AndroidBase64Assertion => {
                    assert!(bad.message.contains("\\n"));
                    assert_eq!(bad_fcp, good_fcp);
                    assert!(strict_ok.as_ref().unwrap_err().path.contains("assertion"));
                }
                other => panic!("fault {other} has no expectation in this test"),
            }
            if fault != ClientFault::AndroidBase64Assertion {
                assert!(strict_ok.is_ok(), "{fault}: only the fault is wrong");
            }
            if fault != ClientFault::AndroidBase64FcParams {
                assert!(
                    FinalChallengeParams::from_fc_params(&bad.fc_params, Base64Policy::Strict)
                        .is_ok()
                );
            }
        }
    }
}

#[test]
fn fault_misuse_is_reported() {
    let mut client = phone_client();
    let text = reg_text(only(p256()), "alice");
    let err = client
        .process(&ClientRequest::new(&text, FACET).fault(ClientFault::ReplayPreviousResponse))
        .unwrap_err();
    assert_eq!(err, ClientError::NothingToReplay { op: Operation::Reg });
    let dereg = DeregistrationRequest {
        header: header(Operation::Dereg, Version::V1_1, Some(APP_ID)),
        authenticators: vec![DeregisterAuthenticator::All],
    }
    .to_json();
    let err = client
        .process(&ClientRequest::new(&dereg, FACET).fault(ClientFault::WrongChallenge))
        .unwrap_err();
    assert_eq!(
        err,
        ClientError::FaultNotApplicable {
            fault: ClientFault::WrongChallenge,
            op: Operation::Dereg
        }
    );
    assert_eq!(err.code(), ClientErrorCode::UnknownError);
}

#[test]
fn channel_binding_goes_into_fc_params() {
    let mut client = phone_client();
    let cb = ChannelBinding {
        server_end_point: Some("c2VydmVy".into()),
        cid_pubkey: Some(ChannelBinding::CID_PUBKEY_UNUSED.into()),
        ..ChannelBinding::default()
    };
    let text = reg_text(only(p256()), "alice");
    let r = response(
        client
            .process(&ClientRequest::new(&text, FACET).channel_binding(cb.clone()))
            .unwrap(),
    );
    let fcp = FinalChallengeParams::from_fc_params(&r.fc_params, Base64Policy::Strict).unwrap();
    assert_eq!(fcp.channel_binding, cb);
}
