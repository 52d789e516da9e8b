//! One positive and at least one negative test for every step ID of `docs/spec-steps.md`,
//! each negative asserting the exact step, error kind and status in both status-code modes.
//! The list at the end checks that no step is left without tests.
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
use std::collections::BTreeSet;
use uaf_metadata::{MetadataEntry, MetadataIndex};
use uaf_proto::message::{
    ChannelBinding, MatchCriteria, MessageErrorKind, Policy, Transaction, Version,
};
use uaf_proto::registry::{AlgKey, AlgSign, UserVerify};
use uaf_proto::status::UafStatusCode as S;
use uaf_proto::tlv::{self, TlvWriter};
use uaf_rp::counter::{CounterPolicy, CounterVerdict};
use uaf_rp::policy::AuthenticatorRejection;
use uaf_rp::step::StepId;
use uaf_rp::{
    AuthenticationOptions, Compat, DeregistrationTarget, Error, ErrorKind, RelyingParty,
    StatusCodeMode, TransactionProblem, UserVerificationRequirement,
};

/// Asserts the decisive step, the specific status, and 1498 (or 1500) in conformance mode.
fn check(err: &Error, step: StepId, specific: S) {
    assert_eq!(err.decisive_step(), step, "{err}");
    assert_eq!(err.status(StatusCodeMode::Specific), specific, "{err}");
    let conformance = if specific == S::InternalServerError {
        specific
    } else {
        S::UnacceptableContent
    };
    assert_eq!(
        err.status(StatusCodeMode::Conformance),
        conformance,
        "{err}"
    );
}

/// The per-assertion error inside "no assertion verified".
fn inner(err: &Error) -> &ErrorKind {
    match &err.kind {
        ErrorKind::NoAssertionVerified { first, .. } => &first.kind,
        k => k,
    }
}

fn reg_with(
    rp: &RelyingParty<MetadataIndex>,
    f: impl FnOnce(&mut RegParts),
) -> Result<uaf_rp::RegistrationOutcome, Error> {
    let (req, pending) = reg_request(rp);
    let mut parts = RegParts::for_request(&req);
    f(&mut parts);
    rp.finish_registration(&parts.build(&uauth(2)), pending, &[][..], NOW)
}

fn reg_fail(f: impl FnOnce(&mut RegParts)) -> Error {
    reg_with(&rp(), f).unwrap_err()
}

fn reg_text_fail(rp: &RelyingParty<MetadataIndex>, edit: impl FnOnce(String) -> String) -> Error {
    let (req, pending) = reg_request(rp);
    let text = edit(RegParts::for_request(&req).build(&uauth(2)));
    rp.finish_registration(&text, pending, &[][..], NOW)
        .unwrap_err()
}

fn auth_with(
    rp: &RelyingParty<MetadataIndex>,
    e: &Enrolled,
    transaction: Vec<Transaction>,
    f: impl FnOnce(&mut AuthParts),
) -> Result<uaf_rp::AuthenticationOutcome, Error> {
    let regs = vec![e.registration.clone()];
    let (req, pending) = auth_request(rp, &regs, transaction);
    let mut parts = AuthParts::for_request(&req, e.registration.key_id.as_bytes(), 1);
    f(&mut parts);
    rp.finish_authentication(&parts.build(&e.key), pending, &regs, NOW)
}

fn auth_fail(f: impl FnOnce(&mut AuthParts)) -> Error {
    let rp = rp();
    let e = enroll(&rp);
    auth_with(&rp, &e, Vec::new(), f).unwrap_err()
}

fn auth_text_fail(edit: impl FnOnce(String) -> String) -> Error {
    let rp = rp();
    let e = enroll(&rp);
    let regs = vec![e.registration.clone()];
    let (req, pending) = auth_request(&rp, &regs, Vec::new());
    let text =
        edit(AuthParts::for_request(&req, e.registration.key_id.as_bytes(), 1).build(&e.key));
    rp.finish_authentication(&text, pending, &regs, NOW)
        .unwrap_err()
}

// ------------------------------------------------------------------------------------------
// Registration, message level
// ------------------------------------------------------------------------------------------

#[test]
fn reg_positive_path_covers_every_step() {
    let rp = rp();
    let out = reg_with(&rp, |_| {}).unwrap();
    assert_eq!(out.registered.len(), 1);
    assert!(out.skipped.is_empty());
    let k = &out.registered[0];
    assert_eq!(k.registration.sign_alg, AlgSign::Secp256r1EcdsaSha256Raw);
    assert_eq!(k.registration.public_key_encoding, AlgKey::EccX962Raw);
    assert_eq!(k.user_verification, UserVerify::PASSCODE);
    assert_eq!(k.reg_counter, 1);
    assert!(!k.older_than_metadata);
}

#[test]
fn reg_01_parse() {
    let e = reg_text_fail(&rp(), |_| "not json".into());
    check(&e, StepId::RegParse, S::UnacceptableContent);
    assert!(matches!(e.kind, ErrorKind::Message(_)));
    let e = reg_text_fail(&rp(), |_| "[]".into());
    check(&e, StepId::RegParse, S::UnacceptableContent);
    let e = reg_text_fail(&rp(), |t| format!("[{0},{0}]", &t[1..t.len() - 1]));
    check(&e, StepId::RegParse, S::UnacceptableContent);
}

