//! Known-answer tests from the UAF protocol specification's own example messages
//! (v1.0 Examples 8 and 10, repeated in 1.1; digest §9.1): the signatures there verify, and
//! every change to them is caught.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed fixture must stop the test"
)]

use uaf_crypto::{Backend, CryptoError, KeyType, PublicKey, SignatureVerifier, hash, verify};
use uaf_proto::b64::Base64Policy;
use uaf_proto::registry::{AlgKey, AlgSign, HashAlg};

/// Example 8 (RegistrationResponse) `assertion`, base64url as in the spec.
const REG_ASSERTION: &str = "AT7uAgM-sQALLgkAQUJDRCNBQkNEDi4HAAABAQEAAAEKLiAA9tBzZC64ecgVQBGSQb5QtEIPC8-Vav4HsHLZDflLaugJLiAAZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNgNLggAAQAAAAEAAAAMLkEABJsvEtUsVKh7tmYHhJ2FBm3kHU-OCdWiUYVijgYa81MfkjQ1z6UiHbKP9_nRzIN9anprHqDGcR6q7O20q_yctZAHPjUCBi5AACv8L7YlRMx10gPnszGO6rLFqZFmmRkhtV0TIWuWqYxd1jO0wxam7i5qdEa19u4sfpHFZ9RGI_WHxINkH8FfvAwFLu0BMIIB6TCCAY8CAQEwCQYHKoZIzj0EATB7MQswCQYDVQQGEwJVUzELMAkGA1UECAwCQ0ExCzAJBgNVBAcMAlBBMRAwDgYDVQQKDAdOTkwsSW5jMQ0wCwYDVQQLDAREQU4xMRMwEQYDVQQDDApOTkwsSW5jIENBMRwwGgYJKoZIhvcNAQkBFg1ubmxAZ21haWwuY29tMB4XDTE0MDgyODIxMzU0MFoXDTE3MDUyNDIxMzU0MFowgYYxCzAJBgNVBAYTAlVTMQswCQYDVQQIDAJDQTEWMBQGA1UEBwwNU2FuIEZyYW5jaXNjbzEQMA4GA1UECgwHTk5MLEluYzENMAsGA1UECwwEREFOMTETMBEGA1UEAwwKTk5MLEluYyBDQTEcMBoGCSqGSIb3DQEJARYNbm5sQGdtYWlsLmNvbTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCGBt3CIjnDowzSiF68C2aErYXnDUsWXOYxqIPim0OWg9FFdUYCa6AgKjn1R99Ek2d803sGKROivnavmdVH-SnEwCQYHKoZIzj0EAQNJADBGAiEAzAQujXnSS9AIAh6lGz6ydypLVTsTnBzqGJ4ypIqy_qUCIQCFsuOEGcRV-o4GHPBph_VMrG3NpYh2GKPjsAim_cSNmQ";

/// Example 8 `fcParams`, exactly as sent.
const REG_FC_PARAMS: &str = "eyJhcHBJRCI6Imh0dHBzOi8vdWFmLXRlc3QtMS5ub2tub2t0ZXN0LmNvbTo4NDQzL1NhbXBsZUFwcC91YWYvZmFjZXRzIiwiY2hhbGxlbmdlIjoiSDlpVzl5QTlhQVhGX2xlbFFvaV9EaFVrNTE0QWQ4VHF2MHpDbkNxS0RwbyIsImNoYW5uZWxCaW5kaW5nIjp7fSwiZmFjZXRJRCI6ImNvbS5ub2tub2suYW5kcm9pZC5zYW1wbGVhcHAifQ";

/// Example 10 (AuthenticationResponse) `assertion`.
const AUTH_ASSERTION: &str = "Aj7WAAQ-jgALLgkAQUJDRCNBQkNEDi4FAAABAQEADy4gAHwyJAEX8t1b2wOxbaKOC5ZL7ACqbLo_TtiQfK3DzDsHCi4gAFwCUz-dOuafXKXJLbkUrIzjAU6oDbP8B9iLQRmCf58fEC4AAAkuIABkwI-f3bIe_Uin6IKIFvqLgAOrpk6_nr0oVAK9hIl82A0uBAACAAAABi5AADwDOcBvPslX2bRNy4SvFhAwhEAoBSGUitgMUNChgUSMxss3K3ukekq1paG7Fv1v5mBmDCZVPt2NCTnjUxrjTp4";

