//! Every structural rule of the assertion parsers, positive and negative, with the exact error
//! (digest §5.1–§5.6 and the conformance TLV mutations of §10.3).

// Test helpers outside `#[test]` fns may unwrap and index too (clippy.toml covers only the fns).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use uaf_proto::assertion::{
    AssertionError, AssertionKind, Attestation, AuthAssertion, AuthAssertionInfo, Extension,
    Extensions, KrdBuilder, Malformation, ParseOptions, RegAssertion, RegAssertionInfo,
    SignedDataBuilder, encode_auth_assertion, encode_reg_assertion,
};
use uaf_proto::id::Aaid;
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_proto::tlv::*;

// ------------------------------------------------------------------------------------------
// Helpers: build assertions member by member so each test can break exactly one rule.
// ------------------------------------------------------------------------------------------

fn leaf(tag: u16, value: &[u8]) -> Vec<u8> {
    let mut w = TlvWriter::new();
    w.put(tag, value).unwrap();
    w.into_bytes()
}

fn composite(tag: u16, members: &[Vec<u8>]) -> Vec<u8> {
    leaf(tag, &members.concat())
}

const KRD_TAGS: [u16; 6] = [
    TAG_AAID,
    TAG_ASSERTION_INFO,
    TAG_FINAL_CHALLENGE_HASH,
    TAG_KEYID,
    TAG_COUNTERS,
    TAG_PUB_KEY,
];

fn krd_members() -> Vec<Vec<u8>> {
    vec![
        leaf(TAG_AAID, b"FFFF#FC01"),
        leaf(
            TAG_ASSERTION_INFO,
            &[0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01],
        ),
        leaf(TAG_FINAL_CHALLENGE_HASH, &[0xfc; 32]),
        leaf(TAG_KEYID, &[0x4b; 32]),
        leaf(TAG_COUNTERS, &[0, 0, 0, 0, 1, 0, 0, 0]),
        leaf(TAG_PUB_KEY, &[0x04; 65]),
    ]
}

fn basic_full() -> Vec<u8> {
    composite(
        TAG_ATTESTATION_BASIC_FULL,
        &[
            leaf(TAG_SIGNATURE, &[0x5a; 64]),
            leaf(TAG_ATTESTATION_CERT, &[0x30; 40]),
        ],
    )
}

fn surrogate() -> Vec<u8> {
    composite(
        TAG_ATTESTATION_BASIC_SURROGATE,
        &[leaf(TAG_SIGNATURE, &[0x5b; 64])],
    )
}

fn reg(krd: &[Vec<u8>], rest: &[Vec<u8>]) -> Vec<u8> {
    let mut members = vec![composite(TAG_UAFV1_KRD, krd)];
    members.extend_from_slice(rest);
    composite(TAG_UAFV1_REG_ASSERTION, &members)
}

fn valid_reg() -> Vec<u8> {
    reg(&krd_members(), &[basic_full()])
}

const SD_TAGS: [u16; 7] = [
    TAG_AAID,
    TAG_ASSERTION_INFO,
    TAG_AUTHENTICATOR_NONCE,
    TAG_FINAL_CHALLENGE_HASH,
    TAG_TRANSACTION_CONTENT_HASH,
    TAG_KEYID,
    TAG_COUNTERS,
];

fn sd_members() -> Vec<Vec<u8>> {
    vec![
        leaf(TAG_AAID, b"FFFF#FC01"),
        leaf(TAG_ASSERTION_INFO, &[0x01, 0x00, 0x01, 0x01, 0x00]),
        leaf(TAG_AUTHENTICATOR_NONCE, &[0x11; 8]),
        leaf(TAG_FINAL_CHALLENGE_HASH, &[0xfc; 32]),
        leaf(TAG_TRANSACTION_CONTENT_HASH, &[]),
        leaf(TAG_KEYID, &[0x4b; 32]),
        leaf(TAG_COUNTERS, &[7, 0, 0, 0]),
    ]
}

fn auth(sd: &[Vec<u8>], rest: &[Vec<u8>]) -> Vec<u8> {
    let mut members = vec![composite(TAG_UAFV1_SIGNED_DATA, sd)];
    members.extend_from_slice(rest);
    composite(TAG_UAFV1_AUTH_ASSERTION, &members)
}

fn valid_auth() -> Vec<u8> {
    auth(&sd_members(), &[leaf(TAG_SIGNATURE, &[0x5c; 64])])
}

/// Offset of member `i` of the KRD / SignedData (both start at byte 8).
fn member_offset(members: &[Vec<u8>], i: usize) -> usize {
    8 + members[..i].iter().map(Vec::len).sum::<usize>()
}

fn reg_err(bytes: &[u8]) -> AssertionError {
    RegAssertion::parse(bytes).unwrap_err()
}

fn auth_err(bytes: &[u8]) -> AssertionError {
    AuthAssertion::parse(bytes).unwrap_err()
}

fn tlv_err(e: TlvError) -> AssertionError {
    AssertionError::Tlv(e)
}

// ------------------------------------------------------------------------------------------
// Positive baselines
// ------------------------------------------------------------------------------------------

#[test]
fn valid_assertions_parse() {
    let bytes = valid_reg();
    let a = RegAssertion::parse(&bytes).unwrap();
    assert_eq!(a.krd.aaid, Aaid::parse("ffff#fc01").unwrap());
    assert_eq!(
        a.krd.assertion_info.sign_alg,
        AlgSign::Secp256r1EcdsaSha256Raw
    );
    assert_eq!(a.krd.assertion_info.pub_key_alg, AlgKey::EccX962Raw);
    assert_eq!((a.krd.sign_counter, a.krd.reg_counter), (0, 1));
    assert_eq!(a.attestation.signature(), Some(&[0x5a; 64][..]));

    let bytes = valid_auth();
    let a = AuthAssertion::parse(&bytes).unwrap();
    assert_eq!(a.signed_data.sign_counter, 7);
    assert_eq!(a.signed_data.authenticator_nonce.len(), 8);
    assert!(a.signed_data.transaction_content_hash.is_empty());
}

