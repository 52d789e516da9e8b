//! Property tests of the assertion codecs: parse(encode(fields)) == fields, and no input (random
//! or a mutated real assertion) panics a parser.

// Test helpers outside `#[test]` fns may unwrap and index too (clippy.toml covers only the fns).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prelude::*;
use uaf_proto::assertion::{
    Attestation, AuthAssertion, AuthAssertionInfo, Certificates, Extension, Extensions, KrdBuilder,
    ParseOptions, RegAssertion, RegAssertionInfo, SignedDataBuilder, encode_auth_assertion,
    encode_reg_assertion,
};
use uaf_proto::b64::Base64Policy;
use uaf_proto::id::Aaid;
use uaf_proto::registry::{AlgKey, AlgSign};

type OwnedExt = (String, Vec<u8>, bool);

fn bytes(min: usize, max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), min..=max)
}

fn aaid() -> impl Strategy<Value = String> {
    "[0-9A-Fa-f]{4}#[0-9A-Fa-f]{4}"
}

fn exts() -> impl Strategy<Value = Vec<OwnedExt>> {
    proptest::collection::vec(("\\PC{1,12}", bytes(0, 16), any::<bool>()), 0..3)
}

fn borrow(exts: &[OwnedExt]) -> Vec<Extension<'_>> {
    exts.iter()
        .map(|(id, data, critical)| Extension {
            id,
            data,
            critical: *critical,
        })
        .collect()
}

#[derive(Clone, Debug)]
struct KrdFields {
    aaid: String,
    info: [u8; 7],
    fch: Vec<u8>,
    key_id: Vec<u8>,
    sign_counter: u32,
    reg_counter: u32,
    pub_key: Vec<u8>,
    exts: Vec<OwnedExt>,
}

fn krd_fields() -> impl Strategy<Value = KrdFields> {
    (
        aaid(),
        any::<[u8; 7]>(),
        bytes(1, 64),
        bytes(1, 64),
        any::<u32>(),
        any::<u32>(),
        bytes(1, 100),
        exts(),
    )
        .prop_map(
            |(aaid, info, fch, key_id, sign_counter, reg_counter, pub_key, exts)| KrdFields {
                aaid,
                info,
                fch,
                key_id,
                sign_counter,
                reg_counter,
                pub_key,
                exts,
            },
        )
}

#[derive(Clone, Debug)]
enum AttFields {
    Full(Vec<u8>, Vec<Vec<u8>>),
    Surrogate(Vec<u8>),
}

fn att_fields() -> impl Strategy<Value = AttFields> {
    prop_oneof![
        (bytes(1, 72), proptest::collection::vec(bytes(1, 50), 1..4))
            .prop_map(|(s, c)| AttFields::Full(s, c)),
        bytes(1, 72).prop_map(AttFields::Surrogate),
    ]
}

#[derive(Clone, Debug)]
struct SdFields {
    aaid: String,
    info: [u8; 5],
    nonce: Vec<u8>,
    fch: Vec<u8>,
    tch: Vec<u8>,
    key_id: Vec<u8>,
    sign_counter: u32,
    exts: Vec<OwnedExt>,
}

fn sd_fields() -> impl Strategy<Value = SdFields> {
    (
        aaid(),
        any::<[u8; 5]>(),
        bytes(8, 40),
        bytes(1, 64),
        bytes(0, 64),
        bytes(1, 64),
        any::<u32>(),
        exts(),
    )
        .prop_map(
            |(aaid, info, nonce, fch, tch, key_id, sign_counter, exts)| SdFields {
                aaid,
                info,
                nonce,
                fch,
                tch,
                key_id,
                sign_counter,
                exts,
            },
        )
}

