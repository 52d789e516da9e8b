//! Real assertions from the specifications, checked field by field against the byte dumps of
//! the digest (§9.1, §9.2), and re-encoded with the builders to the identical bytes.
//!
//! Sources:
//! - Example 8 (RegistrationResponse) and Example 10 (AuthenticationResponse) of the FIDO UAF
//!   protocol specification v1.0,
//!   <https://fidoalliance.org/specs/fido-uaf-v1.0-ps-20141208/fido-uaf-protocol-v1.0-ps-20141208.html>
//!   (repeated in 1.1; also unit-test data of eBay/UAF and teamhanko/fidouafclient).
//! - The authentication response of the FIDO conformance server API document,
//!   `fido-alliance/conformance-test-tools-resources`, `docs/UAF/Server/Conformance-Test-API.md`.

// Test helpers outside `#[test]` fns may unwrap and index too (clippy.toml covers only the fns).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use uaf_proto::assertion::{
    Attestation, AuthAssertion, KrdBuilder, RegAssertion, SignedDataBuilder, encode_auth_assertion,
    encode_reg_assertion,
};
use uaf_proto::b64::Base64Policy;
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_proto::tlv;

/// Example 8, `assertions[0].assertion`.
const SPEC_REG_ASSERTION: &str = "AT7uAgM-sQALLgkAQUJDRCNBQkNEDi4HAAABAQEAAAEKLiAA9tBzZC64ecgVQBGSQb5QtEIPC8-Vav4HsHLZDflLaugJLiAAZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNgNLggAAQAAAAEAAAAMLkEABJsvEtUsVKh7tmYHhJ2FBm3kHU-OCdWiUYVijgYa81MfkjQ1z6UiHbKP9_nRzIN9anprHqDGcR6q7O20q_yctZAHPjUCBi5AACv8L7YlRMx10gPnszGO6rLFqZFmmRkhtV0TIWuWqYxd1jO0wxam7i5qdEa19u4sfpHFZ9RGI_WHxINkH8FfvAwFLu0BMIIB6TCCAY8CAQEwCQYHKoZIzj0EATB7MQswCQYDVQQGEwJVUzELMAkGA1UECAwCQ0ExCzAJBgNVBAcMAlBBMRAwDgYDVQQKDAdOTkwsSW5jMQ0wCwYDVQQLDAREQU4xMRMwEQYDVQQDDApOTkwsSW5jIENBMRwwGgYJKoZIhvcNAQkBFg1ubmxAZ21haWwuY29tMB4XDTE0MDgyODIxMzU0MFoXDTE3MDUyNDIxMzU0MFowgYYxCzAJBgNVBAYTAlVTMQswCQYDVQQIDAJDQTEWMBQGA1UEBwwNU2FuIEZyYW5jaXNjbzEQMA4GA1UECgwHTk5MLEluYzENMAsGA1UECwwEREFOMTETMBEGA1UEAwwKTk5MLEluYyBDQTEcMBoGCSqGSIb3DQEJARYNbm5sQGdtYWlsLmNvbTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCGBt3CIjnDowzSiF68C2aErYXnDUsWXOYxqIPim0OWg9FFdUYCa6AgKjn1R99Ek2d803sGKROivnavmdVH-SnEwCQYHKoZIzj0EAQNJADBGAiEAzAQujXnSS9AIAh6lGz6ydypLVTsTnBzqGJ4ypIqy_qUCIQCFsuOEGcRV-o4GHPBph_VMrG3NpYh2GKPjsAim_cSNmQ";

/// Example 10, `assertions[0].assertion`.
const SPEC_AUTH_ASSERTION: &str = "Aj7WAAQ-jgALLgkAQUJDRCNBQkNEDi4FAAABAQEADy4gAHwyJAEX8t1b2wOxbaKOC5ZL7ACqbLo_TtiQfK3DzDsHCi4gAFwCUz-dOuafXKXJLbkUrIzjAU6oDbP8B9iLQRmCf58fEC4AAAkuIABkwI-f3bIe_Uin6IKIFvqLgAOrpk6_nr0oVAK9hIl82A0uBAACAAAABi5AADwDOcBvPslX2bRNy4SvFhAwhEAoBSGUitgMUNChgUSMxss3K3ukekq1paG7Fv1v5mBmDCZVPt2NCTnjUxrjTp4";

/// Conformance server API document, authentication response `assertions[0].assertion`.
const CONFORMANCE_AUTH_ASSERTION: &str = "Aj7EAAQ-dgALLgkARkZGRiNGQzAzDi4FAAEAAQIADy4IAB4gsCir67EvCi4gAMYR1ZSqYuPLiNpYlomDJYGZZGQRGSlLlThqf8ZzF-k2EC4AAAkuIADaied-MDJnRRzcYvhXI4R1GAiTPuqiCrOYhNwQ8ui8_Q0uBAABAAAABi5GADBEAiDDt4-pzmEWZyakWcWGdtBQLIXSf75wL3tEjiCIry_QtQIgjw0oMlQqKOHdG2M26e1Z0bG4wGjfow_vu5zp-VkALFo";