#[test]
fn members_may_come_in_any_order() {
    let mut krd = krd_members();
    krd.reverse();
    let bytes = reg(&krd, &[basic_full()]);
    let reversed = RegAssertion::parse(&bytes).unwrap();
    let canonical_bytes = valid_reg();
    let canonical = RegAssertion::parse(&canonical_bytes).unwrap();
    assert_eq!(reversed.krd.to_builder(), canonical.krd.to_builder());
    // Signatures cover what was received, not the canonical order.
    assert_ne!(reversed.krd.raw, canonical.krd.raw);
    assert_eq!(reversed.krd.raw, &bytes[4..4 + reversed.krd.raw.len()]);
    // Attestation before KRD is fine too.
    let bytes = composite(
        TAG_UAFV1_REG_ASSERTION,
        &[basic_full(), composite(TAG_UAFV1_KRD, &krd_members())],
    );
    assert!(RegAssertion::parse(&bytes).is_ok());

    let mut sd = sd_members();
    sd.rotate_left(3);
    let bytes = composite(
        TAG_UAFV1_AUTH_ASSERTION,
        &[
            leaf(TAG_SIGNATURE, &[1]),
            composite(TAG_UAFV1_SIGNED_DATA, &sd),
        ],
    );
    assert_eq!(
        AuthAssertion::parse(&bytes)
            .unwrap()
            .signed_data
            .sign_counter,
        7
    );
}

// ------------------------------------------------------------------------------------------
// Framing
// ------------------------------------------------------------------------------------------

#[test]
fn empty_and_truncated_header() {
    assert_eq!(
        reg_err(&[]),
        tlv_err(TlvError::TruncatedHeader {
            offset: 0,
            available: 0
        })
    );
    assert_eq!(
        reg_err(&[0x01, 0x3e, 0x00]),
        tlv_err(TlvError::TruncatedHeader {
            offset: 0,
            available: 3
        })
    );
    // Two stray bytes at the end of the KRD's value.
    let mut krd = krd_members();
    let off = member_offset(&krd, 6);
    krd.push(vec![0x0b, 0x2e]);
    assert_eq!(
        reg_err(&reg(&krd, &[basic_full()])),
        tlv_err(TlvError::TruncatedHeader {
            offset: off,
            available: 2
        })
    );
}

#[test]
fn length_past_end() {
    let mut bytes = valid_reg();
    bytes.truncate(bytes.len() - 1);
    assert_eq!(
        reg_err(&bytes),
        tlv_err(TlvError::LengthPastEnd {
            tag: TAG_UAFV1_REG_ASSERTION,
            offset: 0,
            length: bytes.len() - 3,
            available: bytes.len() - 4
        })
    );
    // A member whose length runs past the end of its composite.
    let mut krd = krd_members();
    let off = member_offset(&krd, 5);
    krd[5] = vec![0x0c, 0x2e, 0x42, 0x00]; // TAG_PUB_KEY claims 66 bytes, has none
    assert_eq!(
        reg_err(&reg(&krd, &[basic_full()])),
        tlv_err(TlvError::LengthPastEnd {
            tag: TAG_PUB_KEY,
            offset: off,
            length: 66,
            available: 0
        })
    );
}

#[test]
fn trailing_bytes_after_the_assertion() {
    let mut bytes = valid_reg();
    let len = bytes.len();
    bytes.extend_from_slice(&[0, 0, 0]);
    assert_eq!(
        reg_err(&bytes),
        tlv_err(TlvError::TrailingBytes {
            offset: len,
            count: 3
        })
    );
    let mut bytes = valid_auth();
    let len = bytes.len();
    bytes.extend_from_slice(&valid_auth());
    assert_eq!(
        auth_err(&bytes),
        tlv_err(TlvError::TrailingBytes {
            offset: len,
            count: len
        })
    );
}

#[test]
fn wrong_top_level_tag() {
    assert_eq!(
        reg_err(&valid_auth()),
        tlv_err(TlvError::UnexpectedTag {
            expected: TAG_UAFV1_REG_ASSERTION,
            found: TAG_UAFV1_AUTH_ASSERTION,
            offset: 0
        })
    );
    let krd_alone = composite(TAG_UAFV1_KRD, &krd_members());
    assert_eq!(
        reg_err(&krd_alone),
        tlv_err(TlvError::UnexpectedTag {
            expected: TAG_UAFV1_REG_ASSERTION,
            found: TAG_UAFV1_KRD,
            offset: 0
        })
    );
}

// ------------------------------------------------------------------------------------------
// Cardinality
// ------------------------------------------------------------------------------------------

#[test]
fn each_krd_member_is_mandatory() {
    for (i, tag) in KRD_TAGS.into_iter().enumerate() {
        let mut krd = krd_members();
        krd.remove(i);
        assert_eq!(
            reg_err(&reg(&krd, &[basic_full()])),
            tlv_err(TlvError::MissingMember {
                parent: TAG_UAFV1_KRD,
                tag,
                offset: 4
            }),
            "{}",
            TagDisplay(tag)
        );
    }
    assert_eq!(
        reg_err(&composite(TAG_UAFV1_REG_ASSERTION, &[basic_full()])),
        tlv_err(TlvError::MissingMember {
            parent: TAG_UAFV1_REG_ASSERTION,
            tag: TAG_UAFV1_KRD,
            offset: 0
        })
    );
}

#[test]
fn each_signed_data_member_is_mandatory() {
    for (i, tag) in SD_TAGS.into_iter().enumerate() {
        let mut sd = sd_members();
        sd.remove(i);
        assert_eq!(
            auth_err(&auth(&sd, &[leaf(TAG_SIGNATURE, &[1])])),
            tlv_err(TlvError::MissingMember {
                parent: TAG_UAFV1_SIGNED_DATA,
                tag,
                offset: 4
            }),
            "{}",
            TagDisplay(tag)
        );
    }
    assert_eq!(
        auth_err(&auth(&sd_members(), &[])),
        tlv_err(TlvError::MissingMember {
            parent: TAG_UAFV1_AUTH_ASSERTION,
            tag: TAG_SIGNATURE,
            offset: 0
        })
    );
    assert_eq!(
        auth_err(&composite(
            TAG_UAFV1_AUTH_ASSERTION,
            &[leaf(TAG_SIGNATURE, &[1])]
        )),
        tlv_err(TlvError::MissingMember {
            parent: TAG_UAFV1_AUTH_ASSERTION,
            tag: TAG_UAFV1_SIGNED_DATA,
            offset: 0
        })
    );
}

