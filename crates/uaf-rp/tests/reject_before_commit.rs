//! Reject before commit: an authentication's allowed keys and user-verification requirement
//! are checked by the verifier, and `Service` writes nothing (the challenge stays pending, no
//! counter moves) until a response is fully verified. One parse per response
//! (`parse_response` + `finish_*_message`). A double submit of one response gets exactly one
//! success.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

mod common;

use common::*;
use std::sync::{Arc, Mutex};
use uaf_metadata::{MetadataEntry, MetadataIndex};
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{
    AuthenticationRequest, MatchCriteria, Operation, Policy, RegistrationRequest,
};
use uaf_proto::registry::AlgSign;
use uaf_proto::status::UafStatusCode;
use uaf_rp::policy::AuthenticatorRejection;
use uaf_rp::step::StepId;
use uaf_rp::store::{CredentialStore, MemoryCredentialStore, MemoryPendingStore, PendingStore};
use uaf_rp::{
    AuthenticationOptions, AuthenticationRequirements, Error, ErrorKind, ParsedResponse,
    PendingAuthentication, PendingRegistration, SecurityEvent, Service, StatusCodeMode,
    UserVerificationRequirement,
};

type Svc = Service<
    MetadataIndex,
    MemoryCredentialStore,
    MemoryPendingStore<PendingRegistration>,
    MemoryPendingStore<PendingAuthentication>,
>;

/// Presence only (0x01, `F1D0#0002` in `common`) and location only (0x20): neither verifies
/// the user.
const LOCATION_ONLY: &str = "F1D0#0003";
const PRESENCE_ONLY: &str = "F1D0#0002";

/// A service whose RP registers any authenticator (user verification `Any`), so that
/// authenticators that do not verify the user can be registered and then refused per
/// authentication. Events go to `sink`.
fn service(sink: &Arc<Mutex<Vec<SecurityEvent>>>) -> Svc {
    let mut index = metadata();
    index
        .insert(MetadataEntry::from_json(&metadata_json(LOCATION_ONLY, 0x20, 0)).unwrap())
        .unwrap();
    // Any user verification, and a request policy without a userVerification criterion.
    let any = MatchCriteria {
        authentication_algorithms: Some(vec![AlgSign::Secp256r1EcdsaSha256Raw]),
        assertion_schemes: Some(vec!["UAFV1TLV".into()]),
        ..MatchCriteria::default()
    };
    let config = builder()
        .user_verification(UserVerificationRequirement::Any)
        .policy(Policy {
            accepted: vec![vec![any]],
            disallowed: Vec::new(),
        })
        .build()
        .unwrap();
    let rp = uaf_rp::RelyingParty::new(config, index).with_event_sink(Box::new(Arc::clone(sink)));
    Service::new(
        rp,
        MemoryCredentialStore::new(),
        MemoryPendingStore::new(),
        MemoryPendingStore::new(),
    )
}

/// Registers a key of model `aaid` with KeyID `[id; 32]` for alice; returns its signing key.
fn register(svc: &Svc, aaid: &str, id: u8) -> uaf_crypto::SigningKey {
    let json = svc.start_registration("alice", NOW, &mut rng(id)).unwrap();
    let req = RegistrationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    let key = uauth(id);
    let mut parts = RegParts::for_request(&req);
    parts.aaid = aaid.into();
    parts.key_id = vec![id; 32];
    svc.finish_registration(&parts.build(&key), NOW).unwrap();
    key
}

fn start(svc: &Svc, options: AuthenticationOptions, seed: u8) -> AuthenticationRequest {
    let json = svc
        .start_authentication(Some("alice"), options, NOW, &mut rng(seed))
        .unwrap();
    AuthenticationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0)
}

/// An answer to `req` by the key `[id; 32]` of model `aaid`.
fn answer(
    req: &AuthenticationRequest,
    aaid: &str,
    id: u8,
    key: &uaf_crypto::SigningKey,
    counter: u32,
) -> String {
    let mut parts = AuthParts::for_request(req, &[id; 32], counter);
    parts.aaid = aaid.into();
    parts.build(key)
}

