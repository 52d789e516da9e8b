//! The stateful layer: pending state single use, stores applied, counters advanced by
//! compare-and-swap under concurrency, deregistration, and the stateless (sealed) mode.
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
use uaf_metadata::MetadataIndex;
use uaf_proto::message::{AuthenticationRequest, RegistrationRequest};
use uaf_proto::status::UafStatusCode;
use uaf_rp::stateless::{MemoryReplayGuard, ReplayGuard, ServerDataKey};
use uaf_rp::step::StepId;
use uaf_rp::store::{
    AuthenticationCommit, CasOutcome, CounterAdvance, CredentialStore, MemoryCredentialStore,
    MemoryPendingStore, PendingStore,
};
use uaf_rp::{
    AuthenticationRequirements, DeregistrationTarget, ErrorKind, PendingAuthentication,
    PendingRegistration, SecurityEvent, Service, StatusCodeMode,
};

type Svc = Service<
    MetadataIndex,
    MemoryCredentialStore,
    MemoryPendingStore<PendingRegistration>,
    MemoryPendingStore<PendingAuthentication>,
>;

fn service() -> Svc {
    Service::new(
        rp(),
        MemoryCredentialStore::new(),
        MemoryPendingStore::new(),
        MemoryPendingStore::new(),
    )
}

fn register(svc: &Svc) -> uaf_crypto::SigningKey {
    let json = svc.start_registration("alice", NOW, &mut rng(1)).unwrap();
    let req = RegistrationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    let key = uauth(2);
    svc.finish_registration(&RegParts::for_request(&req).build(&key), NOW)
        .unwrap();
    key
}

fn auth_response(svc: &Svc, key: &uaf_crypto::SigningKey, counter: u32, seed: u8) -> String {
    let json = svc
        .start_authentication(Some("alice"), Vec::new(), NOW, &mut rng(seed))
        .unwrap();
    let req = AuthenticationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    AuthParts::for_request(&req, &[0x42; 32], counter).build(key)
}

#[test]
fn registration_is_stored_and_a_replay_fails_with_1491() {
    let svc = service();
    let json = svc.start_registration("alice", NOW, &mut rng(1)).unwrap();
    let req = RegistrationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    let response = RegParts::for_request(&req).build(&uauth(2));
    svc.finish_registration(&response, NOW).unwrap();
    assert_eq!(svc.credentials().list_by_user("alice").unwrap().len(), 1);
    let e = svc.finish_registration(&response, NOW).unwrap_err();
    assert_eq!(e.step, StepId::RegServerData);
    assert_eq!(e.kind, ErrorKind::ChallengeUnknown);
    assert_eq!(
        e.status(StatusCodeMode::Specific),
        UafStatusCode::RequestInvalid
    );
    // The next registration request disallows the key now registered.
    let json = svc.start_registration("alice", NOW, &mut rng(9)).unwrap();
    let req = RegistrationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    assert_eq!(req.policy.disallowed.len(), 1);
}

#[test]
fn authentication_advances_the_stored_counter_and_a_replay_fails() {
    let svc = service();
    let key = register(&svc);
    let response = auth_response(&svc, &key, 7, 3);
    let out = svc.finish_authentication(&response, NOW).unwrap();
    assert_eq!(out.username(), Some("alice"));
    let stored = svc.credentials().list_by_user("alice").unwrap();
    assert_eq!(stored[0].sign_counter, 7);
    let e = svc.finish_authentication(&response, NOW).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ChallengeUnknown);
    assert_eq!(
        e.status(StatusCodeMode::Specific),
        UafStatusCode::RequestInvalid
    );
}

/// Many threads sign in with the same key at once, all with counter 1: exactly one wins.
#[test]
fn concurrent_sign_ins_with_one_counter_value_exactly_one_wins() {
    let svc = Arc::new(service());
    let key = register(&svc);
    let responses: Vec<String> = (0..16)
        .map(|i| auth_response(&svc, &key, 1, 10 + i))
        .collect();
    let wins = Mutex::new(0u32);
    std::thread::scope(|s| {
        for r in &responses {
            let svc = Arc::clone(&svc);
            let wins = &wins;
            s.spawn(move || {
                if svc.finish_authentication(r, NOW).is_ok() {
                    *wins.lock().unwrap() += 1;
                }
            });
        }
    });
    assert_eq!(*wins.lock().unwrap(), 1);
    assert_eq!(
        svc.credentials().list_by_user("alice").unwrap()[0].sign_counter,
        1
    );
}