#[test]
fn duplicate_members_are_rejected() {
    for (i, tag) in KRD_TAGS.into_iter().enumerate() {
        let mut krd = krd_members();
        let end = member_offset(&krd, 6);
        krd.push(krd[i].clone());
        assert_eq!(
            reg_err(&reg(&krd, &[basic_full()])),
            tlv_err(TlvError::DuplicateMember {
                parent: TAG_UAFV1_KRD,
                tag,
                offset: end
            }),
        );
    }
    for (i, tag) in SD_TAGS.into_iter().enumerate() {
        let mut sd = sd_members();
        let end = member_offset(&sd, 7);
        sd.push(sd[i].clone());
        assert_eq!(
            auth_err(&auth(&sd, &[leaf(TAG_SIGNATURE, &[1])])),
            tlv_err(TlvError::DuplicateMember {
                parent: TAG_UAFV1_SIGNED_DATA,
                tag,
                offset: end
            }),
        );
    }
    let krd = composite(TAG_UAFV1_KRD, &krd_members());
    let second = 4 + krd.len();
    assert_eq!(
        reg_err(&composite(
            TAG_UAFV1_REG_ASSERTION,
            &[krd.clone(), krd, basic_full()]
        )),
        tlv_err(TlvError::DuplicateMember {
            parent: TAG_UAFV1_REG_ASSERTION,
            tag: TAG_UAFV1_KRD,
            offset: second
        })
    );
    let sig = leaf(TAG_SIGNATURE, &[1]);
    let bytes = auth(&sd_members(), &[sig.clone(), sig.clone()]);
    assert_eq!(
        auth_err(&bytes),
        tlv_err(TlvError::DuplicateMember {
            parent: TAG_UAFV1_AUTH_ASSERTION,
            tag: TAG_SIGNATURE,
            offset: bytes.len() - sig.len()
        })
    );
}

// ------------------------------------------------------------------------------------------
// Lengths and values
// ------------------------------------------------------------------------------------------

#[test]
fn fixed_lengths_in_krd() {
    let cases: [(usize, u16, usize, usize); 4] = [
        (0, TAG_AAID, 8, 9),
        (1, TAG_ASSERTION_INFO, 5, 7),
        (1, TAG_ASSERTION_INFO, 8, 7),
        (4, TAG_COUNTERS, 4, 8),
    ];
    for (i, tag, len, want) in cases {
        let mut krd = krd_members();
        let off = member_offset(&krd, i);
        krd[i] = leaf(tag, &vec![0x41; len]);
        assert_eq!(
            reg_err(&reg(&krd, &[basic_full()])),
            tlv_err(TlvError::WrongLength {
                tag,
                offset: off,
                len,
                min: want,
                max: want
            })
        );
    }
}

#[test]
fn fixed_lengths_in_signed_data() {
    let cases: [(usize, u16, usize, usize, usize); 5] = [
        (0, TAG_AAID, 10, 9, 9),
        (1, TAG_ASSERTION_INFO, 7, 5, 5),
        (2, TAG_AUTHENTICATOR_NONCE, 7, 8, MAX_VALUE_LEN),
        (6, TAG_COUNTERS, 8, 4, 4),
        (6, TAG_COUNTERS, 3, 4, 4),
    ];
    for (i, tag, len, min, max) in cases {
        let mut sd = sd_members();
        let off = member_offset(&sd, i);
        sd[i] = leaf(tag, &vec![0x41; len]);
        assert_eq!(
            auth_err(&auth(&sd, &[leaf(TAG_SIGNATURE, &[1])])),
            tlv_err(TlvError::WrongLength {
                tag,
                offset: off,
                len,
                min,
                max
            })
        );
    }
}

#[test]
fn aaid_must_be_well_formed() {
    let mut krd = krd_members();
    krd[0] = leaf(TAG_AAID, b"FFFF-FC01");
    assert_eq!(
        reg_err(&reg(&krd, &[basic_full()])),
        AssertionError::InvalidAaid { offset: 8 }
    );
    let mut sd = sd_members();
    sd[0] = leaf(TAG_AAID, b"GGGG#FC01");
    assert_eq!(
        auth_err(&auth(&sd, &[leaf(TAG_SIGNATURE, &[1])])),
        AssertionError::InvalidAaid { offset: 8 }
    );
    // Lower-case hex is an AAID.
    let mut krd = krd_members();
    krd[0] = leaf(TAG_AAID, b"ffff#fc01");
    assert!(RegAssertion::parse(&reg(&krd, &[basic_full()])).is_ok());
}

#[test]
fn mandatory_values_must_not_be_empty() {
    for (i, tag) in KRD_TAGS.into_iter().enumerate() {
        let mut krd = krd_members();
        let off = member_offset(&krd, i);
        krd[i] = leaf(tag, &[]);
        assert_eq!(
            reg_err(&reg(&krd, &[basic_full()])),
            tlv_err(TlvError::EmptyValue { tag, offset: off }),
            "{}",
            TagDisplay(tag)
        );
    }
    for (i, tag) in SD_TAGS.into_iter().enumerate() {
        if tag == TAG_TRANSACTION_CONTENT_HASH {
            continue;
        }
        let mut sd = sd_members();
        let off = member_offset(&sd, i);
        sd[i] = leaf(tag, &[]);
        assert_eq!(
            auth_err(&auth(&sd, &[leaf(TAG_SIGNATURE, &[1])])),
            tlv_err(TlvError::EmptyValue { tag, offset: off }),
            "{}",
            TagDisplay(tag)
        );
    }
    let bytes = auth(&sd_members(), &[leaf(TAG_SIGNATURE, &[])]);
    let sig_off = bytes.len() - 4;
    assert_eq!(
        auth_err(&bytes),
        tlv_err(TlvError::EmptyValue {
            tag: TAG_SIGNATURE,
            offset: sig_off
        })
    );
}

#[test]
fn transaction_content_hash_may_be_empty_or_not() {
    let mut sd = sd_members();
    sd[4] = leaf(TAG_TRANSACTION_CONTENT_HASH, &[0x7c; 32]);
    let bytes = auth(&sd, &[leaf(TAG_SIGNATURE, &[1])]);
    assert_eq!(
        AuthAssertion::parse(&bytes)
            .unwrap()
            .signed_data
            .transaction_content_hash,
        &[0x7c; 32]
    );
}

// ------------------------------------------------------------------------------------------
// Unknown tags
// ------------------------------------------------------------------------------------------