fn b64(text: &str) -> Vec<u8> {
    Base64Policy::Strict.decode(text).unwrap()
}

fn h(text: &str) -> Vec<u8> {
    hex::decode(text).unwrap()
}

#[test]
fn spec_example_8_registration_fields() {
    let bytes = b64(SPEC_REG_ASSERTION);
    assert_eq!(bytes.len(), 754);
    let a = RegAssertion::parse(&bytes).unwrap();
    assert_eq!(a.raw, &bytes[..]);

    let krd = &a.krd;
    assert_eq!(krd.raw.len(), 4 + 177);
    assert_eq!(&krd.raw[..4], &[0x03, 0x3e, 0xb1, 0x00]);
    assert_eq!(krd.raw, &bytes[4..4 + 181]);
    assert_eq!(krd.aaid.as_bytes(), b"ABCD#ABCD");
    assert_eq!(krd.assertion_info.to_bytes().to_vec(), h("00010101000001"));
    assert_eq!(krd.assertion_info.authenticator_version, 0x0100);
    assert_eq!(krd.assertion_info.authentication_mode, 0x01);
    assert_eq!(
        krd.assertion_info.sign_alg,
        AlgSign::Secp256r1EcdsaSha256Raw
    );
    assert_eq!(krd.assertion_info.pub_key_alg, AlgKey::EccX962Raw);
    assert_eq!(
        krd.final_challenge_hash,
        &h("f6d073642eb879c81540119241be50b4420f0bcf956afe07b072d90df94b6ae8")[..]
    );
    assert_eq!(
        krd.key_id,
        &h("64c08f9fddb21efd48a7e8828816fa8b8003aba64ebf9ebd285402bd84897cd8")[..]
    );
    assert_eq!((krd.sign_counter, krd.reg_counter), (1, 1));
    assert_eq!(
        krd.pub_key,
        &h(
            "049b2f12d52c54a87bb66607849d85066de41d4f8e09d5a25185628e061af3531f923435cfa5221db28ff7f9d1cc837d6a7a6b1ea0c6711eaaecedb4abfc9cb590"
        )[..]
    );
    assert!(krd.extensions.is_empty());

    assert_eq!(a.attestation.attestation_type(), AttestationType::BasicFull);
    let Attestation::BasicFull {
        signature,
        certificates,
    } = a.attestation
    else {
        panic!("expected basic full, got {:?}", a.attestation);
    };
    assert_eq!(
        signature,
        &h(
            "2bfc2fb62544cc75d203e7b3318eeab2c5a99166991921b55d13216b96a98c5dd633b4c316a6ee2e6a7446b5f6ee2c7e91c567d44623f587c483641fc15fbc0c"
        )[..]
    );
    assert_eq!(certificates.len(), 1);
    let leaf = certificates.first().unwrap();
    assert_eq!(leaf.len(), 493);
    assert!(leaf.starts_with(&h("308201e93082018f020101300906072a")));
    assert_eq!(leaf, &bytes[bytes.len() - 493..]);
    assert!(a.extensions.is_empty());
    assert_eq!(a.unknown_critical_extension(&[]), None);
}

#[test]
fn spec_example_8_re_encodes_identically() {
    let bytes = b64(SPEC_REG_ASSERTION);
    let a = RegAssertion::parse(&bytes).unwrap();
    // The builder path an authenticator takes: encode the KRD (the bytes it signs), then wrap.
    let builder: KrdBuilder<'_> = a.krd.to_builder();
    let krd = builder.encode().unwrap();
    assert_eq!(krd, a.krd.raw);
    let whole = encode_reg_assertion(&krd, &a.attestation, a.extensions).unwrap();
    assert_eq!(whole, bytes);
    assert_eq!(a.encode().unwrap(), bytes);
}

