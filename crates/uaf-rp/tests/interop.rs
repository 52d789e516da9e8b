//! The interoperability rules of issue 12, each positive and negative at the verifier's API:
//! AND-sets of the request policy decided over all assertions of a response (registration and
//! authentication, with the explainable decision), the scope of `unknown-critical-tags`, and
//! the status of a response whose assertions all fail at different steps.
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
use uaf_metadata::MetadataIndex;
use uaf_proto::b64;
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{MatchCriteria, Policy};
use uaf_proto::status::UafStatusCode as S;
use uaf_rp::step::StepId;
use uaf_rp::{
    Compat, Error, ErrorKind, PendingAuthentication, Registration, RelyingParty, StatusCodeMode,
    UserVerificationRequirement,
};

const SECOND: &str = "F1D0#0002";

fn model(aaid: &str) -> MatchCriteria {
    MatchCriteria {
        aaid: Some(vec![Aaid::parse(aaid).unwrap()]),
        ..MatchCriteria::default()
    }
}

/// `accepted: [[A, B]]` when `and_set`, else `[[A], [B]]`.
fn policy(and_set: bool, a: MatchCriteria, b: MatchCriteria) -> Policy {
    Policy {
        accepted: if and_set {
            vec![vec![a, b]]
        } else {
            vec![vec![a], vec![b]]
        },
        disallowed: Vec::new(),
    }
}

/// A relying party whose registration policy is `policy` (both test models are presence-or-
/// better authenticators, so the RP does not require user verification here).
fn rp_for(policy: Policy) -> RelyingParty<MetadataIndex> {
    rp_with(
        builder()
            .user_verification(UserVerificationRequirement::Any)
            .policy(policy)
            .build()
            .unwrap(),
    )
}

/// The assertion objects of a one-assertion response text.
fn assertion_of(text: &str) -> String {
    text[text.find(r#"{"assertionScheme""#).unwrap()..text.rfind("]}]").unwrap()].to_string()
}

/// `text` (a one-assertion response) with `assertions` instead.
fn with_assertions(text: &str, assertions: &[String]) -> String {
    text.replacen(&assertion_of(text), &assertions.join(","), 1)
}

/// The registration assertion of model `aaid` with KeyID byte `k`, answering `req`.
fn reg_assertion(
    req: &uaf_proto::message::RegistrationRequest,
    aaid: &str,
    k: u8,
    f: impl FnOnce(&mut RegParts),
) -> (String, String) {
    let mut p = RegParts::for_request(req);
    p.aaid = aaid.into();
    p.key_id = vec![k; 32];
    f(&mut p);
    let text = p.build(&uauth(k));
    (assertion_of(&text), text)
}

fn specific_and_conformance(err: &Error, specific: S) {
    assert_eq!(err.status(StatusCodeMode::Specific), specific, "{err}");
    assert_eq!(
        err.status(StatusCodeMode::Conformance),
        S::UnacceptableContent,
        "{err}"
    );
}

#[test]
fn registration_and_set_is_satisfied_by_two_authenticators() {
    let rp = rp_for(policy(true, model(AAID), model(SECOND)));
    let (req, pending) = reg_request(&rp);
    let (a, text) = reg_assertion(&req, AAID, 0x41, |_| {});
    let (b, _) = reg_assertion(&req, SECOND, 0x42, |_| {});
    let out = rp
        .finish_registration(&with_assertions(&text, &[a, b]), pending, &[][..], NOW)
        .unwrap();
    assert_eq!(out.registered.len(), 2);
    assert_eq!(out.policy.satisfied, Some(0));
    assert_eq!(out.policy.accepted[0].assigned, [Some(0), Some(1)]);
    assert_eq!(out.policy.assertions[0].matches, [(0, 0)]);
    assert_eq!(out.policy.assertions[1].matches, [(0, 1)]);
}

#[test]
fn registration_and_set_is_not_satisfied_by_one_authenticator() {
    let rp = rp_for(policy(true, model(AAID), model(SECOND)));
    let (req, pending) = reg_request(&rp);
    let (_, text) = reg_assertion(&req, AAID, 0x41, |_| {});
    let err = rp
        .finish_registration(&text, pending, &[][..], NOW)
        .unwrap_err();
    assert_eq!(err.step, StepId::RegResult);
    specific_and_conformance(&err, S::UnacceptableAuthenticator);
    let ErrorKind::PolicyNotSatisfied(d) = &err.kind else {
        panic!("{err}");
    };
    assert_eq!(d.satisfied, None);
    assert_eq!(d.accepted[0].assigned, [Some(0), None]);
    assert_eq!(d.accepted[0].unmatched().collect::<Vec<_>>(), [1]);
    assert_eq!(err.kind.code(), "policy.not-satisfied");
    assert!(
        err.to_string()
            .contains("accepted[0][0] by assertion 0; accepted[0][1] unmatched"),
        "{err}"
    );

    // The second assertion is present but fails (final challenge hash): skipped, so the
    // AND-set is still one authenticator short.
    let (req, pending) = reg_request(&rp);
    let (a, text) = reg_assertion(&req, AAID, 0x41, |_| {});
    let (b, _) = reg_assertion(&req, SECOND, 0x42, |p| p.fch = Some(vec![0; 32]));
    let err = rp
        .finish_registration(&with_assertions(&text, &[a, b]), pending, &[][..], NOW)
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::PolicyNotSatisfied(_)),
        "{err}"
    );

    // With one accepted entry per model, one authenticator suffices.
    let rp = rp_for(policy(false, model(AAID), model(SECOND)));
    let (req, pending) = reg_request(&rp);
    let (_, text) = reg_assertion(&req, SECOND, 0x42, |_| {});
    let out = rp
        .finish_registration(&text, pending, &[][..], NOW)
        .unwrap();
    assert_eq!(out.policy.satisfied, Some(1));
    assert_eq!(out.policy.accepted[0].assigned, [None]);
}