#[test]
fn unknown_critical_tag_is_rejected_unless_allowed() {
    let mut krd = krd_members();
    let off = member_offset(&krd, 6);
    krd.push(leaf(0x2EFF, b"vendor"));
    let bytes = reg(&krd, &[basic_full()]);
    assert_eq!(
        reg_err(&bytes),
        tlv_err(TlvError::UnknownCriticalTag {
            parent: TAG_UAFV1_KRD,
            tag: 0x2EFF,
            offset: off
        })
    );
    let opts = ParseOptions::new().with_unknown_critical_tags(true);
    assert!(opts.allow_unknown_critical_tags);
    let a = RegAssertion::parse_with(&bytes, opts).unwrap();
    assert_eq!(a.krd.raw, &bytes[4..4 + a.krd.raw.len()]);
    assert!(a.krd.raw.ends_with(&leaf(0x2EFF, b"vendor")));

    // Inside the SignedData: rejected, and skipped under the relaxation.
    let mut sd = sd_members();
    sd.push(leaf(0x2EFF, b"vendor"));
    let bytes = auth(&sd, &[leaf(TAG_SIGNATURE, &[1])]);
    assert!(matches!(
        auth_err(&bytes),
        AssertionError::Tlv(TlvError::UnknownCriticalTag {
            parent: TAG_UAFV1_SIGNED_DATA,
            tag: 0x2EFF,
            ..
        })
    ));
    let a = AuthAssertion::parse_with(&bytes, opts).unwrap();
    assert!(a.signed_data.raw.ends_with(&leaf(0x2EFF, b"vendor")));
}

/// The relaxation is scoped to the signed structures (KRD, SignedData): an unknown critical
/// tag directly inside the assertion container or the attestation block (outside the signed
/// data) is malformed with or without it.
#[test]
fn unknown_critical_tag_outside_the_signed_data_is_rejected_even_when_allowed() {
    let opts = ParseOptions::new().with_unknown_critical_tags(true);
    // At the top level of an authentication assertion.
    let bytes = auth(
        &sd_members(),
        &[leaf(TAG_SIGNATURE, &[1]), leaf(0x3EF0, &[])],
    );
    let want = tlv_err(TlvError::UnknownCriticalTag {
        parent: TAG_UAFV1_AUTH_ASSERTION,
        tag: 0x3EF0,
        offset: bytes.len() - 4,
    });
    assert_eq!(auth_err(&bytes), want);
    assert_eq!(AuthAssertion::parse_with(&bytes, opts).unwrap_err(), want);

    // At the top level of a registration assertion.
    let bytes = reg(&krd_members(), &[basic_full(), leaf(0x2EF1, b"x")]);
    let want = tlv_err(TlvError::UnknownCriticalTag {
        parent: TAG_UAFV1_REG_ASSERTION,
        tag: 0x2EF1,
        offset: bytes.len() - 5,
    });
    assert_eq!(reg_err(&bytes), want);
    assert_eq!(RegAssertion::parse_with(&bytes, opts).unwrap_err(), want);

    // Inside the attestation block (not covered by the attestation signature either).
    let block = composite(
        TAG_ATTESTATION_BASIC_SURROGATE,
        &[leaf(TAG_SIGNATURE, &[1]), leaf(0x2EF2, b"y")],
    );
    let bytes = reg(&krd_members(), &[block]);
    let err = RegAssertion::parse_with(&bytes, opts).unwrap_err();
    assert!(
        matches!(
            err,
            AssertionError::Tlv(TlvError::UnknownCriticalTag {
                parent: TAG_ATTESTATION_BASIC_SURROGATE,
                tag: 0x2EF2,
                ..
            })
        ),
        "{err:?}"
    );
    // A non-critical unknown tag there is still skipped.
    let block = composite(
        TAG_ATTESTATION_BASIC_SURROGATE,
        &[leaf(TAG_SIGNATURE, &[1]), leaf(0x0EF2, b"y")],
    );
    assert!(RegAssertion::parse(&reg(&krd_members(), &[block])).is_ok());
}

#[test]
fn unknown_non_critical_tags_are_skipped_without_recursing() {
    // A non-critical leaf, and a non-critical composite whose value is not even valid TLV.
    let vendor_leaf = leaf(0x0EFF, b"vendor data");
    let vendor_composite = leaf(0x1EFF, &[0xde, 0xad]);
    let mut krd = krd_members();
    krd.insert(3, vendor_leaf.clone());
    krd.push(vendor_composite.clone());
    let bytes = reg(&krd, &[basic_full()]);
    let a = RegAssertion::parse(&bytes).unwrap();
    // The signed bytes are exactly the received KRD, vendor tags included.
    let received_krd = composite(TAG_UAFV1_KRD, &krd);
    assert_eq!(a.krd.raw, &received_krd[..]);
    assert_eq!(a.krd.key_id, &[0x4b; 32]);
    // The canonical re-encoding drops them, so it must never be what is verified.
    assert_ne!(a.krd.to_builder().encode().unwrap(), a.krd.raw);

    let mut sd = sd_members();
    sd.insert(0, vendor_composite);
    let bytes = auth(&sd, &[leaf(TAG_SIGNATURE, &[1])]);
    let a = AuthAssertion::parse(&bytes).unwrap();
    assert_eq!(
        a.signed_data.raw,
        &composite(TAG_UAFV1_SIGNED_DATA, &sd)[..]
    );
}

#[test]
fn known_tags_in_the_wrong_place_are_rejected() {
    let mut krd = krd_members();
    let off = member_offset(&krd, 6);
    krd.push(leaf(TAG_SIGNATURE, &[1]));
    let bytes = reg(&krd, &[basic_full()]);
    let want = tlv_err(TlvError::UnexpectedMember {
        parent: TAG_UAFV1_KRD,
        tag: TAG_SIGNATURE,
        offset: off,
    });
    assert_eq!(reg_err(&bytes), want);
    // The compatibility option does not cover misplaced known tags.
    let opts = ParseOptions::new().with_unknown_critical_tags(true);
    assert_eq!(RegAssertion::parse_with(&bytes, opts).unwrap_err(), want);

    let mut sd = sd_members();
    sd.push(leaf(TAG_PUB_KEY, &[4]));
    assert!(matches!(
        auth_err(&auth(&sd, &[leaf(TAG_SIGNATURE, &[1])])),
        AssertionError::Tlv(TlvError::UnexpectedMember {
            parent: TAG_UAFV1_SIGNED_DATA,
            tag: TAG_PUB_KEY,
            ..
        })
    ));
}

// ------------------------------------------------------------------------------------------
// Extensions
// ------------------------------------------------------------------------------------------

fn ext(critical: bool, id: &[u8], data: &[u8]) -> Vec<u8> {
    let tag = if critical {
        TAG_EXTENSION
    } else {
        TAG_EXTENSION_NON_CRITICAL
    };
    composite(
        tag,
        &[leaf(TAG_EXTENSION_ID, id), leaf(TAG_EXTENSION_DATA, data)],
    )
}