#[test]
fn reg_02_members() {
    let e = reg_text_fail(&rp(), |t| {
        t.replace(r#""assertions":[{"#, r#""assertionz":[{"#)
    });
    check(&e, StepId::RegMembers, S::UnacceptableContent);
    let e = reg_text_fail(&rp(), |t| {
        let start = t.find(r#""assertions":"#).unwrap();
        format!(r#"{}"assertions":[]}}]"#, &t[..start])
    });
    check(&e, StepId::RegMembers, S::UnacceptableContent);
}

#[test]
fn reg_03_version() {
    let e = reg_fail(|p| p.upv = (1, 7));
    check(&e, StepId::RegVersion, S::UnacceptableContent);
    assert_eq!(
        e.kind,
        ErrorKind::UnsupportedVersion {
            found: Version::new(1, 7)
        }
    );
    let e = reg_fail(|p| p.upv = (1, 0));
    assert_eq!(
        e.kind,
        ErrorKind::VersionMismatch {
            expected: Version::V1_1,
            found: Version::V1_0
        }
    );
    check(&e, StepId::RegVersion, S::UnacceptableContent);
    let e = reg_text_fail(&rp(), |t| {
        t.replace(r#""upv":{"major":1,"minor":1}"#, r#""upv":{}"#)
    });
    check(&e, StepId::RegVersion, S::UnacceptableContent);
}

#[test]
fn reg_04_op() {
    let e = reg_fail(|p| p.op = "Auth".into());
    check(&e, StepId::RegOp, S::UnacceptableContent);
    let e = reg_fail(|p| p.op = "REG".into());
    check(&e, StepId::RegOp, S::UnacceptableContent);
}

#[test]
fn reg_05_header_app_id() {
    let e = reg_fail(|p| p.app_id = Some("https://evil.example.com/facets.json".into()));
    check(&e, StepId::RegHeaderAppId, S::UnacceptableContent);
    assert_eq!(e.kind, ErrorKind::HeaderAppIdMismatch);
    // Absent is fine.
    assert!(reg_with(&rp(), |p| p.app_id = None).is_ok());
}

#[test]
fn reg_06_header_extensions() {
    let e = reg_fail(|p| {
        p.header_exts = Some(r#"[{"id":"x.critical","data":"","fail_if_unknown":true}]"#.into())
    });
    check(&e, StepId::RegHeaderExts, S::UnacceptableContent);
    assert_eq!(
        e.kind,
        ErrorKind::UnknownCriticalExtension {
            id: "x.critical".into()
        }
    );
    assert!(
        reg_with(&rp(), |p| p.header_exts = Some(
            r#"[{"id":"x.optional","data":"","fail_if_unknown":false}]"#.into()
        ))
        .is_ok()
    );
    let known = rp_with(builder().known_extensions(["x.critical"]).build().unwrap());
    assert!(
        reg_with(&known, |p| p.header_exts = Some(
            r#"[{"id":"x.critical","data":"","fail_if_unknown":true}]"#.into()
        ))
        .is_ok()
    );
}

#[test]
fn reg_07_server_data() {
    let e = reg_fail(|p| p.server_data = Some("tampered".into()));
    check(&e, StepId::RegServerData, S::RequestInvalid);
    assert_eq!(e.kind, ErrorKind::ServerDataMismatch);
    let e = reg_fail(|p| p.server_data = None);
    check(&e, StepId::RegServerData, S::RequestInvalid);
}

#[test]
fn reg_08_fc_params() {
    let e = reg_fail(|p| p.fc_params = Some("not-base64!".into()));
    check(&e, StepId::RegFcParams, S::UnacceptableContent);
    assert!(matches!(e.kind, ErrorKind::FcParams(_)));
    // Padded base64 is refused under the strict policy, accepted under the lenient one.
    // (The facet spelling is chosen so that the base64 text needs padding.)
    let padded = |p: &mut RegParts| {
        for facet in [
            "https://uaf.example.com",
            "https://uaf.example.com/",
            "https://uaf.example.com/a",
        ] {
            p.fc_facet = facet.into();
            p.fc_params = None;
            let fc = p.fc_params();
            let pad = "=".repeat((4 - fc.len() % 4) % 4);
            if !pad.is_empty() {
                p.fc_params = Some(format!("{fc}{pad}"));
                return;
            }
        }
        panic!("no facet spelling needs padding");
    };
    let e = reg_fail(padded);
    check(&e, StepId::RegFcParams, S::UnacceptableContent);
    let lenient = rp_with(builder().danger_lenient_base64(true).build().unwrap());
    assert!(reg_with(&lenient, padded).is_ok());
    // A missing channelBinding member: refused, unless `missing-channel-binding`.
    let no_cb = |p: &mut RegParts| {
        let json = format!(
            r#"{{"appID":"{}","challenge":"{}","facetID":"{}"}}"#,
            p.fc_app_id, p.fc_challenge, p.fc_facet
        );
        p.fc_params = Some(uaf_proto::b64::encode(json.as_bytes()));
    };
    let e = reg_fail(no_cb);
    check(&e, StepId::RegFcParams, S::UnacceptableContent);
    let mut compat = Compat::default();
    compat.enable("missing-channel-binding").unwrap();
    assert!(reg_with(&rp_with(builder().compat(compat).build().unwrap()), no_cb).is_ok());
}

#[test]
fn reg_09_fc_app_id() {
    let e = reg_fail(|p| p.fc_app_id = "https://evil.example.com/facets.json".into());
    check(&e, StepId::RegFcAppId, S::UnacceptableContent);
    assert_eq!(e.kind, ErrorKind::FcAppIdMismatch);
}

#[test]
fn reg_10_challenge() {
    let e = reg_fail(|p| p.fc_challenge = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    check(&e, StepId::RegChallenge, S::RequestInvalid);
    assert_eq!(e.kind, ErrorKind::ChallengeMismatch);
    // Expiry: valid at issue time + TTL, expired one second later.
    let rp = rp();
    let (req, pending) = reg_request(&rp);
    let text = RegParts::for_request(&req).build(&uauth(2));
    assert!(
        rp.finish_registration(&text, pending.clone(), &[][..], NOW + 300)
            .is_ok()
    );
    let e = rp
        .finish_registration(&text, pending, &[][..], NOW + 301)
        .unwrap_err();
    check(&e, StepId::RegChallenge, S::RequestInvalid);
    assert_eq!(
        e.kind,
        ErrorKind::ChallengeExpired {
            issued_at: NOW,
            now: NOW + 301
        }
    );
}

#[test]
fn reg_11_facet() {
    let e = reg_fail(|p| p.fc_facet = "https://evil.example.com".into());
    check(&e, StepId::RegFacet, S::UnacceptableContent);
    assert_eq!(
        e.kind,
        ErrorKind::UntrustedFacet {
            facet_id: "https://evil.example.com".into()
        }
    );
    let e = reg_fail(|p| p.fc_facet = "android:apk-key-hash:AAAAzCMzhpGCNnLFceBuVpPfDqM".into());
    check(&e, StepId::RegFacet, S::UnacceptableContent);
    // Trusted: the Android facet, and a web origin written with a default port or a path.
    let rp = rp();
    assert!(
        reg_with(&rp, |p| p.fc_facet =
            "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM".into())
        .is_ok()
    );
    assert!(
        reg_with(&rp, |p| p.fc_facet =
            "https://UAF.example.com:443/index.html".into())
        .is_ok()
    );
}

#[test]
fn reg_12_channel_binding() {
    let cb = ChannelBinding {
        server_end_point: Some("c2VydmVy".into()),
        ..Default::default()
    };
    let rp = rp_with(builder().channel_binding(cb).build().unwrap());
    let e = reg_with(&rp, |p| {
        p.fc_channel_binding = r#"{"serverEndPoint":"b3RoZXI"}"#.into()
    })
    .unwrap_err();
    check(&e, StepId::RegChannelBinding, S::ChannelBindingRefused);
    assert_eq!(
        e.kind,
        ErrorKind::ChannelBindingMismatch {
            member: "serverEndPoint"
        }
    );
    assert!(
        reg_with(&rp, |p| p.fc_channel_binding =
            r#"{"serverEndPoint":"c2VydmVy"}"#.into())
        .is_ok()
    );
    assert!(
        reg_with(&rp, |p| p.fc_channel_binding =
            r#"{"tlsUnique":"eA"}"#.into())
        .is_ok()
    );
}

// ------------------------------------------------------------------------------------------
// Registration, per assertion
// ------------------------------------------------------------------------------------------

#[test]
fn reg_13_assertion_scheme() {
    let e = reg_fail(|p| p.scheme = "UAFV2TLV".into());
    check(&e, StepId::RegAssertionScheme, S::UnacceptableContent);
    assert_eq!(
        *inner(&e),
        ErrorKind::UnsupportedAssertionScheme {
            scheme: "UAFV2TLV".into()
        }
    );
}

#[test]
fn reg_14_tlv() {
    let e = reg_fail(|p| p.assertion = Some("AQIDBA".into()));
    check(&e, StepId::RegTlv, S::UnacceptableContent);
    assert!(matches!(inner(&e), ErrorKind::Assertion(_)));
    // Bad base64 is caught while decoding the message (so the whole response is rejected).
    let e = reg_fail(|p| p.assertion = Some("AQID+A".into()));
    check(&e, StepId::RegTlv, S::UnacceptableContent);
    assert!(
        matches!(inner(&e), ErrorKind::Message(m) if matches!(m.kind, MessageErrorKind::Base64(_)))
    );
}

#[test]
fn reg_15_metadata() {
    let e = reg_fail(|p| p.aaid = "F1D0#9999".into());
    check(&e, StepId::RegMetadata, S::UnknownAaid);
    assert_eq!(*inner(&e), ErrorKind::UnknownAaid);
    // Metadata for this AAID, but for another assertion scheme (R5.1).
    let mut m = metadata();
    let other_scheme = metadata_json("F1D0#0005", 4, 1).replace(r#""UAFV1TLV""#, r#""WAV1CBOR""#);
    m.insert(MetadataEntry::from_json(&other_scheme).unwrap())
        .unwrap();
    let rp = RelyingParty::new(builder().build().unwrap(), m);
    let e = reg_with(&rp, |p| p.aaid = "F1D0#0005".into()).unwrap_err();
    check(&e, StepId::RegMetadata, S::UnacceptableContent);
    assert_eq!(
        *inner(&e),
        ErrorKind::UnsupportedAssertionScheme {
            scheme: "WAV1CBOR".into()
        }
    );
}

#[test]
fn reg_16_policy() {
    // Presence-only authenticator: the RP requires user verification.
    let e = reg_fail(|p| p.aaid = "F1D0#0002".into());
    check(&e, StepId::RegPolicy, S::UnacceptableAuthenticator);
    assert_eq!(
        *inner(&e),
        ErrorKind::Policy(AuthenticatorRejection::UserVerificationRequired)
    );
    // With UV "any", the default request policy still wants a verifying method.
    let any = rp_with(
        builder()
            .user_verification(UserVerificationRequirement::Any)
            .build()
            .unwrap(),
    );
    let e = reg_with(&any, |p| p.aaid = "F1D0#0002".into()).unwrap_err();
    assert!(
        matches!(
            inner(&e),
            ErrorKind::Policy(AuthenticatorRejection::NotAccepted { .. })
        ),
        "{e}"
    );
    // A key the request disallows (already registered by this user).
    let rp = rp();
    let enrolled = enroll(&rp);
    let (req, pending) = rp
        .start_registration(
            "alice",
            std::slice::from_ref(&enrolled.registration),
            NOW,
            &mut rng(5),
        )
        .unwrap();
    let parts = RegParts::for_request(&req);
    let e = rp
        .finish_registration(
            &parts.build(&uauth(2)),
            pending,
            &vec![enrolled.registration.clone()],
            NOW,
        )
        .unwrap_err();
    check(&e, StepId::RegPolicy, S::UnacceptableAuthenticator);
    assert_eq!(
        *inner(&e),
        ErrorKind::Policy(AuthenticatorRejection::Disallowed { index: 0 })
    );
}

fn revoked_metadata() -> MetadataIndex {
    let statement = metadata_json("F1D0#0003", 4, 1);
    let entry = format!(
        r#"{{"aaid":"F1D0#0003","metadataStatement":{statement},"statusReports":[
        {{"status":"FIDO_CERTIFIED_L1","effectiveDate":"2019-01-15"}},
        {{"status":"REVOKED","effectiveDate":"2022-03-01"}}],"timeOfLastStatusChange":"2022-03-01"}}"#
    );
    let mut m = metadata();
    m.insert(MetadataEntry::from_json(&entry).unwrap()).unwrap();
    m
}

#[test]
fn reg_17_status_reports() {
    let rp = RelyingParty::new(builder().build().unwrap(), revoked_metadata());
    let e = reg_with(&rp, |p| p.aaid = "F1D0#0003".into()).unwrap_err();
    check(&e, StepId::RegStatus, S::RevokedAuthenticator);
    assert!(matches!(inner(&e), ErrorKind::Revoked(_)));
}

#[test]
fn reg_18_assertion_info() {
    let e = reg_fail(|p| p.mode = 2);
    check(&e, StepId::RegAssertionInfo, S::UnacceptableContent);
    assert_eq!(*inner(&e), ErrorKind::WrongAuthenticationMode { mode: 2 });
    // Algorithm not in the metadata (which lists only 0x0001).
    let e = reg_fail(|p| p.sign_alg = AlgSign::Secp256r1EcdsaSha256Der);
    check(&e, StepId::RegAssertionInfo, S::UnacceptableAlgorithm);
    assert_eq!(
        *inner(&e),
        ErrorKind::AlgorithmNotInMetadata {
            alg: AlgSign::Secp256r1EcdsaSha256Der
        }
    );
    // Algorithm the RP does not accept (the request policy would allow it).
    let policy = Policy {
        accepted: vec![vec![MatchCriteria {
            authentication_algorithms: Some(vec![AlgSign::Secp256r1EcdsaSha256Raw]),
            assertion_schemes: Some(vec!["UAFV1TLV".into()]),
            ..MatchCriteria::default()
        }]],
        disallowed: Vec::new(),
    };
    let strict = rp_with(
        builder()
            .accept_algorithms([AlgSign::Secp256r1EcdsaSha256Der])
            .policy(policy)
            .build()
            .unwrap(),
    );
    let e = reg_with(&strict, |_| {}).unwrap_err();
    check(&e, StepId::RegAssertionInfo, S::UnacceptableAlgorithm);
    assert_eq!(
        *inner(&e),
        ErrorKind::AlgorithmNotAccepted {
            alg: AlgSign::Secp256r1EcdsaSha256Raw
        }
    );
    // Key encoding not in the metadata.
    let e = reg_fail(|p| p.key_alg = AlgKey::EccX962Der);
    check(&e, StepId::RegAssertionInfo, S::UnacceptableKey);
    assert_eq!(
        *inner(&e),
        ErrorKind::KeyEncodingNotInMetadata {
            encoding: AlgKey::EccX962Der
        }
    );
}

#[test]
fn reg_19_final_challenge_hash() {
    let e = reg_fail(|p| p.fch = Some(vec![0; 32]));
    check(&e, StepId::RegFinalChallengeHash, S::UnacceptableContent);
    assert_eq!(*inner(&e), ErrorKind::FinalChallengeHashMismatch);
    // A SHA-1-length hash.
    let e = reg_fail(|p| p.fch = Some(vec![0; 20]));
    assert_eq!(*inner(&e), ErrorKind::FinalChallengeHashMismatch);
}

#[test]
fn reg_20_key_id() {
    let e = reg_fail(|p| p.key_id = vec![1; 16]);
    check(&e, StepId::RegKeyId, S::UnacceptableContent);
    assert_eq!(*inner(&e), ErrorKind::KeyIdLength { len: 16 });
    // Already registered, though the request did not name it in `disallowed`.
    let rp = rp();
    let enrolled = enroll(&rp);
    let (req, pending) = reg_request(&rp);
    let text = RegParts::for_request(&req).build(&uauth(2));
    let e = rp
        .finish_registration(&text, pending, &vec![enrolled.registration], NOW)
        .unwrap_err();
    check(&e, StepId::RegKeyId, S::UnacceptableContent);
    assert_eq!(*inner(&e), ErrorKind::AlreadyRegistered);
    // 2048 bytes is the largest allowed.
    assert!(reg_with(&rp, |p| p.key_id = vec![7; 2048]).is_ok());
}

#[test]
fn reg_21_counters() {
    // Counters of 4 bytes inside a KRD (they must be 8): built by hand with the TLV writer.
    let e = reg_fail(|p| {
        let fc = p.fc_params();
        let fch = uaf_crypto::hash(uaf_proto::registry::HashAlg::Sha256, fc.as_bytes()).unwrap();
        let pk = uauth(2).public_key().encode(AlgKey::EccX962Raw).unwrap();
        let mut w = TlvWriter::new();
        w.put_composite(tlv::TAG_UAFV1_KRD, |w| {
            w.put(tlv::TAG_AAID, AAID.as_bytes())?;
            w.put(tlv::TAG_ASSERTION_INFO, &[2, 0, 1, 1, 0, 0, 1])?;
            w.put(tlv::TAG_FINAL_CHALLENGE_HASH, fch.as_bytes())?;
            w.put(tlv::TAG_KEYID, &[0x42; 32])?;
            w.put(tlv::TAG_COUNTERS, &[0; 4])?;
            w.put(tlv::TAG_PUB_KEY, &pk)
        })
        .unwrap();
        p.krd = Some(w.into_bytes());
    });
    check(&e, StepId::RegCounters, S::UnacceptableContent);
    assert!(matches!(inner(&e), ErrorKind::Assertion(_)));
    // The SignCounter is stored as the initial value.
    let out = reg_with(&rp(), |p| p.sign_counter = 41).unwrap();
    assert_eq!(out.registered[0].registration.sign_counter, 41);
}

#[test]
fn reg_22_public_key() {
    let mut not_on_curve = vec![4u8; 65];
    not_on_curve[64] = 5;
    let e = reg_fail(|p| p.pub_key = Some(not_on_curve));
    check(&e, StepId::RegPublicKey, S::UnacceptableKey);
    assert!(matches!(inner(&e), ErrorKind::UnacceptableKey(_)));
}

#[test]
fn reg_23_attestation() {
    // Surrogate signature made by another key.
    let e = reg_fail(|p| p.attest_with = Some(99));
    check(&e, StepId::RegAttestation, S::UnacceptableAttestation);
    assert!(matches!(inner(&e), ErrorKind::AttestationSignature(_)));
    // A model whose metadata allows only basic full.
    let mut m = metadata();
    let basic_full_only = metadata_json("F1D0#0004", 4, 1).replace("[15880]", "[15879]");
    m.insert(MetadataEntry::from_json(&basic_full_only).unwrap())
        .unwrap();
    let rp = RelyingParty::new(builder().build().unwrap(), m);
    let e = reg_with(&rp, |p| p.aaid = "F1D0#0004".into()).unwrap_err();
    check(&e, StepId::RegAttestation, S::UnacceptableAttestation);
    assert!(matches!(
        inner(&e),
        ErrorKind::AttestationTypeNotAllowed { .. }
    ));
}

#[test]
fn reg_24_result() {
    // Two assertions, both bad: the first one's failure decides.
    let rp = rp();
    let (req, pending) = reg_request(&rp);
    let mut parts = RegParts::for_request(&req);
    parts.aaid = "F1D0#9999".into();
    let text = parts.build(&uauth(2));
    let one =
        text[text.find(r#"{"assertionScheme""#).unwrap()..text.rfind("]}]").unwrap()].to_string();
    let two = text.replacen(&one, &format!("{one},{one}"), 1);
    let e = rp
        .finish_registration(&two, pending, &[][..], NOW)
        .unwrap_err();
    assert_eq!(e.step, StepId::RegResult);
    assert!(matches!(
        e.kind,
        ErrorKind::NoAssertionVerified { count: 2, .. }
    ));
    check(&e, StepId::RegMetadata, S::UnknownAaid);
    // One bad, one good: success, and the skipped one is reported.
    let (req, pending) = reg_request(&rp);
    let good = RegParts::for_request(&req).build(&uauth(2));
    let good_one =
        good[good.find(r#"{"assertionScheme""#).unwrap()..good.rfind("]}]").unwrap()].to_string();
    let mixed = good.replacen(&good_one, &format!("{one},{good_one}"), 1);
    let out = rp
        .finish_registration(&mixed, pending, &[][..], NOW)
        .unwrap();
    assert_eq!(out.registered.len(), 1);
    assert_eq!(out.skipped.len(), 1);
    assert_eq!(out.skipped[0].assertion, Some(0));
}

// ------------------------------------------------------------------------------------------
// Authentication, message level
// ------------------------------------------------------------------------------------------

#[test]
fn auth_positive_path_covers_every_step() {
    let rp = rp();
    let e = enroll(&rp);
    let out = auth_with(&rp, &e, Vec::new(), |_| {}).unwrap();
    let k = &out.keys[0];
    assert_eq!(
        k.counter,
        CounterVerdict::Advanced {
            stored: 0,
            received: 1
        }
    );
    assert_eq!(k.counter_update.map(|u| (u.expected, u.new)), Some((0, 1)));
    assert_eq!(k.user_verification, UserVerify::PASSCODE);
    assert_eq!(out.username(), Some("alice"));
}

#[test]
fn auth_01_parse() {
    check(
        &auth_text_fail(|_| "{".into()),
        StepId::AuthParse,
        S::UnacceptableContent,
    );
    check(
        &auth_text_fail(|_| "{}".into()),
        StepId::AuthParse,
        S::UnacceptableContent,
    );
}

#[test]
fn auth_02_members() {
    let e = auth_text_fail(|t| t.replace(r#""fcParams":"#, r#""fcParamz":"#));
    check(&e, StepId::AuthMembers, S::UnacceptableContent);
}

#[test]
fn auth_03_version() {
    let e = auth_fail(|p| p.upv = (2, 0));
    check(&e, StepId::AuthVersion, S::UnacceptableContent);
}

#[test]
fn auth_04_op() {
    check(
        &auth_fail(|p| p.op = "Reg".into()),
        StepId::AuthOp,
        S::UnacceptableContent,
    );
    check(
        &auth_fail(|p| p.op = "auth".into()),
        StepId::AuthOp,
        S::UnacceptableContent,
    );
}

#[test]
fn auth_05_header_app_id() {
    let e = auth_fail(|p| p.app_id = Some("https://uaf.example.com/other.json".into()));
    check(&e, StepId::AuthHeaderAppId, S::UnacceptableContent);
}

#[test]
fn auth_06_header_extensions() {
    let e = auth_text_fail(|t| {
        t.replace(
            r#""op":"Auth""#,
            r#""op":"Auth","exts":[{"id":"x.critical","data":"","fail_if_unknown":true}]"#,
        )
    });
    check(&e, StepId::AuthHeaderExts, S::UnacceptableContent);
}

#[test]
fn auth_07_server_data() {
    check(
        &auth_fail(|p| p.server_data = Some("other".into())),
        StepId::AuthServerData,
        S::RequestInvalid,
    );
}

#[test]
fn auth_08_fc_params() {
    let e = auth_fail(|p| p.fc_params = Some(uaf_proto::b64::encode(br#"{"appID":1}"#)));
    check(&e, StepId::AuthFcParams, S::UnacceptableContent);
}

#[test]
fn auth_09_fc_app_id() {
    check(
        &auth_fail(|p| p.fc_app_id = "https://a.example/f".into()),
        StepId::AuthFcAppId,
        S::UnacceptableContent,
    );
}

#[test]
fn auth_10_challenge() {
    let e = auth_fail(|p| p.fc_challenge = "QUFBQUFBQUFBQUFBQUFBQQ".into());
    check(&e, StepId::AuthChallenge, S::RequestInvalid);
}

#[test]
fn auth_11_facet() {
    check(
        &auth_fail(|p| p.fc_facet = "ios:bundle-id:com.evil".into()),
        StepId::AuthFacet,
        S::UnacceptableContent,
    );
}

#[test]
fn auth_12_channel_binding() {
    let cb = ChannelBinding {
        tls_unique: Some("dW5pcXVl".into()),
        ..Default::default()
    };
    let rp = rp_with(builder().channel_binding(cb).build().unwrap());
    let e = enroll(&rp);
    let err = auth_with(&rp, &e, Vec::new(), |p| {
        p.fc_channel_binding = r#"{"tlsUnique":"b3RoZXI"}"#.into()
    })
    .unwrap_err();
    check(&err, StepId::AuthChannelBinding, S::ChannelBindingRefused);
    assert!(
        auth_with(&rp, &e, Vec::new(), |p| p.fc_channel_binding =
            r#"{"tlsUnique":"dW5pcXVl"}"#.into())
        .is_ok()
    );
}

// ------------------------------------------------------------------------------------------
// Authentication, per assertion
// ------------------------------------------------------------------------------------------

#[test]
fn auth_13_assertion_scheme() {
    check(
        &auth_fail(|p| p.scheme = "WAV1CBOR".into()),
        StepId::AuthAssertionScheme,
        S::UnacceptableContent,
    );
}

#[test]
fn auth_14_tlv() {
    let e = auth_fail(|p| p.assertion = Some("Aj4AAA".into()));
    check(&e, StepId::AuthTlv, S::UnacceptableContent);
    let e = auth_fail(|p| p.assertion = Some("Aj4AAA==".into()));
    check(&e, StepId::AuthTlv, S::UnacceptableContent);
    assert!(
        matches!(inner(&e), ErrorKind::Message(m) if matches!(m.kind, MessageErrorKind::Base64(_)))
    );
}

#[test]
fn auth_15_registration() {
    let e = auth_fail(|p| p.key_id = vec![9; 32]);
    check(&e, StepId::AuthRegistration, S::UnknownKeyId);
    assert_eq!(*inner(&e), ErrorKind::UnknownKeyId);
    // The key exists, but belongs to another user than the request's.
    let rp = rp();
    let enrolled = enroll(&rp);
    let regs = vec![enrolled.registration.clone()];
    let (req, pending) = rp
        .start_authentication(Some(("bob", &regs[..])), Vec::new(), NOW, &mut rng(6))
        .unwrap();
    let text = AuthParts::for_request(&req, enrolled.registration.key_id.as_bytes(), 1)
        .build(&enrolled.key);
    let e = rp
        .finish_authentication(&text, pending, &regs, NOW)
        .unwrap_err();
    check(&e, StepId::AuthRegistration, S::UnknownKeyId);
}

/// AUTH-15 with the request's allowed keys: a registered key outside the set is refused
/// (1492) before its registration is even looked up; a key inside the set passes.
#[test]
fn auth_15_allowed_keys() {
    let rp = rp();
    let e = enroll(&rp);
    let regs = vec![e.registration.clone()];
    let other = (
        e.registration.aaid,
        uaf_proto::id::KeyId::new(vec![7; 32]).unwrap(),
    );
    let mine = (e.registration.aaid, e.registration.key_id.clone());
    for (allowed, ok) in [(other, false), (mine, true)] {
        let (req, pending) = rp
            .start_authentication(
                None,
                AuthenticationOptions::new().allow_keys([allowed]),
                NOW,
                &mut rng(6),
            )
            .unwrap();
        let text = AuthParts::for_request(&req, e.registration.key_id.as_bytes(), 1).build(&e.key);
        let out = rp.finish_authentication(&text, pending, &regs, NOW);
        if ok {
            out.unwrap();
        } else {
            let err = out.unwrap_err();
            check(&err, StepId::AuthRegistration, S::UnacceptableAuthenticator);
            assert_eq!(*inner(&err), ErrorKind::KeyNotAllowed);
        }
    }
}

/// AUTH-16 with the request's user-verification requirement: a model whose metadata lists
/// only presence (`F1D0#0002`) is refused (1492) when the request requires user verification,
/// and accepted otherwise; a PIN model (`F1D0#0001`) passes the requirement.
#[test]
fn auth_16_user_verification_required_by_the_request() {
    let rp = rp();
    let e = enroll(&rp);
    for (aaid, required, ok) in [
        ("F1D0#0002", true, false),
        ("F1D0#0002", false, true),
        (AAID, true, true),
    ] {
        let mut reg = e.registration.clone();
        reg.aaid = uaf_proto::id::Aaid::parse(aaid).unwrap();
        let regs = vec![reg];
        let mut options = AuthenticationOptions::new();
        if required {
            options = options.require_user_verification();
        }
        let (req, pending) = rp
            .start_authentication(Some(("alice", &regs[..])), options, NOW, &mut rng(6))
            .unwrap();
        let mut parts = AuthParts::for_request(&req, e.registration.key_id.as_bytes(), 1);
        parts.aaid = aaid.into();
        let out = rp.finish_authentication(&parts.build(&e.key), pending, &regs, NOW);
        if ok {
            out.unwrap();
        } else {
            let err = out.unwrap_err();
            check(&err, StepId::AuthStatus, S::UnacceptableAuthenticator);
            assert_eq!(
                *inner(&err),
                ErrorKind::Policy(AuthenticatorRejection::UserVerificationRequired)
            );
        }
    }
}

#[test]
fn auth_16_metadata_status() {
    // Registered while acceptable, revoked since.
    let rp = rp();
    let e = enroll(&rp);
    let mut reg = e.registration.clone();
    reg.aaid = uaf_proto::id::Aaid::parse("F1D0#0003").unwrap();
    let revoked = RelyingParty::new(builder().build().unwrap(), revoked_metadata());
    let regs = vec![reg];
    let (req, pending) = auth_request(&revoked, &regs, Vec::new());
    let mut parts = AuthParts::for_request(&req, e.registration.key_id.as_bytes(), 1);
    parts.aaid = "F1D0#0003".into();
    let err = revoked
        .finish_authentication(&parts.build(&e.key), pending, &regs, NOW)
        .unwrap_err();
    check(&err, StepId::AuthStatus, S::RevokedAuthenticator);
    // Metadata gone for the model.
    let empty = RelyingParty::new(builder().build().unwrap(), MetadataIndex::new());
    let regs = vec![e.registration.clone()];
    let (req, pending) = auth_request(&empty, &regs, Vec::new());
    let text = AuthParts::for_request(&req, e.registration.key_id.as_bytes(), 1).build(&e.key);
    let err = empty
        .finish_authentication(&text, pending, &regs, NOW)
        .unwrap_err();
    check(&err, StepId::AuthStatus, S::UnknownAaid);
}

#[test]
fn auth_17_assertion_info() {
    let e = auth_fail(|p| p.mode = 3);
    check(&e, StepId::AuthAssertionInfo, S::UnacceptableContent);
    assert_eq!(*inner(&e), ErrorKind::WrongAuthenticationMode { mode: 3 });
    let e = auth_fail(|p| p.sign_alg = AlgSign::Secp256r1EcdsaSha256Der);
    check(&e, StepId::AuthAssertionInfo, S::UnacceptableContent);
    assert!(matches!(
        inner(&e),
        ErrorKind::AlgorithmNotAsRegistered { .. }
    ));
    // `signature-encoding-switch` allows the DER encoding of the registered RAW algorithm.
    let mut compat = Compat::default();
    compat.enable("signature-encoding-switch").unwrap();
    let rp = rp_with(builder().compat(compat).build().unwrap());
    let enrolled = enroll(&rp);
    let out = auth_with(&rp, &enrolled, Vec::new(), |p| {
        p.sign_alg = AlgSign::Secp256r1EcdsaSha256Der
    })
    .unwrap();
    assert_eq!(out.keys[0].sign_alg, AlgSign::Secp256r1EcdsaSha256Der);
}

#[test]
fn auth_18_nonce() {
    let e = auth_fail(|p| {
        let fc = p.fc_params();
        let fch = uaf_crypto::hash(uaf_proto::registry::HashAlg::Sha256, fc.as_bytes()).unwrap();
        let mut w = TlvWriter::new();
        w.put_composite(tlv::TAG_UAFV1_SIGNED_DATA, |w| {
            w.put(tlv::TAG_AAID, AAID.as_bytes())?;
            w.put(tlv::TAG_ASSERTION_INFO, &[2, 0, 1, 1, 0])?;
            w.put(tlv::TAG_AUTHENTICATOR_NONCE, &[1; 4])?;
            w.put(tlv::TAG_FINAL_CHALLENGE_HASH, fch.as_bytes())?;
            w.put(tlv::TAG_TRANSACTION_CONTENT_HASH, &[])?;
            w.put(tlv::TAG_KEYID, &p.key_id)?;
            w.put(tlv::TAG_COUNTERS, &1u32.to_le_bytes())
        })
        .unwrap();
        p.signed_data = Some(w.into_bytes());
    });
    check(&e, StepId::AuthNonce, S::UnacceptableContent);
    // Exactly 8 bytes is enough.
    let rp = rp();
    let enrolled = enroll(&rp);
    assert!(auth_with(&rp, &enrolled, Vec::new(), |p| p.nonce = vec![3; 8]).is_ok());
}

#[test]
fn auth_19_final_challenge_hash() {
    let e = auth_fail(|p| p.fch = Some(vec![1; 32]));
    check(&e, StepId::AuthFinalChallengeHash, S::UnacceptableContent);
    assert_eq!(*inner(&e), ErrorKind::FinalChallengeHashMismatch);
}

#[test]
fn auth_20_transaction() {
    let rp = rp();
    let e = enroll(&rp);
    let t = Transaction::text("Sign in to uaf.example.com? Code 4711").unwrap();
    // Positive: confirmed with the right hash.
    let out = auth_with(&rp, &e, vec![t.clone()], |p| p.confirm(&t)).unwrap();
    assert_eq!(out.keys[0].transaction_confirmed, Some(0));
    // Sent, but mode 0x01.
    let err = auth_with(&rp, &e, vec![t.clone()], |_| {}).unwrap_err();
    check(&err, StepId::AuthTransaction, S::UnacceptableContent);
    assert_eq!(
        *inner(&err),
        ErrorKind::Transaction(TransactionProblem::NotConfirmed)
    );
    // Wrong hash.
    let other = Transaction::text("Pay 9999 EUR").unwrap();
    let err = auth_with(&rp, &e, vec![t.clone()], |p| p.confirm(&other)).unwrap_err();
    assert_eq!(
        *inner(&err),
        ErrorKind::Transaction(TransactionProblem::HashMismatch)
    );
    // None sent, but mode 0x02.
    let err = auth_with(&rp, &e, Vec::new(), |p| p.confirm(&t)).unwrap_err();
    assert_eq!(
        *inner(&err),
        ErrorKind::Transaction(TransactionProblem::NotRequested)
    );
    // The model has no display.
    let any = rp_with(
        builder()
            .user_verification(UserVerificationRequirement::Any)
            .policy(Policy {
                accepted: vec![vec![MatchCriteria {
                    authentication_algorithms: Some(vec![AlgSign::Secp256r1EcdsaSha256Raw]),
                    assertion_schemes: Some(vec!["UAFV1TLV".into()]),
                    ..MatchCriteria::default()
                }]],
                disallowed: Vec::new(),
            })
            .build()
            .unwrap(),
    );
    let (req, pending) = reg_request(&any);
    let mut parts = RegParts::for_request(&req);
    parts.aaid = "F1D0#0002".into();
    let key = uauth(2);
    let reg = any
        .finish_registration(&parts.build(&key), pending, &[][..], NOW)
        .unwrap();
    let silent = Enrolled {
        key,
        registration: reg.registered[0].registration.clone(),
    };
    let err = auth_with(&any, &silent, vec![t.clone()], |p| {
        p.aaid = "F1D0#0002".into();
        p.confirm(&t);
    })
    .unwrap_err();
    assert_eq!(
        *inner(&err),
        ErrorKind::Transaction(TransactionProblem::NoDisplay)
    );
}

#[test]
fn auth_21_signature() {
    let e = auth_fail(|p| p.sign_with = Some(77));
    check(&e, StepId::AuthSignature, S::UnacceptableContent);
    assert!(matches!(inner(&e), ErrorKind::SignatureInvalid(_)));
}

/// AUTH-21 with the decoded-key cache: a sign-in fills it, and when the stored key of the same
/// (AAID, KeyID) changes, the next sign-in is verified with the new key, never the cached old
/// one — with the cache on (default), off, and at capacity 1.
#[test]
fn auth_21_signature_key_cache_follows_the_stored_key() {
    for capacity in [
        uaf_rp::RelyingPartyBuilder::DEFAULT_KEY_CACHE_CAPACITY,
        1,
        0,
    ] {
        let rp = rp_with(builder().key_cache_capacity(capacity).build().unwrap());
        let mut e = enroll(&rp);
        auth_with(&rp, &e, Vec::new(), |_| {}).unwrap();
        auth_with(&rp, &e, Vec::new(), |_| {}).unwrap();
        // The registration now holds another key under the same AAID and KeyID.
        let old = core::mem::replace(&mut e.key, uauth(99));
        e.registration.public_key = e.key.public_key().x962_point().unwrap().to_vec();
        auth_with(&rp, &e, Vec::new(), |_| {}).unwrap();
        let err = auth_with(&rp, &e, Vec::new(), |p| p.sign_with = Some(77)).unwrap_err();
        check(&err, StepId::AuthSignature, S::UnacceptableContent);
        // The old key's signature fails against the new stored key.
        let stale = Enrolled {
            key: old,
            registration: e.registration.clone(),
        };
        let err = auth_with(&rp, &stale, Vec::new(), |_| {}).unwrap_err();
        check(&err, StepId::AuthSignature, S::UnacceptableContent);
        assert!(matches!(inner(&err), ErrorKind::SignatureInvalid(_)));
    }
}

#[test]
fn auth_22_counter() {
    let rp = rp();
    let mut e = enroll(&rp);
    e.registration.sign_counter = 5;
    let err = auth_with(&rp, &e, Vec::new(), |p| p.counter = 5).unwrap_err();
    check(&err, StepId::AuthCounter, S::UnacceptableContent);
    assert_eq!(
        *inner(&err),
        ErrorKind::CounterRegressed {
            stored: 5,
            received: 5
        }
    );
    // Flag-only accepts, never lowers the stored value.
    let flag = rp_with(
        builder()
            .counter_policy(CounterPolicy::FlagOnly)
            .build()
            .unwrap(),
    );
    let out = auth_with(&flag, &e, Vec::new(), |p| p.counter = 3).unwrap();
    assert_eq!(
        out.keys[0].counter,
        CounterVerdict::Regressed {
            stored: 5,
            received: 3
        }
    );
    assert_eq!(out.keys[0].counter_update, None);
    // Both zero: counters unsupported.
    e.registration.sign_counter = 0;
    let out = auth_with(&rp, &e, Vec::new(), |p| p.counter = 0).unwrap();
    assert_eq!(out.keys[0].counter, CounterVerdict::Unsupported);
}

#[test]
fn auth_23_result() {
    let e = auth_fail(|p| p.key_id = vec![8; 32]);
    assert_eq!(e.step, StepId::AuthResult);
    assert!(matches!(
        e.kind,
        ErrorKind::NoAssertionVerified { count: 1, .. }
    ));
}

// ------------------------------------------------------------------------------------------
// Request generation and deregistration
// ------------------------------------------------------------------------------------------

#[test]
fn req_01_request_generation() {
    let rp = rp();
    let (req, pending) = reg_request(&rp);
    assert_eq!(req.challenge.as_bytes().len(), 32);
    assert!(
        req.header
            .server_data
            .as_ref()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(req.policy.validate().is_ok());
    assert_eq!(pending.issued_at(), NOW);
    let e = rp
        .start_registration(&"x".repeat(129), &[], NOW, &mut rng(1))
        .unwrap_err();
    assert_eq!(e.step, StepId::RequestGeneration);
    // A known user without keys cannot be asked to sign in with one.
    let e = rp
        .start_authentication(Some(("carol", &[])), Vec::new(), NOW, &mut rng(1))
        .unwrap_err();
    assert_eq!(e.step, StepId::RequestGeneration);
    // The auth request names the user's keys.
    let enrolled = enroll(&rp);
    let regs = vec![enrolled.registration.clone()];
    let (req, _) = auth_request(&rp, &regs, Vec::new());
    assert_eq!(
        req.policy.accepted[0][0].key_ids.as_ref().unwrap()[0],
        enrolled.registration.key_id
    );
}

#[test]
fn dereg_01_deregistration() {
    let rp = rp();
    let e = enroll(&rp);
    let regs = vec![e.registration.clone()];
    let d = rp
        .deregistration_request(&DeregistrationTarget::All, &regs)
        .unwrap();
    assert_eq!(
        d.delete,
        vec![(e.registration.aaid, e.registration.key_id.clone())]
    );
    assert!(d.request.to_json().contains(r#""op":"Dereg""#));
    let other = DeregistrationTarget::Aaid(uaf_proto::id::Aaid::parse("F1D0#0009").unwrap());
    let err = rp.deregistration_request(&other, &regs).unwrap_err();
    assert_eq!(err.step, StepId::Deregistration);
}

/// Every step ID has at least one test above (named after it), and the docs list them all.
#[test]
fn every_step_has_tests_and_a_docs_row() {
    let me = include_str!("steps.rs");
    let docs = include_str!("../../../docs/spec-steps.md");
    let mut missing = BTreeSet::new();
    for s in StepId::ALL {
        let name = format!("fn {}_", s.id().to_lowercase().replace('-', "_"));
        if !me.contains(&name) {
            missing.insert(s.id());
        }
        assert!(
            docs.contains(&format!("| {} |", s.id())),
            "docs/spec-steps.md lacks {}",
            s.id()
        );
    }
    assert!(missing.is_empty(), "steps without tests: {missing:?}");
}