const SPEC_REG_ASSERTION: &str = "AT7uAgM-sQALLgkAQUJDRCNBQkNEDi4HAAABAQEAAAEKLiAA9tBzZC64ecgVQBGSQb5QtEIPC8-Vav4HsHLZDflLaugJLiAAZMCPn92yHv1Ip-iCiBb6i4ADq6ZOv569KFQCvYSJfNgNLggAAQAAAAEAAAAMLkEABJsvEtUsVKh7tmYHhJ2FBm3kHU-OCdWiUYVijgYa81MfkjQ1z6UiHbKP9_nRzIN9anprHqDGcR6q7O20q_yctZAHPjUCBi5AACv8L7YlRMx10gPnszGO6rLFqZFmmRkhtV0TIWuWqYxd1jO0wxam7i5qdEa19u4sfpHFZ9RGI_WHxINkH8FfvAwFLu0BMIIB6TCCAY8CAQEwCQYHKoZIzj0EATB7MQswCQYDVQQGEwJVUzELMAkGA1UECAwCQ0ExCzAJBgNVBAcMAlBBMRAwDgYDVQQKDAdOTkwsSW5jMQ0wCwYDVQQLDAREQU4xMRMwEQYDVQQDDApOTkwsSW5jIENBMRwwGgYJKoZIhvcNAQkBFg1ubmxAZ21haWwuY29tMB4XDTE0MDgyODIxMzU0MFoXDTE3MDUyNDIxMzU0MFowgYYxCzAJBgNVBAYTAlVTMQswCQYDVQQIDAJDQTEWMBQGA1UEBwwNU2FuIEZyYW5jaXNjbzEQMA4GA1UECgwHTk5MLEluYzENMAsGA1UECwwEREFOMTETMBEGA1UEAwwKTk5MLEluYyBDQTEcMBoGCSqGSIb3DQEJARYNbm5sQGdtYWlsLmNvbTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCGBt3CIjnDowzSiF68C2aErYXnDUsWXOYxqIPim0OWg9FFdUYCa6AgKjn1R99Ek2d803sGKROivnavmdVH-SnEwCQYHKoZIzj0EAQNJADBGAiEAzAQujXnSS9AIAh6lGz6ydypLVTsTnBzqGJ4ypIqy_qUCIQCFsuOEGcRV-o4GHPBph_VMrG3NpYh2GKPjsAim_cSNmQ";
const SPEC_AUTH_ASSERTION: &str = "Aj7WAAQ-jgALLgkAQUJDRCNBQkNEDi4FAAABAQEADy4gAHwyJAEX8t1b2wOxbaKOC5ZL7ACqbLo_TtiQfK3DzDsHCi4gAFwCUz-dOuafXKXJLbkUrIzjAU6oDbP8B9iLQRmCf58fEC4AAAkuIABkwI-f3bIe_Uin6IKIFvqLgAOrpk6_nr0oVAK9hIl82A0uBAACAAAABi5AADwDOcBvPslX2bRNy4SvFhAwhEAoBSGUitgMUNChgUSMxss3K3ukekq1paG7Fv1v5mBmDCZVPt2NCTnjUxrjTp4";

/// Parses with both option sets and touches every accessor; must never panic.
fn exercise(bytes: &[u8]) {
    for opts in [
        ParseOptions::STRICT,
        ParseOptions::new().with_unknown_critical_tags(true),
    ] {
        if let Ok(a) = RegAssertion::parse_with(bytes, opts) {
            assert!(a.krd.extensions.iter().count() == a.krd.extensions.len());
            assert!(a.extensions.iter().count() == a.extensions.len());
            assert!(
                a.attestation.certificates().iter().count() == a.attestation.certificates().len()
            );
            let _ = (
                a.unknown_critical_extension(&[]),
                a.encode(),
                format!("{a:?}"),
            );
        }
        if let Ok(a) = AuthAssertion::parse_with(bytes, opts) {
            assert!(a.signed_data.extensions.iter().count() == a.signed_data.extensions.len());
            assert!(a.extensions.iter().count() == a.extensions.len());
            let _ = (
                a.unknown_critical_extension(&[]),
                a.encode(),
                format!("{a:?}"),
            );
        }
    }
    if let Err(e) = RegAssertion::parse(bytes) {
        assert!(!e.to_string().is_empty());
    }
}