#[test]
fn critical_extensions_are_reported() {
    let mut krd = krd_members();
    krd.push(ext(true, b"fido.uaf.uvi", &[1, 2, 3]));
    krd.push(ext(false, b"vendor.note", b""));
    let bytes = reg(&krd, &[basic_full(), ext(false, b"unsigned", b"x")]);
    let a = RegAssertion::parse(&bytes).unwrap();
    assert_eq!(a.krd.extensions.len(), 2);
    let exts: Vec<Extension<'_>> = a.krd.extensions.iter().collect();
    assert_eq!(
        exts,
        [
            Extension {
                id: "fido.uaf.uvi",
                data: &[1, 2, 3],
                critical: true
            },
            Extension {
                id: "vendor.note",
                data: &[],
                critical: false
            }
        ]
    );
    assert!(a.krd.extensions.has_critical());
    assert_eq!(
        a.krd.extensions.find("vendor.note").map(|e| e.critical),
        Some(false)
    );
    assert_eq!(
        a.unknown_critical_extension(&[]).map(|e| e.id),
        Some("fido.uaf.uvi")
    );
    assert_eq!(a.unknown_critical_extension(&["fido.uaf.uvi"]), None);
    assert_eq!(a.extensions.len(), 1);
    assert!(!a.extensions.has_critical());

    // Unsigned critical extension on an authentication assertion.
    let bytes = auth(
        &sd_members(),
        &[leaf(TAG_SIGNATURE, &[1]), ext(true, b"x.crit", b"")],
    );
    let a = AuthAssertion::parse(&bytes).unwrap();
    assert!(a.signed_data.extensions.is_empty());
    assert_eq!(
        a.unknown_critical_extension(&["other"]).map(|e| e.id),
        Some("x.crit")
    );
}

#[test]
fn malformed_extensions_are_rejected() {
    let mut krd = krd_members();
    let off = member_offset(&krd, 6);
    krd.push(ext(true, &[0xff, 0xfe], b""));
    assert_eq!(
        reg_err(&reg(&krd, &[basic_full()])),
        tlv_err(TlvError::InvalidUtf8 {
            tag: TAG_EXTENSION_ID,
            offset: off + 4
        })
    );
    let mut krd = krd_members();
    krd.push(ext(false, b"", b"data"));
    assert_eq!(
        reg_err(&reg(&krd, &[basic_full()])),
        tlv_err(TlvError::EmptyValue {
            tag: TAG_EXTENSION_ID,
            offset: off + 4
        })
    );
    let mut krd = krd_members();
    krd.push(composite(TAG_EXTENSION, &[leaf(TAG_EXTENSION_DATA, b"d")]));
    assert_eq!(
        reg_err(&reg(&krd, &[basic_full()])),
        tlv_err(TlvError::MissingMember {
            parent: TAG_EXTENSION,
            tag: TAG_EXTENSION_ID,
            offset: off
        })
    );
    let mut krd = krd_members();
    krd.push(composite(
        TAG_EXTENSION,
        &[
            leaf(TAG_EXTENSION_ID, b"a"),
            leaf(TAG_EXTENSION_DATA, b""),
            leaf(TAG_EXTENSION_ID, b"b"),
        ],
    ));
    assert_eq!(
        reg_err(&reg(&krd, &[basic_full()])),
        tlv_err(TlvError::DuplicateMember {
            parent: TAG_EXTENSION,
            tag: TAG_EXTENSION_ID,
            offset: off + 4 + 5 + 4
        })
    );
}

// ------------------------------------------------------------------------------------------
// Attestation blocks
// ------------------------------------------------------------------------------------------

#[test]
fn exactly_one_attestation_block() {
    let krd_len = composite(TAG_UAFV1_KRD, &krd_members()).len();
    assert_eq!(
        reg_err(&reg(&krd_members(), &[])),
        AssertionError::MissingAttestation { offset: 0 }
    );
    assert_eq!(
        reg_err(&reg(&krd_members(), &[basic_full(), surrogate()])),
        AssertionError::MultipleAttestations {
            first: TAG_ATTESTATION_BASIC_FULL,
            second: TAG_ATTESTATION_BASIC_SURROGATE,
            offset: 4 + krd_len + basic_full().len()
        }
    );
    assert!(matches!(
        reg_err(&reg(&krd_members(), &[surrogate(), surrogate()])),
        AssertionError::MultipleAttestations {
            first: TAG_ATTESTATION_BASIC_SURROGATE,
            ..
        }
    ));
}

#[test]
fn surrogate_has_one_signature_and_no_certificate() {
    let bytes = reg(&krd_members(), &[surrogate()]);
    let a = RegAssertion::parse(&bytes).unwrap();
    assert_eq!(
        a.attestation,
        Attestation::BasicSurrogate {
            signature: &[0x5b; 64]
        }
    );
    assert_eq!(
        a.attestation.attestation_type(),
        AttestationType::BasicSurrogate
    );
    assert!(a.attestation.certificates().is_empty());

    let block = composite(
        TAG_ATTESTATION_BASIC_SURROGATE,
        &[
            leaf(TAG_SIGNATURE, &[1]),
            leaf(TAG_ATTESTATION_CERT, &[0x30]),
        ],
    );
    let bytes = reg(&krd_members(), &[block]);
    let cert_off = bytes.len() - 5;
    assert_eq!(
        reg_err(&bytes),
        tlv_err(TlvError::UnexpectedMember {
            parent: TAG_ATTESTATION_BASIC_SURROGATE,
            tag: TAG_ATTESTATION_CERT,
            offset: cert_off
        })
    );
    let block = composite(TAG_ATTESTATION_BASIC_SURROGATE, &[]);
    let bytes = reg(&krd_members(), &[block]);
    assert!(matches!(
        reg_err(&bytes),
        AssertionError::Tlv(TlvError::MissingMember {
            parent: TAG_ATTESTATION_BASIC_SURROGATE,
            tag: TAG_SIGNATURE,
            ..
        })
    ));
}