#[test]
fn spec_example_10_authentication_fields() {
    let bytes = b64(SPEC_AUTH_ASSERTION);
    assert_eq!(bytes.len(), 218);
    let a = AuthAssertion::parse(&bytes).unwrap();
    let sd = &a.signed_data;
    assert_eq!(&sd.raw[..4], &[0x04, 0x3e, 0x8e, 0x00]);
    assert_eq!(sd.raw, &bytes[4..4 + 4 + 142]);
    assert_eq!(sd.aaid.as_str(), "ABCD#ABCD");
    assert_eq!(sd.assertion_info.to_bytes().to_vec(), h("0001010100"));
    assert_eq!(sd.assertion_info.authenticator_version, 0x0100);
    assert_eq!(sd.assertion_info.authentication_mode, 1);
    assert_eq!(sd.assertion_info.sign_alg, AlgSign::Secp256r1EcdsaSha256Raw);
    assert_eq!(
        sd.authenticator_nonce,
        &h("7c32240117f2dd5bdb03b16da28e0b964bec00aa6cba3f4ed8907cadc3cc3b07")[..]
    );
    assert_eq!(
        sd.final_challenge_hash,
        &h("5c02533f9d3ae69f5ca5c92db914ac8ce3014ea80db3fc07d88b4119827f9f1f")[..]
    );
    assert!(sd.transaction_content_hash.is_empty());
    assert_eq!(
        sd.key_id,
        &h("64c08f9fddb21efd48a7e8828816fa8b8003aba64ebf9ebd285402bd84897cd8")[..]
    );
    assert_eq!(sd.sign_counter, 2);
    assert!(sd.extensions.is_empty());
    assert_eq!(
        a.signature,
        &h(
            "3c0339c06f3ec957d9b44dcb84af1610308440280521948ad80c50d0a181448cc6cb372b7ba47a4ab5a5a1bb16fd6fe660660c26553edd8d0939e3531ae34e9e"
        )[..]
    );
    assert!(a.extensions.is_empty());
}

#[test]
fn spec_example_10_re_encodes_identically() {
    let bytes = b64(SPEC_AUTH_ASSERTION);
    let a = AuthAssertion::parse(&bytes).unwrap();
    let builder: SignedDataBuilder<'_> = a.signed_data.to_builder();
    let sd = builder.encode().unwrap();
    assert_eq!(sd, a.signed_data.raw);
    assert_eq!(
        encode_auth_assertion(&sd, a.signature, a.extensions).unwrap(),
        bytes
    );
    assert_eq!(a.encode().unwrap(), bytes);
}

#[test]
fn spec_examples_share_the_key_id() {
    let reg = b64(SPEC_REG_ASSERTION);
    let auth = b64(SPEC_AUTH_ASSERTION);
    let reg = RegAssertion::parse(&reg).unwrap();
    let auth = AuthAssertion::parse(&auth).unwrap();
    assert_eq!(reg.krd.key_id, auth.signed_data.key_id);
    assert_eq!(reg.krd.aaid, auth.signed_data.aaid);
    // The conformance API doc's deregistration sample uses the same KeyID in base64url.
    assert_eq!(
        uaf_proto::b64::encode(reg.krd.key_id),
        "ZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNg"
    );
}

#[test]
fn conformance_api_document_authentication() {
    let bytes = b64(CONFORMANCE_AUTH_ASSERTION);
    assert_eq!(bytes.len(), 200);
    let a = AuthAssertion::parse(&bytes).unwrap();
    let sd = &a.signed_data;
    assert_eq!(&sd.raw[..4], &[0x04, 0x3e, 0x76, 0x00]);
    assert_eq!(sd.aaid.as_str(), "FFFF#FC03");
    assert_eq!(sd.assertion_info.to_bytes().to_vec(), h("0100010200"));
    assert_eq!(sd.assertion_info.authenticator_version, 1);
    assert_eq!(sd.assertion_info.authentication_mode, 1);
    assert_eq!(sd.assertion_info.sign_alg, AlgSign::Secp256r1EcdsaSha256Der);
    assert_eq!(sd.authenticator_nonce, &h("1e20b028abebb12f")[..]);
    assert_eq!(
        sd.final_challenge_hash,
        &h("c611d594aa62e3cb88da5896898325819964641119294b95386a7fc67317e936")[..]
    );
    assert!(sd.transaction_content_hash.is_empty());
    assert_eq!(
        sd.key_id,
        &h("da89e77e303267451cdc62f8572384751808933eeaa20ab39884dc10f2e8bcfd")[..]
    );
    assert_eq!(sd.sign_counter, 1);
    assert_eq!(
        a.signature,
        &h(
            "30440220c3b78fa9ce61166726a459c58676d0502c85d27fbe702f7b448e2088af2fd0b502208f0d2832542a28e1dd1b6336e9ed59d1b1b8c068dfa30fefbb9ce9f959002c5a"
        )[..]
    );
    assert_eq!(a.encode().unwrap(), bytes);
}

#[test]
fn spec_examples_have_a_sound_tlv_tree() {
    for text in [
        SPEC_REG_ASSERTION,
        SPEC_AUTH_ASSERTION,
        CONFORMANCE_AUTH_ASSERTION,
    ] {
        let bytes = b64(text);
        assert!(tlv::check_structure(&bytes).unwrap() > 8);
    }
    // Reg: 1 + KRD(1 + 6) + basic full(1 + 2) = 11 items.
    assert_eq!(tlv::check_structure(&b64(SPEC_REG_ASSERTION)), Ok(11));
}

#[test]
fn spec_examples_are_rejected_as_the_other_kind() {
    let reg = b64(SPEC_REG_ASSERTION);
    let auth = b64(SPEC_AUTH_ASSERTION);
    assert!(AuthAssertion::parse(&reg).is_err());
    assert!(RegAssertion::parse(&auth).is_err());
}