proptest! {
    #[test]
    fn reg_assertions_round_trip(k in krd_fields(), att in att_fields(), unsigned in exts()) {
        let signed_exts = borrow(&k.exts);
        let builder = KrdBuilder {
            aaid: Aaid::parse(&k.aaid).unwrap(),
            assertion_info: RegAssertionInfo::from_bytes(k.info),
            final_challenge_hash: &k.fch,
            key_id: &k.key_id,
            sign_counter: k.sign_counter,
            reg_counter: k.reg_counter,
            pub_key: &k.pub_key,
            extensions: Extensions::from_slice(&signed_exts),
        };
        let krd = builder.encode().unwrap();
        let certs: Vec<&[u8]>;
        let attestation = match &att {
            AttFields::Full(sig, c) => {
                certs = c.iter().map(Vec::as_slice).collect();
                Attestation::BasicFull { signature: sig, certificates: Certificates::from_slice(&certs) }
            }
            AttFields::Surrogate(sig) => Attestation::BasicSurrogate { signature: sig },
        };
        let unsigned_exts = borrow(&unsigned);
        let bytes = encode_reg_assertion(&krd, &attestation, Extensions::from_slice(&unsigned_exts)).unwrap();

        let parsed = RegAssertion::parse(&bytes).unwrap();
        prop_assert_eq!(parsed.krd.to_builder(), builder);
        prop_assert_eq!(parsed.krd.raw, &krd[..]);
        prop_assert_eq!(parsed.krd.aaid.as_str(), k.aaid.as_str());
        prop_assert_eq!(parsed.attestation, attestation);
        prop_assert_eq!(parsed.extensions, Extensions::from_slice(&unsigned_exts));
        prop_assert_eq!(&parsed.encode().unwrap()[..], &bytes[..]);
        let any_critical = k.exts.iter().chain(&unsigned).any(|e| e.2);
        prop_assert_eq!(parsed.unknown_critical_extension(&[]).is_some(), any_critical);
    }

    #[test]
    fn auth_assertions_round_trip(s in sd_fields(), signature in bytes(1, 80), unsigned in exts()) {
        let signed_exts = borrow(&s.exts);
        let builder = SignedDataBuilder {
            aaid: Aaid::parse(&s.aaid).unwrap(),
            assertion_info: AuthAssertionInfo::from_bytes(s.info),
            authenticator_nonce: &s.nonce,
            final_challenge_hash: &s.fch,
            transaction_content_hash: &s.tch,
            key_id: &s.key_id,
            sign_counter: s.sign_counter,
            extensions: Extensions::from_slice(&signed_exts),
        };
        let sd = builder.encode().unwrap();
        let unsigned_exts = borrow(&unsigned);
        let bytes = encode_auth_assertion(&sd, &signature, Extensions::from_slice(&unsigned_exts)).unwrap();

        let parsed = AuthAssertion::parse(&bytes).unwrap();
        prop_assert_eq!(parsed.signed_data.to_builder(), builder);
        prop_assert_eq!(parsed.signed_data.raw, &sd[..]);
        prop_assert_eq!(parsed.signature, &signature[..]);
        prop_assert_eq!(parsed.extensions, Extensions::from_slice(&unsigned_exts));
        prop_assert_eq!(&parsed.encode().unwrap()[..], &bytes[..]);
    }

    #[test]
    fn assertion_info_round_trips(info7 in any::<[u8; 7]>(), info5 in any::<[u8; 5]>()) {
        prop_assert_eq!(RegAssertionInfo::from_bytes(info7).to_bytes(), info7);
        prop_assert_eq!(AuthAssertionInfo::from_bytes(info5).to_bytes(), info5);
        let r = RegAssertionInfo::from_bytes(info7);
        prop_assert_eq!(r.sign_alg, AlgSign::from_value(u16::from_le_bytes([info7[3], info7[4]])));
        prop_assert_eq!(r.pub_key_alg, AlgKey::from_value(u16::from_le_bytes([info7[5], info7[6]])));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        exercise(&bytes);
        // With a plausible header, so the members get looked at.
        for tag in [0x3e01u16, 0x3e02] {
            let mut framed = tag.to_le_bytes().to_vec();
            framed.extend_from_slice(&u16::try_from(bytes.len()).unwrap().to_le_bytes());
            framed.extend_from_slice(&bytes);
            exercise(&framed);
        }
    }

    #[test]
    fn mutated_real_assertions_never_panic(
        which in any::<bool>(),
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..6),
        cut in proptest::option::of(any::<proptest::sample::Index>()),
    ) {
        let text = if which { SPEC_REG_ASSERTION } else { SPEC_AUTH_ASSERTION };
        let mut bytes = Base64Policy::Strict.decode(text).unwrap();
        for (i, v) in flips {
            let i = i.index(bytes.len());
            bytes[i] = v;
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len()));
        }
        exercise(&bytes);
    }
}