/// Distinct increasing counters raced in parallel: no update is lost (the stored value ends
/// at the highest), and a response only wins if its counter exceeds what was stored when it
/// committed.
#[test]
fn concurrent_sign_ins_lose_no_update() {
    let svc = Arc::new(service());
    let key = register(&svc);
    let responses: Vec<(u32, String)> = (1..=24u32)
        .map(|c| {
            (
                c,
                auth_response(&svc, &key, c, 40 + u8::try_from(c).unwrap()),
            )
        })
        .collect();
    let won = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for (c, r) in &responses {
            let svc = Arc::clone(&svc);
            let won = &won;
            s.spawn(move || {
                if svc.finish_authentication(r, NOW).is_ok() {
                    won.lock().unwrap().push(*c);
                }
            });
        }
    });
    let won = won.into_inner().unwrap();
    assert!(
        won.contains(&24),
        "the highest counter always wins: {won:?}"
    );
    assert_eq!(
        svc.credentials().list_by_user("alice").unwrap()[0].sign_counter,
        24
    );
}

#[test]
fn counter_regression_is_reported_to_the_event_sink() {
    let sink = Arc::new(Mutex::new(Vec::<SecurityEvent>::new()));
    let rp = rp().with_event_sink(Box::new(Arc::clone(&sink)));
    let svc: Svc = Service::new(
        rp,
        MemoryCredentialStore::new(),
        MemoryPendingStore::new(),
        MemoryPendingStore::new(),
    );
    let key = register(&svc);
    svc.finish_authentication(&auth_response(&svc, &key, 5, 3), NOW)
        .unwrap();
    let e = svc
        .finish_authentication(&auth_response(&svc, &key, 4, 4), NOW)
        .unwrap_err();
    assert_eq!(e.decisive_step(), StepId::AuthCounter);
    assert!(
        matches!(&e.kind, ErrorKind::NoAssertionVerified { first, .. }
        if first.kind == ErrorKind::CounterRegressed { stored: 5, received: 4 })
    );
    let events = sink.lock().unwrap();
    assert!(matches!(
        events.as_slice(),
        [SecurityEvent::CounterRegressed {
            stored: 5,
            received: 4,
            accepted: false,
            ..
        }]
    ));
}