fn counters(svc: &Svc) -> Vec<(u8, u32)> {
    let mut all: Vec<(u8, u32)> = svc
        .credentials()
        .list_by_user("alice")
        .unwrap()
        .iter()
        .map(|r| (r.key_id.as_bytes()[0], r.sign_counter))
        .collect();
    all.sort_unstable();
    all
}

/// The pending state of `req`, looked at without taking it.
fn pending_of(svc: &Svc, req: &AuthenticationRequest) -> Option<PendingAuthentication> {
    let sd = req.header.server_data.as_deref().unwrap();
    svc.pending_authentications().peek(sd.as_bytes()).unwrap()
}

/// The decisive error of a response whose only assertion failed.
fn first(e: &Error) -> &Error {
    match &e.kind {
        ErrorKind::NoAssertionVerified { first, count: 1 } => first,
        other => panic!("expected one skipped assertion, got {other:?}"),
    }
}

fn key(aaid: &str, id: u8) -> (Aaid, KeyId) {
    (
        Aaid::parse(aaid).unwrap(),
        KeyId::new(vec![id; 32]).unwrap(),
    )
}

#[test]
fn a_key_outside_the_allowed_set_is_rejected_and_nothing_is_committed() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    let a = register(&svc, AAID, 0x41);
    let b = register(&svc, AAID, 0x42);
    // Only key A may answer (e.g. the one device approving a sign-in).
    let req = start(
        &svc,
        AuthenticationOptions::new().allow_keys([key(AAID, 0x41)]),
        7,
    );
    // The request's policy names only the allowed key: clients offer no other.
    assert_eq!(req.policy.accepted.len(), 1);
    assert_eq!(
        req.policy.accepted[0][0].key_ids.as_deref(),
        Some(&[KeyId::new(vec![0x41; 32]).unwrap()][..])
    );
    let pending_before = pending_of(&svc, &req).unwrap();
    assert_eq!(
        pending_before.requirements().allowed_keys(),
        Some(&[key(AAID, 0x41)][..])
    );

    // Key B is registered to alice and signs correctly, but is not allowed.
    let e = svc
        .finish_authentication(&answer(&req, AAID, 0x42, &b, 5), NOW)
        .unwrap_err();
    assert_eq!(first(&e).step, StepId::AuthRegistration);
    assert_eq!(first(&e).kind, ErrorKind::KeyNotAllowed);
    assert_eq!(e.decisive_step(), StepId::AuthRegistration);
    assert_eq!(e.kind.code(), "policy.key-not-allowed");
    assert_eq!(
        e.status(StatusCodeMode::Specific),
        UafStatusCode::UnacceptableAuthenticator
    );
    assert_eq!(
        e.status(StatusCodeMode::Conformance),
        UafStatusCode::UnacceptableContent
    );
    // Nothing committed: no counter moved, the challenge is still pending, unchanged.
    assert_eq!(counters(&svc), vec![(0x41, 0), (0x42, 0)]);
    assert_eq!(pending_of(&svc, &req), Some(pending_before));

    // The same challenge is still answered correctly by the allowed key.
    let good = answer(&req, AAID, 0x41, &a, 3);
    let out = svc.finish_authentication(&good, NOW).unwrap();
    assert_eq!(out.keys[0].registration.key_id.as_bytes(), &[0x41; 32]);
    assert_eq!(counters(&svc), vec![(0x41, 3), (0x42, 0)]);
    assert_eq!(pending_of(&svc, &req), None, "taken once verified");
    // ... once.
    let e = svc.finish_authentication(&good, NOW).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ChallengeUnknown);
    assert_eq!(
        e.status(StatusCodeMode::Specific),
        UafStatusCode::RequestInvalid
    );
    assert!(sink.lock().unwrap().is_empty(), "no security event");
}