/// Registers one key of each test model for alice.
fn enroll_both(rp: &RelyingParty<MetadataIndex>) -> Vec<Registration> {
    let (req, pending) = reg_request(rp);
    let (a, text) = reg_assertion(&req, AAID, 0x41, |_| {});
    let (b, _) = reg_assertion(&req, SECOND, 0x42, |_| {});
    rp.finish_registration(&with_assertions(&text, &[a, b]), pending, &[][..], NOW)
        .unwrap()
        .registered
        .into_iter()
        .map(|k| k.registration)
        .collect()
}

fn key_criteria(r: &Registration) -> MatchCriteria {
    MatchCriteria::registered_key(
        r.aaid,
        KeyId::from_stored(r.key_id.as_bytes().to_vec()).unwrap(),
    )
}

/// An authentication request for both keys with `policy`, the pending state, and each key's
/// assertion (counter 1).
fn auth_both(
    rp: &RelyingParty<MetadataIndex>,
    regs: &[Registration],
    and_set: bool,
) -> (String, PendingAuthentication, Vec<String>) {
    let (mut req, _) = auth_request(rp, regs, Vec::new());
    req.policy = policy(and_set, key_criteria(&regs[0]), key_criteria(&regs[1]));
    let pending = PendingAuthentication::from_issued(req.clone(), Some("alice".into()), NOW);
    let mut texts = Vec::new();
    let mut assertions = Vec::new();
    for (r, k) in regs.iter().zip([0x41_u8, 0x42]) {
        let mut p = AuthParts::for_request(&req, r.key_id.as_bytes(), 1);
        p.aaid = r.aaid.as_str().into();
        let text = p.build(&uauth(k));
        assertions.push(assertion_of(&text));
        texts.push(text);
    }
    (texts.remove(0), pending, assertions)
}

#[test]
fn authentication_and_set_needs_both_keys() {
    let rp = rp_for(policy(false, model(AAID), model(SECOND)));
    let regs = enroll_both(&rp);
    // Both keys sign: the AND-set is satisfied, each criterion by its own assertion.
    let (text, pending, assertions) = auth_both(&rp, &regs, true);
    let out = rp
        .finish_authentication(
            &with_assertions(&text, &assertions),
            pending,
            &regs[..],
            NOW,
        )
        .unwrap();
    assert_eq!(out.keys.len(), 2);
    assert_eq!(out.policy.satisfied, Some(0));
    assert_eq!(out.policy.accepted[0].assigned, [Some(0), Some(1)]);
    // One key signs: 1492 at A6, the second criterion unmatched.
    let (text, pending, _) = auth_both(&rp, &regs, true);
    let err = rp
        .finish_authentication(&text, pending, &regs[..], NOW)
        .unwrap_err();
    assert_eq!(err.step, StepId::AuthResult);
    specific_and_conformance(&err, S::UnacceptableAuthenticator);
    let ErrorKind::PolicyNotSatisfied(d) = &err.kind else {
        panic!("{err}");
    };
    assert_eq!(d.accepted[0].assigned, [Some(0), None]);
    // Either key: one suffices.
    let (text, pending, _) = auth_both(&rp, &regs, false);
    let out = rp
        .finish_authentication(&text, pending, &regs[..], NOW)
        .unwrap();
    assert_eq!(out.policy.satisfied, Some(0));
}