#[test]
fn deregistration_deletes_and_later_sign_in_fails_with_1481() {
    let svc = service();
    let key = register(&svc);
    let json = svc.deregister("alice", &DeregistrationTarget::All).unwrap();
    assert!(json.contains(r#""op":"Dereg""#));
    assert!(svc.credentials().list_by_user("alice").unwrap().is_empty());
    let e = svc
        .start_authentication(Some("alice"), Vec::new(), NOW, &mut rng(5))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::UnknownKeyId);
    // A first-factor request (no username) still finds nothing.
    let json = svc
        .start_authentication(None, Vec::new(), NOW, &mut rng(6))
        .unwrap();
    let req = AuthenticationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    let text = AuthParts::for_request(&req, &[0x42; 32], 9).build(&key);
    let e = svc.finish_authentication(&text, NOW).unwrap_err();
    assert_eq!(
        e.status(StatusCodeMode::Specific),
        UafStatusCode::UnknownKeyId
    );
}

#[test]
fn stateless_sealed_server_data_with_a_replay_guard() {
    let rp = rp();
    let key = ServerDataKey::new([5; 32]);
    let guard = MemoryReplayGuard::new();
    // Register statelessly.
    let (req, pending) = rp
        .start_registration("alice", &[], NOW, &mut rng(1))
        .unwrap();
    let sealed = key.seal_registration(&pending).unwrap();
    let uauth_key = uauth(2);
    let response = RegParts::for_request(&sealed).build(&uauth_key);
    let _ = req;
    let msg = uaf_proto::message::RegistrationResponse::parse_array(&response, &Default::default())
        .unwrap();
    let sd = msg.header.server_data.unwrap();
    let pending = key.open_registration(rp.config(), &sd, &[]).unwrap();
    let out = rp
        .finish_registration(&response, pending, &[][..], NOW)
        .unwrap();
    let regs = vec![out.registered[0].registration.clone()];
    // Authenticate statelessly: the guard admits the challenge once.
    let (_, pending) = rp
        .start_authentication(Some(("alice", &regs[..])), Vec::new(), NOW, &mut rng(3))
        .unwrap();
    let sealed = key.seal_authentication(&pending).unwrap();
    let response = AuthParts::for_request(&sealed, &[0x42; 32], 1).build(&uauth_key);
    for attempt in 0..2 {
        let msg =
            uaf_proto::message::AuthenticationResponse::parse_array(&response, &Default::default())
                .unwrap();
        let sd = msg.header.server_data.unwrap();
        let user = key
            .sealed_username(&sd, uaf_proto::message::Operation::Auth)
            .unwrap();
        assert_eq!(user.as_deref(), Some("alice"));
        let pending = key.open_authentication(rp.config(), &sd, &regs).unwrap();
        let first = guard
            .first_use(
                pending.request().challenge.as_bytes(),
                pending.issued_at() + 300,
                NOW,
            )
            .unwrap();
        assert_eq!(first, attempt == 0);
        if first {
            rp.finish_authentication(&response, pending, &regs, NOW)
                .unwrap();
        }
    }
    // A forged serverData does not open.
    let e = key
        .open_authentication(rp.config(), "AAAA", &regs)
        .unwrap_err();
    assert_eq!(e.step, StepId::AuthServerData);
}

/// Stores shared as `Arc` (one handle in the service, others elsewhere in the server) are the
/// stores: what the service writes is seen through the other handles.
#[test]
fn shared_stores_behind_arc_are_the_stores() {
    let credentials = Arc::new(MemoryCredentialStore::new());
    let pending_auths: Arc<MemoryPendingStore<PendingAuthentication>> =
        Arc::new(MemoryPendingStore::new());
    let svc = Service::new(
        rp(),
        Arc::clone(&credentials),
        Arc::new(MemoryPendingStore::<PendingRegistration>::new()),
        Arc::clone(&pending_auths),
    );
    let json = svc.start_registration("alice", NOW, &mut rng(1)).unwrap();
    let req = RegistrationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    let key = uauth(2);
    svc.finish_registration(&RegParts::for_request(&req).build(&key), NOW)
        .unwrap();
    assert_eq!(credentials.list_by_user("alice").unwrap().len(), 1);

    let json = svc
        .start_authentication(Some("alice"), Vec::new(), NOW, &mut rng(3))
        .unwrap();
    assert_eq!(pending_auths.len(), 1, "put through the service's handle");
    let req = AuthenticationRequest::parse_array(&json, &Default::default())
        .unwrap()
        .remove(0);
    let response = AuthParts::for_request(&req, &[0x42; 32], 4).build(&key);
    svc.finish_authentication(&response, NOW).unwrap();
    assert!(
        pending_auths.is_empty(),
        "taken through the service's handle"
    );
    let stored = credentials.list_by_user("alice").unwrap();
    assert_eq!(stored[0].sign_counter, 4);
    // A replay through the shared handles: the challenge is gone.
    let e = svc.finish_authentication(&response, NOW).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ChallengeUnknown);
}

/// A one-step commit over the service's memory stores for the tests: one lock makes the take
/// and the counter writes atomic against every other call; `calls` counts the commits.
struct OneStep<'a> {
    svc: &'a Svc,
    lock: Mutex<()>,
    calls: Mutex<u32>,
}

impl<'a> OneStep<'a> {
    fn new(svc: &'a Svc) -> Self {
        OneStep {
            svc,
            lock: Mutex::new(()),
            calls: Mutex::new(0),
        }
    }
}