#[test]
fn without_allowed_keys_any_key_of_the_user_may_answer() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    let _a = register(&svc, AAID, 0x41);
    let b = register(&svc, AAID, 0x42);
    let req = start(&svc, AuthenticationOptions::new(), 7);
    assert_eq!(req.policy.accepted.len(), 2);
    svc.finish_authentication(&answer(&req, AAID, 0x42, &b, 1), NOW)
        .unwrap();
    assert_eq!(counters(&svc), vec![(0x41, 0), (0x42, 1)]);
}

#[test]
fn no_allowed_key_of_the_user_means_no_request() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    register(&svc, AAID, 0x41);
    let e = svc
        .start_authentication(
            Some("alice"),
            AuthenticationOptions::new().allow_keys([key(AAID, 0x99)]),
            NOW,
            &mut rng(3),
        )
        .unwrap_err();
    assert_eq!(e.step, StepId::RequestGeneration);
    assert_eq!(e.kind, ErrorKind::UnknownKeyId);
    assert!(svc.pending_authentications().is_empty());
}

#[test]
fn allowed_keys_without_a_user_name_the_keys_in_the_policy() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    let a = register(&svc, AAID, 0x41);
    let b = register(&svc, AAID, 0x42);
    let json = svc
        .start_authentication(
            None,
            AuthenticationOptions::new().allow_keys([key(AAID, 0x42)]),
            NOW,
            &mut rng(8),
        )
        .unwrap();
    let req = AuthenticationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    assert_eq!(req.policy.accepted.len(), 1);
    let e = svc
        .finish_authentication(&answer(&req, AAID, 0x41, &a, 1), NOW)
        .unwrap_err();
    assert_eq!(first(&e).kind, ErrorKind::KeyNotAllowed);
    svc.finish_authentication(&answer(&req, AAID, 0x42, &b, 1), NOW)
        .unwrap();
}

#[test]
fn an_authenticator_that_does_not_verify_the_user_is_rejected_and_nothing_is_committed() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    let weak = [
        (PRESENCE_ONLY, 0x51, register(&svc, PRESENCE_ONLY, 0x51)),
        (LOCATION_ONLY, 0x52, register(&svc, LOCATION_ONLY, 0x52)),
    ];
    let pin = register(&svc, AAID, 0x41); // PASSCODE: verifies the user
    let req = start(
        &svc,
        AuthenticationOptions::new().require_user_verification(),
        9,
    );
    let pending_before = pending_of(&svc, &req).unwrap();
    assert_eq!(
        pending_before.requirements().user_verification(),
        UserVerificationRequirement::Required
    );
    for (aaid, id, k) in &weak {
        let e = svc
            .finish_authentication(&answer(&req, aaid, *id, k, 4), NOW)
            .unwrap_err();
        assert_eq!(first(&e).step, StepId::AuthStatus, "{aaid}");
        assert_eq!(
            first(&e).kind,
            ErrorKind::Policy(AuthenticatorRejection::UserVerificationRequired),
            "{aaid}"
        );
        assert_eq!(
            e.status(StatusCodeMode::Specific),
            UafStatusCode::UnacceptableAuthenticator
        );
        // Nothing committed.
        assert_eq!(counters(&svc), vec![(0x41, 0), (0x51, 0), (0x52, 0)]);
        assert_eq!(pending_of(&svc, &req).as_ref(), Some(&pending_before));
    }
    // The same challenge, answered by an authenticator that verifies the user.
    svc.finish_authentication(&answer(&req, AAID, 0x41, &pin, 2), NOW)
        .unwrap();
    assert_eq!(counters(&svc), vec![(0x41, 2), (0x51, 0), (0x52, 0)]);
    // Without the requirement the presence-only authenticator signs in.
    let req = start(&svc, AuthenticationOptions::new(), 10);
    let (aaid, id, k) = &weak[0];
    svc.finish_authentication(&answer(&req, aaid, *id, k, 1), NOW)
        .unwrap();
}

