//! An authenticator model that a verified Metadata Service BLOB marks REVOKED is refused at
//! registration by the verifier (`uaf-rp`) using the BLOB's index; the same model marked
//! FIDO_CERTIFIED registers. The phone is `uaf-client` + `uaf-authenticator`.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::result_large_err
)]

mod blob_support;

use blob_support::{NOW, TestMds, payload};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;
use uaf_authenticator::{AttestationConfig, Authenticator, Profile, ScriptedUser};
use uaf_client::{AuthenticatorOptions, Client, ClientConfig, ClientRequest};
use uaf_metadata::{BlobVerifier, IsoDate, MetadataIndex, Unacceptable};
use uaf_proto::id::Aaid;
use uaf_proto::status::UafStatusCode;
use uaf_rp::{ErrorKind, RelyingParty, RelyingPartyBuilder, StatusCodeMode};

const APP_ID: &str = "https://uaf.example.com/facets.json";
const FACET: &str = "https://uaf.example.com";

fn phone() -> Authenticator<ChaCha20Rng, ScriptedUser> {
    let profile = Profile::builder(Aaid::parse("FFFF#FB01").unwrap())
        .attestation(AttestationConfig::BasicSurrogate)
        .build()
        .unwrap();
    Authenticator::new(
        profile,
        ChaCha20Rng::seed_from_u64(1),
        ScriptedUser::approving("2468"),
    )
    .unwrap()
}

/// The phone's statement as a BLOB entry with `status` since 2024-01-01, in a verified BLOB.
fn index_from_blob(statement: &str, status: &str) -> MetadataIndex {
    let entry = format!(
        r#"{{"aaid":"FFFF#FB01","metadataStatement":{statement},"statusReports":[
        {{"status":"FIDO_CERTIFIED_L1","effectiveDate":"2023-01-01"}},
        {{"status":"{status}","effectiveDate":"2024-01-01"}}],"timeOfLastStatusChange":"2024-01-01"}}"#
    );
    let mds = TestMds::new();
    let crls = mds.crls();
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let anchors = [mds.root.as_slice()];
    BlobVerifier::new(NOW, &crl_refs)
        .trust_anchors(&anchors)
        .verify(&mds.blob(&payload(7, "2026-02-01", &[entry])))
        .unwrap()
        .into_index()
}

fn register(status: &str) -> Result<(), uaf_rp::Error> {
    let phone = phone();
    let index = index_from_blob(&phone.metadata_statement(), status);
    let rp = RelyingParty::new(RelyingPartyBuilder::new(APP_ID).build().unwrap(), index);
    let mut client = Client::new(ClientConfig::default(), &mut ChaCha20Rng::seed_from_u64(2));
    client.add_authenticator(phone, AuthenticatorOptions::with_version(1));
    let now = NOW + 86_400;
    let (request, pending) = rp
        .start_registration("alice", &[], now, &mut ChaCha20Rng::seed_from_u64(3))
        .unwrap();
    let text = request.to_json();
    let response = client
        .process(&ClientRequest::new(&text, FACET))
        .unwrap()
        .response()
        .cloned()
        .unwrap();
    let none: Vec<uaf_rp::Registration> = Vec::new();
    rp.finish_registration(&response.message, pending, &none, now)
        .map(|_| ())
}

#[test]
fn revoked_in_the_blob_is_refused_at_registration() {
    let err = register("REVOKED").unwrap_err();
    let kind = match &err.kind {
        ErrorKind::NoAssertionVerified { first, .. } => &first.kind,
        other => other,
    };
    assert_eq!(
        *kind,
        ErrorKind::Revoked(Unacceptable::Revoked {
            report_index: 1,
            effective_date: IsoDate::new(2024, 1, 1),
        }),
        "{err}"
    );
    assert_eq!(
        err.status(StatusCodeMode::Specific),
        UafStatusCode::RevokedAuthenticator
    );
}

#[test]
fn certified_in_the_blob_registers() {
    register("FIDO_CERTIFIED_L1").unwrap();
}