impl AuthenticationCommit for OneStep<'_> {
    type Error = std::convert::Infallible;

    fn take_and_advance(
        &self,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
    ) -> Result<Option<Vec<CasOutcome>>, Self::Error> {
        let _one_at_a_time = self.lock.lock().unwrap();
        *self.calls.lock().unwrap() += 1;
        if self
            .svc
            .pending_authentications()
            .take(server_data)
            .unwrap()
            .is_none()
        {
            return Ok(None);
        }
        let creds = self.svc.credentials();
        Ok(Some(
            counters
                .iter()
                .map(|c| match creds.get(c.aaid, c.key_id).unwrap() {
                    None => CasOutcome::NotFound,
                    Some(r) if r.sign_counter == c.expected || r.sign_counter < c.new => creds
                        .compare_and_swap_counter(c.aaid, c.key_id, r.sign_counter, c.new)
                        .unwrap(),
                    Some(r) => CasOutcome::Conflict {
                        current: r.sign_counter,
                    },
                })
                .collect(),
        ))
    }
}

fn finish_in_one_step(
    svc: &Svc,
    commit: &OneStep<'_>,
    response: &str,
) -> Result<u32, uaf_rp::Error> {
    let msg = svc
        .relying_party()
        .parse_authentication_response(response)?;
    let out = svc.finish_authentication_message_committing(
        &msg,
        NOW,
        &AuthenticationRequirements::new(),
        commit,
    )?;
    Ok(out.keys.len().try_into().unwrap())
}

/// One commit per accepted authentication; the counter advanced; a replay finds no
/// challenge (1491); a rejected response commits nothing.
#[test]
fn a_one_step_commit_takes_the_challenge_and_advances_the_counter_together() {
    let svc = service();
    let key = register(&svc);
    let commit = OneStep::new(&svc);
    let response = auth_response(&svc, &key, 7, 3);
    assert_eq!(finish_in_one_step(&svc, &commit, &response).unwrap(), 1);
    assert_eq!(*commit.calls.lock().unwrap(), 1);
    assert_eq!(
        svc.credentials().list_by_user("alice").unwrap()[0].sign_counter,
        7
    );
    let e = finish_in_one_step(&svc, &commit, &response).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ChallengeUnknown);
    // Refused by the peek: no commit.
    assert_eq!(*commit.calls.lock().unwrap(), 1);
    // A response signed by another key: rejected in verification, nothing committed, the
    // challenge still pending.
    let forged = auth_response(&svc, &uauth(9), 8, 4);
    assert!(finish_in_one_step(&svc, &commit, &forged).is_err());
    assert_eq!(*commit.calls.lock().unwrap(), 1);
    assert_eq!(
        svc.credentials().list_by_user("alice").unwrap()[0].sign_counter,
        7
    );
    // A regression (4 after 7) is judged against the stored value: AUTH-22, counter kept.
    let e = finish_in_one_step(&svc, &commit, &auth_response(&svc, &key, 4, 5)).unwrap_err();
    assert_eq!(e.decisive_step(), StepId::AuthCounter);
    assert_eq!(
        svc.credentials().list_by_user("alice").unwrap()[0].sign_counter,
        7
    );
}

/// The one-step commit keeps the concurrency guarantees of the separate calls: of 16
/// responses with one counter value exactly one wins; of 24 increasing ones none is lost.
#[test]
fn one_step_commits_under_concurrency_lose_no_update() {
    let svc = service();
    let key = register(&svc);
    let commit = OneStep::new(&svc);
    let same: Vec<String> = (0..16)
        .map(|i| auth_response(&svc, &key, 1, 10 + i))
        .collect();
    let wins = Mutex::new(0u32);
    std::thread::scope(|s| {
        for r in &same {
            let (svc, commit, wins) = (&svc, &commit, &wins);
            s.spawn(move || {
                if finish_in_one_step(svc, commit, r).is_ok() {
                    *wins.lock().unwrap() += 1;
                }
            });
        }
    });
    assert_eq!(*wins.lock().unwrap(), 1);
    let rising: Vec<(u32, String)> = (2..=25u32)
        .map(|c| {
            (
                c,
                auth_response(&svc, &key, c, 40 + u8::try_from(c).unwrap()),
            )
        })
        .collect();
    let won = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for (c, r) in &rising {
            let (svc, commit, won) = (&svc, &commit, &won);
            s.spawn(move || {
                if finish_in_one_step(svc, commit, r).is_ok() {
                    won.lock().unwrap().push(*c);
                }
            });
        }
    });
    assert!(won.into_inner().unwrap().contains(&25));
    assert_eq!(
        svc.credentials().list_by_user("alice").unwrap()[0].sign_counter,
        25
    );
}