/// Several assertions, none verifies: the first assertion's first failing step decides the
/// status and the step, whatever the later ones fail at (docs/spec-steps.md).
#[test]
fn none_verified_the_first_assertions_first_failing_step_decides() {
    let rp = rp_for(policy(false, model(AAID), model(SECOND)));
    // First: unknown AAID (R5.3, 1480); second: final challenge hash (R5.7, 1498).
    let (req, pending) = reg_request(&rp);
    let (a, text) = reg_assertion(&req, "F1D0#0999", 0x41, |_| {});
    let (b, _) = reg_assertion(&req, SECOND, 0x42, |p| p.fch = Some(vec![0; 32]));
    let err = rp
        .finish_registration(
            &with_assertions(&text, &[a.clone(), b.clone()]),
            pending,
            &[][..],
            NOW,
        )
        .unwrap_err();
    assert_eq!(err.step, StepId::RegResult);
    assert_eq!(err.decisive_step(), StepId::RegMetadata);
    assert_eq!(err.status(StatusCodeMode::Specific), S::UnknownAaid);
    assert!(matches!(
        err.kind,
        ErrorKind::NoAssertionVerified { count: 2, .. }
    ));
    // The other order: the final challenge hash decides.
    let (_, pending) = reg_request(&rp);
    let err = rp
        .finish_registration(&with_assertions(&text, &[b, a]), pending, &[][..], NOW)
        .unwrap_err();
    assert_eq!(err.decisive_step(), StepId::RegFinalChallengeHash);
    assert_eq!(err.status(StatusCodeMode::Specific), S::UnacceptableContent);
}

/// Appends TLV `extra` inside the top-level TLV of `assertion` (base64url).
fn append_inside(assertion: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut tlv = assertion.to_vec();
    let len = u16::from_le_bytes([tlv[2], tlv[3]]) + u16::try_from(extra.len()).unwrap();
    tlv[2..4].copy_from_slice(&len.to_le_bytes());
    tlv.extend_from_slice(extra);
    tlv
}

const VENDOR_CRITICAL: [u8; 6] = [0xF0, 0x2E, 0x02, 0x00, 0xAB, 0xCD];

#[test]
fn unknown_critical_tags_are_relaxed_inside_the_signed_data_only() {
    let mut compat = Compat::default();
    compat.unknown_critical_tags = true;
    let relaxed = rp_with(builder().compat(compat).build().unwrap());
    for rp in [rp(), relaxed] {
        let relax = rp.config().compat().unknown_critical_tags;
        // Inside the KRD (signed): skipped under the relaxation, else malformed.
        let (req, pending) = reg_request(&rp);
        let mut parts = RegParts::for_request(&req);
        let krd = uaf_proto::assertion::KrdBuilder {
            aaid: Aaid::parse(AAID).unwrap(),
            assertion_info: uaf_proto::assertion::RegAssertionInfo {
                authenticator_version: 2,
                authentication_mode: 1,
                sign_alg: uaf_proto::registry::AlgSign::Secp256r1EcdsaSha256Raw,
                pub_key_alg: uaf_proto::registry::AlgKey::EccX962Raw,
            },
            final_challenge_hash: uaf_crypto::hash(
                uaf_proto::registry::HashAlg::Sha256,
                parts.fc_params().as_bytes(),
            )
            .unwrap()
            .as_bytes(),
            key_id: &[0x42; 32],
            sign_counter: 0,
            reg_counter: 1,
            pub_key: &uauth(2)
                .public_key()
                .encode(uaf_proto::registry::AlgKey::EccX962Raw)
                .unwrap(),
            extensions: uaf_proto::assertion::Extensions::empty(),
        }
        .encode()
        .unwrap();
        parts.krd = Some(append_inside(&krd, &VENDOR_CRITICAL));
        let result = rp.finish_registration(&parts.build(&uauth(2)), pending, &[][..], NOW);
        if relax {
            assert_eq!(result.unwrap().registered.len(), 1);
        } else {
            let err = result.unwrap_err();
            assert_eq!(err.decisive_step(), StepId::RegTlv);
            assert_eq!(err.status(StatusCodeMode::Specific), S::UnacceptableContent);
        }
        // Directly inside the assertion container (unsigned): malformed either way.
        let (req, pending) = reg_request(&rp);
        let mut parts = RegParts::for_request(&req);
        let valid = parts.build(&uauth(2));
        let text = &valid[valid.find(r#""assertion":""#).unwrap() + 13..];
        let tlv = b64::Base64Policy::Strict
            .decode(&text[..text.find('"').unwrap()])
            .unwrap();
        parts.assertion = Some(b64::encode(&append_inside(&tlv, &VENDOR_CRITICAL)));
        let err = rp
            .finish_registration(&parts.build(&uauth(2)), pending, &[][..], NOW)
            .unwrap_err();
        assert_eq!(err.decisive_step(), StepId::RegTlv, "relax {relax}: {err}");
        assert_eq!(err.status(StatusCodeMode::Specific), S::UnacceptableContent);
        assert_eq!(err.kind.code(), "decode.assertion-tlv");
    }
}