#[test]
fn a_rejected_signature_changes_nothing_either() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    let a = register(&svc, AAID, 0x41);
    let req = start(&svc, AuthenticationOptions::new(), 7);
    let mut forged = AuthParts::for_request(&req, &[0x41; 32], 9);
    forged.sign_with = Some(0x77);
    let e = svc
        .finish_authentication(&forged.build(&a), NOW)
        .unwrap_err();
    assert_eq!(e.decisive_step(), StepId::AuthSignature);
    assert_eq!(counters(&svc), vec![(0x41, 0)]);
    assert!(pending_of(&svc, &req).is_some());
    svc.finish_authentication(&answer(&req, AAID, 0x41, &a, 9), NOW)
        .unwrap();
    assert_eq!(counters(&svc), vec![(0x41, 9)]);
}

#[test]
fn a_counter_regression_is_judged_once_with_one_event_and_commits_nothing() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    let a = register(&svc, AAID, 0x41);
    svc.finish_authentication(
        &answer(&start(&svc, Vec::new().into(), 3), AAID, 0x41, &a, 5),
        NOW,
    )
    .unwrap();
    let req = start(&svc, AuthenticationOptions::new(), 4);
    let e = svc
        .finish_authentication(&answer(&req, AAID, 0x41, &a, 5), NOW)
        .unwrap_err();
    assert_eq!(
        first(&e).kind,
        ErrorKind::CounterRegressed {
            stored: 5,
            received: 5
        }
    );
    assert_eq!(first(&e).step, StepId::AuthCounter);
    assert_eq!(counters(&svc), vec![(0x41, 5)]);
    assert!(
        pending_of(&svc, &req).is_some(),
        "the challenge is not used up"
    );
    let events = sink.lock().unwrap().clone();
    assert_eq!(
        events,
        vec![SecurityEvent::CounterRegressed {
            username: "alice".into(),
            aaid: Aaid::parse(AAID).unwrap(),
            key_id: vec![0x41; 32],
            stored: 5,
            received: 5,
            accepted: false,
        }],
        "exactly one event"
    );
}

/// The same response submitted by many threads at once: exactly one succeeds, every other
/// attempt is a used challenge (1491), and the counter moves once.
#[test]
fn a_concurrent_double_submit_gets_exactly_one_success() {
    for round in 0..8u8 {
        let sink = Arc::new(Mutex::new(Vec::new()));
        let svc = Arc::new(service(&sink));
        let a = register(&svc, AAID, 0x41);
        let req = start(&svc, AuthenticationOptions::new(), 20 + round);
        let response = answer(&req, AAID, 0x41, &a, 1);
        let results = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..12 {
                let svc = Arc::clone(&svc);
                let (response, results) = (&response, &results);
                s.spawn(move || {
                    let r = svc.finish_authentication(response, NOW);
                    results.lock().unwrap().push(r.map(|_| ()));
                });
            }
        });
        let results = results.into_inner().unwrap();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        for e in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(e.kind, ErrorKind::ChallengeUnknown, "{e}");
            assert_eq!(e.step, StepId::AuthServerData);
        }
        assert_eq!(counters(&svc), vec![(0x41, 1)]);
        assert!(
            sink.lock().unwrap().is_empty(),
            "a double submit is a used challenge, not a cloned key"
        );
    }
}

/// Under `FlagOnly` a regression is accepted through `Service` with its one event (emitted once
/// the challenge is taken), and the stored counter is kept.
#[test]
fn a_flag_only_regression_is_accepted_with_one_event() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let config = builder()
        .counter_policy(uaf_rp::counter::CounterPolicy::FlagOnly)
        .build()
        .unwrap();
    let rp =
        uaf_rp::RelyingParty::new(config, metadata()).with_event_sink(Box::new(Arc::clone(&sink)));
    let svc: Svc = Service::new(
        rp,
        MemoryCredentialStore::new(),
        MemoryPendingStore::new(),
        MemoryPendingStore::new(),
    );
    let a = register(&svc, AAID, 0x41);
    svc.finish_authentication(
        &answer(
            &start(&svc, AuthenticationOptions::new(), 3),
            AAID,
            0x41,
            &a,
            5,
        ),
        NOW,
    )
    .unwrap();
    let req = start(&svc, AuthenticationOptions::new(), 4);
    let out = svc
        .finish_authentication(&answer(&req, AAID, 0x41, &a, 2), NOW)
        .unwrap();
    assert_eq!(out.keys[0].counter_update, None);
    assert_eq!(counters(&svc), vec![(0x41, 5)]);
    assert!(pending_of(&svc, &req).is_none());
    let events = sink.lock().unwrap();
    assert!(matches!(
        events.as_slice(),
        [SecurityEvent::CounterRegressed {
            stored: 5,
            received: 2,
            accepted: true,
            ..
        }]
    ));
}