#[test]
fn basic_full_has_one_signature_and_certificates_in_order() {
    let block = composite(
        TAG_ATTESTATION_BASIC_FULL,
        &[
            leaf(TAG_ATTESTATION_CERT, b"leaf"),
            leaf(TAG_SIGNATURE, &[9]),
            leaf(TAG_ATTESTATION_CERT, b"ca"),
        ],
    );
    let bytes = reg(&krd_members(), &[block]);
    let a = RegAssertion::parse(&bytes).unwrap();
    let certs: Vec<&[u8]> = a.attestation.certificates().iter().collect();
    assert_eq!(certs, [&b"leaf"[..], &b"ca"[..]]);
    assert_eq!(a.attestation.certificates().first(), Some(&b"leaf"[..]));

    let block = composite(TAG_ATTESTATION_BASIC_FULL, &[leaf(TAG_SIGNATURE, &[9])]);
    let bytes = reg(&krd_members(), &[block]);
    let block_off = bytes.len() - 4 - 5;
    assert_eq!(
        reg_err(&bytes),
        tlv_err(TlvError::MissingMember {
            parent: TAG_ATTESTATION_BASIC_FULL,
            tag: TAG_ATTESTATION_CERT,
            offset: block_off
        })
    );
    let block = composite(
        TAG_ATTESTATION_BASIC_FULL,
        &[leaf(TAG_ATTESTATION_CERT, b"c")],
    );
    assert!(matches!(
        reg_err(&reg(&krd_members(), &[block])),
        AssertionError::Tlv(TlvError::MissingMember {
            parent: TAG_ATTESTATION_BASIC_FULL,
            tag: TAG_SIGNATURE,
            ..
        })
    ));
    let block = composite(
        TAG_ATTESTATION_BASIC_FULL,
        &[
            leaf(TAG_SIGNATURE, &[9]),
            leaf(TAG_SIGNATURE, &[9]),
            leaf(TAG_ATTESTATION_CERT, b"c"),
        ],
    );
    assert!(matches!(
        reg_err(&reg(&krd_members(), &[block])),
        AssertionError::Tlv(TlvError::DuplicateMember {
            parent: TAG_ATTESTATION_BASIC_FULL,
            tag: TAG_SIGNATURE,
            ..
        })
    ));
    let block = composite(
        TAG_ATTESTATION_BASIC_FULL,
        &[leaf(TAG_SIGNATURE, &[9]), leaf(TAG_ATTESTATION_CERT, b"")],
    );
    assert!(matches!(
        reg_err(&reg(&krd_members(), &[block])),
        AssertionError::Tlv(TlvError::EmptyValue {
            tag: TAG_ATTESTATION_CERT,
            ..
        })
    ));
}

#[test]
fn ecdaa_is_parsed_and_framing_checked() {
    let block = composite(TAG_ATTESTATION_ECDAA, &[leaf(TAG_SIGNATURE, &[0xec; 16])]);
    let bytes = reg(&krd_members(), core::slice::from_ref(&block));
    let a = RegAssertion::parse(&bytes).unwrap();
    assert_eq!(a.attestation, Attestation::Ecdaa { raw: &block });
    assert_eq!(a.attestation.attestation_type(), AttestationType::Ecdaa);
    assert_eq!(a.attestation.signature(), None);
    assert_eq!(a.encode().unwrap(), bytes);

    let broken = leaf(TAG_ATTESTATION_ECDAA, &[0x06, 0x2e, 0x09]);
    let bytes = reg(&krd_members(), &[broken]);
    let off = bytes.len() - 3;
    assert_eq!(
        reg_err(&bytes),
        tlv_err(TlvError::TruncatedHeader {
            offset: off,
            available: 3
        })
    );
}

// ------------------------------------------------------------------------------------------
// Builders refuse what the parser would reject
// ------------------------------------------------------------------------------------------

fn krd_builder<'a>(fch: &'a [u8], key_id: &'a [u8], pub_key: &'a [u8]) -> KrdBuilder<'a> {
    KrdBuilder {
        aaid: Aaid::parse("FFFF#FC01").unwrap(),
        assertion_info: RegAssertionInfo {
            authenticator_version: 1,
            authentication_mode: 1,
            sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
            pub_key_alg: AlgKey::EccX962Raw,
        },
        final_challenge_hash: fch,
        key_id,
        sign_counter: 0,
        reg_counter: 1,
        pub_key,
        extensions: Extensions::empty(),
    }
}

#[test]
fn builders_produce_what_the_parser_accepts() {
    let exts = [Extension {
        id: "e",
        data: b"1",
        critical: true,
    }];
    let mut b = krd_builder(&[1; 32], &[2; 32], &[4; 65]);
    b.extensions = Extensions::from_slice(&exts);
    let krd = b.encode().unwrap();
    let certs: [&[u8]; 2] = [b"leaf", b"root"];
    let att = Attestation::BasicFull {
        signature: &[3; 64],
        certificates: uaf_proto::assertion::Certificates::from_slice(&certs),
    };
    let bytes = encode_reg_assertion(&krd, &att, Extensions::empty()).unwrap();
    let a = RegAssertion::parse(&bytes).unwrap();
    assert_eq!(a.krd.to_builder(), b);
    assert_eq!(a.krd.raw, &krd[..]);
    assert_eq!(a.attestation, att);
    // Same bytes as the hand-built reference.
    let mut members = krd_members();
    members[1] = leaf(TAG_ASSERTION_INFO, &b.assertion_info.to_bytes());
    members[2] = leaf(TAG_FINAL_CHALLENGE_HASH, &[1; 32]);
    members[3] = leaf(TAG_KEYID, &[2; 32]);
    members.push(ext(true, b"e", b"1"));
    assert_eq!(krd, composite(TAG_UAFV1_KRD, &members));
}

