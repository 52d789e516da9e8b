//! The UAF specification's example pair (protocol v1.0 Examples 7–10, repeated in 1.1; digest
//! §9.1): a registration with basic full attestation, then an authentication with that key.
//! Real data: the attestation certificate is X.509 v1, signed with ECDSA-SHA1, valid
//! 2014-08-28 .. 2017-05-24, so verification needs a `now` in that window and the legacy
//! certificate option.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

use uaf_metadata::{MetadataEntry, MetadataIndex};
use uaf_proto::assertion::{Attestation, RegAssertion};
use uaf_proto::b64::{self, Base64Policy};
use uaf_proto::message::{AuthenticationRequest, RegistrationRequest, RegistrationResponse};
use uaf_proto::status::UafStatusCode;
use uaf_rp::{
    ErrorKind, PendingAuthentication, PendingRegistration, RelyingParty, RelyingPartyBuilder,
    StatusCodeMode, step::StepId,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/");
/// 2016-01-01T00:00:00Z: inside the certificate's validity.
const NOW: u64 = 1_451_606_400;

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DATA}{name}")).unwrap()
}

/// Metadata for ABCD#ABCD built from what the examples show: ALG_SIGN 0x0001, ALG_KEY 0x0100,
/// basic full attestation rooted at the example's own (self-issued) certificate.
fn metadata() -> MetadataIndex {
    let response = RegistrationResponse::parse_array(
        &read("spec-ex8-registration-response.json"),
        &Default::default(),
    )
    .unwrap();
    let tlv = response.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    let a = RegAssertion::parse(&tlv).unwrap();
    let Attestation::BasicFull { certificates, .. } = a.attestation else {
        panic!("basic full expected")
    };
    let cert = b64::encode_standard(certificates.first().unwrap());
    let json = format!(
        r#"{{"aaid":"ABCD#ABCD","description":"UAF specification example authenticator",
        "authenticatorVersion":256,"upv":[{{"major":1,"minor":0}},{{"major":1,"minor":1}}],
        "assertionScheme":"UAFV1TLV","authenticationAlgorithm":1,"publicKeyAlgAndEncoding":256,
        "attestationTypes":[15879],"userVerificationDetails":[[{{"userVerification":4}}]],
        "keyProtection":1,"matcherProtection":1,"attachmentHint":1,"isSecondFactorOnly":false,
        "tcDisplay":1,"tcDisplayContentType":"text/plain","attestationRootCertificates":["{cert}"]}}"#
    );
    let mut index = MetadataIndex::new();
    index
        .insert(MetadataEntry::from_json(&json).unwrap())
        .unwrap();
    index
}

fn rp(legacy: bool) -> RelyingParty<MetadataIndex> {
    let config =
        RelyingPartyBuilder::new("https://uaf-test-1.noknoktest.com:8443/SampleApp/uaf/facets")
            .trusted_facets(["com.noknok.android.sampleapp"])
            .danger_legacy_certificates(legacy)
            .build()
            .unwrap();
    RelyingParty::new(config, metadata())
}

fn pending_reg() -> PendingRegistration {
    let req = RegistrationRequest::parse_array(
        &read("spec-ex7-registration-request.json"),
        &Default::default(),
    )
    .unwrap();
    PendingRegistration::from_issued(req.into_iter().next().unwrap(), NOW - 10)
}

fn pending_auth() -> PendingAuthentication {
    let req = AuthenticationRequest::parse_array(
        &read("spec-ex9-authentication-request.json"),
        &Default::default(),
    )
    .unwrap();
    PendingAuthentication::from_issued(req.into_iter().next().unwrap(), None, NOW - 10)
}