/// The same registration response submitted concurrently: one registration, the rest 1491.
#[test]
fn a_concurrent_double_submit_registers_once() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = Arc::new(service(&sink));
    let json = svc.start_registration("alice", NOW, &mut rng(1)).unwrap();
    let req = RegistrationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    let response = RegParts::for_request(&req).build(&uauth(2));
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..12 {
            let svc = Arc::clone(&svc);
            let (response, results) = (&response, &results);
            s.spawn(move || {
                let r = svc.finish_registration(response, NOW);
                results.lock().unwrap().push(r.map(|_| ()));
            });
        }
    });
    let results = results.into_inner().unwrap();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    for e in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(e.kind, ErrorKind::ChallengeUnknown, "{e}");
    }
    assert_eq!(svc.credentials().list_by_user("alice").unwrap().len(), 1);
}

/// A rejected registration leaves its request pending: the right response still registers.
#[test]
fn a_rejected_registration_leaves_the_request_pending() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    let json = svc.start_registration("alice", NOW, &mut rng(1)).unwrap();
    let req = RegistrationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    let mut bad = RegParts::for_request(&req);
    bad.attest_with = Some(0x66);
    let e = svc
        .finish_registration(&bad.build(&uauth(2)), NOW)
        .unwrap_err();
    assert_eq!(e.decisive_step(), StepId::RegAttestation);
    assert!(svc.credentials().list_by_user("alice").unwrap().is_empty());
    assert_eq!(svc.pending_registrations().len(), 1);
    svc.finish_registration(&RegParts::for_request(&req).build(&uauth(2)), NOW)
        .unwrap();
    assert_eq!(svc.credentials().list_by_user("alice").unwrap().len(), 1);
    assert!(svc.pending_registrations().is_empty());
}

/// Persisting servers rebuild the pending state with `from_issued` and restore the
/// requirements with `with_requirements`; the restored state enforces them.
#[test]
fn requirements_survive_a_round_trip_through_a_persisting_store() {
    let rp = rp();
    let e = enroll(&rp);
    let regs = vec![e.registration.clone()];
    let (req, pending) = rp
        .start_authentication(
            Some(("alice", &regs[..])),
            AuthenticationOptions::new()
                .allow_keys(
                    [key(AAID, 0x99)]
                        .into_iter()
                        .chain([(e.registration.aaid, e.registration.key_id.clone())]),
                )
                .require_user_verification(),
            NOW,
            &mut rng(4),
        )
        .unwrap();
    // What a server stores: the request JSON, the user, the time, and the requirements.
    let stored_request = req.to_json();
    let keys: Vec<(String, Vec<u8>)> = pending
        .requirements()
        .allowed_keys()
        .unwrap()
        .iter()
        .map(|(a, k)| (a.to_string(), k.as_bytes().to_vec()))
        .collect();
    let uv = pending.requirements().user_verification();
    // ... and how it rebuilds the state.
    let restored = PendingAuthentication::from_issued(
        AuthenticationRequest::parse_array(&stored_request, &Default::default())
            .unwrap()
            .remove(0),
        Some("alice".into()),
        NOW,
    )
    .with_requirements(
        AuthenticationRequirements::new()
            .allow_keys(
                keys.into_iter()
                    .map(|(a, k)| (Aaid::parse(&a).unwrap(), KeyId::new(k).unwrap())),
            )
            .with_user_verification(uv),
    );
    assert_eq!(restored, pending);
    // Without the requirements, the restored state would be weaker.
    let bare = PendingAuthentication::from_issued(req.clone(), Some("alice".into()), NOW);
    assert!(bare.requirements().is_empty());
    assert_ne!(bare, pending);
    let text = AuthParts::for_request(&req, e.registration.key_id.as_bytes(), 1).build(&e.key);
    rp.finish_authentication(&text, restored, &regs, NOW)
        .unwrap();
}