/// One UAFV1TLV element: tag, value, and the whole element (header included).
struct Tlv<'a> {
    tag: u16,
    value: &'a [u8],
    whole: &'a [u8],
}

/// Splits `bytes` into its top-level TLV elements (tag and length are little-endian u16).
fn tlvs(mut bytes: &[u8]) -> Vec<Tlv<'_>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let tag = u16::from_le_bytes([bytes[0], bytes[1]]);
        let len = usize::from(u16::from_le_bytes([bytes[2], bytes[3]]));
        out.push(Tlv {
            tag,
            value: &bytes[4..4 + len],
            whole: &bytes[..4 + len],
        });
        bytes = &bytes[4 + len..];
    }
    out
}

fn find<'a>(elements: &'a [Tlv<'a>], tag: u16) -> &'a Tlv<'a> {
    elements.iter().find(|t| t.tag == tag).unwrap()
}

/// The parts of Example 8: (KRD TLV bytes, UAuth.pub, signature, attestation certificate).
fn registration() -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let assertion = Base64Policy::Strict.decode(REG_ASSERTION).unwrap();
    let outer = tlvs(&assertion);
    let reg = find(&outer, 0x3E01);
    let inner = tlvs(reg.value);
    let krd = find(&inner, 0x3E03);
    let pub_key = find(&tlvs(krd.value), 0x2E0C).value.to_vec();
    let basic_full = tlvs(find(&inner, 0x3E07).value);
    let signature = find(&basic_full, 0x2E06).value.to_vec();
    let cert = find(&basic_full, 0x2E05).value.to_vec();
    (krd.whole.to_vec(), pub_key, signature, cert)
}

/// The parts of Example 10: (SignedData TLV bytes, signature).
fn authentication() -> (Vec<u8>, Vec<u8>) {
    let assertion = Base64Policy::Strict.decode(AUTH_ASSERTION).unwrap();
    let outer = tlvs(&assertion);
    let inner = tlvs(find(&outer, 0x3E02).value);
    let signed = find(&inner, 0x3E04).whole.to_vec();
    let signature = find(&inner, 0x2E06).value.to_vec();
    (signed, signature)
}

/// The attestation certificate's SubjectPublicKeyInfo: the P-256 SPKI inside the DER.
fn cert_spki(cert: &[u8]) -> &[u8] {
    // SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (66 bytes) }: 91 bytes.
    let prefix = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
    let at = cert
        .windows(prefix.len())
        .position(|w| w == prefix.as_slice())
        .unwrap();
    &cert[at..at + 91]
}

#[test]
fn example8_basic_full_signature_verifies_with_the_attestation_certificate_key() {
    let (krd, _, signature, cert) = registration();
    assert_eq!(krd.len(), 181);
    assert_eq!(signature.len(), 64);
    let key = PublicKey::decode(AlgKey::EccX962Der, cert_spki(&cert)).unwrap();
    assert_eq!(key.key_type(), KeyType::P256);
    assert_eq!(
        hex::encode(key.x962_point().unwrap()),
        "042181b770888e70e8c334a217af02d9a12b6179c352c597398c6a20f8a6d0e5a0\
         f4515d51809ae8080a8e7d51f7d124d9df34dec18a44e8af9dabe67551fe4a71"
    );
    for backend in Backend::ALL {
        backend
            .verify(AlgSign::Secp256r1EcdsaSha256Raw, &key, &krd, &signature)
            .unwrap();
    }
    verify(AlgSign::Secp256r1EcdsaSha256Raw, &key, &krd, &signature).unwrap();
}