#[test]
fn spec_registration_then_authentication_verify() {
    let rp = rp(true);
    let reg = rp
        .finish_registration(
            &read("spec-ex8-registration-response.json"),
            pending_reg(),
            &[][..],
            NOW,
        )
        .unwrap();
    assert_eq!(reg.registered.len(), 1);
    let key = &reg.registered[0];
    assert!(
        key.legacy_attestation,
        "the v1 / SHA-1 certificate needs the legacy path"
    );
    assert_eq!(key.registration.aaid.as_str(), "ABCD#ABCD");
    assert_eq!(
        key.registration.key_id.to_base64url(),
        "ZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNg"
    );
    assert_eq!(key.registration.sign_counter, 1);
    assert_eq!(key.registration.username, "apa");

    let stored = vec![key.registration.clone()];
    let auth = rp
        .finish_authentication(
            &read("spec-ex10-authentication-response.json"),
            pending_auth(),
            &stored,
            NOW,
        )
        .unwrap();
    let k = &auth.keys[0];
    assert_eq!(
        k.counter.update().map(|u| (u.expected, u.new)),
        Some((1, 2))
    );
    assert_eq!(k.transaction_confirmed, None);
    assert_eq!(auth.username(), Some("apa"));
}

#[test]
fn spec_registration_needs_legacy_certificates() {
    let err = rp(false)
        .finish_registration(
            &read("spec-ex8-registration-response.json"),
            pending_reg(),
            &[][..],
            NOW,
        )
        .unwrap_err();
    assert_eq!(err.decisive_step(), StepId::RegAttestation);
    let ErrorKind::NoAssertionVerified { first, .. } = &err.kind else {
        panic!("{err}")
    };
    assert!(
        matches!(first.kind, ErrorKind::AttestationChain(_)),
        "{first}"
    );
    assert_eq!(
        err.status(StatusCodeMode::Specific),
        UafStatusCode::UnacceptableAttestation
    );
    assert_eq!(
        err.status(StatusCodeMode::Conformance),
        UafStatusCode::UnacceptableContent
    );
}

#[test]
fn spec_registration_outside_certificate_validity_fails() {
    // 2026: the certificate expired in 2017.
    let now = 1_780_000_000;
    let pending = PendingRegistration::from_issued(pending_reg().request().clone(), now);
    let err = rp(true)
        .finish_registration(
            &read("spec-ex8-registration-response.json"),
            pending,
            &[][..],
            now,
        )
        .unwrap_err();
    assert_eq!(err.decisive_step(), StepId::RegAttestation);
}

#[test]
fn spec_authentication_with_a_regressed_counter_fails() {
    let rp = rp(true);
    let reg = rp
        .finish_registration(
            &read("spec-ex8-registration-response.json"),
            pending_reg(),
            &[][..],
            NOW,
        )
        .unwrap();
    let mut stored = reg.registered[0].registration.clone();
    stored.sign_counter = 2;
    let err = rp
        .finish_authentication(
            &read("spec-ex10-authentication-response.json"),
            pending_auth(),
            &vec![stored],
            NOW,
        )
        .unwrap_err();
    assert_eq!(err.decisive_step(), StepId::AuthCounter);
    assert_eq!(err.kind.code(), "counter.regressed");
    assert_eq!(
        err.status(StatusCodeMode::Specific),
        UafStatusCode::UnacceptableContent
    );
}

#[test]
fn spec_authentication_of_unknown_key_fails_with_1481() {
    let err = rp(true)
        .finish_authentication(
            &read("spec-ex10-authentication-response.json"),
            pending_auth(),
            &[][..],
            NOW,
        )
        .unwrap_err();
    assert_eq!(err.decisive_step(), StepId::AuthRegistration);
    assert_eq!(
        err.status(StatusCodeMode::Specific),
        UafStatusCode::UnknownKeyId
    );
    assert_eq!(
        err.status(StatusCodeMode::Conformance),
        UafStatusCode::UnacceptableContent
    );
}

#[test]
fn spec_assertions_verify_unbound() {
    let rp = rp(true);
    let response = RegistrationResponse::parse_array(
        &read("spec-ex8-registration-response.json"),
        &Default::default(),
    )
    .unwrap();
    let tlv = response.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    let key = rp
        .verify_registration_assertion_unbound(&tlv, "apa", &[][..], NOW)
        .unwrap();
    let auth_response = uaf_proto::message::AuthenticationResponse::parse_array(
        &read("spec-ex10-authentication-response.json"),
        &Default::default(),
    )
    .unwrap();
    let tlv = auth_response.assertions[0]
        .decode_assertion(Base64Policy::Strict)
        .unwrap();
    let stored = vec![key.registration];
    let k = rp
        .verify_authentication_assertion_unbound(&tlv, &stored)
        .unwrap();
    assert_eq!(k.registration.sign_counter, 1);
}