/// One parse: `parse_response` gives the typed message, its op and serverData; the
/// `*_message` entries verify it without reading the text again, with the same result as the
/// text entries.
/// The decoded message of an authentication response text.
fn auth_msg(svc: &Svc, text: &str) -> uaf_proto::message::AuthenticationResponse {
    match svc.parse_response(text).unwrap() {
        ParsedResponse::Authentication(msg) => msg,
        other => panic!("an authentication response, got {other:?}"),
    }
}

#[test]
fn requirements_given_at_finish_narrow_and_refuse_before_anything_is_committed() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    let a = register(&svc, AAID, 0x41);
    let b = register(&svc, AAID, 0x42);
    let weak = register(&svc, PRESENCE_ONLY, 0x51);
    // Started for any of alice's keys; which device answers is known only at finish.
    let req = start(&svc, AuthenticationOptions::new(), 11);
    let pending_before = pending_of(&svc, &req).unwrap();
    assert!(pending_before.requirements().is_empty());
    let only_b = AuthenticationRequirements::new()
        .allow_keys([key(AAID, 0x42)])
        .require_user_verification();

    // Key A signs correctly but is not the one `more` allows.
    let msg = auth_msg(&svc, &answer(&req, AAID, 0x41, &a, 5));
    let e = svc
        .finish_authentication_message_with(&msg, NOW, &only_b)
        .unwrap_err();
    assert_eq!(first(&e).step, StepId::AuthRegistration);
    assert_eq!(first(&e).kind, ErrorKind::KeyNotAllowed);
    assert_eq!(
        e.status(StatusCodeMode::Specific),
        UafStatusCode::UnacceptableAuthenticator
    );
    // Nothing committed: the counters unmoved, the challenge pending and unchanged (the
    // narrowing is not written back).
    assert_eq!(counters(&svc), vec![(0x41, 0), (0x42, 0), (0x51, 0)]);
    assert_eq!(pending_of(&svc, &req).as_ref(), Some(&pending_before));

    // A presence-only authenticator, allowed by key, is refused for user verification.
    let only_weak = AuthenticationRequirements::new()
        .allow_keys([key(PRESENCE_ONLY, 0x51)])
        .require_user_verification();
    let msg_weak = auth_msg(&svc, &answer(&req, PRESENCE_ONLY, 0x51, &weak, 5));
    let e = svc
        .finish_authentication_message_with(&msg_weak, NOW, &only_weak)
        .unwrap_err();
    assert_eq!(first(&e).step, StepId::AuthStatus);
    assert_eq!(
        first(&e).kind,
        ErrorKind::Policy(AuthenticatorRejection::UserVerificationRequired)
    );
    assert_eq!(counters(&svc), vec![(0x41, 0), (0x42, 0), (0x51, 0)]);
    assert_eq!(pending_of(&svc, &req).as_ref(), Some(&pending_before));

    // The allowed key, verifying its user: accepted once, the counter moved, the challenge taken.
    let msg_b = auth_msg(&svc, &answer(&req, AAID, 0x42, &b, 3));
    let out = svc
        .finish_authentication_message_with(&msg_b, NOW, &only_b)
        .unwrap();
    assert_eq!(out.keys[0].registration.key_id.as_bytes(), &[0x42; 32]);
    assert_eq!(counters(&svc), vec![(0x41, 0), (0x42, 3), (0x51, 0)]);
    assert_eq!(pending_of(&svc, &req), None);
    let e = svc
        .finish_authentication_message_with(&msg_b, NOW, &only_b)
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::ChallengeUnknown);
    assert!(sink.lock().unwrap().is_empty(), "no security event");
}