#[test]
fn example10_authentication_signature_verifies_with_the_registered_uauth_pub() {
    let (_, uauth_pub, _, _) = registration();
    let (signed_data, signature) = authentication();
    assert_eq!(hex::encode(&uauth_pub[..5]), "049b2f12d5");
    let key = PublicKey::decode_for(
        AlgSign::Secp256r1EcdsaSha256Raw,
        AlgKey::EccX962Raw,
        &uauth_pub,
    )
    .unwrap();
    for backend in Backend::ALL {
        backend
            .verify(
                AlgSign::Secp256r1EcdsaSha256Raw,
                &key,
                &signed_data,
                &signature,
            )
            .unwrap();
    }
}

#[test]
fn example10_signature_also_verifies_in_der_form() {
    // A key registered under one encoding may authenticate under the other (DESIGN.md).
    let (_, uauth_pub, _, _) = registration();
    let (signed_data, signature) = authentication();
    let key = PublicKey::decode(AlgKey::EccX962Raw, &uauth_pub).unwrap();
    let der = raw_to_der(&signature);
    for backend in Backend::ALL {
        backend
            .verify(AlgSign::Secp256r1EcdsaSha256Der, &key, &signed_data, &der)
            .unwrap();
    }
}

/// Strict DER `SEQUENCE { r, s }` of a 64-byte `r ‖ s`, written here independently of the crate.
fn raw_to_der(rs: &[u8]) -> Vec<u8> {
    fn int(x: &[u8]) -> Vec<u8> {
        let mut v: Vec<u8> = x.iter().copied().skip_while(|b| *b == 0).collect();
        if v.first().is_none_or(|b| *b >= 0x80) {
            v.insert(0, 0);
        }
        let mut out = vec![0x02, u8::try_from(v.len()).unwrap()];
        out.extend(v);
        out
    }
    let mut body = int(&rs[..32]);
    body.extend(int(&rs[32..]));
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap()];
    out.extend(body);
    out
}

#[test]
fn every_changed_byte_of_the_signed_data_is_caught() {
    let (_, uauth_pub, _, _) = registration();
    let (signed_data, signature) = authentication();
    let key = PublicKey::decode(AlgKey::EccX962Raw, &uauth_pub).unwrap();
    for i in 0..signed_data.len() {
        let mut changed = signed_data.clone();
        changed[i] ^= 0x01;
        for backend in Backend::ALL {
            assert_eq!(
                backend.verify(AlgSign::Secp256r1EcdsaSha256Raw, &key, &changed, &signature),
                Err(CryptoError::VerificationFailed),
                "byte {i}, backend {}",
                backend.name()
            );
        }
    }
}

#[test]
fn the_krd_value_without_its_tlv_header_does_not_verify() {
    // Digest §5.5: the signature covers the TLV header too.
    let (krd, _, signature, cert) = registration();
    let key = PublicKey::decode(AlgKey::EccX962Der, cert_spki(&cert)).unwrap();
    assert_eq!(
        verify(
            AlgSign::Secp256r1EcdsaSha256Raw,
            &key,
            &krd[4..],
            &signature
        ),
        Err(CryptoError::VerificationFailed)
    );
}

#[test]
fn the_registration_signature_does_not_verify_with_uauth_pub() {
    // Basic Full: signed by the attestation key, not by the new key.
    let (krd, uauth_pub, signature, _) = registration();
    let key = PublicKey::decode(AlgKey::EccX962Raw, &uauth_pub).unwrap();
    assert_eq!(
        verify(AlgSign::Secp256r1EcdsaSha256Raw, &key, &krd, &signature),
        Err(CryptoError::VerificationFailed)
    );
}

#[test]
fn example8_final_challenge_hash_is_sha256_of_fcparams_as_sent() {
    let (krd, _, _, _) = registration();
    let fch = find(&tlvs(&krd[4..]), 0x2E0A).value.to_vec();
    let digest = hash(HashAlg::Sha256, REG_FC_PARAMS.as_bytes()).unwrap();
    assert_eq!(digest.as_bytes(), fch.as_slice());
    assert_eq!(
        hex::encode(digest),
        "f6d073642eb879c81540119241be50b4420f0bcf956afe07b072d90df94b6ae8"
    );
}