#[test]
fn builders_refuse_invalid_values() {
    assert_eq!(
        krd_builder(&[], &[2], &[4]).encode(),
        Err(TlvError::EmptyValue {
            tag: TAG_FINAL_CHALLENGE_HASH,
            offset: 4 + 13 + 11
        })
    );
    assert!(matches!(
        krd_builder(&[1], &[], &[4]).encode(),
        Err(TlvError::EmptyValue { tag: TAG_KEYID, .. })
    ));
    assert!(matches!(
        krd_builder(&[1], &[2], &[]).encode(),
        Err(TlvError::EmptyValue {
            tag: TAG_PUB_KEY,
            ..
        })
    ));
    let big = vec![0u8; 70_000];
    assert_eq!(
        krd_builder(&[1], &[2], &big).encode(),
        Err(TlvError::ValueTooLong {
            tag: TAG_PUB_KEY,
            len: 70_000
        })
    );
    let near = vec![0u8; 65_500];
    assert!(matches!(
        krd_builder(&[1], &[2], &near).encode(),
        Err(TlvError::ValueTooLong {
            tag: TAG_UAFV1_KRD,
            ..
        })
    ));
    let mut b = krd_builder(&[1], &[2], &[4]);
    let bad_ext = [Extension {
        id: "",
        data: b"",
        critical: false,
    }];
    b.extensions = Extensions::from_slice(&bad_ext);
    assert!(matches!(
        b.encode(),
        Err(TlvError::EmptyValue {
            tag: TAG_EXTENSION_ID,
            ..
        })
    ));

    let sd = SignedDataBuilder {
        aaid: Aaid::parse("FFFF#FC01").unwrap(),
        assertion_info: AuthAssertionInfo {
            authenticator_version: 1,
            authentication_mode: 1,
            sign_alg: AlgSign::Secp256r1EcdsaSha256Raw,
        },
        authenticator_nonce: &[1; 7],
        final_challenge_hash: &[2; 32],
        transaction_content_hash: &[],
        key_id: &[3; 32],
        sign_counter: 1,
        extensions: Extensions::empty(),
    };
    assert!(matches!(
        sd.encode(),
        Err(TlvError::WrongLength {
            tag: TAG_AUTHENTICATOR_NONCE,
            len: 7,
            min: 8,
            ..
        })
    ));
    let sd = SignedDataBuilder {
        authenticator_nonce: &[1; 8],
        ..sd
    };
    let encoded = sd.encode().unwrap();
    assert_eq!(
        encoded,
        composite(TAG_UAFV1_SIGNED_DATA, &{
            let mut m = sd_members();
            m[2] = leaf(TAG_AUTHENTICATOR_NONCE, &[1; 8]);
            m[3] = leaf(TAG_FINAL_CHALLENGE_HASH, &[2; 32]);
            m[5] = leaf(TAG_KEYID, &[3; 32]);
            m[6] = leaf(TAG_COUNTERS, &[1, 0, 0, 0]);
            m
        })
    );
    assert_eq!(
        encode_auth_assertion(&encoded, &[], Extensions::empty()),
        Err(TlvError::EmptyValue {
            tag: TAG_SIGNATURE,
            offset: 4 + encoded.len()
        })
    );
    // The wrapped TLV must be a SignedData / KRD.
    assert_eq!(
        encode_auth_assertion(&composite(TAG_UAFV1_KRD, &[]), &[1], Extensions::empty()),
        Err(TlvError::UnexpectedTag {
            expected: TAG_UAFV1_SIGNED_DATA,
            found: TAG_UAFV1_KRD,
            offset: 0
        })
    );
    let att = Attestation::BasicFull {
        signature: &[1],
        certificates: uaf_proto::assertion::Certificates::empty(),
    };
    let krd = krd_builder(&[1], &[2], &[4]).encode().unwrap();
    assert!(matches!(
        encode_reg_assertion(&krd, &att, Extensions::empty()),
        Err(TlvError::MissingMember {
            parent: TAG_ATTESTATION_BASIC_FULL,
            tag: TAG_ATTESTATION_CERT,
            ..
        })
    ));
    let mut krd_trailing = krd.clone();
    krd_trailing.push(0);
    assert!(matches!(
        encode_reg_assertion(
            &krd_trailing,
            &Attestation::BasicSurrogate { signature: &[1] },
            Extensions::empty()
        ),
        Err(TlvError::TrailingBytes { .. })
    ));
    assert!(matches!(
        encode_reg_assertion(
            &krd,
            &Attestation::Ecdaa {
                raw: &leaf(TAG_SIGNATURE, &[1])
            },
            Extensions::empty()
        ),
        Err(TlvError::UnexpectedTag {
            expected: TAG_ATTESTATION_ECDAA,
            ..
        })
    ));
}

#[test]
fn faulty_structures_via_the_writer() {
    // What a conformance fault injector does: a KRD with AssertionInfo of 6 bytes.
    let mut w = TlvWriter::new();
    w.put_composite(TAG_UAFV1_REG_ASSERTION, |w| {
        w.put_composite(TAG_UAFV1_KRD, |w| {
            for m in krd_members() {
                if m[..2] == TAG_ASSERTION_INFO.to_le_bytes() {
                    w.put(TAG_ASSERTION_INFO, &[1, 0, 1, 1, 0, 0])?;
                } else {
                    w.put_raw(&m);
                }
            }
            Ok(())
        })?;
        w.put_raw(&surrogate());
        Ok(())
    })
    .unwrap();
    assert!(matches!(
        RegAssertion::parse(w.as_bytes()),
        Err(AssertionError::Tlv(TlvError::WrongLength {
            tag: TAG_ASSERTION_INFO,
            len: 6,
            ..
        }))
    ));
    // A header that lies about its length.
    let mut w = TlvWriter::new();
    w.put_header(TAG_UAFV1_AUTH_ASSERTION, 100);
    w.put_raw(&[0; 10]);
    assert!(matches!(
        AuthAssertion::parse(w.as_bytes()),
        Err(AssertionError::Tlv(TlvError::LengthPastEnd {
            length: 100,
            available: 10,
            ..
        }))
    ));
}

#[test]
fn errors_say_what_and_where() {
    let e = reg_err(&reg(&krd_members()[1..], &[basic_full()]));
    assert_eq!(e.tag(), Some(TAG_AAID));
    assert_eq!(e.offset(), Some(4));
    assert_eq!(
        e.to_string(),
        "malformed assertion: TAG_UAFV1_KRD (0x3E03) at offset 4 lacks the mandatory member TAG_AAID (0x2E0B)"
    );
    let e = AssertionError::MultipleAttestations {
        first: 0x3e07,
        second: 0x3e08,
        offset: 9,
    };
    assert!(e.to_string().contains("exactly one"), "{e}");
    assert_eq!(e.tag(), Some(0x3e08));
    let e = AssertionError::InvalidAaid { offset: 8 };
    assert!(e.to_string().contains("VVVV#MMMM"));
    let e: Box<dyn core::error::Error> = Box::new(e);
    assert!(!e.to_string().is_empty());
}

// ------------------------------------------------------------------------------------------
// The step a malformed assertion fails (`Malformation::digest_step`)
// ------------------------------------------------------------------------------------------

fn with_member(members: &[Vec<u8>], tag: u16, value: &[u8]) -> Vec<Vec<u8>> {
    members
        .iter()
        .map(|m| {
            if u16::from_le_bytes([m[0], m[1]]) == tag {
                leaf(tag, value)
            } else {
                m.clone()
            }
        })
        .collect()
}

fn without_member(members: &[Vec<u8>], tag: u16) -> Vec<Vec<u8>> {
    members
        .iter()
        .filter(|m| u16::from_le_bytes([m[0], m[1]]) != tag)
        .cloned()
        .collect()
}