#[test]
fn requirements_given_at_finish_never_widen_those_given_at_start() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    let a = register(&svc, AAID, 0x41);
    let b = register(&svc, AAID, 0x42);
    // Started for key A only; `more` names key B: the two sets have no key in common.
    let req = start(
        &svc,
        AuthenticationOptions::new().allow_keys([key(AAID, 0x41)]),
        12,
    );
    let pending_before = pending_of(&svc, &req).unwrap();
    let msg_b = auth_msg(&svc, &answer(&req, AAID, 0x42, &b, 2));
    let only_b = AuthenticationRequirements::new().allow_keys([key(AAID, 0x42)]);
    let e = svc
        .finish_authentication_message_with(&msg_b, NOW, &only_b)
        .unwrap_err();
    assert_eq!(first(&e).kind, ErrorKind::KeyNotAllowed);
    // An empty `more` lifts nothing either.
    let e = svc
        .finish_authentication_message_with(&msg_b, NOW, &AuthenticationRequirements::new())
        .unwrap_err();
    assert_eq!(first(&e).kind, ErrorKind::KeyNotAllowed);
    assert_eq!(counters(&svc), vec![(0x41, 0), (0x42, 0)]);
    assert_eq!(pending_of(&svc, &req).as_ref(), Some(&pending_before));
    // Key A: allowed at start, but not by `more` (both must hold); then without `more`.
    let msg_a = auth_msg(&svc, &answer(&req, AAID, 0x41, &a, 2));
    let e = svc
        .finish_authentication_message_with(&msg_a, NOW, &only_b)
        .unwrap_err();
    assert_eq!(
        first(&e).kind,
        ErrorKind::KeyNotAllowed,
        "A is not in B's set"
    );
    svc.finish_authentication_message_with(&msg_a, NOW, &AuthenticationRequirements::new())
        .unwrap();
    assert_eq!(counters(&svc), vec![(0x41, 2), (0x42, 0)]);
}

#[test]
fn parse_once_then_finish_with_the_typed_message() {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let svc = service(&sink);
    let json = svc.start_registration("alice", NOW, &mut rng(1)).unwrap();
    let req = RegistrationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    let key = uauth(0x41);
    let mut parts = RegParts::for_request(&req);
    parts.key_id = vec![0x41; 32];
    let parsed = svc.parse_response(&parts.build(&key)).unwrap();
    assert_eq!(parsed.op(), Operation::Reg);
    assert_eq!(parsed.server_data(), req.header.server_data.as_deref());
    let ParsedResponse::Registration(msg) = parsed else {
        panic!("a registration response")
    };
    svc.finish_registration_message(&msg, NOW).unwrap();

    let req = start(&svc, AuthenticationOptions::new(), 5);
    let parsed = svc
        .parse_response(&answer(&req, AAID, 0x41, &key, 1))
        .unwrap();
    assert_eq!(parsed.op(), Operation::Auth);
    assert_eq!(parsed.server_data(), req.header.server_data.as_deref());
    let ParsedResponse::Authentication(msg) = parsed else {
        panic!("an authentication response")
    };
    svc.finish_authentication_message(&msg, NOW).unwrap();
    assert_eq!(counters(&svc), vec![(0x41, 1)]);
}

/// `parse_response` rejects what the operation's own parser rejects, at the same step: an
/// `Auth` text at an `AUTH-` step, anything else at a `REG-` step.
#[test]
fn parse_response_errors_are_the_operation_parsers_errors() {
    let rp = rp();
    let (req, _) = auth_request(&rp, &[enroll(&rp).registration], Vec::new());
    let good = AuthParts::for_request(&req, &[0x42; 32], 1);
    let mut no_fc = good.clone();
    no_fc.fc_params = Some(String::new());
    let cases: Vec<(String, StepId)> = vec![
        ("not json".into(), StepId::RegParse),
        ("[]".into(), StepId::RegParse),
        (
            r#"[{"header":{"upv":{"major":1,"minor":1},"op":"Dereg"}}]"#.into(),
            StepId::RegOp,
        ),
        (no_fc.build(&uauth(2)), StepId::AuthFcParams),
        (
            AuthenticationRequest::array_to_json(std::slice::from_ref(&req)),
            StepId::AuthMembers,
        ),
        (
            uaf_proto::message::RegistrationRequest::array_to_json(&[reg_request(&rp).0]),
            StepId::RegMembers,
        ),
    ];
    for (text, step) in cases {
        let e = rp.parse_response(&text).unwrap_err();
        assert_eq!(e.step, step, "{text}");
        let direct = if step.id().starts_with("AUTH") {
            rp.parse_authentication_response(&text).unwrap_err()
        } else {
            rp.parse_registration_response(&text).unwrap_err()
        };
        assert_eq!(e, direct, "{text}");
    }
}

/// A store failure reaches the caller as `ErrorKind::Storage` (1500 in both modes) with the
/// store's own error as its source, and a failing lookup commits nothing either.
#[test]
fn storage_failures_keep_their_source() {
    #[derive(Debug, PartialEq, Eq)]
    struct DiskGone;
    impl std::fmt::Display for DiskGone {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("disk gone")
        }
    }
    impl std::error::Error for DiskGone {}

    /// Answers `list_by_user` (so requests can be made) but fails every key lookup.
    struct Failing(MemoryCredentialStore);
    impl CredentialStore for Failing {
        type Error = DiskGone;
        fn get(&self, _: &Aaid, _: &[u8]) -> Result<Option<uaf_rp::Registration>, DiskGone> {
            Err(DiskGone)
        }
        fn list_by_user(&self, u: &str) -> Result<Vec<uaf_rp::Registration>, DiskGone> {
            Ok(self.0.list_by_user(u).unwrap())
        }
        fn insert_unique(
            &self,
            r: uaf_rp::Registration,
        ) -> Result<uaf_rp::store::InsertOutcome, DiskGone> {
            Ok(self.0.insert_unique(r).unwrap())
        }
        fn compare_and_swap_counter(
            &self,
            _: &Aaid,
            _: &[u8],
            _: u32,
            _: u32,
        ) -> Result<uaf_rp::store::CasOutcome, DiskGone> {
            Err(DiskGone)
        }
        fn delete(&self, _: &Aaid, _: &[u8]) -> Result<bool, DiskGone> {
            Err(DiskGone)
        }
    }

    let rp = rp();
    let enrolled = enroll(&rp);
    let store = MemoryCredentialStore::new();
    store.insert_unique(enrolled.registration.clone()).unwrap();
    let svc = Service::new(
        rp,
        Failing(store),
        MemoryPendingStore::<PendingRegistration>::new(),
        MemoryPendingStore::<PendingAuthentication>::new(),
    );
    let json = svc
        .start_authentication(Some("alice"), Vec::new(), NOW, &mut rng(3))
        .unwrap();
    let req = AuthenticationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    let text = AuthParts::for_request(&req, enrolled.registration.key_id.as_bytes(), 1)
        .build(&enrolled.key);
    let e = svc.finish_authentication(&text, NOW).unwrap_err();
    let ErrorKind::Storage(storage) = &first(&e).kind else {
        panic!("a storage error, got {e:?}")
    };
    assert_eq!(first(&e).step, StepId::AuthRegistration);
    assert_eq!(storage.downcast_ref::<DiskGone>(), Some(&DiskGone));
    assert_eq!(storage.to_string(), "disk gone");
    for mode in [StatusCodeMode::Specific, StatusCodeMode::Conformance] {
        assert_eq!(e.status(mode), UafStatusCode::InternalServerError);
    }
    let sd = req.header.server_data.as_deref().unwrap();
    assert!(
        svc.pending_authentications()
            .peek(sd.as_bytes())
            .unwrap()
            .is_some(),
        "the challenge is still pending"
    );
}