fn reg_step(bytes: &[u8]) -> &'static str {
    reg_err(bytes).digest_step(AssertionKind::Reg)
}

fn auth_step(bytes: &[u8]) -> &'static str {
    auth_err(bytes).digest_step(AssertionKind::Auth)
}

#[test]
fn malformed_registration_assertions_fail_r5_2_unless_a_later_step_fixes_the_length() {
    let k = krd_members();
    // The framing.
    assert_eq!(reg_step(&valid_reg()[..10]), "R5.2");
    let mut trailing = valid_reg();
    trailing.push(0);
    assert_eq!(reg_step(&trailing), "R5.2");
    assert_eq!(reg_step(&reg(&k, &[])), "R5.2");
    assert_eq!(reg_step(&reg(&k, &[basic_full(), surrogate()])), "R5.2");
    // A KRD member missing, repeated, empty or invalid.
    for tag in KRD_TAGS {
        assert_eq!(
            reg_step(&reg(&without_member(&k, tag), &[basic_full()])),
            "R5.2"
        );
        assert_eq!(
            reg_step(&reg(&with_member(&k, tag, &[]), &[basic_full()])),
            "R5.2"
        );
    }
    let mut repeated = k.clone();
    repeated.push(leaf(TAG_KEYID, &[1; 32]));
    assert_eq!(reg_step(&reg(&repeated, &[basic_full()])), "R5.2");
    let bad_aaid = with_member(&k, TAG_AAID, b"FFFF-FC01");
    assert_eq!(reg_step(&reg(&bad_aaid, &[basic_full()])), "R5.2");
    assert_eq!(
        reg_step(&reg(
            &with_member(&k, TAG_AAID, b"FFFF#FC0"),
            &[basic_full()]
        )),
        "R5.2"
    );
    // The members whose length a later step fixes.
    let info = with_member(&k, TAG_ASSERTION_INFO, &[1, 0, 1, 1, 0, 0]);
    assert_eq!(reg_step(&reg(&info, &[basic_full()])), "R5.6");
    let counters = with_member(&k, TAG_COUNTERS, &[0; 4]);
    assert_eq!(reg_step(&reg(&counters, &[basic_full()])), "R5.9");
}

#[test]
fn malformed_authentication_assertions_fail_a5_2_a5_3_or_the_step_fixing_the_length() {
    let sd = sd_members();
    let signature = [leaf(TAG_SIGNATURE, &[0x5c; 64])];
    // The framing: A5.2.
    assert_eq!(auth_step(&valid_auth()[..10]), "A5.2");
    let mut trailing = valid_auth();
    trailing.push(0);
    assert_eq!(auth_step(&trailing), "A5.2");
    assert_eq!(auth_step(&auth(&sd, &[])), "A5.2");
    assert_eq!(auth_step(&auth(&sd, &[leaf(TAG_SIGNATURE, &[])])), "A5.2");
    assert_eq!(
        auth_step(&composite(TAG_UAFV1_AUTH_ASSERTION, &signature)),
        "A5.2"
    );
    // A SignedData member missing, repeated, empty, invalid or of the wrong length: A5.3.
    for tag in SD_TAGS {
        assert_eq!(
            auth_step(&auth(&without_member(&sd, tag), &signature)),
            "A5.3"
        );
        if tag != TAG_TRANSACTION_CONTENT_HASH {
            let empty = with_member(&sd, tag, &[]);
            assert_eq!(auth_step(&auth(&empty, &signature)), "A5.3");
        }
    }
    let mut repeated = sd.clone();
    repeated.push(leaf(TAG_AUTHENTICATOR_NONCE, &[2; 8]));
    assert_eq!(auth_step(&auth(&repeated, &signature)), "A5.3");
    let bad_aaid = with_member(&sd, TAG_AAID, b"FFFF-FC01");
    assert_eq!(auth_step(&auth(&bad_aaid, &signature)), "A5.3");
    let short_aaid = with_member(&sd, TAG_AAID, b"FFFF#FC0");
    assert_eq!(auth_step(&auth(&short_aaid, &signature)), "A5.3");
    // The members whose length a later step fixes.
    let info = with_member(&sd, TAG_ASSERTION_INFO, &[1, 0, 1, 1]);
    assert_eq!(auth_step(&auth(&info, &signature)), "A5.6");
    let nonce = with_member(&sd, TAG_AUTHENTICATOR_NONCE, &[1; 7]);
    assert_eq!(auth_step(&auth(&nonce, &signature)), "A5.7");
    let counters = with_member(&sd, TAG_COUNTERS, &[0; 8]);
    assert_eq!(auth_step(&auth(&counters, &signature)), "A5.10");
}

#[test]
fn the_malformation_table_answers_only_its_listed_labels() {
    let tags = [
        TAG_AAID,
        TAG_ASSERTION_INFO,
        TAG_AUTHENTICATOR_NONCE,
        TAG_FINAL_CHALLENGE_HASH,
        TAG_TRANSACTION_CONTENT_HASH,
        TAG_KEYID,
        TAG_COUNTERS,
        TAG_PUB_KEY,
        TAG_SIGNATURE,
        TAG_UAFV1_KRD,
    ];
    let mut seen = Vec::new();
    for kind in [AssertionKind::Reg, AssertionKind::Auth] {
        let mut defects = vec![Malformation::Framing];
        for tag in tags {
            defects.push(Malformation::Member(tag));
            defects.push(Malformation::Length(tag));
        }
        for d in defects {
            let label = d.digest_step(kind);
            assert!(Malformation::DIGEST_STEPS.contains(&label), "{d:?} {label}");
            let prefix = if kind == AssertionKind::Reg {
                "R5."
            } else {
                "A5."
            };
            assert!(label.starts_with(prefix), "{kind:?} {d:?} {label}");
            seen.push(label);
        }
    }
    for label in Malformation::DIGEST_STEPS {
        assert!(seen.contains(label), "{label} is never answered");
    }
    // Outside the signed block, an empty value is framing.
    let e = tlv_err(TlvError::EmptyValue {
        tag: TAG_SIGNATURE,
        offset: 0,
    });
    assert_eq!(Malformation::of(&e), Malformation::Framing);
    let e = tlv_err(TlvError::MissingMember {
        parent: TAG_UAFV1_AUTH_ASSERTION,
        tag: TAG_UAFV1_SIGNED_DATA,
        offset: 0,
    });
    assert_eq!(Malformation::of(&e), Malformation::Framing);
}
